/* berth events: a container's statistics, once (--stats) or every
   --interval, and an "oom" event whenever the kernel's OOM killer acts in
   its cgroup.  One JSON object per line, as runc prints them:
     {"type":"stats","id":ID,"data":{...}}   {"type":"oom","id":ID}
   The stream ends (status 0) when the container stops or is deleted. */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_INTERVAL_NS (5 * 1000000000LL)

/* A Go duration, as runc takes it: "5s", "250ms", "1m30s", "1.5s". */
static int
parse_duration (const char *s, long long *ns, berth_error **err)
{
  static const struct
  {
    const char *unit;
    double ns;
  } units[] = {
    { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
  };
  double total = 0;
  const char *p = s;
  if (*p == '\0')
    return berth_fail (err, 0, "events: --interval: empty duration");
  while (*p)
    {
      char *end;
      errno = 0;
      double v = strtod (p, &end);
      if (end == p || errno || v < 0 || *p == '+' || *p == '-')
        return berth_fail (err, 0, "events: --interval: `%s` is not a duration (like 5s or 500ms)", s);
      p = end;
      size_t best = 0, best_len = 0;
      for (size_t i = 0; i < ARRAY_SIZE (units); i++)
        {
          size_t l = strlen (units[i].unit);
          if (l > best_len && strncmp (p, units[i].unit, l) == 0)
            best = i, best_len = l;
        }
      if (best_len == 0)
        return berth_fail (err, 0, "events: --interval: `%s` is not a duration (like 5s or 500ms)", s);
      total += v * units[best].ns;
      p += best_len;
    }
  if (total < 1 || total > 1e18)
    return berth_fail (err, 0, "events: --interval: `%s` must be positive", s);
  *ns = (long long) total;
  return 0;
}

static long long
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One event line; data (the statistics' JSON object) goes in as it is. */
static void
emit (const char *type, const char *id, const char *data)
{
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  oci_jw_key (w, "type");
  oci_jw_string (w, type);
  oci_jw_key (w, "id");
  oci_jw_string (w, id);
  oci_jw_end_object (w);
  size_t len = 0;
  cleanup_free char *doc = oci_jw_finish (w, &len);
  if (doc && len > 0)
    {
      doc[len - 1] = '\0'; /* the closing brace */
      printf ("%s%s%s}\n", doc, data ? ",\"data\":" : "", data ? data : "");
      fflush (stdout);
    }
}

/* The statistics now, or -1 with err set once the container is gone. */
static int
emit_stats (cli_ctx *ctx, const char *id, berth_error **err)
{
  cleanup_free char *data = berth_stats_json (ctx->lib, id, err);
  if (data == NULL)
    return -1;
  emit ("stats", id, data);
  return 0;
}

int
cmd_events (cli_ctx *ctx, berth_error **err)
{
  const char *id = ctx->argv[0];
  long long interval = DEFAULT_INTERVAL_NS;
  if (cli_value (ctx, "interval") && parse_duration (cli_value (ctx, "interval"), &interval, err) < 0)
    return -1;
  if (emit_stats (ctx, id, err) < 0)
    return berth_error_wrap (err, "events");
  if (cli_flag (ctx, "stats"))
    return 0;

  /* Without a memory controller there is nothing to watch for OOM; the
     statistics still come. */
  cleanup_error berth_error *oom_err = NULL;
  berth_oom_watch *ow = berth_oom_watch_container (ctx->lib, id, &oom_err);
  long long next = now_ns () + interval;
  for (;;)
    {
      long long now = now_ns ();
      if (now >= next)
        {
          cleanup_error berth_error *gone = NULL;
          if (!berth_alive (ctx->lib, id) || emit_stats (ctx, id, &gone) < 0)
            break;
          next += interval;
          if (next <= now)
            next = now + interval;
          continue;
        }
      long long wait_ms = (next - now + 999999) / 1000000;
      struct pollfd pfd = { .fd = ow ? berth_oom_watch_fd (ow) : -1, .events = POLLIN };
      int n = poll (&pfd, 1, wait_ms > INT32_MAX ? INT32_MAX : (int) wait_ms);
      if (n < 0 && errno != EINTR)
        {
          berth_oom_watch_close (ow);
          return berth_fail (err, errno, "events: poll");
        }
      if (n > 0 && ow)
        {
          bool gone = false;
          for (uint64_t k = berth_oom_watch_read (ow, &gone); k > 0; k--)
            emit ("oom", id, NULL);
          if (gone)
            {
              /* The cgroup went with the container: stop watching. */
              berth_oom_watch_close (ow);
              ow = NULL;
              if (!berth_alive (ctx->lib, id))
                break;
            }
        }
    }
  berth_oom_watch_close (ow);
  return 0;
}
