/* Removing images and what only they used, and the store-wide sweep. */
#include "config.h"

#include "internal.h"
#include "libberth/util.h"
#include "schema.h"
#include "libdock/layer/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

static int
blob_referenced (dock_store *s, const char *digest, bool *yes, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err,
                                              "SELECT 1 FROM images WHERE id = ?1 OR manifest_digest = ?1 UNION "
                                              "SELECT 1 FROM image_layers WHERE blob_digest = ?1",
                                              "s", digest);
  if (st == NULL)
    return -1;
  int rc = sqlite3_step (st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail (s, err, "database");
  *yes = rc == SQLITE_ROW;
  return 0;
}

/* Second step of a delete, in its own transaction (so that no register
   can commit a reference to them meanwhile): the blobs and the layer
   directories that no record uses any more. */
static int
remove_unused (dock_store *s, char **blobs, char **diffs, int64_t *freed, berth_error **err)
{
  if (db_begin (s, err) < 0)
    return -1;
  for (size_t i = 0; blobs && blobs[i]; i++)
    {
      bool used;
      if (blob_referenced (s, blobs[i], &used, err) < 0)
        goto fail;
      struct stat st;
      if (!used && fstatat (s->blobsfd, digest_hex (blobs[i]), &st, AT_SYMLINK_NOFOLLOW) == 0)
        {
          if (unlinkat (s->blobsfd, digest_hex (blobs[i]), 0) < 0 && errno != ENOENT)
            {
              berth_fail_errno (err, "remove blob %s", blobs[i]);
              goto fail;
            }
          if (freed)
            *freed += st.st_size;
        }
    }
  for (size_t i = 0; diffs && diffs[i]; i++)
    {
      cleanup_stmt sqlite3_stmt *st
          = db_prepare (s, err, "SELECT size FROM diffs WHERE diff_id = ?1 AND NOT EXISTS "
                                "(SELECT 1 FROM layers WHERE diff_id = ?1)",
                        "s", diffs[i]);
      if (st == NULL)
        goto fail;
      if (sqlite3_step (st) != SQLITE_ROW)
        continue;
      int64_t size = sqlite3_column_int64 (st, 0);
      if (db_do (s, err, "DELETE FROM diffs WHERE diff_id = ?", "s", diffs[i]) < 0)
        goto fail;
      /* Renamed out before the commit; a kill in between leaves a record
         whose directory is gone, which lookup treats as not unpacked. */
      if (store_retire_dir (s, s->layersfd, digest_hex (diffs[i]), err) < 0)
        goto fail;
      if (freed)
        *freed += size;
    }
  return db_commit (s, err);
fail:
  db_rollback (s);
  return -1;
}

int
dock_image_delete (dock_store *s, const char *image_id, dock_deleted_fn deleted, void *data, int64_t *freed,
                   berth_error **err)
{
  cleanup_strv char **blobs = NULL;
  cleanup_strv char **removed = NULL; /* chain IDs */
  cleanup_strv char **diffs = NULL;
  size_t nremoved = 0, ndiffs = 0;
  if (db_begin (s, err) < 0)
    return -1;
  /* Its blobs: config, manifest, layers. */
  blobs = db_strings (s, err,
                      "SELECT id FROM images WHERE id = ?1 UNION SELECT manifest_digest FROM images WHERE id = ?1 "
                      "UNION SELECT blob_digest FROM image_layers WHERE image_id = ?1",
                      image_id);
  if (blobs == NULL)
    goto fail;
  {
    cleanup_strv char **chains
        = db_strings (s, err, "SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY idx DESC", image_id);
    if (chains == NULL)
      goto fail;
    size_t nchains = 0;
    while (chains[nchains])
      nchains++;
    if (db_do (s, err, "DELETE FROM images WHERE id = ?", "s", image_id) < 0)
      goto fail;
    removed = xcalloc (1, sizeof *removed);
    diffs = xcalloc (1, sizeof *diffs);
    for (size_t i = 0; i < nchains; i++)
      {
        if (db_do (s, err, "UPDATE layers SET refcount = refcount - 1 WHERE chain_id = ?", "s", chains[i]) < 0)
          goto fail;
        cleanup_stmt sqlite3_stmt *q
            = db_prepare (s, err, "SELECT diff_id FROM layers WHERE chain_id = ? AND refcount <= 0", "s", chains[i]);
        if (q == NULL)
          goto fail;
        if (sqlite3_step (q) != SQLITE_ROW)
          continue;
        oci_strv_append (&diffs, &ndiffs, (const char *) sqlite3_column_text (q, 0));
        if (db_do (s, err, "DELETE FROM layers WHERE chain_id = ?", "s", chains[i]) < 0)
          goto fail;
        oci_strv_append (&removed, &nremoved, chains[i]);
      }
  }
  if (db_commit (s, err) < 0)
    return -1;
  dock_test_crash_point ("delete-after-commit");
  if (deleted)
    {
      deleted (image_id, data);
      for (size_t i = 0; i < nremoved; i++)
        deleted (removed[i], data);
    }
  return remove_unused (s, blobs, diffs, freed, err);
fail:
  db_rollback (s);
  return -1;
}

int
dock_store_usage (dock_store *s, int64_t *layers_bytes, int64_t *blobs_bytes, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, "SELECT coalesce (sum (size), 0) FROM diffs", NULL);
  if (st == NULL)
    return -1;
  if (sqlite3_step (st) != SQLITE_ROW)
    return db_fail (s, err, "database");
  *layers_bytes = sqlite3_column_int64 (st, 0);
  *blobs_bytes = 0;
  cleanup_closedir DIR *d = opendir_fd (s->blobsfd);
  if (d == NULL)
    return berth_fail_errno (err, "open %s/blobs/sha256", s->root);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      struct stat sb;
      if (de->d_name[0] != '.' && fstatat (s->blobsfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        *blobs_bytes += sb.st_size;
    }
  return 0;
}

/* Everything in blobs/ that no record names, and every diff no layer uses. */
static int
sweep (dock_store *s, int64_t *freed, berth_error **err)
{
  cleanup_strv char **blobs = xcalloc (1, sizeof *blobs);
  cleanup_strv char **diffs = NULL;
  size_t nb = 0;
  cleanup_closedir DIR *d = opendir_fd (s->blobsfd);
  if (d == NULL)
    return berth_fail_errno (err, "open %s/blobs/sha256", s->root);
  struct dirent *de;
  while ((de = readdir (d)))
    if (de->d_name[0] != '.')
      {
        cleanup_free char *digest = xasprintf ("sha256:%s", de->d_name);
        oci_strv_append (&blobs, &nb, digest);
      }
  strv_free (diffs);
  diffs = db_strings (s, err, "SELECT diff_id FROM diffs WHERE diff_id NOT IN (SELECT diff_id FROM layers)", NULL);
  if (diffs == NULL)
    return -1;
  return remove_unused (s, blobs, diffs, freed, err);
}

int
dock_store_gc (dock_store *s, bool *done, int64_t *freed, berth_error **err)
{
  *done = false;
  /* Exclusive: a blob or layer without a record may be another dock's
     pull in progress.  Converting a shared lock is not atomic; it only
     matters that nobody else holds one while we sweep. */
  if (flock (s->lockfd, LOCK_EX | LOCK_NB) < 0)
    {
      int e = errno;
      /* A failed conversion may have dropped the shared lock: take it again. */
      if (flock (s->lockfd, LOCK_SH) < 0 || e != EWOULDBLOCK)
        return berth_fail (err, e, "lock %s/lock", s->root);
      return 0;
    }
  int r = sweep (s, freed, err);
  if (flock (s->lockfd, LOCK_SH) < 0 && r == 0)
    r = berth_fail_errno (err, "lock %s/lock", s->root);
  *done = r == 0;
  return r;
}
