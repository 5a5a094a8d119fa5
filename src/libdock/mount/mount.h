/* A container's root filesystem from the image's unpacked layers (the
   store's layers/<diff-id> directories, bottom layer first) and a
   per-container directory holding "diff" (the writable upper layer) and
   "work" (overlay's work dir).  Two drivers, chosen by daemon.json's
   "storage-driver" as docker names them:
   - overlay2: an overlay mount made with the new mount API (fsopen,
     fsconfig with one "lowerdir+" per layer where the kernel has it, else
     one "lowerdir=a:b:c" string), index=off; detached (fsmount) so the
     caller can move_mount it wherever the bundle wants, or mounted on a
     path;
   - vfs: the layers copied into "diff" with whiteouts applied, for
     filesystems overlay cannot stack on (and to test overlay against).
   Nothing is left behind by a failed mount, nor by an unmount. */
#ifndef DOCK_MOUNT_H
#define DOCK_MOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "libberth/error.h"

typedef enum
{
  DOCK_DRIVER_OVERLAY2,
  DOCK_DRIVER_VFS,
} dock_storage_driver;

/* "overlay2" (also "overlay", and the default for NULL or "") or "vfs". */
int dock_storage_driver_parse (const char *name, dock_storage_driver *out, berth_error **err);
const char *dock_storage_driver_name (dock_storage_driver d);

/* overlay.c: a detached overlay mount of lowers (bottom first) under
   upper/work; *mntfd gets the fsmount fd (O_CLOEXEC). */
int dock_overlay_fsmount (const char *const *lowers, size_t n, const char *upper, const char *work, int *mntfd,
                          berth_error **err);
/* Force the old "lowerdir=" string even where lowerdir+ works (tests). */
extern bool dock_overlay_force_legacy;

/* The rootfs at target (an existing empty directory), from container_dir
   (created if missing; its "diff" and "work" made as the driver needs). */
int dock_rootfs_mount (dock_storage_driver d, const char *const *lowers, size_t n, const char *container_dir,
                       const char *target, berth_error **err);
/* Undo dock_rootfs_mount: unmount target (overlay) or nothing (vfs, whose
   rootfs is container_dir/diff bound on target); then remove
   container_dir when remove is set. */
int dock_rootfs_unmount (dock_storage_driver d, const char *container_dir, const char *target, bool remove,
                         berth_error **err);

/* vfs.c: apply layers (bottom first) into dest, an existing directory:
   files copied with modes, owners, times and xattrs; an overlay whiteout
   removes the path below; an opaque directory hides what lower layers had
   in it. */
int dock_vfs_apply_layers (const char *const *lowers, size_t n, const char *dest, berth_error **err);
/* rm -rf of a directory tree, never following symlinks, not crossing mounts. */
int dock_remove_tree (const char *path, berth_error **err);

/* changes.c: what `dock diff` shows, from an overlay upper dir: 'A' added,
   'C' changed, 'D' deleted (a whiteout), sorted by path as docker prints
   them. */
typedef struct
{
  char kind; /* 'A', 'C', 'D' */
  char *path; /* absolute in the container: "/etc/passwd" */
} dock_change;
int dock_upper_changes (const char *upper, const char *const *lowers, size_t n, dock_change **out, size_t *nout,
                        berth_error **err);
void dock_changes_free (dock_change *c, size_t n);

#endif
