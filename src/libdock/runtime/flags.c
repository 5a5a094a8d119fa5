/* The table of `dock run` / `dock create` flags and the conversion of their
   values, with docker's messages (pflag's "invalid argument ... for ...
   flag: ..." wrapping the value parser's own text). */
#include "config.h"

#include "flags.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"
#include "schema.h"

#define OFF(m) ((uint16_t) offsetof (dock_run_opts, m))
/* Row helpers: B boolean, S string, L repeatable list, M map, N number of some kind. */
#define B(n, s, m, h) { n, s, NULL, h, false, NULL, DOCK_FLAG_BOOL, OFF (m), false }
#define BD(n, s, m, h, d, ro) { n, s, NULL, h, false, d, DOCK_FLAG_BOOL, OFF (m), ro }
#define S(n, s, m, h) { n, s, "string", h, false, NULL, DOCK_FLAG_STRING, OFF (m), false }
#define SD(n, s, m, h, d) { n, s, "string", h, false, d, DOCK_FLAG_STRING, OFF (m), false }
#define L(n, s, m, h) { n, s, "list", h, true, NULL, DOCK_FLAG_LIST, OFF (m), false }
#define LT(n, s, t, m, h) { n, s, t, h, true, NULL, DOCK_FLAG_LIST, OFF (m), false }
#define M(n, m, h) { n, 0, "map", h, true, NULL, DOCK_FLAG_MAP, OFF (m), false }
#define N(n, s, t, k, m, h, d) { n, s, t, h, false, d, k, OFF (m), false }

/* Sorted by name, as docker's help lists them. */
const dock_flag dock_run_flags[] = {
  L ("add-host", 0, add_host, "Add a custom host-to-IP mapping (host:ip)"),
  M ("annotation", annotation, "Add an annotation to the container (passed through to the OCI runtime)"),
  L ("attach", 'a', attach, "Attach to STDIN, STDOUT or STDERR"),
  N ("blkio-weight", 0, "uint16", DOCK_FLAG_UINT16, blkio_weight,
     "Block IO (relative weight), between 10 and 1000, or 0 to disable", NULL),
  L ("blkio-weight-device", 0, blkio_weight_device, "Block IO weight (relative device weight)"),
  L ("cap-add", 0, cap_add, "Add Linux capabilities"),
  L ("cap-drop", 0, cap_drop, "Drop Linux capabilities"),
  S ("cgroup-parent", 0, cgroup_parent, "Optional parent cgroup for the container"),
  S ("cgroupns", 0, cgroupns,
     "Cgroup namespace to use (host|private); default: private on cgroup v2, host on v1"),
  S ("cidfile", 0, cidfile, "Write the container ID to the file"),
  N ("cpu-period", 0, "int", DOCK_FLAG_INT, cpu_period, "Limit CPU CFS (Completely Fair Scheduler) period", NULL),
  N ("cpu-quota", 0, "int", DOCK_FLAG_INT, cpu_quota, "Limit CPU CFS (Completely Fair Scheduler) quota", NULL),
  N ("cpu-rt-period", 0, "int", DOCK_FLAG_INT, cpu_rt_period, "Limit CPU real-time period in microseconds", NULL),
  N ("cpu-rt-runtime", 0, "int", DOCK_FLAG_INT, cpu_rt_runtime, "Limit CPU real-time runtime in microseconds",
     NULL),
  N ("cpu-shares", 'c', "int", DOCK_FLAG_INT, cpu_shares, "CPU shares (relative weight)", NULL),
  N ("cpus", 0, "decimal", DOCK_FLAG_DECIMAL, cpus, "Number of CPUs", NULL),
  S ("cpuset-cpus", 0, cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)"),
  S ("cpuset-mems", 0, cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)"),
  BD ("detach", 'd', detach, "Run container in background and print container ID", NULL, true),
  { "detach-keys", 0, "string", "Override the key sequence for detaching a container", false, NULL,
    DOCK_FLAG_STRING, OFF (detach_keys), true },
  L ("device", 0, device, "Add a host device to the container"),
  L ("device-cgroup-rule", 0, device_cgroup_rule, "Add a rule to the cgroup allowed devices list"),
  L ("device-read-bps", 0, device_read_bps, "Limit read rate (bytes per second) from a device"),
  L ("device-read-iops", 0, device_read_iops, "Limit read rate (IO per second) from a device"),
  L ("device-write-bps", 0, device_write_bps, "Limit write rate (bytes per second) to a device"),
  L ("device-write-iops", 0, device_write_iops, "Limit write rate (IO per second) to a device"),
  BD ("disable-content-trust", 0, disable_content_trust, "Skip image verification (dock never verifies)", "true",
      false),
  L ("dns", 0, dns, "Set custom DNS servers"),
  L ("dns-option", 0, dns_option, "Set DNS options"),
  L ("dns-search", 0, dns_search, "Set custom DNS search domains"),
  S ("domainname", 0, domainname, "Container NIS domain name"),
  S ("entrypoint", 0, entrypoint, "Overwrite the default ENTRYPOINT of the image"),
  L ("env", 'e', env, "Set environment variables"),
  L ("env-file", 0, env_file, "Read in a file of environment variables"),
  L ("expose", 0, expose, "Expose a port or a range of ports"),
  { "gpus", 0, "gpu-request", "GPU devices to add to the container ('all' to pass all GPUs)", false, NULL,
    DOCK_FLAG_STRING, OFF (gpus), false },
  L ("group-add", 0, group_add, "Add additional groups to join"),
  S ("health-cmd", 0, health_cmd, "Command to run to check health"),
  N ("health-interval", 0, "duration", DOCK_FLAG_DURATION, health_interval,
     "Time between running the check (ms|s|m|h) (default 0s)", NULL),
  N ("health-retries", 0, "int", DOCK_FLAG_INT, health_retries, "Consecutive failures needed to report unhealthy",
     NULL),
  N ("health-start-interval", 0, "duration", DOCK_FLAG_DURATION, health_start_interval,
     "Time between running the check during the start period (ms|s|m|h) (default 0s)", NULL),
  N ("health-start-period", 0, "duration", DOCK_FLAG_DURATION, health_start_period,
     "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) "
     "(default 0s)",
     NULL),
  N ("health-timeout", 0, "duration", DOCK_FLAG_DURATION, health_timeout,
     "Maximum time to allow one check to run (ms|s|m|h) (default 0s)", NULL),
  S ("hostname", 'h', hostname, "Container host name"),
  B ("init", 0, init, "Run an init inside the container that forwards signals and reaps processes"),
  B ("interactive", 'i', interactive, "Keep STDIN open even if not attached"),
  S ("ip", 0, ip, "IPv4 address (e.g., 172.30.100.104)"),
  S ("ip6", 0, ip6, "IPv6 address (e.g., 2001:db8::33)"),
  S ("ipc", 0, ipc, "IPC mode to use"),
  S ("isolation", 0, isolation, "Container isolation technology"),
  N ("kernel-memory", 0, "bytes", DOCK_FLAG_BYTES, kernel_memory, "Kernel memory limit (ignored, as by docker)",
     NULL),
  L ("label", 'l', label, "Set meta data on a container"),
  L ("label-file", 0, label_file, "Read in a line delimited file of labels"),
  L ("link", 0, link, "Add link to another container"),
  L ("link-local-ip", 0, link_local_ip, "Container IPv4/IPv6 link-local addresses"),
  S ("log-driver", 0, log_driver, "Logging driver for the container"),
  L ("log-opt", 0, log_opt, "Log driver options"),
  S ("mac-address", 0, mac_address, "Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
  N ("memory", 'm', "bytes", DOCK_FLAG_BYTES, memory, "Memory limit", NULL),
  N ("memory-reservation", 0, "bytes", DOCK_FLAG_BYTES, memory_reservation, "Memory soft limit", NULL),
  N ("memory-swap", 0, "bytes", DOCK_FLAG_MEMSWAP, memory_swap,
     "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", NULL),
  N ("memory-swappiness", 0, "int", DOCK_FLAG_INT, memory_swappiness, "Tune container memory swappiness (0 to 100)",
     "-1"),
  LT ("mount", 0, "mount", mount, "Attach a filesystem mount to the container"),
  S ("name", 0, name, "Assign a name to the container"),
  { "network", 0, "network", "Connect a container to a network", false, NULL, DOCK_FLAG_STRING, OFF (network),
    false },
  L ("network-alias", 0, network_alias, "Add network-scoped alias for the container"),
  B ("no-healthcheck", 0, no_healthcheck, "Disable any container-specified HEALTHCHECK"),
  B ("oom-kill-disable", 0, oom_kill_disable, "Disable OOM Killer"),
  N ("oom-score-adj", 0, "int", DOCK_FLAG_INT, oom_score_adj, "Tune host's OOM preferences (-1000 to 1000)", NULL),
  S ("pid", 0, pid, "PID namespace to use"),
  N ("pids-limit", 0, "int", DOCK_FLAG_INT, pids_limit, "Tune container pids limit (set -1 for unlimited)", NULL),
  S ("platform", 0, platform, "Set platform if server is multi-platform capable"),
  B ("privileged", 0, privileged, "Give extended privileges to this container"),
  L ("publish", 'p', publish, "Publish a container's port(s) to the host"),
  B ("publish-all", 'P', publish_all, "Publish all exposed ports to random ports"),
  SD ("pull", 0, pull, "Pull image before running (\"always\", \"missing\", \"never\")", "missing"),
  B ("quiet", 'q', quiet, "Suppress the pull output"),
  B ("read-only", 0, read_only, "Mount the container's root filesystem as read only"),
  SD ("restart", 0, restart, "Restart policy to apply when a container exits", "no"),
  B ("rm", 0, rm, "Automatically remove the container and its associated anonymous volumes when it exits"),
  S ("runtime", 0, runtime, "Runtime to use for this container"),
  L ("security-opt", 0, security_opt, "Security Options"),
  N ("shm-size", 0, "bytes", DOCK_FLAG_BYTES, shm_size, "Size of /dev/shm", NULL),
  BD ("sig-proxy", 0, sig_proxy, "Proxy received signals to the process", "true", true),
  S ("stop-signal", 0, stop_signal, "Signal to stop the container"),
  N ("stop-timeout", 0, "int", DOCK_FLAG_INT, stop_timeout, "Timeout (in seconds) to stop a container", NULL),
  L ("storage-opt", 0, storage_opt, "Storage driver options for the container"),
  M ("sysctl", sysctl, "Sysctl options"),
  L ("tmpfs", 0, tmpfs, "Mount a tmpfs directory"),
  B ("tty", 't', tty, "Allocate a pseudo-TTY"),
  { "ulimit", 0, "ulimit", "Ulimit options", true, NULL, DOCK_FLAG_ULIMIT, OFF (ulimit), false },
  B ("use-api-socket", 0, use_api_socket, "Bind mount Docker API socket (dock has none: refused)"),
  S ("user", 'u', user, "Username or UID (format: <name|uid>[:<group|gid>])"),
  S ("userns", 0, userns, "User namespace to use"),
  S ("uts", 0, uts, "UTS namespace to use"),
  L ("volume", 'v', volume, "Bind mount a volume"),
  S ("volume-driver", 0, volume_driver, "Optional volume driver for the container"),
  L ("volumes-from", 0, volumes_from, "Mount volumes from the specified container(s)"),
  S ("workdir", 'w', workdir, "Working directory inside the container"),
  { NULL, 0, NULL, NULL, false, NULL, DOCK_FLAG_NONE, 0, false },
};

const size_t dock_run_flags_count = sizeof dock_run_flags / sizeof dock_run_flags[0] - 1;

void
dock_run_opts_init (dock_run_opts *o)
{
  *o = (dock_run_opts){ 0 };
  o->sig_proxy = true;
  o->disable_content_trust = true;
  o->pull = xstrdup ("missing");
  o->restart = xstrdup ("no");
  o->memory_swappiness = (dock_num){ -1, false };
}

void
dock_run_opts_clear (dock_run_opts *o)
{
  for (const dock_flag *f = dock_run_flags; f->name; f++)
    {
      void *p = (char *) o + f->offset;
      switch (f->kind)
        {
        case DOCK_FLAG_STRING:
          free (*(char **) p);
          break;
        case DOCK_FLAG_LIST:
        case DOCK_FLAG_MAP:
          strv_free (((dock_strv *) p)->v);
          break;
        case DOCK_FLAG_ULIMIT:
          {
            dock_ulimits *u = p;
            for (size_t i = 0; i < u->n; i++)
              free (u->v[i].name);
            free (u->v);
          }
          break;
        default:
          break;
        }
    }
  *o = (dock_run_opts){ 0 };
}

/* ---------------------------------------------------------- value parsers */

/* go-units RAMInBytes: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$, binary
   multiples; a fraction is truncated after multiplying. */
int
dock_parse_bytes (const char *s, int64_t *out)
{
  const char *p = s;
  if (!isdigit ((unsigned char) *p))
    return -1;
  while (isdigit ((unsigned char) *p))
    p++;
  while (*p == '.' && isdigit ((unsigned char) p[1]))
    {
      p++;
      while (isdigit ((unsigned char) *p))
        p++;
    }
  cleanup_free char *num = xstrndup (s, (size_t) (p - s));
  if (*p == ' ')
    p++;
  static const char units[] = "kmgtp";
  double mult = 1;
  const char *u = *p ? strchr (units, tolower ((unsigned char) *p)) : NULL;
  if (u)
    {
      for (const char *q = units; q <= u; q++)
        mult *= 1024;
      p++;
    }
  if (*p == 'i' || *p == 'I')
    p++;
  if (*p == 'b' || *p == 'B')
    p++;
  if (*p)
    return -1;
  errno = 0;
  double v = strtod (num, NULL) * mult;
  if (errno || v >= 9223372036854775807.0)
    return -1;
  *out = (int64_t) v;
  return 0;
}

/* Go's time.ParseDuration. */
int
dock_parse_duration (const char *s, int64_t *out, const char **why)
{
  static const struct
  {
    const char *unit;
    double ns;
  } units[] = { { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
                { "s", 1e9 }, { "m", 60e9 },  { "h", 3600e9 } };
  const char *p = s;
  bool neg = false;
  *why = "invalid duration";
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (strcmp (p, "0") == 0)
    {
      *out = 0;
      return 0;
    }
  if (*p == '\0')
    return -1;
  double total = 0;
  while (*p)
    {
      const char *start = p;
      while (isdigit ((unsigned char) *p) || *p == '.')
        p++;
      if (p == start || (p - start == 1 && *start == '.'))
        return -1;
      double v = strtod (start, NULL);
      const char *ustart = p;
      while (*p && !isdigit ((unsigned char) *p) && *p != '.')
        p++;
      if (p == ustart)
        {
          *why = "missing unit in duration";
          return -1;
        }
      size_t ulen = (size_t) (p - ustart);
      size_t i;
      for (i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen (units[i].unit) == ulen && memcmp (units[i].unit, ustart, ulen) == 0)
          break;
      if (i == sizeof units / sizeof units[0])
        {
          *why = "unknown unit in duration";
          return -1;
        }
      total += v * units[i].ns;
    }
  if (total > 9.2e18)
    return -1;
  *out = (int64_t) (neg ? -total : total);
  return 0;
}

/* --cpus: a decimal with at most 9 fractional digits, in billionths. */
int
dock_parse_nanocpus (const char *s, int64_t *out)
{
  const char *p = s;
  int64_t whole = 0, frac = 0;
  int digits = 0;
  if (!isdigit ((unsigned char) *p) && *p != '.')
    return -1;
  for (; isdigit ((unsigned char) *p); p++)
    {
      if (whole > INT64_MAX / 10 / 1000000000)
        return -1;
      whole = whole * 10 + (*p - '0');
    }
  if (*p == '.')
    for (p++; isdigit ((unsigned char) *p); p++, digits++)
      {
        if (digits < 9)
          frac = frac * 10 + (*p - '0');
        else if (*p != '0')
          return -1; /* docker: "value is too precise" */
      }
  if (*p)
    return -1;
  for (int i = digits < 9 ? digits : 9; i < 9; i++)
    frac *= 10;
  *out = whole * 1000000000 + frac;
  return 0;
}

/* name=soft[:hard]; docker's messages (go-units ParseUlimit). */
int
dock_parse_ulimit (const char *s, dock_ulimit *out, berth_error **err)
{
  static const char *const names[] = { "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                                       "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack", NULL };
  const char *eq = strchr (s, '=');
  if (eq == NULL)
    return berth_fail (err, 0, "invalid ulimit argument: %s", s);
  cleanup_free char *name = xstrndup (s, (size_t) (eq - s));
  bool known = false;
  for (size_t i = 0; names[i]; i++)
    known = known || strcmp (names[i], name) == 0;
  if (!known)
    return berth_fail (err, 0, "invalid ulimit type: %s", name);
  const char *val = eq + 1;
  const char *colon = strchr (val, ':');
  char *end;
  errno = 0;
  long long soft = strtoll (val, &end, 10);
  if (errno || end == val || (colon ? end != colon : *end != '\0'))
    return berth_fail (err, 0, "strconv.ParseInt: parsing \"%.*s\": invalid syntax",
                       colon ? (int) (colon - val) : (int) strlen (val), val);
  long long hard = soft;
  if (colon)
    {
      errno = 0;
      hard = strtoll (colon + 1, &end, 10);
      if (errno || end == colon + 1 || *end || strchr (colon + 1, ':'))
        {
          if (strchr (colon + 1, ':'))
            return berth_fail (err, 0, "too many limit value arguments - %s, can only have up to two, `soft[:hard]`",
                               val);
          return berth_fail (err, 0, "strconv.ParseInt: parsing \"%s\": invalid syntax", colon + 1);
        }
      if (soft > hard)
        return berth_fail (err, 0, "ulimit soft limit must be less than or equal to hard limit: %lld > %lld", soft,
                           hard);
    }
  out->name = xstrdup (name);
  out->soft = soft;
  out->hard = hard;
  return 0;
}

/* ------------------------------------------------------------ conversion */

/* pflag names a flag "-m, --memory" when it has a short name. */
static int
bad_value (berth_error **err, const dock_flag *f, const char *value, const char *why)
{
  if (f->short_name)
    return berth_fail (err, 0, "invalid argument \"%s\" for \"-%c, --%s\" flag: %s", value, f->short_name, f->name,
                       why);
  return berth_fail (err, 0, "invalid argument \"%s\" for \"--%s\" flag: %s", value, f->name, why);
}

static int
parse_int (const dock_flag *f, const char *value, int64_t *out, berth_error **err)
{
  char *end;
  errno = 0;
  bool unsig = f->kind == DOCK_FLAG_UINT16;
  long long v = strtoll (value, &end, 0);
  if (end == value || *end || (unsig && value[0] == '-'))
    {
      cleanup_free char *why = xasprintf ("strconv.Parse%s: parsing \"%s\": invalid syntax", unsig ? "Uint" : "Int",
                                          value);
      return bad_value (err, f, value, why);
    }
  if (errno == ERANGE || (unsig && v > UINT16_MAX))
    {
      cleanup_free char *why = xasprintf ("strconv.Parse%s: parsing \"%s\": value out of range",
                                          unsig ? "Uint" : "Int", value);
      return bad_value (err, f, value, why);
    }
  *out = v;
  return 0;
}

int
dock_run_opts_set (dock_run_opts *o, const dock_flag *f, const char *value, berth_error **err)
{
  void *p = (char *) o + f->offset;
  switch (f->kind)
    {
    case DOCK_FLAG_BOOL:
      if (value == NULL || strcmp (value, "true") == 0 || strcmp (value, "1") == 0 || strcmp (value, "t") == 0
          || strcmp (value, "T") == 0 || strcmp (value, "TRUE") == 0 || strcmp (value, "True") == 0)
        *(bool *) p = true;
      else if (strcmp (value, "false") == 0 || strcmp (value, "0") == 0 || strcmp (value, "f") == 0
               || strcmp (value, "F") == 0 || strcmp (value, "FALSE") == 0 || strcmp (value, "False") == 0)
        *(bool *) p = false;
      else
        {
          cleanup_free char *why = xasprintf ("strconv.ParseBool: parsing \"%s\": invalid syntax", value);
          return bad_value (err, f, value, why);
        }
      return 0;
    case DOCK_FLAG_STRING:
      free (*(char **) p);
      *(char **) p = xstrdup (value);
      if (f->offset == OFF (entrypoint))
        o->entrypoint_set = true;
      return 0;
    case DOCK_FLAG_MAP:
      if (strchr (value, '=') == NULL && f->offset == OFF (sysctl))
        {
          cleanup_free char *why = xasprintf ("%s is not a valid key=value pair", value);
          return bad_value (err, f, value, why);
        }
      /* fall through */
    case DOCK_FLAG_LIST:
      {
        dock_strv *l = p;
        oci_strv_append (&l->v, &l->n, value);
        return 0;
      }
    case DOCK_FLAG_INT:
    case DOCK_FLAG_UINT16:
      {
        dock_num *n = p;
        if (parse_int (f, value, &n->v, err) < 0)
          return -1;
        n->set = true;
        return 0;
      }
    case DOCK_FLAG_BYTES:
    case DOCK_FLAG_MEMSWAP:
      {
        dock_num *n = p;
        if (f->kind == DOCK_FLAG_MEMSWAP && strcmp (value, "-1") == 0)
          n->v = -1;
        else if (dock_parse_bytes (value, &n->v) < 0)
          {
            cleanup_free char *why = xasprintf ("invalid size: '%s'", value);
            return bad_value (err, f, value, why);
          }
        n->set = true;
        return 0;
      }
    case DOCK_FLAG_DURATION:
      {
        dock_num *n = p;
        const char *why;
        if (dock_parse_duration (value, &n->v, &why) < 0)
          {
            cleanup_free char *text = xasprintf ("time: %s \"%s\"", why, value);
            return bad_value (err, f, value, text);
          }
        n->set = true;
        return 0;
      }
    case DOCK_FLAG_DECIMAL:
      {
        dock_num *n = p;
        if (dock_parse_nanocpus (value, &n->v) < 0)
          {
            cleanup_free char *why = xasprintf ("failed to parse %s as a rational number", value);
            return bad_value (err, f, value, why);
          }
        n->set = true;
        return 0;
      }
    case DOCK_FLAG_ULIMIT:
      {
        dock_ulimits *u = p;
        dock_ulimit one;
        cleanup_error berth_error *why = NULL;
        if (dock_parse_ulimit (value, &one, &why) < 0)
          return bad_value (err, f, value, why->msg);
        /* A later --ulimit of the same name replaces the earlier (docker's map). */
        for (size_t i = 0; i < u->n; i++)
          if (strcmp (u->v[i].name, one.name) == 0)
            {
              free (u->v[i].name);
              u->v[i] = one;
              return 0;
            }
        u->v = xrealloc (u->v, (u->n + 1) * sizeof *u->v);
        u->v[u->n++] = one;
        return 0;
      }
    default:
      return berth_fail (err, 0, "--%s: flag without a typed member", f->name);
    }
}

/* ---------------------------------------------------------- command line */

static const dock_flag *
find_long (const char *name, size_t len)
{
  for (const dock_flag *f = dock_run_flags; f->name; f++)
    if (strlen (f->name) == len && memcmp (f->name, name, len) == 0)
      return f;
  return NULL;
}

static const dock_flag *
find_short (char c)
{
  for (const dock_flag *f = dock_run_flags; f->name; f++)
    if (f->short_name == c)
      return f;
  return NULL;
}

/* pflag's rules, with interspersed arguments off as docker run sets them:
   --name=v, --name v, -abc (booleans), -m512m, -m 512m, -m=512m,
   --bool=false; "--" ends the flags. */
int
dock_run_parse_args (dock_run_opts *o, int argc, char **argv, bool for_create, int *image_index, berth_error **err)
{
  int i = 0;
  for (; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--") == 0)
        {
          i++;
          break;
        }
      if (a[0] != '-' || a[1] == '\0')
        break;
      if (a[1] == '-')
        {
          const char *name = a + 2, *eq = strchr (name, '=');
          size_t len = eq ? (size_t) (eq - name) : strlen (name);
          if (len == 4 && memcmp (name, "help", 4) == 0)
            return 1;
          const dock_flag *f = find_long (name, len);
          if (f == NULL || (for_create && f->run_only))
            return berth_fail (err, 0, "unknown flag: --%.*s", (int) len, name);
          const char *value = eq ? eq + 1 : NULL;
          if (f->arg && value == NULL)
            {
              if (i + 1 >= argc)
                return berth_fail (err, 0, "flag needs an argument: --%s", f->name);
              value = argv[++i];
            }
          if (dock_run_opts_set (o, f, value, err) < 0)
            return -1;
          continue;
        }
      for (const char *c = a + 1; *c; c++)
        {
          const dock_flag *f = find_short (*c);
          if (f == NULL || (for_create && f->run_only))
            return berth_fail (err, 0, "unknown shorthand flag: '%c' in %s", *c, a);
          if (f->arg == NULL)
            {
              const char *value = NULL;
              if (c[1] == '=')
                value = c + 2;
              if (dock_run_opts_set (o, f, value, err) < 0)
                return -1;
              if (value)
                break;
              continue;
            }
          const char *value = c[1] == '=' ? c + 2 : c[1] ? c + 1 : NULL;
          if (value == NULL)
            {
              if (i + 1 >= argc)
                return berth_fail (err, 0, "flag needs an argument: '%c' in -%c", *c, *c);
              value = argv[++i];
            }
          if (dock_run_opts_set (o, f, value, err) < 0)
            return -1;
          break;
        }
    }
  if (i >= argc)
    return berth_fail (err, 0, "\"%s\" requires at least 1 argument.", for_create ? "create" : "run");
  *image_index = i;
  return 0;
}
