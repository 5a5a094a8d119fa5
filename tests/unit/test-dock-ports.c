/* -p parsing with docker's messages; the PORTS column and `dock port`. */
#include "config.h"

#include <string.h>

#include "libdock/network/ports.h"
#include "libberth/util.h"
#include "tap.h"

static void
parse_ok (const char *spec, size_t want_n, const char *ip, unsigned hs, unsigned he, unsigned cp, dock_proto proto)
{
  cleanup_free dock_port_mapping *m = NULL;
  size_t n = 0;
  cleanup_error berth_error *err = NULL;
  int rc = dock_port_spec_parse (spec, &m, &n, &err);
  bool ok = rc == 0 && n == want_n && strcmp (m[0].host_ip, ip) == 0 && m[0].host_start == hs
            && m[0].host_end == he && m[0].container_port == cp && m[0].proto == proto;
  if (!ok)
    diag ("rc %d n %zu err %s; first: ip '%s' host %u-%u container %u", rc, n, err ? err->msg : "-",
          m ? m[0].host_ip : "", m ? m[0].host_start : 0, m ? m[0].host_end : 0, m ? m[0].container_port : 0);
  tap_ok (ok, "-p %s parses", spec);
}

static void
parse_fails (const char *spec, const char *want)
{
  cleanup_free dock_port_mapping *m = NULL;
  size_t n = 0;
  cleanup_error berth_error *err = NULL;
  int rc = dock_port_spec_parse (spec, &m, &n, &err);
  bool ok = rc < 0 && err && strcmp (err->msg, want) == 0 && m == NULL;
  if (!ok)
    diag ("got: %s", err ? err->msg : "(success)");
  tap_ok (ok, "-p %s fails with \"%s\"", spec, want);
}

static void
test_parse (void)
{
  parse_ok ("80", 1, "", 0, 0, 80, DOCK_PROTO_TCP);
  parse_ok ("8080:80", 1, "", 8080, 8080, 80, DOCK_PROTO_TCP);
  parse_ok ("127.0.0.1:8080:80", 1, "127.0.0.1", 8080, 8080, 80, DOCK_PROTO_TCP);
  parse_ok ("127.0.0.1::80", 1, "127.0.0.1", 0, 0, 80, DOCK_PROTO_TCP);
  parse_ok ("53:53/udp", 1, "", 53, 53, 53, DOCK_PROTO_UDP);
  parse_ok ("53:53/UDP", 1, "", 53, 53, 53, DOCK_PROTO_UDP);
  parse_ok ("[::1]:8080:80", 1, "::1", 8080, 8080, 80, DOCK_PROTO_TCP);
  parse_ok ("::1:8080:80", 1, "::1", 8080, 8080, 80, DOCK_PROTO_TCP);
  parse_ok ("8000-8010:80", 1, "", 8000, 8010, 80, DOCK_PROTO_TCP);
  parse_ok ("80/", 1, "", 0, 0, 80, DOCK_PROTO_TCP);

  cleanup_free dock_port_mapping *m = NULL;
  size_t n = 0;
  tap_ok (dock_port_spec_parse ("9000-9002:80-82/udp", &m, &n, NULL) == 0 && n == 3 && m[2].host_start == 9002
              && m[2].host_end == 9002 && m[2].container_port == 82 && m[2].proto == DOCK_PROTO_UDP,
          "a range maps port by port (9002 -> 82/udp)");
  free (m);
  m = NULL;
  tap_ok (dock_port_spec_parse ("3000-3001", &m, &n, NULL) == 0 && n == 2 && m[1].host_start == 0
              && m[1].container_port == 3001,
          "a container range alone publishes each on a free port");

  parse_fails ("", "no port specified: <empty>");
  parse_fails ("8080:", "no port specified: 8080:<empty>");
  parse_fails ("8080:80/icmp", "invalid proto: icmp");
  parse_fails ("8080:http", "invalid containerPort: http");
  parse_fails ("80000:80", "invalid hostPort: 80000");
  parse_fails ("1.2.3:80:80", "invalid IP address: 1.2.3");
  parse_fails ("8000-8001:80-82", "invalid ranges specified for container and host Ports: 80-82 and 8000-8001");
  parse_fails ("81-80", "invalid containerPort: 81-80");
}

static void
column_is (dock_port_summary *p, size_t n, const char *want, const char *what)
{
  cleanup_free char *got = dock_ports_column (p, n);
  if (strcmp (got, want) != 0)
    diag ("got  '%s'\n# want '%s'", got, want);
  tap_ok (strcmp (got, want) == 0, "PORTS column: %s", what);
}

static void
test_column (void)
{
  dock_port_summary one[] = { { "0.0.0.0", 80, 8080, DOCK_PROTO_TCP }, { "::", 80, 8080, DOCK_PROTO_TCP } };
  column_is (one, 2, "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp", "IPv4 and IPv6 bindings, IPv4 first");
  dock_port_summary same[] = {
    { "0.0.0.0", 81, 81, DOCK_PROTO_TCP },
    { "0.0.0.0", 80, 80, DOCK_PROTO_TCP },
    { NULL, 9000, 0, DOCK_PROTO_TCP },
    { "0.0.0.0", 83, 83, DOCK_PROTO_TCP },
  };
  column_is (same, 4, "0.0.0.0:80-81->80-81/tcp, 0.0.0.0:83->83/tcp, 9000/tcp",
             "same-number ports group into ranges, a gap starts a new one");
  dock_port_summary exposed[] = { { NULL, 53, 0, DOCK_PROTO_UDP }, { NULL, 80, 0, DOCK_PROTO_TCP } };
  column_is (exposed, 2, "53/udp, 80/tcp", "exposed-only ports print as port/proto");
  column_is (NULL, 0, "", "no ports: an empty column");
}

static void
test_port_command (void)
{
  dock_port_summary p[] = {
    { "0.0.0.0", 80, 8080, DOCK_PROTO_TCP },
    { "::", 80, 8080, DOCK_PROTO_TCP },
    { "127.0.0.1", 9, 10000, DOCK_PROTO_UDP },
    { NULL, 443, 0, DOCK_PROTO_TCP },
  };
  cleanup_free char *all = NULL;
  dock_port_lines (p, 4, NULL, "web", &all, NULL);
  const char *want = "9/udp -> 127.0.0.1:10000\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n";
  if (strcmp (all, want) != 0)
    diag ("got:\n%s", all);
  tap_ok (strcmp (all, want) == 0, "dock port C lists every binding in natural order");
  cleanup_free char *one = NULL;
  dock_port_lines (p, 4, "80", "web", &one, NULL);
  tap_ok (strcmp (one, "0.0.0.0:8080\n[::]:8080\n") == 0, "dock port C 80 prints the host addresses");
  cleanup_free char *udp = NULL;
  dock_port_lines (p, 4, "9/udp", "web", &udp, NULL);
  tap_ok (strcmp (udp, "127.0.0.1:10000\n") == 0, "dock port C 9/udp selects by protocol");
  cleanup_error berth_error *err = NULL;
  cleanup_free char *none = NULL;
  tap_ok (dock_port_lines (p, 4, "443", "web", &none, &err) < 0 && err
              && strcmp (err->msg, "Error: No public port '443' published for web") == 0,
          "an exposed but unpublished port gets docker's message");
}

int
main (void)
{
  test_parse ();
  test_column ();
  test_port_command ();
  return tap_done ();
}
