/* The validation pass (see validate.h).  Each rule is a function of the
   config (and of the namespaces it makes, worked out once); the tables
   below are the whole list, in the order they run.  A rule says what is
   wrong with the field's JSON path and returns -1; rejected () is the one
   way out of every entry point, so that a failure is marked as an invalid
   configuration in one place. */
#include "config.h"

#include "validate.h"
#include "cgroup/devices_bpf.h"
#include "linux/lsm.h"
#include "linux/mempolicy.h"
#include "linux/namespaces.h"
#include "linux/netdev.h"
#include "linux/process.h"
#include "linux/sched.h"
#include "util.h"

#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

typedef struct
{
  const oci_spec *spec;
  const oci_process *process; /* the config's, or exec's */
  const char *where;          /* prefix of the process's fields */
  /* Namespaces the container gets that are not the runtime's own: made
     new, or joined by a path that is not where berth itself is. */
  berth_private_ns own;
  bool has_user, has_time;
} vctx;

typedef struct
{
  const char *name; /* what the rule makes sure of */
  int (*check) (const vctx *v, berth_error **err);
} rule;

/* Every failure of the pass leaves through here. */
static int
rejected (berth_error **err)
{
  (void) err;
  return -1;
}

static int
run_rules (const rule *rules, size_t n, const vctx *v, berth_error **err)
{
  for (size_t i = 0; i < n; i++)
    if (rules[i].check (v, err) < 0)
      return rejected (err);
  return 0;
}

/* ------------------------------------------------------------ process */

static int
process_args (const vctx *v, berth_error **err)
{
  const oci_process *p = v->process;
  if (p->args == NULL || p->args_len == 0 || p->args[0][0] == '\0')
    return berth_fail (err, 0, "%sargs: must name the program to run", v->where);
  return 0;
}

static int
process_cwd (const vctx *v, berth_error **err)
{
  const char *cwd = v->process->cwd;
  if (cwd == NULL || cwd[0] != '/')
    return berth_fail (err, 0, "%scwd: `%s` is not an absolute path", v->where, cwd ? cwd : "");
  return 0;
}

static int
check_id (const char *where, const char *field, uint64_t id, berth_error **err)
{
  if (id > BERTH_MAX_ID)
    return berth_fail (err, 0, "%s%s: %" PRIu64 ": uids and gids must be in range 0-%u", where, field, id,
                       BERTH_MAX_ID);
  return 0;
}

/* (uid_t) -1 is "leave unchanged" to setresuid: 4294967295 would keep root. */
static int
process_user_ids (const vctx *v, berth_error **err)
{
  const oci_user *u = v->process->user;
  if (u == NULL)
    return 0;
  if ((u->uid_present && check_id (v->where, "user.uid", u->uid, err) < 0)
      || (u->gid_present && check_id (v->where, "user.gid", u->gid, err) < 0))
    return -1;
  for (size_t i = 0; i < u->additional_gids_len; i++)
    {
      char field[48];
      snprintf (field, sizeof field, "user.additionalGids[%zu]", i);
      if (check_id (v->where, field, u->additional_gids[i], err) < 0)
        return -1;
    }
  return 0;
}

static const rule process_rules[] = {
  { "process.args names a program", process_args },
  { "process.cwd is absolute", process_cwd },
  { "process.user ids can be set (0-2147483647)", process_user_ids },
};

int
berth_validate_process (const oci_process *p, const char *where, berth_error **err)
{
  vctx v = { .process = p, .where = where };
  return run_rules (process_rules, ARRAY_SIZE (process_rules), &v, err);
}

/* ------------------------------------------------------------ config rules */

static int
config_process (const vctx *v, berth_error **err)
{
  if (v->process == NULL)
    return berth_fail (err, 0, "config.json: process: required to create a container");
  return run_rules (process_rules, ARRAY_SIZE (process_rules), v, err);
}

static int
config_root (const vctx *v, berth_error **err)
{
  const oci_root *r = v->spec->root;
  if (r == NULL)
    return berth_fail (err, 0, "config.json: root: required on Linux");
  if (r->path == NULL || *r->path == '\0')
    return berth_fail (err, 0, "root.path: must name the container's root filesystem");
  return 0;
}

static int
config_namespaces (const vctx *v, berth_error **err)
{
  const oci_linux *l = v->spec->linux;
  bool has_mount = false;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    {
      const char *type = l->namespaces[i]->type;
      const berth_ns_kind *k = berth_ns_kind_from_name (type);
      if (k == NULL)
        return berth_fail (err, 0, "linux.namespaces[%zu]: unknown namespace type `%s`", i, type);
      for (size_t j = 0; j < i; j++)
        if (strcmp (l->namespaces[j]->type, type) == 0)
          return berth_fail (err, 0, "linux.namespaces[%zu]: namespace `%s` listed twice", i, type);
      has_mount |= k->clone_flag == CLONE_NEWNS;
    }
  /* Without a mount namespace the container is only chroot'ed into its
     rootfs (runc and crun run such configs): anything to mount would be
     mounted in the host's namespace. */
  const oci_spec *s = v->spec;
  bool needs_mounts = s->mounts_len || (s->root && s->root->readonly_present && s->root->readonly)
                      || (l && (l->masked_paths_len || l->readonly_paths_len || l->devices_len
                                || l->rootfs_propagation));
  if (!has_mount && needs_mounts)
    return berth_fail (err, 0,
                       "mounts, linux.devices, maskedPaths, readonlyPaths, root.readonly and rootfsPropagation need "
                       "a mount namespace: without one they would change the host's");
  return 0;
}

/* As runc: mappings mean nothing without a user namespace to apply to. */
static int
config_id_mappings (const vctx *v, berth_error **err)
{
  const oci_linux *l = v->spec->linux;
  if (l && !v->has_user && (l->uid_mappings_len || l->gid_mappings_len))
    return berth_fail (err, 0, "linux.%s: given without a user namespace in linux.namespaces",
                       l->uid_mappings_len ? "uidMappings" : "gidMappings");
  return 0;
}

static int
config_time_offsets (const vctx *v, berth_error **err)
{
  const oci_linux *l = v->spec->linux;
  if (l == NULL || l->time_offsets.len == 0)
    return 0;
  if (!v->has_time)
    return berth_fail (err, 0, "linux.timeOffsets: given without a time namespace in linux.namespaces");
  for (size_t i = 0; i < l->time_offsets.len; i++)
    {
      const char *clock = l->time_offsets.keys[i];
      if (strcmp (clock, "monotonic") && strcmp (clock, "boottime"))
        return berth_fail (err, 0, "linux.timeOffsets: unknown clock `%s` (monotonic or boottime)", clock);
    }
  return 0;
}

/* An empty name is not set at all (as runc), so it needs nothing. */
static int
config_uts (const vctx *v, berth_error **err)
{
  const char *fields[] = { "hostname", "domainname" };
  const char *values[] = { v->spec->hostname, v->spec->domainname };
  for (size_t i = 0; i < ARRAY_SIZE (fields); i++)
    if (values[i] && *values[i] && !v->own.uts)
      return berth_fail (err, 0, "%s: setting it needs a private UTS namespace (it would change the host's %s)",
                         fields[i], fields[i]);
  return 0;
}

/* The sysctls that a namespace holds; every other one is the host's alone. */
typedef enum
{
  NS_IPC,
  NS_NET,
  NS_UTS,
} sysctl_ns;

static const struct
{
  const char *key;
  bool prefix;
  sysctl_ns ns;
} namespaced_sysctls[] = {
  { "kernel.msgmax", false, NS_IPC },    { "kernel.msgmnb", false, NS_IPC },
  { "kernel.msgmni", false, NS_IPC },    { "kernel.sem", false, NS_IPC },
  { "kernel.shmall", false, NS_IPC },    { "kernel.shmmax", false, NS_IPC },
  { "kernel.shmmni", false, NS_IPC },    { "kernel.shm_rmid_forced", false, NS_IPC },
  { "fs.mqueue.", true, NS_IPC },        { "net.", true, NS_NET },
  { "kernel.hostname", false, NS_UTS },  { "kernel.domainname", false, NS_UTS },
};

static const char *const sysctl_ns_names[] = { [NS_IPC] = "IPC", [NS_NET] = "network", [NS_UTS] = "UTS" };

int
berth_validate_sysctl_key (const char *key, berth_private_ns ns, berth_error **err)
{
  if (*key == '\0' || key[0] == '/' || key[0] == '.' || strstr (key, "..") || strstr (key, "//"))
    return berth_fail (err, 0, "linux.sysctl: invalid name `%s`", key);
  /* sysctl(8) also takes slashes for dots ("net/ipv4/ip_forward"): the
     class is decided on the dotted form. */
  cleanup_free char *dotted = xstrdup (key);
  if (dotted[strcspn (dotted, "./")] == '/')
    for (char *c = dotted; *c; c++)
      *c = *c == '/' ? '.' : *c == '.' ? '/' : *c;
  for (size_t i = 0; i < ARRAY_SIZE (namespaced_sysctls); i++)
    {
      const char *k = namespaced_sysctls[i].key;
      if (namespaced_sysctls[i].prefix ? !str_has_prefix (dotted, k) : strcmp (dotted, k) != 0)
        continue;
      sysctl_ns n = namespaced_sysctls[i].ns;
      bool have = n == NS_IPC ? ns.ipc : n == NS_NET ? ns.net : ns.uts;
      if (!have)
        return berth_fail (err, 0, "linux.sysctl: `%s` needs a private %s namespace (it would change the host's)",
                           key, sysctl_ns_names[n]);
      return 0;
    }
  return berth_fail (err, 0, "linux.sysctl: `%s` is not namespaced: setting it would change the host", key);
}

static int
config_sysctl (const vctx *v, berth_error **err)
{
  const oci_linux *l = v->spec->linux;
  for (size_t i = 0; l && i < l->sysctl.len; i++)
    if (berth_validate_sysctl_key (l->sysctl.keys[i], v->own, err) < 0)
      return -1;
  return 0;
}

static int
config_resources (const vctx *v, berth_error **err)
{
  const oci_linux *l = v->spec->linux;
  return l ? berth_validate_resources (l->resources, err) : 0;
}

/* "/", "//", "/.": every component empty or a dot. */
static bool
is_root_path (const char *p)
{
  for (const char *c = p; *c;)
    {
      size_t n = strcspn (c, "/");
      if (!(n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')))
        return false;
      c += n;
      c += *c == '/';
    }
  return *p == '/';
}

static int
config_mounts (const vctx *v, berth_error **err)
{
  const oci_spec *s = v->spec;
  for (size_t i = 0; i < s->mounts_len; i++)
    {
      const oci_mount *m = s->mounts[i];
      if (m->type == NULL || strcmp (m->type, "tmpfs") || m->destination == NULL || !is_root_path (m->destination))
        continue;
      for (size_t j = 0; j < m->options_len; j++)
        if (strcmp (m->options[j], "tmpcopyup") == 0)
          return berth_fail (err, 0, "mounts[%zu]: tmpcopyup on a tmpfs at `/` is refused (it would copy the whole "
                             "rootfs into memory, under the rootfs it hides)", i);
    }
  return 0;
}

static int
config_memory_policy (const vctx *v, berth_error **err)
{
  return v->spec->linux ? berth_mempolicy_check (v->spec->linux->memory_policy, err) : 0;
}

/* Parsed, so never silently dropped: refused until berth applies it (no
   host here has resctrl to test it on). */
static int
config_intel_rdt (const vctx *v, berth_error **err)
{
  if (v->spec->linux && v->spec->linux->intel_rdt)
    return berth_fail (err, 0, "linux.intelRdt: not supported by berth (the container would run without the "
                       "requested cache and memory-bandwidth allocation)");
  return 0;
}

static int
config_net_devices (const vctx *v, berth_error **err)
{
  return berth_net_devices_check (v->spec, v->own.net, err);
}

static int
config_process_attrs (const vctx *v, berth_error **err)
{
  return berth_check_process_attrs (v->spec, err);
}

static int
config_lsm (const vctx *v, berth_error **err)
{
  return berth_lsm_check_spec (v->spec, err);
}

static const rule config_rules[] = {
  { "process: present, program named, cwd absolute, ids settable", config_process },
  { "root: present with a path", config_root },
  { "linux.namespaces: known kinds, each once; nothing to mount without a mount namespace", config_namespaces },
  { "linux.uidMappings/gidMappings: only with a user namespace", config_id_mappings },
  { "linux.timeOffsets: only with a time namespace, known clocks", config_time_offsets },
  { "hostname, domainname: only with a private UTS namespace", config_uts },
  { "linux.sysctl: namespaced keys, with that namespace private", config_sysctl },
  { "linux.resources: bounds the kernel would refuse", config_resources },
  { "mounts: no tmpcopyup of a tmpfs on /", config_mounts },
  { "linux.memoryPolicy: mode, flags, nodes set_mempolicy accepts", config_memory_policy },
  { "linux.intelRdt: refused (not supported)", config_intel_rdt },
  { "linux.netDevices: interface names, distinct, existing, with a private network namespace",
    config_net_devices },
  { "process attributes: rlimits, oomScoreAdj, scheduler, ioPriority, CPU affinity, personality",
    config_process_attrs },
  { "LSM labels: AppArmor profile and SELinux labels", config_lsm },
};

/* Whether a namespace joined by path is the one berth runs in: then the
   container shares it with the host (runc makes the same check for net). */
static bool
is_runtime_namespace (const char *path, const berth_ns_kind *k)
{
  char self[64];
  snprintf (self, sizeof self, "/proc/self/ns/%s", k->proc_ns);
  struct stat a, b;
  return stat (path, &a) == 0 && stat (self, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void
namespace_facts (const oci_spec *s, vctx *v)
{
  const oci_linux *l = s->linux;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    {
      const oci_namespace *ns = l->namespaces[i];
      const berth_ns_kind *k = berth_ns_kind_from_name (ns->type);
      if (k == NULL)
        continue; /* the namespaces rule says so */
      bool own = !(ns->path && *ns->path && is_runtime_namespace (ns->path, k));
      if (k->clone_flag == CLONE_NEWUTS)
        v->own.uts = own;
      else if (k->clone_flag == CLONE_NEWIPC)
        v->own.ipc = own;
      else if (k->clone_flag == CLONE_NEWNET)
        v->own.net = own;
      else if (k->clone_flag == CLONE_NEWUSER)
        v->has_user = true;
      else if (k->clone_flag == CLONE_NEWTIME)
        v->has_time = true;
    }
}

int
berth_validate_config (const oci_spec *s, berth_error **err)
{
  vctx v = { .spec = s, .process = s->process, .where = "process." };
  namespace_facts (s, &v);
  return run_rules (config_rules, ARRAY_SIZE (config_rules), &v, err);
}

/* ------------------------------------------------------------ resources */

static int
check_limit (const char *field, bool present, int64_t value, berth_error **err)
{
  if (present && value < -1)
    return berth_fail (err, EINVAL, "linux.resources.%s: %" PRId64 " is not a limit (-1 means none)", field, value);
  return 0;
}

static int
check_range (const char *field, bool present, uint64_t value, uint64_t lo, uint64_t hi, berth_error **err)
{
  /* 0 leaves the kernel's value, as in runc. */
  if (present && value != 0 && (value < lo || value > hi))
    return berth_fail (err, EINVAL, "linux.resources.%s: %" PRIu64 " is outside %" PRIu64 "..%" PRIu64, field, value,
                       lo, hi);
  return 0;
}

static int
memory_bounds (const oci_memory *m, berth_error **err)
{
  if (m == NULL)
    return 0;
  if (check_limit ("memory.limit", m->limit_present, m->limit, err) < 0
      || check_limit ("memory.reservation", m->reservation_present, m->reservation, err) < 0
      || check_limit ("memory.swap", m->swap_present, m->swap, err) < 0
      || check_limit ("memory.kernel", m->kernel_present, m->kernel, err) < 0
      || check_limit ("memory.kernelTCP", m->kernel_tcp_present, m->kernel_tcp, err) < 0)
    return -1;
  if (m->swappiness_present && m->swappiness > 100)
    return berth_fail (err, EINVAL, "linux.resources.memory.swappiness: %" PRIu64 " is outside 0..100",
                       m->swappiness);
  return 0;
}

/* The CFS bandwidth bounds of both cgroup versions: a period of 1 ms to
   1 s, a quota of at least 1 ms (or -1, none); shares as cpu.shares keeps
   them (runc refuses a value the kernel would change). */
static int
cpu_bounds (const oci_cpu *c, berth_error **err)
{
  if (c == NULL)
    return 0;
  if (check_limit ("cpu.quota", c->quota_present, c->quota, err) < 0
      || check_limit ("cpu.realtimeRuntime", c->realtime_runtime_present, c->realtime_runtime, err) < 0)
    return -1;
  if (check_range ("cpu.period", c->period_present, c->period, 1000, 1000000, err) < 0)
    return -1;
  if (c->quota_present && c->quota > 0 && c->quota < 1000)
    return berth_fail (err, EINVAL, "linux.resources.cpu.quota: %" PRId64 " is below the kernel's minimum of 1000 "
                       "(microseconds; -1 means none)", c->quota);
  if (check_range ("cpu.shares", c->shares_present, c->shares, 2, 262144, err) < 0)
    return -1;
  if (c->idle_present && c->idle != 0 && c->idle != 1)
    return berth_fail (err, EINVAL, "linux.resources.cpu.idle: %" PRId64 " is not 0 or 1", c->idle);
  if (c->realtime_runtime_present && c->realtime_period_present && c->realtime_period
      && c->realtime_runtime > 0 && (uint64_t) c->realtime_runtime > c->realtime_period)
    return berth_fail (err, EINVAL, "linux.resources.cpu.realtimeRuntime: %" PRId64 " is above realtimePeriod %"
                       PRIu64, c->realtime_runtime, c->realtime_period);
  return 0;
}

/* "2MB", "1GB", "64KB": the names of the hugetlb files (a pageSize is
   part of a file name, so nothing else may pass). */
static int
hugepage_sizes (const oci_resources *r, berth_error **err)
{
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    {
      const char *p = r->hugepage_limits[i]->page_size;
      size_t digits = strspn (p, "0123456789");
      if (digits == 0 || p[0] == '0' || !(p[digits] == 'K' || p[digits] == 'M' || p[digits] == 'G')
          || strcmp (p + digits + 1, "B") != 0)
        return berth_fail (err, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize: `%s` is not a page size "
                           "like 2MB or 1GB", i, p);
    }
  return 0;
}

/* An rdma.max line is "DEVICE hca_handle=N hca_object=N": a device name
   with a blank or a newline would add settings of its own. */
static int
rdma_devices (const oci_resources *r, berth_error **err)
{
  for (size_t i = 0; i < r->rdma.len; i++)
    {
      const char *d = r->rdma.keys[i];
      if (*d == '\0' || d[strcspn (d, " \t\n\r\v\f/=")] != '\0')
        return berth_fail (err, EINVAL, "linux.resources.rdma[\"%s\"]: not a device name", d);
    }
  return 0;
}

static int
block_io_bounds (const oci_block_io *b, berth_error **err)
{
  if (b == NULL)
    return 0;
  if (check_range ("blockIO.weight", b->weight_present, b->weight, 10, 1000, err) < 0
      || check_range ("blockIO.leafWeight", b->leaf_weight_present, b->leaf_weight, 10, 1000, err) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++)
    if (check_range ("blockIO.weightDevice.weight", b->weight_device[i]->weight_present, b->weight_device[i]->weight,
                     10, 1000, err) < 0)
      return -1;
  return 0;
}

int
berth_validate_resources (const oci_resources *r, berth_error **err)
{
  if (r == NULL)
    return 0;
  if (memory_bounds (r->memory, err) < 0 || cpu_bounds (r->cpu, err) < 0 || block_io_bounds (r->block_io, err) < 0
      || (r->pids && check_limit ("pids.limit", true, r->pids->limit, err) < 0) || hugepage_sizes (r, err) < 0
      || rdma_devices (r, err) < 0
      || berth_devices_rules_check (r->devices, r->devices_len, err) < 0)
    return rejected (err);
  return 0;
}
