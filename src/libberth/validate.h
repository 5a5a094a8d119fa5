/* One validation pass over a configuration, before anything is created
   (no state dir, no cgroup, no process): every rule that the config alone
   decides, in one table (validate.c), so a reviewer sees them all and a
   test can name each.  Checks that need the host's state at create time
   (the rootfs exists, the cgroup controllers are there) stay where they
   are made; checks the kernel makes anyway are made here first so that a
   bad value is a clear message and leaves nothing behind. */
#ifndef BERTH_VALIDATE_H
#define BERTH_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "runtime_spec.h"

/* The largest uid or gid berth sets: (uid_t) -1 means "leave unchanged"
   to setresuid, and the kernel's ids are 31 bits in practice (runc's
   bound). */
#define BERTH_MAX_ID 2147483647u

/* The whole configuration of a container to create. */
int berth_validate_config (const oci_spec *s, berth_error **err);

/* The rules about a process alone (args, cwd, user ids, rlimits), for the
   process of a config and for the process `exec` starts; where prefixes
   the field names ("process." or "--process: "). */
int berth_validate_process (const oci_process *p, const char *where, berth_error **err);

/* The bounds of linux.resources that hold on any host (create and update). */
int berth_validate_resources (const oci_resources *r, berth_error **err);

/* Whether a sysctl key may be set with these namespaces of the container's
   own (see the classes in validate.c); exposed for the unit tests. */
typedef struct
{
  bool uts, ipc, net;
} berth_private_ns;
int berth_validate_sysctl_key (const char *key, berth_private_ns ns, berth_error **err);

#endif
