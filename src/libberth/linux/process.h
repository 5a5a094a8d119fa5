/* What the init does to itself before execve: limits, identity,
   capabilities, names, sysctls, and finding the program to run. */
#ifndef BERTH_PROCESS_H
#define BERTH_PROCESS_H

#include <stdbool.h>

#include "../error.h"
#include "../seccomp.h"
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
/* What setgroups would refuse (more additionalGids than NGROUPS_MAX);
   what names the process in messages ("process.", "--process: "). */
int berth_check_identity (const oci_process *p, const char *what, berth_error **err);

/* The container's init and `exec` set their process up with the same two
   calls, in the same order, so neither can skip a step the other takes:
   berth_process_setup once the process is in the container (its root,
   cwd and terminal in place, args[0] found), berth_process_last_steps
   just before execve. */
typedef struct
{
  const oci_process *p;
  const oci_personality *personality; /* the container's linux.personality, or NULL */
  const oci_memory_policy *mempolicy; /* the container's linux.memoryPolicy, or NULL */
  int procfd;                         /* the runtime's /proc, for the LSM labels */
  const berth_seccomp_filter *seccomp; /* the container's filter, or NULL */
  int sync_fd;                        /* where a seccomp listener fd goes */
  int preserve_fds;                   /* fds 3.. that survive execve */
  const unsigned char *fd_gaps;       /* of those, the ones to close (berth_passed_fds_reserve) */
} berth_process_plan;

/* The fds 3..3+count-1 that the caller passes on (socket activation,
   --preserve-fds).  One it left closed (a gap) holds a close-on-exec
   placeholder until berth_process_setup closes it again, so that no fd
   berth opens meanwhile lands there and leaks into the container (as
   runc's do); (*gaps)[i] marks fd 3+i, *gaps is NULL without gaps.
   berth's own --log fd in the range is refused. */
int berth_passed_fds_reserve (int count, unsigned char **gaps, berth_error **err);
/* Close the placeholders and free gaps. */
void berth_passed_fds_release (int count, unsigned char *gaps);

/* rlimits, LSM exec labels, I/O priority, personality, scheduler, the
   NUMA memory policy, the
   identity (groups, uid/gid, the five capability sets), no_new_privs, the
   fds that survive execve, and the seccomp filter at the point that its
   no_new_privs and its listener allow. */
int berth_process_setup (const berth_process_plan *pp, berth_error **err);
/* execCPUAffinity.final and a filter kept for the very end. */
int berth_process_last_steps (const berth_process_plan *pp, berth_error **err);
/* Resolve args[0] the way execvp would, with PATH from the process env. */
char *berth_find_executable (const oci_process *p, berth_error **err);
/* Add HOME (from the container's /etc/passwd, else "/") unless env has it. */
void berth_default_home (oci_process *p);
const char *berth_env_get (char **env, size_t n, const char *key);

#endif
