/* docker's -p syntax and its two displays: the PORTS column of `ps` and
   the lines of `dock port`.  Pure functions, no sockets. */
#ifndef DOCK_NETWORK_PORTS_H
#define DOCK_NETWORK_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"

typedef enum
{
  DOCK_PROTO_TCP,
  DOCK_PROTO_UDP,
  DOCK_PROTO_SCTP,
} dock_proto;

/* "tcp" ... ; -1 for a name docker does not know. */
int dock_proto_parse (const char *s, dock_proto *out);
const char *dock_proto_name (dock_proto p);

/* One container port and how it is published.  host_start == 0: a free
   host port is chosen; host_start < host_end with one container port: any
   free port of that host range (docker's "8000-8010:80"). */
typedef struct
{
  char host_ip[46]; /* "" = every address; IPv6 without brackets */
  uint16_t host_start, host_end;
  uint16_t container_port;
  dock_proto proto;
} dock_port_mapping;

/* Parse one -p value ("80", "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80",
   "53:53/udp", "8000-8001:80-81", "[::1]:80:80") into one mapping per
   container port.  Errors are docker's messages. */
int dock_port_spec_parse (const char *spec, dock_port_mapping **out, size_t *n_out, berth_error **err);

/* What `ps` and `port` display: a container port, and where it is
   published (host_ip NULL: exposed only). */
typedef struct
{
  const char *host_ip;
  uint16_t private_port, public_port;
  dock_proto proto;
} dock_port_summary;

/* The PORTS column, docker's grouping: "0.0.0.0:8080-8081->80-81/tcp,
   [::]:8080->80/tcp, 9000/tcp".  Sorts ports in place; malloc'd. */
char *dock_ports_column (dock_port_summary *ports, size_t n);

/* `dock port C [PORT[/PROTO]]`: every mapping as "80/tcp -> 0.0.0.0:8080"
   lines, or for one port its host addresses ("0.0.0.0:8080").  Unpublished
   ports are left out.  -1 with docker's message when `filter` names a port
   that is not published; container is the name used in that message. */
int dock_port_lines (const dock_port_summary *ports, size_t n, const char *filter, const char *container, char **out,
                     berth_error **err);

#endif
