/* Unpacked layers: one directory per diff ID under layers/, made under
   tmp/ and renamed into place by the transaction that records it. */
#include "config.h"

#include "internal.h"
#include "libberth/util.h"
#include "libdock/layer/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

char *
dock_layer_dir (dock_store *s, const char *diff_id)
{
  return xasprintf ("%s/layers/%s", s->root, digest_hex (diff_id));
}

int
store_retire_dir (dock_store *s, int dirfd, const char *name, berth_error **err)
{
  cleanup_free char *tmp = store_tmp_name ("retired");
  if (renameat (dirfd, name, s->tmpfd, tmp) < 0)
    return errno == ENOENT ? 0 : berth_fail_errno (err, "remove %s/layers/%s", s->root, name);
  return dock_layer_remove_tree (s->tmpfd, tmp, err);
}

/* 1: the blob is unpacked (the record and its directory are there);
   0: not; -1: error. */
static int
lookup (dock_store *s, const char *blob_digest, char diff_id[DOCK_DIGEST_MAX], int64_t *size, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err,
                                              "SELECT d.diff_id, d.size FROM blob_diffs b JOIN diffs d "
                                              "ON d.diff_id = b.diff_id WHERE b.blob_digest = ?",
                                              "s", blob_digest);
  if (st == NULL)
    return -1;
  int rc = sqlite3_step (st);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return db_fail (s, err, "database");
  const char *d = (const char *) sqlite3_column_text (st, 0);
  if (d == NULL || strlen (d) >= DOCK_DIGEST_MAX)
    return berth_fail (err, 0, "database: bad diff ID for %s", blob_digest);
  strcpy (diff_id, d);
  *size = sqlite3_column_int64 (st, 1);
  /* A kill between retiring a directory and committing its removal leaves
     the record without the directory: then it is not unpacked. */
  if (faccessat (s->layersfd, digest_hex (diff_id), F_OK, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  return 1;
}

int
dock_layer_lookup_blob (dock_store *s, const char *blob_digest, char diff_id[DOCK_DIGEST_MAX], int64_t *size)
{
  int64_t sz = 0;
  int r = lookup (s, blob_digest, diff_id, &sz, NULL);
  if (size)
    *size = sz;
  return r == 1 ? 0 : -1;
}

/* Record an unpacked directory (tmp/tmpname) as the diff diff_id: move it
   into place unless it is there already, in the transaction that records
   it. */
static int
record_unpacked (dock_store *s, const char *blob_digest, const char *media_type, const char *tmpname,
                 const char *diff_id, int64_t size, berth_error **err)
{
  if (db_begin (s, err) < 0)
    return -1;
  const char *hex = digest_hex (diff_id);
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, "SELECT 1 FROM diffs WHERE diff_id = ?", "s", diff_id);
  if (st == NULL)
    goto fail;
  int rc = sqlite3_step (st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      /* Not "no record": that would retire a layer in use. */
      db_fail (s, err, "database");
      goto fail;
    }
  bool have = rc == SQLITE_ROW && faccessat (s->layersfd, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  if (!have)
    {
      /* A directory without a record is a killed process's: replace it. */
      if (store_retire_dir (s, s->layersfd, hex, err) < 0)
        goto fail;
      dock_test_crash_point ("layer-before-rename");
      if (renameat (s->tmpfd, tmpname, s->layersfd, hex) < 0)
        {
          berth_fail_errno (err, "rename layer %s into %s/layers", diff_id, s->root);
          goto fail;
        }
      dock_test_crash_point ("layer-after-rename");
      if (db_do (s, err, "INSERT OR REPLACE INTO diffs (diff_id, size) VALUES (?, ?)", "si", diff_id, size) < 0)
        goto fail;
    }
  if (db_do (s, err, "INSERT OR REPLACE INTO blob_diffs (blob_digest, diff_id, media_type) VALUES (?, ?, ?)", "sss",
             blob_digest, diff_id, media_type ? media_type : "")
      < 0)
    goto fail;
  return db_commit (s, err);
fail:
  db_rollback (s);
  return -1;
}

int
dock_layer_unpack_blob (dock_store *s, const char *blob_digest, const char *media_type, berth_error **err)
{
  char diff_id[DOCK_DIGEST_MAX];
  int64_t size;
  int r = lookup (s, blob_digest, diff_id, &size, err);
  if (r != 0)
    return r < 0 ? -1 : 0;

  /* One unpacker per blob at a time: a second dock pulling the same layer
     waits here and then finds it done. */
  cleanup_free char *lockname = xasprintf ("unpack-%s.lock", digest_hex (blob_digest));
  cleanup_close int lockfd = openat (s->tmpfd, lockname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (lockfd < 0 || flock (lockfd, LOCK_EX) < 0)
    return berth_fail_errno (err, "lock %s/tmp/%s", s->root, lockname);
  r = lookup (s, blob_digest, diff_id, &size, err);
  if (r != 0)
    return r < 0 ? -1 : 0;

  cleanup_close int blobfd = -1;
  if (dock_blob_open (s, blob_digest, &blobfd, NULL, err) < 0)
    return -1;
  cleanup_free char *tmpname = store_tmp_name ("layer");
  if (dock_layer_unpack_fd (blobfd, media_type, s->tmpfd, tmpname, diff_id, &size, err) < 0)
    {
      dock_layer_remove_tree (s->tmpfd, tmpname, NULL);
      return berth_error_wrap (err, "layer %s", blob_digest);
    }
  dock_test_crash_point ("layer-unpacked");
  if (record_unpacked (s, blob_digest, media_type, tmpname, diff_id, size, err) < 0)
    {
      dock_layer_remove_tree (s->tmpfd, tmpname, NULL);
      return -1;
    }
  /* Lost a race: ours was not needed.  The lock file goes too; a waiter
     still holding it finds the record and stops. */
  dock_layer_remove_tree (s->tmpfd, tmpname, NULL);
  unlinkat (s->tmpfd, lockname, 0);
  return 0;
}
