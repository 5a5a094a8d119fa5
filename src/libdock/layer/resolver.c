#include "config.h"

#include "resolver.h"
#include "libberth/linux/rootpath.h"
#include "libberth/util.h"

#include <fcntl.h>
#include <string.h>

/* Push clean components of s onto out (a buffer of at least strlen(s)+len
   bytes); returns the new length, or -1 when ".." climbs above the root. */
static long
push_components (char *out, long len, const char *s)
{
  while (*s)
    {
      const char *end = strchrnul (s, '/');
      size_t n = (size_t) (end - s);
      if (n == 0 || (n == 1 && s[0] == '.'))
        ;
      else if (n == 2 && s[0] == '.' && s[1] == '.')
        {
          if (len == 0)
            return -1;
          while (len > 0 && out[len - 1] != '/')
            len--;
          if (len > 0)
            len--; /* the slash */
        }
      else
        {
          if (len > 0)
            out[len++] = '/';
          memcpy (out + len, s, n);
          len += (long) n;
        }
      s = *end ? end + 1 : end;
    }
  out[len] = '\0';
  return len;
}

int
dock_layer_clean_path (const char *name, const char *what, char **out, berth_error **err)
{
  if (name == NULL || *name == '\0')
    return berth_fail (err, 0, "%s with an empty name", what);
  if (name[0] == '/')
    return berth_fail (err, 0, "%s \"%s\": absolute path refused", what, name);
  char *buf = xmalloc (strlen (name) + 1);
  if (push_components (buf, 0, name) < 0)
    {
      free (buf);
      return berth_fail (err, 0, "%s \"%s\": path escapes the layer", what, name);
    }
  *out = buf;
  return 0;
}

bool
dock_layer_symlink_escapes (const char *link_path, const char *target)
{
  if (target[0] == '/')
    return false;
  cleanup_free char *buf = xmalloc (strlen (link_path) + strlen (target) + 2);
  long len = push_components (buf, 0, link_path);
  /* The target is read from the link's directory: drop its own name. */
  while (len > 0 && buf[len - 1] != '/')
    len--;
  if (len > 0)
    len--;
  buf[len] = '\0';
  return push_components (buf, len, target) < 0;
}

int
dock_layer_open_parent (int rootfd, const char *path, bool create, const char **base, berth_error **err)
{
  const char *slash = strrchr (path, '/');
  *base = slash ? slash + 1 : path;
  if (slash == NULL)
    {
      int fd = openat (rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        return berth_fail_errno (err, "open the layer's root");
      return fd;
    }
  cleanup_free char *dir = xstrndup (path, (size_t) (slash - path));
  int fd = create ? berth_root_mkpath (rootfd, dir, true, 0755, err) : berth_root_open_path (rootfd, dir, err);
  return fd;
}
