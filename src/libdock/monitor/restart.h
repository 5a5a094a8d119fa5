/* Restart policies as docker's daemon/restartmanager decides them, as a
   pure function over a small state: no clock, no timers.  The caller (the
   shim) arms a timer for the delay it returns. */
#ifndef DOCK_MONITOR_RESTART_H
#define DOCK_MONITOR_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include "libberth/error.h"

typedef enum
{
  DOCK_RESTART_NO,
  DOCK_RESTART_ON_FAILURE,
  DOCK_RESTART_ALWAYS,
  DOCK_RESTART_UNLESS_STOPPED,
} dock_restart_kind;

typedef struct dock_restart_policy
{
  dock_restart_kind kind;
  int max_retry; /* on-failure:N; 0: no limit */
} dock_restart_policy;

/* docker's back-off: 100 ms, doubled on each restart, at most 1 min; back
   to 100 ms when the container ran 10 s or more. */
#define DOCK_RESTART_FIRST_DELAY_NS 100000000LL
#define DOCK_RESTART_MAX_DELAY_NS 60000000000LL
#define DOCK_RESTART_RESET_RUN_NS 10000000000LL

typedef struct dock_restart_state
{
  int64_t timeout_ns;
  int restart_count;
  bool canceled; /* `dock stop`/`kill`/`rm`: no more restarts */
} dock_restart_state;

/* "no", "on-failure", "on-failure:3", "always", "unless-stopped"; docker's
   messages for the rest ("invalid restart policy: unknown policy 'x'; ...",
   "... maximum retry count must be an integer", "... cannot be negative",
   "... can only be used with 'on-failure'"). */
int dock_restart_policy_parse (const char *s, dock_restart_policy *out, berth_error **err);
/* The name docker shows in HostConfig.RestartPolicy.Name ("" for none). */
const char *dock_restart_policy_name (const dock_restart_policy *p);

/* The container exited with exit_code after running ran_ns.
   manually_stopped: docker's HasBeenManuallyStopped (`dock stop`), which
   only unless-stopped heeds here: a running stop also cancels the state.
   Returns true with *delay_ns when it is to be started again; the state
   advances as docker's (the back-off moves even when no restart follows). */
bool dock_restart_decide (const dock_restart_policy *p, dock_restart_state *st, int exit_code, bool manually_stopped,
                          int64_t ran_ns, int64_t *delay_ns);

#endif
