/* dock-shim: the per-container monitor.  It detaches from its caller (two
   forks and a new session), reports "ready" or the create/start error back
   to the process that ran it, and then lives as long as the container:

     dock-shim --root R --id ID --bundle DIR --attach SOCK --exit-file F
               [--log PATH|none] [--log-opt K=V]... [--tty] [--stdin]
               [--restart POLICY] [--detach-keys KEYS] [--pid-file F]

   The process the caller started exits 0 once the container runs, or
   prints "dock-shim: <error>" (one line) and exits 125; so `dock run -d`
   can print the id only after a real start.  See docs/architecture.md,
   "dock-shim: the monitor". */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libberth/error.h"
#include "libberth/util.h"
#include "shim.h"

static int
report_error (berth_error *err)
{
  cleanup_free char *text = err ? berth_error_text (err) : NULL;
  fprintf (stderr, "dock-shim: %s\n", text ? text : "unknown error");
  return 125;
}

/* The caller's side: wait for the detached monitor's one line. */
static int
relay_ready (int rfd)
{
  char buf[4096];
  size_t used = 0;
  while (used < sizeof buf - 1)
    {
      ssize_t n = read (rfd, buf + used, sizeof buf - 1 - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      used += (size_t) n;
      if (memchr (buf, '\n', used))
        break;
    }
  buf[used] = '\0';
  char *nl = strchr (buf, '\n');
  if (nl)
    *nl = '\0';
  if (strcmp (buf, "ready") == 0)
    return 0;
  if (strncmp (buf, "error ", 6) == 0)
    fprintf (stderr, "dock-shim: %s\n", buf + 6);
  else
    fprintf (stderr, "dock-shim: the monitor ended before the container started\n");
  return 125;
}

static void
tell (int fd, const char *line)
{
  write_all (fd, line, strlen (line));
}

/* The monitor proper, in the grandchild. */
static int
monitor (const shim_opts *o, int ready_fd)
{
  cleanup_error berth_error *err = NULL;
  /* Outlive the caller: a new session (setsid in the middle child), no
     terminal, SIGHUP and SIGINT of a closing terminal ignored. */
  signal (SIGHUP, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0)
    {
      /* dup2 clears O_CLOEXEC on 0-2; nothing of the caller's stays open. */
      for (int i = 0; i < 3; i++)
        dup2 (null, i);
      if (null > 2)
        close (null);
    }
  if (chdir ("/") < 0)
    {
      berth_fail_errno (&err, "chdir /");
      goto fail;
    }
  /* Orphans of the container come to us, not to PID 1. */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    {
      berth_fail_errno (&err, "PR_SET_CHILD_SUBREAPER");
      goto fail;
    }
  if (o->pid_file)
    {
      char pid[32];
      int n = snprintf (pid, sizeof pid, "%d", (int) getpid ());
      if (shim_write_file (o->pid_file, pid, (size_t) n, &err) < 0)
        goto fail;
    }
  static shim s;
  s.o = o;
  if (shim_setup (&s, &err) < 0)
    {
      shim_teardown (&s);
      goto fail;
    }
  /* What create needed is not needed again: give the pages back. */
  malloc_trim (0);
  tell (ready_fd, "ready\n");
  close (ready_fd);
  int rc = shim_run (&s, &err);
  shim_teardown (&s);
  if (o->pid_file)
    unlink (o->pid_file);
  return rc < 0 ? 125 : 0;

fail:
  if (o->pid_file)
    unlink (o->pid_file);
  cleanup_free char *text = berth_error_text (err);
  for (char *p = text; *p; p++)
    if (*p == '\n')
      *p = ' ';
  dprintf (ready_fd, "error %s\n", text);
  close (ready_fd);
  return 125;
}

int
main (int argc, char **argv)
{
  static shim_opts o;
  cleanup_error berth_error *err = NULL;
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    {
      shim_usage (stdout);
      return 0;
    }
  if (shim_parse_args (argc, argv, &o, &err) < 0)
    return report_error (err);

  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      berth_fail_errno (&err, "pipe");
      return report_error (err);
    }
  pid_t mid = fork ();
  if (mid < 0)
    {
      berth_fail_errno (&err, "fork");
      return report_error (err);
    }
  if (mid == 0)
    {
      close (p[0]);
      setsid ();
      pid_t pid = fork ();
      if (pid != 0)
        _exit (pid < 0 ? 1 : 0);
      _exit (monitor (&o, p[1]));
    }
  close (p[1]);
  int st;
  while (waitpid (mid, &st, 0) < 0 && errno == EINTR)
    ;
  int rc = relay_ready (p[0]);
  close (p[0]);
  return rc;
}
