#include "config.h"
#include "cli.h"
int cmd_save (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "save: not implemented yet"); }
int cmd_load (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "load: not implemented yet"); }
