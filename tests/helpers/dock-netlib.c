/* dock-netlib: drives src/libdock/network from the command line, for
   tests/integration/test_dock_network_lib.py and tests/bench/netsetup.sh.
   Run it only inside a network namespace made for the purpose: it creates
   bridges, veths, sysctls and nftables rules in the namespace it runs in.

     bridge-up BRIDGE GATEWAY/PREFIX SUBNET [--internal] [--mtu N]
     bridge-down BRIDGE
     attach BRIDGE VETH NETNS_PATH|pidfd:PID ADDRESS/PREFIX GATEWAY|-
     enslave-move BRIDGE HOSTLINK LINK NETNS_PATH NEWNAME
     detach VETH
     publish ID CONTAINER_IP SPEC...      prints one "HOSTIP:HOSTPORT->PORT/PROTO" per port
     unpublish ID
     list-containers                      ids of the containers with forwards
     drop-table
     bench N BRIDGE delete|ns-exit [NETNS_PATH]   per-container setup+teardown, microseconds */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
    return berth_fail (err, 0, "usage: attach BRIDGE VETH NETNS_PATH|pidfd:PID ADDRESS/PREFIX GATEWAY|-");
  /* "pidfd:PID": the namespace given as a pidfd, as dock-shim will. */
  cleanup_close int nsfd = strncmp (argv[2], "pidfd:", 6) == 0
                               ? (int) syscall (SYS_pidfd_open, atoi (argv[2] + 6), 0)
                               : open (argv[2], O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return berth_fail_errno (err, "open %s", argv[2]);
  cleanup_nl dock_nl *nl = NULL;
  dock_attach a = { .bridge = argv[0], .host_veth = argv[1], .container_ifname = "eth0", .netns_fd = nsfd,
                    .address = argv[3], .gateway = strcmp (argv[4], "-") == 0 ? NULL : argv[4] };
  char before[64] = "", after[64] = "";
  if (readlink ("/proc/thread-self/ns/net", before, sizeof before - 1) < 0)
    return berth_fail_errno (err, "readlink /proc/thread-self/ns/net");
  if (dock_nl_open (-1, &nl, err) < 0 || dock_net_attach (nl, &a, err) < 0)
    return -1;
  /* The library joins the container's namespace only in a thread of its
     own: this thread must still be where it was. */
  if (readlink ("/proc/thread-self/ns/net", after, sizeof after - 1) < 0 || strcmp (before, after) != 0)
    return berth_fail (err, 0, "the calling thread was left in another network namespace (%s)", after);
  return 0;
}

/* An existing link (made by the caller) onto the bridge, and another into
   a namespace under a new name: the pieces dock_net_attach does not use. */
static int
enslave_move (int argc, char **argv, berth_error **err)
{
  if (argc < 5)
    return berth_fail (err, 0, "usage: enslave-move BRIDGE HOSTLINK LINK NETNS_PATH NEWNAME");
  cleanup_close int nsfd = open (argv[3], O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return berth_fail_errno (err, "open %s", argv[3]);
  cleanup_nl dock_nl *nl = NULL;
  if (dock_nl_open (-1, &nl, err) < 0 || dock_link_set_master (nl, argv[1], argv[0], err) < 0
      || dock_link_set_up (nl, argv[1], err) < 0 || dock_link_set_netns (nl, argv[2], nsfd, argv[4], err) < 0)
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
list_containers (int argc, char **argv, berth_error **err)
{
  cleanup_nat dock_nat *nat = NULL;
  cleanup_strv char **ids = NULL;
  if (dock_nat_open (&nat, err) < 0 || dock_nat_container_ids (nat, &ids, err) < 0)
    return -1;
  for (char **id = ids; *id; id++)
    printf ("%s\n", *id);
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

static double
cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A "container" network namespace: a child that unshares one and waits. */
static pid_t
spawn_netns (int *nsfd, berth_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return berth_fail_errno (err, "pipe");
  pid_t pid = fork ();
  if (pid < 0)
    return berth_fail_errno (err, "fork");
  if (pid == 0)
    {
      char ok = unshare (CLONE_NEWNET) == 0 ? 'y' : 'n';
      if (write (p[1], &ok, 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (p[1]);
  char ok = 'n';
  ssize_t r = read (p[0], &ok, 1);
  close (p[0]);
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/ns/net", (int) pid);
  if (r != 1 || ok != 'y' || (*nsfd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return berth_fail (err, 0, "bench: could not make a network namespace");
    }
  return pid;
}

/* What dock does per container on an existing bridge: veth + address +
   route + a reserved and forwarded port, then all of it removed.  One
   netlink socket and one nftables context are made per container, as a
   dock process would.  Two ways to end:
     delete   the veth is deleted explicitly (`network disconnect` of a
              running container), in one long-lived namespace;
     ns-exit  each container has its own namespace, which goes when its
              last process exits (what happens when a container stops):
              dock removes the NAT rules, the kernel the veth pair. */
static int
bench (int argc, char **argv, berth_error **err)
{
  if (argc < 3)
    return berth_fail (err, 0, "usage: bench N BRIDGE delete|ns-exit [NETNS_PATH]");
  int n = atoi (argv[0]);
  bool ns_exit = strcmp (argv[2], "ns-exit") == 0;
  if (n <= 0 || (!ns_exit && argc < 4))
    return berth_fail (err, 0, "usage: bench N BRIDGE delete|ns-exit [NETNS_PATH]");
  cleanup_close int shared_ns = -1;
  if (!ns_exit && (shared_ns = open (argv[3], O_RDONLY | O_CLOEXEC)) < 0)
    return berth_fail_errno (err, "open %s", argv[3]);
  /* Per phase, wall and CPU time, so that the report can say where the
     time goes. */
  enum { ATTACH, PUBLISH, UNPUBLISH, DETACH, SETUP, TEARDOWN, TOTAL, CPU, N_PHASES };
  static const char *const names[]
      = { "attach", "publish", "unpublish", "detach", "setup", "teardown", "total", "cpu" };
  cleanup_free double *t = xcalloc ((size_t) n * N_PHASES, sizeof *t);
  for (int i = 0; i < n; i++)
    {
      char veth[16], id[32];
      snprintf (veth, sizeof veth, "vethb%05u", (unsigned) i % 100000u);
      snprintf (id, sizeof id, "bench%05u", (unsigned) i % 100000u);
      cleanup_close int own_ns = -1;
      pid_t holder = -1;
      if (ns_exit && (holder = spawn_netns (&own_ns, err)) < 0)
        return -1;
      int nsfd = ns_exit ? own_ns : shared_ns;
      double c0 = cpu_us (), t0 = now_us ();
      cleanup_nl dock_nl *nl = NULL;
      cleanup_nat dock_nat *nat = NULL;
      dock_attach a = { .bridge = argv[1], .host_veth = veth, .container_ifname = "eth0", .netns_fd = nsfd,
                        .address = "172.31.0.2/16", .gateway = "172.31.0.1" };
      uint16_t port;
      cleanup_close int fd = -1;
      if (dock_nl_open (-1, &nl, err) < 0 || dock_net_attach (nl, &a, err) < 0)
        return -1;
      double t1 = now_us ();
      if (dock_port_reserve ("127.0.0.1", DOCK_PROTO_TCP, 0, 0, &port, &fd, err) < 0)
        return -1;
      dock_nat_port p = { "127.0.0.1", port, 80, DOCK_PROTO_TCP };
      if (dock_nat_open (&nat, err) < 0 || dock_nat_ensure_table (nat, err) < 0
          || dock_nat_publish (nat, id, "172.31.0.2", &p, 1, err) < 0)
        return -1;
      double t2 = now_us ();
      if (dock_nat_unpublish (nat, id, err) < 0)
        return -1;
      double t3 = now_us ();
      if (ns_exit)
        {
          closep (&own_ns);
          kill (holder, SIGKILL);
          waitpid (holder, NULL, 0);
        }
      else if (dock_net_detach (nl, veth, err) < 0)
        return -1;
      double t4 = now_us (), c4 = cpu_us ();
      double *row[N_PHASES];
      for (int k = 0; k < N_PHASES; k++)
        row[k] = &t[(size_t) k * n + i];
      *row[ATTACH] = t1 - t0;
      *row[PUBLISH] = t2 - t1;
      *row[UNPUBLISH] = t3 - t2;
      *row[DETACH] = t4 - t3;
      *row[SETUP] = t2 - t0;
      *row[TEARDOWN] = t4 - t2;
      *row[TOTAL] = t4 - t0;
      *row[CPU] = c4 - c0;
    }
  printf ("runs %d", n);
  for (int k = 0; k < N_PHASES; k++)
    {
      double *col = &t[(size_t) k * n];
      qsort (col, n, sizeof *col, cmp_double);
      printf (" %s_median_us %.0f", names[k], col[n / 2]);
    }
  printf (" total_min_us %.0f\n", t[(size_t) TOTAL * n]);
  return 0;
}

static const struct
{
  const char *name;
  int (*fn) (int, char **, berth_error **);
} commands[] = {
  { "bridge-up", bridge_up }, { "bridge-down", bridge_down }, { "attach", attach },     { "detach", detach }, { "enslave-move", enslave_move },
  { "publish", publish },     { "unpublish", unpublish }, { "list-containers", list_containers },     { "drop-table", drop_table }, { "bench", bench },
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
