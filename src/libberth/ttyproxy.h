/* A foreground `exec --tty` without --console-socket: berth keeps the pty
   master itself and copies between it and its own stdin/stdout (stdin in
   raw mode when it is a terminal) until the process exits. */
#ifndef BERTH_TTYPROXY_H
#define BERTH_TTYPROXY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

typedef struct
{
  int master;
  bool in_open;     /* stdin not yet at end of file */
  bool master_open; /* the pty still has a slave side */
  bool eof_pending; /* stdin ended: pass an end-of-file character on */
  bool raw;         /* stdin is a terminal we put in raw mode */
  struct termios saved;
  char buf[4096];   /* stdin bytes not yet written to the pty */
  size_t len;
} berth_ttyproxy;

/* Takes ownership of master. */
void berth_ttyproxy_start (berth_ttyproxy *t, int master);
/* Fill up to two pollfds; returns how many. */
size_t berth_ttyproxy_pollfds (const berth_ttyproxy *t, struct pollfd *pfd);
/* Copy what the pollfds (as filled above, after poll) say is ready. */
void berth_ttyproxy_io (berth_ttyproxy *t, const struct pollfd *pfd, size_t n);
/* Give the pty the size of our terminal (on SIGWINCH). */
void berth_ttyproxy_resize (berth_ttyproxy *t);
/* After the process exited: copy the output still buffered, restore the
   terminal, close the master. */
void berth_ttyproxy_finish (berth_ttyproxy *t);

#endif
