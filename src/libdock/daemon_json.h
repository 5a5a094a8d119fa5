/* dock's configuration (named daemon_json, not config, so that "config.h"
   still finds autoconf's): /etc/dock/daemon.json (docker's dockerd keys that
   apply to a daemonless CLI) and the paths derived from it. */
#ifndef DOCK_DAEMON_JSON_H
#define DOCK_DAEMON_JSON_H

#include <stddef.h>

#include "libberth/error.h"

#define DOCK_DEFAULT_ROOT "/var/lib/dock"
#define DOCK_DEFAULT_RUN_ROOT "/run/dock"
#define DOCK_DEFAULT_DAEMON_JSON "/etc/dock/daemon.json"

typedef struct
{
  char *name;
  long long soft, hard;
} dock_ulimit;

typedef struct dock_config
{
  char *root;     /* image store: data-root, overridden by --root */
  char *run_root; /* run-time state */
  char **registry_mirrors;    /* NULL-terminated */
  char **insecure_registries; /* NULL-terminated */
  char *log_driver;           /* default "json-file" */
  char *storage_driver;       /* "overlay2" (NULL: the default) or "vfs"; see mount/mount.h */
  dock_ulimit *default_ulimits;
  size_t n_default_ulimits;
  char *source; /* the daemon.json read, NULL when none */
} dock_config;

/* Read daemon.json from path; NULL means $DOCK_DAEMON_JSON or else
   /etc/dock/daemon.json, either of which may be missing (defaults apply).
   An explicitly given path must exist.  root (--root) wins over data-root. */
int dock_config_load (const char *path, const char *root, dock_config **out, berth_error **err);
void dock_config_free (dock_config *cfg);

#endif
