#include "config.h"

#include "sync.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int
berth_sync_send (int fd, int type, int errnum, const char *msg)
{
  berth_sync_msg m = { .type = type, .errnum = errnum };
  if (msg)
    snprintf (m.msg, sizeof m.msg, "%s", msg);
  ssize_t n;
  do
    n = send (fd, &m, sizeof m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t) sizeof m ? 0 : -1;
}

int
berth_sync_recv_or_eof (int fd, berth_sync_msg *m, berth_error **err)
{
  ssize_t n;
  do
    n = recv (fd, m, sizeof *m, 0);
  while (n < 0 && errno == EINTR);
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
berth_sync_recv (int fd, berth_sync_msg *m, berth_error **err)
{
  int r = berth_sync_recv_or_eof (fd, m, err);
  if (r == 0)
    return berth_fail (err, 0, "the container init exited during setup");
  return r < 0 ? -1 : 0;
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
