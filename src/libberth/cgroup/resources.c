/* linux.resources onto cgroup files.  Each group of the spec goes to the
   hierarchy holding its controller; on a hybrid host that can be the
   unified one for some (hugetlb here) and v1 for the rest, so every group
   knows both file layouts.  The v1<->v2 conversions are runc's, so a
   config means the same thing under either runtime (docs/cgroups.md). */
#include "config.h"

#include "cgroup.h"
#include "devices_bpf.h"
#include "../log.h"
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t
berth_cpu_shares_to_weight (uint64_t shares)
{
  /* [2, 262144] onto [1, 10000], linearly. */
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
berth_blkio_weight_to_io_weight (uint64_t weight)
{
  /* [10, 1000] onto [1, 10000]. */
  if (weight == 0)
    return 0;
  return 1 + ((weight - 10) * 9999) / 990;
}

static bool
has_file (const char *dir, const char *file)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  return access (p, F_OK) == 0;
}

static int
write_i64 (const char *dir, const char *file, int64_t v, const char *unlimited, berth_error **err)
{
  char buf[32];
  if (v < 0 && unlimited)
    return berth_cgroup_write (dir, file, unlimited, err);
  snprintf (buf, sizeof buf, "%" PRId64, v);
  return berth_cgroup_write (dir, file, buf, err);
}

/* The directory for a controller, or a clear error naming the field. */
static const char *
need (const berth_cgroup *cg, const char *ctl, const char *field, bool *v2, berth_error **err)
{
  const char *dir = berth_cgroup_dir_for (cg, ctl, v2);
  if (dir == NULL)
    berth_fail (err, ENOTSUP, "linux.resources.%s: the %s cgroup controller is not available on this host", field,
                ctl);
  return dir;
}

/* ------------------------------------------------------------ memory */

/* v2's memory.swap.max is swap alone; the spec's swap is memory+swap. */
static int
swap_for_v2 (const oci_memory *m, int64_t *out, berth_error **err)
{
  int64_t swap = m->swap, limit = m->limit_present ? m->limit : 0;
  if (swap == -1)
    *out = -1;
  else if (limit == -1)
    return berth_fail (err, EINVAL, "linux.resources.memory.swap: a swap limit needs a memory limit (it is unlimited)");
  else if (limit == 0)
    return berth_fail (err, EINVAL, "linux.resources.memory.swap: a swap limit needs a memory limit");
  else if (swap < limit)
    return berth_fail (err, EINVAL, "linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
                       " (swap counts memory+swap)", swap, limit);
  else
    *out = swap - limit;
  return 0;
}

static int
check_usage (const char *dir, const char *file, int64_t limit, berth_error **err)
{
  cleanup_free char *text = NULL;
  unsigned long long usage;
  if (limit < 0 || berth_cgroup_read (dir, file, &text, err) < 0)
    return limit < 0 ? 0 : -1;
  if (parse_uint64 (text, &usage) == 0 && (unsigned long long) limit < usage)
    return berth_fail (err, EBUSY, "linux.resources.memory.limit: %" PRId64 " is below the current usage %llu "
                       "(checkBeforeUpdate)", limit, usage);
  return 0;
}

static int
memory_v1 (const char *dir, const oci_memory *m, bool updating, berth_error **err)
{
  if (updating && m->check_before_update_present && m->check_before_update && m->limit_present
      && check_usage (dir, "memory.usage_in_bytes", m->limit, err) < 0)
    return -1;
  if (m->swap_present && !has_file (dir, "memory.memsw.limit_in_bytes"))
    return berth_fail (err, ENOTSUP, "linux.resources.memory.swap: swap accounting is not enabled on this host");
  /* memory <= memory+swap must hold after each write: raising both needs
     swap first, lowering needs memory first. */
  if (m->limit_present && m->swap_present)
    {
      cleanup_error berth_error *first = NULL;
      if (write_i64 (dir, "memory.limit_in_bytes", m->limit, NULL, &first) < 0)
        {
          if (write_i64 (dir, "memory.memsw.limit_in_bytes", m->swap, NULL, err) < 0
              || write_i64 (dir, "memory.limit_in_bytes", m->limit, NULL, err) < 0)
            return -1;
        }
      else if (write_i64 (dir, "memory.memsw.limit_in_bytes", m->swap, NULL, err) < 0)
        return -1;
    }
  else if (m->limit_present && write_i64 (dir, "memory.limit_in_bytes", m->limit, NULL, err) < 0)
    return -1;
  else if (m->swap_present && write_i64 (dir, "memory.memsw.limit_in_bytes", m->swap, NULL, err) < 0)
    return -1;
  if (m->reservation_present && write_i64 (dir, "memory.soft_limit_in_bytes", m->reservation, NULL, err) < 0)
    return -1;
  if (m->kernel_present)
    berth_warn ("linux.resources.memory.kernel: kernel memory limits are deprecated and ignored");
  if (m->kernel_tcp_present && write_i64 (dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, NULL, err) < 0)
    return -1;
  if (m->swappiness_present && write_i64 (dir, "memory.swappiness", (int64_t) m->swappiness, NULL, err) < 0)
    return -1;
  if (m->disable_oom_killer_present && m->disable_oom_killer
      && berth_cgroup_write (dir, "memory.oom_control", "1", err) < 0)
    return -1;
  if (m->use_hierarchy_present)
    {
      /* Always on since 5.x: only a request to turn it off can fail. */
      cleanup_error berth_error *e = NULL;
      if (berth_cgroup_write (dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", &e) < 0)
        berth_warn ("linux.resources.memory.useHierarchy: %s", e->msg);
    }
  return 0;
}

static int
memory_v2 (const char *dir, const oci_memory *m, bool updating, berth_error **err)
{
  if (updating && m->check_before_update_present && m->check_before_update && m->limit_present
      && check_usage (dir, "memory.current", m->limit, err) < 0)
    return -1;
  int64_t swap = 0;
  if (m->swap_present && swap_for_v2 (m, &swap, err) < 0)
    return -1;
  if (m->limit_present && write_i64 (dir, "memory.max", m->limit, "max", err) < 0)
    return -1;
  if (m->swap_present && write_i64 (dir, "memory.swap.max", swap, "max", err) < 0)
    return -1;
  if (m->reservation_present && write_i64 (dir, "memory.low", m->reservation, "max", err) < 0)
    return -1;
  if (m->kernel_present || m->kernel_tcp_present)
    berth_warn ("linux.resources.memory: kernel and kernelTCP have no cgroup v2 equivalent and are ignored");
  if (m->swappiness_present)
    berth_warn ("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness; ignored");
  if (m->disable_oom_killer_present && m->disable_oom_killer)
    berth_warn ("linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer; ignored");
  return 0;
}

/* ------------------------------------------------------------ cpu */

static int
cpu_v1 (const char *dir, const oci_cpu *c, berth_error **err)
{
  if (c->shares_present && c->shares && write_i64 (dir, "cpu.shares", (int64_t) c->shares, NULL, err) < 0)
    return -1;
  if (c->period_present && c->period)
    {
      /* A new period below the current quota's ratio may be refused: quota first then. */
      cleanup_error berth_error *first = NULL;
      if (write_i64 (dir, "cpu.cfs_period_us", (int64_t) c->period, NULL, &first) < 0)
        {
          /* Without a quota to write first, the first refusal is the error
             (returning -1 with no error set crashed berth here). */
          if (!c->quota_present)
            {
              if (err && *err == NULL)
                *err = steal_pointer (&first);
              return berth_error_wrap (err, "linux.resources.cpu.period");
            }
          if (write_i64 (dir, "cpu.cfs_quota_us", c->quota, NULL, err) < 0
              || write_i64 (dir, "cpu.cfs_period_us", (int64_t) c->period, NULL, err) < 0)
            return berth_error_wrap (err, "linux.resources.cpu.period");
        }
    }
  if (c->quota_present && c->quota && write_i64 (dir, "cpu.cfs_quota_us", c->quota, NULL, err) < 0)
    return -1;
  if (c->burst_present && write_i64 (dir, "cpu.cfs_burst_us", (int64_t) c->burst, NULL, err) < 0)
    return -1;
  if (c->realtime_period_present && c->realtime_period
      && write_i64 (dir, "cpu.rt_period_us", (int64_t) c->realtime_period, NULL, err) < 0)
    return -1;
  if (c->realtime_runtime_present && c->realtime_runtime
      && write_i64 (dir, "cpu.rt_runtime_us", c->realtime_runtime, NULL, err) < 0)
    return -1;
  if (c->idle_present && write_i64 (dir, "cpu.idle", c->idle, NULL, err) < 0)
    return -1;
  return 0;
}

static int
cpu_v2 (const char *dir, const oci_cpu *c, berth_error **err)
{
  if (c->shares_present && c->shares
      && write_i64 (dir, "cpu.weight", (int64_t) berth_cpu_shares_to_weight (c->shares), NULL, err) < 0)
    return -1;
  if ((c->quota_present && c->quota) || (c->period_present && c->period))
    {
      char buf[64];
      int n = c->quota_present && c->quota > 0 ? snprintf (buf, sizeof buf, "%" PRId64, c->quota)
                                                : snprintf (buf, sizeof buf, "max");
      if (c->period_present && c->period)
        snprintf (buf + n, sizeof buf - (size_t) n, " %" PRIu64, c->period);
      if (berth_cgroup_write (dir, "cpu.max", buf, err) < 0)
        return -1;
    }
  if (c->burst_present && write_i64 (dir, "cpu.max.burst", (int64_t) c->burst, NULL, err) < 0)
    return -1;
  if ((c->realtime_period_present && c->realtime_period) || (c->realtime_runtime_present && c->realtime_runtime))
    return berth_fail (err, ENOTSUP, "linux.resources.cpu: realtimePeriod/realtimeRuntime need cgroup v1");
  if (c->idle_present && write_i64 (dir, "cpu.idle", c->idle, NULL, err) < 0)
    return -1;
  return 0;
}

static int
cpuset (const berth_cgroup *cg, const oci_cpu *c, berth_error **err)
{
  if (!(c->cpus && *c->cpus) && !(c->mems && *c->mems))
    return 0;
  bool v2;
  const char *dir = need (cg, "cpuset", "cpu.cpus", &v2, err);
  if (dir == NULL)
    return -1;
  if (c->cpus && *c->cpus && berth_cgroup_write (dir, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && *c->mems && berth_cgroup_write (dir, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

/* ------------------------------------------------------------ block I/O */

/* "MAJ:MIN <key>N", key being "" (v1) or "rbps=" and the like (io.max). */
static int
write_dev (const char *dir, const char *file, int64_t major, int64_t minor, const char *key, uint64_t v,
           berth_error **err)
{
  char buf[96];
  snprintf (buf, sizeof buf, "%" PRId64 ":%" PRId64 " %s%" PRIu64, major, minor, key, v);
  return berth_cgroup_write (dir, file, buf, err);
}

/* The four throttle lists of blockIO (read bps, write bps, read iops,
   write iops), each into files[k] as "MAJ:MIN <keys[k]>RATE". */
static int
write_throttles (const char *dir, const oci_block_io *b, const char *const files[4], const char *const keys[4],
                 berth_error **err)
{
  oci_blkio_throttle **lists[] = { b->throttle_read_bps_device, b->throttle_write_bps_device,
                                   b->throttle_read_iops_device, b->throttle_write_iops_device };
  size_t lens[] = { b->throttle_read_bps_device_len, b->throttle_write_bps_device_len,
                    b->throttle_read_iops_device_len, b->throttle_write_iops_device_len };
  for (size_t k = 0; k < 4; k++)
    for (size_t i = 0; i < lens[k]; i++)
      if (write_dev (dir, files[k], lists[k][i]->major, lists[k][i]->minor, keys[k], lists[k][i]->rate, err) < 0)
        return -1;
  return 0;
}

static const char *
weight_file (const char *dir, const char *plain, const char *bfq)
{
  return has_file (dir, plain) ? plain : has_file (dir, bfq) ? bfq : NULL;
}

static int
blkio_v1 (const char *dir, const oci_block_io *b, berth_error **err)
{
  const char *wf = weight_file (dir, "blkio.weight", "blkio.bfq.weight");
  const char *wdf = weight_file (dir, "blkio.weight_device", "blkio.bfq.weight_device");
  if (b->weight_present && b->weight)
    {
      if (wf == NULL)
        return berth_fail (err, ENOTSUP, "linux.resources.blockIO.weight: no I/O scheduler here supports weights");
      if (write_i64 (dir, wf, b->weight, NULL, err) < 0)
        return -1;
    }
  if (b->leaf_weight_present && b->leaf_weight && write_i64 (dir, "blkio.leaf_weight", b->leaf_weight, NULL, err) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const oci_blkio_weight_device *d = b->weight_device[i];
      if (d->weight_present && (wdf == NULL || write_dev (dir, wdf, d->major, d->minor, "", d->weight, err) < 0))
        return wdf ? -1 : berth_fail (err, ENOTSUP, "linux.resources.blockIO.weightDevice: not supported here");
      if (d->leaf_weight_present
          && write_dev (dir, "blkio.leaf_weight_device", d->major, d->minor, "", d->leaf_weight, err) < 0)
        return -1;
    }
  static const char *const files[] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                                       "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
  static const char *const none[] = { "", "", "", "" };
  if (write_throttles (dir, b, files, none, err) < 0)
    return -1;
  return 0;
}

static int
blkio_v2 (const char *dir, const oci_block_io *b, berth_error **err)
{
  /* io.bfq.weight takes the v1 range as it is; io.weight the converted one. */
  bool bfq = has_file (dir, "io.bfq.weight");
  if (b->weight_present && b->weight)
    {
      if (!bfq && !has_file (dir, "io.weight"))
        return berth_fail (err, ENOTSUP, "linux.resources.blockIO.weight: no I/O scheduler here supports weights");
      if (write_i64 (dir, bfq ? "io.bfq.weight" : "io.weight",
                     (int64_t) (bfq ? b->weight : berth_blkio_weight_to_io_weight (b->weight)), NULL, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const oci_blkio_weight_device *d = b->weight_device[i];
      if (d->weight_present
          && write_dev (dir, bfq ? "io.bfq.weight" : "io.weight", d->major, d->minor, "",
                        bfq ? d->weight : berth_blkio_weight_to_io_weight (d->weight), err) < 0)
        return -1;
    }
  static const char *const io_max[] = { "io.max", "io.max", "io.max", "io.max" };
  static const char *const keys[] = { "rbps=", "wbps=", "riops=", "wiops=" };
  if (write_throttles (dir, b, io_max, keys, err) < 0)
    return -1;
  return 0;
}

/* ------------------------------------------------------------ the rest */

static int
hugetlb (const char *dir, bool v2, const oci_hugepage_limit *h, size_t i, berth_error **err)
{
  cleanup_free char *file = xasprintf ("hugetlb.%s.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
  if (strchr (h->page_size, '/') || !has_file (dir, file))
    return berth_fail (err, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize: `%s` is not a huge page size "
                       "of this host", i, h->page_size);
  return write_i64 (dir, file, (int64_t) h->limit, NULL, err);
}

static int
network (const berth_cgroup *cg, const oci_network *n, berth_error **err)
{
  bool v2;
  if (n->class_id_present)
    {
      const char *dir = need (cg, "net_cls", "network.classID", &v2, err);
      if (dir == NULL || write_i64 (dir, "net_cls.classid", n->class_id, NULL, err) < 0)
        return -1;
    }
  if (n->priorities_len)
    {
      const char *dir = need (cg, "net_prio", "network.priorities", &v2, err);
      if (dir == NULL)
        return -1;
      for (size_t i = 0; i < n->priorities_len; i++)
        {
          cleanup_free char *line = xasprintf ("%s %u", n->priorities[i]->name, n->priorities[i]->priority);
          if (berth_cgroup_write (dir, "net_prio.ifpriomap", line, err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
rdma (const berth_cgroup *cg, const oci_resources *r, berth_error **err)
{
  bool v2;
  const char *dir = need (cg, "rdma", "rdma", &v2, err);
  if (dir == NULL)
    return -1;
  for (size_t i = 0; i < r->rdma.len; i++)
    {
      const oci_rdma *d = r->rdma.values[i];
      cleanup_free char *line = xasprintf ("%s", r->rdma.keys[i]);
      if (d->hca_handles_present)
        {
          char *more = xasprintf ("%s hca_handle=%u", line, d->hca_handles);
          free (line);
          line = more;
        }
      if (d->hca_objects_present)
        {
          char *more = xasprintf ("%s hca_object=%u", line, d->hca_objects);
          free (line);
          line = more;
        }
      if (berth_cgroup_write (dir, "rdma.max", line, err) < 0)
        return -1;
    }
  return 0;
}

static int
unified (const berth_cgroup *cg, const oci_resources *r, berth_error **err)
{
  bool v2;
  const char *dir = berth_cgroup_dir_for (cg, BERTH_CGROUP_UNIFIED, &v2);
  if (dir == NULL)
    return berth_fail (err, ENOTSUP, "linux.resources.unified: needs cgroup v2 (this host has only v1)");
  for (size_t i = 0; i < r->unified.len; i++)
    {
      const char *key = r->unified.keys[i];
      if (strchr (key, '/') || key[0] == '.' || !has_file (dir, key))
        return berth_fail (err, EINVAL, "linux.resources.unified[\"%s\"]: no such cgroup v2 file here", key);
      if (berth_cgroup_write (dir, key, r->unified.values[i], err) < 0)
        return -1;
    }
  return 0;
}

/* ------------------------------------------------------------ devices */

/* What every container may use whatever its rules say, appended after
   them as runc does: the devices the runtime itself creates in /dev, and
   mknod of anything (the device rules still govern opening it). */
static const struct
{
  char type;
  int64_t major, minor;
  const char *access;
} default_devices[] = {
  { 'c', -1, -1, "m" }, { 'b', -1, -1, "m" },   { 'c', 1, 3, "rwm" }, { 'c', 1, 5, "rwm" },
  { 'c', 1, 7, "rwm" }, { 'c', 1, 8, "rwm" },   { 'c', 1, 9, "rwm" }, { 'c', 5, 0, "rwm" },
  { 'c', 5, 1, "rwm" }, { 'c', 5, 2, "rwm" },   { 'c', 136, -1, "rwm" },
};

static oci_device_cgroup *
rule_new (bool allow, char type, int64_t major, int64_t minor, const char *access)
{
  oci_device_cgroup *d = oci_device_cgroup_new ();
  d->allow = allow, d->allow_present = true;
  char t[2] = { type, '\0' };
  d->type = xstrdup (t);
  d->major = major, d->major_present = true;
  d->minor = minor, d->minor_present = true;
  d->access = xstrdup (access);
  return d;
}

/* The config's rules, then the defaults: exactly what runc allows.  An
   entry of linux.devices only makes a node; whether it may be opened is
   for linux.resources.devices to say. */
static oci_device_cgroup **
device_rules (const oci_resources *r, size_t *n)
{
  size_t cap = r->devices_len + ARRAY_SIZE (default_devices) + 1;
  oci_device_cgroup **v = xcalloc (cap, sizeof *v);
  *n = 0;
  for (size_t i = 0; i < r->devices_len; i++)
    v[(*n)++] = oci_clone (&oci_device_cgroup_desc, r->devices[i]);
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    v[(*n)++] = rule_new (true, default_devices[i].type, default_devices[i].major, default_devices[i].minor,
                          default_devices[i].access);
  return v;
}

static void
device_rules_free (oci_device_cgroup **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    oci_free (&oci_device_cgroup_desc, v[i]);
  free (v);
}

static void
append_id (char *buf, size_t size, bool present, int64_t v)
{
  size_t n = strlen (buf);
  if (!present || v < 0)
    snprintf (buf + n, size - n, "*");
  else
    snprintf (buf + n, size - n, "%" PRId64, v);
}

/* devices.allow and devices.deny of one cgroup, each opened once on first
   use: the kernel takes one rule per write(2), so a config's rules (and
   runc's eleven defaults) need no open and path walk each. */
typedef struct
{
  const char *dir;
  int fd[2]; /* [0] devices.deny, [1] devices.allow; -1 until opened */
} devices_files;

static int
devices_file_write (devices_files *f, bool allow, const char *line, berth_error **err)
{
  const char *file = allow ? "devices.allow" : "devices.deny";
  int *fd = &f->fd[allow];
  if (*fd < 0)
    {
      cleanup_free char *path = xasprintf ("%s/%s", f->dir, file);
      *fd = open (path, O_WRONLY | O_CLOEXEC);
      if (*fd < 0)
        return berth_fail_errno (err, "cgroup: open %s", path);
    }
  if (write_all (*fd, line, strlen (line)) < 0)
    return berth_fail_errno (err, "cgroup: write `%s` to %s/%s", line, f->dir, file);
  return 0;
}

/* One devices.allow/deny line.  The kernel reads only the type letter of
   an `a` line (it means everything), so a narrower `a` rule is written as
   its `b` and `c` halves: v1 and v2 hosts then agree (devices_bpf.c). */
static int
device_line_v1 (devices_files *f, const oci_device_cgroup *d, const char *type, berth_error **err)
{
  char line[96];
  if (strcmp (type, "a") == 0)
    snprintf (line, sizeof line, "a");
  else
    {
      snprintf (line, sizeof line, "%s ", type);
      append_id (line, sizeof line, d->major_present, d->major);
      strcat (line, ":");
      append_id (line, sizeof line, d->minor_present, d->minor);
      strcat (line, " ");
      /* Only r, w and m, in that order: other letters ("rwa", as runc 1.1
         takes them) are ignored as devices_bpf.c ignores them. */
      const char *access = d->access ? d->access : "rwm";
      size_t k = strlen (line);
      for (const char *c = "rwm"; *c; c++)
        if (strchr (access, *c))
          line[k++] = *c;
      line[k] = '\0';
    }
  return devices_file_write (f, d->allow, line, err);
}

static int
devices_v1 (const char *dir, oci_device_cgroup **rules, size_t n, berth_error **err)
{
  devices_files f = { .dir = dir, .fd = { -1, -1 } };
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      const oci_device_cgroup *d = rules[i];
      const char *type = d->type && *d->type ? d->type : "a";
      bool everything = (!d->major_present || d->major < 0) && (!d->minor_present || d->minor < 0)
                        && (d->access == NULL || (strchr (d->access, 'r') && strchr (d->access, 'w') && strchr (d->access, 'm')));
      if (strcmp (type, "a") == 0 && !everything)
        r = device_line_v1 (&f, d, "b", err) < 0 ? -1 : device_line_v1 (&f, d, "c", err);
      else
        r = device_line_v1 (&f, d, type, err);
    }
  for (size_t k = 0; k < 2; k++)
    if (f.fd[k] >= 0)
      close (f.fd[k]);
  return r < 0 ? berth_error_wrap (err, "linux.resources.devices") : 0;
}

static int
devices (const berth_cgroup *cg, const oci_resources *r, berth_error **err)
{
  if (r->devices_len == 0)
    return 0;
  bool v2;
  const char *dir = berth_cgroup_dir_for (cg, "devices", &v2);
  if (dir == NULL)
    {
      dir = berth_cgroup_dir_for (cg, BERTH_CGROUP_UNIFIED, &v2);
      if (dir == NULL)
        return berth_fail (err, ENOTSUP, "linux.resources.devices: no devices controller is available");
    }
  size_t n;
  oci_device_cgroup **rules = device_rules (r, &n);
  int rc = v2 ? berth_cgroup_devices_v2 (dir, rules, n, err) : devices_v1 (dir, rules, n, err);
  device_rules_free (rules, n);
  return rc;
}

int
berth_cgroup_apply (const berth_cgroup *cg, const oci_resources *r, const oci_linux *l, bool updating,
                    berth_error **err)
{
  if (r == NULL)
    return 0;
  bool v2;
  const char *dir;
  if (devices (cg, r, err) < 0)
    return -1;
  if (r->memory)
    {
      if ((dir = need (cg, "memory", "memory", &v2, err)) == NULL)
        return -1;
      if ((v2 ? memory_v2 : memory_v1) (dir, r->memory, updating, err) < 0)
        return -1;
    }
  if (r->cpu)
    {
      const oci_cpu *c = r->cpu;
      bool any = (c->shares_present && c->shares) || (c->quota_present && c->quota) || (c->period_present && c->period)
                 || c->burst_present || (c->realtime_period_present && c->realtime_period)
                 || (c->realtime_runtime_present && c->realtime_runtime) || c->idle_present;
      if (any)
        {
          if ((dir = need (cg, "cpu", "cpu", &v2, err)) == NULL)
            return -1;
          if ((v2 ? cpu_v2 : cpu_v1) (dir, c, err) < 0)
            return -1;
        }
      if (cpuset (cg, c, err) < 0)
        return -1;
    }
  if (r->pids && r->pids->limit != 0)
    {
      /* 0 means unset, as with runc; a negative limit is no limit. */
      if ((dir = need (cg, "pids", "pids", &v2, err)) == NULL
          || write_i64 (dir, "pids.max", r->pids->limit, "max", err) < 0)
        return -1;
    }
  if (r->block_io)
    {
      if ((dir = berth_cgroup_dir_for (cg, "blkio", &v2)) == NULL
          && (dir = need (cg, "io", "blockIO", &v2, err)) == NULL)
        return -1;
      if ((v2 ? blkio_v2 : blkio_v1) (dir, r->block_io, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    {
      if ((dir = need (cg, "hugetlb", "hugepageLimits", &v2, err)) == NULL
          || hugetlb (dir, v2, r->hugepage_limits[i], i, err) < 0)
        return -1;
    }
  if (r->network && network (cg, r->network, err) < 0)
    return -1;
  if (r->rdma.len && rdma (cg, r, err) < 0)
    return -1;
  if (r->unified.len && unified (cg, r, err) < 0)
    return -1;
  return 0;
}

/* ------------------------------------------------------------ checks */

#define MAX_CPUS 8192

/* A cpu or node list ("0-3,7") into a bitmap; -1 on bad syntax. */
static int
parse_id_list (const char *s, uint8_t *bits)
{
  memset (bits, 0, MAX_CPUS / 8);
  const char *p = s;
  while (*p)
    {
      char *end;
      unsigned long a = strtoul (p, &end, 10), b = a;
      if (end == p || a >= MAX_CPUS)
        return -1;
      p = end;
      if (*p == '-')
        {
          b = strtoul (++p, &end, 10);
          if (end == p || b >= MAX_CPUS || b < a)
            return -1;
          p = end;
        }
      for (unsigned long i = a; i <= b; i++)
        bits[i / 8] |= (uint8_t) (1u << (i % 8));
      if (*p == ',')
        p++;
      else if (*p && *p != '\n')
        return -1;
      else if (*p == '\n')
        break;
    }
  return 0;
}

static int
check_id_list (const char *field, const char *want, const char *online_file, const char *fallback, berth_error **err)
{
  uint8_t w[MAX_CPUS / 8], have[MAX_CPUS / 8];
  if (want == NULL || *want == '\0')
    return 0;
  if (parse_id_list (want, w) < 0)
    return berth_fail (err, EINVAL, "linux.resources.%s: `%s` is not a list like 0-3,7", field, want);
  cleanup_free char *online = NULL;
  size_t len;
  cleanup_error berth_error *ignored = NULL;
  if (read_file_at (AT_FDCWD, online_file, &online, &len, &ignored) < 0)
    online = xstrdup (fallback);
  if (parse_id_list (online, have) < 0)
    return 0;
  for (size_t i = 0; i < MAX_CPUS; i++)
    if ((w[i / 8] & (1u << (i % 8))) && !(have[i / 8] & (1u << (i % 8))))
      return berth_fail (err, EINVAL, "linux.resources.%s: %zu is not among this host's (%s)", field, i,
                         strtok (online, "\n"));
  return 0;
}

int
berth_cgroup_check (const berth_cgroup *cg, const oci_resources *r, berth_error **err)
{
  if (r == NULL)
    return 0;
  /* The bounds that hold on any host are validate.c's; here, what this
     host has. */
  const oci_cpu *c = r->cpu;
  if (c
      && (check_id_list ("cpu.cpus", c->cpus, "/sys/devices/system/cpu/online", "0", err) < 0
          || check_id_list ("cpu.mems", c->mems, "/sys/devices/system/node/online", "0", err) < 0))
    return -1;
  bool v2 = false;
  const char *udir = berth_cgroup_dir_for (cg, BERTH_CGROUP_UNIFIED, &v2);
  if (r->unified.len && udir == NULL)
    return berth_fail (err, ENOTSUP, "linux.resources.unified: needs cgroup v2 (this host has only v1)");
  for (size_t i = 0; i < r->unified.len; i++)
    {
      const char *key = r->unified.keys[i];
      const char *dot = strchr (key, '.');
      cleanup_free char *ctl = dot ? xstrndup (key, (size_t) (dot - key)) : NULL;
      if (strchr (key, '/') || dot == NULL || dot == key
          || (strcmp (ctl, "cgroup") && berth_cgroup_dir_for (cg, ctl, &v2) != udir))
        return berth_fail (err, EINVAL, "linux.resources.unified[\"%s\"]: not a file of an available cgroup v2 "
                           "controller", key);
    }
  if (r->network && (r->network->class_id_present || r->network->priorities_len)
      && berth_cgroup_dir_for (cg, "net_cls", NULL) == NULL && berth_cgroup_dir_for (cg, "net_prio", NULL) == NULL)
    return berth_fail (err, ENOTSUP, "linux.resources.network: the net_cls/net_prio controllers are not available "
                       "on this host");
  return 0;
}
