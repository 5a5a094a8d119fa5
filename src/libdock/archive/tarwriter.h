/* A streaming ustar writer for archives we make (no libarchive: `dock save`
   should not need it, and the entries are few and simple). */
#ifndef DOCK_TARWRITER_H
#define DOCK_TARWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"

int tar_write_dir (int fd, const char *name, berth_error **err);
int tar_write_buffer (int fd, const char *name, const void *buf, size_t len, berth_error **err);
/* Copy size bytes from srcfd as the entry's content. */
int tar_write_fd (int fd, const char *name, int srcfd, int64_t size, berth_error **err);
int tar_finish (int fd, berth_error **err);

#endif
