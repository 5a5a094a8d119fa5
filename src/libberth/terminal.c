#include "config.h"

#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int
berth_console_socket_connect (const char *path, berth_error **err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return berth_fail (err, ENAMETOOLONG, "--console-socket `%s`", path);
  strcpy (addr.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return berth_fail_errno (err, "--console-socket: socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      int e = errno;
      close (fd);
      return berth_fail (err, e, "--console-socket: connect to `%s`", path);
    }
  return fd;
}

static int
send_fd (int sock, int fd, const char *name)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  memset (cbuf, 0, sizeof cbuf);
  struct iovec iov = { .iov_base = (void *) name, .iov_len = strlen (name) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof (int));
  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

int
berth_console_recv_fd (int sock, berth_error **err)
{
  char buf[256], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return berth_fail_errno (err, "receive the pty master");
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
    return berth_fail (err, 0, "no pty master received");
  int fd;
  memcpy (&fd, CMSG_DATA (cm), sizeof fd);
  return fd;
}

int
berth_terminal_setup (const oci_process *p, int console_fd, bool bind_console, berth_error **err)
{
  cleanup_close int sock = console_fd;
  cleanup_close int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return berth_fail_errno (err, "open /dev/ptmx");
  if (unlockpt (master) < 0)
    return berth_fail_errno (err, "unlockpt");
  /* TIOCGPTPEER opens the slave through the master: no path to race on. */
  cleanup_close int slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return berth_fail_errno (err, "open the pty slave");

  if (p->console_size)
    {
      struct winsize ws = { .ws_row = (unsigned short) p->console_size->height,
                            .ws_col = (unsigned short) p->console_size->width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return berth_fail_errno (err, "process.consoleSize");
    }

  if (bind_console)
    {
      /* /dev/console is the slave, bound over an empty file. */
      struct stat st;
      if (stat ("/dev/console", &st) < 0)
        {
          int f = open ("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
          if (f >= 0)
            close (f);
        }
      cleanup_free char *slave_path = xasprintf ("/proc/self/fd/%d", slave);
      if (mount (slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
        return berth_fail_errno (err, "bind the pty on /dev/console");
    }

  if (send_fd (sock, master, "/dev/ptmx") < 0)
    return berth_fail_errno (err, "send the pty master to the console socket");

  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return berth_fail_errno (err, "make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return berth_fail_errno (err, "dup the pty to fd %d", fd);
  return 0;
}

int
berth_terminal_setup_init (berth_init_ctx *c, berth_error **err)
{
  if (c->console_fd < 0)
    return berth_fail (err, 0, "process.terminal is set: a --console-socket is required");
  return berth_terminal_setup (c->spec->process, steal_fd (&c->console_fd), true, err);
}
