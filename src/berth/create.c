/* berth create / run: the options they share become berth_create_opts. */
#include "config.h"

#include <stdlib.h>

#include "cli.h"

int
cli_create_opts (cli_ctx *ctx, berth_create_params *o, berth_error **err)
{
  *o = berth_create_params_init ();
  o->bundle = cli_value (ctx, "bundle") ? cli_value (ctx, "bundle") : ".";
  o->console_socket = cli_value (ctx, "console-socket");
  o->pid_file = cli_value (ctx, "pid-file");
  o->no_pivot = cli_flag (ctx, "no-pivot");
  o->no_new_keyring = cli_flag (ctx, "no-new-keyring");
  return cli_preserve_fds (ctx, &o->preserve_fds, err);
}

int
cli_preserve_fds (cli_ctx *ctx, int *out, berth_error **err)
{
  const char *pf = cli_value (ctx, "preserve-fds");
  *out = 0;
  if (pf)
    {
      unsigned long long n;
      if (cli_parse_count (pf, &n) < 0 || n > 65536)
        return berth_fail (err, 0, "%s: --preserve-fds: `%s` is not a count of file descriptors", ctx->cmd->name, pf);
      *out = (int) n;
    }
  return 0;
}

int
cmd_create (cli_ctx *ctx, berth_error **err)
{
  berth_create_params o;
  if (cli_create_opts (ctx, &o, err) < 0)
    return -1;
  if (berth_create (ctx->lib, ctx->argv[0], &o, err) < 0)
    return berth_error_wrap (err, "create");
  return 0;
}
