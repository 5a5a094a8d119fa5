/* Dockerfile instructions applied to an image config (`import --change`):
   CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL,
   ONBUILD.  The config is the image config's "config" object, edited in place. */
#ifndef DOCK_CHANGES_H
#define DOCK_CHANGES_H

#include "json.h"
#include "libberth/error.h"

int dock_apply_change (oci_json *config, const char *change, berth_error **err);

#endif
