#include "config.h"

#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../util.h"
#include "rootpath.h"

/* The inode number of every procfs root. */
#define PROC_ROOT_INO 1

bool
berth_proc_is_procfs (int fd)
{
  struct statfs sfs;
  return fstatfs (fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

static int
openat2_retry (int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
  struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = resolve };
  int fd;
  do
    fd = (int) syscall (SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

int
berth_proc_open (int procfd, const char *path, int flags)
{
  /* "self" and "thread-self" are plain symlinks and stay allowed; a mount
     on top of anything below (a bind over /proc/sys) is not crossed. */
  int fd = openat2_retry (procfd, path, (uint64_t) flags,
                          RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
  if (fd >= 0 && !berth_proc_is_procfs (fd))
    {
      close (fd);
      errno = EXDEV;
      return -1;
    }
  return fd;
}

int
berth_proc_write (int procfd, const char *path, const char *data, size_t len, const char *what,
                  berth_error **err)
{
  cleanup_close int fd = berth_proc_open (procfd, path, O_WRONLY);
  if (fd < 0)
    return berth_fail_errno (err, "%s: open /proc/%s", what, path);
  if (write_all (fd, data, len) < 0)
    return berth_fail_errno (err, "%s: write /proc/%s", what, path);
  return 0;
}

bool
berth_proc_is_root (int fd)
{
  struct stat st;
  return berth_proc_is_procfs (fd) && fstat (fd, &st) == 0 && st.st_ino == PROC_ROOT_INO;
}

int
berth_proc_open_in_root (int rootfd, unsigned long long mnt_id)
{
  int fd = openat2_retry (rootfd, "proc", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd >= 0 && (!berth_proc_is_root (fd) || (mnt_id && berth_fd_mount_id (fd) != mnt_id)))
    {
      close (fd);
      return -1;
    }
  return fd;
}
