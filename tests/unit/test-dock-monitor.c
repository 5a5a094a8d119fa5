/* dock-shim's pure parts and its loop: detach-key parsing, the frame
   header, restart decisions with docker's back-off sequence, the
   healthcheck state machine on a supplied clock, and the event loop's
   sources (fd, timer, pidfd, signalfd). */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libberth/util.h"
#include "libdock/monitor/attach.h"
#include "libdock/monitor/health.h"
#include "libdock/monitor/loop.h"
#include "libdock/monitor/restart.h"
#include "tap.h"

#define MS 1000000LL
#define SEC 1000000000LL

static void
check_keys (const char *spec, const char *want, size_t wn)
{
  unsigned char out[DOCK_DETACH_KEYS_MAX];
  size_t n = 0;
  cleanup_error berth_error *err = NULL;
  int r = dock_parse_detach_keys (spec, out, &n, &err);
  tap_ok (r == 0 && n == wn && memcmp (out, want, wn) == 0, "detach keys '%s'", spec);
}

static void
check_bad_keys (const char *spec, const char *msg)
{
  unsigned char out[DOCK_DETACH_KEYS_MAX];
  size_t n = 0;
  cleanup_error berth_error *err = NULL;
  int r = dock_parse_detach_keys (spec, out, &n, &err);
  tap_ok (r < 0 && err && strcmp (err->msg, msg) == 0, "detach keys '%s' refused: %s", spec, msg);
}

static void
test_detach_keys (void)
{
  check_keys ("ctrl-p,ctrl-q", "\x10\x11", 2);
  check_keys ("ctrl-a,x", "\x01x", 2);
  check_keys ("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\0\x1b\x1c\x1d\x1e\x1f", 6);
  check_keys ("ctrl-z", "\x1a", 1);
  check_keys ("a,b,c", "abc", 3);
  check_bad_keys (",", "Unknown character: ''");
  check_bad_keys ("ctrl-1", "Unknown character: 'ctrl-1'");
  check_bad_keys ("ab", "Unknown character: 'ab'");
  check_bad_keys ("ctrl-A", "Unknown character: 'ctrl-A'");
  check_bad_keys ("", "Unknown character: ''");
  check_bad_keys ("x,", "Unknown character: ''");
}

static void
test_frames (void)
{
  unsigned char h[DOCK_FRAME_HEADER];
  dock_frame_header (h, DOCK_FRAME_STDERR, 0x01020304);
  tap_ok (memcmp (h, "\x02\0\0\0\x01\x02\x03\x04", 8) == 0, "frame header: type, three zeros, big-endian length");
}

static void
test_restart_policy_parse (void)
{
  dock_restart_policy p;
  cleanup_error berth_error *e = NULL;
  tap_ok (dock_restart_policy_parse ("on-failure:3", &p, &e) == 0 && p.kind == DOCK_RESTART_ON_FAILURE
              && p.max_retry == 3,
          "on-failure:3");
  tap_ok (dock_restart_policy_parse ("unless-stopped", &p, &e) == 0 && p.kind == DOCK_RESTART_UNLESS_STOPPED,
          "unless-stopped");
  tap_ok (dock_restart_policy_parse ("", &p, &e) == 0 && p.kind == DOCK_RESTART_NO, "empty is no");
  struct { const char *in, *msg; } bad[] = {
    { "sometimes", "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'" },
    { "on-failure:x", "invalid restart policy format: maximum retry count must be an integer" },
    { "on-failure:-1", "invalid restart policy: maximum retry count cannot be negative" },
    { "always:3", "invalid restart policy: maximum retry count can only be used with 'on-failure'" },
    { ":3", "invalid restart policy format: no policy provided before colon" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_error berth_error *err = NULL;
      tap_ok (dock_restart_policy_parse (bad[i].in, &p, &err) < 0 && strcmp (err->msg, bad[i].msg) == 0,
              "restart policy '%s' refused", bad[i].in);
    }
}

static void
test_restart_backoff (void)
{
  dock_restart_policy always = { DOCK_RESTART_ALWAYS, 0 };
  dock_restart_state st = { 0 };
  static const int64_t want_ms[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000 };
  bool all = true;
  for (size_t i = 0; i < ARRAY_SIZE (want_ms); i++)
    {
      int64_t d = 0;
      bool r = dock_restart_decide (&always, &st, 0, false, 1 * SEC, &d);
      if (!r || d != want_ms[i] * MS)
        {
          diag ("restart %zu: %d %lld ms", i, r, (long long) (d / MS));
          all = false;
        }
    }
  tap_ok (all, "always: 100 ms doubling to the 1 min cap (100 200 ... 51200 60000 60000)");
  int64_t d = 0;
  tap_ok (dock_restart_decide (&always, &st, 0, false, 10 * SEC, &d) && d == 100 * MS,
          "a run of 10 s resets the delay to 100 ms");
  tap_ok (dock_restart_decide (&always, &st, 0, false, 9999 * MS, &d) && d == 200 * MS,
          "a run just under 10 s does not reset it");
  tap_ok (st.restart_count == 14, "the restart count counts every restart");

  dock_restart_policy onf = { DOCK_RESTART_ON_FAILURE, 3 };
  dock_restart_state s2 = { 0 };
  int restarts = 0;
  int64_t delays[4] = { 0 };
  for (int i = 0; i < 5; i++)
    if (dock_restart_decide (&onf, &s2, 1, false, 1 * SEC, &d))
      delays[restarts++] = d;
  tap_ok (restarts == 3 && delays[0] == 100 * MS && delays[1] == 200 * MS && delays[2] == 400 * MS,
          "on-failure:3 restarts a failing container exactly three times (100, 200, 400 ms)");
  dock_restart_state s3 = { 0 };
  tap_ok (!dock_restart_decide (&onf, &s3, 0, false, SEC, &d), "on-failure: exit 0 is not restarted");
  tap_ok (s3.timeout_ns == 100 * MS, "the back-off moves even when no restart follows (as docker's manager)");
  dock_restart_policy onf0 = { DOCK_RESTART_ON_FAILURE, 0 };
  dock_restart_state s4 = { 0 };
  int n = 0;
  for (int i = 0; i < 20; i++)
    n += dock_restart_decide (&onf0, &s4, 137, false, SEC, &d);
  tap_ok (n == 20, "on-failure without a count has no limit");

  dock_restart_policy us = { DOCK_RESTART_UNLESS_STOPPED, 0 };
  dock_restart_state s5 = { 0 };
  tap_ok (!dock_restart_decide (&us, &s5, 0, true, SEC, &d), "unless-stopped: a manually stopped one stays down");
  tap_ok (dock_restart_decide (&us, &s5, 0, false, SEC, &d), "unless-stopped: restarted otherwise");
  dock_restart_state s6 = { 0 };
  tap_ok (dock_restart_decide (&always, &s6, 0, true, SEC, &d),
          "always: restarted even when manually stopped (docker's boot-time rule)");
  s6.canceled = true;
  tap_ok (!dock_restart_decide (&always, &s6, 1, false, SEC, &d), "a canceled manager (stop, rm) never restarts");
  dock_restart_policy no = { DOCK_RESTART_NO, 0 };
  dock_restart_state s7 = { 0 };
  tap_ok (!dock_restart_decide (&no, &s7, 1, false, SEC, &d), "no: never restarted");
}

static dock_health_result
result (int64_t start, int code, const char *out)
{
  dock_health_result r;
  memset (&r, 0, sizeof r);
  r.start_ns = start;
  r.end_ns = start + 10 * MS;
  r.exit_code = code;
  dock_health_output_append (&r, out, strlen (out));
  return r;
}

static void
test_health (void)
{
  const int64_t t0 = 1796410800LL * SEC;
  dock_health_config cfg = { .interval_ns = 10 * SEC, .start_period_ns = 30 * SEC, .start_interval_ns = 2 * SEC,
                             .retries = 3 };
  dock_health h;
  dock_health_init (&h, &cfg, t0);
  tap_ok (h.status == DOCK_HEALTH_STARTING && h.cfg.timeout_ns == 30 * SEC, "starts as starting; timeout defaults to 30s");
  tap_ok (dock_health_next_delay (&h, t0) == 2 * SEC, "inside the start period, while starting: the start interval");
  dock_health_result r = result (t0 + 2 * SEC, 1, "fail");
  tap_ok (!dock_health_record (&h, &r) && h.failing_streak == 0 && h.status == DOCK_HEALTH_STARTING,
          "a failure inside the start period does not count");
  r = result (t0 + 4 * SEC, 0, "ok");
  tap_ok (dock_health_record (&h, &r) && h.status == DOCK_HEALTH_HEALTHY, "a success: healthy (a change)");
  tap_ok (dock_health_next_delay (&h, t0 + 5 * SEC) == 10 * SEC, "healthy inside the start period: the interval");
  tap_ok (dock_health_next_delay (&h, t0 + 31 * SEC) == 10 * SEC, "after the start period: the interval");
  r = result (t0 + 6 * SEC, 1, "x");
  tap_ok (!dock_health_record (&h, &r) && h.failing_streak == 1 && h.status == DOCK_HEALTH_HEALTHY,
          "healthy: a failure inside the start period counts (only 'starting' is spared)");
  r = result (t0 + 40 * SEC, 2, "x");
  dock_health_record (&h, &r);
  tap_ok (h.failing_streak == 2 && h.status == DOCK_HEALTH_HEALTHY, "two failures: still healthy");
  r = result (t0 + 50 * SEC, 1, "x");
  tap_ok (dock_health_record (&h, &r) && h.status == DOCK_HEALTH_UNHEALTHY && h.failing_streak == 3,
          "the third failure in a row: unhealthy");
  r = result (t0 + 60 * SEC, 1, "x");
  tap_ok (!dock_health_record (&h, &r) && h.failing_streak == 4, "more failures: the streak grows");
  tap_ok (h.n_log == 5 && h.log[0].start_ns == t0 + 4 * SEC, "the log keeps the last five results");
  r = result (t0 + 70 * SEC, 0, "back");
  tap_ok (dock_health_record (&h, &r) && h.status == DOCK_HEALTH_HEALTHY && h.failing_streak == 0,
          "a success resets the streak");
  tap_ok (h.n_log == 5 && h.log[4].start_ns == t0 + 70 * SEC && h.log[0].start_ns == t0 + 6 * SEC,
          "the oldest result is dropped");

  dock_health_config c2 = { 0 };
  dock_health h2;
  dock_health_init (&h2, &c2, t0);
  tap_ok (dock_health_next_delay (&h2, t0) == 30 * SEC && h2.cfg.retries == 3,
          "defaults: interval 30s, retries 3, no start period");
  for (int i = 1; i <= 3; i++)
    {
      r = result (t0 + i * 30 * SEC, 1, "");
      dock_health_record (&h2, &r);
    }
  tap_ok (h2.status == DOCK_HEALTH_UNHEALTHY, "starting goes to unhealthy after three failures past the start period");

  dock_health_result big;
  memset (&big, 0, sizeof big);
  char chunk[1000];
  memset (chunk, 'o', sizeof chunk);
  for (int i = 0; i < 6; i++)
    dock_health_output_append (&big, chunk, sizeof chunk);
  tap_ok (big.output_len == 4096, "output is cut at 4096 bytes");

  dock_health_result to;
  dock_health_result_timeout (&to, &h2, t0, t0 + 30 * SEC);
  tap_ok (to.exit_code == -1 && strcmp (to.output, "Health check exceeded timeout (30s)") == 0,
          "a timeout: exit -1 and docker's message");
  static const struct { int64_t ns; const char *s; } durs[] = {
    { 0, "0s" }, { 1500 * MS, "1.5s" }, { 90 * SEC, "1m30s" }, { 3600 * SEC, "1h0m0s" }, { 500 * MS, "500ms" },
    { 1500, "1.5\xc2\xb5s" }, { 7, "7ns" }, { 3661 * SEC + 100 * MS, "1h1m1.1s" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (durs); i++)
    {
      char b[32];
      dock_go_duration_string (durs[i].ns, b, sizeof b);
      tap_ok (strcmp (b, durs[i].s) == 0, "Go duration %s", durs[i].s);
    }

  dock_health h3;
  dock_health_init (&h3, &cfg, t0);
  r = result (t0 + 123456789, 0, "all <good>\n\t");
  r.end_ns = t0 + SEC;
  dock_health_record (&h3, &r);
  cleanup_free char *json = dock_health_json (&h3);
  tap_ok (strcmp (json, "{\"Status\":\"healthy\",\"FailingStreak\":0,\"Log\":[{\"Start\":\"2026-12-04T19:00:00.123456789Z\","
                        "\"End\":\"2026-12-04T19:00:01Z\",\"ExitCode\":0,\"Output\":\"all \\u003cgood\\u003e\\n\\t\"}]}") == 0,
          "State.Health in docker's JSON shape");
  if (strncmp (json, "{\"Status\"", 9) != 0)
    diag ("%s", json);
  tap_ok (strcmp (dock_health_ps_suffix (DOCK_HEALTH_STARTING), " (health: starting)") == 0
              && strcmp (dock_health_ps_suffix (DOCK_HEALTH_UNHEALTHY), " (unhealthy)") == 0,
          "ps shows (health: starting) and (unhealthy)");
}

/* ---- the loop ---- */

struct loop_seen
{
  int timer, fd, sig, exit_status;
  pid_t exited;
};

static void
on_timer (dock_loop *loop, dock_source *src, uint64_t exp, void *data)
{
  struct loop_seen *s = data;
  s->timer += (int) exp;
  if (s->timer >= 3)
    dock_loop_remove (loop, src);
}

static void
on_fd (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  struct loop_seen *s = data;
  char b[16];
  if (events & EPOLLIN && read (fd, b, sizeof b) > 0)
    s->fd++;
  else
    dock_loop_remove (loop, src);
}

static void
on_sig (dock_loop *loop, int signo, void *data)
{
  (void) loop;
  struct loop_seen *s = data;
  if (signo == SIGUSR1)
    s->sig++;
}

static void
on_exit_cb (dock_loop *loop, dock_source *src, pid_t pid, int status, void *data)
{
  (void) loop, (void) src;
  struct loop_seen *s = data;
  s->exited = pid;
  s->exit_status = status;
}

static void
test_loop (void)
{
  dock_loop *loop = NULL;
  cleanup_error berth_error *err = NULL;
  struct loop_seen seen = { 0 };
  tap_ok (dock_loop_new (&loop, &err) == 0, "loop: created");
  dock_loop_add_timer (loop, 10, 10, on_timer, &seen, &err);
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return;
  dock_loop_add_fd (loop, p[0], EPOLLIN, on_fd, &seen, &err);
  dock_loop_add_signal (loop, SIGUSR1, on_sig, &seen, &err);
  pid_t pid = fork ();
  if (pid == 0)
    {
      usleep (50000);
      _exit (7);
    }
  dock_loop_add_pid (loop, pid, on_exit_cb, &seen, &err);
  pid_t killer = fork ();
  if (killer == 0)
    {
      usleep (20000);
      write (p[1], "x", 1);
      kill (getppid (), SIGUSR1);
      _exit (0);
    }
  close (p[1]);
  tap_ok (dock_loop_run (loop, &err) == 0, "loop: runs until no source is left");
  waitpid (killer, NULL, 0);
  tap_ok (seen.timer >= 3, "loop: a periodic timer fires (%d) and removes itself", seen.timer);
  tap_ok (seen.fd == 1, "loop: a pipe's data arrives; its hang-up removes it");
  tap_ok (seen.sig == 1, "loop: a signal comes through the signalfd");
  tap_ok (seen.exited == pid && WIFEXITED (seen.exit_status) && WEXITSTATUS (seen.exit_status) == 7,
          "loop: the pidfd reports the child's exit status 7");
  close (p[0]);
  dock_loop_free (loop);
  sigset_t cur;
  sigprocmask (SIG_SETMASK, NULL, &cur);
  tap_ok (!sigismember (&cur, SIGUSR1), "loop: freeing it restores the signal mask");
}

int
main (void)
{
  test_detach_keys ();
  test_frames ();
  test_restart_policy_parse ();
  test_restart_backoff ();
  test_health ();
  test_loop ();
  return tap_done ();
}
