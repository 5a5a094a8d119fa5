/* linux.netDevices over rtnetlink.  A move takes the interface's
   addresses away (the kernel flushes them), so the permanent global ones
   are read first and added again in the container's namespace; the
   container side talks through a netlink socket made inside that
   namespace (a socket stays in the namespace it was made in). */
#include "config.h"

#include "netdev.h"
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------ checks */

/* As the kernel's dev_valid_name; a container name may hold one %d, for
   the kernel to make unique. */
static bool
valid_ifname (const char *name, bool template_ok)
{
  size_t n = strlen (name);
  if (n == 0 || n >= IFNAMSIZ || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return false;
  int percents = 0;
  for (const char *c = name; *c; c++)
    {
      if (*c == '/' || *c == ':' || *c == ' ' || (*c >= '\t' && *c <= '\r'))
        return false;
      if (*c == '%' && (!template_ok || c[1] != 'd' || ++percents > 1))
        return false;
    }
  return true;
}

static const char *
container_name (const char *host, const oci_net_device *d)
{
  return d && d->name && *d->name ? d->name : host;
}

int
berth_net_devices_check (const oci_spec *s, bool private_net, berth_error **err)
{
  const oci_linux *l = s->linux;
  if (l == NULL || l->net_devices.len == 0)
    return 0;
  if (!private_net)
    return berth_fail (err, 0, "linux.netDevices: needs a private network namespace (`%s` would stay in the "
                       "host's)", l->net_devices.keys[0]);
  for (size_t i = 0; i < l->net_devices.len; i++)
    {
      const char *host = l->net_devices.keys[i];
      const char *name = container_name (host, l->net_devices.values[i]);
      if (!valid_ifname (host, false))
        return berth_fail (err, 0, "linux.netDevices[\"%s\"]: not an interface name", host);
      if (!valid_ifname (name, true))
        return berth_fail (err, 0, "linux.netDevices[\"%s\"].name: `%s` is not an interface name (at most %d "
                           "characters, one %%d allowed)", host, name, IFNAMSIZ - 1);
      for (size_t j = 0; j < i; j++)
        if (strcmp (container_name (l->net_devices.keys[j], l->net_devices.values[j]), name) == 0)
          return berth_fail (err, 0, "linux.netDevices[\"%s\"].name: `%s` is also the name of `%s`", host, name,
                             l->net_devices.keys[j]);
      if (strcmp (host, "lo") == 0)
        return berth_fail (err, 0, "linux.netDevices[\"lo\"]: the loopback interface cannot change namespace");
    }
  /* Last, as the only check that asks the host. */
  for (size_t i = 0; i < l->net_devices.len; i++)
    if (if_nametoindex (l->net_devices.keys[i]) == 0)
      return berth_fail (err, 0, "linux.netDevices[\"%s\"]: no such interface in berth's network namespace",
                         l->net_devices.keys[i]);
  return 0;
}

/* ------------------------------------------------------------ netlink */

typedef struct
{
  int fd;
  uint32_t seq;
} nl_sock;

/* Requests and saved addresses: a header, a body, attributes. */
typedef struct
{
  union
  {
    struct nlmsghdr h;
    char buf[1024];
  };
} nl_msg;

static struct nlmsghdr *
msg_begin (nl_msg *m, uint16_t type, uint16_t flags, const void *body, size_t len)
{
  memset (m, 0, sizeof *m);
  m->h.nlmsg_type = type;
  m->h.nlmsg_flags = NLM_F_REQUEST | flags;
  m->h.nlmsg_len = NLMSG_LENGTH (len);
  memcpy (NLMSG_DATA (&m->h), body, len);
  return &m->h;
}

static void
msg_attr (nl_msg *m, uint16_t type, const void *data, size_t len)
{
  struct rtattr *a = (struct rtattr *) (m->buf + NLMSG_ALIGN (m->h.nlmsg_len));
  if (NLMSG_ALIGN (m->h.nlmsg_len) + RTA_SPACE (len) > sizeof m->buf)
    abort (); /* our own messages are small: a programming error */
  a->rta_type = type;
  a->rta_len = (unsigned short) RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
  m->h.nlmsg_len = (uint32_t) (NLMSG_ALIGN (m->h.nlmsg_len) + RTA_SPACE (len));
}

static void
msg_attr_str (nl_msg *m, uint16_t type, const char *s)
{
  msg_attr (m, type, s, strlen (s) + 1);
}

/* A netlink socket in the network namespace netns_fd (-1: ours). */
static int
nl_open (nl_sock *nl, int procfd, int netns_fd, berth_error **err)
{
  nl->fd = -1;
  nl->seq = 0;
  cleanup_close int ours = -1;
  if (netns_fd >= 0)
    {
      /* ns files are magic links: opened through the runtime's own /proc. */
      ours = openat (procfd, "thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      if (ours < 0 || setns (netns_fd, CLONE_NEWNET) < 0)
        return berth_fail_errno (err, "linux.netDevices: enter the container's network namespace");
    }
  nl->fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int e = errno;
  if (ours >= 0 && setns (ours, CLONE_NEWNET) < 0)
    {
      /* Never go on in the container's namespace. */
      if (nl->fd >= 0)
        closep (&nl->fd);
      return berth_fail_errno (err, "linux.netDevices: return to berth's network namespace");
    }
  if (nl->fd < 0)
    return berth_fail (err, e, "linux.netDevices: netlink socket");
  return 0;
}

static int
nl_send (nl_sock *nl, struct nlmsghdr *h)
{
  h->nlmsg_seq = ++nl->seq;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  ssize_t n;
  do
    n = sendto (nl->fd, h, h->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t) h->nlmsg_len ? 0 : -1;
}

/* Receive the answers to the last request: each message goes to each (if
   not NULL) until the ACK or the end of a dump.  0, or -errno. */
static int
nl_recv (nl_sock *nl, int (*each) (const struct nlmsghdr *, void *), void *data)
{
  char buf[16384] __attribute__ ((aligned (4))); /* rtnetlink dumps come in messages of a page or two */
  for (;;)
    {
      ssize_t n;
      do
        n = recv (nl->fd, buf, sizeof buf, 0);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        return -errno;
      for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
        {
          if (h->nlmsg_seq != nl->seq)
            continue;
          if (h->nlmsg_type == NLMSG_DONE)
            return 0;
          if (h->nlmsg_type == NLMSG_ERROR)
            return ((struct nlmsgerr *) NLMSG_DATA (h))->error;
          if (each)
            {
              int r = each (h, data);
              if (r < 0)
                return r;
            }
          /* A single answer (not part of a dump) ends the exchange. */
          if (!(h->nlmsg_flags & NLM_F_MULTI))
            return 0;
        }
    }
}

static int
nl_talk (nl_sock *nl, struct nlmsghdr *h, int (*each) (const struct nlmsghdr *, void *), void *data)
{
  if (nl_send (nl, h) < 0)
    return -errno;
  return nl_recv (nl, each, data);
}

/* ------------------------------------------------------------ addresses */

typedef struct
{
  int index;
  nl_msg *saved;
  size_t n;
} addr_list;

/* Keep an address of the interface that is permanent and of global scope
   (the spec's rule), as the RTM_NEWADDR that will add it again. */
static int
keep_address (const struct nlmsghdr *h, void *data)
{
  addr_list *l = data;
  if (h->nlmsg_type != RTM_NEWADDR)
    return 0;
  const struct ifaddrmsg *ifa = NLMSG_DATA (h);
  if ((int) ifa->ifa_index != l->index || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
    return 0;
  uint32_t flags = ifa->ifa_flags;
  int len = (int) IFA_PAYLOAD (h);
  for (struct rtattr *a = IFA_RTA (ifa); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD (a) >= sizeof flags)
      memcpy (&flags, RTA_DATA (a), sizeof flags);
  if (!(flags & IFA_F_PERMANENT))
    return 0;
  l->saved = xrealloc (l->saved, (l->n + 1) * sizeof *l->saved);
  nl_msg *m = &l->saved[l->n++];
  msg_begin (m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, ifa, sizeof *ifa);
  len = (int) IFA_PAYLOAD (h);
  for (struct rtattr *a = IFA_RTA (ifa); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if (a->rta_type == IFA_ADDRESS || a->rta_type == IFA_LOCAL || a->rta_type == IFA_BROADCAST)
      msg_attr (m, a->rta_type, RTA_DATA (a), RTA_PAYLOAD (a));
  /* Lifetimes are infinite for a permanent address; the flags go on. */
  flags &= ~(uint32_t) (IFA_F_TENTATIVE | IFA_F_DADFAILED);
  msg_attr (m, IFA_FLAGS, &flags, sizeof flags);
  return 0;
}

/* ------------------------------------------------------------ links */

typedef struct
{
  int index;
  char name[IFNAMSIZ];
} link_id;

static int
read_link (const struct nlmsghdr *h, void *data)
{
  link_id *id = data;
  if (h->nlmsg_type != RTM_NEWLINK)
    return 0;
  const struct ifinfomsg *ifi = NLMSG_DATA (h);
  id->index = ifi->ifi_index;
  int len = (int) IFLA_PAYLOAD (h);
  for (struct rtattr *a = IFLA_RTA (ifi); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if (a->rta_type == IFLA_IFNAME)
      snprintf (id->name, sizeof id->name, "%.*s", (int) RTA_PAYLOAD (a), (const char *) RTA_DATA (a));
  return 0;
}

/* The link with this index (name NULL) or name, in nl's namespace. */
static int
get_link (nl_sock *nl, int index, const char *name, link_id *out)
{
  nl_msg m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = name ? 0 : index };
  msg_begin (&m, RTM_GETLINK, 0, &ifi, sizeof ifi);
  if (name)
    msg_attr_str (&m, IFLA_IFNAME, name);
  memset (out, 0, sizeof *out);
  int r = nl_talk (nl, &m.h, read_link, out);
  return r < 0 ? r : out->index > 0 ? 0 : -ENODEV;
}

static int
set_link (nl_sock *nl, int index, int netns_fd, const char *name, bool up)
{
  nl_msg m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
  if (up)
    ifi.ifi_flags = ifi.ifi_change = IFF_UP;
  msg_begin (&m, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
  if (netns_fd >= 0)
    {
      uint32_t fd = (uint32_t) netns_fd;
      msg_attr (&m, IFLA_NET_NS_FD, &fd, sizeof fd);
    }
  if (name)
    msg_attr_str (&m, IFLA_IFNAME, name);
  return nl_talk (nl, &m.h, NULL, NULL);
}

static int
move_one (nl_sock *host, nl_sock *inside, int netns_fd, const char *from, const char *to, berth_error **err)
{
  link_id id;
  int r = get_link (host, 0, from, &id);
  if (r < 0)
    return berth_fail (err, -r, "linux.netDevices[\"%s\"]: find the interface", from);
  addr_list addrs = { .index = id.index };
  nl_msg dump;
  struct ifaddrmsg any = { .ifa_family = AF_UNSPEC };
  msg_begin (&dump, RTM_GETADDR, NLM_F_DUMP, &any, sizeof any);
  if ((r = nl_talk (host, &dump.h, keep_address, &addrs)) < 0)
    {
      free (addrs.saved);
      return berth_fail (err, -r, "linux.netDevices[\"%s\"]: read its addresses", from);
    }
  /* The name goes with the move: the kernel uses it if `from` is taken in
     the container's namespace. */
  if ((r = set_link (host, id.index, netns_fd, to, false)) < 0)
    {
      free (addrs.saved);
      return berth_fail (err, -r, "linux.netDevices[\"%s\"]: move it into the container as `%s`", from, to);
    }
  /* The index stays unless the namespace has it; then look by name. */
  link_id in;
  bool template = strchr (to, '%') != NULL;
  r = get_link (inside, id.index, NULL, &in);
  if (r < 0)
    r = get_link (inside, 0, from, &in);
  if (r < 0 && !template)
    r = get_link (inside, 0, to, &in);
  /* Renamed unless the kernel did it already (for a template: it made a
     name of it, so the name is no longer `from`). */
  if (r == 0 && strcmp (in.name, to) != 0 && !(template && strcmp (in.name, from) != 0))
    r = set_link (inside, in.index, -1, to, false);
  if (r < 0)
    {
      free (addrs.saved);
      return berth_fail (err, -r, "linux.netDevices[\"%s\"]: name it `%s` in the container", from, to);
    }
  for (size_t i = 0; i < addrs.n && r >= 0; i++)
    {
      ((struct ifaddrmsg *) NLMSG_DATA (&addrs.saved[i].h))->ifa_index = (unsigned) in.index;
      r = nl_talk (inside, &addrs.saved[i].h, NULL, NULL);
      if (r == -EEXIST)
        r = 0;
    }
  free (addrs.saved);
  if (r < 0)
    return berth_fail (err, -r, "linux.netDevices[\"%s\"]: add its addresses again in the container", from);
  if ((r = set_link (inside, in.index, -1, NULL, true)) < 0)
    return berth_fail (err, -r, "linux.netDevices[\"%s\"]: set `%s` up", from, to);
  return 0;
}

int
berth_net_devices_move (const oci_spec *s, int procfd, pid_t pid, berth_error **err)
{
  const oci_linux *l = s->linux;
  if (l == NULL || l->net_devices.len == 0)
    return 0;
  char path[64];
  snprintf (path, sizeof path, "%d/ns/net", (int) pid);
  cleanup_close int netns = openat (procfd, path, O_RDONLY | O_CLOEXEC);
  if (netns < 0)
    return berth_fail_errno (err, "linux.netDevices: open the container's network namespace");
  nl_sock host, inside;
  if (nl_open (&host, procfd, -1, err) < 0)
    return -1;
  cleanup_close int host_fd = host.fd;
  if (nl_open (&inside, procfd, netns, err) < 0)
    return -1;
  cleanup_close int inside_fd = inside.fd;
  for (size_t i = 0; i < l->net_devices.len; i++)
    {
      const char *from = l->net_devices.keys[i];
      if (move_one (&host, &inside, netns, from, container_name (from, l->net_devices.values[i]), err) < 0)
        return -1;
    }
  return 0;
}
