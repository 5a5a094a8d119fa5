#include "config.h"
#include "cli.h"
int cmd_images (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "images: not implemented yet"); }
int cmd_tag (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "tag: not implemented yet"); }
