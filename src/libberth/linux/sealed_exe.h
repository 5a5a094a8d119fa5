/* CVE-2019-5736: until it calls execve, the container's init (and the
   process of `berth exec`) is a clone of berth, so /proc/PID/exe of it is
   berth's binary; and a container program whose interpreter is
   /proc/self/exe (#!/proc/self/exe) is exec'd from that same binary.
   Either way a process in the container could get hold of the host's
   berth and, once no berth runs, open it for writing.  So `create`, `run`
   and `exec` first make /proc/self/exe a file nothing can write: berth's
   binary seen through a read-only, detached bind mount (no copy, no exec),
   or where that is not allowed a sealed in-memory copy berth re-executes
   from. */
#ifndef BERTH_SEALED_EXE_H
#define BERTH_SEALED_EXE_H

#include "../error.h"

/* Return 0 once /proc/self/exe is protected: already (a sealed memfd), or
   after pointing it at a read-only, detached bind mount of itself.  Otherwise copy /proc/self/exe into a memfd, seal it and execve
   it with argv and the environment (so never return but on failure). */
int berth_protect_exe (char **argv, berth_error **err);

#endif
