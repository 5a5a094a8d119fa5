/* What the registry commands (pull, push, login, logout, search) share:
   the client config location (--config), the registry options from
   daemon.json and --tls-verify, and docker's progress display. */
#ifndef DOCK_REGISTRY_CLI_H
#define DOCK_REGISTRY_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "libdock/registry/client.h"

/* --config DIR: credentials live in DIR/config.json (as $DOCKER_CONFIG). */
void registry_cli_config_dir (const cli_ctx *ctx);
/* Mirrors and insecure registries from daemon.json; --tls-verify if the
   command has it. */
void registry_cli_opts (const cli_ctx *ctx, dock_registry_opts *o);

/* docker's progress lines, one per id: redrawn in place on a terminal,
   printed as plain lines (progress bars left out) otherwise. */
typedef struct
{
  FILE *out;
  bool tty;
  int width;
  char **ids; /* in order of first appearance; line i is ids[i] */
  size_t n;
} progress_view;

void progress_init (progress_view *v, FILE *out);
/* A line "<id>: <status>[ <bar and counts>]"; current/total < 0: no bar. */
void progress_line (progress_view *v, const char *id, const char *status, int64_t current, int64_t total);
/* A line of its own, not tied to an id ("Digest: ..."). */
void progress_message (progress_view *v, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void progress_clear (progress_view *v);

/* docker's sizes ("1.23MB"): human_size in format.h. */
#include "format.h"

#endif
