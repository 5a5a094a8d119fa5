/* The distribution-spec client: one dock_registry is one endpoint (a base
 * URL with its TLS settings and authentication state) of one registry.
 *
 * Authentication is lazy: the /v2/ ping records the challenge, and each
 * request carries what its scopes need (a cached Bearer token per scope
 * set, or Basic credentials); a 401 on the way refreshes the token once.
 * Transient failures (429, 5xx, a dropped connection, a stall) are retried
 * with exponential backoff, honouring Retry-After; a blob download that
 * breaks off resumes where it stopped with a Range request.
 *
 * Errors are one line, docker's where docker has one:
 *   manifest for 127.0.0.1:5000/x:nope not found: manifest unknown: manifest unknown
 *   unauthorized: authentication required
 *   toomanyrequests: ...
 *   Get "http://127.0.0.1:1/v2/": Couldn't connect to server: Connection refused
 */
#ifndef DOCK_REGISTRY_CLIENT_H
#define DOCK_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"
#include "libdock/registry/auth.h"
#include "libdock/registry/http.h"

/* Manifests, indexes and configs larger than this are refused (containerd's
   limit); a registry or an image that needs more is broken or hostile. */
#define DOCK_REGISTRY_DOC_MAX (4 << 20)

/* The Accept header of manifest requests: every kind dock can pull. */
#define DOCK_MANIFEST_ACCEPT                                                                                          \
  "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "                             \
  "application/vnd.docker.distribution.manifest.list.v2+json, "                                                       \
  "application/vnd.docker.distribution.manifest.v2+json"

typedef struct
{
  const char *const *mirrors;  /* registry-mirrors: URLs tried for docker.io before the origin */
  const char *const *insecure; /* insecure-registries: "host[:port]" or CIDRs */
  int tls_verify;              /* --tls-verify: -1 unset, 0 false (insecure), 1 true (verify even loopback) */
  const char *certs_dir;       /* NULL: $DOCK_CERTS_D, /etc/dock/certs.d, /etc/docker/certs.d */
} dock_registry_opts;

typedef struct dock_registry dock_registry;

/* Whether a registry is insecure (unverified TLS, then plain HTTP): listed
   in insecure-registries (by name or by a CIDR holding its IP literal),
   --tls-verify=false, or, as docker has it, on a loopback address. */
bool dock_registry_is_insecure (const dock_registry_opts *o, const char *domain);

/* The endpoints to try for a registry, in order: for docker.io the
   mirrors and then the origin, else only the registry's own.  Each entry
   is a base URL or NULL for "the registry itself" (its scheme decided by
   dock_registry_open).  NULL-terminated array of n entries; free with
   strv_free-like loop (entries may be NULL: use dock_registry_endpoints_free). */
char **dock_registry_endpoints (const dock_registry_opts *o, const char *domain, size_t *n);
void dock_registry_endpoints_free (char **v, size_t n);

/* Connect to a registry (url NULL: its own endpoint, else a mirror's URL)
   and ping /v2/.  cred NULL: the stored credentials for the domain. */
int dock_registry_open (dock_http *h, const dock_registry_opts *o, const char *domain, const char *url,
                        const dock_credentials *cred, dock_registry **out, berth_error **err);
void dock_registry_free (dock_registry *r);
void dock_registry_freep (dock_registry **r);
#define cleanup_registry __attribute__ ((cleanup (dock_registry_freep)))
/* "http://127.0.0.1:5000" */
const char *dock_registry_url (const dock_registry *r);
const char *dock_registry_domain (const dock_registry *r);
dock_http *dock_registry_http (const dock_registry *r);

/* `dock login`: check the credentials (a token for a Bearer realm, an
   authenticated /v2/ for Basic).  Fails with "unauthorized: ..." when the
   registry refuses them. */
int dock_registry_login (dock_registry *r, berth_error **err);

/* A manifest or index by tag or digest.  *body (NUL-terminated, at most
   DOCK_REGISTRY_DOC_MAX), *media_type (the answer's Content-Type, or the
   document's own mediaType), *digest (sha256 of the bytes, computed, so
   never trusted from the server) are malloc'd.  not_found (may be NULL)
   is set instead of failing on 404. */
int dock_registry_get_manifest (dock_registry *r, const char *repo, const char *reference, char **body, size_t *len,
                                char **media_type, char **digest, bool *not_found, berth_error **err);
/* HEAD of a manifest: *digest from Docker-Content-Digest; *exists false on 404. */
int dock_registry_head_manifest (dock_registry *r, const char *repo, const char *reference, bool *exists,
                                 char **digest, berth_error **err);
int dock_registry_put_manifest (dock_registry *r, const char *repo, const char *reference, const char *media_type,
                                const char *body, size_t len, berth_error **err);

/* A small blob (a config) whole into memory, verified against digest. */
int dock_registry_get_blob (dock_registry *r, const char *repo, const char *digest, size_t max, char **body,
                            size_t *len, berth_error **err);

/* ------------------------------------------------ parallel blob downloads */

typedef enum
{
  DOCK_BLOB_WAITING,     /* queued behind the parallel limit */
  DOCK_BLOB_DOWNLOADING, /* bytes arriving: done / total */
  DOCK_BLOB_RETRYING,    /* a transient failure; done bytes are kept */
  DOCK_BLOB_VERIFYING,   /* all bytes in, digest being checked */
  DOCK_BLOB_COMPLETE,    /* verified and stored */
} dock_blob_event;

/* Where downloaded blobs go; i indexes the digests given.  begin opens the
   destination and says how many bytes it holds already (a resumed
   download); restart forgets them (the server ignored the Range);
   commit verifies and stores (a digest mismatch fails the whole fetch,
   never retried: the registry serves bad data); abort keeps a partial
   file for a later resume.  idle is called on every turn of the loop, so
   that the owner can do its own work (reap unpacked layers) meanwhile. */
typedef struct
{
  int (*begin) (void *data, size_t i, int64_t *have, berth_error **err);
  int (*restart) (void *data, size_t i, berth_error **err);
  int (*write) (void *data, size_t i, const void *buf, size_t len, berth_error **err);
  int (*commit) (void *data, size_t i, berth_error **err);
  void (*abort) (void *data, size_t i);
  void (*event) (void *data, size_t i, dock_blob_event ev, int64_t done, int64_t total);
  int (*idle) (void *data, berth_error **err);
} dock_blob_sink;

typedef struct
{
  const char *digest;
  int64_t size;
} dock_blob_ref;

/* Download blobs, at most parallel at once (on one connection per
   transfer, or multiplexed streams on HTTP/2). */
int dock_registry_fetch_blobs (dock_registry *r, const char *repo, const dock_blob_ref *blobs, size_t n,
                               const dock_blob_sink *sink, void *data, size_t parallel, berth_error **err);

/* --------------------------------------------------------------- uploads */

int dock_registry_blob_exists (dock_registry *r, const char *repo, const char *digest, bool *exists,
                               berth_error **err);
/* Cross-repository mount (POST ?mount=<digest>&from=<repo>): *mounted
   false when the registry declined (it may then not know the blob). */
int dock_registry_mount_blob (dock_registry *r, const char *repo, const char *digest, const char *from,
                              bool *mounted, berth_error **err);
/* Upload fd's size bytes as blob digest: one PUT when chunk is 0, else
   PATCHes of chunk bytes and a closing PUT.  sent reports progress. */
int dock_registry_upload_blob (dock_registry *r, const char *repo, const char *digest, int fd, int64_t size,
                               int64_t chunk, void (*sent) (int64_t done, void *data), void *data,
                               berth_error **err);

/* ------------------------------------------------------------- listings */

/* Every tag of repo (following the registry's pagination). */
int dock_registry_tags (dock_registry *r, const char *repo, char ***tags, size_t *n, berth_error **err);
/* Every repository of the registry's catalog. */
int dock_registry_catalog (dock_registry *r, char ***repos, size_t *n, berth_error **err);

#endif
