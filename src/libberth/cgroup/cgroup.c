#include "config.h"

#include "cgroup.h"
#include "../util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void
berth_cgroup_free (berth_cgroup *cg)
{
  if (cg == NULL)
    return;
  for (size_t i = 0; i < cg->len; i++)
    {
      free (cg->keys[i]);
      free (cg->dirs[i]);
    }
  free (cg->keys);
  free (cg->dirs);
  free (cg->slice);
  free (cg->unit);
  free (cg);
}

static void
cgroup_add (berth_cgroup *cg, const char *key, char *dir)
{
  cg->keys = xrealloc (cg->keys, (cg->len + 1) * sizeof *cg->keys);
  cg->dirs = xrealloc (cg->dirs, (cg->len + 1) * sizeof *cg->dirs);
  cg->keys[cg->len] = xstrdup (key);
  cg->dirs[cg->len++] = dir;
}

/* ------------------------------------------------------------ files */

int
berth_cgroup_write (const char *dir, const char *file, const char *value, berth_error **err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "cgroup: open %s", path);
  ssize_t n;
  do
    n = write (fd, value, strlen (value));
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return berth_fail_errno (err, "cgroup: write `%s` to %s", value, path);
  return 0;
}

int
berth_cgroup_read (const char *dir, const char *file, char **out, berth_error **err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  size_t len;
  if (read_file_at (AT_FDCWD, path, out, &len, err) < 0)
    return -1;
  while (len > 0 && (*out)[len - 1] == '\n')
    (*out)[--len] = '\0';
  return 0;
}

/* ------------------------------------------------------------ discovery */

/* One hierarchy berth itself is in: its key, mount point and berth's path
   inside it (relative to the mount). */
typedef struct
{
  char *key;
  char *mount;
  char *own;
  bool v2;
} hierarchy;

static bool
options_have_all (const char *superopts, const char *controllers)
{
  cleanup_free char *want = xstrdup (controllers);
  char *save = NULL;
  for (char *c = strtok_r (want, ",", &save); c; c = strtok_r (NULL, ",", &save))
    {
      size_t n = strlen (c);
      const char *p = superopts;
      bool found = false;
      while (!found && (p = strstr (p, c)) != NULL)
        {
          found = (p == superopts || p[-1] == ',') && (p[n] == ',' || p[n] == '\0');
          p += n;
        }
      if (!found)
        return false;
    }
  return true;
}

bool
berth_cgroup_options_have_all (const char *superopts, const char *controllers)
{
  return options_have_all (superopts, controllers);
}

/* Find the mount of a hierarchy in mountinfo: fields 5 (mount point) and 4
   (root), fstype after " - ", then the super options. */
static char *
find_mount (const char *mountinfo, const char *controllers, bool v2, const char *cgpath, char **rel)
{
  cleanup_free char *copy = xstrdup (mountinfo);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *sep = strstr (line, " - ");
      /* Most lines are not cgroups (a host with N containers has N
         overlay mounts): skip them before any sscanf. */
      const char *want = v2 ? "cgroup2 " : "cgroup ";
      if (sep == NULL || strncmp (sep + 3, want, strlen (want)) != 0)
        continue;
      char fstype[32], source[256], opts[1024];
      if (sscanf (sep + 3, "%31s %255s %1023s", fstype, source, opts) != 3)
        continue;
      if (strcmp (fstype, v2 ? "cgroup2" : "cgroup") != 0 || (!v2 && !options_have_all (opts, controllers)))
        continue;
      char root[4096], mnt[4096];
      if (sscanf (line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
        continue;
      /* A mount of a sub-tree shows only what is below its root. */
      size_t rl = strcmp (root, "/") == 0 ? 0 : strlen (root);
      if (rl && (strncmp (cgpath, root, rl) != 0 || (cgpath[rl] != '/' && cgpath[rl] != '\0')))
        continue;
      *rel = xstrdup (cgpath + rl);
      return xstrdup (mnt);
    }
  return NULL;
}

static void
hierarchies_free (hierarchy *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (h[i].key);
      free (h[i].mount);
      free (h[i].own);
    }
  free (h);
}

/* The hierarchies process pid (0: ourselves) is in, as we see them. */
static int
hierarchies_read (pid_t pid, hierarchy **out, size_t *n, berth_error **err)
{
  cleanup_free char *self = NULL, *mountinfo = NULL;
  size_t len;
  char file[64];
  if (pid)
    snprintf (file, sizeof file, "/proc/%d/cgroup", (int) pid);
  else
    snprintf (file, sizeof file, "/proc/self/cgroup");
  if (read_file_at (AT_FDCWD, file, &self, &len, err) < 0
      || read_file_at (AT_FDCWD, "/proc/self/mountinfo", &mountinfo, &len, err) < 0)
    return -1;
  hierarchy *h = NULL;
  size_t count = 0;
  char *save = NULL;
  for (char *line = strtok_r (self, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c1 = strchr (line, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c2 = '\0';
      const char *controllers = c1 + 1, *path = c2 + 1;
      bool v2 = *controllers == '\0' && strncmp (line, "0:", 2) == 0;
      if (*controllers == '\0' && !v2)
        continue;
      char *rel = NULL;
      char *mnt = find_mount (mountinfo, controllers, v2, path, &rel);
      if (mnt == NULL)
        continue;
      h = xrealloc (h, (count + 1) * sizeof *h);
      h[count++] = (hierarchy){ .key = xstrdup (v2 ? BERTH_CGROUP_UNIFIED : controllers), .mount = mnt,
                                .own = rel, .v2 = v2 };
    }
  if (count == 0)
    {
      free (h);
      return berth_fail (err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
    }
  *out = h;
  *n = count;
  return 0;
}

/* cgroupsPath with empty and `.` components dropped; `..` is refused. */
static char *
clean_cgroups_path (const char *path, berth_error **err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_free char *clean = xstrdup ("");
  char *save = NULL;
  for (char *c = strtok_r (copy, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          berth_fail (err, EINVAL, "linux.cgroupsPath: `%s` leads out of the cgroup hierarchy (`..`)", path);
          return NULL;
        }
      char *more = xasprintf ("%s/%s", clean, c);
      free (clean);
      clean = more;
    }
  if (*clean == '\0')
    {
      berth_fail (err, EINVAL, "linux.cgroupsPath: `%s` names the root of the cgroup hierarchy", path);
      return NULL;
    }
  return steal_pointer (&clean);
}

berth_cgroup *
berth_cgroup_resolve (const char *cgroups_path, const char *id, berth_error **err)
{
  const char *want = cgroups_path && *cgroups_path ? cgroups_path : id;
  for (const char *p = want; *p; p++)
    if ((unsigned char) *p < 0x20)
      {
        berth_fail (err, EINVAL, "linux.cgroupsPath: control character in `%s`", want);
        return NULL;
      }
  cleanup_free char *clean = clean_cgroups_path (want, err);
  if (clean == NULL)
    return NULL;
  bool absolute = want[0] == '/';
  hierarchy *h;
  size_t n;
  if (hierarchies_read (0, &h, &n, err) < 0)
    return NULL;
  berth_cgroup *cg = xcalloc (1, sizeof *cg);
  for (size_t i = 0; i < n; i++)
    {
      const char *base = absolute || strcmp (h[i].own, "/") == 0 ? "" : h[i].own;
      cgroup_add (cg, h[i].key, xasprintf ("%s%s%s", h[i].mount, base, clean));
    }
  hierarchies_free (h, n);
  cg->driver = berth_cgroupfs_driver_for (cg);
  return cg;
}

/* Whether the unified hierarchy owns controller ctl: the list of the
   nearest existing ancestor of dir (the leaf may not exist yet). */
static bool
unified_has (const char *dir, const char *ctl)
{
  cleanup_free char *path = xstrdup (dir);
  cleanup_free char *list = NULL;
  for (;;)
    {
      cleanup_error berth_error *ignored = NULL;
      if (berth_cgroup_read (path, "cgroup.controllers", &list, &ignored) == 0)
        break;
      char *slash = strrchr (path, '/');
      if (slash == NULL || slash == path)
        return false;
      *slash = '\0';
    }
  for (char *p = list; *p; p++)
    if (*p == ' ')
      *p = ',';
  return options_have_all (list, ctl);
}

int
berth_cgroup_fill_from_pid (berth_cgroup *cg, pid_t pid, berth_error **err)
{
  hierarchy *h;
  size_t n;
  if (hierarchies_read (pid, &h, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    cgroup_add (cg, h[i].key, xasprintf ("%s%s", h[i].mount, strcmp (h[i].own, "/") ? h[i].own : ""));
  hierarchies_free (h, n);
  return 0;
}

berth_cgroup *
berth_cgroup_of_pid (pid_t pid, berth_error **err)
{
  berth_cgroup *cg = xcalloc (1, sizeof *cg);
  if (berth_cgroup_fill_from_pid (cg, pid, err) < 0)
    {
      berth_cgroup_free (cg);
      return NULL;
    }
  cg->driver = berth_cgroupfs_driver_for (cg);
  return cg;
}

const char *
berth_cgroup_dir_for (const berth_cgroup *cg, const char *ctl, bool *v2)
{
  for (size_t i = 0; i < cg->len; i++)
    {
      bool unified = strcmp (cg->keys[i], BERTH_CGROUP_UNIFIED) == 0;
      bool match = unified ? strcmp (ctl, BERTH_CGROUP_UNIFIED) == 0 || unified_has (cg->dirs[i], ctl)
                           : options_have_all (cg->keys[i], ctl);
      if (match)
        {
          if (v2)
            *v2 = unified;
          return cg->dirs[i];
        }
    }
  return NULL;
}

/* ------------------------------------------------------------ create */

static bool
is_unified (const berth_cgroup *cg, size_t i)
{
  return strcmp (cg->keys[i], BERTH_CGROUP_UNIFIED) == 0;
}

/* A new v1 cpuset starts empty and accepts no task until its cpus and mems
   are set: start from the parent's. */
static int
cpuset_fill_from_parent (const char *dir, berth_error **err)
{
  cleanup_free char *parent = xstrdup (dir);
  char *slash = strrchr (parent, '/');
  if (slash == NULL)
    return 0;
  *slash = '\0';
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      cleanup_free char *mine = NULL, *theirs = NULL;
      if (berth_cgroup_read (dir, files[i], &mine, err) < 0)
        return -1;
      if (*mine)
        continue;
      if (berth_cgroup_read (parent, files[i], &theirs, err) < 0 || berth_cgroup_write (dir, files[i], theirs, err) < 0)
        return -1;
    }
  return 0;
}

/* A v1 cpuset cgroup below the hierarchy's root: it and its parent have
   the files (the root's parent, outside the hierarchy, has none). */
static bool
is_cpuset_child (const char *dir)
{
  cleanup_free char *parent = xstrdup (dir);
  char *slash = strrchr (parent, '/');
  if (slash == NULL)
    return false;
  *slash = '\0';
  cleanup_free char *mine = xasprintf ("%s/cpuset.cpus", dir), *theirs = xasprintf ("%s/cpuset.cpus", parent);
  return access (mine, F_OK) == 0 && access (theirs, F_OK) == 0;
}

/* Turn on every controller the parent offers, so that the child gets its
   files.  One at a time: a controller that cannot be enabled (a parent
   with processes of its own, say) must not keep the others off. */
static void
v2_enable_controllers (const char *dir)
{
  cleanup_free char *list = NULL;
  cleanup_error berth_error *ignored = NULL;
  if (berth_cgroup_read (dir, "cgroup.controllers", &list, &ignored) < 0)
    return;
  char *save = NULL;
  for (char *c = strtok_r (list, " ", &save); c; c = strtok_r (NULL, " ", &save))
    {
      cleanup_error berth_error *e = NULL;
      cleanup_free char *plus = xasprintf ("+%s", c);
      berth_cgroup_write (dir, "cgroup.subtree_control", plus, &e);
    }
}

/* mkdir -p below the hierarchy's mount; true in *made if the leaf is new. */
static int
make_dirs (const char *dir, bool unified, bool cpuset, bool *made, berth_error **err)
{
  /* The mount point is the first existing prefix; everything below it is ours to create. */
  cleanup_free char *path = xstrdup (dir);
  size_t len = strlen (path);
  *made = false;
  /* Usually only the leaf is missing: try it before walking the path.  Not
     for cpuset: an existing parent on the way may have empty cpus or mems,
     which the walk below fills. */
  char *leaf = strrchr (path, '/');
  if (!unified && !cpuset && leaf && leaf != path)
    {
      if (mkdir (path, 0755) == 0)
        {
          *made = true;
          return 0;
        }
      if (errno == EEXIST)
        return 0;
    }
  for (size_t i = 1; i <= len; i++)
    {
      if (path[i] != '/' && path[i] != '\0')
        continue;
      char saved = path[i];
      path[i] = '\0';
      struct stat st;
      if (stat (path, &st) < 0)
        {
          if (errno != ENOENT)
            return berth_fail_errno (err, "cgroup: %s", path);
          /* Enable the controllers in the parent before the child exists. */
          if (unified)
            {
              char *slash = strrchr (path, '/');
              *slash = '\0';
              v2_enable_controllers (path);
              *slash = '/';
            }
          if (mkdir (path, 0755) < 0 && errno != EEXIST)
            return berth_fail_errno (err, "cgroup: create %s", path);
          if (cpuset && cpuset_fill_from_parent (path, err) < 0)
            return -1;
          if (saved == '\0')
            *made = true;
        }
      else if (cpuset && is_cpuset_child (path) && cpuset_fill_from_parent (path, err) < 0)
        /* An existing cgroup on the way (made by someone else, or left
           empty) holds no task until it has cpus and mems either. */
        return -1;
      path[i] = saved;
    }
  if (unified && !*made)
    {
      /* An existing leaf: its parent may still need the controllers on. */
      cleanup_free char *parent = xstrdup (dir);
      char *slash = strrchr (parent, '/');
      if (slash)
        {
          *slash = '\0';
          v2_enable_controllers (parent);
        }
    }
  return 0;
}

/* Whether dir, or the nearest existing cgroup above it, is frozen or
   freezing: a process moved in would stop at once, and `create` wait for
   it for ever. */
static bool
frozen_here_or_above (const char *dir, bool v2)
{
  cleanup_free char *path = xstrdup (dir);
  for (;;)
    {
      if (access (path, F_OK) == 0)
        {
          cleanup_free char *text = NULL, *events = NULL;
          cleanup_error berth_error *ignored = NULL;
          if (berth_cgroup_read (path, v2 ? "cgroup.freeze" : "freezer.state", &text, &ignored) < 0)
            return false; /* the hierarchy's root: it cannot be frozen */
          if (v2)
            return strcmp (text, "1") == 0
                   || (berth_cgroup_read (path, "cgroup.events", &events, &ignored) == 0
                       && strstr (events, "frozen 1") != NULL);
          return strcmp (text, "THAWED") != 0;
        }
      char *slash = strrchr (path, '/');
      if (slash == NULL || slash == path)
        return false;
      *slash = '\0';
    }
}

int
berth_cgroup_refuse_frozen (const berth_cgroup *cg, berth_error **err)
{
  bool v2;
  const char *dir = berth_cgroup_dir_for (cg, "freezer", &v2);
  if (dir == NULL)
    dir = berth_cgroup_dir_for (cg, BERTH_CGROUP_UNIFIED, &v2);
  if (dir && frozen_here_or_above (dir, v2))
    return berth_fail (err, EBUSY, "cgroup `%s` is frozen: a container cannot be started in it (thaw it first)",
                       dir);
  return 0;
}

static int
cgroupfs_enter (const berth_cgroup *cg, pid_t pid, berth_error **err)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%d", (int) pid);
  for (size_t i = 0; i < cg->len; i++)
    if (berth_cgroup_write (cg->dirs[i], "cgroup.procs", buf, err) < 0)
      return -1;
  return 0;
}

int
berth_cgroupfs_create (berth_cgroup *cg, const oci_resources *r, const oci_linux *l, pid_t pid, berth_error **err)
{
  for (size_t i = 0; i < cg->len; i++)
    {
      bool made;
      if (make_dirs (cg->dirs[i], is_unified (cg, i), options_have_all (cg->keys[i], "cpuset"), &made, err) < 0)
        return -1;
    }
  if (berth_cgroup_apply (cg, r, l, false, err) < 0)
    return -1;
  return cgroupfs_enter (cg, pid, err);
}

/* ------------------------------------------------------------ processes */

static void
collect_pids (const char *dir, pid_t **out, size_t *n)
{
  cleanup_free char *procs = NULL;
  cleanup_error berth_error *ignored = NULL;
  if (berth_cgroup_read (dir, "cgroup.procs", &procs, &ignored) == 0)
    {
      char *save = NULL;
      for (char *t = strtok_r (procs, "\n", &save); t; t = strtok_r (NULL, "\n", &save))
        {
          *out = xrealloc (*out, (*n + 1) * sizeof **out);
          (*out)[(*n)++] = (pid_t) atoi (t);
        }
    }
  /* Processes inside may have made cgroups of their own. */
  cleanup_closedir DIR *d = opendir (dir);
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    if (e->d_type == DT_DIR && strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      {
        cleanup_free char *sub = xasprintf ("%s/%s", dir, e->d_name);
        collect_pids (sub, out, n);
      }
}

static int
pid_cmp (const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return (x > y) - (x < y);
}

/* The hierarchy whose membership we trust: freezer, pids or the unified
   one (all of them hold the same processes). */
static const char *
membership_dir (const berth_cgroup *cg)
{
  static const char *const order[] = { "freezer", "pids", "memory", BERTH_CGROUP_UNIFIED };
  for (size_t i = 0; i < ARRAY_SIZE (order); i++)
    {
      const char *d = berth_cgroup_dir_for (cg, order[i], NULL);
      if (d)
        return d;
    }
  return cg->len ? cg->dirs[0] : NULL;
}

static int
cgroupfs_pids (const berth_cgroup *cg, pid_t **out, size_t *n, berth_error **err)
{
  *out = NULL;
  *n = 0;
  const char *dir = membership_dir (cg);
  if (dir == NULL || access (dir, F_OK) < 0)
    return berth_fail (err, ENOENT, "the container's cgroup is gone");
  collect_pids (dir, out, n);
  if (*n > 1)
    qsort (*out, *n, sizeof **out, pid_cmp);
  return 0;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

/* The number after "key " on a line of a flat-keyed file, or -1. */
static long long
keyed_value (const char *dir, const char *file, const char *key)
{
  cleanup_free char *text = NULL;
  cleanup_error berth_error *ignored = NULL;
  if (berth_cgroup_read (dir, file, &text, &ignored) < 0)
    return -1;
  size_t klen = strlen (key);
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
      return strtoll (line + klen + 1, NULL, 10);
  return -1;
}

bool
berth_cgroup_oom_killed (const berth_cgroup *cg)
{
  bool v2;
  const char *dir = cg ? berth_cgroup_dir_for (cg, "memory", &v2) : NULL;
  if (dir == NULL)
    return false;
  return keyed_value (dir, v2 ? "memory.events" : "memory.oom_control", "oom_kill") > 0;
}

/* The freezer at dir: v1's freezer.state, or v2's cgroup.freeze (core on
   a unified hierarchy, hybrid hosts included). */
static bool
frozen_at (const char *dir, bool v2)
{
  cleanup_free char *text = NULL;
  cleanup_error berth_error *ignored = NULL;
  if (dir == NULL)
    return false;
  if (v2)
    return berth_cgroup_read (dir, "cgroup.freeze", &text, &ignored) == 0 && strcmp (text, "1") == 0;
  return berth_cgroup_read (dir, "freezer.state", &text, &ignored) == 0 && strcmp (text, "THAWED") != 0;
}

static int
freeze_at (const char *dir, bool v2, bool freeze, berth_error **err)
{
  const char *file = v2 ? "cgroup.freeze" : "freezer.state";
  const char *want = v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
  /* Freezing takes a while when tasks are busy; v1 wants the request repeated. */
  for (int tries = 0; tries < 2000; tries++)
    {
      if ((tries % 50) == 0 && berth_cgroup_write (dir, file, want, err) < 0)
        return -1;
      cleanup_free char *state = NULL;
      if (v2)
        {
          if (berth_cgroup_read (dir, "cgroup.events", &state, err) < 0)
            return -1;
          char *f = strstr (state, "frozen ");
          if (f && f[7] == (freeze ? '1' : '0'))
            return 0;
        }
      else
        {
          if (berth_cgroup_read (dir, "freezer.state", &state, err) < 0)
            return -1;
          if (strcmp (state, want) == 0)
            return 0;
        }
      sleep_ms (tries < 10 ? 1 : 5);
    }
  if (freeze)
    {
      cleanup_error berth_error *ignored = NULL;
      berth_cgroup_write (dir, file, v2 ? "0" : "THAWED", &ignored);
    }
  return berth_fail (err, ETIMEDOUT, "cgroup: %s %s", freeze ? "freeze" : "thaw", dir);
}

/* Where each layout freezes: v1 its freezer hierarchy, v2 the unified
   one, a hybrid host the v1 freezer when mounted, else the unified one. */
static const char *
v1_freezer (const berth_cgroup *cg, bool *v2)
{
  *v2 = false;
  return berth_cgroup_dir_for (cg, "freezer", NULL);
}

static const char *
v2_freezer (const berth_cgroup *cg, bool *v2)
{
  *v2 = true;
  return berth_cgroup_dir_for (cg, BERTH_CGROUP_UNIFIED, NULL);
}

static const char *
hybrid_freezer (const berth_cgroup *cg, bool *v2)
{
  const char *dir = v1_freezer (cg, v2);
  return dir ? dir : v2_freezer (cg, v2);
}

static bool
v1_is_frozen (const berth_cgroup *cg)
{
  bool v2;
  const char *dir = v1_freezer (cg, &v2);
  return frozen_at (dir, v2);
}

static bool
v2_is_frozen (const berth_cgroup *cg)
{
  bool v2;
  const char *dir = v2_freezer (cg, &v2);
  return frozen_at (dir, v2);
}

static bool
hybrid_is_frozen (const berth_cgroup *cg)
{
  bool v2;
  const char *dir = hybrid_freezer (cg, &v2);
  return frozen_at (dir, v2);
}

static int
freeze_with (const berth_cgroup *cg, const char *(*where) (const berth_cgroup *, bool *), bool freeze,
             berth_error **err)
{
  bool v2;
  const char *dir = where (cg, &v2);
  if (dir == NULL)
    return berth_fail (err, ENOTSUP, "cgroup: no freezer controller is mounted");
  return freeze_at (dir, v2, freeze, err);
}

static int
v1_freeze (const berth_cgroup *cg, bool freeze, berth_error **err)
{
  return freeze_with (cg, v1_freezer, freeze, err);
}

static int
v2_freeze (const berth_cgroup *cg, bool freeze, berth_error **err)
{
  return freeze_with (cg, v2_freezer, freeze, err);
}

static int
hybrid_freeze (const berth_cgroup *cg, bool freeze, berth_error **err)
{
  return freeze_with (cg, hybrid_freezer, freeze, err);
}

/* Signal every process, frozen meanwhile so that none escapes by forking. */
static int
kill_frozen (const berth_cgroup *cg, int signo, berth_error **err)
{
  cleanup_error berth_error *ferr = NULL;
  bool frozen = cg->driver->freeze (cg, true, &ferr) == 0;
  cleanup_free pid_t *pids = NULL;
  size_t n;
  int r = cgroupfs_pids (cg, &pids, &n, err);
  for (size_t i = 0; r == 0 && i < n; i++)
    if (kill (pids[i], signo) < 0 && errno != ESRCH)
      r = berth_fail_errno (err, "kill %d", (int) pids[i]);
  if (frozen)
    {
      cleanup_error berth_error *terr = NULL;
      cg->driver->freeze (cg, false, &terr);
    }
  return r;
}

/* cgroup.kill (5.14) kills the whole subtree atomically. */
static bool
kill_by_cgroup_kill (const berth_cgroup *cg, int signo)
{
  const char *unified = berth_cgroup_dir_for (cg, BERTH_CGROUP_UNIFIED, NULL);
  cleanup_error berth_error *e = NULL;
  return signo == SIGKILL && unified && berth_cgroup_write (unified, "cgroup.kill", "1", &e) == 0;
}

static int
v2_kill (const berth_cgroup *cg, int signo, berth_error **err)
{
  return kill_by_cgroup_kill (cg, signo) ? 0 : kill_frozen (cg, signo, err);
}

static int
hybrid_kill (const berth_cgroup *cg, int signo, berth_error **err)
{
  /* With a v1 freezer the unified tree may hold only some of the
     processes' cgroups: signal them one by one. */
  if (berth_cgroup_dir_for (cg, "freezer", NULL) == NULL && kill_by_cgroup_kill (cg, signo))
    return 0;
  return kill_frozen (cg, signo, err);
}

/* ------------------------------------------------------------ destroy */

static int
remove_tree (const char *dir)
{
  /* Most cgroups have no children: only a busy one needs the walk. */
  if (rmdir (dir) == 0 || errno == ENOENT)
    return 0;
  if (errno != EBUSY && errno != ENOTEMPTY)
    return -1;
  cleanup_closedir DIR *d = opendir (dir);
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    if (e->d_type == DT_DIR && strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      {
        cleanup_free char *sub = xasprintf ("%s/%s", dir, e->d_name);
        remove_tree (sub);
      }
  return rmdir (dir) < 0 && errno != ENOENT ? -1 : 0;
}

int
berth_cgroupfs_destroy (const berth_cgroup *cg, berth_error **err)
{
  if (cg == NULL)
    return 0;
  /* A cgroup already gone is fine: remove_tree takes ENOENT as done. */
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  cleanup_error berth_error *ignored = NULL;
  if (cgroupfs_pids (cg, &pids, &n, &ignored) == 0 && n > 0)
    {
      cleanup_error berth_error *kerr = NULL;
      cg->driver->kill (cg, SIGKILL, &kerr);
    }
  /* A killed task leaves its cgroup a little after it dies. */
  for (size_t i = 0; i < cg->len; i++)
    {
      int tries = 0;
      while (remove_tree (cg->dirs[i]) < 0)
        {
          if (errno != EBUSY || ++tries > 500)
            return berth_fail_errno (err, "cgroup: remove %s", cg->dirs[i]);
          sleep_ms (tries < 20 ? 1 : 10);
        }
    }
  return 0;
}

/* ------------------------------------------------------------ drivers */

static int
cgroupfs_update (const berth_cgroup *cg, const oci_resources *r, berth_error **err)
{
  return berth_cgroup_apply (cg, r, NULL, true, err);
}

#define CGROUPFS_DRIVER(layout)                                                                                      \
  {                                                                                                                  \
    .name = "cgroupfs-" #layout, .create = berth_cgroupfs_create, .enter = cgroupfs_enter,                           \
    .apply = berth_cgroup_apply, .update = cgroupfs_update, .freeze = layout##_freeze,                               \
    .is_frozen = layout##_is_frozen, .kill = layout##_kill, .destroy = berth_cgroupfs_destroy,                       \
    .stats = berth_cgroupfs_stats_write, .pids = cgroupfs_pids,                                                      \
  }

#define v1_kill kill_frozen
const berth_cgroup_driver berth_cgroupfs_v1 = CGROUPFS_DRIVER (v1);
const berth_cgroup_driver berth_cgroupfs_v2 = CGROUPFS_DRIVER (v2);
const berth_cgroup_driver berth_cgroupfs_hybrid = CGROUPFS_DRIVER (hybrid);
#undef v1_kill

static const berth_cgroup_driver *const drivers[] = { &berth_cgroupfs_v1, &berth_cgroupfs_v2, &berth_cgroupfs_hybrid,
                                                      &berth_cgroup_systemd };

const berth_cgroup_driver *
berth_cgroup_driver_by_name (const char *name)
{
  for (size_t i = 0; name && i < ARRAY_SIZE (drivers); i++)
    if (strcmp (drivers[i]->name, name) == 0)
      return drivers[i];
  return NULL;
}

const berth_cgroup_driver *
berth_cgroupfs_driver_for (const berth_cgroup *cg)
{
  bool unified = false, v1 = false;
  for (size_t i = 0; i < cg->len; i++)
    *(is_unified (cg, i) ? &unified : &v1) = true;
  return unified && !v1 ? &berth_cgroupfs_v2 : unified ? &berth_cgroupfs_hybrid : &berth_cgroupfs_v1;
}

void
berth_cgroup_use_systemd (berth_cgroup *cg, const char *slice, const char *unit)
{
  for (size_t i = 0; i < cg->len; i++)
    {
      free (cg->keys[i]);
      free (cg->dirs[i]);
    }
  cg->len = 0;
  cg->driver = &berth_cgroup_systemd;
  free (cg->slice);
  free (cg->unit);
  cg->slice = xstrdup (slice);
  cg->unit = xstrdup (unit);
}

/* The public operations: each goes to the container's driver. */

int
berth_cgroup_create (berth_cgroup *cg, const oci_resources *r, const oci_linux *l, pid_t pid, berth_error **err)
{
  return cg->driver->create (cg, r, l, pid, err);
}

int
berth_cgroup_enter (const berth_cgroup *cg, pid_t pid, berth_error **err)
{
  return cg->driver->enter (cg, pid, err);
}

int
berth_cgroup_update (const berth_cgroup *cg, const oci_resources *r, berth_error **err)
{
  return cg->driver->update (cg, r, err);
}

int
berth_cgroup_freeze (const berth_cgroup *cg, bool freeze, berth_error **err)
{
  return cg->driver->freeze (cg, freeze, err);
}

bool
berth_cgroup_is_frozen (const berth_cgroup *cg)
{
  return cg->driver->is_frozen (cg);
}

int
berth_cgroup_kill_all (const berth_cgroup *cg, int signo, berth_error **err)
{
  return cg->driver->kill (cg, signo, err);
}

int
berth_cgroup_destroy (const berth_cgroup *cg, berth_error **err)
{
  return cg == NULL ? 0 : cg->driver->destroy (cg, err);
}

int
berth_cgroup_pids (const berth_cgroup *cg, pid_t **out, size_t *n, berth_error **err)
{
  return cg->driver->pids (cg, out, n, err);
}

void
berth_cgroup_stats_write (const berth_cgroup *cg, oci_jw *w)
{
  cg->driver->stats (cg, w);
}
