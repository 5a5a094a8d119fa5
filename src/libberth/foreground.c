/* Waiting for a foreground process (run, exec): berth passes on the
   signals it gets, and when it holds the pty master itself (no
   --console-socket), copies between the pty and its own stdio. */
#include "config.h"

#include "foreground.h"
#include "terminal.h"
#include "ttyproxy.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Passed on to the process, but for SIGWINCH with a proxied pty (a resize)
   and SIGPIPE (caught only so that a closed stdout is an EPIPE). */
static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGPIPE };

/* Wait for the process, passing on the signals berth gets (a resize goes
   to the pty instead when berth holds it), and copying the pty if so. */
int
berth_foreground_wait (pid_t pid, int proxy, int *status, berth_error **err)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return berth_fail_errno (err, "pidfd_open");
  int master = -1;
  if (proxy >= 0 && (master = berth_console_recv_fd (proxy, err)) < 0)
    return -1;

  sigset_t set, old;
  sigemptyset (&set);
  for (size_t i = 0; i < ARRAY_SIZE (caught); i++)
    sigaddset (&set, caught[i]);
  sigprocmask (SIG_BLOCK, &set, &old);
  cleanup_close int sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      if (master >= 0)
        close (master);
      return berth_fail_errno (err, "signalfd");
    }
  berth_ttyproxy tp;
  if (master >= 0)
    berth_ttyproxy_start (&tp, master);

  int r = 0;
  for (;;)
    {
      struct pollfd pfd[4] = { { .fd = sigfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      size_t n = 2;
      if (master >= 0)
        n += berth_ttyproxy_pollfds (&tp, pfd + 2);
      if (poll (pfd, n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          r = berth_fail_errno (err, "wait for the process");
          break;
        }
      struct signalfd_siginfo si;
      while (read (sigfd, &si, sizeof si) == (ssize_t) sizeof si)
        {
          if (si.ssi_signo == SIGWINCH && master >= 0)
            berth_ttyproxy_resize (&tp);
          else if (si.ssi_signo != SIGPIPE)
            syscall (SYS_pidfd_send_signal, pidfd, (int) si.ssi_signo, NULL, 0);
        }
      if (master >= 0)
        berth_ttyproxy_io (&tp, pfd + 2, n - 2);
      if (pfd[1].revents)
        break;
    }
  if (master >= 0)
    berth_ttyproxy_finish (&tp);

  int ws = 0;
  while (waitpid (pid, &ws, 0) < 0 && errno == EINTR)
    ;
  *status = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
  /* Consume what came in meanwhile (a SIGPIPE of our own writes above all)
     before the signals are unblocked. */
  struct signalfd_siginfo si;
  while (read (sigfd, &si, sizeof si) == (ssize_t) sizeof si)
    ;
  sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}
