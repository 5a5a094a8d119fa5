/* process.terminal: the init makes a pty in the container's devpts, makes
   the slave its controlling terminal and stdio (and /dev/console), and
   sends the master to --console-socket over SCM_RIGHTS, as runc does. */
#ifndef BERTH_TERMINAL_H
#define BERTH_TERMINAL_H

#include "error.h"
#include "init.h"

int berth_terminal_setup_init (berth_init_ctx *c, berth_error **err);
/* Connect to the --console-socket path (before the init loses the host's view). */
int berth_console_socket_connect (const char *path, berth_error **err);
/* Receive a pty master sent over a unix socket. */
int berth_console_recv_fd (int sock, berth_error **err);

#endif
