/* A stand-in for dock-shim until libberth's API exists: the monitor's parts
   glued together around a plain child process instead of a container.
   Used by tests/integration/test_dock_monitor_lib.py and tests/bench.

     dock-monitor-run run [--tty] --socket S --log L [--log-opt K=V]...
                          [--restart POLICY] [--health-cmd CMD --health-file F
                          --health-interval-ms N --health-timeout-ms N --health-retries N] -- CMD...
         runs CMD with pipes (or a pty) on the monitor's loop: json-file log,
         attach server on S, restarts on a timer with docker's back-off, the
         healthcheck's State.Health JSON written to F on each probe; exits
         after CMD's last run, once the clients have the EXIT
     dock-monitor-run attach S [--detach-keys K] [--no-stdin] [--stdin-once] [--resize ROWSxCOLS]
         `dock attach`: stdin to the container, output to fds 1 and 2; exits
         with the container's code, or prints "read escape sequence" and
         exits 1 when detached, as docker attach
     dock-monitor-run logs L [--max-file N] [--tail N] [--since T] [--until T]
                             [-t] [--details] [-f --exit-pid PID]
         `dock logs`; -f ends when process PID (the monitor) is gone
     dock-monitor-run measure DIR [MS]
         the loop with two pipes, a log and an attach socket, idle for MS
         (200) ms; then prints its PSS (kB) from /proc/self/smaps_rollup */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "libberth/util.h"
#include "libdock/monitor/attach.h"
#include "libdock/monitor/health.h"
#include "libdock/monitor/jsonlog.h"
#include "libdock/monitor/loop.h"
#include "libdock/monitor/restart.h"

static int
die (berth_error *err, const char *what)
{
  cleanup_free char *text = err ? berth_error_text (err) : NULL;
  fprintf (stderr, "dock-monitor-run: %s: %s\n", what, text ? text : strerror (errno));
  return 125;
}

/* ------------------------------------------------------------------ run */

typedef struct mon
{
  dock_loop *loop;
  dock_attach_server *srv;
  dock_jsonlog *log;
  int fds[3]; /* [1] stdout, [2] stderr (or the pty master on [1]) */
  dock_source *srcs[3];
  dock_log_copier copiers[3];
  int child_fds[3]; /* the child's stdin/stdout/stderr (or the pty slave), kept for restarts */
  bool tty;
  char **cmd;
  int64_t started;
  dock_restart_policy policy;
  dock_restart_state restart;
  int exit_code;
  int wait_ticks;
  /* the healthcheck */
  const char *health_cmd, *health_file;
  dock_health health;
  dock_source *health_timer, *probe_timeout;
  pid_t probe_pid;
  int probe_fd;
  dock_source *probe_src;
  dock_health_result probe;
  bool stopping;
} mon;

static void
output_close (mon *m, int i)
{
  if (!m->srcs[i])
    return;
  dock_loop_remove (m->loop, m->srcs[i]);
  m->srcs[i] = NULL;
  cleanup_error berth_error *err = NULL;
  if (m->log)
    dock_log_copier_flush (&m->copiers[i], dock_realtime_ns (), &err);
}

/* Reads what is there; false at EOF (or EIO: the pty's other side is gone). */
static bool
output_read (mon *m, int i)
{
  return dock_attach_pump_output (m->srv, m->fds[i], i == 2 ? DOCK_STREAM_STDERR : DOCK_STREAM_STDOUT,
                                  m->log ? &m->copiers[i] : NULL);
}

static void
on_output (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) loop, (void) src, (void) events;
  mon *m = data;
  int i = fd == m->fds[2] ? 2 : 1;
  if (!output_read (m, i))
    output_close (m, i);
}

static void
on_idle_check (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) src, (void) exp;
  mon *m = data;
  /* Every client has its EXIT (or 2 s passed). */
  if (dock_attach_idle (m->srv) || ++m->wait_ticks > 200)
    dock_loop_quit (loop);
}

static void on_child_exit (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data);

static int
spawn (mon *m, berth_error **err)
{
  pid_t pid = fork ();
  if (pid < 0)
    return berth_fail_errno (err, "fork");
  if (pid == 0)
    {
      setsid ();
      if (m->tty)
        ioctl (m->child_fds[0], TIOCSCTTY, 0);
      for (int k = 0; k < 3; k++)
        dup2 (m->child_fds[m->tty ? 0 : k], k);
      execvp (m->cmd[0], m->cmd);
      _exit (127);
    }
  m->started = dock_realtime_ns ();
  if (!dock_loop_add_pid (m->loop, pid, on_child_exit, m, err))
    return -1;
  return 0;
}

static void
on_restart_timer (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) exp;
  mon *m = data;
  dock_loop_remove (loop, src);
  cleanup_error berth_error *err = NULL;
  if (spawn (m, &err) < 0)
    dock_loop_quit (loop);
}

static void
health_stop (mon *m)
{
  m->stopping = true;
  dock_loop_remove (m->loop, m->health_timer);
  m->health_timer = NULL;
  if (m->probe_pid > 0)
    kill (m->probe_pid, SIGKILL);
}

static void
on_child_exit (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data)
{
  (void) src, (void) pid;
  mon *m = data;
  m->exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  /* The last output first, then the exit, as the shim must do. */
  for (int i = 1; i <= 2; i++)
    if (m->srcs[i])
      output_read (m, i);
  int64_t delay;
  if (dock_restart_decide (&m->policy, &m->restart, m->exit_code, false, dock_realtime_ns () - m->started, &delay))
    {
      cleanup_error berth_error *err = NULL;
      if (dock_loop_add_timer (loop, (uint64_t) (delay / 1000000), 0, on_restart_timer, m, &err))
        return;
    }
  for (int i = 1; i <= 2; i++)
    if (m->srcs[i])
      output_close (m, i);
  health_stop (m);
  dock_attach_server_exit (m->srv, m->exit_code);
  cleanup_error berth_error *err = NULL;
  dock_loop_add_timer (loop, 10, 10, on_idle_check, m, &err);
}

/* ---- the healthcheck: the probe is `sh -c CMD`, its output to a pipe ---- */

static void health_schedule (mon *m);

static void
health_write (mon *m)
{
  if (!m->health_file)
    return;
  cleanup_free char *json = dock_health_json (&m->health);
  cleanup_error berth_error *err = NULL;
  /* write_file_atomic_at takes a name inside a directory fd. */
  cleanup_free char *dir = xstrdup (m->health_file);
  char *slash = strrchr (dir, '/');
  const char *name = slash ? slash + 1 : m->health_file;
  if (slash)
    *slash = '\0';
  cleanup_close int dfd = open (slash ? (*dir ? dir : "/") : ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dfd < 0 || write_file_atomic_at (dfd, name, json, strlen (json), 0644, &err) < 0)
    fprintf (stderr, "dock-monitor-run: health file %s not written\n", m->health_file);
}

static void
probe_done (mon *m, bool timed_out)
{
  int64_t now = dock_realtime_ns ();
  if (timed_out)
    dock_health_result_timeout (&m->probe, &m->health, m->probe.start_ns, now);
  else
    m->probe.end_ns = now;
  dock_health_record (&m->health, &m->probe);
  health_write (m);
  health_schedule (m);
}

static void
on_probe_output (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) events;
  mon *m = data;
  char buf[4096];
  ssize_t n = read (fd, buf, sizeof buf);
  if (n > 0)
    dock_health_output_append (&m->probe, buf, (size_t) n);
  else if (n == 0 || errno != EAGAIN)
    {
      dock_loop_remove (loop, src);
      m->probe_src = NULL;
    }
}

static void
on_probe_exit (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data)
{
  (void) src, (void) pid;
  mon *m = data;
  /* The output the probe left in the pipe belongs to its result. */
  if (m->probe_src)
    {
      char buf[4096];
      ssize_t n;
      while ((n = read (m->probe_fd, buf, sizeof buf)) > 0)
        dock_health_output_append (&m->probe, buf, (size_t) n);
      dock_loop_remove (loop, m->probe_src);
      m->probe_src = NULL;
    }
  close (m->probe_fd);
  m->probe_fd = -1;
  m->probe_pid = 0;
  bool timed_out = m->probe_timeout == NULL;
  dock_loop_remove (loop, m->probe_timeout);
  m->probe_timeout = NULL;
  if (m->stopping)
    return;
  m->probe.exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  probe_done (m, timed_out);
}

static void
on_probe_timeout (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) exp;
  mon *m = data;
  dock_loop_remove (loop, src);
  m->probe_timeout = NULL; /* tells on_probe_exit it timed out */
  if (m->probe_pid > 0)
    kill (m->probe_pid, SIGKILL);
}

static void
on_health_timer (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) exp;
  mon *m = data;
  dock_loop_remove (loop, src);
  m->health_timer = NULL;
  int p[2];
  if (pipe2 (p, O_CLOEXEC | O_NONBLOCK) < 0)
    return;
  memset (&m->probe, 0, sizeof m->probe);
  m->probe.start_ns = dock_realtime_ns ();
  pid_t pid = fork ();
  if (pid == 0)
    {
      dup2 (p[1], 1), dup2 (p[1], 2);
      execl ("/bin/sh", "sh", "-c", m->health_cmd, (char *) NULL);
      _exit (127);
    }
  close (p[1]);
  m->probe_pid = pid;
  m->probe_fd = p[0];
  cleanup_error berth_error *err = NULL;
  m->probe_src = dock_loop_add_fd (loop, p[0], EPOLLIN, on_probe_output, m, &err);
  m->probe_timeout = dock_loop_add_timer (loop, (uint64_t) (m->health.cfg.timeout_ns / 1000000), 0,
                                          on_probe_timeout, m, &err);
  dock_loop_add_pid (loop, pid, on_probe_exit, m, &err);
}

static void
health_schedule (mon *m)
{
  if (m->stopping)
    return;
  int64_t d = dock_health_next_delay (&m->health, dock_realtime_ns ());
  cleanup_error berth_error *err = NULL;
  m->health_timer = dock_loop_add_timer (m->loop, (uint64_t) (d / 1000000), 0, on_health_timer, m, &err);
}

static int
cmd_run (int argc, char **argv)
{
  const char *sock = NULL, *logpath = NULL;
  const char *opts[16];
  size_t n_opts = 0;
  static mon m;
  cleanup_error berth_error *err = NULL;
  dock_health_config hc = { 0 };
  int i = 0;
  for (; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      const char *a = argv[i];
      bool v = i + 1 < argc;
      if (strcmp (a, "--tty") == 0)
        m.tty = true;
      else if (strcmp (a, "--socket") == 0 && v)
        sock = argv[++i];
      else if (strcmp (a, "--log") == 0 && v)
        logpath = argv[++i];
      else if (strcmp (a, "--log-opt") == 0 && v && n_opts < 16)
        opts[n_opts++] = argv[++i];
      else if (strcmp (a, "--restart") == 0 && v)
        {
          if (dock_restart_policy_parse (argv[++i], &m.policy, &err) < 0)
            return die (err, "--restart");
        }
      else if (strcmp (a, "--health-cmd") == 0 && v)
        m.health_cmd = argv[++i];
      else if (strcmp (a, "--health-file") == 0 && v)
        m.health_file = argv[++i];
      else if (strcmp (a, "--health-interval-ms") == 0 && v)
        hc.interval_ns = atoll (argv[++i]) * 1000000;
      else if (strcmp (a, "--health-timeout-ms") == 0 && v)
        hc.timeout_ns = atoll (argv[++i]) * 1000000;
      else if (strcmp (a, "--health-retries") == 0 && v)
        hc.retries = atoi (argv[++i]);
    }
  if (!sock || i + 1 >= argc)
    {
      fprintf (stderr, "usage: dock-monitor-run run [--tty] --socket S [--log L] -- CMD...\n");
      return 125;
    }
  m.cmd = argv + i + 1;
  signal (SIGPIPE, SIG_IGN);
  int in_w = -1, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
  m.child_fds[0] = m.child_fds[1] = m.child_fds[2] = -1;
  if (m.tty)
    {
      int master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0)
        return die (NULL, "pty");
      m.child_fds[0] = open (ptsname (master), O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (m.child_fds[0] < 0)
        return die (NULL, "open pty slave");
      fcntl (master, F_SETFL, O_NONBLOCK);
      m.fds[1] = master;
      m.fds[2] = -1;
      in_w = master;
    }
  else
    {
      int inp[2];
      if (pipe2 (inp, O_CLOEXEC) < 0 || pipe2 (outp, O_CLOEXEC | O_NONBLOCK) < 0
          || pipe2 (errp, O_CLOEXEC | O_NONBLOCK) < 0)
        return die (NULL, "pipe");
      in_w = inp[1];
      fcntl (outp[1], F_SETFL, 0);
      fcntl (errp[1], F_SETFL, 0);
      m.child_fds[0] = inp[0], m.child_fds[1] = outp[1], m.child_fds[2] = errp[1];
      m.fds[1] = outp[0];
      m.fds[2] = errp[0];
    }
  if (logpath)
    {
      dock_log_opts o;
      if (dock_log_opts_parse (opts, n_opts, &o, &err) < 0 || dock_jsonlog_open (logpath, &o, &m.log, &err) < 0)
        return die (err, "log");
      dock_log_opts_clear (&o);
      dock_log_copier_init (&m.copiers[1], m.log, DOCK_STREAM_STDOUT);
      dock_log_copier_init (&m.copiers[2], m.log, DOCK_STREAM_STDERR);
    }
  if (dock_loop_new (&m.loop, &err) < 0)
    return die (err, "loop");
  dock_attach_config ac = { .socket_path = sock, .stdin_fd = in_w, .tty = m.tty };
  if (dock_attach_server_new (m.loop, &ac, &m.srv, &err) < 0)
    return die (err, "attach server");
  if (!m.tty)
    close (in_w); /* the attach server has its own copy */
  for (int k = 1; k <= 2; k++)
    if (m.fds[k] >= 0 && !(m.srcs[k] = dock_loop_add_fd (m.loop, m.fds[k], EPOLLIN, on_output, &m, &err)))
      return die (err, "watch output");
  if (spawn (&m, &err) < 0)
    return die (err, "spawn");
  /* Without restarts the monitor keeps only its ends, so EOF comes when the
     child's go; a restart needs the child's ends for the next run. */
  if (m.policy.kind == DOCK_RESTART_NO)
    for (int k = 0; k < 3; k++)
      if (m.child_fds[k] >= 0)
        {
          close (m.child_fds[k]);
          m.child_fds[k] = -1;
        }
  if (m.health_cmd)
    {
      dock_health_init (&m.health, &hc, m.started);
      health_write (&m);
      health_schedule (&m);
    }
  if (dock_loop_run (m.loop, &err) < 0)
    return die (err, "loop");
  dock_attach_server_free (m.srv);
  dock_loop_free (m.loop);
  dock_jsonlog_close (m.log);
  return m.exit_code;
}

/* --------------------------------------------------------------- attach */

static int
cmd_attach (int argc, char **argv)
{
  if (argc < 1)
    return 125;
  const char *sock = argv[0];
  unsigned char keys[DOCK_DETACH_KEYS_MAX];
  size_t n_keys = 0;
  bool have_keys = false, no_stdin = false, stdin_once = false;
  unsigned rows = 0, cols = 0;
  cleanup_error berth_error *err = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--detach-keys") == 0 && i + 1 < argc)
        {
          if (dock_parse_detach_keys (argv[++i], keys, &n_keys, &err) < 0)
            return die (err, "--detach-keys");
          have_keys = true;
        }
      else if (strcmp (argv[i], "--no-stdin") == 0)
        no_stdin = true;
      else if (strcmp (argv[i], "--stdin-once") == 0)
        stdin_once = true;
      else if (strcmp (argv[i], "--resize") == 0 && i + 1 < argc)
        sscanf (argv[++i], "%ux%u", &rows, &cols);
    }
  unsigned flags = DOCK_ATTACH_STDOUT | DOCK_ATTACH_STDERR | (no_stdin ? 0 : DOCK_ATTACH_STDIN)
                   | (stdin_once ? DOCK_ATTACH_STDIN_ONCE : 0);
  dock_attach_client *c = NULL;
  if (dock_attach_connect (sock, flags, have_keys ? keys : NULL, n_keys, &c, &err) < 0)
    return die (err, "attach");
  if (rows && dock_attach_send_resize (c, rows, cols, &err) < 0)
    return die (err, "resize");
  /* Tell the test we are in (after READY: output from now on is ours). */
  fprintf (stderr, "attached%s\n", dock_attach_client_tty (c) ? " tty" : "");
  dock_attach_end end;
  int code = 0;
  if (dock_attach_pump (c, no_stdin ? -1 : 0, 1, 2, &end, &code, &err) < 0)
    return die (err, "attach");
  dock_attach_client_free (c);
  if (end == DOCK_ATTACH_DETACHED)
    {
      fprintf (stderr, "%s\n", DOCK_DETACH_MSG);
      return 1;
    }
  return end == DOCK_ATTACH_EXITED ? code : 125;
}

/* ----------------------------------------------------------------- logs */

static int
cmd_logs (int argc, char **argv)
{
  if (argc < 1)
    return 125;
  dock_logs_opts o;
  dock_logs_opts_init (&o);
  cleanup_error berth_error *err = NULL;
  int64_t now = dock_realtime_ns ();
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
      if (strcmp (a, "--max-file") == 0 && v)
        o.max_file = atoi (argv[++i]);
      else if (strcmp (a, "--tail") == 0 && v)
        o.tail = atoll (argv[++i]);
      else if (strcmp (a, "--since") == 0 && v)
        {
          if (dock_parse_log_time (argv[++i], now, &o.since_ns, &err) < 0)
            return die (err, "--since");
          o.has_since = true;
        }
      else if (strcmp (a, "--until") == 0 && v)
        {
          if (dock_parse_log_time (argv[++i], now, &o.until_ns, &err) < 0)
            return die (err, "--until");
          o.has_until = true;
        }
      else if (strcmp (a, "-t") == 0)
        o.timestamps = true;
      else if (strcmp (a, "--details") == 0)
        o.details = true;
      else if (strcmp (a, "-f") == 0)
        o.follow = true;
      else if (strcmp (a, "--exit-pid") == 0 && v)
        {
          o.exited_fd = (int) syscall (SYS_pidfd_open, atoi (argv[++i]), 0);
          if (o.exited_fd < 0 && errno == ESRCH)
            o.follow = false; /* already gone: nothing to follow */
        }
    }
  if (dock_jsonlog_read (argv[0], &o, &err) < 0)
    return die (err, "logs");
  return 0;
}

/* -------------------------------------------------------------- measure */

static void
on_measure_timer (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  (void) src, (void) exp, (void) data;
  dock_loop_quit (loop);
}

static void
on_measure_output (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) loop, (void) src, (void) events;
  char buf[4096];
  dock_log_copier *c = data;
  ssize_t n = read (fd, buf, sizeof buf);
  cleanup_error berth_error *err = NULL;
  if (n > 0)
    dock_log_copier_feed (c, buf, (size_t) n, dock_realtime_ns (), &err);
}

static int
cmd_measure (int argc, char **argv)
{
  if (argc < 1)
    return 125;
  cleanup_error berth_error *err = NULL;
  cleanup_free char *sock = xasprintf ("%s/attach.sock", argv[0]);
  cleanup_free char *logp = xasprintf ("%s/ctr.log", argv[0]);
  dock_loop *loop = NULL;
  dock_log_opts o;
  const char *kv[] = { "max-size=10m", "max-file=3" };
  dock_jsonlog *log = NULL;
  if (dock_loop_new (&loop, &err) < 0 || dock_log_opts_parse (kv, 2, &o, &err) < 0
      || dock_jsonlog_open (logp, &o, &log, &err) < 0)
    return die (err, "setup");
  int p1[2], p2[2], in[2];
  if (pipe2 (p1, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2 (p2, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2 (in, O_CLOEXEC) < 0)
    return die (NULL, "pipe");
  /* The copiers' 16 KiB buffers are what the shim carries per stream. */
  dock_log_copier *cs = xcalloc (2, sizeof *cs);
  dock_log_copier_init (&cs[0], log, DOCK_STREAM_STDOUT);
  dock_log_copier_init (&cs[1], log, DOCK_STREAM_STDERR);
  dock_loop_add_fd (loop, p1[0], EPOLLIN, on_measure_output, &cs[0], &err);
  dock_loop_add_fd (loop, p2[0], EPOLLIN, on_measure_output, &cs[1], &err);
  dock_attach_server *srv = NULL;
  dock_attach_config ac = { .socket_path = sock, .stdin_fd = in[1] };
  if (dock_attach_server_new (loop, &ac, &srv, &err) < 0)
    return die (err, "attach");
  write (p1[1], "hello\n", 6);
  write (p2[1], "world\n", 6);
  dock_loop_add_timer (loop, argc > 1 ? strtoull (argv[1], NULL, 10) : 200, 0, on_measure_timer, NULL, &err);
  dock_loop_run (loop, &err);
  cleanup_free char *smaps = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, "/proc/self/smaps_rollup", &smaps, &len, &err) < 0)
    return die (err, "smaps_rollup");
  const char *keys[] = { "Rss:", "Pss:", "Pss_Anon:", "Pss_File:", "Private_Dirty:" };
  for (size_t i = 0; i < ARRAY_SIZE (keys); i++)
    {
      const char *p = strstr (smaps, keys[i]);
      if (p)
        printf ("%s %ld kB\n", keys[i], strtol (p + strlen (keys[i]), NULL, 10));
    }
  dock_attach_server_free (srv);
  dock_loop_free (loop);
  dock_jsonlog_close (log);
  dock_log_opts_clear (&o);
  free (cs);
  return 0;
}

int
main (int argc, char **argv)
{
  static const struct { const char *name; int (*fn) (int, char **); } cmds[] = {
    { "run", cmd_run }, { "attach", cmd_attach }, { "logs", cmd_logs }, { "measure", cmd_measure },
  };
  if (argc >= 2)
    for (size_t i = 0; i < ARRAY_SIZE (cmds); i++)
      if (strcmp (argv[1], cmds[i].name) == 0)
        return cmds[i].fn (argc - 2, argv + 2);
  fprintf (stderr, "usage: dock-monitor-run run|attach|logs|measure ...\n");
  return 125;
}
