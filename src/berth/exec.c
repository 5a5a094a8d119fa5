/* berth exec: the options become berth_exec_opts; the status of the
   process (foreground) is berth's. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Options that describe the process, which --process describes whole.
   --tty is not one: conmon passes it with a file that asks for a terminal. */
static const char *const process_opts[] = {
  "cwd", "env", "user", "additional-gids", "cap", "no-new-privs", "apparmor", "process-label",
};

static int
parse_id (const char *s, uint32_t *out)
{
  unsigned long long v;
  if (cli_parse_count (s, &v) < 0 || v > UINT32_MAX)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

static int
parse_user (const char *s, berth_exec_params *o, berth_error **err)
{
  cleanup_free char *copy = xstrdup (s);
  char *colon = strchr (copy, ':');
  if (colon)
    *colon = '\0';
  if (parse_id (copy, &o->uid) < 0 || (colon && parse_id (colon + 1, &o->gid) < 0))
    return berth_fail (err, 0, "exec: --user: `%s` is not UID[:GID] (numbers)", s);
  o->user_set = true;
  o->gid_set = colon != NULL;
  return 0;
}

int
cmd_exec (cli_ctx *ctx, berth_error **err)
{
  berth_exec_params o = berth_exec_params_init ();
  o.process_file = cli_value (ctx, "process");
  if (o.process_file)
    {
      if (ctx->argc > 1)
        return berth_fail (err, 0, "exec: give either --process or a command, not both");
      for (size_t i = 0; i < ARRAY_SIZE (process_opts); i++)
        if (cli_flag (ctx, process_opts[i]))
          return berth_fail (err, 0, "exec: --%s cannot be combined with --process (the file describes the whole process)",
                             process_opts[i]);
    }
  else if (ctx->argc < 2)
    return berth_fail (err, 0, "exec: give a command to run, or --process FILE");
  o.args = ctx->argv + 1;
  o.nargs = (size_t) ctx->argc - 1;
  o.cwd = cli_value (ctx, "cwd");
  o.env = cli_values (ctx, "env", &o.nenv);
  for (size_t i = 0; i < o.nenv; i++)
    if (o.env[i][0] == '=' || strchr (o.env[i], '=') == NULL)
      return berth_fail (err, 0, "exec: --env: `%s` is not KEY=VALUE", o.env[i]);
  if (cli_value (ctx, "user") && parse_user (cli_value (ctx, "user"), &o, err) < 0)
    return -1;
  size_t ngids;
  char **gids = cli_values (ctx, "additional-gids", &ngids);
  cleanup_free uint32_t *gid_values = xcalloc (ngids + 1, sizeof *gid_values);
  for (size_t i = 0; i < ngids; i++)
    if (parse_id (gids[i], &gid_values[i]) < 0)
      return berth_fail (err, 0, "exec: --additional-gids: `%s` is not a group id", gids[i]);
  o.additional_gids = gid_values;
  o.nadditional_gids = ngids;
  o.caps = cli_values (ctx, "cap", &o.ncaps);
  o.no_new_privs = cli_flag (ctx, "no-new-privs");
  o.apparmor = cli_value (ctx, "apparmor");
  o.process_label = cli_value (ctx, "process-label");
  o.tty = cli_flag (ctx, "tty");
  o.console_socket = cli_value (ctx, "console-socket");
  o.detach = cli_flag (ctx, "detach");
  o.pid_file = cli_value (ctx, "pid-file");
  o.cgroups = cli_values (ctx, "cgroup", &o.ncgroups);
  o.ignore_paused = cli_flag (ctx, "ignore-paused");
  if (cli_preserve_fds (ctx, &o.preserve_fds, err) < 0)
    return -1;

  int status = 0;
  if (berth_exec_process (ctx->lib, ctx->argv[0], &o, NULL, NULL, &status, err) < 0)
    return berth_error_wrap (err, "exec");
  return status;
}
