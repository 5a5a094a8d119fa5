/* A minimal TAP producer for the unit tests (read by automake's tap-driver). */
#ifndef BERTH_TAP_H
#define BERTH_TAP_H

#include <stdarg.h>
#include <stdio.h>

/* unused: a file may include this for diag alone. */
static int tap_n __attribute__ ((unused)), tap_failed __attribute__ ((unused));

static inline void __attribute__ ((format (printf, 2, 3)))
tap_ok (int cond, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  printf ("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
  vprintf (fmt, ap);
  printf ("\n");
  va_end (ap);
  if (!cond)
    tap_failed++;
}

/* A TAP comment line, for what a failed test saw. */
static inline void __attribute__ ((format (printf, 1, 2)))
diag (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  printf ("# ");
  vprintf (fmt, ap);
  printf ("\n");
  va_end (ap);
}

static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}

#endif
