/* Copying a directory's contents into another (`tmpcopyup`). */
#ifndef BERTH_COPYUP_H
#define BERTH_COPYUP_H

#include "../error.h"

/* Copy what directory src holds into directory dst: files, directories,
   symlinks (as links), fifos, sockets and device nodes, with their modes,
   owners, timestamps and extended attributes.  Nothing is followed: a
   symlink is copied as one, so a link in the source can never make us read
   outside it.  Hard links become separate copies.  An owner the current
   user namespace cannot represent is left to the copier, and an xattr the
   destination refuses is skipped.  what names src in errors. */
int berth_copy_tree (int src, int dst, const char *what, berth_error **err);

#endif
