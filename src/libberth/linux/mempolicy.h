/* linux.memoryPolicy (runtime-spec 1.3): the NUMA policy the container's
   process starts with, set with set_mempolicy(2).  One table of modes and
   one of flags feed the check, the call and `berth features`. */
#ifndef BERTH_MEMPOLICY_H
#define BERTH_MEMPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "../error.h"
#include "runtime_spec.h"

typedef struct
{
  const char *name; /* "MPOL_BIND" */
  int value;        /* the kernel's mode or flag bit */
} berth_mpol_name;

extern const berth_mpol_name berth_mpol_modes[];
extern const size_t berth_n_mpol_modes;
extern const berth_mpol_name berth_mpol_flags[];
extern const size_t berth_n_mpol_flags;

/* Everything set_mempolicy would refuse, said before anything exists: an
   unknown mode or flag, nodes a mode forbids or needs, flags that exclude
   each other, nodes this host does not have. */
int berth_mempolicy_check (const oci_memory_policy *mp, berth_error **err);
/* Set it on the calling thread (the init: its children and the exec'd
   program inherit it).  mp may be NULL. */
int berth_apply_mempolicy (const oci_memory_policy *mp, berth_error **err);

#endif
