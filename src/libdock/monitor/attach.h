/* The attach protocol between `dock attach`/`dock run`/`dock start -a` and
   dock-shim, over the container's unix socket.

   Every message is a frame: an 8-byte header and a payload, the header laid
   out as docker's stdcopy header (so a stdout/stderr frame reads like a
   docker attach stream without a tty):

     byte 0     type (below)
     bytes 1-3  zero
     bytes 4-7  payload length, big-endian uint32 (at most 1 MiB)

   client -> shim
     7 HELLO      u8 flags (1 stdin, 2 stdout, 4 stderr, 8 stdin-once,
                  16 detach keys given) + the detach key bytes (with flag 16;
                  none given: the container's own, else ctrl-p,ctrl-q).
                  Must be the first frame.
     0 STDIN      bytes for the container's stdin.  As docker, the detach
                  keys are matched only in one-byte frames (one keystroke per
                  read from a terminal); a paste never detaches.
     3 RESIZE     u16 rows, u16 cols (big-endian): TIOCSWINSZ on the pty.
     6 STDIN_EOF  the client's stdin ended; with stdin-once the container's
                  stdin is closed (docker run -i), else ignored.
   shim -> client
     8 READY      u8 flags (1: the container has a tty).  Answers HELLO.
     1 STDOUT, 2 STDERR   container output from the moment of attaching (no
                  history: docker attach replays nothing; `logs` does that).
     5 DETACHED   the detach keys were typed; the shim closes the connection
                  and the container runs on.
     4 EXIT       int32 (big-endian) exit code, docker's (128+signal for a
                  signal); the last frame, then the shim closes.

   Several clients may be attached at once; each gets every output frame.
   Every client's stdin reaches the container, whole frames in arrival order
   (one writer at a time: a frame is never interleaved with another's). */
#ifndef DOCK_MONITOR_ATTACH_H
#define DOCK_MONITOR_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jsonlog.h"
#include "libberth/error.h"
#include "loop.h"

enum
{
  DOCK_FRAME_STDIN = 0,
  DOCK_FRAME_STDOUT = 1,
  DOCK_FRAME_STDERR = 2,
  DOCK_FRAME_RESIZE = 3,
  DOCK_FRAME_EXIT = 4,
  DOCK_FRAME_DETACHED = 5,
  DOCK_FRAME_STDIN_EOF = 6,
  DOCK_FRAME_HELLO = 7,
  DOCK_FRAME_READY = 8,
};
#define DOCK_FRAME_HEADER 8
#define DOCK_FRAME_MAX (1u << 20)

enum
{
  DOCK_ATTACH_STDIN = 1,
  DOCK_ATTACH_STDOUT = 2,
  DOCK_ATTACH_STDERR = 4,
  DOCK_ATTACH_STDIN_ONCE = 8,
  DOCK_ATTACH_KEYS = 16,
};

/* ---- detach keys ---- */
#define DOCK_DETACH_KEYS_MAX 32
#define DOCK_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
/* What docker prints when `attach` is detached (and exits 1; `run -it`
   exits 0 silently). */
#define DOCK_DETACH_MSG "read escape sequence"
/* docker's term.ToBytes: comma-separated keys, each one character or
   ctrl-a..ctrl-z, ctrl-@, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_.  Error:
   docker's "Unknown character: 'x'". */
int dock_parse_detach_keys (const char *spec, unsigned char *out, size_t *n, berth_error **err);

/* ---- frames ---- */
void dock_frame_header (unsigned char hdr[DOCK_FRAME_HEADER], unsigned type, uint32_t len);
/* Whole frame with a blocking fd (the client side; EINTR retried). */
int dock_frame_send (int fd, unsigned type, const void *payload, size_t len, berth_error **err);

/* ---- the server (in dock-shim) ---- */
typedef struct dock_attach_server dock_attach_server;

typedef struct dock_attach_config
{
  const char *socket_path; /* created (mode 0600) under PATH.new, then renamed once listening;
                              an old socket file is replaced */
  int stdin_fd;            /* the container's stdin: a pipe's write end or the pty master; -1: none.
                              dup'ed, and made O_NONBLOCK (which the caller's fd shares). */
  bool tty;                /* stdin_fd is a pty master: resize works on it */
  const unsigned char *detach_keys; /* the container's --detach-keys; NULL: ctrl-p,ctrl-q */
  size_t n_detach_keys;
} dock_attach_config;

int dock_attach_server_new (dock_loop *loop, const dock_attach_config *cfg, dock_attach_server **out,
                            berth_error **err);
/* Removes the socket file and drops every client; before dock_loop_free
   (the server's sources live in the loop). */
void dock_attach_server_free (dock_attach_server *s);
/* Container output to every client that asked for that stream. */
void dock_attach_broadcast (dock_attach_server *s, dock_log_stream stream, const void *buf, size_t len);
/* Reads what the container's output fd fd holds now (non-blocking) and
   hands it to the log copier (NULL: no log) and to every attach client of
   stream.  False at EOF, or EIO once a pty's other side is gone. */
bool dock_attach_pump_output (dock_attach_server *s, int fd, dock_log_stream stream, dock_log_copier *log);
/* The container ended: EXIT to every client (and to any that attaches
   later), each closed once its frames are out.  dock_attach_idle tells when
   none is left with data to send. */
void dock_attach_server_exit (dock_attach_server *s, int exit_code);
bool dock_attach_idle (const dock_attach_server *s);
unsigned dock_attach_client_count (const dock_attach_server *s);
/* The container's stdin was closed (stdin-once, or the process ended). */
bool dock_attach_stdin_closed (const dock_attach_server *s);

/* ---- the client (in the dock CLI) ---- */
typedef struct dock_attach_client dock_attach_client;

/* Connects, sends HELLO (keys NULL: the container's default) and waits for
   READY. */
int dock_attach_connect (const char *socket_path, unsigned flags, const unsigned char *keys, size_t n_keys,
                         dock_attach_client **out, berth_error **err);
void dock_attach_client_free (dock_attach_client *c);
int dock_attach_client_fd (const dock_attach_client *c);
bool dock_attach_client_tty (const dock_attach_client *c);
int dock_attach_send_stdin (dock_attach_client *c, const void *buf, size_t len, berth_error **err);
int dock_attach_send_stdin_eof (dock_attach_client *c, berth_error **err);
int dock_attach_send_resize (dock_attach_client *c, unsigned rows, unsigned cols, berth_error **err);
/* One frame (blocking).  Returns 1 with *type, *data and *len (data valid until
   the next call), 0 at end of stream, -1 on error. */
int dock_attach_recv (dock_attach_client *c, unsigned *type, const unsigned char **data, size_t *len,
                      berth_error **err);

typedef enum { DOCK_ATTACH_EXITED, DOCK_ATTACH_DETACHED, DOCK_ATTACH_LOST } dock_attach_end;
/* The whole client session as `dock attach` runs it: in_fd (-1: none) read
   and sent as STDIN frames (each read() one frame, so typed detach keys
   work), STDIN_EOF at its end; STDOUT frames to out_fd, STDERR to err_fd.
   Returns how it ended; *exit_code is set for DOCK_ATTACH_EXITED. */
int dock_attach_pump (dock_attach_client *c, int in_fd, int out_fd, int err_fd, dock_attach_end *end,
                      int *exit_code, berth_error **err);

#endif
