#include "config.h"

#include "rootpath.h"
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
openat2_in_root (int rootfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  int fd;
  do
    fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

int
berth_root_open_path (int rootfd, const char *path, berth_error **err)
{
  int fd = openat2_in_root (rootfd, path, O_PATH);
  if (fd < 0)
    return berth_fail_errno (err, "open `%s` in the rootfs", path);
  return fd;
}

/* Symlinks followed while creating a path, as the kernel's own limit. */
#define MAX_LINK_HOPS 40

static int mkpath (int rootfd, const char *path, bool dir, mode_t mode, int hops, berth_error **err);

/* base (in parent) is a symlink whose target is missing: create the
   target, read as a path inside the root.  A relative target continues
   from the link's directory (dirpath, unresolved: openat2 resolves it the
   same way again). */
static int
mkpath_through_link (int rootfd, int parent, const char *dirpath, const char *base, bool dir, mode_t mode,
                     int hops, const char *path, berth_error **err)
{
  char target[4096];
  ssize_t n = readlinkat (parent, base, target, sizeof target - 1);
  if (n < 0)
    return berth_fail_errno (err, "open `%s` in the rootfs", path);
  target[n] = '\0';
  if (hops >= MAX_LINK_HOPS)
    return berth_fail (err, ELOOP, "create `%s` in the rootfs", path);
  cleanup_free char *next = NULL;
  if (target[0] == '/')
    next = xstrdup (target);
  else
    next = xasprintf ("%s/%s", dirpath, target);
  return mkpath (rootfd, next, dir, mode, hops + 1, err);
}

int
berth_root_mkpath (int rootfd, const char *path, bool dir, mode_t mode, berth_error **err)
{
  return mkpath (rootfd, path, dir, mode, 0, err);
}

static int
mkpath (int rootfd, const char *path, bool dir, mode_t mode, int hops, berth_error **err)
{
  int fd = openat2_in_root (rootfd, path, O_PATH);
  if (fd >= 0 || errno != ENOENT)
    {
      if (fd < 0)
        return berth_fail_errno (err, "open `%s` in the rootfs", path);
      return fd;
    }

  /* Split off the last component and make sure the parent exists. */
  cleanup_free char *copy = xstrdup (path);
  size_t n = strlen (copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  char *slash = strrchr (copy, '/');
  const char *base = slash ? slash + 1 : copy;
  cleanup_close int parent = -1;
  if (slash && slash != copy)
    {
      *slash = '\0';
      parent = mkpath (rootfd, copy, true, 0755, hops, err);
    }
  else
    parent = openat2_in_root (rootfd, ".", O_PATH);
  if (parent < 0)
    return berth_fail_errno (err, "open the parent of `%s` in the rootfs", path);
  if (strcmp (base, "..") == 0 || strcmp (base, ".") == 0 || *base == '\0')
    return berth_fail (err, ENOENT, "create `%s` in the rootfs", path);

  /* mkdirat and O_NOFOLLOW|O_EXCL never follow a symlink in the last
     component; if one is there, EEXIST sends us back to openat2, which
     resolves it inside the root. */
  int r;
  if (dir)
    r = mkdirat (parent, base, mode);
  else
    {
      r = openat (parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
      if (r >= 0)
        r = close (r);
    }
  if (r < 0 && errno != EEXIST)
    return berth_fail_errno (err, "create `%s` in the rootfs", path);
  fd = openat2_in_root (rootfd, path, O_PATH);
  struct stat st;
  if (fd < 0 && errno == ENOENT && fstatat (parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
    return mkpath_through_link (rootfd, parent, slash && slash != copy ? copy : "", base, dir, mode, hops, path,
                                err);
  if (fd < 0)
    return berth_fail_errno (err, "open `%s` in the rootfs", path);
  return fd;
}

bool
berth_fd_is_mount_root (int fd)
{
  struct statx stx;
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
    return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

unsigned long long
berth_fd_mount_id (int fd)
{
  struct statx stx;
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
    return 0;
  return stx.stx_mnt_id;
}
