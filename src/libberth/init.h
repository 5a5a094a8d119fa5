/* Spawning the container init, and what the init does until execve. */
#ifndef BERTH_INIT_H
#define BERTH_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "runtime_spec.h"
#include "seccomp.h"

#define BERTH_MAX_JOIN 8

typedef struct
{
  const oci_spec *spec;
  const char *id;
  const char *bundle; /* absolute */
  const char *rootfs; /* absolute */
  int sync_fd;        /* the init's end of the socketpair */
  int fifo_fd;        /* O_PATH of exec.fifo */
  int procfd;         /* the runtime's /proc */
  int console_fd;     /* connected --console-socket, or -1 */
  int preserve_fds;
  const unsigned char *fd_gaps; /* the closed ones among them (berth_passed_fds_reserve) */
  bool no_pivot;
  bool no_new_keyring;
  bool has_hooks_in_runtime; /* prestart or createRuntime: stop for the parent */
  const berth_seccomp_filter *seccomp; /* compiled by the runtime, or NULL */

  /* Filled by berth_init_plan from linux.namespaces. */
  unsigned long clone_flags;
  bool new_userns, new_timens, new_cgroupns;
  int join_fds[BERTH_MAX_JOIN];
  int join_types[BERTH_MAX_JOIN];
  int njoin;
  /* Per mounts[] entry, an idmapped bind prepared by the runtime, or -1;
     NULL when no mount asks for one (see linux/idmap.h). */
  int *mount_fds;

  /* Set by the init itself. */
  int container_procfd; /* the container's own /proc if it is a real procfs, or -1 */
} berth_init_ctx;

/* Work out the clone flags and open the namespaces to join. */
int berth_init_plan (berth_init_ctx *c, berth_error **err);
void berth_init_plan_release (berth_init_ctx *c);
/* Start the init; returns its pid (a child of the caller).  parent_fd is
   the caller's end of the socketpair. */
pid_t berth_spawn_init (berth_init_ctx *c, int parent_fd, berth_error **err);

#endif
