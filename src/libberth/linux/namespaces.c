#include "config.h"

#include "namespaces.h"

#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util.h"

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

int
berth_netns_loopback_up (berth_error **err)
{
  cleanup_close int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = { 0 };
  strcpy (ifr.ifr_name, "lo");
  if (sock < 0 || ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    return berth_fail_errno (err, "read the flags of the loopback interface");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    return berth_fail_errno (err, "bring the loopback interface up");
  return 0;
}
