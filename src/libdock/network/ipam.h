/* IPv4 address management for dock networks: subnets, the default pools
   docker uses, overlap detection, and address allocation.  Pure logic: the
   caller (the store) supplies the addresses already leased and persists the
   one returned, so that a lease survives dock exiting between commands. */
#ifndef DOCK_NETWORK_IPAM_H
#define DOCK_NETWORK_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"

/* Addresses in host byte order, so that arithmetic is plain. */
typedef struct
{
  uint32_t addr; /* the network address (host bits zero) */
  unsigned prefix;
} dock_net4;

#define DOCK_IP4_STRLEN 16
#define DOCK_NET4_STRLEN 19

/* "a.b.c.d" -> address; -1 with "invalid IP address: s" otherwise. */
int dock_ip4_parse (const char *s, uint32_t *out, berth_error **err);
void dock_ip4_format (uint32_t addr, char buf[DOCK_IP4_STRLEN]);
/* "a.b.c.d/n"; host bits set is refused the way docker refuses it. */
int dock_net4_parse (const char *s, dock_net4 *out, berth_error **err);
void dock_net4_format (const dock_net4 *n, char buf[DOCK_NET4_STRLEN]);
bool dock_net4_contains (const dock_net4 *n, uint32_t addr);
bool dock_net4_overlap (const dock_net4 *a, const dock_net4 *b);
uint32_t dock_net4_broadcast (const dock_net4 *n);

/* One network's addressing: subnet, gateway (reserved), and the sub-range
   containers get addresses from (--ip-range; the whole subnet without it). */
typedef struct
{
  dock_net4 subnet;
  uint32_t gateway;
  dock_net4 range;
} dock_ipam_pool;

/* subnet is required; gateway NULL: the first host address; ip_range NULL:
   the whole subnet.  Errors are docker's messages for the same mistakes. */
int dock_ipam_pool_init (dock_ipam_pool *pool, const char *subnet, const char *gateway, const char *ip_range,
                         berth_error **err);

/* An address for a container: `requested` (--ip, may be NULL) if it is in
   the subnet and free, else the lowest free address of the range that is
   not the network address, the broadcast, the gateway or one in used[]. */
int dock_ipam_allocate (const dock_ipam_pool *pool, const uint32_t *used, size_t n_used, const char *requested,
                        uint32_t *out, berth_error **err);

/* docker's default-address-pools: a base network split in subnets of size
   `size` (172.17.0.0/16 -> /16s, 192.168.0.0/16 -> /20s ...). */
typedef struct
{
  dock_net4 base;
  unsigned size;
} dock_address_pool;

/* docker's built-in list (daemon.json's default-address-pools replaces it). */
extern const dock_address_pool dock_default_address_pools[];
extern const size_t dock_n_default_address_pools;

/* The first subnet carved from pools (NULL/0: docker's defaults) that
   overlaps none of existing[] (the subnets of the other networks). */
int dock_ipam_next_subnet (const dock_address_pool *pools, size_t n_pools, const dock_net4 *existing,
                           size_t n_existing, dock_net4 *out, berth_error **err);

/* -1 with docker's overlap message when subnet overlaps one of existing[]. */
int dock_ipam_check_overlap (const dock_net4 *subnet, const dock_net4 *existing, size_t n_existing,
                             berth_error **err);

#endif
