#include "config.h"

#include "mounts.h"
#include "copyup.h"
#include "lsm.h"
#include "mount_options.h"
#include "procfs.h"
#include "rootpath.h"
#include "../cgroup/cgroup.h"
#include "../log.h"
#include "../util.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

/* ------------------------------------------------------------ options */

int
berth_mount_opts_parse (char **options, size_t n, berth_mount_opts *o, berth_error **err)
{
  memset (o, 0, sizeof *o);
  size_t dlen = 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *name = options[i];
      const berth_mount_option *m = berth_mount_option_find (name);
      if (m == NULL)
        {
          /* Filesystem-specific ("mode=755", "size=64k", "newinstance"). */
          size_t l = strlen (name);
          o->data = xrealloc (o->data, dlen + l + 2);
          if (dlen)
            o->data[dlen++] = ',';
          memcpy (o->data + dlen, name, l + 1);
          dlen += l;
          continue;
        }
      switch (m->kind)
        {
        case BERTH_MOPT_FLAG:
          if (m->clear)
            o->flags &= ~m->flags, o->clear |= m->flags;
          else
            o->flags |= m->flags, o->clear &= ~m->flags;
          break;
        case BERTH_MOPT_PROPAGATION:
          if (o->npropagation == (int) ARRAY_SIZE (o->propagation))
            return berth_fail (err, 0, "too many propagation options");
          o->propagation[o->npropagation++] = m->flags;
          break;
        case BERTH_MOPT_RATTR:
          if (m->clear)
            o->rattr_clr |= m->attr, o->rattr_set &= ~m->attr;
          else
            o->rattr_set |= m->attr, o->rattr_clr &= ~m->attr;
          break;
        case BERTH_MOPT_SPECIAL:
          if (strcmp (name, "tmpcopyup") == 0)
            o->tmpcopyup = true;
          else if (strcmp (name, "idmap") == 0)
            o->idmap = true;
          else
            o->ridmap = true;
          break;
        }
    }
  return 0;
}

/* ------------------------------------------------------------ helpers */

static char *
fd_path (int fd)
{
  return xasprintf ("/proc/self/fd/%d", fd);
}

/* mount(2) onto the object an O_PATH fd refers to.  The magic link pins the
   exact inode that was resolved inside the rootfs, so a symlink swapped in
   after resolution cannot redirect the mount. */
static int
mount_on_fd (const char *source, int fd, const char *type, unsigned long flags, const char *data)
{
  cleanup_free char *target = fd_path (fd);
  return mount (source, target, type, flags, data);
}

static int
attach_tree (int tree, int target)
{
  return move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int
apply_propagation (int rootfd, const char *dest, const berth_mount_opts *o, berth_error **err)
{
  if (o->npropagation == 0)
    return 0;
  /* Reopen: the fd taken before mounting names the directory underneath. */
  cleanup_close int fd = berth_root_open_path (rootfd, dest, err);
  if (fd < 0)
    return -1;
  for (int i = 0; i < o->npropagation; i++)
    if (mount_on_fd (NULL, fd, NULL, o->propagation[i], NULL) < 0)
      return berth_fail_errno (err, "set propagation of `%s`", dest);
  return 0;
}

static int
apply_rattrs (int rootfd, const char *dest, const berth_mount_opts *o, berth_error **err)
{
  if (o->rattr_set == 0 && o->rattr_clr == 0)
    return 0;
  cleanup_close int fd = berth_root_open_path (rootfd, dest, err);
  if (fd < 0)
    return -1;
  struct mount_attr attr = { .attr_set = o->rattr_set, .attr_clr = o->rattr_clr };
  /* Clearing one atime mode means choosing another: the kernel wants the
     whole atime field named in attr_clr. */
  if (attr.attr_set & MOUNT_ATTR__ATIME)
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  if (mount_setattr (fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return berth_fail_errno (err, "set recursive mount attributes on `%s`", dest);
  return 0;
}

/* The per-mount flags a bind mount can carry, as mount_setattr attributes. */
static unsigned long long
flags_to_attr (unsigned long flags)
{
  unsigned long long a = 0;
  if (flags & MS_RDONLY)
    a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (flags & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  else if (flags & MS_RELATIME)
    a |= MOUNT_ATTR_RELATIME;
  if (flags & MS_NODIRATIME)
    a |= MOUNT_ATTR_NODIRATIME;
  if (flags & MS_NOSYMFOLLOW)
    a |= MOUNT_ATTR_NOSYMFOLLOW;
  return a;
}

/* ------------------------------------------------------------ /proc rules */

/* Where fd is inside the rootfs, as the kernel resolved it (its magic
   link less the rootfs's own path), or NULL when that cannot be told. */
static char *
resolved_dest (const berth_rootfs *r, int fd)
{
  char buf[4096];
  cleanup_free char *link = fd_path (fd);
  ssize_t n = readlink (link, buf, sizeof buf - 1);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  size_t rl = strcmp (r->rootfs, "/") == 0 ? 0 : strlen (r->rootfs);
  if (strncmp (buf, r->rootfs, rl) != 0 || (buf[rl] != '/' && buf[rl] != '\0'))
    return NULL;
  return xstrdup (buf[rl] ? buf + rl : "/");
}

/* The files of /proc that lxcfs and its kind emulate: the only mounts
   allowed inside /proc (runc's list). */
static const char *const proc_emulated[] = {
  "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",         "/proc/swaps",
  "/proc/uptime",  "/proc/loadavg",   "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

/* Nothing but a procfs goes on /proc, and nothing inside it but the
   emulated files: a bind there would fake what the runtime and the
   container read and write as the kernel's (runc's checkProcMount).
   target is the fd the mount is made on, so this is the resolved path. */
static int
check_proc_dest (const berth_rootfs *r, int target, const oci_mount *m, bool is_procfs, berth_error **err)
{
  cleanup_free char *dest = resolved_dest (r, target);
  if (dest == NULL || !str_has_prefix (dest, "/proc") || (dest[5] != '\0' && dest[5] != '/'))
    return 0;
  if (dest[5] == '\0')
    return is_procfs ? 0
                     : berth_fail (err, 0, "`%s` cannot be mounted because it is not of type proc", m->destination);
  for (size_t i = 0; i < ARRAY_SIZE (proc_emulated); i++)
    if (strcmp (dest, proc_emulated[i]) == 0)
      return 0;
  return berth_fail (err, 0, "`%s` cannot be mounted because it is inside /proc", m->destination);
}

/* procfs and sysfs go on an ordinary directory of the rootfs: never
   through a symlink, onto a file, or onto something already mounted
   there (runc: "must be mounted on ordinary directory").  The last
   component is opened without following it, and the checks are made on
   the very fd the mount then goes through. */
static int
pseudofs_target (berth_rootfs *r, const oci_mount *m, berth_error **err)
{
  cleanup_free char *copy = xstrdup (m->destination);
  size_t n = strlen (copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  char *slash = strrchr (copy, '/');
  const char *base = slash + 1;
  if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return berth_fail (err, 0, "filesystem \"%s\" cannot be mounted on `%s`", m->type, m->destination);
  *slash = '\0';
  cleanup_close int parent = berth_root_mkpath (r->rootfd, *copy ? copy : "/", true, 0755, err);
  if (parent < 0)
    return -1;
  if (mkdirat (parent, base, 0755) < 0 && errno != EEXIST)
    return berth_fail_errno (err, "create `%s` in the rootfs", m->destination);
  cleanup_close int fd = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return berth_fail_errno (err, "open `%s` in the rootfs", m->destination);
  const char *why = S_ISLNK (st.st_mode)        ? "is a symlink"
                    : !S_ISDIR (st.st_mode)     ? "is not a directory"
                    : berth_fd_is_mount_root (fd) ? "already has something mounted on it"
                                                  : NULL;
  if (why)
    return berth_fail (err, 0, "filesystem \"%s\" must be mounted on ordinary directory: `%s` %s", m->type,
                       m->destination, why);
  return steal_fd (&fd);
}

/* ------------------------------------------------------------ bind mounts */

/* prepared: a detached clone of the source made by the runtime (taken), or -1. */
static int
bind_mount (berth_rootfs *r, const oci_mount *m, const berth_mount_opts *o, int prepared, berth_error **err)
{
  const char *src = m->source ? m->source : "";
  cleanup_close int tree = prepared;
  if (tree < 0)
    {
      unsigned int tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
      if (o->flags & MS_REC)
        tree_flags |= AT_RECURSIVE;
      tree = open_tree (AT_FDCWD, src, tree_flags);
      if (tree < 0)
        return berth_fail_errno (err, "bind source `%s`", src);
    }
  struct stat st;
  if (fstat (tree, &st) < 0)
    return berth_fail_errno (err, "bind source `%s`", src);

  cleanup_close int target = berth_root_mkpath (r->rootfd, m->destination, S_ISDIR (st.st_mode),
                                                S_ISDIR (st.st_mode) ? 0755 : 0644, err);
  if (target < 0 || check_proc_dest (r, target, m, berth_proc_is_procfs (tree), err) < 0)
    return -1;

  /* Flags on a bind apply to the new mount (and, for rbind, below it only
     when asked with the r- options): set them before it becomes visible. */
  struct mount_attr attr = { .attr_set = flags_to_attr (o->flags), .attr_clr = flags_to_attr (o->clear) };
  if (attr.attr_set & MOUNT_ATTR__ATIME)
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  attr.attr_clr &= ~attr.attr_set | MOUNT_ATTR__ATIME;
  if ((attr.attr_set || attr.attr_clr) && mount_setattr (tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return berth_fail_errno (err, "set options of bind mount `%s`", m->destination);

  if (attach_tree (tree, target) < 0)
    return berth_fail_errno (err, "bind `%s` on `%s`", src, m->destination);
  return 0;
}

/* ------------------------------------------------------------ cgroup mounts */

/* Our cgroup in a hierarchy, from /proc/self/cgroup ("N:controllers:path";
   the unified hierarchy is "0::path"), relative to the mount's root. */
static char *
own_cgroup_dir (const char *self, const char *superopts, bool v2, const char *mnt_root)
{
  cleanup_free char *copy = xstrdup (self);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char controllers[256];
      int n = 0;
      const char *path;
      if (str_has_prefix (line, "0::"))
        {
          if (!v2)
            continue;
          path = line + 3;
        }
      else if (!v2 && sscanf (line, "%*u:%255[^:]:%n", controllers, &n) == 1 && n > 0
               && berth_cgroup_options_have_all (superopts, controllers))
        path = line + n;
      else
        continue;
      size_t rl = strcmp (mnt_root, "/") == 0 ? 0 : strlen (mnt_root);
      if (rl && (strncmp (path, mnt_root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0')))
        return NULL;
      return xstrdup (path + rl);
    }
  return NULL;
}

/* Without a cgroup namespace of its own, a new cgroup mount would show the
   container the host's whole hierarchy (and a user namespace may not make
   one at all): bind the container's own directory instead, as runc does.
   Returns 1 when bound, 0 when our directory is unknown. */
static int
bind_own_cgroup (int target, const char *self, const char *mnt, const char *mnt_root, const char *superopts, bool v2,
                 unsigned long flags, const char *dest, berth_error **err)
{
  cleanup_free char *rel = own_cgroup_dir (self, superopts, v2, mnt_root);
  if (rel == NULL)
    return 0;
  cleanup_free char *src = xasprintf ("%s%s", mnt, strcmp (rel, "/") == 0 ? "" : rel);
  cleanup_close int tree = open_tree (AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return berth_fail_errno (err, "bind cgroup `%s`", src);
  struct mount_attr attr = { .attr_set = flags_to_attr (flags) };
  if (attr.attr_set & MOUNT_ATTR__ATIME)
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  if (mount_setattr (tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return berth_fail_errno (err, "set options of cgroup bind `%s`", dest);
  if (attach_tree (tree, target) < 0)
    return berth_fail_errno (err, "bind cgroup `%s` on `%s`", src, dest);
  return 1;
}

/* Reproduce the host's cgroup layout: cgroup2 where the host is unified;
   otherwise a tmpfs holding one cgroup v1 mount per hierarchy (and the v2
   mount of a hybrid host), with the host's comount symlinks.  In a cgroup
   namespace new mounts show the namespace's root; without one, each is a
   bind of the container's own cgroup. */
static int
cgroup_mount (berth_rootfs *r, const oci_mount *m, const berth_mount_opts *o, berth_error **err)
{
  unsigned long flags = o->flags & ~MS_RDONLY;
  struct statfs sfs;
  if (statfs ("/sys/fs/cgroup", &sfs) < 0)
    return berth_fail_errno (err, "statfs /sys/fs/cgroup");
  cleanup_free char *self = NULL;
  size_t self_len;
  if (!r->cgroupns && read_file_at (AT_FDCWD, "/proc/self/cgroup", &self, &self_len, err) < 0)
    return -1;

  cleanup_close int target = berth_root_mkpath (r->rootfd, m->destination, true, 0755, err);
  if (target < 0 || check_proc_dest (r, target, m, false, err) < 0)
    return -1;
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    {
      int bound = self ? bind_own_cgroup (target, self, "/sys/fs/cgroup", "/", "", true, o->flags, m->destination, err)
                       : 0;
      if (bound < 0)
        return -1;
      if (!bound && mount_on_fd ("cgroup2", target, "cgroup2", o->flags, NULL) < 0)
        return berth_fail_errno (err, "mount cgroup2 on `%s`", m->destination);
      return 0;
    }

  if (mount_on_fd ("tmpfs", target, "tmpfs", flags, "mode=755") < 0)
    return berth_fail_errno (err, "mount tmpfs on `%s`", m->destination);
  cleanup_close int dir = berth_root_open_path (r->rootfd, m->destination, err);
  if (dir < 0)
    return -1;

  cleanup_fclose FILE *mi = fopen ("/proc/self/mountinfo", "re");
  if (mi == NULL)
    return berth_fail_errno (err, "open /proc/self/mountinfo");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, mi) > 0)
    {
      /* id parent maj:min root mountpoint opts [tags] - fstype source superopts */
      char root[4096], mnt[4096], fstype[64], superopts[1024];
      const char *sep = strstr (line, " - ");
      if (sep == NULL || sscanf (line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2
          || sscanf (sep + 3, "%63s %*s %1023s", fstype, superopts) != 2)
        continue;
      if (!str_has_prefix (mnt, "/sys/fs/cgroup/") || strchr (mnt + 15, '/'))
        continue;
      const char *name = mnt + 15;
      bool v2 = strcmp (fstype, "cgroup2") == 0;
      if (!v2 && strcmp (fstype, "cgroup") != 0)
        continue;

      /* Keep only the controllers (and name=) from the super options. */
      char data[1024] = "";
      char *save = NULL;
      for (char *tok = strtok_r (superopts, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
        if (strcmp (tok, "rw") && strcmp (tok, "ro"))
          snprintf (data + strlen (data), sizeof data - strlen (data), "%s%s", *data ? "," : "", tok);

      if (mkdirat (dir, name, 0755) < 0 && errno != EEXIST)
        return berth_fail_errno (err, "create `%s/%s`", m->destination, name);
      cleanup_free char *sub = xasprintf ("%s/%s", m->destination, name);
      cleanup_close int subfd = berth_root_open_path (r->rootfd, sub, err);
      if (subfd < 0)
        return -1;
      int bound = self ? bind_own_cgroup (subfd, self, mnt, root, data, v2, o->flags, sub, err) : 0;
      if (bound < 0)
        return -1;
      if (!bound && mount_on_fd (v2 ? "cgroup2" : "cgroup", subfd, v2 ? "cgroup2" : "cgroup", o->flags,
                                 v2 ? NULL : data) < 0)
        return berth_fail_errno (err, "mount cgroup `%s` on `%s`", name, sub);
    }

  /* The host's "cpu -> cpu,cpuacct" style links. */
  cleanup_closedir DIR *host = opendir ("/sys/fs/cgroup");
  struct dirent *de;
  while (host && (de = readdir (host)))
    {
      char link[256];
      if (de->d_type != DT_LNK)
        continue;
      ssize_t n = readlinkat (dirfd (host), de->d_name, link, sizeof link - 1);
      if (n <= 0)
        continue;
      link[n] = '\0';
      if (symlinkat (link, dir, de->d_name) < 0 && errno != EEXIST)
        return berth_fail_errno (err, "symlink `%s/%s`", m->destination, de->d_name);
    }

  if (o->flags & MS_RDONLY)
    {
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
      cleanup_close int top = berth_root_open_path (r->rootfd, m->destination, err);
      if (top < 0 || mount_setattr (top, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return berth_fail_errno (err, "make `%s` read-only", m->destination);
    }
  return 0;
}

/* ------------------------------------------------------------ new filesystems */

static const char *
mount_label (const berth_rootfs *r)
{
  const oci_linux *l = r->spec->linux;
  /* Without SELinux the label is ignored (berth_lsm_check_spec). */
  return l && l->mount_label && *l->mount_label && berth_selinux_enabled () ? l->mount_label : NULL;
}

/* sysfs belongs to the network namespace: in a user namespace that shares
   the host's network namespace the kernel refuses a new instance.  The
   host's /sys, bound recursively and read-only, is the closest view. */
static int
sysfs_bind_fallback (int target, const oci_mount *m, const berth_mount_opts *o, berth_error **err)
{
  cleanup_close int tree = open_tree (AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | (flags_to_attr (o->flags) & ~MOUNT_ATTR__ATIME) };
  if (tree < 0 || mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0
      || attach_tree (tree, target) < 0)
    return berth_fail_errno (err, "bind the host's /sys on `%s` (sysfs is refused in this user namespace)",
                             m->destination);
  return 0;
}

/* Superblock flags a new tmpfs takes as fsconfig flags (the per-mount ones
   go to fsmount). */
static const struct
{
  unsigned long flag;
  const char *name;
} sb_flag_names[] = {
  { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
};

/* A tmpfs made detached, filled with what the directory it is about to
   hide holds (`tmpcopyup`), then attached: the container never sees it
   empty, and nothing is copied through a symlink out of the rootfs. */
static int
tmpfs_copyup (int target, const oci_mount *m, const berth_mount_opts *o, const char *label, berth_error **err)
{
  cleanup_close int fs = fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    return berth_fail_errno (err, "tmpfs for `%s`", m->destination);
  if (m->source && fsconfig (fs, FSCONFIG_SET_STRING, "source", m->source, 0) < 0)
    return berth_fail_errno (err, "tmpfs source `%s` for `%s`", m->source, m->destination);
  /* fsconfig takes the label as it is: no quoting against commas. */
  if (berth_lsm_mount_takes_label ("tmpfs", o->data, label)
      && fsconfig (fs, FSCONFIG_SET_STRING, "context", label, 0) < 0)
    return berth_fail_errno (err, "linux.mountLabel: label the tmpfs for `%s`", m->destination);
  cleanup_free char *data = o->data ? xstrdup (o->data) : NULL;
  char *save = NULL;
  for (char *opt = data ? strtok_r (data, ",", &save) : NULL; opt; opt = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (opt, '=');
      if (eq)
        *eq = '\0';
      int r = eq ? fsconfig (fs, FSCONFIG_SET_STRING, opt, eq + 1, 0) : fsconfig (fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
      if (r < 0)
        return berth_fail_errno (err, "tmpfs option `%s` for `%s`", opt, m->destination);
    }
  for (size_t i = 0; i < ARRAY_SIZE (sb_flag_names); i++)
    if ((o->flags & sb_flag_names[i].flag) && fsconfig (fs, FSCONFIG_SET_FLAG, sb_flag_names[i].name, NULL, 0) < 0)
      return berth_fail_errno (err, "tmpfs option `%s` for `%s`", sb_flag_names[i].name, m->destination);
  if (fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return berth_fail_errno (err, "create the tmpfs for `%s`", m->destination);
  /* Writable until filled; read-only (if asked) before anyone sees it. */
  cleanup_close int tree = fsmount (fs, FSMOUNT_CLOEXEC, (unsigned int) flags_to_attr (o->flags & ~MS_RDONLY));
  if (tree < 0)
    return berth_fail_errno (err, "mount the tmpfs for `%s`", m->destination);

  cleanup_close int src = openat (target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return berth_fail_errno (err, "tmpcopyup: open `%s`", m->destination);
  if (berth_copy_tree (src, tree, m->destination, err) < 0)
    return berth_error_wrap (err, "tmpcopyup");

  struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
  if ((o->flags & MS_RDONLY) && mount_setattr (tree, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
    return berth_fail_errno (err, "make the tmpfs on `%s` read-only", m->destination);
  if (attach_tree (tree, target) < 0)
    return berth_fail_errno (err, "attach the tmpfs on `%s`", m->destination);
  return 0;
}

/* Remember which mount is the container's /proc: the init later trusts
   only that one (procfs.h). */
static void
note_proc_mount (berth_rootfs *r, const char *dest)
{
  cleanup_close int fd = berth_root_open_path (r->rootfd, dest, NULL);
  cleanup_free char *where = fd < 0 ? NULL : resolved_dest (r, fd);
  if (where && strcmp (where, "/proc") == 0 && berth_proc_is_procfs (fd))
    r->proc_mnt_id = berth_fd_mount_id (fd);
}

static int
new_fs_mount (berth_rootfs *r, const oci_mount *m, const berth_mount_opts *o, berth_error **err)
{
  if (m->type == NULL || *m->type == '\0')
    return berth_fail (err, 0, "mount `%s`: no type and not a bind mount", m->destination);
  bool tmpfs = strcmp (m->type, "tmpfs") == 0;
  if (o->tmpcopyup && !tmpfs)
    return berth_fail (err, 0, "mount `%s`: tmpcopyup needs a tmpfs, not `%s`", m->destination, m->type);
  bool procfs = strcmp (m->type, "proc") == 0;
  cleanup_close int target = procfs || strcmp (m->type, "sysfs") == 0
                                 ? pseudofs_target (r, m, err)
                                 : berth_root_mkpath (r->rootfd, m->destination, true, 0755, err);
  if (target < 0 || check_proc_dest (r, target, m, procfs, err) < 0)
    return -1;
  if (o->tmpcopyup)
    return tmpfs_copyup (target, m, o, mount_label (r), err);
  cleanup_free char *data = berth_lsm_mount_data (m->type, o->data, mount_label (r));
  if (mount_on_fd (m->source ? m->source : m->type, target, m->type, o->flags & ~MS_REC, data) == 0)
    {
      if (procfs)
        note_proc_mount (r, m->destination);
      return 0;
    }
  if (errno == EPERM && r->userns && strcmp (m->type, "sysfs") == 0)
    return sysfs_bind_fallback (target, m, o, err);
  return berth_fail_errno (err, "mount `%s` (%s) on `%s`", m->source ? m->source : "", m->type, m->destination);
}

/* ------------------------------------------------------------ one mount */

static bool
is_bind (const oci_mount *m, const berth_mount_opts *o)
{
  return (o->flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
}

static bool
is_dev_dest (const char *dest)
{
  size_t n = strlen (dest);
  while (n > 1 && dest[n - 1] == '/')
    n--;
  return n == 4 && strncmp (dest, "/dev", 4) == 0;
}

static int
do_mount (berth_rootfs *r, size_t idx, berth_error **err)
{
  const oci_mount *m = r->spec->mounts[idx];
  berth_mount_opts o;
  if (berth_mount_opts_parse (m->options, m->options_len, &o, err) < 0)
    return -1;
  cleanup_free char *data = o.data;
  int ret;

  if (m->destination[0] != '/')
    return berth_fail (err, 0, "mount destination `%s` is not absolute", m->destination);

  /* idmapped binds can only be made by the runtime, before the init
     exists (idmap.h): they arrive here ready to attach. */
  cleanup_close int prepared = r->mount_fds ? steal_fd (&r->mount_fds[idx]) : -1;
  if ((o.idmap || o.ridmap || m->uid_mappings) && prepared < 0)
    return berth_fail (err, 0, "mount `%s`: the idmapped mount was not prepared", m->destination);
  /* Mounts under /dev come after it: a read-only /dev is made so only
     once they are in place (berth_rootfs_finish), as runc does. */
  if (is_dev_dest (m->destination))
    {
      r->dev_bound |= is_bind (m, &o);
      if (o.flags & MS_RDONLY)
        o.flags &= ~MS_RDONLY, r->dev_readonly = true;
    }
  if (is_bind (m, &o))
    {
      if (m->type && strcmp (m->type, "bind") == 0)
        o.flags |= MS_BIND;
      ret = bind_mount (r, m, &o, steal_fd (&prepared), err);
    }
  else if (m->type && strcmp (m->type, "cgroup") == 0)
    ret = cgroup_mount (r, m, &o, err);
  else
    ret = new_fs_mount (r, m, &o, err);
  if (ret < 0)
    return ret;
  if (apply_rattrs (r->rootfd, m->destination, &o, err) < 0)
    return -1;
  return apply_propagation (r->rootfd, m->destination, &o, err);
}

/* ------------------------------------------------------------ /dev */

typedef struct
{
  const char *name;
  unsigned major, minor;
} default_device;

static const default_device default_devices[] = {
  { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct
{
  const char *target, *name;
} default_links[] = {
  { "/proc/self/fd", "fd" },
  { "/proc/self/fd/0", "stdin" },
  { "/proc/self/fd/1", "stdout" },
  { "/proc/self/fd/2", "stderr" },
};

static bool
config_has_device (const oci_spec *s, const char *path)
{
  for (size_t i = 0; s->linux && i < s->linux->devices_len; i++)
    if (strcmp (s->linux->devices[i]->path, path) == 0)
      return true;
  return false;
}

/* In a user namespace mknod is refused: bind the host's node instead, as
   runc and crun do.  It must be the device asked for; its mode and owner
   stay the host's (a host node is never chmod'ed or chown'ed), and the
   bind is nosuid,noexec. */
static int
bind_host_device (int target, const char *path, mode_t type, dev_t dev, berth_error **err)
{
  cleanup_close int tree = open_tree (AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0 && errno == ENOENT)
    return berth_fail (err, ENOENT,
                       "device `%s`: the host has no such node to bind, and mknod is not allowed in a user namespace",
                       path);
  struct stat st;
  if (tree < 0 || fstat (tree, &st) < 0)
    return berth_fail_errno (err, "bind device `%s` from the host", path);
  if ((st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != dev))
    return berth_fail (err, 0,
                       "device `%s`: the host's node is not the device asked for (%u:%u), and mknod is not allowed in "
                       "a user namespace",
                       path, major (dev), minor (dev));
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC };
  if (mount_setattr (tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 || attach_tree (tree, target) < 0)
    return berth_fail_errno (err, "bind device `%s` from the host", path);
  return 0;
}

/* Make one device node at path, or in a user namespace bind the host's.
   Whatever a config mount already put there is left alone. */
static int
make_device (berth_rootfs *r, const char *path, mode_t type, dev_t dev, mode_t mode, uid_t uid, gid_t gid,
             berth_error **err)
{
  const char *slash = strrchr (path, '/');
  cleanup_free char *parent_path = xstrndup (path, (size_t) (slash - path));
  cleanup_close int parent = berth_root_mkpath (r->rootfd, *parent_path ? parent_path : "/", true, 0755, err);
  if (parent < 0)
    return -1;
  const char *base = slash + 1;
  {
    cleanup_close int old = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (old >= 0 && berth_fd_is_mount_root (old))
      return 0;
  }

  if (r->userns)
    {
      cleanup_close int target = berth_root_mkpath (r->rootfd, path, false, 0644, err);
      if (target < 0)
        return -1;
      return bind_host_device (target, path, type, dev, err);
    }

  /* Replace whatever is there: an image may ship a stale node or a file. */
  if (unlinkat (parent, base, 0) < 0 && errno != ENOENT && errno != EISDIR)
    return berth_fail_errno (err, "remove old `%s`", path);
  if (mknodat (parent, base, type | (mode & 07777), dev) < 0)
    return berth_fail_errno (err, "mknod `%s`", path);
  cleanup_close int fd = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *p = fd < 0 ? NULL : fd_path (fd);
  /* mknod applied the umask; chmod and chown through the fd's magic link
     (the node is the one just made, in the container's /dev). */
  if (fd < 0 || chmod (p, mode & 07777) < 0 || chown (p, uid, gid) < 0)
    return berth_fail_errno (err, "set mode of `%s`", path);
  return 0;
}

static int
setup_dev (berth_rootfs *r, berth_error **err)
{
  const oci_spec *s = r->spec;
  /* A /dev bound from elsewhere is taken as it is (runc's needsSetupDev):
     nothing is made, replaced or re-owned in it. */
  if (r->dev_bound)
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    {
      cleanup_free char *path = xasprintf ("/dev/%s", default_devices[i].name);
      if (config_has_device (s, path))
        continue;
      if (make_device (r, path, S_IFCHR, makedev (default_devices[i].major, default_devices[i].minor), 0666, 0, 0,
                       err)
          < 0)
        return -1;
    }

  for (size_t i = 0; s->linux && i < s->linux->devices_len; i++)
    {
      const oci_device *d = s->linux->devices[i];
      mode_t type;
      if (strcmp (d->type, "c") == 0 || strcmp (d->type, "u") == 0)
        type = S_IFCHR;
      else if (strcmp (d->type, "b") == 0)
        type = S_IFBLK;
      else if (strcmp (d->type, "p") == 0)
        type = S_IFIFO;
      else
        return berth_fail (err, 0, "linux.devices[%zu].type: unknown device type `%s`", i, d->type);
      if (d->path[0] != '/')
        return berth_fail (err, 0, "linux.devices[%zu].path: `%s` is not absolute", i, d->path);
      if (type != S_IFIFO && (!d->major_present || !d->minor_present))
        return berth_fail (err, 0, "linux.devices[%zu]: major and minor are required for `%s`", i, d->path);
      dev_t dev = type == S_IFIFO ? 0 : makedev ((unsigned) d->major, (unsigned) d->minor);
      if (make_device (r, d->path, type, dev, d->file_mode_present ? d->file_mode : 0666,
                       d->uid_present ? d->uid : 0, d->gid_present ? d->gid : 0, err)
          < 0)
        return -1;
    }

  cleanup_close int dev = berth_root_mkpath (r->rootfd, "/dev", true, 0755, err);
  if (dev < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (default_links); i++)
    if (symlinkat (default_links[i].target, dev, default_links[i].name) < 0 && errno != EEXIST)
      return berth_fail_errno (err, "symlink /dev/%s", default_links[i].name);

  /* With a devpts instance of its own, /dev/ptmx must be that instance's. */
  struct statfs sfs;
  cleanup_close int pts = berth_root_open_path (r->rootfd, "/dev/pts", NULL);
  if (pts >= 0 && fstatfs (pts, &sfs) == 0 && sfs.f_type == DEVPTS_SUPER_MAGIC)
    {
      if (unlinkat (dev, "ptmx", 0) < 0 && errno != ENOENT)
        return berth_fail_errno (err, "remove /dev/ptmx");
      if (symlinkat ("pts/ptmx", dev, "ptmx") < 0)
        return berth_fail_errno (err, "symlink /dev/ptmx");
    }
  return 0;
}

/* ------------------------------------------------------------ rootfs */

static int
propagation_of (const char *name, unsigned long *flags, berth_error **err)
{
  static const struct
  {
    const char *name;
    unsigned long flags;
  } table[] = {
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC }, { "shared", MS_SHARED },
    { "rshared", MS_SHARED | MS_REC }, { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  for (size_t i = 0; i < ARRAY_SIZE (table); i++)
    if (strcmp (table[i].name, name) == 0)
      {
        *flags = table[i].flags;
        return 0;
      }
  return berth_fail (err, 0, "linux.rootfsPropagation: unknown value `%s`", name);
}

/* The runtime fills /dev with devices and links: a /dev that is a link
   would have them made wherever it points (runc fails on it too). */
static int
refuse_dev_symlink (const berth_rootfs *r, berth_error **err)
{
  struct stat st;
  if (fstatat (r->rootfd, "dev", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
    return berth_fail (err, 0, "`/dev` in the rootfs is a symlink: refusing to make devices through it");
  return 0;
}

int
berth_rootfs_prepare (berth_rootfs *r, berth_error **err)
{
  const oci_spec *s = r->spec;
  unsigned long prop = MS_SLAVE | MS_REC;
  if (s->linux && s->linux->rootfs_propagation)
    {
      if (propagation_of (s->linux->rootfs_propagation, &prop, err) < 0)
        return -1;
      /* pivot_root refuses a shared parent, and an unbindable rootfs
         cannot be bound onto itself: either is set after pivot_root. */
      if (prop & (MS_SHARED | MS_UNBINDABLE))
        prop = MS_SLAVE | MS_REC;
      prop |= MS_REC;
    }
  if (r->chroot_only)
    {
      r->rootfd = open (r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
      return r->rootfd < 0 ? berth_fail_errno (err, "open the rootfs `%s`", r->rootfs) : 0;
    }
  /* Mount targets are named /proc/self/fd/N below: that must be the magic
     link of a real procfs, not whatever a joined mount namespace put there. */
  struct statfs sfs;
  if (statfs ("/proc/self/fd", &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
    return berth_fail (err, 0, "/proc of the mount namespace is not a procfs: refusing to mount through it");
  /* Nothing we mount from here on may propagate back to the host. */
  if (mount (NULL, "/", NULL, prop, NULL) < 0)
    return berth_fail_errno (err, "set propagation of /");
  /* pivot_root needs the new root to be a mount point. */
  if (mount (r->rootfs, r->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return berth_fail_errno (err, "bind the rootfs `%s`", r->rootfs);
  r->rootfd = open (r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (r->rootfd < 0)
    return berth_fail_errno (err, "open the rootfs `%s`", r->rootfs);

  if (refuse_dev_symlink (r, err) < 0)
    return -1;
  for (size_t i = 0; i < s->mounts_len; i++)
    if (do_mount (r, i, err) < 0)
      return berth_error_wrap (err, "mounts[%zu]", i);
  return setup_dev (r, err);
}

/* ------------------------------------------------------------ --no-pivot */

/* mountinfo escapes blanks and backslashes as \ooo. */
static void
unescape_octal (char *s)
{
  char *out = s;
  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7')
      {
        *out++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
        s += 3;
      }
    else
      *out++ = *s;
  *out = '\0';
}

typedef int (*pseudofs_fn) (const char *mountpoint, bool procfs, berth_error **err);

/* Call fn for every mount in mi (a mountinfo) of a whole procfs or sysfs
   (its root is the filesystem's) outside rootfs. */
static int
for_each_host_pseudofs (FILE *mi, const char *rootfs, pseudofs_fn fn, berth_error **err)
{
  cleanup_free char *line = NULL;
  size_t cap = 0;
  size_t rl = strlen (rootfs);
  while (getline (&line, &cap, mi) > 0)
    {
      char root[4096], mnt[4096], fstype[64];
      const char *sep = strstr (line, " - ");
      if (sep == NULL || sscanf (line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2
          || sscanf (sep + 3, "%63s", fstype) != 1)
        continue;
      bool procfs = strcmp (fstype, "proc") == 0;
      if ((!procfs && strcmp (fstype, "sysfs") != 0) || strcmp (root, "/") != 0)
        continue;
      unescape_octal (mnt);
      if (strncmp (mnt, rootfs, rl) == 0 && (mnt[rl] == '/' || mnt[rl] == '\0'))
        continue;
      if (fn (mnt, procfs, err) < 0)
        return -1;
    }
  return 0;
}

/* A subdirectory every procfs and sysfs has, which nothing of the init's
   set-up reads through the host's mounts. */
static int
cover_one (const char *mountpoint, bool procfs, berth_error **err)
{
  cleanup_free char *sub = xasprintf ("%s/%s", mountpoint, procfs ? "sys" : "kernel");
  if (mount ("tmpfs", sub, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0") < 0
      && errno != ENOENT)
    return berth_fail_errno (err, "--no-pivot: cover `%s`", sub);
  return 0;
}

int
berth_no_pivot_cover_host_pseudofs (int procfd, const char *rootfs, berth_error **err)
{
  if (unshare (CLONE_NEWNS) < 0)
    return berth_fail_errno (err, "--no-pivot: unshare the mount namespace");
  /* Nothing done here may reach the host's mount namespace. */
  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return berth_fail_errno (err, "--no-pivot: set propagation of /");
  int fd = berth_proc_open (procfd, "thread-self/mountinfo", O_RDONLY);
  cleanup_fclose FILE *mi = fd < 0 ? NULL : fdopen (fd, "re");
  if (mi == NULL)
    {
      if (fd >= 0)
        close (fd);
      return berth_fail_errno (err, "--no-pivot: read mountinfo");
    }
  return for_each_host_pseudofs (mi, rootfs, cover_one, err);
}

/* runc's msMoveRoot: the host's procfs and sysfs leave the container's
   mount namespace before its root moves over "/"; a mount that cannot be
   detached (locked in a user namespace) gets an empty tmpfs on top. */
static int
detach_one (const char *mountpoint, bool procfs, berth_error **err)
{
  (void) procfs;
  if (mount (NULL, mountpoint, NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return errno == ENOENT ? 0 : berth_fail_errno (err, "--no-pivot: make `%s` a slave", mountpoint);
  if (umount2 (mountpoint, MNT_DETACH) == 0)
    return 0;
  if ((errno != EINVAL && errno != EPERM)
      || mount ("tmpfs", mountpoint, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0") < 0)
    return berth_fail_errno (err, "--no-pivot: hide the host's `%s`", mountpoint);
  return 0;
}

static int
detach_host_pseudofs (const char *rootfs, berth_error **err)
{
  /* Read it whole first: it changes under us as mounts go. */
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, "/proc/self/mountinfo", &text, &len, err) < 0)
    return -1;
  cleanup_fclose FILE *mi = fmemopen (text, len, "r");
  if (mi == NULL)
    return berth_fail_errno (err, "--no-pivot: read mountinfo");
  return for_each_host_pseudofs (mi, rootfs, detach_one, err);
}

int
berth_rootfs_enter (berth_rootfs *r, berth_error **err)
{
  cleanup_close int newroot = open (r->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0 || fchdir (newroot) < 0)
    return berth_fail_errno (err, "enter the rootfs `%s`", r->rootfs);

  if (r->chroot_only)
    {
      if (chroot (".") < 0)
        return berth_fail_errno (err, "chroot");
    }
  else if (r->no_pivot)
    {
      if (detach_host_pseudofs (r->rootfs, err) < 0)
        return -1;
      if (mount (r->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return berth_fail_errno (err, "move the rootfs to /");
      if (chroot (".") < 0)
        return berth_fail_errno (err, "chroot");
    }
  else
    {
      /* pivot_root(".", ".") stacks the old root on the new one; detaching
         the top of "." then leaves only the container's root. */
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return berth_fail_errno (err, "pivot_root");
      if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return berth_fail_errno (err, "make the old root a slave");
      if (umount2 (".", MNT_DETACH) < 0)
        return berth_fail_errno (err, "detach the old root");
    }
  if (chdir ("/") < 0)
    return berth_fail_errno (err, "chdir /");
  close (r->rootfd);
  r->rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (r->rootfd < 0)
    return berth_fail_errno (err, "open /");
  return 0;
}

static int
mask_path (berth_rootfs *r, const char *path, berth_error **err)
{
  cleanup_close int target = berth_root_open_path (r->rootfd, path, NULL);
  if (target < 0)
    return 0; /* nothing there to hide */
  struct stat st;
  if (fstat (target, &st) < 0)
    return berth_fail_errno (err, "maskedPaths: stat `%s`", path);

  cleanup_close int tree = -1;
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int fs = fsopen ("tmpfs", FSOPEN_CLOEXEC);
      if (fs < 0 || fsconfig (fs, FSCONFIG_SET_STRING, "size", "0", 0) < 0
          || fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return berth_fail_errno (err, "maskedPaths: tmpfs for `%s`", path);
      tree = fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV
                                              | MOUNT_ATTR_NOEXEC);
    }
  else
    {
      cleanup_close int null = berth_root_open_path (r->rootfd, "/dev/null", err);
      if (null < 0)
        return -1;
      tree = open_tree (null, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    }
  if (tree < 0 || attach_tree (tree, target) < 0)
    return berth_fail_errno (err, "maskedPaths: mask `%s`", path);
  return 0;
}

static int
readonly_path (berth_rootfs *r, const char *path, berth_error **err)
{
  cleanup_close int target = berth_root_open_path (r->rootfd, path, NULL);
  if (target < 0)
    return 0;
  cleanup_close int tree = open_tree (target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
  if (tree < 0 || mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0
      || attach_tree (tree, target) < 0)
    return berth_fail_errno (err, "readonlyPaths: `%s`", path);
  return 0;
}

int
berth_rootfs_finish (berth_rootfs *r, berth_error **err)
{
  const oci_spec *s = r->spec;
  if (r->chroot_only)
    return 0;
  for (size_t i = 0; s->linux && i < s->linux->masked_paths_len; i++)
    if (mask_path (r, s->linux->masked_paths[i], err) < 0)
      return -1;
  for (size_t i = 0; s->linux && i < s->linux->readonly_paths_len; i++)
    if (readonly_path (r, s->linux->readonly_paths[i], err) < 0)
      return -1;

  if (r->dev_readonly)
    {
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
      cleanup_close int dev = berth_root_open_path (r->rootfd, "/dev", err);
      if (dev < 0)
        return -1;
      if (mount_setattr (dev, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return berth_fail_errno (err, "make /dev read-only");
    }
  if (s->root && s->root->readonly_present && s->root->readonly)
    {
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
      if (mount_setattr (AT_FDCWD, "/", 0, &attr, sizeof attr) < 0)
        return berth_fail_errno (err, "make the root read-only");
    }
  if (s->linux && s->linux->rootfs_propagation)
    {
      unsigned long prop = 0;
      if (propagation_of (s->linux->rootfs_propagation, &prop, err) < 0)
        return -1;
      if (mount (NULL, "/", NULL, prop | MS_REC, NULL) < 0)
        return berth_fail_errno (err, "set rootfsPropagation");
    }
  return 0;
}
