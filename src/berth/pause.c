/* berth pause / berth resume: freeze and thaw a container's processes. */
#include "config.h"

#include "cli.h"

int
cmd_pause (cli_ctx *ctx, berth_error **err)
{
  if (berth_pause (ctx->lib, ctx->argv[0], err) < 0)
    return berth_error_wrap (err, "pause");
  return 0;
}

int
cmd_resume (cli_ctx *ctx, berth_error **err)
{
  if (berth_resume (ctx->lib, ctx->argv[0], err) < 0)
    return berth_error_wrap (err, "resume");
  return 0;
}
