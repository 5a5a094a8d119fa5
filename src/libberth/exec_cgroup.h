/* The cgroups an exec'd process joins: those of the container's init
   (cgroup/cgroup.c reads them from /proc/<init>/cgroup), or a sub-cgroup
   of them (--cgroup). */
#ifndef BERTH_EXEC_CGROUP_H
#define BERTH_EXEC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

typedef struct
{
  char **procs;   /* the cgroup.procs files to write the pid to, NULL-terminated */
  size_t nprocs;
  bool frozen;    /* the init's freezer cgroup (v1 or v2) is frozen or freezing */
} berth_exec_cgroups;

/* Read the cgroups of init_pid and work out where a new process goes.
   subs: --cgroup values, "[CONTROLLER[,CONTROLLER...]:]PATH", PATH relative
   to the init's cgroup and already existing. */
int berth_exec_cgroups_plan (pid_t init_pid, char **subs, size_t nsubs, berth_exec_cgroups *out, berth_error **err);
/* Move pid (0: the caller) into every planned cgroup. */
int berth_exec_cgroups_enter (const berth_exec_cgroups *c, pid_t pid, berth_error **err);
void berth_exec_cgroups_release (berth_exec_cgroups *c);

#endif
