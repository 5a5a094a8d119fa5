#include "config.h"

#include "hosts.h"

#include <arpa/inet.h>
#include <string.h>

#include "libberth/util.h"

/* Name resolution on user-defined networks: docker runs a DNS server
   (127.0.0.11) inside every container's namespace.  dock is daemonless, so
   nothing would stay alive to serve it; instead each member's /etc/hosts
   lists every other member (name, aliases, address) and dock rewrites the
   members' files on connect/disconnect/remove (peers[] below).  The cost
   is one small file rewrite per member per change; what is lost is
   round-robin DNS for shared aliases and resolution of containers that
   join after a program cached its lookups (docs/architecture.md). */

typedef struct
{
  char *buf;
  size_t len;
} strbuf;

static void
sb_add (strbuf *sb, const char *s)
{
  size_t n = strlen (s);
  sb->buf = xrealloc (sb->buf, sb->len + n + 1);
  memcpy (sb->buf + sb->len, s, n + 1);
  sb->len += n;
}

static void
sb_record (strbuf *sb, const char *ip, const char *names)
{
  sb_add (sb, ip);
  sb_add (sb, "\t");
  sb_add (sb, names);
  sb_add (sb, "\n");
}

static void
sb_records (strbuf *sb, const dock_hosts_record *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sb_record (sb, r[i].ip, r[i].names);
}

char *
dock_hosts_render (const dock_hosts_input *in)
{
  strbuf sb = { xstrdup (""), 0 };
  /* docker's etchosts.Build: the fixed lines, then the extra records
     (--add-host, then --link), then (etchosts.Add) the container's own. */
  sb_record (&sb, "127.0.0.1", "localhost");
  if (in->ipv6)
    {
      sb_record (&sb, "::1", "localhost ip6-localhost ip6-loopback");
      sb_record (&sb, "fe00::0", "ip6-localnet");
      sb_record (&sb, "ff00::0", "ip6-mcastprefix");
      sb_record (&sb, "ff02::1", "ip6-allnodes");
      sb_record (&sb, "ff02::2", "ip6-allrouters");
    }
  sb_records (&sb, in->extra, in->n_extra);
  sb_records (&sb, in->links, in->n_links);
  if (in->hostname && in->n_own_ips)
    {
      /* The FQDN first, then the bare name when the FQDN has a dot. */
      cleanup_free char *fqdn = in->domainname && *in->domainname
                                    ? xasprintf ("%s.%s", in->hostname, in->domainname)
                                    : xstrdup (in->hostname);
      char *dot = strchr (fqdn, '.');
      cleanup_free char *names = dot ? xasprintf ("%s %.*s", fqdn, (int) (dot - fqdn), fqdn) : xstrdup (fqdn);
      for (size_t i = 0; i < in->n_own_ips; i++)
        sb_record (&sb, in->own_ips[i], names);
    }
  sb_records (&sb, in->peers, in->n_peers);
  return sb.buf;
}

char *
dock_link_hosts_names (const char *alias, const char *child_hostname, const char *child_name)
{
  if (child_name[0] == '/')
    child_name++;
  if (strcmp (alias, child_name) == 0)
    return xasprintf ("%s %s", alias, child_hostname);
  return xasprintf ("%s %s %s", alias, child_hostname, child_name);
}

int
dock_add_host_parse (const char *arg, char **name, char **ip, berth_error **err)
{
  *name = *ip = NULL;
  /* The name ends at the first '=' or, failing that, the first ':' (an
     IPv6 address after it holds colons of its own). */
  const char *sep = strchr (arg, '=');
  if (sep == NULL)
    sep = strchr (arg, ':');
  if (sep == NULL || sep == arg || sep[1] == '\0')
    return berth_fail (err, 0, "bad format for add-host: \"%s\"", arg);
  cleanup_free char *addr = xstrdup (sep + 1);
  size_t len = strlen (addr);
  if (addr[0] == '[' && len > 2 && addr[len - 1] == ']')
    {
      memmove (addr, addr + 1, len - 2);
      addr[len - 2] = '\0';
    }
  unsigned char bin[16];
  if (strcmp (addr, "host-gateway") != 0 && inet_pton (AF_INET, addr, bin) != 1
      && inet_pton (AF_INET6, addr, bin) != 1)
    return berth_fail (err, 0, "invalid IP address in add-host: \"%s\"", sep + 1);
  *name = xstrndup (arg, sep - arg);
  *ip = steal_pointer (&addr);
  return 0;
}
