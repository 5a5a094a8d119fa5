/* `--help` in docker's layout, and docs/dock.1.md, both from the tables in
   commands.c. */
#include "config.h"

#include "cli.h"

#include <string.h>

static void
print_opts (FILE *out, const cli_opt *opts, bool help_row, bool hide_run_only)
{
  for (const cli_opt *o = opts; o->name; o++)
    {
      if (o->run_only && hide_run_only)
        continue;
      char lhs[64];
      snprintf (lhs, sizeof lhs, "%s%c%s--%s%s%s", o->short_name ? "-" : " ", o->short_name ? o->short_name : ' ',
                o->short_name ? ", " : "  ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
      fprintf (out, "  %-28s %s", lhs, o->help);
      if (o->def)
        fprintf (out, o->arg ? " (default \"%s\")" : " (default %s)", o->def);
      fputc ('\n', out);
    }
  if (help_row)
    fprintf (out, "  %-28s %s\n", "-h, --help", "Print usage");
}

void
cli_usage (FILE *out)
{
  fprintf (out, "Usage:  dock [OPTIONS] COMMAND\n\n"
                "dock: docker's command line for images and containers, without a daemon\n\n"
                "Management Commands:\n");
  for (const cli_group *g = cli_groups; g->name; g++)
    fprintf (out, "  %-11s %s\n", g->name, g->summary);
  /* Top-level commands and aliases, sorted as docker lists them. */
  const char *names[64], *summaries[64];
  size_t n = 0;
  for (const cli_cmd *c = cli_commands; c->name && n < 64; c++)
    if (c->group == NULL)
      {
        names[n] = c->name;
        summaries[n++] = c->summary;
      }
  for (const cli_alias *a = cli_aliases; a->name && n < 64; a++)
    if (a->group == NULL)
      for (const cli_cmd *c = cli_commands; c->name; c++)
        if (c->group && strcmp (c->group, a->target_group) == 0 && strcmp (c->name, a->target_name) == 0)
          {
            names[n] = a->name;
            summaries[n++] = c->summary;
          }
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp (names[j - 1], names[j]) > 0; j--)
      {
        const char *t = names[j];
        names[j] = names[j - 1];
        names[j - 1] = t;
        t = summaries[j];
        summaries[j] = summaries[j - 1];
        summaries[j - 1] = t;
      }
  fprintf (out, "\nCommands:\n");
  for (size_t i = 0; i < n; i++)
    fprintf (out, "  %-11s %s\n", names[i], summaries[i]);
  fprintf (out, "\nGlobal Options:\n");
  print_opts (out, cli_global_opts, true, false);
  fprintf (out, "\nRun 'dock COMMAND --help' for more information on a command.\n");
}

void
cli_group_usage (FILE *out, const cli_group *g)
{
  fprintf (out, "Usage:  dock %s COMMAND\n\n%s\n\nCommands:\n", g->name, g->summary);
  for (const cli_cmd *c = cli_commands; c->name; c++)
    if (c->group && strcmp (c->group, g->name) == 0)
      fprintf (out, "  %-11s %s\n", c->name, c->summary);
  fprintf (out, "\nRun 'dock %s COMMAND --help' for more information on a command.\n", g->name);
}

/* "dock image ls, dock image list, dock images" */
static bool
print_aliases (FILE *out, const cli_cmd *c)
{
  bool any = false;
  for (const cli_alias *a = cli_aliases; a->name; a++)
    {
      if (c->group == NULL || strcmp (a->target_group, c->group) != 0 || strcmp (a->target_name, c->name) != 0)
        continue;
      if (!any)
        fprintf (out, "dock %s %s", c->group, c->name);
      fprintf (out, ", dock %s%s%s", a->group ? a->group : "", a->group ? " " : "", a->name);
      any = true;
    }
  return any;
}

void
cli_command_usage (FILE *out, const cli_cmd *c)
{
  char path[128];
  cli_command_path (c, path, sizeof path);
  fprintf (out, "Usage:  %s%s%s%s\n\n%s\n", path, c->opts[0].name ? " [OPTIONS]" : "", *c->args ? " " : "",
           c->args, c->summary);
  fprintf (out, "\nAliases:\n  ");
  if (!print_aliases (out, c))
    fprintf (out, "%s", path);
  fprintf (out, "\n\nOptions:\n");
  print_opts (out, c->opts, true, c->hide_run_only);
}

static void
manual_opts (FILE *out, const cli_opt *opts, bool hide_run_only)
{
  for (const cli_opt *o = opts; o->name; o++)
    {
      if (o->run_only && hide_run_only)
        continue;
      fprintf (out, "- ");
      if (o->short_name)
        fprintf (out, "`-%c`, ", o->short_name);
      fprintf (out, "`--%s%s%s`: %s", o->name, o->arg ? " " : "", o->arg ? o->arg : "", o->help);
      if (o->def)
        fprintf (out, " (default: %s)", o->def);
      fprintf (out, "\n");
    }
}

void
cli_write_manual (FILE *out)
{
  fprintf (out, "%% DOCK(1) dock | User Commands\n\n"
                "# NAME\n\ndock - docker's command line for images and containers, without a daemon\n\n"
                "# SYNOPSIS\n\n`dock [OPTIONS] COMMAND [ARG...]`\n\n"
                "# DESCRIPTION\n\ndock takes docker's commands, flags, output and exit codes (1 for a failed "
                "command, 125 for a flag error or dock's own failure). Its image store is under "
                "/var/lib/dock (`--root`, `data-root`), its settings in /etc/dock/daemon.json.\n\n"
                "This page is generated from dock's command table (`dock help --manual`, "
                "`make docs/dock.1.md`); edit src/dock/commands.c, not this page.\n\n"
                "# GLOBAL OPTIONS\n\n");
  manual_opts (out, cli_global_opts, false);
  fprintf (out, "\n# COMMANDS\n");
  for (const cli_cmd *c = cli_commands; c->name; c++)
    {
      char path[128];
      cli_command_path (c, path, sizeof path);
      fprintf (out, "\n## %s\n\n`%s%s%s%s`\n\n%s.\n", path + strlen ("dock "), path,
               c->opts[0].name ? " [OPTIONS]" : "", *c->args ? " " : "", c->args, c->summary);
      fprintf (out, "\nAliases: ");
      if (!print_aliases (out, c))
        fprintf (out, "%s", path);
      fprintf (out, "\n");
      if (c->opts[0].name)
        {
          fprintf (out, "\n");
          manual_opts (out, c->opts, c->hide_run_only);
        }
    }
  fprintf (out, "\n# FILES\n\n- /etc/dock/daemon.json (or `--daemon-config`, `$DOCK_DAEMON_JSON`): keys "
                "`data-root`, `registry-mirrors`, `insecure-registries`, `log-driver`, `default-ulimits`, `storage-driver`\n"
                "- /var/lib/dock: the image store (dock.db, blobs/sha256, layers)\n"
                "- ~/.docker/config.json (or `--config`, `$DOCKER_CONFIG`): registry credentials\n\n"
                "# SEE ALSO\n\nberth(8), docs/dock-vs-docker.md\n");
}
