/* dock-shim's flags: one table for the parser and the usage line. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libberth/error.h"
#include "shim.h"

typedef int (*flag_set) (shim_opts *o, const char *value, berth_error **err);

static int set_root (shim_opts *o, const char *v, berth_error **e) { (void) e; o->root = v; return 0; }
static int set_id (shim_opts *o, const char *v, berth_error **e) { (void) e; o->id = v; return 0; }
static int set_bundle (shim_opts *o, const char *v, berth_error **e) { (void) e; o->bundle = v; return 0; }
static int set_attach (shim_opts *o, const char *v, berth_error **e) { (void) e; o->attach_path = v; return 0; }
static int set_exit_file (shim_opts *o, const char *v, berth_error **e) { (void) e; o->exit_file = v; return 0; }
static int set_pid_file (shim_opts *o, const char *v, berth_error **e) { (void) e; o->pid_file = v; return 0; }
static int set_detach_keys (shim_opts *o, const char *v, berth_error **e) { (void) e; o->detach_keys = v; return 0; }
static int set_tty (shim_opts *o, const char *v, berth_error **e) { (void) v, (void) e; o->tty = true; return 0; }
static int set_stdin (shim_opts *o, const char *v, berth_error **e) { (void) v, (void) e; o->open_stdin = true; return 0; }

static int
set_log (shim_opts *o, const char *v, berth_error **e)
{
  (void) e;
  o->log_path = strcmp (v, "none") == 0 ? NULL : v;
  return 0;
}

static int
set_log_opt (shim_opts *o, const char *v, berth_error **e)
{
  if (o->n_log_opts == SHIM_MAX_LOG_OPTS)
    return berth_fail (e, 0, "--log-opt: at most %d", SHIM_MAX_LOG_OPTS);
  o->log_opts[o->n_log_opts++] = v;
  return 0;
}

static int
set_restart (shim_opts *o, const char *v, berth_error **e)
{
  return dock_restart_policy_parse (v, &o->restart, e);
}

static int set_health_cmd (shim_opts *o, const char *v, berth_error **e) { (void) e; o->health_cmd = v; return 0; }
static int set_health_file (shim_opts *o, const char *v, berth_error **e) { (void) e; o->health_file = v; return 0; }

/* A count of milliseconds (dock converts docker's durations). */
static int
parse_ms (const char *v, int64_t *ns, berth_error **e)
{
  char *end;
  errno = 0;
  long long ms = strtoll (v, &end, 10);
  if (errno || end == v || *end || ms < 0 || ms > INT64_MAX / 1000000)
    return berth_fail (e, 0, "invalid milliseconds '%s'", v);
  *ns = ms * 1000000;
  return 0;
}

static int set_health_interval (shim_opts *o, const char *v, berth_error **e) { return parse_ms (v, &o->health.interval_ns, e); }
static int set_health_timeout (shim_opts *o, const char *v, berth_error **e) { return parse_ms (v, &o->health.timeout_ns, e); }
static int set_health_start_period (shim_opts *o, const char *v, berth_error **e) { return parse_ms (v, &o->health.start_period_ns, e); }
static int set_health_start_interval (shim_opts *o, const char *v, berth_error **e) { return parse_ms (v, &o->health.start_interval_ns, e); }

static int
set_health_retries (shim_opts *o, const char *v, berth_error **e)
{
  char *end;
  long n = strtol (v, &end, 10);
  if (end == v || *end || n < 0 || n > 1000000)
    return berth_fail (e, 0, "invalid count '%s'", v);
  o->health.retries = (int) n;
  return 0;
}

static const struct shim_flag
{
  const char *name;
  bool takes_value, required;
  flag_set set;
  const char *help;
} flags[] = {
  { "--root", true, true, set_root, "berth's state root" },
  { "--id", true, true, set_id, "the container's id" },
  { "--bundle", true, true, set_bundle, "a directory with config.json and the rootfs" },
  { "--attach", true, true, set_attach, "the attach socket to serve" },
  { "--exit-file", true, true, set_exit_file, "where the exit status is written (JSON)" },
  { "--log", true, false, set_log, "the json-file log, or none (default)" },
  { "--log-opt", true, false, set_log_opt, "json-file option K=V (max-size, max-file, compress)" },
  { "--tty", false, false, set_tty, "process.terminal is set: hold the pty master" },
  { "--stdin", false, false, set_stdin, "keep the container's stdin open (docker -i)" },
  { "--restart", true, false, set_restart, "no, on-failure[:N], always, unless-stopped" },
  { "--detach-keys", true, false, set_detach_keys, "attach's detach keys (ctrl-p,ctrl-q)" },
  { "--health-cmd", true, false, set_health_cmd, "healthcheck: `sh -c CMD` in the container" },
  { "--health-file", true, false, set_health_file, "where State.Health is written (JSON)" },
  { "--health-interval-ms", true, false, set_health_interval, "between probes (30000)" },
  { "--health-timeout-ms", true, false, set_health_timeout, "a probe's limit (30000)" },
  { "--health-start-period-ms", true, false, set_health_start_period, "failures not counted (0)" },
  { "--health-start-interval-ms", true, false, set_health_start_interval, "between probes then (5000)" },
  { "--health-retries", true, false, set_health_retries, "failures to unhealthy (3)" },
  { "--pid-file", true, false, set_pid_file, "where the shim writes its own pid" },
};

void
shim_usage (FILE *f)
{
  fputs ("usage: dock-shim --root R --id ID --bundle DIR --attach SOCK --exit-file F [flags]\n", f);
  for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
    fprintf (f, "  %-14s%-7s %s%s\n", flags[k].name, flags[k].takes_value ? " VALUE" : "", flags[k].help,
             flags[k].required ? " (required)" : "");
}

/* The monitor leaves the caller's cwd (so that it pins no mount there):
   relative paths are made absolute first.  The strings live as long as the
   process. */
static int
absolute (const char **path, berth_error **err)
{
  if (!*path || (*path)[0] == '/')
    return 0;
  char cwd[4096];
  if (!getcwd (cwd, sizeof cwd))
    return berth_fail_errno (err, "getcwd");
  char *abs = NULL;
  if (asprintf (&abs, "%s/%s", cwd, *path) < 0)
    return berth_fail (err, ENOMEM, "path");
  *path = abs;
  return 0;
}

/* A file the monitor writes later must have a directory now: a typo is the
   caller's one-line error, not a record that never appears. */
static int
parent_writable (const char *flag, const char *path, berth_error **err)
{
  if (!path)
    return 0;
  char dir[4096];
  const char *slash = strrchr (path, '/');
  size_t n = slash == path ? 1 : (size_t) (slash - path);
  if (n >= sizeof dir)
    return berth_fail (err, ENAMETOOLONG, "%s", flag);
  memcpy (dir, path, n);
  dir[n] = '\0';
  if (access (dir, W_OK) < 0)
    return berth_fail_errno (err, "%s: %s", flag, dir);
  return 0;
}

int
shim_parse_args (int argc, char **argv, shim_opts *o, berth_error **err)
{
  bool seen[sizeof flags / sizeof flags[0]] = { false };
  for (int i = 1; i < argc; i++)
    {
      const struct shim_flag *f = NULL;
      for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
        if (strcmp (argv[i], flags[k].name) == 0)
          {
            f = &flags[k];
            seen[k] = true;
          }
      if (!f)
        return berth_fail (err, 0, "unknown flag '%s'", argv[i]);
      const char *v = NULL;
      if (f->takes_value)
        {
          if (i + 1 >= argc)
            return berth_fail (err, 0, "flag needs an argument: %s", f->name);
          v = argv[++i];
        }
      if (f->set (o, v, err) < 0)
        return berth_error_wrap (err, "%s", f->name);
    }
  for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
    if (flags[k].required && !seen[k])
      return berth_fail (err, 0, "%s is required", flags[k].name);
  if (o->detach_keys)
    {
      unsigned char keys[DOCK_DETACH_KEYS_MAX];
      size_t n;
      if (dock_parse_detach_keys (o->detach_keys, keys, &n, err) < 0)
        return berth_error_wrap (err, "--detach-keys");
    }
  if (!o->health_cmd != !o->health_file)
    return berth_fail (err, 0, "--health-cmd and --health-file go together");
  const char **paths[] = { &o->root, &o->bundle, &o->log_path, &o->attach_path, &o->exit_file, &o->pid_file,
                           &o->health_file };
  for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++)
    if (absolute (paths[k], err) < 0)
      return -1;
  if (parent_writable ("--exit-file", o->exit_file, err) < 0 || parent_writable ("--attach", o->attach_path, err) < 0
      || parent_writable ("--pid-file", o->pid_file, err) < 0 || parent_writable ("--log", o->log_path, err) < 0
      || parent_writable ("--health-file", o->health_file, err) < 0)
    return -1;
  if (o->tty && o->restart.kind != DOCK_RESTART_NO)
    return berth_fail (err, 0, "--restart with --tty is not supported yet");
  return 0;
}
