/* berth exec.  Three processes take part:
 *   berth     reads the state and the process, opens a pidfd of the init,
 *             and in the end waits for the new process (its child);
 *   helper    forked by berth: not dumpable, closes berth's fds, writes
 *             oomScoreAdj and the LSM labels through the host's /proc,
 *             joins the init's cgroups, then all its namespaces at once
 *             with setns(pidfd), and clones the process with CLONE_PARENT
 *             (a pid namespace only takes children);
 *   process   in the container's pid namespace, berth's child: session,
 *             terminal, rlimits, cwd, identity, no_new_privs, exec.
 * Errors before execve come back over a socketpair; the close-on-exec of
 * its end is the sign that execve succeeded. */
#include "config.h"

#include "exec.h"
#include "seccomp.h"
#include "exec_cgroup.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/procfs.h"
#include "linux/rootpath.h"
#include "linux/sched.h"
#include "log.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "foreground.h"
#include "util.h"
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

extern char **environ;

typedef struct
{
  const berth_exec_opts *o;
  const char *id;
  oci_process *p;
  int pidfd;      /* the container's init */
  int ns_flags;   /* its namespaces that are not already ours */
  berth_exec_cgroups cg;
  int sync[2];    /* [0] berth's end, [1] the helper's and the process's */
  int console;    /* where the process sends its pty master, or -1 */
  int proxy;      /* berth's end of console when berth proxies the pty, or -1 */
  int dirfd;      /* the locked state directory */
  int procfd;     /* the helper's (and the process's) host /proc */
  unsigned char *fd_gaps; /* closed fds among the preserved ones */
  int rootfd;     /* the state root (the compiled-seccomp cache) */
  berth_seccomp_filter *seccomp; /* the container's filter, or NULL */
  oci_spec *spec;                /* the stored configuration, for a seccomp agent */
  char *bundle;
  pid_t init;
  pid_t berth, helper, pid;
} exec_ctx;

/* ------------------------------------------------------------ the process */

static int
strv_find_key (char **v, size_t n, const char *kv)
{
  size_t kl = strcspn (kv, "=");
  for (size_t i = 0; i < n; i++)
    if (strncmp (v[i], kv, kl) == 0 && v[i][kl] == '=')
      return (int) i;
  return -1;
}

static void
strv_add_unique (char ***v, size_t *n, const char *s)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*v)[i], s) == 0)
      return;
  oci_strv_append (v, n, s);
}

/* The container's process, changed as the options say (runc's rules: the
   args are replaced, --env and --additional-gids and --cap add, the rest
   override). */
static void
amend_process (oci_process *p, const berth_exec_opts *o)
{
  strv_free (p->args);
  p->args = NULL;
  p->args_len = 0;
  for (size_t i = 0; i < o->nargs; i++)
    oci_strv_append (&p->args, &p->args_len, o->args[i]);
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  for (size_t i = 0; i < o->nenv; i++)
    {
      int at = strv_find_key (p->env, p->env_len, o->env[i]);
      if (at < 0)
        oci_strv_append (&p->env, &p->env_len, o->env[i]);
      else
        {
          free (p->env[at]);
          p->env[at] = xstrdup (o->env[i]);
        }
    }
  if (o->user_set || o->nadditional_gids)
    {
      if (p->user == NULL)
        p->user = oci_user_new ();
      if (o->user_set)
        p->user->uid = o->uid, p->user->uid_present = true;
      if (o->gid_set)
        p->user->gid = o->gid, p->user->gid_present = true;
    }
  if (o->nadditional_gids)
    {
      oci_user *u = p->user;
      u->additional_gids = xrealloc (u->additional_gids, (u->additional_gids_len + o->nadditional_gids) * sizeof (uint32_t));
      for (size_t i = 0; i < o->nadditional_gids; i++)
        u->additional_gids[u->additional_gids_len++] = o->additional_gids[i];
    }
  if (o->ncaps)
    {
      if (p->capabilities == NULL)
        p->capabilities = oci_capabilities_new ();
      oci_capabilities *c = p->capabilities;
      for (size_t i = 0; i < o->ncaps; i++)
        {
          strv_add_unique (&c->bounding, &c->bounding_len, o->caps[i]);
          strv_add_unique (&c->effective, &c->effective_len, o->caps[i]);
          strv_add_unique (&c->permitted, &c->permitted_len, o->caps[i]);
        }
    }
  if (o->no_new_privs)
    p->no_new_privileges = p->no_new_privileges_present = true;
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  p->terminal = o->tty;
  p->terminal_present = true;
}

/* A --process file larger than this is refused (a process.json is a few
   KiB; this is the cap of a whole config.json). */
#define PROCESS_FILE_MAX (64u << 20)

/* Whether fd is an anonymous pipe or socket (pipefs, sockfs): what
   /dev/fd/N of a process substitution is, unlike a named fifo. */
static bool
anonymous_pipe (int fd, const struct stat *st)
{
  struct statfs sfs;
  return (S_ISFIFO (st->st_mode) || S_ISSOCK (st->st_mode)) && fstatfs (fd, &sfs) == 0
         && (sfs.f_type == PIPEFS_MAGIC || sfs.f_type == SOCKFS_MAGIC);
}

/* --process names a regular file, or an anonymous pipe: `exec -p <(...)`
   gives /dev/fd/N, as runc reads it.  Opened non-blocking, so that a named
   fifo without a writer cannot stall us; it is refused, as is anything
   else that is not a regular file (a device, a directory).  Read to EOF
   within the cap. */
static oci_process *
parse_process_file (const char *path, char **perr)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      *perr = xasprintf ("%s: %s", path, strerror (errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode) && !anonymous_pipe (fd, &st))
    {
      *perr = xasprintf ("%s: not a regular file or an anonymous pipe", path);
      return NULL;
    }
  if (fcntl (fd, F_SETFL, 0) < 0)
    {
      *perr = xasprintf ("%s: %s", path, strerror (errno));
      return NULL;
    }
  size_t cap = 4096, len = 0;
  cleanup_free char *buf = xmalloc (cap);
  for (;;)
    {
      if (len == cap)
        {
          if (cap >= PROCESS_FILE_MAX)
            {
              *perr = xasprintf ("%s: larger than %u MiB", path, PROCESS_FILE_MAX >> 20);
              return NULL;
            }
          buf = xrealloc (buf, cap *= 2);
        }
      ssize_t n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *perr = xasprintf ("%s: %s", path, strerror (errno));
          return NULL;
        }
      if (n == 0)
        break;
      len += (size_t) n;
    }
  return oci_parse (&oci_process_desc, buf, len, path, perr);
}

/* The process to run: the --process file, or the container's own process
   from its stored configuration, amended by the options. */
static oci_process *
load_process (const berth_exec_opts *o, const oci_spec *spec, berth_error **err)
{
  char *perr = NULL;
  if (o->process_file)
    {
      oci_process *p = parse_process_file (o->process_file, &perr);
      if (p == NULL)
        berth_fail_take (err, 0, perr);
      else if (o->tty)
        p->terminal = p->terminal_present = true;
      return p;
    }
  if (spec->process == NULL)
    {
      berth_fail (err, 0, "config.json: no process to start from");
      return NULL;
    }
  oci_process *p = oci_clone (&oci_process_desc, spec->process);
  amend_process (p, o);
  return p;
}

/* The configuration as `create` stored it in the state directory: the
   process to start from, and the container's seccomp filter (whatever
   --process says: exec never leaves it), with what its agent is told. */
static int
load_stored_config (exec_ctx *x, berth_error **err)
{
  cleanup_free char *path = xasprintf ("%s/%s/config.json", x->o->root, x->id);
  char *perr = NULL;
  x->spec = oci_spec_parse_file (path, "config.json", &perr);
  if (x->spec == NULL)
    return berth_fail_take (err, 0, perr);
  return 0;
}

/* Named as the user gave them: an option, the --process file, or the
   container's configuration. */
static int
check_labels (const oci_process *p, const berth_exec_opts *o, berth_error **err)
{
  const char *what = o->process_file ? "--process: " : "process.";
  cleanup_free char *aa = o->apparmor ? xstrdup ("--apparmor") : xasprintf ("%sapparmorProfile", what);
  cleanup_free char *se = o->process_label ? xstrdup ("--process-label") : xasprintf ("%sselinuxLabel", what);
  if (berth_lsm_check_apparmor (p->apparmor_profile, aa, err) < 0)
    return -1;
  return berth_lsm_check_selinux (p->selinux_label, se, err);
}

/* ------------------------------------------------------------ the container */

/* Namespaces of pid that differ from ours.  Sharing one with the host (no
   network namespace, say) means nothing to join, and joining our own user
   namespace would fail. */
static int
foreign_namespaces (pid_t pid, int *flags, berth_error **err)
{
  *flags = 0;
  for (size_t i = 0; i < berth_n_ns_kinds; i++)
    {
      char theirs[64], ours[64];
      snprintf (theirs, sizeof theirs, "/proc/%d/ns/%s", (int) pid, berth_ns_kinds[i].proc_ns);
      snprintf (ours, sizeof ours, "/proc/self/ns/%s", berth_ns_kinds[i].proc_ns);
      struct stat a, b;
      if (stat (theirs, &a) < 0)
        {
          if (errno == ENOENT)
            continue; /* a kind this kernel lacks */
          return berth_fail_errno (err, "read the %s namespace of the container", berth_ns_kinds[i].name);
        }
      if (stat (ours, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
        *flags |= berth_ns_kinds[i].clone_flag;
    }
  return 0;
}

static bool
process_exited (int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  return poll (&p, 1, 0) > 0;
}

static int
open_console (exec_ctx *x, berth_error **err)
{
  const berth_exec_opts *o = x->o;
  if (!(x->p->terminal_present && x->p->terminal))
    {
      if (o->console_socket)
        return berth_fail (err, 0, "--console-socket is only for a process with a terminal (--tty)");
      return 0;
    }
  if (o->console_socket)
    {
      x->console = berth_console_socket_connect (o->console_socket, err);
      return x->console < 0 ? -1 : 0;
    }
  if (o->detach)
    return berth_fail (err, 0, "a terminal with --detach needs --console-socket to receive it");
  int sp[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
    return berth_fail_errno (err, "socketpair");
  x->proxy = sp[0];
  x->console = sp[1];
  return 0;
}

/* Everything berth checks and opens before any process is made. */
static int
prepare (exec_ctx *x, berth_error **err)
{
  const berth_exec_opts *o = x->o;
  berth_state *st = berth_state_read (x->dirfd, x->id, err);
  if (st == NULL)
    return -1;
  int r = -1;
  if (berth_state_status (x->dirfd, st) == BERTH_STATUS_STOPPED)
    {
      berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", x->id);
      goto out;
    }
  /* The pidfd is taken before the start time is checked: from then on it
     is this init's, whatever happens to the pid. */
  x->pidfd = (int) syscall (SYS_pidfd_open, (pid_t) st->pid, 0);
  x->init = (pid_t) st->pid;
  x->bundle = xstrdup (st->bundle);
  if (x->pidfd < 0 || !berth_state_init_alive (st))
    {
      berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", x->id);
      goto out;
    }

  if (load_stored_config (x, err) < 0 || (x->p = load_process (o, x->spec, err)) == NULL)
    goto out;
  if (berth_validate_process (x->p, o->process_file ? "--process: " : "process.", err) < 0)
    goto out;
  if (check_labels (x->p, o, err) < 0)
    goto out;
  /* What `create` checks of the container's process. */
  if (berth_check_process (x->p, x->spec->linux ? x->spec->linux->personality : NULL, err) < 0)
    goto out;
  if (berth_seccomp_for_exec (x->spec, x->rootfd, x->dirfd, &x->seccomp, err) < 0)
    goto out;
  if (foreign_namespaces ((pid_t) st->pid, &x->ns_flags, err) < 0)
    goto out;
  if (berth_exec_cgroups_plan ((pid_t) st->pid, o->cgroups, o->ncgroups, &x->cg, err) < 0)
    goto out;
  if (x->cg.frozen && !o->ignore_paused)
    {
      berth_fail_kind (err, BERTH_ERR_PAUSED, 0, "`%s` (resume it first, or use --ignore-paused)", x->id);
      goto out;
    }
  /* /proc/PID was read while the init was alive, so it was this init's. */
  if (process_exited (x->pidfd))
    {
      berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", x->id);
      goto out;
    }
  r = open_console (x, err);
out:
  berth_state_free (st);
  return r;
}

/* ------------------------------------------------------------ in the process */

static berth_process_plan
exec_process_plan (const exec_ctx *x)
{
  return (berth_process_plan){ .p = x->p,
                               .personality = x->spec->linux ? x->spec->linux->personality : NULL,
                               .mempolicy = x->spec->linux ? x->spec->linux->memory_policy : NULL,
                               .procfd = x->procfd,
                               .seccomp = x->seccomp,
                               .sync_fd = x->sync[1],
                               .preserve_fds = x->o->preserve_fds,
                               .fd_gaps = x->fd_gaps };
}

static int
process_setup (exec_ctx *x, char **exe, berth_error **err)
{
  const oci_process *p = x->p;

  if (setsid () < 0)
    return berth_fail_errno (err, "setsid");
  /* A keyring of its own, as the init has: not the caller's. */
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS && errno != EPERM
      && errno != EACCES)
    return berth_fail_errno (err, "create a session keyring");
  /* The helper joined the cgroups (a cpuset resets the affinity). */
  if (berth_apply_cpu_affinity (p, false, err) < 0)
    return -1;
  if (x->console >= 0 && berth_terminal_setup (p, steal_fd (&x->console), false, err) < 0)
    return -1;
  /* setns put us at the container's root: the cwd is resolved in it, and
     a magic link (/proc/self/fd/N, to an fd of ours) is refused. */
  {
    cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    cleanup_close int cwd = root < 0 ? -1 : berth_root_open_path (root, p->cwd, err);
    if (root < 0)
      return berth_fail_errno (err, "open the container's root");
    if (cwd < 0)
      return berth_error_wrap (err, "cwd");
    if (fchdir (cwd) < 0)
      return berth_fail_errno (err, "cwd: chdir `%s`", p->cwd);
  }
  if ((*exe = berth_find_executable (p, err)) == NULL)
    return -1;
  berth_default_home (x->p);
  /* The rest as the container's init does it (linux/process.h). */
  berth_process_plan pp = exec_process_plan (x);
  return berth_process_setup (&pp, err);
}

static void __attribute__ ((noreturn))
process_main (exec_ctx *x)
{
  berth_error *err = NULL;
  char *exe = NULL;
  berth_process_plan pp = exec_process_plan (x);
  if (process_setup (x, &exe, &err) == 0 && berth_process_last_steps (&pp, &err) == 0)
    {
      char *empty[] = { NULL };
      environ = x->p->env ? x->p->env : empty;
      execve (exe, x->p->args, environ);
      berth_fail_errno (&err, "exec `%s`", x->p->args[0]);
    }
  berth_sync_send_error (x->sync[1], err);
  _exit (127);
}

/* ------------------------------------------------------------ the helper */

static void __attribute__ ((noreturn))
helper_main (exec_ctx *x)
{
  berth_error *err = NULL;
  /* Until execve nothing in the container may ptrace us or open our
     /proc/PID files (exe, fd, root) without CAP_SYS_PTRACE over the host's
     user namespace; execve makes the process dumpable again. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* All berth had open (the state root, the locked state directory, the
     pty proxy's end) but for what the process needs. */
  {
    size_t n = 0;
    cleanup_free int *keep = xmalloc ((4 + (size_t) x->o->preserve_fds) * sizeof *keep);
    keep[n++] = x->sync[1];
    keep[n++] = x->pidfd;
    keep[n++] = x->console;
    keep[n++] = berth_log_file_fd ();
    for (int i = 0; i < x->o->preserve_fds; i++)
      keep[n++] = 3 + i;
    close_fds_except (keep, n);
  }
  x->sync[0] = x->dirfd = x->proxy = -1;
  /* A berth killed during setup takes its helper along. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid () != x->berth)
    _exit (1);

  /* Through the host's procfs, while we are still in its mount namespace.
     The labels are the process's: it inherits them with our credentials. */
  /* Kept open for the process's LSM labels, which it sets as the init
     does (berth_process_setup). */
  x->procfd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (x->procfd < 0 || !berth_proc_is_procfs (x->procfd))
    {
      berth_fail (&err, x->procfd < 0 ? errno : 0, "open the host's /proc (not a procfs?)");
      goto fail;
    }
  if (berth_apply_oom_score_adj (x->procfd, x->p, &err) < 0
      || berth_lsm_set_keycreate_label (x->procfd, x->p->selinux_label, &err) < 0)
    goto fail;
  /* The cgroups first, while /sys/fs/cgroup is the host's. */
  if (berth_exec_cgroups_enter (&x->cg, getpid (), &err) < 0)
    goto fail;
  /* One setns for all: the kernel joins the user namespace first, and a
     pidfd cannot name another process than the init we checked. */
  if (x->ns_flags && setns (x->pidfd, x->ns_flags) < 0)
    {
      if (errno == ESRCH)
        berth_fail_kind (&err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", x->id);
      else
        berth_fail_errno (&err, "join the namespaces of container `%s`", x->id);
      goto fail;
    }
  close (x->pidfd);

  /* clone3 takes no exit signal with CLONE_PARENT: the process gets ours
     (SIGCHLD), and berth, our parent, becomes its parent. */
  struct clone_args args = { .flags = CLONE_PARENT };
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0)
    {
      berth_fail_errno (&err, "clone the process");
      goto fail;
    }
  if (pid == 0)
    process_main (x);
  berth_sync_send (x->sync[1], SYNC_PID, pid, NULL);
  _exit (0);
fail:
  berth_sync_send_error (x->sync[1], err);
  _exit (1);
}

/* ------------------------------------------------------------ berth's side */

static void
reap (pid_t pid)
{
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

static int
spawn (exec_ctx *x, berth_error **err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sync) < 0)
    return berth_fail_errno (err, "socketpair");
  x->berth = getpid ();
  x->helper = fork ();
  if (x->helper < 0)
    return berth_fail_errno (err, "fork");
  if (x->helper == 0)
    helper_main (x);
  close (steal_fd (&x->sync[1]));
  if (x->console >= 0)
    close (steal_fd (&x->console));

  berth_sync_msg m;
  int r = berth_sync_recv_or_eof (x->sync[0], &m, err);
  reap (x->helper);
  x->helper = 0;
  if (r == 0)
    return berth_fail (err, 0, "the exec helper died during setup");
  if (r < 0)
    return -1;
  if (m.type == SYNC_ERROR)
    return berth_fail (err, m.errnum, "%s", m.msg);
  if (m.type != SYNC_PID)
    return berth_fail (err, 0, "unexpected message %d from the exec helper", m.type);
  x->pid = (pid_t) m.errnum;

  /* Now the process itself: its seccomp listener for the agent, then an
     error, or the end of the socket at execve. */
  int passed = -1;
  while ((r = berth_sync_recv_fd_or_eof (x->sync[0], &m, &passed, err)) > 0 && m.type == SYNC_SECCOMP_FD)
    {
      cleanup_close int listener = passed;
      if (listener < 0
          || berth_seccomp_send_to_listener (x->spec, listener, x->id, x->pid, x->bundle, "running", x->init, err) < 0)
        {
          if (listener < 0)
            berth_fail (err, 0, "the exec'd process sent no seccomp listener");
          r = -1;
          break;
        }
    }
  if (passed >= 0 && r > 0)
    close (passed);
  if (r == 0)
    return 0;
  if (r > 0)
    berth_fail (err, m.errnum, "%s", m.type == SYNC_ERROR ? m.msg : "unexpected message from the exec'd process");
  reap (x->pid);
  x->pid = 0;
  return -1;
}


/* Wait for the process, passing on signals and proxying the pty if
   berth holds it (foreground.c). */
static int
foreground (exec_ctx *x, int *status, berth_error **err)
{
  int r = berth_foreground_wait (x->pid, x->proxy, status, err);
  x->pid = 0;
  return r;
}

int
berth_exec (const char *id, const berth_exec_opts *o, int *status, berth_error **err)
{
  *status = 0;
  if (berth_validate_id (id, err) < 0)
    return -1;
  exec_ctx x = { .o = o, .id = id, .pidfd = -1, .sync = { -1, -1 }, .console = -1, .proxy = -1, .procfd = -1,
                 .rootfd = -1 };
  /* First, before berth opens anything that could land in a gap. */
  if (berth_passed_fds_reserve (o->preserve_fds, &x.fd_gaps, err) < 0)
    {
      berth_passed_fds_release (o->preserve_fds, x.fd_gaps);
      return -1;
    }
  cleanup_close int rootfd = berth_root_open (o->root, false, err);
  /* Shared: `delete` waits until the process is started, `kill` and other
     execs do not. */
  x.dirfd = rootfd < 0 ? -1 : berth_state_dir_open (rootfd, id, LOCK_SH, err);
  if (x.dirfd < 0)
    {
      berth_passed_fds_release (o->preserve_fds, x.fd_gaps);
      return -1;
    }
  x.rootfd = rootfd;

  int r = prepare (&x, err);
  if (r == 0)
    berth_debug ("exec %s: process prepared (%s), joining init %d", id, o->process_file ? "from --process" : "from config.json",
                 (int) x.init);
  /* Into a frozen cgroup the helper freezes as it joins and thaws only with
     `resume`, which needs the lock exclusively: let go of it first.  The
     pidfd keeps naming this container's init. */
  if (r == 0 && x.cg.frozen)
    close (steal_fd (&x.dirfd));
  if (r == 0)
    r = spawn (&x, err);
  if (r == 0)
    berth_debug ("exec %s: process %d started", id, (int) x.pid);
  close (steal_fd (&x.dirfd));
  if (r == 0 && o->pid_out)
    *o->pid_out = x.pid;
  if (r == 0 && o->pid_file)
    r = berth_write_pid_file (o->pid_file, x.pid, err);
  if (r == 0 && !o->detach)
    r = foreground (&x, status, err);
  if (r < 0 && x.pid > 0)
    {
      kill (x.pid, SIGKILL);
      reap (x.pid);
    }

  int *fds[] = { &x.pidfd, &x.sync[0], &x.sync[1], &x.console, &x.proxy };
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    closep (fds[i]);
  berth_exec_cgroups_release (&x.cg);
  berth_passed_fds_release (o->preserve_fds, x.fd_gaps);
  oci_process_free (x.p);
  berth_seccomp_filter_free (x.seccomp);
  oci_spec_free (x.spec);
  free (x.bundle);
  return r;
}
