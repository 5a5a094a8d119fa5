/* berth spec: write a default config.json. */
#include "config.h"

#include "cli.h"

int
cmd_spec (cli_ctx *ctx, berth_error **err)
{
  const char *bundle = cli_value (ctx, "bundle");
  if (berth_spec_write (bundle ? bundle : ".", cli_flag (ctx, "rootless"), err) < 0)
    return berth_error_wrap (err, "spec");
  return 0;
}
