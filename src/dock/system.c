#include "config.h"
#include "cli.h"
int cmd_system_df (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "system df: not implemented yet"); }
