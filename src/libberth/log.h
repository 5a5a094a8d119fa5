/* Logging for --log/--log-format/--debug.  containerd's shim reads the json
   form ({"level":..,"msg":..,"time":..} per line) to report our errors. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stdbool.h>

#include "error.h"

typedef enum
{
  BERTH_LOG_ERROR,
  BERTH_LOG_WARNING,
  BERTH_LOG_INFO,
  BERTH_LOG_DEBUG,
} berth_log_level;

/* path NULL: log to stderr.  format "text" or "json". */
int berth_log_init (const char *path, const char *format, bool debug, berth_error **err);
void berth_log (berth_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* True when log lines go to a file rather than stderr. */
bool berth_log_to_file (void);
/* The fd of the log file, or -1 when logging to stderr. */
int berth_log_file_fd (void);
void berth_log_close (void);
/* For a process about to give fds 0-2 to the container (its terminal, its
   pipes): when logging to stderr, go on logging to a close-on-exec copy of
   it, at min_fd or above, so that warnings reach the runtime's caller
   and not the container's output.  berth_log_close ends it. */
void berth_log_keep_stderr (int min_fd);

#define berth_debug(...) berth_log (BERTH_LOG_DEBUG, __VA_ARGS__)
#define berth_warn(...) berth_log (BERTH_LOG_WARNING, __VA_ARGS__)

#endif
