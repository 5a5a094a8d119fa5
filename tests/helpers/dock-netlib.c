/* dock-netlib: drives src/libdock/network from the command line, for
   tests/integration/test_dock_network_lib.py and tests/bench/netsetup.sh.
   Run it only inside a network namespace made for the purpose: it creates
   bridges, veths, sysctls and nftables rules in the namespace it runs in.

     bridge-up BRIDGE GATEWAY/PREFIX SUBNET [--internal] [--mtu N]
     bridge-down BRIDGE
     attach BRIDGE VETH NETNS_PATH ADDRESS/PREFIX GATEWAY|-
     detach VETH
     publish ID CONTAINER_IP SPEC...      prints one "HOSTIP:HOSTPORT->PORT/PROTO" per port
     unpublish ID
     drop-table
     bench N BRIDGE NETNS_PATH            per-container setup+teardown, prints microseconds */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libberth/util.h"
#include "libdock/network/ipam.h"
#include "libdock/network/link.h"
#include "libdock/network/nat.h"
#include "libdock/network/ports.h"

static int
bridge_up (int argc, char **argv, berth_error **err)
{
  if (argc < 3)
    return berth_fail (err, 0, "usage: bridge-up BRIDGE GATEWAY/PREFIX SUBNET [--internal] [--mtu N]");
  bool internal = false;
  unsigned mtu = 0;
  for (int i = 3; i < argc; i++)
    if (strcmp (argv[i], "--internal") == 0)
      internal = true;
    else if (strcmp (argv[i], "--mtu") == 0 && i + 1 < argc)
      mtu = (unsigned) atoi (argv[++i]);
  cleanup_nl dock_nl *nl = NULL;
  cleanup_nat dock_nat *nat = NULL;
  dock_nat_network net = { argv[0], argv[2], internal };
  if (dock_nl_open (-1, &nl, err) < 0 || dock_link_bridge_ensure (nl, argv[0], mtu, err) < 0
      || dock_addr_add (nl, argv[0], argv[1], err) < 0 || dock_bridge_sysctls (argv[0], err) < 0
      || dock_nat_open (&nat, err) < 0 || dock_nat_ensure_table (nat, err) < 0
      || dock_nat_network_add (nat, &net, err) < 0)
    return -1;
  return 0;
}

static int
bridge_down (int argc, char **argv, berth_error **err)
{
  if (argc < 1)
    return berth_fail (err, 0, "usage: bridge-down BRIDGE");
  cleanup_nl dock_nl *nl = NULL;
  cleanup_nat dock_nat *nat = NULL;
  if (dock_nat_open (&nat, err) < 0 || dock_nat_network_remove (nat, argv[0], err) < 0
      || dock_nl_open (-1, &nl, err) < 0 || dock_link_delete (nl, argv[0], true, err) < 0)
    return -1;
  return 0;
}

static int
attach (int argc, char **argv, berth_error **err)
{
  if (argc < 5)
    return berth_fail (err, 0, "usage: attach BRIDGE VETH NETNS_PATH ADDRESS/PREFIX GATEWAY|-");
  cleanup_close int nsfd = open (argv[2], O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return berth_fail_errno (err, "open %s", argv[2]);
  cleanup_nl dock_nl *nl = NULL;
  dock_attach a = { .bridge = argv[0], .host_veth = argv[1], .container_ifname = "eth0", .netns_fd = nsfd,
                    .address = argv[3], .gateway = strcmp (argv[4], "-") == 0 ? NULL : argv[4] };
  if (dock_nl_open (-1, &nl, err) < 0 || dock_net_attach (nl, &a, err) < 0)
    return -1;
  return 0;
}

static int
detach (int argc, char **argv, berth_error **err)
{
  if (argc < 1)
    return berth_fail (err, 0, "usage: detach VETH");
  cleanup_nl dock_nl *nl = NULL;
  if (dock_nl_open (-1, &nl, err) < 0 || dock_net_detach (nl, argv[0], err) < 0)
    return -1;
  return 0;
}

/* Parse, reserve and forward as `dock run -p` will; the reservations are
   released when this program exits (dock-shim will hold them). */
static int
publish (int argc, char **argv, berth_error **err)
{
  if (argc < 3)
    return berth_fail (err, 0, "usage: publish ID CONTAINER_IP SPEC...");
  dock_nat_port ports[256];
  int fds[256];
  size_t n = 0;
  int rc = -1;
  cleanup_nat dock_nat *nat = NULL; /* before any goto: its cleanup runs at out */
  for (int i = 2; i < argc; i++)
    {
      cleanup_free dock_port_mapping *m = NULL;
      size_t nm = 0;
      if (dock_port_spec_parse (argv[i], &m, &nm, err) < 0)
        goto out;
      for (size_t k = 0; k < nm; k++)
        {
          if (n == ARRAY_SIZE (ports))
            {
              berth_fail (err, 0, "too many ports");
              goto out;
            }
          uint16_t got;
          const char *ip = m[k].host_ip[0] ? m[k].host_ip : NULL;
          if (dock_port_reserve (ip, m[k].proto, m[k].host_start, m[k].host_end, &got, &fds[n], err) < 0)
            goto out;
          ports[n] = (dock_nat_port) { ip ? xstrdup (ip) : NULL, got, m[k].container_port, m[k].proto };
          n++;
        }
    }
  if (dock_nat_open (&nat, err) < 0 || dock_nat_ensure_table (nat, err) < 0
      || dock_nat_publish (nat, argv[0], argv[1], ports, n, err) < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    printf ("%s:%u->%u/%s\n", ports[i].host_ip ? ports[i].host_ip : "0.0.0.0", ports[i].host_port,
            ports[i].container_port, dock_proto_name (ports[i].proto));
  rc = 0;
out:
  for (size_t i = 0; i < n; i++)
    {
      close (fds[i]);
      free ((char *) ports[i].host_ip);
    }
  return rc;
}

static int
unpublish (int argc, char **argv, berth_error **err)
{
  if (argc < 1)
    return berth_fail (err, 0, "usage: unpublish ID");
  cleanup_nat dock_nat *nat = NULL;
  if (dock_nat_open (&nat, err) < 0 || dock_nat_unpublish (nat, argv[0], err) < 0)
    return -1;
  return 0;
}

static int
drop_table (int argc, char **argv, berth_error **err)
{
  cleanup_nat dock_nat *nat = NULL;
  if (dock_nat_open (&nat, err) < 0 || dock_nat_delete_table (nat, err) < 0)
    return -1;
  return 0;
}

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* What dock does per container on an existing bridge: veth + address +
   route + a reserved and forwarded port, then all of it removed.  One
   netlink socket and one nftables context are made per container, as a
   dock process would; the first (loading libnftables) is counted too. */
static int
bench (int argc, char **argv, berth_error **err)
{
  if (argc < 3)
    return berth_fail (err, 0, "usage: bench N BRIDGE NETNS_PATH");
  int n = atoi (argv[0]);
  if (n <= 0)
    return berth_fail (err, 0, "bench: N must be positive");
  cleanup_close int nsfd = open (argv[2], O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return berth_fail_errno (err, "open %s", argv[2]);
  cleanup_free double *setup = xcalloc (n, sizeof *setup);
  cleanup_free double *teardown = xcalloc (n, sizeof *teardown);
  cleanup_free double *total = xcalloc (n, sizeof *total);
  for (int i = 0; i < n; i++)
    {
      char veth[16], id[32];
      snprintf (veth, sizeof veth, "vethb%05u", (unsigned) i % 100000u);
      snprintf (id, sizeof id, "bench%05u", (unsigned) i % 100000u);
      double t0 = now_us ();
      cleanup_nl dock_nl *nl = NULL;
      cleanup_nat dock_nat *nat = NULL;
      dock_attach a = { .bridge = argv[1], .host_veth = veth, .container_ifname = "eth0", .netns_fd = nsfd,
                        .address = "172.31.0.2/16", .gateway = "172.31.0.1" };
      uint16_t port;
      cleanup_close int fd = -1;
      if (dock_nl_open (-1, &nl, err) < 0 || dock_net_attach (nl, &a, err) < 0
          || dock_port_reserve ("127.0.0.1", DOCK_PROTO_TCP, 0, 0, &port, &fd, err) < 0)
        return -1;
      dock_nat_port p = { "127.0.0.1", port, 80, DOCK_PROTO_TCP };
      if (dock_nat_open (&nat, err) < 0 || dock_nat_ensure_table (nat, err) < 0
          || dock_nat_publish (nat, id, "172.31.0.2", &p, 1, err) < 0)
        return -1;
      double t1 = now_us ();
      if (dock_nat_unpublish (nat, id, err) < 0 || dock_net_detach (nl, veth, err) < 0)
        return -1;
      double t2 = now_us ();
      setup[i] = t1 - t0;
      teardown[i] = t2 - t1;
      total[i] = t2 - t0;
    }
  qsort (setup, n, sizeof *setup, cmp_double);
  qsort (teardown, n, sizeof *teardown, cmp_double);
  qsort (total, n, sizeof *total, cmp_double);
  printf ("runs %d setup_median_us %.0f teardown_median_us %.0f total_median_us %.0f total_min_us %.0f\n", n,
          setup[n / 2], teardown[n / 2], total[n / 2], total[0]);
  return 0;
}

static const struct
{
  const char *name;
  int (*fn) (int, char **, berth_error **);
} commands[] = {
  { "bridge-up", bridge_up }, { "bridge-down", bridge_down }, { "attach", attach },     { "detach", detach },
  { "publish", publish },     { "unpublish", unpublish },     { "drop-table", drop_table }, { "bench", bench },
};

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: dock-netlib COMMAND ARGS... (see the source)\n");
      return 2;
    }
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        cleanup_error berth_error *err = NULL;
        if (commands[i].fn (argc - 2, argv + 2, &err) == 0)
          return 0;
        cleanup_free char *text = berth_error_text (err);
        fprintf (stderr, "dock-netlib: %s: %s\n", argv[1], text);
        return 1;
      }
  fprintf (stderr, "dock-netlib: unknown command %s\n", argv[1]);
  return 2;
}
