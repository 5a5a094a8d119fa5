/* Image references as docker reads them: "busybox" is
 * docker.io/library/busybox, "host:port/ns/name:tag", "name@sha256:...",
 * "name:tag@sha256:...".  The grammar is distribution/reference's; the error
 * texts are docker's, word for word, because scripts match on them:
 *   invalid reference format
 *   invalid reference format: repository name (library/Busybox) must be lowercase
 *   invalid repository name (<64 hex>), cannot specify 64-byte hexadecimal strings
 *   repository name must not be more than 255 characters
 *   invalid checksum digest format / invalid checksum digest length /
 *   unsupported digest algorithm
 */
#ifndef DOCK_REF_REFERENCE_H
#define DOCK_REF_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "libberth/error.h"

#define DOCK_REF_DEFAULT_DOMAIN "docker.io"
#define DOCK_REF_LEGACY_DOMAIN "index.docker.io"
#define DOCK_REF_OFFICIAL_PREFIX "library/"
#define DOCK_REF_DEFAULT_TAG "latest"
#define DOCK_REF_NAME_MAX 255
#define DOCK_REF_TAG_MAX 128

typedef struct dock_ref
{
  char *domain; /* "docker.io", "127.0.0.1:5000", "[::1]:5000" */
  char *path;   /* "library/busybox", "ns/name" */
  char *tag;    /* NULL when the reference names none */
  char *digest; /* "sha256:<hex>", or NULL */
} dock_ref;

/* Parse a reference as `docker pull` does (ParseNormalizedNamed): the
   domain and library/ are filled in, no tag is added. */
int dock_ref_parse (const char *s, dock_ref **out, berth_error **err);
/* `busybox` -> `busybox:latest`: the tag docker assumes when a reference
   names neither a tag nor a digest. */
void dock_ref_default_tag (dock_ref *r);
dock_ref *dock_ref_copy (const dock_ref *r);
void dock_ref_free (dock_ref *r);
void dock_ref_freep (dock_ref **r);
#define cleanup_ref __attribute__ ((cleanup (dock_ref_freep)))

/* All malloc'd:
   dock_ref_name             docker.io/library/busybox
   dock_ref_string           docker.io/library/busybox:latest@sha256:...  (what is present)
   dock_ref_familiar_name    busybox          (docker.io and library/ dropped, as docker prints)
   dock_ref_familiar_string  busybox:latest   (familiar name, tag, digest) */
char *dock_ref_name (const dock_ref *r);
char *dock_ref_string (const dock_ref *r);
char *dock_ref_familiar_name (const dock_ref *r);
char *dock_ref_familiar_string (const dock_ref *r);
bool dock_ref_is_docker_hub (const dock_ref *r);

/* Pieces of the grammar, for the commands that take them alone
   (dock tag, dock login <server>, dock pull -a). */
bool dock_ref_valid_tag (const char *tag);
bool dock_ref_valid_domain (const char *domain);
bool dock_ref_valid_path (const char *path);
/* A digest as go-digest's Parse checks it (sha256, sha384, sha512),
   with its messages. */
int dock_ref_check_digest (const char *digest, berth_error **err);
/* 64 lowercase hex digits: an image ID, which docker refuses as a name. */
bool dock_ref_is_hex_id (const char *s);

#endif
