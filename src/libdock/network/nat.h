/* dock's nftables rules: one table `ip dock`, changed only in atomic
   batches.  Layout (docs/architecture.md "dock networks"):

     map bridges           ifname : verdict    bridge -> jump net-<bridge>
     map internal_bridges  ifname : verdict    --internal bridge -> jump int-<bridge>
     map dnat_ip   ipv4 . proto . port : verdict   host IP given -> jump ctr-<id>
     map dnat_any  proto . port : verdict          any host IP   -> jump ctr-<id>
     chain prerouting/output (nat)  fib daddr type local -> chain published -> the maps
     chain postrouting (nat)        iifname/oifname vmap @bridges
     chain forward (filter)         iifname/oifname vmap @internal_bridges
     chain net-<bridge>             masquerade out, hairpin masquerade in
     chain int-<bridge>             --internal: drop what crosses the bridge's edge
     chain ctr-<id>                 the container's DNAT rules

   Everything of a container is its chain and the map elements that jump
   to it; of a network, its chain and its elements.  Removal is one batch,
   and an object's name says whose it is, so leftovers of a killed dock are
   found and reclaimed by name. */
#ifndef DOCK_NETWORK_NAT_H
#define DOCK_NETWORK_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"
#include "ports.h"

typedef struct dock_nat dock_nat;

/* Loads libnftables (first use) and makes a context. */
int dock_nat_open (dock_nat **out, berth_error **err);
void dock_nat_close (dock_nat *nat);
void dock_nat_closep (dock_nat **nat);
#define cleanup_nat __attribute__ ((cleanup (dock_nat_closep)))

/* The table and its fixed chains, maps and rules; a no-op when present. */
int dock_nat_ensure_table (dock_nat *nat, berth_error **err);
/* Remove the whole table (tests; `dock system reset` later). */
int dock_nat_delete_table (dock_nat *nat, berth_error **err);

typedef struct
{
  const char *bridge;
  const char *subnet; /* "172.17.0.0/16" */
  bool internal;      /* no masquerade; forwarding in and out dropped */
} dock_nat_network;

/* Idempotent: re-adding a network replaces its rules. */
int dock_nat_network_add (dock_nat *nat, const dock_nat_network *net, berth_error **err);
int dock_nat_network_remove (dock_nat *nat, const char *bridge, berth_error **err);

typedef struct
{
  const char *host_ip; /* NULL or "" : every local IPv4 address */
  uint16_t host_port;
  uint16_t container_port;
  dock_proto proto;
} dock_nat_port;

/* The container's port forwards, in one batch; a host port another
   container already forwards fails the whole batch (nothing is added). */
int dock_nat_publish (dock_nat *nat, const char *container_id, const char *container_ip, const dock_nat_port *ports,
                      size_t n, berth_error **err);
/* Every rule and map element of the container, in one batch; a container
   with none is success. */
int dock_nat_unpublish (dock_nat *nat, const char *container_id, berth_error **err);

/* The ids of the containers that have forwards in the table (from the
   ctr-<id> chains): what a dock killed mid-way left is found here and
   compared with the store's containers.  *ids is NULL-terminated. */
int dock_nat_container_ids (dock_nat *nat, char ***ids, berth_error **err);

/* Bind the host port (as docker's proxy would) so that a port in use is an
   error before any rule exists, and so that nothing else takes the port
   while the container runs: *fd is kept open by whoever watches the
   container (dock-shim) and closed on removal.  port 0 picks a free port
   (returned in *port); a range picks the first free port of it. */
int dock_port_reserve (const char *host_ip, dock_proto proto, uint16_t first, uint16_t last, uint16_t *port,
                       int *fd, berth_error **err);

#endif
