/* The vfs driver: layers copied, in order, into one directory, whiteouts
   applied as overlay would show them.  Every path is reached by *at()
   calls from directory fds opened with O_NOFOLLOW, so a symlink in a layer
   is copied as a symlink and never followed, on either side. */
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

#define OPAQUE_XATTR "trusted.overlay.opaque"

static int remove_at (int dirfd, const char *name, berth_error **err);

/* Empty the directory fd (consumed by fdopendir). */
static int
empty_dir (int fd, berth_error **err)
{
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return berth_fail_errno (err, "fdopendir");
    }
  cleanup_closedir DIR *dir = d;
  for (struct dirent *e; (e = readdir (dir));)
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, "..") && remove_at (dirfd (dir), e->d_name, err) < 0)
      return -1;
  return 0;
}

static int
remove_at (int dirfd, const char *name, berth_error **err)
{
  if (unlinkat (dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return berth_fail_errno (err, "remove %s", name);
  int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "open %s", name);
  if (empty_dir (fd, err) < 0)
    return -1;
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return berth_fail_errno (err, "rmdir %s", name);
  return 0;
}

int
dock_remove_tree (const char *path, berth_error **err)
{
  return remove_at (AT_FDCWD, path, err);
}

static void
copy_xattrs (int src, int dst)
{
  char names[4096];
  ssize_t len = flistxattr (src, names, sizeof names);
  for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t) strlen (names + off) + 1)
    {
      const char *n = names + off;
      if (strcmp (n, OPAQUE_XATTR) == 0)
        continue; /* consumed here: the copy is flat */
      char value[4096];
      ssize_t vl = fgetxattr (src, n, value, sizeof value);
      if (vl >= 0)
        (void) fsetxattr (dst, n, value, (size_t) vl, 0);
    }
}

static int
copy_file (int sdir, int ddir, const char *name, const struct stat *st, berth_error **err)
{
  cleanup_close int in = openat (sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return berth_fail_errno (err, "open %s", name);
  cleanup_close int out = openat (ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return berth_fail_errno (err, "create %s", name);
  for (off_t left = st->st_size; left > 0;)
    {
      ssize_t n = copy_file_range (in, NULL, out, NULL, (size_t) left, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL))
        {
          char buf[65536];
          n = read (in, buf, sizeof buf);
          if (n > 0 && write_all (out, buf, (size_t) n) < 0)
            return berth_fail_errno (err, "write %s", name);
        }
      if (n < 0)
        return berth_fail_errno (err, "copy %s", name);
      if (n == 0)
        break;
      left -= n;
    }
  copy_xattrs (in, out);
  if (fchown (out, st->st_uid, st->st_gid) < 0 || fchmod (out, st->st_mode & 07777) < 0)
    return berth_fail_errno (err, "set the owner and mode of %s", name);
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  futimens (out, ts);
  return 0;
}

static int apply_dir (int sdir, int ddir, berth_error **err);

static int
apply_entry (int sdir, int ddir, const char *name, berth_error **err)
{
  struct stat st, dst;
  if (fstatat (sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return berth_fail_errno (err, "stat %s", name);
  bool exists = fstatat (ddir, name, &dst, AT_SYMLINK_NOFOLLOW) == 0;
  if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
    return exists ? remove_at (ddir, name, err) : 0; /* a whiteout */
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int s = openat (sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0)
        return berth_fail_errno (err, "open %s", name);
      char opaque[2] = "";
      bool is_opaque = fgetxattr (s, OPAQUE_XATTR, opaque, 1) == 1 && opaque[0] == 'y';
      if (exists && !S_ISDIR (dst.st_mode))
        {
          if (remove_at (ddir, name, err) < 0)
            return -1;
          exists = false;
        }
      if (!exists && mkdirat (ddir, name, 0700) < 0)
        return berth_fail_errno (err, "mkdir %s", name);
      cleanup_close int d = openat (ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (d < 0)
        return berth_fail_errno (err, "open %s", name);
      if (exists && is_opaque)
        {
          int dup_fd = openat (d, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (dup_fd < 0 || empty_dir (dup_fd, err) < 0)
            return dup_fd < 0 ? berth_fail_errno (err, "open %s", name) : -1;
        }
      if (apply_dir (s, d, err) < 0)
        return -1;
      copy_xattrs (s, d);
      if (fchown (d, st.st_uid, st.st_gid) < 0 || fchmod (d, st.st_mode & 07777) < 0)
        return berth_fail_errno (err, "set the owner and mode of %s", name);
      struct timespec ts[2] = { st.st_atim, st.st_mtim };
      futimens (d, ts);
      return 0;
    }
  if (exists && remove_at (ddir, name, err) < 0)
    return -1;
  if (S_ISREG (st.st_mode))
    return copy_file (sdir, ddir, name, &st, err);
  if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (sdir, name, target, sizeof target - 1);
      if (n < 0)
        return berth_fail_errno (err, "readlink %s", name);
      target[n] = '\0';
      if (symlinkat (target, ddir, name) < 0)
        return berth_fail_errno (err, "symlink %s", name);
    }
  else if (mknodat (ddir, name, st.st_mode, st.st_rdev) < 0)
    return berth_fail_errno (err, "mknod %s", name);
  if (fchownat (ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return berth_fail_errno (err, "chown %s", name);
  struct timespec ts[2] = { st.st_atim, st.st_mtim };
  utimensat (ddir, name, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int
apply_dir (int sdir, int ddir, berth_error **err)
{
  int fd = openat (sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "open a layer directory");
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return berth_fail_errno (err, "fdopendir");
    }
  cleanup_closedir DIR *dir = d;
  for (struct dirent *e; (e = readdir (dir));)
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, "..") && apply_entry (sdir, ddir, e->d_name, err) < 0)
      return berth_error_wrap (err, "%s", e->d_name);
  return 0;
}

int
dock_vfs_apply_layers (const char *const *lowers, size_t n, const char *dest, berth_error **err)
{
  cleanup_close int d = open (dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0)
    return berth_fail_errno (err, "open %s", dest);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_close int s = open (lowers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (s < 0)
        return berth_fail_errno (err, "open layer %s", lowers[i]);
      if (apply_dir (s, d, err) < 0)
        return berth_error_wrap (err, "vfs: layer %s", lowers[i]);
      struct stat st;
      if (fstat (s, &st) == 0)
        {
          if (fchown (d, st.st_uid, st.st_gid) < 0 || fchmod (d, st.st_mode & 07777) < 0)
            return berth_fail_errno (err, "set the owner and mode of %s", dest);
        }
    }
  return 0;
}
