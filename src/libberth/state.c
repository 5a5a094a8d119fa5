#include "config.h"

#include "state.h"
#include "cgroup/cgroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/statfs.h>
#include <unistd.h>

OCI_DEFINE_DESC (berth_state)
OCI_DEFINE_DESC (berth_config_summary)

static const char *const status_names[] = { "creating", "created", "running", "paused", "stopped" };

const char *
berth_status_name (berth_status s)
{
  return status_names[s];
}

int
berth_validate_id (const char *id, berth_error **err)
{
  size_t n = strlen (id);
  if (n == 0 || n > 1024)
    return berth_fail_kind (err, BERTH_ERR_INVALID_ID, 0, "`%s` (must be 1 to 1024 characters)", id);
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return berth_fail_kind (err, BERTH_ERR_INVALID_ID, 0, "`%s`", id);
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '+'
          || *p == '-' || *p == '.'))
      return berth_fail_kind (err, BERTH_ERR_INVALID_ID, 0, "`%s` (only letters, digits and _+-. are allowed)", id);
  return 0;
}

int
berth_root_open (const char *root, bool create, berth_error **err)
{
  /* Every new directory 0700: containerd's shim hands us a root
     (/run/containerd/runc/<namespace>) whose parents may not exist yet. */
  cleanup_free char *failed = NULL;
  if (create && *root && mkdir_parents (root, 0700, 0700, &failed) < 0)
    return berth_fail_errno (err, "create state root `%s`", failed);
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  /* No root, no container in it: runc's answer, which engines match. */
  if (fd < 0 && errno == ENOENT && !create)
    return berth_fail_kind (err, BERTH_ERR_NOT_FOUND, 0, "state root `%s` is missing", root);
  if (fd < 0)
    return berth_fail_errno (err, "open state root `%s`", root);
  /* State on a tmpfs dies with the machine anyway: fsync would do nothing. */
  struct statfs sf;
  write_file_atomic_set_fsync (fstatfs (fd, &sf) < 0 || sf.f_type != TMPFS_MAGIC);
  return fd;
}

int
berth_state_dir_create (int rootfd, const char *id, berth_error **err)
{
  if (mkdirat (rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return berth_fail_kind (err, BERTH_ERR_EXISTS, 0, "`%s`", id);
      return berth_fail_errno (err, "create state directory for `%s`", id);
    }
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || flock (fd, LOCK_EX) < 0)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      unlinkat (rootfd, id, AT_REMOVEDIR);
      return berth_fail (err, e, "open state directory for `%s`", id);
    }
  return fd;
}

int
berth_state_dir_open (int rootfd, const char *id, int lock, berth_error **err)
{
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return berth_fail_kind (err, BERTH_ERR_NOT_FOUND, 0, "`%s`", id);
      return berth_fail_errno (err, "open state of `%s`", id);
    }
  if (lock && flock (fd, lock) < 0)
    {
      int e = errno;
      close (fd);
      return berth_fail (err, e, "lock state of `%s`", id);
    }
  /* A `delete` that held the lock while we waited has removed it. */
  struct stat st;
  if (lock && fstat (fd, &st) == 0 && st.st_nlink == 0)
    {
      close (fd);
      return berth_fail_kind (err, BERTH_ERR_NOT_FOUND, 0, "`%s`", id);
    }
  return fd;
}

int
berth_state_dir_open_reader (int rootfd, const char *id, int timeout_ms, bool *locked, berth_error **err)
{
  *locked = false;
  int fd = berth_state_dir_open (rootfd, id, 0, err);
  if (fd < 0)
    return -1;
  for (int waited = 0;; waited += 10)
    {
      int r = berth_state_dir_trylock (fd, LOCK_SH);
      if (r < 0)
        {
          int e = errno;
          close (fd);
          return berth_fail (err, e, "lock state of `%s`", id);
        }
      struct stat sb;
      if (r || waited >= timeout_ms || fstatat (fd, "state.json", &sb, 0) < 0)
        {
          *locked = r == 1;
          break;
        }
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  /* A `delete` that held the lock while we waited has removed it. */
  struct stat dst;
  if (*locked && fstat (fd, &dst) == 0 && dst.st_nlink == 0)
    {
      close (fd);
      return berth_fail_kind (err, BERTH_ERR_NOT_FOUND, 0, "`%s`", id);
    }
  return fd;
}

int
berth_state_dir_trylock (int dirfd, int lock)
{
  if (flock (dirfd, lock | LOCK_NB) == 0)
    return 1;
  return errno == EWOULDBLOCK ? 0 : -1;
}

int
berth_state_write_as (int dirfd, const char *name, const berth_state *st, berth_error **err)
{
  size_t len = 0;
  cleanup_free char *text = berth_state_generate (st, 0, &len);
  if (text == NULL)
    return berth_fail (err, 0, "cannot encode the state of `%s`", st->id);
  return write_file_atomic_at (dirfd, name, text, len, 0600, err);
}

int
berth_state_write (int dirfd, const berth_state *st, berth_error **err)
{
  return berth_state_write_as (dirfd, "state.json", st, err);
}

berth_state *
berth_state_read_as (int dirfd, const char *name, const char *id, berth_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (read_file_at (dirfd, name, &text, &len, err) < 0)
    {
      /* A directory without state.json is a create that died half-way. */
      berth_error_wrap (err, "container `%s`", id);
      return NULL;
    }
  char *perr = NULL;
  berth_state *st = berth_state_parse_data (text, len, name, &perr);
  if (st == NULL)
    {
      berth_fail_take (err, 0, perr);
      berth_error_wrap (err, "container `%s`", id);
    }
  return st;
}

berth_state *
berth_state_read (int dirfd, const char *id, berth_error **err)
{
  return berth_state_read_as (dirfd, "state.json", id, err);
}

static int
remove_tree_at (int dirfd, const char *name)
{
  int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return unlinkat (dirfd, name, 0);
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return -1;
    }
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (de->d_type == DT_DIR)
        remove_tree_at (fd, de->d_name);
      else
        unlinkat (fd, de->d_name, 0);
    }
  closedir (d);
  return unlinkat (dirfd, name, AT_REMOVEDIR);
}

int
berth_state_dir_remove (int rootfd, const char *id, berth_error **err)
{
  if (remove_tree_at (rootfd, id) < 0 && errno != ENOENT)
    return berth_fail_errno (err, "remove state of `%s`", id);
  return 0;
}

uint64_t
berth_pid_start_time (pid_t pid)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* comm (field 2) may hold spaces and parentheses: start after the last ')'. */
  char *p = strrchr (buf, ')');
  if (p == NULL)
    return 0;
  p += 2; /* now at field 3, the state */
  if (*p == 'Z' || *p == 'X')
    return 0; /* a zombie is a stopped container */
  for (int field = 3; field < 22 && p; field++)
    {
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  return p ? strtoull (p, NULL, 10) : 0;
}

bool
berth_state_init_alive (const berth_state *st)
{
  if (!st->pid_present || st->pid <= 0)
    return false;
  uint64_t t = berth_pid_start_time ((pid_t) st->pid);
  return t != 0 && t == st->pid_start;
}

berth_status
berth_state_status (int dirfd, const berth_state *st)
{
  if (!berth_state_init_alive (st))
    return BERTH_STATUS_STOPPED;
  struct stat sb;
  if (fstatat (dirfd, "exec.fifo", &sb, AT_SYMLINK_NOFOLLOW) == 0)
    return BERTH_STATUS_CREATED;
  cleanup_cgroup berth_cgroup *cg = berth_state_cgroup (st);
  if (cg && berth_cgroup_is_frozen (cg))
    return BERTH_STATUS_PAUSED;
  return BERTH_STATUS_RUNNING;
}

berth_cgroup *
berth_state_cgroup (const berth_state *st)
{
  /* A systemd scope asked for but not yet made has no paths, and still
     must be stopped. */
  if (st->cgroup_paths.len == 0 && st->systemd_unit == NULL)
    return NULL;
  berth_cgroup *cg = xcalloc (1, sizeof *cg);
  cg->len = st->cgroup_paths.len;
  cg->keys = xcalloc (cg->len, sizeof *cg->keys);
  cg->dirs = xcalloc (cg->len, sizeof *cg->dirs);
  for (size_t i = 0; i < cg->len; i++)
    {
      cg->keys[i] = xstrdup (st->cgroup_paths.keys[i]);
      cg->dirs[i] = xstrdup (st->cgroup_paths.values[i]);
    }
  /* The driver chosen at create; states from before it was recorded
     name it by the systemd unit or the hierarchies. */
  cg->driver = berth_cgroup_driver_by_name (st->cgroup_driver);
  if (st->systemd_unit)
    cg->unit = xstrdup (st->systemd_unit);
  if (cg->driver == NULL)
    cg->driver = st->systemd_unit ? &berth_cgroup_systemd : berth_cgroupfs_driver_for (cg);
  return cg;
}
