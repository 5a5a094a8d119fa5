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
  int fd = unix_stream_connect (path);
  if (fd < 0)
    return berth_fail_errno (err, "--console-socket: connect to `%s`", path);
  return fd;
}

int
berth_console_recv_fd (int sock, berth_error **err)
{
  char buf[256];
  int fd;
  if (recv_with_fd (sock, buf, sizeof buf, &fd) < 0)
    return berth_fail_errno (err, "receive the pty master");
  if (fd < 0)
    return berth_fail (err, 0, "no pty master received");
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

  /* The container's own pty belongs to its user, as in runc (which
     chowns it with the rest of stdio). */
  if (p->user && p->user->uid_present && fchown (slave, p->user->uid, (gid_t) -1) < 0 && errno != EPERM
      && errno != EINVAL && errno != EROFS)
    return berth_fail_errno (err, "the pty slave: chown to uid %u", (unsigned) p->user->uid);

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
      /* By fd, not through /proc/self/fd: the init is in the rootfs by now,
         and the container's /proc may be anything (procfs.h). */
      cleanup_close int target = open ("/dev/console", O_PATH | O_CLOEXEC);
      cleanup_close int tree = open_tree (slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
      if (target < 0 || tree < 0
          || move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return berth_fail_errno (err, "bind the pty on /dev/console");
    }

  if (send_with_fd (sock, "/dev/ptmx", strlen ("/dev/ptmx"), master) < 0)
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
