/* A container's cgroup: one directory per hierarchy the host mounts
 * (every cgroup v1 hierarchy, and the unified one of a v2 or hybrid host),
 * the cgroupfs driver.  runc's rules decide where: an absolute cgroupsPath
 * is taken from each hierarchy's root, a relative one (and the default,
 * the container id) from berth's own cgroup in that hierarchy.
 *
 * A berth_cgroup is what `create` records in the state and every later
 * command (kill --all, pause, update, events, ps, delete) reopens. */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../error.h"
#include "runtime_spec.h"

/* The key of the unified hierarchy in a berth_cgroup. */
#define BERTH_CGROUP_UNIFIED "unified"

typedef struct
{
  size_t len;
  char **keys; /* v1: the hierarchy's controllers ("cpu,cpuacct", "name=systemd"); v2: "unified" */
  char **dirs; /* absolute directory under the hierarchy's mount */
} berth_cgroup;

void berth_cgroup_free (berth_cgroup *cg);
static inline void berth_cgroup_freep (berth_cgroup **cg) { berth_cgroup_free (*cg); }
#define cleanup_cgroup __attribute__ ((cleanup (berth_cgroup_freep)))

/* Where the container's cgroup goes, without creating anything.
   Refuses a path with `..` in it, or naming a hierarchy root. */
berth_cgroup *berth_cgroup_resolve (const char *cgroups_path, const char *id, berth_error **err);
/* The cgroups process pid is in now. */
berth_cgroup *berth_cgroup_of_pid (pid_t pid, berth_error **err);
/* Check resources against what the host offers (values, controllers,
   v1/v2 differences) before anything is created. */
int berth_cgroup_check (const berth_cgroup *cg, const oci_resources *r, berth_error **err);
/* Create the directories (enabling v2 controllers and filling v1 cpusets
   on the way down), apply resources, and move pid in. */
int berth_cgroup_create (const berth_cgroup *cg, const oci_resources *r, const oci_linux *l, pid_t pid,
                         berth_error **err);
/* Apply resources to a live cgroup (update). */
int berth_cgroup_apply (const berth_cgroup *cg, const oci_resources *r, const oci_linux *l, bool updating,
                        berth_error **err);
/* Move pid into every hierarchy's directory (exec). */
int berth_cgroup_enter (const berth_cgroup *cg, pid_t pid, berth_error **err);
/* Remove the leaf directories, killing what is left in them first, and
   retrying while the kernel still reports them busy. */
int berth_cgroup_destroy (const berth_cgroup *cg, berth_error **err);

/* Every pid in the cgroup (sorted). */
int berth_cgroup_pids (const berth_cgroup *cg, pid_t **out, size_t *n, berth_error **err);
/* Signal every process in the cgroup, frozen meanwhile so none escapes by forking. */
int berth_cgroup_kill_all (const berth_cgroup *cg, int signo, berth_error **err);
/* Freeze (true) or thaw, waiting until the kernel says it is done. */
int berth_cgroup_freeze (const berth_cgroup *cg, bool freeze, berth_error **err);
/* True if the cgroup is frozen. */
bool berth_cgroup_is_frozen (const berth_cgroup *cg);

/* True if the memory controller of the cgroup has OOM-killed a process in
   it (the oom_kill count of v2 memory.events, v1 memory.oom_control). */
bool berth_cgroup_oom_killed (const berth_cgroup *cg);

/* The directory of the hierarchy with controller ctl ("memory", "pids",
   ...), or of the unified one for BERTH_CGROUP_UNIFIED; NULL if none.
   *v2 says whether that directory is on a cgroup2 hierarchy. */
const char *berth_cgroup_dir_for (const berth_cgroup *cg, const char *ctl, bool *v2);

/* The systemd driver: cgroupsPath "slice:prefix:name" (empty: the slice
   system.slice, prefix berth, the container id) names a transient scope
   "prefix-name.scope" in the slice.  Parse it and make sure systemd runs,
   before anything is created. */
int berth_systemd_plan (const char *cgroups_path, const char *id, char **slice, char **unit, berth_error **err);
/* Ask systemd for the scope holding pid (with Delegate=yes and the main
   resource properties) and wait for it; returns the cgroup it made. */
berth_cgroup *berth_systemd_start (const char *slice, const char *unit, pid_t pid, const oci_resources *r,
                                   berth_error **err);
/* Stop the scope (an empty transient scope goes away by itself; this
   covers processes systemd still knows of). */
int berth_systemd_stop (const char *unit, berth_error **err);
/* Whether every comma-separated name in controllers is among the comma-
   separated superopts (a v1 mount's options: "rw,cpu,cpuacct"). */
bool berth_cgroup_options_have_all (const char *superopts, const char *controllers);

/* Conversions between the v1 values in the spec and v2 files. */
uint64_t berth_cpu_shares_to_weight (uint64_t shares);
uint64_t berth_blkio_weight_to_io_weight (uint64_t weight);

/* Internal to cgroup/. */
int berth_cgroup_devices_v2 (const char *dir, oci_device_cgroup **rules, size_t n, berth_error **err);
int berth_cgroup_write (const char *dir, const char *file, const char *value, berth_error **err);
int berth_cgroup_read (const char *dir, const char *file, char **out, berth_error **err);

#endif
