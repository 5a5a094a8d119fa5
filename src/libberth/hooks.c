#include "config.h"

#include "hooks.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *
berth_state_document (const char *id, const char *status, pid_t pid, const char *bundle, const oci_spec *spec,
                      const char *rootfs, const char *created, const char *owner)
{
  oci_jw *w = oci_jw_new (OCI_JW_PRETTY);
  oci_jw_begin_object (w);
  oci_jw_key (w, "ociVersion");
  oci_jw_string (w, OCI_RUNTIME_SPEC_VERSION);
  oci_jw_key (w, "id");
  oci_jw_string (w, id);
  oci_jw_key (w, "status");
  oci_jw_string (w, status);
  oci_jw_key (w, "pid");
  oci_jw_int (w, pid);
  oci_jw_key (w, "bundle");
  oci_jw_string (w, bundle);
  if (rootfs)
    {
      oci_jw_key (w, "rootfs");
      oci_jw_string (w, rootfs);
    }
  if (created)
    {
      oci_jw_key (w, "created");
      oci_jw_string (w, created);
    }
  if (owner)
    {
      oci_jw_key (w, "owner");
      oci_jw_string (w, owner);
    }
  if (spec && spec->annotations.len)
    {
      oci_jw_key (w, "annotations");
      oci_jw_begin_object (w);
      for (size_t i = 0; i < spec->annotations.len; i++)
        {
          oci_jw_key (w, spec->annotations.keys[i]);
          oci_jw_string (w, spec->annotations.values[i]);
        }
      oci_jw_end_object (w);
    }
  oci_jw_end_object (w);
  return oci_jw_finish (w, NULL);
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write the state to the hook's stdin while waiting for it to exit: the
   pipe is non-blocking on our side, so a hook that never reads a state
   larger than the pipe (64 KiB by default; annotations make it so) can
   neither block us past its timeout nor, without one, deadlock with us
   once it exits.  Returns 1 when the hook exited, 0 on timeout. */
static int
feed_and_wait (int pidfd, int in, const char *state_json, int timeout_ms)
{
  size_t off = 0, len = strlen (state_json);
  long long deadline = timeout_ms >= 0 ? now_ms () + timeout_ms : -1;
  for (;;)
    {
      struct pollfd pf[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = in, .events = POLLOUT } };
      int wait_ms = -1;
      if (deadline >= 0)
        {
          long long left = deadline - now_ms ();
          wait_ms = left > 0 ? (int) left : 0;
        }
      int r = poll (pf, in >= 0 ? 2 : 1, wait_ms);
      if (r < 0 && errno == EINTR)
        continue;
      if (r == 0)
        {
          if (in >= 0)
            close (in);
          return 0;
        }
      if (r > 0 && in >= 0 && pf[1].revents)
        {
          /* POLLERR alone: the hook closed its stdin. */
          bool gone = !(pf[1].revents & POLLOUT);
          ssize_t n = gone ? -1 : write (in, state_json + off, len - off);
          if (n > 0)
            off += (size_t) n;
          /* All written, or the hook closed its stdin (EPIPE): done with it. */
          if (off == len || gone || (n < 0 && errno != EAGAIN && errno != EINTR))
            {
              close (in);
              in = -1;
            }
        }
      if (r > 0 && (pf[0].revents & POLLIN))
        {
          if (in >= 0)
            close (in);
          return 1;
        }
    }
}

static int
run_one (const oci_hook *h, const char *kind, size_t index, const char *state_json, int cwd_fd,
         berth_error **err)
{
  extern char **environ;
  int in[2];
  if (pipe2 (in, O_CLOEXEC) < 0)
    return berth_fail_errno (err, "%s hook: pipe", kind);
  if (fcntl (in[1], F_SETFL, O_NONBLOCK) < 0)
    {
      close (in[0]);
      close (in[1]);
      return berth_fail_errno (err, "%s hook: pipe", kind);
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (in[0]);
      close (in[1]);
      return berth_fail_errno (err, "%s hook: fork", kind);
    }
  if (pid == 0)
    {
      dup2 (in[0], 0);
      if (cwd_fd >= 0 && fchdir (cwd_fd) < 0)
        {
          dprintf (2, "berth: %s hook `%s`: chdir: %s\n", kind, h->path, strerror (errno));
          _exit (127);
        }
      /* The hook gets the state on stdin and our stdout and stderr, and
         nothing else: not fds passed on to the container, nor ours. */
      syscall (SYS_close_range, 3, ~0U, 0);
      char *argv0[] = { h->path, NULL };
      /* Without `env`, ours (as runc and crun do); `"env": []` is empty. */
      execve (h->path, h->args ? h->args : argv0, h->env ? h->env : environ);
      dprintf (2, "berth: %s hook `%s`: %s\n", kind, h->path, strerror (errno));
      _exit (127);
    }
  close (in[0]);
  /* The hook may not read its stdin; don't die of SIGPIPE for it. */
  signal (SIGPIPE, SIG_IGN);

  int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  int timeout_ms = h->timeout_present && h->timeout > 0 ? (int) (h->timeout * 1000) : -1;
  if (pidfd < 0)
    {
      int e = errno;
      close (in[1]);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return berth_fail (err, e, "%s hook %zu (`%s`): pidfd_open", kind, index, h->path);
    }
  int exited = feed_and_wait (pidfd, in[1], state_json, timeout_ms);
  close (pidfd);
  if (!exited)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return berth_fail (err, 0, "%s hook %zu (`%s`) timed out after %llds", kind, index, h->path,
                         (long long) h->timeout);
    }
  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return berth_fail_errno (err, "%s hook: wait", kind);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFSIGNALED (status))
    return berth_fail (err, 0, "%s hook %zu (`%s`) killed by signal %d", kind, index, h->path, WTERMSIG (status));
  return berth_fail (err, 0, "%s hook %zu (`%s`) failed with exit status %d", kind, index, h->path,
                     WEXITSTATUS (status));
}

int
berth_hooks_run (oci_hook **hooks, size_t n, const char *kind, const char *state_json, berth_error **err)
{
  for (size_t i = 0; i < n; i++)
    if (run_one (hooks[i], kind, i, state_json, -1, err) < 0)
      return -1;
  return 0;
}

void
berth_hooks_run_warn (oci_hook **hooks, size_t n, const char *kind, const char *state_json)
{
  for (size_t i = 0; i < n; i++)
    {
      berth_error *herr = NULL;
      if (run_one (hooks[i], kind, i, state_json, -1, &herr) < 0)
        {
          berth_warn ("%s", herr->msg);
          berth_error_free (herr);
        }
    }
}

int
berth_hooks_run_in_init (const berth_init_ctx *c, oci_hook **hooks, size_t n, const char *kind, int cwd_fd,
                         berth_error **err)
{
  if (n == 0)
    return 0;
  /* These run in the container's namespaces: the pid is the init's as the
     container sees it (runtime-spec, "State"), as in runc. */
  cleanup_free char *state = berth_state_document (c->id, strcmp (kind, "startContainer") == 0 ? "created" : "creating",
                                                   getpid (), c->bundle, c->spec, NULL, NULL, NULL);
  for (size_t i = 0; i < n; i++)
    if (run_one (hooks[i], kind, i, state, cwd_fd, err) < 0)
      return -1;
  return 0;
}
