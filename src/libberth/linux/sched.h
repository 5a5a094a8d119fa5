/* How the container's process is scheduled and executes: scheduler policy
   (sched_setattr), I/O priority, CPU affinity (execCPUAffinity) and
   personality, plus the checks `create` makes on them before anything
   exists. */
#ifndef BERTH_SCHED_H
#define BERTH_SCHED_H

#include <stdbool.h>

#include "../error.h"
#include "runtime_spec.h"

/* Check process.scheduler, ioPriority, execCPUAffinity, rlimits,
   oomScoreAdj and linux.personality; errors name the field. */
int berth_check_process_attrs (const oci_spec *s, berth_error **err);
/* The same for one process (the container's, or one for exec) and the
   container's linux.personality (may be NULL). */
int berth_check_process (const oci_process *p, const oci_personality *per, berth_error **err);
/* Parse a CPU list ("0-3,7") into set; false if it is malformed. */
bool berth_parse_cpu_list (const char *list, void *cpu_set, size_t setsize);
/* execCPUAffinity.initial (final == false) or .final; absent or "" changes nothing. */
int berth_apply_cpu_affinity (const oci_process *p, bool final, berth_error **err);
/* Scheduler, I/O priority and personality: they may need CAP_SYS_NICE or
   CAP_SYS_ADMIN, so they come before the capabilities are dropped. */
int berth_apply_sched_attrs (const oci_process *p, const oci_personality *per, berth_error **err);

#endif
