/* What client.c, fetch.c and upload.c share: the registry object and the
   request helpers (authorisation, retries, error text). */
#ifndef DOCK_REGISTRY_CLIENT_INTERNAL_H
#define DOCK_REGISTRY_CLIENT_INTERNAL_H

#include <stdarg.h>

#include "libdock/registry/auth.h"
#include "libdock/registry/client.h"
#include "libdock/registry/http.h"

struct dock_registry
{
  dock_http *http;
  char *domain; /* as in references: "docker.io", "127.0.0.1:5000" */
  char *base;   /* "https://127.0.0.1:5000" */
  dock_tls tls;
  dock_challenge challenge;
  dock_credentials cred;
  bool ping_tls_failed;
  struct
  {
    char *scopes; /* the space-joined scope set the token is for */
    char *token;
    int64_t expires_ms; /* CLOCK_MONOTONIC */
  } *tokens;
  size_t n_tokens;
};

/* base + printf'd path. */
char *registry_url (const dock_registry *r, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* A request to base + printf'd path, with the registry's TLS settings. */
dock_http_req *registry_req (const dock_registry *r, const char *method, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* A request to an absolute URL (an upload Location), with the TLS settings. */
dock_http_req *registry_req_url (const dock_registry *r, const char *method, const char *url);
/* A Location header made absolute. */
char *registry_resolve (const dock_registry *r, const char *location);
/* Set the Authorization header the scopes need (fetching a token). */
int registry_authorize (dock_registry *r, dock_http_req *req, const char *const *scopes, size_t n, berth_error **err);
/* After a 401: adopt its challenge; true when a retry may succeed. */
bool registry_take_challenge (dock_registry *r, const dock_http_req *req, const char *const *scopes, size_t n);
/* 429, 5xx, or a dropped/stalled connection. */
bool registry_transient (const dock_http_req *req);
int64_t registry_backoff_ms (const dock_http_req *req, int attempt);
void registry_sleep_ms (int64_t ms);
/* Perform req with authorisation, one re-authorisation on 401 and retries
   of transient failures (not for requests with a sink: their owner
   resumes them).  Fails only when no HTTP answer came; the caller judges
   the status. */
int registry_do (dock_registry *r, dock_http_req *req, const char *const *scopes, size_t n, berth_error **err);
/* berth_fail with the answer's one-line error text. */
int registry_fail (const dock_http_req *req, berth_error **err);

#endif
