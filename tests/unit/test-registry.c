/* Unit tests for the registry client's pure parts (no network, no curl):
 * WWW-Authenticate challenges, base64, which registries are insecure,
 * the endpoints tried for docker.io with mirrors, error texts of registry
 * answers, platforms, and credentials in a config.json.
 * Speaks TAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_spec.h"
#include "libberth/util.h"
#include "libdock/platform.h"
#include "libdock/registry/auth.h"
#include "libdock/registry/client.h"
#include "libdock/registry/client_internal.h"
#include "libdock/registry/creds.h"
#include "libdock/registry/errors.h"
#include "tap.h"

static bool
same (const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp (a, b) == 0);
}

static void
test_challenges (void)
{
  static const struct
  {
    const char *header;
    dock_auth_scheme scheme;
    const char *realm, *service, *scope, *error;
  } cases[] = {
    { "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\"", DOCK_AUTH_BEARER,
      "https://auth.docker.io/token", "registry.docker.io", NULL, NULL },
    { "Bearer realm=\"http://127.0.0.1:1/t\",service=\"s\",scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\"",
      DOCK_AUTH_BEARER, "http://127.0.0.1:1/t", "s", "repository:a/b:pull,push", "insufficient_scope" },
    { "Basic realm=\"dock-test\"", DOCK_AUTH_BASIC, "dock-test", NULL, NULL, NULL },
    { "bearer REALM=unquoted, service=\"with \\\"quote\\\"\"", DOCK_AUTH_BEARER, "unquoted", "with \"quote\"", NULL,
      NULL },
    { "Basic realm=\"first\", Bearer realm=\"second\"", DOCK_AUTH_BASIC, "first", NULL, NULL, NULL },
    { "Negotiate abc", DOCK_AUTH_NONE, NULL, NULL, NULL, NULL },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      dock_challenge c;
      berth_error *err = NULL;
      int rc = dock_challenge_parse (cases[i].header, &c, &err);
      tap_ok (rc == 0 && c.scheme == cases[i].scheme && same (c.realm, cases[i].realm)
                  && same (c.service, cases[i].service) && same (c.scope, cases[i].scope)
                  && same (c.error, cases[i].error),
              "challenge: %s", cases[i].header);
      dock_challenge_clear (&c);
      berth_error_free (err);
    }
  dock_challenge c;
  berth_error *err = NULL;
  tap_ok (dock_challenge_parse ("Bearer realm=\"open", &c, &err) < 0 && strstr (err->msg, "unterminated"),
          "challenge: an unterminated quote is refused");
  berth_error_free (err);
}

static void
test_base64 (void)
{
  static const char *const plain[] = { "", "a", "ab", "abc", "alice:wonderland", "user:pa:ss\xff" };
  bool ok = true;
  for (size_t i = 0; i < ARRAY_SIZE (plain); i++)
    {
      cleanup_free char *enc = dock_base64_encode (plain[i], strlen (plain[i]));
      size_t len = 0;
      cleanup_free char *dec = dock_base64_decode (enc, &len);
      ok = ok && dec && len == strlen (plain[i]) && memcmp (dec, plain[i], len) == 0;
    }
  tap_ok (ok, "base64 round-trips with and without padding");
  cleanup_free char *enc = dock_base64_encode ("alice:wonderland", 16);
  tap_ok (strcmp (enc, "YWxpY2U6d29uZGVybGFuZA==") == 0, "base64 of alice:wonderland is docker's");
  tap_ok (dock_base64_decode ("abc", NULL) == NULL && dock_base64_decode ("ab=c", NULL) == NULL
              && dock_base64_decode ("a*bc", NULL) == NULL,
          "bad base64 is refused");
  dock_credentials cred = { .username = (char *) "alice", .password = (char *) "wonderland" };
  cleanup_free char *basic = dock_basic_authorization (&cred);
  tap_ok (strcmp (basic, "Basic YWxpY2U6d29uZGVybGFuZA==") == 0, "Basic authorization value");
}

static void
test_insecure (void)
{
  const char *insecure[] = { "10.1.2.3:5000", "registry.lan", "192.168.0.0/16", "fd00::/8", NULL };
  dock_registry_opts o = { .insecure = insecure, .tls_verify = -1 };
  tap_ok (dock_registry_is_insecure (&o, "10.1.2.3:5000") && dock_registry_is_insecure (&o, "registry.lan:443")
              && dock_registry_is_insecure (&o, "192.168.7.9:5000") && dock_registry_is_insecure (&o, "[fd12::1]:5000"),
          "insecure-registries by name, host and CIDR");
  tap_ok (!dock_registry_is_insecure (&o, "10.1.2.4:5000") && !dock_registry_is_insecure (&o, "example.com")
              && !dock_registry_is_insecure (&o, "192.169.0.1"),
          "other registries are secure");
  tap_ok (dock_registry_is_insecure (&o, "127.0.0.1:5000") && dock_registry_is_insecure (&o, "127.8.9.10")
              && dock_registry_is_insecure (&o, "localhost:5000") && dock_registry_is_insecure (&o, "[::1]:5000"),
          "loopback is insecure by default, as docker has it");
  o.tls_verify = 1;
  tap_ok (!dock_registry_is_insecure (&o, "127.0.0.1:5000") && !dock_registry_is_insecure (&o, "10.1.2.3:5000"),
          "--tls-verify=true makes every registry secure");
  o.tls_verify = 0;
  tap_ok (dock_registry_is_insecure (&o, "example.com"), "--tls-verify=false makes every registry insecure");
}

static void
test_endpoints (void)
{
  const char *mirrors[] = { "https://mirror.one/", "http://127.0.0.1:5001", NULL };
  dock_registry_opts o = { .mirrors = mirrors, .tls_verify = -1 };
  size_t n = 0;
  char **e = dock_registry_endpoints (&o, "docker.io", &n);
  tap_ok (n == 3 && same (e[0], "https://mirror.one") && same (e[1], "http://127.0.0.1:5001") && e[2] == NULL,
          "docker.io: the mirrors in order, then the origin");
  dock_registry_endpoints_free (e, n);
  e = dock_registry_endpoints (&o, "127.0.0.1:5000", &n);
  tap_ok (n == 1 && e[0] == NULL, "another registry: only itself (mirrors are for docker.io)");
  dock_registry_endpoints_free (e, n);
}

static dock_http_req *
answer (long status, const char *body)
{
  dock_http_req *r = dock_http_req_new ("GET", "http://127.0.0.1:1/v2/");
  r->status = status;
  if (body)
    {
      r->body_buf = xstrdup (body);
      r->body_buf_len = strlen (body);
    }
  return r;
}

static void
test_error_texts (void)
{
  static const struct
  {
    long status;
    const char *body, *want;
  } cases[] = {
    { 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{\"Tag\":\"x\"}}]}",
      "manifest unknown: manifest unknown" },
    { 429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}", "toomanyrequests: slow down" },
    { 500, "<html>oops</html>", "received unexpected HTTP status: 500 Internal Server Error" },
    { 502, NULL, "received unexpected HTTP status: 502 Bad Gateway" },
    { 401, NULL, "unauthorized: authentication required" },
    { 403, "", "denied: requested access to the resource is denied" },
    { 418, NULL, "received unexpected HTTP status: 418" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      dock_http_req *r = answer (cases[i].status, cases[i].body);
      cleanup_free char *text = dock_http_error_text (r);
      tap_ok (strcmp (text, cases[i].want) == 0, "%ld answer reads \"%s\"", cases[i].status, cases[i].want);
      if (strcmp (text, cases[i].want))
        diag ("got \"%s\"", text);
      dock_http_req_free (r);
    }
}

static void
test_platforms (void)
{
  dock_platform p;
  berth_error *err = NULL;
  tap_ok (dock_platform_parse ("linux/x86_64", &p, &err) == 0 && same (p.architecture, "amd64") && p.variant == NULL,
          "platform: x86_64 is amd64");
  dock_platform_clear (&p);
  tap_ok (dock_platform_parse ("LINUX/ARM64/v8", &p, &err) == 0 && same (p.os, "linux") && same (p.variant, "v8"),
          "platform: case folded, variant kept");
  dock_platform_clear (&p);
  tap_ok (dock_platform_parse ("armhf", &p, &err) == 0 && same (p.architecture, "arm") && same (p.variant, "v7"),
          "platform: armhf is linux/arm/v7");
  dock_platform_clear (&p);
  tap_ok (dock_platform_parse ("a/b/c/d", &p, &err) < 0, "platform: four parts refused");
  berth_error_free (err);

  const char *index_json
      = "{\"schemaVersion\":2,\"manifests\":["
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:a\",\"size\":1,"
        "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:v6\",\"size\":1,"
        "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:v7\",\"size\":1,"
        "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:arm64\",\"size\":1,"
        "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:amd64\",\"size\":1,"
        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
  char *perr = NULL;
  oci_image_index *ix = oci_image_index_parse_data (index_json, strlen (index_json), NULL, &perr);
  static const struct
  {
    const char *want, *digest;
  } picks[] = {
    { "linux/amd64", "sha256:amd64" }, { "linux/arm/v7", "sha256:v7" },     { "linux/arm", "sha256:v6" },
    { "linux/arm64/v8", "sha256:arm64" }, { "linux/s390x", NULL },        { "unknown/unknown", NULL },
  };
  for (size_t i = 0; ix && i < ARRAY_SIZE (picks); i++)
    {
      dock_platform w;
      err = NULL;
      dock_platform_parse (picks[i].want, &w, &err);
      const oci_image_descriptor *d = dock_platform_select (ix, &w);
      tap_ok (same (d ? d->digest : NULL, picks[i].digest), "index: %s picks %s", picks[i].want,
              picks[i].digest ? picks[i].digest : "nothing");
      dock_platform_clear (&w);
      berth_error_free (err);
    }
  oci_image_index_free (ix);
  free (perr);
}

static void
test_creds (void)
{
  char dir[] = "/tmp/test-registry-XXXXXX";
  if (mkdtemp (dir) == NULL)
    {
      tap_ok (0, "mkdtemp");
      return;
    }
  setenv ("DOCKER_CONFIG", dir, 1);
  cleanup_free char *path = xasprintf ("%s/config.json", dir);
  FILE *f = fopen (path, "w");
  fputs ("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOnNlY3JldA==\"}},\"detachKeys\":\"ctrl-x\"}", f);
  fclose (f);
  dock_credentials c = { 0 };
  berth_error *err = NULL;
  tap_ok (dock_creds_get ("docker.io", &c, &err) == 0 && same (c.username, "hub") && same (c.password, "secret"),
          "creds: Docker Hub under docker's key");
  dock_credentials_clear (&c);
  dock_credentials add = { .username = (char *) "alice", .password = (char *) "wonderland" };
  tap_ok (dock_creds_store ("127.0.0.1:5000", &add, &err) == 0, "creds: store");
  struct stat st;
  tap_ok (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600, "creds: config.json is 0600");
  size_t len = 0;
  cleanup_free char *text = NULL;
  read_file_at (AT_FDCWD, path, &text, &len, &err);
  tap_ok (text && strstr (text, "\"detachKeys\": \"ctrl-x\"") && strstr (text, "\"YWxpY2U6d29uZGVybGFuZA==\"")
              && strstr (text, "\t\"auths\""),
          "creds: other members kept, docker's tab indentation");
  tap_ok (dock_creds_get ("127.0.0.1:5000", &c, &err) == 0 && same (c.username, "alice"), "creds: read back");
  dock_credentials_clear (&c);
  bool found = false;
  tap_ok (dock_creds_erase ("127.0.0.1:5000", &found, &err) == 0 && found
              && dock_creds_get ("127.0.0.1:5000", &c, &err) == 0 && c.username == NULL,
          "creds: erase");
  found = true;
  tap_ok (dock_creds_erase ("127.0.0.1:5000", &found, &err) == 0 && !found, "creds: erase again finds nothing");
  f = fopen (path, "w");
  fputs ("{\"auths\":{\"x:1\":{\"auth\":\"bm9jb2xvbg==\"}}}", f);
  fclose (f);
  tap_ok (dock_creds_get ("x:1", &c, &err) < 0 && strstr (err->msg, "not base64 of user:password"),
          "creds: an auth without ':' is refused");
  berth_error_free (err);
  unlink (path);
  rmdir (dir);
}

/* Retry-After is the registry's number: any value waits 1 s to 30 s. */
static void
test_backoff (void)
{
  static const struct
  {
    const char *header;
    int64_t ms;
  } cases[] = {
    { "2", 2000 },
    { "3600", 30000 },
    { "9223372036854775807", 30000 },
    { "99999999999999999999", 30000 },
    { "0", 500 },
    { "-5", 500 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      dock_http_req *req = dock_http_req_new ("GET", "http://127.0.0.1:1/");
      req->retry_after = xstrdup (cases[i].header);
      int64_t ms = registry_backoff_ms (req, 0);
      tap_ok (ms == cases[i].ms, "Retry-After: %s waits %lld ms", cases[i].header, (long long) cases[i].ms);
      if (ms != cases[i].ms)
        diag ("got %lld", (long long) ms);
      dock_http_req_free (req);
    }
}

int
main (void)
{
  test_backoff ();
  test_challenges ();
  test_base64 ();
  test_insecure ();
  test_endpoints ();
  test_error_texts ();
  test_platforms ();
  test_creds ();
  return tap_done ();
}
