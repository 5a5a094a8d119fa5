/* The overlay2 driver: the new mount API (fsopen/fsconfig/fsmount), one
   "lowerdir+" per layer on kernels that have it (6.8 and later), which has
   no page-size limit on the option string and no escaping of ':' in
   paths; otherwise the old "lowerdir=top:...:bottom" string. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount.h"
#include "libberth/util.h"

#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 1
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

bool dock_overlay_force_legacy;

static int
fsconfig_str (int fd, const char *key, const char *value)
{
  return (int) syscall (SYS_fsconfig, fd, FSCONFIG_SET_STRING, key, value, 0);
}

/* The kernel's message for a failed fsconfig (read from the fs context). */
static void
context_message (int fd, char *buf, size_t size)
{
  buf[0] = '\0';
  ssize_t n = read (fd, buf, size - 1);
  if (n > 0)
    {
      buf[n] = '\0';
      if (n && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    }
}

static int
legacy_lowerdir (int fd, const char *const *lowers, size_t n)
{
  /* Top layer first; ':' and ',' and '\\' in a path are escaped. */
  size_t cap = 1;
  for (size_t i = 0; i < n; i++)
    cap += 2 * strlen (lowers[i]) + 1;
  cleanup_free char *s = xcalloc (1, cap);
  char *p = s;
  for (size_t i = n; i-- > 0;)
    {
      for (const char *c = lowers[i]; *c; c++)
        {
          if (*c == ':' || *c == ',' || *c == '\\')
            *p++ = '\\';
          *p++ = *c;
        }
      if (i)
        *p++ = ':';
    }
  return fsconfig_str (fd, "lowerdir", s);
}

int
dock_overlay_fsmount (const char *const *lowers, size_t n, const char *upper, const char *work, int *mntfd,
                      berth_error **err)
{
  if (n == 0)
    return berth_fail (err, 0, "overlay: an image without layers");
  cleanup_close int fd = (int) syscall (SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "fsopen overlay");
  char msg[512];
  bool plus = !dock_overlay_force_legacy;
  if (plus)
    for (size_t i = n; i-- > 0;) /* lowerdir+ stacks top first */
      if (fsconfig_str (fd, "lowerdir+", lowers[i]) < 0)
        {
          if (errno != EINVAL || i != n - 1)
            {
              int e = errno;
              context_message (fd, msg, sizeof msg);
              return berth_fail (err, e, "overlay: lowerdir+ %s%s%s", lowers[i], *msg ? ": " : "", msg);
            }
          plus = false; /* a kernel before 6.8: start again with the old string */
          close (fd);
          fd = (int) syscall (SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
          if (fd < 0)
            return berth_fail_errno (err, "fsopen overlay");
          break;
        }
  if (!plus && legacy_lowerdir (fd, lowers, n) < 0)
    {
      int e = errno;
      context_message (fd, msg, sizeof msg);
      return berth_fail (err, e, "overlay: lowerdir of %zu layers%s%s", n, *msg ? ": " : "", msg);
    }
  if ((upper && fsconfig_str (fd, "upperdir", upper) < 0) || (work && fsconfig_str (fd, "workdir", work) < 0)
      || fsconfig_str (fd, "index", "off") < 0 || fsconfig_str (fd, "redirect_dir", "off") < 0)
    {
      int e = errno;
      context_message (fd, msg, sizeof msg);
      return berth_fail (err, e, "overlay: upperdir %s%s%s", upper ? upper : "(none)", *msg ? ": " : "", msg);
    }
  if (syscall (SYS_fsconfig, fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    {
      int e = errno;
      context_message (fd, msg, sizeof msg);
      return berth_fail (err, e, "overlay: create%s%s", *msg ? ": " : "", msg);
    }
  int m = (int) syscall (SYS_fsmount, fd, FSMOUNT_CLOEXEC, 0);
  if (m < 0)
    return berth_fail_errno (err, "overlay: fsmount");
  *mntfd = m;
  return 0;
}

int
dock_storage_driver_parse (const char *name, dock_storage_driver *out, berth_error **err)
{
  if (name == NULL || *name == '\0' || strcmp (name, "overlay2") == 0 || strcmp (name, "overlay") == 0)
    *out = DOCK_DRIVER_OVERLAY2;
  else if (strcmp (name, "vfs") == 0)
    *out = DOCK_DRIVER_VFS;
  else
    return berth_fail (err, 0, "error initializing graphdriver: driver not supported: %s", name);
  return 0;
}

const char *
dock_storage_driver_name (dock_storage_driver d)
{
  return d == DOCK_DRIVER_VFS ? "vfs" : "overlay2";
}

static int
mkdir_if_missing (const char *path, bool *made, berth_error **err)
{
  if (mkdir (path, 0700) == 0)
    {
      if (made)
        *made = true;
      return 0;
    }
  return errno == EEXIST ? 0 : berth_fail_errno (err, "mkdir %s", path);
}

int
dock_rootfs_mount (dock_storage_driver d, const char *const *lowers, size_t n, const char *container_dir,
                   const char *target, berth_error **err)
{
  bool made_dir = false;
  if (mkdir_if_missing (container_dir, &made_dir, err) < 0)
    return -1;
  cleanup_free char *upper = xasprintf ("%s/diff", container_dir), *work = xasprintf ("%s/work", container_dir);
  int r = -1;
  if (mkdir_if_missing (upper, NULL, err) < 0)
    goto fail;
  if (chmod (upper, 0755) < 0)
    {
      berth_fail_errno (err, "chmod %s", upper);
      goto fail;
    }
  if (d == DOCK_DRIVER_VFS)
    {
      /* The copy is made once; a second mount (restart) reuses it. */
      cleanup_free char *done = xasprintf ("%s/.vfs-done", container_dir);
      if (access (done, F_OK) < 0)
        {
          if (dock_vfs_apply_layers (lowers, n, upper, err) < 0)
            goto fail;
          cleanup_close int fd = open (done, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
          if (fd < 0)
            {
              berth_fail_errno (err, "create %s", done);
              goto fail;
            }
        }
      if (mount (upper, target, NULL, MS_BIND | MS_REC, NULL) < 0)
        {
          berth_fail_errno (err, "bind %s on %s", upper, target);
          goto fail;
        }
      return 0;
    }
  if (mkdir_if_missing (work, NULL, err) < 0)
    goto fail;
  cleanup_close int mfd = -1;
  if (dock_overlay_fsmount (lowers, n, upper, work, &mfd, err) < 0)
    goto fail;
  if (syscall (SYS_move_mount, mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    {
      berth_fail_errno (err, "move the overlay to %s", target);
      goto fail;
    }
  return 0;
fail:
  r = -1;
  if (made_dir)
    {
      cleanup_error berth_error *ignored = NULL;
      dock_remove_tree (container_dir, &ignored);
    }
  return r;
}

int
dock_rootfs_unmount (dock_storage_driver d, const char *container_dir, const char *target, bool remove,
                     berth_error **err)
{
  (void) d;
  if (target && umount2 (target, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
    {
      if (errno != EBUSY || umount2 (target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
        return berth_fail_errno (err, "unmount %s", target);
    }
  if (remove && dock_remove_tree (container_dir, err) < 0)
    return -1;
  return 0;
}
