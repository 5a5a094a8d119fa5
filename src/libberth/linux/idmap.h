/* Idmapped bind mounts: mounts[].uidMappings/gidMappings and the `idmap`
   and `ridmap` options.

   The kernel lets a process idmap a mount only when it is privileged over
   the user namespace of the mount's filesystem.  For a host directory that
   means the host's root, never the container's init once it lives in a user
   namespace of its own.  So the runtime prepares these mounts before the
   init exists, as detached trees (open_tree + mount_setattr), and the init
   only attaches them where they belong. */
#ifndef BERTH_IDMAP_H
#define BERTH_IDMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "../error.h"
#include "runtime_spec.h"

/* The text of /proc/PID/uid_map (or gid_map) for these mappings:
   "containerID hostID size\n" per entry, malloc'd. */
char *berth_id_map_text (oci_id_mapping **maps, size_t n);

/* A new user namespace without mappings in the config gets crun's: the
   process's own uid (gid) mapped to the runtime's, one id wide. */
char *berth_default_id_map (const oci_spec *s, bool uid);

/* A user namespace whose only use is to carry these mappings, for
   mount_setattr(MOUNT_ATTR_IDMAP).  Returns an fd of it; nothing runs in
   it any more when this returns. */
int berth_userns_for_maps (oci_id_mapping **uid, size_t nuid, oci_id_mapping **gid, size_t ngid, berth_error **err);

/* For every entry of s->mounts that asks for an idmapping, a detached clone
   of its bind source with the mapping applied (recursively for `ridmap`);
   -1 for the other entries.  *fds is NULL when no entry asks (the common
   case costs nothing).  bundle resolves relative sources.
   With all_binds (a container in a user namespace of its own), every other
   bind source is opened here too, as a plain detached clone: the host's
   root reaches what the container's root may not (a source under a 0700
   directory), and the kernel checks the source only when it is opened. */
int berth_idmap_prepare (const oci_spec *s, const char *bundle, bool all_binds, int **fds, berth_error **err);
void berth_idmap_release (int *fds, size_t n);

#endif
