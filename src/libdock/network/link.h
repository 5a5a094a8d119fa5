/* The rtnetlink operations of dock networks: bridges, veth pairs,
   addresses, routes (netlink.c carries them). */
#ifndef DOCK_NETWORK_LINK_H
#define DOCK_NETWORK_LINK_H

#include <stdbool.h>

#include "netlink.h"

/* A network-namespace fd for fd, which may be a pidfd (a new fd is
   returned: the namespace of that process, opened while the pidfd shows it
   alive, so a recycled pid cannot be mistaken for it) or already a netns
   fd (dup'ed).  Netlink's IFLA_NET_NS_FD takes only the latter. */
int dock_netns_fd (int fd, int *netns_fd, berth_error **err);

/* The index of a link by name; -1 with ENODEV when there is none. */
int dock_link_index (dock_nl *nl, const char *name, int *index, berth_error **err);

/* A bridge, up, with mtu (0: the kernel's default); an existing link of
   that name is accepted when it is a bridge (dock's networks outlive the
   process that made them). */
int dock_link_bridge_ensure (dock_nl *nl, const char *name, unsigned mtu, berth_error **err);

/* A veth pair in one request: host_name in nl's namespace, attached to
   master (NULL: none) and up; its peer made directly inside the namespace
   of peer_netns_fd (-1: nl's) under peer_name ("eth0"), down. */
int dock_link_veth_create (dock_nl *nl, const char *host_name, const char *peer_name, int peer_netns_fd,
                           const char *master, unsigned mtu, berth_error **err);

int dock_link_set_master (dock_nl *nl, const char *name, const char *master, berth_error **err);
int dock_link_set_up (dock_nl *nl, const char *name, berth_error **err);
/* Move a link into another namespace, renamed there (new_name NULL: kept). */
int dock_link_set_netns (dock_nl *nl, const char *name, int netns_fd, const char *new_name, berth_error **err);
/* Delete a link (a veth takes its peer along); missing_ok: a link that is
   already gone is success, for idempotent teardown. */
int dock_link_delete (dock_nl *nl, const char *name, bool missing_ok, berth_error **err);

/* "172.17.0.2/16" or "fd00::2/64" on the link; an address already present
   is accepted. */
int dock_addr_add (dock_nl *nl, const char *ifname, const char *cidr, berth_error **err);
/* The default route via gateway (IPv4 or IPv6). */
int dock_route_add_default (dock_nl *nl, const char *gateway, berth_error **err);

/* What a container gets on a bridge network, done between create and
   start: the veth pair, the container end's address, lo and eth0 up, the
   default route.  host_nl is the socket of dock's namespace. */
typedef struct
{
  const char *bridge;
  const char *host_veth;      /* "veth" + 7 hex, docker's shape */
  const char *container_ifname; /* "eth0" */
  int netns_fd;               /* a pidfd or an open /proc/PID/ns/net */
  const char *address;        /* "172.17.0.2/16" */
  const char *gateway;        /* NULL: no default route (--internal) */
  unsigned mtu;
} dock_attach;

int dock_net_attach (dock_nl *host_nl, const dock_attach *a, berth_error **err);
/* The container's veth (its peer goes with it); idempotent. */
int dock_net_detach (dock_nl *host_nl, const char *host_veth, berth_error **err);

/* The namespace's sysctls a bridge network needs: ip_forward, and
   route_localnet on the bridge (so that DNAT of 127.0.0.1 reaches a
   container).  They apply to the namespace dock runs in. */
int dock_bridge_sysctls (const char *bridge, berth_error **err);

#endif
