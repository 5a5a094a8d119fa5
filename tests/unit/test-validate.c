/* Unit tests of the validation pass (src/libberth/validate.c): one group
 * per rule, each from a small JSON config merged over a valid base. */
#include "config.h"

#include "libberth/spec.h"
#include "libberth/util.h"
#include "libberth/validate.h"
#include "tap.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A valid config: what each case starts from.  LINUX_EXTRA and TOP_EXTRA
   are spliced in by the cases. */
#define BASE(TOP_EXTRA, PROCESS_EXTRA, NAMESPACES, LINUX_EXTRA)                                                    \
  "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"},"                                                  \
  "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"" PROCESS_EXTRA "},"                                            \
  "\"linux\": {\"namespaces\": [" NAMESPACES "]" LINUX_EXTRA "}" TOP_EXTRA "}"

#define ALL_NS "{\"type\": \"mount\"}, {\"type\": \"uts\"}, {\"type\": \"ipc\"}, {\"type\": \"network\"}"
#define MOUNT_NS "{\"type\": \"mount\"}"

static oci_spec *
parse (const char *json)
{
  char *perr = NULL;
  oci_spec *s = oci_spec_parse_data (json, strlen (json), "config.json", &perr);
  if (s == NULL)
    {
      diag ("cannot parse the test's config: %s", perr);
      free (perr);
    }
  return s;
}

static void
expect_ok (const char *what, const char *json)
{
  oci_spec *s = parse (json);
  berth_error *err = NULL;
  tap_ok (s && berth_validate_config (s, &err) == 0, "%s: accepted", what);
  if (err)
    diag ("got: %s", err->msg);
  berth_error_free (err);
  oci_spec_free (s);
}

static void
expect_refused (const char *what, const char *json, const char *needle)
{
  oci_spec *s = parse (json);
  berth_error *err = NULL;
  bool ok = s && berth_validate_config (s, &err) < 0 && err && strstr (err->msg, needle);
  tap_ok (ok, "%s: refused naming `%s`", what, needle);
  if (!ok)
    diag ("got: %s", err ? err->msg : "no error");
  berth_error_free (err);
  oci_spec_free (s);
}

static void
test_base_and_default (void)
{
  expect_ok ("the base config", BASE ("", "", MOUNT_NS, ""));
  berth_error *err = NULL;
  oci_spec *s = berth_spec_default (false, &err);
  tap_ok (s && berth_validate_config (s, &err) == 0, "berth spec's default config: accepted");
  oci_spec_free (s);
  s = berth_spec_default (true, &err);
  tap_ok (s && berth_validate_config (s, &err) == 0, "berth spec --rootless's config: accepted");
  if (err)
    diag ("got: %s", err->msg);
  berth_error_free (err);
  oci_spec_free (s);
}

static void
test_process (void)
{
  expect_refused ("no process", "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"},"
                  "\"linux\": {\"namespaces\": [" MOUNT_NS "]}}", "process: required");
  expect_refused ("empty args",
                  "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [], \"cwd\": \"/\"},"
                  "\"linux\": {\"namespaces\": [" MOUNT_NS "]}}",
                  "process.args: must name the program");
  expect_refused ("relative cwd",
                  "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"sh\"], "
                  "\"cwd\": \"tmp\"}, \"linux\": {\"namespaces\": [" MOUNT_NS "]}}",
                  "process.cwd: `tmp` is not an absolute path");
}

static void
test_user_ids (void)
{
  const char *range = "uids and gids must be in range 0-2147483647";
  expect_refused ("uid 4294967295", BASE ("", ", \"user\": {\"uid\": 4294967295, \"gid\": 0}", MOUNT_NS, ""),
                  range);
  expect_refused ("gid 2147483648", BASE ("", ", \"user\": {\"uid\": 0, \"gid\": 2147483648}", MOUNT_NS, ""),
                  "process.user.gid: 2147483648");
  expect_refused ("additional gid 4294967295",
                  BASE ("", ", \"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [5, 4294967295]}", MOUNT_NS, ""),
                  "process.user.additionalGids[1]: 4294967295");
  expect_ok ("uid and gid 2147483647", BASE ("", ", \"user\": {\"uid\": 2147483647, \"gid\": 2147483647}", MOUNT_NS, ""));

  /* The same rules for exec's process, named as exec's user gave it. */
  char *perr = NULL;
  const char *json = "{\"args\": [\"id\"], \"cwd\": \"/\", \"user\": {\"uid\": 4294967295, \"gid\": 0}}";
  oci_process *p = oci_process_parse_data (json, strlen (json), "process.json", &perr);
  berth_error *err = NULL;
  bool ok = p && berth_validate_process (p, "--process: ", &err) < 0 && err
            && strstr (err->msg, "--process: user.uid: 4294967295: uids and gids must be in range");
  tap_ok (ok, "exec's process: uid 4294967295 refused");
  if (!ok)
    diag ("got: %s", err ? err->msg : perr ? perr : "no error");
  berth_error_free (err);
  free (perr);
  oci_process_free (p);
}

static void
test_root (void)
{
  expect_refused ("no root", "{\"ociVersion\": \"1.3.0\", \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
                  "\"linux\": {\"namespaces\": [" MOUNT_NS "]}}", "root: required");
}

static void
test_namespaces (void)
{
  expect_refused ("unknown namespace", BASE ("", "", MOUNT_NS ", {\"type\": \"bogus\"}", ""),
                  "unknown namespace type `bogus`");
  expect_refused ("namespace twice", BASE ("", "", MOUNT_NS ", {\"type\": \"pid\"}, {\"type\": \"pid\"}", ""),
                  "linux.namespaces[2]: namespace `pid` listed twice");
  expect_ok ("no mount namespace and nothing to mount (chroot only, as runc and crun)",
             BASE ("", "", "{\"type\": \"pid\"}", ""));
  expect_ok ("no namespaces at all", BASE ("", "", "", ""));
  expect_refused ("mounts without a mount namespace",
                  BASE (", \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}]",
                        "", "{\"type\": \"pid\"}", ""),
                  "need a mount namespace");
  expect_refused ("masked paths without a mount namespace",
                  BASE ("", "", "", ", \"maskedPaths\": [\"/proc/kcore\"]"), "need a mount namespace");
  expect_refused ("uid mappings without a user namespace",
                  BASE ("", "", MOUNT_NS, ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]"),
                  "linux.uidMappings: given without a user namespace");
  expect_refused ("time offsets without a time namespace",
                  BASE ("", "", MOUNT_NS, ", \"timeOffsets\": {\"boottime\": {\"secs\": 1}}"),
                  "linux.timeOffsets: given without a time namespace");
  expect_refused ("time offset of an unknown clock",
                  BASE ("", "", MOUNT_NS ", {\"type\": \"time\"}", ", \"timeOffsets\": {\"realtime\": {\"secs\": 1}}"),
                  "unknown clock `realtime`");
  expect_ok ("time offsets with a time namespace",
             BASE ("", "", MOUNT_NS ", {\"type\": \"time\"}", ", \"timeOffsets\": {\"monotonic\": {\"secs\": 1}}"));
}

static void
test_uts (void)
{
  expect_refused ("hostname without a UTS namespace", BASE (", \"hostname\": \"box\"", "", MOUNT_NS, ""),
                  "hostname: setting it needs a private UTS namespace");
  expect_refused ("domainname without a UTS namespace", BASE (", \"domainname\": \"d\"", "", MOUNT_NS, ""),
                  "domainname: setting it needs a private UTS namespace");
  expect_ok ("hostname with a UTS namespace", BASE (", \"hostname\": \"box\"", "", ALL_NS, ""));
  expect_ok ("an empty hostname without a UTS namespace (not set, as runc)", BASE (", \"hostname\": \"\"", "", MOUNT_NS, ""));
  /* Joining berth's own namespace by path is sharing the host's. */
  expect_refused ("hostname in the runtime's own UTS namespace (by path)",
                  BASE (", \"hostname\": \"box\"", "", MOUNT_NS ", {\"type\": \"uts\", \"path\": \"/proc/self/ns/uts\"}", ""),
                  "needs a private UTS namespace");
}

/* A process in new UTS and network namespaces, for the namespaces-by-path
   cases; 0 if this test cannot make one (not root). */
static pid_t
namespace_holder (void)
{
  int p[2];
  if (pipe (p) < 0)
    return 0;
  pid_t pid = fork ();
  if (pid == 0)
    {
      char c = unshare (CLONE_NEWUTS | CLONE_NEWNET) == 0 ? 'y' : 'n';
      if (write (p[1], &c, 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (p[1]);
  char c = 'n';
  if (pid < 0 || read (p[0], &c, 1) != 1 || c != 'y')
    {
      if (pid > 0)
        kill (pid, SIGKILL), waitpid (pid, NULL, 0);
      pid = 0;
    }
  close (p[0]);
  return pid;
}

static void
test_namespace_by_path (void)
{
  pid_t holder = namespace_holder ();
  if (holder == 0)
    {
      tap_ok (1, "# SKIP namespaces by path: cannot unshare (not root?)");
      return;
    }
  char json[1024];
  snprintf (json, sizeof json,
            BASE (", \"hostname\": \"box\"", "", MOUNT_NS ", {\"type\": \"uts\", \"path\": \"/proc/%d/ns/uts\"}, "
                  "{\"type\": \"network\", \"path\": \"/proc/%d/ns/net\"}", ", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}"),
            (int) holder, (int) holder);
  expect_ok ("hostname and a net sysctl in UTS and network namespaces joined by path", json);
  kill (holder, SIGKILL);
  waitpid (holder, NULL, 0);
}

static void
sysctl_case (const char *key, berth_private_ns ns, const char *needle)
{
  berth_error *err = NULL;
  int r = berth_validate_sysctl_key (key, ns, &err);
  bool ok = needle ? r < 0 && err && strstr (err->msg, needle) : r == 0;
  tap_ok (ok, "sysctl `%s` with%s%s%s: %s", key, ns.uts ? " uts" : "", ns.ipc ? " ipc" : "", ns.net ? " net" : "",
          needle ? "refused" : "accepted");
  if (!ok)
    diag ("got: %s", err ? err->msg : "no error");
  berth_error_free (err);
}

static void
test_sysctl (void)
{
  berth_private_ns none = { 0 }, all = { true, true, true };
  berth_private_ns net = { .net = true }, ipc = { .ipc = true }, uts = { .uts = true };
  sysctl_case ("net.ipv4.ping_group_range", none, "needs a private network namespace");
  sysctl_case ("net.ipv4.ping_group_range", net, NULL);
  sysctl_case ("net/ipv4/ip_forward", ipc, "`net/ipv4/ip_forward` needs a private network namespace");
  sysctl_case ("net/ipv4/conf/eth0.100/rp_filter", net, NULL);
  sysctl_case ("fs.mqueue.queues_max", net, "needs a private IPC namespace");
  sysctl_case ("fs.mqueue.queues_max", ipc, NULL);
  static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                          "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                          "kernel.shmmni", "kernel.shm_rmid_forced" };
  for (size_t i = 0; i < ARRAY_SIZE (ipc_keys); i++)
    {
      sysctl_case (ipc_keys[i], uts, "needs a private IPC namespace");
      sysctl_case (ipc_keys[i], ipc, NULL);
    }
  sysctl_case ("kernel.domainname", ipc, "needs a private UTS namespace");
  sysctl_case ("kernel.domainname", uts, NULL);
  sysctl_case ("kernel.hostname", uts, NULL);
  sysctl_case ("kernel.panic", all, "`kernel.panic` is not namespaced");
  sysctl_case ("vm.swappiness", all, "is not namespaced");
  sysctl_case ("kernel.shmmax2", all, "is not namespaced");
  sysctl_case ("net", all, "is not namespaced");
  sysctl_case ("../kernel/panic", all, "invalid name");
  sysctl_case ("", all, "invalid name");
  sysctl_case ("net..ipv4", all, "invalid name");
  /* and through the pass, so that the rule is in its table */
  expect_refused ("a net sysctl without a network namespace",
                  BASE ("", "", MOUNT_NS, ", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}"),
                  "linux.sysctl: `net.ipv4.ip_forward` needs a private network namespace");
  expect_ok ("namespaced sysctls with their namespaces",
             BASE ("", "", ALL_NS, ", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"1\"}"));
}

#define RES(JSON) BASE ("", "", MOUNT_NS, ", \"resources\": " JSON)

static void
test_resources (void)
{
  expect_refused ("cpu.period 100", RES ("{\"cpu\": {\"period\": 100}}"), "linux.resources.cpu.period: 100 is outside 1000..1000000");
  expect_refused ("cpu.period 2000000", RES ("{\"cpu\": {\"period\": 2000000}}"), "cpu.period: 2000000 is outside");
  expect_ok ("cpu.period 1000 and quota 1000", RES ("{\"cpu\": {\"period\": 1000, \"quota\": 1000}}"));
  expect_refused ("cpu.quota 50", RES ("{\"cpu\": {\"quota\": 50}}"), "cpu.quota: 50 is below the kernel's minimum");
  expect_refused ("cpu.quota -2", RES ("{\"cpu\": {\"quota\": -2}}"), "cpu.quota: -2 is not a limit");
  expect_ok ("cpu.quota -1", RES ("{\"cpu\": {\"quota\": -1}}"));
  expect_refused ("cpu.shares 1", RES ("{\"cpu\": {\"shares\": 1}}"), "cpu.shares: 1 is outside 2..262144");
  expect_refused ("cpu.shares 999999999", RES ("{\"cpu\": {\"shares\": 999999999}}"), "cpu.shares: 999999999 is outside");
  expect_refused ("cpu.idle 5", RES ("{\"cpu\": {\"idle\": 5}}"), "cpu.idle: 5 is not 0 or 1");
  expect_refused ("memory.limit -5", RES ("{\"memory\": {\"limit\": -5}}"), "memory.limit: -5 is not a limit");
  expect_refused ("memory.swappiness 200", RES ("{\"memory\": {\"swappiness\": 200}}"), "swappiness: 200 is outside 0..100");
  expect_refused ("pids.limit -2", RES ("{\"pids\": {\"limit\": -2}}"), "pids.limit: -2 is not a limit");
  expect_refused ("blockIO.weight 5", RES ("{\"blockIO\": {\"weight\": 5}}"), "blockIO.weight: 5 is outside 10..1000");
  expect_refused ("realtimeRuntime above realtimePeriod", RES ("{\"cpu\": {\"realtimeRuntime\": 2000, \"realtimePeriod\": 1000}}"),
                  "cpu.realtimeRuntime: 2000 is above realtimePeriod 1000");
  expect_ok ("realtimeRuntime within realtimePeriod", RES ("{\"cpu\": {\"realtimeRuntime\": 500, \"realtimePeriod\": 1000}}"));
  expect_refused ("hugepage size with a slash", RES ("{\"hugepageLimits\": [{\"pageSize\": \"2MB/../x\", \"limit\": 1}]}"),
                  "hugepageLimits[0].pageSize: `2MB/../x` is not a page size");
  expect_refused ("hugepage size without a unit", RES ("{\"hugepageLimits\": [{\"pageSize\": \"2048\", \"limit\": 1}]}"),
                  "is not a page size");
  expect_ok ("hugepage sizes 2MB and 1GB",
             RES ("{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}, {\"pageSize\": \"1GB\", \"limit\": 1}]}"));
  expect_refused ("rdma device with a newline", RES ("{\"rdma\": {\"mlx5_0\\nmlx5_1\": {\"hcaHandles\": 1}}}"),
                  "linux.resources.rdma[");
  expect_ok ("rdma device mlx5_0", RES ("{\"rdma\": {\"mlx5_0\": {\"hcaHandles\": 1}}}"));
  expect_refused ("device rule of type x", RES ("{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}"),
                  "linux.resources.devices[0].type");
  expect_ok ("device access rwa (as runc 1.1)",
             RES ("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, "
                  "{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwa\"}]}"));
  expect_refused ("device access a (grants nothing)",
                  RES ("{\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"a\"}]}"),
                  "linux.resources.devices[0].access");
}

static void
test_mounts (void)
{
  expect_refused ("tmpfs on / with tmpcopyup",
                  BASE (", \"mounts\": [{\"destination\": \"/\", \"type\": \"tmpfs\", \"options\": [\"tmpcopyup\"]}]", "",
                        MOUNT_NS, ""),
                  "mounts[0]: tmpcopyup on a tmpfs at `/` is refused");
  expect_refused ("tmpfs on //. with tmpcopyup",
                  BASE (", \"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\"}, {\"destination\": \"//.\", "
                        "\"type\": \"tmpfs\", \"options\": [\"nosuid\", \"tmpcopyup\"]}]", "", MOUNT_NS, ""),
                  "mounts[1]: tmpcopyup");
  expect_ok ("tmpfs on /tmp with tmpcopyup",
             BASE (", \"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"options\": [\"tmpcopyup\"]}]", "",
                   MOUNT_NS, ""));
}

#define MPOL(JSON) BASE ("", "", MOUNT_NS, ", \"memoryPolicy\": " JSON)

static void
test_memory_policy (void)
{
  expect_ok ("MPOL_BIND to node 0", MPOL ("{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\"}"));
  expect_ok ("MPOL_INTERLEAVE on 0 with MPOL_F_STATIC_NODES",
             MPOL ("{\"mode\": \"MPOL_INTERLEAVE\", \"nodes\": \"0\", \"flags\": [\"MPOL_F_STATIC_NODES\"]}"));
  expect_ok ("MPOL_DEFAULT", MPOL ("{\"mode\": \"MPOL_DEFAULT\"}"));
  expect_ok ("MPOL_LOCAL", MPOL ("{\"mode\": \"MPOL_LOCAL\"}"));
  expect_ok ("MPOL_PREFERRED without nodes (local)", MPOL ("{\"mode\": \"MPOL_PREFERRED\"}"));
  expect_ok ("MPOL_BIND with MPOL_F_NUMA_BALANCING",
             MPOL ("{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\", \"flags\": [\"MPOL_F_NUMA_BALANCING\"]}"));
  expect_refused ("unknown mode", MPOL ("{\"mode\": \"MPOL_FASTEST\"}"), "linux.memoryPolicy.mode: unknown mode `MPOL_FASTEST`");
  expect_refused ("unknown flag", MPOL ("{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\", \"flags\": [\"MPOL_F_NODE\"]}"),
                  "linux.memoryPolicy.flags[0]: unknown flag `MPOL_F_NODE`");
  expect_refused ("MPOL_BIND without nodes", MPOL ("{\"mode\": \"MPOL_BIND\"}"), "MPOL_BIND needs at least one node");
  expect_refused ("MPOL_DEFAULT with nodes", MPOL ("{\"mode\": \"MPOL_DEFAULT\", \"nodes\": \"0\"}"), "MPOL_DEFAULT takes no nodes");
  expect_refused ("MPOL_DEFAULT with a flag", MPOL ("{\"mode\": \"MPOL_DEFAULT\", \"flags\": [\"MPOL_F_STATIC_NODES\"]}"),
                  "MPOL_DEFAULT takes no flags");
  expect_refused ("MPOL_LOCAL with MPOL_F_RELATIVE_NODES",
                  MPOL ("{\"mode\": \"MPOL_LOCAL\", \"flags\": [\"MPOL_F_RELATIVE_NODES\"]}"), "MPOL_LOCAL without nodes");
  expect_refused ("static and relative nodes together",
                  MPOL ("{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\", \"flags\": [\"MPOL_F_STATIC_NODES\", \"MPOL_F_RELATIVE_NODES\"]}"),
                  "exclude each other");
  expect_refused ("MPOL_F_NUMA_BALANCING with MPOL_INTERLEAVE",
                  MPOL ("{\"mode\": \"MPOL_INTERLEAVE\", \"nodes\": \"0\", \"flags\": [\"MPOL_F_NUMA_BALANCING\"]}"),
                  "MPOL_F_NUMA_BALANCING needs MPOL_BIND");
  expect_refused ("a node list that is not one", MPOL ("{\"mode\": \"MPOL_BIND\", \"nodes\": \"0-\"}"),
                  "linux.memoryPolicy.nodes: `0-` is not a node list");
  expect_refused ("node 1024", MPOL ("{\"mode\": \"MPOL_BIND\", \"nodes\": \"1024\"}"), "is not a node list");
  /* This host's online nodes decide; node 1000 exists on none we run on. */
  expect_refused ("node 1000 (not online)", MPOL ("{\"mode\": \"MPOL_BIND\", \"nodes\": \"0,1000\"}"),
                  "node 1000 is not online on this host");
}

static void
test_unsupported (void)
{
  expect_refused ("linux.intelRdt", BASE ("", "", MOUNT_NS, ", \"intelRdt\": {\"closID\": \"x\"}"),
                  "linux.intelRdt: not supported by berth");
}

#define NETDEV(NS, JSON) BASE ("", "", NS, ", \"netDevices\": " JSON)

static void
test_net_devices (void)
{
  expect_refused ("netDevices without a network namespace", NETDEV (MOUNT_NS, "{\"eth1\": {}}"),
                  "linux.netDevices: needs a private network namespace (`eth1` would stay in the host's)");
  expect_refused ("netDevices in the runtime's own network namespace (by path)",
                  NETDEV (MOUNT_NS ", {\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}", "{\"eth1\": {}}"),
                  "needs a private network namespace");
  expect_refused ("netDevices of lo", NETDEV (ALL_NS, "{\"lo\": {\"name\": \"lo2\"}}"),
                  "the loopback interface cannot change namespace");
  expect_refused ("netDevices of a missing interface", NETDEV (ALL_NS, "{\"berthnosuch0\": {}}"),
                  "linux.netDevices[\"berthnosuch0\"]: no such interface");
  expect_refused ("netDevices host name with a slash", NETDEV (ALL_NS, "{\"a/b\": {}}"), "not an interface name");
  expect_refused ("netDevices container name of 16 characters", NETDEV (ALL_NS, "{\"eth1\": {\"name\": \"abcdefghijklmnop\"}}"),
                  ".name: `abcdefghijklmnop` is not an interface name");
  expect_refused ("netDevices container name with two %d", NETDEV (ALL_NS, "{\"eth1\": {\"name\": \"n%d%d\"}}"),
                  "is not an interface name");
  expect_refused ("netDevices with one container name twice",
                  NETDEV (ALL_NS, "{\"eth1\": {\"name\": \"x\"}, \"eth2\": {\"name\": \"x\"}}"),
                  "linux.netDevices[\"eth2\"].name: `x` is also the name of `eth1`");
}

static void
test_process_attributes_and_labels (void)
{
  expect_refused ("oomScoreAdj 5000", BASE ("", ", \"oomScoreAdj\": 5000", MOUNT_NS, ""),
                  "process.oomScoreAdj: 5000 is out of range");
  expect_refused ("an SELinux label that is not a context", BASE ("", ", \"selinuxLabel\": \"nocolons\"", MOUNT_NS, ""),
                  "process.selinuxLabel");
  expect_refused ("an unknown rlimit", BASE ("", ", \"rlimits\": [{\"type\": \"RLIMIT_X\", \"hard\": 1, \"soft\": 1}]", MOUNT_NS, ""),
                  "unknown rlimit `RLIMIT_X`");
}

int
main (void)
{
  test_base_and_default ();
  test_process ();
  test_user_ids ();
  test_root ();
  test_namespaces ();
  test_uts ();
  test_namespace_by_path ();
  test_sysctl ();
  test_resources ();
  test_mounts ();
  test_memory_policy ();
  test_unsupported ();
  test_net_devices ();
  test_process_attributes_and_labels ();
  return tap_done ();
}
