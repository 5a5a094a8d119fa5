/* What the store's files share: the open store and the SQLite helpers. */
#ifndef DOCK_STORE_INTERNAL_H
#define DOCK_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

struct dock_store
{
  char *root;
  int rootfd;   /* O_PATH of <root> */
  int blobsfd;  /* <root>/blobs/sha256 */
  int layersfd; /* <root>/layers */
  int tmpfd;    /* <root>/tmp: everything not yet complete */
  int lockfd;   /* <root>/lock: shared while open, exclusive for cleanup */
  sqlite3 *db;
  bool out_of_space; /* a blob write met ENOSPC/EDQUOT: abort keeps no partial */
};

/* Statements: prepared, bound, stepped, finalized by the cleanup attribute. */
void db_finalizep (sqlite3_stmt **st);
#define cleanup_stmt __attribute__ ((cleanup (db_finalizep)))

int db_fail (dock_store *s, berth_error **err, const char *what);
int db_exec (dock_store *s, const char *sql, berth_error **err);
/* BEGIN IMMEDIATE: takes the write lock now, so that a transaction never
   fails half-way on a busy database (the busy timeout waits for it). */
int db_begin (dock_store *s, berth_error **err);
int db_commit (dock_store *s, berth_error **err);
void db_rollback (dock_store *s);
/* Prepare sql and bind the arguments: fmt has one letter per parameter,
   's' (const char *, NULL binds NULL) or 'i' (int64_t). */
sqlite3_stmt *db_prepare (dock_store *s, berth_error **err, const char *sql, const char *fmt, ...);
/* Step a statement that returns no rows (or whose rows are not wanted). */
int db_run (dock_store *s, sqlite3_stmt *st, berth_error **err);
/* Prepare, bind and run in one. */
int db_do (dock_store *s, berth_error **err, const char *sql, const char *fmt, ...);
/* The first column of every row (text), NULL-terminated; NULL on error. */
char **db_strings (dock_store *s, berth_error **err, const char *sql, const char *arg);
/* One text column of the first row, malloc'd, or NULL (no row or NULL). */
char *db_text (sqlite3_stmt *st, int col);

/* A unique name for a temporary entry under tmp/. */
char *store_tmp_name (const char *what);
/* Move a layer directory to tmp/ (a rename, so it vanishes at once) and
   remove it there. */
int store_retire_dir (dock_store *s, int dirfd, const char *name, berth_error **err);

/* The hex part of a digest ("sha256:abc" -> "abc"). */
const char *digest_hex (const char *digest);

#endif
