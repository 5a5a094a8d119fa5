/* Unit tests for src/libdock/ref/reference.c: references normalised as
 * docker normalises them, and docker's messages for the bad ones.
 * Speaks TAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/ref/reference.h"

#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"
#include "tap.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static bool
same (const char *got, const char *want)
{
  if (got == NULL && want == NULL)
    return true;
  return got && want && strcmp (got, want) == 0;
}

static void
expect_parse (const char *in, const char *domain, const char *path, const char *tag, const char *digest,
              const char *familiar)
{
  dock_ref *r = NULL;
  berth_error *err = NULL;
  if (dock_ref_parse (in, &r, &err) < 0)
    {
      tap_ok (0, "%s parses", in);
      diag ("error: %s", err->msg);
      berth_error_free (err);
      return;
    }
  bool ok = same (r->domain, domain) && same (r->path, path) && same (r->tag, tag) && same (r->digest, digest);
  cleanup_free char *fam = dock_ref_familiar_string (r);
  ok = ok && same (fam, familiar);
  tap_ok (ok, "%s -> %s/%s%s%s%s%s (familiar %s)", in, domain, path, tag ? ":" : "", tag ? tag : "",
          digest ? "@" : "", digest ? digest : "", familiar);
  if (!ok)
    diag ("got domain=%s path=%s tag=%s digest=%s familiar=%s", r->domain, r->path, r->tag ? r->tag : "(none)",
          r->digest ? r->digest : "(none)", fam);
  dock_ref_free (r);
}

static void
expect_error (const char *in, const char *want)
{
  dock_ref *r = NULL;
  berth_error *err = NULL;
  int rc = dock_ref_parse (in, &r, &err);
  bool ok = rc < 0 && r == NULL && err && strcmp (err->msg, want) == 0;
  tap_ok (ok, "\"%.60s\" refused: %s", in, want);
  if (!ok)
    diag ("got %s", rc < 0 ? err->msg : "(parsed)");
  berth_error_free (err);
  dock_ref_free (r);
}

static void
test_normalisation (void)
{
  expect_parse ("busybox", "docker.io", "library/busybox", NULL, NULL, "busybox");
  expect_parse ("library/busybox", "docker.io", "library/busybox", NULL, NULL, "busybox");
  expect_parse ("docker.io/busybox:1.36", "docker.io", "library/busybox", "1.36", NULL, "busybox:1.36");
  expect_parse ("index.docker.io/library/busybox", "docker.io", "library/busybox", NULL, NULL, "busybox");
  expect_parse ("docker.io/library/ns/x", "docker.io", "library/ns/x", NULL, NULL, "library/ns/x");
  expect_parse ("user/app:v1", "docker.io", "user/app", "v1", NULL, "user/app:v1");
  expect_parse ("127.0.0.1:5000/ns/name:tag", "127.0.0.1:5000", "ns/name", "tag", NULL,
                "127.0.0.1:5000/ns/name:tag");
  expect_parse ("localhost/foo", "localhost", "foo", NULL, NULL, "localhost/foo");
  expect_parse ("localhost:5000/a/b/c", "localhost:5000", "a/b/c", NULL, NULL, "localhost:5000/a/b/c");
  expect_parse ("[::1]:5000/foo:bar", "[::1]:5000", "foo", "bar", NULL, "[::1]:5000/foo:bar");
  expect_parse ("Registry.Example.COM/foo", "Registry.Example.COM", "foo", NULL, NULL, "Registry.Example.COM/foo");
  /* No '/': the part after ':' is a tag, not a port. */
  expect_parse ("foo:5000", "docker.io", "library/foo", "5000", NULL, "foo:5000");
  expect_parse ("busybox@sha256:" HEX64, "docker.io", "library/busybox", NULL, "sha256:" HEX64,
                "busybox@sha256:" HEX64);
  expect_parse ("busybox:1.36@sha256:" HEX64, "docker.io", "library/busybox", "1.36", "sha256:" HEX64,
                "busybox:1.36@sha256:" HEX64);
  expect_parse ("a.b/c__d/e-----f/g.h_i:_T.a-g", "a.b", "c__d/e-----f/g.h_i", "_T.a-g", NULL,
                "a.b/c__d/e-----f/g.h_i:_T.a-g");

  dock_ref *r = NULL;
  berth_error *err = NULL;
  if (dock_ref_parse ("busybox", &r, &err) == 0)
    {
      dock_ref_default_tag (r);
      cleanup_free char *full = dock_ref_string (r);
      cleanup_free char *name = dock_ref_name (r);
      tap_ok (same (full, "docker.io/library/busybox:latest") && same (name, "docker.io/library/busybox"),
              "busybox -> docker.io/library/busybox:latest once the default tag is added");
      dock_ref *c = dock_ref_copy (r);
      tap_ok (same (c->tag, "latest") && same (c->path, r->path) && c->path != r->path, "a copy owns its strings");
      dock_ref_free (c);
      dock_ref_free (r);
    }
  else
    tap_ok (0, "busybox parses");
  r = NULL;
  if (dock_ref_parse ("busybox@sha256:" HEX64, &r, &err) == 0)
    {
      dock_ref_default_tag (r);
      tap_ok (r->tag == NULL, "a digest reference gets no default tag");
      dock_ref_free (r);
    }
  berth_error_free (err);
}

static void
test_bad_names (void)
{
  expect_error ("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase");
  expect_error ("ns/Name:tag", "invalid reference format: repository name (ns/Name) must be lowercase");
  expect_error ("localhost:5000/Foo", "invalid reference format: repository name (Foo) must be lowercase");
  expect_error ("", "invalid reference format");
  expect_error ("busybox:bad tag", "invalid reference format");
  expect_error ("busybox:", "invalid reference format");
  expect_error ("busybox:-tag", "invalid reference format");
  expect_error (":tag", "invalid reference format");
  expect_error ("a/", "invalid reference format");
  expect_error ("/a", "invalid reference format");
  expect_error ("a//b", "invalid reference format");
  expect_error ("a___b", "invalid reference format");
  expect_error ("-foo/bar", "invalid reference format");
  expect_error ("foo.com:port/bar", "invalid reference format");
  expect_error ("-foo.com/bar", "invalid reference format");
  expect_error ("http://foo.com/bar", "invalid reference format");
  expect_error ("busybox@sha256:abc", "invalid reference format");
  expect_error ("busybox@sha256:0123456789abcdef0123456789abcdef01234567", "invalid checksum digest length");
  expect_error ("busybox@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm");
  expect_error ("busybox@sha256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
                "invalid checksum digest format");
  expect_error (HEX64, "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal strings");

  char tag128[140], tag129[140];
  memset (tag128, 'a', 128);
  tag128[128] = '\0';
  memset (tag129, 'a', 129);
  tag129[129] = '\0';
  cleanup_free char *ok_ref = xasprintf ("busybox:%s", tag128);
  cleanup_free char *bad_ref = xasprintf ("busybox:%s", tag129);
  dock_ref *r = NULL;
  berth_error *err = NULL;
  tap_ok (dock_ref_parse (ok_ref, &r, &err) == 0 && strlen (r->tag) == 128, "a 128-character tag is accepted");
  dock_ref_free (r);
  berth_error_free (err);
  expect_error (bad_ref, "invalid reference format");

  char longname[300];
  memset (longname, 'a', 256);
  longname[256] = '\0';
  cleanup_free char *long_ref = xasprintf ("x.io/%s", longname);
  expect_error (long_ref, "repository name must not be more than 255 characters");
}

static void
test_pieces (void)
{
  berth_error *err = NULL;
  tap_ok (dock_ref_check_digest ("sha256:" HEX64, &err) == 0
              && dock_ref_check_digest ("sha512:" HEX64 HEX64, &err) == 0,
          "sha256 and sha512 digests check");
  tap_ok (dock_ref_check_digest ("sha256", &err) < 0 && strcmp (err->msg, "invalid checksum digest format") == 0,
          "a digest without ':' is an invalid format");
  berth_error_free (err);
  err = NULL;
  tap_ok (dock_ref_check_digest ("sha256:" HEX64 "00", &err) < 0
              && strcmp (err->msg, "invalid checksum digest length") == 0,
          "a long sha256 has an invalid length");
  berth_error_free (err);
  tap_ok (dock_ref_valid_domain ("127.0.0.1:5000") && dock_ref_valid_domain ("[fe80::1]")
              && !dock_ref_valid_domain ("a..b") && !dock_ref_valid_domain ("a:") && !dock_ref_valid_domain ("[]"),
          "domains: IPv4 with port, IPv6, and bad ones");
  tap_ok (dock_ref_valid_tag ("v1.0-rc_1") && !dock_ref_valid_tag (".x") && !dock_ref_valid_tag (""),
          "tags: word characters, dots and dashes after the first");
  tap_ok (dock_ref_is_hex_id (HEX64) && !dock_ref_is_hex_id ("sha256:" HEX64), "hex ids");
}

int
main (void)
{
  test_normalisation ();
  test_bad_names ();
  test_pieces ();
  return tap_done ();
}
