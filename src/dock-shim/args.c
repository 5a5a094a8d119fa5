/* dock-shim's flags: one table for the parser and the usage line. */
#include "config.h"

#include <errno.h>
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
  const char **paths[] = { &o->root, &o->bundle, &o->log_path, &o->attach_path, &o->exit_file, &o->pid_file };
  for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++)
    if (absolute (paths[k], err) < 0)
      return -1;
  if (o->tty && o->restart.kind != DOCK_RESTART_NO)
    return berth_fail (err, 0, "--restart with --tty is not supported yet");
  return 0;
}
