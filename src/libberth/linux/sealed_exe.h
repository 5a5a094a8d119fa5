/* CVE-2019-5736: until it calls execve, the container's init (and the
   process of `berth exec`) is a clone of berth, so /proc/PID/exe of it is
   berth's binary; and a container program whose interpreter is
   /proc/self/exe (#!/proc/self/exe) is exec'd from that same binary.
   Either way a process in the container could get hold of the host's
   berth and, once no berth runs, open it for writing.  So `create`, `run`
   and `exec` first re-execute berth from a sealed in-memory copy: all
   /proc/PID/exe of theirs can reach is that copy, which nothing can change
   and nothing executes again. */
#ifndef BERTH_SEALED_EXE_H
#define BERTH_SEALED_EXE_H

#include "../error.h"

/* Return 0 when already running from a sealed copy; otherwise copy
   /proc/self/exe into a memfd, seal it and execve it with argv and the
   environment (so never return but on failure). */
int berth_reexec_sealed (char **argv, berth_error **err);

#endif
