/* libFuzzer on the layer unpacker: each input is a layer blob (tar, maybe
   compressed) unpacked into a fresh directory under a private temporary
   base, which is then removed.  Besides crashes and leaks, the check is
   that nothing appears beside the layer directory: no entry may write
   outside it. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libberth/error.h"
#include "libdock/layer/unpack.h"

static char base[] = "/tmp/dock-fuzz-unpack-XXXXXX";
static int basefd = -1;

static int
entries (int dirfd)
{
  DIR *d = fdopendir (dup (dirfd));
  int n = 0;
  for (struct dirent *de; d && (de = readdir (d));)
    n += strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0;
  if (d)
    closedir (d);
  return n;
}

static void
remove_base (void)
{
  rmdir (base);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (basefd < 0)
    {
      if (mkdtemp (base) == NULL)
        abort ();
      basefd = open (base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      atexit (remove_base);
    }
  int fd = memfd_create ("layer", MFD_CLOEXEC);
  if (fd < 0 || write (fd, data, size) != (ssize_t) size || lseek (fd, 0, SEEK_SET) != 0)
    abort ();
  char diff[DOCK_DIGEST_MAX];
  int64_t unpacked;
  berth_error *err = NULL;
  dock_layer_unpack_fd (fd, NULL, basefd, "layer", diff, &unpacked, &err);
  berth_error_free (err);
  close (fd);
  /* Only the layer directory may exist in the base. */
  if (entries (basefd) > 1)
    {
      fprintf (stderr, "an entry was written outside the layer directory\n");
      abort ();
    }
  if (dock_layer_remove_tree (basefd, "layer", NULL) < 0)
    abort ();
  return 0;
}
