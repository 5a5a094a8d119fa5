/* The exit file: what `dock ps`/`inspect`/`wait` read once the container's
   run ended (State.ExitCode, OOMKilled, FinishedAt, Error). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libberth/error.h"
#include "libberth/util.h"
#include "shim.h"

static void
append (char **buf, size_t *used, size_t *cap, const char *s, size_t len)
{
  if (*used + len + 1 > *cap)
    {
      *cap = (*used + len + 1) * 2;
      *buf = xrealloc (*buf, *cap);
    }
  memcpy (*buf + *used, s, len);
  *used += len;
  (*buf)[*used] = '\0';
}

int
shim_write_file (const char *path, const void *buf, size_t len, berth_error **err)
{
  /* write_file_atomic_at names a file inside a directory. */
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  const char *name = slash ? slash + 1 : path;
  if (slash)
    *slash = '\0';
  cleanup_close int dfd = open (slash ? (*dir ? dir : "/") : ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dfd < 0)
    return berth_fail_errno (err, "open %s", slash ? dir : ".");
  return write_file_atomic_at (dfd, name, buf, len, 0644, err);
}

int
shim_write_exit_file (const char *path, int exit_code, bool oom, int64_t finished_ns, const char *error,
                      int restart_count, bool restarting, berth_error **err)
{
  char when[64];
  dock_time_rfc3339nano (finished_ns, when, sizeof when);
  cleanup_free char *json = NULL;
  size_t used = 0, cap = 0;
  char head[160];
  int n = snprintf (head, sizeof head, "{\"ExitCode\":%d,\"OOMKilled\":%s,\"FinishedAt\":\"%s\",\"Error\":", exit_code,
                    oom ? "true" : "false", when);
  append (&json, &used, &cap, head, (size_t) n);
  const char *e = error ? error : "";
  dock_go_json_string_append (&json, &used, &cap, e, strlen (e));
  n = snprintf (head, sizeof head, ",\"RestartCount\":%d,\"Restarting\":%s}\n", restart_count,
                restarting ? "true" : "false");
  append (&json, &used, &cap, head, (size_t) n);

  return shim_write_file (path, json, used, err);
}
