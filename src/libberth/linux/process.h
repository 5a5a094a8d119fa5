/* What the init does to itself before execve: limits, identity,
   capabilities, names, sysctls, and finding the program to run. */
#ifndef BERTH_PROCESS_H
#define BERTH_PROCESS_H

#include "../error.h"
#include "runtime_spec.h"

int berth_rlimit_from_name (const char *name);
/* Unknown or repeated types, soft above hard: what `create` refuses at once. */
int berth_check_rlimits (const oci_process *p, berth_error **err);
int berth_apply_rlimits (const oci_process *p, berth_error **err);
/* oomScoreAdj and sysctls, written through procfd (the runtime's /proc,
   see procfs.h), never through the container's /proc. */
int berth_apply_oom_score_adj (int procfd, const oci_process *p, berth_error **err);
int berth_apply_hostname (const oci_spec *s, berth_error **err);
int berth_apply_sysctl (int procfd, const oci_spec *s, berth_error **err);
/* setgroups/setresgid/setresuid and the five capability sets, in the order
   that keeps the capabilities needed until the last step. */
int berth_apply_identity (const oci_process *p, berth_error **err);
/* Resolve args[0] the way execvp would, with PATH from the process env. */
char *berth_find_executable (const oci_process *p, berth_error **err);
/* Add HOME (from the container's /etc/passwd, else "/") unless env has it. */
void berth_default_home (oci_process *p);
const char *berth_env_get (char **env, size_t n, const char *key);

#endif
