#include "config.h"

#include "netlink.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "libberth/util.h"

struct dock_nl
{
  struct mnl_socket *sock;
  unsigned portid;
  unsigned seq;
  char buf[32768]; /* MNL_SOCKET_BUFFER_SIZE is not a constant */
};

typedef struct
{
  int netns_fd;
  struct mnl_socket *sock;
  int errnum;
  const char *step;
} open_args;

static void *
open_in_netns (void *p)
{
  open_args *a = p;
  /* This thread alone joins the namespace; it exits right after, so no
     thread of dock is left in a container's namespace. */
  if (a->netns_fd >= 0 && setns (a->netns_fd, CLONE_NEWNET) < 0)
    {
      a->errnum = errno;
      a->step = "setns";
      return NULL;
    }
  a->sock = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (a->sock == NULL)
    {
      a->errnum = errno;
      a->step = "socket";
    }
  return NULL;
}

int
dock_nl_open (int netns_fd, dock_nl **out, berth_error **err)
{
  open_args a = { .netns_fd = netns_fd };
  if (netns_fd < 0)
    open_in_netns (&a);
  else
    {
      pthread_t t;
      int rc = pthread_create (&t, NULL, open_in_netns, &a);
      if (rc != 0)
        return berth_fail (err, rc, "netlink: create thread");
      pthread_join (t, NULL);
    }
  if (a.sock == NULL)
    return berth_fail (err, a.errnum, "netlink: %s%s", a.step,
                       a.step && strcmp (a.step, "setns") == 0 ? " into the container's network namespace" : "");
  int one = 1;
  /* Extended ACKs carry the kernel's reason as text; capped ACKs do not
     echo our request back. */
  setsockopt (mnl_socket_get_fd (a.sock), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt (mnl_socket_get_fd (a.sock), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  if (mnl_socket_bind (a.sock, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      int e = errno;
      mnl_socket_close (a.sock);
      return berth_fail (err, e, "netlink: bind");
    }
  dock_nl *nl = xcalloc (1, sizeof *nl);
  nl->sock = a.sock;
  nl->portid = mnl_socket_get_portid (a.sock);
  nl->seq = (unsigned) time (NULL);
  *out = nl;
  return 0;
}

void
dock_nl_close (dock_nl *nl)
{
  if (nl == NULL)
    return;
  mnl_socket_close (nl->sock);
  free (nl);
}

void
dock_nl_closep (dock_nl **nl)
{
  dock_nl_close (*nl);
  *nl = NULL;
}

struct nlmsghdr *
dock_nl_begin (dock_nl *nl, uint16_t type, uint16_t flags)
{
  struct nlmsghdr *nlh = mnl_nlmsg_put_header (nl->buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  nlh->nlmsg_seq = ++nl->seq;
  return nlh;
}

static int
extack_attr (const struct nlattr *attr, void *data)
{
  if (mnl_attr_get_type (attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate (attr, MNL_TYPE_NUL_STRING) == 0)
    *(const char **) data = mnl_attr_get_str (attr);
  return MNL_CB_OK;
}

/* 1: ACK, 0: not an error message, -1: error recorded. */
static int
handle_error (const struct nlmsghdr *nlh, const char *what, berth_error **err)
{
  const struct nlmsgerr *e = mnl_nlmsg_get_payload (nlh);
  if (nlh->nlmsg_len < mnl_nlmsg_size (sizeof *e))
    return berth_fail (err, EBADMSG, "%s: truncated netlink error", what);
  if (e->error == 0)
    return 1;
  const char *text = NULL;
  if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
    {
      size_t off = sizeof *e;
      if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
        off += e->msg.nlmsg_len - sizeof (struct nlmsghdr);
      mnl_attr_parse (nlh, off, extack_attr, &text);
    }
  if (text && *text)
    return berth_fail (err, -e->error, "%s: %s", what, text);
  return berth_fail (err, -e->error, "%s", what);
}

int
dock_nl_transact (dock_nl *nl, struct nlmsghdr *req, dock_nl_reply_cb cb, void *data, const char *what,
                  berth_error **err)
{
  unsigned seq = req->nlmsg_seq;
  if (mnl_socket_sendto (nl->sock, req, req->nlmsg_len) < 0)
    return berth_fail_errno (err, "%s: netlink send", what);
  for (;;)
    {
      ssize_t n = mnl_socket_recvfrom (nl->sock, nl->buf, sizeof nl->buf);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return berth_fail_errno (err, "%s: netlink receive", what);
        }
      int len = (int) n;
      for (const struct nlmsghdr *nlh = (const struct nlmsghdr *) nl->buf; mnl_nlmsg_ok (nlh, len);
           nlh = mnl_nlmsg_next (nlh, &len))
        {
          if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
            continue; /* a stale answer to an earlier request */
          if (nlh->nlmsg_type == NLMSG_ERROR)
            {
              int rc = handle_error (nlh, what, err);
              return rc < 0 ? -1 : 0;
            }
          if (nlh->nlmsg_type == NLMSG_DONE)
            return 0;
          if (cb && cb (nlh, data) < 0)
            return berth_fail (err, EBADMSG, "%s: unexpected netlink reply", what);
        }
    }
}
