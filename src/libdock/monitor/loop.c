/* The monitor's event loop (see loop.h). */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libberth/util.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum source_kind { SRC_FD, SRC_TIMER, SRC_PID, SRC_SIGNAL };

struct dock_source
{
  enum source_kind kind;
  bool dead;
  int fd;      /* the watched fd; owned by the loop for timers, pids, signals */
  pid_t pid;
  union
  {
    dock_fd_cb fd_cb;
    dock_timer_cb timer_cb;
    dock_exit_cb exit_cb;
  };
  void *data;
  dock_source *next;
};

/* Signals are few (SIGCHLD, SIGTERM, SIGINT, SIGHUP...): a small table. */
#define LOOP_MAX_SIGNALS 8

struct dock_loop
{
  int epfd;
  bool quit;
  unsigned live;
  dock_source *sources;
  dock_source *signal_src;
  sigset_t sigmask, old_mask;
  struct { int signo; dock_signal_cb cb; void *data; } signals[LOOP_MAX_SIGNALS];
  unsigned n_signals;
};

int64_t
dock_monotonic_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
dock_realtime_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
dock_loop_new (dock_loop **out, berth_error **err)
{
  dock_loop *loop = xcalloc (1, sizeof *loop);
  loop->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (loop->epfd < 0)
    {
      free (loop);
      return berth_fail_errno (err, "epoll_create1");
    }
  sigemptyset (&loop->sigmask);
  *out = loop;
  return 0;
}

static void
source_release (dock_source *src)
{
  if (src->kind != SRC_FD && src->fd >= 0)
    close (src->fd);
  free (src);
}

void
dock_loop_free (dock_loop *loop)
{
  if (!loop)
    return;
  for (dock_source *s = loop->sources, *next; s; s = next)
    {
      next = s->next;
      source_release (s);
    }
  if (loop->n_signals)
    sigprocmask (SIG_SETMASK, &loop->old_mask, NULL);
  close (loop->epfd);
  free (loop);
}

static dock_source *
source_add (dock_loop *loop, enum source_kind kind, int fd, uint32_t events, void *data, berth_error **err)
{
  dock_source *src = xcalloc (1, sizeof *src);
  src->kind = kind;
  src->fd = fd;
  src->data = data;
  struct epoll_event ev = { .events = events, .data.ptr = src };
  if (epoll_ctl (loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    {
      berth_fail_errno (err, "epoll_ctl add fd %d", fd);
      free (src);
      return NULL;
    }
  src->next = loop->sources;
  loop->sources = src;
  loop->live++;
  return src;
}

dock_source *
dock_loop_add_fd (dock_loop *loop, int fd, uint32_t events, dock_fd_cb cb, void *data, berth_error **err)
{
  dock_source *src = source_add (loop, SRC_FD, fd, events, data, err);
  if (src)
    src->fd_cb = cb;
  return src;
}

int
dock_loop_modify_fd (dock_loop *loop, dock_source *src, uint32_t events, berth_error **err)
{
  struct epoll_event ev = { .events = events, .data.ptr = src };
  if (epoll_ctl (loop->epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0)
    return berth_fail_errno (err, "epoll_ctl mod fd %d", src->fd);
  return 0;
}

/* zero_fires: a first_ms of 0 means "now" (one nanosecond) rather than
   "disarmed". */
static int
timer_arm (int fd, uint64_t first_ms, uint64_t interval_ms, bool zero_fires, berth_error **err)
{
  struct itimerspec its = {
    .it_value = { .tv_sec = first_ms / 1000, .tv_nsec = (first_ms % 1000) * 1000000 },
    .it_interval = { .tv_sec = interval_ms / 1000, .tv_nsec = (interval_ms % 1000) * 1000000 },
  };
  if (first_ms == 0 && zero_fires)
    its.it_value.tv_nsec = 1;
  if (timerfd_settime (fd, 0, &its, NULL) < 0)
    return berth_fail_errno (err, "timerfd_settime");
  return 0;
}

int
dock_loop_timer_set (dock_source *src, uint64_t first_ms, uint64_t interval_ms, berth_error **err)
{
  return timer_arm (src->fd, first_ms, interval_ms, interval_ms != 0, err);
}

dock_source *
dock_loop_add_timer (dock_loop *loop, uint64_t first_ms, uint64_t interval_ms, dock_timer_cb cb, void *data,
                     berth_error **err)
{
  int fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0)
    {
      berth_fail_errno (err, "timerfd_create");
      return NULL;
    }
  dock_source *src = source_add (loop, SRC_TIMER, fd, EPOLLIN, data, err);
  if (!src)
    {
      close (fd);
      return NULL;
    }
  src->timer_cb = cb;
  if (timer_arm (fd, first_ms, interval_ms, true, err) < 0)
    {
      dock_loop_remove (loop, src);
      return NULL;
    }
  return src;
}

dock_source *
dock_loop_add_pid (dock_loop *loop, pid_t pid, dock_exit_cb cb, void *data, berth_error **err)
{
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    {
      berth_fail_errno (err, "pidfd_open %d", (int) pid);
      return NULL;
    }
  /* pidfds are close-on-exec from the kernel already. */
  dock_source *src = source_add (loop, SRC_PID, fd, EPOLLIN, data, err);
  if (!src)
    {
      close (fd);
      return NULL;
    }
  src->pid = pid;
  src->exit_cb = cb;
  return src;
}

int
dock_loop_add_signal (dock_loop *loop, int signo, dock_signal_cb cb, void *data, berth_error **err)
{
  if (loop->n_signals == LOOP_MAX_SIGNALS)
    return berth_fail (err, EINVAL, "too many signals for the loop");
  sigset_t one;
  sigemptyset (&one);
  sigaddset (&one, signo);
  sigset_t old;
  if (sigprocmask (SIG_BLOCK, &one, &old) < 0)
    return berth_fail_errno (err, "sigprocmask");
  if (loop->n_signals == 0)
    loop->old_mask = old;
  sigaddset (&loop->sigmask, signo);
  if (!loop->signal_src)
    {
      int fd = signalfd (-1, &loop->sigmask, SFD_CLOEXEC | SFD_NONBLOCK);
      if (fd < 0)
        return berth_fail_errno (err, "signalfd");
      loop->signal_src = source_add (loop, SRC_SIGNAL, fd, EPOLLIN, NULL, err);
      if (!loop->signal_src)
        {
          close (fd);
          return -1;
        }
      /* The signalfd keeps the loop alive only while other work is left. */
      loop->live--;
    }
  else if (signalfd (loop->signal_src->fd, &loop->sigmask, 0) < 0)
    return berth_fail_errno (err, "signalfd");
  loop->signals[loop->n_signals].signo = signo;
  loop->signals[loop->n_signals].cb = cb;
  loop->signals[loop->n_signals].data = data;
  loop->n_signals++;
  return 0;
}

void
dock_loop_remove (dock_loop *loop, dock_source *src)
{
  if (!src || src->dead)
    return;
  epoll_ctl (loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
  src->dead = true;
  if (src != loop->signal_src)
    loop->live--;
}

static void
reap_dead (dock_loop *loop)
{
  for (dock_source **pp = &loop->sources; *pp;)
    {
      dock_source *s = *pp;
      if (s->dead)
        {
          *pp = s->next;
          if (s == loop->signal_src)
            loop->signal_src = NULL;
          source_release (s);
        }
      else
        pp = &s->next;
    }
}

static void
dispatch_signals (dock_loop *loop, int fd)
{
  struct signalfd_siginfo si;
  while (read (fd, &si, sizeof si) == (ssize_t) sizeof si)
    for (unsigned i = 0; i < loop->n_signals; i++)
      if (loop->signals[i].signo == (int) si.ssi_signo && loop->signals[i].cb)
        loop->signals[i].cb (loop, (int) si.ssi_signo, loop->signals[i].data);
}

static void
dispatch_pid (dock_loop *loop, dock_source *src)
{
  siginfo_t si;
  memset (&si, 0, sizeof si);
  if (waitid ((idtype_t) P_PIDFD, (id_t) src->fd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
    return;
  /* A wait(2) status word from the siginfo. */
  int status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8
               : (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
  dock_exit_cb cb = src->exit_cb;
  pid_t pid = src->pid;
  dock_loop_remove (loop, src);
  cb (loop, src, pid, status, src->data);
}

int
dock_loop_iterate (dock_loop *loop, int timeout_ms, berth_error **err)
{
  struct epoll_event evs[16];
  int n = epoll_wait (loop->epfd, evs, (int) ARRAY_SIZE (evs), timeout_ms);
  if (n < 0)
    {
      if (errno == EINTR)
        return 0;
      return berth_fail_errno (err, "epoll_wait");
    }
  for (int i = 0; i < n; i++)
    {
      dock_source *src = evs[i].data.ptr;
      if (src->dead)
        continue;
      switch (src->kind)
        {
        case SRC_FD:
          src->fd_cb (loop, src, src->fd, evs[i].events, src->data);
          break;
        case SRC_TIMER:
          {
            uint64_t exp = 0;
            if (read (src->fd, &exp, sizeof exp) == (ssize_t) sizeof exp && exp)
              src->timer_cb (loop, src, exp, src->data);
          }
          break;
        case SRC_PID:
          dispatch_pid (loop, src);
          break;
        case SRC_SIGNAL:
          dispatch_signals (loop, src->fd);
          break;
        }
    }
  reap_dead (loop);
  return n;
}

int
dock_loop_run (dock_loop *loop, berth_error **err)
{
  while (!loop->quit && loop->live > 0)
    if (dock_loop_iterate (loop, -1, err) < 0)
      return -1;
  return 0;
}

void
dock_loop_quit (dock_loop *loop)
{
  loop->quit = true;
}

bool
dock_loop_quitting (const dock_loop *loop)
{
  return loop->quit;
}

unsigned
dock_loop_source_count (const dock_loop *loop)
{
  return loop->live;
}
