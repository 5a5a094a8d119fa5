#include "config.h"

#include "unpack.h"
#include "libberth/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

int
dock_layer_remove_tree (int parent, const char *name, berth_error **err)
{
  if (unlinkat (parent, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return berth_fail_errno (err, "remove %s", name);
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : berth_fail_errno (err, "open %s", name);
  cleanup_closedir DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return berth_fail_errno (err, "open %s", name);
    }
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (dock_layer_remove_tree (dirfd (d), de->d_name, err) < 0)
        return -1;
    }
  if (unlinkat (parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return berth_fail_errno (err, "remove %s", name);
  return 0;
}
