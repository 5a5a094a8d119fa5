#include "config.h"

#include "copyup.h"
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Deeper trees are refused rather than exhausting fds or the stack. */
#define MAX_DEPTH 128

/* A failure worth ignoring while copying metadata: the destination cannot
   hold it (no xattr support, an id not mapped in this user namespace, a
   trusted.* name without the privilege). */
static bool
benign (int e)
{
  return e == ENOTSUP || e == EOPNOTSUPP || e == EINVAL || e == EPERM;
}

static int
copy_xattrs (int from, int to, const char *path, berth_error **err)
{
  ssize_t n = flistxattr (from, NULL, 0);
  if (n <= 0)
    return n < 0 && !benign (errno) ? berth_fail_errno (err, "list the xattrs of `%s`", path) : 0;
  cleanup_free char *names = xmalloc ((size_t) n);
  n = flistxattr (from, names, (size_t) n);
  if (n < 0)
    return berth_fail_errno (err, "list the xattrs of `%s`", path);
  for (char *name = names; name < names + n; name += strlen (name) + 1)
    {
      ssize_t len = fgetxattr (from, name, NULL, 0);
      if (len < 0)
        continue; /* removed meanwhile */
      cleanup_free char *value = xmalloc ((size_t) len + 1);
      len = fgetxattr (from, name, value, (size_t) len);
      if (len >= 0 && fsetxattr (to, name, value, (size_t) len, 0) < 0 && !benign (errno))
        return berth_fail_errno (err, "copy xattr `%s` of `%s`", name, path);
    }
  return 0;
}

/* Owner, mode, xattrs and times of an open copy; chown first, as it clears
   the set-id bits that chmod then restores. */
static int
copy_meta_fd (int from, int to, const struct stat *st, const char *path, berth_error **err)
{
  if (fchown (to, st->st_uid, st->st_gid) < 0 && errno != EINVAL)
    return berth_fail_errno (err, "chown `%s`", path);
  if (fchmod (to, st->st_mode & 07777) < 0)
    return berth_fail_errno (err, "chmod `%s`", path);
  if (copy_xattrs (from, to, path, err) < 0)
    return -1;
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  if (futimens (to, times) < 0)
    return berth_fail_errno (err, "set the times of `%s`", path);
  return 0;
}

static int
copy_file (int sdir, int ddir, const char *name, const char *path, berth_error **err)
{
  cleanup_close int in = openat (sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (in < 0 || fstat (in, &st) < 0)
    return berth_fail_errno (err, "open `%s`", path);
  if (!S_ISREG (st.st_mode))
    return berth_fail (err, 0, "`%s` changed while being copied", path);
  cleanup_close int out = openat (ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return berth_fail_errno (err, "create the copy of `%s`", path);
  for (off_t left = st.st_size; left > 0;)
    {
      ssize_t n = sendfile (out, in, NULL, (size_t) (left > (1 << 30) ? (1 << 30) : left));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return berth_fail_errno (err, "copy `%s`", path);
      if (n == 0)
        break; /* shrank meanwhile: copy what there is */
      left -= n;
    }
  return copy_meta_fd (in, out, &st, path, err);
}

/* A symlink, fifo, socket or device node: no fd to work through, and none
   needed, as the destination is ours alone until it is attached. */
static int
copy_special (int sdir, int ddir, const char *name, const struct stat *st, const char *path, berth_error **err)
{
  if (S_ISLNK (st->st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (sdir, name, target, sizeof target - 1);
      if (n < 0)
        return berth_fail_errno (err, "read the symlink `%s`", path);
      target[n] = '\0';
      if (symlinkat (target, ddir, name) < 0)
        return berth_fail_errno (err, "copy the symlink `%s`", path);
    }
  else if (mknodat (ddir, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) < 0)
    return berth_fail_errno (err, "copy the node `%s`", path);

  if (fchownat (ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
    return berth_fail_errno (err, "chown `%s`", path);
  if (!S_ISLNK (st->st_mode) && fchmodat (ddir, name, st->st_mode & 07777, 0) < 0)
    return berth_fail_errno (err, "chmod `%s`", path);
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  if (utimensat (ddir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
    return berth_fail_errno (err, "set the times of `%s`", path);
  return 0;
}

static int copy_dir_contents (int src, int dst, const char *path, int depth, berth_error **err);

static int
copy_dir (int sdir, int ddir, const char *name, const char *path, int depth, berth_error **err)
{
  cleanup_close int in = openat (sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (in < 0 || fstat (in, &st) < 0)
    return berth_fail_errno (err, "open `%s`", path);
  if (mkdirat (ddir, name, 0700) < 0)
    return berth_fail_errno (err, "create the copy of `%s`", path);
  cleanup_close int out = openat (ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (out < 0)
    return berth_fail_errno (err, "open the copy of `%s`", path);
  if (copy_dir_contents (in, out, path, depth + 1, err) < 0)
    return -1;
  /* Last: filling the directory moved its times. */
  return copy_meta_fd (in, out, &st, path, err);
}

static int
copy_dir_contents (int src, int dst, const char *path, int depth, berth_error **err)
{
  if (depth > MAX_DEPTH)
    return berth_fail (err, ELOOP, "copy `%s`", path);
  /* fdopendir takes the fd it is given: hand it a duplicate. */
  int dupfd = fcntl (src, F_DUPFD_CLOEXEC, 0);
  cleanup_closedir DIR *dir = dupfd < 0 ? NULL : fdopendir (dupfd);
  if (dir == NULL)
    {
      if (dupfd >= 0)
        close (dupfd);
      return berth_fail_errno (err, "read the directory `%s`", path);
    }
  struct dirent *de;
  while ((errno = 0, de = readdir (dir)) != NULL)
    {
      const char *name = de->d_name;
      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;
      cleanup_free char *sub = xasprintf ("%s/%s", strcmp (path, "/") ? path : "", name);
      struct stat st;
      if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return berth_fail_errno (err, "stat `%s`", sub);
      int r;
      if (S_ISDIR (st.st_mode))
        r = copy_dir (src, dst, name, sub, depth, err);
      else if (S_ISREG (st.st_mode))
        r = copy_file (src, dst, name, sub, err);
      else
        r = copy_special (src, dst, name, &st, sub, err);
      if (r < 0)
        return -1;
    }
  if (errno != 0)
    return berth_fail_errno (err, "read the directory `%s`", path);
  return 0;
}

int
berth_copy_tree (int src, int dst, const char *what, berth_error **err)
{
  return copy_dir_contents (src, dst, what, 0, err);
}
