#include "config.h"

#include "names.h"
#include "libberth/util.h"
#include "libdock/ref/digest.h"

#include <ctype.h>
#include <string.h>

#define DEFAULT_DOMAIN "docker.io"
#define OFFICIAL_PREFIX "library/"

static bool
valid_tag (const char *t)
{
  size_t n = strlen (t);
  if (n == 0 || n > 128 || !(isalnum ((unsigned char) t[0]) || t[0] == '_'))
    return false;
  return strspn (t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* Path components: lowercase alphanumerics separated by '.', '_', '__' or '-'s. */
static bool
valid_path (const char *p)
{
  if (*p == '\0')
    return false;
  for (const char *c = p; *c; c++)
    if (!(islower ((unsigned char) *c) || isdigit ((unsigned char) *c) || strchr ("._-/", *c)))
      return false;
  return p[0] != '/' && p[strlen (p) - 1] != '/' && strstr (p, "//") == NULL;
}

int
dock_name_normalize (const char *word, char **out, berth_error **err)
{
  cleanup_free char *name = xstrdup (word);
  char *digest = strchr (name, '@');
  if (digest)
    {
      *digest++ = '\0';
      if (!dock_digest_valid (digest))
        return berth_fail (err, 0, "invalid reference format");
    }
  char *slash = strchr (name, '/');
  const char *domain = DEFAULT_DOMAIN;
  char *path = name;
  if (slash && (memchr (name, '.', (size_t) (slash - name)) || memchr (name, ':', (size_t) (slash - name))
                || (slash - name == 9 && strncmp (name, "localhost", 9) == 0)))
    {
      *slash = '\0';
      domain = name;
      path = slash + 1;
    }
  char *lastslash = strrchr (path, '/');
  char *colon = strrchr (lastslash ? lastslash : path, ':');
  const char *tag = NULL;
  if (colon)
    {
      *colon = '\0';
      tag = colon + 1;
      if (!valid_tag (tag))
        return berth_fail (err, 0, "invalid reference format");
    }
  for (const char *c = path; *c; c++)
    if (isupper ((unsigned char) *c))
      return berth_fail (err, 0, "invalid reference format: repository name (%s%s) must be lowercase",
                         strcmp (domain, DEFAULT_DOMAIN) == 0 && !strchr (path, '/') ? OFFICIAL_PREFIX : "", path);
  if (!valid_path (path) || strlen (path) > 255)
    return berth_fail (err, 0, "invalid reference format");
  const char *prefix = strcmp (domain, DEFAULT_DOMAIN) == 0 && !strchr (path, '/') ? OFFICIAL_PREFIX : "";
  if (digest)
    *out = xasprintf ("%s/%s%s@%s", domain, prefix, path, digest);
  else
    *out = xasprintf ("%s/%s%s:%s", domain, prefix, path, tag ? tag : "latest");
  return 0;
}

char *
dock_name_familiar (const char *q)
{
  if (str_has_prefix (q, DEFAULT_DOMAIN "/" OFFICIAL_PREFIX))
    {
      const char *rest = q + strlen (DEFAULT_DOMAIN "/" OFFICIAL_PREFIX);
      /* library/x/y stays qualified: only one-component names are official. */
      if (strcspn (rest, "/") == strlen (rest))
        return xstrdup (rest);
    }
  if (str_has_prefix (q, DEFAULT_DOMAIN "/"))
    return xstrdup (q + strlen (DEFAULT_DOMAIN "/"));
  return xstrdup (q);
}

char *
dock_name_split (const char *q, const char **rest, char *sep)
{
  const char *at = strchr (q, '@');
  const char *lastslash = strrchr (q, '/');
  const char *colon = strrchr (lastslash ? lastslash : q, ':');
  const char *cut = at ? at : colon;
  if (cut == NULL)
    {
      *rest = q + strlen (q);
      if (sep)
        *sep = '\0';
      return xstrdup (q);
    }
  *rest = cut + 1;
  if (sep)
    *sep = *cut;
  return xstrndup (q, (size_t) (cut - q));
}
