#include "config.h"
#include "cli.h"
int cmd_image_inspect (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "inspect: not implemented yet"); }
int cmd_inspect (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "inspect: not implemented yet"); }
int cmd_history (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "history: not implemented yet"); }
