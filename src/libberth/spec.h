#ifndef BERTH_SPEC_H
#define BERTH_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "runtime_spec.h"

/* The default configuration `berth spec` writes: a busybox-friendly shell
   in fresh namespaces with a read-only rootfs at ./rootfs.  With rootless,
   adjusted so that an unprivileged user can run it in a user namespace. */
oci_spec *berth_spec_default (bool rootless, berth_error **err);
/* Write it to bundle/config.json, refusing to overwrite an existing file. */
int berth_spec_write (const char *bundle, bool rootless, berth_error **err);

/* Read a bundle's config.json: a regular file (not a fifo, a device or a
   symlink to one) of at most OCI_MAX_FILE_SIZE bytes. */
int berth_config_read_at (int dirfd, const char *name, char **text, size_t *len, berth_error **err);

#endif
