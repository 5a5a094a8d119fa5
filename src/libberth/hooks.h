/* OCI hooks: run a list with the container state on stdin, honouring
   args, env and timeout. */
#ifndef BERTH_HOOKS_H
#define BERTH_HOOKS_H

#include <sys/types.h>

#include "error.h"
#include "init.h"
#include "runtime_spec.h"

/* The runtime-spec state document for hooks and `berth state`. */
char *berth_state_document (const char *id, const char *status, pid_t pid, const char *bundle,
                            const oci_spec *spec, const char *rootfs, const char *created, const char *owner);

/* Stop at the first hook that fails (prestart, createRuntime, poststart). */
int berth_hooks_run (oci_hook **hooks, size_t n, const char *kind, const char *state_json, berth_error **err);
/* Run them all, a failure being a warning (poststop: runtime-spec 1.3,
   lifecycle step 13). */
void berth_hooks_run_warn (oci_hook **hooks, size_t n, const char *kind, const char *state_json);
/* From inside the init (createContainer, startContainer): the state's pid is
   the init's pid as the container sees it; cwd_fd, when not -1, is the
   hooks' working directory (the rootfs, for createContainer, as in runc). */
int berth_hooks_run_in_init (const berth_init_ctx *c, oci_hook **hooks, size_t n, const char *kind, int cwd_fd,
                             berth_error **err);

#endif
