/* -u NAME|UID[:GROUP|GID] and --group-add resolved as docker does (moby's
   user lookup of libcontainer): in the image's /etc/passwd and /etc/group,
   read through openat2(RESOLVE_IN_ROOT) so that a symlink in the image
   cannot make dock read a host file; never through NSS. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spec.h"
#include "libberth/util.h"

/* One file of the rootfs, whole (NULL when absent: an image without
   /etc/passwd has numeric users only). */
static int
read_root_file (int rootfd, const char *path, char **out, berth_error **err)
{
  *out = NULL;
  if (rootfd < 0)
    return 0;
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  cleanup_close int fd = (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : berth_fail_errno (err, "open %s in the image", path);
  size_t len;
  if (read_all_fd (fd, out, &len, err) < 0)
    return berth_error_wrap (err, "read %s in the image", path);
  return 0;
}

static bool
numeric (const char *s, uint32_t *v)
{
  char *end;
  if (*s == '\0')
    return false;
  errno = 0;
  unsigned long n = strtoul (s, &end, 10);
  if (*end || errno || n > UINT32_MAX || *s == '-')
    return false;
  *v = (uint32_t) n;
  return true;
}

/* Field i (0-based) of a colon-separated line, copied. */
static char *
field (const char *line, int i)
{
  const char *p = line;
  for (; i > 0 && p; i--)
    {
      p = strchr (p, ':');
      if (p)
        p++;
    }
  if (p == NULL)
    return NULL;
  const char *end = strchr (p, ':');
  return end ? xstrndup (p, (size_t) (end - p)) : xstrdup (p);
}

typedef bool (*line_fn) (const char *line, void *data);

static void
each_line (char *text, line_fn fn, void *data)
{
  if (text == NULL)
    return;
  for (char *save = NULL, *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (line[0] != '#' && fn (line, data))
      return;
}

typedef struct
{
  const char *want; /* name, or the number in text */
  bool by_number;
  uint32_t number;
  bool found;
  uint32_t id, gid;
  char *name, *home;
} entry_search;

static bool
match_entry (const char *line, void *data)
{
  entry_search *s = data;
  cleanup_free char *name = field (line, 0), *id = field (line, 2);
  uint32_t v;
  if (name == NULL || id == NULL || !numeric (id, &v))
    return false;
  if (s->by_number ? v != s->number : strcmp (name, s->want) != 0)
    return false;
  s->found = true;
  s->id = v;
  cleanup_free char *gid = field (line, 3);
  if (gid && !numeric (gid, &s->gid))
    s->gid = 0;
  s->name = xstrdup (name);
  s->home = field (line, 5);
  return true;
}

typedef struct
{
  const char *user;
  dock_user *u;
} member_search;

/* Groups whose member list names the user: docker gives them as
   supplementary groups. */
static bool
match_member (const char *line, void *data)
{
  member_search *m = data;
  cleanup_free char *gid = field (line, 2), *members = field (line, 3);
  uint32_t v;
  if (gid == NULL || members == NULL || !numeric (gid, &v))
    return false;
  for (char *save = NULL, *w = strtok_r (members, ",", &save); w; w = strtok_r (NULL, ",", &save))
    if (strcmp (w, m->user) == 0)
      {
        m->u->gids = xrealloc (m->u->gids, (m->u->ngids + 1) * sizeof *m->u->gids);
        m->u->gids[m->u->ngids++] = v;
      }
  return false;
}

static int
lookup (const char *text, const char *want, entry_search *s)
{
  *s = (entry_search){ .want = want };
  s->by_number = numeric (want, &s->number);
  if (text)
    {
      cleanup_free char *copy = xstrdup (text);
      each_line (copy, match_entry, s);
    }
  return s->found ? 0 : -1;
}

int
dock_user_resolve (int rootfd, const char *spec, char *const *group_add, dock_user *out, berth_error **err)
{
  *out = (dock_user){ 0 };
  cleanup_free char *passwd = NULL, *group = NULL;
  if (read_root_file (rootfd, "/etc/passwd", &passwd, err) < 0 || read_root_file (rootfd, "/etc/group", &group, err) < 0)
    return -1;
  cleanup_free char *user = xstrdup (spec && *spec ? spec : "0");
  char *grp = strchr (user, ':');
  if (grp)
    *grp++ = '\0';
  entry_search s;
  if (lookup (passwd, user, &s) == 0)
    {
      out->uid = s.id;
      out->gid = s.gid;
      out->home = s.home ? s.home : xstrdup ("/");
      member_search m = { s.name, out };
      if (group)
        {
          cleanup_free char *copy = xstrdup (group);
          each_line (copy, match_member, &m);
        }
      free (s.name);
    }
  else if (s.by_number)
    {
      out->uid = s.number;
      out->home = xstrdup ("/");
    }
  else
    return berth_fail (err, 0, "unable to find user %s: no matching entries in passwd file", user);
  if (grp && *grp)
    {
      if (lookup (group, grp, &s) == 0)
        {
          out->gid = s.id;
          free (s.name);
          free (s.home);
        }
      else if (s.by_number)
        out->gid = s.number;
      else
        {
          dock_user_clear (out);
          return berth_fail (err, 0, "unable to find group %s: no matching entries in group file", grp);
        }
    }
  for (size_t i = 0; group_add && group_add[i]; i++)
    {
      uint32_t gid;
      if (lookup (group, group_add[i], &s) == 0)
        {
          gid = s.id;
          free (s.name);
          free (s.home);
        }
      else if (s.by_number)
        gid = s.number;
      else
        {
          dock_user_clear (out);
          return berth_fail (err, 0, "Unable to find group %s: no matching entries in group file", group_add[i]);
        }
      out->gids = xrealloc (out->gids, (out->ngids + 1) * sizeof *out->gids);
      out->gids[out->ngids++] = gid;
    }
  return 0;
}

void
dock_user_clear (dock_user *u)
{
  free (u->gids);
  free (u->home);
  *u = (dock_user){ 0 };
}
