/* berth: an OCI runtime with runc's command line.  This file parses the
   global options, finds the command in the table, parses its options and
   calls it; the error a command returns is printed here, once. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "runtime_spec.h"

enum
{
  EXIT_ERROR = 1,
  EXIT_USAGE = 2,
  EXIT_NO_SUCH_COMMAND = 3, /* runc's (urfave/cli's) "No help topic for 'x'" */
};

static const cli_opt global_opts[] = {
  { "root", 0, "DIR", "directory holding container state (default: /run/berth)", false,
    "Directory holding the state of the containers. Every command must be given\n"
    "the same value to see the same containers. Default: */run/berth*." },
  { "log", 0, "FILE", "write log messages to FILE (default: stderr)", false,
    "Append log messages to *FILE* instead of writing them to standard error.\n"
    "Errors are also printed once on standard error." },
  { "log-format", 0, "text|json", "format of log messages (default: text)", false,
    "Format of log messages. **text** (the default) writes plain lines; **json**\n"
    "writes one JSON object per line, which is the form the containerd shim reads\n"
    "from the log file it passes with **--log**." },
  { "systemd-cgroup", 0, NULL, "manage cgroups through systemd (cgroupsPath is slice:prefix:name)", false,
    "Manage the container's cgroup through systemd instead of writing to the\n"
    "cgroup file system directly. The configuration's **linux.cgroupsPath** must\n"
    "then have the form *slice*:*prefix*:*name*, for example\n"
    "**system.slice:berth:demo**, which names the transient scope\n"
    "*prefix*-*name*.scope in *slice*. On a host where systemd is not running,\n"
    "berth fails at once with an error." },
  { "debug", 0, NULL, "log debug messages", false,
    "Log debug messages as well." },
  { "rootless", 0, "true|false|auto", "rootless mode (default: auto)", false,
    "Whether to run in rootless mode, for containers started by an unprivileged\n"
    "user. **auto**, the default, lets berth decide." },
  { "help", 'h', NULL, "show this help", false,
    "Print a summary of the commands and global options, then exit.\n"
    "**berth** *command* **--help** and **berth help** *command* describe one\n"
    "command." },
  { "version", 'v', NULL, "print the version", false,
    "Print the berth version, the commit it was built from, the runtime-spec\n"
    "version it implements, the libseccomp version it uses, and the features\n"
    "compiled in, as a list such as **+SECCOMP +CAP +SELINUX -APPARMOR +YAJL**\n"
    "(a minus sign marks a feature this build lacks)." },
  { NULL, 0, NULL, NULL, false },
};

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

enum
{
  NOT_AN_OPTION,
  A_FLAG,         /* an option without a value, or one written --x=v */
  NEEDS_A_VALUE,  /* --x v */
};

/* Whether arg names one of the command's options (or --help), as runc's
   parser (urfave/cli 1) decides it: leading dashes and any "=value" off. */
static int
arg_option_kind (const cli_opt *opts, const char *arg)
{
  if (arg[0] != '-' || strcmp (arg, "-") == 0 || strcmp (arg, "--") == 0)
    return NOT_AN_OPTION;
  const char *name = arg + (arg[1] == '-' ? 2 : 1);
  size_t len = strcspn (name, "=");
  if ((len == 1 && name[0] == 'h') || (len == 4 && strncmp (name, "help", 4) == 0))
    return A_FLAG;
  for (const cli_opt *o = opts; o->name; o++)
    if ((strlen (o->name) == len && strncmp (o->name, name, len) == 0)
        || (o->short_name && len == 1 && name[0] == o->short_name))
      return o->arg && name[len] != '=' ? NEEDS_A_VALUE : A_FLAG;
  return NOT_AN_OPTION;
}

/* runc accepts options after and between the arguments (`update ID
   --memory 1M`, `kill ID KILL --all`): before parsing, its parser moves
   every known option to the front, each with the next argument unless that
   starts with '-' or the option holds '=' -- also after a flag without a
   value, so that `kill ID --all 0` takes 0 for the id, as runc does.  Up to
   a "--"; unknown options stay where they are, as arguments.  One
   difference: an option that needs a value takes the next word whatever it
   starts with (`update ID --memory -1`), as getopt would; runc's parser
   leaves a "-1" behind and gives the option the next word that does not
   start with '-'.  Returns a new vector (argv[0] first), NULL-terminated. */
static char **
cli_reorder_args (const cli_opt *opts, int argc, char **argv)
{
  char **out = xcalloc ((size_t) argc + 1, sizeof *out);
  cleanup_free char **rest = xcalloc ((size_t) argc + 1, sizeof *rest);
  int n = 0, nrest = 0;
  out[n++] = argv[0];
  bool may_be_value = false;
  int kind;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        {
          while (i < argc)
            rest[nrest++] = argv[i++];
          break;
        }
      if (may_be_value && argv[i][0] != '-')
        {
          may_be_value = false;
          out[n++] = argv[i];
        }
      else if ((kind = arg_option_kind (opts, argv[i])) == NEEDS_A_VALUE)
        {
          out[n++] = argv[i];
          if (i + 1 < argc)
            out[n++] = argv[++i];
          may_be_value = false;
        }
      else if (kind == A_FLAG)
        {
          out[n++] = argv[i];
          may_be_value = strchr (argv[i], '=') == NULL;
        }
      else
        rest[nrest++] = argv[i];
    }
  for (int i = 0; i < nrest; i++)
    out[n++] = rest[i];
  return out;
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
  if (cli_log_to_file ())
    cli_log (BERTH_LOG_ERROR, text);
  fprintf (stderr, "berth: %s\n", text);
  return status;
}

static void
lib_freep (berth_ctx **lib)
{
  berth_ctx_free (*lib);
}

int
main (int argc, char **argv)
{
  cleanup_error berth_error *err = NULL;
  cli_global g = { .root = "/run/berth" };
  cli_ctx gctx = { 0 };
  cli_cmd gcmd = { .name = "berth", .opts = global_opts };
  gctx.cmd = &gcmd;

  /* Hidden: the man page's generated blocks (docs/berth.8.md, help.c). */
  if (argc == 2 && strcmp (argv[1], "--help-man") == 0)
    return cli_help_man (stdin, stdout, global_opts, &err) < 0 ? report (err, EXIT_ERROR) : 0;

  int r = parse_options ("", global_opts, argc, argv, &gctx, &err);
  if (r < 0)
    return report (err, EXIT_USAGE);
  if (r > 0 || cli_flag (&gctx, "help"))
    {
      cli_usage (stdout, global_opts);
      return 0;
    }
  if (cli_flag (&gctx, "version"))
    {
      cli_print_version_lines (stdout, true);
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
      cli_usage (stdout, global_opts); /* as runc: the help, and success */
      return 0;
    }
  char **cargv = gctx.argv;
  int cargc = gctx.argc;

  if (strcmp (cargv[0], "help") == 0 || strcmp (cargv[0], "h") == 0)
    {
      const cli_cmd *c = cargc > 1 ? find_command (cargv[1]) : NULL;
      if (cargc > 1 && c == NULL)
        {
          berth_fail (&err, 0, "No help topic for '%s'", cargv[1]);
          return report (err, EXIT_NO_SUCH_COMMAND);
        }
      if (c)
        cli_command_usage (stdout, c);
      else
        cli_usage (stdout, global_opts);
      return 0;
    }

  const cli_cmd *cmd = find_command (cargv[0]);
  if (cmd == NULL)
    {
      berth_fail (&err, 0, "No help topic for '%s'", cargv[0]);
      return report (err, EXIT_NO_SUCH_COMMAND);
    }

  /* Before anything is opened: a re-exec (the fallback) keeps only what our caller gave. */
  if (cmd->sealed_exe && berth_protect_exe (argv, &err) < 0)
    return report (err, EXIT_ERROR);
  __attribute__ ((cleanup (lib_freep))) berth_ctx *lib = berth_ctx_new (g.root);
  berth_ctx_set_systemd_cgroup (lib, g.systemd_cgroup);
  berth_ctx_set_listen_fds (lib, true); /* as runc, for systemd socket activation */
  if (cli_log_open (g.log, g.log_format, g.debug, lib, &err) < 0)
    return report (err, EXIT_USAGE);
  if (g.debug)
    {
      cleanup_free char *line = xasprintf ("berth %s %s: command %s, root %s", PACKAGE_VERSION, GIT_COMMIT, cmd->name, g.root);
      cli_log (BERTH_LOG_DEBUG, line);
    }

  cli_ctx ctx = { .global = &g, .cmd = cmd, .lib = lib };
  cleanup_free char *what = xasprintf ("%s: ", cmd->name);
  cleanup_free char **reordered = NULL;
  if (!cmd->args_verbatim)
    cargv = reordered = cli_reorder_args (cmd->opts, cargc, cargv);
  r = parse_options (what, cmd->opts, cargc, cargv, &ctx, &err);
  if (r < 0)
    return report (err, EXIT_USAGE);
  if (r > 0)
    {
      cli_command_usage (stdout, cmd);
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
        status = report (err, cmd->fail_status ? cmd->fail_status : EXIT_ERROR);
      else
        status = r; /* a command may pass on a status (run: the workload's) */
    }

  for (int i = 0; i < CLI_MAX_OPTS; i++)
    berth_strv_free (ctx.values[i]);
  cli_log_close ();
  return status;
}
