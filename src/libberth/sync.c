#include "config.h"

#include "sync.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
berth_sync_send_fd (int fd, int type, int passed_fd)
{
  berth_sync_msg m = { .type = type };
  return send_with_fd (fd, &m, sizeof m, passed_fd) == (ssize_t) sizeof m ? 0 : -1;
}

int
berth_sync_send (int fd, int type, int errnum, const char *msg)
{
  berth_sync_msg m = { .type = type, .errnum = errnum };
  if (msg)
    snprintf (m.msg, sizeof m.msg, "%s", msg);
  return send_with_fd (fd, &m, sizeof m, -1) == (ssize_t) sizeof m ? 0 : -1;
}

/* 1 for a message (with its fd in *passed_fd when asked for; any other
   fd that came along is closed), 0 at end of file. */
static int
recv_msg (int fd, berth_sync_msg *m, int *passed_fd, berth_error **err)
{
  int got;
  ssize_t n = recv_with_fd (fd, m, sizeof *m, &got);
  if (passed_fd)
    *passed_fd = -1;
  if (got >= 0 && (passed_fd == NULL || n != (ssize_t) sizeof *m))
    close (got);
  else if (got >= 0)
    *passed_fd = got;
  if (n < 0)
    return berth_fail_errno (err, "read from the container init");
  if (n == 0)
    return 0;
  if (n != (ssize_t) sizeof *m)
    return berth_fail (err, 0, "short message from the container init");
  m->msg[sizeof m->msg - 1] = '\0';
  return 1;
}

int
berth_sync_recv_or_eof (int fd, berth_sync_msg *m, berth_error **err)
{
  return recv_msg (fd, m, NULL, err);
}

int
berth_sync_recv_fd_or_eof (int fd, berth_sync_msg *m, int *passed_fd, berth_error **err)
{
  return recv_msg (fd, m, passed_fd, err);
}

int
berth_sync_recv_fd (int fd, berth_sync_msg *m, int *passed_fd, berth_error **err)
{
  int r = recv_msg (fd, m, passed_fd, err);
  if (r == 0)
    return berth_fail (err, 0, "the container init exited during setup");
  return r < 0 ? -1 : 0;
}

int
berth_sync_recv (int fd, berth_sync_msg *m, berth_error **err)
{
  return berth_sync_recv_fd (fd, m, NULL, err);
}

int
berth_sync_expect (int fd, int type, berth_sync_msg *m, berth_error **err)
{
  if (berth_sync_recv (fd, m, err) < 0)
    return -1;
  if (m->type == SYNC_ERROR)
    return berth_fail (err, m->errnum, "%s", m->msg);
  if (m->type != type)
    return berth_fail (err, 0, "unexpected message %d from the container init (wanted %d)", m->type, type);
  return 0;
}

void
berth_sync_send_error (int fd, const berth_error *e)
{
  berth_sync_send (fd, SYNC_ERROR, e ? e->errnum : 0, e ? e->msg : "unknown error");
}
