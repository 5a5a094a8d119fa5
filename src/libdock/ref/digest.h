/* Content digests ("sha256:<64 hex>", "sha512:<128 hex>") computed while
   data streams past, with OpenSSL's EVP interface (libcrypto, opened with
   dlopen on first use). */
#ifndef DOCK_DIGEST_H
#define DOCK_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "libberth/error.h"

typedef enum
{
  DOCK_DIGEST_SHA256,
  DOCK_DIGEST_SHA512,
} dock_digest_alg;

/* "sha256:" plus 64 hex digits is the longest common case; sha512 needs more. */
#define DOCK_DIGEST_MAX 136 /* "sha512:" + 128 + NUL */

typedef struct dock_hasher dock_hasher;

/* Load libcrypto (done on the first digest anyway); an error names the
   library when it is missing.  The hasher calls below abort in that case:
   call this first where the failure can be reported. */
int dock_digest_load (berth_error **err);

dock_hasher *dock_hasher_new (dock_digest_alg alg);
void dock_hasher_update (dock_hasher *h, const void *buf, size_t len);
/* Write "alg:hex" into out (DOCK_DIGEST_MAX bytes); the hasher may go on
   being updated afterwards (the digest is of what was fed so far). */
void dock_hasher_peek (dock_hasher *h, char out[DOCK_DIGEST_MAX]);
void dock_hasher_free (dock_hasher *h);
void dock_hasher_freep (dock_hasher **h);
#define cleanup_hasher __attribute__ ((cleanup (dock_hasher_freep)))

/* Check the syntax of a digest (algorithm we know, lowercase hex of the
   right length); on success *alg and *hex (pointing into s) are set. */
int dock_digest_parse (const char *s, dock_digest_alg *alg, const char **hex, berth_error **err);
bool dock_digest_valid (const char *s);
/* The digest of a buffer, "sha256:..." (malloc'd). */
char *dock_digest_buf (dock_digest_alg alg, const void *buf, size_t len);
/* The digest of an fd's content from its current offset to EOF; *size
   (if not NULL) gets the byte count. */
int dock_digest_fd (int fd, dock_digest_alg alg, char out[DOCK_DIGEST_MAX], off_t *size, berth_error **err);

#endif
