/* dock: docker's command line without a daemon.  This file parses the
   global flags, finds the command in the table (a group and subcommand, or
   an alias), parses its flags the way docker's (pflag) does, opens what the
   command needs and calls it; the error a command returns is printed here,
   once, as "dock: <what>: <why>". */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libberth/util.h"
#include "schema.h"
#include "libdock/store/store.h"

static const cli_cmd *
find_command (const char *group, const char *name)
{
  for (const cli_cmd *c = cli_commands; c->name; c++)
    if (strcmp (c->name, name) == 0 && ((group == NULL && c->group == NULL)
                                        || (group && c->group && strcmp (group, c->group) == 0)))
      return c;
  for (const cli_alias *a = cli_aliases; a->name; a++)
    if (strcmp (a->name, name) == 0 && ((group == NULL && a->group == NULL)
                                        || (group && a->group && strcmp (group, a->group) == 0)))
      return find_command (a->target_group, a->target_name);
  return NULL;
}

static const cli_group *
find_group (const char *name)
{
  for (const cli_group *g = cli_groups; g->name; g++)
    if (strcmp (g->name, name) == 0)
      return g;
  return NULL;
}

/* getopt's tables from ours: index i maps to val 256+i.  Booleans take an
   optional value so that pflag's `--all=false` works. */
static void
build_getopt (const cli_opt *opts, bool stop_at_args, struct option *longopts, char *shortopts)
{
  size_t n = 0, s = 0;
  if (stop_at_args)
    shortopts[s++] = '+';
  shortopts[s++] = ':';
  for (const cli_opt *o = opts; o->name; o++, n++)
    {
      longopts[n] = (struct option){ o->name, o->arg ? required_argument : optional_argument, NULL, 256 + (int) n };
      if (o->short_name)
        {
          shortopts[s++] = o->short_name;
          if (o->arg)
            shortopts[s++] = ':';
        }
    }
  longopts[n++] = (struct option){ "help", no_argument, NULL, 1 };
  longopts[n] = (struct option){ NULL, 0, NULL, 0 };
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

static bool
bool_value (const char *v, bool *out)
{
  if (v == NULL || strcmp (v, "true") == 0 || strcmp (v, "1") == 0)
    *out = true;
  else if (strcmp (v, "false") == 0 || strcmp (v, "0") == 0)
    *out = false;
  else
    return false;
  return true;
}

/* Returns -1 with a message for a flag error, 1 for --help, 0 otherwise.
   A boolean's value is kept as "true" or "false" (see cli_flag). */
static int
parse_options (const cli_opt *opts, bool stop_at_args, int argc, char **argv, cli_ctx *ctx, berth_error **err)
{
  struct option longopts[DOCK_CLI_MAX_OPTS + 2];
  char shortopts[3 * DOCK_CLI_MAX_OPTS + 4];
  build_getopt (opts, stop_at_args, longopts, shortopts);

  /* pflag's "-H=false": a boolean's short name with a value; spell it long. */
  for (int k = 1; k < argc; k++)
    {
      if (strcmp (argv[k], "--") == 0)
        break;
      if (argv[k][0] == '-' && argv[k][1] && argv[k][1] != '-' && argv[k][2] == '=')
        {
          int i = opt_index_of_short (opts, argv[k][1]);
          if (i >= 0 && opts[i].arg == NULL)
            {
              char *longer = xasprintf ("--%s%s", opts[i].name, argv[k] + 2);
              oci_strv_append (&ctx->rewritten, &ctx->nrewritten, longer);
              argv[k] = ctx->rewritten[ctx->nrewritten - 1];
              free (longer);
            }
        }
    }

  optind = 0;
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, shortopts, longopts, NULL)) != -1)
    {
      if (ch == 1)
        return 1;
      if (ch == '?')
        {
          if (optopt && optopt < 256)
            return berth_fail (err, 0, "unknown shorthand flag: '%c' in %s", optopt, argv[optind - 1]);
          const char *word = argv[optind - 1];
          const char *eq = strchr (word, '=');
          return berth_fail (err, 0, "unknown flag: %.*s", eq ? (int) (eq - word) : (int) strlen (word), word);
        }
      if (ch == ':')
        {
          if (optopt && optopt < 256)
            return berth_fail (err, 0, "flag needs an argument: '%c' in -%c", optopt, optopt);
          return berth_fail (err, 0, "flag needs an argument: %s", argv[optind - 1]);
        }
      int i = ch >= 256 ? ch - 256 : opt_index_of_short (opts, ch);
      if (opts[i].run_only && ctx->cmd->hide_run_only)
        {
          if (ch < 256)
            return berth_fail (err, 0, "unknown shorthand flag: '%c' in -%c", ch, ch);
          return berth_fail (err, 0, "unknown flag: --%s", opts[i].name);
        }
      if (opts[i].arg == NULL)
        {
          bool on;
          if (!bool_value (optarg, &on))
            return berth_fail (err, 0, "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseBool: parsing \"%s\": "
                                       "invalid syntax",
                               optarg, opts[i].name, optarg);
          ctx->given[i] = true;
          ctx->value[i] = on ? "true" : "false";
          continue;
        }
      ctx->given[i] = true;
      ctx->value[i] = optarg;
      if (opts[i].repeat)
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
  abort (); /* a command asked for a flag its table lacks: a programming error */
}

bool
cli_flag (const cli_ctx *ctx, const char *name)
{
  int i = find_opt (ctx->cmd->opts, name);
  if (!ctx->given[i])
    return ctx->cmd->opts[i].def && strcmp (ctx->cmd->opts[i].def, "true") == 0;
  return strcmp (ctx->value[i], "true") == 0;
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

void
cli_command_path (const cli_cmd *c, char *buf, size_t size)
{
  snprintf (buf, size, "dock %s%s%s", c->group ? c->group : "", c->group ? " " : "", c->name);
}

static int
report (berth_error *err, int status)
{
  cleanup_free char *text = berth_error_text (err);
  fprintf (stderr, "dock: %s\n", text);
  return status;
}

static int
flag_error (berth_error *err, const char *path)
{
  fprintf (stderr, "dock: %s\nSee '%s --help'.\n", err->msg, path);
  return DOCK_EXIT_USAGE;
}

static const char *
plural (int n)
{
  return n == 1 ? "argument" : "arguments";
}

/* docker's wording (cli/required.go) for a wrong argument count. */
static int
arg_count_error (const cli_cmd *c, const char *path, int argc)
{
  if (c->max_args == 0)
    fprintf (stderr, "dock: \"%s\" accepts no arguments.\n", path);
  else if (c->min_args == c->max_args)
    fprintf (stderr, "dock: \"%s\" requires exactly %d %s.\n", path, c->min_args, plural (c->min_args));
  else if (argc < c->min_args && c->max_args < 0)
    fprintf (stderr, "dock: \"%s\" requires at least %d %s.\n", path, c->min_args, plural (c->min_args));
  else if (c->min_args == 0)
    fprintf (stderr, "dock: \"%s\" requires at most %d %s.\n", path, c->max_args, plural (c->max_args));
  else
    fprintf (stderr, "dock: \"%s\" requires at least %d and at most %d %s.\n", path, c->min_args, c->max_args,
             plural (c->max_args));
  fprintf (stderr, "See '%s --help'.\n", path);
  return DOCK_EXIT_ERROR;
}

static int
run_command (const cli_global *g, const cli_cmd *cmd, const char *path, int argc, char **argv)
{
  cleanup_error berth_error *err = NULL;
  cli_ctx ctx = { .global = g, .cmd = cmd };
  int status = 0;
  int r = parse_options (cmd->opts, cmd->stop_at_args, argc, argv, &ctx, &err);
  if (r < 0)
    status = flag_error (err, path);
  else if (r > 0)
    cli_command_usage (stdout, cmd);
  else if (ctx.argc < cmd->min_args || (cmd->max_args >= 0 && ctx.argc > cmd->max_args))
    status = arg_count_error (cmd, path, ctx.argc);
  else if (cmd->run == NULL)
    {
      berth_fail (&err, 0, "%s: not implemented yet", path + strlen ("dock "));
      status = report (err, DOCK_EXIT_USAGE);
    }
  else if (dock_config_load (g->daemon_config, g->root, &ctx.config, &err) < 0)
    status = report (err, DOCK_EXIT_USAGE);
  else if (cmd->store && dock_store_open (ctx.config, &ctx.store, &err) < 0)
    status = report (err, DOCK_EXIT_USAGE);
  else
    {
      r = cmd->run (&ctx, &err);
      if (r < 0)
        status = report (err, DOCK_EXIT_ERROR);
      else
        status = r;
    }
  if (fflush (stdout) != 0 && status == 0)
    {
      berth_fail_errno (&err, "write to stdout");
      status = report (err, DOCK_EXIT_ERROR);
    }
  dock_store_close (ctx.store);
  dock_config_free (ctx.config);
  for (int i = 0; i < DOCK_CLI_MAX_OPTS; i++)
    strv_free (ctx.values[i]);
  strv_free (ctx.rewritten);
  return status;
}

static void
print_version (void)
{
  printf ("dock version %s, build %s\n", PACKAGE_VERSION, GIT_COMMIT);
}

static void
free_rewritten (cli_ctx *ctx)
{
  strv_free (ctx->rewritten);
}

int
main (int argc, char **argv)
{
  cleanup_error berth_error *err = NULL;
  cli_global g = { 0 };
  cli_cmd gcmd = { .name = "dock", .opts = cli_global_opts };
  __attribute__ ((cleanup (free_rewritten))) cli_ctx gctx = { .cmd = &gcmd };

  int r = parse_options (cli_global_opts, true, argc, argv, &gctx, &err);
  if (r < 0)
    return flag_error (err, "dock");
  if (r > 0)
    {
      cli_usage (stdout);
      return 0;
    }
  if (cli_flag (&gctx, "version"))
    {
      print_version ();
      return 0;
    }
  g.config_dir = cli_value (&gctx, "config");
  g.root = cli_value (&gctx, "root");
  g.daemon_config = cli_value (&gctx, "daemon-config");
  g.log_level = cli_value (&gctx, "log-level");
  g.debug = cli_flag (&gctx, "debug");
  static const char *const levels[] = { "debug", "info", "warn", "error", "fatal" };
  bool level_ok = g.log_level == NULL;
  for (size_t i = 0; !level_ok && i < ARRAY_SIZE (levels); i++)
    level_ok = strcmp (g.log_level, levels[i]) == 0;
  if (!level_ok)
    {
      fprintf (stderr, "dock: Unable to parse logging level: %s\n", g.log_level);
      return DOCK_EXIT_USAGE;
    }
  if (g.config_dir)
    setenv ("DOCKER_CONFIG", g.config_dir, 1); /* what the credential code reads */

  int cargc = gctx.argc;
  char **cargv = gctx.argv;
  if (cargc == 0)
    {
      cli_usage (stdout);
      return 0;
    }
  if (strcmp (cargv[0], "help") == 0)
    {
      if (cargc > 1 && strcmp (cargv[1], "--manual") == 0)
        cli_write_manual (stdout);
      else if (cargc > 1 && find_group (cargv[1]) && cargc == 2)
        cli_group_usage (stdout, find_group (cargv[1]));
      else if (cargc > 1)
        {
          const cli_cmd *c = find_group (cargv[1]) && cargc > 2 ? find_command (cargv[1], cargv[2])
                                                                : find_command (NULL, cargv[1]);
          if (c == NULL)
            {
              fprintf (stderr, "dock: unknown help topic: %s\nRun 'dock --help' for usage.\n", cargv[1]);
              return DOCK_EXIT_ERROR;
            }
          cli_command_usage (stdout, c);
        }
      else
        cli_usage (stdout);
      return 0;
    }

  const cli_group *grp = find_group (cargv[0]);
  const cli_cmd *cmd;
  char path[128];
  if (grp)
    {
      if (cargc == 1 || strcmp (cargv[1], "--help") == 0 || strcmp (cargv[1], "-h") == 0)
        {
          cli_group_usage (stdout, grp);
          return 0;
        }
      cmd = find_command (grp->name, cargv[1]);
      if (cmd == NULL)
        {
          fprintf (stderr, "dock: '%s %s' is not a dock command.\nSee 'dock %s --help'\n", grp->name, cargv[1],
                   grp->name);
          return DOCK_EXIT_ERROR;
        }
      snprintf (path, sizeof path, "dock %s %s", grp->name, cargv[1]);
      cargc--;
      cargv++;
    }
  else
    {
      cmd = find_command (NULL, cargv[0]);
      if (cmd == NULL)
        {
          fprintf (stderr, "dock: '%s' is not a dock command.\nSee 'dock --help'\n", cargv[0]);
          return DOCK_EXIT_ERROR;
        }
      snprintf (path, sizeof path, "dock %s", cargv[0]);
    }
  return run_command (&g, cmd, path, cargc, cargv);
}
