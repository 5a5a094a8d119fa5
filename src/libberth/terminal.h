/* process.terminal: the init makes a pty in the container's devpts, makes
   the slave its controlling terminal and stdio (and /dev/console), and
   sends the master to --console-socket over SCM_RIGHTS, as runc does. */
#ifndef BERTH_TERMINAL_H
#define BERTH_TERMINAL_H

#include <stdbool.h>

#include "error.h"
#include "init.h"

/* Make a pty in the current mount namespace's /dev/pts, size it from
   p->consoleSize, send its master over console_fd (which is closed), and
   make its slave the controlling terminal and stdio of the caller (who
   must lead a session).  bind_console: also bind the slave on
   /dev/console, as a container's init does. */
int berth_terminal_setup (const oci_process *p, int console_fd, bool bind_console, berth_error **err);
int berth_terminal_setup_init (berth_init_ctx *c, berth_error **err);
/* Connect to the --console-socket path (before the init loses the host's view). */
int berth_console_socket_connect (const char *path, berth_error **err);
/* Receive a pty master sent over a unix socket. */
int berth_console_recv_fd (int sock, berth_error **err);

#endif
