/* json-file logs: docker's escaping (written by hand from its jsonlog
   writer's rules, not from another JSON encoder), the line format, the
   16 KiB partial pieces, rotation and compression, the log opts, the time
   formats of --since/--until, and the reader's --tail/--since/--until/-t/
   --details with stdout and stderr kept apart. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "libberth/util.h"
#include "libdock/monitor/jsonlog.h"
#include "tap.h"

#define T0 1796410800LL /* 2026-12-04T19:00:00Z */
#define SEC 1000000000LL

static char *
escape (const char *s, size_t len, bool go)
{
  char *buf = NULL;
  size_t used = 0, cap = 0;
  if (go)
    dock_go_json_string_append (&buf, &used, &cap, s, len);
  else
    dock_json_escape_append (&buf, &used, &cap, s, len);
  buf = xrealloc (buf, used + 1);
  buf[used] = '\0';
  return buf;
}

static void
check_escape (const char *in, size_t len, const char *want, const char *what)
{
  cleanup_free char *got = escape (in, len, false);
  tap_ok (strcmp (got, want) == 0, "escaping: %s", what);
  if (strcmp (got, want) != 0)
    diag ("got %s want %s", got, want);
}

static void
test_escaping (void)
{
  check_escape ("plain text", 10, "\"plain text\"", "printable ASCII is kept");
  check_escape ("a<b>&c", 6, "\"a\\u003cb\\u003e\\u0026c\"", "< > & become \\u003c \\u003e \\u0026");
  check_escape ("q\"b\\", 4, "\"q\\\"b\\\\\"", "quote and backslash get a backslash");
  check_escape ("a\r\n", 3, "\"a\\r\\n\"", "\\r and \\n are short escapes");
  check_escape ("t\tb\bf\f", 6, "\"t\\u0009b\\u0008f\\u000c\"", "tab, \\b and \\f are \\u00XX (docker's writer)");
  check_escape ("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"", "controls below 0x20 are \\u00XX, DEL is kept");
  check_escape ("\0x", 2, "\"\\u0000x\"", "NUL is \\u0000");
  check_escape ("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "valid UTF-8 is kept");
  check_escape ("a\xffz", 3, "\"a\\ufffdz\"", "an invalid byte becomes \\ufffd");
  check_escape ("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"", "an overlong sequence is one \\ufffd per byte");
  check_escape ("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"", "a UTF-16 surrogate is invalid UTF-8");
  check_escape ("x\xc3", 2, "\"x\\ufffd\"", "a sequence cut at the end is \\ufffd");
  check_escape ("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "above U+10FFFF is invalid");
  check_escape ("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"", "U+2028 and U+2029 are escaped");
  cleanup_free char *go = escape ("t\tb\bf\f<", 7, true);
  tap_ok (strcmp (go, "\"t\\tb\\bf\\f\\u003c\"") == 0, "Go encoding/json escaping (inspect) has \\t \\b \\f");
}

static void
test_format (void)
{
  size_t len;
  cleanup_free char *a = dock_jsonlog_format (DOCK_STREAM_STDOUT, "hello", 5, true, NULL, 0, T0 * SEC + 123456789, &len);
  tap_ok (strcmp (a, "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T19:00:00.123456789Z\"}\n") == 0,
          "a stdout line: log with its newline, stream, time with 9 digits");
  cleanup_free char *b = dock_jsonlog_format (DOCK_STREAM_STDERR, "x", 1, false, NULL, 0, T0 * SEC + 120000000, &len);
  tap_ok (strcmp (b, "{\"log\":\"x\",\"stream\":\"stderr\",\"time\":\"2026-12-04T19:00:00.12Z\"}\n") == 0,
          "a partial stderr piece has no newline; the fraction loses its trailing zeros");
  cleanup_free char *c = dock_jsonlog_format (DOCK_STREAM_STDOUT, "", 0, true, NULL, 0, T0 * SEC, &len);
  tap_ok (strcmp (c, "{\"log\":\"\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T19:00:00Z\"}\n") == 0,
          "an empty line; a whole second has no fraction");
  dock_log_attr attrs[] = { { (char *) "a", (char *) "1" }, { (char *) "b", (char *) "x<" } };
  cleanup_free char *d = dock_jsonlog_format (DOCK_STREAM_STDOUT, "l", 1, true, attrs, 2, T0 * SEC, &len);
  tap_ok (strcmp (d, "{\"log\":\"l\\n\",\"stream\":\"stdout\",\"attrs\":{\"a\":\"1\",\"b\":\"x\\u003c\"},"
                     "\"time\":\"2026-12-04T19:00:00Z\"}\n") == 0,
          "attrs come between stream and time");
  cleanup_free char *e = dock_jsonlog_format (DOCK_STREAM_STDOUT, "", 0, false, NULL, 0, T0 * SEC, &len);
  tap_ok (strcmp (e, "{\"stream\":\"stdout\",\"time\":\"2026-12-04T19:00:00Z\"}\n") == 0,
          "an empty partial piece has no log member (omitempty)");
  char ts[64];
  dock_time_rfc3339nano (-1, ts, sizeof ts);
  tap_ok (strcmp (ts, "1969-12-31T23:59:59.999999999Z") == 0, "times before the epoch format right");
  dock_time_rfc3339fixed (T0 * SEC + 5, ts, sizeof ts);
  tap_ok (strcmp (ts, "2026-12-04T19:00:00.000000005Z") == 0, "logs -t keeps 9 digits");
}

static char *
slurp (const char *path, size_t *len)
{
  char *buf = NULL;
  cleanup_error berth_error *err = NULL;
  if (read_file_at (AT_FDCWD, path, &buf, len, &err) < 0)
    return NULL;
  return buf;
}

static size_t
count_lines (const char *s)
{
  size_t n = 0;
  for (; s && *s; s++)
    n += *s == '\n';
  return n;
}

static void
test_copier (const char *dir)
{
  cleanup_free char *path = xasprintf ("%s/copier.log", dir);
  dock_log_opts o;
  cleanup_error berth_error *err = NULL;
  dock_log_opts_parse (NULL, 0, &o, &err);
  dock_jsonlog *w = NULL;
  tap_ok (dock_jsonlog_open (path, &o, &w, &err) == 0, "open a log");
  static dock_log_copier c;
  dock_log_copier_init (&c, w, DOCK_STREAM_STDOUT);
  char *big = xmalloc (DOCK_LOG_PARTIAL_SIZE + 10);
  memset (big, 'a', DOCK_LOG_PARTIAL_SIZE + 10);
  dock_log_copier_feed (&c, big, DOCK_LOG_PARTIAL_SIZE + 10, T0 * SEC, &err);
  dock_log_copier_feed (&c, "b\nnext\ntail", 11, (T0 + 5) * SEC, &err);
  dock_log_copier_flush (&c, (T0 + 9) * SEC, &err);
  free (big);
  dock_jsonlog_close (w);
  size_t len;
  cleanup_free char *s = slurp (path, &len);
  tap_ok (count_lines (s) == 4, "a 16 KiB+ line is two messages, then two more lines (%zu)", count_lines (s));
  char *l1 = s, *l2 = strchr (l1, '\n') + 1, *l3 = strchr (l2, '\n') + 1, *l4 = strchr (l3, '\n') + 1;
  tap_ok (strncmp (l1, "{\"log\":\"aaaa", 12) == 0 && strstr (l1, "a\",\"stream\"") && l2 - l1 == 16384 + 59,
          "the first piece is 16384 bytes without a newline");
  tap_ok (strncmp (l2, "{\"log\":\"aaaaaaaaaab\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T19:00:00Z\"}", 71) == 0,
          "the end of the long line has the newline and the first piece's time");
  tap_ok (strncmp (l3, "{\"log\":\"next\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T19:00:05Z\"}", 64) == 0,
          "the next line has its own time");
  tap_ok (strncmp (l4, "{\"log\":\"tail\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T19:00:09Z\"}", 64) == 0,
          "what is left at EOF is written with a newline appended");
}

static dock_jsonlog *
open_with (const char *path, const char *const *kv, size_t n)
{
  dock_log_opts o;
  cleanup_error berth_error *err = NULL;
  if (dock_log_opts_parse (kv, n, &o, &err) < 0)
    return NULL;
  dock_jsonlog *w = NULL;
  dock_jsonlog_open (path, &o, &w, &err);
  dock_log_opts_clear (&o);
  return w;
}

static void
write_numbered (dock_jsonlog *w, int from, int to)
{
  cleanup_error berth_error *err = NULL;
  for (int i = from; i <= to; i++)
    {
      char line[64];
      int n = snprintf (line, sizeof line, "line %02d", i);
      dock_jsonlog_write (w, i % 3 == 0 ? DOCK_STREAM_STDERR : DOCK_STREAM_STDOUT, line, (size_t) n, true,
                          (T0 + i) * SEC, &err);
    }
}

static bool
exists (const char *dir, const char *name)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, name);
  struct stat st;
  return stat (p, &st) == 0;
}

static void
test_rotation (const char *dir)
{
  /* Each line is 70-odd bytes: with max-size=100 a file takes two. */
  cleanup_free char *path = xasprintf ("%s/rot.log", dir);
  const char *kv[] = { "max-size=100", "max-file=3" };
  dock_jsonlog *w = open_with (path, kv, 2);
  write_numbered (w, 1, 7);
  dock_jsonlog_close (w);
  size_t len;
  cleanup_free char *cur = slurp (path, &len);
  cleanup_free char *p1 = xasprintf ("%s.1", path);
  cleanup_free char *one = slurp (p1, &len);
  cleanup_free char *p2 = xasprintf ("%s.2", path);
  cleanup_free char *two = slurp (p2, &len);
  tap_ok (cur && strstr (cur, "line 07") && count_lines (cur) == 1, "rotation: the current file has the newest line");
  tap_ok (one && strstr (one, "line 05") && strstr (one, "line 06") && count_lines (one) == 2,
          "rotation: file.log.1 the two before (a file passes max-size by one message, as docker's)");
  tap_ok (two && strstr (two, "line 03") && strstr (two, "line 04"), "rotation: file.log.2 the two before those");
  tap_ok (!exists (dir, "rot.log.3"), "rotation: max-file=3 keeps three files");

  cleanup_free char *tpath = xasprintf ("%s/trunc.log", dir);
  const char *kv1[] = { "max-size=100" };
  w = open_with (tpath, kv1, 1);
  write_numbered (w, 1, 3);
  dock_jsonlog_close (w);
  cleanup_free char *t = slurp (tpath, &len);
  tap_ok (t && count_lines (t) == 1 && strstr (t, "line 03") && !exists (dir, "trunc.log.1"),
          "max-file=1 truncates the file instead of rotating");

  cleanup_free char *zpath = xasprintf ("%s/z.log", dir);
  const char *kvz[] = { "max-size=100", "max-file=3", "compress=true" };
  w = open_with (zpath, kvz, 3);
  write_numbered (w, 1, 7);
  dock_jsonlog_close (w);
  tap_ok (exists (dir, "z.log.1.gz") && exists (dir, "z.log.2.gz") && !exists (dir, "z.log.1")
              && !exists (dir, "z.log.3.gz"),
          "compress=true: rotated files are file.log.1.gz, file.log.2.gz");
  cleanup_free char *zp = xasprintf ("%s.1.gz", zpath);
  gzFile gz = gzopen (zp, "rb");
  char buf[4096];
  int n = gz ? gzread (gz, buf, sizeof buf - 1) : -1;
  if (gz)
    gzclose (gz);
  buf[n > 0 ? n : 0] = '\0';
  tap_ok (n > 0 && strstr (buf, "line 05") && strstr (buf, "line 06"), "file.log.1.gz holds the lines of file.log.1");
  size_t zlen;
  cleanup_free char *raw = slurp (zp, &zlen);
  tap_ok (raw && zlen > 10 && (raw[3] & 4) && memmem (raw, zlen, "{\"lastTime\":\"2026-12-04T19:00:06Z\"}", 34),
          "the gzip header's extra field has docker's lastTime");
}

static void
test_opts (void)
{
  dock_log_opts o;
  cleanup_error berth_error *e1 = NULL;
  const char *ok[] = { "max-size=10m", "max-file=3", "compress=true", "labels=a,b", "tag={{.Name}}" };
  tap_ok (dock_log_opts_parse (ok, 5, &o, &e1) == 0 && o.max_size == 10485760 && o.max_file == 3 && o.compress,
          "max-size=10m max-file=3 compress=true");
  int64_t v;
  tap_ok (dock_parse_ram_bytes ("1.5k", &v) == 0 && v == 1536, "1.5k is 1536 bytes");
  tap_ok (dock_parse_ram_bytes ("10MiB", &v) == 0 && v == 10485760, "10MiB");
  tap_ok (dock_parse_ram_bytes ("2g", &v) == 0 && v == 2147483648LL, "2g");
  tap_ok (dock_parse_ram_bytes ("12x", &v) < 0 && dock_parse_ram_bytes ("", &v) < 0
              && dock_parse_ram_bytes ("1e3", &v) < 0 && dock_parse_ram_bytes ("0x10", &v) < 0
              && dock_parse_ram_bytes ("1.2.3m", &v) < 0,
          "bad sizes are refused (no exponents, no hex)");
  struct { const char *kv[2]; size_t n; const char *msg; } bad[] = {
    { { "foo=bar" }, 1, "unknown log opt 'foo' for json-file log driver" },
    { { "max-file=0" }, 1, "max-file cannot be less than 1" },
    { { "max-size=0" }, 1, "max-size must be a positive number" },
    { { "compress=true" }, 1, "compress cannot be true when max-file is less than 2 or max-size is not set" },
    { { "max-size=1m", "compress=true" }, 2,
      "compress cannot be true when max-file is less than 2 or max-size is not set" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_error berth_error *err = NULL;
      int r = dock_log_opts_parse (bad[i].kv, bad[i].n, &o, &err);
      tap_ok (r < 0 && err && strcmp (err->msg, bad[i].msg) == 0, "log opt refused: %s", bad[i].msg);
    }
  cleanup_error berth_error *e2 = NULL;
  tap_ok (dock_log_driver_lookup ("none", &e2) && !dock_log_driver_lookup ("none", &e2)->reads,
          "the none driver does not read");
  tap_ok (dock_log_driver_lookup ("syslog", &e2) == NULL && strcmp (e2->msg, "logger: no log driver named 'syslog' is registered") == 0,
          "an unknown driver gets docker's message");
}

static void
check_time (const char *v, int64_t want, const char *what)
{
  cleanup_error berth_error *err = NULL;
  int64_t got = 0;
  int r = dock_parse_log_time (v, (T0 * SEC) + SEC / 2, &got, &err);
  tap_ok (r == 0 && got == want, "--since %s: %s", v, what);
  if (r != 0 || got != want)
    diag ("got %lld want %lld (%s)", (long long) got, (long long) want, err ? err->msg : "");
}

static void
test_times (void)
{
  setenv ("TZ", "UTC", 1);
  tzset ();
  const int64_t ref = 1136214245LL * SEC; /* 2006-01-02T15:04:05Z */
  check_time ("10m", (T0 - 600) * SEC, "a duration back from now, whole seconds");
  check_time ("1h30m", (T0 - 5400) * SEC, "a compound duration");
  check_time ("1.5s", (T0 - 1) * SEC, "a fractional duration (floored to the second)");
  check_time ("2006-01-02T15:04:05Z", ref, "RFC 3339 in UTC");
  check_time ("2006-01-02T15:04:05.123456789Z", ref + 123456789, "RFC 3339 with nanoseconds");
  check_time ("2006-01-02T15:04:05.5Z", ref + 500000000, "RFC 3339 with a short fraction");
  check_time ("2006-01-02T15:04:05+07:00", ref - 7 * 3600 * SEC, "RFC 3339 with a + offset");
  check_time ("2006-01-02T15:04:05-07:00", ref + 7 * 3600 * SEC, "RFC 3339 with a - offset");
  check_time ("2006-01-02T15:04:05", ref, "a local time (TZ=UTC)");
  check_time ("2006-01-02T15:04", ref - 5 * SEC, "a local time without seconds");
  check_time ("2006-01-02T15", ref - 245 * SEC, "a local hour");
  check_time ("2006-01-02", 1136160000LL * SEC, "a local date");
  check_time ("2006-01-02Z", 1136160000LL * SEC, "a date with a zone");
  check_time ("1136214245", ref, "a Unix timestamp");
  check_time ("1136214245.5", ref + 500000000, "a Unix timestamp with a fraction");
  check_time ("1136214245.000000001", ref + 1, "a Unix timestamp with nanoseconds");
  check_time ("0", 0, "0 is the epoch, not a duration");
  setenv ("TZ", "EST5", 1);
  tzset ();
  check_time ("2006-01-02T15:04:05", ref + 5 * 3600 * SEC, "a local time in the reference's zone (EST5)");
  setenv ("TZ", "UTC", 1);
  tzset ();
  cleanup_error berth_error *e1 = NULL;
  int64_t v;
  tap_ok (dock_parse_log_time ("yesterday", T0 * SEC, &v, &e1) < 0
              && strcmp (e1->msg, "failed to parse value as time or duration: \"yesterday\"") == 0,
          "a word is refused with docker's message");
  cleanup_error berth_error *e2 = NULL;
  tap_ok (dock_parse_log_time ("2006-13-02", T0 * SEC, &v, &e2) < 0, "a bad month is refused");
  cleanup_error berth_error *e3 = NULL;
  tap_ok (dock_parse_log_time ("10x", T0 * SEC, &v, &e3) < 0, "a bad duration unit is refused");
  cleanup_error berth_error *e4 = NULL;
  tap_ok (dock_parse_log_time ("1e3s", T0 * SEC, &v, &e4) < 0, "a duration with an exponent is refused");
}

/* Runs the reader into two memfds and returns what each got. */
static int
read_logs (const char *path, dock_logs_opts *o, char **out, char **errs)
{
  int ofd = memfd_create ("out", MFD_CLOEXEC), efd = memfd_create ("err", MFD_CLOEXEC);
  o->out_fd = ofd;
  o->err_fd = efd;
  cleanup_error berth_error *err = NULL;
  int r = dock_jsonlog_read (path, o, &err);
  if (r < 0)
    diag ("read: %s", err->msg);
  size_t len;
  lseek (ofd, 0, SEEK_SET);
  lseek (efd, 0, SEEK_SET);
  cleanup_error berth_error *e2 = NULL;
  read_all_fd (ofd, out, &len, &e2);
  read_all_fd (efd, errs, &len, &e2);
  close (ofd);
  close (efd);
  return r;
}

static void
test_reader (const char *dir)
{
  cleanup_free char *path = xasprintf ("%s/read.log", dir);
  dock_jsonlog *w = open_with (path, NULL, 0);
  write_numbered (w, 1, 6); /* 3 and 6 on stderr */
  dock_jsonlog_close (w);
  dock_logs_opts o;
  char *out = NULL, *errs = NULL;

  dock_logs_opts_init (&o);
  read_logs (path, &o, &out, &errs);
  tap_ok (strcmp (out, "line 01\nline 02\nline 04\nline 05\n") == 0 && strcmp (errs, "line 03\nline 06\n") == 0,
          "logs: stdout lines to fd 1, stderr lines to fd 2");
  free (out), free (errs);

  dock_logs_opts_init (&o);
  o.tail = 2;
  read_logs (path, &o, &out, &errs);
  tap_ok (strcmp (out, "line 05\n") == 0 && strcmp (errs, "line 06\n") == 0, "--tail 2: the last two messages");
  free (out), free (errs);

  dock_logs_opts_init (&o);
  o.tail = 0;
  read_logs (path, &o, &out, &errs);
  tap_ok (*out == '\0' && *errs == '\0', "--tail 0: nothing");
  free (out), free (errs);

  dock_logs_opts_init (&o);
  o.tail = 100;
  read_logs (path, &o, &out, &errs);
  tap_ok (strcmp (out, "line 01\nline 02\nline 04\nline 05\n") == 0, "--tail past the start: everything");
  free (out), free (errs);

  dock_logs_opts_init (&o);
  o.has_since = o.has_until = true;
  o.since_ns = (T0 + 2) * SEC;
  o.until_ns = (T0 + 4) * SEC;
  read_logs (path, &o, &out, &errs);
  tap_ok (strcmp (out, "line 02\nline 04\n") == 0 && strcmp (errs, "line 03\n") == 0,
          "--since/--until keep the messages inside the range (both ends included)");
  free (out), free (errs);

  dock_logs_opts_init (&o);
  o.timestamps = true;
  o.tail = 1;
  read_logs (path, &o, &out, &errs);
  tap_ok (strcmp (errs, "2026-12-04T19:00:06.000000000Z line 06\n") == 0 && *out == '\0',
          "-t prefixes docker's RFC3339NanoFixed and a space");
  free (out), free (errs);

  dock_logs_opts_init (&o);
  o.details = true;
  o.tail = 1;
  read_logs (path, &o, &out, &errs);
  tap_ok (strcmp (errs, " line 06\n") == 0, "--details without attrs: a leading space, as docker");
  free (out), free (errs);

  cleanup_free char *apath = xasprintf ("%s/attrs.log", dir);
  dock_log_opts ao;
  cleanup_error berth_error *err = NULL;
  dock_log_opts_parse (NULL, 0, &ao, &err);
  dock_log_opts_add_attr (&ao, "zone", "a b");
  dock_log_opts_add_attr (&ao, "app", "x&y");
  dock_jsonlog_open (apath, &ao, &w, &err);
  dock_log_opts_clear (&ao);
  dock_jsonlog_write (w, DOCK_STREAM_STDOUT, "hi \xe2\x80\xa8<", 7, true, T0 * SEC, &err);
  dock_jsonlog_close (w);
  dock_logs_opts_init (&o);
  o.details = true;
  read_logs (apath, &o, &out, &errs);
  tap_ok (strcmp (out, "app=x%26y,zone=a+b hi \xe2\x80\xa8<\n") == 0,
          "--details: attrs sorted, query-escaped; the log line unescaped back to its bytes");
  free (out), free (errs);

  cleanup_free char *rpath = xasprintf ("%s/rtail.log", dir);
  const char *kv[] = { "max-size=100", "max-file=3" };
  w = open_with (rpath, kv, 2);
  write_numbered (w, 1, 7);
  dock_jsonlog_close (w);
  dock_logs_opts_init (&o);
  o.max_file = 3;
  o.tail = 4;
  read_logs (rpath, &o, &out, &errs);
  tap_ok (strcmp (out, "line 04\nline 05\nline 07\n") == 0 && strcmp (errs, "line 06\n") == 0,
          "--tail reaches back into rotated files");
  free (out), free (errs);
  dock_logs_opts_init (&o);
  o.max_file = 3;
  read_logs (rpath, &o, &out, &errs);
  tap_ok (strcmp (out, "line 04\nline 05\nline 07\n") == 0 && strcmp (errs, "line 03\nline 06\n") == 0,
          "all of a rotated log, oldest file first");
  free (out), free (errs);

  cleanup_free char *zpath = xasprintf ("%s/ztail.log", dir);
  const char *kvz[] = { "max-size=100", "max-file=3", "compress=true" };
  w = open_with (zpath, kvz, 3);
  write_numbered (w, 1, 7);
  dock_jsonlog_close (w);
  dock_logs_opts_init (&o);
  o.max_file = 3;
  o.tail = 3;
  read_logs (zpath, &o, &out, &errs);
  tap_ok (strcmp (out, "line 05\nline 07\n") == 0 && strcmp (errs, "line 06\n") == 0,
          "--tail reads gzip'd rotated files too");
  free (out), free (errs);

  dock_logs_opts_init (&o);
  cleanup_free char *missing = xasprintf ("%s/none.log", dir);
  tap_ok (read_logs (missing, &o, &out, &errs) == 0 && *out == '\0', "no log file yet: no output, no error");
  free (out), free (errs);
}

int
main (void)
{
  char dir[] = "/tmp/test-dock-jsonlog-XXXXXX";
  if (!mkdtemp (dir))
    return 1;
  test_escaping ();
  test_format ();
  test_copier (dir);
  test_rotation (dir);
  test_opts ();
  test_times ();
  test_reader (dir);
  cleanup_free char *cmd = xasprintf ("rm -rf '%s'", dir);
  if (system (cmd) != 0)
    diag ("could not remove %s", dir);
  return tap_done ();
}
