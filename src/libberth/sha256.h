/* SHA-256 (FIPS 180-4), small and self-contained: berth links no crypto
   library.  Used to key caches by content, not for signatures. */
#ifndef BERTH_SHA256_H
#define BERTH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define BERTH_SHA256_LEN 32

typedef struct
{
  uint32_t h[8];
  uint64_t total; /* bytes hashed so far */
  uint8_t block[64];
  size_t used; /* bytes waiting in block */
} berth_sha256;

void berth_sha256_init (berth_sha256 *c);
void berth_sha256_update (berth_sha256 *c, const void *data, size_t len);
void berth_sha256_final (berth_sha256 *c, uint8_t out[BERTH_SHA256_LEN]);
/* out gets 64 lower-case hex digits and a NUL. */
void berth_sha256_hex (const uint8_t digest[BERTH_SHA256_LEN], char out[2 * BERTH_SHA256_LEN + 1]);

#endif
