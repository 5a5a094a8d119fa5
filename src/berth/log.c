/* The CLI's log sink for libberth: runc's logrus lines, which containerd's
   shim and podman read from --log, as text (time=.. level=.. msg=..) or json
   ({"level":..,"msg":..,"time":..}); on stderr an error is the one line
   "berth: <what>: <why>" that main.c prints. */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int log_fd = 2;
static bool log_json;
static bool to_stderr = true; /* log_fd is stderr or our copy of it */

/* Where our copy of stderr goes: above any fd a caller passes on
   (--preserve-fds, LISTEN_FDS) in practice. */
#define STDERR_COPY_MIN_FD 256

static const char *const level_names[] = { "error", "warning", "info", "debug" };

static void
write_line (const char *s)
{
  size_t len = strlen (s);
  while (len > 0)
    {
      ssize_t n = write (log_fd, s, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      s += n, len -= (size_t) n;
    }
}

/* RFC 3339 with nanoseconds, UTC. */
static void
stamp_now (char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  size_t n = strftime (buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* logrus's text value: quoted Go-style unless it is one plain word. */
static bool
plain_word (const char *v)
{
  if (*v == '\0')
    return false;
  for (const char *p = v; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr ("-._/@^+", *p)))
      return false;
  return true;
}

static void
put_value (FILE *f, const char *v)
{
  bool quote = !plain_word (v);
  if (quote)
    fputc ('"', f);
  for (const unsigned char *p = (const unsigned char *) v; *p; p++)
    {
      if (quote && (*p == '"' || *p == '\\'))
        fprintf (f, "\\%c", *p);
      else if (quote && *p == '\n')
        fputs ("\\n", f);
      else if (quote && *p == '\t')
        fputs ("\\t", f);
      else if (*p < 0x20 || *p == 0x7f)
        fprintf (f, "\\x%02x", *p);
      else
        fputc (*p, f);
    }
  if (quote)
    fputc ('"', f);
}

void
cli_log (int level, const char *msg)
{
  if (level < 0 || level > BERTH_LOG_DEBUG)
    level = BERTH_LOG_DEBUG;
  char stamp[40];
  stamp_now (stamp, sizeof stamp);
  cleanup_free char *line = NULL;
  if (log_json)
    {
      oci_jw *w = oci_jw_new (0);
      oci_jw_begin_object (w);
      oci_jw_key (w, "level");
      oci_jw_string (w, level_names[level]);
      oci_jw_key (w, "msg");
      oci_jw_string (w, msg);
      oci_jw_key (w, "time");
      oci_jw_string (w, stamp);
      oci_jw_end_object (w);
      cleanup_free char *obj = oci_jw_finish (w, NULL);
      line = xasprintf ("%s\n", obj ? obj : "{}");
    }
  else if (to_stderr && level == BERTH_LOG_ERROR)
    line = xasprintf ("berth: %s\n", msg);
  else
    {
      size_t len = 0;
      FILE *f = open_memstream (&line, &len);
      if (f == NULL)
        return;
      fputs ("time=", f);
      put_value (f, stamp);
      fputs (" level=", f);
      put_value (f, level_names[level]);
      fputs (" msg=", f);
      put_value (f, msg);
      fputc ('\n', f);
      fclose (f);
    }
  write_line (line);
}

static void
sink (void *data, int level, const char *msg)
{
  (void) data;
  cli_log (level, msg);
}

int
cli_log_open (const char *path, const char *format, bool debug, berth_ctx *lib, berth_error **err)
{
  if (format == NULL || strcmp (format, "text") == 0)
    log_json = false;
  else if (strcmp (format, "json") == 0)
    log_json = true;
  else
    return berth_fail (err, 0, "--log-format: unknown format `%s` (use text or json)", format);
  if (path && *path)
    {
      int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
      if (fd < 0)
        return berth_fail (err, errno, "open log file `%s`", path);
      log_fd = fd;
      to_stderr = false;
    }
  else
    {
      /* A close-on-exec copy, which libberth keeps in its children until
         they exec: warnings of an init or an exec'd process whose fds 0-2
         are already the container's (a pty, pipes) still reach our caller,
         not the container's output. */
      int copy = fcntl (2, F_DUPFD_CLOEXEC, STDERR_COPY_MIN_FD);
      if (copy >= 0)
        log_fd = copy;
    }
  berth_ctx_set_log (lib, sink, NULL, debug ? BERTH_LOG_DEBUG : BERTH_LOG_INFO, log_fd > 2 ? log_fd : -1);
  return 0;
}

bool
cli_log_to_file (void)
{
  return !to_stderr;
}

void
cli_log_close (void)
{
  if (log_fd > 2)
    close (log_fd);
  log_fd = 2;
  to_stderr = true;
}
