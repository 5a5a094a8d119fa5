/* berth kill: signal a container's init (or, with --all, all its processes). */
#include "config.h"

#include "cli.h"

#include <signal.h>

int
cmd_kill (cli_ctx *ctx, berth_error **err)
{
  int signo = SIGTERM;
  /* As runc, the container first: `kill ID --all 0` (which runc's parser
     makes an id of "0") says that the container does not exist. */
  if (ctx->argc > 1 && (signo = berth_signal_from_name (ctx->argv[1])) < 0)
    {
      if (berth_find (ctx->lib, ctx->argv[0], err) < 0)
        return berth_error_wrap (err, "kill");
      return berth_fail (err, 0, "kill: unknown signal `%s`", ctx->argv[1]);
    }
  if (berth_kill (ctx->lib, ctx->argv[0], signo, cli_flag (ctx, "all"), err) < 0)
    return berth_error_wrap (err, "kill");
  return 0;
}
