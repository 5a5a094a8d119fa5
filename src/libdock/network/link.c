#include "config.h"

#include "link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libberth/util.h"

/* Hand a local error to the caller (who may not want it). */
static int
pass_error (berth_error **err, berth_error **local)
{
  if (err && *err == NULL)
    *err = steal_pointer (local);
  return -1;
}

static int
check_name (const char *name, berth_error **err)
{
  if (name == NULL || *name == '\0' || strlen (name) >= IFNAMSIZ || strchr (name, '/') || strchr (name, ' '))
    return berth_fail (err, EINVAL, "invalid interface name \"%s\"", name ? name : "");
  return 0;
}

static struct ifinfomsg *
put_ifinfo (struct nlmsghdr *nlh)
{
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header (nlh, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  return ifi;
}

typedef struct
{
  int index;
  char kind[32];
} link_info;

static int
linkinfo_attr (const struct nlattr *attr, void *data)
{
  link_info *li = data;
  if (mnl_attr_get_type (attr) == IFLA_INFO_KIND && mnl_attr_validate (attr, MNL_TYPE_STRING) == 0)
    snprintf (li->kind, sizeof li->kind, "%.*s", (int) mnl_attr_get_payload_len (attr),
              (const char *) mnl_attr_get_payload (attr));
  return MNL_CB_OK;
}

static int
link_attr (const struct nlattr *attr, void *data)
{
  if (mnl_attr_get_type (attr) == IFLA_LINKINFO)
    mnl_attr_parse_nested (attr, linkinfo_attr, data);
  return MNL_CB_OK;
}

static int
link_reply (const struct nlmsghdr *nlh, void *data)
{
  link_info *li = data;
  if (nlh->nlmsg_type != RTM_NEWLINK)
    return 0;
  const struct ifinfomsg *ifi = mnl_nlmsg_get_payload (nlh);
  li->index = ifi->ifi_index;
  mnl_attr_parse (nlh, sizeof *ifi, link_attr, li);
  return 0;
}

static int
get_link (dock_nl *nl, const char *name, link_info *li, berth_error **err)
{
  memset (li, 0, sizeof *li);
  if (check_name (name, err) < 0)
    return -1;
  struct nlmsghdr *nlh = dock_nl_begin (nl, RTM_GETLINK, 0);
  put_ifinfo (nlh);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  cleanup_free char *what = xasprintf ("look up link %s", name);
  if (dock_nl_transact (nl, nlh, link_reply, li, what, err) < 0)
    return -1;
  if (li->index <= 0)
    return berth_fail (err, ENODEV, "%s", what);
  return 0;
}

int
dock_link_index (dock_nl *nl, const char *name, int *index, berth_error **err)
{
  link_info li;
  if (get_link (nl, name, &li, err) < 0)
    return -1;
  *index = li.index;
  return 0;
}

int
dock_link_bridge_ensure (dock_nl *nl, const char *name, unsigned mtu, berth_error **err)
{
  if (check_name (name, err) < 0)
    return -1;
  struct nlmsghdr *nlh = dock_nl_begin (nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifi = put_ifinfo (nlh);
  ifi->ifi_flags = ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  if (mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  struct nlattr *info = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
  mnl_attr_put_strz (nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end (nlh, info);
  cleanup_free char *what = xasprintf ("create bridge %s", name);
  cleanup_error berth_error *local = NULL;
  if (dock_nl_transact (nl, nlh, NULL, NULL, what, &local) == 0)
    return 0;
  if (local->errnum != EEXIST)
    return pass_error (err, &local);
  /* It exists: fine if it is a bridge, which is then brought up. */
  link_info li;
  if (get_link (nl, name, &li, err) < 0)
    return -1;
  if (strcmp (li.kind, "bridge") != 0)
    return berth_fail (err, EEXIST, "%s: a %s link of that name exists", what, li.kind[0] ? li.kind : "non-bridge");
  return dock_link_set_up (nl, name, err);
}

int
dock_link_veth_create (dock_nl *nl, const char *host_name, const char *peer_name, int peer_netns_fd,
                       const char *master, unsigned mtu, berth_error **err)
{
  if (check_name (host_name, err) < 0 || check_name (peer_name, err) < 0)
    return -1;
  int master_index = 0;
  if (master && dock_link_index (nl, master, &master_index, err) < 0)
    return -1;
  struct nlmsghdr *nlh = dock_nl_begin (nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifi = put_ifinfo (nlh);
  ifi->ifi_flags = ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz (nlh, IFLA_IFNAME, host_name);
  if (mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  if (master_index)
    mnl_attr_put_u32 (nlh, IFLA_MASTER, (uint32_t) master_index);
  struct nlattr *info = mnl_attr_nest_start (nlh, IFLA_LINKINFO);
  mnl_attr_put_strz (nlh, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start (nlh, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start (nlh, VETH_INFO_PEER);
  /* The peer's attributes follow an ifinfomsg of its own; IFLA_NET_NS_FD
     makes the kernel create it in the container's namespace directly, so
     no move and no rename are needed. */
  struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header (nlh, sizeof *pifi);
  memset (pifi, 0, sizeof *pifi);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, peer_name);
  if (mtu)
    mnl_attr_put_u32 (nlh, IFLA_MTU, mtu);
  if (peer_netns_fd >= 0)
    mnl_attr_put_u32 (nlh, IFLA_NET_NS_FD, (uint32_t) peer_netns_fd);
  mnl_attr_nest_end (nlh, peer);
  mnl_attr_nest_end (nlh, data);
  mnl_attr_nest_end (nlh, info);
  cleanup_free char *what = xasprintf ("create veth pair %s/%s", host_name, peer_name);
  return dock_nl_transact (nl, nlh, NULL, NULL, what, err);
}

static int
set_link (dock_nl *nl, const char *name, const char *what, unsigned flags, int master_index, int netns_fd,
          const char *new_name, berth_error **err)
{
  if (check_name (name, err) < 0 || (new_name && check_name (new_name, err) < 0))
    return -1;
  link_info li;
  if (get_link (nl, name, &li, err) < 0)
    return -1;
  struct nlmsghdr *nlh = dock_nl_begin (nl, RTM_NEWLINK, 0);
  struct ifinfomsg *ifi = put_ifinfo (nlh);
  ifi->ifi_index = li.index;
  if (flags)
    ifi->ifi_flags = ifi->ifi_change = flags;
  if (master_index >= 0)
    mnl_attr_put_u32 (nlh, IFLA_MASTER, (uint32_t) master_index);
  if (netns_fd >= 0)
    mnl_attr_put_u32 (nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
  if (new_name)
    mnl_attr_put_strz (nlh, IFLA_IFNAME, new_name);
  cleanup_free char *text = xasprintf ("%s %s", what, name);
  return dock_nl_transact (nl, nlh, NULL, NULL, text, err);
}

int
dock_link_set_master (dock_nl *nl, const char *name, const char *master, berth_error **err)
{
  int index;
  if (dock_link_index (nl, master, &index, err) < 0)
    return -1;
  return set_link (nl, name, "attach to bridge:", 0, index, -1, NULL, err);
}

int
dock_link_set_up (dock_nl *nl, const char *name, berth_error **err)
{
  return set_link (nl, name, "set link up:", IFF_UP, -1, -1, NULL, err);
}

int
dock_link_set_netns (dock_nl *nl, const char *name, int netns_fd, const char *new_name, berth_error **err)
{
  return set_link (nl, name, "move to the container's namespace: link", 0, -1, netns_fd, new_name, err);
}

int
dock_link_delete (dock_nl *nl, const char *name, bool missing_ok, berth_error **err)
{
  if (check_name (name, err) < 0)
    return -1;
  struct nlmsghdr *nlh = dock_nl_begin (nl, RTM_DELLINK, 0);
  put_ifinfo (nlh);
  mnl_attr_put_strz (nlh, IFLA_IFNAME, name);
  cleanup_free char *what = xasprintf ("delete link %s", name);
  cleanup_error berth_error *local = NULL;
  if (dock_nl_transact (nl, nlh, NULL, NULL, what, &local) == 0)
    return 0;
  if (missing_ok && local->errnum == ENODEV)
    return 0;
  return pass_error (err, &local);
}

typedef struct
{
  int family;
  unsigned char addr[16];
  unsigned prefix;
} inet_cidr;

static int
parse_addr (const char *s, inet_cidr *out, bool want_prefix, berth_error **err)
{
  cleanup_free char *ip = xstrdup (s);
  char *slash = strchr (ip, '/');
  unsigned long long prefix = 0;
  if (slash)
    {
      *slash = '\0';
      if (parse_uint64 (slash + 1, &prefix) < 0)
        return berth_fail (err, EINVAL, "invalid CIDR address: %s", s);
    }
  else if (want_prefix)
    return berth_fail (err, EINVAL, "invalid CIDR address: %s", s);
  if (inet_pton (AF_INET, ip, out->addr) == 1)
    out->family = AF_INET;
  else if (inet_pton (AF_INET6, ip, out->addr) == 1)
    out->family = AF_INET6;
  else
    return berth_fail (err, EINVAL, "invalid IP address: %s", ip);
  if (prefix > (out->family == AF_INET ? 32u : 128u))
    return berth_fail (err, EINVAL, "invalid CIDR address: %s", s);
  out->prefix = (unsigned) prefix;
  return 0;
}

int
dock_addr_add (dock_nl *nl, const char *ifname, const char *cidr, berth_error **err)
{
  inet_cidr a;
  int index;
  if (parse_addr (cidr, &a, true, err) < 0 || dock_link_index (nl, ifname, &index, err) < 0)
    return -1;
  struct nlmsghdr *nlh = dock_nl_begin (nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header (nlh, sizeof *ifa);
  ifa->ifa_family = (unsigned char) a.family;
  ifa->ifa_prefixlen = (unsigned char) a.prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = (unsigned) index;
  size_t len = a.family == AF_INET ? 4 : 16;
  mnl_attr_put (nlh, IFA_LOCAL, len, a.addr);
  mnl_attr_put (nlh, IFA_ADDRESS, len, a.addr);
  if (a.family == AF_INET && a.prefix < 31)
    {
      uint32_t host;
      memcpy (&host, a.addr, 4);
      uint32_t brd = htonl (ntohl (host) | (a.prefix ? 0xffffffffu >> a.prefix : 0xffffffffu));
      mnl_attr_put_u32 (nlh, IFA_BROADCAST, brd);
    }
  cleanup_free char *what = xasprintf ("add address %s to %s", cidr, ifname);
  return dock_nl_transact (nl, nlh, NULL, NULL, what, err);
}

int
dock_route_add_default (dock_nl *nl, const char *gateway, berth_error **err)
{
  inet_cidr gw;
  if (parse_addr (gateway, &gw, false, err) < 0)
    return -1;
  struct nlmsghdr *nlh = dock_nl_begin (nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg *rtm = mnl_nlmsg_put_extra_header (nlh, sizeof *rtm);
  rtm->rtm_family = (unsigned char) gw.family;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put (nlh, RTA_GATEWAY, gw.family == AF_INET ? 4 : 16, gw.addr);
  cleanup_free char *what = xasprintf ("add default route via %s", gateway);
  return dock_nl_transact (nl, nlh, NULL, NULL, what, err);
}

int
dock_netns_fd (int fd, int *netns_fd, berth_error **err)
{
  *netns_fd = -1;
  char path[64];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", fd);
  cleanup_free char *info = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, path, &info, &len, err) < 0)
    return -1;
  /* Only pidfds have a "Pid:" line in their fdinfo. */
  const char *pid_line = strstr (info, "\nPid:");
  if (pid_line == NULL && strncmp (info, "Pid:", 4) != 0)
    {
      *netns_fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
      return *netns_fd < 0 ? berth_fail_errno (err, "dup namespace fd") : 0;
    }
  long pid = strtol (pid_line ? pid_line + 5 : info + 4, NULL, 10);
  if (pid <= 0)
    return berth_fail (err, ESRCH, "the container's process has exited");
  snprintf (path, sizeof path, "/proc/%ld/ns/net", pid);
  cleanup_close int ns = open (path, O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    return berth_fail_errno (err, "open %s", path);
  /* The pid is the pidfd's process only if that process still lives now
     that the namespace is open. */
  if (syscall (SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0)
    return berth_fail_errno (err, "the container's process has exited");
  *netns_fd = steal_fd (&ns);
  return 0;
}

int
dock_net_attach (dock_nl *host_nl, const dock_attach *a, berth_error **err)
{
  const char *ifname = a->container_ifname ? a->container_ifname : "eth0";
  cleanup_close int nsfd = -1;
  if (dock_netns_fd (a->netns_fd, &nsfd, err) < 0)
    return berth_error_wrap (err, "attach to %s", a->bridge ? a->bridge : "network");
  if (dock_link_veth_create (host_nl, a->host_veth, ifname, nsfd, a->bridge, a->mtu, err) < 0)
    return -1;
  /* From here a failure removes the pair, so nothing is left behind. */
  cleanup_nl dock_nl *cnl = NULL;
  if (dock_nl_open (nsfd, &cnl, err) < 0 || dock_link_set_up (cnl, "lo", err) < 0
      || dock_addr_add (cnl, ifname, a->address, err) < 0 || dock_link_set_up (cnl, ifname, err) < 0
      || (a->gateway && dock_route_add_default (cnl, a->gateway, err) < 0))
    {
      dock_link_delete (host_nl, a->host_veth, true, NULL);
      return berth_error_wrap (err, "attach to %s", a->bridge ? a->bridge : "network");
    }
  return 0;
}

int
dock_net_detach (dock_nl *host_nl, const char *host_veth, berth_error **err)
{
  return dock_link_delete (host_nl, host_veth, true, err);
}

static int
write_sysctl (const char *path, const char *value, berth_error **err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "open %s", path);
  if (write_all (fd, value, strlen (value)) < 0)
    return berth_fail_errno (err, "write %s", path);
  return 0;
}

int
dock_bridge_sysctls (const char *bridge, berth_error **err)
{
  if (check_name (bridge, err) < 0)
    return -1;
  cleanup_free char *localnet = xasprintf ("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
  if (write_sysctl ("/proc/sys/net/ipv4/ip_forward", "1", err) < 0 || write_sysctl (localnet, "1", err) < 0)
    return -1;
  return 0;
}
