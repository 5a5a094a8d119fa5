/* Paths inside a container's rootfs, resolved by the kernel as if the rootfs
   were "/" (openat2 RESOLVE_IN_ROOT): a symlink in the rootfs can never lead
   out of it, whatever it points to and however it changes. */
#ifndef BERTH_ROOTPATH_H
#define BERTH_ROOTPATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "../error.h"

/* Open path (absolute or relative, both taken inside root) with O_PATH. */
int berth_root_open_path (int rootfd, const char *path, berth_error **err);
/* As above, creating what is missing: parents as directories (0755), the
   last component as a directory (dir true) or an empty file. */
int berth_root_mkpath (int rootfd, const char *path, bool dir, mode_t mode, berth_error **err);

/* Whether fd (any kind, O_PATH included) is the root of a mount. */
bool berth_fd_is_mount_root (int fd);
/* The id of the mount fd is on (statx STATX_MNT_ID), or 0 when unknown. */
unsigned long long berth_fd_mount_id (int fd);

#endif
