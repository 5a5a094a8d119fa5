#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hosts.h"
#include "libberth/util.h"

/* docker's order: TCP ports first, then by number (and protocol name). */
static int
cmp_port (const void *pa, const void *pb)
{
  const dock_exposed_port *a = pa, *b = pb;
  if (a->proto == b->proto)
    return a->port < b->port ? -1 : a->port > b->port;
  if (a->proto == DOCK_PROTO_TCP)
    return -1;
  if (b->proto == DOCK_PROTO_TCP)
    return 1;
  return strcmp (dock_proto_name (a->proto), dock_proto_name (b->proto));
}

typedef struct
{
  char **v;
  size_t n;
} envv;

static void __attribute__ ((format (printf, 2, 3)))
push (envv *e, const char *fmt, ...)
{
  va_list ap;
  char *s;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    abort ();
  va_end (ap);
  e->v = xrealloc (e->v, (e->n + 2) * sizeof *e->v);
  e->v[e->n++] = s;
  e->v[e->n] = NULL;
}

char **
dock_link_env (const char *link_name, const char *child_ip, const dock_exposed_port *ports_in, size_t n_ports,
               const char *const *child_env, size_t n_env)
{
  /* The alias: the last element of "/parent/alias", upper case, '-' -> '_'. */
  const char *base = strrchr (link_name, '/');
  cleanup_free char *alias = xstrdup (base ? base + 1 : link_name);
  for (char *p = alias; *p; p++)
    *p = *p == '-' ? '_' : (char) toupper ((unsigned char) *p);

  cleanup_free dock_exposed_port *ports = xcalloc (n_ports ? n_ports : 1, sizeof *ports);
  if (n_ports)
    memcpy (ports, ports_in, n_ports * sizeof *ports);
  qsort (ports, n_ports, sizeof *ports, cmp_port);

  envv e = { xcalloc (1, sizeof (char *)), 0 };
  size_t start = 0, end = 0; /* the run of consecutive ports being built */
  for (size_t i = 0; i < n_ports; i++)
    {
      const dock_exposed_port *p = &ports[i];
      const char *proto = dock_proto_name (p->proto);
      cleanup_free char *upper = xstrdup (proto);
      for (char *c = upper; *c; c++)
        *c = (char) toupper ((unsigned char) *c);
      if (i == 0)
        {
          start = end = 0;
          push (&e, "%s_PORT=%s://%s:%u", alias, proto, child_ip, p->port);
        }
      push (&e, "%s_PORT_%u_%s=%s://%s:%u", alias, p->port, upper, proto, child_ip, p->port);
      push (&e, "%s_PORT_%u_%s_ADDR=%s", alias, p->port, upper, child_ip);
      push (&e, "%s_PORT_%u_%s_PORT=%u", alias, p->port, upper, p->port);
      push (&e, "%s_PORT_%u_%s_PROTO=%s", alias, p->port, upper, proto);

      if (i > 0 && p->port == ports[end].port + 1 && p->proto == ports[end].proto)
        {
          end = i;
          if (i < n_ports - 1)
            continue;
        }
      if (end != start)
        {
          const dock_exposed_port *s = &ports[start], *l = &ports[end];
          const char *sp = dock_proto_name (s->proto);
          cleanup_free char *su = xstrdup (sp);
          for (char *c = su; *c; c++)
            *c = (char) toupper ((unsigned char) *c);
          push (&e, "%s_PORT_%u_%s_START=%s://%s:%u", alias, s->port, su, sp, child_ip, s->port);
          push (&e, "%s_PORT_%u_%s_PORT_START=%u", alias, s->port, su, s->port);
          push (&e, "%s_PORT_%u_%s_END=%s://%s:%u", alias, s->port, su, dock_proto_name (l->proto), child_ip, l->port);
          push (&e, "%s_PORT_%u_%s_PORT_END=%u", alias, s->port, su, l->port);
        }
      start = end = i;
    }
  push (&e, "%s_NAME=%s", alias, link_name);
  for (size_t i = 0; i < n_env; i++)
    {
      const char *eq = strchr (child_env[i], '=');
      if (eq == NULL)
        continue;
      size_t klen = eq - child_env[i];
      /* Set by image builds, meaningless in another container. */
      if ((klen == 4 && strncmp (child_env[i], "HOME", 4) == 0)
          || (klen == 4 && strncmp (child_env[i], "PATH", 4) == 0))
        continue;
      push (&e, "%s_ENV_%.*s=%s", alias, (int) klen, child_env[i], eq + 1);
    }
  return e.v;
}
