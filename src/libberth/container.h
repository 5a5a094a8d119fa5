/* The container lifecycle, in the order runtime.md gives it. */
#ifndef BERTH_CONTAINER_H
#define BERTH_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"

typedef struct
{
  const char *root;
  const char *bundle;
  const char *console_socket;
  const char *pid_file;
  bool no_pivot;
  bool no_new_keyring;
  bool systemd_cgroup; /* the systemd driver (global --systemd-cgroup) */
  int preserve_fds;
  /* The configuration in memory instead of the bundle's config.json. */
  const char *config_text;
  size_t config_len;
  bool listen_fds; /* honour LISTEN_FDS/LISTEN_PID (berth_ctx_set_listen_fds) */
} berth_create_opts;

int berth_container_create (const char *id, const berth_create_opts *o, berth_error **err);
int berth_container_start (const char *root, const char *id, berth_error **err);
/* create + start; unless detach, wait and return the workload's status
   (128+N for a signal) and delete the container unless keep. */
int berth_container_run (const char *id, const berth_create_opts *o, bool detach, bool keep, int *status,
                         berth_error **err);
/* The runtime-spec state document (malloc'd). */
char *berth_container_state (const char *root, const char *id, berth_error **err);
int berth_container_kill (const char *root, const char *id, int signo, bool all, berth_error **err);
int berth_container_delete (const char *root, const char *id, bool force, berth_error **err);

/* Freeze/thaw every process of the container (its cgroup). */
int berth_container_pause (const char *root, const char *id, berth_error **err);
int berth_container_resume (const char *root, const char *id, berth_error **err);
/* The pids in the container's cgroup (none once it has stopped). */
int berth_container_pids (const char *root, const char *id, pid_t **pids, size_t *n, berth_error **err);
/* Apply new resource limits to a live container. */
int berth_container_update (const char *root, const char *id, const oci_resources *res, berth_error **err);
/* The cgroup of a container that has not stopped (events). */
berth_cgroup *berth_container_cgroup (const char *root, const char *id, berth_error **err);
/* 0 if there is a container (or a create in progress) named id, else -1
   with the error a command on it would give. */
int berth_container_find (const char *root, const char *id, berth_error **err);
/* True while the container exists and has not stopped. */
bool berth_container_alive (const char *root, const char *id);

typedef struct
{
  berth_state *state;
  berth_status status;
} berth_list_entry;
/* Every container under root, sorted by id.  Never waits for a lock: a
   create in progress is listed as creating. */
int berth_container_list (const char *root, berth_list_entry **out, size_t *n, berth_error **err);
void berth_list_free (berth_list_entry *l, size_t n);
/* Only the ids (list -q): one readdir, no state read. */
int berth_container_list_ids (const char *root, char ***ids, size_t *n, berth_error **err);

/* "SIGKILL", "KILL", "9" -> 9; -1 if unknown. */
int berth_signal_from_name (const char *name);

#endif
