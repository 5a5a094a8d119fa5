/* Statistics and OOM notification for `berth events`.  Field names follow
   runc's events format, which engines (and people's scripts) parse; times
   are nanoseconds, sizes bytes, and "max" reads as UINT64_MAX. */
#include "config.h"

#include "stats.h"
#include "../util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

/* ------------------------------------------------------------ reading */

static char *
read_text (const char *dir, const char *file)
{
  char *text = NULL;
  cleanup_error berth_error *ignored = NULL;
  if (dir == NULL || berth_cgroup_read (dir, file, &text, &ignored) < 0)
    return NULL;
  return text;
}

static bool
parse_value (const char *s, uint64_t *out)
{
  if (strncmp (s, "max", 3) == 0 && (s[3] == '\0' || s[3] == '\n' || s[3] == ' '))
    {
      *out = UINT64_MAX;
      return true;
    }
  char *end;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (end == s || errno)
    return false;
  *out = v;
  return true;
}

/* A file holding one number; false when it is missing or holds none. */
static bool
read_u64 (const char *dir, const char *file, uint64_t *out)
{
  cleanup_free char *text = read_text (dir, file);
  return text && parse_value (text, out);
}

/* The value of `key` in a flat keyed file ("key value" lines: cpu.stat,
   memory.stat, memory.events). */
static bool
keyed_get (const char *text, const char *key, uint64_t *out)
{
  size_t n = strlen (key);
  for (const char *line = text; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    if (strncmp (line, key, n) == 0 && line[n] == ' ')
      return parse_value (line + n + 1, out);
  return false;
}

/* ------------------------------------------------------------ writing */

static void
put (oci_jw *w, const char *key, uint64_t v)
{
  oci_jw_key (w, key);
  oci_jw_uint (w, v);
}

/* runc leaves most zero counters out (Go's omitempty). */
static void
put_nz (oci_jw *w, const char *key, uint64_t v)
{
  if (v)
    put (w, key, v);
}

/* A space-separated list of numbers (cpuacct.usage_percpu) as an array. */
static void
put_list (oci_jw *w, const char *key, const char *dir, const char *file)
{
  cleanup_free char *text = read_text (dir, file);
  if (text == NULL || *text == '\0')
    return;
  oci_jw_key (w, key);
  oci_jw_begin_array (w);
  char *save = NULL;
  for (char *t = strtok_r (text, " \t\n", &save); t; t = strtok_r (NULL, " \t\n", &save))
    {
      uint64_t v;
      if (parse_value (t, &v))
        oci_jw_uint (w, v);
    }
  oci_jw_end_array (w);
}

/* Open the member `key` of the stats object; the directory of controller
   ctl (NULL when the host has none) and whether it is a v2 one. */
static const char *
section (const berth_cgroup *cg, oci_jw *w, const char *ctl, const char *key, bool *v2)
{
  *v2 = false;
  const char *dir = berth_cgroup_dir_for (cg, ctl, v2);
  oci_jw_key (w, key);
  oci_jw_begin_object (w);
  return dir;
}

/* ------------------------------------------------------------ cpu */

static void
write_cpu (const berth_cgroup *cg, oci_jw *w)
{
  bool v2 = false;
  const char *acct = berth_cgroup_dir_for (cg, "cpuacct", &v2);
  const char *cpu = berth_cgroup_dir_for (cg, "cpu", &v2);
  /* cpu.stat is a core file of every v2 cgroup, with or without the cpu controller. */
  const char *unified = berth_cgroup_dir_for (cg, BERTH_CGROUP_UNIFIED, NULL);
  if (acct == NULL && cpu == NULL)
    cpu = unified, v2 = true;
  cleanup_free char *stat = read_text (cpu, "cpu.stat");

  oci_jw_key (w, "cpu");
  oci_jw_begin_object (w);
  oci_jw_key (w, "usage");
  oci_jw_begin_object (w);
  uint64_t v, user = 0, kernel = 0;
  if (acct && !v2)
    {
      if (read_u64 (acct, "cpuacct.usage", &v))
        put_nz (w, "total", v);
      put_list (w, "percpu", acct, "cpuacct.usage_percpu");
      put_list (w, "percpu_kernel", acct, "cpuacct.usage_percpu_sys");
      put_list (w, "percpu_user", acct, "cpuacct.usage_percpu_user");
      /* cpuacct.stat counts clock ticks. */
      cleanup_free char *ticks = read_text (acct, "cpuacct.stat");
      long hz = sysconf (_SC_CLK_TCK);
      uint64_t scale = hz > 0 ? 1000000000ULL / (uint64_t) hz : 10000000ULL;
      if (ticks && keyed_get (ticks, "user", &v))
        user = v * scale;
      if (ticks && keyed_get (ticks, "system", &v))
        kernel = v * scale;
    }
  else if (stat)
    {
      if (keyed_get (stat, "usage_usec", &v))
        put_nz (w, "total", v * 1000);
      if (keyed_get (stat, "user_usec", &v))
        user = v * 1000;
      if (keyed_get (stat, "system_usec", &v))
        kernel = v * 1000;
    }
  put (w, "kernel", kernel);
  put (w, "user", user);
  oci_jw_end_object (w);

  oci_jw_key (w, "throttling");
  oci_jw_begin_object (w);
  if (stat)
    {
      if (keyed_get (stat, "nr_periods", &v))
        put_nz (w, "periods", v);
      if (keyed_get (stat, "nr_throttled", &v))
        put_nz (w, "throttledPeriods", v);
      if (keyed_get (stat, "throttled_usec", &v))
        put_nz (w, "throttledTime", v * 1000);
      else if (keyed_get (stat, "throttled_time", &v))
        put_nz (w, "throttledTime", v);
    }
  oci_jw_end_object (w);
  oci_jw_end_object (w);
}

/* ------------------------------------------------------------ memory */

/* {"limit":..,"usage":..,"max":..,"failcnt":..} from the v1 files
   <prefix>usage_in_bytes, max_usage_in_bytes, limit_in_bytes, failcnt. */
static void
write_v1_entry (oci_jw *w, const char *key, const char *dir, const char *prefix)
{
  static const char *const names[] = { "limit", "usage", "max", "failcnt" };
  static const char *const files[] = { "limit_in_bytes", "usage_in_bytes", "max_usage_in_bytes", "failcnt" };
  oci_jw_key (w, key);
  oci_jw_begin_object (w);
  for (size_t i = 0; i < ARRAY_SIZE (names); i++)
    {
      cleanup_free char *file = xasprintf ("%s%s", prefix, files[i]);
      uint64_t v = 0;
      bool have = read_u64 (dir, file, &v);
      if (i == 1 || i == 2)
        put_nz (w, names[i], v);
      else
        put (w, names[i], have ? v : 0);
    }
  oci_jw_end_object (w);
}

static void
write_v2_entry (oci_jw *w, const char *key, uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt)
{
  oci_jw_key (w, key);
  oci_jw_begin_object (w);
  put (w, "limit", limit);
  put_nz (w, "usage", usage);
  put_nz (w, "max", max);
  put (w, "failcnt", failcnt);
  oci_jw_end_object (w);
}

static void
write_raw (oci_jw *w, const char *stat)
{
  if (stat == NULL || *stat == '\0')
    return;
  oci_jw_key (w, "raw");
  oci_jw_begin_object (w);
  cleanup_free char *copy = xstrdup (stat);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (line, ' ');
      uint64_t v;
      if (sp == NULL || !parse_value (sp + 1, &v))
        continue;
      *sp = '\0';
      put (w, line, v);
    }
  oci_jw_end_object (w);
}

static void
write_memory (const berth_cgroup *cg, oci_jw *w)
{
  bool v2;
  const char *dir = section (cg, w, "memory", "memory", &v2);
  if (dir == NULL)
    {
      oci_jw_end_object (w);
      return;
    }
  cleanup_free char *stat = read_text (dir, "memory.stat");
  uint64_t v;
  if (stat && keyed_get (stat, v2 ? "file" : "cache", &v))
    put_nz (w, "cache", v);
  if (!v2)
    {
      write_v1_entry (w, "usage", dir, "memory.");
      write_v1_entry (w, "swap", dir, "memory.memsw.");
      write_v1_entry (w, "kernel", dir, "memory.kmem.");
      write_v1_entry (w, "kernelTCP", dir, "memory.kmem.tcp.");
    }
  else
    {
      uint64_t limit = 0, usage = 0, peak = 0, failcnt = 0, swap = 0, swap_limit = 0;
      read_u64 (dir, "memory.max", &limit);
      read_u64 (dir, "memory.current", &usage);
      read_u64 (dir, "memory.peak", &peak);
      cleanup_free char *events = read_text (dir, "memory.events");
      if (events)
        keyed_get (events, "max", &failcnt);
      write_v2_entry (w, "usage", limit, usage, peak, failcnt);
      /* As runc: v2 counts swap alone; the entry is memory plus swap.  v2
         has no kernel memory limits: runc still writes empty entries. */
      read_u64 (dir, "memory.swap.current", &swap);
      read_u64 (dir, "memory.swap.max", &swap_limit);
      uint64_t both = limit == UINT64_MAX || swap_limit == UINT64_MAX ? UINT64_MAX : limit + swap_limit;
      write_v2_entry (w, "swap", both, usage + swap, 0, 0);
      write_v2_entry (w, "kernel", 0, 0, 0, 0);
      write_v2_entry (w, "kernelTCP", 0, 0, 0, 0);
    }
  write_raw (w, stat);
  oci_jw_end_object (w);
}

/* ------------------------------------------------------------ pids */

static void
write_pids (const berth_cgroup *cg, oci_jw *w)
{
  bool v2;
  const char *dir = section (cg, w, "pids", "pids", &v2);
  uint64_t v;
  if (read_u64 (dir, "pids.current", &v))
    put_nz (w, "current", v);
  if (read_u64 (dir, "pids.max", &v))
    put_nz (w, "limit", v);
  oci_jw_end_object (w);
}

/* ------------------------------------------------------------ blkio */

static void
put_blkio_entry (oci_jw *w, unsigned major, unsigned minor, const char *op, uint64_t value)
{
  oci_jw_begin_object (w);
  put_nz (w, "major", major);
  put_nz (w, "minor", minor);
  if (op && *op)
    {
      oci_jw_key (w, "op");
      oci_jw_string (w, op);
    }
  put_nz (w, "value", value);
  oci_jw_end_object (w);
}

/* A v1 blkio file: "MAJ:MIN Op value" (or "MAJ:MIN value") lines and a
   closing "Total value" line, which is left out.  False when the file is
   missing or has no device line. */
static bool
write_v1_blkio (oci_jw *w, const char *key, const char *dir, const char *file)
{
  cleanup_free char *text = read_text (dir, file);
  if (text == NULL)
    return false;
  bool any = false;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned major, minor;
      char op[32] = "";
      unsigned long long value;
      if (sscanf (line, "%u:%u %31s %llu", &major, &minor, op, &value) != 4)
        {
          *op = '\0';
          if (sscanf (line, "%u:%u %llu", &major, &minor, &value) != 3)
            continue;
        }
      if (!any)
        {
          oci_jw_key (w, key);
          oci_jw_begin_array (w);
          any = true;
        }
      put_blkio_entry (w, major, minor, op, value);
    }
  if (any)
    oci_jw_end_array (w);
  return any;
}

/* io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. ..." lines, as
   runc's Read/Write entries. */
static void
write_v2_io (oci_jw *w, const char *dir)
{
  cleanup_free char *text = read_text (dir, "io.stat");
  if (text == NULL || *text == '\0')
    return;
  static const struct
  {
    const char *key, *read, *write;
  } kinds[] = {
    { "ioServiceBytesRecursive", "rbytes=", "wbytes=" },
    { "ioServicedRecursive", "rios=", "wios=" },
  };
  for (size_t k = 0; k < ARRAY_SIZE (kinds); k++)
    {
      oci_jw_key (w, kinds[k].key);
      oci_jw_begin_array (w);
      cleanup_free char *copy = xstrdup (text);
      char *save = NULL;
      for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
        {
          unsigned major, minor;
          if (sscanf (line, "%u:%u", &major, &minor) != 2)
            continue;
          const char *ops[] = { kinds[k].read, kinds[k].write };
          const char *names[] = { "Read", "Write" };
          for (size_t i = 0; i < 2; i++)
            {
              const char *f = strstr (line, ops[i]);
              uint64_t v;
              if (f && parse_value (f + strlen (ops[i]), &v))
                put_blkio_entry (w, major, minor, names[i], v);
            }
        }
      oci_jw_end_array (w);
    }
}

static void
write_blkio (const berth_cgroup *cg, oci_jw *w)
{
  bool v2;
  const char *dir = section (cg, w, "blkio", "blkio", &v2);
  if (dir == NULL)
    dir = berth_cgroup_dir_for (cg, "io", &v2);
  if (dir && v2)
    write_v2_io (w, dir);
  else if (dir)
    {
      /* Without the CFQ/BFQ files (most kernels now), only the throttle
         layer counts, and only bytes and requests. */
      if (!write_v1_blkio (w, "ioServiceBytesRecursive", dir, "blkio.io_service_bytes_recursive"))
        write_v1_blkio (w, "ioServiceBytesRecursive", dir, "blkio.throttle.io_service_bytes_recursive");
      if (!write_v1_blkio (w, "ioServicedRecursive", dir, "blkio.io_serviced_recursive"))
        write_v1_blkio (w, "ioServicedRecursive", dir, "blkio.throttle.io_serviced_recursive");
      write_v1_blkio (w, "ioQueueRecursive", dir, "blkio.io_queued_recursive");
      write_v1_blkio (w, "ioServiceTimeRecursive", dir, "blkio.io_service_time_recursive");
      write_v1_blkio (w, "ioWaitTimeRecursive", dir, "blkio.io_wait_time_recursive");
      write_v1_blkio (w, "ioMergedRecursive", dir, "blkio.io_merged_recursive");
      write_v1_blkio (w, "ioTimeRecursive", dir, "blkio.time_recursive");
      write_v1_blkio (w, "sectorsRecursive", dir, "blkio.sectors_recursive");
    }
  oci_jw_end_object (w);
}

/* ------------------------------------------------------------ hugetlb */

static int
str_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
write_hugetlb (const berth_cgroup *cg, oci_jw *w)
{
  bool v2;
  const char *dir = section (cg, w, "hugetlb", "hugetlb", &v2);
  /* The page sizes are in the file names: hugetlb.2MB.usage_in_bytes (v1),
     hugetlb.2MB.current (v2). */
  const char *suffix = v2 ? ".current" : ".usage_in_bytes";
  char **sizes = NULL;
  size_t n = 0;
  cleanup_closedir DIR *d = dir ? opendir (dir) : NULL;
  struct dirent *de;
  while (d && (de = readdir (d)))
    {
      size_t len = strlen (de->d_name), sl = strlen (suffix);
      if (!str_has_prefix (de->d_name, "hugetlb.") || len <= 8 + sl || strcmp (de->d_name + len - sl, suffix))
        continue;
      char *size = xstrndup (de->d_name + 8, len - 8 - sl);
      if (strchr (size, '.')) /* hugetlb.2MB.rsvd.current */
        {
          free (size);
          continue;
        }
      oci_strv_append (&sizes, &n, size);
      free (size);
    }
  if (n > 1)
    qsort (sizes, n, sizeof *sizes, str_cmp);
  for (size_t i = 0; i < n; i++)
    {
      uint64_t usage = 0, max = 0, failcnt = 0;
      cleanup_free char *cur = xasprintf ("hugetlb.%s%s", sizes[i], suffix);
      read_u64 (dir, cur, &usage);
      if (v2)
        {
          cleanup_free char *ev = xasprintf ("hugetlb.%s.events", sizes[i]);
          cleanup_free char *events = read_text (dir, ev);
          if (events)
            keyed_get (events, "max", &failcnt);
        }
      else
        {
          cleanup_free char *mx = xasprintf ("hugetlb.%s.max_usage_in_bytes", sizes[i]);
          cleanup_free char *fc = xasprintf ("hugetlb.%s.failcnt", sizes[i]);
          read_u64 (dir, mx, &max);
          read_u64 (dir, fc, &failcnt);
        }
      oci_jw_key (w, sizes[i]);
      oci_jw_begin_object (w);
      put_nz (w, "usage", usage);
      put_nz (w, "max", max);
      put (w, "failcnt", failcnt);
      oci_jw_end_object (w);
    }
  strv_free (sizes);
  oci_jw_end_object (w);
}

void
berth_cgroupfs_stats_write (const berth_cgroup *cg, oci_jw *w)
{
  oci_jw_begin_object (w);
  write_cpu (cg, w);
  write_memory (cg, w);
  write_pids (cg, w);
  write_blkio (cg, w);
  write_hugetlb (cg, w);
  oci_jw_end_object (w);
}

/* ------------------------------------------------------------ OOM */

struct berth_oom_watch
{
  int fd;        /* v1: the eventfd; v2: inotify on memory.events */
  char *dir;
  bool v2;
  uint64_t kills; /* v2: the last oom_kill count seen */
};

static uint64_t
v2_oom_kills (const char *dir)
{
  cleanup_free char *events = read_text (dir, "memory.events");
  uint64_t v = 0;
  if (events)
    keyed_get (events, "oom_kill", &v);
  return v;
}

berth_oom_watch *
berth_oom_watch_open (const berth_cgroup *cg, berth_error **err)
{
  bool v2 = false;
  const char *dir = berth_cgroup_dir_for (cg, "memory", &v2);
  if (dir == NULL)
    {
      berth_fail (err, ENOTSUP, "the container has no memory cgroup");
      return NULL;
    }
  cleanup_close int fd = -1;
  if (v2)
    {
      /* memory.events changes (and inotify says so) on every OOM kill. */
      fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
      cleanup_free char *path = xasprintf ("%s/memory.events", dir);
      if (fd < 0 || inotify_add_watch (fd, path, IN_MODIFY | IN_DELETE_SELF) < 0)
        {
          berth_fail_errno (err, "watch %s", path);
          return NULL;
        }
    }
  else
    {
      /* v1: an eventfd registered with memory.oom_control through cgroup.event_control. */
      fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
      cleanup_free char *path = xasprintf ("%s/memory.oom_control", dir);
      cleanup_close int ctl = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ctl < 0)
        {
          berth_fail_errno (err, "open %s", path);
          return NULL;
        }
      char line[64];
      snprintf (line, sizeof line, "%d %d", fd, ctl);
      if (berth_cgroup_write (dir, "cgroup.event_control", line, err) < 0)
        return NULL;
    }
  berth_oom_watch *ow = xcalloc (1, sizeof *ow);
  ow->fd = steal_fd (&fd);
  ow->dir = xstrdup (dir);
  ow->v2 = v2;
  if (v2)
    ow->kills = v2_oom_kills (dir);
  return ow;
}

int
berth_oom_watch_fd (const berth_oom_watch *ow)
{
  return ow->fd;
}

uint64_t
berth_oom_watch_read (berth_oom_watch *ow, bool *gone)
{
  cleanup_free char *probe = xasprintf ("%s/%s", ow->dir, ow->v2 ? "memory.events" : "cgroup.event_control");
  if (ow->v2)
    {
      char buf[4096];
      while (read (ow->fd, buf, sizeof buf) > 0)
        ;
      *gone = access (probe, F_OK) < 0;
      uint64_t now = *gone ? ow->kills : v2_oom_kills (ow->dir);
      uint64_t fresh = now > ow->kills ? now - ow->kills : 0;
      ow->kills = now;
      return fresh;
    }
  /* The kernel also signals the eventfd when the cgroup goes away. */
  uint64_t count = 0;
  if (read (ow->fd, &count, sizeof count) != sizeof count)
    count = 0;
  *gone = access (probe, F_OK) < 0;
  return *gone ? 0 : count;
}

void
berth_oom_watch_close (berth_oom_watch *ow)
{
  if (ow == NULL)
    return;
  close (ow->fd);
  free (ow->dir);
  free (ow);
}
