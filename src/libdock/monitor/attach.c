/* The attach server dock-shim runs and the client the dock CLI uses (see
   attach.h for the framing). */
#include "config.h"

#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "libberth/util.h"

/* ----------------------------------------------------------- detach keys */

static const struct { const char *name; unsigned char code; } ctrl_keys[] = {
  { "ctrl-@", 0 }, { "ctrl-[", 27 }, { "ctrl-\\", 28 }, { "ctrl-]", 29 }, { "ctrl-^", 30 }, { "ctrl-_", 31 },
};

int
dock_parse_detach_keys (const char *spec, unsigned char *out, size_t *n, berth_error **err)
{
  size_t count = 0;
  const char *p = spec;
  for (;;)
    {
      const char *comma = strchr (p, ',');
      size_t len = comma ? (size_t) (comma - p) : strlen (p);
      if (count == DOCK_DETACH_KEYS_MAX)
        return berth_fail (err, 0, "too many detach keys in '%s'", spec);
      if (len == 1)
        out[count++] = (unsigned char) *p;
      else
        {
          bool found = false;
          if (len == 6 && strncmp (p, "ctrl-", 5) == 0 && p[5] >= 'a' && p[5] <= 'z')
            out[count++] = (unsigned char) (p[5] - 'a' + 1), found = true;
          for (size_t i = 0; !found && i < ARRAY_SIZE (ctrl_keys); i++)
            if (strlen (ctrl_keys[i].name) == len && strncmp (ctrl_keys[i].name, p, len) == 0)
              out[count++] = ctrl_keys[i].code, found = true;
          if (!found)
            return berth_fail (err, 0, "Unknown character: '%.*s'", (int) len, p);
        }
      if (!comma)
        break;
      p = comma + 1;
    }
  *n = count;
  return 0;
}

/* ---------------------------------------------------------------- frames */

void
dock_frame_header (unsigned char hdr[DOCK_FRAME_HEADER], unsigned type, uint32_t len)
{
  hdr[0] = (unsigned char) type;
  hdr[1] = hdr[2] = hdr[3] = 0;
  hdr[4] = (unsigned char) (len >> 24);
  hdr[5] = (unsigned char) (len >> 16);
  hdr[6] = (unsigned char) (len >> 8);
  hdr[7] = (unsigned char) len;
}

static uint32_t
be32 (const unsigned char *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

int
dock_frame_send (int fd, unsigned type, const void *payload, size_t len, berth_error **err)
{
  unsigned char hdr[DOCK_FRAME_HEADER];
  dock_frame_header (hdr, type, (uint32_t) len);
  /* MSG_NOSIGNAL: a shim gone away is an error, not a SIGPIPE. */
  struct iovec iov[2] = { { hdr, sizeof hdr }, { (void *) payload, len } };
  struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
  size_t total = sizeof hdr + len, done = 0;
  while (done < total)
    {
      ssize_t n = sendmsg (fd, &mh, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return berth_fail_errno (err, "attach: send");
      done += (size_t) n;
      while (n > 0 && mh.msg_iovlen)
        {
          if ((size_t) n >= mh.msg_iov->iov_len)
            {
              n -= (ssize_t) mh.msg_iov->iov_len;
              mh.msg_iov++;
              mh.msg_iovlen--;
            }
          else
            {
              mh.msg_iov->iov_base = (char *) mh.msg_iov->iov_base + n;
              mh.msg_iov->iov_len -= (size_t) n;
              n = 0;
            }
        }
    }
  return 0;
}

/* A growable byte queue with a read offset. */
typedef struct
{
  unsigned char *data;
  size_t start, end, cap;
} bytequeue;

static void
bq_push (bytequeue *q, const void *p, size_t len)
{
  if (q->start == q->end)
    q->start = q->end = 0;
  if (q->end + len > q->cap)
    {
      if (q->start)
        {
          memmove (q->data, q->data + q->start, q->end - q->start);
          q->end -= q->start;
          q->start = 0;
        }
      if (q->end + len > q->cap)
        {
          size_t nc = q->cap ? q->cap : 4096;
          while (nc < q->end + len)
            nc *= 2;
          q->data = xrealloc (q->data, nc);
          q->cap = nc;
        }
    }
  memcpy (q->data + q->end, p, len);
  q->end += len;
}

static size_t
bq_len (const bytequeue *q)
{
  return q->end - q->start;
}

/* Writes what it can (non-blocking fd); -1 on a real error. */
static int
bq_flush (bytequeue *q, int fd, bool sock)
{
  while (bq_len (q))
    {
      ssize_t n = sock ? send (fd, q->data + q->start, bq_len (q), MSG_NOSIGNAL | MSG_DONTWAIT)
                       : write (fd, q->data + q->start, bq_len (q));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return errno == EAGAIN ? 0 : -1;
      q->start += (size_t) n;
    }
  /* Idle clients give their buffers back: 1000 shims, few attached. */
  free (q->data);
  memset (q, 0, sizeof *q);
  return 0;
}

/* ---------------------------------------------------------------- server */

/* A client that lets this much pile up is dropped rather than letting the
   shim grow (docker would block the container's output instead). */
#define CLIENT_BACKLOG_MAX (4u << 20)
/* Stdin waiting for the container: past this, clients are not read. */
#define STDIN_BACKLOG_MAX (256u << 10)

typedef struct client
{
  dock_attach_server *srv;
  int fd;
  dock_source *src;
  bool hello;      /* HELLO received */
  bool closing;    /* close once out is flushed */
  unsigned flags;
  unsigned char keys[DOCK_DETACH_KEYS_MAX];
  size_t n_keys, key_pos;
  unsigned char hdr[DOCK_FRAME_HEADER];
  size_t hdr_got;
  unsigned char *payload;
  size_t payload_len, payload_got;
  bool in_payload;
  bytequeue out;
  struct client *next;
} client;

struct dock_attach_server
{
  dock_loop *loop;
  char *path;
  int listen_fd;
  dock_source *listen_src;
  int stdin_fd;
  dock_source *stdin_src;
  bool tty, exited, stdin_closed, paused;
  int exit_code;
  unsigned char keys[DOCK_DETACH_KEYS_MAX];
  size_t n_keys;
  bytequeue stdin_q;
  client *clients;
  unsigned n_clients;
};

static void client_cb (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data);

static void
client_update_events (client *c)
{
  /* Not reading: no EPOLLIN nor EPOLLRDHUP either, which would be reported
     again and again (level-triggered) while the client waits. */
  uint32_t ev = 0;
  if (!c->closing && !c->srv->paused)
    ev |= EPOLLIN | EPOLLRDHUP;
  if (bq_len (&c->out))
    ev |= EPOLLOUT;
  dock_loop_modify_fd (c->srv->loop, c->src, ev, NULL);
}

static void
client_drop (client *c)
{
  dock_attach_server *s = c->srv;
  for (client **pp = &s->clients; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
        *pp = c->next;
        break;
      }
  s->n_clients--;
  dock_loop_remove (s->loop, c->src);
  close (c->fd);
  free (c->out.data);
  free (c->payload);
  free (c);
}

static void
client_queue (client *c, unsigned type, const void *p, size_t len)
{
  unsigned char hdr[DOCK_FRAME_HEADER];
  dock_frame_header (hdr, type, (uint32_t) len);
  bq_push (&c->out, hdr, sizeof hdr);
  if (len)
    bq_push (&c->out, p, len);
}

/* Sends what can go now; false when the client was dropped. */
static bool
client_push (client *c)
{
  if (bq_flush (&c->out, c->fd, true) < 0 || bq_len (&c->out) > CLIENT_BACKLOG_MAX)
    {
      client_drop (c);
      return false;
    }
  if (c->closing && bq_len (&c->out) == 0)
    {
      /* Half-close first, so the client reads every frame before EOF. */
      shutdown (c->fd, SHUT_WR);
      client_drop (c);
      return false;
    }
  client_update_events (c);
  return true;
}

static void stdin_cb (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data);

static void
set_paused (dock_attach_server *s, bool paused)
{
  if (s->paused == paused)
    return;
  s->paused = paused;
  for (client *c = s->clients; c; c = c->next)
    client_update_events (c);
}

static void
close_stdin (dock_attach_server *s)
{
  if (s->stdin_closed)
    return;
  s->stdin_closed = true;
  if (s->stdin_src)
    dock_loop_remove (s->loop, s->stdin_src);
  s->stdin_src = NULL;
  if (s->stdin_fd >= 0)
    close (s->stdin_fd);
  s->stdin_fd = -1;
  free (s->stdin_q.data);
  memset (&s->stdin_q, 0, sizeof s->stdin_q);
  set_paused (s, false);
}

static void
stdin_push (dock_attach_server *s)
{
  if (s->stdin_fd < 0)
    return;
  if (bq_flush (&s->stdin_q, s->stdin_fd, false) < 0)
    {
      /* The container closed its stdin (EPIPE): later input is dropped. */
      close_stdin (s);
      return;
    }
  bool pending = bq_len (&s->stdin_q) > 0;
  if (pending && !s->stdin_src)
    s->stdin_src = dock_loop_add_fd (s->loop, s->stdin_fd, EPOLLOUT, stdin_cb, s, NULL);
  else if (!pending && s->stdin_src)
    {
      dock_loop_remove (s->loop, s->stdin_src);
      s->stdin_src = NULL;
    }
  set_paused (s, bq_len (&s->stdin_q) > STDIN_BACKLOG_MAX);
}

static void
stdin_cb (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) loop, (void) src, (void) fd, (void) events;
  stdin_push (data);
}

static void
stdin_write (dock_attach_server *s, const void *p, size_t len)
{
  if (s->stdin_fd < 0 || len == 0)
    return;
  bq_push (&s->stdin_q, p, len);
  stdin_push (s);
}

/* docker's escape proxy: only a one-byte read can be (part of) the detach
   sequence; a mismatch gives back the bytes held so far.  Returns true when
   the client detached. */
static bool
client_stdin (client *c, const unsigned char *p, size_t len)
{
  dock_attach_server *s = c->srv;
  if (!(c->flags & DOCK_ATTACH_STDIN))
    return false;
  if (c->n_keys && len == 1 && p[0] == c->keys[c->key_pos])
    {
      if (c->key_pos == c->n_keys - 1)
        return true;
      c->key_pos++;
      return false;
    }
  if (c->key_pos)
    {
      stdin_write (s, c->keys, c->key_pos);
      c->key_pos = 0;
    }
  stdin_write (s, p, len);
  return false;
}

static void
resize_pty (dock_attach_server *s, const unsigned char *p, size_t len)
{
  if (!s->tty || s->stdin_fd < 0 || len < 4)
    return;
  struct winsize ws = { .ws_row = (unsigned short) (p[0] << 8 | p[1]), .ws_col = (unsigned short) (p[2] << 8 | p[3]) };
  ioctl (s->stdin_fd, TIOCSWINSZ, &ws);
}

/* One whole frame from a client; false when the client was dropped. */
static bool
client_frame (client *c, unsigned type, const unsigned char *p, size_t len)
{
  dock_attach_server *s = c->srv;
  if (!c->hello)
    {
      if (type != DOCK_FRAME_HELLO || len < 1)
        {
          client_drop (c);
          return false;
        }
      c->hello = true;
      c->flags = p[0];
      if (c->flags & DOCK_ATTACH_KEYS)
        {
          c->n_keys = len - 1 > DOCK_DETACH_KEYS_MAX ? DOCK_DETACH_KEYS_MAX : len - 1;
          memcpy (c->keys, p + 1, c->n_keys);
        }
      else
        {
          c->n_keys = s->n_keys;
          memcpy (c->keys, s->keys, s->n_keys);
        }
      unsigned char ready = s->tty ? 1 : 0;
      client_queue (c, DOCK_FRAME_READY, &ready, 1);
      if (s->exited)
        {
          unsigned char code[4] = { (unsigned char) (s->exit_code >> 24), (unsigned char) (s->exit_code >> 16),
                                    (unsigned char) (s->exit_code >> 8), (unsigned char) s->exit_code };
          client_queue (c, DOCK_FRAME_EXIT, code, 4);
          c->closing = true;
        }
      return client_push (c);
    }
  switch (type)
    {
    case DOCK_FRAME_STDIN:
      if (client_stdin (c, p, len))
        {
          client_queue (c, DOCK_FRAME_DETACHED, NULL, 0);
          c->closing = true;
          return client_push (c);
        }
      break;
    case DOCK_FRAME_RESIZE:
      resize_pty (s, p, len);
      break;
    case DOCK_FRAME_STDIN_EOF:
      if (c->flags & DOCK_ATTACH_STDIN_ONCE)
        {
          /* What is queued goes first, as far as the pipe takes it now. */
          if (s->stdin_fd >= 0)
            bq_flush (&s->stdin_q, s->stdin_fd, false);
          close_stdin (s);
        }
      break;
    default:
      break;
    }
  return true;
}

static void
client_read (client *c)
{
  unsigned char buf[16384];
  for (;;)
    {
      if (c->srv->paused || c->closing)
        return;
      ssize_t n = recv (c->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          client_drop (c);
          return;
        }
      for (size_t i = 0; i < (size_t) n;)
        {
          if (!c->in_payload)
            {
              size_t take = DOCK_FRAME_HEADER - c->hdr_got;
              if (take > (size_t) n - i)
                take = (size_t) n - i;
              memcpy (c->hdr + c->hdr_got, buf + i, take);
              c->hdr_got += take;
              i += take;
              if (c->hdr_got < DOCK_FRAME_HEADER)
                continue;
              c->payload_len = be32 (c->hdr + 4);
              if (c->payload_len > DOCK_FRAME_MAX)
                {
                  client_drop (c);
                  return;
                }
              c->payload = xrealloc (c->payload, c->payload_len ? c->payload_len : 1);
              c->payload_got = 0;
              c->in_payload = true;
            }
          size_t take = c->payload_len - c->payload_got;
          if (take > (size_t) n - i)
            take = (size_t) n - i;
          memcpy (c->payload + c->payload_got, buf + i, take);
          c->payload_got += take;
          i += take;
          if (c->payload_got < c->payload_len)
            continue;
          c->in_payload = false;
          c->hdr_got = 0;
          if (!client_frame (c, c->hdr[0], c->payload, c->payload_len))
            return;
          if (c->closing)
            return;
        }
      /* Between frames the payload buffer goes back. */
      if (!c->in_payload)
        {
          free (c->payload);
          c->payload = NULL;
        }
    }
}

static void
client_cb (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) loop, (void) src, (void) fd;
  client *c = data;
  if (events & EPOLLOUT)
    if (!client_push (c))
      return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
    {
      if (!c->closing && !c->srv->paused)
        client_read (c);
      else if (events & (EPOLLHUP | EPOLLERR))
        client_drop (c);
    }
}

static void
accept_cb (dock_loop *loop, dock_source *src, int fd, uint32_t events, void *data)
{
  (void) src, (void) events;
  dock_attach_server *s = data;
  for (;;)
    {
      int cfd = accept4 (fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (cfd < 0)
        return;
      client *c = xcalloc (1, sizeof *c);
      c->srv = s;
      c->fd = cfd;
      c->src = dock_loop_add_fd (loop, cfd, EPOLLIN | EPOLLRDHUP, client_cb, c, NULL);
      if (!c->src)
        {
          close (cfd);
          free (c);
          continue;
        }
      c->next = s->clients;
      s->clients = c;
      s->n_clients++;
      if (s->paused)
        client_update_events (c);
    }
}

int
dock_attach_server_new (dock_loop *loop, const dock_attach_config *cfg, dock_attach_server **out, berth_error **err)
{
  /* Bound and listening under a temporary name, then renamed: the socket
     appears only when it accepts, so a client that sees the file can
     connect (no ECONNREFUSED window between bind and listen). */
  cleanup_free char *tmp = xasprintf ("%s.new", cfg->socket_path);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (tmp) >= sizeof sa.sun_path)
    return berth_fail (err, ENAMETOOLONG, "attach socket path %s", cfg->socket_path);
  strcpy (sa.sun_path, tmp);
  cleanup_close int lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (lfd < 0)
    return berth_fail_errno (err, "socket");
  if (unlink (tmp) < 0 && errno != ENOENT)
    return berth_fail_errno (err, "remove %s", tmp);
  /* 0600 from the start: no window in which others may connect. */
  mode_t old = umask (0177);
  int r = bind (lfd, (struct sockaddr *) &sa, sizeof sa);
  umask (old);
  if (r < 0)
    return berth_fail_errno (err, "bind %s", tmp);
  if (listen (lfd, 16) < 0 || rename (tmp, cfg->socket_path) < 0)
    {
      berth_fail_errno (err, "listen on %s", cfg->socket_path);
      unlink (tmp);
      return -1;
    }
  dock_attach_server *s = xcalloc (1, sizeof *s);
  s->loop = loop;
  s->stdin_fd = -1;
  s->tty = cfg->tty;
  if (cfg->detach_keys)
    {
      s->n_keys = cfg->n_detach_keys > DOCK_DETACH_KEYS_MAX ? DOCK_DETACH_KEYS_MAX : cfg->n_detach_keys;
      memcpy (s->keys, cfg->detach_keys, s->n_keys);
    }
  else
    dock_parse_detach_keys (DOCK_DETACH_KEYS_DEFAULT, s->keys, &s->n_keys, NULL);
  if (cfg->stdin_fd >= 0)
    {
      /* Our own fd: the pty master may sit in the loop for reading already,
         and epoll takes each fd once. */
      s->stdin_fd = fcntl (cfg->stdin_fd, F_DUPFD_CLOEXEC, 3);
      if (s->stdin_fd < 0)
        {
          free (s);
          unlink (cfg->socket_path);
          return berth_fail_errno (err, "dup stdin");
        }
      /* Non-blocking for the loop; the flag is the open file's, so the
         caller's fd (the pty master it reads output from) shares it, which
         its loop wants as well. */
      fcntl (s->stdin_fd, F_SETFL, fcntl (s->stdin_fd, F_GETFL) | O_NONBLOCK);
    }
  else
    s->stdin_closed = true;
  s->listen_src = dock_loop_add_fd (loop, lfd, EPOLLIN, accept_cb, s, err);
  if (!s->listen_src)
    {
      if (s->stdin_fd >= 0)
        close (s->stdin_fd);
      free (s);
      unlink (cfg->socket_path);
      return -1;
    }
  s->listen_fd = steal_fd (&lfd);
  s->path = xstrdup (cfg->socket_path);
  *out = s;
  return 0;
}

void
dock_attach_server_free (dock_attach_server *s)
{
  if (!s)
    return;
  while (s->clients)
    client_drop (s->clients);
  dock_loop_remove (s->loop, s->listen_src);
  close (s->listen_fd);
  unlink (s->path);
  close_stdin (s);
  free (s->path);
  free (s);
}

bool
dock_attach_pump_output (dock_attach_server *s, int fd, dock_log_stream stream, dock_log_copier *log)
{
  char buf[16384];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return true;
      if (n <= 0)
        return false;
      /* A log write that fails (a full disk) must not stop the attach
         clients from seeing the output: the copier keeps its own state. */
      cleanup_error berth_error *err = NULL;
      if (log)
        dock_log_copier_feed (log, buf, (size_t) n, dock_realtime_ns (), &err);
      dock_attach_broadcast (s, stream, buf, (size_t) n);
    }
}

void
dock_attach_broadcast (dock_attach_server *s, dock_log_stream stream, const void *buf, size_t len)
{
  unsigned want = stream == DOCK_STREAM_STDERR ? DOCK_ATTACH_STDERR : DOCK_ATTACH_STDOUT;
  for (client *c = s->clients, *next; c; c = next)
    {
      next = c->next;
      if (!c->hello || c->closing || !(c->flags & want))
        continue;
      /* Frames of at most DOCK_FRAME_MAX, whatever the caller read. */
      for (size_t off = 0; off < len; off += DOCK_FRAME_MAX)
        {
          size_t n = len - off > DOCK_FRAME_MAX ? DOCK_FRAME_MAX : len - off;
          client_queue (c, stream == DOCK_STREAM_STDERR ? DOCK_FRAME_STDERR : DOCK_FRAME_STDOUT,
                        (const char *) buf + off, n);
        }
      client_push (c);
    }
}

void
dock_attach_server_exit (dock_attach_server *s, int exit_code)
{
  s->exited = true;
  s->exit_code = exit_code;
  unsigned char code[4] = { (unsigned char) (exit_code >> 24), (unsigned char) (exit_code >> 16),
                            (unsigned char) (exit_code >> 8), (unsigned char) exit_code };
  for (client *c = s->clients, *next; c; c = next)
    {
      next = c->next;
      if (!c->hello)
        continue; /* gets EXIT after its HELLO */
      if (!c->closing)
        client_queue (c, DOCK_FRAME_EXIT, code, 4);
      c->closing = true;
      client_push (c);
    }
}

bool
dock_attach_idle (const dock_attach_server *s)
{
  for (const client *c = s->clients; c; c = c->next)
    if (c->hello && bq_len (&c->out))
      return false;
  return true;
}

unsigned
dock_attach_client_count (const dock_attach_server *s)
{
  return s->n_clients;
}

bool
dock_attach_stdin_closed (const dock_attach_server *s)
{
  return s->stdin_closed;
}

/* ---------------------------------------------------------------- client */

struct dock_attach_client
{
  int fd;
  bool tty;
  unsigned char *buf;
  size_t cap;
};

static int
read_full (int fd, void *buf, size_t len, berth_error **err)
{
  size_t got = 0;
  while (got < len)
    {
      ssize_t n = read (fd, (char *) buf + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return berth_fail_errno (err, "attach: read");
      if (n == 0)
        return got == 0 ? 0 : berth_fail (err, EPROTO, "attach: stream cut inside a frame");
      got += (size_t) n;
    }
  return 1;
}

int
dock_attach_recv (dock_attach_client *c, unsigned *type, const unsigned char **data, size_t *len, berth_error **err)
{
  unsigned char hdr[DOCK_FRAME_HEADER];
  int r = read_full (c->fd, hdr, sizeof hdr, err);
  if (r <= 0)
    return r;
  uint32_t l = be32 (hdr + 4);
  if (l > DOCK_FRAME_MAX)
    return berth_fail (err, EPROTO, "attach: frame of %u bytes", l);
  if (l + 1 > c->cap)
    {
      c->cap = l + 1;
      c->buf = xrealloc (c->buf, c->cap);
    }
  if (l && read_full (c->fd, c->buf, l, err) <= 0)
    return berth_fail (err, EPROTO, "attach: stream cut inside a frame");
  *type = hdr[0];
  *data = c->buf;
  *len = l;
  return 1;
}

int
dock_attach_connect (const char *path, unsigned flags, const unsigned char *keys, size_t n_keys,
                     dock_attach_client **out, berth_error **err)
{
  int fd = unix_stream_connect (path);
  if (fd < 0)
    return berth_fail_errno (err, "attach: connect %s", path);
  dock_attach_client *c = xcalloc (1, sizeof *c);
  c->fd = fd;
  unsigned char hello[1 + DOCK_DETACH_KEYS_MAX];
  if (n_keys > DOCK_DETACH_KEYS_MAX)
    n_keys = DOCK_DETACH_KEYS_MAX;
  hello[0] = (unsigned char) (flags | (keys ? DOCK_ATTACH_KEYS : 0));
  if (keys)
    memcpy (hello + 1, keys, n_keys);
  unsigned type;
  const unsigned char *data;
  size_t len;
  if (dock_frame_send (fd, DOCK_FRAME_HELLO, hello, 1 + (keys ? n_keys : 0), err) < 0)
    goto fail;
  int r = dock_attach_recv (c, &type, &data, &len, err);
  if (r < 0)
    goto fail;
  if (r == 0 || type != DOCK_FRAME_READY || len < 1)
    {
      berth_fail (err, EPROTO, "attach: no answer from the container's monitor");
      goto fail;
    }
  c->tty = data[0] & 1;
  *out = c;
  return 0;
fail:
  dock_attach_client_free (c);
  return -1;
}

void
dock_attach_client_free (dock_attach_client *c)
{
  if (!c)
    return;
  close (c->fd);
  free (c->buf);
  free (c);
}

int
dock_attach_client_fd (const dock_attach_client *c)
{
  return c->fd;
}

bool
dock_attach_client_tty (const dock_attach_client *c)
{
  return c->tty;
}

int
dock_attach_send_stdin (dock_attach_client *c, const void *buf, size_t len, berth_error **err)
{
  for (size_t off = 0; off < len; off += DOCK_FRAME_MAX)
    {
      size_t n = len - off > DOCK_FRAME_MAX ? DOCK_FRAME_MAX : len - off;
      if (dock_frame_send (c->fd, DOCK_FRAME_STDIN, (const char *) buf + off, n, err) < 0)
        return -1;
    }
  return 0;
}

int
dock_attach_send_stdin_eof (dock_attach_client *c, berth_error **err)
{
  return dock_frame_send (c->fd, DOCK_FRAME_STDIN_EOF, NULL, 0, err);
}

int
dock_attach_send_resize (dock_attach_client *c, unsigned rows, unsigned cols, berth_error **err)
{
  unsigned char p[4] = { (unsigned char) (rows >> 8), (unsigned char) rows, (unsigned char) (cols >> 8),
                         (unsigned char) cols };
  return dock_frame_send (c->fd, DOCK_FRAME_RESIZE, p, sizeof p, err);
}

int
dock_attach_pump (dock_attach_client *c, int in_fd, int out_fd, int err_fd, dock_attach_end *end, int *exit_code,
                  berth_error **err)
{
  bool in_open = in_fd >= 0;
  *end = DOCK_ATTACH_LOST;
  for (;;)
    {
      struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN }, { .fd = in_open ? in_fd : -1, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return berth_fail_errno (err, "attach: poll");
        }
      if (p[1].revents)
        {
          char buf[4096];
          ssize_t n = read (in_fd, buf, sizeof buf);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              in_open = false;
              if (dock_attach_send_stdin_eof (c, err) < 0)
                return -1;
            }
          else if (dock_attach_send_stdin (c, buf, (size_t) n, err) < 0)
            return -1;
        }
      if (p[0].revents)
        {
          unsigned type;
          const unsigned char *data;
          size_t len;
          int r = dock_attach_recv (c, &type, &data, &len, err);
          if (r < 0)
            return -1;
          if (r == 0)
            return 0;
          switch (type)
            {
            case DOCK_FRAME_STDOUT:
            case DOCK_FRAME_STDERR:
              if (write_all (type == DOCK_FRAME_STDOUT ? out_fd : err_fd, data, len) < 0)
                return berth_fail_errno (err, "attach: write");
              break;
            case DOCK_FRAME_EXIT:
              if (len >= 4)
                {
                  *exit_code = (int) be32 (data);
                  *end = DOCK_ATTACH_EXITED;
                }
              return 0;
            case DOCK_FRAME_DETACHED:
              *end = DOCK_ATTACH_DETACHED;
              return 0;
            default:
              break;
            }
        }
    }
}
