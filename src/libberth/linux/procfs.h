/* Writes into /proc that cannot be redirected.  A container's /proc is
   whatever its rootfs and mounts make of it: a symlink, a tmpfs, a bind of
   a directory with look-alike files.  A write that lands there instead of
   in procfs is silently lost (a sysctl not set, an AppArmor profile not
   applied: the CVE-2019-16884 and CVE-2019-19921 class).  So every file
   berth writes under /proc is opened beneath a procfs directory fd, never
   crossing a mount or a magic link, and checked to be on procfs. */
#ifndef BERTH_PROCFS_H
#define BERTH_PROCFS_H

#include <stdbool.h>
#include <stddef.h>

#include "../error.h"

/* Whether fd is on a procfs (fstatfs). */
bool berth_proc_is_procfs (int fd);
/* Open path beneath procfd (a procfs directory) with flags (O_CLOEXEC
   added); -1 with errno set on failure, EXDEV when it is not procfs. */
int berth_proc_open (int procfd, const char *path, int flags);
/* Write the whole of data to path beneath procfd; what names the setting in
   the error. */
int berth_proc_write (int procfd, const char *path, const char *data, size_t len, const char *what,
                      berth_error **err);
/* Whether fd is the root directory of a procfs (not a bind of a part). */
bool berth_proc_is_root (int fd);
/* The root of a real procfs mounted at /proc inside rootfd (resolved in
   the root), as O_PATH, or -1 when there is none.  With mnt_id non-zero
   it must also be that mount (the fresh one the runtime made), not one
   put over it since. */
int berth_proc_open_in_root (int rootfd, unsigned long long mnt_id);

#endif
