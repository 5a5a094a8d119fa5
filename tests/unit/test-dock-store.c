/* The store through its API: the blob writer (verify, size cap, resume),
   the path resolver's lexical checks, the unpacker on hostile tars, and
   images (import, lookup, tag, untag, delete). */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libberth/util.h"
#include "libdock/archive/tarwriter.h"
#include "libdock/import.h"
#include "libdock/layer/resolver.h"
#include "libdock/layer/unpack.h"
#include "libdock/store/store.h"
#include "tap.h"

static char root[] = "/tmp/dock-unit-XXXXXX";

static int
count_entries (const char *sub, bool skip_partial)
{
  cleanup_free char *path = xasprintf ("%s/%s", root, sub);
  DIR *d = opendir (path);
  int n = 0;
  for (struct dirent *de; d && (de = readdir (d));)
    if (de->d_name[0] != '.' && !(skip_partial && str_has_prefix (de->d_name, "partial-")))
      n++;
  if (d)
    closedir (d);
  return n;
}

static void
test_blobs (dock_store *s)
{
  const char *data = "some blob content";
  cleanup_free char *digest = dock_digest_buf (DOCK_DIGEST_SHA256, data, strlen (data));
  dock_blob_writer *w;
  berth_error *err = NULL;
  char got[DOCK_DIGEST_MAX];
  tap_ok (dock_blob_begin (s, digest, (int64_t) strlen (data), &w, &err) == 0, "begin with an expected digest");
  tap_ok (dock_blob_write (w, data, 5, &err) == 0 && dock_blob_offset (w) == 5, "write a first part");
  dock_blob_abort (w);
  tap_ok (count_entries ("tmp", false) == 1 && !dock_blob_exists (s, digest), "abort keeps the partial for a resume");
  tap_ok (dock_blob_begin (s, digest, (int64_t) strlen (data), &w, &err) == 0 && dock_blob_offset (w) == 5,
          "a new writer resumes at the partial's end");
  tap_ok (dock_blob_write (w, data + 5, strlen (data) - 5, &err) == 0 && dock_blob_commit (w, got, &err) == 0
              && strcmp (got, digest) == 0 && dock_blob_exists (s, digest),
          "the resumed blob verifies and is committed");
  tap_ok (count_entries ("tmp", false) == 0, "nothing left in tmp/");

  const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  tap_ok (dock_blob_begin (s, wrong, -1, &w, &err) == 0 && dock_blob_write (w, "x", 1, &err) == 0, "write a blob");
  tap_ok (dock_blob_commit (w, NULL, &err) < 0 && err && strstr (err->msg, "digest mismatch"),
          "a digest mismatch fails the commit");
  berth_error_free (err);
  err = NULL;
  tap_ok (!dock_blob_exists (s, wrong) && count_entries ("tmp", false) == 0, "and leaves nothing behind");

  /* blobs/sha256/ holds sha256 only: another algorithm is refused before
     a byte is fetched, not stored under the wrong directory. */
  cleanup_free char *d512 = dock_digest_buf (DOCK_DIGEST_SHA512, data, strlen (data));
  w = NULL;
  tap_ok (dock_blob_begin (s, d512, (int64_t) strlen (data), &w, &err) < 0 && w == NULL && err
              && strstr (err->msg, "only sha256 blobs are stored") && count_entries ("tmp", false) == 0,
          "a sha512 blob is refused at its start");
  berth_error_free (err);
  err = NULL;

  tap_ok (dock_blob_begin (s, NULL, 3, &w, &err) == 0 && dock_blob_write (w, "abcd", 4, &err) < 0,
          "writing past the expected size fails");
  dock_blob_abort (w);
  berth_error_free (err);
  err = NULL;
  char small[DOCK_DIGEST_MAX];
  char *buf = NULL;
  size_t len;
  tap_ok (dock_blob_put (s, "{}", 2, small, &err) == 0 && dock_blob_read (s, small, 16, &buf, &len, &err) == 0
              && len == 2 && memcmp (buf, "{}", 2) == 0,
          "put and read a small blob");
  free (buf);
  tap_ok (dock_blob_read (s, digest, 4, &buf, &len, &err) < 0 && strstr (err->msg, "more than the 4 allowed"),
          "reading over a cap is refused");
  berth_error_free (err);
}

static void
test_resolver (void)
{
  static const struct
  {
    const char *in, *out;
  } ok[] = { { "./", "" }, { "a//b/./c/", "a/b/c" }, { "a/../b", "b" }, { ".wh.x", ".wh.x" } };
  for (size_t i = 0; i < ARRAY_SIZE (ok); i++)
    {
      char *out = NULL;
      tap_ok (dock_layer_clean_path (ok[i].in, "tar entry", &out, NULL) == 0 && strcmp (out, ok[i].out) == 0,
              "clean \"%s\" -> \"%s\"", ok[i].in, ok[i].out);
      free (out);
    }
  const char *bad[] = { "../x", "a/../../x", "/etc/passwd", "" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      char *out = NULL;
      berth_error *err = NULL;
      tap_ok (dock_layer_clean_path (bad[i], "tar entry", &out, &err) < 0 && err, "\"%s\" is refused", bad[i]);
      berth_error_free (err);
    }
  tap_ok (!dock_layer_symlink_escapes ("a/b/link", "../c") && !dock_layer_symlink_escapes ("link", "/anything")
              && dock_layer_symlink_escapes ("a/link", "../../x") && dock_layer_symlink_escapes ("link", ".."),
          "relative symlink targets are judged from the link's directory");
}

/* A tar with one file entry named name; returns its fd at offset 0. */
static int
tar_with (const char *name, const char *content)
{
  char tmpl[] = "/tmp/dock-unit-tar-XXXXXX";
  int fd = mkstemp (tmpl);
  unlink (tmpl);
  tar_write_buffer (fd, name, content, strlen (content), NULL);
  tar_finish (fd, NULL);
  lseek (fd, 0, SEEK_SET);
  return fd;
}

static void
test_unpack (void)
{
  cleanup_close int dir = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char diff[DOCK_DIGEST_MAX];
  int64_t size;
  berth_error *err = NULL;
  int fd = tar_with ("../escape", "x");
  tap_ok (dock_layer_unpack_fd (fd, NULL, dir, "unpack1", diff, &size, &err) < 0
              && strstr (err->msg, "path escapes the layer"),
          "an entry with ../ is refused");
  close (fd);
  berth_error_free (err);
  err = NULL;
  dock_layer_remove_tree (dir, "unpack1", NULL);
  cleanup_free char *outside = xasprintf ("%s/escape", root);
  tap_ok (access (outside, F_OK) < 0, "and nothing was written outside the layer");

  fd = tar_with ("ok/file", "hello");
  tap_ok (dock_layer_unpack_fd (fd, "application/vnd.oci.image.layer.v1.tar", dir, "unpack2", diff, &size, &err) == 0
              && size == 5,
          "a good layer unpacks, size counted");
  lseek (fd, 0, SEEK_SET);
  char want[DOCK_DIGEST_MAX];
  dock_digest_fd (fd, DOCK_DIGEST_SHA256, want, NULL, NULL);
  tap_ok (strcmp (diff, want) == 0, "its diff ID is the digest of the whole tar");
  close (fd);
  cleanup_free char *file = xasprintf ("%s/unpack2/ok/file", root);
  tap_ok (access (file, F_OK) == 0, "the file is in the layer");
  dock_layer_remove_tree (dir, "unpack2", NULL);
  fd = tar_with ("x", "y");
  tap_ok (dock_layer_unpack_fd (fd, "application/x-frob", dir, "unpack3", diff, &size, &err) < 0
              && strstr (err->msg, "unsupported layer media type"),
          "an unknown media type is refused");
  close (fd);
  berth_error_free (err);
}

static void
test_images (dock_store *s)
{
  berth_error *err = NULL;
  int fd = tar_with ("bin/tool", "#!/bin/sh\n");
  dock_import_opts o = { .source = "-", .name = "docker.io/library/unit:1" };
  char *id = NULL;
  tap_ok (dock_import (s, fd, &o, &id, &err) == 0 && id && str_has_prefix (id, "sha256:"), "import an image");
  close (fd);
  dock_image_info img = { 0 };
  tap_ok (dock_image_lookup (s, "unit:1", &img, &err) == 0 && strcmp (img.id, id) == 0 && img.names[0]
              && strcmp (img.names[0], "docker.io/library/unit:1") == 0,
          "look it up by its familiar name");
  dock_image_info_clear (&img);
  cleanup_free char *shortid = xstrndup (id + 7, 5);
  tap_ok (dock_image_lookup (s, shortid, &img, &err) == 0 && strcmp (img.id, id) == 0, "and by a short ID");
  dock_image_info_clear (&img);
  tap_ok (dock_image_lookup (s, "nosuch", &img, &err) == 1, "a missing name is not found (1)");
  tap_ok (dock_image_find (s, "nosuch", &img, &err) < 0 && strcmp (err->msg, "No such image: nosuch:latest") == 0,
          "find says docker's words");
  berth_error_free (err);
  err = NULL;
  tap_ok (dock_image_tag (s, id, "docker.io/library/unit:2", &err) == 0 && dock_image_lookup (s, "unit:2", &img, &err) == 0
              && img.names[1] != NULL,
          "a second tag");
  dock_image_info_clear (&img);
  tap_ok (dock_image_untag (s, "docker.io/library/unit:2", &err) == 0, "untag it");
  tap_ok (dock_image_untag (s, "docker.io/library/unit:2", &err) < 0, "untagging twice fails");
  berth_error_free (err);
  err = NULL;
  tap_ok (dock_image_delete (s, id, NULL, NULL, NULL, &err) == 0, "delete the image");
  dock_image_info *list = NULL;
  size_t n = 9;
  tap_ok (dock_image_list (s, &list, &n, &err) == 0 && n == 0, "no image is left");
  dock_image_list_free (list, n);
  tap_ok (count_entries ("blobs/sha256", false) == 0 && count_entries ("layers", false) == 0,
          "its blobs and its layer are gone");
  free (id);
}

int
main (void)
{
  if (mkdtemp (root) == NULL)
    return 1;
  dock_config cfg = { .root = root };
  dock_store *s = NULL;
  berth_error *err = NULL;
  tap_ok (dock_store_open (&cfg, &s, &err) == 0, "open a fresh store");
  test_blobs (s);
  test_resolver ();
  dock_store_close (s);
  s = NULL;
  /* test_blobs left two blobs; clean them for the image counts below. */
  cleanup_free char *rm = xasprintf ("rm -rf %s/blobs/sha256/*", root);
  tap_ok (system (rm) == 0, "reset the blob store");
  tap_ok (dock_store_open (&cfg, &s, &err) == 0, "open it again");
  test_images (s);
  dock_store_close (s);
  test_unpack ();
  cleanup_free char *cleanup = xasprintf ("rm -rf %s", root);
  if (system (cleanup) != 0)
    diag ("could not remove %s", root);
  return tap_done ();
}
