/* The dock command line: one table of commands (src/dock/commands.c), each
   with its table of options.  The parser, `--help`, `COMMAND --help`, the
   usage errors and docs/dock.1.md all read these tables, so a flag cannot be
   accepted without being documented or the other way round.

   Commands live in docker's tree: management groups ("image", "system")
   with subcommands, and the top-level shortcuts docker keeps ("images",
   "rmi", "tag" ...), which are aliases naming the subcommand
   and the option table of the subcommand they stand for (cli_aliases). */
#ifndef DOCK_CLI_H
#define DOCK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libberth/error.h"
#include "libdock/daemon_json.h"
#include "libdock/runtime/flags.h"

#define DOCK_CLI_MAX_OPTS 128 /* docker run has ~100 flags */

/* Exit statuses, as docker's CLI uses them. */
enum
{
  DOCK_EXIT_ERROR = 1,  /* the command failed (docker: an error from the daemon) */
  DOCK_EXIT_USAGE = 125 /* a flag error, or dock's own failure */
};

/* An option row: name, short name, value type shown in help ("string",
   "filter"; NULL for a boolean), help, repeat (may be given several
   times), default shown in help; libdock's dock_flag, whose extra members
   let `run`/`create` convert values by type (libdock/runtime/flags.h), so
   that their flags have one table. */
typedef dock_flag cli_opt;

typedef struct cli_ctx cli_ctx;
typedef int (*cli_fn) (cli_ctx *ctx, berth_error **err);

typedef struct
{
  const char *group;   /* "image", "system", or NULL for a top-level command */
  const char *name;
  const char *args;    /* synopsis of the positional arguments */
  const char *summary; /* one line, docker's wording where it has one */
  const cli_opt *opts; /* terminated by an entry with name == NULL */
  int min_args, max_args; /* max_args -1: unbounded */
  cli_fn run;          /* NULL: not implemented yet */
  bool store;          /* opens the image store (the CLI does it before run) */
  bool stop_at_args;   /* flags end at the first argument (docker run: the image) */
  bool hide_run_only;  /* refuse and hide rows marked run_only (docker create) */
} cli_cmd;

/* Another spelling of a command: `dock images` is `dock image ls`. */
typedef struct
{
  const char *group, *name;               /* the alias (group NULL: top level) */
  const char *target_group, *target_name; /* the command it stands for */
} cli_alias;

/* A management group: `dock image ...`. */
typedef struct
{
  const char *name;
  const char *summary;
} cli_group;

/* Global options, parsed before the command. */
typedef struct
{
  const char *config_dir;    /* --config: the docker client config (credentials) */
  const char *daemon_config; /* --daemon-config or $DOCK_DAEMON_JSON */
  const char *root;          /* --root: overrides data-root */
  const char *log_level;
  bool debug;
} cli_global;

struct dock_store;

struct cli_ctx
{
  const cli_global *global;
  const cli_cmd *cmd;
  dock_config *config;
  struct dock_store *store; /* open when cmd->store */
  int argc;                 /* positional arguments after the options */
  char **argv;
  const char *value[DOCK_CLI_MAX_OPTS];
  bool given[DOCK_CLI_MAX_OPTS];
  char **values[DOCK_CLI_MAX_OPTS]; /* repeatable options, NULL-terminated */
  size_t nvalues[DOCK_CLI_MAX_OPTS];
  char **rewritten; /* arguments respelled for getopt (owned) */
  size_t nrewritten;
};

extern const cli_cmd cli_commands[];
extern const cli_group cli_groups[];
extern const cli_alias cli_aliases[];
extern const cli_opt cli_global_opts[];

bool cli_flag (const cli_ctx *ctx, const char *name);
const char *cli_value (const cli_ctx *ctx, const char *name);
char **cli_values (const cli_ctx *ctx, const char *name, size_t *n);
/* "docker image ls" spelled for dock: "dock image ls". */
void cli_command_path (const cli_cmd *c, char *buf, size_t size);

/* Help and the manual (help.c). */
void cli_usage (FILE *out);
void cli_group_usage (FILE *out, const cli_group *g);
void cli_command_usage (FILE *out, const cli_cmd *c);
void cli_write_manual (FILE *out);

/* Commands (one file per group of commands). */
int cmd_images (cli_ctx *ctx, berth_error **err);
int cmd_tag (cli_ctx *ctx, berth_error **err);
int cmd_rmi (cli_ctx *ctx, berth_error **err);
int cmd_image_prune (cli_ctx *ctx, berth_error **err);
int cmd_image_inspect (cli_ctx *ctx, berth_error **err);
int cmd_inspect (cli_ctx *ctx, berth_error **err);
int cmd_history (cli_ctx *ctx, berth_error **err);
int cmd_import (cli_ctx *ctx, berth_error **err);
int cmd_save (cli_ctx *ctx, berth_error **err);
int cmd_load (cli_ctx *ctx, berth_error **err);
int cmd_system_df (cli_ctx *ctx, berth_error **err);
int cmd_pull (cli_ctx *ctx, berth_error **err);
int cmd_push (cli_ctx *ctx, berth_error **err);
int cmd_login (cli_ctx *ctx, berth_error **err);
int cmd_logout (cli_ctx *ctx, berth_error **err);
int cmd_search (cli_ctx *ctx, berth_error **err);
int cmd_run (cli_ctx *ctx, berth_error **err);
int cmd_create (cli_ctx *ctx, berth_error **err);

#endif
