/* From an image config and the flags of `dock run` to the OCI runtime spec
   that libberth runs, with docker's defaults (moby's oci defaults and its
   daemon's merge rules): the capability set, masked and read-only paths,
   /dev/shm of 64 MiB, /dev/mqueue, a read-only /sys, a private cgroup
   namespace on cgroup v2, hostname = the short container ID,
   /etc/hostname, /etc/hosts and /etc/resolv.conf bound from per-container
   files, docker's environment and entrypoint/command rules, users resolved
   in the image's /etc/passwd and /etc/group (never NSS), and dock's
   default seccomp profile (seccomp-default.json, embedded).  See
   docs/architecture.md "dock: from image and flags to a container". */
#ifndef DOCK_RUNTIME_SPEC_H
#define DOCK_RUNTIME_SPEC_H

#include <stdbool.h>

#include "image_spec.h"
#include "runtime_spec.h"
#include "libberth/error.h"
#include "libdock/daemon_json.h"
#include "flags.h"

/* A named or anonymous volume (name NULL) for dest: the host directory to
   bind, malloc'd.  The volume store supplies it; without one, volumes are
   refused. */
typedef char *(*dock_volume_fn) (void *data, const char *name, const char *dest, berth_error **err);

typedef struct
{
  const char *id;        /* the container ID, 64 hex digits */
  const char *rootfs;    /* root.path: the mounted rootfs (or a path relative to the bundle) */
  int rootfs_fd;         /* the image's root, to read /etc/passwd and /etc/group (-1: numeric users only) */
  const char *hostname_path, *hosts_path, *resolv_path; /* per-container files; NULL: not bound */
  const dock_config *config; /* daemon.json: default-ulimits; may be NULL */
  bool cgroup2;          /* the host's cgroups are v2 (decides cgroupns "private" by default) */
  const char *cgroups_path; /* NULL: "/dock/<id>" under --cgroup-parent or the root */
  const char *init_path; /* host binary for --init; NULL: DOCK_INIT_PATH */
  dock_volume_fn volume; /* NULL: -v NAME:/x and anonymous volumes are refused */
  void *volume_data;
} dock_spec_ctx;

/* Debian's static tini (package tini): docker's docker-init is tini too. */
#define DOCK_INIT_PATH "/usr/bin/tini-static"
/* Where docker puts its init in the container. */
#define DOCK_INIT_DEST "/sbin/docker-init"
#define DOCK_DEFAULT_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* image may be NULL (a container without image config: only the flags);
   argv: the command and its arguments after the image (argc 0: the
   image's CMD). */
int dock_spec_build (const oci_image_config *image, const dock_run_opts *o, const dock_spec_ctx *ctx, int argc,
                     char **argv, oci_spec **out, berth_error **err);

/* Pieces of the build, for `dock exec`, `dock inspect` and the tests. */
/* docker's Env: PATH, HOSTNAME, TERM (with -t), then the image's, then
   --env-file's and -e's in order, a later value replacing an earlier one in
   place, "NAME" alone taking the caller's environment's value (or removing
   NAME when unset there). */
int dock_spec_env (const oci_image_config *image, const dock_run_opts *o, const char *hostname, char ***env,
                   size_t *n, berth_error **err);
/* docker's entrypoint/cmd merge; "No command specified" when empty. */
int dock_spec_args (const oci_image_config *image, const dock_run_opts *o, int argc, char **argv, char ***args,
                    size_t *n, berth_error **err);
/* The signal `dock stop` sends: --stop-signal, else the image's StopSignal,
   else SIGTERM; names with or without SIG, or numbers. */
int dock_stop_signal (const oci_image_config *image, const dock_run_opts *o, int *sig, berth_error **err);
/* The labels of the container: the image's, then --label-file's, then -l's;
   keys and values NULL-terminated, malloc'd. */
int dock_spec_labels (const oci_image_config *image, const dock_run_opts *o, char ***keys, char ***values,
                      size_t *n, berth_error **err);

/* The container's HEALTHCHECK, as docker merges it: --no-healthcheck gives
   Test ["NONE"]; --health-cmd gives ["CMD-SHELL", cmd]; each --health-*
   replaces the image's value, what is not given comes from the image.
   *out NULL: none at all. */
int dock_run_healthcheck (const oci_image_config *image, const dock_run_opts *o, oci_image_healthcheck **out,
                          berth_error **err);

/* Capabilities (caps.c): docker's default set tweaked by --cap-add,
   --cap-drop and --privileged; names "CAP_X", malloc'd, NULL-terminated. */
extern const char *const dock_default_caps[];
int dock_caps_resolve (const dock_run_opts *o, char ***caps, size_t *n, berth_error **err);

/* Users (user.c): "name|uid[:group|gid]" in the rootfs's files. */
typedef struct
{
  uint32_t uid, gid;
  uint32_t *gids; /* additional */
  size_t ngids;
  char *home;     /* from passwd, "/" when unknown */
} dock_user;
int dock_user_resolve (int rootfd, const char *spec, char *const *group_add, dock_user *out, berth_error **err);
void dock_user_clear (dock_user *u);

/* Seccomp (seccomp.c): a profile in docker's format (the embedded default
   when json is NULL) resolved for the capabilities the process gets and the
   host's architecture into the OCI form. */
extern const char dock_seccomp_default_json[];
int dock_seccomp_from_profile (const char *json, size_t len, char *const *caps, oci_seccomp **out,
                               berth_error **err);

/* Mounts (mounts.c): -v, --mount, --tmpfs, --device into spec entries. */
int dock_spec_add_user_mounts (oci_spec *spec, const dock_run_opts *o, const dock_spec_ctx *ctx, berth_error **err);
int dock_spec_add_devices (oci_spec *spec, const dock_run_opts *o, berth_error **err);
int dock_check_volume (const char *spec, berth_error **err);
int dock_check_mount (const char *spec, berth_error **err);
int dock_check_device (const char *spec, berth_error **err);

#endif
