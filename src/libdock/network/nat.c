#include "config.h"

#include "nat.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "libberth/util.h"
#include "ipam.h"
#include "nft_api.h"

struct dock_nat
{
  const dock_nft_api *api;
  struct nft_ctx *ctx;
};

int
dock_nat_open (dock_nat **out, berth_error **err)
{
  const dock_nft_api *api = dock_nft_api_get (err);
  if (api == NULL)
    return -1;
  struct nft_ctx *ctx = api->nft_ctx_new (NFT_CTX_DEFAULT);
  if (ctx == NULL)
    return berth_fail (err, ENOMEM, "nftables: create context");
  /* Output and errors go to buffers: a library never prints. */
  api->nft_ctx_buffer_output (ctx);
  api->nft_ctx_buffer_error (ctx);
  dock_nat *nat = xcalloc (1, sizeof *nat);
  nat->api = api;
  nat->ctx = ctx;
  *out = nat;
  return 0;
}

void
dock_nat_close (dock_nat *nat)
{
  if (nat == NULL)
    return;
  nat->api->nft_ctx_free (nat->ctx);
  free (nat);
}

void
dock_nat_closep (dock_nat **nat)
{
  dock_nat_close (*nat);
  *nat = NULL;
}

/* A batch of commands, run as one nftables transaction. */
typedef struct
{
  char *text;
  size_t len;
} batch;

static void __attribute__ ((format (printf, 2, 3)))
batch_add (batch *b, const char *fmt, ...)
{
  va_list ap;
  char *line;
  va_start (ap, fmt);
  if (vasprintf (&line, fmt, ap) < 0)
    abort ();
  va_end (ap);
  size_t n = strlen (line);
  b->text = xrealloc (b->text, b->len + n + 2);
  memcpy (b->text + b->len, line, n);
  b->len += n;
  b->text[b->len++] = '\n';
  b->text[b->len] = '\0';
  free (line);
}

static void
batch_free (batch *b)
{
  free (b->text);
}

/* The kernel's answer in one line: the first line of libnftables' error
   buffer without its "Error: " prefix. */
static char *
first_error_line (const char *buf)
{
  if (buf == NULL || *buf == '\0')
    return xstrdup ("failed");
  if (strncmp (buf, "Error: ", 7) == 0)
    buf += 7;
  const char *nl = strchr (buf, '\n');
  return nl ? xstrndup (buf, nl - buf) : xstrdup (buf);
}

/* libnftables appends to its buffers until they are read: empty both
   before a command so that what is read after is that command's alone. */
static void
drain (dock_nat *nat)
{
  nat->api->nft_ctx_get_output_buffer (nat->ctx);
  nat->api->nft_ctx_get_error_buffer (nat->ctx);
}

/* Run text; on failure *kernel_msg (if given) receives the one-line reason. */
static int
run (dock_nat *nat, const char *text, const char *what, char **kernel_msg, berth_error **err)
{
  drain (nat);
  if (nat->api->nft_run_cmd_from_buffer (nat->ctx, text) == 0)
    return 0;
  cleanup_free char *msg = first_error_line (nat->api->nft_ctx_get_error_buffer (nat->ctx));
  if (kernel_msg)
    *kernel_msg = xstrdup (msg);
  return berth_fail (err, 0, "%s: nftables: %s", what, msg);
}

static int
check_ident (const char *s, size_t max, const char *what, berth_error **err)
{
  size_t n = s ? strlen (s) : 0;
  if (n == 0 || n > max)
    return berth_fail (err, EINVAL, "invalid %s \"%s\"", what, s ? s : "");
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char) s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
      return berth_fail (err, EINVAL, "invalid %s \"%s\"", what, s);
  return 0;
}

static const char TABLE[] = "ip dock";

/* Whether dock's table is there, from its smallest object (listing the
   table would fetch every container's rules).  Removal when the table is
   gone is success: there is nothing left to remove. */
static bool
table_exists (dock_nat *nat)
{
  drain (nat);
  return nat->api->nft_run_cmd_from_buffer (nat->ctx, "list map ip dock bridges") == 0;
}

int
dock_nat_ensure_table (dock_nat *nat, berth_error **err)
{
  /* Looked up first: a failed batch is aborted in the kernel after an RCU
     grace period (~10 ms on a busy machine), a lookup costs 0.1 ms. */
  if (table_exists (nat))
    return 0;
  __attribute__ ((cleanup (batch_free))) batch b = { 0 };
  /* `create table` fails when the table exists, which aborts the whole
     batch: the fixed rules are then added exactly once even when two dock
     processes race here. */
  batch_add (&b, "create table %s", TABLE);
  batch_add (&b, "add map %s bridges { type ifname : verdict; }", TABLE);
  batch_add (&b, "add map %s internal_bridges { type ifname : verdict; }", TABLE);
  batch_add (&b, "add map %s dnat_ip { type ipv4_addr . inet_proto . inet_service : verdict; }", TABLE);
  batch_add (&b, "add map %s dnat_any { type inet_proto . inet_service : verdict; }", TABLE);
  batch_add (&b, "add chain %s published", TABLE);
  batch_add (&b, "add rule %s published ip daddr . meta l4proto . th dport vmap @dnat_ip", TABLE);
  batch_add (&b, "add rule %s published meta l4proto . th dport vmap @dnat_any", TABLE);
  batch_add (&b, "add chain %s prerouting { type nat hook prerouting priority dstnat; policy accept; }", TABLE);
  batch_add (&b, "add rule %s prerouting fib daddr type local jump published", TABLE);
  /* Locally made connections (127.0.0.1:H, the bridge's IP) are NATed in
     output; route_localnet on the bridge lets 127.0.0.1 leave through it. */
  batch_add (&b, "add chain %s output { type nat hook output priority -100; policy accept; }", TABLE);
  batch_add (&b, "add rule %s output fib daddr type local jump published", TABLE);
  batch_add (&b, "add chain %s postrouting { type nat hook postrouting priority srcnat; policy accept; }", TABLE);
  batch_add (&b, "add rule %s postrouting iifname vmap @bridges", TABLE);
  batch_add (&b, "add rule %s postrouting oifname vmap @bridges", TABLE);
  batch_add (&b, "add chain %s forward { type filter hook forward priority filter; policy accept; }", TABLE);
  /* With br_netfilter loaded, traffic between two ports of one bridge
     passes this hook too (iif and oif both the bridge): the per-network
     chain drops only what crosses the bridge's edge. */
  batch_add (&b, "add rule %s forward iifname vmap @internal_bridges", TABLE);
  batch_add (&b, "add rule %s forward oifname vmap @internal_bridges", TABLE);
  cleanup_free char *kmsg = NULL;
  cleanup_error berth_error *local = NULL;
  if (run (nat, b.text, "create table ip dock", &kmsg, &local) == 0)
    return 0;
  if (kmsg && strstr (kmsg, "File exists"))
    return 0;
  if (err && *err == NULL)
    *err = steal_pointer (&local);
  return -1;
}

int
dock_nat_delete_table (dock_nat *nat, berth_error **err)
{
  /* add-then-delete: no error when the table is not there. */
  return run (nat, "add table ip dock\ndelete table ip dock\n", "delete table ip dock", NULL, err);
}

int
dock_nat_network_add (dock_nat *nat, const dock_nat_network *net, berth_error **err)
{
  dock_net4 subnet;
  if (check_ident (net->bridge, 15, "bridge name", err) < 0 || dock_net4_parse (net->subnet, &subnet, err) < 0)
    return -1;
  __attribute__ ((cleanup (batch_free))) batch b = { 0 };
  const char *br = net->bridge;
  batch_add (&b, "add chain %s net-%s", TABLE, br);
  batch_add (&b, "flush chain %s net-%s", TABLE, br);
  if (!net->internal)
    {
      /* Outbound: the subnet leaving by any other interface. */
      batch_add (&b, "add rule %s net-%s iifname \"%s\" oifname != \"%s\" ip saddr %s masquerade", TABLE, br, br, br,
                 net->subnet);
      /* Hairpin: a connection to 127.0.0.1:H or to a host address from a
         container, DNATed into this bridge, leaves with the bridge's
         address so that the reply comes back through the NAT. */
      batch_add (&b, "add rule %s net-%s oifname \"%s\" ip saddr 127.0.0.0/8 masquerade", TABLE, br, br);
      batch_add (&b, "add rule %s net-%s oifname \"%s\" ip saddr %s ct status dnat masquerade", TABLE, br, br,
                 net->subnet);
    }
  batch_add (&b, "add element %s bridges { \"%s\" : jump net-%s }", TABLE, br, br);
  if (net->internal)
    {
      batch_add (&b, "add chain %s int-%s", TABLE, br);
      batch_add (&b, "flush chain %s int-%s", TABLE, br);
      batch_add (&b, "add rule %s int-%s iifname \"%s\" oifname != \"%s\" drop", TABLE, br, br, br);
      batch_add (&b, "add rule %s int-%s oifname \"%s\" iifname != \"%s\" drop", TABLE, br, br, br);
      batch_add (&b, "add element %s internal_bridges { \"%s\" : jump int-%s }", TABLE, br, br);
    }
  cleanup_free char *what = xasprintf ("add NAT rules of network %s", br);
  return run (nat, b.text, what, NULL, err);
}

int
dock_nat_network_remove (dock_nat *nat, const char *bridge, berth_error **err)
{
  if (check_ident (bridge, 15, "bridge name", err) < 0)
    return -1;
  __attribute__ ((cleanup (batch_free))) batch b = { 0 };
  /* Each object is added before it is deleted, so that a network half
     set up (or already removed) is removed without an error. */
  batch_add (&b, "add chain %s net-%s", TABLE, bridge);
  batch_add (&b, "add element %s bridges { \"%s\" : jump net-%s }", TABLE, bridge, bridge);
  batch_add (&b, "delete element %s bridges { \"%s\" }", TABLE, bridge);
  batch_add (&b, "add chain %s int-%s", TABLE, bridge);
  batch_add (&b, "add element %s internal_bridges { \"%s\" : jump int-%s }", TABLE, bridge, bridge);
  batch_add (&b, "delete element %s internal_bridges { \"%s\" }", TABLE, bridge);
  batch_add (&b, "flush chain %s net-%s", TABLE, bridge);
  batch_add (&b, "delete chain %s net-%s", TABLE, bridge);
  batch_add (&b, "flush chain %s int-%s", TABLE, bridge);
  batch_add (&b, "delete chain %s int-%s", TABLE, bridge);
  cleanup_free char *what = xasprintf ("remove NAT rules of network %s", bridge);
  if (!table_exists (nat))
    return 0;
  return run (nat, b.text, what, NULL, err);
}

int
dock_nat_publish (dock_nat *nat, const char *container_id, const char *container_ip, const dock_nat_port *ports,
                  size_t n, berth_error **err)
{
  struct in_addr tmp;
  if (check_ident (container_id, 64, "container id", err) < 0)
    return -1;
  if (inet_pton (AF_INET, container_ip, &tmp) != 1)
    return berth_fail (err, EINVAL, "invalid container address %s", container_ip);
  __attribute__ ((cleanup (batch_free))) batch b = { 0 };
  const char *id = container_id;
  batch_add (&b, "add chain %s ctr-%s", TABLE, id);
  batch_add (&b, "flush chain %s ctr-%s", TABLE, id);
  for (size_t i = 0; i < n; i++)
    {
      const dock_nat_port *p = &ports[i];
      const char *proto = dock_proto_name (p->proto);
      bool any = p->host_ip == NULL || *p->host_ip == '\0' || strcmp (p->host_ip, "0.0.0.0") == 0;
      if (!any && inet_pton (AF_INET, p->host_ip, &tmp) != 1)
        return berth_fail (err, EINVAL, "publish %s: only IPv4 host addresses are supported", p->host_ip);
      if (p->host_port == 0 || p->container_port == 0)
        return berth_fail (err, EINVAL, "publish: port 0 cannot be forwarded");
      /* The rule re-checks what the map element matched, so that the
         chain's rules stay right whatever jumps there. */
      if (any)
        {
          batch_add (&b, "add rule %s ctr-%s %s dport %u dnat to %s:%u comment \"%s\"", TABLE, id, proto, p->host_port,
                     container_ip, p->container_port, id);
          batch_add (&b, "add element %s dnat_any { %s . %u : jump ctr-%s }", TABLE, proto, p->host_port, id);
        }
      else
        {
          batch_add (&b, "add rule %s ctr-%s ip daddr %s %s dport %u dnat to %s:%u comment \"%s\"", TABLE, id,
                     p->host_ip, proto, p->host_port, container_ip, p->container_port, id);
          batch_add (&b, "add element %s dnat_ip { %s . %s . %u : jump ctr-%s }", TABLE, p->host_ip, proto,
                     p->host_port, id);
        }
    }
  cleanup_free char *what = xasprintf ("publish ports of %s", id);
  cleanup_free char *kmsg = NULL;
  cleanup_error berth_error *local = NULL;
  if (run (nat, b.text, what, &kmsg, &local) == 0)
    return 0;
  if (kmsg && strstr (kmsg, "File exists"))
    return berth_fail (err, EADDRINUSE, "%s: a host port is already forwarded to another container", what);
  if (err && *err == NULL)
    *err = steal_pointer (&local);
  return -1;
}

/* The keys of the elements of `map` whose verdict is "jump <chain>", as
   nft prints them ("tcp . 8080"), each a malloc'd string. */
static int
elements_jumping_to (dock_nat *nat, const char *map, const char *chain, char ***keys, size_t *n_keys,
                     berth_error **err)
{
  cleanup_free char *cmd = xasprintf ("list map %s %s", TABLE, map);
  cleanup_free char *what = xasprintf ("list map %s", map);
  if (run (nat, cmd, what, NULL, err) < 0)
    return -1;
  const char *out = nat->api->nft_ctx_get_output_buffer (nat->ctx);
  const char *start = out ? strstr (out, "elements = {") : NULL;
  *keys = NULL;
  *n_keys = 0;
  if (start == NULL)
    return 0;
  start += strlen ("elements = {");
  const char *end = strchr (start, '}');
  if (end == NULL)
    return 0;
  cleanup_free char *list = xstrndup (start, end - start);
  cleanup_free char *suffix = xasprintf (": jump %s", chain);
  char *save = NULL;
  for (char *item = strtok_r (list, ",", &save); item; item = strtok_r (NULL, ",", &save))
    {
      while (isspace ((unsigned char) *item))
        item++;
      char *e = item + strlen (item);
      while (e > item && isspace ((unsigned char) e[-1]))
        *--e = '\0';
      size_t len = strlen (item), slen = strlen (suffix);
      if (len <= slen || strcmp (item + len - slen, suffix) != 0)
        continue;
      /* "tcp . 8080 : jump ctr-x" -> "tcp . 8080"; the name must end
         there (ctr-x and ctr-xy are different containers). */
      char *key = xstrndup (item, len - slen);
      char *k = key + strlen (key);
      while (k > key && isspace ((unsigned char) k[-1]))
        *--k = '\0';
      *keys = xrealloc (*keys, (*n_keys + 1) * sizeof **keys);
      (*keys)[(*n_keys)++] = key;
    }
  return 0;
}

int
dock_nat_unpublish (dock_nat *nat, const char *container_id, berth_error **err)
{
  if (check_ident (container_id, 64, "container id", err) < 0)
    return -1;
  cleanup_free char *chain = xasprintf ("ctr-%s", container_id);
  if (!table_exists (nat))
    return 0;
  __attribute__ ((cleanup (batch_free))) batch b = { 0 };
  batch_add (&b, "add chain %s %s", TABLE, chain);
  static const char *const maps[] = { "dnat_ip", "dnat_any" };
  for (size_t m = 0; m < ARRAY_SIZE (maps); m++)
    {
      char **keys = NULL;
      size_t n = 0;
      if (elements_jumping_to (nat, maps[m], chain, &keys, &n, err) < 0)
        return -1;
      for (size_t i = 0; i < n; i++)
        {
          batch_add (&b, "delete element %s %s { %s }", TABLE, maps[m], keys[i]);
          free (keys[i]);
        }
      free (keys);
    }
  batch_add (&b, "flush chain %s %s", TABLE, chain);
  batch_add (&b, "delete chain %s %s", TABLE, chain);
  cleanup_free char *what = xasprintf ("remove port forwards of %s", container_id);
  return run (nat, b.text, what, NULL, err);
}

int
dock_nat_container_ids (dock_nat *nat, char ***ids, berth_error **err)
{
  *ids = xcalloc (1, sizeof **ids);
  if (!table_exists (nat))
    return 0;
  if (run (nat, "list chains ip", "list chains", NULL, err) < 0)
    return -1;
  const char *out = nat->api->nft_ctx_get_output_buffer (nat->ctx);
  size_t n = 0;
  /* Lines look like "\tchain ctr-<id> {" inside "table ip dock {". */
  bool in_dock = false;
  cleanup_free char *copy = xstrdup (out ? out : "");
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      while (isspace ((unsigned char) *line))
        line++;
      if (str_has_prefix (line, "table "))
        in_dock = strcmp (line, "table ip dock {") == 0;
      else if (in_dock && str_has_prefix (line, "chain ctr-"))
        {
          const char *id = line + strlen ("chain ctr-");
          size_t len = strcspn (id, " {");
          *ids = xrealloc (*ids, (n + 2) * sizeof **ids);
          (*ids)[n++] = xstrndup (id, len);
          (*ids)[n] = NULL;
        }
    }
  return 0;
}

int
dock_port_reserve (const char *host_ip, dock_proto proto, uint16_t first, uint16_t last, uint16_t *port, int *fd,
                   berth_error **err)
{
  *fd = -1;
  struct sockaddr_storage ss = { 0 };
  socklen_t sslen;
  bool any = host_ip == NULL || *host_ip == '\0';
  struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
  int family;
  if (any || inet_pton (AF_INET, host_ip, &sin->sin_addr) == 1)
    {
      family = AF_INET;
      sin->sin_family = AF_INET;
      if (any)
        sin->sin_addr.s_addr = htonl (INADDR_ANY);
      sslen = sizeof *sin;
    }
  else if (inet_pton (AF_INET6, host_ip, &sin6->sin6_addr) == 1)
    {
      family = AF_INET6;
      sin6->sin6_family = AF_INET6;
      sslen = sizeof *sin6;
    }
  else
    return berth_fail (err, EINVAL, "invalid IP address: %s", host_ip);
  int type = proto == DOCK_PROTO_UDP ? SOCK_DGRAM : proto == DOCK_PROTO_SCTP ? SOCK_SEQPACKET : SOCK_STREAM;
  int ipproto = proto == DOCK_PROTO_SCTP ? IPPROTO_SCTP : 0;
  const char *shown = any ? "0.0.0.0" : host_ip;
  if (last < first)
    last = first;
  int last_errno = 0;
  for (uint32_t p = first; p <= last; p++)
    {
      cleanup_close int s = socket (family, type | SOCK_CLOEXEC, ipproto);
      if (s < 0)
        return berth_fail_errno (err, "reserve host port %s:%u/%s", shown, (unsigned) p, dock_proto_name (proto));
      if (family == AF_INET6)
        {
          int one = 1;
          setsockopt (s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        }
      if (family == AF_INET)
        sin->sin_port = htons ((uint16_t) p);
      else
        sin6->sin6_port = htons ((uint16_t) p);
      if (bind (s, (struct sockaddr *) &ss, sslen) == 0)
        {
          if (getsockname (s, (struct sockaddr *) &ss, &sslen) < 0)
            return berth_fail_errno (err, "reserve host port: getsockname");
          *port = ntohs (family == AF_INET ? sin->sin_port : sin6->sin6_port);
          *fd = steal_fd (&s);
          return 0;
        }
      last_errno = errno;
      if (last_errno != EADDRINUSE)
        break;
    }
  if (first == last || first == 0)
    return berth_fail (err, last_errno, "failed to bind host port %s:%u/%s", shown, (unsigned) first,
                       dock_proto_name (proto));
  return berth_fail (err, last_errno, "failed to bind a host port of %s:%u-%u/%s", shown, (unsigned) first,
                     (unsigned) last, dock_proto_name (proto));
}
