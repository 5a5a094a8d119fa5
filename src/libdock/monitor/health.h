/* The healthcheck as docker's daemon/health.go runs it, as pure logic: the
   caller supplies the clock (CLOCK_REALTIME ns), runs the probe and reports
   its result; this decides the status, the failing streak, the log of the
   last 5 results and when the next probe is due. */
#ifndef DOCK_MONITOR_HEALTH_H
#define DOCK_MONITOR_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* docker's defaults (a zero in the config means these). */
#define DOCK_HEALTH_DEFAULT_INTERVAL_NS 30000000000LL
#define DOCK_HEALTH_DEFAULT_TIMEOUT_NS 30000000000LL
#define DOCK_HEALTH_DEFAULT_START_INTERVAL_NS 5000000000LL
#define DOCK_HEALTH_DEFAULT_RETRIES 3
#define DOCK_HEALTH_MAX_LOG 5
#define DOCK_HEALTH_MAX_OUTPUT 4096

typedef enum { DOCK_HEALTH_STARTING, DOCK_HEALTH_HEALTHY, DOCK_HEALTH_UNHEALTHY } dock_health_status;

typedef struct dock_health_config
{
  int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns;
  int retries;
} dock_health_config;

typedef struct dock_health_result
{
  int64_t start_ns, end_ns;
  int exit_code; /* -1: timed out or could not run */
  size_t output_len;
  char output[DOCK_HEALTH_MAX_OUTPUT + 1];
} dock_health_result;

typedef struct dock_health
{
  dock_health_config cfg; /* defaults filled in */
  int64_t started_ns;     /* the container's StartedAt */
  dock_health_status status;
  int failing_streak;
  unsigned n_log;
  dock_health_result log[DOCK_HEALTH_MAX_LOG]; /* oldest first */
} dock_health;

void dock_health_init (dock_health *h, const dock_health_config *cfg, int64_t started_ns);
/* How long after the end of the last probe (or after the start) the next is
   due: the start interval while starting inside the start period, else the
   interval. */
int64_t dock_health_next_delay (const dock_health *h, int64_t now_ns);
/* The probe's output so far: docker keeps the first 4096 bytes. */
void dock_health_output_append (dock_health_result *r, const char *buf, size_t len);
/* A probe killed after the timeout: exit code -1 and docker's message
   "Health check exceeded timeout (30s)". */
void dock_health_result_timeout (dock_health_result *r, const dock_health *h, int64_t start_ns, int64_t end_ns);
/* Applies one result (docker's handleProbeResult); returns true when the
   status changed (the shim then logs a health_status event). */
bool dock_health_record (dock_health *h, const dock_health_result *r);
const char *dock_health_status_name (dock_health_status s);
/* ps's STATUS suffix: " (health: starting)", " (healthy)", " (unhealthy)". */
const char *dock_health_ps_suffix (dock_health_status s);
/* State.Health as docker's inspect shows it:
   {"Status":"healthy","FailingStreak":0,"Log":[{"Start":"...","End":"...","ExitCode":0,"Output":"..."}]}
   malloc'd. */
char *dock_health_json (const dock_health *h);

/* Go's time.Duration.String ("30s", "1m30s", "1.5s", "500ms", "1h0m0s"). */
void dock_go_duration_string (int64_t ns, char *buf, size_t size);

#endif
