/* dock-shim's monitor: the container through libberth's public API, its
   output into the json-file log and to attach clients, its exit into the
   exit file, restarts per policy. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libberth/error.h"
#include "libberth/util.h"
#include "shim.h"

/* How long the shim waits, after the last exit, for attach clients to
   take their EXIT frame (10 ms ticks). */
#define SHIM_IDLE_TICKS 200

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* ---------------------------------------------------------------- output */

/* Reads what is there; false at EOF (or EIO: the pty's slave side is gone). */
static bool
output_read (shim *s, int i)
{
  return dock_attach_pump_output (s->srv, s->out[i], i == 2 ? DOCK_STREAM_STDERR : DOCK_STREAM_STDOUT,
                                  s->log ? &s->copiers[i] : NULL);
}

static void
output_close (shim *s, int i)
{
  if (!s->out_src[i])
    return;
  dock_loop_remove (s->loop, s->out_src[i]);
  s->out_src[i] = NULL;
  cleanup_error berth_error *err = NULL;
  if (s->log)
    dock_log_copier_flush (&s->copiers[i], dock_realtime_ns (), &err);
}

static void
on_output (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) loop, (void) src, (void) events;
  shim *s = data;
  int i = fd == s->out[2] ? 2 : 1;
  if (!output_read (s, i))
    output_close (s, i);
}

/* ------------------------------------------------------------ container */

static void on_init_exit (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data);

/* The init's pid, from the pidfd libberth checked against its record. */
static int
init_pid (shim *s, berth_error **err)
{
  cleanup_close int pidfd = berth_init_pidfd (s->ctx, s->o->id, err);
  if (pidfd < 0)
    return -1;
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, path, &text, &len, err) < 0)
    return -1;
  const char *p = strstr (text, "\nPid:");
  if (!p || (s->init_pid = (pid_t) strtol (p + 5, NULL, 10)) <= 0)
    return berth_fail (err, 0, "no pid in %s", path);
  return 0;
}

/* create + start, the init watched by the loop.  The pty master of a tty
   container is handed back in *master. */
static int
container_start (shim *s, int *master, berth_error **err)
{
  berth_create_params p = berth_create_params_init ();
  p.bundle = s->o->bundle;
  if (s->o->tty)
    p.console_master = master;
  else
    for (int i = 0; i < 3; i++)
      p.stdio[i] = s->child[i];
  if (berth_create (s->ctx, s->o->id, &p, err) < 0)
    return -1;
  if (init_pid (s, err) < 0 || berth_start (s->ctx, s->o->id, err) < 0)
    goto undo;
  s->started_ns = dock_realtime_ns ();
  if (!dock_loop_add_pid (s->loop, s->init_pid, on_init_exit, s, err))
    goto undo;
  shim_health_start (s);
  return 0;
undo:;
  /* Nothing left behind: the half-made container goes, its init with it. */
  cleanup_error berth_error *e2 = NULL;
  berth_delete (s->ctx, s->o->id, true, &e2);
  return -1;
}

static void
on_idle_check (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) src, (void) exp;
  shim *s = data;
  if (dock_attach_idle (s->srv) || ++s->idle_ticks > SHIM_IDLE_TICKS)
    dock_loop_quit (loop);
}

static void
on_restart_timer (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) exp;
  shim *s = data;
  dock_loop_remove (loop, src);
  cleanup_error berth_error *err = NULL;
  if (container_start (s, NULL, &err) == 0)
    return;
  /* docker keeps the container exited with the start's error. */
  free (s->error);
  s->error = berth_error_text (err);
  for (int i = 1; i <= 2; i++)
    output_close (s, i);
  dock_attach_server_exit (s->srv, s->exit_code);
  shim_write_exit_file (s->o->exit_file, s->exit_code, s->oom, dock_realtime_ns (), s->error,
                        s->restart.restart_count, false, &err);
  dock_loop_add_timer (loop, 10, 10, on_idle_check, s, &err);
}

static void
on_init_exit (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data)
{
  (void) src, (void) pid;
  shim *s = data;
  int64_t now = dock_realtime_ns ();
  shim_health_stop (s);
  s->exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  /* The last output before the exit is reported. */
  for (int i = 1; i <= 2; i++)
    if (s->out_src[i])
      output_read (s, i);
  cleanup_error berth_error *err = NULL;
  s->oom = berth_oom_killed (s->ctx, s->o->id, &err) == 1;
  berth_error_freep (&err);
  /* The container's processes all go with the init (a pid namespace), and
     its state and cgroup with the delete; a restart creates it anew. */
  berth_delete (s->ctx, s->o->id, true, &err);
  berth_error_freep (&err);

  int64_t delay;
  if (dock_restart_decide (&s->o->restart, &s->restart, s->exit_code, false, now - s->started_ns, &delay))
    {
      shim_write_exit_file (s->o->exit_file, s->exit_code, s->oom, now, NULL, s->restart.restart_count, true, &err);
      berth_error_freep (&err);
      if (dock_loop_add_timer (loop, (uint64_t) (delay / 1000000), 0, on_restart_timer, s, &err))
        return;
    }
  for (int i = 1; i <= 2; i++)
    output_close (s, i);
  dock_attach_server_exit (s->srv, s->exit_code);
  shim_write_exit_file (s->o->exit_file, s->exit_code, s->oom, now, NULL, s->restart.restart_count, false, &err);
  berth_error_freep (&err);
  dock_loop_add_timer (loop, 10, 10, on_idle_check, s, &err);
}

/* As a subreaper the shim inherits the container's orphans that outlive
   their parent (a process left in a shared pid namespace, a setns'd exec):
   reap every child but the init and a health probe, whose pidfds the loop
   waits on. */
static void
on_sigchld (dock_loop *loop, int signo, void *data)
{
  (void) loop, (void) signo;
  shim *s = data;
  char path[64];
  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  cleanup_free char *text = NULL;
  size_t len;
  cleanup_error berth_error *err = NULL;
  if (read_file_at (AT_FDCWD, path, &text, &len, &err) < 0)
    return;
  for (char *p = text, *end; *p; p = end)
    {
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      if (pid > 0 && pid != s->init_pid && pid != s->probe_pid)
        waitpid ((pid_t) pid, NULL, WNOHANG);
    }
}

/* SIGUSR1: `dock stop`/`kill`/`rm` is about to end the container on
   purpose, so the exit that follows is final whatever the policy (docker's
   restart manager Cancel). */
static void
on_stop_requested (dock_loop *loop, int signo, void *data)
{
  (void) loop, (void) signo;
  shim *s = data;
  s->restart.canceled = true;
}

/* ----------------------------------------------------------------- setup */

static int
make_pipes (shim *s, berth_error **err)
{
  if (s->o->open_stdin)
    {
      int inp[2];
      if (pipe2 (inp, O_CLOEXEC) < 0)
        return berth_fail_errno (err, "pipe");
      s->child[0] = inp[0];
      s->in_w = inp[1];
    }
  else if ((s->child[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
    return berth_fail_errno (err, "open /dev/null");
  for (int i = 1; i <= 2; i++)
    {
      int p[2];
      if (pipe2 (p, O_CLOEXEC | O_NONBLOCK) < 0)
        return berth_fail_errno (err, "pipe");
      /* The container's end blocks, as a pipe from a shell would. */
      fcntl (p[1], F_SETFL, 0);
      s->out[i] = p[0];
      s->child[i] = p[1];
    }
  return 0;
}

int
shim_setup (shim *s, berth_error **err)
{
  const shim_opts *o = s->o;
  for (int i = 0; i < 3; i++)
    s->out[i] = s->child[i] = -1;
  s->in_w = -1;
  s->probe_fd = -1;
  if (!(s->ctx = berth_ctx_new (o->root)))
    return berth_fail (err, ENOMEM, "context");
  if (o->log_path)
    {
      dock_log_opts lo;
      if (dock_log_opts_parse (o->log_opts, o->n_log_opts, &lo, err) < 0)
        return berth_error_wrap (err, "--log-opt");
      int rc = dock_jsonlog_open (o->log_path, &lo, &s->log, err);
      dock_log_opts_clear (&lo);
      if (rc < 0)
        return -1;
      dock_log_copier_init (&s->copiers[1], s->log, DOCK_STREAM_STDOUT);
      dock_log_copier_init (&s->copiers[2], s->log, DOCK_STREAM_STDERR);
    }
  if (dock_loop_new (&s->loop, err) < 0)
    return -1;
  if (!o->tty && make_pipes (s, err) < 0)
    return -1;

  int master = -1;
  if (container_start (s, &master, err) < 0)
    return -1;
  if (o->tty)
    {
      s->out[1] = master;
      s->in_w = master;
      fcntl (master, F_SETFD, FD_CLOEXEC);
      fcntl (master, F_SETFL, O_NONBLOCK);
    }
  /* Without restarts the shim keeps only its own ends, so that EOF comes
     when the container's last writer goes. */
  if (o->restart.kind == DOCK_RESTART_NO)
    for (int i = 0; i < 3; i++)
      close_fd (&s->child[i]);

  unsigned char keys[DOCK_DETACH_KEYS_MAX];
  size_t n_keys = 0;
  if (o->detach_keys && dock_parse_detach_keys (o->detach_keys, keys, &n_keys, err) < 0)
    goto fail;
  dock_attach_config ac = {
    .socket_path = o->attach_path,
    .stdin_fd = (o->tty || o->open_stdin) ? s->in_w : -1,
    .tty = o->tty,
    .detach_keys = o->detach_keys ? keys : NULL,
    .n_detach_keys = n_keys,
  };
  if (dock_attach_server_new (s->loop, &ac, &s->srv, err) < 0)
    goto fail;
  if (!o->tty)
    close_fd (&s->in_w); /* the server has its own copy */
  for (int i = 1; i <= 2; i++)
    if (s->out[i] >= 0 && !(s->out_src[i] = dock_loop_add_fd (s->loop, s->out[i], EPOLLIN, on_output, s, err)))
      goto fail;
  if (dock_loop_add_signal (s->loop, SIGCHLD, on_sigchld, s, err) < 0
      || dock_loop_add_signal (s->loop, SIGUSR1, on_stop_requested, s, err) < 0)
    goto fail;
  return 0;
fail:;
  cleanup_error berth_error *e2 = NULL;
  berth_delete (s->ctx, o->id, true, &e2);
  return -1;
}

int
shim_run (shim *s, berth_error **err)
{
  return dock_loop_run (s->loop, err);
}

void
shim_teardown (shim *s)
{
  if (s->srv)
    dock_attach_server_free (s->srv);
  s->srv = NULL;
  if (s->loop)
    dock_loop_free (s->loop);
  s->loop = NULL;
  if (s->log)
    dock_jsonlog_close (s->log);
  s->log = NULL;
  for (int i = 0; i < 3; i++)
    {
      close_fd (&s->out[i]);
      close_fd (&s->child[i]);
    }
  close_fd (&s->probe_fd);
  if (s->in_w >= 0 && !s->o->tty)
    close (s->in_w);
  s->in_w = -1;
  free (s->error);
  s->error = NULL;
  if (s->ctx)
    berth_ctx_free (s->ctx);
  s->ctx = NULL;
}
