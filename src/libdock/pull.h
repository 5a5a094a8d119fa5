/* `dock pull`: resolve a reference at a registry (mirrors first for
 * docker.io), choose the platform's manifest, fetch the config and the
 * layers not yet in the store (several at once), unpack each layer as soon
 * as its download completes (on worker threads, while the other downloads
 * go on), and register the image.  Progress goes to the caller's
 * callbacks, always from the calling thread.
 */
#ifndef DOCK_PULL_H
#define DOCK_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "libberth/error.h"
#include "libdock/daemon_json.h"
#include "libdock/ref/reference.h"
#include "libdock/registry/client.h"
#include "libdock/store/store.h"

/* One layer's progress, in docker's words. */
typedef enum
{
  DOCK_PULL_ALREADY_EXISTS,  /* "Already exists" */
  DOCK_PULL_FS_LAYER,        /* "Pulling fs layer" */
  DOCK_PULL_WAITING,         /* "Waiting" */
  DOCK_PULL_DOWNLOADING,     /* "Downloading" current/total */
  DOCK_PULL_RETRYING,        /* "Retrying" */
  DOCK_PULL_VERIFYING,       /* "Verifying Checksum" */
  DOCK_PULL_DOWNLOADED,      /* "Download complete" */
  DOCK_PULL_EXTRACTING,      /* "Extracting" */
  DOCK_PULL_COMPLETE,        /* "Pull complete" */
} dock_pull_state;

typedef struct
{
  /* "latest: Pulling from library/busybox": a manifest was found. */
  void (*pulling) (void *data, const char *tag_or_digest, const char *repository);
  /* id: the first 12 hex digits of the layer's blob digest. */
  void (*layer) (void *data, const char *id, dock_pull_state st, int64_t current, int64_t total);
  /* All of one tag done: digest is what the tag points to (the index's,
     for a multi-platform image); updated false when nothing changed. */
  void (*done) (void *data, const dock_ref *ref, const char *digest, bool updated);
} dock_pull_progress;

typedef struct
{
  dock_registry_opts registry;
  const char *platform; /* "os/arch[/variant]", NULL: the host's */
  bool all_tags;
  size_t max_downloads;   /* 0: 3, docker's max-concurrent-downloads */
  size_t unpack_threads;  /* 0: one per CPU, at most 4 */
  const dock_pull_progress *progress;
  void *data;
} dock_pull_opts;

/* Pull ref (already parsed; a missing tag means "latest" unless all_tags). */
int dock_pull (dock_store *s, const dock_ref *ref, const dock_pull_opts *o, berth_error **err);

/* The registry options from daemon.json (mirrors, insecure registries). */
void dock_pull_registry_opts (const dock_config *cfg, dock_registry_opts *out);

#endif
