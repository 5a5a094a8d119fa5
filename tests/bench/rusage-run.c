/* rusage-run [-o FILE] CMD...: run CMD and print "<exit> <wall_us> <cpu_us>
   <maxrss_kib>" for the whole process tree CMD makes, to FILE (default
   stdout).

   The tree is what CMD and its descendants used: the rusage of everything
   that was waited for, plus, for processes CMD leaves running (the init a
   `create` leaves behind), their CPU time so far (schedstat, in ns) and
   their peak RSS (VmHWM).  We are a child subreaper, so those orphans are
   our children when CMD exits.  A C parent keeps the figures free of the
   measuring tool's own CPU and memory: nothing of ours is counted, so the
   cost of the wrapper is the same (zero) for every runtime measured. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Parent pid of PID from /proc/PID/stat, or -1. */
static long
parent_of (long pid)
{
  char path[64], buf[512];
  snprintf (path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return -1;
  size_t n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  char *p = strrchr (buf, ')');
  long ppid = -1;
  if (p && sscanf (p + 2, "%*c %ld", &ppid) != 1)
    ppid = -1;
  return ppid;
}

/* CPU time (ns) of every thread of PID, and its VmHWM (KiB). */
static void
add_live (long pid, unsigned long long *cpu_ns, long *hwm)
{
  char path[96];
  snprintf (path, sizeof path, "/proc/%ld/task", pid);
  DIR *d = opendir (path);
  if (d)
    {
      struct dirent *de;
      while ((de = readdir (d)))
        {
          if (!isdigit ((unsigned char) de->d_name[0]))
            continue;
          char p2[160];
          snprintf (p2, sizeof p2, "/proc/%ld/task/%s/schedstat", pid, de->d_name);
          FILE *f = fopen (p2, "re");
          unsigned long long ns = 0;
          if (f && fscanf (f, "%llu", &ns) == 1)
            *cpu_ns += ns;
          if (f)
            fclose (f);
        }
      closedir (d);
    }
  snprintf (path, sizeof path, "/proc/%ld/status", pid);
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return;
  char line[256];
  long kib;
  while (fgets (line, sizeof line, f))
    if (sscanf (line, "VmHWM: %ld", &kib) == 1 && kib > *hwm)
      *hwm = kib;
  fclose (f);
}

/* Every live descendant of ROOT (the tree left behind), depth first. */
static void
add_descendants (long root, unsigned long long *cpu_ns, long *hwm, int depth)
{
  if (depth > 16)
    return;
  DIR *d = opendir ("/proc");
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (!isdigit ((unsigned char) de->d_name[0]))
        continue;
      long pid = strtol (de->d_name, NULL, 10);
      if (parent_of (pid) != root)
        continue;
      add_live (pid, cpu_ns, hwm);
      add_descendants (pid, cpu_ns, hwm, depth + 1);
    }
  closedir (d);
}

int
main (int argc, char **argv)
{
  const char *out = NULL;
  int first = 1;
  if (argc > 2 && strcmp (argv[1], "-o") == 0)
    {
      out = argv[2];
      first = 3;
    }
  if (first >= argc)
    {
      fprintf (stderr, "usage: rusage-run [-o FILE] CMD...\n");
      return 2;
    }
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  struct timespec a, b;
  clock_gettime (CLOCK_MONOTONIC, &a);
  pid_t pid = fork ();
  if (pid == 0)
    {
      execvp (argv[first], argv + first);
      _exit (127);
    }
  int st = 0;
  while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
    ;
  clock_gettime (CLOCK_MONOTONIC, &b);
  /* Orphans that already exited count as waited-for. */
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
  struct rusage ru;
  getrusage (RUSAGE_CHILDREN, &ru);
  unsigned long long live_ns = 0;
  long hwm = ru.ru_maxrss;
  add_descendants (getpid (), &live_ns, &hwm, 0);

  long wall = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
  long cpu = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec
             + (long) (live_ns / 1000);
  FILE *f = out ? fopen (out, "we") : stdout;
  if (f == NULL)
    return 2;
  fprintf (f, "%d %ld %ld %ld\n", WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st), wall, cpu, hwm);
  return fclose (f) == 0 ? 0 : 2;
}
