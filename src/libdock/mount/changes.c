/* `dock diff` from an overlay upper directory, as docker's overlay2 driver
   reports it: a whiteout is a deletion, a path the lower layers have is a
   change (a directory that only holds changes shows as changed too), any
   other path an addition; an opaque directory's contents are additions. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "mount.h"
#include "libberth/util.h"

typedef struct
{
  dock_change *v;
  size_t n;
  const char *const *lowers;
  size_t nlowers;
} change_list;

static void
push (change_list *l, char kind, const char *path)
{
  l->v = xrealloc (l->v, (l->n + 1) * sizeof *l->v);
  l->v[l->n++] = (dock_change){ kind, xstrdup (path) };
}

/* Does any lower layer (top first, until a whiteout or an opaque parent
   hides it) have rel?  rel is relative, without a leading '/'. */
static bool
in_lowers (const change_list *l, const char *rel)
{
  for (size_t i = l->nlowers; i-- > 0;)
    {
      cleanup_close int root = open (l->lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      struct stat st;
      if (root >= 0 && fstatat (root, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return !(S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0));
    }
  return false;
}

static int
walk (change_list *l, int dirfd, const char *rel, bool under_opaque, berth_error **err)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return berth_fail_errno (err, "open /%s in the upper dir", rel);
    }
  cleanup_closedir DIR *dir = d;
  for (struct dirent *e; (e = readdir (dir));)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      cleanup_free char *path = *rel ? xasprintf ("%s/%s", rel, e->d_name) : xstrdup (e->d_name);
      cleanup_free char *abs = xasprintf ("/%s", path);
      struct stat st;
      if (fstatat (dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return berth_fail_errno (err, "stat %s in the upper dir", abs);
      if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
        {
          push (l, 'D', abs);
          continue;
        }
      bool lower = !under_opaque && in_lowers (l, path);
      push (l, lower ? 'C' : 'A', abs);
      if (S_ISDIR (st.st_mode))
        {
          cleanup_close int sub = openat (dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            return berth_fail_errno (err, "open %s in the upper dir", abs);
          char v[2] = "";
          bool opaque = fgetxattr (sub, "trusted.overlay.opaque", v, 1) == 1 && v[0] == 'y';
          if (!opaque)
            opaque = fgetxattr (sub, "user.overlay.opaque", v, 1) == 1 && v[0] == 'y';
          if (walk (l, sub, path, under_opaque || opaque, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
by_path (const void *a, const void *b)
{
  return strcmp (((const dock_change *) a)->path, ((const dock_change *) b)->path);
}

int
dock_upper_changes (const char *upper, const char *const *lowers, size_t n, dock_change **out, size_t *nout,
                    berth_error **err)
{
  change_list l = { .lowers = lowers, .nlowers = n };
  cleanup_close int fd = open (upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "open %s", upper);
  if (walk (&l, fd, "", false, err) < 0)
    {
      dock_changes_free (l.v, l.n);
      return -1;
    }
  if (l.n)
    qsort (l.v, l.n, sizeof *l.v, by_path);
  *out = l.v;
  *nout = l.n;
  return 0;
}

void
dock_changes_free (dock_change *c, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (c[i].path);
  free (c);
}
