/* The build context walker (see context.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "context.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libberth/util.h"
#include "strbuf.h"

/* Deeper than any real context; keeps fds and stack bounded. */
#define MAX_DEPTH 256

static int
open_beneath (int dirfd, const char *name, int flags)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC | O_NOFOLLOW),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd;
  do
    fd = (int) syscall (SYS_openat2, dirfd, name, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  return fd;
}

typedef struct
{
  const dock_ignore *ign;
  dock_ctx_visit visit;
  void *ctx;
  /* Excluded directories entered because an exception may match below:
     reported (implied) only once something inside them is. */
  struct pending
  {
    char *path;
    int dirfd;
    char *name;
    struct stat st;
    bool reported;
  } pending[MAX_DEPTH];
  size_t n_pending;
} walker;

static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
flush_pending (walker *w, berth_error **err)
{
  for (size_t i = 0; i < w->n_pending; i++)
    {
      struct pending *p = &w->pending[i];
      if (p->reported)
        continue;
      dock_ctx_entry e = { .path = p->path, .dirfd = p->dirfd, .name = p->name, .st = p->st, .implied = true };
      if (w->visit (w->ctx, &e, err) < 0)
        return -1;
      p->reported = true;
    }
  return 0;
}

static int walk_dir (walker *w, int dirfd, const char *prefix, size_t depth, berth_error **err);

static int
visit_entry (walker *w, int dirfd, const char *prefix, const char *name, size_t depth, berth_error **err)
{
  cleanup_free char *path = *prefix ? xasprintf ("%s/%s", prefix, name) : xstrdup (name);
  struct stat st;
  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == ENOENT) /* removed while we walk: as if never there */
        return 0;
      return berth_fail_errno (err, "stat %s", path);
    }
  bool excluded = w->ign && dock_ignore_excluded (w->ign, path);
  bool is_dir = S_ISDIR (st.st_mode);
  if (excluded && (!is_dir || !dock_ignore_may_include_below (w->ign, path)))
    return 0;
  cleanup_free char *target = NULL;
  if (!excluded)
    {
      if (S_ISLNK (st.st_mode))
        {
          size_t cap = st.st_size > 0 ? (size_t) st.st_size + 1 : 256;
          for (;;)
            {
              target = xrealloc (target, cap);
              ssize_t n = readlinkat (dirfd, name, target, cap);
              if (n < 0)
                return berth_fail_errno (err, "readlink %s", path);
              if ((size_t) n < cap)
                {
                  target[n] = '\0';
                  break;
                }
              cap *= 2;
            }
        }
      if (flush_pending (w, err) < 0)
        return -1;
      dock_ctx_entry e = { .path = path, .dirfd = dirfd, .name = name, .st = st, .link_target = target };
      if (w->visit (w->ctx, &e, err) < 0)
        return -1;
    }
  if (!is_dir)
    return 0;
  if (depth + 1 >= MAX_DEPTH)
    return berth_fail (err, ELOOP, "%s: directories nested too deeply", path);
  cleanup_close int fd = open_beneath (dirfd, name, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return berth_fail_errno (err, "open %s", path);
  if (excluded)
    w->pending[w->n_pending++]
        = (struct pending) { .path = xstrdup (path), .dirfd = dirfd, .name = xstrdup (name), .st = st };
  int rc = walk_dir (w, fd, path, depth + 1, err);
  if (excluded)
    {
      struct pending *p = &w->pending[--w->n_pending];
      free (p->path);
      free (p->name);
    }
  return rc;
}

static int
walk_dir (walker *w, int dirfd, const char *prefix, size_t depth, berth_error **err)
{
  int dup = fcntl (dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0)
    return berth_fail_errno (err, "dup");
  cleanup_closedir DIR *d = fdopendir (dup);
  if (!d)
    {
      close (dup);
      return berth_fail_errno (err, "opendir %s", *prefix ? prefix : ".");
    }
  /* The dup shares the caller's file offset: start from the beginning. */
  rewinddir (d);
  cleanup_dstrv dock_strv names = { 0 };
  struct dirent *de;
  errno = 0;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      dock_strv_push (&names, xstrdup (de->d_name));
      errno = 0;
    }
  if (errno)
    return berth_fail_errno (err, "readdir %s", *prefix ? prefix : ".");
  if (names.len)
    qsort (names.v, names.len, sizeof (char *), cmp_names);
  for (size_t i = 0; i < names.len; i++)
    if (visit_entry (w, dirfd, prefix, names.v[i], depth, err) < 0)
      return -1;
  return 0;
}

int
dock_context_walk (int rootfd, const dock_ignore *ign, dock_ctx_visit visit, void *ctx, berth_error **err)
{
  walker *w = xcalloc (1, sizeof *w);
  w->ign = ign;
  w->visit = visit;
  w->ctx = ctx;
  int rc = walk_dir (w, rootfd, "", 0, err);
  for (size_t i = 0; i < w->n_pending; i++)
    free (w->pending[i].path), free (w->pending[i].name);
  free (w);
  return rc;
}

int
dock_context_open_entry (const dock_ctx_entry *e, berth_error **err)
{
  int fd = open_beneath (e->dirfd, e->name, O_RDONLY);
  if (fd < 0)
    return berth_fail_errno (err, "open %s", e->path);
  return fd;
}

int
dock_context_open_source (int rootfd, const char *src, int flags, berth_error **err)
{
  cleanup_free char *rel = NULL;
  if (dock_context_rel_path (src, &rel, err) < 0)
    return -1;
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd;
  do
    fd = (int) syscall (SYS_openat2, rootfd, rel, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return berth_fail_errno (err, "%s", src);
  return fd;
}

int
dock_context_rel_path (const char *src, char **out, berth_error **err)
{
  cleanup_free char *c = dock_clean_path (*src == '/' ? src + 1 : src);
  if (strcmp (c, "..") == 0 || strncmp (c, "../", 3) == 0)
    return berth_fail (err, 0, "forbidden path outside the build context: %s", src);
  *out = steal_pointer (&c);
  return 0;
}
