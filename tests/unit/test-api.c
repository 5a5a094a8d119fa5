/* libberth through its public header only (include/berth/berth.h, and
   libocispec's types for the spec): a busybox container from a spec in
   memory with its stdio on pipes, start, the exit through a pidfd, exec,
   state/list/pause/resume/kill/delete, an invalid spec's kind; and that no
   call writes to fd 2 or leaves the caller's signal mask or SIGCHLD/SIGPIPE
   dispositions changed.  Needs root and busybox-static; skips otherwise. */
#include "config.h"

#include "berth/berth.h"
#include "runtime_spec.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char logbuf[1 << 16];
static size_t loglen;

static void
collect (void *data, int level, const char *msg)
{
  int *count = data;
  (*count)++;
  int n = snprintf (logbuf + loglen, sizeof logbuf - loglen, "%d %s\n", level, msg);
  if (n > 0 && loglen + (size_t) n < sizeof logbuf)
    loglen += (size_t) n;
}

static void
on_sigpipe (int sig)
{
  (void) sig;
}

static sigset_t want_mask;
static struct sigaction want_chld, want_pipe;

static void
signals_setup (void)
{
  /* Distinctive settings that a library would have to disturb. */
  sigemptyset (&want_mask);
  sigaddset (&want_mask, SIGUSR2);
  sigprocmask (SIG_SETMASK, &want_mask, NULL);
  struct sigaction sa = { .sa_handler = on_sigpipe };
  sigaction (SIGPIPE, &sa, NULL);
  sigaction (SIGPIPE, NULL, &want_pipe);
  sigaction (SIGCHLD, NULL, &want_chld);
}

static bool
signals_unchanged (const char *after)
{
  sigset_t now;
  struct sigaction chld, pipe_;
  sigprocmask (SIG_SETMASK, NULL, &now);
  sigaction (SIGCHLD, NULL, &chld);
  sigaction (SIGPIPE, NULL, &pipe_);
  bool same = true;
  for (int s = 1; s < 64; s++)
    if (sigismember (&now, s) != sigismember (&want_mask, s))
      same = false;
  if (chld.sa_handler != want_chld.sa_handler || pipe_.sa_handler != want_pipe.sa_handler)
    same = false;
  if (!same)
    diag ("signal state changed by %s", after);
  return same;
}

static char *
read_all (int fd)
{
  static char buf[4096];
  size_t n = 0;
  ssize_t r;
  while (n + 1 < sizeof buf && (r = read (fd, buf + n, sizeof buf - 1 - n)) != 0)
    {
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  return strdup (buf);
}

/* Say what went wrong, and clear it for the next call. */
static void
report (const char *what, berth_error **err)
{
  if (*err)
    {
      char *t = berth_error_text (*err);
      diag ("%s: %s", what, t);
      free (t);
    }
  berth_error_free (*err);
  *err = NULL;
}

/* The default spec (`berth spec`) with args and no terminal. */
static oci_spec *
make_spec (const char *dir, char **args)
{
  berth_error *err = NULL;
  if (berth_spec_write (dir, false, &err) < 0)
    {
      report ("spec", &err);
      berth_error_free (err);
      return NULL;
    }
  char *path, *perr = NULL;
  if (asprintf (&path, "%s/config.json", dir) < 0)
    abort ();
  oci_spec *spec = oci_spec_parse_file (path, "config.json", &perr);
  unlink (path);
  free (path);
  free (perr);
  if (spec == NULL)
    return NULL;
  spec->process->terminal = false;
  for (size_t i = 0; i < spec->process->args_len; i++)
    free (spec->process->args[i]);
  free (spec->process->args);
  spec->process->args = NULL;
  spec->process->args_len = 0;
  for (char **a = args; *a; a++)
    oci_strv_append (&spec->process->args, &spec->process->args_len, *a);
  return spec;
}

static int
wait_pidfd_status (int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  if (poll (&p, 1, 10000) != 1)
    return -1;
  siginfo_t si = { 0 };
  if (waitid (P_PIDFD, (id_t) pidfd, &si, WEXITED) < 0)
    return -1;
  return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

static bool
state_says (berth_ctx *ctx, const char *id, const char *status)
{
  berth_error *err = NULL;
  char *doc = berth_state_json (ctx, id, &err);
  char want[64];
  snprintf (want, sizeof want, "\"status\": \"%s\"", status);
  bool ok = doc && strstr (doc, want);
  if (!ok)
    diag ("state of %s: %s", id, doc ? doc : "(error)");
  report ("state", &err);
  berth_error_free (err);
  free (doc);
  return ok;
}

int
main (void)
{
  if (geteuid () != 0 || access ("/bin/busybox", X_OK) != 0)
    {
      printf ("1..0 # SKIP needs root and busybox-static\n");
      return 0;
    }
  char dir[] = "/tmp/berth-test-api-XXXXXX";
  if (mkdtemp (dir) == NULL)
    return 1;
  char cmd[512], rootfs[256], root[256], specdir[256], errfile[256];
  snprintf (cmd, sizeof cmd, "sh %s/tests/fixtures/make-bundle.sh %s/bundle >/dev/null", SRCDIR, dir);
  snprintf (rootfs, sizeof rootfs, "%s/bundle/rootfs", dir);
  snprintf (root, sizeof root, "%s/state", dir);
  snprintf (specdir, sizeof specdir, "%s/spec", dir);
  snprintf (errfile, sizeof errfile, "%s/stderr", dir);
  mkdir (specdir, 0700);
  if (system (cmd) != 0)
    {
      printf ("1..0 # SKIP make-bundle.sh failed\n");
      return 0;
    }
  /* fd 2 becomes a file that must stay empty; diagnostics go to stdout. */
  int errfd = open (errfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int saved_stderr = dup (2);
  dup2 (errfd, 2);
  signals_setup ();

  int nlog = 0;
  berth_ctx *ctx = berth_ctx_new (root);
  berth_ctx_set_log (ctx, collect, &nlog, BERTH_LOG_DEBUG, -1);
  berth_error *err = NULL;

  /* 1. a container from a spec in memory, stdout and stderr on pipes */
  char *args1[] = { "sh", "-c", "echo to-out; echo to-err >&2; exit 3", NULL };
  oci_spec *spec = make_spec (specdir, args1);
  tap_ok (spec != NULL, "the default spec decodes and takes new args");
  int out[2], errp[2];
  if (pipe2 (out, O_CLOEXEC) < 0 || pipe2 (errp, O_CLOEXEC) < 0)
    return 1;
  int devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  berth_create_params p = berth_create_params_init ();
  p.spec = spec;
  p.rootfs = rootfs;
  p.stdio[0] = devnull, p.stdio[1] = out[1], p.stdio[2] = errp[1];
  int r = berth_create (ctx, "api-one", &p, &err);
  report ("create", &err);
  tap_ok (r == 0, "create from an in-memory spec with stdio on pipes");
  tap_ok (signals_unchanged ("create"), "create leaves the signal mask and dispositions alone");
  close (out[1]);
  close (errp[1]);
  tap_ok (state_says (ctx, "api-one", "created"), "the state says created");
  int pidfd = berth_init_pidfd (ctx, "api-one", &err);
  report ("init_pidfd", &err);
  tap_ok (pidfd >= 0, "a pidfd for the init");
  r = berth_start (ctx, "api-one", &err);
  report ("start", &err);
  tap_ok (r == 0 && signals_unchanged ("start"), "start, signals unchanged");
  tap_ok (wait_pidfd_status (pidfd) == 3, "the pidfd polls readable at exit and waitid gives the status 3");
  close (pidfd);
  char *o = read_all (out[0]), *e = read_all (errp[0]);
  tap_ok (strcmp (o, "to-out\n") == 0, "the container's stdout came through the pipe");
  tap_ok (strcmp (e, "to-err\n") == 0, "the container's stderr came through its own pipe");
  free (o);
  free (e);
  close (out[0]);
  close (errp[0]);
  tap_ok (state_says (ctx, "api-one", "stopped"), "the state says stopped");
  tap_ok (berth_oom_killed (ctx, "api-one", &err) == 0, "not OOM-killed");
  r = berth_delete (ctx, "api-one", false, &err);
  report ("delete", &err);
  tap_ok (r == 0 && signals_unchanged ("delete"), "delete, signals unchanged");
  tap_ok (berth_find (ctx, "api-one", &err) < 0 && berth_error_kind_of (err) == BERTH_ERR_NOT_FOUND,
          "after delete the container is not found");
  berth_error_free (err), err = NULL;
  oci_spec_free (spec);
  tap_ok (strstr (logbuf, "3 create api-one: configuration") != NULL && nlog > 3,
          "the log callback got the debug lines (%d)", nlog);

  /* 2. a running container: state, list, pause, resume, exec, kill */
  char *args2[] = { "sleep", "100", NULL };
  spec = make_spec (specdir, args2);
  p = berth_create_params_init ();
  p.spec = spec;
  p.rootfs = rootfs;
  p.stdio[0] = p.stdio[1] = p.stdio[2] = devnull;
  r = berth_create (ctx, "api-two", &p, &err);
  report ("create", &err);
  oci_spec_free (spec);
  tap_ok (r == 0 && berth_start (ctx, "api-two", &err) == 0, "create and start a sleeping container");
  report ("start", &err);
  tap_ok (state_says (ctx, "api-two", "running"), "the state says running");
  berth_container_info *l = NULL;
  size_t n = 0;
  bool listed = false;
  if (berth_list (ctx, &l, &n, &err) == 0)
    for (size_t i = 0; i < n; i++)
      listed |= strcmp (l[i].id, "api-two") == 0 && l[i].status == BERTH_STATUS_RUNNING && l[i].pid > 0;
  berth_info_free (l, n);
  tap_ok (listed, "list has it, running, with its pid");
  char *stats = berth_stats_json (ctx, "api-two", &err);
  report ("stats", &err);
  tap_ok (stats && strstr (stats, "\"pids\"") != NULL, "stats as JSON");
  free (stats);

  r = berth_pause (ctx, "api-two", &err);
  report ("pause", &err);
  tap_ok (r == 0 && state_says (ctx, "api-two", "paused"), "pause: the state says paused");
  tap_ok (berth_pause (ctx, "api-two", &err) < 0 && berth_error_kind_of (err) == BERTH_ERR_PAUSED,
          "pausing again is the paused kind");
  berth_error_free (err), err = NULL;
  r = berth_resume (ctx, "api-two", &err);
  report ("resume", &err);
  tap_ok (r == 0 && state_says (ctx, "api-two", "running"), "resume: running again");
  tap_ok (signals_unchanged ("state, list, stats, pause, resume"), "state, list, stats, pause and resume leave signals alone");

  int xo[2];
  if (pipe2 (xo, O_CLOEXEC) < 0)
    return 1;
  berth_exec_params xp = berth_exec_params_init ();
  xp.process_json = "{\"args\":[\"sh\",\"-c\",\"echo exec-out; exit 5\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}";
  xp.detach = true;
  xp.stdio[0] = devnull, xp.stdio[1] = xo[1], xp.stdio[2] = devnull;
  pid_t xpid = 0;
  int xfd = -1;
  r = berth_exec_process (ctx, "api-two", &xp, &xpid, &xfd, NULL, &err);
  report ("exec", &err);
  close (xo[1]);
  tap_ok (r == 0 && xpid > 0 && xfd >= 0, "exec from process JSON with stdout on a pipe: a pid and a pidfd");
  tap_ok (signals_unchanged ("exec"), "exec leaves the signal mask and dispositions alone");
  tap_ok (xfd >= 0 && wait_pidfd_status (xfd) == 5, "the exec'd process's status through its pidfd");
  if (xfd >= 0)
    close (xfd);
  o = read_all (xo[0]);
  tap_ok (strcmp (o, "exec-out\n") == 0, "the exec'd process's stdout came through the pipe");
  free (o);
  close (xo[0]);

  pidfd = berth_init_pidfd (ctx, "api-two", &err);
  r = berth_kill (ctx, "api-two", SIGKILL, false, &err);
  report ("kill", &err);
  tap_ok (r == 0 && signals_unchanged ("kill"), "kill, signals unchanged");
  tap_ok (pidfd >= 0 && wait_pidfd_status (pidfd) == 128 + SIGKILL, "the init died of SIGKILL");
  if (pidfd >= 0)
    close (pidfd);
  tap_ok (berth_kill (ctx, "api-two", SIGTERM, false, &err) < 0 && berth_error_kind_of (err) == BERTH_ERR_NOT_RUNNING,
          "killing a stopped container is the not-running kind");
  berth_error_free (err), err = NULL;
  r = berth_delete (ctx, "api-two", false, &err);
  report ("delete", &err);
  tap_ok (r == 0, "delete the stopped container");

  /* 3. a terminal: the pty master handed back, fds 0-2 the caller's again */
  char *args3[] = { "sh", "-c", "echo pty-out", NULL };
  spec = make_spec (specdir, args3);
  spec->process->terminal = true;
  struct stat before, after;
  fstat (1, &before);
  p = berth_create_params_init ();
  p.spec = spec;
  p.rootfs = rootfs;
  int master = -1;
  p.console_master = &master;
  r = berth_create (ctx, "api-tty", &p, &err);
  report ("create with a pty", &err);
  oci_spec_free (spec);
  fstat (1, &after);
  tap_ok (r == 0 && master >= 0, "create with process.terminal hands the pty master back");
  tap_ok (before.st_ino == after.st_ino && before.st_dev == after.st_dev, "the caller's fd 1 is its own again");
  tap_ok (r == 0 && berth_start (ctx, "api-tty", &err) == 0, "start the terminal container");
  report ("start", &err);
  char ttybuf[256] = "";
  size_t tn = 0;
  for (ssize_t k; master >= 0 && tn + 1 < sizeof ttybuf && (k = read (master, ttybuf + tn, sizeof ttybuf - 1 - tn)) > 0;)
    tn += (size_t) k; /* EIO once the last slave fd closes */
  ttybuf[tn] = '\0';
  tap_ok (strstr (ttybuf, "pty-out") != NULL, "the container's output came through the pty master");
  if (master >= 0)
    close (master);
  tap_ok (berth_delete (ctx, "api-tty", true, &err) == 0, "delete the terminal container");
  report ("delete", &err);
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;

  /* 4. run from JSON text: waits, gives the status, deletes */
  char *args4[] = { "sh", "-c", "exit 7", NULL };
  spec = make_spec (specdir, args4);
  char *json = oci_spec_generate (spec, 0, NULL);
  oci_spec_free (spec);
  p = berth_create_params_init ();
  p.config_json = json;
  p.rootfs = rootfs;
  p.stdio[0] = p.stdio[1] = p.stdio[2] = devnull;
  int status = -1;
  r = berth_run (ctx, "api-run", &p, false, false, &status, &err);
  report ("run", &err);
  free (json);
  tap_ok (r == 0 && status == 7, "run from JSON text waits and gives the status (%d)", status);
  tap_ok (signals_unchanged ("run"), "a foreground run restores the signal mask");
  tap_ok (berth_find (ctx, "api-run", &err) < 0 && berth_error_kind_of (err) == BERTH_ERR_NOT_FOUND,
          "and deletes the container");
  berth_error_free (err), err = NULL;

  /* 5. invalid configurations */
  p = berth_create_params_init ();
  p.config_json = "{\"ociVersion\": 5, \"process\": {}}";
  p.rootfs = rootfs;
  tap_ok (berth_create (ctx, "api-bad", &p, &err) < 0 && berth_error_kind_of (err) == BERTH_ERR_INVALID_CONFIG,
          "a spec that does not decode is the invalid-config kind");
  report ("bad create (expected)", &err);
  berth_error_free (err), err = NULL;
  tap_ok (berth_find (ctx, "api-bad", &err) < 0 && berth_error_kind_of (err) == BERTH_ERR_NOT_FOUND,
          "and leaves no container behind");
  berth_error_free (err), err = NULL;
  tap_ok (berth_create (ctx, "api-bad", &p, NULL) < 0 || true, "a NULL err is allowed");
  tap_ok (signals_unchanged ("failed create"), "a failed create leaves signals alone");

  berth_ctx_free (ctx);
  struct stat st;
  fstat (errfd, &st);
  tap_ok (st.st_size == 0, "nothing was written to fd 2 (%lld bytes)", (long long) st.st_size);
  dup2 (saved_stderr, 2);
  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  if (system (cmd) != 0)
    diag ("could not remove %s", dir);
  return tap_done ();
}
