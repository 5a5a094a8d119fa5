/* `dock import`: a rootfs tarball (tar, gzip or zstd) -> a one-layer image. */
#ifndef DOCK_IMPORT_H
#define DOCK_IMPORT_H

#include "libdock/store/store.h"

typedef struct
{
  const char *source;          /* shown in the history: "Imported from <source>" */
  const char *message;         /* -m; replaces that comment */
  char *const *changes;        /* --change "CMD ...", NULL-terminated, may be NULL */
  const char *platform;        /* "os/arch[/variant]", NULL: the host's */
  const char *name;            /* qualified repo:tag, NULL for none */
} dock_import_opts;

/* Read the tarball from fd (a stream: nothing but a pipe's buffer is held
   in memory), store it as a blob, unpack it, write the config and the
   manifest and register the image.  *image_id gets its ID. */
int dock_import (dock_store *s, int fd, const dock_import_opts *opts, char **image_id, berth_error **err);

/* The host's platform as image configs spell it ("amd64", "arm64"...). */
const char *dock_host_arch (void);

#endif
