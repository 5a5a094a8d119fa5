/* berth features: the runtime-spec features document, on stdout. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "libberth/features.h"

int
cmd_features (cli_ctx *ctx, berth_error **err)
{
  oci_features *f = berth_features ();
  char *text = oci_features_generate (f, OCI_JW_PRETTY, NULL);
  oci_features_free (f);
  if (text == NULL)
    return berth_fail (err, 0, "features: cannot generate the document");
  fputs (text, stdout);
  free (text);
  return fflush (stdout) == 0 ? 0 : berth_fail_errno (err, "features: write");
}
