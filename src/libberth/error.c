#include "config.h"

#include "error.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
set_message (berth_error **err, int errnum, char *msg)
{
  if (err == NULL || *err != NULL)
    {
      free (msg);
      return -1;
    }
  *err = xcalloc (1, sizeof **err);
  (*err)->errnum = errnum;
  (*err)->msg = msg;
  return -1;
}

int
berth_fail (berth_error **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return set_message (err, errnum, msg);
}

int
berth_fail_take (berth_error **err, int errnum, char *msg)
{
  return set_message (err, errnum, msg);
}

int
berth_error_wrap (berth_error **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  char *prefix = NULL;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    abort ();
  va_end (ap);
  char *msg = xasprintf ("%s: %s", prefix, (*err)->msg);
  free (prefix);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

char *
berth_error_text (const berth_error *err)
{
  if (err->errnum)
    return xasprintf ("%s: %s", err->msg, strerror (err->errnum));
  return xstrdup (err->msg);
}

void
berth_error_free (berth_error *err)
{
  if (err == NULL)
    return;
  free (err->msg);
  free (err);
}

void
berth_error_freep (berth_error **err)
{
  berth_error_free (*err);
  *err = NULL;
}
