/* docker's json-file log writer, its rotation and its copier (see jsonlog.h). */
#include "config.h"

#include "jsonlog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "libberth/util.h"

static const dock_log_driver log_drivers[] = {
  { "json-file", true, true },
  { "none", false, false },
};

const dock_log_driver *
dock_log_driver_lookup (const char *name, berth_error **err)
{
  for (size_t i = 0; i < ARRAY_SIZE (log_drivers); i++)
    if (strcmp (log_drivers[i].name, name) == 0)
      return &log_drivers[i];
  berth_fail (err, 0, "logger: no log driver named '%s' is registered", name);
  return NULL;
}

/* ------------------------------------------------------------ escaping */

static void
buf_reserve (char **buf, size_t *used, size_t *cap, size_t more)
{
  if (*used + more <= *cap)
    return;
  size_t n = *cap ? *cap : 256;
  while (n < *used + more)
    n *= 2;
  *buf = xrealloc (*buf, n);
  *cap = n;
}

static void
buf_put (char **buf, size_t *used, size_t *cap, const char *s, size_t len)
{
  buf_reserve (buf, used, cap, len);
  memcpy (*buf + *used, s, len);
  *used += len;
}

/* Length of the valid UTF-8 sequence at s (as Go's utf8.DecodeRune accepts
   it: no overlongs, no surrogates, at most U+10FFFF), 0 if invalid; *cp gets
   the code point. */
static size_t
utf8_decode (const unsigned char *s, size_t len, unsigned *cp)
{
  unsigned c = s[0];
  size_t n;
  unsigned min, lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2, min = 0x80, c &= 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    {
      n = 3, min = 0x800, c &= 0x0f;
      if (s[0] == 0xe0)
        lo = 0xa0;
      else if (s[0] == 0xed)
        hi = 0x9f; /* surrogates */
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      n = 4, min = 0x10000, c &= 0x07;
      if (s[0] == 0xf0)
        lo = 0x90;
      else if (s[0] == 0xf4)
        hi = 0x8f;
    }
  else
    return 0;
  if (len < n)
    return 0;
  if (s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if (i > 1 && (s[i] & 0xc0) != 0x80)
        return 0;
      c = (c << 6) | (s[i] & 0x3f);
    }
  if (c < min)
    return 0;
  *cp = c;
  return n;
}

static void
json_escape (char **buf, size_t *used, size_t *cap, const char *str, size_t len, bool go_json)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *) str;
  /* Worst case 6 bytes out per byte in, plus the quotes. */
  buf_reserve (buf, used, cap, len * 6 + 2);
  char *o = *buf + *used;
  *o++ = '"';
  for (size_t i = 0; i < len;)
    {
      unsigned char b = s[i];
      if (b < 0x80)
        {
          if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&')
            *o++ = (char) b;
          else if (b == '\\' || b == '"')
            *o++ = '\\', *o++ = (char) b;
          else if (b == '\n')
            *o++ = '\\', *o++ = 'n';
          else if (b == '\r')
            *o++ = '\\', *o++ = 'r';
          else if (go_json && (b == '\t' || b == '\b' || b == '\f'))
            *o++ = '\\', *o++ = b == '\t' ? 't' : b == '\b' ? 'b' : 'f';
          else
            {
              memcpy (o, "\\u00", 4);
              o += 4;
              *o++ = hex[b >> 4];
              *o++ = hex[b & 0xf];
            }
          i++;
          continue;
        }
      unsigned cp;
      size_t n = utf8_decode (s + i, len - i, &cp);
      if (n == 0)
        {
          memcpy (o, "\\ufffd", 6);
          o += 6;
          i++;
          continue;
        }
      if (cp == 0x2028 || cp == 0x2029)
        {
          memcpy (o, "\\u202", 5);
          o += 5;
          *o++ = hex[cp & 0xf];
        }
      else
        {
          memcpy (o, s + i, n);
          o += n;
        }
      i += n;
    }
  *o++ = '"';
  *used = (size_t) (o - *buf);
}

/* docker's jsonlog writer: only \" \\ \n \r short. */
void
dock_json_escape_append (char **buf, size_t *used, size_t *cap, const char *s, size_t len)
{
  json_escape (buf, used, cap, s, len, false);
}

void
dock_go_json_string_append (char **buf, size_t *used, size_t *cap, const char *s, size_t len)
{
  json_escape (buf, used, cap, s, len, true);
}

static const char *
stream_name (dock_log_stream s)
{
  return s == DOCK_STREAM_STDERR ? "stderr" : "stdout";
}

/* The line into *buf (reused between calls). */
static void
format_line (char **buf, size_t *used, size_t *cap, dock_log_stream stream, const char *line, size_t len,
             bool newline, const dock_log_attr *attrs, size_t n_attrs, int64_t time_ns)
{
  *used = 0;
  buf_put (buf, used, cap, "{", 1);
  bool first = true;
  /* docker omits an empty "log" (an empty partial piece). */
  if (len || newline)
    {
      buf_put (buf, used, cap, "\"log\":", 6);
      if (newline)
        {
          /* Escape line + "\n" in one go without copying the line. */
          dock_json_escape_append (buf, used, cap, line, len);
          (*used)--; /* the closing quote */
          buf_put (buf, used, cap, "\\n\"", 3);
        }
      else
        dock_json_escape_append (buf, used, cap, line, len);
      first = false;
    }
  if (!first)
    buf_put (buf, used, cap, ",", 1);
  buf_put (buf, used, cap, "\"stream\":\"", 10);
  const char *sn = stream_name (stream);
  buf_put (buf, used, cap, sn, strlen (sn));
  buf_put (buf, used, cap, "\"", 1);
  if (n_attrs)
    {
      buf_put (buf, used, cap, ",\"attrs\":{", 10);
      for (size_t i = 0; i < n_attrs; i++)
        {
          if (i)
            buf_put (buf, used, cap, ",", 1);
          dock_json_escape_append (buf, used, cap, attrs[i].key, strlen (attrs[i].key));
          buf_put (buf, used, cap, ":", 1);
          dock_json_escape_append (buf, used, cap, attrs[i].value, strlen (attrs[i].value));
        }
      buf_put (buf, used, cap, "}", 1);
    }
  char ts[64];
  dock_time_rfc3339nano (time_ns, ts, sizeof ts);
  buf_put (buf, used, cap, ",\"time\":\"", 9);
  buf_put (buf, used, cap, ts, strlen (ts));
  buf_put (buf, used, cap, "\"}\n", 3);
}

char *
dock_jsonlog_format (dock_log_stream stream, const char *line, size_t len, bool newline, const dock_log_attr *attrs,
                     size_t n_attrs, int64_t time_ns, size_t *out_len)
{
  char *buf = NULL;
  size_t used = 0, cap = 0;
  format_line (&buf, &used, &cap, stream, line, len, newline, attrs, n_attrs, time_ns);
  buf_put (&buf, &used, &cap, "", 1);
  *out_len = used - 1;
  return buf;
}

/* ------------------------------------------------------------- options */

int
dock_parse_ram_bytes (const char *s, int64_t *out)
{
  /* Digits and dots only: strtod alone would take "1e3" and "0x10". */
  size_t num = strspn (s, "0123456789.");
  if (num == 0 || !(*s >= '0' && *s <= '9'))
    return -1;
  char numbuf[64];
  if (num >= sizeof numbuf)
    return -1;
  memcpy (numbuf, s, num);
  numbuf[num] = '\0';
  char *nend;
  errno = 0;
  double v = strtod (numbuf, &nend);
  if (*nend || errno)
    return -1;
  char *end = (char *) s + num;
  if (*end == ' ')
    end++;
  static const char units[] = "kmgtp";
  double mult = 1;
  if (*end)
    {
      const char *u = strchr (units, (*end | 0x20));
      if (!u || !*u)
        {
          if ((*end | 0x20) != 'b' || end[1])
            return -1;
          end++;
        }
      else
        {
          for (const char *p = units; p <= u; p++)
            mult *= 1024;
          end++;
          if ((*end | 0x20) == 'i')
            end++;
          if ((*end | 0x20) == 'b')
            end++;
        }
    }
  if (*end)
    return -1;
  *out = (int64_t) (v * mult);
  return 0;
}

/* The keys docker's json-file driver accepts. */
static const char *const json_file_opts[] = {
  "max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag",
};

static int
parse_bool (const char *s, bool *out)
{
  /* Go's strconv.ParseBool. */
  static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < ARRAY_SIZE (t); i++)
    {
      if (strcmp (s, t[i]) == 0)
        return *out = true, 0;
      if (strcmp (s, f[i]) == 0)
        return *out = false, 0;
    }
  return -1;
}

int
dock_log_opts_parse (const char *const *kv, size_t n, dock_log_opts *o, berth_error **err)
{
  memset (o, 0, sizeof *o);
  o->max_size = -1;
  o->max_file = 1;
  const char *max_size = NULL, *max_file = NULL, *compress = NULL;
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (kv[i], '=');
      size_t klen = eq ? (size_t) (eq - kv[i]) : strlen (kv[i]);
      const char *v = eq ? eq + 1 : "";
      bool known = false;
      for (size_t j = 0; j < ARRAY_SIZE (json_file_opts); j++)
        if (strlen (json_file_opts[j]) == klen && strncmp (json_file_opts[j], kv[i], klen) == 0)
          known = true;
      if (!known)
        return berth_fail (err, 0, "unknown log opt '%.*s' for json-file log driver", (int) klen, kv[i]);
      if (klen == 8 && strncmp (kv[i], "max-size", 8) == 0)
        max_size = v;
      else if (klen == 8 && strncmp (kv[i], "max-file", 8) == 0)
        max_file = v;
      else if (klen == 8 && strncmp (kv[i], "compress", 8) == 0)
        compress = v;
    }
  if (max_size)
    {
      if (dock_parse_ram_bytes (max_size, &o->max_size) < 0)
        return berth_fail (err, 0, "invalid size: '%s'", max_size);
      if (o->max_size <= 0)
        return berth_fail (err, 0, "max-size must be a positive number");
    }
  if (max_file)
    {
      char *end;
      errno = 0;
      long v = strtol (max_file, &end, 10);
      if (*max_file == '\0' || *end || errno || v > INT_MAX || v < INT_MIN)
        return berth_fail (err, 0, "strconv.Atoi: parsing \"%s\": invalid syntax", max_file);
      if (v < 1)
        return berth_fail (err, 0, "max-file cannot be less than 1");
      o->max_file = (int) v;
    }
  if (compress)
    {
      if (parse_bool (compress, &o->compress) < 0)
        return berth_fail (err, 0, "strconv.ParseBool: parsing \"%s\": invalid syntax", compress);
      if (o->compress && (o->max_file == 1 || o->max_size == -1))
        return berth_fail (err, 0, "compress cannot be true when max-file is less than 2 or max-size is not set");
    }
  return 0;
}

void
dock_log_opts_add_attr (dock_log_opts *o, const char *key, const char *value)
{
  size_t i = 0;
  while (i < o->n_attrs && strcmp (o->attrs[i].key, key) < 0)
    i++;
  if (i < o->n_attrs && strcmp (o->attrs[i].key, key) == 0)
    {
      free (o->attrs[i].value);
      o->attrs[i].value = xstrdup (value);
      return;
    }
  o->attrs = xrealloc (o->attrs, (o->n_attrs + 1) * sizeof *o->attrs);
  memmove (o->attrs + i + 1, o->attrs + i, (o->n_attrs - i) * sizeof *o->attrs);
  o->attrs[i].key = xstrdup (key);
  o->attrs[i].value = xstrdup (value);
  o->n_attrs++;
}

void
dock_log_opts_clear (dock_log_opts *o)
{
  for (size_t i = 0; i < o->n_attrs; i++)
    {
      free (o->attrs[i].key);
      free (o->attrs[i].value);
    }
  free (o->attrs);
  o->attrs = NULL;
  o->n_attrs = 0;
}

/* -------------------------------------------------------------- writer */

struct dock_jsonlog
{
  char *path;
  int fd;
  int64_t size;
  int64_t last_time; /* of the last message, for the gzip header */
  dock_log_opts opts;
  char *buf;
  size_t used, cap;
};

static int
open_log (const char *path, bool truncate, int *fd, int64_t *size, berth_error **err)
{
  int f = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
  if (f < 0)
    return berth_fail_errno (err, "open %s", path);
  struct stat st;
  if (fstat (f, &st) < 0)
    {
      close (f);
      return berth_fail_errno (err, "stat %s", path);
    }
  *fd = f;
  *size = st.st_size;
  return 0;
}

int
dock_jsonlog_open (const char *path, const dock_log_opts *opts, dock_jsonlog **out, berth_error **err)
{
  dock_jsonlog *w = xcalloc (1, sizeof *w);
  if (open_log (path, false, &w->fd, &w->size, err) < 0)
    {
      free (w);
      return -1;
    }
  w->path = xstrdup (path);
  w->opts = *opts;
  w->opts.attrs = NULL;
  w->opts.n_attrs = 0;
  for (size_t i = 0; i < opts->n_attrs; i++)
    dock_log_opts_add_attr (&w->opts, opts->attrs[i].key, opts->attrs[i].value);
  *out = w;
  return 0;
}

void
dock_jsonlog_close (dock_jsonlog *w)
{
  if (!w)
    return;
  if (w->fd >= 0)
    close (w->fd);
  dock_log_opts_clear (&w->opts);
  free (w->path);
  free (w->buf);
  free (w);
}

/* src -> dst.tmp gzip'd with docker's header extra {"lastTime":...}, then
   renamed to dst and src removed: a reader sees either file whole. */
static int
compress_file (const char *src, const char *dst, int64_t last_time, berth_error **err)
{
  cleanup_close int in = open (src, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return berth_fail_errno (err, "open %s", src);
  cleanup_free char *tmp = xasprintf ("%s.tmp", dst);
  cleanup_close int out = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (out < 0)
    return berth_fail_errno (err, "open %s", tmp);
  z_stream zs;
  memset (&zs, 0, sizeof zs);
  if (deflateInit2 (&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return berth_fail (err, ENOMEM, "deflateInit2");
  char ts[64], extra[96];
  dock_time_rfc3339nano (last_time, ts, sizeof ts);
  int elen = snprintf (extra, sizeof extra, "{\"lastTime\":\"%s\"}", ts);
  gz_header hdr;
  memset (&hdr, 0, sizeof hdr);
  hdr.extra = (Bytef *) extra;
  hdr.extra_len = (uInt) elen;
  hdr.os = 3; /* Unix */
  deflateSetHeader (&zs, &hdr);
  int ret = 0;
  unsigned char ibuf[32768], obuf[32768];
  for (int flush = Z_NO_FLUSH; flush != Z_FINISH;)
    {
      ssize_t n = read (in, ibuf, sizeof ibuf);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          ret = berth_fail_errno (err, "read %s", src);
          break;
        }
      flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
      zs.next_in = ibuf;
      zs.avail_in = (uInt) n;
      do
        {
          zs.next_out = obuf;
          zs.avail_out = sizeof obuf;
          deflate (&zs, flush);
          size_t have = sizeof obuf - zs.avail_out;
          if (have && write_all (out, obuf, have) < 0)
            {
              ret = berth_fail_errno (err, "write %s", tmp);
              flush = Z_FINISH;
              break;
            }
        }
      while (zs.avail_out == 0);
    }
  deflateEnd (&zs);
  if (ret == 0 && rename (tmp, dst) < 0)
    ret = berth_fail_errno (err, "rename %s", tmp);
  if (ret < 0)
    {
      unlink (tmp);
      return -1;
    }
  unlink (src);
  return 0;
}

int
dock_jsonlog_rotate (dock_jsonlog *w, berth_error **err)
{
  int maxf = w->opts.max_file;
  if (maxf >= 2)
    {
      const char *ext = w->opts.compress ? ".gz" : "";
      cleanup_free char *last = xasprintf ("%s.%d%s", w->path, maxf - 1, ext);
      if (unlink (last) < 0 && errno != ENOENT)
        return berth_fail_errno (err, "remove %s", last);
      for (int i = maxf - 1; i > 1; i--)
        {
          cleanup_free char *from = xasprintf ("%s.%d%s", w->path, i - 1, ext);
          cleanup_free char *to = xasprintf ("%s.%d%s", w->path, i, ext);
          if (rename (from, to) < 0 && errno != ENOENT)
            return berth_fail_errno (err, "rename %s", from);
        }
      cleanup_free char *first = xasprintf ("%s.1", w->path);
      if (rename (w->path, first) < 0)
        return berth_fail_errno (err, "rename %s", w->path);
      close (w->fd);
      w->fd = -1;
      if (open_log (w->path, true, &w->fd, &w->size, err) < 0)
        return -1;
      if (w->opts.compress)
        {
          /* Synchronous: the shim is single-threaded, and a 10 MB file takes
             some 100 ms of one core; output waits in the pipes meanwhile. */
          cleanup_free char *gz = xasprintf ("%s.1.gz", w->path);
          if (compress_file (first, gz, w->last_time, err) < 0)
            return -1;
        }
      return 0;
    }
  close (w->fd);
  w->fd = -1;
  return open_log (w->path, true, &w->fd, &w->size, err);
}

int
dock_jsonlog_write (dock_jsonlog *w, dock_log_stream stream, const char *line, size_t len, bool newline,
                    int64_t time_ns, berth_error **err)
{
  /* docker checks the capacity before a write: a file may pass max-size by
     one message. */
  if (w->opts.max_size > 0 && w->size >= w->opts.max_size && dock_jsonlog_rotate (w, err) < 0)
    return -1;
  format_line (&w->buf, &w->used, &w->cap, stream, line, len, newline, w->opts.attrs, w->opts.n_attrs, time_ns);
  /* One write per message: a reader never sees half a line unless the disk
     is full. */
  if (write_all (w->fd, w->buf, w->used) < 0)
    return berth_fail_errno (err, "write %s", w->path);
  w->size += (int64_t) w->used;
  w->last_time = time_ns;
  /* Keep the scratch buffer small after a long line. */
  if (w->cap > 65536)
    {
      free (w->buf);
      w->buf = NULL;
      w->cap = 0;
    }
  return 0;
}

/* -------------------------------------------------------------- copier */

void
dock_log_copier_init (dock_log_copier *c, dock_jsonlog *w, dock_log_stream stream)
{
  c->w = w;
  c->stream = stream;
  c->used = 0;
  c->in_partial = false;
  c->partial_time = 0;
}

static int
copier_emit (dock_log_copier *c, const char *p, size_t len, bool newline, int64_t now, berth_error **err)
{
  int64_t t = c->in_partial ? c->partial_time : now;
  if (!newline)
    {
      if (!c->in_partial)
        c->partial_time = t = now;
      c->in_partial = true;
    }
  else
    c->in_partial = false;
  return c->w ? dock_jsonlog_write (c->w, c->stream, p, len, newline, t, err) : 0;
}

int
dock_log_copier_feed (dock_log_copier *c, const char *data, size_t len, int64_t now, berth_error **err)
{
  while (len)
    {
      size_t n = sizeof c->buf - c->used;
      if (n > len)
        n = len;
      memcpy (c->buf + c->used, data, n);
      c->used += n;
      data += n;
      len -= n;
      size_t p = 0;
      for (char *nl; (nl = memchr (c->buf + p, '\n', c->used - p));)
        {
          size_t q = (size_t) (nl - (c->buf + p));
          if (copier_emit (c, c->buf + p, q, true, now, err) < 0)
            return -1;
          p += q + 1;
        }
      if (p == 0 && c->used == sizeof c->buf)
        {
          /* A full buffer without a newline: one partial piece. */
          if (copier_emit (c, c->buf, c->used, false, now, err) < 0)
            return -1;
          c->used = 0;
        }
      else if (p)
        {
          memmove (c->buf, c->buf + p, c->used - p);
          c->used -= p;
        }
    }
  return 0;
}

int
dock_log_copier_flush (dock_log_copier *c, int64_t now, berth_error **err)
{
  if (c->used == 0)
    return 0;
  /* docker logs the rest of the stream at EOF as a whole message (with
     "\n"), stamped now. */
  c->in_partial = false;
  size_t n = c->used;
  c->used = 0;
  return c->w ? dock_jsonlog_write (c->w, c->stream, c->buf, n, true, now, err) : 0;
}
