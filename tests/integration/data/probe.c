/* probe: make syscalls inside a test container and print what they gave.
 *
 * Built statically by the tests (probe_helper.py) and copied into the
 * bundle, since busybox has no way to call most of these.  Each argument is
 * one operation; each prints one line "OP=RESULT" where RESULT is the return
 * value, or -ERRNO when the call failed:
 *
 *   getppid[:a0,a1,...]  getppid with these raw arguments (the kernel
 *                        ignores them; seccomp rules can look at them)
 *   syscall:NR           the raw syscall number NR, no arguments
 *   syscall32:NR         the i386 syscall NR through int $0x80 (x86_64 only)
 *   unshare-uts          unshare(CLONE_NEWUTS)
 *   unshare-user         unshare(CLONE_NEWUSER)
 *   add-key              add_key("user", "probe", "x", 1, session keyring)
 *   keyctl               keyctl(KEYCTL_GET_KEYRING_ID, session keyring)
 *   ptrace-init          PTRACE_ATTACH to pid 1 (detached again on success)
 *   mount-tmpfs          mount a tmpfs on /tmp (unmounted again)
 *   sigsys-handler       from now on, SIGSYS prints "sigsys=NR" and exits 42
 *   ioprio               ioprio_get of ourselves (class << 13 | data)
 *   personality          personality(0xffffffff), the current persona
 *   keyring-label        the security label of the session keyring (prints
 *                        "keyring-label=LENGTH" and "keyring-label-text TEXT")
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void
report (const char *op, long r)
{
  printf ("%s=%ld\n", op, r < 0 ? -(long) errno : r);
  fflush (stdout);
}

static void
on_sigsys (int sig, siginfo_t *si, void *uc)
{
  (void) sig;
  (void) uc;
  char buf[64];
  int n = snprintf (buf, sizeof buf, "sigsys=%d\n", si->si_syscall);
  write (1, buf, (size_t) n);
  _exit (42);
}

/* A 64-bit process entering the kernel through int $0x80 makes an i386
   syscall: seccomp sees AUDIT_ARCH_I386. */
static long
syscall32 (long nr)
{
#ifdef __x86_64__
  long r;
  __asm__ volatile ("int $0x80" : "=a"(r) : "a"(nr) : "memory", "rcx", "r11", "r8", "r9", "r10");
  if (r < 0 && r > -4096)
    {
      errno = (int) -r;
      return -1;
    }
  return r;
#else
  (void) nr;
  errno = ENOSYS;
  return -1;
#endif
}

static long
raw_getppid (const char *spec)
{
  unsigned long a[6] = { 0 };
  int n = 0;
  while (spec && *spec && n < 6)
    {
      char *end;
      a[n++] = strtoul (spec, &end, 0);
      spec = *end == ',' ? end + 1 : end;
    }
  return syscall (SYS_getppid, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *op = argv[i];
      if (strncmp (op, "getppid", 7) == 0)
        report (op, raw_getppid (op[7] == ':' ? op + 8 : NULL));
      else if (strncmp (op, "syscall32:", 10) == 0)
        report (op, syscall32 (strtol (op + 10, NULL, 0)));
      else if (strncmp (op, "syscall:", 8) == 0)
        report (op, syscall (strtol (op + 8, NULL, 0), 0, 0, 0, 0, 0, 0));
      else if (strcmp (op, "unshare-uts") == 0)
        report (op, unshare (CLONE_NEWUTS));
      else if (strcmp (op, "unshare-user") == 0)
        report (op, unshare (CLONE_NEWUSER));
      else if (strcmp (op, "add-key") == 0)
        report (op, syscall (SYS_add_key, "user", "probe", "x", 1, -3 /* session */));
      else if (strcmp (op, "keyctl") == 0)
        report (op, syscall (SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0));
      else if (strcmp (op, "ptrace-init") == 0)
        {
          long r = ptrace (PTRACE_ATTACH, 1, NULL, NULL);
          int e = errno;
          if (r == 0)
            {
              waitpid (1, NULL, __WALL);
              ptrace (PTRACE_DETACH, 1, NULL, NULL);
            }
          errno = e;
          report (op, r);
        }
      else if (strcmp (op, "mount-tmpfs") == 0)
        {
          long r = mount ("none", "/tmp", "tmpfs", 0, NULL);
          int e = errno;
          if (r == 0)
            umount ("/tmp");
          errno = e;
          report (op, r);
        }
      else if (strcmp (op, "sigsys-handler") == 0)
        {
          struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
          report (op, sigaction (SIGSYS, &sa, NULL));
        }
      else if (strcmp (op, "ioprio") == 0)
        report (op, syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0));
      else if (strcmp (op, "personality") == 0)
        report (op, personality (0xffffffff));
      else if (strcmp (op, "keyring-label") == 0)
        {
          char label[4096] = "";
          long r = syscall (SYS_keyctl, 17 /* KEYCTL_GET_SECURITY */, -3 /* session */, label, sizeof label - 1);
          report (op, r);
          printf ("keyring-label-text %s\n", r > 0 ? label : "");
        }
      else
        {
          fprintf (stderr, "probe: unknown operation %s\n", op);
          return 2;
        }
    }
  return 0;
}
