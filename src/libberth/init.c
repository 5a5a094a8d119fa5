#include "config.h"

#include "init.h"
#include "hooks.h"
#include "linux/idmap.h"
#include "linux/lsm.h"
#include "linux/mounts.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/procfs.h"
#include "linux/rootpath.h"
#include "linux/sched.h"
#include "log.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

extern char **environ;

int
berth_init_plan (berth_init_ctx *c, berth_error **err)
{
  const oci_linux *l = c->spec->linux;
  c->njoin = 0;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    {
      const oci_namespace *ns = l->namespaces[i];
      const berth_ns_kind *k = berth_ns_kind_from_name (ns->type);
      if (k == NULL)
        continue; /* validate.c refused it already */
      if (ns->path && *ns->path)
        {
          if (c->njoin == BERTH_MAX_JOIN)
            return berth_fail (err, 0, "linux.namespaces: too many namespaces to join");
          int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
          if (fd < 0)
            return berth_fail_errno (err, "linux.namespaces[%zu]: open `%s`", i, ns->path);
          c->join_fds[c->njoin] = fd;
          c->join_types[c->njoin++] = k->clone_flag;
        }
      else if (k->clone_flag == CLONE_NEWTIME)
        c->new_timens = true;
      else if (k->clone_flag == CLONE_NEWCGROUP)
        c->new_cgroupns = true; /* unshared once the init is in its cgroup */
      else
        c->clone_flags |= (unsigned long) k->clone_flag;
    }
  c->new_userns = (c->clone_flags & CLONE_NEWUSER) != 0;
  bool in_userns = c->new_userns;
  for (int i = 0; i < c->njoin; i++)
    in_userns |= c->join_types[i] == CLONE_NEWUSER;
  return berth_idmap_prepare (c->spec, c->bundle, in_userns, &c->mount_fds, err);
}

void
berth_init_plan_release (berth_init_ctx *c)
{
  for (int i = 0; i < c->njoin; i++)
    close (c->join_fds[i]);
  c->njoin = 0;
  berth_idmap_release (c->mount_fds, c->spec->mounts_len);
  c->mount_fds = NULL;
}

/* ------------------------------------------------------------ the init */

static int
wait_exec_fifo (berth_init_ctx *c, int procfd, berth_error **err)
{
  /* Reopen the fifo for writing through its fd's magic link: the open
     blocks until `berth start` opens the other end. */
  char path[64];
  snprintf (path, sizeof path, "thread-self/fd/%d", c->fifo_fd);
  int fd;
  do
    fd = openat (procfd, path, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return berth_fail_errno (err, "open the exec fifo");
  int r = write_all (fd, "0", 1);
  close (fd);
  if (r < 0)
    return berth_fail_errno (err, "write the exec fifo");
  return 0;
}

/* While the init waits for `start`, a process exec'd into the container
   may reach its fds through /proc/1/fd (with CAP_SYS_PTRACE: see
   init_main).  The runtime's /proc is the host's, and its sys/ is
   writable: keep it only when the container has no procfs of its own to
   reopen the fifo through. */
static int
fifo_procfd (berth_init_ctx *c)
{
  char path[64];
  snprintf (path, sizeof path, "thread-self/fd/%d", c->fifo_fd);
  struct stat st;
  if (c->container_procfd >= 0 && fstatat (c->container_procfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      closep (&c->procfd);
      return c->container_procfd;
    }
  return c->procfd;
}

static berth_process_plan
init_process_plan (const berth_init_ctx *c)
{
  return (berth_process_plan){ .p = c->spec->process,
                               .personality = c->spec->linux ? c->spec->linux->personality : NULL,
                               .mempolicy = c->spec->linux ? c->spec->linux->memory_policy : NULL,
                               .procfd = c->procfd,
                               .seccomp = c->seccomp,
                               .sync_fd = c->sync_fd,
                               .preserve_fds = c->preserve_fds,
                               .fd_gaps = c->fd_gaps };
}

static int
init_setup (berth_init_ctx *c, char **exe, berth_error **err)
{
  const oci_spec *s = c->spec;
  const oci_process *p = s->process;
  berth_sync_msg m;
  /* Up here: the error paths jump to the end across its assignment. */
  cleanup_close int cwd = -1;

  /* The parent moves us into the cgroup and writes the id maps first. */
  if (berth_sync_expect (c->sync_fd, SYNC_MAPS_DONE, &m, err) < 0)
    return -1;
  /* oomScoreAdj and the sysctls are written through the runtime's procfs,
     which nothing in the config can mount over: it must be a whole one. */
  if (!berth_proc_is_root (c->procfd))
    return berth_fail (err, 0, "the runtime's /proc is not the root of a procfs: refusing to write through it");
  /* While we still are the host's root: our /proc files belong to it as
     long as we are not dumpable, and a mapped root could not write them. */
  if (berth_apply_oom_score_adj (c->procfd, p, err) < 0)
    return -1;
  /* After the move: joining a cpuset resets the affinity. */
  if (berth_apply_cpu_affinity (p, false, err) < 0)
    return -1;
  /* Become the namespace's root (if the maps give us one).  Under the
     default map (idmap.h) our ids are already the mapped ones. */
  const oci_linux *l = s->linux;
  bool default_map = l && !l->uid_mappings_len && !l->gid_mappings_len;
  if (c->new_userns && !default_map && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return berth_fail_errno (err, "become root in the user namespace (is uid/gid 0 mapped?)");
  /* Only now: the namespace's root is the cgroup we were just moved to. */
  if (c->new_cgroupns && unshare (CLONE_NEWCGROUP) < 0)
    return berth_fail_errno (err, "unshare the cgroup namespace");
  if (setsid () < 0)
    return berth_fail_errno (err, "setsid");
  if (chdir (c->bundle) < 0)
    return berth_fail_errno (err, "chdir to the bundle `%s`", c->bundle);
  if (!c->no_new_keyring && berth_lsm_set_keycreate_label (c->procfd, p->selinux_label, err) < 0)
    return -1;
  if (!c->no_new_keyring && syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS
      && errno != EPERM && errno != EACCES)
    return berth_fail_errno (err, "create a session keyring");

  berth_rootfs r = { .spec = s, .rootfs = c->rootfs, .rootfd = -1, .userns = c->new_userns, .no_pivot = c->no_pivot,
                    .cgroupns = c->new_cgroupns, .mount_fds = c->mount_fds,
                    .chroot_only = !(c->clone_flags & CLONE_NEWNS) };
  for (int i = 0; i < c->njoin; i++)
    {
      r.cgroupns |= c->join_types[i] == CLONE_NEWCGROUP;
      r.chroot_only &= c->join_types[i] != CLONE_NEWNS;
    }
  if ((c->clone_flags & CLONE_NEWNET) && berth_netns_loopback_up (err) < 0)
    return -1;
  if (berth_rootfs_prepare (&r, err) < 0)
    goto fail;
  /* Made now, while the rootfs may still be written; entered later. */
  cwd = berth_root_mkpath (r.rootfd, p->cwd, true, 0755, err);
  if (cwd < 0)
    {
      berth_error_wrap (err, "process.cwd");
      goto fail;
    }
  closep (&cwd);

  if (c->has_hooks_in_runtime)
    {
      berth_sync_send (c->sync_fd, SYNC_HOOKS_PLS, 0, NULL);
      if (berth_sync_expect (c->sync_fd, SYNC_HOOKS_DONE, &m, err) < 0)
        goto fail;
    }
  /* In the container's mount namespace, the rootfs ready but not yet
     entered, and as the hooks' cwd: as runc runs them. */
  if (s->hooks && berth_hooks_run_in_init (c, s->hooks->create_container, s->hooks->create_container_len,
                                           "createContainer", r.rootfd, err)
                      < 0)
    goto fail;

  if (berth_rootfs_enter (&r, err) < 0 || berth_rootfs_finish (&r, err) < 0)
    goto fail;
  /* The cwd is resolved in the root as it is now, and entered by fd: a
     path like /proc/self/fd/N (a magic link to an fd of ours) is refused. */
  cwd = berth_root_open_path (r.rootfd, p->cwd, err);
  if (cwd < 0)
    {
      berth_error_wrap (err, "process.cwd");
      goto fail;
    }
  c->container_procfd = berth_proc_open_in_root (r.rootfd, r.proc_mnt_id);
  closep (&r.rootfd);

  if (berth_apply_hostname (s, err) < 0 || berth_apply_sysctl (c->procfd, s, err) < 0)
    return -1;
  if (p->terminal_present && p->terminal && berth_terminal_setup_init (c, err) < 0)
    return -1;
  if (fchdir (cwd) < 0)
    return berth_fail_errno (err, "process.cwd: chdir `%s`", p->cwd);
  if ((*exe = berth_find_executable (p, err)) == NULL)
    return -1;
  /* The init's own copy of the spec: the environment can grow here. */
  berth_default_home ((oci_process *) p);
  /* The rest as exec does it (linux/process.h). */
  berth_process_plan pp = init_process_plan (c);
  if (berth_process_setup (&pp, err) < 0)
    return -1;
  return 0;

fail:
  if (r.rootfd >= 0)
    close (r.rootfd);
  return -1;
}

/* Close what the runtime had open but for what the init needs: a cloned
   process holds all its parent's fds, close-on-exec or not, until execve. */
static void
close_inherited_fds (berth_init_ctx *c, bool keep_join)
{
  size_t n = 0, cap = 8 + (size_t) c->preserve_fds + (c->mount_fds ? c->spec->mounts_len : 0) + BERTH_MAX_JOIN;
  cleanup_free int *keep = xmalloc (cap * sizeof *keep);
  int own[] = { c->sync_fd, c->fifo_fd, c->procfd, c->console_fd, berth_log_file_fd () };
  for (size_t i = 0; i < ARRAY_SIZE (own); i++)
    keep[n++] = own[i];
  for (int i = 0; i < c->preserve_fds; i++)
    keep[n++] = 3 + i;
  for (size_t i = 0; c->mount_fds && i < c->spec->mounts_len; i++)
    keep[n++] = c->mount_fds[i];
  for (int i = 0; keep_join && i < c->njoin; i++)
    keep[n++] = c->join_fds[i];
  close_fds_except (keep, n);
}

/* Until execve, nothing in the container may open our /proc/PID files
   (exe, fd, root, mem) or ptrace us, whatever uid and capabilities it
   shares with us: that now takes CAP_SYS_PTRACE in the host's user
   namespace.  execve makes the program dumpable again. */
static void
harden_self (berth_init_ctx *c, bool keep_join)
{
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  close_inherited_fds (c, keep_join);
}

static void __attribute__ ((noreturn))
init_main (berth_init_ctx *c)
{
  berth_error *err = NULL;
  harden_self (c, false);
  char *exe = NULL;
  const oci_process *p = c->spec->process;
  c->container_procfd = -1;

  if (init_setup (c, &exe, &err) < 0)
    {
      berth_sync_send_error (c->sync_fd, err);
      _exit (1);
    }
  berth_sync_send (c->sync_fd, SYNC_READY, 0, NULL);
  close (c->sync_fd);
  /* Errors from here on go to the container's stderr (`create` is gone):
     the log file is of no more use, and only one procfs stays open. */
  berth_log_close ();
  int procfd = fifo_procfd (c);

  if (wait_exec_fifo (c, procfd, &err) < 0)
    goto fail;
  /* startContainer hooks run under the container's filter, as in runc
     (whose init loads it before waiting on the fifo). */
  berth_process_plan pp = init_process_plan (c);
  if (berth_process_last_steps (&pp, &err) < 0)
    goto fail;
  if (c->spec->hooks && berth_hooks_run_in_init (c, c->spec->hooks->start_container,
                                                 c->spec->hooks->start_container_len, "startContainer", -1, &err)
                            < 0)
    goto fail;
  closep (&c->procfd);
  closep (&c->container_procfd);

  environ = p->env ? p->env : (char *[]){ NULL };
  execve (exe, p->args, environ);
  berth_fail_errno (&err, "exec `%s`", p->args[0]);
fail:
  /* `create` has returned by now: the container's stderr is all we have. */
  {
    cleanup_free char *text = berth_error_text (err);
    dprintf (2, "berth: %s\n", text);
  }
  _exit (127);
}

/* ------------------------------------------------------------ spawning */

static pid_t
clone_init (unsigned long flags)
{
  /* clone3 refuses an exit signal with CLONE_PARENT: the child then
     inherits ours (SIGCHLD, as fork gave it to the intermediate). */
  struct clone_args args = { .flags = flags, .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD };
  return (pid_t) syscall (SYS_clone3, &args, sizeof args);
}

static int
write_time_offsets (int procfd, const oci_linux *l, berth_error **err)
{
  cleanup_close int fd = berth_proc_open (procfd, "self/timens_offsets", O_WRONLY);
  if (fd < 0)
    return berth_fail_errno (err, "open /proc/self/timens_offsets");
  for (size_t i = 0; i < l->time_offsets.len; i++)
    {
      const char *clock = l->time_offsets.keys[i];
      const oci_time_offset *o = l->time_offsets.values[i];
      char line[96];
      int n = snprintf (line, sizeof line, "%s %lld %u\n", clock, (long long) (o->secs_present ? o->secs : 0),
                        o->nanosecs_present ? o->nanosecs : 0);
      if (write (fd, line, (size_t) n) != n)
        return berth_fail_errno (err, "linux.timeOffsets: set %s", clock);
    }
  return 0;
}

/* The intermediate process: joins the namespaces given by path (and makes
   the time namespace, whose offsets must be written before anyone is in
   it), then clones the init as a sibling (CLONE_PARENT) and leaves. */
static void __attribute__ ((noreturn))
intermediate_main (berth_init_ctx *c, int parent_fd)
{
  berth_error *err = NULL;
  harden_self (c, true);
  /* Before any user namespace is joined: see mounts.h. */
  if (c->no_pivot && (c->clone_flags & CLONE_NEWNS)
      && berth_no_pivot_cover_host_pseudofs (c->procfd, c->rootfs, &err) < 0)
    goto fail;
  /* The user namespace first: the others are then joined with the
     capabilities it gives. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < c->njoin; i++)
      if ((pass == 0) == (c->join_types[i] == CLONE_NEWUSER) && setns (c->join_fds[i], c->join_types[i]) < 0)
        {
          const berth_ns_kind *k = NULL;
          for (size_t j = 0; j < berth_n_ns_kinds; j++)
            if (berth_ns_kinds[j].clone_flag == c->join_types[i])
              k = &berth_ns_kinds[j];
          berth_fail_errno (&err, "join the %s namespace", k ? k->name : "?");
          goto fail;
        }
  if (c->new_timens)
    {
      if (unshare (CLONE_NEWTIME) < 0)
        {
          berth_fail_errno (&err, "unshare the time namespace");
          goto fail;
        }
      if (write_time_offsets (c->procfd, c->spec->linux, &err) < 0)
        goto fail;
    }
  pid_t pid = clone_init (c->clone_flags | CLONE_PARENT);
  if (pid < 0)
    {
      berth_fail_errno (&err, "clone the container init");
      goto fail;
    }
  if (pid == 0)
    {
      close (parent_fd);
      init_main (c);
    }
  berth_sync_send (c->sync_fd, SYNC_PID, pid, NULL);
  _exit (0);
fail:
  berth_sync_send_error (c->sync_fd, err);
  _exit (1);
}

pid_t
berth_spawn_init (berth_init_ctx *c, int parent_fd, berth_error **err)
{
  if (c->njoin == 0 && !c->new_timens && !c->no_pivot)
    {
      pid_t pid = clone_init (c->clone_flags);
      if (pid < 0)
        return berth_fail_errno (err, "clone the container init");
      if (pid == 0)
        {
          close (parent_fd);
          init_main (c);
        }
      return pid;
    }

  pid_t mid = fork ();
  if (mid < 0)
    return berth_fail_errno (err, "fork");
  if (mid == 0)
    {
      close (parent_fd);
      intermediate_main (c, parent_fd);
    }
  berth_sync_msg m;
  int r = berth_sync_expect (parent_fd, SYNC_PID, &m, err);
  int status;
  while (waitpid (mid, &status, 0) < 0 && errno == EINTR)
    ;
  return r < 0 ? -1 : (pid_t) m.errnum;
}
