/* See sealed_exe.h for why.  Two ways to get there, the first preferred:

   1. In place, without an exec: a read-only, detached bind mount of our
      own binary (open_tree + mount_setattr), our file mappings moved onto
      it (the clean ones mapped again from it, the ones the loader wrote to
      replaced by anonymous copies), then /proc/self/exe pointed at it with
      prctl(PR_SET_MM_MAP).  Costs a few syscalls; needs CAP_SYS_ADMIN over
      our mount namespace and kernel 5.12 or later.
   2. Otherwise the old way: copy the binary into a sealed memfd and
      re-execute from it. */
#include "config.h"

#include "sealed_exe.h"
#include "../util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef ST_RDONLY
#define ST_RDONLY 1
#endif

extern char **environ;

/* Set across the re-exec: a copy that does not come out sealed is an
   error, not a loop. */
#define SEALED_ENV "_BERTH_SEALED_EXE"

static const int required_seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

/* A sealed memfd: nothing can write it, ever. */
static bool
is_sealed (int fd)
{
  int seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & required_seals) == required_seals;
}

/* On a read-only mount.  Enough for the detached mount swap_in_place
   makes, which no one can make writable again; not for a binary installed
   on a read-only filesystem, which its admin may remount read-write while
   a container holds an fd. */
static bool
on_read_only_mount (int fd)
{
  struct statfs sf;
  return fstatfs (fd, &sf) == 0 && (sf.f_flags & ST_RDONLY);
}

/* ------------------------------------------------------------ in place */

/* The load bias and the page range of the writable PT_LOAD of the main
   program (the loader writes its relocations there, RELRO included). */
static bool
writable_segment (uintptr_t *lo, uintptr_t *hi)
{
  const ElfW (Phdr) *ph = (const ElfW (Phdr) *) getauxval (AT_PHDR);
  size_t n = getauxval (AT_PHNUM);
  uintptr_t page = (uintptr_t) sysconf (_SC_PAGESIZE);
  if (ph == NULL || n == 0)
    return false;
  uintptr_t bias = 0;
  bool have_bias = false;
  for (size_t i = 0; i < n; i++)
    if (ph[i].p_type == PT_PHDR)
      bias = (uintptr_t) ph - ph[i].p_vaddr, have_bias = true;
  if (!have_bias)
    return false;
  for (size_t i = 0; i < n; i++)
    if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W))
      {
        *lo = (bias + ph[i].p_vaddr) & ~(page - 1);
        *hi = (bias + ph[i].p_vaddr + ph[i].p_filesz + page - 1) & ~(page - 1);
        return true;
      }
  return false;
}

static int
prot_of (const char *perms)
{
  return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* A plain copy of whole pages: the data segment holds the sanitizers'
   redzones between globals, which an instrumented memcpy would refuse to
   read. */
__attribute__ ((no_sanitize_address)) static void
copy_pages (uintptr_t *dst, const volatile uintptr_t *src, size_t len)
{
  for (size_t i = 0; i < len / sizeof *src; i++)
    dst[i] = src[i];
}

/* Replace [lo, hi) by an anonymous copy of itself, atomically (mremap):
   the contents never change under the running program. */
static int
anonymous_copy (uintptr_t lo, uintptr_t hi, int prot)
{
  size_t len = hi - lo;
  void *tmp = mmap (NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (tmp == MAP_FAILED)
    return -1;
  if (prot & PROT_READ)
    copy_pages (tmp, (const uintptr_t *) lo, len);
  if (mprotect (tmp, len, prot) < 0 || mremap (tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *) lo) == MAP_FAILED)
    {
      munmap (tmp, len);
      return -1;
    }
  return 0;
}

/* Every mapping of the file (dev, ino) onto exe: the kernel refuses to
   change /proc/self/exe while the old path is still mapped.  Outside the
   writable segment the mappings hold the file's bytes unchanged (berth is
   position-independent, without text relocations), so mapping the same
   offsets again from exe changes nothing under the running code. */
static int
move_mappings (int exe, dev_t dev, ino_t ino)
{
  uintptr_t wlo = 0, whi = 0;
  if (!writable_segment (&wlo, &whi))
    return -1;
  cleanup_fclose FILE *maps = fopen ("/proc/self/maps", "re");
  if (maps == NULL)
    return -1;
  /* Read all first: remapping changes what the file would show next. */
  struct
  {
    uintptr_t lo, hi;
    unsigned long long off;
    char perms[5];
  } m[32];
  size_t n = 0;
  char line[512];
  while (fgets (line, sizeof line, maps))
    {
      uintptr_t lo, hi;
      unsigned long long off, inode;
      unsigned int maj, mnr;
      char perms[5];
      if (sscanf (line, "%" SCNxPTR "-%" SCNxPTR " %4s %llx %x:%x %llu", &lo, &hi, perms, &off, &maj, &mnr, &inode) != 7)
        continue;
      if (inode != (unsigned long long) ino || makedev (maj, mnr) != dev)
        continue;
      if (n == sizeof m / sizeof m[0])
        return -1;
      m[n].lo = lo, m[n].hi = hi, m[n].off = off;
      memcpy (m[n].perms, perms, sizeof perms);
      n++;
    }
  for (size_t i = 0; i < n; i++)
    {
      int prot = prot_of (m[i].perms);
      if (m[i].hi > wlo && m[i].lo < whi)
        {
          if (anonymous_copy (m[i].lo, m[i].hi, prot) < 0)
            return -1;
        }
      else if (mmap ((void *) m[i].lo, m[i].hi - m[i].lo, prot, MAP_PRIVATE | MAP_FIXED, exe, (off_t) m[i].off)
               == MAP_FAILED)
        return -1;
    }
  return 0;
}

/* Fields 26-28 and 45-51 of /proc/self/stat: what PR_SET_MM_MAP sets
   again along with the exe (we give it back what it has). */
static int
current_mm_map (struct prctl_mm_map *map)
{
  char buf[1024];
  cleanup_close int fd = open ("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ssize_t len = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
  if (len <= 0)
    return -1;
  buf[len] = '\0';
  char *p = strrchr (buf, ')');
  if (p == NULL)
    return -1;
  unsigned long long v[52] = { 0 };
  int field = 3;
  for (p += 2; *p && field < 52; field++)
    {
      char *end;
      if (field != 3)
        v[field] = strtoull (p, &end, 10);
      else
        end = p + 1; /* the state letter */
      p = *end ? end + 1 : end;
    }
  if (field < 52)
    return -1;
  *map = (struct prctl_mm_map){
    .start_code = v[26], .end_code = v[27], .start_stack = v[28], .start_data = v[45], .end_data = v[46],
    .start_brk = v[47], .brk = (uint64_t) syscall (SYS_brk, 0), .arg_start = v[48], .arg_end = v[49],
    .env_start = v[50], .env_end = v[51], .auxv = NULL, .auxv_size = 0, .exe_fd = (uint32_t) -1,
  };
  return 0;
}

static int
swap_in_place (int self)
{
  struct stat st;
  if (fstat (self, &st) < 0)
    return -1;
  cleanup_close int tree = (int) syscall (SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
  if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return -1;
  /* open_tree gives an O_PATH fd; the exe must be a real open file. */
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fd/%d", tree);
  cleanup_close int exe = open (path, O_RDONLY | O_CLOEXEC);
  struct stat est;
  if (exe < 0 || fstat (exe, &est) < 0 || est.st_dev != st.st_dev || est.st_ino != st.st_ino)
    return -1;
  struct prctl_mm_map map;
  if (current_mm_map (&map) < 0 || move_mappings (exe, st.st_dev, st.st_ino) < 0)
    return -1;
  map.exe_fd = (uint32_t) exe;
  if (prctl (PR_SET_MM, PR_SET_MM_MAP, &map, sizeof map, 0) < 0)
    return -1;
  /* The mm holds the exe now; our fds to the mount may go. */
  cleanup_close int check = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  return check >= 0 && on_read_only_mount (check) ? 0 : -1;
}

/* ------------------------------------------------------------- re-exec */

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

static int
reexec_sealed (int self, char **argv, berth_error **err)
{
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

int
berth_protect_exe (char **argv, berth_error **err)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return berth_fail_errno (err, "open /proc/self/exe");
  if (is_sealed (self))
    {
      unsetenv (SEALED_ENV);
      return 0;
    }
  /* _BERTH_EXE_REEXEC=1 forces the fallback (the tests cover both). */
  const char *force = getenv ("_BERTH_EXE_REEXEC");
  if ((force == NULL || strcmp (force, "1") != 0) && swap_in_place (self) == 0)
    return 0;
  return reexec_sealed (self, argv, err);
}
