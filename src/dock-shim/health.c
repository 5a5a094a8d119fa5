/* dock-shim's healthcheck: `sh -c CMD` run in the container through
   berth_exec_process (detached, a child of the shim) on the loop's timers,
   its output through a pipe, a timeout that kills it, each result fed to
   libdock/monitor/health.c and State.Health written to --health-file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libberth/error.h"
#include "libberth/util.h"
#include "shim.h"

static void health_schedule (shim *s);

static void
health_write (shim *s)
{
  cleanup_free char *json = dock_health_json (&s->health);
  cleanup_error berth_error *err = NULL;
  shim_write_file (s->o->health_file, json, strlen (json), &err);
}

/* What the probe wrote; false at EOF. */
static bool
probe_drain (shim *s)
{
  char buf[4096];
  for (;;)
    {
      ssize_t n = read (s->probe_fd, buf, sizeof buf);
      if (n > 0)
        dock_health_output_append (&s->probe, buf, (size_t) n);
      else
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    }
}

static void
on_probe_output (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) fd, (void) events;
  shim *s = data;
  if (!probe_drain (s))
    {
      dock_loop_remove (loop, src);
      s->probe_src = NULL;
    }
}

static void
on_probe_exit (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data)
{
  (void) src, (void) pid;
  shim *s = data;
  probe_drain (s);
  dock_loop_remove (loop, s->probe_src);
  s->probe_src = NULL;
  close (s->probe_fd);
  s->probe_fd = -1;
  s->probe_pid = 0;
  bool timed_out = s->probe_timeout == NULL;
  dock_loop_remove (loop, s->probe_timeout);
  s->probe_timeout = NULL;
  if (!s->health_on)
    return;
  int64_t now = dock_realtime_ns ();
  if (timed_out)
    dock_health_result_timeout (&s->probe, &s->health, s->probe.start_ns, now);
  else
    {
      s->probe.exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
      s->probe.end_ns = now;
    }
  dock_health_record (&s->health, &s->probe);
  health_write (s);
  health_schedule (s);
}

static void
on_probe_timeout (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) exp;
  shim *s = data;
  dock_loop_remove (loop, src);
  s->probe_timeout = NULL; /* tells on_probe_exit it timed out */
  if (s->probe_pid > 0)
    kill (s->probe_pid, SIGKILL);
}

/* A probe that could not even start counts as a failure (docker: exit -1
   with the error as output). */
static void
probe_failed (shim *s, berth_error *err)
{
  cleanup_free char *text = berth_error_text (err);
  s->probe.exit_code = -1;
  s->probe.end_ns = dock_realtime_ns ();
  dock_health_output_append (&s->probe, text, strlen (text));
  dock_health_record (&s->health, &s->probe);
  health_write (s);
  health_schedule (s);
}

static void
on_health_timer (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) exp;
  shim *s = data;
  dock_loop_remove (loop, src);
  s->health_timer = NULL;
  cleanup_error berth_error *err = NULL;
  memset (&s->probe, 0, sizeof s->probe);
  s->probe.start_ns = dock_realtime_ns ();
  int p[2];
  if (pipe2 (p, O_CLOEXEC | O_NONBLOCK) < 0)
    {
      berth_fail_errno (&err, "pipe");
      return probe_failed (s, err);
    }
  cleanup_close int null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  char *args[] = { (char *) "/bin/sh", (char *) "-c", (char *) s->o->health_cmd, NULL };
  berth_exec_params ep = berth_exec_params_init ();
  ep.args = args;
  ep.nargs = 3;
  ep.detach = true;
  ep.stdio[0] = null;
  ep.stdio[1] = ep.stdio[2] = p[1];
  pid_t pid = 0;
  int rc = berth_exec_process (s->ctx, s->o->id, &ep, &pid, NULL, NULL, &err);
  close (p[1]);
  if (rc < 0)
    {
      close (p[0]);
      return probe_failed (s, err);
    }
  s->probe_pid = pid;
  s->probe_fd = p[0];
  s->probe_src = dock_loop_add_fd (loop, p[0], EPOLLIN, on_probe_output, s, &err);
  s->probe_timeout = dock_loop_add_timer (loop, (uint64_t) (s->health.cfg.timeout_ns / 1000000), 0,
                                          on_probe_timeout, s, &err);
  if (!dock_loop_add_pid (loop, pid, on_probe_exit, s, &err))
    kill (pid, SIGKILL);
}

static void
health_schedule (shim *s)
{
  if (!s->health_on)
    return;
  int64_t d = dock_health_next_delay (&s->health, dock_realtime_ns ());
  cleanup_error berth_error *err = NULL;
  s->health_timer = dock_loop_add_timer (s->loop, (uint64_t) (d / 1000000), 0, on_health_timer, s, &err);
}

void
shim_health_start (shim *s)
{
  if (!s->o->health_cmd)
    return;
  s->health_on = true;
  dock_health_init (&s->health, &s->o->health, s->started_ns);
  health_write (s);
  health_schedule (s);
}

void
shim_health_stop (shim *s)
{
  if (!s->health_on)
    return;
  s->health_on = false;
  dock_loop_remove (s->loop, s->health_timer);
  s->health_timer = NULL;
  /* A probe still running ends with the container; its exit callback
     cleans up and records nothing. */
  if (s->probe_pid > 0)
    kill (s->probe_pid, SIGKILL);
}
