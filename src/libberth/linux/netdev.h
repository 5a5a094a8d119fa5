/* linux.netDevices (runtime-spec 1.3): host network interfaces moved into
   the container's network namespace, renamed as asked, with their
   permanent global addresses kept and the link set up. */
#ifndef BERTH_NETDEV_H
#define BERTH_NETDEV_H

#include <stdbool.h>
#include <sys/types.h>

#include "../error.h"
#include "runtime_spec.h"

/* The names (host's and container's) are interface names, the container's
   are distinct, and each host interface exists and may change namespace;
   private_net: the container has a network namespace of its own. */
int berth_net_devices_check (const oci_spec *s, bool private_net, berth_error **err);
/* Move them into the network namespace of pid (the container's init,
   before it runs anything of the container's). */
int berth_net_devices_move (const oci_spec *s, int procfd, pid_t pid, berth_error **err);

#endif
