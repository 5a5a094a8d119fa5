"""Cgroups (cgroupfs driver): where a container's cgroup goes, the
resources written into it and their effect on the processes, and the
commands that work through it (kill --all, pause/resume, ps, update,
delete).  Files are read from the hierarchy that really holds each
controller, so the same tests run on a v1, hybrid or v2 host."""
import json
import os
import shutil
import subprocess
import select
import time
import uuid
from pathlib import Path

import pytest

from conftest import BERTH

pytestmark = pytest.mark.cgroups


# ------------------------------------------------------------------ helpers


def _cgroup_mounts():
    """[(fstype, super options set, mount point)] of the cgroup mounts."""
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, right = line.split(" - ", 1)
        fstype, _, opts = right.split()[:3]
        if fstype in ("cgroup", "cgroup2"):
            mounts.append((fstype, set(opts.split(",")), left.split()[4]))
    return mounts


def cgroup_dirs(pid):
    """{controller or "unified": directory} of process pid's cgroups."""
    dirs = {}
    mounts = _cgroup_mounts()
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        hid, controllers, path = line.split(":", 2)
        if hid == "0" and not controllers:
            for fstype, _, mnt in mounts:
                if fstype == "cgroup2":
                    d = mnt + path
                    dirs["unified"] = d
                    for c in Path(d, "cgroup.controllers").read_text().split() if Path(d).exists() else []:
                        dirs.setdefault(c, d)
                    break
            continue
        want = set(controllers.split(","))
        for fstype, opts, mnt in mounts:
            if fstype == "cgroup" and want <= opts:
                for c in want:
                    dirs[c] = mnt + path  # v1 wins over the unified hierarchy of a hybrid host
                break
    return dirs


def is_v2(d):
    return Path(d, "cgroup.controllers").exists()


def read_cg(dirs, controller, v1_file, v2_file):
    d = dirs[controller]
    return Path(d, v2_file if is_v2(d) else v1_file).read_text().strip()


def state_of(root, cid):
    return json.loads(root.run("state", cid, check=True).stdout)


def created(berth_root, bundle, cid, *args):
    """Create the container; return its init pid."""
    berth_root.run("create", "--bundle", bundle, *args, cid, check=True)
    return state_of(berth_root, cid)["pid"]


def set_resources(bundle, **groups):
    bundle.config["linux"]["resources"] = groups
    bundle.write_config()


# ------------------------------------------------------------------ placement


def test_default_cgroup_is_named_after_the_container_under_ours(bundle, berth_root, container_id):
    pid = created(berth_root, bundle, container_id)
    mine = cgroup_dirs(os.getpid())
    for ctl, d in cgroup_dirs(pid).items():
        assert d == f"{mine[ctl].rstrip('/')}/{container_id}", ctl


def test_absolute_cgroups_path_is_taken_from_each_hierarchy_root(bundle, berth_root, container_id):
    top = f"berth-test-{uuid.uuid4().hex[:8]}"
    bundle.config["linux"]["cgroupsPath"] = f"/{top}/{container_id}"
    bundle.write_config()
    pid = created(berth_root, bundle, container_id)
    try:
        dirs = cgroup_dirs(pid)
        for fstype, opts, mnt in _cgroup_mounts():
            if fstype == "cgroup" and "name=systemd" not in opts or fstype == "cgroup2":
                assert Path(mnt, top, container_id).is_dir()
        assert all(d.endswith(f"/{top}/{container_id}") for d in dirs.values())
        berth_root.run("delete", "--force", container_id, check=True)
        assert not any(Path(mnt, top, container_id).exists() for _, _, mnt in _cgroup_mounts())
    finally:
        for _, _, mnt in _cgroup_mounts():
            p = Path(mnt, top)
            if p.exists():
                for sub in sorted(p.rglob("*"), key=lambda x: len(str(x)), reverse=True):
                    if sub.is_dir():
                        sub.rmdir()
                p.rmdir()


def test_cgroup_namespace_shows_the_container_cgroup_as_root(bundle, berth_root, container_id):
    if not any(ns["type"] == "cgroup" for ns in bundle.config["linux"]["namespaces"]):
        bundle.config["linux"]["namespaces"].append({"type": "cgroup"})
    bundle.set_args("cat", "/proc/self/cgroup")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout and all(line.endswith(":/") for line in r.stdout.splitlines())


# ------------------------------------------------------------------ resources


def test_memory_pids_and_cpu_resources_are_written(bundle, berth_root, container_id):
    set_resources(bundle, memory={"limit": 64 << 20, "reservation": 32 << 20},
                  pids={"limit": 42}, cpu={"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"})
    dirs = cgroup_dirs(created(berth_root, bundle, container_id))
    assert read_cg(dirs, "memory", "memory.limit_in_bytes", "memory.max") == str(64 << 20)
    assert read_cg(dirs, "memory", "memory.soft_limit_in_bytes", "memory.low") == str(32 << 20)
    assert read_cg(dirs, "pids", "pids.max", "pids.max") == "42"
    if is_v2(dirs["cpu"]):
        assert read_cg(dirs, "cpu", "", "cpu.weight") == str(1 + (512 - 2) * 9999 // 262142)
        assert read_cg(dirs, "cpu", "", "cpu.max") == "50000 100000"
    else:
        assert read_cg(dirs, "cpu", "cpu.shares", "") == "512"
        assert read_cg(dirs, "cpu", "cpu.cfs_quota_us", "") == "50000"
        assert read_cg(dirs, "cpu", "cpu.cfs_period_us", "") == "100000"
    assert read_cg(dirs, "cpuset", "cpuset.cpus", "cpuset.cpus") == "0"


def test_swap_is_memory_plus_swap_on_v1_and_swap_alone_on_v2(bundle, berth_root, container_id):
    set_resources(bundle, memory={"limit": 64 << 20, "swap": 96 << 20})
    r = berth_root.run("create", "--bundle", bundle, container_id)
    if r.returncode != 0:
        assert "swap accounting is not enabled" in r.stderr
        pytest.skip("this host has no swap accounting")
    dirs = cgroup_dirs(state_of(berth_root, container_id)["pid"])
    assert read_cg(dirs, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max") == \
        str((32 << 20) if is_v2(dirs["memory"]) else (96 << 20))


def test_memory_limit_oom_kills_a_hog(bundle, berth_root, container_id):
    set_resources(bundle, memory={"limit": 16 << 20, "swap": 16 << 20})
    # tail keeps the whole of a line that never ends in memory.
    bundle.set_args("sh", "-c", "tail /dev/zero; echo status=$?")
    r = berth_root.run("run", "--bundle", bundle, container_id)
    if "swap accounting is not enabled" in r.stderr:
        pytest.skip("this host has no swap accounting")
    assert r.stdout == "status=137\n"  # SIGKILL from the OOM killer


def test_pids_limit_stops_a_fork_bomb(bundle, berth_root, container_id):
    set_resources(bundle, pids={"limit": 8})
    bundle.set_args("sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done; echo looped; wait")
    r = berth_root.run("run", "--bundle", bundle, container_id)
    assert r.returncode != 0 and "looped" not in r.stdout
    assert "can't fork: Resource temporarily unavailable" in r.stderr


def test_device_rules_deny_opening_a_device_that_mknod_may_create(bundle, berth_root, container_id):
    caps = ["CAP_MKNOD", "CAP_DAC_OVERRIDE"]
    bundle.process["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
    bundle.config["root"]["readonly"] = False
    set_resources(bundle, devices=[{"allow": False, "access": "rwm"}])
    bundle.set_args("sh", "-c", "mknod /kmsg c 1 11 && echo made; head -c 1 /kmsg >/dev/null 2>&1 && echo opened "
                                "|| echo denied; echo x > /dev/null && echo null-ok; rm -f /kmsg")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.split() == ["made", "denied", "null-ok"]


def _a_disk():
    """(major, minor) of a whole disk of this host (not a loop or ram device), or None."""
    for dev in sorted(Path("/sys/block").iterdir()):
        if not dev.name.startswith(("loop", "ram", "zram")) and (dev / "dev").exists():
            major, minor = (dev / "dev").read_text().split(":")
            return int(major), int(minor)
    return None


def test_block_io_throttles_are_written_per_device(bundle, berth_root, container_id):
    disk = _a_disk()
    if disk is None:
        pytest.skip("no whole disk on this host to throttle")
    major, minor = disk
    dev = lambda rate: [{"major": major, "minor": minor, "rate": rate}]  # noqa: E731
    set_resources(bundle, blockIO={"throttleReadBpsDevice": dev(1 << 20), "throttleWriteBpsDevice": dev(2 << 20),
                                   "throttleReadIOPSDevice": dev(100), "throttleWriteIOPSDevice": dev(200)})
    dirs = cgroup_dirs(created(berth_root, bundle, container_id))
    d = dirs.get("blkio") or dirs["io"]
    if is_v2(d):
        line = next(l for l in Path(d, "io.max").read_text().splitlines() if l.startswith(f"{major}:{minor} "))
        assert line.split()[1:] == [f"rbps={1 << 20}", f"wbps={2 << 20}", "riops=100", "wiops=200"]
    else:
        for name, rate in (("read_bps", 1 << 20), ("write_bps", 2 << 20), ("read_iops", 100), ("write_iops", 200)):
            assert Path(d, f"blkio.throttle.{name}_device").read_text().split() == [f"{major}:{minor}", str(rate)]


def test_hugepage_limits_go_to_the_hierarchy_owning_hugetlb(bundle, berth_root, container_id):
    sizes = sorted(p.name[len("hugepages-"):-2] for p in Path("/sys/kernel/mm/hugepages").glob("hugepages-*kB"))
    if not sizes:
        pytest.skip("no huge page sizes on this host")
    size = "2MB" if "2048" in sizes else f"{int(sizes[0]) // 1024}MB"
    set_resources(bundle, hugepageLimits=[{"pageSize": size, "limit": 4 << 20}])
    dirs = cgroup_dirs(created(berth_root, bundle, container_id))
    assert read_cg(dirs, "hugetlb", f"hugetlb.{size}.limit_in_bytes", f"hugetlb.{size}.max") == str(4 << 20)


# ------------------------------------------------------------------ commands


def test_pause_freezes_and_resume_thaws_a_counter(bundle, berth_root, container_id):
    bundle.config["root"]["readonly"] = False
    bundle.set_args("sh", "-c", "while true; do echo x; done > /count")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    count = bundle.rootfs / "count"

    def value():
        for _ in range(100):
            if count.exists() and count.stat().st_size:
                return count.stat().st_size
            time.sleep(0.02)
        raise AssertionError("the counter never wrote")

    value()
    berth_root.run("pause", container_id, check=True)
    assert state_of(berth_root, container_id)["status"] == "paused"
    first = value()
    time.sleep(0.3)
    assert value() == first
    berth_root.run("resume", container_id, check=True)
    assert state_of(berth_root, container_id)["status"] == "running"
    time.sleep(0.3)
    assert value() > first


def test_pause_and_resume_refuse_the_wrong_state(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    r = berth_root.run("resume", container_id, check=1)
    assert r.stderr.startswith("berth: resume: ") and "running" in r.stderr
    berth_root.run("pause", container_id, check=True)
    r = berth_root.run("delete", container_id, check=1)
    assert "paused" in r.stderr
    berth_root.run("delete", "--force", container_id, check=True)


def test_ps_lists_the_container_processes(bundle, berth_root, container_id):
    bundle.config["linux"]["namespaces"] = [ns for ns in bundle.config["linux"]["namespaces"] if ns["type"] != "pid"]
    bundle.set_args("sh", "-c", "sleep 100 & exec sleep 101")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    init = state_of(berth_root, container_id)["pid"]
    deadline = time.monotonic() + 5
    while True:
        pids = json.loads(berth_root.run("ps", "--format", "json", container_id, check=True).stdout)
        if len(pids) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert init in pids and len(pids) == 2
    table = berth_root.run("ps", container_id, "-o", "pid,args", check=True).stdout.splitlines()
    assert table[0].split() == ["PID", "COMMAND"]
    assert sorted(int(line.split()[0]) for line in table[1:]) == sorted(pids)
    assert {line.split(None, 1)[1] for line in table[1:]} == {"sleep 100", "sleep 101"}


def test_kill_all_and_delete_reach_every_process_in_the_cgroup(bundle, berth_root, container_id):
    # Without a pid namespace, the init's death does not take its children along.
    bundle.config["linux"]["namespaces"] = [ns for ns in bundle.config["linux"]["namespaces"] if ns["type"] != "pid"]
    bundle.set_args("sh", "-c", "sleep 100 & sleep 100 & exec sleep 102")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    deadline = time.monotonic() + 5
    while len(json.loads(berth_root.run("ps", "-f", "json", container_id, check=True).stdout)) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pids = json.loads(berth_root.run("ps", "-f", "json", container_id, check=True).stdout)
    dirs = cgroup_dirs(pids[0])
    # pidfds, not /proc/PID/stat: a process reaped between a look at its
    # stat file and the read made the old check fail now and then; a pidfd
    # becomes readable once its process has exited, reaped or not.
    pidfds = [os.pidfd_open(p) for p in pids]
    try:
        berth_root.run("kill", "--all", container_id, "KILL", check=True)
        waiting = select.poll()
        for fd in pidfds:
            waiting.register(fd, select.POLLIN)
        exited, deadline = set(), time.monotonic() + 10
        while len(exited) < len(pidfds):
            assert time.monotonic() < deadline, "processes survived kill --all"
            exited.update(fd for fd, _ in waiting.poll(100))
    finally:
        for fd in pidfds:
            os.close(fd)
    berth_root.run("delete", container_id, check=True)
    assert not any(Path(d).exists() for d in dirs.values())


def test_update_changes_limits_from_flags_and_json(bundle, berth_root, container_id):
    set_resources(bundle, memory={"limit": 64 << 20}, pids={"limit": 10})
    bundle.set_args("sleep", "100")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    dirs = cgroup_dirs(state_of(berth_root, container_id)["pid"])
    berth_root.run("update", "--memory", "128m", "--pids-limit", "20", container_id, check=True)
    assert read_cg(dirs, "memory", "memory.limit_in_bytes", "memory.max") == str(128 << 20)
    assert read_cg(dirs, "pids", "pids.max", "pids.max") == "20"
    berth_root.run("update", "-r", "-", container_id, input=json.dumps({"pids": {"limit": 30}}), check=True)
    assert read_cg(dirs, "pids", "pids.max", "pids.max") == "30"
    # The stored configuration follows, the rest of it untouched.
    stored = json.loads((berth_root.path / container_id / "config.json").read_text())
    assert stored["linux"]["resources"]["memory"] == {"limit": 128 << 20}
    assert stored["linux"]["resources"]["pids"] == {"limit": 30}
    assert stored["process"]["args"] == ["sleep", "100"]
    r = berth_root.run("update", "--memory", "lots", container_id, check=1)
    assert r.stderr == "berth: update: --memory: `lots` is not a size\n"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("resources, path, message", [
    ({}, "../../escape", "leads out of the cgroup hierarchy"),
    ({}, "/", "names the root of the cgroup hierarchy"),
    ({"memory": {"limit": -5}}, None, "linux.resources.memory.limit: -5 is not a limit"),
    ({"pids": {"limit": -2}}, None, "linux.resources.pids.limit: -2 is not a limit"),
    ({"cpu": {"cpus": "4096"}}, None, "linux.resources.cpu.cpus: 4096 is not among this host's"),
    ({"cpu": {"cpus": "0-"}}, None, "linux.resources.cpu.cpus: `0-` is not a list"),
    ({"memory": {"swappiness": 200}}, None, "linux.resources.memory.swappiness: 200 is outside 0..100"),
    ({"unified": {"memory.nonsense": "1"}}, None, "linux.resources.unified"),
    ({"blockIO": {"weight": 5}}, None, "linux.resources.blockIO.weight: 5 is outside 10..1000"),
    ({"devices": [{"allow": True, "type": "x"}]}, None, "linux.resources.devices[0].type"),
])
def test_bad_cgroup_input_is_refused_and_creates_nothing(bundle, berth_root, container_id, resources, path,
                                                         message):
    if path is not None:
        bundle.config["linux"]["cgroupsPath"] = path
    bundle.config["linux"]["resources"] = resources
    bundle.write_config()
    r = berth_root.run("run", "--bundle", bundle, container_id, check=1)
    assert r.stderr.startswith("berth: run: ") and message in r.stderr and len(r.stderr.splitlines()) == 1
    assert berth_root.container_ids() == []
    assert not [d for d, _, _ in os.walk("/sys/fs/cgroup") if d.endswith("/" + container_id)]
    assert not [d for d, _, _ in os.walk("/sys/fs/cgroup") if d.endswith("/escape")]


# ------------------------------------------------------------------ cgroups made by others


def _remove_cgroup_tree(p):
    if p.exists():
        for sub in sorted((x for x in p.rglob("*") if x.is_dir()), key=lambda x: len(str(x)), reverse=True):
            sub.rmdir()
        p.rmdir()


@pytest.fixture
def foreign_cgroup():
    """make(controller) -> Path: a cgroup `berth-test-<id>` at the root of
    the hierarchy holding controller (v1, or the unified one), made as
    another tool would; thawed and removed on teardown."""
    top = f"berth-test-{uuid.uuid4().hex[:8]}"
    made = []

    def make(controller):
        for fstype, opts, mnt in _cgroup_mounts():
            if fstype == "cgroup" and controller in opts or fstype == "cgroup2" and controller in \
                    Path(mnt, "cgroup.controllers").read_text().split() + ["freezer"]:
                p = Path(mnt, top)
                p.mkdir()
                made.append(p)
                return p
        pytest.skip(f"no hierarchy holds {controller}")

    yield make
    for p in made:
        for f, value in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
            if (p / f).exists():
                (p / f).write_text(value)
    # A container below it made `top` in every hierarchy, and its delete
    # removes only its own leaf.
    for _, _, mnt in _cgroup_mounts():
        _remove_cgroup_tree(Path(mnt, top))


def freeze(cg):
    if (cg / "freezer.state").exists():
        (cg / "freezer.state").write_text("FROZEN")
    else:
        (cg / "cgroup.freeze").write_text("1")


@pytest.mark.parametrize("where", ["in", "below"])
def test_create_in_a_frozen_cgroup_is_refused_and_creates_nothing(bundle, berth_root, container_id,
                                                                  foreign_cgroup, where):
    cg = foreign_cgroup("freezer")
    freeze(cg)
    path = f"/{cg.name}" if where == "in" else f"/{cg.name}/{container_id}"
    bundle.config["linux"]["cgroupsPath"] = path
    bundle.write_config()
    r = berth_root.run("run", "--bundle", bundle, container_id, check=1, timeout=20)
    assert r.stderr.startswith("berth: run: cgroup `") and len(r.stderr.splitlines()) == 1, r.stderr
    assert "is frozen: a container cannot be started in it (thaw it first)" in r.stderr
    assert berth_root.container_ids() == []
    assert not [d for d, _, _ in os.walk("/sys/fs/cgroup") if d.endswith("/" + container_id)]
    assert cg.is_dir()  # someone else's: left as it was


def test_an_existing_cgroup_with_an_empty_cpuset_gets_the_parents_cpus_and_mems(bundle, berth_root, container_id,
                                                                                foreign_cgroup):
    cg = foreign_cgroup("cpuset")
    if not (cg / "cpuset.cpus").exists() or is_v2(cg):
        pytest.skip("v1 cpusets only: v2 ones inherit their parent's")
    # A v1 cpuset made by hand starts with no cpus and no mems.
    assert (cg / "cpuset.cpus").read_text().strip() == "" and (cg / "cpuset.mems").read_text().strip() == ""
    bundle.config["linux"]["cgroupsPath"] = f"/{cg.name}/{container_id}"
    bundle.set_args("true")
    berth_root.run("run", "--bundle", bundle, container_id, check=True)
    parent = cg.parent
    for f in ("cpuset.cpus", "cpuset.mems"):
        assert (cg / f).read_text().strip() == (parent / f).read_text().strip() != ""


def _proc_cgroups(pid):
    """{controllers: path} from /proc/PID/cgroup."""
    return dict(line.split(":", 2)[1:] for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines())


def test_exec_into_a_sub_cgroup_that_some_v1_hierarchies_lack_joins_it_where_it_exists(bundle, berth_root,
                                                                                       container_id, tmp_path):
    bundle.set_args("sleep", "100")
    pid = created(berth_root, bundle, container_id)
    berth_root.run("start", container_id, check=True)
    dirs = cgroup_dirs(pid)
    v1 = [c for c in ("pids", "memory") if c in dirs and not is_v2(dirs[c])]
    if len(v1) < 2 or "freezer" not in dirs:
        pytest.skip("needs v1 pids, memory and freezer hierarchies")
    for c in v1:
        Path(dirs[c], "sub").mkdir()
    pidfile = tmp_path / "exec.pid"
    berth_root.run("exec", "-d", "--pid-file", pidfile, "--cgroup", "sub", container_id, "sleep", "30", check=True)
    epid = int(pidfile.read_text())
    try:
        init, mine = _proc_cgroups(pid), _proc_cgroups(epid)
        for controllers, path in mine.items():
            if set(controllers.split(",")) & set(v1):
                assert path == init[controllers] + "/sub", controllers
            else:
                assert path == init[controllers], controllers  # not there: the container's own
    finally:
        os.kill(epid, 9)
    # Where no hierarchy has it, it is an error, as before.
    r = berth_root.run("exec", "--cgroup", "nowhere", container_id, "true")
    assert r.returncode == 255 and "--cgroup `nowhere`: no hierarchy of the container has it" in r.stderr


CGROUP2_SUPER_MAGIC = 0x63677270


def _statfs_type(path):
    """f_type of statfs(path) (Python's os.statvfs does not give it)."""
    import ctypes
    buf = ctypes.create_string_buffer(256)  # struct statfs; f_type comes first
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.statfs(path.encode(), buf) == 0, ctypes.get_errno()
    return ctypes.c_long.from_buffer(buf).value


@pytest.mark.parametrize("rootless", [False, True], ids=["root", "rootless"])
def test_spec_adds_a_cgroup_namespace_only_on_a_unified_v2_host(berth, tmp_path, rootless):
    unified = _statfs_type("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC
    berth("spec", *(["--rootless"] if rootless else []), "--bundle", tmp_path, check=True)
    spaces = [n["type"] for n in json.loads((tmp_path / "config.json").read_text())["linux"]["namespaces"]]
    assert ("cgroup" in spaces) == unified, spaces
    if shutil.which("runc"):
        (tmp_path / "runc").mkdir()
        subprocess.run(["runc", "spec", *(["--rootless"] if rootless else []), "--bundle", tmp_path / "runc"],
                       check=True)
        theirs = json.loads((tmp_path / "runc" / "config.json").read_text())["linux"]["namespaces"]
        assert ("cgroup" in spaces) == any(n["type"] == "cgroup" for n in theirs)


# ------------------------------------------------------------------ the cgroup driver


def host_layout():
    """"v1", "v2" or "hybrid", from the hierarchies this process is in."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    unified = any(line.startswith("0::") for line in lines) and any(f == "cgroup2" for f, _, _ in _cgroup_mounts())
    v1 = any(not line.startswith("0::") for line in lines)
    return "hybrid" if unified and v1 else "v2" if unified else "v1"


def recorded_driver(root, cid):
    return json.loads((root.path / cid / "state.json").read_text())["cgroupDriver"]


def test_the_cgroup_driver_is_chosen_at_create_and_recorded(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    created(berth_root, bundle, container_id)
    assert recorded_driver(berth_root, container_id) == f"cgroupfs-{host_layout()}"
    # Later commands go through the recorded driver.
    berth_root.run("start", container_id, check=True)
    berth_root.run("pause", container_id, check=True)
    assert state_of(berth_root, container_id)["status"] == "paused"
    berth_root.run("resume", container_id, check=True)
    berth_root.run("update", "--pids-limit", "50", container_id, check=True)
    assert read_cg(cgroup_dirs(state_of(berth_root, container_id)["pid"]), "pids", "pids.max", "pids.max") == "50"


def test_a_state_without_a_recorded_driver_gets_the_one_its_hierarchies_say(bundle, berth_root, container_id):
    # Containers created before the driver was recorded keep working.
    bundle.set_args("sleep", "100")
    created(berth_root, bundle, container_id)
    path = berth_root.path / container_id / "state.json"
    st = json.loads(path.read_text())
    del st["cgroupDriver"]
    path.write_text(json.dumps(st))
    berth_root.run("start", container_id, check=True)
    berth_root.run("pause", container_id, check=True)
    assert state_of(berth_root, container_id)["status"] == "paused"
    berth_root.run("resume", container_id, check=True)
    berth_root.run("delete", "--force", container_id, check=True)
    assert berth_root.container_ids() == []


@pytest.mark.skipif(host_layout() != "hybrid", reason="shows the v1 driver on a hybrid host only")
def test_a_v1_only_view_of_the_host_gets_the_v1_driver(bundle, berth_root, container_id):
    # A private mount namespace where the unified hierarchy is not mounted
    # (as crun needs here): berth sees a v1 host, and says so in the state.
    script = (f'umount -l /sys/fs/cgroup/unified && "$0" --root {berth_root.path} create --bundle {bundle.path} '
              f'{container_id} && cat {berth_root.path}/{container_id}/state.json && '
              f'"$0" --root {berth_root.path} kill {container_id} KILL && '
              f'"$0" --root {berth_root.path} delete --force {container_id}')
    bundle.set_args("sleep", "100")
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, BERTH],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["cgroupDriver"] == "cgroupfs-v1" and "unified" not in st["cgroupPaths"]
    assert berth_root.container_ids() == []


# ------------------------------------------------------------------ systemd driver

SYSTEMD_RUNNING = Path("/run/systemd/system").is_dir()


@pytest.mark.skipif(SYSTEMD_RUNNING, reason="systemd runs here: the error path cannot be shown")
def test_systemd_driver_without_systemd_is_a_clear_error(bundle, berth_root, container_id):
    r = berth_root.run("--systemd-cgroup", "run", "--bundle", bundle, container_id, check=1, timeout=20)
    assert r.stderr == ("berth: run: --systemd-cgroup: systemd is not running on this host "
                        "(use the cgroupfs driver: drop --systemd-cgroup)\n")
    assert berth_root.container_ids() == []
    assert not [d for d, _, _ in os.walk("/sys/fs/cgroup") if container_id in d]


@pytest.mark.parametrize("path", ["no-colons", "a.slice:x", "notaslice:berth:x", "a.slice:b:c:d", "a.slice:p:bad/name"])
def test_systemd_cgroups_path_must_be_slice_prefix_name(bundle, berth_root, container_id, path):
    bundle.config["linux"]["cgroupsPath"] = path
    bundle.write_config()
    r = berth_root.run("--systemd-cgroup", "run", "--bundle", bundle, container_id, check=1)
    assert r.stderr.startswith(f"berth: run: linux.cgroupsPath: `{path}`") and len(r.stderr.splitlines()) == 1
    assert berth_root.container_ids() == []


@pytest.mark.skipif(not SYSTEMD_RUNNING, reason="systemd is not running on this host (PID 1 is not systemd)")
def test_systemd_driver_puts_the_container_in_a_transient_scope(bundle, berth_root, container_id):
    bundle.config["linux"]["cgroupsPath"] = f"system.slice:berth-test:{container_id}"
    set_resources(bundle, pids={"limit": 33})
    pid = created(berth_root, bundle, container_id)
    dirs = cgroup_dirs(pid)
    assert all(d.endswith(f"/system.slice/berth-test-{container_id}.scope") for d in dirs.values())
    assert read_cg(dirs, "pids", "pids.max", "pids.max") == "33"
    berth_root.run("delete", "--force", container_id, check=True)
    assert not any(Path(d).exists() for d in dirs.values())
