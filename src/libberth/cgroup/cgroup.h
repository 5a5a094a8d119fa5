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
#include "json.h"
#include "runtime_spec.h"

/* The key of the unified hierarchy in a berth_cgroup. */
#define BERTH_CGROUP_UNIFIED "unified"

typedef struct berth_cgroup_driver berth_cgroup_driver;

typedef struct
{
  size_t len;
  char **keys; /* v1: the hierarchy's controllers ("cpu,cpuacct", "name=systemd"); v2: "unified" */
  char **dirs; /* absolute directory under the hierarchy's mount */
  const berth_cgroup_driver *driver; /* chosen once, at create, and recorded in the state */
  char *slice, *unit;                /* the systemd driver's scope */
} berth_cgroup;

/* A cgroup driver: how a container's cgroup is made, changed and removed.
   cgroupfs on a v1, v2 or hybrid host writes the files itself; systemd
   asks systemd for a transient scope and sets what it can as unit
   properties, so that systemd's view of the unit stays true.  The public
   functions below dispatch through cg->driver. */
struct berth_cgroup_driver
{
  const char *name; /* "cgroupfs-v1", "cgroupfs-v2", "cgroupfs-hybrid", "systemd": in the state */
  int (*create) (berth_cgroup *cg, const oci_resources *r, const oci_linux *l, pid_t pid, berth_error **err);
  int (*enter) (const berth_cgroup *cg, pid_t pid, berth_error **err);
  int (*apply) (const berth_cgroup *cg, const oci_resources *r, const oci_linux *l, bool updating,
                berth_error **err);
  int (*update) (const berth_cgroup *cg, const oci_resources *r, berth_error **err);
  int (*freeze) (const berth_cgroup *cg, bool freeze, berth_error **err);
  bool (*is_frozen) (const berth_cgroup *cg);
  int (*kill) (const berth_cgroup *cg, int signo, berth_error **err);
  int (*destroy) (const berth_cgroup *cg, berth_error **err);
  void (*stats) (const berth_cgroup *cg, oci_jw *w);
  int (*pids) (const berth_cgroup *cg, pid_t **out, size_t *n, berth_error **err);
};

extern const berth_cgroup_driver berth_cgroupfs_v1, berth_cgroupfs_v2, berth_cgroupfs_hybrid, berth_cgroup_systemd;

/* The driver recorded under name, or NULL. */
const berth_cgroup_driver *berth_cgroup_driver_by_name (const char *name);
/* The cgroupfs driver for the hierarchies cg has (v1 only, v2 only, both). */
const berth_cgroup_driver *berth_cgroupfs_driver_for (const berth_cgroup *cg);
/* Hand cg to the systemd driver: systemd, not cgroupsPath, decides where
   the scope goes, so the directories resolved so far are dropped. */
void berth_cgroup_use_systemd (berth_cgroup *cg, const char *slice, const char *unit);

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
/* Refuse a cgroup that exists and is frozen (or lies below a frozen one). */
int berth_cgroup_refuse_frozen (const berth_cgroup *cg, berth_error **err);
/* Create the directories (enabling v2 controllers and filling v1 cpusets
   on the way down), apply resources, and move pid in. */
int berth_cgroup_create (berth_cgroup *cg, const oci_resources *r, const oci_linux *l, pid_t pid,
                         berth_error **err);
/* Apply resources by writing the cgroup files (every driver's last step;
   updating: to a live cgroup). */
int berth_cgroup_apply (const berth_cgroup *cg, const oci_resources *r, const oci_linux *l, bool updating,
                        berth_error **err);
/* `update`: change the resources of a live container. */
int berth_cgroup_update (const berth_cgroup *cg, const oci_resources *r, berth_error **err);
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

/* The unit properties the systemd driver sets for resources (as runc's
   systemd driver maps them), v2 or v1 names: a table, see systemd_props.c. */
typedef struct
{
  const char *name; /* "MemoryMax" */
  char type;        /* 't': uint64 in u; 'y': a byte array (a cpu or node mask) in bytes/nbytes */
  uint64_t u;
  uint8_t bytes[128];
  size_t nbytes;
} berth_unit_property;
#define BERTH_UNIT_PROPERTIES_MAX 16
size_t berth_systemd_properties (const oci_resources *r, bool v2, berth_unit_property *out);

/* The systemd driver: cgroupsPath "slice:prefix:name" (empty: the slice
   system.slice, prefix berth, the container id) names a transient scope
   "prefix-name.scope" in the slice.  Parse it and make sure systemd runs,
   before anything is created. */
int berth_systemd_plan (const char *cgroups_path, const char *id, char **slice, char **unit, berth_error **err);
/* The systemd driver's create asks systemd for the scope holding pid
   (with Delegate=yes and the mapped resource properties) and waits for it;
   its destroy stops the scope (an empty transient scope goes away by
   itself; this covers processes systemd still knows of). */
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
void berth_cgroupfs_stats_write (const berth_cgroup *cg, oci_jw *w);
int berth_cgroupfs_create (berth_cgroup *cg, const oci_resources *r, const oci_linux *l, pid_t pid,
                           berth_error **err);
int berth_cgroupfs_destroy (const berth_cgroup *cg, berth_error **err);
/* Fill cg's hierarchies with those process pid is in. */
int berth_cgroup_fill_from_pid (berth_cgroup *cg, pid_t pid, berth_error **err);

#endif
