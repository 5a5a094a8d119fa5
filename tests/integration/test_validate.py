"""The validation pass (src/libberth/validate.c) seen from the command line:
a config that would change the host, or that the kernel would refuse, is
refused with one clear line before anything exists (no state dir, no
cgroup); the same settings with the namespaces they need are applied
inside the container.

Every berth here runs inside `unshare -u -n -i`: if a regression let a
hostname or a sysctl through, it would land in namespaces this test made,
not in the host's, and the probe around berth would report the change."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import BERTH, SRCDIR, describe, exec_command, sanitizer_report

# Prints the state a refused config must not change (in berth's namespaces).
PROBE = ("hostname; cat /proc/sys/kernel/domainname /proc/sys/net/ipv4/ping_group_range "
         "/proc/sys/fs/mqueue/queues_max /proc/sys/kernel/shmmax /proc/sys/kernel/msgmnb /proc/sys/kernel/sem")


def run_private(berth_root, *args, timeout=30, setup="true", after="true"):
    """berth --root ROOT ARGS inside new UTS, network and IPC namespaces,
    with PROBE before and after; CHANGED on stderr if the probe differs.
    setup and after are shell commands run in those namespaces before
    and after berth (after's output goes to stdout too)."""
    script = (f'{setup} || exit 99; before=$({PROBE}); "$@"; rc=$?; now=$({PROBE}); '
              '[ "$before" = "$now" ] || echo "CHANGED: $before -> $now" >&2; '
              f'{after}; exit $rc')
    cmd = ["unshare", "-u", "-n", "-i", "sh", "-c", script, "sh", BERTH, "--root", str(berth_root.path)]
    result, timed_out = exec_command(cmd + [str(a) for a in args], timeout=timeout)
    assert not timed_out, f"berth did not finish within {timeout}s\n{describe(result)}"
    marker = sanitizer_report(result.stderr)
    assert marker is None, f"sanitizer report ({marker!r})\n{describe(result)}"
    return result


def without_namespace(config, kind):
    config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"] if n["type"] != kind]


def cgroups_named(container_id):
    return [d for d, _, _ in os.walk("/sys/fs/cgroup") if d.endswith("/" + container_id)]


def assert_refused_and_nothing_left(r, berth_root, container_id, message):
    assert r.returncode == 1, describe(r)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("berth: ") and message in lines[0], describe(r)
    assert not (berth_root.path / container_id).exists()
    assert berth_root.container_ids() == []
    assert cgroups_named(container_id) == []


# ------------------------------------------------------------ refused configs


def hostname_without_uts(c):
    without_namespace(c, "uts")
    c["hostname"] = "changed-by-berth"


def domainname_without_uts(c):
    without_namespace(c, "uts")
    c.pop("hostname", None)
    c["domainname"] = "changed.example"


def net_sysctl_without_netns(c):
    without_namespace(c, "network")
    c["linux"]["sysctl"] = {"net.ipv4.ping_group_range": "0 1"}


def mqueue_sysctl_without_ipc(c):
    without_namespace(c, "ipc")
    c["linux"]["sysctl"] = {"fs.mqueue.queues_max": "77"}


def shm_sysctl_without_ipc(c):
    without_namespace(c, "ipc")
    c["linux"]["sysctl"] = {"kernel.shmmax": "4096"}


def msg_sysctl_without_ipc(c):
    without_namespace(c, "ipc")
    c["linux"]["sysctl"] = {"kernel.msgmnb": "4096"}


def sem_sysctl_without_ipc(c):
    without_namespace(c, "ipc")
    c["linux"]["sysctl"] = {"kernel.sem": "250 32000 32 128"}


def domainname_sysctl_without_uts(c):
    without_namespace(c, "uts")
    c.pop("hostname", None)
    c["linux"]["sysctl"] = {"kernel.domainname": "changed.example"}


def panic_sysctl(c):
    c["linux"]["sysctl"] = {"kernel.panic": "5"}


def vm_sysctl(c):
    c["linux"]["sysctl"] = {"vm.swappiness": "10"}


def uid_minus_one(c):
    c["process"]["user"] = {"uid": 4294967295, "gid": 0}


def gid_minus_one(c):
    c["process"]["user"] = {"uid": 0, "gid": 4294967295}


def additional_gid_too_big(c):
    c["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": [2147483648]}


def cpu_period_100(c):
    c["linux"]["resources"]["cpu"] = {"period": 100}


def cpu_quota_50(c):
    c["linux"]["resources"]["cpu"] = {"quota": 50, "period": 100000}


def cpu_shares_1(c):
    c["linux"]["resources"]["cpu"] = {"shares": 1}


def tmpfs_root_tmpcopyup(c):
    c["mounts"].append({"destination": "/", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]})


def mempolicy_node_5(c):
    c["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "5"}


def mempolicy_unknown_mode(c):
    c["linux"]["memoryPolicy"] = {"mode": "MPOL_FASTEST", "nodes": "0"}


def mempolicy_bind_without_nodes(c):
    c["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND"}


def mempolicy_unknown_flag(c):
    c["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_BOGUS"]}


def intel_rdt(c):
    c["linux"]["intelRdt"] = {"closID": "berth-test", "l3CacheSchema": "L3:0=f"}


def net_device_missing(c):
    c["linux"]["netDevices"] = {"berthnosuch0": {"name": "eth1"}}


def net_device_without_netns(c):
    without_namespace(c, "network")
    c["linux"]["netDevices"] = {"lo": {"name": "eth1"}}


REFUSED = [
    (hostname_without_uts, "hostname: setting it needs a private UTS namespace"),
    (domainname_without_uts, "domainname: setting it needs a private UTS namespace"),
    (net_sysctl_without_netns, "linux.sysctl: `net.ipv4.ping_group_range` needs a private network namespace"),
    (mqueue_sysctl_without_ipc, "linux.sysctl: `fs.mqueue.queues_max` needs a private IPC namespace"),
    (shm_sysctl_without_ipc, "linux.sysctl: `kernel.shmmax` needs a private IPC namespace"),
    (msg_sysctl_without_ipc, "linux.sysctl: `kernel.msgmnb` needs a private IPC namespace"),
    (sem_sysctl_without_ipc, "linux.sysctl: `kernel.sem` needs a private IPC namespace"),
    (domainname_sysctl_without_uts, "linux.sysctl: `kernel.domainname` needs a private UTS namespace"),
    (panic_sysctl, "linux.sysctl: `kernel.panic` is not namespaced"),
    (vm_sysctl, "linux.sysctl: `vm.swappiness` is not namespaced"),
    (uid_minus_one, "process.user.uid: 4294967295: uids and gids must be in range 0-2147483647"),
    (gid_minus_one, "process.user.gid: 4294967295: uids and gids must be in range 0-2147483647"),
    (additional_gid_too_big, "process.user.additionalGids[0]: 2147483648: uids and gids must be in range"),
    (cpu_period_100, "linux.resources.cpu.period: 100 is outside 1000..1000000"),
    (cpu_quota_50, "linux.resources.cpu.quota: 50 is below the kernel's minimum of 1000"),
    (cpu_shares_1, "linux.resources.cpu.shares: 1 is outside 2..262144"),
    (tmpfs_root_tmpcopyup, "tmpcopyup on a tmpfs at `/` is refused"),
    (mempolicy_node_5, "linux.memoryPolicy.nodes: node 5 is not online on this host"),
    (mempolicy_unknown_mode, "linux.memoryPolicy.mode: unknown mode `MPOL_FASTEST`"),
    (mempolicy_bind_without_nodes, "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node"),
    (mempolicy_unknown_flag, "linux.memoryPolicy.flags[0]: unknown flag `MPOL_F_BOGUS`"),
    (intel_rdt, "linux.intelRdt: not supported by berth"),
    (net_device_missing, "linux.netDevices[\"berthnosuch0\"]: no such interface in berth's network namespace"),
    (net_device_without_netns, "linux.netDevices: needs a private network namespace"),
]


@pytest.mark.parametrize("breakage, message", REFUSED, ids=[b.__name__ for b, _ in REFUSED])
def test_refused_config_exits_with_one_line_and_leaves_nothing(bundle, berth_root, container_id, breakage, message):
    breakage(bundle.config)
    bundle.write_config()
    r = run_private(berth_root, "run", "--bundle", bundle, container_id)
    assert "CHANGED" not in r.stderr, describe(r)
    assert_refused_and_nothing_left(r, berth_root, container_id, message)


def test_cpu_period_100_is_a_clear_error_not_a_crash(bundle, berth_root, container_id):
    # It used to die with SIGSEGV (exit 139); now the pass refuses it.
    cpu_period_100(bundle.config)
    bundle.write_config()
    r = run_private(berth_root, "create", "--bundle", bundle, container_id)
    assert r.returncode == 1 and r.returncode != 139, describe(r)
    assert_refused_and_nothing_left(r, berth_root, container_id, "cpu.period: 100 is outside 1000..1000000")


def test_update_refuses_an_invalid_cpu_period(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    run_private(berth_root, "run", "--detach", "--bundle", bundle, container_id)
    assert berth_root.container_ids() == [container_id]
    r = run_private(berth_root, "update", "--cpu-period", "100", container_id)
    assert r.returncode == 1 and "linux.resources.cpu.period: 100 is outside 1000..1000000" in r.stderr, describe(r)


# ------------------------------------------------------------ config.json itself


def test_config_symlink_to_dev_zero_is_refused_at_once(bundle, berth_root, container_id):
    bundle.config_path.unlink()
    bundle.config_path.symlink_to("/dev/zero")
    r = run_private(berth_root, "create", "--bundle", bundle, container_id, timeout=10)
    assert_refused_and_nothing_left(r, berth_root, container_id, "config.json: not a regular file")


def test_config_fifo_is_refused_without_blocking(bundle, berth_root, container_id):
    bundle.config_path.unlink()
    os.mkfifo(bundle.config_path)
    r = run_private(berth_root, "create", "--bundle", bundle, container_id, timeout=10)
    assert_refused_and_nothing_left(r, berth_root, container_id, "config.json: not a regular file")


def test_config_over_the_size_cap_is_refused_naming_the_cap(bundle, berth_root, container_id):
    with open(bundle.config_path, "r+b") as f:
        f.truncate(65 << 20)  # sparse: no real 65 MiB written
    r = run_private(berth_root, "create", "--bundle", bundle, container_id, timeout=10)
    assert_refused_and_nothing_left(r, berth_root, container_id, "is larger than the 64 MiB cap")


def test_many_annotations_still_create_and_state(bundle, berth_root, container_id):
    bundle.config["annotations"] = {f"org.example.k{i}": str(i) for i in range(100000)}
    bundle.set_args("sleep", "100")
    run_private(berth_root, "create", "--bundle", bundle, container_id, timeout=60)
    r = run_private(berth_root, "state", container_id, timeout=60)
    assert r.returncode == 0, describe(r)
    annotations = json.loads(r.stdout)["annotations"]
    assert len(annotations) == 100000 and annotations["org.example.k99999"] == "99999"


# ------------------------------------------------------------ applied inside


def run_output(berth_root, bundle, container_id, script):
    bundle.set_args("sh", "-c", script)
    r = run_private(berth_root, "run", "--bundle", bundle, container_id)
    assert r.returncode == 0 and "CHANGED" not in r.stderr, describe(r)
    return r.stdout.split()


def test_namespaced_sysctls_and_names_are_applied_inside(bundle, berth_root, container_id):
    bundle.config["hostname"] = "inside"
    bundle.config["linux"]["sysctl"] = {
        "net.ipv4.ping_group_range": "0 7",
        "net/ipv4/ip_unprivileged_port_start": "99",
        "fs.mqueue.queues_max": "77",
        "kernel.shmmni": "1234",
        "kernel.domainname": "inside.example",
    }
    out = run_output(berth_root, bundle, container_id,
                     "hostname; cat /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/ip_unprivileged_port_start "
                     "/proc/sys/fs/mqueue/queues_max /proc/sys/kernel/shmmni /proc/sys/kernel/domainname")
    assert out == ["inside", "0", "7", "99", "77", "1234", "inside.example"]


def test_a_network_namespace_joined_by_path_counts_for_net_sysctls(bundle, berth_root, container_id):
    holder = subprocess.Popen(["unshare", "-n", "sleep", "60"])
    try:
        path = f"/proc/{holder.pid}/ns/net"
        # until `unshare` has made its namespace (the pid is sleep's from then on)
        for _ in range(200):
            if os.stat(path).st_ino != os.stat("/proc/self/ns/net").st_ino:
                break
            time.sleep(0.01)
        assert os.stat(path).st_ino != os.stat("/proc/self/ns/net").st_ino
        for ns in bundle.config["linux"]["namespaces"]:
            if ns["type"] == "network":
                ns["path"] = path
        bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_unprivileged_port_start": "123"}
        out = run_output(berth_root, bundle, container_id, "cat /proc/sys/net/ipv4/ip_unprivileged_port_start")
        assert out == ["123"]
    finally:
        holder.kill()
        holder.wait()


def test_memory_policy_bind_to_node_0_is_the_process_policy(bundle, berth_root, container_id):
    bundle.config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0"}
    out = run_output(berth_root, bundle, container_id, "grep -c ' bind:0 ' /proc/self/numa_maps")
    assert int(out[0]) > 0


def test_memory_policy_also_holds_for_an_exec_process(bundle, berth_root, container_id):
    bundle.config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0"}
    bundle.set_args("sleep", "100")
    r = run_private(berth_root, "run", "--detach", "--bundle", bundle, container_id)
    assert r.returncode == 0, describe(r)
    r = run_private(berth_root, "exec", container_id, "grep", "-c", " bind:0 ", "/proc/self/numa_maps")
    assert r.returncode == 0 and int(r.stdout) > 0, describe(r)


def test_memory_policy_interleave_with_static_nodes(bundle, berth_root, container_id):
    bundle.config["linux"]["memoryPolicy"] = {"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}
    out = run_output(berth_root, bundle, container_id, "grep -c ' interleave=static:0 ' /proc/self/numa_maps")
    assert int(out[0]) > 0


def test_without_memory_policy_the_process_has_the_default(bundle, berth_root, container_id):
    out = run_output(berth_root, bundle, container_id, "grep -c ' bind:\\| interleave' /proc/self/numa_maps || true")
    assert out == ["0"]


def test_device_access_rwa_is_accepted_as_rw(bundle, berth_root, container_id):
    bundle.config["linux"]["resources"]["devices"] = [
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwa"},
    ]
    out = run_output(berth_root, bundle, container_id, "echo x > /dev/null && echo wrote")
    assert out == ["wrote"]


def test_tmpcopyup_on_a_tmpfs_elsewhere_still_works(bundle, berth_root, container_id):
    bundle.add_mount("/etc", type="tmpfs", source="tmpfs", options=["tmpcopyup"])
    out = run_output(berth_root, bundle, container_id, "test -s /etc/passwd && echo copied")
    assert out == ["copied"]


# ------------------------------------------------------------ netDevices

# A veth pair in the namespaces the test made (busybox names the peer veth0).
VETH = ("/bin/busybox ip link add v0 type veth peer name veth0 && /bin/busybox ip addr add 10.1.2.3/24 dev v0 "
        "&& /bin/busybox ip addr add fd00::5/64 dev v0")


def test_net_device_is_moved_renamed_with_its_addresses_and_up(bundle, berth_root, container_id):
    bundle.config["linux"]["netDevices"] = {"v0": {"name": "eth7"}}
    bundle.set_args("sh", "-c", "ip -o addr show eth7; ip -o link show eth7")
    r = run_private(berth_root, "run", "--bundle", bundle, container_id, setup=VETH,
                    after="/bin/busybox ip -o link show v0 2>&1 | grep -c 'v0:' || true")
    assert r.returncode == 0, describe(r)
    lines = r.stdout.splitlines()
    assert any("inet 10.1.2.3/24" in line for line in lines), r.stdout
    assert any("inet6 fd00::5/64" in line for line in lines), r.stdout
    link = [line for line in lines if line.startswith(tuple("0123456789")) and "eth7" in line and "link/" in line]
    assert link and ",UP" in link[0], r.stdout
    # gone from the namespace berth ran in
    assert lines[-1] == "0", r.stdout


def test_sysctl_of_an_interface_with_a_dot_in_its_name(bundle, berth_root, container_id):
    # sysctl(8)'s dotted form writes the dot of "v0.5" as a slash.
    bundle.config["linux"]["netDevices"] = {"v0.5": {}}
    bundle.config["linux"]["sysctl"] = {"net.ipv4.conf.v0/5.forwarding": "1",
                                        "net/ipv4/conf/v0.5/accept_local": "1"}
    bundle.set_args("cat", "/proc/sys/net/ipv4/conf/v0.5/forwarding", "/proc/sys/net/ipv4/conf/v0.5/accept_local")
    r = run_private(berth_root, "run", "--bundle", bundle, container_id,
                    setup="/bin/busybox ip link add v0.5 type veth peer name veth0")
    assert r.returncode == 0 and r.stdout.split() == ["1", "1"], describe(r)


def test_net_device_name_template_gets_a_free_name(bundle, berth_root, container_id):
    bundle.config["linux"]["netDevices"] = {"v0": {"name": "net%d"}}
    bundle.set_args("sh", "-c", "ip -o link show net0 >/dev/null && echo net0-present")
    r = run_private(berth_root, "run", "--bundle", bundle, container_id, setup=VETH)
    assert r.returncode == 0 and r.stdout.split() == ["net0-present"], describe(r)


def test_net_device_name_taken_in_the_container_is_an_error(bundle, berth_root, container_id):
    bundle.config["linux"]["netDevices"] = {"v0": {"name": "lo"}}
    bundle.write_config()
    r = run_private(berth_root, "run", "--bundle", bundle, container_id, setup=VETH)
    assert_refused_and_nothing_left(r, berth_root, container_id, "linux.netDevices[\"v0\"]")


# ------------------------------------------------------------ exec


@pytest.fixture
def running(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    r = run_private(berth_root, "run", "--detach", "--bundle", bundle, container_id)
    assert r.returncode == 0, describe(r)
    return container_id


def test_exec_user_4294967295_is_refused(berth_root, running):
    # exec exits 255 on every failure, as runc does.
    r = run_private(berth_root, "exec", "--user", "4294967295:4294967295", running, "id")
    assert r.returncode == 255, describe(r)
    assert "uids and gids must be in range 0-2147483647" in r.stderr and "uid=" not in r.stdout, describe(r)


def test_exec_additional_gid_4294967295_is_refused(berth_root, running):
    r = run_private(berth_root, "exec", "--additional-gids", "4294967295", running, "id")
    assert r.returncode == 255 and "user.additionalGids[0]: 4294967295: uids and gids must be in range" in r.stderr, \
        describe(r)


def test_exec_process_file_with_uid_4294967295_is_refused(berth_root, running, tmp_path):
    process = tmp_path / "process.json"
    process.write_text(json.dumps({"args": ["id"], "cwd": "/", "user": {"uid": 4294967295, "gid": 0}}))
    r = run_private(berth_root, "exec", "-p", process, running)
    assert r.returncode == 255, describe(r)
    assert "--process: user.uid: 4294967295: uids and gids must be in range 0-2147483647" in r.stderr, describe(r)
    assert "uid=" not in r.stdout


def test_exec_process_file_that_is_a_fifo_is_refused_without_blocking(berth_root, running, tmp_path):
    fifo = tmp_path / "process.json"
    os.mkfifo(fifo)
    r = run_private(berth_root, "exec", "-p", fifo, running, timeout=10)
    assert r.returncode == 255 and "not a regular file" in r.stderr, describe(r)


def test_exec_user_2147483647_passes_validation(berth_root, running):
    r = run_private(berth_root, "exec", "--user", "2147483647:2147483647", running, "id", "-u")
    assert r.returncode == 0 and r.stdout.split() == ["2147483647"], describe(r)


# ------------------------------------------------------------ features


def test_features_tell_the_truth_about_memory_policy_rdt_and_net_devices(berth):
    f = json.loads(berth("features", check=True).stdout)["linux"]
    mp = f["memoryPolicy"]
    assert set(mp["modes"]) == {"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
                                "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"}
    assert set(mp["flags"]) == {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"}
    assert f["intelRdt"]["enabled"] is False
    assert f["netDevices"]["enabled"] is True


# Each mode and flag `features` lists, as a config (mode, nodes, flags) and
# the policy the kernel then shows in /proc/self/numa_maps (mpol_to_str).
MEMORY_POLICY_SHOWN = {
    "MPOL_DEFAULT": ({"mode": "MPOL_DEFAULT"}, "default"),
    "MPOL_BIND": ({"mode": "MPOL_BIND", "nodes": "0"}, "bind:0"),
    "MPOL_INTERLEAVE": ({"mode": "MPOL_INTERLEAVE", "nodes": "0"}, "interleave:0"),
    "MPOL_WEIGHTED_INTERLEAVE": ({"mode": "MPOL_WEIGHTED_INTERLEAVE", "nodes": "0"}, "weighted interleave:0"),
    "MPOL_PREFERRED": ({"mode": "MPOL_PREFERRED", "nodes": "0"}, "prefer:0"),
    "MPOL_PREFERRED_MANY": ({"mode": "MPOL_PREFERRED_MANY", "nodes": "0"}, "prefer (many):0"),
    "MPOL_LOCAL": ({"mode": "MPOL_LOCAL"}, "local"),
    "MPOL_F_STATIC_NODES": ({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}, "bind=static:0"),
    "MPOL_F_RELATIVE_NODES": ({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]},
                              "bind=relative:0"),
    "MPOL_F_NUMA_BALANCING": ({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_NUMA_BALANCING"]},
                              "bind=balancing:0"),
}


def advertised_memory_policy():
    result = subprocess.run([BERTH, "features"], capture_output=True, text=True, check=True)
    mp = json.loads(result.stdout)["linux"]["memoryPolicy"]
    return sorted(mp["modes"]) + sorted(mp["flags"])


@pytest.mark.parametrize("name", advertised_memory_policy())
def test_every_memory_policy_mode_and_flag_features_lists_is_applied(bundle, berth_root, container_id, name):
    assert name in MEMORY_POLICY_SHOWN, f"features lists {name}: add it here with the policy the kernel shows"
    policy, shown = MEMORY_POLICY_SHOWN[name]
    bundle.config["linux"]["memoryPolicy"] = policy
    bundle.set_args("cat", "/proc/self/numa_maps")
    r = run_private(berth_root, "run", "--bundle", bundle, container_id)
    assert r.returncode == 0 and "CHANGED" not in r.stderr, describe(r)
    # Each line: the address, the policy (which may hold a space), details.
    lines = r.stdout.splitlines()
    assert lines and all((line.split(" ", 1)[1] + " ").startswith(shown + " ") for line in lines), r.stdout


# ------------------------------------------------------------ every sample config

# The configs the suites carry, and those runc, crun and berth write: each
# goes through create under the sanitizer build, which must end in success
# or one clear line, never a crash.  What could reach the host is dropped
# first (hooks run host programs, binds and devices touch host files,
# namespace paths could be the host's), and the program is /bin/true.
SAMPLE_DIRS = ["tests/fuzz/corpus", "tests/unit/data"]
HOST_REACHING = ("hooks",)
LINUX_HOST_REACHING = ("devices", "rootfsPropagation", "cgroupsPath", "netDevices")


def sample_configs():
    found = []
    for d in SAMPLE_DIRS:
        for path in sorted((SRCDIR / d).glob("*.json")):
            try:
                doc = json.loads(path.read_text())
            except ValueError:
                continue  # the corpus holds broken JSON on purpose; the fuzzer covers it
            if isinstance(doc, dict) and "ociVersion" in doc and "id" not in doc and "ociVersionMin" not in doc:
                found.append(pytest.param(path, id=f"{d.split('/')[-1]}/{path.name}"))
    for runtime in ("runc", "crun"):
        for rootless in (False, True):
            found.append(pytest.param(f"{runtime} spec{' --rootless' if rootless else ''}",
                                      id=f"{runtime}-spec{'-rootless' if rootless else ''}"))
    return found


def load_sample(sample, tmp_path):
    if not isinstance(sample, str):
        return json.loads(sample.read_text())
    argv = sample.split()
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    out = tmp_path / argv[0]
    out.mkdir()
    subprocess.run(argv, cwd=out, check=True, capture_output=True, timeout=30)
    return json.loads((out / "config.json").read_text())


def made_safe(config, default):
    for key in HOST_REACHING:
        config.pop(key, None)
    config["root"] = {"path": "rootfs"}
    config["mounts"] = default["mounts"]
    process = config.get("process")
    if isinstance(process, dict):
        process.update({"args": ["/bin/true"], "terminal": False, "cwd": "/"})
    linux = config.get("linux")
    if isinstance(linux, dict):
        for key in LINUX_HOST_REACHING:
            linux.pop(key, None)
        namespaces = linux.get("namespaces")
        if isinstance(namespaces, list):
            for ns in namespaces:
                if isinstance(ns, dict):
                    ns.pop("path", None)
    return config


@pytest.mark.parametrize("sample", sample_configs())
def test_every_sample_config_creates_or_fails_cleanly_under_the_sanitizers(bundle, berth_root, container_id, tmp_path,
                                                                          sample):
    config = made_safe(load_sample(sample, tmp_path), bundle.config)
    bundle.write_config(config)
    r = run_private(berth_root, "create", "--bundle", bundle, container_id)
    assert r.returncode in (0, 1), f"not a clean exit\n{describe(r)}"
    assert "CHANGED" not in r.stderr, describe(r)
    if r.returncode == 1:
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("berth: create: "), describe(r)
        assert not (berth_root.path / container_id).exists()
    else:
        d = run_private(berth_root, "delete", "--force", container_id)
        assert d.returncode == 0, describe(d)
