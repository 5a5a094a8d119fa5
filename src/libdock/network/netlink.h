/* rtnetlink through libmnl: one socket per network namespace, requests
   answered by an ACK whose extended-ACK message becomes the error text.
   link.c builds the requests dock needs on top of this. */
#ifndef DOCK_NETWORK_NETLINK_H
#define DOCK_NETWORK_NETLINK_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "libberth/error.h"

typedef struct dock_nl dock_nl;

/* A NETLINK_ROUTE socket in the namespace of netns_fd (a pidfd or an open
   /proc/PID/ns/net), or in the caller's namespace for -1.  The socket is
   opened by a short-lived thread that joins the namespace and exits, so
   the calling thread never leaves its own; a socket stays in the namespace
   it was made in. */
int dock_nl_open (int netns_fd, dock_nl **out, berth_error **err);
void dock_nl_close (dock_nl *nl);
void dock_nl_closep (dock_nl **nl);
#define cleanup_nl __attribute__ ((cleanup (dock_nl_closep)))

/* The message being built (one request at a time per socket). */
struct nlmsghdr *dock_nl_begin (dock_nl *nl, uint16_t type, uint16_t flags);

/* Called for every reply message that is not an ACK/error/DONE. */
typedef int (*dock_nl_reply_cb) (const struct nlmsghdr *nlh, void *data);

/* Send the message and read until its ACK (or DONE for dumps).  A kernel
   error becomes "<what>: <extack text>" with the errno. */
int dock_nl_transact (dock_nl *nl, struct nlmsghdr *req, dock_nl_reply_cb cb, void *data, const char *what,
                      berth_error **err);

#endif
