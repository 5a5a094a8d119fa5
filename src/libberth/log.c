#include "config.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int log_fd = 2;
static bool log_json;
static bool log_debug;
static bool log_stderr_copy; /* log_fd is a copy of stderr (berth_log_keep_stderr) */

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int
berth_log_init (const char *path, const char *format, bool debug, berth_error **err)
{
  log_debug = debug;
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
        return berth_fail_errno (err, "open log file `%s`", path);
      log_fd = fd;
    }
  return 0;
}

bool
berth_log_to_file (void)
{
  return log_fd != 2;
}

int
berth_log_file_fd (void)
{
  return log_fd != 2 ? log_fd : -1;
}

void
berth_log_close (void)
{
  if (log_fd > 2)
    close (log_fd);
  log_fd = 2;
  log_stderr_copy = false;
}

void
berth_log_keep_stderr (int min_fd)
{
  if (log_fd != 2)
    return;
  int fd = fcntl (2, F_DUPFD_CLOEXEC, min_fd);
  if (fd >= 0)
    {
      log_fd = fd;
      log_stderr_copy = true;
    }
}

/* logrus's text format (what runc writes, and what tools that read runc's
   logs parse): key=value, a value quoted Go-style unless it is one plain word. */
static bool
needs_quoting (const char *v)
{
  if (*v == '\0')
    return true;
  for (const char *p = v; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr ("-._/@^+", *p)))
      return true;
  return false;
}

static void
append_value (char **buf, size_t *len, size_t *cap, const char *v)
{
  bool quote = needs_quoting (v);
  size_t need = *len + 4 * strlen (v) + 4;
  if (need > *cap)
    {
      *cap = need * 2;
      *buf = xrealloc (*buf, *cap);
    }
  char *o = *buf + *len;
  if (quote)
    *o++ = '"';
  for (const unsigned char *p = (const unsigned char *) v; *p; p++)
    {
      if (quote && (*p == '"' || *p == '\\'))
        *o++ = '\\', *o++ = (char) *p;
      else if (quote && *p == '\n')
        *o++ = '\\', *o++ = 'n';
      else if (quote && *p == '\t')
        *o++ = '\\', *o++ = 't';
      else if (*p < 0x20 || *p == 0x7f)
        o += sprintf (o, "\\x%02x", *p);
      else
        *o++ = (char) *p;
    }
  if (quote)
    *o++ = '"';
  *len = (size_t) (o - *buf);
}

static char *
logrus_text_line (const char *stamp, const char *level, const char *msg)
{
  size_t len = 0, cap = 0;
  char *buf = NULL;
  const char *keys[] = { "time", "level", "msg" }, *values[] = { stamp, level, msg };
  for (size_t i = 0; i < 3; i++)
    {
      size_t klen = strlen (keys[i]);
      if (len + klen + 3 > cap)
        {
          cap = (len + klen + 3) * 2;
          buf = xrealloc (buf, cap);
        }
      if (i)
        buf[len++] = ' ';
      memcpy (buf + len, keys[i], klen);
      len += klen;
      buf[len++] = '=';
      append_value (&buf, &len, &cap, values[i]);
    }
  buf = xrealloc (buf, len + 2);
  buf[len++] = '\n';
  buf[len] = '\0';
  return buf;
}

void
berth_log (berth_log_level level, const char *fmt, ...)
{
  if (level == BERTH_LOG_DEBUG && !log_debug)
    return;
  int saved = errno;
  va_list ap;
  cleanup_free char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);

  char stamp[40];
  rfc3339_now (stamp, sizeof stamp);

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
  else if ((log_fd == 2 || log_stderr_copy) && level == BERTH_LOG_ERROR)
    line = xasprintf ("berth: %s\n", msg); /* the one line of a failure (main.c) */
  else
    line = logrus_text_line (stamp, level_names[level], msg);
  (void) write_all (log_fd, line, strlen (line));
  errno = saved;
}
