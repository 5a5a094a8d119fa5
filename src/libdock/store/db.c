/* Opening the store: its directories, its lock and its SQLite database
   (schema, WAL, busy timeout), and the small statement helpers the other
   store files use. */
#include "config.h"

#include "internal.h"
#include "libdock/layer/unpack.h"
#include "libberth/util.h"
#include "schema.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

/* One transaction at a time per process: a pull may unpack layers from
   several threads, and they share the connection. */
static pthread_mutex_t txn_lock = PTHREAD_MUTEX_INITIALIZER;

/* How long a command waits for another dock process's transaction. */
#define BUSY_TIMEOUT_MS 30000

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  /* Unpacked layer contents, one directory each (layers/<hex of diff_id>). */
  "CREATE TABLE IF NOT EXISTS diffs (diff_id TEXT PRIMARY KEY, size INTEGER NOT NULL);"
  /* Which blob unpacks to which diff (a diff may come from several blobs). */
  "CREATE TABLE IF NOT EXISTS blob_diffs (blob_digest TEXT PRIMARY KEY,"
  "  diff_id TEXT NOT NULL REFERENCES diffs ON DELETE CASCADE, media_type TEXT NOT NULL);"
  /* Layer stacks by chain ID; refcount: the images using the stack. */
  "CREATE TABLE IF NOT EXISTS layers (chain_id TEXT PRIMARY KEY, diff_id TEXT NOT NULL REFERENCES diffs,"
  "  parent TEXT, blob_digest TEXT NOT NULL, size INTEGER NOT NULL, refcount INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS images (id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL,"
  "  created TEXT NOT NULL, created_unix INTEGER NOT NULL, size INTEGER NOT NULL,"
  "  parent TEXT NOT NULL DEFAULT '', added INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS image_layers (image_id TEXT NOT NULL REFERENCES images ON DELETE CASCADE,"
  "  idx INTEGER NOT NULL, chain_id TEXT NOT NULL REFERENCES layers, diff_id TEXT NOT NULL,"
  "  blob_digest TEXT NOT NULL, media_type TEXT NOT NULL, blob_size INTEGER NOT NULL,"
  "  PRIMARY KEY (image_id, idx));"
  "CREATE TABLE IF NOT EXISTS names (name TEXT PRIMARY KEY,"
  "  image_id TEXT NOT NULL REFERENCES images ON DELETE CASCADE);"
  "CREATE TABLE IF NOT EXISTS repo_digests (name TEXT PRIMARY KEY,"
  "  image_id TEXT NOT NULL REFERENCES images ON DELETE CASCADE);"
  "CREATE INDEX IF NOT EXISTS names_image ON names (image_id);"
  "CREATE INDEX IF NOT EXISTS digests_image ON repo_digests (image_id);"
  "CREATE INDEX IF NOT EXISTS image_layers_blob ON image_layers (blob_digest);"
  "PRAGMA user_version = 1;";

/* Create the tables unless this database has them (user_version 1). */
static int
ensure_schema (dock_store *s, berth_error **err)
{
  for (int pass = 0; pass < 2; pass++)
    {
      cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, "PRAGMA user_version", NULL);
      if (st == NULL)
        return -1;
      if (sqlite3_step (st) != SQLITE_ROW)
        return db_fail (s, err, "database");
      if (sqlite3_column_int (st, 0) >= 1)
        return 0;
      if (pass == 1)
        break;
      db_finalizep (&st);
      if (db_begin (s, err) < 0)
        return -1;
      if (db_exec (s, schema, err) < 0)
        {
          db_rollback (s);
          return -1;
        }
      if (db_commit (s, err) < 0)
        return -1;
    }
  return berth_fail (err, 0, "database: %s/dock.db: schema not created", s->root);
}

void
db_finalizep (sqlite3_stmt **st)
{
  if (*st)
    sqlite3_finalize (*st);
  *st = NULL;
}

int
db_fail (dock_store *s, berth_error **err, const char *what)
{
  int code = sqlite3_extended_errcode (s->db);
  /* A full disk is the one failure a user can act on: say it plainly. */
  if ((code & 0xff) == SQLITE_FULL)
    return berth_fail (err, ENOSPC, "%s: %s/dock.db", what, s->root);
  return berth_fail (err, 0, "%s: %s/dock.db: %s", what, s->root, sqlite3_errmsg (s->db));
}

int
db_exec (dock_store *s, const char *sql, berth_error **err)
{
  if (sqlite3_exec (s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db_fail (s, err, "database");
  return 0;
}

int
db_begin (dock_store *s, berth_error **err)
{
  pthread_mutex_lock (&txn_lock);
  if (db_exec (s, "BEGIN IMMEDIATE", err) < 0)
    {
      pthread_mutex_unlock (&txn_lock);
      return -1;
    }
  return 0;
}

int
db_commit (dock_store *s, berth_error **err)
{
  dock_test_crash_point ("before-commit");
  int r = db_exec (s, "COMMIT", err);
  if (r < 0)
    sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
  pthread_mutex_unlock (&txn_lock);
  return r;
}

void
db_rollback (dock_store *s)
{
  sqlite3_exec (s->db, "ROLLBACK", NULL, NULL, NULL);
  pthread_mutex_unlock (&txn_lock);
}

static sqlite3_stmt *
prepare_v (dock_store *s, berth_error **err, const char *sql, const char *fmt, va_list ap)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (s->db, sql, -1, &st, NULL) != SQLITE_OK)
    {
      db_fail (s, err, "database");
      return NULL;
    }
  for (int i = 0; fmt && fmt[i]; i++)
    {
      int rc;
      if (fmt[i] == 's')
        {
          const char *v = va_arg (ap, const char *);
          rc = v ? sqlite3_bind_text (st, i + 1, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null (st, i + 1);
        }
      else
        rc = sqlite3_bind_int64 (st, i + 1, va_arg (ap, int64_t));
      if (rc != SQLITE_OK)
        {
          sqlite3_finalize (st);
          db_fail (s, err, "database");
          return NULL;
        }
    }
  return st;
}

sqlite3_stmt *
db_prepare (dock_store *s, berth_error **err, const char *sql, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sqlite3_stmt *st = prepare_v (s, err, sql, fmt, ap);
  va_end (ap);
  return st;
}

int
db_run (dock_store *s, sqlite3_stmt *st, berth_error **err)
{
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    return db_fail (s, err, "database");
  return 0;
}

int
db_do (dock_store *s, berth_error **err, const char *sql, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_stmt sqlite3_stmt *st = prepare_v (s, err, sql, fmt, ap);
  va_end (ap);
  if (st == NULL)
    return -1;
  return db_run (s, st, err);
}

char **
db_strings (dock_store *s, berth_error **err, const char *sql, const char *arg)
{
  cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, sql, arg ? "s" : NULL, arg);
  if (st == NULL)
    return NULL;
  char **v = xcalloc (1, sizeof *v);
  size_t n = 0;
  int rc;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    oci_strv_append (&v, &n, (const char *) sqlite3_column_text (st, 0));
  if (rc != SQLITE_DONE)
    {
      strv_free (v);
      db_fail (s, err, "database");
      return NULL;
    }
  return v;
}

char *
db_text (sqlite3_stmt *st, int col)
{
  const unsigned char *t = sqlite3_column_text (st, col);
  return t ? xstrdup ((const char *) t) : NULL;
}

const char *
digest_hex (const char *digest)
{
  const char *c = strchr (digest, ':');
  return c ? c + 1 : digest;
}

char *
store_tmp_name (const char *what)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  static unsigned counter;
  return xasprintf ("%d-%lx-%u-%s", (int) getpid (), (unsigned long) ts.tv_nsec, __atomic_add_fetch (&counter, 1,
                                                                                                   __ATOMIC_RELAXED),
                    what);
}

void
dock_test_crash_point (const char *point)
{
  const char *want = getenv ("DOCK_TEST_CRASH_AT");
  if (want && strcmp (want, point) == 0)
    kill (getpid (), SIGKILL);
}

static int
open_dir (int dirfd, const char *name, int *out, berth_error **err)
{
  if (mkdirat (dirfd, name, 0700) < 0 && errno != EEXIST)
    return berth_fail_errno (err, "mkdir %s", name);
  *out = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*out < 0)
    return berth_fail_errno (err, "open %s", name);
  return 0;
}

/* Make root and its parents (root itself 0710 as docker's /var/lib/docker). */
static int
make_root (const char *root, berth_error **err)
{
  cleanup_free char *failed = NULL;
  if (mkdir_parents (root, 0755, 0710, &failed) < 0)
    return berth_fail_errno (err, "mkdir %s", failed);
  return 0;
}

/* Leftovers of killed processes: everything under tmp/ but partial blob
   downloads (kept for a resumed pull), and layer directories that no record
   names (a kill between their rename and the commit that records them).
   Called only with the exclusive lock: no other dock is at work. */
static int
clean_leftovers (dock_store *s, berth_error **err)
{
  cleanup_closedir DIR *d = opendir_fd (s->tmpfd);
  if (d == NULL)
    return berth_fail_errno (err, "open %s/tmp", s->root);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0 || str_has_prefix (de->d_name, "partial-"))
        continue;
      if (dock_layer_remove_tree (s->tmpfd, de->d_name, err) < 0)
        return -1;
    }
  cleanup_closedir DIR *l = opendir_fd (s->layersfd);
  if (l == NULL)
    return berth_fail_errno (err, "open %s/layers", s->root);
  while ((de = readdir (l)))
    {
      if (de->d_name[0] == '.')
        continue;
      cleanup_free char *diff = xasprintf ("sha256:%s", de->d_name);
      cleanup_stmt sqlite3_stmt *st = db_prepare (s, err, "SELECT 1 FROM diffs WHERE diff_id = ?", "s", diff);
      if (st == NULL)
        return -1;
      int rc = sqlite3_step (st);
      if (rc == SQLITE_DONE && store_retire_dir (s, s->layersfd, de->d_name, err) < 0)
        return -1;
      if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail (s, err, "database");
    }
  return 0;
}

static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

int
dock_store_open (const dock_config *cfg, dock_store **out, berth_error **err)
{
  dock_store *s = xcalloc (1, sizeof *s);
  s->root = xstrdup (cfg->root);
  s->rootfd = s->blobsfd = s->layersfd = s->tmpfd = s->lockfd = -1;
  cleanup_close int blobs = -1;
  /* Declared before the first goto: a cleanup variable jumped over would
     be freed uninitialized. */
  cleanup_free char *dbpath = NULL;
  if (make_root (s->root, err) < 0)
    goto fail;
  s->rootfd = open (s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->rootfd < 0)
    {
      berth_fail_errno (err, "open %s", s->root);
      goto fail;
    }
  s->lockfd = openat (s->rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (s->lockfd < 0)
    {
      berth_fail_errno (err, "open %s/lock", s->root);
      goto fail;
    }
  bool alone = flock (s->lockfd, LOCK_EX | LOCK_NB) == 0;
  if (!alone && flock (s->lockfd, LOCK_SH) < 0)
    {
      berth_fail_errno (err, "lock %s/lock", s->root);
      goto fail;
    }
  if (open_dir (s->rootfd, "blobs", &blobs, err) < 0 || open_dir (blobs, "sha256", &s->blobsfd, err) < 0
      || open_dir (s->rootfd, "layers", &s->layersfd, err) < 0 || open_dir (s->rootfd, "tmp", &s->tmpfd, err) < 0)
    goto fail;
  if (faccessat (s->rootfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) < 0
      && write_file_atomic_at (s->rootfd, "oci-layout", oci_layout, strlen (oci_layout), 0644, err) < 0)
    goto fail;

  dbpath = xasprintf ("%s/dock.db", s->root);
  if (sqlite3_open_v2 (dbpath, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL)
      != SQLITE_OK)
    {
      if (s->db)
        db_fail (s, err, "open");
      else
        berth_fail (err, ENOMEM, "open %s", dbpath);
      goto fail;
    }
  sqlite3_busy_timeout (s->db, BUSY_TIMEOUT_MS);
  /* WAL: readers never wait for a writer; NORMAL sync is crash-safe in WAL
     mode (a killed process loses nothing committed). */
  if (db_exec (s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", err) < 0)
    goto fail;
  if (ensure_schema (s, err) < 0)
    goto fail;
  if (alone)
    {
      if (clean_leftovers (s, err) < 0)
        goto fail;
      /* Let others in: the exclusive lock was only for the cleanup. */
      if (flock (s->lockfd, LOCK_SH) < 0)
        {
          berth_fail_errno (err, "lock %s/lock", s->root);
          goto fail;
        }
    }
  *out = s;
  return 0;

fail:
  dock_store_close (s);
  return -1;
}

void
dock_store_close (dock_store *s)
{
  if (s == NULL)
    return;
  if (s->db)
    sqlite3_close (s->db);
  int fds[] = { s->rootfd, s->blobsfd, s->layersfd, s->tmpfd, s->lockfd };
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (s->root);
  free (s);
}

void
dock_store_closep (dock_store **s)
{
  dock_store_close (*s);
  *s = NULL;
}

const char *
dock_store_root (const dock_store *s)
{
  return s->root;
}
