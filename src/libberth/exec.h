/* berth exec: one more process in the namespaces, cgroups and security
   settings of a running (or created) container. */
#ifndef BERTH_EXEC_H
#define BERTH_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

typedef struct
{
  const char *root;
  /* Either a runtime-spec process JSON file, which is the whole process... */
  const char *process_file;
  /* ...or the container's process (config.json) with args replaced and
     these changes. */
  char **args;
  size_t nargs;
  const char *cwd;
  char **env; /* KEY=VALUE: added, or replacing the same KEY */
  size_t nenv;
  bool user_set, gid_set;
  uint32_t uid, gid;
  uint32_t *additional_gids; /* added to the container's */
  size_t nadditional_gids;
  char **caps; /* added to the bounding, effective and permitted sets */
  size_t ncaps;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  bool tty;

  const char *console_socket;
  bool detach;
  const char *pid_file;
  int preserve_fds;
  char **cgroups; /* [CONTROLLER:]PATH sub-cgroups */
  size_t ncgroups;
  bool ignore_paused;
  pid_t *pid_out; /* set to the process's pid once it runs */
} berth_exec_opts;

/* Start the process; unless o->detach, wait for it and set *status to its
   exit status (128+N when signal N killed it). */
int berth_exec (const char *id, const berth_exec_opts *o, int *status, berth_error **err);

#endif
