/* `dock push`: upload an image of the store (its layers, config and the
 * very manifest bytes it was stored with, so that its digest survives) to
 * the registry its name names.  Blobs the registry has are skipped (HEAD),
 * blobs another repository of the same registry has are mounted from it,
 * the rest are uploaded, monolithic or in chunks.  Progress goes to the
 * caller's callbacks.
 */
#ifndef DOCK_PUSH_H
#define DOCK_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include "libberth/error.h"
#include "libdock/ref/reference.h"
#include "libdock/registry/client.h"
#include "libdock/store/store.h"

typedef enum
{
  DOCK_PUSH_PREPARING, /* "Preparing" */
  DOCK_PUSH_WAITING,   /* "Waiting" */
  DOCK_PUSH_PUSHING,   /* "Pushing" current/total */
  DOCK_PUSH_PUSHED,    /* "Pushed" */
  DOCK_PUSH_EXISTS,    /* "Layer already exists" */
  DOCK_PUSH_MOUNTED,   /* "Mounted from <repository>" */
} dock_push_state;

typedef struct
{
  /* id: the first 12 hex digits of the layer's diff ID, as docker shows. */
  void (*layer) (void *data, const char *id, dock_push_state st, int64_t current, int64_t total, const char *from);
  /* "latest: digest: sha256:... size: 527" */
  void (*done) (void *data, const char *tag, const char *digest, size_t size);
} dock_push_progress;

typedef struct
{
  dock_registry_opts registry;
  bool all_tags;
  /* Blobs up to this size go in one PUT; larger ones in PATCHes of this
     size.  0: DOCK_PUSH_DEFAULT_CHUNK.  -1: always one PUT. */
  int64_t chunk_size;
  const dock_push_progress *progress;
  void *data;
} dock_push_opts;

#define DOCK_PUSH_DEFAULT_CHUNK (64LL << 20)

int dock_push (dock_store *s, const dock_ref *ref, const dock_push_opts *o, berth_error **err);

#endif
