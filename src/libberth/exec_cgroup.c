#include "config.h"

#include "exec_cgroup.h"
#include "cgroup/cgroup.h"
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

/* The cgroup.procs file a new process joins in hierarchy i of the init's
   cgroups, a sub-cgroup of it if --cgroup asks for one. */
static int
plan_hierarchy (const berth_cgroup *cg, size_t i, sub_cgroup *subs, size_t nsubs, berth_exec_cgroups *out,
                berth_error **err)
{
  const char *controllers = strcmp (cg->keys[i], BERTH_CGROUP_UNIFIED) == 0 ? "" : cg->keys[i];
  cleanup_free char *dir = xstrdup (cg->dirs[i]);
  sub_cgroup *sub = sub_for (subs, nsubs, controllers);
  if (sub)
    {
      cleanup_free char *deeper = xasprintf ("%s/%s", dir, sub->path);
      struct stat sb;
      if (stat (deeper, &sb) == 0)
        {
          free (dir);
          dir = steal_pointer (&deeper);
          sub->used = true;
        }
      else if (errno != ENOENT || sub->controllers)
        return berth_fail_errno (err, "--cgroup `%s`: `%s`", sub->value, deeper);
      /* A sub-cgroup for every hierarchy is joined where it exists (on v1
         it may have been made in some only, as runc allows); elsewhere the
         process stays in the container's own cgroup. */
    }
  char *procs = xasprintf ("%s/cgroup.procs", dir);
  oci_strv_append (&out->procs, &out->nprocs, procs);
  free (procs);
  return 0;
}

int
berth_exec_cgroups_plan (pid_t init_pid, char **subs, size_t nsubs, berth_exec_cgroups *out, berth_error **err)
{
  *out = (berth_exec_cgroups){ 0 };
  sub_cgroup *s = xcalloc (nsubs + 1, sizeof *s);
  cleanup_cgroup berth_cgroup *cg = NULL;
  int r = parse_subs (subs, nsubs, s, err);
  /* As the host sees them: /proc/PID/cgroup read from outside the
     container's cgroup namespace gives full paths. */
  if (r == 0 && (cg = berth_cgroup_of_pid (init_pid, err)) == NULL)
    r = -1;
  if (r == 0)
    out->frozen = berth_cgroup_is_frozen (cg);
  for (size_t i = 0; r == 0 && i < cg->len; i++)
    r = plan_hierarchy (cg, i, s, nsubs, out, err);
  for (size_t i = 0; i < nsubs && r == 0; i++)
    if (!s[i].used)
      r = s[i].controllers ? berth_fail (err, 0, "--cgroup `%s`: the container has no cgroup for `%s`", s[i].value,
                                         s[i].controllers)
                           : berth_fail (err, ENOENT, "--cgroup `%s`: no hierarchy of the container has it",
                                         s[i].value);
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
