/* Container records and directories: see containers.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containers.h"
#include "internal.h"
#include "libberth/util.h"
#include "libdock/layer/unpack.h"

static const char containers_schema[] =
  "CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
  "  image_id TEXT NOT NULL REFERENCES images, image_ref TEXT NOT NULL, created INTEGER NOT NULL,"
  "  driver TEXT NOT NULL, lowers TEXT NOT NULL, config TEXT NOT NULL, host_config TEXT NOT NULL,"
  "  path TEXT NOT NULL, args TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'created',"
  "  pid INTEGER NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',"
  "  started_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
  "  finished_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z', oom_killed INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX IF NOT EXISTS containers_image ON containers (image_id);";

#define COLUMNS                                                                                                       \
  "id, name, image_id, image_ref, created, driver, lowers, config, host_config, path, args, state, pid,"             \
  " exit_code, error, started_at, finished_at, oom_killed"

int
dock_containers_schema (dock_store *s, berth_error **err)
{
  /* IF NOT EXISTS on each statement: cheap, and idempotent under racing
     first opens (each runs in its own implicit transaction). */
  if (mkdirat (s->rootfd, "containers", 0710) < 0 && errno != EEXIST)
    return berth_fail_errno (err, "mkdir %s/containers", s->root);
  return db_exec (s, containers_schema, err);
}

void
dock_container_clear (dock_container *c)
{
  char **strs[] = { &c->id,   &c->name, &c->image_id, &c->image_ref, &c->driver, &c->lowers,     &c->config,
                    &c->host_config, &c->path, &c->args, &c->state, &c->error, &c->started_at, &c->finished_at };
  for (size_t i = 0; i < ARRAY_SIZE (strs); i++)
    {
      free (*strs[i]);
      *strs[i] = NULL;
    }
}

void
dock_container_list_free (dock_container *c, size_t n)
{
  for (size_t i = 0; i < n; i++)
    dock_container_clear (&c[i]);
  free (c);
}

void
dock_container_new_id (char id[65])
{
  for (;;)
    {
      unsigned char raw[32];
      size_t got = 0;
      while (got < sizeof raw)
        {
          ssize_t r = getrandom (raw + got, sizeof raw - got, 0);
          if (r > 0)
            got += r;
        }
      for (size_t i = 0; i < sizeof raw; i++)
        snprintf (id + 2 * i, 3, "%02x", raw[i]);
      /* docker regenerates an ID whose short form is all digits: it would
         read as a number in some tools. */
      if (strspn (id, "0123456789") < 12)
        return;
    }
}

/* dock's own word lists (docker's are its own; these are not them). */
static const char *const adjectives[] = {
  "amber",   "bold",    "breezy", "bright",  "calm",    "candid", "cheery", "clever", "cosmic",  "crisp",
  "daring",  "dapper",  "eager",  "earnest", "fearless","fluent", "gentle", "glad",   "golden",  "hardy",
  "humble",  "jolly",   "keen",   "kind",    "lively",  "lucid",  "mellow", "merry",  "nimble",  "noble",
  "patient", "plucky",  "quiet",  "rapid",   "serene",  "snappy", "spry",   "steady", "sunny",   "swift",
  "tidy",    "upbeat",  "valiant","vivid",   "wise",    "witty",  "zesty",  "zealous",
};
static const char *const surnames[] = {
  "agnesi",   "alhazen",  "babbage",  "banach",   "bohr",      "boole",     "cantor",   "carver",
  "curie",    "dijkstra", "euler",    "faraday",  "fermi",     "gauss",     "germain",  "hamilton",
  "hopper",   "hypatia",  "jemison",  "kepler",   "knuth",     "kovalevskaya", "lamarr", "leavitt",
  "liskov",   "lovelace", "maxwell",  "meitner",  "mirzakhani","noether",   "pascal",   "planck",
  "ramanujan","ritchie",  "sagan",    "shannon",  "somerville","tesla",     "thompson", "turing",
  "volta",    "wiles",    "wu",       "yalow",    "zuse",
};

char *
dock_container_random_name (void)
{
  uint32_t r[2];
  while (getrandom (r, sizeof r, 0) != sizeof r)
    ;
  return xasprintf ("%s_%s", adjectives[r[0] % ARRAY_SIZE (adjectives)], surnames[r[1] % ARRAY_SIZE (surnames)]);
}

int
dock_container_name_check (const char *name, berth_error **err)
{
  static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const char *n = name[0] == '/' ? name + 1 : name;
  if (strlen (n) < 2 || strchr (alnum, n[0]) == NULL || n[strspn (n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")] != '\0')
    return berth_fail (err, 0, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", n);
  return 0;
}

char *
dock_container_dir (dock_store *s, const char *id)
{
  return xasprintf ("%s/containers/%s", s->root, id);
}

int
dock_container_stage (dock_store *s, char **path, berth_error **err)
{
  cleanup_free char *name = store_tmp_name ("container");
  if (mkdirat (s->tmpfd, name, 0710) < 0)
    return berth_fail_errno (err, "mkdir %s/tmp/%s", s->root, name);
  *path = xasprintf ("%s/tmp/%s", s->root, name);
  return 0;
}

/* Mark an error for callers that act on it, keeping docker's text as is
   (no phrase, no strerror appended). */
static int
mark (berth_error **err, berth_error_kind kind)
{
  if (err && *err)
    (*err)->kind = kind;
  return -1;
}

static int
name_conflict (dock_store *s, const char *name, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, "SELECT id FROM containers WHERE name = ?", "s", name);
  if (st == NULL)
    return -1;
  int rc = sqlite3_step (st);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return db_fail (s, err, "database");
  berth_fail (err, 0,
                     "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove "
                     "(or rename) that container to be able to reuse that name.",
                     name, (const char *) sqlite3_column_text (st, 0));
  return mark (err, BERTH_ERR_EXISTS);
}

int
dock_container_insert (dock_store *s, dock_container *c, const char *staged, berth_error **err)
{
  if (db_begin (s, err) < 0)
    return -1;
  if (c->name == NULL)
    {
      /* A generated name that is taken is drawn again, as docker does. */
      for (int tries = 0; c->name == NULL; tries++)
        {
          char *n = dock_container_random_name ();
          if (tries > 10)
            {
              char *m = xasprintf ("%s%d", n, tries);
              free (n);
              n = m;
            }
          berth_error *e = NULL;
          int r = name_conflict (s, n, &e);
          if (r == 0)
            c->name = n;
          else
            {
              free (n);
              if (e->kind != BERTH_ERR_EXISTS)
                {
                  *err = e;
                  db_rollback (s);
                  return -1;
                }
              berth_error_free (e);
            }
        }
    }
  else if (name_conflict (s, c->name, err) < 0)
    {
      db_rollback (s);
      return -1;
    }
  if (db_do (s, err,
             "INSERT INTO containers (id, name, image_id, image_ref, created, driver, lowers, config, host_config,"
             " path, args) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             "ssssissssss", c->id, c->name, c->image_id, c->image_ref, c->created, c->driver, c->lowers, c->config,
             c->host_config, c->path, c->args)
      < 0)
    {
      db_rollback (s);
      return -1;
    }
  dock_test_crash_point ("container-inserted");
  cleanup_free char *dest = dock_container_dir (s, c->id);
  if (rename (staged, dest) < 0)
    {
      berth_fail_errno (err, "rename %s to %s", staged, dest);
      db_rollback (s);
      return -1;
    }
  dock_test_crash_point ("container-dir-moved");
  if (db_commit (s, err) < 0)
    {
      rename (dest, staged);
      return -1;
    }
  free (c->state);
  c->state = xstrdup ("created");
  return 0;
}

static void
read_row (sqlite3_stmt *st, dock_container *c)
{
  int i = 0;
  c->id = db_text (st, i++);
  c->name = db_text (st, i++);
  c->image_id = db_text (st, i++);
  c->image_ref = db_text (st, i++);
  c->created = sqlite3_column_int64 (st, i++);
  c->driver = db_text (st, i++);
  c->lowers = db_text (st, i++);
  c->config = db_text (st, i++);
  c->host_config = db_text (st, i++);
  c->path = db_text (st, i++);
  c->args = db_text (st, i++);
  c->state = db_text (st, i++);
  c->pid = sqlite3_column_int64 (st, i++);
  c->exit_code = sqlite3_column_int64 (st, i++);
  c->error = db_text (st, i++);
  c->started_at = db_text (st, i++);
  c->finished_at = db_text (st, i++);
  c->oom_killed = sqlite3_column_int (st, i++) != 0;
}

static int
collect (dock_store *s, sqlite3_stmt *st, dock_container **out, size_t *n, berth_error **err)
{
  *out = NULL;
  *n = 0;
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      if (*n == cap)
        *out = xrealloc (*out, (cap = cap ? 2 * cap : 8) * sizeof **out);
      memset (&(*out)[*n], 0, sizeof **out);
      read_row (st, &(*out)[(*n)++]);
    }
  if (rc != SQLITE_DONE)
    {
      dock_container_list_free (*out, *n);
      *out = NULL;
      *n = 0;
      return db_fail (s, err, "database");
    }
  return 0;
}

int
dock_container_list (dock_store *s, dock_container **out, size_t *n, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st
    = db_prepare (s, err, "SELECT " COLUMNS " FROM containers ORDER BY created DESC, id", NULL);
  if (st == NULL)
    return -1;
  return collect (s, st, out, n, err);
}

int
dock_container_lookup (dock_store *s, const char *word, dock_container *out, berth_error **err)
{
  memset (out, 0, sizeof *out);
  if (*word == '\0')
    return 1;
  const char *name = word[0] == '/' ? word + 1 : word;
  cleanup_stmt sqlite3_stmt *st
    = db_prepare (s, err, "SELECT " COLUMNS " FROM containers WHERE id = ?1 OR name = ?2", "ss", word, name);
  if (st == NULL)
    return -1;
  dock_container *found = NULL;
  size_t n = 0;
  if (collect (s, st, &found, &n, err) < 0)
    return -1;
  if (n == 0 && strspn (word, "0123456789abcdef") == strlen (word))
    {
      cleanup_free char *pattern = xasprintf ("%s*", word);
      cleanup_stmt sqlite3_stmt *p
        = db_prepare (s, err, "SELECT " COLUMNS " FROM containers WHERE id GLOB ?", "s", pattern);
      if (p == NULL || collect (s, p, &found, &n, err) < 0)
        return -1;
      if (n > 1)
        {
          dock_container_list_free (found, n);
          return berth_fail (err, 0, "multiple IDs found with provided prefix: %s", word);
        }
    }
  if (n == 0)
    {
      free (found);
      return 1;
    }
  /* A full id wins over a name that equals it (docker's order). */
  size_t pick = 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp (found[i].id, word) == 0)
      pick = i;
  *out = found[pick];
  memset (&found[pick], 0, sizeof found[pick]);
  dock_container_list_free (found, n);
  return 0;
}

int
dock_container_find (dock_store *s, const char *word, dock_container *out, berth_error **err)
{
  int r = dock_container_lookup (s, word, out, err);
  if (r == 1)
    {
      berth_fail (err, 0, "No such container: %s", word);
      return mark (err, BERTH_ERR_NOT_FOUND);
    }
  return r;
}

int
dock_container_delete (dock_store *s, const char *id, berth_error **err)
{
  cleanup_free char *dir = dock_container_dir (s, id);
  cleanup_free char *rootfs = xasprintf ("%s/rootfs", dir);
  /* A rootfs left mounted by a start that was killed. */
  if (umount2 (rootfs, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
    return berth_fail_errno (err, "unmount %s", rootfs);
  if (db_begin (s, err) < 0)
    return -1;
  if (db_do (s, err, "DELETE FROM containers WHERE id = ?", "s", id) < 0)
    {
      db_rollback (s);
      return -1;
    }
  if (db_commit (s, err) < 0)
    return -1;
  dock_test_crash_point ("container-deleted");
  cleanup_close int cfd = openat (s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0)
    return berth_fail_errno (err, "open %s/containers", s->root);
  if (faccessat (cfd, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  return store_retire_dir (s, cfd, id, err);
}

int
dock_container_rename (dock_store *s, const char *id, const char *new_name, berth_error **err)
{
  const char *n = new_name[0] == '/' ? new_name + 1 : new_name;
  if (dock_container_name_check (n, err) < 0 || db_begin (s, err) < 0)
    return -1;
  if (name_conflict (s, n, err) < 0
      || db_do (s, err, "UPDATE containers SET name = ? WHERE id = ?", "ss", n, id) < 0)
    {
      db_rollback (s);
      return -1;
    }
  return db_commit (s, err);
}

char *
dock_image_user (dock_store *s, const char *image_id, char **state, berth_error **err)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (
    s, err, "SELECT id, state FROM containers WHERE image_id = ? ORDER BY state = 'running' DESC, created", "s",
    image_id);
  if (st == NULL || sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  if (state)
    *state = db_text (st, 1);
  return db_text (st, 0);
}

static __thread int64_t walk_total;

static int
add_size (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) path;
  (void) ftw;
  if (flag == FTW_F && S_ISREG (st->st_mode))
    walk_total += st->st_size;
  return 0;
}

int64_t
dock_container_rw_size (dock_store *s, const char *id)
{
  cleanup_free char *upper = xasprintf ("%s/containers/%s/diff", s->root, id);
  walk_total = 0;
  nftw (upper, add_size, 16, FTW_PHYS | FTW_MOUNT);
  return walk_total;
}

int
dock_containers_clean (dock_store *s, berth_error **err)
{
  cleanup_close int cfd = openat (s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cfd < 0)
    return 0;
  cleanup_closedir DIR *d = fdopendir (dup (cfd));
  if (d == NULL)
    return berth_fail_errno (err, "open %s/containers", s->root);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (de->d_name[0] == '.')
        continue;
      cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, "SELECT 1 FROM containers WHERE id = ?", "s", de->d_name);
      if (st == NULL)
        return -1;
      int rc = sqlite3_step (st);
      if (rc == SQLITE_DONE)
        {
          cleanup_free char *rootfs = xasprintf ("%s/containers/%s/rootfs", s->root, de->d_name);
          umount2 (rootfs, MNT_DETACH);
          if (store_retire_dir (s, cfd, de->d_name, err) < 0)
            return -1;
        }
      else if (rc != SQLITE_ROW)
        return db_fail (s, err, "database");
    }
  return 0;
}
