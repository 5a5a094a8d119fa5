#include "config.h"

#include "exec_cgroup.h"
#include "schema.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#define CGROUP_MNT "/sys/fs/cgroup"

typedef struct
{
  const char *value; /* the --cgroup argument, for messages */
  char *controllers; /* NULL: every hierarchy */
  const char *path;  /* relative to the init's cgroup */
  bool used;
} sub_cgroup;

static bool
fs_is (const char *path, long magic)
{
  struct statfs sfs;
  return statfs (path, &sfs) == 0 && sfs.f_type == magic;
}

static bool
in_list (const char *list, const char *name, size_t len)
{
  for (const char *p = list; p && *p;)
    {
      const char *end = strchrnul (p, ',');
      if ((size_t) (end - p) == len && strncmp (p, name, len) == 0)
        return true;
      p = *end ? end + 1 : end;
    }
  return false;
}

/* Do the comma lists a and b share a name? */
static bool
lists_meet (const char *a, const char *b)
{
  for (const char *p = a; *p;)
    {
      const char *end = strchrnul (p, ',');
      if (in_list (b, p, (size_t) (end - p)))
        return true;
      p = *end ? end + 1 : end;
    }
  return false;
}

/* Where the hierarchy of a /proc/PID/cgroup line is mounted: "" is the v2
   one (all of /sys/fs/cgroup on a unified host, .../unified on a hybrid
   one); a v1 hierarchy is named after its controllers (cpu,cpuacct) or, on
   hosts without the comount directory, after any one of them. */
static char *
hierarchy_dir (const char *controllers)
{
  if (*controllers == '\0')
    {
      if (fs_is (CGROUP_MNT, CGROUP2_SUPER_MAGIC))
        return xstrdup (CGROUP_MNT);
      if (fs_is (CGROUP_MNT "/unified", CGROUP2_SUPER_MAGIC))
        return xstrdup (CGROUP_MNT "/unified");
      return NULL;
    }
  const char *whole = str_has_prefix (controllers, "name=") ? controllers + 5 : controllers;
  char *dir = xasprintf (CGROUP_MNT "/%s", whole);
  if (fs_is (dir, CGROUP_SUPER_MAGIC))
    return dir;
  free (dir);
  for (const char *p = controllers; *p;)
    {
      const char *end = strchrnul (p, ',');
      dir = xasprintf (CGROUP_MNT "/%.*s", (int) (end - p), p);
      if (fs_is (dir, CGROUP_SUPER_MAGIC))
        return dir;
      free (dir);
      p = *end ? end + 1 : end;
    }
  return NULL;
}

static int
parse_subs (char **subs, size_t n, sub_cgroup *out, berth_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      const char *colon = strchr (subs[i], ':');
      out[i].value = subs[i];
      out[i].controllers = colon ? xstrndup (subs[i], (size_t) (colon - subs[i])) : NULL;
      const char *path = colon ? colon + 1 : subs[i];
      while (*path == '/')
        path++;
      out[i].path = path;
      if (*path == '\0' || (colon && colon == subs[i]))
        return berth_fail (err, 0, "--cgroup `%s`: expected [CONTROLLER:]PATH", subs[i]);
      for (const char *p = path; *p;)
        {
          const char *end = strchrnul (p, '/');
          if (end - p == 2 && strncmp (p, "..", 2) == 0)
            return berth_fail (err, 0, "--cgroup `%s`: the path must stay below the container's cgroup", subs[i]);
          p = *end ? end + 1 : end;
        }
      for (size_t j = 0; j < i; j++)
        {
          bool clash = out[j].controllers == NULL
                           ? out[i].controllers == NULL
                           : out[i].controllers && lists_meet (out[i].controllers, out[j].controllers);
          if (clash)
            return berth_fail (err, 0, "--cgroup `%s` and `%s`: two sub-cgroups for the same controller",
                               out[j].value, subs[i]);
        }
    }
  return 0;
}

/* The sub-cgroup for a hierarchy: one naming a controller of it wins over
   one for every hierarchy. */
static sub_cgroup *
sub_for (sub_cgroup *subs, size_t n, const char *controllers)
{
  sub_cgroup *any = NULL;
  for (size_t i = 0; i < n; i++)
    if (subs[i].controllers == NULL)
      any = &subs[i];
    else if (*controllers && lists_meet (subs[i].controllers, controllers))
      return &subs[i];
  return any;
}

static bool
frozen_in (const char *dir, const char *controllers)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  cleanup_close int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  if (*controllers == '\0')
    return read_file_at (fd, "cgroup.freeze", &text, &len, NULL) == 0 && text[0] == '1';
  if (!in_list (controllers, "freezer", 7))
    return false;
  return read_file_at (fd, "freezer.state", &text, &len, NULL) == 0
         && (str_has_prefix (text, "FROZEN") || str_has_prefix (text, "FREEZING"));
}

static int
plan_line (char *line, sub_cgroup *subs, size_t nsubs, berth_exec_cgroups *out, berth_error **err)
{
  /* hierarchy-id:controllers:path */
  char *c1 = strchr (line, ':');
  char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
  if (c2 == NULL)
    return 0;
  *c2 = '\0';
  const char *controllers = c1 + 1, *path = c2 + 1;
  cleanup_free char *dir = hierarchy_dir (controllers);
  if (dir == NULL)
    {
      berth_debug ("exec: cgroup hierarchy `%s` is not mounted under " CGROUP_MNT ": not joined", controllers);
      return 0;
    }
  cleanup_free char *cg = xasprintf ("%s%s", dir, strcmp (path, "/") == 0 ? "" : path);
  if (frozen_in (cg, controllers))
    out->frozen = true;
  sub_cgroup *sub = sub_for (subs, nsubs, controllers);
  if (sub)
    {
      char *deeper = xasprintf ("%s/%s", cg, sub->path);
      free (cg);
      cg = deeper;
      sub->used = true;
      struct stat sb;
      if (stat (cg, &sb) < 0)
        return berth_fail_errno (err, "--cgroup `%s`: `%s`", sub->value, cg);
    }
  char *procs = xasprintf ("%s/cgroup.procs", cg);
  oci_strv_append (&out->procs, &out->nprocs, procs);
  free (procs);
  return 0;
}

int
berth_exec_cgroups_plan (pid_t init_pid, char **subs, size_t nsubs, berth_exec_cgroups *out, berth_error **err)
{
  *out = (berth_exec_cgroups){ 0 };
  sub_cgroup *s = xcalloc (nsubs + 1, sizeof *s);
  cleanup_free char *text = NULL;
  size_t len = 0;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/cgroup", (int) init_pid);
  int r = parse_subs (subs, nsubs, s, err);
  if (r == 0)
    r = read_file_at (AT_FDCWD, path, &text, &len, err);
  char *save = NULL;
  for (char *line = r == 0 ? strtok_r (text, "\n", &save) : NULL; line && r == 0; line = strtok_r (NULL, "\n", &save))
    r = plan_line (line, s, nsubs, out, err);
  for (size_t i = 0; i < nsubs && r == 0; i++)
    if (!s[i].used)
      r = berth_fail (err, 0, "--cgroup `%s`: the container has no cgroup for `%s`", s[i].value,
                      s[i].controllers ? s[i].controllers : "any controller");
  for (size_t i = 0; i < nsubs; i++)
    free (s[i].controllers);
  free (s);
  if (r < 0)
    berth_exec_cgroups_release (out);
  return r;
}

int
berth_exec_cgroups_enter (const berth_exec_cgroups *c, pid_t pid, berth_error **err)
{
  char buf[24];
  int n = snprintf (buf, sizeof buf, "%d", (int) pid);
  for (size_t i = 0; i < c->nprocs; i++)
    {
      cleanup_close int fd = open (c->procs[i], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write_all (fd, buf, (size_t) n) < 0)
        return berth_fail_errno (err, "join the cgroup `%.*s`", (int) (strlen (c->procs[i]) - strlen ("/cgroup.procs")),
                                 c->procs[i]);
    }
  return 0;
}

void
berth_exec_cgroups_release (berth_exec_cgroups *c)
{
  strv_free (c->procs);
  c->procs = NULL;
  c->nprocs = 0;
}
