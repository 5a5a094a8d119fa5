/* berth ps: the processes of a container, as ps(1) shows them (table) or
   as a JSON list of pids.  Extra arguments go to ps; the lines kept are
   those whose PID column names a process of the container's cgroup. */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int
run_ps (char **args, char **out, berth_error **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return berth_fail (err, errno, "ps: pipe");
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (p[0]);
      close (p[1]);
      return berth_fail (err, errno, "ps: fork");
    }
  if (pid == 0)
    {
      dup2 (p[1], 1);
      execvp ("ps", args);
      dprintf (2, "berth: ps: exec ps: %s\n", strerror (errno));
      _exit (127);
    }
  close (p[1]);
  size_t len;
  int r = cli_read_fd (p[0], out, &len, err);
  close (p[0]);
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    r = berth_fail (err, 0, "ps: ps exited with status %d", WIFEXITED (status) ? WEXITSTATUS (status) : 128);
  return r;
}

static bool
has_pid (const pid_t *pids, size_t n, long pid)
{
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

int
cmd_ps (cli_ctx *ctx, berth_error **err)
{
  const char *format = cli_value (ctx, "format");
  if (format == NULL)
    format = "table";
  if (strcmp (format, "table") && strcmp (format, "json"))
    return berth_fail (err, 0, "ps: unknown format `%s` (use table or json)", format);
  if (strcmp (format, "json") == 0 && ctx->argc > 1)
    return berth_fail (err, 0, "ps: ps arguments cannot be used with --format json");
  cleanup_free pid_t *pids = NULL;
  size_t n;
  if (berth_pids (ctx->lib, ctx->argv[0], &pids, &n, err) < 0)
    return berth_error_wrap (err, "ps");

  if (strcmp (format, "json") == 0)
    {
      printf ("[");
      for (size_t i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int) pids[i]);
      printf ("]\n");
      return 0;
    }

  char *defaults[] = { (char *) "ps", (char *) "-ef", NULL };
  cleanup_free char **args = NULL;
  if (ctx->argc > 1)
    {
      args = xcalloc ((size_t) ctx->argc + 1, sizeof *args);
      args[0] = (char *) "ps";
      for (int i = 1; i < ctx->argc; i++)
        args[i] = ctx->argv[i];
    }
  cleanup_free char *out = NULL;
  if (run_ps (args ? args : defaults, &out, err) < 0)
    return -1;

  /* The PID column's position comes from the header. */
  char *save = NULL;
  char *header = strtok_r (out, "\n", &save);
  if (header == NULL)
    return berth_fail (err, 0, "ps: ps printed nothing");
  int col = -1, i = 0;
  cleanup_free char *h = xstrdup (header);
  char *hs = NULL;
  for (char *f = strtok_r (h, " \t", &hs); f; f = strtok_r (NULL, " \t", &hs), i++)
    if (strcmp (f, "PID") == 0)
      col = i;
  if (col < 0)
    return berth_fail (err, 0, "ps: the ps output has no PID column");
  printf ("%s\n", header);
  for (char *line = strtok_r (NULL, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      cleanup_free char *l = xstrdup (line);
      char *ls = NULL, *f = strtok_r (l, " \t", &ls);
      for (int k = 0; f && k < col; k++)
        f = strtok_r (NULL, " \t", &ls);
      if (f && has_pid (pids, n, strtol (f, NULL, 10)))
        printf ("%s\n", line);
    }
  return 0;
}
