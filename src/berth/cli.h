/* The berth command line: one table of commands, each with its table of
   options.  The parser, `--help` and the usage errors all read these tables,
   so a flag cannot be accepted without being documented or vice versa. */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <stdlib.h>
#include <unistd.h>

/* One path: the CLI sees libberth only through its public header (a test
   builds src/berth without -I src). */
#include "berth/berth.h"
#include "json.h"
#include "runtime_spec.h"

/* The CLI's own small helpers (libberth's util.h is internal). */
static inline void cli_freep (void *p) { free (*(void **) p); }
static inline void cli_closep (int *fd) { if (*fd >= 0) close (*fd); }
#define cleanup_free __attribute__ ((cleanup (cli_freep)))
#define cleanup_close __attribute__ ((cleanup (cli_closep)))
#define cleanup_error __attribute__ ((cleanup (berth_error_freep)))
#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))
#define xcalloc oci_xcalloc
#define xstrdup oci_xstrdup
#define xasprintf oci_xasprintf
/* A decimal number that fills s. */
int cli_parse_count (const char *s, unsigned long long *out);
/* All of fd, or of the file at path ("-": stdin), NUL-terminated. */
int cli_read_fd (int fd, char **out, size_t *len, berth_error **err);
int cli_read_path (const char *path, char **out, size_t *len, berth_error **err);

/* log.c: the log sink, runc's logrus lines (text or json) to --log or stderr. */
int cli_log_open (const char *path, const char *format, bool debug, berth_ctx *lib, berth_error **err);
bool cli_log_to_file (void);
void cli_log (int level, const char *msg);
void cli_log_close (void);

#define CLI_MAX_OPTS 40

typedef struct
{
  const char *name;  /* long name, without dashes */
  char short_name;   /* 0 when none */
  const char *arg;   /* metavar for options that take a value; NULL for flags */
  const char *help;
  bool repeat;       /* may be given several times (--env A --env B) */
  const char *doc;   /* the man page's text (markdown), when it says more than help; NULL: help */
} cli_opt;

typedef struct cli_ctx cli_ctx;
typedef int (*cli_fn) (cli_ctx *ctx, berth_error **err);

typedef struct
{
  const char *name;
  const char *args;    /* synopsis of the positional arguments */
  const char *summary; /* one line */
  const cli_opt *opts; /* terminated by an entry with name == NULL */
  int min_args, max_args; /* max_args -1: unbounded */
  cli_fn run;          /* NULL: not implemented yet */
  bool sealed_exe;     /* runs container code: re-executes from a sealed copy first (sealed_exe.h) */
  int fail_status;     /* exit status of a failure; 0: 1 (runc's exec fails with 255) */
  bool args_verbatim;  /* all after the first argument is the argument's own (exec's command, ps's options):
                          options are not gathered from among the arguments (cli_reorder_args) */
} cli_cmd;

/* Global options, parsed before the command. */
typedef struct
{
  const char *root;
  const char *log;
  const char *log_format;
  const char *rootless;
  bool systemd_cgroup;
  bool debug;
} cli_global;

struct cli_ctx
{
  const cli_global *global;
  berth_ctx *lib; /* libberth's context: root, cgroup driver, log sink */
  const cli_cmd *cmd;
  int argc;    /* positional arguments after the options */
  char **argv;
  /* Parsed option values, indexed like cmd->opts. */
  const char *value[CLI_MAX_OPTS];
  bool given[CLI_MAX_OPTS];
  char **values[CLI_MAX_OPTS]; /* for repeatable options, NULL-terminated */
  size_t nvalues[CLI_MAX_OPTS];
};

extern const cli_cmd cli_commands[];

/* help.c: runc's layout for --help and --version, and the man page filter. */
#include <stdio.h>
void cli_usage (FILE *out, const cli_opt *global_opts);
void cli_command_usage (FILE *out, const cli_cmd *c);
void cli_print_version_lines (FILE *out, bool first_line);
int cli_help_man (FILE *in, FILE *out, const cli_opt *global_opts, berth_error **err);

bool cli_flag (const cli_ctx *ctx, const char *name);
const char *cli_value (const cli_ctx *ctx, const char *name);
char **cli_values (const cli_ctx *ctx, const char *name, size_t *n);

/* Commands implemented so far (one file each). */
int cmd_spec (cli_ctx *ctx, berth_error **err);
int cmd_create (cli_ctx *ctx, berth_error **err);
int cmd_run (cli_ctx *ctx, berth_error **err);
int cmd_start (cli_ctx *ctx, berth_error **err);
int cmd_state (cli_ctx *ctx, berth_error **err);
int cmd_kill (cli_ctx *ctx, berth_error **err);
int cmd_delete (cli_ctx *ctx, berth_error **err);
int cmd_list (cli_ctx *ctx, berth_error **err);
int cmd_pause (cli_ctx *ctx, berth_error **err);
int cmd_resume (cli_ctx *ctx, berth_error **err);
int cmd_ps (cli_ctx *ctx, berth_error **err);
int cmd_update (cli_ctx *ctx, berth_error **err);
int cmd_exec (cli_ctx *ctx, berth_error **err);
int cmd_events (cli_ctx *ctx, berth_error **err);

/* The options create and run share. */
int cli_create_opts (cli_ctx *ctx, berth_create_params *o, berth_error **err);
/* --preserve-fds N (create, run, exec). */
int cli_preserve_fds (cli_ctx *ctx, int *out, berth_error **err);
int cmd_features (cli_ctx *ctx, berth_error **err);

#endif
