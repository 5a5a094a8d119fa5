#include "config.h"

#include "ttyproxy.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_IDLE_MS 200 /* output quiet this long after the exit: done */
#define DRAIN_MAX_MS 2000 /* a background process may write for ever */

void
berth_ttyproxy_start (berth_ttyproxy *t, int master)
{
  memset (t, 0, sizeof *t);
  t->master = master;
  t->in_open = t->master_open = true;
  int fl = fcntl (master, F_GETFL);
  if (fl >= 0)
    fcntl (master, F_SETFL, fl | O_NONBLOCK);
  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &t->saved) == 0)
    {
      struct termios raw = t->saved;
      cfmakeraw (&raw);
      t->raw = tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0;
      berth_ttyproxy_resize (t);
    }
}

void
berth_ttyproxy_resize (berth_ttyproxy *t)
{
  struct winsize ws;
  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (t->master, TIOCSWINSZ, &ws);
}

size_t
berth_ttyproxy_pollfds (const berth_ttyproxy *t, struct pollfd *pfd)
{
  size_t n = 0;
  if (t->in_open && t->len == 0)
    pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
  short ev = (short) ((t->master_open ? POLLIN : 0) | (t->len || t->eof_pending ? POLLOUT : 0));
  if (ev)
    pfd[n++] = (struct pollfd){ .fd = t->master, .events = ev };
  return n;
}

/* Copy what the pty has for us to stdout; false once the slave side is
   gone (EIO) or nothing is left for now. */
static bool
copy_out (berth_ttyproxy *t)
{
  char out[4096];
  ssize_t r = read (t->master, out, sizeof out);
  if (r > 0)
    {
      if (write_all (STDOUT_FILENO, out, (size_t) r) < 0)
        t->master_open = false; /* nobody reads our output any more */
      return t->master_open;
    }
  if (r == 0 || (errno != EAGAIN && errno != EINTR))
    t->master_open = false;
  return false;
}

static void
copy_in (berth_ttyproxy *t)
{
  ssize_t w = write (t->master, t->buf, t->len);
  if (w > 0)
    {
      memmove (t->buf, t->buf + w, t->len - (size_t) w);
      t->len -= (size_t) w;
    }
  else if (w < 0 && errno != EAGAIN && errno != EINTR)
    t->len = 0, t->eof_pending = false;
  if (t->len == 0 && t->eof_pending)
    {
      /* A pipe or file on stdin ended: tell the reader, as ^D would. */
      struct termios tio;
      char eof = tcgetattr (t->master, &tio) == 0 ? (char) tio.c_cc[VEOF] : 4;
      if (write (t->master, &eof, 1) == 1 || errno != EAGAIN)
        t->eof_pending = false;
    }
}

void
berth_ttyproxy_io (berth_ttyproxy *t, const struct pollfd *pfd, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      if (pfd[i].revents == 0)
        continue;
      if (pfd[i].fd == STDIN_FILENO)
        {
          ssize_t r = read (STDIN_FILENO, t->buf, sizeof t->buf);
          if (r > 0)
            t->len = (size_t) r;
          else if (r == 0 || (errno != EAGAIN && errno != EINTR))
            t->in_open = false, t->eof_pending = true;
          continue;
        }
      if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
        copy_out (t);
      if (pfd[i].revents & POLLOUT)
        copy_in (t);
    }
}

static long
ms_since (const struct timespec *t0)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

void
berth_ttyproxy_finish (berth_ttyproxy *t)
{
  struct timespec t0;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  while (t->master_open && ms_since (&t0) < DRAIN_MAX_MS)
    {
      struct pollfd p = { .fd = t->master, .events = POLLIN };
      int r = poll (&p, 1, DRAIN_IDLE_MS);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      copy_out (t);
    }
  if (t->raw)
    tcsetattr (STDIN_FILENO, TCSANOW, &t->saved);
  close (t->master);
  t->master = -1;
}
