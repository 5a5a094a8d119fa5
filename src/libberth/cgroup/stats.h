/* What `berth events` reports: a container's resource usage read from its
 * cgroup files (v1, v2 or hybrid), in the shape of runc's "stats" event
 * data, and notification of OOM kills.  Missing files (a controller the
 * host lacks) leave their fields out rather than failing. */
#ifndef BERTH_CGROUP_STATS_H
#define BERTH_CGROUP_STATS_H

#include <stdint.h>

#include "cgroup.h"
#include "json.h"

/* Write the statistics as one JSON object value:
   {"cpu":{"usage":{..},"throttling":{..}},"memory":{..},"pids":{..},
    "blkio":{..},"hugetlb":{..}} */
void berth_cgroup_stats_write (const berth_cgroup *cg, oci_jw *w);

/* OOM notification: an fd to poll for readability, and a way to learn how
   many OOM events happened since the last call. */
typedef struct berth_oom_watch berth_oom_watch;

/* NULL (with err set) when the cgroup has no memory controller. */
berth_oom_watch *berth_oom_watch_open (const berth_cgroup *cg, berth_error **err);
int berth_oom_watch_fd (const berth_oom_watch *ow);
/* After the fd polled readable: the number of new OOM events (0 for a
   spurious wake-up); *gone is set when the cgroup was removed. */
uint64_t berth_oom_watch_read (berth_oom_watch *ow, bool *gone);
void berth_oom_watch_close (berth_oom_watch *ow);

#endif
