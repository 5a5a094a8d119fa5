/* docker's image inspect object (the API's ImageInspect, 1.44+: no
   Container/ContainerConfig/VirtualSize), built from the store. */
#ifndef DOCK_INSPECT_H
#define DOCK_INSPECT_H

#include "json.h"
#include "libdock/store/store.h"

int dock_image_inspect_json (dock_store *s, const dock_image_info *img, oci_json **out, berth_error **err);

#endif
