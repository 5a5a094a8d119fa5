/* Help, version and the man page's generated parts, all from the tables in
   commands.c (and the global options in main.c), in runc's layout: the
   NAME:/USAGE:/COMMANDS:/GLOBAL OPTIONS: sections of urfave/cli, three
   spaces of indent, options as "--long ARG, -s ARG". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime_spec.h"

static const char description[]
    = "berth runs containers from OCI bundles (runtime-spec " OCI_RUNTIME_SPEC_VERSION ").  Its command line is\n"
      "runc's, so that it can stand in for runc under containerd, CRI-O and podman.\n"
      "\n"
      "To start a new instance of a container:\n"
      "\n"
      "    # berth run [ -b bundle ] <container-id>\n";

/* "--root DIR" or "--bundle DIR, -b DIR", as urfave/cli writes a flag. */
static char *
opt_label (const cli_opt *o)
{
  const char *sep = o->arg ? " " : "", *arg = o->arg ? o->arg : "";
  if (o->short_name)
    return xasprintf ("--%s%s%s, -%c%s%s", o->name, sep, arg, o->short_name, sep, arg);
  return xasprintf ("--%s%s%s", o->name, sep, arg);
}

static void
print_opts (FILE *out, const cli_opt *opts, bool with_help)
{
  static const cli_opt help = { "help", 'h', NULL, "show help", false };
  size_t width = with_help ? strlen ("--help, -h") : 0;
  for (const cli_opt *o = opts; o->name; o++)
    {
      cleanup_free char *l = opt_label (o);
      if (strlen (l) > width)
        width = strlen (l);
    }
  for (const cli_opt *o = opts;; o++)
    {
      const cli_opt *shown = o->name ? o : with_help ? &help : NULL;
      if (shown == NULL)
        break;
      cleanup_free char *l = opt_label (shown);
      fprintf (out, "   %-*s  %s\n", (int) width, l, shown->help);
      if (shown == &help)
        break;
    }
}

void
cli_print_version_lines (FILE *out, bool first_line)
{
  if (first_line)
    fprintf (out, "berth version %s\n", PACKAGE_VERSION);
  fprintf (out, "commit: %s\nspec: %s\n", GIT_COMMIT, OCI_RUNTIME_SPEC_VERSION);
  berth_error *err = NULL;
  const char *seccomp = berth_seccomp_version (&err);
  if (seccomp)
    fprintf (out, "libseccomp: %s\n", seccomp);
  else
    fprintf (out, "libseccomp: not loaded (%s)\n", berth_error_message (err));
  berth_error_free (err);
  fprintf (out, "%s\n", berth_build_features ());
}

void
cli_usage (FILE *out, const cli_opt *global_opts)
{
  fprintf (out, "NAME:\n   berth - an OCI container runtime with runc's command line\n\n%s\n", description);
  fprintf (out, "USAGE:\n   berth [global options] command [command options] [arguments...]\n\n");
  fprintf (out, "VERSION:\n   %s\n", PACKAGE_VERSION);
  cli_print_version_lines (out, false);
  fprintf (out, "\nCOMMANDS:\n");
  size_t width = strlen ("help, h");
  for (const cli_cmd *c = cli_commands; c->name; c++)
    if (strlen (c->name) > width)
      width = strlen (c->name);
  for (const cli_cmd *c = cli_commands; c->name; c++)
    fprintf (out, "   %-*s  %s\n", (int) width, c->name, c->summary);
  fprintf (out, "   %-*s  %s\n", (int) width, "help, h", "Shows a list of commands or help for one command");
  fprintf (out, "\nGLOBAL OPTIONS:\n");
  print_opts (out, global_opts, false);
}

void
cli_command_usage (FILE *out, const cli_cmd *c)
{
  fprintf (out, "NAME:\n   berth %s - %s\n\nUSAGE:\n   berth %s [command options]%s%s\n\nOPTIONS:\n", c->name, c->summary,
           c->name, *c->args ? " " : "", c->args);
  print_opts (out, c->opts, true);
  fprintf (out, "   \n");
}

/* ------------------------------------------------------------ man page */

/* docs/berth.8.md is hand-written but for blocks between
     <!-- generated: synopsis CMD --> / <!-- generated: options CMD|global -->
   and <!-- end generated -->, which this filter (berth --help-man, stdin to
   stdout) rewrites from the tables.  It fails if a command of the table has
   block (an options block unless it has no options), so a new command or
   option cannot go undocumented. */

#define MARK_BEGIN "<!-- generated: "
#define MARK_END "<!-- end generated -->"

static void
man_opts (FILE *out, const cli_opt *opts)
{
  for (const cli_opt *o = opts; o->name; o++)
    {
      fprintf (out, "**--%s**", o->name);
      if (o->short_name)
        fprintf (out, ", **-%c**", o->short_name);
      if (o->arg)
        fprintf (out, " *%s*", o->arg);
      if (o->doc)
        fprintf (out, "\n: %s\n\n", o->doc);
      else
        fprintf (out, "\n: %s%s\n\n", o->help, o->repeat ? " (may be given several times)" : "");
    }
}

static const cli_cmd *
cmd_named (const char *name, size_t len)
{
  for (const cli_cmd *c = cli_commands; c->name; c++)
    if (strlen (c->name) == len && strncmp (c->name, name, len) == 0)
      return c;
  return NULL;
}

int
cli_help_man (FILE *in, FILE *out, const cli_opt *global_opts, berth_error **err)
{
  size_t ncmds = 0;
  while (cli_commands[ncmds].name)
    ncmds++;
  cleanup_free bool *documented = xcalloc (ncmds + 1, sizeof *documented);
  cleanup_free char *line = NULL;
  size_t cap = 0;
  bool skipping = false;
  while (getline (&line, &cap, in) > 0)
    {
      if (skipping)
        {
          if (strncmp (line, MARK_END, strlen (MARK_END)) != 0)
            continue;
          skipping = false;
        }
      fputs (line, out);
      if (strncmp (line, MARK_BEGIN, strlen (MARK_BEGIN)) != 0)
        continue;
      const char *what = line + strlen (MARK_BEGIN);
      size_t wlen = strcspn (what, " ");
      const char *name = what + wlen + (what[wlen] == ' ');
      size_t nlen = strcspn (name, " -");
      const cli_cmd *c = cmd_named (name, nlen);
      bool global = nlen == 6 && strncmp (name, "global", 6) == 0;
      if (c == NULL && !global)
        return berth_fail (err, 0, "--help-man: unknown command in `%.*s`", (int) strcspn (line, "\n"), line);
      if (wlen == 8 && strncmp (what, "synopsis", 8) == 0 && c)
        {
          fprintf (out, "### %s%s%s%s\n", c->name, c->opts[0].name ? " [options]" : "", *c->args ? " " : "", c->args);
          documented[c - cli_commands] |= c->opts[0].name == NULL; /* nothing more to list */
        }
      else if (wlen == 7 && strncmp (what, "options", 7) == 0)
        {
          fputc ('\n', out);
          man_opts (out, global ? global_opts : c->opts);
          if (c)
            documented[c - cli_commands] = true;
        }
      else
        return berth_fail (err, 0, "--help-man: unknown block in `%.*s`", (int) strcspn (line, "\n"), line);
      skipping = true;
    }
  if (skipping)
    return berth_fail (err, 0, "--help-man: a generated block lacks its `%s`", MARK_END);
  for (size_t i = 0; i < ncmds; i++)
    if (!documented[i])
      return berth_fail (err, 0, "--help-man: command `%s` has no options block", cli_commands[i].name);
  return 0;
}
