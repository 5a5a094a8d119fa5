/* The container's filesystem view: rootfs propagation, config mounts,
   default devices, pivot_root, masked and read-only paths. */
#ifndef BERTH_MOUNTS_H
#define BERTH_MOUNTS_H

#include <stdbool.h>

#include "../error.h"
#include "runtime_spec.h"

typedef struct
{
  const oci_spec *spec;
  const char *rootfs;  /* absolute path on the host */
  int rootfd;          /* O_PATH of the rootfs bind mount, set by berth_rootfs_prepare */
  bool userns;         /* in a new user namespace: bind devices, cannot mknod */
  bool cgroupns;       /* in a cgroup namespace of its own: new cgroup mounts show only the container's */
  bool no_pivot;
  bool chroot_only;               /* no mount namespace of its own: nothing is mounted, the root is chroot'ed */
  bool dev_bound;                 /* a bind on /dev: its content is the config's (no default devices) */
  bool dev_readonly;              /* /dev asked read-only: made so in berth_rootfs_finish */
  unsigned long long proc_mnt_id; /* the procfs mounted on /proc here, or 0 */
  /* Per mounts[] entry, a detached tree the runtime prepared (idmapped
     binds, see idmap.h) or -1; NULL when there is none.  Attaching one
     takes it (the slot becomes -1). */
  int *mount_fds;
} berth_rootfs;

/* Before pivot_root: propagation of "/", the rootfs as its own mount, the
   config's mounts, /dev content.  Runs in the container's mount namespace. */
int berth_rootfs_prepare (berth_rootfs *r, berth_error **err);
/* pivot_root (or chroot with no_pivot) into the rootfs.  With no_pivot
   the host's procfs and sysfs mounts are first taken out of the mount
   namespace (runc's msMoveRoot), or covered where they cannot be. */
int berth_rootfs_enter (berth_rootfs *r, berth_error **err);
/* After pivot_root: maskedPaths, readonlyPaths, root.readonly, and the final
   rootfsPropagation. */
int berth_rootfs_finish (berth_rootfs *r, berth_error **err);

/* For --no-pivot, in a private mount namespace of the host's user
   namespace that the container's is about to be copied from: cover a
   subdirectory of each of the host's procfs and sysfs mounts outside rootfs.
   In the copy the covers are locked, so those mounts no longer count as
   fully visible and the kernel refuses the container a fresh procfs or
   sysfs it could not have with pivot_root (mount_too_revealing). */
int berth_no_pivot_cover_host_pseudofs (int procfd, const char *rootfs, berth_error **err);

/* Split mount options into mount(2) flags, propagation flags, recursive
   attributes and the filesystem data string.  Unknown options go to data. */
typedef struct
{
  unsigned long flags, clear;
  unsigned long propagation[4];
  int npropagation;
  unsigned long long rattr_set, rattr_clr;
  char *data;
  bool tmpcopyup, idmap, ridmap;
} berth_mount_opts;
int berth_mount_opts_parse (char **options, size_t n, berth_mount_opts *out, berth_error **err);

#endif
