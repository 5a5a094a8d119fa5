/* berth run: create + start, and unless --detach wait and delete. */
#include "config.h"

#include "cli.h"

int
cmd_run (cli_ctx *ctx, berth_error **err)
{
  berth_create_params o;
  if (cli_create_opts (ctx, &o, err) < 0)
    return -1;
  int status = 0;
  if (berth_run (ctx->lib, ctx->argv[0], &o, cli_flag (ctx, "detach"), cli_flag (ctx, "keep"), &status, err) < 0)
    return berth_error_wrap (err, "run");
  return status;
}
