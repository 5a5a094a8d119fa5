/* Image names as the store keeps them: fully qualified
   ("docker.io/library/busybox:latest", "localhost:5000/x@sha256:...") and as
   docker shows them ("busybox:latest"), on ref/reference.h. */
#ifndef DOCK_STORE_NAMES_H
#define DOCK_STORE_NAMES_H

#include "libberth/error.h"

/* A user's word -> the qualified name with its tag (":latest" added when
   neither tag nor digest is given) or digest.  Bad names get docker's
   "invalid reference format" messages. */
int dock_name_normalize (const char *word, char **out, berth_error **err);
/* A qualified name -> docker's short form. */
char *dock_name_familiar (const char *qualified);
/* Split a qualified "repo:tag" or "repo@digest" at the tag or digest:
   returns the repo (malloc'd); *rest points at the tag or digest in name. */
char *dock_name_split (const char *qualified, const char **rest, char *sep);

#endif
