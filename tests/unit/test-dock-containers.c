/* Container records through the store's API on a real store: IDs, names
   (docker's grammar, generated ones, uniqueness), lookup by id, name and
   prefix (ambiguity), rename, delete, the image-in-use query, and the
   leftover cleanup of directories without a record. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libberth/util.h"
#include "libdock/archive/tarwriter.h"
#include "libdock/import.h"
#include "libdock/store/containers.h"
#include "libdock/store/store.h"
#include "tap.h"

static char root[] = "/tmp/dock-unit-ctr-XXXXXX";

static void
test_ids_and_names (void)
{
  char a[65], b[65];
  dock_container_new_id (a);
  dock_container_new_id (b);
  tap_ok (strlen (a) == 64 && strspn (a, "0123456789abcdef") == 64 && strcmp (a, b) != 0,
          "IDs are 64 random hex digits");
  bool all_ok = true;
  for (int i = 0; i < 200; i++)
    {
      cleanup_free char *n = dock_container_random_name ();
      char *us = strchr (n, '_');
      all_ok = all_ok && us && us != n && us[1] && strchr (us + 1, '_') == NULL
               && dock_container_name_check (n, NULL) == 0;
    }
  tap_ok (all_ok, "generated names are adjective_surname and valid");
  const char *good[] = { "ab", "/web", "a.b-c_d", "9lives" };
  const char *bad[] = { "a", "", "-x", "_x", "a b", "x/y", "ünï" };
  for (size_t i = 0; i < ARRAY_SIZE (good); i++)
    tap_ok (dock_container_name_check (good[i], NULL) == 0, "name '%s' is valid", good[i]);
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      berth_error *err = NULL;
      tap_ok (dock_container_name_check (bad[i], &err) < 0 && strstr (err->msg, "Invalid container name"),
              "name '%s' is refused with docker's message", bad[i]);
      berth_error_free (err);
    }
}

static int
add (dock_store *s, const char *id, const char *name, const char *image, berth_error **err)
{
  cleanup_free char *staged = NULL;
  if (dock_container_stage (s, &staged, err) < 0)
    return -1;
  dock_container c = { .id = xstrdup (id), .name = name ? xstrdup (name) : NULL, .image_id = xstrdup (image),
                       .image_ref = xstrdup ("unit:1"), .created = 1, .driver = xstrdup ("overlay2"),
                       .lowers = xstrdup ("[]"), .config = xstrdup ("{}"), .host_config = xstrdup ("{}"),
                       .path = xstrdup ("true"), .args = xstrdup ("[]") };
  int r = dock_container_insert (s, &c, staged, err);
  if (r < 0)
    {
      cleanup_free char *cmd = xasprintf ("rm -rf %s", staged);
      if (system (cmd) != 0)
        diag ("could not remove %s", staged);
    }
  dock_container_clear (&c);
  return r;
}

static void
test_records (dock_store *s, const char *image)
{
  berth_error *err = NULL;
  const char *id1 = "abc1000000000000000000000000000000000000000000000000000000000001";
  const char *id2 = "abc2000000000000000000000000000000000000000000000000000000000002";
  tap_ok (add (s, id1, "web", image, &err) == 0, "insert a named container");
  tap_ok (add (s, id2, NULL, image, &err) == 0, "insert one with a generated name");
  tap_ok (add (s, "ffff000000000000000000000000000000000000000000000000000000000003", "web", image, &err) < 0
              && err->kind == BERTH_ERR_EXISTS && strstr (err->msg, "\"/web\" is already in use by container \"abc1"),
          "a name in use is docker's conflict");
  berth_error_free (err);
  err = NULL;
  dock_container c = { 0 };
  tap_ok (dock_container_lookup (s, "web", &c, &err) == 0 && strcmp (c.id, id1) == 0, "look up by name");
  dock_container_clear (&c);
  tap_ok (dock_container_lookup (s, "/web", &c, &err) == 0 && strcmp (c.id, id1) == 0, "and with docker's '/'");
  dock_container_clear (&c);
  tap_ok (dock_container_lookup (s, "abc2", &c, &err) == 0 && strcmp (c.id, id2) == 0, "by a unique prefix");
  dock_container_clear (&c);
  tap_ok (dock_container_lookup (s, "abc", &c, &err) < 0 && strstr (err->msg, "multiple IDs found with provided prefix: abc"),
          "an ambiguous prefix is an error");
  berth_error_free (err);
  err = NULL;
  tap_ok (dock_container_find (s, "nope", &c, &err) < 0 && err->kind == BERTH_ERR_NOT_FOUND
              && strcmp (err->msg, "No such container: nope") == 0,
          "a missing one: docker's message");
  berth_error_free (err);
  err = NULL;
  cleanup_free char *state = NULL;
  cleanup_free char *user = dock_image_user (s, image, &state, &err);
  tap_ok (user && state && strcmp (state, "created") == 0, "the image is in use by a created container");
  tap_ok (dock_container_rename (s, id1, "web2", &err) == 0 && dock_container_lookup (s, "web2", &c, &err) == 0,
          "rename");
  dock_container_clear (&c);
  tap_ok (dock_container_lookup (s, "web", &c, &err) == 1, "the old name is gone");
  tap_ok (dock_container_delete (s, id1, &err) == 0 && dock_container_delete (s, id2, &err) == 0,
          "delete both");
  cleanup_free char *user2 = dock_image_user (s, image, NULL, &err);
  tap_ok (user2 == NULL, "the image is free again");
  cleanup_free char *dir = xasprintf ("%s/containers/%s", root, id1);
  tap_ok (access (dir, F_OK) < 0, "the container dir went with its record");
}

int
main (void)
{
  if (mkdtemp (root) == NULL)
    return 1;
  test_ids_and_names ();
  dock_config cfg = { .root = root };
  dock_store *s = NULL;
  berth_error *err = NULL;
  tap_ok (dock_store_open (&cfg, &s, &err) == 0, "open a fresh store");
  char tmpl[] = "/tmp/dock-unit-tar-XXXXXX";
  int fd = mkstemp (tmpl);
  unlink (tmpl);
  tar_write_buffer (fd, "bin/tool", "x", 1, NULL);
  tar_finish (fd, NULL);
  lseek (fd, 0, SEEK_SET);
  dock_import_opts o = { .source = "-", .name = "docker.io/library/unit:1" };
  cleanup_free char *image = NULL;
  tap_ok (dock_import (s, fd, &o, &image, &err) == 0, "import an image");
  close (fd);
  test_records (s, image);
  /* A directory without a record (a create killed between its rename and
     its commit) goes when a dock opens the store alone. */
  cleanup_free char *orphan = xasprintf ("%s/containers/0123", root);
  mkdir (orphan, 0700);
  dock_store_close (s);
  s = NULL;
  tap_ok (dock_store_open (&cfg, &s, &err) == 0 && access (orphan, F_OK) < 0,
          "an orphan container dir is removed by the next lone opener");
  dock_store_close (s);
  cleanup_free char *cleanup = xasprintf ("rm -rf %s", root);
  if (system (cleanup) != 0)
    diag ("could not remove %s", root);
  return tap_done ();
}
