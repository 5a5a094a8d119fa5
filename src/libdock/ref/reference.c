/* Image references: docker's grammar (distribution/reference) written as
   small matchers, one per production, instead of a regular expression
   engine.  The productions, for the reader checking them against docker's:

     reference  := name [ ":" tag ] [ "@" digest ]
     name       := [ domain "/" ] component ( "/" component )*
     domain     := host [ ":" port ]     host := dns-name | "[" ipv6 "]"
     dns-name   := label ( "." label )*  label := [a-zA-Z0-9] ( [a-zA-Z0-9-]* [a-zA-Z0-9] )?
     component  := alnum+ ( separator alnum+ )*   alnum := [a-z0-9]
     separator  := "." | "_" | "__" | "-"+
     tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
     digest     := algorithm ":" [0-9a-fA-F]{32,}
     algorithm  := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/ref/reference.h"

#include <ctype.h>
#include <string.h>

#include "libberth/util.h"

#define INVALID_FORMAT "invalid reference format"

static bool
is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_word (char c)
{
  return isalnum ((unsigned char) c) || c == '_';
}

static bool
has_upper (const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] >= 'A' && s[i] <= 'Z')
      return true;
  return false;
}

/* component := alnum+ ( separator alnum+ )* over s[0..n). */
static bool
valid_component (const char *s, size_t n)
{
  size_t i = 0;
  for (;;)
    {
      size_t run = i;
      while (i < n && is_lower_alnum (s[i]))
        i++;
      if (i == run)
        return false;
      if (i == n)
        return true;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < n && s[i] == '-')
          i++;
      else
        return false;
    }
}

static bool
valid_path_n (const char *s, size_t n)
{
  size_t start = 0;
  for (size_t i = 0; i <= n; i++)
    if (i == n || s[i] == '/')
      {
        if (!valid_component (s + start, i - start))
          return false;
        start = i + 1;
      }
  return true;
}

bool
dock_ref_valid_path (const char *path)
{
  return path && valid_path_n (path, strlen (path));
}

static bool
valid_label (const char *s, size_t n)
{
  if (n == 0 || !isalnum ((unsigned char) s[0]) || !isalnum ((unsigned char) s[n - 1]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char) s[i]) && s[i] != '-')
      return false;
  return true;
}

static bool
valid_domain_n (const char *s, size_t n)
{
  size_t host_end;
  if (n > 0 && s[0] == '[')
    {
      const char *close = memchr (s, ']', n);
      if (close == NULL || close == s + 1)
        return false;
      for (const char *p = s + 1; p < close; p++)
        if (!isxdigit ((unsigned char) *p) && *p != ':')
          return false;
      host_end = (size_t) (close - s) + 1;
    }
  else
    {
      const char *colon = memchr (s, ':', n);
      host_end = colon ? (size_t) (colon - s) : n;
      size_t start = 0;
      for (size_t i = 0; i <= host_end; i++)
        if (i == host_end || s[i] == '.')
          {
            if (!valid_label (s + start, i - start))
              return false;
            start = i + 1;
          }
    }
  if (host_end == n)
    return true;
  if (s[host_end] != ':' || host_end + 1 == n)
    return false;
  for (size_t i = host_end + 1; i < n; i++)
    if (!isdigit ((unsigned char) s[i]))
      return false;
  return true;
}

bool
dock_ref_valid_domain (const char *domain)
{
  return domain && valid_domain_n (domain, strlen (domain));
}

static bool
valid_tag_n (const char *s, size_t n)
{
  if (n == 0 || n > DOCK_REF_TAG_MAX || !is_word (s[0]))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!is_word (s[i]) && s[i] != '.' && s[i] != '-')
      return false;
  return true;
}

bool
dock_ref_valid_tag (const char *tag)
{
  return tag && valid_tag_n (tag, strlen (tag));
}

/* The digest as the reference grammar admits it (before go-digest's own,
   stricter checks give their specific messages). */
static bool
digest_in_grammar (const char *s)
{
  const char *colon = strchr (s, ':');
  if (colon == NULL)
    return false;
  const char *p = s;
  for (;;)
    {
      if (!isalpha ((unsigned char) *p))
        return false;
      while (isalnum ((unsigned char) *p))
        p++;
      if (p == colon)
        break;
      if (!strchr ("-_+.", *p))
        return false;
      p++;
    }
  size_t hex = strlen (colon + 1);
  if (hex < 32)
    return false;
  for (const char *h = colon + 1; *h; h++)
    if (!isxdigit ((unsigned char) *h))
      return false;
  return true;
}

static const struct
{
  const char *algorithm;
  size_t hex_len;
} digest_algorithms[] = {
  { "sha256", 64 },
  { "sha384", 96 },
  { "sha512", 128 },
};

/* go-digest's "algorithm:encoded" shape, which tells "unsupported
   algorithm" from "invalid format" for an algorithm it does not know. */
static bool
digest_generic_shape (const char *s, const char *colon)
{
  const char *p = s;
  for (;;)
    {
      const char *run = p;
      while (is_lower_alnum (*p))
        p++;
      if (p == run)
        return false;
      if (p == colon)
        break;
      if (!strchr (".+_-", *p))
        return false;
      p++;
    }
  if (colon[1] == '\0')
    return false;
  for (const char *e = colon + 1; *e; e++)
    if (!isalnum ((unsigned char) *e) && !strchr ("=_-", *e))
      return false;
  return true;
}

int
dock_ref_check_digest (const char *digest, berth_error **err)
{
  const char *colon = digest ? strchr (digest, ':') : NULL;
  if (colon == NULL || colon == digest || colon[1] == '\0')
    return berth_fail (err, 0, "invalid checksum digest format");
  size_t alg_len = (size_t) (colon - digest);
  for (size_t i = 0; i < ARRAY_SIZE (digest_algorithms); i++)
    {
      if (strlen (digest_algorithms[i].algorithm) != alg_len
          || strncmp (digest, digest_algorithms[i].algorithm, alg_len) != 0)
        continue;
      const char *hex = colon + 1;
      if (strlen (hex) != digest_algorithms[i].hex_len)
        return berth_fail (err, 0, "invalid checksum digest length");
      for (const char *h = hex; *h; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
          return berth_fail (err, 0, "invalid checksum digest format");
      return 0;
    }
  if (!digest_generic_shape (digest, colon))
    return berth_fail (err, 0, "invalid checksum digest format");
  return berth_fail (err, 0, "unsupported digest algorithm");
}

bool
dock_ref_is_hex_id (const char *s)
{
  if (s == NULL || strlen (s) != 64)
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

int
dock_ref_parse (const char *s, dock_ref **out, berth_error **err)
{
  *out = NULL;
  if (s == NULL || *s == '\0')
    return berth_fail (err, 0, INVALID_FORMAT);
  if (dock_ref_is_hex_id (s))
    return berth_fail (err, 0, "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);

  /* The part before the first '/' is a domain when it looks like one: it
     has a dot or a port, is "localhost", or has upper case (which no path
     component may have). */
  cleanup_free char *domain = NULL;
  const char *rest = s;
  const char *slash = strchr (s, '/');
  if (slash)
    {
      size_t n = (size_t) (slash - s);
      bool looks_like_domain = memchr (s, '.', n) || memchr (s, ':', n) || (n == 9 && strncmp (s, "localhost", 9) == 0)
                               || has_upper (s, n);
      if (looks_like_domain)
        {
          domain = xstrndup (s, n);
          rest = slash + 1;
        }
    }
  if (domain == NULL || strcmp (domain, DOCK_REF_LEGACY_DOMAIN) == 0)
    {
      free (domain);
      domain = xstrdup (DOCK_REF_DEFAULT_DOMAIN);
    }
  cleanup_free char *remainder = NULL;
  if (strcmp (domain, DOCK_REF_DEFAULT_DOMAIN) == 0 && strchr (rest, '/') == NULL)
    remainder = xasprintf (DOCK_REF_OFFICIAL_PREFIX "%s", rest);
  else
    remainder = xstrdup (rest);

  /* Docker checks case on everything before the first ':' first, so that
     "Busybox" gets the helpful message rather than the generic one. */
  size_t remote_len = strcspn (remainder, ":");
  if (has_upper (remainder, remote_len))
    return berth_fail (err, 0, INVALID_FORMAT ": repository name (%.*s) must be lowercase", (int) remote_len,
                       remainder);

  /* remainder := path [ ":" tag ] [ "@" digest ] */
  char *at = strchr (remainder, '@');
  const char *digest = NULL;
  if (at)
    {
      *at = '\0';
      digest = at + 1;
    }
  char *colon = strchr (remainder, ':');
  const char *tag = NULL;
  if (colon)
    {
      *colon = '\0';
      tag = colon + 1;
    }
  if (!dock_ref_valid_domain (domain) || !dock_ref_valid_path (remainder) || (tag && !dock_ref_valid_tag (tag))
      || (digest && !digest_in_grammar (digest)))
    return berth_fail (err, 0, INVALID_FORMAT);
  if (strlen (remainder) > DOCK_REF_NAME_MAX)
    return berth_fail (err, 0, "repository name must not be more than %d characters", DOCK_REF_NAME_MAX);
  if (digest && dock_ref_check_digest (digest, err) < 0)
    return -1;

  dock_ref *r = xcalloc (1, sizeof *r);
  r->domain = steal_pointer (&domain);
  r->path = xstrdup (remainder);
  r->tag = tag ? xstrdup (tag) : NULL;
  r->digest = digest ? xstrdup (digest) : NULL;
  *out = r;
  return 0;
}

void
dock_ref_default_tag (dock_ref *r)
{
  if (r->tag == NULL && r->digest == NULL)
    r->tag = xstrdup (DOCK_REF_DEFAULT_TAG);
}

dock_ref *
dock_ref_copy (const dock_ref *r)
{
  dock_ref *c = xcalloc (1, sizeof *c);
  c->domain = xstrdup (r->domain);
  c->path = xstrdup (r->path);
  c->tag = r->tag ? xstrdup (r->tag) : NULL;
  c->digest = r->digest ? xstrdup (r->digest) : NULL;
  return c;
}

void
dock_ref_free (dock_ref *r)
{
  if (r == NULL)
    return;
  free (r->domain);
  free (r->path);
  free (r->tag);
  free (r->digest);
  free (r);
}

void
dock_ref_freep (dock_ref **r)
{
  dock_ref_free (*r);
  *r = NULL;
}

bool
dock_ref_is_docker_hub (const dock_ref *r)
{
  return strcmp (r->domain, DOCK_REF_DEFAULT_DOMAIN) == 0;
}

char *
dock_ref_name (const dock_ref *r)
{
  return xasprintf ("%s/%s", r->domain, r->path);
}

static char *
with_tag_and_digest (char *name, const dock_ref *r)
{
  char *s = xasprintf ("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "", r->digest ? "@" : "",
                       r->digest ? r->digest : "");
  free (name);
  return s;
}

char *
dock_ref_string (const dock_ref *r)
{
  return with_tag_and_digest (dock_ref_name (r), r);
}

char *
dock_ref_familiar_name (const dock_ref *r)
{
  if (!dock_ref_is_docker_hub (r))
    return dock_ref_name (r);
  const char *p = r->path;
  /* library/busybox -> busybox, but library/ns/x keeps its prefix (docker
     strips it only when one component is left). */
  if (str_has_prefix (p, DOCK_REF_OFFICIAL_PREFIX) && strchr (p + strlen (DOCK_REF_OFFICIAL_PREFIX), '/') == NULL)
    p += strlen (DOCK_REF_OFFICIAL_PREFIX);
  return xstrdup (p);
}

char *
dock_ref_familiar_string (const dock_ref *r)
{
  return with_tag_and_digest (dock_ref_familiar_name (r), r);
}
