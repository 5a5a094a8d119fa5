/* Image config + dock_run_opts -> oci_spec, with docker's defaults
   (moby's oci/defaults.go and daemon/oci_linux.go, as documented and as
   observed in containers docker makes). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec.h"
#include "libberth/util.h"

static void
set_i64 (int64_t *v, bool *present, int64_t x)
{
  *v = x;
  *present = true;
}

/* ------------------------------------------------------------ environment */

static void
env_set (char ***env, size_t *n, const char *kv, bool unset_bare)
{
  const char *eq = strchr (kv, '=');
  size_t klen = eq ? (size_t) (eq - kv) : strlen (kv);
  for (size_t i = 0; i < *n; i++)
    if (strncmp ((*env)[i], kv, klen) == 0 && ((*env)[i][klen] == '=' || (*env)[i][klen] == '\0'))
      {
        free ((*env)[i]);
        if (eq || !unset_bare)
          (*env)[i] = xstrdup (kv);
        else
          {
            memmove (&(*env)[i], &(*env)[i + 1], (*n - i) * sizeof **env);
            (*n)--;
          }
        return;
      }
  if (eq || !unset_bare)
    oci_strv_append (env, n, kv);
}

/* Lines of an --env-file / --label-file: "#" comments and blank lines
   skipped; "NAME" alone takes the caller's value (env) or is kept. */
static int
read_kv_file (const char *path, bool env, char ***out, size_t *n, berth_error **err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, path, &text, &len, err) < 0)
    return -1;
  for (char *save = NULL, *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      while (*line == ' ' || *line == '\t')
        line++;
      size_t l = strlen (line);
      if (l && line[l - 1] == '\r')
        line[--l] = '\0';
      if (l == 0 || line[0] == '#')
        continue;
      if (env && strchr (line, '=') == NULL)
        {
          const char *v = getenv (line);
          if (v)
            {
              cleanup_free char *kv = xasprintf ("%s=%s", line, v);
              oci_strv_append (out, n, kv);
            }
          continue;
        }
      if (env && line[0] == '=')
        return berth_fail (err, 0, "invalid environment variable: %s", line);
      oci_strv_append (out, n, line);
    }
  return 0;
}

int
dock_spec_env (const oci_image_config *image, const dock_run_opts *o, const char *hostname, char ***env, size_t *n,
               berth_error **err)
{
  cleanup_strv char **user = NULL;
  size_t nuser = 0;
  for (size_t i = 0; i < o->env_file.n; i++)
    if (read_kv_file (o->env_file.v[i], true, &user, &nuser, err) < 0)
      return -1;
  for (size_t i = 0; i < o->env.n; i++)
    {
      const char *kv = o->env.v[i];
      if (kv[0] == '=' || kv[0] == '\0')
        return berth_fail (err, 0, "invalid argument \"%s\" for \"-e, --env\" flag: invalid environment variable: %s",
                           kv, kv);
      if (strchr (kv, '=') == NULL && getenv (kv))
        {
          cleanup_free char *full = xasprintf ("%s=%s", kv, getenv (kv));
          oci_strv_append (&user, &nuser, full);
        }
      else
        oci_strv_append (&user, &nuser, kv);
    }
  char **out = NULL;
  size_t nout = 0;
  oci_strv_append (&out, &nout, DOCK_DEFAULT_PATH_ENV);
  cleanup_free char *h = xasprintf ("HOSTNAME=%s", hostname);
  oci_strv_append (&out, &nout, h);
  if (o->tty)
    oci_strv_append (&out, &nout, "TERM=xterm");
  const oci_image_exec_config *c = image ? image->config : NULL;
  for (size_t i = 0; c && i < c->env_len; i++)
    env_set (&out, &nout, c->env[i], false);
  for (size_t i = 0; i < nuser; i++)
    env_set (&out, &nout, user[i], true);
  if (out == NULL)
    out = xcalloc (1, sizeof *out);
  *env = out;
  *n = nout;
  return 0;
}

/* ------------------------------------------------------ entrypoint and cmd */

int
dock_spec_args (const oci_image_config *image, const dock_run_opts *o, int argc, char **argv, char ***args,
                size_t *n, berth_error **err)
{
  const oci_image_exec_config *c = image ? image->config : NULL;
  char **out = NULL;
  size_t nout = 0;
  /* --entrypoint replaces the image's ENTRYPOINT and drops its CMD;
     --entrypoint "" leaves only the arguments after the image. */
  if (o->entrypoint_set)
    {
      if (o->entrypoint && *o->entrypoint)
        oci_strv_append (&out, &nout, o->entrypoint);
    }
  else
    for (size_t i = 0; c && i < c->entrypoint_len; i++)
      oci_strv_append (&out, &nout, c->entrypoint[i]);
  if (argc > 0)
    for (int i = 0; i < argc; i++)
      oci_strv_append (&out, &nout, argv[i]);
  else if (!o->entrypoint_set)
    for (size_t i = 0; c && i < c->cmd_len; i++)
      oci_strv_append (&out, &nout, c->cmd[i]);
  if (nout == 0)
    {
      free (out);
      return berth_fail (err, 0, "no command specified");
    }
  *args = out;
  *n = nout;
  return 0;
}

/* ---------------------------------------------------------------- signals */

static const struct
{
  const char *name;
  int sig;
} signals[] = {
  { "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },     { "TRAP", SIGTRAP },
  { "ABRT", SIGABRT }, { "IOT", SIGIOT },     { "BUS", SIGBUS },   { "FPE", SIGFPE },     { "KILL", SIGKILL },
  { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },   { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
  { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
  { "POLL", SIGPOLL }, { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

static int
parse_signal (const char *s, int *sig, berth_error **err)
{
  char *end;
  long v = strtol (s, &end, 10);
  if (*s && *end == '\0')
    {
      if (v <= 0 || v > SIGRTMAX)
        return berth_fail (err, 0, "Invalid signal: %s", s);
      *sig = (int) v;
      return 0;
    }
  const char *name = strncasecmp (s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp (signals[i].name, name) == 0)
      {
        *sig = signals[i].sig;
        return 0;
      }
  if (strncasecmp (name, "RTMIN", 5) == 0 || strncasecmp (name, "RTMAX", 5) == 0)
    {
      long off = name[5] ? strtol (name + 5, &end, 10) : 0;
      if (name[5] == '\0' || *end == '\0')
        {
          *sig = (int) (strncasecmp (name, "RTMIN", 5) == 0 ? SIGRTMIN + off : SIGRTMAX + off);
          if (*sig >= SIGRTMIN && *sig <= SIGRTMAX)
            return 0;
        }
    }
  return berth_fail (err, 0, "Invalid signal: %s", s);
}

int
dock_stop_signal (const oci_image_config *image, const dock_run_opts *o, int *sig, berth_error **err)
{
  const char *s = o->stop_signal;
  if (s == NULL && image && image->config && image->config->stop_signal && *image->config->stop_signal)
    s = image->config->stop_signal;
  if (s == NULL)
    {
      *sig = SIGTERM;
      return 0;
    }
  return parse_signal (s, sig, err);
}

int
dock_spec_labels (const oci_image_config *image, const dock_run_opts *o, char ***keys, char ***values, size_t *n,
                  berth_error **err)
{
  struct
  {
    char **keys, **values;
    size_t len;
  } map = { 0 };
  const oci_image_exec_config *c = image ? image->config : NULL;
  for (size_t i = 0; c && i < c->labels.len; i++)
    oci_map_set (&map, c->labels.keys[i], c->labels.values[i]);
  cleanup_strv char **user = NULL;
  size_t nuser = 0;
  for (size_t i = 0; i < o->label_file.n; i++)
    if (read_kv_file (o->label_file.v[i], false, &user, &nuser, err) < 0)
      {
        strv_free (map.keys);
        strv_free (map.values);
        return -1;
      }
  for (size_t i = 0; i < o->label.n; i++)
    oci_strv_append (&user, &nuser, o->label.v[i]);
  for (size_t i = 0; i < nuser; i++)
    {
      char *eq = strchr (user[i], '=');
      if (eq)
        *eq = '\0';
      oci_map_set (&map, user[i], eq ? eq + 1 : "");
    }
  /* NULL-terminated for strv_free and the callers' loops. */
  map.keys = xrealloc (map.keys, (map.len + 1) * sizeof *map.keys);
  map.values = xrealloc (map.values, (map.len + 1) * sizeof *map.values);
  map.keys[map.len] = map.values[map.len] = NULL;
  *keys = map.keys;
  *values = map.values;
  *n = map.len;
  return 0;
}

/* ------------------------------------------------------------- healthcheck */

int
dock_run_healthcheck (const oci_image_config *image, const dock_run_opts *o, oci_image_healthcheck **out,
                      berth_error **err)
{
  const oci_image_healthcheck *img = image && image->config ? image->config->healthcheck : NULL;
  bool flags = o->health_cmd || o->health_interval.set || o->health_timeout.set || o->health_start_period.set
               || o->health_start_interval.set || o->health_retries.set;
  *out = NULL;
  if (o->no_healthcheck && flags)
    return berth_fail (err, 0, "--no-healthcheck conflicts with --health-* options");
  const struct
  {
    const dock_num *n;
    const char *flag;
  } durations[] = { { &o->health_interval, "interval" }, { &o->health_timeout, "timeout" },
                    { &o->health_start_period, "start-period" }, { &o->health_start_interval, "start-interval" },
                    { &o->health_retries, "retries" } };
  for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++)
    if (durations[i].n->set && durations[i].n->v < 0)
      return berth_fail (err, 0, "--health-%s cannot be negative", durations[i].flag);
  if (!o->no_healthcheck && !flags && img == NULL)
    return 0;
  oci_image_healthcheck *h = img ? oci_clone (&oci_image_healthcheck_desc, img) : oci_image_healthcheck_new ();
  if (o->no_healthcheck)
    {
      oci_image_healthcheck_free (h);
      h = oci_image_healthcheck_new ();
      oci_strv_append (&h->test, &h->test_len, "NONE");
      *out = h;
      return 0;
    }
  if (o->health_cmd && *o->health_cmd)
    {
      strv_free (h->test);
      h->test = NULL;
      h->test_len = 0;
      oci_strv_append (&h->test, &h->test_len, "CMD-SHELL");
      oci_strv_append (&h->test, &h->test_len, o->health_cmd);
    }
  /* docker: a zero value means "inherit", so only positive ones replace. */
  if (o->health_interval.v > 0)
    set_i64 (&h->interval, &h->interval_present, o->health_interval.v);
  if (o->health_timeout.v > 0)
    set_i64 (&h->timeout, &h->timeout_present, o->health_timeout.v);
  if (o->health_start_period.v > 0)
    set_i64 (&h->start_period, &h->start_period_present, o->health_start_period.v);
  if (o->health_start_interval.v > 0)
    set_i64 (&h->start_interval, &h->start_interval_present, o->health_start_interval.v);
  if (o->health_retries.v > 0)
    {
      h->retries = (int32_t) o->health_retries.v;
      h->retries_present = true;
    }
  *out = h;
  return 0;
}

/* ------------------------------------------------------------- the defaults */

static const char *const masked_paths[] = {
  "/proc/asound",        "/proc/acpi",  "/proc/interrupts", "/proc/kcore",       "/proc/keys",
  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
  "/sys/firmware",       "/sys/devices/virtual/powercap", NULL,
};
static const char *const readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* docker's cgroup device rules: deny all, then the nodes every container
   gets (null zero full random urandom tty console ptmx pts tun) and mknod
   of anything. */
static const struct
{
  const char *type;
  int64_t major, minor; /* -1: any */
  const char *access;
} default_device_rules[] = {
  { "c", -1, -1, "m" }, { "b", -1, -1, "m" }, { "c", 1, 3, "rwm" }, { "c", 1, 8, "rwm" }, { "c", 1, 7, "rwm" },
  { "c", 5, 0, "rwm" }, { "c", 1, 5, "rwm" }, { "c", 1, 9, "rwm" }, { "c", 136, -1, "rwm" }, { "c", 5, 2, "rwm" },
  { "c", 10, 200, "rwm" },
};

typedef struct
{
  const char *dest, *type, *source, *options;
} default_mount;

static const default_mount default_mounts[] = {
  { "/proc", "proc", "proc", "nosuid,noexec,nodev" },
  { "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k" },
  { "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5" },
  { "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro" },
  { "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro" },
  { "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev" },
  { "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777" },
};

static oci_mount *
push_mount (oci_spec *spec, const char *dest, const char *type, const char *source, const char *options)
{
  oci_mount *m = oci_mount_new ();
  m->destination = xstrdup (dest);
  m->type = xstrdup (type);
  m->source = xstrdup (source);
  cleanup_free char *copy = xstrdup (options);
  for (char *save = NULL, *p = strtok_r (copy, ",", &save); p; p = strtok_r (NULL, ",", &save))
    oci_strv_append (&m->options, &m->options_len, p);
  spec->mounts = xrealloc (spec->mounts, (spec->mounts_len + 1) * sizeof *spec->mounts);
  spec->mounts[spec->mounts_len++] = m;
  return m;
}

static void
add_namespace (oci_linux *lx, const char *type)
{
  oci_namespace *ns = oci_namespace_new ();
  ns->type = xstrdup (type);
  lx->namespaces = xrealloc (lx->namespaces, (lx->namespaces_len + 1) * sizeof *lx->namespaces);
  lx->namespaces[lx->namespaces_len++] = ns;
}

/* "", "private", "host", and for ipc "shareable" and "none". */
static int
namespace_mode (const char *flag, const char *mode, bool ipc, bool *own, berth_error **err)
{
  *own = true;
  if (mode == NULL || *mode == '\0' || strcmp (mode, "private") == 0 || (ipc && strcmp (mode, "shareable") == 0)
      || (ipc && strcmp (mode, "none") == 0))
    return 0;
  if (strcmp (mode, "host") == 0)
    {
      *own = false;
      return 0;
    }
  if (str_has_prefix (mode, "container:"))
    return berth_fail (err, 0, "--%s %s: joining another container's namespace is not supported yet", flag, mode);
  return berth_fail (err, 0, "invalid %s mode: %s", flag, mode);
}

static int
add_rlimits (oci_process *p, const dock_spec_ctx *ctx, const dock_run_opts *o)
{
  const dock_ulimit *lists[2] = { ctx->config ? ctx->config->default_ulimits : NULL, o->ulimit.v };
  size_t counts[2] = { ctx->config ? ctx->config->n_default_ulimits : 0, o->ulimit.n };
  for (int l = 0; l < 2; l++)
    for (size_t i = 0; i < counts[l]; i++)
      {
        cleanup_free char *type = xasprintf ("RLIMIT_%s", lists[l][i].name);
        for (char *c = type; *c; c++)
          if (*c >= 'a' && *c <= 'z')
            *c = (char) (*c - 'a' + 'A');
        oci_rlimit *r = NULL;
        for (size_t j = 0; j < p->rlimits_len && r == NULL; j++)
          if (strcmp (p->rlimits[j]->type, type) == 0)
            r = p->rlimits[j];
        if (r == NULL)
          {
            r = oci_rlimit_new ();
            r->type = xstrdup (type);
            p->rlimits = xrealloc (p->rlimits, (p->rlimits_len + 1) * sizeof *p->rlimits);
            p->rlimits[p->rlimits_len++] = r;
          }
        r->soft = (uint64_t) lists[l][i].soft;
        r->hard = (uint64_t) lists[l][i].hard;
        r->soft_present = r->hard_present = true;
      }
  return 0;
}

static int
add_resources (oci_linux *lx, const dock_run_opts *o, berth_error **err)
{
  oci_resources *r = lx->resources;
  if (o->memory.set && o->memory.v > 0 && o->memory.v < 6 * 1024 * 1024)
    return berth_fail (err, 0, "Minimum memory limit allowed is 6MB");
  if (o->memory.set || o->memory_swap.set || o->memory_reservation.set || o->oom_kill_disable
      || o->memory_swappiness.set)
    {
      oci_memory *m = r->memory = oci_memory_new ();
      if (o->memory.set && o->memory.v > 0)
        set_i64 (&m->limit, &m->limit_present, o->memory.v);
      if (o->memory_swap.set && o->memory_swap.v != 0)
        set_i64 (&m->swap, &m->swap_present, o->memory_swap.v);
      else if (o->memory.set && o->memory.v > 0)
        set_i64 (&m->swap, &m->swap_present, 2 * o->memory.v); /* docker: as much swap as memory */
      if (o->memory_reservation.set)
        set_i64 (&m->reservation, &m->reservation_present, o->memory_reservation.v);
      if (o->memory_swappiness.set && o->memory_swappiness.v >= 0)
        {
          m->swappiness = (uint64_t) o->memory_swappiness.v;
          m->swappiness_present = true;
        }
      if (o->oom_kill_disable)
        m->disable_oom_killer = m->disable_oom_killer_present = true;
    }
  if (o->cpus.set || o->cpu_shares.set || o->cpuset_cpus || o->cpuset_mems || o->cpu_period.set || o->cpu_quota.set
      || o->cpu_rt_period.set || o->cpu_rt_runtime.set)
    {
      oci_cpu *c = r->cpu = oci_cpu_new ();
      if (o->cpus.set && o->cpus.v > 0)
        {
          /* docker: NanoCPUs as a CFS quota over a 100 ms period. */
          c->period = 100000;
          c->period_present = true;
          set_i64 (&c->quota, &c->quota_present, o->cpus.v * 100000 / 1000000000);
        }
      if (o->cpu_period.set)
        {
          c->period = (uint64_t) o->cpu_period.v;
          c->period_present = true;
        }
      if (o->cpu_quota.set)
        set_i64 (&c->quota, &c->quota_present, o->cpu_quota.v);
      if (o->cpu_shares.set)
        {
          c->shares = (uint64_t) o->cpu_shares.v;
          c->shares_present = true;
        }
      if (o->cpu_rt_period.set)
        {
          c->realtime_period = (uint64_t) o->cpu_rt_period.v;
          c->realtime_period_present = true;
        }
      if (o->cpu_rt_runtime.set)
        set_i64 (&c->realtime_runtime, &c->realtime_runtime_present, o->cpu_rt_runtime.v);
      if (o->cpuset_cpus)
        c->cpus = xstrdup (o->cpuset_cpus);
      if (o->cpuset_mems)
        c->mems = xstrdup (o->cpuset_mems);
    }
  if (o->pids_limit.set && o->pids_limit.v > 0)
    {
      r->pids = oci_pids_new ();
      set_i64 (&r->pids->limit, &r->pids->limit_present, o->pids_limit.v);
    }
  if (o->blkio_weight.set && o->blkio_weight.v > 0)
    {
      r->block_io = oci_block_io_new ();
      r->block_io->weight = (uint16_t) o->blkio_weight.v;
      r->block_io->weight_present = true;
    }
  return 0;
}

static void
add_device_rule (oci_resources *r, bool allow, const char *type, int64_t major, int64_t minor, const char *access)
{
  oci_device_cgroup *d = oci_device_cgroup_new ();
  d->allow = allow;
  d->allow_present = true;
  d->type = xstrdup (type);
  if (major >= 0)
    set_i64 (&d->major, &d->major_present, major);
  if (minor >= 0)
    set_i64 (&d->minor, &d->minor_present, minor);
  d->access = xstrdup (access);
  r->devices = xrealloc (r->devices, (r->devices_len + 1) * sizeof *r->devices);
  r->devices[r->devices_len++] = d;
}

/* --security-opt: seccomp=unconfined|FILE, no-new-privileges[=bool],
   apparmor=, label= (accepted, without effect: no LSM profile here). */
static int
security_opts (const dock_run_opts *o, char **seccomp_file, bool *unconfined, bool *nnp, berth_error **err)
{
  for (size_t i = 0; i < o->security_opt.n; i++)
    {
      const char *s = o->security_opt.v[i];
      const char *eq = strchr (s, '=');
      if (eq == NULL)
        eq = strchr (s, ':'); /* docker's older "seccomp:unconfined" */
      if (strcmp (s, "no-new-privileges") == 0)
        {
          *nnp = true;
          continue;
        }
      if (eq == NULL)
        return berth_fail (err, 0, "invalid --security-opt 1: \"%s\"", s);
      size_t klen = (size_t) (eq - s);
      const char *v = eq + 1;
      if (klen == 7 && strncmp (s, "seccomp", 7) == 0)
        {
          free (*seccomp_file);
          *seccomp_file = NULL;
          *unconfined = strcmp (v, "unconfined") == 0;
          if (!*unconfined && strcmp (v, "builtin") != 0)
            *seccomp_file = xstrdup (v);
        }
      else if (klen == 17 && strncmp (s, "no-new-privileges", 17) == 0)
        {
          if (strcmp (v, "true") != 0 && strcmp (v, "false") != 0)
            return berth_fail (err, 0, "invalid --security-opt 2: \"%s\"", s);
          *nnp = strcmp (v, "true") == 0;
        }
      else if ((klen == 8 && strncmp (s, "apparmor", 8) == 0) || (klen == 5 && strncmp (s, "label", 5) == 0)
               || (klen == 11 && strncmp (s, "systempaths", 11) == 0))
        ;
      else
        return berth_fail (err, 0, "invalid --security-opt 2: \"%s\"", s);
    }
  return 0;
}

static int
add_seccomp (oci_linux *lx, const dock_run_opts *o, char *const *caps, berth_error **err)
{
  cleanup_free char *file = NULL;
  bool unconfined = false, nnp = false;
  if (security_opts (o, &file, &unconfined, &nnp, err) < 0)
    return -1;
  if (unconfined || (o->privileged && file == NULL))
    return 0;
  cleanup_free char *json = NULL;
  size_t len = 0;
  if (file && read_file_at (AT_FDCWD, file, &json, &len, err) < 0)
    return berth_error_wrap (err, "opening seccomp profile (%s) failed", file);
  return dock_seccomp_from_profile (json, len, caps, &lx->seccomp, err);
}

/* Docker's sysctls a container may set: those of the namespaces it owns. */
static int
add_sysctls (oci_linux *lx, const dock_run_opts *o, bool own_net, bool own_ipc, berth_error **err)
{
  static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb",  "kernel.msgmni",         "kernel.sem",
                                          "kernel.shmall", "kernel.shmmax",  "kernel.shmmni",
                                          "kernel.shm_rmid_forced", NULL };
  for (size_t i = 0; i < o->sysctl.n; i++)
    {
      cleanup_free char *k = xstrdup (o->sysctl.v[i]);
      char *v = strchr (k, '=');
      *v++ = '\0';
      bool ok = (own_net && str_has_prefix (k, "net.")) || (own_ipc && str_has_prefix (k, "fs.mqueue."));
      for (size_t j = 0; ipc_keys[j] && !ok; j++)
        ok = own_ipc && strcmp (ipc_keys[j], k) == 0;
      if (!ok)
        return berth_fail (err, 0, "sysctl '%s' is not allowed", k);
      oci_map_set (&lx->sysctl, k, v);
    }
  return 0;
}

static int
build (oci_spec *spec, const oci_image_config *image, const dock_run_opts *o, const dock_spec_ctx *ctx, int argc,
       char **argv, berth_error **err)
{
  const oci_image_exec_config *ic = image ? image->config : NULL;
  spec->oci_version = xstrdup ("1.2.0");
  spec->root = oci_root_new ();
  spec->root->path = xstrdup (ctx->rootfs);
  if (o->read_only)
    spec->root->readonly = spec->root->readonly_present = true;
  char shortid[13];
  snprintf (shortid, sizeof shortid, "%.12s", ctx->id);
  bool host_net = o->network && strcmp (o->network, "host") == 0;
  char hostbuf[256] = "";
  if (host_net && o->hostname == NULL)
    gethostname (hostbuf, sizeof hostbuf - 1);
  const char *hostname = o->hostname ? o->hostname : host_net ? hostbuf : shortid;
  spec->hostname = xstrdup (hostname);
  if (o->domainname)
    spec->domainname = xstrdup (o->domainname);

  oci_process *p = spec->process = oci_process_new ();
  p->terminal = o->tty;
  p->terminal_present = true;
  if (dock_spec_args (image, o, argc, argv, &p->args, &p->args_len, err) < 0)
    return -1;
  if (o->init)
    {
      /* docker's --init: tini as PID 1, bound read-only from the host. */
      const char *init = ctx->init_path ? ctx->init_path : DOCK_INIT_PATH;
      if (access (init, X_OK) < 0)
        return berth_fail_errno (err, "--init: %s", init);
      char **args = NULL;
      size_t n = 0;
      oci_strv_append (&args, &n, DOCK_INIT_DEST);
      oci_strv_append (&args, &n, "--");
      for (size_t i = 0; i < p->args_len; i++)
        oci_strv_append (&args, &n, p->args[i]);
      strv_free (p->args);
      p->args = args;
      p->args_len = n;
      push_mount (spec, DOCK_INIT_DEST, "bind", init, "bind,ro,rprivate");
    }
  if (dock_spec_env (image, o, hostname, &p->env, &p->env_len, err) < 0)
    return -1;
  const char *cwd = o->workdir && *o->workdir ? o->workdir : ic && ic->working_dir && *ic->working_dir
                                                                   ? ic->working_dir : "/";
  if (cwd[0] != '/')
    return berth_fail (err, 0, "the working directory '%s' is invalid, it needs to be an absolute path", cwd);
  p->cwd = xstrdup (cwd);

  dock_user u;
  const char *user = o->user ? o->user : ic ? ic->user : NULL;
  if (dock_user_resolve (ctx->rootfs_fd, user, o->group_add.v, &u, err) < 0)
    return -1;
  p->user = oci_user_new ();
  p->user->uid = u.uid;
  p->user->gid = u.gid;
  p->user->uid_present = p->user->gid_present = true;
  if (u.ngids)
    {
      p->user->additional_gids = u.gids;
      p->user->additional_gids_len = u.ngids;
      u.gids = NULL;
    }
  bool has_home = false;
  for (size_t i = 0; i < p->env_len; i++)
    has_home = has_home || str_has_prefix (p->env[i], "HOME=");
  if (!has_home)
    {
      cleanup_free char *home = xasprintf ("HOME=%s", u.home && *u.home ? u.home : "/");
      oci_strv_append (&p->env, &p->env_len, home);
    }
  dock_user_clear (&u);

  cleanup_strv char **caps = NULL;
  size_t ncaps;
  if (dock_caps_resolve (o, &caps, &ncaps, err) < 0)
    return -1;
  p->capabilities = oci_capabilities_new ();
  for (size_t i = 0; i < ncaps; i++)
    {
      oci_strv_append (&p->capabilities->bounding, &p->capabilities->bounding_len, caps[i]);
      oci_strv_append (&p->capabilities->effective, &p->capabilities->effective_len, caps[i]);
      oci_strv_append (&p->capabilities->permitted, &p->capabilities->permitted_len, caps[i]);
    }
  if (add_rlimits (p, ctx, o) < 0)
    return -1;
  if (o->oom_score_adj.set)
    {
      if (o->oom_score_adj.v < -1000 || o->oom_score_adj.v > 1000)
        return berth_fail (err, 0, "Invalid value %lld, range for oom score adj is [-1000, 1000]",
                           (long long) o->oom_score_adj.v);
      p->oom_score_adj = (int32_t) o->oom_score_adj.v;
      p->oom_score_adj_present = true;
    }

  /* Namespaces. */
  oci_linux *lx = spec->linux = oci_linux_new ();
  bool own_pid, own_ipc, own_uts, own_cgroup = ctx->cgroup2;
  if (namespace_mode ("pid", o->pid, false, &own_pid, err) < 0 || namespace_mode ("ipc", o->ipc, true, &own_ipc, err) < 0
      || namespace_mode ("uts", o->uts, false, &own_uts, err) < 0)
    return -1;
  if (o->cgroupns && *o->cgroupns)
    {
      if (strcmp (o->cgroupns, "private") != 0 && strcmp (o->cgroupns, "host") != 0)
        return berth_fail (err, 0, "invalid cgroup namespace mode: %s", o->cgroupns);
      own_cgroup = strcmp (o->cgroupns, "private") == 0;
    }
  if (o->userns && *o->userns && strcmp (o->userns, "host") != 0)
    return berth_fail (err, 0, "invalid userns mode: %s", o->userns);
  const char *net = o->network ? o->network : "default";
  if (!host_net && strcmp (net, "none") != 0 && strcmp (net, "default") != 0 && strcmp (net, "bridge") != 0)
    return berth_fail (err, 0, "network %s not found", net);
  add_namespace (lx, "mount");
  if (!host_net)
    add_namespace (lx, "network"); /* loopback only until dock's networks land */
  if (own_uts)
    add_namespace (lx, "uts");
  if (own_pid)
    add_namespace (lx, "pid");
  if (own_ipc)
    add_namespace (lx, "ipc");
  if (own_cgroup)
    add_namespace (lx, "cgroup");

  /* Mounts: docker's defaults, then the per-container files, then the user's. */
  bool no_ipc_shm = o->ipc && strcmp (o->ipc, "none") == 0;
  for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++)
    {
      const default_mount *d = &default_mounts[i];
      if (strcmp (d->dest, "/dev/shm") == 0)
        {
          if (no_ipc_shm)
            continue;
          if (!own_ipc)
            {
              push_mount (spec, d->dest, "bind", "/dev/shm", "rbind,rprivate");
              continue;
            }
          cleanup_free char *opts = xasprintf ("%s,size=%lld", d->options,
                                               (long long) (o->shm_size.set && o->shm_size.v > 0 ? o->shm_size.v
                                                                                                  : 64LL << 20));
          push_mount (spec, d->dest, d->type, d->source, opts);
          continue;
        }
      if (strcmp (d->dest, "/dev/mqueue") == 0 && !own_ipc)
        continue;
      oci_mount *m = push_mount (spec, d->dest, d->type, d->source, d->options);
      if (o->privileged && (strcmp (d->dest, "/sys") == 0 || strcmp (d->dest, "/sys/fs/cgroup") == 0))
        for (size_t j = 0; j < m->options_len; j++)
          if (strcmp (m->options[j], "ro") == 0)
            {
              free (m->options[j]);
              m->options[j] = xstrdup ("rw");
            }
    }
  const struct
  {
    const char *dest, *src;
  } files[] = { { "/etc/resolv.conf", ctx->resolv_path }, { "/etc/hostname", ctx->hostname_path },
                { "/etc/hosts", ctx->hosts_path } };
  for (size_t i = 0; i < 3; i++)
    if (files[i].src)
      push_mount (spec, files[i].dest, "bind", files[i].src, "rbind,rprivate");
  if (dock_spec_add_user_mounts (spec, o, ctx, err) < 0)
    return -1;

  if (!o->privileged)
    {
      for (size_t i = 0; masked_paths[i]; i++)
        oci_strv_append (&lx->masked_paths, &lx->masked_paths_len, masked_paths[i]);
      for (size_t i = 0; readonly_paths[i]; i++)
        oci_strv_append (&lx->readonly_paths, &lx->readonly_paths_len, readonly_paths[i]);
    }

  lx->resources = oci_resources_new ();
  add_device_rule (lx->resources, false, "a", -1, -1, "rwm");
  if (o->privileged)
    add_device_rule (lx->resources, true, "a", -1, -1, "rwm");
  else
    for (size_t i = 0; i < sizeof default_device_rules / sizeof default_device_rules[0]; i++)
      add_device_rule (lx->resources, true, default_device_rules[i].type, default_device_rules[i].major,
                       default_device_rules[i].minor, default_device_rules[i].access);
  if (add_resources (lx, o, err) < 0 || dock_spec_add_devices (spec, o, err) < 0)
    return -1;
  if (ctx->cgroups_path)
    lx->cgroups_path = xstrdup (ctx->cgroups_path);
  else
    lx->cgroups_path = xasprintf ("%s/%s", o->cgroup_parent && *o->cgroup_parent ? o->cgroup_parent : "/dock",
                                  ctx->id);
  if (add_sysctls (lx, o, !host_net, own_ipc, err) < 0)
    return -1;

  /* no-new-privileges and seccomp. */
  cleanup_free char *file = NULL;
  bool unconfined = false, nnp = false;
  if (security_opts (o, &file, &unconfined, &nnp, err) < 0)
    return -1;
  if (nnp)
    p->no_new_privileges = p->no_new_privileges_present = true;
  if (add_seccomp (lx, o, caps, err) < 0)
    return -1;

  for (size_t i = 0; i < o->annotation.n; i++)
    {
      cleanup_free char *k = xstrdup (o->annotation.v[i]);
      char *v = strchr (k, '=');
      if (v)
        *v++ = '\0';
      oci_map_set (&spec->annotations, k, v ? v : "");
    }
  return 0;
}

int
dock_spec_build (const oci_image_config *image, const dock_run_opts *o, const dock_spec_ctx *ctx, int argc,
                 char **argv, oci_spec **out, berth_error **err)
{
  oci_spec *spec = oci_spec_new ();
  if (build (spec, image, o, ctx, argc, argv, err) < 0)
    {
      oci_spec_free (spec);
      return -1;
    }
  *out = spec;
  return 0;
}
