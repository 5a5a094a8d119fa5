#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "hosts.h"
#include "libberth/util.h"
#include "schema.h"

/* docker (libnetwork/internal/resolvconf) parses the host's file into
   nameservers, search domains, options and other lines, applies the
   command line's overrides, drops what cannot work inside the container
   ("legacy" transform) and writes the parts back with a trailer that says
   how the file was made.  dock writes the same shape. */

typedef struct
{
  char **v;
  size_t n;
} strv;

static void
strv_push (strv *s, const char *item)
{
  oci_strv_append (&s->v, &s->n, item);
}

static void
strv_clear (strv *s)
{
  strv_free (s->v);
  s->v = NULL;
  s->n = 0;
}

typedef struct
{
  strv ns, search, options, other, invalid;
} resolv;

static void
resolv_clear (resolv *r)
{
  strv_clear (&r->ns);
  strv_clear (&r->search);
  strv_clear (&r->options);
  strv_clear (&r->other);
  strv_clear (&r->invalid);
}

static bool
is_ip (const char *s, bool *v6)
{
  unsigned char bin[16];
  if (inet_pton (AF_INET, s, bin) == 1)
    {
      *v6 = false;
      return true;
    }
  if (inet_pton (AF_INET6, s, bin) == 1)
    {
      *v6 = true;
      return true;
    }
  return false;
}

static bool
is_loopback (const char *s)
{
  unsigned char bin[16];
  if (inet_pton (AF_INET, s, bin) == 1)
    return bin[0] == 127;
  static const unsigned char one[16] = { [15] = 1 };
  return inet_pton (AF_INET6, s, bin) == 1 && memcmp (bin, one, 16) == 0;
}

static void
parse_line (resolv *r, const char *line)
{
  cleanup_free char *copy = xstrdup (line);
  char *save = NULL;
  char *key = strtok_r (copy, " \t\r", &save);
  if (key == NULL || key[0] == '#' || key[0] == ';')
    return;
  if (strcmp (key, "nameserver") == 0)
    {
      char *addr = strtok_r (NULL, " \t\r", &save);
      bool v6;
      if (addr == NULL)
        return;
      if (is_ip (addr, &v6))
        strv_push (&r->ns, addr);
      else
        strv_push (&r->invalid, addr);
    }
  else if (strcmp (key, "search") == 0 || strcmp (key, "domain") == 0)
    {
      /* Only the last search (or obsolete domain) line counts. */
      strv fields = { 0 };
      for (char *f; (f = strtok_r (NULL, " \t\r", &save));)
        strv_push (&fields, f);
      if (fields.n)
        {
          strv_clear (&r->search);
          r->search = fields;
        }
    }
  else if (strcmp (key, "options") == 0)
    for (char *f; (f = strtok_r (NULL, " \t\r", &save));)
      strv_push (&r->options, f);
  else
    strv_push (&r->other, line);
}

static void
add_joined (char **out, size_t *len, const char *prefix, const strv *s, const char *sep, const char *suffix)
{
  size_t need = strlen (prefix) + strlen (suffix) + 1;
  for (size_t i = 0; i < s->n; i++)
    need += strlen (s->v[i]) + strlen (sep);
  *out = xrealloc (*out, *len + need);
  char *p = *out + *len;
  p = stpcpy (p, prefix);
  for (size_t i = 0; i < s->n; i++)
    {
      if (i)
        p = stpcpy (p, sep);
      p = stpcpy (p, s->v[i]);
    }
  p = stpcpy (p, suffix);
  *len = p - *out;
}

static void
add_text (char **out, size_t *len, const char *s)
{
  strv one = { 0 };
  add_joined (out, len, s, &one, "", "");
}

static bool
has_option (const strv *options, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; i < options->n; i++)
    if (strncmp (options->v[i], name, n) == 0 && (options->v[i][n] == ':' || options->v[i][n] == '\0'))
      return true;
  return false;
}

int
dock_resolvconf_render (const char *host_content, const dock_resolv_input *in, char **out, berth_error **err)
{
  __attribute__ ((cleanup (resolv_clear))) resolv r = { 0 };
  *out = NULL;
  for (size_t i = 0; i < in->n_dns; i++)
    {
      bool v6;
      if (!is_ip (in->dns[i], &v6))
        return berth_fail (err, 0, "IP address is not correctly formatted: %s", in->dns[i]);
    }

  cleanup_free char *copy = xstrdup (host_content ? host_content : "");
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    parse_line (&r, line);
  const char *ndots_from = has_option (&r.options, "ndots") ? "host" : NULL;

  strv overrides = { 0 };
  bool used_default = false;
  if (in->n_dns)
    {
      strv_clear (&r.ns);
      for (size_t i = 0; i < in->n_dns; i++)
        strv_push (&r.ns, in->dns[i]);
      strv_push (&overrides, "nameservers");
    }
  else
    {
      /* The legacy transform: the host's loopback resolvers answer only in
         the host's namespace, IPv6 ones need IPv6 in the container. */
      strv kept = { 0 };
      for (size_t i = 0; i < r.ns.n; i++)
        {
          bool v6;
          is_ip (r.ns.v[i], &v6);
          if (!is_loopback (r.ns.v[i]) && (!v6 || in->ipv6))
            strv_push (&kept, r.ns.v[i]);
        }
      strv_clear (&r.ns);
      r.ns = kept;
      if (r.ns.n == 0)
        {
          strv_push (&r.ns, "8.8.8.8");
          strv_push (&r.ns, "8.8.4.4");
          if (in->ipv6)
            {
              strv_push (&r.ns, "2001:4860:4860::8888");
              strv_push (&r.ns, "2001:4860:4860::8844");
            }
          used_default = true;
        }
    }
  if (in->n_search)
    {
      strv_clear (&r.search);
      for (size_t i = 0; i < in->n_search; i++)
        if (strcmp (in->search[i], ".") != 0) /* "." means: no search list */
          strv_push (&r.search, in->search[i]);
      strv_push (&overrides, "search");
    }
  if (in->n_options)
    {
      strv_clear (&r.options);
      for (size_t i = 0; i < in->n_options; i++)
        strv_push (&r.options, in->options[i]);
      ndots_from = has_option (&r.options, "ndots") ? "override" : NULL;
      strv_push (&overrides, "options");
    }

  char *text = xstrdup ("");
  size_t len = 0;
  add_text (&text, &len,
            "# Generated by dock.\n"
            "# This file can be edited; dock will not make further changes once it\n"
            "# has been modified.\n\n");
  for (size_t i = 0; i < r.ns.n; i++)
    {
      strv one = { &r.ns.v[i], 1 };
      add_joined (&text, &len, "nameserver ", &one, "", "\n");
    }
  if (r.search.n)
    add_joined (&text, &len, "search ", &r.search, " ", "\n");
  if (r.options.n)
    add_joined (&text, &len, "options ", &r.options, " ", "\n");
  if (r.other.n)
    add_joined (&text, &len, "", &r.other, "\n", "\n");
  cleanup_free char *based
      = xasprintf ("\n# Based on host file: '%s' (legacy)\n", in->source_path ? in->source_path : "/etc/resolv.conf");
  add_text (&text, &len, based);
  if (used_default)
    add_text (&text, &len, "# Used default nameservers.\n");
  if (r.invalid.n)
    add_joined (&text, &len, "# Invalid nameservers: [", &r.invalid, " ", "]\n");
  add_joined (&text, &len, "# Overrides: [", &overrides, " ", "]\n");
  if (ndots_from)
    {
      cleanup_free char *nd = xasprintf ("# Option ndots from: %s\n", ndots_from);
      add_text (&text, &len, nd);
    }
  strv_clear (&overrides);
  *out = text;
  return 0;
}
