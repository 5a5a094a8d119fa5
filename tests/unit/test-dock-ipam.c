/* dock's IPAM: subnets, docker's default pools, overlap, allocation. */
#include "config.h"

#include <string.h>

#include "libdock/network/ipam.h"
#include "libberth/util.h"
#include "tap.h"

static uint32_t
ip (const char *s)
{
  uint32_t a = 0;
  dock_ip4_parse (s, &a, NULL);
  return a;
}

/* err is read through a pointer: it is set by the call in the first
   argument, whose evaluation order against the others is unspecified. */
static bool
fails_with (int rc, berth_error **errp, const char *want)
{
  berth_error *err = *errp;
  bool ok = rc < 0 && err && strstr (err->msg, want);
  if (!ok)
    diag ("rc %d, message: %s (wanted: %s)", rc, err ? err->msg : "(none)", want);
  return ok;
}

static void
test_parse (void)
{
  dock_net4 n;
  char buf[DOCK_NET4_STRLEN];
  tap_ok (dock_net4_parse ("172.17.0.0/16", &n, NULL) == 0 && n.prefix == 16 && n.addr == 0xac110000,
          "a CIDR subnet parses");
  dock_net4_format (&n, buf);
  tap_ok (strcmp (buf, "172.17.0.0/16") == 0, "a subnet formats back as written");
  cleanup_error berth_error *err = NULL;
  tap_ok (fails_with (dock_net4_parse ("172.17.0.1/16", &n, &err), &err,
                      "invalid subnet 172.17.0.1/16 : it should be 172.17.0.0/16"),
          "host bits in a subnet are refused with the subnet it should be");
  berth_error_free (err);
  err = NULL;
  tap_ok (fails_with (dock_net4_parse ("10.0.0.0/33", &n, &err), &err, "invalid CIDR address: 10.0.0.0/33"),
          "a prefix over 32 is refused");
  berth_error_free (err);
  err = NULL;
  tap_ok (dock_net4_parse ("10.0.0.0", &n, NULL) < 0, "a subnet without a prefix is refused");
}

static void
test_overlap (void)
{
  dock_net4 a, b, c;
  dock_net4_parse ("172.17.0.0/16", &a, NULL);
  dock_net4_parse ("172.17.5.0/24", &b, NULL);
  dock_net4_parse ("172.18.0.0/16", &c, NULL);
  tap_ok (dock_net4_overlap (&a, &b) && dock_net4_overlap (&b, &a), "a subnet overlaps its sub-subnet both ways");
  tap_ok (!dock_net4_overlap (&a, &c), "neighbouring /16s do not overlap");
  cleanup_error berth_error *err = NULL;
  dock_net4 existing[] = { a, c };
  tap_ok (fails_with (dock_ipam_check_overlap (&b, existing, 2, &err), &err,
                      "Pool overlaps with other one on this address space"),
          "an overlapping --subnet gets docker's message");
}

static void
test_default_pools (void)
{
  dock_net4 got, existing[16];
  char buf[DOCK_NET4_STRLEN];
  tap_ok (dock_ipam_next_subnet (NULL, 0, NULL, 0, &got, NULL) == 0, "the first default subnet is found");
  dock_net4_format (&got, buf);
  tap_ok (strcmp (buf, "172.17.0.0/16") == 0, "the default bridge gets 172.17.0.0/16 (got %s)", buf);
  existing[0] = got;
  dock_ipam_next_subnet (NULL, 0, existing, 1, &got, NULL);
  dock_net4_format (&got, buf);
  tap_ok (strcmp (buf, "172.18.0.0/16") == 0, "the next network gets 172.18.0.0/16 (got %s)", buf);
  /* 172.17..172.31 are 15 /16s; the sixteenth network gets a /20 of
     192.168.0.0/16. */
  size_t n = 0;
  for (unsigned i = 17; i <= 31; i++)
    existing[n++] = (dock_net4) { 0xac000000u | (i << 16), 16 };
  dock_ipam_next_subnet (NULL, 0, existing, n, &got, NULL);
  dock_net4_format (&got, buf);
  tap_ok (strcmp (buf, "192.168.0.0/20") == 0, "after 172.31.0.0/16 comes 192.168.0.0/20 (got %s)", buf);
  /* A user subnet inside the pools is skipped over. */
  dock_net4_parse ("172.17.200.0/24", &existing[0], NULL);
  dock_ipam_next_subnet (NULL, 0, existing, 1, &got, NULL);
  dock_net4_format (&got, buf);
  tap_ok (strcmp (buf, "172.18.0.0/16") == 0, "a default subnet never overlaps a user subnet (got %s)", buf);
  dock_address_pool custom = { { 0x0a0a0000, 16 }, 24 };
  dock_net4_parse ("10.10.0.0/24", &existing[0], NULL);
  dock_ipam_next_subnet (&custom, 1, existing, 1, &got, NULL);
  dock_net4_format (&got, buf);
  tap_ok (strcmp (buf, "10.10.1.0/24") == 0, "daemon.json default-address-pools are split by size (got %s)", buf);
  dock_address_pool tiny = { { 0x0a0a0000, 24 }, 24 };
  cleanup_error berth_error *err = NULL;
  tap_ok (fails_with (dock_ipam_next_subnet (&tiny, 1, existing, 1, &got, &err), &err,
                      "could not find an available, non-overlapping IPv4 address pool"),
          "exhausted pools give docker's message");
}

static void
test_allocate (void)
{
  dock_ipam_pool pool;
  uint32_t got;
  char buf[DOCK_IP4_STRLEN];
  tap_ok (dock_ipam_pool_init (&pool, "172.17.0.0/16", NULL, NULL, NULL) == 0 && pool.gateway == ip ("172.17.0.1"),
          "the gateway defaults to the first host address");
  dock_ipam_allocate (&pool, NULL, 0, NULL, &got, NULL);
  dock_ip4_format (got, buf);
  tap_ok (strcmp (buf, "172.17.0.2") == 0, "the first container gets .2, past network and gateway (got %s)", buf);
  uint32_t used[] = { ip ("172.17.0.3"), ip ("172.17.0.2"), ip ("172.17.0.5") };
  dock_ipam_allocate (&pool, used, 3, NULL, &got, NULL);
  dock_ip4_format (got, buf);
  tap_ok (strcmp (buf, "172.17.0.4") == 0, "the lowest free address is taken, leases in any order (got %s)", buf);

  dock_ipam_pool_init (&pool, "10.1.0.0/16", "10.1.0.254", "10.1.0.0/24", NULL);
  uint32_t one[] = { ip ("10.1.0.1") };
  dock_ipam_allocate (&pool, one, 1, NULL, &got, NULL);
  dock_ip4_format (got, buf);
  tap_ok (strcmp (buf, "10.1.0.2") == 0, "with --gateway elsewhere .1 is leasable and skipped when used (got %s)", buf);
  dock_ipam_pool_init (&pool, "10.2.0.0/16", NULL, "10.2.5.0/24", NULL);
  dock_ipam_allocate (&pool, NULL, 0, NULL, &got, NULL);
  dock_ip4_format (got, buf);
  tap_ok (strcmp (buf, "10.2.5.0") == 0, "--ip-range allocates inside the range only (got %s)", buf);

  cleanup_error berth_error *err = NULL;
  dock_ipam_pool_init (&pool, "10.3.0.0/29", NULL, NULL, NULL);
  tap_ok (dock_ipam_allocate (&pool, NULL, 0, "10.3.0.6", &got, NULL) == 0 && got == ip ("10.3.0.6"),
          "a free requested --ip is granted");
  tap_ok (fails_with (dock_ipam_allocate (&pool, NULL, 0, "10.3.0.1", &got, &err), &err, "Address already in use"),
          "requesting the gateway is refused");
  berth_error_free (err);
  err = NULL;
  tap_ok (fails_with (dock_ipam_allocate (&pool, NULL, 0, "10.3.0.7", &got, &err), &err,
                      "It does not belong to any of this network's subnets"),
          "requesting the broadcast address is refused");
  berth_error_free (err);
  err = NULL;
  tap_ok (fails_with (dock_ipam_allocate (&pool, NULL, 0, "10.4.0.2", &got, &err), &err,
                      "invalid address 10.4.0.2: It does not belong to any of this network's subnets"),
          "requesting an address outside the subnet is refused");
  berth_error_free (err);
  err = NULL;
  uint32_t full[] = { ip ("10.3.0.2"), ip ("10.3.0.3"), ip ("10.3.0.4"), ip ("10.3.0.5"), ip ("10.3.0.6") };
  tap_ok (fails_with (dock_ipam_allocate (&pool, full, 5, NULL, &got, &err), &err, "no available IPv4 addresses"),
          "a full subnet is an error, the broadcast is never handed out");
  berth_error_free (err);
  err = NULL;
  tap_ok (fails_with (dock_ipam_pool_init (&pool, "10.5.0.0/24", "10.6.0.1", NULL, &err), &err,
                      "no matching subnet for gateway 10.6.0.1"),
          "a gateway outside the subnet is refused");
  berth_error_free (err);
  err = NULL;
  tap_ok (fails_with (dock_ipam_pool_init (&pool, "10.5.0.0/24", NULL, "10.5.0.0/16", &err), &err,
                      "no matching subnet for range 10.5.0.0/16"),
          "an --ip-range larger than the subnet is refused");
}

int
main (void)
{
  test_parse ();
  test_overlap ();
  test_default_pools ();
  test_allocate ();
  return tap_done ();
}
