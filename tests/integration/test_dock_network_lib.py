"""dock's network layer (src/libdock/network) against the real kernel.

tests/helpers/dock-netlib drives the library the way `dock run` will: a
bridge, a veth into a "container" namespace, its address and default route,
nftables NAT for published ports and outbound masquerade, and teardown.

Every test works in network namespaces it makes first (a `sleep` holds
each): the "host" namespace dock runs in, one per "container", and an
"outside" namespace playing the internet.  Killing the holders removes the
namespaces with every link and rule in them, so nothing can reach the
machine's own interfaces or firewall, even when a test fails.  Traffic goes
only to addresses inside those namespaces and their 127.0.0.1.
"""

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, SANITIZER_ENV, describe, sanitizer_report

HELPER = Path(BERTH).resolve().parent / "tests" / "helpers" / "dock-netlib"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)")

BRIDGE = "dktest0"
GATEWAY = "172.30.0.1"
SUBNET = "172.30.0.0/16"
OUTSIDE_HOST_SIDE = "198.51.100.1"
OUTSIDE_ADDR = "198.51.100.2"

# A one-shot TCP server: answers each connection with the peer's address.
TCP_SERVER = r"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
print("ready", flush=True)
while True:
    c, peer = s.accept()
    c.sendall(("peer %s\n" % peer[0]).encode())
    c.close()
"""

UDP_ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(100)
    s.sendto(b"echo " + data, peer)
"""

TCP_CLIENT = r"""
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
    print(s.recv(100).decode().strip())
except OSError as e:
    print("error", type(e).__name__)
"""

UDP_CLIENT = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
print(s.recv(100).decode())
"""


class Netns:
    """A network namespace held by a sleep; commands run in it via nsenter."""

    def __init__(self, registry):
        self.proc = subprocess.Popen(["unshare", "--net", "sleep", "600"])
        registry.append(self)
        self.path = f"/proc/{self.proc.pid}/ns/net"
        # The namespace exists once the sleep has unshared: its netns differs.
        for _ in range(200):
            try:
                if os.readlink(self.path) != os.readlink("/proc/self/ns/net"):
                    break
            except OSError:
                pass
            subprocess.run(["sleep", "0.01"])
        assert os.readlink(self.path) != os.readlink("/proc/self/ns/net"), "namespace not created"
        self.run("ip", "link", "set", "lo", "up")

    def cmd(self, *args):
        return ["nsenter", f"--net={self.path}", "--", *map(str, args)]

    def run(self, *args, check=True, timeout=30):
        r = subprocess.run(self.cmd(*args), capture_output=True, text=True, timeout=timeout)
        if check:
            assert r.returncode == 0, describe(r)
        return r

    def spawn(self, *args):
        """A background process in the namespace, once it printed "ready"."""
        p = subprocess.Popen(self.cmd(*args), stdout=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        assert line.strip() == "ready", f"server did not start: {line!r}"
        return p

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def netns():
    """new_ns() -> Netns; every namespace (and all in it) goes at teardown."""
    made, procs = [], []

    def new_ns():
        return Netns(made)

    new_ns.procs = procs
    yield new_ns
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for ns in made:
        ns.kill()


def lib(ns, *args, expect_ok=True):
    """dock-netlib in ns, with the sanitizers' exit codes."""
    env = dict(os.environ, **SANITIZER_ENV)
    r = subprocess.run(ns.cmd(HELPER, *args), capture_output=True, text=True, timeout=60, env=env)
    assert sanitizer_report(r.stderr) is None, describe(r)
    if expect_ok:
        assert r.returncode == 0, describe(r)
    return r


def nft_ruleset(ns):
    return ns.run("nft", "list", "ruleset").stdout


class Setup:
    """A host namespace with dock's bridge, and helpers to add containers."""

    def __init__(self, netns, internal=False):
        if not HELPER.exists():
            pytest.skip(f"{HELPER} not built (make)")
        self.netns = netns
        self.host = netns()
        extra = ["--internal"] if internal else []
        lib(self.host, "bridge-up", BRIDGE, f"{GATEWAY}/16", SUBNET, *extra)
        self.n = 0

    def container(self, gateway=GATEWAY):
        self.n += 1
        ns = self.netns()
        veth = f"vethdk{self.n}{uuid.uuid4().hex[:4]}"
        addr = f"172.30.0.{self.n + 1}"
        lib(self.host, "attach", BRIDGE, veth, ns.path, f"{addr}/16", gateway or "-")
        return ns, veth, addr

    def server(self, ns, *args, script=TCP_SERVER):
        p = ns.spawn("python3", "-c", script, *args)
        self.netns.procs.append(p)
        return p

    def outside(self):
        """A namespace reachable from the host namespace by a plain veth (not
        dock's): the "internet" seen by containers."""
        out = self.netns()
        name = f"vout{uuid.uuid4().hex[:6]}"
        self.host.run("ip", "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns",
                      str(out.proc.pid))
        self.host.run("ip", "addr", "add", f"{OUTSIDE_HOST_SIDE}/24", "dev", name)
        self.host.run("ip", "link", "set", name, "up")
        out.run("ip", "addr", "add", f"{OUTSIDE_ADDR}/24", "dev", "eth0")
        out.run("ip", "link", "set", "eth0", "up")
        return out, name


def connect(ns, ip, port, timeout=3):
    return ns.run("python3", "-c", TCP_CLIENT, ip, port, timeout, timeout=timeout + 20).stdout.strip()


def test_container_gets_address_default_route_and_loopback(netns):
    s = Setup(netns)
    ctr, veth, addr = s.container()
    links = {l["ifname"]: l for l in json.loads(ctr.run("ip", "-j", "addr").stdout)}
    assert set(links) == {"lo", "eth0"}
    assert "UP" in links["lo"]["flags"] and "UP" in links["eth0"]["flags"]
    assert [a["local"] for a in links["eth0"]["addr_info"] if a["family"] == "inet"] == [addr]
    routes = json.loads(ctr.run("ip", "-j", "route").stdout)
    assert {"dst": "default", "gateway": GATEWAY} in [
        {"dst": r["dst"], "gateway": r.get("gateway")} for r in routes]
    # The host end is on the bridge, up.
    host_link = json.loads(s.host.run("ip", "-j", "link", "show", veth).stdout)[0]
    assert host_link["master"] == BRIDGE and "UP" in host_link["flags"]
    bridge = json.loads(s.host.run("ip", "-j", "-d", "addr", "show", BRIDGE).stdout)[0]
    assert bridge["linkinfo"]["info_kind"] == "bridge"
    assert [a["local"] for a in bridge["addr_info"] if a["family"] == "inet"] == [GATEWAY]
    # route_localnet on the bridge and forwarding: sysctls of the test's namespace.
    assert s.host.run("cat", f"/proc/sys/net/ipv4/conf/{BRIDGE}/route_localnet").stdout.strip() == "1"
    assert s.host.run("cat", "/proc/sys/net/ipv4/ip_forward").stdout.strip() == "1"
    s.host.run("ping", "-c", "1", "-W", "3", addr)
    ctr.run("ping", "-c", "1", "-W", "3", GATEWAY)


def test_namespace_given_as_pidfd(netns):
    s = Setup(netns)
    ctr = netns()
    lib(s.host, "attach", BRIDGE, "vethpidfd", f"pidfd:{ctr.proc.pid}", "172.30.0.60/16", GATEWAY)
    addrs = json.loads(ctr.run("ip", "-j", "addr", "show", "eth0").stdout)[0]["addr_info"]
    assert "172.30.0.60" in [a["local"] for a in addrs]
    s.host.run("ping", "-c", "1", "-W", "3", "172.30.0.60")


def test_existing_link_attached_and_moved_into_a_namespace_renamed(netns):
    s = Setup(netns)
    ctr = netns()
    s.host.run("ip", "link", "add", "vtesta", "type", "veth", "peer", "name", "vtestb")
    lib(s.host, "enslave-move", BRIDGE, "vtesta", "vtestb", ctr.path, "eth1")
    host_link = json.loads(s.host.run("ip", "-j", "link", "show", "vtesta").stdout)[0]
    assert host_link["master"] == BRIDGE and "UP" in host_link["flags"]
    assert "vtestb" not in [l["ifname"] for l in json.loads(s.host.run("ip", "-j", "link").stdout)]
    assert [l["ifname"] for l in json.loads(ctr.run("ip", "-j", "link").stdout)] == ["lo", "eth1"]


def test_two_containers_reach_each_other_across_the_bridge(netns):
    s = Setup(netns)
    a, _, addr_a = s.container()
    b, _, addr_b = s.container()
    a.run("ping", "-c", "1", "-W", "3", addr_b)
    s.server(b, "0.0.0.0", 7000)
    assert connect(a, addr_b, 7000) == f"peer {addr_a}"


def test_published_port_answers_on_loopback_bridge_ip_and_from_another_container(netns):
    s = Setup(netns)
    ctr, _, addr = s.container()
    other, _, other_addr = s.container()
    s.server(ctr, "0.0.0.0", 80)
    out = lib(s.host, "publish", "c1", addr, "127.0.0.1:18080:80", "19090:80").stdout.split()
    assert out == ["127.0.0.1:18080->80/tcp", "0.0.0.0:19090->80/tcp"]
    # 127.0.0.1 of dock's namespace: DNAT in output, route_localnet, and the
    # source masqueraded to the bridge's address so that replies come back.
    assert connect(s.host, "127.0.0.1", 18080) == f"peer {GATEWAY}"
    assert connect(s.host, GATEWAY, 19090) == f"peer {GATEWAY}"
    # From another container, to the host's address on the bridge (hairpin).
    assert connect(other, GATEWAY, 19090) == f"peer {GATEWAY}"
    # The 127.0.0.1 forward is bound to that address only.
    assert connect(s.host, GATEWAY, 18080, timeout=1).startswith("error")


def test_published_udp_port_and_dynamic_host_port(netns):
    s = Setup(netns)
    ctr, _, addr = s.container()
    s.server(ctr, "53", script=UDP_ECHO)
    s.server(ctr, "0.0.0.0", 8000)
    out = lib(s.host, "publish", "c2", addr, "15353:53/udp", "127.0.0.1::8000").stdout.split()
    assert out[0] == "0.0.0.0:15353->53/udp"
    dyn_ip, rest = out[1].split(":", 1)
    dyn_port = int(rest.split("->")[0])
    assert dyn_ip == "127.0.0.1" and dyn_port > 0 and rest.endswith("->8000/tcp")
    assert s.host.run("python3", "-c", UDP_CLIENT, GATEWAY, 15353).stdout.strip() == "echo ping"
    assert connect(s.host, "127.0.0.1", dyn_port) == f"peer {GATEWAY}"


def test_published_port_range_maps_port_by_port(netns):
    s = Setup(netns)
    ctr, _, addr = s.container()
    s.server(ctr, "0.0.0.0", 80)
    s.server(ctr, "0.0.0.0", 81)
    out = lib(s.host, "publish", "rng", addr, "18200-18201:80-81").stdout.split()
    assert out == ["0.0.0.0:18200->80/tcp", "0.0.0.0:18201->81/tcp"]
    assert connect(s.host, "127.0.0.1", 18200) == f"peer {GATEWAY}"
    assert connect(s.host, "127.0.0.1", 18201) == f"peer {GATEWAY}"
    chain = nft_ruleset(s.host).split("chain ctr-rng {")[1].split("}")[0]
    assert f"tcp dport 18200 dnat to {addr}:80" in chain and f"tcp dport 18201 dnat to {addr}:81" in chain


def test_outbound_traffic_is_masqueraded(netns):
    s = Setup(netns)
    ctr, _, addr = s.container()
    out, _ = s.outside()
    s.server(out, "0.0.0.0", 9000)
    assert "masquerade" in nft_ruleset(s.host)
    # The outside sees the host namespace's address, not the container's.
    assert connect(ctr, OUTSIDE_ADDR, 9000) == f"peer {OUTSIDE_HOST_SIDE}"


def test_internal_network_has_no_way_out(netns):
    s = Setup(netns, internal=True)
    # Even with a default route, forwarding out of an internal bridge is dropped.
    ctr, _, addr = s.container()
    out, _ = s.outside()
    s.server(out, "0.0.0.0", 9000)
    rules = nft_ruleset(s.host)
    assert f'"{BRIDGE}" : jump int-{BRIDGE}' in rules.split("map internal_bridges")[1].split("}")[0]
    assert f"ip saddr {SUBNET} masquerade" not in rules
    assert connect(ctr, OUTSIDE_ADDR, 9000, timeout=1).startswith("error")
    # Inside the network, containers still talk to each other and the gateway.
    other, _, other_addr = s.container()
    other.run("ping", "-c", "1", "-W", "3", addr)
    ctr.run("ping", "-c", "1", "-W", "3", GATEWAY)


def test_unpublish_removes_only_that_containers_forwards(netns):
    s = Setup(netns)
    a, _, addr_a = s.container()
    b, _, addr_b = s.container()
    s.server(a, "0.0.0.0", 80)
    s.server(b, "0.0.0.0", 80)
    lib(s.host, "publish", "aaa", addr_a, "18001:80", "127.0.0.1:18011:80")
    lib(s.host, "publish", "aaab", addr_b, "18002:80")
    # What a killed dock left behind is found by container id.
    assert sorted(lib(s.host, "list-containers").stdout.split()) == ["aaa", "aaab"]
    lib(s.host, "unpublish", "aaa")
    assert lib(s.host, "list-containers").stdout.split() == ["aaab"]
    rules = nft_ruleset(s.host)
    assert "ctr-aaa " not in rules and "ctr-aaa\n" not in rules and "18001" not in rules and "18011" not in rules
    assert "ctr-aaab" in rules
    assert connect(s.host, GATEWAY, 18002) == f"peer {GATEWAY}"
    assert connect(s.host, GATEWAY, 18001, timeout=1).startswith("error")
    # Again: a container with nothing published is removed without an error.
    lib(s.host, "unpublish", "aaa")


def test_teardown_leaves_no_link_and_no_rule(netns):
    s = Setup(netns)
    ctr, veth, addr = s.container()
    lib(s.host, "publish", "c3", addr, "18080:80")
    lib(s.host, "unpublish", "c3")
    lib(s.host, "detach", veth)
    lib(s.host, "bridge-down", BRIDGE)
    lib(s.host, "drop-table")
    links = [l["ifname"] for l in json.loads(s.host.run("ip", "-j", "link").stdout)]
    assert links == ["lo"]
    assert [l["ifname"] for l in json.loads(ctr.run("ip", "-j", "link").stdout)] == ["lo"]
    assert nft_ruleset(s.host).strip() == ""
    # Teardown is idempotent: a second pass (after a crash, say) succeeds.
    lib(s.host, "detach", veth)
    lib(s.host, "bridge-down", BRIDGE)


def test_network_rules_go_with_the_network(netns):
    s = Setup(netns)
    lib(s.host, "bridge-down", BRIDGE)
    rules = nft_ruleset(s.host)
    assert f"net-{BRIDGE}" not in rules and f"int-{BRIDGE}" not in rules and f'"{BRIDGE}"' not in rules
    # The fixed part of the table stays for the next network.
    assert "table ip dock" in rules and "chain published" in rules


def test_publishing_a_port_in_use_fails_and_leaves_no_rule(netns):
    s = Setup(netns)
    ctr, _, addr = s.container()
    s.server(s.host, "127.0.0.1", 18500)
    for spec, shown in (("127.0.0.1:18500:80", "127.0.0.1:18500/tcp"), ("18500:80", "0.0.0.0:18500/tcp")):
        r = lib(s.host, "publish", "busy", addr, "18600:81", spec, expect_ok=False)
        assert r.returncode == 1
        assert r.stderr.strip() == (f"dock-netlib: publish: failed to bind host port {shown}: "
                                    "Address already in use"), describe(r)
        rules = nft_ruleset(s.host)
        assert "ctr-busy" not in rules and "18600" not in rules and "18500" not in rules
    # The port that was free was not kept either: it can be published now.
    lib(s.host, "publish", "free", addr, "18600:81")


def test_kernel_errors_are_one_line_messages(netns):
    s = Setup(netns)
    ctr, veth, addr = s.container()
    r = lib(s.host, "attach", "nosuchbr0", "vethx1", ctr.path, "172.30.0.50/16", GATEWAY, expect_ok=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "look up link nosuchbr0: No such device" in r.stderr
    # The kernel's extended ACK text is part of the message.
    r = lib(s.host, "bridge-up", "dktest1", "172.31.0.1/16", "172.31.0.0/16", "--mtu", "50", expect_ok=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "create bridge dktest1: mtu less than device minimum" in r.stderr, describe(r)
    # A second veth of the same name: the pair is not made, nothing changes.
    r = lib(s.host, "attach", BRIDGE, veth, ctr.path, "172.30.0.51/16", GATEWAY, expect_ok=False)
    assert "File exists" in r.stderr and r.stderr.count("\n") == 1
    names = [l["ifname"] for l in json.loads(ctr.run("ip", "-j", "link").stdout)]
    assert names == ["lo", "eth0"]
    # A failure inside the container's namespace (a gateway that is not
    # on-link) removes the pair already made: nothing is left on either side.
    fresh = s.netns()
    r = lib(s.host, "attach", BRIDGE, "vethx2", fresh.path, "172.30.0.52/16", "10.9.9.9", expect_ok=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "add default route via 10.9.9.9" in r.stderr, describe(r)
    hosts = [l["ifname"] for l in json.loads(s.host.run("ip", "-j", "link").stdout)]
    assert "vethx2" not in hosts
    assert [l["ifname"] for l in json.loads(fresh.run("ip", "-j", "link").stdout)] == ["lo"]


def test_a_link_of_another_kind_is_not_taken_for_the_bridge(netns):
    s = Setup(netns)
    s.host.run("ip", "link", "add", "dkveth0", "type", "veth", "peer", "name", "dkveth1")
    r = lib(s.host, "bridge-up", "dkveth0", "172.29.0.1/16", "172.29.0.0/16", expect_ok=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "create bridge dkveth0: a veth link of that name exists" in r.stderr, describe(r)
    # An existing bridge, though, is reused (a network outlives the dock that made it).
    lib(s.host, "bridge-up", BRIDGE, f"{GATEWAY}/16", SUBNET)


def test_racing_dock_processes_create_the_table_once(netns):
    if not HELPER.exists():
        pytest.skip(f"{HELPER} not built (make)")
    host = netns()
    env = dict(os.environ, **SANITIZER_ENV)
    procs = [subprocess.Popen(host.cmd(HELPER, "publish", f"race{i}", "172.30.0.9", f"{18100 + i}:80"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for i in range(4)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(rc == 0 for rc, _ in results), results
    rules = nft_ruleset(host)
    published = rules.split("chain published {")[1].split("}")[0]
    assert published.count("vmap") == 2, rules
    assert rules.split("chain prerouting {")[1].split("}")[0].count("jump published") == 1
    assert sorted(lib(host, "list-containers").stdout.split()) == [f"race{i}" for i in range(4)]


def test_ipv6_host_address_is_refused_without_a_rule(netns):
    s = Setup(netns)
    ctr, _, addr = s.container()
    r = lib(s.host, "publish", "v6", addr, "[::1]:18700:80", expect_ok=False)
    assert r.returncode == 1 and "only IPv4 host addresses are supported" in r.stderr, describe(r)
    assert "ctr-v6" not in nft_ruleset(s.host)
