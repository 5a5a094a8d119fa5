#ifndef BERTH_SPEC_H
#define BERTH_SPEC_H

#include <stdbool.h>

#include "error.h"
#include "runtime_spec.h"

/* The default configuration `berth spec` writes: a busybox-friendly shell
   in fresh namespaces with a read-only rootfs at ./rootfs.  With rootless,
   adjusted so that an unprivileged user can run it in a user namespace. */
oci_spec *berth_spec_default (bool rootless, berth_error **err);
/* Write it to bundle/config.json, refusing to overwrite an existing file. */
int berth_spec_write (const char *bundle, bool rootless, berth_error **err);

#endif
