/* `dock logs` on a json-file log: --tail read backwards from the end of the
   newest file(s), --since/--until, -t, --details, and -f following the
   file across rotations with inotify until the container exits. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "jsonlog.h"
#include "libberth/util.h"

void
dock_logs_opts_init (dock_logs_opts *o)
{
  memset (o, 0, sizeof *o);
  o->tail = -1;
  o->exited_fd = -1;
  o->out_fd = 1;
  o->err_fd = 2;
  o->max_file = 1;
}

/* ------------------------------------------------------- one log entry */

typedef struct
{
  char *log;
  size_t log_len, log_cap;
  char *attrs; /* "k=v,k2=v2" query-escaped, for --details */
  size_t attrs_len, attrs_cap;
  dock_log_stream stream;
  int64_t time;
} entry;

typedef struct
{
  const char *s, *end;
} jcur;

static void
ws (jcur *c)
{
  while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\r' || *c->s == '\n'))
    c->s++;
}

static void
put (char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
  if (*len + n + 1 > *cap)
    {
      size_t nc = *cap ? *cap : 256;
      while (nc < *len + n + 1)
        nc *= 2;
      *b = xrealloc (*b, nc);
      *cap = nc;
    }
  memcpy (*b + *len, s, n);
  *len += n;
  (*b)[*len] = '\0';
}

static void
put_utf8 (char **b, size_t *len, size_t *cap, unsigned cp)
{
  char u[4];
  size_t n;
  if (cp < 0x80)
    u[0] = (char) cp, n = 1;
  else if (cp < 0x800)
    u[0] = (char) (0xc0 | (cp >> 6)), u[1] = (char) (0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000)
    u[0] = (char) (0xe0 | (cp >> 12)), u[1] = (char) (0x80 | ((cp >> 6) & 0x3f)),
    u[2] = (char) (0x80 | (cp & 0x3f)), n = 3;
  else
    u[0] = (char) (0xf0 | (cp >> 18)), u[1] = (char) (0x80 | ((cp >> 12) & 0x3f)),
    u[2] = (char) (0x80 | ((cp >> 6) & 0x3f)), u[3] = (char) (0x80 | (cp & 0x3f)), n = 4;
  put (b, len, cap, u, n);
}

static int
hex4 (const char *s, unsigned *out)
{
  unsigned v = 0;
  for (int i = 0; i < 4; i++)
    {
      int c = s[i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= (unsigned) (c - '0');
      else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        v |= (unsigned) ((c | 0x20) - 'a' + 10);
      else
        return -1;
    }
  *out = v;
  return 0;
}

/* A JSON string at c into b (reset first). */
static int
jstring (jcur *c, char **b, size_t *len, size_t *cap)
{
  *len = 0;
  put (b, len, cap, "", 0);
  if (c->s >= c->end || *c->s != '"')
    return -1;
  c->s++;
  while (c->s < c->end && *c->s != '"')
    {
      const char *run = c->s;
      while (c->s < c->end && *c->s != '"' && *c->s != '\\')
        c->s++;
      put (b, len, cap, run, (size_t) (c->s - run));
      if (c->s >= c->end || *c->s == '"')
        break;
      c->s++; /* backslash */
      if (c->s >= c->end)
        return -1;
      char e = *c->s++;
      static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
      const char *p = strchr (from, e);
      if (e && p)
        put (b, len, cap, &to[p - from], 1);
      else if (e == 'u')
        {
          unsigned cp, lo;
          if (c->end - c->s < 4 || hex4 (c->s, &cp) < 0)
            return -1;
          c->s += 4;
          if (cp >= 0xd800 && cp < 0xdc00 && c->end - c->s >= 6 && c->s[0] == '\\' && c->s[1] == 'u'
              && hex4 (c->s + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000)
            {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              c->s += 6;
            }
          else if (cp >= 0xd800 && cp < 0xe000)
            cp = 0xfffd;
          put_utf8 (b, len, cap, cp);
        }
      else
        return -1;
    }
  if (c->s >= c->end)
    return -1;
  c->s++;
  return 0;
}

/* Go's url.QueryEscape. */
static void
query_escape (char **b, size_t *len, size_t *cap, const char *s)
{
  for (; *s; s++)
    {
      unsigned char ch = (unsigned char) *s;
      if (isalnum (ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~')
        put (b, len, cap, (const char *) &ch, 1);
      else if (ch == ' ')
        put (b, len, cap, "+", 1);
      else
        {
          char h[4];
          snprintf (h, sizeof h, "%%%02X", ch);
          put (b, len, cap, h, 3);
        }
    }
}

static int
parse_attrs (jcur *c, entry *e)
{
  cleanup_free char *k = NULL;
  cleanup_free char *v = NULL;
  size_t kl = 0, kc = 0, vl = 0, vc = 0;
  e->attrs_len = 0;
  put (&e->attrs, &e->attrs_len, &e->attrs_cap, "", 0);
  c->s++; /* '{' */
  ws (c);
  if (c->s < c->end && *c->s == '}')
    return c->s++, 0;
  for (;;)
    {
      ws (c);
      if (jstring (c, &k, &kl, &kc) < 0)
        return -1;
      ws (c);
      if (c->s >= c->end || *c->s++ != ':')
        return -1;
      ws (c);
      if (jstring (c, &v, &vl, &vc) < 0)
        return -1;
      /* docker writes the map sorted by key (Go's map marshalling); --details
         prints it in that order. */
      if (e->attrs_len)
        put (&e->attrs, &e->attrs_len, &e->attrs_cap, ",", 1);
      query_escape (&e->attrs, &e->attrs_len, &e->attrs_cap, k);
      put (&e->attrs, &e->attrs_len, &e->attrs_cap, "=", 1);
      query_escape (&e->attrs, &e->attrs_len, &e->attrs_cap, v);
      ws (c);
      if (c->s < c->end && *c->s == ',')
        {
          c->s++;
          continue;
        }
      if (c->s < c->end && *c->s == '}')
        return c->s++, 0;
      return -1;
    }
}

static int
parse_entry (const char *line, size_t len, entry *e)
{
  jcur c = { line, line + len };
  cleanup_free char *key = NULL;
  cleanup_free char *val = NULL;
  size_t kl = 0, kc = 0, vl = 0, vc = 0;
  e->log_len = 0;
  put (&e->log, &e->log_len, &e->log_cap, "", 0);
  e->attrs_len = 0;
  e->stream = DOCK_STREAM_STDOUT;
  e->time = 0;
  ws (&c);
  if (c.s >= c.end || *c.s++ != '{')
    return -1;
  for (;;)
    {
      ws (&c);
      if (c.s < c.end && *c.s == '}')
        return 0;
      if (jstring (&c, &key, &kl, &kc) < 0)
        return -1;
      ws (&c);
      if (c.s >= c.end || *c.s++ != ':')
        return -1;
      ws (&c);
      if (strcmp (key, "attrs") == 0 && c.s < c.end && *c.s == '{')
        {
          if (parse_attrs (&c, e) < 0)
            return -1;
        }
      else if (strcmp (key, "log") == 0)
        {
          if (jstring (&c, &e->log, &e->log_len, &e->log_cap) < 0)
            return -1;
        }
      else
        {
          if (jstring (&c, &val, &vl, &vc) < 0)
            return -1;
          if (strcmp (key, "stream") == 0)
            e->stream = strcmp (val, "stderr") == 0 ? DOCK_STREAM_STDERR : DOCK_STREAM_STDOUT;
          else if (strcmp (key, "time") == 0 && dock_time_parse_rfc3339 (val, vl, &e->time) < 0)
            return -1;
        }
      ws (&c);
      if (c.s < c.end && *c.s == ',')
        c.s++;
    }
}

/* ------------------------------------------------------------- reading */

typedef struct
{
  const dock_logs_opts *o;
  entry e;
  char *buf; /* bytes read but not yet a whole line */
  size_t used, cap;
  bool stop; /* an entry past --until was met */
} reader;

static int
emit (reader *r, const char *line, size_t len, berth_error **err)
{
  if (parse_entry (line, len, &r->e) < 0)
    return 0; /* a torn or foreign line: skipped, as the rest is still good */
  const dock_logs_opts *o = r->o;
  if (o->has_until && r->e.time > o->until_ns)
    {
      r->stop = true;
      return 0;
    }
  if (o->has_since && r->e.time < o->since_ns)
    return 0;
  struct iovec iov[4];
  int n = 0;
  char ts[64];
  if (o->timestamps)
    {
      dock_time_rfc3339fixed (r->e.time, ts, sizeof ts - 1);
      strcat (ts, " ");
      iov[n++] = (struct iovec) { ts, strlen (ts) };
    }
  if (o->details)
    {
      iov[n++] = (struct iovec) { r->e.attrs ? r->e.attrs : (char *) "", r->e.attrs_len };
      iov[n++] = (struct iovec) { (char *) " ", 1 };
    }
  iov[n++] = (struct iovec) { r->e.log, r->e.log_len };
  int fd = r->e.stream == DOCK_STREAM_STDERR ? o->err_fd : o->out_fd;
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += iov[i].iov_len;
  /* One writev per entry keeps a -t prefix with its line; a short write
     (a pipe) falls back to write_all of the pieces. */
  ssize_t w = writev (fd, iov, n);
  if (w < 0 && errno != EINTR)
    return berth_fail_errno (err, "write");
  if (w < 0)
    w = 0;
  if ((size_t) w < total)
    for (int i = 0; i < n; i++)
      {
        if ((size_t) w >= iov[i].iov_len)
          {
            w -= (ssize_t) iov[i].iov_len;
            continue;
          }
        if (write_all (fd, (char *) iov[i].iov_base + w, iov[i].iov_len - (size_t) w) < 0)
          return berth_fail_errno (err, "write");
        w = 0;
      }
  return 0;
}

/* Reads fd from its current offset to EOF, emitting each whole line; what
   follows the last newline stays in r->buf for the next call. */
static int
drain (reader *r, int fd, berth_error **err)
{
  for (;;)
    {
      if (r->stop)
        return 0;
      if (r->cap - r->used < 65536)
        {
          r->cap = r->cap ? r->cap * 2 : 131072;
          r->buf = xrealloc (r->buf, r->cap);
        }
      ssize_t n = read (fd, r->buf + r->used, r->cap - r->used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return berth_fail_errno (err, "read log");
      if (n == 0)
        return 0;
      size_t start = 0, end = r->used + (size_t) n;
      for (char *nl; !r->stop && (nl = memchr (r->buf + start, '\n', end - start));)
        {
          size_t l = (size_t) (nl - (r->buf + start));
          if (emit (r, r->buf + start, l, err) < 0)
            return -1;
          start += l + 1;
        }
      memmove (r->buf, r->buf + start, end - start);
      r->used = end - start;
    }
}

/* Where the last *want lines of fd begin, reading backwards in blocks; *want
   is lowered by the lines found (a file holding fewer gives offset 0). */
static off_t
tail_start (int fd, off_t size, int64_t *want)
{
  char block[8192];
  off_t pos = size;
  bool skip_last = true;
  int64_t found = 0;
  if (*want == 0)
    return size;
  while (pos > 0)
    {
      size_t n = pos > (off_t) sizeof block ? sizeof block : (size_t) pos;
      pos -= (off_t) n;
      ssize_t got = pread (fd, block, n, pos);
      if (got != (ssize_t) n)
        break;
      for (size_t i = n; i-- > 0;)
        {
          if (block[i] != '\n')
            {
              skip_last = false;
              continue;
            }
          if (skip_last)
            {
              /* the newline that ends the file's last line */
              skip_last = false;
              continue;
            }
          if (++found == *want)
            {
              *want = 0;
              return pos + (off_t) i + 1;
            }
        }
    }
  if (size > 0)
    found++; /* the first line has no newline before it */
  *want -= found;
  if (*want < 0)
    *want = 0;
  return 0;
}

/* A rotated file: plain, or gzip'd into an anonymous memfd so that it reads
   like the others. */
static int
open_rotated (const char *path, int idx, berth_error **err)
{
  cleanup_free char *plain = xasprintf ("%s.%d", path, idx);
  int fd = open (plain, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : berth_fail_errno (err, "open %s", plain);
  cleanup_free char *gzp = xasprintf ("%s.%d.gz", path, idx);
  cleanup_close int zfd = open (gzp, O_RDONLY | O_CLOEXEC);
  if (zfd < 0)
    return errno == ENOENT ? -2 : berth_fail_errno (err, "open %s", gzp);
  gzFile gz = gzdopen (steal_fd (&zfd), "rb");
  if (!gz)
    return berth_fail (err, ENOMEM, "gzdopen %s", gzp);
  int mfd = memfd_create ("dock-log", MFD_CLOEXEC);
  if (mfd < 0)
    {
      gzclose (gz);
      return berth_fail_errno (err, "memfd_create");
    }
  char buf[65536];
  int n;
  while ((n = gzread (gz, buf, sizeof buf)) > 0)
    if (write_all (mfd, buf, (size_t) n) < 0)
      {
        gzclose (gz);
        close (mfd);
        return berth_fail_errno (err, "write memfd");
      }
  int bad = n < 0;
  gzclose (gz);
  if (bad)
    {
      close (mfd);
      return berth_fail (err, 0, "%s: corrupt gzip data", gzp);
    }
  lseek (mfd, 0, SEEK_SET);
  return mfd;
}

static bool
same_inode (int fd, const char *path)
{
  struct stat a, b;
  if (fstat (fd, &a) < 0 || stat (path, &b) < 0)
    return false;
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int
follow (reader *r, const char *path, int *cur, berth_error **err)
{
  const dock_logs_opts *o = r->o;
  cleanup_close int in = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0)
    return berth_fail_errno (err, "inotify_init1");
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  if (slash == dir)
    slash[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    strcpy (dir, ".");
  /* The directory tells of the new file.log a rotation creates; the file's
     own watch of writes to it.  Both are checked against the inode on every
     wake, so an event lost in a race costs at most one poll timeout. */
  if (inotify_add_watch (in, dir, IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0)
    return berth_fail_errno (err, "inotify_add_watch %s", dir);
  if (*cur >= 0)
    inotify_add_watch (in, path, IN_MODIFY);
  bool exiting = false;
  for (;;)
    {
      if (*cur >= 0)
        {
          struct stat st;
          if (fstat (*cur, &st) == 0 && st.st_size < lseek (*cur, 0, SEEK_CUR))
            {
              /* Truncated (max-file=1 rotation): start again at 0. */
              lseek (*cur, 0, SEEK_SET);
              r->used = 0;
            }
          if (drain (r, *cur, err) < 0)
            return -1;
        }
      if (r->stop)
        return 0;
      if (*cur < 0 || !same_inode (*cur, path))
        {
          int nfd = open (path, O_RDONLY | O_CLOEXEC);
          if (nfd >= 0)
            {
              /* Rotated: what the old file got after our last read is out
                 (drained above); the new one starts empty. */
              if (*cur >= 0)
                {
                  if (drain (r, *cur, err) < 0)
                    {
                      close (nfd);
                      return -1;
                    }
                  close (*cur);
                }
              *cur = nfd;
              r->used = 0;
              inotify_add_watch (in, path, IN_MODIFY);
              continue;
            }
        }
      if (exiting)
        return 0;
      int timeout = 1000;
      if (o->has_until)
        {
          struct timespec ts;
          clock_gettime (CLOCK_REALTIME, &ts);
          int64_t now = (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
          if (now > o->until_ns)
            return 0;
          int64_t left = (o->until_ns - now) / 1000000 + 1;
          if (left < timeout)
            timeout = (int) left;
        }
      struct pollfd p[2] = { { .fd = in, .events = POLLIN }, { .fd = o->exited_fd, .events = POLLIN } };
      int n = poll (p, o->exited_fd >= 0 ? 2 : 1, timeout);
      if (n < 0 && errno != EINTR)
        return berth_fail_errno (err, "poll");
      if (n > 0 && (p[0].revents & POLLIN))
        {
          char evbuf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
          while (read (in, evbuf, sizeof evbuf) > 0)
            ;
        }
      /* The container is gone: one more pass picks up its last lines (the
         monitor writes them before it reports the exit). */
      if (n > 0 && o->exited_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
        exiting = true;
    }
}

int
dock_jsonlog_read (const char *path, const dock_logs_opts *o, berth_error **err)
{
  int max_file = o->max_file < 1 ? 1 : o->max_file;
  /* files[0] is the current file, files[i] file.log.i */
  int *files = xcalloc ((size_t) max_file, sizeof *files);
  off_t *starts = xcalloc ((size_t) max_file, sizeof *starts);
  int ret = -1;
  for (int i = 0; i < max_file; i++)
    files[i] = -1;
  reader r = { .o = o };
  files[0] = open (path, O_RDONLY | O_CLOEXEC);
  if (files[0] < 0 && errno != ENOENT)
    {
      berth_fail_errno (err, "open %s", path);
      goto out;
    }
  for (int i = 1; i < max_file; i++)
    {
      files[i] = open_rotated (path, i, err);
      if (files[i] == -1)
        goto out;
      if (files[i] == -2)
        files[i] = -1;
    }
  int64_t want = o->tail;
  int oldest = max_file - 1;
  for (int i = 0; i < max_file; i++)
    {
      if (files[i] < 0)
        continue;
      struct stat st;
      if (fstat (files[i], &st) < 0)
        {
          berth_fail_errno (err, "stat %s", path);
          goto out;
        }
      starts[i] = want < 0 ? 0 : tail_start (files[i], st.st_size, &want);
      if (want == 0)
        {
          oldest = i;
          break;
        }
    }
  for (int i = oldest; i >= 0 && !r.stop; i--)
    {
      if (files[i] < 0)
        continue;
      if (lseek (files[i], starts[i], SEEK_SET) < 0)
        {
          berth_fail_errno (err, "seek %s", path);
          goto out;
        }
      r.used = 0;
      if (drain (&r, files[i], err) < 0)
        goto out;
    }
  if (o->follow && !r.stop)
    {
      if (follow (&r, path, &files[0], err) < 0)
        goto out;
    }
  ret = 0;
out:
  for (int i = 0; i < max_file; i++)
    if (files[i] >= 0)
      close (files[i]);
  free (files);
  free (starts);
  free (r.buf);
  free (r.e.log);
  free (r.e.attrs);
  return ret;
}
