/* rusage-run CMD...: run CMD and print "<exit> <wall_us> <cpu_us> <maxrss_kib>"
   for it and everything it waited for.  A C parent keeps the measured peak
   RSS free of the measuring tool's own memory (fork copies it). */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct timespec a, b;
  clock_gettime (CLOCK_MONOTONIC, &a);
  pid_t pid = fork ();
  if (pid == 0)
    {
      execvp (argv[1], argv + 1);
      _exit (127);
    }
  int st = 0;
  struct rusage ru;
  wait4 (pid, &st, 0, &ru);
  clock_gettime (CLOCK_MONOTONIC, &b);
  long wall = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
  long cpu = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
  printf ("%d %ld %ld %ld\n", WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st), wall, cpu, ru.ru_maxrss);
  return 0;
}
