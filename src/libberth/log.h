/* libberth's log: messages go to the sink its owner set on a berth_ctx
   (berth_ctx_set_log), never to a file or fd of libberth's choosing.  The
   berth CLI's sink writes runc's logrus text or json lines (src/berth/log.c),
   which containerd's shim reads. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stdbool.h>

#include "error.h"

/* berth_log_level is public (include/berth/berth.h, via error.h). */

/* The process-wide sink (fn NULL: discard).  fd: what fn writes to, if not
   0-2, else -1 (berth_log_file_fd). */
void berth_log_set_sink (berth_log_fn fn, void *data, int max_level, int fd);
void berth_log (berth_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* The fd the sink writes to when it is a file (kept open in children until
   they exec, and never passed to a container), or -1. */
int berth_log_file_fd (void);
/* In a child that will log no more (the init once create is gone): drop
   the sink and close its file. */
void berth_log_close (void);

#define berth_debug(...) berth_log (BERTH_LOG_DEBUG, __VA_ARGS__)
#define berth_warn(...) berth_log (BERTH_LOG_WARNING, __VA_ARGS__)

#endif
