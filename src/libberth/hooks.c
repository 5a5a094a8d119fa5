#include "config.h"

#include "hooks.h"
#include "log.h"
#include "util.h"

#include <errno.h>
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

static int
run_one (const oci_hook *h, const char *kind, size_t index, const char *state_json, berth_error **err)
{
  int in[2];
  if (pipe2 (in, O_CLOEXEC) < 0)
    return berth_fail_errno (err, "%s hook: pipe", kind);
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
      /* The hook gets the state on stdin and our stdout and stderr, and
         nothing else: not fds passed on to the container, nor ours. */
      syscall (SYS_close_range, 3, ~0U, 0);
      char *argv0[] = { h->path, NULL };
      char *envp0[] = { NULL };
      execve (h->path, h->args ? h->args : argv0, h->env ? h->env : envp0);
      dprintf (2, "berth: %s hook `%s`: %s\n", kind, h->path, strerror (errno));
      _exit (127);
    }
  close (in[0]);
  /* The hook may not read its stdin; don't die of SIGPIPE for it. */
  signal (SIGPIPE, SIG_IGN);
  (void) write_all (in[1], state_json, strlen (state_json));
  close (in[1]);

  int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  int timeout_ms = h->timeout_present && h->timeout > 0 ? (int) (h->timeout * 1000) : -1;
  if (pidfd >= 0)
    {
      struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
      int r;
      do
        r = poll (&pfd, 1, timeout_ms);
      while (r < 0 && errno == EINTR);
      close (pidfd);
      if (r == 0)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          return berth_fail (err, ETIMEDOUT, "%s hook %zu (`%s`) timed out after %llds", kind, index, h->path,
                             (long long) h->timeout);
        }
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
    if (run_one (hooks[i], kind, i, state_json, err) < 0)
      return -1;
  return 0;
}

int
berth_hooks_run_in_init (const berth_init_ctx *c, oci_hook **hooks, size_t n, const char *kind, berth_error **err)
{
  if (n == 0)
    return 0;
  cleanup_free char *state = berth_state_document (c->id, strcmp (kind, "startContainer") == 0 ? "created" : "creating",
                                                   c->host_pid, c->bundle, c->spec, NULL, NULL, NULL);
  return berth_hooks_run (hooks, n, kind, state, err);
}
