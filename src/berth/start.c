/* berth start: release a created container's process. */
#include "config.h"

#include "cli.h"

int
cmd_start (cli_ctx *ctx, berth_error **err)
{
  if (berth_start (ctx->lib, ctx->argv[0], err) < 0)
    return berth_error_wrap (err, "start");
  return 0;
}
