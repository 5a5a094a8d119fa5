/* Paths of tar entries, checked and resolved inside a layer directory.
   A name is cleaned lexically first (a name that is absolute or climbs out
   with ".." is refused), then its parent directory is opened with
   openat2(RESOLVE_IN_ROOT) (libberth's rootpath), so that no symlink, old or
   planted by an earlier entry, can lead a write outside the layer; the last
   component is then used with *at() calls that never follow it. */
#ifndef DOCK_RESOLVER_H
#define DOCK_RESOLVER_H

#include <stdbool.h>

#include "libberth/error.h"

/* "./a//b/" -> "a/b", "./" -> "" (the layer's root).  what names the entry
   in the error ("tar entry", "hard link target"). */
int dock_layer_clean_path (const char *name, const char *what, char **out, berth_error **err);
/* True when a relative symlink target, read from the link's directory,
   climbs above the layer's root (absolute targets stay inside: they are
   resolved in the container's root). */
bool dock_layer_symlink_escapes (const char *link_path, const char *target);
/* Open (O_PATH) the directory of clean path inside rootfd, creating missing
   parents (0755) when create; *base gets the last component ("" for the
   root itself, then the fd is the root). */
int dock_layer_open_parent (int rootfd, const char *path, bool create, const char **base, berth_error **err);

#endif
