/* The one socketpair between `berth create` and the container init.  Few
   fixed-size messages; an error carries errno and text that the parent
   reports as its own. */
#ifndef BERTH_SYNC_H
#define BERTH_SYNC_H

#include "error.h"

typedef enum
{
  SYNC_MAPS_DONE = 1, /* parent -> init: in its cgroup, uid/gid maps written */
  SYNC_HOOKS_PLS,     /* init -> parent: run prestart and createRuntime hooks now */
  SYNC_HOOKS_DONE,    /* parent -> init */
  SYNC_PID,           /* intermediate -> parent: pid of the init (in errnum) */
  SYNC_READY,         /* init -> parent: set up, blocked before exec */
  SYNC_ERROR,         /* either way: errnum + msg */
  SYNC_SECCOMP_FD,    /* init -> parent: the seccomp listener fd rides along (SCM_RIGHTS) */
} berth_sync_type;

typedef struct
{
  int type;
  int errnum;
  char msg[2048];
} berth_sync_msg;

int berth_sync_send (int fd, int type, int errnum, const char *msg);
/* A message carrying an fd. */
int berth_sync_send_fd (int fd, int type, int passed_fd);
/* Receives one message; a closed peer is an error.  An fd that came with it
   is closed. */
int berth_sync_recv (int fd, berth_sync_msg *m, berth_error **err);
/* As berth_sync_recv, handing over the fd that came with the message in
   *passed_fd (-1 if none). */
int berth_sync_recv_fd (int fd, berth_sync_msg *m, int *passed_fd, berth_error **err);
/* As above, but returns 1 for a message and 0 when every writer has closed
   its end (exec: the close-on-exec end closing means execve succeeded). */
int berth_sync_recv_or_eof (int fd, berth_sync_msg *m, berth_error **err);
/* Both: the fd that came with the message in *passed_fd (-1 if none). */
int berth_sync_recv_fd_or_eof (int fd, berth_sync_msg *m, int *passed_fd, berth_error **err);
/* Receive and insist on a type; an ERROR message becomes *err. */
int berth_sync_expect (int fd, int type, berth_sync_msg *m, berth_error **err);
/* Forward an error to the peer. */
void berth_sync_send_error (int fd, const berth_error *e);

#endif
