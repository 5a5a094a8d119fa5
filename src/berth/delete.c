/* berth delete: remove a stopped (or, with --force, any) container. */
#include "config.h"

#include "cli.h"

int
cmd_delete (cli_ctx *ctx, berth_error **err)
{
  if (berth_delete (ctx->lib, ctx->argv[0], cli_flag (ctx, "force"), err) < 0)
    return berth_error_wrap (err, "delete");
  return 0;
}
