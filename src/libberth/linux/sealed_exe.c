#include "config.h"

#include "sealed_exe.h"
#include "../util.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

/* Set across the re-exec: a copy that does not come out sealed is an
   error, not a loop. */
#define SEALED_ENV "_BERTH_SEALED_EXE"

static const int required_seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

static bool
is_sealed (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & required_seals) == required_seals;
}

static int
sealed_copy (int src, berth_error **err)
{
  struct stat st;
  if (fstat (src, &st) < 0)
    return berth_fail_errno (err, "stat /proc/self/exe");
  /* MFD_EXEC: kernels with vm.memfd_noexec make memfds non-executable
     unless asked; older kernels do not know the flag. */
  int fd = memfd_create ("berth", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create ("berth", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return berth_fail_errno (err, "memfd_create (is vm.memfd_noexec 2?)");
  off_t off = 0;
  while (off < st.st_size)
    {
      ssize_t n = sendfile (fd, src, &off, (size_t) (st.st_size - off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int e = n < 0 ? errno : EIO;
          close (fd);
          return berth_fail (err, e, "copy /proc/self/exe");
        }
    }
  if (fcntl (fd, F_ADD_SEALS, required_seals) < 0)
    {
      int e = errno;
      close (fd);
      return berth_fail (err, e, "seal the copy of berth");
    }
  return fd;
}

int
berth_reexec_sealed (char **argv, berth_error **err)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return berth_fail_errno (err, "open /proc/self/exe");
  if (is_sealed (self))
    {
      unsetenv (SEALED_ENV);
      return 0;
    }
  if (getenv (SEALED_ENV))
    return berth_fail (err, 0, "berth re-executed itself from a sealed copy, but /proc/self/exe is not sealed");
  cleanup_close int copy = sealed_copy (self, err);
  if (copy < 0)
    return -1;
  setenv (SEALED_ENV, "1", 1);
  syscall (SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
  int e = errno;
  unsetenv (SEALED_ENV);
  return berth_fail (err, e, "re-execute berth from a sealed copy");
}
