#include "config.h"
#include "cli.h"
int cmd_import (cli_ctx *ctx, berth_error **err) { return berth_fail (err, 0, "import: not implemented yet"); }
