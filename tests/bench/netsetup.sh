#!/bin/sh
# netsetup.sh [N] [N_CNI]: network setup + teardown cost per container, dock's
# library against podman 4.3's CNI plugins, in one run.
#
# Per container, on a bridge that already exists: a veth pair into the
# container's namespace, its address, the default route and one published
# port (127.0.0.1:H -> 80/tcp), then all of it removed.
#   dock:   tests/helpers/dock-netlib bench (libdock/network in-process: a
#           netlink socket and an nftables context per container, as a dock
#           process has; N runs, default 300).
#   podman: the plugins of podman's 87-podman-bridge.conflist invoked the
#           way libcni does (bridge+host-local, portmap, firewall; ADD with
#           prevResult, then DEL in reverse), N_CNI runs, default 30.  The
#           `tuning` plugin of that list is left out (it has nothing to do
#           without sysctls), which only favours podman.
# Medians are printed, and the ratio.  Everything happens inside a private
# network namespace made here (unshare --net), the CNI plugins' IPAM state
# in a temporary directory: the machine's interfaces and firewall are never
# touched.  A benchmark, not a test: nothing here asserts a time.  Build
# without --enable-asan for figures worth quoting.
set -eu
N=${1:-300}
N_CNI=${2:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
NETLIB=${DOCK_NETLIB:-$top/tests/helpers/dock-netlib}
CNI_PATH=${CNI_PATH:-/usr/lib/cni}
[ -x "$NETLIB" ] || { echo "build $NETLIB first (make)" >&2; exit 1; }
if ldd "$NETLIB" 2>/dev/null | grep -q libasan; then
  echo "note: $NETLIB is an ASan build; its figures are inflated" >&2
fi
work=$(mktemp -d /tmp/dock-netbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

outer=$(readlink /proc/self/ns/net)
unshare --net python3 - "$N" "$N_CNI" "$NETLIB" "$CNI_PATH" "$work" "$outer" <<'PY'
import json, os, statistics, subprocess, sys, time

n, n_cni, netlib, cni_path, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
# We are in a fresh network namespace (unshare --net above); make sure.
assert os.readlink("/proc/self/ns/net") != sys.argv[6], "not in a private netns"
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

def holder():
    """A "container": a network namespace held by a sleep."""
    p = subprocess.Popen(["unshare", "--net", "sleep", "3600"])
    path = f"/proc/{p.pid}/ns/net"
    while os.readlink(path) == os.readlink("/proc/self/ns/net"):
        time.sleep(0.005)
    return p, path

# ---- dock
ctr, ctr_ns = holder()
subprocess.run([netlib, "bridge-up", "dock0", "172.31.0.1/16", "172.31.0.0/16"], check=True)
dock = {}
for mode in ("ns-exit", "delete"):
    out = subprocess.run([netlib, "bench", str(n), "dock0", mode, ctr_ns], check=True, capture_output=True,
                         text=True).stdout.split()
    dock[mode] = {k: float(v) / 1000 for k, v in zip(out[2::2], out[3::2])}
subprocess.run([netlib, "bridge-down", "dock0"], check=True)
subprocess.run([netlib, "drop-table"], check=True)

# ---- podman's CNI plugins
conflist = {
    "cniVersion": "0.4.0", "name": "podman",
    "plugins": [
        {"type": "bridge", "bridge": "cni-podman0", "isGateway": True, "ipMasq": True, "hairpinMode": True,
         "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
                  "ranges": [[{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}]],
                  "dataDir": os.path.join(work, "host-local")}},
        {"type": "portmap", "capabilities": {"portMappings": True}},
        {"type": "firewall"},
    ],
}

def invoke(plugin, command, cid, netns, prev, port):
    conf = dict(plugin, name=conflist["name"], cniVersion=conflist["cniVersion"])
    if plugin["type"] == "portmap":
        conf["runtimeConfig"] = {"portMappings": [
            {"hostPort": port, "containerPort": 80, "protocol": "tcp", "hostIP": "127.0.0.1"}]}
    if prev is not None:
        conf["prevResult"] = prev
    env = {"CNI_COMMAND": command, "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": "eth0",
           "CNI_PATH": cni_path, "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
    r = subprocess.run([os.path.join(cni_path, plugin["type"])], input=json.dumps(conf), env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"CNI {plugin['type']} {command} failed: {r.stdout} {r.stderr}")
    return json.loads(r.stdout) if r.stdout.strip() else prev

import resource
def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000

cni_times, cni_cpu = [], []
for i in range(n_cni):
    cid = f"bench{i:05d}"
    c0 = children_cpu()
    t0 = time.monotonic()
    prev = None
    for plugin in conflist["plugins"]:
        prev = invoke(plugin, "ADD", cid, ctr_ns, prev, 20000 + i)
    for plugin in reversed(conflist["plugins"]):
        invoke(plugin, "DEL", cid, ctr_ns, prev, 20000 + i)
    cni_times.append((time.monotonic() - t0) * 1000)
    cni_cpu.append(children_cpu() - c0)
ctr.kill()
cni = statistics.median(cni_times)

phases = ("attach", "publish", "unpublish", "detach")
for mode, what in (("ns-exit", "container stops: NAT removed, veth goes with the namespace"),
                   ("delete", "veth deleted explicitly (network disconnect)")):
    d = dock[mode]
    print(f"dock, {what}:")
    print(f"  runs {n}  median {d['total_median_us']:.2f} ms per container (setup {d['setup_median_us']:.2f}, "
          f"teardown {d['teardown_median_us']:.2f}; CPU {d['cpu_median_us']:.2f} ms; min {d['total_min_us']:.2f})")
    print("  phases (median ms): " + ", ".join(f"{k} {d[k + '_median_us']:.2f}" for k in phases))
print(f"podman 4.3 CNI plugins (bridge, portmap, firewall; ADD then DEL):")
print(f"  runs {n_cni}  median {cni:.2f} ms per container (CPU {statistics.median(cni_cpu):.2f} ms)")
for mode in ("ns-exit", "delete"):
    d = dock[mode]
    print(f"ratio podman/dock ({mode}): wall {cni / d['total_median_us']:.1f}x, "
          f"CPU {statistics.median(cni_cpu) / d['cpu_median_us']:.1f}x")
PY
