"""Process attributes the init sets before exec: scheduler, I/O priority,
execCPUAffinity, personality, rlimits and oomScoreAdj.  Observed from
inside the container (/proc/self, the probe), or from the host on the
init of a created container, which waits before exec with everything set."""
import ctypes
import json
import os
import resource
import struct
import time
from pathlib import Path

import pytest

from conftest import read_mounts
from probe_helper import install_probe, probe_binary, probe_results  # noqa: F401 (fixture)

SCHED_POLICY = {"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_IDLE": 5,
                "SCHED_DEADLINE": 6}
CAP_SYS_RESOURCE = 24


def stat_fields(text):
    """/proc/PID/stat as a list where index i is field i+1 of proc(5)."""
    head, _, tail = text.rpartition(")")
    pid, _, comm = head.partition(" (")
    return [pid, comm] + tail.split()


def stat_of_pid(pid):
    return stat_fields(Path(f"/proc/{pid}/stat").read_text())


def status_of_pid(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def sched_getattr(pid):
    """The kernel's struct sched_attr of pid (x86_64 syscall number)."""
    if os.uname().machine != "x86_64":
        pytest.skip("sched_getattr's syscall number here is x86_64's")
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(56)
    if libc.syscall(315, ctypes.c_long(pid), buf, ctypes.c_uint(56), ctypes.c_uint(0)) != 0:
        raise OSError(ctypes.get_errno(), "sched_getattr")
    _, policy, flags, _, _, runtime, deadline, period = struct.unpack_from("=IIQiIQQQ", buf.raw)
    return {"policy": policy, "flags": flags, "runtime": runtime, "deadline": deadline, "period": period}


def have_cap(bit):
    return bool(int(status_of_pid("self")["CapEff"], 16) & (1 << bit))


def create_and_get_pid(root, bundle, cid):
    root.run("create", "--bundle", bundle, cid, check=True)
    return json.loads(root.run("state", cid, check=True).stdout)["pid"]


def one_line_error(r, message):
    assert r.returncode == 1, r
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("berth: "), r.stderr
    assert message in r.stderr


def assert_refused_and_gone(root, bundle, cid, message):
    before = read_mounts()
    r = root.run("create", "--bundle", bundle, cid)
    one_line_error(r, message)
    assert not (root.path / cid).exists()
    assert read_mounts() == before


# ------------------------------------------------------------------ scheduler


def rt_group_scheduling():
    """Whether a v1 cpu hierarchy with RT group scheduling is mounted."""
    for line in open("/proc/self/mountinfo"):
        left, right = line.split(" - ", 1)
        fstype, _, opts = right.split()[:3]
        if fstype == "cgroup" and "cpu" in opts.split(","):
            return os.path.exists(os.path.join(left.split()[4], "cpu.rt_runtime_us"))
    return False


@pytest.mark.parametrize("scheduler", [
    {"policy": "SCHED_BATCH", "nice": 7},
    {"policy": "SCHED_IDLE"},
    {"policy": "SCHED_FIFO", "priority": 10},
    {"policy": "SCHED_RR", "priority": 3},
    {"policy": "SCHED_OTHER", "nice": -5},
], ids=lambda s: s["policy"])
def test_scheduler_policy_priority_and_nice_are_those_of_the_process(bundle, berth_root, container_id, scheduler):
    bundle.process["scheduler"] = scheduler
    if scheduler["policy"] in ("SCHED_FIFO", "SCHED_RR") and rt_group_scheduling():
        # The container's cgroup needs an RT budget of its own.
        bundle.config["linux"]["resources"] = {"cpu": {"realtimeRuntime": 10000, "realtimePeriod": 1000000}}
    bundle.set_args("cat", "/proc/self/stat")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    fields = stat_fields(r.stdout)
    assert int(fields[40]) == SCHED_POLICY[scheduler["policy"]]  # policy (41)
    assert int(fields[39]) == scheduler.get("priority", 0)  # rt_priority (40)
    if scheduler["policy"] in ("SCHED_OTHER", "SCHED_BATCH"):
        assert int(fields[18]) == scheduler.get("nice", 0)  # nice (19)


def test_sched_deadline_with_runtime_deadline_and_period(bundle, berth_root, container_id):
    # A deadline task cannot fork: look at the created init from the host.
    ns = 1000 * 1000
    bundle.process["scheduler"] = {"policy": "SCHED_DEADLINE", "runtime": 2 * ns, "deadline": 8 * ns,
                                   "period": 10 * ns, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}
    bundle.set_args("true")
    pid = create_and_get_pid(berth_root, bundle, container_id)
    attr = sched_getattr(pid)
    assert attr["policy"] == SCHED_POLICY["SCHED_DEADLINE"]
    assert (attr["runtime"], attr["deadline"], attr["period"]) == (2 * ns, 8 * ns, 10 * ns)
    assert attr["flags"] & 0x01  # SCHED_FLAG_RESET_ON_FORK


def test_scheduler_reset_on_fork_gives_children_the_default_policy(bundle, berth_root, container_id):
    bundle.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 5, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}
    if rt_group_scheduling():
        bundle.config["linux"]["resources"] = {"cpu": {"realtimeRuntime": 10000, "realtimePeriod": 1000000}}
    bundle.set_args("sh", "-c", "cut -d' ' -f41 /proc/self/stat; cut -d' ' -f41 /proc/1/stat")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.split() == ["0", "1"]  # the forked cut, then the init (sh)


@pytest.mark.parametrize("scheduler,message", [
    ({"policy": "SCHED_BOGUS"}, "process.scheduler.policy: unknown policy `SCHED_BOGUS`"),
    ({"policy": "SCHED_ISO"}, "process.scheduler.policy: SCHED_ISO is not implemented by Linux"),
    ({"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_BOGUS"]},
     "process.scheduler.flags[0]: unknown flag `SCHED_FLAG_BOGUS`"),
    ({"policy": "SCHED_OTHER", "nice": 20}, "process.scheduler.nice: 20 is out of range"),
    ({"policy": "SCHED_FIFO", "priority": 0}, "process.scheduler: set SCHED_FIFO (priority 0, nice 0)"),
], ids=["policy", "iso", "flag", "nice", "fifo-priority-0"])
def test_bad_scheduler_is_a_clear_error(bundle, berth_root, container_id, scheduler, message):
    bundle.process["scheduler"] = scheduler
    bundle.write_config()
    assert_refused_and_gone(berth_root, bundle, container_id, message)


# ------------------------------------------------------------------ I/O priority


@pytest.mark.parametrize("io,value", [
    ({"class": "IOPRIO_CLASS_BE", "priority": 6}, (2 << 13) | 6),
    ({"class": "IOPRIO_CLASS_IDLE", "priority": 0}, 3 << 13),
    ({"class": "IOPRIO_CLASS_RT", "priority": 2}, (1 << 13) | 2),
], ids=["be", "idle", "rt"])
def test_io_priority_applies_to_the_process_and_its_children(bundle, berth_root, container_id, probe_binary, io,
                                                             value):
    install_probe(bundle, probe_binary)
    bundle.process["ioPriority"] = io
    bundle.set_args("sh", "-c", "probe ioprio")  # the probe is a child of the init
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert probe_results(r.stdout)["ioprio"] == value


@pytest.mark.parametrize("io,message", [
    ({"class": "IOPRIO_CLASS_NONE", "priority": 0}, "process.ioPriority.class: unknown class `IOPRIO_CLASS_NONE`"),
    ({"class": "IOPRIO_CLASS_BE", "priority": 8}, "process.ioPriority.priority: 8 is out of range (0 to 7)"),
], ids=["class", "priority"])
def test_bad_io_priority_is_a_clear_error(bundle, berth_root, container_id, io, message):
    bundle.process["ioPriority"] = io
    bundle.write_config()
    assert_refused_and_gone(berth_root, bundle, container_id, message)


# ------------------------------------------------------------------ execCPUAffinity


def online_cpus():
    return os.sched_getaffinity(0)


needs_two_cpus = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 or not {0, 1} <= os.sched_getaffinity(0),
                                    reason="needs CPUs 0 and 1")


@needs_two_cpus
def test_exec_cpu_affinity_initial_during_setup_final_for_the_program(bundle, berth_root, container_id, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    bundle.add_mount("/out", source=str(out), options=["rbind", "rw"])
    bundle.process["execCPUAffinity"] = {"initial": "0", "final": "1"}
    bundle.set_args("sh", "-c", "grep Cpus_allowed_list /proc/self/status > /out/cpus")
    pid = create_and_get_pid(berth_root, bundle, container_id)
    assert status_of_pid(pid)["Cpus_allowed_list"] == "0"
    berth_root.run("start", container_id, check=True)
    deadline = time.monotonic() + 10
    while not (out / "cpus").exists() or not (out / "cpus").read_text():
        assert time.monotonic() < deadline, "the container did not write its CPU list"
        time.sleep(0.05)
    assert (out / "cpus").read_text().split() == ["Cpus_allowed_list:", "1"]


@needs_two_cpus
@pytest.mark.parametrize("affinity,want", [
    ({"final": "1"}, "1"),
    ({"initial": "1"}, "1"),  # no final: the affinity is left as it is
    ({"initial": "0", "final": ""}, "0"),
    ({"final": "0-1"}, "0-1"),
], ids=["final-only", "initial-only", "empty-final", "range"])
def test_exec_cpu_affinity_without_one_of_the_lists(bundle, berth_root, container_id, affinity, want):
    bundle.process["execCPUAffinity"] = affinity
    bundle.set_args("grep", "Cpus_allowed_list", "/proc/self/status")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.split() == ["Cpus_allowed_list:", want]


@pytest.mark.parametrize("affinity,message", [
    ({"final": "0-"}, "process.execCPUAffinity.final: `0-` is not a CPU list"),
    ({"initial": "1,a"}, "process.execCPUAffinity.initial: `1,a` is not a CPU list"),
    ({"initial": "3-1"}, "process.execCPUAffinity.initial: `3-1` is not a CPU list"),
    ({"initial": "1000"}, "process.execCPUAffinity.initial: run on CPUs 1000"),
    ({"initial": "4096"}, "process.execCPUAffinity.initial: `4096` is not a CPU list"),
], ids=["dangling-range", "letter", "reversed", "absent-cpu", "beyond-cpu-setsize"])
def test_bad_exec_cpu_affinity_is_a_clear_error(bundle, berth_root, container_id, affinity, message):
    bundle.process["execCPUAffinity"] = affinity
    bundle.write_config()
    assert_refused_and_gone(berth_root, bundle, container_id, message)


# ------------------------------------------------------------------ personality


@pytest.mark.parametrize("domain,machine,persona", [("LINUX32", "i686", 8), ("LINUX", "x86_64", 0)])
def test_personality_domain(bundle, berth_root, container_id, probe_binary, domain, machine, persona):
    if os.uname().machine != "x86_64":
        pytest.skip("the expected machine names are x86_64's")
    install_probe(bundle, probe_binary)
    bundle.config["linux"]["personality"] = {"domain": domain}
    bundle.set_args("sh", "-c", "uname -m; probe personality")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.splitlines()[0] == machine
    assert probe_results(r.stdout)["personality"] == persona


@pytest.mark.parametrize("personality,message", [
    ({"domain": "LINUX64"}, "linux.personality.domain: unknown domain `LINUX64`"),
    ({"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]},
     "linux.personality.flags[0]: unsupported flag `ADDR_NO_RANDOMIZE`"),
], ids=["domain", "flag"])
def test_bad_personality_is_a_clear_error(bundle, berth_root, container_id, personality, message):
    bundle.config["linux"]["personality"] = personality
    bundle.write_config()
    assert_refused_and_gone(berth_root, bundle, container_id, message)


# ------------------------------------------------------------------ rlimits


def test_rlimits_are_set_exactly(bundle, berth_root, container_id):
    bundle.process["rlimits"] = [
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 4096},
        {"type": "RLIMIT_NPROC", "soft": 500, "hard": 600},
        {"type": "RLIMIT_MSGQUEUE", "soft": 1000, "hard": 2000},
        {"type": "RLIMIT_NOFILE", "soft": 64, "hard": 128},
    ]
    bundle.set_args("cat", "/proc/self/limits")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    limits = {}
    for line in r.stdout.splitlines()[1:]:
        parts = line[26:].split()
        limits[line[:26].strip()] = (parts[0], parts[1])
    assert limits["Max core file size"] == ("0", "4096")
    assert limits["Max processes"] == ("500", "600")
    assert limits["Max msgqueue size"] == ("1000", "2000")
    assert limits["Max open files"] == ("64", "128")


@pytest.mark.parametrize("rlimits,message", [
    ([{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 10}, {"type": "RLIMIT_NOFILE", "soft": 20, "hard": 20}],
     "process.rlimits[1].type: RLIMIT_NOFILE is already set by rlimits[0]"),
    ([{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}], "process.rlimits[0].type: unknown rlimit `RLIMIT_BOGUS`"),
    ([{"type": "RLIMIT_CORE", "soft": 20, "hard": 10}],
     "process.rlimits[0]: RLIMIT_CORE soft limit 20 is above the hard limit 10"),
], ids=["duplicate", "unknown", "soft-above-hard"])
def test_bad_rlimits_are_refused_before_anything_is_made(bundle, berth_root, container_id, rlimits, message):
    bundle.process["rlimits"] = rlimits
    bundle.write_config()
    assert_refused_and_gone(berth_root, bundle, container_id, message)


@pytest.mark.skipif(have_cap(CAP_SYS_RESOURCE), reason="with CAP_SYS_RESOURCE any hard limit can be raised")
def test_raising_a_hard_limit_without_cap_sys_resource_says_so(bundle, berth_root, container_id):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard, "hard": hard + 1000}]
    bundle.write_config()
    assert_refused_and_gone(berth_root, bundle, container_id, "needs CAP_SYS_RESOURCE")


# ------------------------------------------------------------------ oomScoreAdj


def test_oom_score_adj_is_set(bundle, berth_root, container_id):
    bundle.process["oomScoreAdj"] = 500
    bundle.set_args("cat", "/proc/self/oom_score_adj")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.strip() == "500"


def test_oom_score_adj_unset_is_inherited_unchanged(bundle, berth_root, container_id):
    bundle.process.pop("oomScoreAdj", None)
    bundle.set_args("cat", "/proc/self/oom_score_adj")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.strip() == Path("/proc/self/oom_score_adj").read_text().strip()


def test_oom_score_adj_out_of_range_is_refused(bundle, berth_root, container_id):
    bundle.process["oomScoreAdj"] = 1001
    bundle.write_config()
    assert_refused_and_gone(berth_root, bundle, container_id, "process.oomScoreAdj: 1001 is out of range")
