/* Image archives: `dock save` writes docker's archive (manifest.json and
   repositories, plus the OCI image layout docker 25+ writes alongside) or
   an OCI archive; `dock load` reads either, and docker's pre-25 layout
   (<id>/layer.tar). */
#ifndef DOCK_ARCHIVE_H
#define DOCK_ARCHIVE_H

#include <stdbool.h>

#include "libdock/store/store.h"

typedef enum
{
  DOCK_ARCHIVE_DOCKER,
  DOCK_ARCHIVE_OCI,
} dock_archive_format;

/* One image to save and the names it is saved under (qualified; none when
   saved by ID). */
typedef struct
{
  dock_image_info *image;
  char **names; /* NULL-terminated */
} dock_save_item;

int dock_save (dock_store *s, const dock_save_item *items, size_t n, dock_archive_format format, int outfd,
               berth_error **err);

/* Called once per image loaded: name is qualified, or NULL for an
   untagged image (then docker prints "Loaded image ID: ..."). */
typedef void (*dock_loaded_fn) (const char *name, const char *image_id, void *data);
/* *empty (may be NULL) is set when the input held no byte at all. */
int dock_load (dock_store *s, int infd, dock_loaded_fn loaded, void *data, bool *empty, berth_error **err);

#endif
