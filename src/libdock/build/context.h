/* The build context: a directory walked without ever leaving it.
 *
 * Every directory is opened with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)
 * from its parent's fd, so a symlink (or a rename race) can never lead the
 * walk out of the root; symlinks are reported as symlinks with their target
 * text, never followed.  .dockerignore decides what is reported: an
 * excluded directory is skipped whole unless an exception may re-include
 * something below it; then its re-included entries are reported, preceded
 * by the directory itself marked `implied` (the builder recreates it to
 * hold them, as docker's tar does).  Entries come in name order, parents
 * before children, so a stream of them is deterministic.
 */
#ifndef DOCK_BUILD_CONTEXT_H
#define DOCK_BUILD_CONTEXT_H

#include <stdbool.h>
#include <sys/stat.h>

#include "dockerignore.h"
#include "libberth/error.h"

typedef struct
{
  const char *path;        /* relative to the root: "a/b/c" */
  int dirfd;               /* the parent directory (valid during the callback) */
  const char *name;        /* the entry's name in dirfd */
  struct stat st;          /* lstat */
  const char *link_target; /* symlinks: the target as written */
  bool implied;            /* an excluded directory holding re-included entries */
} dock_ctx_entry;

/* Return -1 with *err set to stop the walk. */
typedef int (*dock_ctx_visit) (void *ctx, const dock_ctx_entry *e, berth_error **err);

/* Walk the directory rootfd (ign may be NULL). */
int dock_context_walk (int rootfd, const dock_ignore *ign, dock_ctx_visit visit, void *ctx, berth_error **err);
/* Open an entry the walk reported, for reading (O_NOFOLLOW, beneath dirfd). */
int dock_context_open_entry (const dock_ctx_entry *e, berth_error **err);
/* A COPY/ADD source or the -f path as the classic builder checks it: the
   path cleaned and taken relative to the root; "../x" refused with
   docker's "forbidden path outside the build context". */
int dock_context_rel_path (const char *src, char **out, berth_error **err);
/* Open a COPY/ADD source named by the Dockerfile: src checked as above,
   then resolved by the kernel with the context as "/" (openat2
   RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS), so a symlink inside the context
   that points out of it lands inside it instead, as docker resolves
   sources.  flags as for open(2); O_CLOEXEC is added. */
int dock_context_open_source (int rootfd, const char *src, int flags, berth_error **err);

#endif
