/* berth: an OCI runtime with runc's command line.  This file parses the
   global options, finds the command in the table, parses its options and
   calls it; the error a command returns is printed here, once. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "cli.h"
#include "libberth/features.h"
#include "libberth/linux/sealed_exe.h"
#include "libberth/log.h"
#include "runtime_spec.h"
#include "libberth/util.h"

enum
{
  EXIT_ERROR = 1,
  EXIT_USAGE = 2,
};

static const cli_opt global_opts[] = {
  { "root", 0, "DIR", "directory holding container state (default: /run/berth)", false },
  { "log", 0, "FILE", "write log messages to FILE (default: stderr)", false },
  { "log-format", 0, "text|json", "format of log messages (default: text)", false },
  { "systemd-cgroup", 0, NULL, "manage cgroups through systemd (cgroupsPath is slice:prefix:name)", false },
  { "debug", 0, NULL, "log debug messages", false },
  { "rootless", 0, "true|false|auto", "rootless mode (default: auto)", false },
  { "help", 'h', NULL, "show this help", false },
  { "version", 'v', NULL, "print the version", false },
  { NULL, 0, NULL, NULL, false },
};

static void
print_opts (FILE *out, const cli_opt *opts)
{
  for (const cli_opt *o = opts; o->name; o++)
    {
      char lhs[64];
      if (o->short_name)
        snprintf (lhs, sizeof lhs, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
      else
        snprintf (lhs, sizeof lhs, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
      fprintf (out, "  %-32s %s\n", lhs, o->help);
    }
}

static void
usage (FILE *out)
{
  fprintf (out, "usage: berth [global options] COMMAND [command options] [ARGS...]\n\n"
                "berth runs containers from OCI bundles (runtime-spec %s); its command line is runc's.\n\n"
                "Commands:\n",
           OCI_RUNTIME_SPEC_VERSION);
  for (const cli_cmd *c = cli_commands; c->name; c++)
    fprintf (out, "  %-12s %s\n", c->name, c->summary);
  fprintf (out, "\nGlobal options:\n");
  print_opts (out, global_opts);
  fprintf (out, "\nRun 'berth COMMAND --help' for the options of a command.\n");
}

static void
command_usage (FILE *out, const cli_cmd *c)
{
  fprintf (out, "usage: berth %s [options]%s%s\n\n%s\n", c->name, *c->args ? " " : "", c->args, c->summary);
  if (c->opts[0].name)
    {
      fprintf (out, "\nOptions:\n");
      print_opts (out, c->opts);
    }
  fprintf (out, "  %-32s %s\n", "-h, --help", "show this help");
}

static void
print_version (void)
{
  const struct scmp_version *sv = seccomp_version ();
  printf ("berth version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\n%s\n", PACKAGE_VERSION, GIT_COMMIT,
          OCI_RUNTIME_SPEC_VERSION, sv->major, sv->minor, sv->micro, berth_build_features ());
}

/* Build getopt's tables from ours.  Index i of cli_opt maps to val 256+i so
   that options without a short name still find their slot. */
static void
build_getopt (const cli_opt *opts, struct option *longopts, char *shortopts)
{
  size_t n = 0, s = 0;
  shortopts[s++] = '+'; /* stop at the first argument: `ps ID -ef` keeps -ef */
  shortopts[s++] = ':'; /* report a missing value as ':' */
  for (const cli_opt *o = opts; o->name; o++, n++)
    {
      longopts[n] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, 256 + (int) n };
      if (o->short_name)
        {
          shortopts[s++] = o->short_name;
          if (o->arg)
            shortopts[s++] = ':';
        }
    }
  longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
  longopts[n] = (struct option){ NULL, 0, NULL, 0 };
  shortopts[s++] = 'h';
  shortopts[s] = '\0';
}

static int
opt_index_of_short (const cli_opt *opts, int ch)
{
  for (int i = 0; opts[i].name; i++)
    if (opts[i].short_name == ch)
      return i;
  return -1;
}

/* Parse options into ctx; returns -1 with a message for a usage error, 1
   when --help was given, 0 otherwise. */
static int
parse_options (const char *what, const cli_opt *opts, int argc, char **argv, cli_ctx *ctx, berth_error **err)
{
  struct option longopts[CLI_MAX_OPTS + 2];
  char shortopts[3 * CLI_MAX_OPTS + 4];
  build_getopt (opts, longopts, shortopts);

  optind = 0; /* full reinitialisation of getopt's state */
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, shortopts, longopts, NULL)) != -1)
    {
      if (ch == 'h')
        return 1;
      if (ch == '?')
        {
          if (optopt && optopt < 256)
            return berth_fail (err, 0, "%sunknown option `-%c`", what, optopt);
          return berth_fail (err, 0, "%sunknown option `%s`", what, argv[optind - 1]);
        }
      if (ch == ':')
        return berth_fail (err, 0, "%soption `%s` needs a value", what, argv[optind - 1]);
      int i = ch >= 256 ? ch - 256 : opt_index_of_short (opts, ch);
      ctx->given[i] = true;
      ctx->value[i] = optarg;
      if (opts[i].repeat && optarg)
        oci_strv_append (&ctx->values[i], &ctx->nvalues[i], optarg);
    }
  ctx->argc = argc - optind;
  ctx->argv = argv + optind;
  return 0;
}

static int
find_opt (const cli_opt *opts, const char *name)
{
  for (int i = 0; opts[i].name; i++)
    if (strcmp (opts[i].name, name) == 0)
      return i;
  abort (); /* a command asked for an option its table lacks: a programming error */
}

bool
cli_flag (const cli_ctx *ctx, const char *name)
{
  return ctx->given[find_opt (ctx->cmd->opts, name)];
}

const char *
cli_value (const cli_ctx *ctx, const char *name)
{
  return ctx->value[find_opt (ctx->cmd->opts, name)];
}

char **
cli_values (const cli_ctx *ctx, const char *name, size_t *n)
{
  int i = find_opt (ctx->cmd->opts, name);
  *n = ctx->nvalues[i];
  return ctx->values[i];
}

static const cli_cmd *
find_command (const char *name)
{
  for (const cli_cmd *c = cli_commands; c->name; c++)
    if (strcmp (c->name, name) == 0)
      return c;
  return NULL;
}

static int
report (berth_error *err, int status)
{
  cleanup_free char *text = berth_error_text (err);
  /* The error goes to the log (containerd reads it there) and, once, to stderr. */
  if (berth_log_to_file ())
    berth_log (BERTH_LOG_ERROR, "%s", text);
  fprintf (stderr, "berth: %s\n", text);
  return status;
}

int
main (int argc, char **argv)
{
  cleanup_error berth_error *err = NULL;
  cli_global g = { .root = "/run/berth" };
  cli_ctx gctx = { 0 };
  cli_cmd gcmd = { .name = "berth", .opts = global_opts };
  gctx.cmd = &gcmd;

  int r = parse_options ("", global_opts, argc, argv, &gctx, &err);
  if (r < 0)
    return report (err, EXIT_USAGE);
  if (r > 0 || cli_flag (&gctx, "help"))
    {
      usage (stdout);
      return 0;
    }
  if (cli_flag (&gctx, "version"))
    {
      print_version ();
      return 0;
    }
  if (cli_value (&gctx, "root"))
    g.root = cli_value (&gctx, "root");
  g.log = cli_value (&gctx, "log");
  g.log_format = cli_value (&gctx, "log-format");
  g.rootless = cli_value (&gctx, "rootless");
  g.systemd_cgroup = cli_flag (&gctx, "systemd-cgroup");
  g.debug = cli_flag (&gctx, "debug");

  if (gctx.argc == 0)
    {
      usage (stderr);
      return EXIT_USAGE;
    }
  char **cargv = gctx.argv;
  int cargc = gctx.argc;

  if (strcmp (cargv[0], "help") == 0)
    {
      const cli_cmd *c = cargc > 1 ? find_command (cargv[1]) : NULL;
      if (cargc > 1 && c == NULL)
        {
          berth_fail (&err, 0, "help: unknown command `%s`", cargv[1]);
          return report (err, EXIT_USAGE);
        }
      if (c)
        command_usage (stdout, c);
      else
        usage (stdout);
      return 0;
    }

  const cli_cmd *cmd = find_command (cargv[0]);
  if (cmd == NULL)
    {
      berth_fail (&err, 0, "unknown command `%s` (see 'berth --help')", cargv[0]);
      return report (err, EXIT_USAGE);
    }

  /* Before anything is opened: a re-exec (the fallback) keeps only what our caller gave. */
  if (cmd->sealed_exe && berth_protect_exe (argv, &err) < 0)
    return report (err, EXIT_ERROR);
  if (berth_log_init (g.log, g.log_format, g.debug, &err) < 0)
    return report (err, EXIT_USAGE);

  cli_ctx ctx = { .global = &g, .cmd = cmd };
  cleanup_free char *what = xasprintf ("%s: ", cmd->name);
  r = parse_options (what, cmd->opts, cargc, cargv, &ctx, &err);
  if (r < 0)
    return report (err, EXIT_USAGE);
  if (r > 0)
    {
      command_usage (stdout, cmd);
      return 0;
    }

  int status = 0;
  if (ctx.argc < cmd->min_args || (cmd->max_args >= 0 && ctx.argc > cmd->max_args))
    {
      if (cmd->max_args == 0)
        berth_fail (&err, 0, "%s: takes no arguments (see 'berth %s --help')", cmd->name, cmd->name);
      else
        berth_fail (&err, 0, "%s: expected %s (see 'berth %s --help')", cmd->name, cmd->args, cmd->name);
      status = report (err, EXIT_USAGE);
    }
  else if (cmd->run == NULL)
    {
      berth_fail (&err, 0, "%s: not implemented yet", cmd->name);
      status = report (err, EXIT_USAGE);
    }
  else
    {
      r = cmd->run (&ctx, &err);
      if (r < 0)
        status = report (err, EXIT_ERROR);
      else
        status = r; /* a command may pass on a status (run: the workload's) */
    }

  for (int i = 0; i < CLI_MAX_OPTS; i++)
    strv_free (ctx.values[i]);
  berth_log_close ();
  return status;
}
