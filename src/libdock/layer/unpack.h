/* The layer unpacker and the tree helpers the store shares with it. */
#ifndef DOCK_UNPACK_H
#define DOCK_UNPACK_H

#include <stdint.h>

#include "libberth/error.h"
#include "libdock/ref/digest.h"

/* Unpack the layer blob read from blobfd (tar, possibly compressed; a
   media type we do not know is refused, NULL sniffs) into dirfd/name,
   which must not exist.  diff_id gets the digest of the uncompressed tar,
   *size the bytes of regular files.  On failure dirfd/name may hold part of
   the layer: the caller removes it. */
int dock_layer_unpack_fd (int blobfd, const char *media_type, int dirfd, const char *name,
                          char diff_id[DOCK_DIGEST_MAX], int64_t *size, berth_error **err);

/* Remove dirfd/name and, if a directory, everything under it, never
   following a symlink.  A missing name is not an error. */
int dock_layer_remove_tree (int dirfd, const char *name, berth_error **err);

#endif
