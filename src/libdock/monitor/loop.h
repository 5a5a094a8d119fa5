/* The monitor's event loop: one epoll set, one thread.  Sources are fds
   (pipes, sockets, a pty master), a signalfd, timerfds and pidfds; each
   carries a callback.  dock-shim runs exactly one of these per container, so
   it is built to cost a few pages: no allocation per event, one small struct
   per source. */
#ifndef DOCK_MONITOR_LOOP_H
#define DOCK_MONITOR_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "libberth/error.h"

typedef struct dock_loop dock_loop;
typedef struct dock_source dock_source;

/* events: EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR as epoll reports them. */
typedef void (*dock_fd_cb) (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data);
/* A timer fired (expirations: how many times since the last call). */
typedef void (*dock_timer_cb) (dock_loop *loop, dock_source *src, uint64_t expirations, void *data);
/* A process (pidfd) ended; status is waitid's si_status with si_code, as a
   wait(2) status word (WIFEXITED etc. work on it). */
typedef void (*dock_exit_cb) (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data);
typedef void (*dock_signal_cb) (dock_loop *loop, int signo, void *data);

int dock_loop_new (dock_loop **out, berth_error **err);
/* Frees every source still registered (closing the fds the loop owns). */
void dock_loop_free (dock_loop *loop);

/* Watch fd (not owned; the caller closes it after removing the source). */
dock_source *dock_loop_add_fd (dock_loop *loop, int fd, uint32_t events, dock_fd_cb cb, void *data, berth_error **err);
int dock_loop_modify_fd (dock_loop *loop, dock_source *src, uint32_t events, berth_error **err);

/* A CLOCK_MONOTONIC timer: first after first_ms, then every interval_ms
   (0: once).  dock_loop_timer_set re-arms (first_ms 0 with interval 0
   disarms). */
dock_source *dock_loop_add_timer (dock_loop *loop, uint64_t first_ms, uint64_t interval_ms, dock_timer_cb cb,
                                  void *data, berth_error **err);
int dock_loop_timer_set (dock_source *src, uint64_t first_ms, uint64_t interval_ms, berth_error **err);

/* Watch a child through a pidfd (pidfd_open); the callback reaps it with
   waitid(P_PIDFD) and the source is removed after the callback returns. */
dock_source *dock_loop_add_pid (dock_loop *loop, pid_t pid, dock_exit_cb cb, void *data, berth_error **err);

/* Route signo through the loop's signalfd: the signal is blocked in the
   calling thread (the shim is single-threaded) and delivered to cb.  The
   mask is restored by dock_loop_free. */
int dock_loop_add_signal (dock_loop *loop, int signo, dock_signal_cb cb, void *data, berth_error **err);

/* Safe from inside a callback, also for the source being dispatched. */
void dock_loop_remove (dock_loop *loop, dock_source *src);

/* Run until dock_loop_quit or until no source is left; timeout_ms < 0: no
   limit.  Returns 0, or -1 on a failed epoll_wait. */
int dock_loop_run (dock_loop *loop, berth_error **err);
/* One round: wait at most timeout_ms for events and dispatch them.  Returns
   the number of events dispatched. */
int dock_loop_iterate (dock_loop *loop, int timeout_ms, berth_error **err);
void dock_loop_quit (dock_loop *loop);
bool dock_loop_quitting (const dock_loop *loop);
unsigned dock_loop_source_count (const dock_loop *loop);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
int64_t dock_monotonic_ns (void);
int64_t dock_realtime_ns (void);

#endif
