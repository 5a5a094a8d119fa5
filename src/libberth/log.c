#include "config.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

/* Process-wide: the children libberth forks log through the same sink. */
static berth_log_fn sink;
static void *sink_data;
static int sink_level = -1;
static int sink_fd = -1;

void
berth_log_set_sink (berth_log_fn fn, void *data, int max_level, int fd)
{
  sink = fn;
  sink_data = data;
  sink_level = fn ? max_level : -1;
  sink_fd = fn ? fd : -1;
}

int
berth_log_file_fd (void)
{
  return sink_fd > 2 ? sink_fd : -1;
}

void
berth_log_close (void)
{
  if (sink_fd > 2)
    close (sink_fd);
  berth_log_set_sink (NULL, NULL, -1, -1);
}

void
berth_log (berth_log_level level, const char *fmt, ...)
{
  if (sink == NULL || (int) level > sink_level)
    return;
  int saved = errno;
  va_list ap;
  cleanup_free char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  sink (sink_data, (int) level, msg);
  errno = saved;
}
