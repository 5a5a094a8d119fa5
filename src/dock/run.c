/* dock run / dock create: the flags read into libdock's dock_run_opts
   (typed, with docker's messages) and checked as docker checks them.
   Creating the container waits for libberth's public API and dock-shim
   (issue 17); until then a valid command line ends in "not implemented
   yet", and an invalid one in docker's message and exit status 125. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "libberth/util.h"
#include "libdock/runtime/flags.h"

/* The CLI's parsed values in command-line order per flag, converted. */
static int
load_opts (const cli_ctx *ctx, dock_run_opts *o, berth_error **err)
{
  const cli_opt *opts = ctx->cmd->opts;
  for (int i = 0; opts[i].name; i++)
    {
      if (!ctx->given[i])
        continue;
      if (opts[i].repeat)
        {
          for (size_t k = 0; k < ctx->nvalues[i]; k++)
            if (dock_run_opts_set (o, &opts[i], ctx->values[i][k], err) < 0)
              return -1;
        }
      else if (dock_run_opts_set (o, &opts[i], ctx->value[i], err) < 0)
        return -1;
    }
  return dock_run_opts_validate (o, err);
}

static int
run_or_create (cli_ctx *ctx, const char *what, berth_error **err)
{
  dock_run_opts o;
  dock_run_opts_init (&o);
  cleanup_error berth_error *bad = NULL;
  int status;
  if (load_opts (ctx, &o, &bad) < 0)
    {
      fprintf (stderr, "dock: %s\nSee 'dock %s --help'.\n", bad->msg, what);
      status = DOCK_EXIT_USAGE;
    }
  else
    status = berth_fail (err, 0, "%s: not implemented yet (containers need libberth's public API)", what);
  dock_run_opts_clear (&o);
  return status;
}

int
cmd_run (cli_ctx *ctx, berth_error **err)
{
  return run_or_create (ctx, "run", err);
}

int
cmd_create (cli_ctx *ctx, berth_error **err)
{
  return run_or_create (ctx, "create", err);
}
