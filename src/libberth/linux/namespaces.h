/* Namespace kinds: the spec's name, the clone flag, and the /proc/PID/ns
   entry.  Listed in the order a process must join them (user first, so that
   the others are joined with the capabilities the user namespace grants). */
#ifndef BERTH_NAMESPACES_H
#define BERTH_NAMESPACES_H

#include <stddef.h>

#include "../error.h"

typedef struct
{
  const char *name;    /* "network" */
  int clone_flag;      /* CLONE_NEWNET */
  const char *proc_ns; /* "net" */
} berth_ns_kind;

extern const berth_ns_kind berth_ns_kinds[];
extern const size_t berth_n_ns_kinds;
const berth_ns_kind *berth_ns_kind_from_name (const char *name);

/* Bring up the loopback interface of the network namespace we are in (a
   new one has it down), as runc does. */
int berth_netns_loopback_up (berth_error **err);

#endif
