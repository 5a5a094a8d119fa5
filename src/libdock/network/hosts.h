/* The files dock writes for a container's name resolution, as docker
   writes them: /etc/hosts (hosts.c), /etc/resolv.conf (resolvconf.c), and
   the environment variables of --link (linkenv.c).  Pure functions over
   strings: the caller reads the host's files and writes the results. */
#ifndef DOCK_NETWORK_HOSTS_H
#define DOCK_NETWORK_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "libberth/error.h"
#include "ports.h"

typedef struct
{
  const char *ip;
  const char *names; /* space-separated, the first is canonical */
} dock_hosts_record;

typedef struct
{
  const char *hostname;   /* the container's --hostname (or short id) */
  const char *domainname; /* --domainname or NULL */
  const char *const *own_ips; /* the container's addresses, one line each */
  size_t n_own_ips;
  bool ipv6; /* the ip6-* lines: off when the container has IPv6 disabled */
  const dock_hosts_record *extra; /* --add-host, in the order given */
  size_t n_extra;
  const dock_hosts_record *links; /* --link: see dock_link_hosts_names */
  size_t n_links;
  /* Members of the user-defined networks the container is on (name and
     aliases): this is how dock resolves names there, see hosts.c. */
  const dock_hosts_record *peers;
  size_t n_peers;
} dock_hosts_input;

/* The whole file, malloc'd. */
char *dock_hosts_render (const dock_hosts_input *in);

/* The names docker writes for a --link: "alias child-hostname [child-name]"
   (the name only when it differs from the alias); malloc'd. */
char *dock_link_hosts_names (const char *alias, const char *child_hostname, const char *child_name);

/* --add-host "name:ip" or "name=ip" (IPv6 may be bracketed; "host-gateway"
   is returned as is for the caller to replace).  Sets *name and *ip
   (malloc'd); docker's message on bad input. */
int dock_add_host_parse (const char *arg, char **name, char **ip, berth_error **err);

typedef struct
{
  /* Each list overrides the host's when non-empty (docker's rule). */
  const char *const *dns;
  size_t n_dns;
  const char *const *search;
  size_t n_search;
  const char *const *options;
  size_t n_options;
  bool ipv6;               /* keep IPv6 nameservers */
  const char *source_path; /* named in the trailer comment */
} dock_resolv_input;

/* The container's resolv.conf from the host's content: loopback
   nameservers dropped (they only answer in the host's namespace), IPv6 ones
   without ipv6, docker's defaults (8.8.8.8, 8.8.4.4) when none remain;
   --dns/--dns-search/--dns-option override.  -1 for a --dns that is not an
   IP address. */
int dock_resolvconf_render (const char *host_content, const dock_resolv_input *in, char **out, berth_error **err);

/* --link environment variables (docker's links.ToEnv): link_name is
   "/parent/alias"; ports the child's exposed ports; child_env its Env.
   Returns a NULL-terminated malloc'd vector of "K=V". */
typedef struct
{
  unsigned port;
  dock_proto proto;
} dock_exposed_port;

char **dock_link_env (const char *link_name, const char *child_ip, const dock_exposed_port *ports, size_t n_ports,
                      const char *const *child_env, size_t n_env);

#endif
