/* docker's healthcheck state machine (see health.h). */
#include "config.h"

#include "health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonlog.h"
#include "libberth/util.h"

static int64_t
or_default (int64_t v, int64_t def)
{
  return v > 0 ? v : def;
}

void
dock_health_init (dock_health *h, const dock_health_config *cfg, int64_t started_ns)
{
  memset (h, 0, sizeof *h);
  h->cfg.interval_ns = or_default (cfg->interval_ns, DOCK_HEALTH_DEFAULT_INTERVAL_NS);
  h->cfg.timeout_ns = or_default (cfg->timeout_ns, DOCK_HEALTH_DEFAULT_TIMEOUT_NS);
  h->cfg.start_interval_ns = or_default (cfg->start_interval_ns, DOCK_HEALTH_DEFAULT_START_INTERVAL_NS);
  h->cfg.start_period_ns = cfg->start_period_ns > 0 ? cfg->start_period_ns : 0;
  h->cfg.retries = cfg->retries > 0 ? cfg->retries : DOCK_HEALTH_DEFAULT_RETRIES;
  h->started_ns = started_ns;
  h->status = DOCK_HEALTH_STARTING;
}

int64_t
dock_health_next_delay (const dock_health *h, int64_t now_ns)
{
  if (now_ns - h->started_ns >= h->cfg.start_period_ns)
    return h->cfg.interval_ns;
  return h->status == DOCK_HEALTH_STARTING ? h->cfg.start_interval_ns : h->cfg.interval_ns;
}

void
dock_health_output_append (dock_health_result *r, const char *buf, size_t len)
{
  size_t room = DOCK_HEALTH_MAX_OUTPUT - r->output_len;
  if (len > room)
    len = room;
  memcpy (r->output + r->output_len, buf, len);
  r->output_len += len;
  r->output[r->output_len] = '\0';
}

void
dock_go_duration_string (int64_t ns, char *buf, size_t size)
{
  /* Go: under a second in the largest fitting unit with a fraction; else
     h, m and s with the seconds' fraction, zero units inside kept. */
  bool neg = ns < 0;
  uint64_t u = neg ? (uint64_t) -ns : (uint64_t) ns;
  const char *sign = neg ? "-" : "";
  if (u == 0)
    {
      snprintf (buf, size, "0s");
      return;
    }
  char frac[16];
  if (u < 1000000000ULL)
    {
      static const struct { uint64_t div; const char *unit; int digits; } small[] = {
        { 1, "ns", 0 }, { 1000, "\xc2\xb5s", 3 }, { 1000000, "ms", 6 },
      };
      int i = u < 1000 ? 0 : u < 1000000 ? 1 : 2;
      uint64_t whole = u / small[i].div, rest = u % small[i].div;
      frac[0] = '\0';
      if (rest)
        {
          snprintf (frac, sizeof frac, ".%0*llu", small[i].digits, (unsigned long long) rest);
          size_t l = strlen (frac);
          while (frac[l - 1] == '0')
            frac[--l] = '\0';
        }
      snprintf (buf, size, "%s%llu%s%s", sign, (unsigned long long) whole, frac, small[i].unit);
      return;
    }
  uint64_t secs = u / 1000000000ULL, rest = u % 1000000000ULL;
  frac[0] = '\0';
  if (rest)
    {
      snprintf (frac, sizeof frac, ".%09llu", (unsigned long long) rest);
      size_t l = strlen (frac);
      while (frac[l - 1] == '0')
        frac[--l] = '\0';
    }
  uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
  if (h)
    snprintf (buf, size, "%s%lluh%llum%llu%ss", sign, (unsigned long long) h, (unsigned long long) m,
              (unsigned long long) s, frac);
  else if (m)
    snprintf (buf, size, "%s%llum%llu%ss", sign, (unsigned long long) m, (unsigned long long) s, frac);
  else
    snprintf (buf, size, "%s%llu%ss", sign, (unsigned long long) s, frac);
}

void
dock_health_result_timeout (dock_health_result *r, const dock_health *h, int64_t start_ns, int64_t end_ns)
{
  char d[32];
  dock_go_duration_string (h->cfg.timeout_ns, d, sizeof d);
  memset (r, 0, sizeof *r);
  r->start_ns = start_ns;
  r->end_ns = end_ns;
  r->exit_code = -1;
  r->output_len = (size_t) snprintf (r->output, sizeof r->output, "Health check exceeded timeout (%s)", d);
}

bool
dock_health_record (dock_health *h, const dock_health_result *r)
{
  dock_health_status old = h->status;
  if (h->n_log == DOCK_HEALTH_MAX_LOG)
    {
      memmove (h->log, h->log + 1, (DOCK_HEALTH_MAX_LOG - 1) * sizeof h->log[0]);
      h->n_log--;
    }
  h->log[h->n_log++] = *r;
  if (r->exit_code == 0)
    {
      h->failing_streak = 0;
      h->status = DOCK_HEALTH_HEALTHY;
    }
  else
    {
      /* While starting (never healthy yet) a failure inside the start period
         does not count. */
      bool count = !(h->status == DOCK_HEALTH_STARTING && r->start_ns - h->started_ns < h->cfg.start_period_ns);
      if (count && ++h->failing_streak >= h->cfg.retries)
        h->status = DOCK_HEALTH_UNHEALTHY;
    }
  return h->status != old;
}

static const char *const status_names[] = { "starting", "healthy", "unhealthy" };
static const char *const ps_suffixes[] = { " (health: starting)", " (healthy)", " (unhealthy)" };

const char *
dock_health_status_name (dock_health_status s)
{
  return status_names[s];
}

const char *
dock_health_ps_suffix (dock_health_status s)
{
  return ps_suffixes[s];
}

static void
append (char **buf, size_t *used, size_t *cap, const char *s)
{
  size_t l = strlen (s);
  if (*used + l + 1 > *cap)
    {
      while (*used + l + 1 > *cap)
        *cap = *cap ? *cap * 2 : 512;
      *buf = xrealloc (*buf, *cap);
    }
  memcpy (*buf + *used, s, l + 1);
  *used += l;
}

char *
dock_health_json (const dock_health *h)
{
  char *buf = NULL;
  size_t used = 0, cap = 0;
  char tmp[256];
  snprintf (tmp, sizeof tmp, "{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[", status_names[h->status],
            h->failing_streak);
  append (&buf, &used, &cap, tmp);
  for (unsigned i = 0; i < h->n_log; i++)
    {
      const dock_health_result *r = &h->log[i];
      char s[64], e[64];
      dock_time_rfc3339nano (r->start_ns, s, sizeof s);
      dock_time_rfc3339nano (r->end_ns, e, sizeof e);
      snprintf (tmp, sizeof tmp, "%s{\"Start\":\"%s\",\"End\":\"%s\",\"ExitCode\":%d,\"Output\":", i ? "," : "", s,
                e, r->exit_code);
      append (&buf, &used, &cap, tmp);
      dock_go_json_string_append (&buf, &used, &cap, r->output, r->output_len);
      append (&buf, &used, &cap, "}");
    }
  append (&buf, &used, &cap, "]}");
  return buf;
}
