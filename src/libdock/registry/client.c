/* The distribution-spec client: endpoints, ping, authorisation, retries,
   manifests, small blobs and listings.  Parallel blob downloads are in
   fetch.c, uploads in upload.c.  See client.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/registry/client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "distribution_spec.h"
#include "image_spec.h"
#include "libberth/util.h"
#include "libdock/ref/digest.h"
#include "libdock/registry/client_internal.h"
#include "libdock/registry/creds.h"
#include "libdock/registry/errors.h"

#define DOCKER_HUB_ORIGIN "https://registry-1.docker.io"
#define MAX_ATTEMPTS 4

/* ------------------------------------------------------------ endpoints */

/* host part of "host:port", "[v6]:port" or "host" (malloc'd). */
static char *
domain_host (const char *domain)
{
  if (domain[0] == '[')
    {
      const char *close = strchr (domain, ']');
      return close ? xstrndup (domain + 1, (size_t) (close - domain - 1)) : xstrdup (domain);
    }
  return xstrndup (domain, strcspn (domain, ":"));
}

static bool
cidr_contains (const char *cidr, const char *host)
{
  const char *slash = strchr (cidr, '/');
  if (slash == NULL)
    return false;
  cleanup_free char *net = xstrndup (cidr, (size_t) (slash - cidr));
  int bits = atoi (slash + 1);
  unsigned char a[16], b[16];
  int family = strchr (net, ':') ? AF_INET6 : AF_INET;
  size_t len = family == AF_INET ? 4 : 16;
  if (inet_pton (family, net, a) != 1 || inet_pton (family, host, b) != 1 || bits < 0 || bits > (int) len * 8)
    return false;
  for (int i = 0; i < bits; i++)
    if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1)
      return false;
  return true;
}

static bool
is_loopback (const char *host)
{
  return strcmp (host, "localhost") == 0 || strcmp (host, "::1") == 0 || cidr_contains ("127.0.0.0/8", host);
}

bool
dock_registry_is_insecure (const dock_registry_opts *o, const char *domain)
{
  if (o->tls_verify == 0)
    return true;
  if (o->tls_verify == 1)
    return false;
  cleanup_free char *host = domain_host (domain);
  for (const char *const *p = o->insecure; p && *p; p++)
    if (strcmp (*p, domain) == 0 || strcmp (*p, host) == 0 || cidr_contains (*p, host))
      return true;
  /* docker's default: 127.0.0.0/8 is an insecure registry range. */
  return is_loopback (host);
}

char **
dock_registry_endpoints (const dock_registry_opts *o, const char *domain, size_t *n)
{
  size_t count = 0;
  bool hub = strcmp (domain, "docker.io") == 0;
  for (const char *const *p = o->mirrors; hub && p && *p; p++)
    count++;
  char **v = xcalloc (count + 2, sizeof (char *));
  size_t k = 0;
  for (const char *const *p = o->mirrors; hub && p && *p; p++)
    {
      /* "https://mirror/" and "https://mirror" are the same base. */
      size_t len = strlen (*p);
      while (len > 0 && (*p)[len - 1] == '/')
        len--;
      v[k++] = xstrndup (*p, len);
    }
  v[k++] = NULL; /* the origin */
  *n = k;
  return v;
}

void
dock_registry_endpoints_free (char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

/* -------------------------------------------------------------- TLS dir */

static char *
find_file (const char *dir, const char *suffix, const char *prefer)
{
  cleanup_free char *preferred = xasprintf ("%s/%s", dir, prefer);
  struct stat st;
  if (stat (preferred, &st) == 0 && S_ISREG (st.st_mode))
    return steal_pointer (&preferred);
  cleanup_closedir DIR *d = opendir (dir);
  if (d == NULL)
    return NULL;
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      size_t n = strlen (e->d_name), m = strlen (suffix);
      if (n > m && strcmp (e->d_name + n - m, suffix) == 0)
        return xasprintf ("%s/%s", dir, e->d_name);
    }
  return NULL;
}

/* docker's certs.d layout: <dir>/<host:port>/ca.crt (any *.crt is a CA),
   client.cert + client.key for a client certificate. */
static void
load_certs_dir (const dock_registry_opts *o, const char *domain, dock_tls *tls)
{
  const char *env = getenv ("DOCK_CERTS_D");
  const char *dirs[] = { o->certs_dir ? o->certs_dir : (env && *env ? env : NULL), "/etc/dock/certs.d",
                         "/etc/docker/certs.d" };
  for (size_t i = 0; i < ARRAY_SIZE (dirs); i++)
    {
      if (dirs[i] == NULL)
        continue;
      cleanup_free char *dir = xasprintf ("%s/%s", dirs[i], domain);
      struct stat st;
      if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))
        continue;
      tls->ca_file = find_file (dir, ".crt", "ca.crt");
      tls->cert_file = find_file (dir, ".cert", "client.cert");
      tls->key_file = find_file (dir, ".key", "client.key");
      return;
    }
}

/* ------------------------------------------------------------ registry */

void
dock_registry_free (dock_registry *r)
{
  if (r == NULL)
    return;
  free (r->domain);
  free (r->base);
  free (r->tls.ca_file);
  free (r->tls.cert_file);
  free (r->tls.key_file);
  dock_challenge_clear (&r->challenge);
  dock_credentials_clear (&r->cred);
  for (size_t i = 0; i < r->n_tokens; i++)
    {
      free (r->tokens[i].scopes);
      free (r->tokens[i].token);
    }
  free (r->tokens);
  free (r);
}

void
dock_registry_freep (dock_registry **r)
{
  dock_registry_free (*r);
  *r = NULL;
}

const char *
dock_registry_url (const dock_registry *r)
{
  return r->base;
}

const char *
dock_registry_domain (const dock_registry *r)
{
  return r->domain;
}

dock_http *
dock_registry_http (const dock_registry *r)
{
  return r->http;
}

static char *
registry_urlv (const dock_registry *r, const char *fmt, va_list ap)
{
  char *path = NULL;
  if (vasprintf (&path, fmt, ap) < 0)
    abort ();
  char *url = xasprintf ("%s%s", r->base, path);
  free (path);
  return url;
}

char *
registry_url (const dock_registry *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *url = registry_urlv (r, fmt, ap);
  va_end (ap);
  return url;
}

dock_http_req *
registry_req_url (const dock_registry *r, const char *method, const char *url)
{
  dock_http_req *req = dock_http_req_new (method, url);
  req->tls = &r->tls;
  return req;
}

dock_http_req *
registry_req (const dock_registry *r, const char *method, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *url = registry_urlv (r, fmt, ap);
  va_end (ap);
  return registry_req_url (r, method, url);
}

char *
registry_resolve (const dock_registry *r, const char *location)
{
  if (strncmp (location, "http://", 7) == 0 || strncmp (location, "https://", 8) == 0)
    return xstrdup (location);
  if (location[0] == '/')
    return xasprintf ("%s%s", r->base, location);
  return xasprintf ("%s/%s", r->base, location);
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
join_scopes (const char *const *scopes, size_t n)
{
  char *s = xstrdup ("");
  for (size_t i = 0; i < n; i++)
    if (scopes[i])
      {
        char *t = xasprintf ("%s%s%s", s, *s ? " " : "", scopes[i]);
        free (s);
        s = t;
      }
  return s;
}

static void
drop_token (dock_registry *r, const char *key)
{
  for (size_t i = 0; i < r->n_tokens; i++)
    if (strcmp (r->tokens[i].scopes, key) == 0)
      r->tokens[i].expires_ms = 0;
}

int
registry_authorize (dock_registry *r, dock_http_req *req, const char *const *scopes, size_t n, berth_error **err)
{
  if (r->challenge.scheme == DOCK_AUTH_BASIC)
    {
      if (!dock_credentials_empty (&r->cred))
        {
          cleanup_free char *basic = dock_basic_authorization (&r->cred);
          dock_http_req_header (req, "Authorization: %s", basic);
        }
      return 0;
    }
  if (r->challenge.scheme != DOCK_AUTH_BEARER)
    return 0;
  cleanup_free char *key = join_scopes (scopes, n);
  int64_t now = now_ms ();
  for (size_t i = 0; i < r->n_tokens; i++)
    if (strcmp (r->tokens[i].scopes, key) == 0 && r->tokens[i].expires_ms > now)
      {
        dock_http_req_header (req, "Authorization: Bearer %s", r->tokens[i].token);
        return 0;
      }
  char *token = NULL;
  long expires_in = 0;
  if (dock_fetch_token (r->http, &r->tls, &r->challenge, &r->cred, scopes, n, false, &token, &expires_in, err) < 0)
    return -1;
  size_t i;
  for (i = 0; i < r->n_tokens; i++)
    if (strcmp (r->tokens[i].scopes, key) == 0)
      break;
  if (i == r->n_tokens)
    {
      r->tokens = xrealloc (r->tokens, (r->n_tokens + 1) * sizeof *r->tokens);
      r->tokens[r->n_tokens++] = (typeof (*r->tokens)) { .scopes = steal_pointer (&key) };
    }
  free (r->tokens[i].token);
  r->tokens[i].token = token;
  /* Renew a little early rather than send an expiring token. */
  r->tokens[i].expires_ms = now + (expires_in > 10 ? expires_in - 5 : expires_in) * 1000;
  dock_http_req_header (req, "Authorization: Bearer %s", token);
  return 0;
}

/* A 401 says what it wants: take its challenge (the ping may have said
   none was needed), and forget the token that did not do. */
bool
registry_take_challenge (dock_registry *r, const dock_http_req *req, const char *const *scopes, size_t n)
{
  if (req->status != 401 || req->www_authenticate == NULL)
    return false;
  dock_challenge c;
  if (dock_challenge_parse (req->www_authenticate, &c, NULL) < 0 || c.scheme == DOCK_AUTH_NONE)
    return false;
  bool had_credentials_for_it = r->challenge.scheme == c.scheme;
  dock_challenge_clear (&r->challenge);
  r->challenge = c;
  cleanup_free char *key = join_scopes (scopes, n);
  drop_token (r, key);
  /* Basic with the same credentials again would fail the same way. */
  return c.scheme == DOCK_AUTH_BEARER || !had_credentials_for_it;
}

bool
registry_transient (const dock_http_req *req)
{
  if (req->status == 0)
    return dock_http_transient_failure (req);
  return req->status == 429 || req->status == 500 || req->status == 502 || req->status == 503 || req->status == 504
         || (req->status < 300 && dock_http_transient_failure (req));
}

int64_t
registry_backoff_ms (const dock_http_req *req, int attempt)
{
  int64_t ms = 500LL << (attempt < 5 ? attempt : 5);
  if (req && req->retry_after)
    {
      long secs = strtol (req->retry_after, NULL, 10);
      if (secs > 0)
        ms = secs * 1000;
    }
  return ms > 30000 ? 30000 : ms;
}

void
registry_sleep_ms (int64_t ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

int
registry_do (dock_registry *r, dock_http_req *req, const char *const *scopes, size_t n, berth_error **err)
{
  bool reauthed = false;
  for (int attempt = 0;; attempt++)
    {
      if (req->started)
        dock_http_req_reset (req);
      if (registry_authorize (r, req, scopes, n, err) < 0)
        return -1;
      if (dock_http_perform (r->http, req, err) < 0)
        return -1;
      if (!reauthed && registry_take_challenge (r, req, scopes, n))
        {
          reauthed = true;
          attempt--;
          continue;
        }
      if (registry_transient (req) && attempt + 1 < MAX_ATTEMPTS && req->sink == NULL)
        {
          registry_sleep_ms (registry_backoff_ms (req, attempt));
          continue;
        }
      if (req->status == 0)
        return berth_fail (err, 0, "%s \"%s\": %s", req->head ? "Head" : req->method[0] == 'G' ? "Get" : req->method,
                           req->url, dock_http_transport_error (req));
      return 0;
    }
}

int
registry_fail (const dock_http_req *req, berth_error **err)
{
  cleanup_free char *text = dock_http_error_text (req);
  return berth_fail (err, 0, "%s", text);
}

static int
ping (dock_registry *r, berth_error **err)
{
  cleanup_http_req dock_http_req *req = registry_req (r, "GET", "/v2/");
  for (int attempt = 0;; attempt++)
    {
      if (req->started)
        dock_http_req_reset (req);
      if (dock_http_perform (r->http, req, err) < 0)
        return -1;
      if (registry_transient (req) && attempt + 1 < MAX_ATTEMPTS)
        {
          registry_sleep_ms (registry_backoff_ms (req, attempt));
          continue;
        }
      break;
    }
  if (req->status == 0)
    {
      r->ping_tls_failed = dock_http_tls_failure (req);
      return berth_fail (err, 0, "Get \"%s\": %s", req->url, dock_http_transport_error (req));
    }
  if (req->status == 401 && req->www_authenticate)
    {
      if (dock_challenge_parse (req->www_authenticate, &r->challenge, err) < 0)
        return -1;
      return 0;
    }
  if (req->status >= 200 && req->status < 300)
    return 0;
  cleanup_free char *text = dock_http_error_text (req);
  return berth_fail (err, 0, "Get \"%s\": %s", req->url, text);
}

static dock_registry *
registry_new (dock_http *h, const dock_registry_opts *o, const char *domain, const char *base, bool verify)
{
  dock_registry *r = xcalloc (1, sizeof *r);
  r->http = h;
  r->domain = xstrdup (domain);
  r->base = xstrdup (base);
  r->tls.verify = verify;
  if (verify)
    load_certs_dir (o, domain, &r->tls);
  return r;
}

static void
set_credentials (dock_registry *r, const dock_credentials *cred)
{
  dock_credentials_clear (&r->cred);
  r->cred.username = cred->username ? xstrdup (cred->username) : NULL;
  r->cred.password = cred->password ? xstrdup (cred->password) : NULL;
}

int
dock_registry_open (dock_http *h, const dock_registry_opts *o, const char *domain, const char *url,
                    const dock_credentials *cred, dock_registry **out, berth_error **err)
{
  *out = NULL;
  dock_credentials stored = { 0 };
  if (cred == NULL)
    {
      /* A mirror is its own registry: its credentials, if any, are filed
         under its own host. */
      const char *cred_domain = domain;
      cleanup_free char *mirror_host = NULL;
      if (url)
        {
          const char *p = strstr (url, "://");
          p = p ? p + 3 : url;
          mirror_host = xstrndup (p, strcspn (p, "/"));
          cred_domain = mirror_host;
        }
      if (dock_creds_get (cred_domain, &stored, err) < 0)
        return -1;
      cred = &stored;
    }

  /* Candidates: a mirror's own URL; the Hub's origin; else https, and for
     an insecure registry unverified https and then plain http. */
  const char *bases[2] = { NULL, NULL };
  cleanup_free char *https = NULL, *http = NULL;
  bool insecure = false;
  if (url)
    {
      bases[0] = url;
      const char *p = strstr (url, "://");
      cleanup_free char *host = xstrndup (p ? p + 3 : url, strcspn (p ? p + 3 : url, "/"));
      insecure = dock_registry_is_insecure (o, host);
    }
  else if (strcmp (domain, "docker.io") == 0)
    {
      /* For tests only: the Hub's origin replaced by a local registry, so
         that the mirror fallback can be shown without leaving loopback. */
      const char *hub = getenv ("DOCK_TEST_HUB_URL");
      bases[0] = hub && *hub ? hub : DOCKER_HUB_ORIGIN;
      insecure = hub && *hub;
    }
  else
    {
      insecure = dock_registry_is_insecure (o, domain);
      https = xasprintf ("https://%s", domain);
      bases[0] = https;
      if (insecure)
        bases[1] = http = xasprintf ("http://%s", domain);
    }

  berth_error *first_err = NULL;
  for (size_t i = 0; i < ARRAY_SIZE (bases) && bases[i]; i++)
    {
      dock_registry *r = registry_new (h, o, domain, bases[i], !insecure);
      set_credentials (r, cred);
      berth_error *e = NULL;
      if (ping (r, &e) == 0)
        {
          berth_error_free (first_err);
          dock_credentials_clear (&stored);
          *out = r;
          return 0;
        }
      dock_registry_free (r);
      if (first_err == NULL)
        first_err = e;
      else
        berth_error_free (e);
    }
  dock_credentials_clear (&stored);
  /* The https failure says more than the http one (which is usually the
     same refusal). */
  *err = first_err;
  return -1;
}

int
dock_registry_login (dock_registry *r, berth_error **err)
{
  if (r->challenge.scheme == DOCK_AUTH_BEARER)
    {
      char *token = NULL;
      long expires = 0;
      if (dock_fetch_token (r->http, &r->tls, &r->challenge, &r->cred, NULL, 0, true, &token, &expires, err) < 0)
        return -1;
      free (token);
      return 0;
    }
  if (r->challenge.scheme != DOCK_AUTH_BASIC)
    return 0; /* the registry asks for nothing: any credentials do */
  cleanup_http_req dock_http_req *req = registry_req (r, "GET", "/v2/");
  if (registry_do (r, req, NULL, 0, err) < 0)
    return -1;
  if (req->status == 401)
    {
      cleanup_free char *code = dock_http_error_code (req);
      if (code)
        return registry_fail (req, err);
      return berth_fail (err, 0, "unauthorized: authentication required");
    }
  if (req->status < 200 || req->status >= 300)
    return registry_fail (req, err);
  return 0;
}

/* ------------------------------------------------------------ manifests */

static const char *
pull_scope (const char *repo, char **buf)
{
  *buf = xasprintf ("repository:%s:pull", repo);
  return *buf;
}

int
dock_registry_get_manifest (dock_registry *r, const char *repo, const char *reference, char **body, size_t *len,
                            char **media_type, char **digest, bool *not_found, berth_error **err)
{
  *body = *media_type = *digest = NULL;
  if (not_found)
    *not_found = false;
  cleanup_free char *scope_buf = NULL;
  const char *scopes[] = { pull_scope (repo, &scope_buf) };
  cleanup_http_req dock_http_req *req = registry_req (r, "GET", "/v2/%s/manifests/%s", repo, reference);
  req->capture_max = DOCK_REGISTRY_DOC_MAX;
  dock_http_req_header (req, "Accept: %s", DOCK_MANIFEST_ACCEPT);
  if (registry_do (r, req, scopes, 1, err) < 0)
    return -1;
  if (req->body_too_large)
    return berth_fail (err, 0, "manifest %s:%s is larger than the %d MiB limit", repo, reference,
                       DOCK_REGISTRY_DOC_MAX >> 20);
  if (req->status == 404 && not_found)
    {
      *not_found = true;
      return 0;
    }
  if (req->status != 200)
    return registry_fail (req, err);
  *len = req->body_buf_len;
  *body = req->body_buf ? steal_pointer (&req->body_buf) : xstrdup ("");
  *digest = dock_digest_buf (DOCK_DIGEST_SHA256, *body, *len);
  /* The document's own mediaType is authoritative when it has one (some
     registries answer text/plain or application/json). */
  char *perr = NULL;
  oci_image_versioned *v = oci_image_versioned_parse_data (*body, *len, NULL, &perr);
  free (perr);
  if (v && v->media_type)
    *media_type = xstrdup (v->media_type);
  else if (req->content_type)
    *media_type = xstrndup (req->content_type, strcspn (req->content_type, "; "));
  else
    *media_type = xstrdup ("");
  oci_image_versioned_free (v);
  return 0;
}

int
dock_registry_head_manifest (dock_registry *r, const char *repo, const char *reference, bool *exists, char **digest,
                             berth_error **err)
{
  *exists = false;
  *digest = NULL;
  cleanup_free char *scope_buf = NULL;
  const char *scopes[] = { pull_scope (repo, &scope_buf) };
  cleanup_http_req dock_http_req *req = registry_req (r, "HEAD", "/v2/%s/manifests/%s", repo, reference);
  dock_http_req_header (req, "Accept: %s", DOCK_MANIFEST_ACCEPT);
  if (registry_do (r, req, scopes, 1, err) < 0)
    return -1;
  if (req->status == 404)
    return 0;
  if (req->status != 200)
    return registry_fail (req, err);
  *exists = true;
  if (req->docker_content_digest)
    *digest = xstrdup (req->docker_content_digest);
  return 0;
}

int
dock_registry_put_manifest (dock_registry *r, const char *repo, const char *reference, const char *media_type,
                            const char *body, size_t len, berth_error **err)
{
  cleanup_free char *scope = xasprintf ("repository:%s:pull,push", repo);
  const char *scopes[] = { scope };
  cleanup_http_req dock_http_req *req = registry_req (r, "PUT", "/v2/%s/manifests/%s", repo, reference);
  req->body = body;
  req->body_len = (int64_t) len;
  dock_http_req_header (req, "Content-Type: %s", media_type);
  if (registry_do (r, req, scopes, 1, err) < 0)
    return -1;
  if (req->status != 201 && req->status != 200)
    return registry_fail (req, err);
  return 0;
}

int
dock_registry_get_blob (dock_registry *r, const char *repo, const char *digest, size_t max, char **body, size_t *len,
                        berth_error **err)
{
  *body = NULL;
  cleanup_free char *scope_buf = NULL;
  const char *scopes[] = { pull_scope (repo, &scope_buf) };
  cleanup_http_req dock_http_req *req = registry_req (r, "GET", "/v2/%s/blobs/%s", repo, digest);
  req->follow = true;
  req->capture_max = max;
  if (registry_do (r, req, scopes, 1, err) < 0)
    return -1;
  if (req->body_too_large)
    return berth_fail (err, 0, "blob %s is larger than the %zu MiB limit", digest, max >> 20);
  if (req->status != 200)
    return registry_fail (req, err);
  dock_digest_alg alg = DOCK_DIGEST_SHA256;
  const char *hex = NULL;
  if (dock_digest_parse (digest, &alg, &hex, err) < 0)
    return -1;
  cleanup_free char *got = dock_digest_buf (alg, req->body_buf ? req->body_buf : "", req->body_buf_len);
  if (strcmp (got, digest) != 0)
    return berth_fail (err, 0, "blob %s: digest mismatch: the registry sent content with digest %s", digest, got);
  *len = req->body_buf_len;
  *body = req->body_buf ? steal_pointer (&req->body_buf) : xstrdup ("");
  return 0;
}

/* ------------------------------------------------------------- listings */

/* The next page of a Link: <url>; rel="next" header, or NULL. */
static char *
next_page (const dock_registry *r, const dock_http_req *req)
{
  if (req->link == NULL || strstr (req->link, "rel=\"next\"") == NULL)
    return NULL;
  const char *open = strchr (req->link, '<'), *close = open ? strchr (open, '>') : NULL;
  if (close == NULL)
    return NULL;
  cleanup_free char *loc = xstrndup (open + 1, (size_t) (close - open - 1));
  return registry_resolve (r, loc);
}

/* GET a listing, page by page; each page's array goes through take. */
static int
list_pages (dock_registry *r, char *url, const char *scope, const oci_desc *d, size_t strv_offset, size_t len_offset,
            char ***out, size_t *n, berth_error **err)
{
  const char *scopes[] = { scope };
  *out = xcalloc (1, sizeof (char *));
  *n = 0;
  /* A registry whose "next" links loop must not keep us forever. */
  for (int page = 0; url && page < 10000; page++)
    {
      cleanup_http_req dock_http_req *req = dock_http_req_new ("GET", url);
      free (url);
      url = NULL;
      req->tls = &r->tls;
      req->capture_max = DOCK_REGISTRY_DOC_MAX;
      if (registry_do (r, req, scopes, 1, err) < 0)
        return -1;
      if (req->status != 200)
        return registry_fail (req, err);
      char *perr = NULL;
      void *obj = oci_parse (d, req->body_buf ? req->body_buf : "", req->body_buf_len, NULL, &perr);
      if (obj == NULL)
        return berth_fail_take (err, 0, perr);
      char **items = *(char ***) ((char *) obj + strv_offset);
      size_t count = *(size_t *) ((char *) obj + len_offset);
      *out = xrealloc (*out, (*n + count + 1) * sizeof (char *));
      for (size_t i = 0; i < count; i++)
        (*out)[(*n)++] = xstrdup (items[i]);
      (*out)[*n] = NULL;
      oci_free (d, obj);
      url = next_page (r, req);
    }
  free (url);
  return 0;
}

int
dock_registry_tags (dock_registry *r, const char *repo, char ***tags, size_t *n, berth_error **err)
{
  cleanup_free char *scope = xasprintf ("repository:%s:pull", repo);
  char *url = registry_url (r, "/v2/%s/tags/list", repo);
  int rc = list_pages (r, url, scope, &oci_dist_tag_list_desc, offsetof (oci_dist_tag_list, tags),
                       offsetof (oci_dist_tag_list, tags_len), tags, n, err);
  if (rc < 0)
    {
      strv_freep (tags);
      *n = 0;
    }
  return rc;
}

int
dock_registry_catalog (dock_registry *r, char ***repos, size_t *n, berth_error **err)
{
  char *url = registry_url (r, "/v2/_catalog?n=1000");
  int rc = list_pages (r, url, "registry:catalog:*", &oci_dist_catalog_desc, offsetof (oci_dist_catalog, repositories),
                       offsetof (oci_dist_catalog, repositories_len), repos, n, err);
  if (rc < 0)
    {
      strv_freep (repos);
      *n = 0;
    }
  return rc;
}
