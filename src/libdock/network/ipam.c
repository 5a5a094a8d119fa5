#include "config.h"

#include "ipam.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"

static uint32_t
mask_of (unsigned prefix)
{
  return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int
dock_ip4_parse (const char *s, uint32_t *out, berth_error **err)
{
  struct in_addr a;
  if (s == NULL || inet_pton (AF_INET, s, &a) != 1)
    return berth_fail (err, 0, "invalid IP address: %s", s ? s : "");
  *out = ntohl (a.s_addr);
  return 0;
}

void
dock_ip4_format (uint32_t addr, char buf[DOCK_IP4_STRLEN])
{
  snprintf (buf, DOCK_IP4_STRLEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);
}

int
dock_net4_parse (const char *s, dock_net4 *out, berth_error **err)
{
  const char *slash = s ? strchr (s, '/') : NULL;
  unsigned long long prefix;
  if (slash == NULL || parse_uint64 (slash + 1, &prefix) < 0 || prefix > 32)
    return berth_fail (err, 0, "invalid CIDR address: %s", s ? s : "");
  cleanup_free char *ip = xstrndup (s, slash - s);
  uint32_t addr;
  if (dock_ip4_parse (ip, &addr, NULL) < 0)
    return berth_fail (err, 0, "invalid CIDR address: %s", s);
  out->prefix = (unsigned) prefix;
  out->addr = addr & mask_of (out->prefix);
  if (out->addr != addr)
    {
      char want[DOCK_NET4_STRLEN];
      dock_net4_format (out, want);
      return berth_fail (err, 0, "invalid subnet %s : it should be %s", s, want);
    }
  return 0;
}

void
dock_net4_format (const dock_net4 *n, char buf[DOCK_NET4_STRLEN])
{
  char ip[DOCK_IP4_STRLEN];
  dock_ip4_format (n->addr, ip);
  snprintf (buf, DOCK_NET4_STRLEN, "%s/%u", ip, n->prefix);
}

bool
dock_net4_contains (const dock_net4 *n, uint32_t addr)
{
  return (addr & mask_of (n->prefix)) == n->addr;
}

bool
dock_net4_overlap (const dock_net4 *a, const dock_net4 *b)
{
  /* Two prefixes overlap exactly when the shorter one contains the other's
     network address. */
  return a->prefix <= b->prefix ? dock_net4_contains (a, b->addr) : dock_net4_contains (b, a->addr);
}

uint32_t
dock_net4_broadcast (const dock_net4 *n)
{
  return n->addr | ~mask_of (n->prefix);
}

int
dock_ipam_pool_init (dock_ipam_pool *pool, const char *subnet, const char *gateway, const char *ip_range,
                     berth_error **err)
{
  memset (pool, 0, sizeof *pool);
  if (dock_net4_parse (subnet, &pool->subnet, err) < 0)
    return -1;
  /* A /31 or /32 leaves no address for both a gateway and a container. */
  if (pool->subnet.prefix > 30)
    return berth_fail (err, 0, "subnet %s is too small: a bridge network needs at least a /30", subnet);
  if (gateway)
    {
      if (dock_ip4_parse (gateway, &pool->gateway, err) < 0)
        return -1;
      if (!dock_net4_contains (&pool->subnet, pool->gateway))
        return berth_fail (err, 0, "no matching subnet for gateway %s", gateway);
    }
  else
    pool->gateway = pool->subnet.addr + 1;
  if (ip_range)
    {
      if (dock_net4_parse (ip_range, &pool->range, err) < 0)
        return -1;
      if (pool->range.prefix < pool->subnet.prefix || !dock_net4_contains (&pool->subnet, pool->range.addr))
        return berth_fail (err, 0, "no matching subnet for range %s", ip_range);
    }
  else
    pool->range = pool->subnet;
  return 0;
}

static int
cmp_u32 (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
  return x < y ? -1 : x > y;
}

static bool
reserved (const dock_ipam_pool *pool, uint32_t addr)
{
  return addr == pool->subnet.addr || addr == dock_net4_broadcast (&pool->subnet) || addr == pool->gateway;
}

int
dock_ipam_allocate (const dock_ipam_pool *pool, const uint32_t *used, size_t n_used, const char *requested,
                    uint32_t *out, berth_error **err)
{
  cleanup_free uint32_t *sorted = xmalloc ((n_used ? n_used : 1) * sizeof *sorted);
  if (n_used)
    memcpy (sorted, used, n_used * sizeof *sorted);
  qsort (sorted, n_used, sizeof *sorted, cmp_u32);

  if (requested)
    {
      uint32_t want;
      if (dock_ip4_parse (requested, &want, err) < 0)
        return -1;
      if (!dock_net4_contains (&pool->subnet, want) || want == pool->subnet.addr
          || want == dock_net4_broadcast (&pool->subnet))
        return berth_fail (err, 0, "invalid address %s: It does not belong to any of this network's subnets",
                           requested);
      if (want == pool->gateway || bsearch (&want, sorted, n_used, sizeof *sorted, cmp_u32))
        return berth_fail (err, 0, "Address already in use");
      *out = want;
      return 0;
    }

  /* Walk the range and the sorted leases together: the first address of
     the range that the leases skip is free.  O(n log n) for n leases. */
  uint32_t first = pool->range.addr, last = dock_net4_broadcast (&pool->range);
  size_t i = 0;
  for (uint64_t a = first; a <= last; a++)
    {
      while (i < n_used && sorted[i] < a)
        i++;
      if (i < n_used && sorted[i] == a)
        continue;
      if (reserved (pool, (uint32_t) a))
        continue;
      *out = (uint32_t) a;
      return 0;
    }
  char net[DOCK_NET4_STRLEN];
  dock_net4_format (&pool->range, net);
  return berth_fail (err, 0, "no available IPv4 addresses on this network's address pools (%s)", net);
}

/* docker's built-in default-address-pools (libnetwork/ipamutils). */
const dock_address_pool dock_default_address_pools[] = {
  { { 0xac110000, 16 }, 16 }, /* 172.17.0.0/16 */
  { { 0xac120000, 16 }, 16 }, /* 172.18.0.0/16 */
  { { 0xac130000, 16 }, 16 }, /* 172.19.0.0/16 */
  { { 0xac140000, 14 }, 16 }, /* 172.20.0.0/14 */
  { { 0xac180000, 14 }, 16 }, /* 172.24.0.0/14 */
  { { 0xac1c0000, 14 }, 16 }, /* 172.28.0.0/14 */
  { { 0xc0a80000, 16 }, 20 }, /* 192.168.0.0/16 */
};
const size_t dock_n_default_address_pools = ARRAY_SIZE (dock_default_address_pools);

int
dock_ipam_check_overlap (const dock_net4 *subnet, const dock_net4 *existing, size_t n_existing, berth_error **err)
{
  for (size_t i = 0; i < n_existing; i++)
    if (dock_net4_overlap (subnet, &existing[i]))
      return berth_fail (err, 0, "invalid pool request: Pool overlaps with other one on this address space");
  return 0;
}

int
dock_ipam_next_subnet (const dock_address_pool *pools, size_t n_pools, const dock_net4 *existing, size_t n_existing,
                       dock_net4 *out, berth_error **err)
{
  if (pools == NULL || n_pools == 0)
    {
      pools = dock_default_address_pools;
      n_pools = dock_n_default_address_pools;
    }
  for (size_t p = 0; p < n_pools; p++)
    {
      const dock_address_pool *pool = &pools[p];
      if (pool->size < pool->base.prefix || pool->size > 30)
        return berth_fail (err, 0, "invalid default address pool: size %u for base prefix /%u", pool->size,
                           pool->base.prefix);
      uint64_t step = 1ull << (32 - pool->size);
      uint64_t end = (uint64_t) dock_net4_broadcast (&pool->base) + 1;
      for (uint64_t a = pool->base.addr; a < end; a += step)
        {
          dock_net4 cand = { (uint32_t) a, pool->size };
          if (dock_ipam_check_overlap (&cand, existing, n_existing, NULL) == 0)
            {
              *out = cand;
              return 0;
            }
        }
    }
  return berth_fail (err, 0,
                     "could not find an available, non-overlapping IPv4 address pool among the defaults to assign "
                     "to the network");
}
