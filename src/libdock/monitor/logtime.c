/* Time formats of docker's logs: Go's RFC3339Nano as json-file writes it,
   RFC3339NanoFixed as `logs -t` prints it, and the --since/--until values
   docker's timetypes package reads. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonlog.h"

#define NS 1000000000LL

static int64_t
floor_div (int64_t a, int64_t b)
{
  return a / b - (a % b < 0);
}

static size_t
format_base (int64_t ns, char *buf, size_t size, long *frac)
{
  time_t sec = (time_t) floor_div (ns, NS);
  *frac = (long) (ns - (int64_t) sec * NS);
  struct tm tm;
  gmtime_r (&sec, &tm);
  return strftime (buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
}

void
dock_time_rfc3339nano (int64_t ns, char *buf, size_t size)
{
  long frac;
  size_t n = format_base (ns, buf, size, &frac);
  if (frac == 0)
    {
      snprintf (buf + n, size - n, "Z");
      return;
    }
  char f[16];
  snprintf (f, sizeof f, "%09ld", frac);
  size_t l = 9;
  while (f[l - 1] == '0')
    l--;
  snprintf (buf + n, size - n, ".%.*sZ", (int) l, f);
}

void
dock_time_rfc3339fixed (int64_t ns, char *buf, size_t size)
{
  long frac;
  size_t n = format_base (ns, buf, size, &frac);
  snprintf (buf + n, size - n, ".%09ldZ", frac);
}

/* ---- a strict reader of the layouts docker's GetTimestamp picks ---- */

typedef struct
{
  const char *s, *end;
} cursor;

static int
digits (cursor *c, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++)
    {
      if (c->s >= c->end || !isdigit ((unsigned char) *c->s))
        return -1;
      v = v * 10 + (*c->s++ - '0');
    }
  *out = v;
  return 0;
}

static int
lit (cursor *c, char ch)
{
  if (c->s >= c->end || *c->s != ch)
    return -1;
  c->s++;
  return 0;
}

/* Days from 1970-01-01 (proleptic Gregorian). */
static int64_t
days_from_civil (int64_t y, unsigned m, unsigned d)
{
  y -= m <= 2;
  int64_t era = floor_div (y, 400);
  unsigned yoe = (unsigned) (y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t) doe - 719468;
}

static int
days_in_month (int y, int m)
{
  static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return dm[m - 1];
}

/* The layout: whether a 'T' part is there, how many of hh:mm:ss, and a
   zone (else the zone offset local_off applies).  A fraction after the
   seconds is always accepted, as Go's parser does. */
typedef struct
{
  bool has_time;
  int fields; /* 1: hh, 2: hh:mm, 3: hh:mm:ss */
  bool zone;
} layout;

static int
parse_layout (const char *s, size_t len, const layout *l, long local_off, int64_t *out)
{
  cursor c = { s, s + len };
  int y, mo, d, h = 0, mi = 0, sec = 0;
  long nsec = 0;
  if (digits (&c, 4, &y) || lit (&c, '-') || digits (&c, 2, &mo) || lit (&c, '-') || digits (&c, 2, &d))
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month (y, mo))
    return -1;
  if (l->has_time)
    {
      if (lit (&c, 'T') || digits (&c, 2, &h))
        return -1;
      if (l->fields >= 2 && (lit (&c, ':') || digits (&c, 2, &mi)))
        return -1;
      if (l->fields >= 3 && (lit (&c, ':') || digits (&c, 2, &sec)))
        return -1;
      if (h > 23 || mi > 59 || sec > 59)
        return -1;
      /* Go accepts a fraction after the seconds whatever the layout says. */
      if (l->fields >= 3 && c.s < c.end && (*c.s == '.' || *c.s == ','))
        {
          c.s++;
          int nd = 0;
          while (c.s < c.end && isdigit ((unsigned char) *c.s))
            {
              if (nd < 9)
                nsec = nsec * 10 + (*c.s - '0');
              nd++;
              c.s++;
            }
          if (nd == 0)
            return -1;
          for (int i = nd; i < 9; i++)
            nsec *= 10;
        }
    }
  long off = local_off;
  if (l->zone)
    {
      if (c.s < c.end && (*c.s == 'Z' || *c.s == 'z'))
        {
          /* Go's Z07:00 takes only 'Z'. */
          if (*c.s == 'z')
            return -1;
          c.s++;
          off = 0;
        }
      else
        {
          if (c.s >= c.end || (*c.s != '+' && *c.s != '-'))
            return -1;
          int sign = *c.s++ == '-' ? -1 : 1, oh, om;
          if (digits (&c, 2, &oh) || lit (&c, ':') || digits (&c, 2, &om))
            return -1;
          off = sign * (oh * 3600L + om * 60L);
        }
    }
  if (c.s != c.end)
    return -1;
  int64_t secs = days_from_civil (y, (unsigned) mo, (unsigned) d) * 86400 + h * 3600 + mi * 60 + sec - off;
  *out = secs * NS + nsec;
  return 0;
}

int
dock_time_parse_rfc3339 (const char *s, size_t len, int64_t *ns)
{
  layout l = { true, 3, true };
  return parse_layout (s, len, &l, 0, ns);
}

/* Go's time.ParseDuration. */
static int
parse_go_duration (const char *s, int64_t *out)
{
  static const struct { const char *unit; int64_t ns; } units[] = {
    { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 }, { "ms", 1000000 },
    { "s", NS }, { "m", 60 * NS }, { "h", 3600 * NS },
  };
  bool neg = false;
  if (*s == '-' || *s == '+')
    neg = *s++ == '-';
  if (strcmp (s, "0") == 0)
    return *out = 0, 0;
  if (!*s)
    return -1;
  double total = 0;
  while (*s)
    {
      if (!isdigit ((unsigned char) *s) && *s != '.')
        return -1;
      /* [0-9]*(\.[0-9]*)? as Go reads it; strtod alone would take "1e3". */
      size_t num = strspn (s, "0123456789.");
      char numbuf[64];
      if (num == 0 || num >= sizeof numbuf || (*s == '.' && !isdigit ((unsigned char) s[1])))
        return -1;
      memcpy (numbuf, s, num);
      numbuf[num] = '\0';
      char *nend;
      double v = strtod (numbuf, &nend);
      if (*nend)
        return -1;
      s += num;
      size_t ul = 0;
      while (s[ul] && !isdigit ((unsigned char) s[ul]) && s[ul] != '.')
        ul++;
      if (ul == 0)
        return -1; /* "missing unit" */
      int64_t mult = 0;
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen (units[i].unit) == ul && strncmp (units[i].unit, s, ul) == 0)
          mult = units[i].ns;
      if (!mult)
        return -1;
      total += v * (double) mult;
      s += ul;
    }
  *out = (int64_t) (neg ? -total : total);
  return 0;
}

/* docker's parseTimestamp: "sec[.frac]", the fraction scaled to ns. */
static int
parse_unix (const char *v, int64_t *out)
{
  const char *dot = strchr (v, '.');
  char *end;
  long long sec = strtoll (v, &end, 10);
  if (end == v || (dot ? end != dot : *end != '\0'))
    return -1;
  long long nsec = 0;
  if (dot)
    {
      const char *f = dot + 1;
      size_t n = strlen (f);
      nsec = strtoll (f, &end, 10);
      if (end == f || *end)
        return -1;
      double scaled = (double) nsec;
      for (size_t i = n; i < 9; i++)
        scaled *= 10;
      for (size_t i = 9; i < n; i++)
        scaled /= 10;
      nsec = (long long) scaled;
    }
  *out = sec * NS + nsec;
  return 0;
}

int
dock_parse_log_time (const char *value, int64_t now_ns, int64_t *out_ns, berth_error **err)
{
  int64_t d;
  if (strcmp (value, "0") != 0 && parse_go_duration (value, &d) == 0)
    {
      /* docker sends whole seconds: reference.Add(-d).Unix(). */
      *out_ns = floor_div (now_ns - d, NS) * NS;
      return 0;
    }
  bool in_location = !(strpbrk (value, "zZ+") != NULL);
  int dashes = 0;
  for (const char *p = value; *p; p++)
    dashes += *p == '-';
  if (dashes == 3)
    in_location = false;
  layout l = { false, 0, !in_location };
  if (strchr (value, '.'))
    l.has_time = true, l.fields = 3;
  else if (strchr (value, 'T'))
    {
      int colons = 0;
      for (const char *p = value; *p; p++)
        colons += *p == ':';
      if (!in_location && !strpbrk (value, "zZ") && colons > 0)
        colons--;
      l.has_time = true;
      l.fields = colons == 0 ? 1 : colons == 1 ? 2 : 3;
    }
  /* The local zone is the reference's (now's) offset, as docker's FixedZone. */
  time_t now_s = (time_t) floor_div (now_ns, NS);
  struct tm tm;
  localtime_r (&now_s, &tm);
  if (parse_layout (value, strlen (value), &l, tm.tm_gmtoff, out_ns) == 0)
    return 0;
  if (strchr (value, '-'))
    return berth_fail (err, 0, "parsing time \"%s\": not an RFC 3339 date or time", value);
  if (parse_unix (value, out_ns) < 0)
    return berth_fail (err, 0, "failed to parse value as time or duration: \"%s\"", value);
  return 0;
}
