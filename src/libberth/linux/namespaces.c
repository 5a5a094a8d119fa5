#include "config.h"

#include "namespaces.h"

#include <sched.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const berth_ns_kind berth_ns_kinds[] = {
  { "user", CLONE_NEWUSER, "user" },   { "pid", CLONE_NEWPID, "pid" },
  { "network", CLONE_NEWNET, "net" },  { "ipc", CLONE_NEWIPC, "ipc" },
  { "uts", CLONE_NEWUTS, "uts" },      { "mount", CLONE_NEWNS, "mnt" },
  { "cgroup", CLONE_NEWCGROUP, "cgroup" }, { "time", CLONE_NEWTIME, "time" },
};
const size_t berth_n_ns_kinds = sizeof berth_ns_kinds / sizeof berth_ns_kinds[0];

const berth_ns_kind *
berth_ns_kind_from_name (const char *name)
{
  for (size_t i = 0; i < berth_n_ns_kinds; i++)
    if (strcmp (berth_ns_kinds[i].name, name) == 0)
      return &berth_ns_kinds[i];
  return NULL;
}
