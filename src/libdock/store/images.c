/* Image records: registration (the end of every pull, load and import),
   listing, lookup by the words docker accepts, tags and deletion. */
#include "config.h"

#include "internal.h"
#include "names.h"
#include "libberth/util.h"
#include "schema.h"
#include "libdock/imagejson.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void
dock_image_info_clear (dock_image_info *img)
{
  free (img->id);
  free (img->manifest_digest);
  free (img->created);
  free (img->parent);
  strv_free (img->names);
  strv_free (img->digests);
  memset (img, 0, sizeof *img);
}

void
dock_image_list_free (dock_image_info *imgs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    dock_image_info_clear (&imgs[i]);
  free (imgs);
}

void
dock_image_layers_free (dock_image_layer *layers, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (layers[i].media_type);
  free (layers);
}

/* chain(0) = diff(0); chain(n) = sha256(chain(n-1) + " " + diff(n)). */
static void
chain_id (const char *parent, const char *diff, char out[DOCK_DIGEST_MAX])
{
  if (parent == NULL)
    {
      strcpy (out, diff);
      return;
    }
  cleanup_free char *text = xasprintf ("%s %s", parent, diff);
  cleanup_free char *d = dock_digest_buf (DOCK_DIGEST_SHA256, text, strlen (text));
  strcpy (out, d);
}

/* Write the image's rows, in a transaction already begun.  1 when a layer
   record vanished (another dock deleted it meanwhile): unpack again. */
static int
insert_image (dock_store *s, const dock_image_manifest *m, const dock_image_config *c, const char *manifest_digest,
              const char *const *names, const char *const *repo_digests, dock_image_layer *layers,
              berth_error **err)
{
  int64_t total = 0;
  for (size_t i = 0; i < m->n_layers; i++)
    {
      cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, "SELECT 1 FROM diffs WHERE diff_id = ?", "s",
                                                  layers[i].diff_id);
      if (st == NULL)
        return -1;
      if (sqlite3_step (st) != SQLITE_ROW
          || faccessat (s->layersfd, digest_hex (layers[i].diff_id), F_OK, AT_SYMLINK_NOFOLLOW) < 0)
        return 1;
      total += layers[i].size;
    }
  for (const char *b[] = { manifest_digest, m->config_digest }, **p = b; p < b + 2; p++)
    if (!dock_blob_exists (s, *p))
      return berth_fail (err, 0, "blob %s was removed while the image was being registered", *p);

  cleanup_stmt sqlite3_stmt *ex = db_prepare (s, err, "SELECT 1 FROM images WHERE id = ?", "s", m->config_digest);
  if (ex == NULL)
    return -1;
  bool exists = sqlite3_step (ex) == SQLITE_ROW;
  if (exists)
    {
      if (db_do (s, err, "UPDATE images SET manifest_digest = ? WHERE id = ?", "ss", manifest_digest,
                 m->config_digest)
          < 0)
        return -1;
    }
  else
    {
      if (db_do (s, err,
                 "INSERT INTO images (id, manifest_digest, created, created_unix, size, parent, added) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                 "sssiisi", m->config_digest, manifest_digest, c->created ? c->created : "", c->created_unix, total,
                 c->parent ? c->parent : "", (int64_t) time (NULL))
          < 0)
        return -1;
      for (size_t i = 0; i < m->n_layers; i++)
        {
          const char *parent = i ? layers[i - 1].chain_id : NULL;
          if (db_do (s, err,
                     "INSERT OR IGNORE INTO layers (chain_id, diff_id, parent, blob_digest, size, refcount) "
                     "VALUES (?, ?, ?, ?, ?, 0)",
                     "ssssi", layers[i].chain_id, layers[i].diff_id, parent, layers[i].blob_digest, layers[i].size)
                  < 0
              || db_do (s, err, "UPDATE layers SET refcount = refcount + 1 WHERE chain_id = ?", "s",
                        layers[i].chain_id)
                     < 0
              || db_do (s, err,
                        "INSERT INTO image_layers (image_id, idx, chain_id, diff_id, blob_digest, media_type, "
                        "blob_size) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        "sissssi", m->config_digest, (int64_t) i, layers[i].chain_id, layers[i].diff_id,
                        layers[i].blob_digest, layers[i].media_type, layers[i].blob_size)
                     < 0)
            return -1;
        }
    }
  for (size_t i = 0; names && names[i]; i++)
    if (db_do (s, err, "INSERT OR REPLACE INTO names (name, image_id) VALUES (?, ?)", "ss", names[i],
               m->config_digest)
        < 0)
      return -1;
  for (size_t i = 0; repo_digests && repo_digests[i]; i++)
    if (db_do (s, err, "INSERT OR REPLACE INTO repo_digests (name, image_id) VALUES (?, ?)", "ss", repo_digests[i],
               m->config_digest)
        < 0)
      return -1;
  return 0;
}

int
dock_image_register (dock_store *s, const char *manifest_digest, const char *const *names,
                     const char *const *repo_digests, char **image_id, berth_error **err)
{
  cleanup_free char *mbuf = NULL, *cbuf = NULL;
  size_t mlen, clen;
  dock_image_manifest m = { 0 };
  dock_image_config c = { 0 };
  dock_image_layer *layers = NULL;
  int r = -1;
  if (dock_digest_load (err) < 0)
    return -1;
  if (dock_blob_read (s, manifest_digest, DOCK_MANIFEST_MAX, &mbuf, &mlen, err) < 0
      || dock_image_manifest_parse (mbuf, mlen, &m, err) < 0)
    goto out;
  if (dock_blob_read (s, m.config_digest, DOCK_CONFIG_MAX, &cbuf, &clen, err) < 0
      || dock_image_config_parse (cbuf, clen, &c, err) < 0)
    goto out;
  if (c.n_diff_ids != m.n_layers)
    {
      berth_fail (err, 0, "image %s: the manifest has %zu layers, the config %zu diff IDs", manifest_digest,
                  m.n_layers, c.n_diff_ids);
      goto out;
    }
  layers = xcalloc (m.n_layers ? m.n_layers : 1, sizeof *layers);
  for (int attempt = 0; attempt < 3; attempt++)
    {
      for (size_t i = 0; i < m.n_layers; i++)
        {
          dock_image_layer *l = &layers[i];
          const dock_descriptor *d = &m.layers[i];
          if (dock_layer_unpack_blob (s, d->digest, d->media_type, err) < 0)
            goto out;
          if (dock_layer_lookup_blob (s, d->digest, l->diff_id, &l->size) < 0)
            {
              berth_fail (err, 0, "layer %s: not unpacked", d->digest);
              goto out;
            }
          if (strcmp (l->diff_id, c.diff_ids[i]) != 0)
            {
              berth_fail (err, 0, "layer %s: its content hashes to %s, the config says %s", d->digest, l->diff_id,
                          c.diff_ids[i]);
              goto out;
            }
          chain_id (i ? layers[i - 1].chain_id : NULL, l->diff_id, l->chain_id);
          strcpy (l->blob_digest, d->digest);
          free (l->media_type);
          l->media_type = xstrdup (d->media_type);
          l->blob_size = d->size;
        }
      dock_test_crash_point ("register-before-txn");
      if (db_begin (s, err) < 0)
        goto out;
      int ins = insert_image (s, &m, &c, manifest_digest, names, repo_digests, layers, err);
      if (ins != 0)
        {
          db_rollback (s);
          if (ins < 0)
            goto out;
          continue; /* a layer vanished under us: unpack it again */
        }
      if (db_commit (s, err) < 0)
        goto out;
      if (image_id)
        *image_id = xstrdup (m.config_digest);
      r = 0;
      goto out;
    }
  berth_fail (err, 0, "image %s: its layers keep being removed by another dock", manifest_digest);
out:
  dock_image_layers_free (layers, m.n_layers);
  dock_image_manifest_clear (&m);
  dock_image_config_clear (&c);
  return r;
}

#define IMAGE_COLUMNS                                                                                               \
  "SELECT id, manifest_digest, created, created_unix, size, parent, "                                               \
  "(SELECT count(*) FROM image_layers l WHERE l.image_id = images.id) FROM images "

static int
read_image_row (dock_store *s, sqlite3_stmt *st, dock_image_info *img, berth_error **err)
{
  img->id = db_text (st, 0);
  img->manifest_digest = db_text (st, 1);
  img->created = db_text (st, 2);
  img->created_unix = sqlite3_column_int64 (st, 3);
  img->size = sqlite3_column_int64 (st, 4);
  img->parent = db_text (st, 5);
  img->n_layers = (size_t) sqlite3_column_int64 (st, 6);
  img->names = db_strings (s, err, "SELECT name FROM names WHERE image_id = ? ORDER BY name", img->id);
  if (img->names == NULL)
    return -1;
  img->digests = db_strings (s, err, "SELECT name FROM repo_digests WHERE image_id = ? ORDER BY name", img->id);
  return img->digests ? 0 : -1;
}

int
dock_image_list (dock_store *s, dock_image_info **out, size_t *n, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, IMAGE_COLUMNS "ORDER BY created_unix DESC, added DESC", NULL);
  if (st == NULL)
    return -1;
  dock_image_info *v = NULL;
  size_t len = 0, cap = 0;
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      if (len == cap)
        {
          cap = cap ? 2 * cap : 16;
          v = xrealloc (v, cap * sizeof *v);
        }
      memset (&v[len], 0, sizeof v[len]);
      if (read_image_row (s, st, &v[len++], err) < 0)
        {
          dock_image_list_free (v, len);
          return -1;
        }
    }
  if (rc != SQLITE_DONE)
    {
      dock_image_list_free (v, len);
      return db_fail (s, err, "database");
    }
  *out = v;
  *n = len;
  return 0;
}

/* 1 found, 0 not, -1 error. */
static int
image_where (dock_store *s, const char *where, const char *arg, dock_image_info *out, berth_error **err)
{
  cleanup_free char *sql = xasprintf (IMAGE_COLUMNS "WHERE %s", where);
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, sql, "s", arg);
  if (st == NULL)
    return -1;
  int rc = sqlite3_step (st);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return db_fail (s, err, "database");
  memset (out, 0, sizeof *out);
  if (read_image_row (s, st, out, err) < 0)
    {
      dock_image_info_clear (out);
      return -1;
    }
  if (sqlite3_step (st) == SQLITE_ROW)
    {
      dock_image_info_clear (out);
      return berth_fail (err, 0, "%s: the short ID matches more than one image", arg);
    }
  return 1;
}

static bool
is_hex (const char *s)
{
  return *s && strspn (s, "0123456789abcdef") == strlen (s);
}

int
dock_image_lookup (dock_store *s, const char *word, dock_image_info *out, berth_error **err)
{
  /* A full ID with its algorithm, first: it can never be a name. */
  if (str_has_prefix (word, "sha256:"))
    {
      if (!is_hex (word + 7) || strlen (word + 7) > 64)
        return berth_fail (err, 0, "invalid reference format");
      cleanup_free char *like = xasprintf ("%s%%", word);
      int r = image_where (s, "id LIKE ?", like, out, err);
      if (r != 0)
        return r < 0 ? -1 : 0;
      return 1;
    }
  cleanup_free char *name = NULL;
  berth_error *nerr = NULL;
  if (dock_name_normalize (word, &name, &nerr) == 0)
    {
      int r = image_where (s, strchr (name, '@') ? "id = (SELECT image_id FROM repo_digests WHERE name = ?)"
                                                 : "id = (SELECT image_id FROM names WHERE name = ?)",
                           name, out, err);
      if (r != 0)
        {
          berth_error_free (nerr);
          return r < 0 ? -1 : 0;
        }
    }
  /* Then a short ID (docker: any unique prefix of the hex). */
  if (is_hex (word) && strlen (word) <= 64)
    {
      berth_error_free (nerr);
      cleanup_free char *like = xasprintf ("sha256:%s%%", word);
      int r = image_where (s, "id LIKE ?", like, out, err);
      if (r != 0)
        return r < 0 ? -1 : 0;
      return 1;
    }
  if (nerr)
    {
      /* Not a name and not an ID: the name's syntax error says why. */
      if (err && *err == NULL)
        *err = nerr;
      else
        berth_error_free (nerr);
      return -1;
    }
  return 1;
}

int
dock_image_find (dock_store *s, const char *word, dock_image_info *out, berth_error **err)
{
  int r = dock_image_lookup (s, word, out, err);
  if (r != 1)
    return r;
  /* docker names what it looked for: "No such image: busybox:latest". */
  cleanup_free char *name = NULL;
  if (!str_has_prefix (word, "sha256:") && dock_name_normalize (word, &name, NULL) == 0
      && !(is_hex (word) && strlen (word) >= 12))
    {
      cleanup_free char *familiar = dock_name_familiar (name);
      return berth_fail (err, 0, "No such image: %s", familiar);
    }
  return berth_fail (err, 0, "No such image: %s", word);
}

int
dock_image_layers (dock_store *s, const char *image_id, dock_image_layer **out, size_t *n, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err,
                                              "SELECT l.diff_id, l.chain_id, l.blob_digest, l.media_type, "
                                              "l.blob_size, coalesce (d.size, 0) FROM image_layers l "
                                              "LEFT JOIN diffs d ON d.diff_id = l.diff_id "
                                              "WHERE l.image_id = ? ORDER BY l.idx",
                                              "s", image_id);
  if (st == NULL)
    return -1;
  dock_image_layer *v = NULL;
  size_t len = 0;
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      v = xrealloc (v, (len + 1) * sizeof *v);
      dock_image_layer *l = &v[len++];
      memset (l, 0, sizeof *l);
      snprintf (l->diff_id, sizeof l->diff_id, "%s", (const char *) sqlite3_column_text (st, 0));
      snprintf (l->chain_id, sizeof l->chain_id, "%s", (const char *) sqlite3_column_text (st, 1));
      snprintf (l->blob_digest, sizeof l->blob_digest, "%s", (const char *) sqlite3_column_text (st, 2));
      l->media_type = db_text (st, 3);
      l->blob_size = sqlite3_column_int64 (st, 4);
      l->size = sqlite3_column_int64 (st, 5);
    }
  if (rc != SQLITE_DONE)
    {
      dock_image_layers_free (v, len);
      return db_fail (s, err, "database");
    }
  *out = v;
  *n = len;
  return 0;
}

int
dock_image_tag (dock_store *s, const char *image_id, const char *name, berth_error **err)
{
  if (db_begin (s, err) < 0)
    return -1;
  if (db_do (s, err, "INSERT OR REPLACE INTO names (name, image_id) VALUES (?, ?)", "ss", name, image_id) < 0)
    {
      db_rollback (s);
      return -1;
    }
  return db_commit (s, err);
}

int
dock_image_untag (dock_store *s, const char *name, berth_error **err)
{
  if (db_begin (s, err) < 0)
    return -1;
  const char *table = strchr (name, '@') ? "repo_digests" : "names";
  cleanup_free char *sql = xasprintf ("DELETE FROM %s WHERE name = ?", table);
  if (db_do (s, err, sql, "s", name) < 0)
    {
      db_rollback (s);
      return -1;
    }
  int changed = sqlite3_changes (s->db);
  if (db_commit (s, err) < 0)
    return -1;
  return changed ? 0 : berth_fail (err, ENOENT, "%s", name);
}
