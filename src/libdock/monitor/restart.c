/* docker's restart policies and back-off (see restart.h). */
#include "config.h"

#include "restart.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"

static const struct { const char *name; dock_restart_kind kind; } policies[] = {
  { "no", DOCK_RESTART_NO },
  { "on-failure", DOCK_RESTART_ON_FAILURE },
  { "always", DOCK_RESTART_ALWAYS },
  { "unless-stopped", DOCK_RESTART_UNLESS_STOPPED },
};

int
dock_restart_policy_parse (const char *s, dock_restart_policy *out, berth_error **err)
{
  out->kind = DOCK_RESTART_NO;
  out->max_retry = 0;
  if (*s == '\0')
    return 0;
  const char *colon = strchr (s, ':');
  size_t nlen = colon ? (size_t) (colon - s) : strlen (s);
  if (colon && strchr (colon + 1, ':'))
    return berth_fail (err, 0, "invalid restart policy format: maximum retry count must be an integer");
  if (colon && nlen == 0)
    return berth_fail (err, 0, "invalid restart policy format: no policy provided before colon");
  bool found = false;
  for (size_t i = 0; i < ARRAY_SIZE (policies); i++)
    if (strlen (policies[i].name) == nlen && strncmp (policies[i].name, s, nlen) == 0)
      out->kind = policies[i].kind, found = true;
  if (!found)
    return berth_fail (err, 0,
                       "invalid restart policy: unknown policy '%.*s'; use one of 'no', 'always', 'on-failure', "
                       "or 'unless-stopped'",
                       (int) nlen, s);
  if (colon)
    {
      char *end;
      errno = 0;
      long v = strtol (colon + 1, &end, 10);
      if (colon[1] == '\0' || *end || errno || v > INT_MAX || v < INT_MIN)
        return berth_fail (err, 0, "invalid restart policy format: maximum retry count must be an integer");
      if (out->kind != DOCK_RESTART_ON_FAILURE)
        return berth_fail (err, 0, "invalid restart policy: maximum retry count can only be used with 'on-failure'");
      if (v < 0)
        return berth_fail (err, 0, "invalid restart policy: maximum retry count cannot be negative");
      out->max_retry = (int) v;
    }
  return 0;
}

const char *
dock_restart_policy_name (const dock_restart_policy *p)
{
  for (size_t i = 0; i < ARRAY_SIZE (policies); i++)
    if (policies[i].kind == p->kind)
      return policies[i].name;
  return "no";
}

bool
dock_restart_decide (const dock_restart_policy *p, dock_restart_state *st, int exit_code, bool manually_stopped,
                     int64_t ran_ns, int64_t *delay_ns)
{
  if (p->kind == DOCK_RESTART_NO || st->canceled)
    return false;
  /* The back-off moves on every decision, as docker's manager does. */
  if (ran_ns >= DOCK_RESTART_RESET_RUN_NS)
    st->timeout_ns = 0;
  if (st->timeout_ns == 0)
    st->timeout_ns = DOCK_RESTART_FIRST_DELAY_NS;
  else if (st->timeout_ns < DOCK_RESTART_MAX_DELAY_NS)
    st->timeout_ns *= 2;
  if (st->timeout_ns > DOCK_RESTART_MAX_DELAY_NS)
    st->timeout_ns = DOCK_RESTART_MAX_DELAY_NS;

  bool restart = false;
  switch (p->kind)
    {
    case DOCK_RESTART_ALWAYS:
      restart = true;
      break;
    case DOCK_RESTART_UNLESS_STOPPED:
      restart = !manually_stopped;
      break;
    case DOCK_RESTART_ON_FAILURE:
      if (p->max_retry == 0 || st->restart_count < p->max_retry)
        restart = exit_code != 0;
      break;
    case DOCK_RESTART_NO:
      break;
    }
  if (!restart)
    return false;
  st->restart_count++;
  *delay_ns = st->timeout_ns;
  return true;
}
