#include "config.h"
#include "cli.h"
int cmd_rmi (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "rmi: not implemented yet"); }
int cmd_image_prune (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "prune: not implemented yet"); }
