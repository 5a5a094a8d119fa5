/* berth features: the runtime-spec features document, on stdout. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int
cmd_features (cli_ctx *ctx, berth_error **err)
{
  char *text = berth_features_json (err);
  if (text == NULL)
    return -1;
  fputs (text, stdout);
  free (text);
  return fflush (stdout) == 0 ? 0 : berth_fail (err, errno, "features: write");
}
