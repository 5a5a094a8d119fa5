#include "config.h"

#include "ports.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"

static const char *const proto_names[] = {
  [DOCK_PROTO_TCP] = "tcp",
  [DOCK_PROTO_UDP] = "udp",
  [DOCK_PROTO_SCTP] = "sctp",
};

int
dock_proto_parse (const char *s, dock_proto *out)
{
  for (size_t i = 0; i < ARRAY_SIZE (proto_names); i++)
    if (strcasecmp (s, proto_names[i]) == 0)
      {
        *out = (dock_proto) i;
        return 0;
      }
  return -1;
}

const char *
dock_proto_name (dock_proto p)
{
  return (size_t) p < ARRAY_SIZE (proto_names) ? proto_names[p] : "tcp";
}

/* "N" or "N-M" with 0 <= N <= M <= 65535; "N-N" is N. */
static int
parse_range (const char *s, uint16_t *start, uint16_t *end)
{
  unsigned long long a, b;
  const char *dash = strchr (s, '-');
  cleanup_free char *first = dash ? xstrndup (s, dash - s) : xstrdup (s);
  if (parse_uint64 (first, &a) < 0 || a > 65535)
    return -1;
  b = a;
  if (dash && (parse_uint64 (dash + 1, &b) < 0 || b > 65535 || b < a))
    return -1;
  *start = (uint16_t) a;
  *end = (uint16_t) b;
  return 0;
}

int
dock_port_spec_parse (const char *spec, dock_port_mapping **out, size_t *n_out, berth_error **err)
{
  *out = NULL;
  *n_out = 0;
  /* Split from the right: the last field is the container port, the one
     before the host port, everything before that the IP (which may hold
     colons itself: an IPv6 address). */
  cleanup_free char *copy = xstrdup (spec);
  char *ip = NULL, *host = NULL, *cport = copy;
  char *last = strrchr (copy, ':');
  if (last)
    {
      *last = '\0';
      cport = last + 1;
      char *prev = strrchr (copy, ':');
      if (prev)
        {
          *prev = '\0';
          host = prev + 1;
          ip = copy;
        }
      else
        host = copy;
    }

  dock_proto proto = DOCK_PROTO_TCP;
  char *slash = strchr (cport, '/');
  if (slash)
    {
      *slash = '\0';
      if (slash[1] != '\0' && dock_proto_parse (slash + 1, &proto) < 0)
        {
          cleanup_free char *lower = xstrdup (slash + 1);
          for (char *p = lower; *p; p++)
            *p = (char) tolower ((unsigned char) *p);
          return berth_fail (err, 0, "invalid proto: %s", lower);
        }
    }
  if (*cport == '\0')
    return berth_fail (err, 0, "no port specified: %s<empty>", spec);

  char ipbuf[46] = "";
  if (ip && *ip)
    {
      size_t len = strlen (ip);
      if (ip[0] == '[')
        {
          if (len < 2 || ip[len - 1] != ']')
            return berth_fail (err, 0, "invalid IP address %s: address %s: missing port in address", ip, ip);
          ip[len - 1] = '\0';
          ip++;
        }
      unsigned char bin[16];
      if (strlen (ip) >= sizeof ipbuf
          || (inet_pton (AF_INET, ip, bin) != 1 && inet_pton (AF_INET6, ip, bin) != 1))
        return berth_fail (err, 0, "invalid IP address: %s", ip);
      strcpy (ipbuf, ip);
    }

  uint16_t cstart, cend, hstart = 0, hend = 0;
  if (parse_range (cport, &cstart, &cend) < 0)
    return berth_fail (err, 0, "invalid containerPort: %s", cport);
  if (host && *host)
    {
      if (parse_range (host, &hstart, &hend) < 0)
        return berth_fail (err, 0, "invalid hostPort: %s", host);
      /* A host range for a single container port is the range to pick a
         free port from; otherwise the two ranges must have one length. */
      if (cend - cstart != hend - hstart && cend != cstart)
        return berth_fail (err, 0, "invalid ranges specified for container and host Ports: %s and %s", cport, host);
    }

  size_t count = (size_t) (cend - cstart) + 1;
  dock_port_mapping *m = xcalloc (count, sizeof *m);
  for (size_t i = 0; i < count; i++)
    {
      strcpy (m[i].host_ip, ipbuf);
      m[i].container_port = (uint16_t) (cstart + i);
      m[i].proto = proto;
      if (hstart || hend)
        {
          m[i].host_start = (uint16_t) (hstart + i);
          m[i].host_end = count == 1 ? hend : m[i].host_start;
        }
    }
  *out = m;
  *n_out = count;
  return 0;
}

/* ---------------------------------------------------------------- display */

/* Go's net.JoinHostPort: brackets around an address holding a colon. */
static char *
join_host_port (const char *ip, const char *port)
{
  return strchr (ip, ':') ? xasprintf ("[%s]:%s", ip, port) : xasprintf ("%s:%s", ip, port);
}

/* netip.Addr.Less: IPv4 before IPv6, then by value. */
static int
cmp_ip (const char *a, const char *b)
{
  unsigned char x[16] = { 0 }, y[16] = { 0 };
  int fx = inet_pton (AF_INET, a, x) == 1 ? 4 : (inet_pton (AF_INET6, a, x) == 1 ? 6 : 0);
  int fy = inet_pton (AF_INET, b, y) == 1 ? 4 : (inet_pton (AF_INET6, b, y) == 1 ? 6 : 0);
  if (fx != fy)
    return fx - fy;
  if (fx == 0)
    return strcmp (a, b);
  return memcmp (x, y, fx == 4 ? 4 : 16);
}

static int
cmp_summary (const void *pa, const void *pb)
{
  const dock_port_summary *a = pa, *b = pb;
  if (a->private_port != b->private_port)
    return a->private_port < b->private_port ? -1 : 1;
  if ((a->host_ip == NULL) != (b->host_ip == NULL))
    return a->host_ip == NULL ? -1 : 1;
  if (a->host_ip && b->host_ip)
    {
      int c = cmp_ip (a->host_ip, b->host_ip);
      if (c)
        return c;
    }
  if (a->public_port != b->public_port)
    return a->public_port < b->public_port ? -1 : 1;
  return strcmp (dock_proto_name (a->proto), dock_proto_name (b->proto));
}

typedef struct
{
  const char *ip; /* NULL: exposed only */
  dock_proto proto;
  uint16_t first, last;
} port_group;

static void
append (char **buf, size_t *len, const char *s)
{
  size_t n = strlen (s);
  *buf = xrealloc (*buf, *len + n + 3);
  if (*len)
    {
      memcpy (*buf + *len, ", ", 2);
      *len += 2;
    }
  memcpy (*buf + *len, s, n + 1);
  *len += n;
}

static char *
form_group (const port_group *g)
{
  char range[16];
  if (g->first == g->last)
    snprintf (range, sizeof range, "%u", g->first);
  else
    snprintf (range, sizeof range, "%u-%u", g->first, g->last);
  if (g->ip == NULL)
    return xasprintf ("%s/%s", range, dock_proto_name (g->proto));
  cleanup_free char *hp = join_host_port (g->ip, range);
  return xasprintf ("%s->%s/%s", hp, range, dock_proto_name (g->proto));
}

char *
dock_ports_column (dock_port_summary *ports, size_t n)
{
  if (n)
    qsort (ports, n, sizeof *ports, cmp_summary);
  /* docker's grouping: ports published on the same port number as inside
     (or not published) are grouped into ranges per (ip, proto), in the
     order the groups first appear; other mappings are listed after. */
  cleanup_free port_group *groups = xcalloc (n ? n : 1, sizeof *groups);
  size_t n_groups = 0;
  char *result = xstrdup ("");
  size_t len = 0;
  cleanup_free char *mappings = xstrdup ("");
  size_t mlen = 0;
  for (size_t i = 0; i < n; i++)
    {
      const dock_port_summary *p = &ports[i];
      if (p->host_ip && p->public_port != p->private_port)
        {
          char port[8];
          snprintf (port, sizeof port, "%u", p->public_port);
          cleanup_free char *hp = join_host_port (p->host_ip, port);
          cleanup_free char *s = xasprintf ("%s->%u/%s", hp, p->private_port, dock_proto_name (p->proto));
          append (&mappings, &mlen, s);
          continue;
        }
      port_group *g = NULL;
      for (size_t k = 0; k < n_groups; k++)
        if (groups[k].proto == p->proto
            && ((groups[k].ip == NULL && p->host_ip == NULL)
                || (groups[k].ip && p->host_ip && strcmp (groups[k].ip, p->host_ip) == 0)))
          g = &groups[k];
      if (g == NULL)
        {
          groups[n_groups++] = (port_group) { p->host_ip, p->proto, p->private_port, p->private_port };
          continue;
        }
      if (p->private_port == g->last + 1)
        {
          g->last = p->private_port;
          continue;
        }
      /* A gap: the finished range is listed now, the group restarts. */
      cleanup_free char *s = form_group (g);
      append (&result, &len, s);
      g->first = g->last = p->private_port;
    }
  for (size_t k = 0; k < n_groups; k++)
    {
      cleanup_free char *s = form_group (&groups[k]);
      append (&result, &len, s);
    }
  if (mlen)
    append (&result, &len, mappings);
  return result;
}

/* sortorder.NaturalLess: runs of digits compare by value. */
static int
natural_cmp (const void *pa, const void *pb)
{
  const char *a = *(char *const *) pa, *b = *(char *const *) pb;
  while (*a && *b)
    {
      if (isdigit ((unsigned char) *a) && isdigit ((unsigned char) *b))
        {
          const char *ea = a, *eb = b;
          while (*ea == '0')
            ea++;
          while (*eb == '0')
            eb++;
          const char *sa = ea, *sb = eb;
          while (isdigit ((unsigned char) *ea))
            ea++;
          while (isdigit ((unsigned char) *eb))
            eb++;
          if (ea - sa != eb - sb)
            return (ea - sa) < (eb - sb) ? -1 : 1;
          int c = strncmp (sa, sb, ea - sa);
          if (c)
            return c;
          a = ea;
          b = eb;
          continue;
        }
      if (*a != *b)
        return (unsigned char) *a - (unsigned char) *b;
      a++, b++;
    }
  return (unsigned char) *a - (unsigned char) *b;
}

int
dock_port_lines (const dock_port_summary *ports, size_t n, const char *filter, const char *container, char **out,
                 berth_error **err)
{
  *out = NULL;
  dock_proto want_proto = DOCK_PROTO_TCP;
  unsigned long long want_port = 0;
  if (filter)
    {
      cleanup_free char *num = xstrdup (filter);
      char *slash = strchr (num, '/');
      if (slash)
        {
          *slash = '\0';
          if (slash[1] && dock_proto_parse (slash + 1, &want_proto) < 0)
            return berth_fail (err, 0, "Error: No public port '%s' published for %s", filter, container);
        }
      if (parse_uint64 (num, &want_port) < 0 || want_port > 65535)
        return berth_fail (err, 0, "Error: invalid port (%s): strconv.ParseUint: parsing \"%s\": invalid syntax",
                           num, num);
    }
  cleanup_free char **lines = xcalloc (n + 1, sizeof *lines);
  size_t n_lines = 0;
  for (size_t i = 0; i < n; i++)
    {
      const dock_port_summary *p = &ports[i];
      if (p->host_ip == NULL)
        continue;
      char port[8];
      snprintf (port, sizeof port, "%u", p->public_port);
      cleanup_free char *hp = join_host_port (p->host_ip, port);
      if (filter == NULL)
        lines[n_lines++] = xasprintf ("%u/%s -> %s", p->private_port, dock_proto_name (p->proto), hp);
      else if (p->private_port == want_port && p->proto == want_proto)
        lines[n_lines++] = xstrdup (hp);
    }
  if (filter && n_lines == 0)
    return berth_fail (err, 0, "Error: No public port '%s' published for %s", filter, container);
  if (n_lines)
    qsort (lines, n_lines, sizeof *lines, natural_cmp);
  char *text = xstrdup ("");
  size_t len = 0;
  for (size_t i = 0; i < n_lines; i++)
    {
      size_t l = strlen (lines[i]);
      text = xrealloc (text, len + l + 2);
      memcpy (text + len, lines[i], l);
      len += l;
      text[len++] = '\n';
      text[len] = '\0';
      free (lines[i]);
    }
  *out = text;
  return 0;
}
