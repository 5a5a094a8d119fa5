/* Waiting for a foreground process: see foreground.c. */
#ifndef BERTH_FOREGROUND_H
#define BERTH_FOREGROUND_H

#include <sys/types.h>

#include "error.h"

/* Wait for pid (our child) and reap it; *status is its exit status, or
   128+N when signal N killed it.  SIGINT, SIGTERM, SIGHUP, SIGQUIT,
   SIGUSR1/2 and SIGWINCH are passed on meanwhile.  proxy >= 0: a socket on
   which the process's pty master arrives; berth then copies between it and
   its own stdin/stdout (a resize goes to the pty). */
int berth_foreground_wait (pid_t pid, int proxy, int *status, berth_error **err);

#endif
