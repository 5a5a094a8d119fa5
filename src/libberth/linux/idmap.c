#include "config.h"

#include "idmap.h"
#include "mounts.h"
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

char *
berth_id_map_text (oci_id_mapping **maps, size_t n)
{
  char *text = xstrdup ("");
  for (size_t i = 0; i < n; i++)
    {
      char *more = xasprintf ("%s%u %u %u\n", text, maps[i]->container_id, maps[i]->host_id, maps[i]->size);
      free (text);
      text = more;
    }
  return text;
}

static int
write_map (pid_t pid, const char *file, oci_id_mapping **maps, size_t n, berth_error **err)
{
  cleanup_free char *text = berth_id_map_text (maps, n);
  cleanup_free char *path = xasprintf ("/proc/%d/%s", (int) pid, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  /* The kernel takes the whole map in one write, or nothing. */
  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    return berth_fail_errno (err, "write the %s of an idmapping namespace", file);
  return 0;
}

char *
berth_default_id_map (const oci_spec *s, bool uid)
{
  const oci_user *u = s->process ? s->process->user : NULL;
  unsigned inside = uid ? (u && u->uid_present ? u->uid : 0) : (u && u->gid_present ? u->gid : 0);
  return xasprintf ("%u %u 1\n", inside, uid ? (unsigned) geteuid () : (unsigned) getegid ());
}

int
berth_userns_for_maps (oci_id_mapping **uid, size_t nuid, oci_id_mapping **gid, size_t ngid, berth_error **err)
{
  int hold[2];
  if (pipe2 (hold, O_CLOEXEC) < 0)
    return berth_fail_errno (err, "pipe");
  /* A child born in a new user namespace keeps it alive while we write its
     maps and take a reference; it leaves when the pipe closes. */
  struct clone_args args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
  if (pid == 0)
    {
      char c;
      close (hold[1]);
      while (read (hold[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (hold[0]);
  int fd = -1;
  if (pid < 0)
    berth_fail_errno (err, "create a user namespace for an idmapping");
  else if (write_map (pid, "uid_map", uid, nuid, err) == 0 && write_map (pid, "gid_map", gid, ngid, err) == 0)
    {
      cleanup_free char *path = xasprintf ("/proc/%d/ns/user", (int) pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        berth_fail_errno (err, "open %s", path);
    }
  close (hold[1]);
  while (pid > 0 && waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}

/* The user namespace to idmap mount m with: its own mappings, or else the
   container's (the spec allows either that or an error; runc and crun do
   the same).  Without either, the spec wants an error. */
static int
userns_for_mount (const oci_spec *s, const oci_mount *m, berth_error **err)
{
  if ((m->uid_mappings == NULL) != (m->gid_mappings == NULL))
    return berth_fail (err, 0, "uidMappings and gidMappings go together");
  if (m->uid_mappings)
    {
      if (m->uid_mappings_len == 0 || m->gid_mappings_len == 0)
        return berth_fail (err, 0, "uidMappings and gidMappings must not be empty");
      return berth_userns_for_maps (m->uid_mappings, m->uid_mappings_len, m->gid_mappings, m->gid_mappings_len,
                                    err);
    }

  const oci_linux *l = s->linux;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    {
      const oci_namespace *ns = l->namespaces[i];
      if (strcmp (ns->type, "user") != 0)
        continue;
      if (ns->path && *ns->path)
        {
          int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
          if (fd < 0)
            return berth_fail_errno (err, "open the user namespace `%s`", ns->path);
          return fd;
        }
      if (l->uid_mappings_len == 0 || l->gid_mappings_len == 0)
        return berth_fail (err, 0, "no mappings: the container's user namespace has none either");
      return berth_userns_for_maps (l->uid_mappings, l->uid_mappings_len, l->gid_mappings, l->gid_mappings_len, err);
    }
  return berth_fail (err, 0, "no uidMappings/gidMappings, and the container has no user namespace to take them from");
}

static bool
is_bind_mount (const oci_mount *m, const berth_mount_opts *o)
{
  return (o->flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
}

static int
prepare_one (const oci_spec *s, const oci_mount *m, bool idmapped, int bundlefd, berth_error **err)
{
  berth_mount_opts o;
  if (berth_mount_opts_parse (m->options, m->options_len, &o, err) < 0)
    return -1;
  free (o.data);
  if (!is_bind_mount (m, &o))
    return idmapped ? berth_fail (err, 0, "idmapped mounts are supported for bind mounts only (type `%s`)",
                                  m->type ? m->type : "")
                    : -2;

  const char *src = m->source ? m->source : "";
  unsigned int tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
  if (o.flags & MS_REC)
    tree_flags |= AT_RECURSIVE;
  cleanup_close int tree = open_tree (bundlefd, src, tree_flags);
  if (tree < 0)
    return berth_fail_errno (err, "bind source `%s`", src);
  if (!idmapped)
    return steal_fd (&tree);

  cleanup_close int userns = userns_for_mount (s, m, err);
  if (userns < 0)
    return -1;

  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns };
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (o.ridmap ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    {
      if (errno == EINVAL)
        return berth_fail (err, 0, "idmap `%s`: its filesystem%s does not support idmapped mounts", src,
                           o.ridmap ? " (or one below it)" : "");
      return berth_fail_errno (err, "idmap `%s`", src);
    }
  return steal_fd (&tree);
}

void
berth_idmap_release (int *fds, size_t n)
{
  for (size_t i = 0; fds && i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (fds);
}

int
berth_idmap_prepare (const oci_spec *s, const char *bundle, bool all_binds, int **fds, berth_error **err)
{
  *fds = NULL;
  cleanup_close int bundlefd = -1;
  for (size_t i = 0; i < s->mounts_len; i++)
    {
      const oci_mount *m = s->mounts[i];
      bool idmapped = m->uid_mappings || m->gid_mappings;
      for (size_t j = 0; j < m->options_len && !idmapped; j++)
        idmapped = strcmp (m->options[j], "idmap") == 0 || strcmp (m->options[j], "ridmap") == 0;
      if (!idmapped && !all_binds)
        continue;
      if (*fds == NULL)
        {
          *fds = xmalloc (s->mounts_len * sizeof **fds);
          for (size_t j = 0; j < s->mounts_len; j++)
            (*fds)[j] = -1;
          bundlefd = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
          if (bundlefd < 0)
            return berth_fail_errno (err, "bundle `%s`", bundle);
        }
      int fd = prepare_one (s, m, idmapped, bundlefd, err);
      if (fd == -1)
        return berth_error_wrap (err, "mounts[%zu] `%s`", i, m->destination);
      (*fds)[i] = fd < 0 ? -1 : fd;
    }
  return 0;
}
