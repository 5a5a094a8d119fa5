/* Blob uploads: existence checks, cross-repository mounts, monolithic and
   chunked uploads (distribution-spec "Pushing blobs"). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <string.h>

#include "libberth/util.h"
#include "libdock/registry/client_internal.h"
#include "libdock/registry/errors.h"

static char *
push_scope (const char *repo)
{
  return xasprintf ("repository:%s:pull,push", repo);
}

int
dock_registry_blob_exists (dock_registry *r, const char *repo, const char *digest, bool *exists, berth_error **err)
{
  *exists = false;
  cleanup_free char *scope = push_scope (repo);
  const char *scopes[] = { scope };
  cleanup_http_req dock_http_req *req = registry_req (r, "HEAD", "/v2/%s/blobs/%s", repo, digest);
  if (registry_do (r, req, scopes, 1, err) < 0)
    return -1;
  if (req->status == 200)
    *exists = true;
  else if (req->status != 404)
    return registry_fail (req, err);
  return 0;
}

/* POST an upload session; *location gets its URL (absolute). */
static int
begin_upload (dock_registry *r, const char *repo, const char *query, const char *const *scopes, size_t n,
              long *status, char **location, berth_error **err)
{
  *location = NULL;
  cleanup_http_req dock_http_req *req = registry_req (r, "POST", "/v2/%s/blobs/uploads/%s", repo, query ? query : "");
  req->body = "";
  req->body_len = 0;
  if (registry_do (r, req, scopes, n, err) < 0)
    return -1;
  *status = req->status;
  if (req->status != 201 && req->status != 202)
    return registry_fail (req, err);
  if (req->status == 202)
    {
      if (req->location == NULL)
        return berth_fail (err, 0, "the registry started an upload without a Location");
      *location = registry_resolve (r, req->location);
    }
  return 0;
}

/* Drop an upload session we will not use (a declined mount). */
static void
cancel_upload (dock_registry *r, const char *location, const char *const *scopes, size_t n)
{
  cleanup_http_req dock_http_req *req = registry_req_url (r, "DELETE", location);
  berth_error *ignored = NULL;
  registry_do (r, req, scopes, n, &ignored);
  berth_error_free (ignored);
}

int
dock_registry_mount_blob (dock_registry *r, const char *repo, const char *digest, const char *from, bool *mounted,
                          berth_error **err)
{
  *mounted = false;
  cleanup_free char *scope = push_scope (repo);
  cleanup_free char *from_scope = xasprintf ("repository:%s:pull", from);
  const char *scopes[] = { scope, from_scope };
  cleanup_free char *e_digest = dock_http_query_escape (digest), *e_from = dock_http_query_escape (from);
  cleanup_free char *query = xasprintf ("?mount=%s&from=%s", e_digest, e_from);
  long status = 0;
  cleanup_free char *location = NULL;
  if (begin_upload (r, repo, query, scopes, 2, &status, &location, err) < 0)
    return -1;
  if (status == 201)
    *mounted = true;
  else if (location)
    cancel_upload (r, location, scopes, 2);
  return 0;
}

/* "...?_state=x" + "&digest=..." or "?digest=...". */
static char *
with_query (const char *location, const char *key, const char *value)
{
  cleanup_free char *v = dock_http_query_escape (value);
  return xasprintf ("%s%s%s=%s", location, strchr (location, '?') ? "&" : "?", key, v);
}

typedef struct
{
  void (*sent) (int64_t done, void *data);
  void *data;
  int64_t base;
} progress;

static void
on_sent (int64_t sent, void *data)
{
  progress *p = data;
  if (p->sent)
    p->sent (p->base + sent, p->data);
}

int
dock_registry_upload_blob (dock_registry *r, const char *repo, const char *digest, int fd, int64_t size, int64_t chunk,
                           void (*sent) (int64_t done, void *data), void *data, berth_error **err)
{
  cleanup_free char *scope = push_scope (repo);
  const char *scopes[] = { scope };
  long status = 0;
  cleanup_free char *location = NULL;
  if (begin_upload (r, repo, NULL, scopes, 1, &status, &location, err) < 0)
    return -1;
  if (location == NULL)
    return berth_fail (err, 0, "the registry answered the upload request with %ld and no Location", status);
  progress p = { .sent = sent, .data = data };

  int64_t offset = 0;
  if (chunk > 0)
    while (offset < size)
      {
        int64_t len = size - offset < chunk ? size - offset : chunk;
        cleanup_http_req dock_http_req *req = registry_req_url (r, "PATCH", location);
        req->body_fd = fd;
        req->body_offset = offset;
        req->body_len = len;
        req->on_sent = on_sent;
        req->data = &p;
        p.base = offset;
        dock_http_req_header (req, "Content-Type: application/octet-stream");
        dock_http_req_header (req, "Content-Range: %" PRId64 "-%" PRId64, offset, offset + len - 1);
        if (registry_do (r, req, scopes, 1, err) < 0)
          return -1;
        if (req->status != 202)
          return registry_fail (req, err);
        if (req->location)
          {
            free (location);
            location = registry_resolve (r, req->location);
          }
        offset += len;
      }

  /* The closing PUT: the whole blob when monolithic, nothing after chunks. */
  cleanup_free char *put_url = with_query (location, "digest", digest);
  cleanup_http_req dock_http_req *req = registry_req_url (r, "PUT", put_url);
  req->body_fd = chunk > 0 ? -1 : fd;
  req->body = chunk > 0 ? "" : NULL;
  req->body_offset = 0;
  req->body_len = chunk > 0 ? 0 : size;
  req->on_sent = on_sent;
  req->data = &p;
  p.base = chunk > 0 ? size : 0;
  dock_http_req_header (req, "Content-Type: application/octet-stream");
  if (registry_do (r, req, scopes, 1, err) < 0)
    return -1;
  if (req->status != 201)
    return registry_fail (req, err);
  return 0;
}
