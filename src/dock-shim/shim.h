/* dock-shim: one per container, the monitor of issue 17 (see
   docs/architecture.md, "dock-shim: the monitor", for the contract). */
#ifndef DOCK_SHIM_SHIM_H
#define DOCK_SHIM_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/berth.h"
#include "libdock/monitor/attach.h"
#include "libdock/monitor/health.h"
#include "libdock/monitor/jsonlog.h"
#include "libdock/monitor/loop.h"
#include "libdock/monitor/restart.h"

#define SHIM_MAX_LOG_OPTS 32

typedef struct shim_opts
{
  const char *root, *id, *bundle, *log_path, *attach_path, *exit_file, *pid_file;
  const char *log_opts[SHIM_MAX_LOG_OPTS];
  size_t n_log_opts;
  const char *detach_keys;
  bool tty, open_stdin;
  dock_restart_policy restart;
  const char *health_cmd, *health_file; /* CMD-SHELL form; State.Health JSON */
  dock_health_config health;
} shim_opts;

typedef struct shim
{
  const shim_opts *o;
  berth_ctx *ctx;
  dock_loop *loop;
  dock_attach_server *srv;
  dock_jsonlog *log;
  /* [1] stdout (or the pty master), [2] stderr: the shim's read ends. */
  int out[3];
  dock_source *out_src[3];
  dock_log_copier copiers[3];
  /* The container's ends (kept for restarts): stdin, stdout, stderr. */
  int child[3];
  int in_w; /* the container's stdin, the shim's end */
  pid_t init_pid;
  int64_t started_ns;
  dock_restart_state restart;
  int exit_code;
  bool oom;
  char *error; /* a failed restart */
  int idle_ticks;
  /* the healthcheck */
  bool health_on;
  dock_health health;
  dock_source *health_timer, *probe_timeout, *probe_src;
  pid_t probe_pid;
  int probe_fd;
  dock_health_result probe;
} shim;

/* The flag table as --help prints it. */
void shim_usage (FILE *f);
/* argv -> opts; -1 with err on bad usage. */
int shim_parse_args (int argc, char **argv, shim_opts *o, berth_error **err);
/* Create and start the container, serve its attach socket: on return 0 the
   container runs and the loop is ready. */
int shim_setup (shim *s, berth_error **err);
/* The loop until the container's last run ended and its clients have the
   EXIT; the container is deleted after each run. */
int shim_run (shim *s, berth_error **err);
void shim_teardown (shim *s);

/* Probes from the container's start (again after a restart) until its
   exit; State.Health written to --health-file after each. */
void shim_health_start (shim *s);
void shim_health_stop (shim *s);

/* The exit file: {"ExitCode":..,"OOMKilled":..,"FinishedAt":"..","Error":"..",
   "RestartCount":..,"Restarting":..}, written atomically. */
int shim_write_exit_file (const char *path, int exit_code, bool oom, int64_t finished_ns, const char *error,
                          int restart_count, bool restarting, berth_error **err);

/* path written through a temporary file and rename(2). */
int shim_write_file (const char *path, const void *buf, size_t len, berth_error **err);

#endif
