/* berth state: the runtime-spec state of one container. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int
cmd_state (cli_ctx *ctx, berth_error **err)
{
  char *doc = berth_state_json (ctx->lib, ctx->argv[0], err);
  if (doc == NULL)
    return berth_error_wrap (err, "state");
  fputs (doc, stdout);
  free (doc);
  return 0;
}
