"""The rootfs, its pseudo-filesystems and its devices, from configs and
images that try to make the runtime mount, write or open something else
than what it means to (issue 14: A3, A4, A5, B9, B10).

Every runtime here runs inside private uts, net and ipc namespaces
(`unshare -u -n -i`), and with configs that could reach the host's mounts
also inside a private mount namespace: a regression fails the test instead
of changing the machine.  Where runc (or crun) has the behaviour, the same
bundle runs under it too and the outcomes are compared."""
import json
import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, describe, exec_command, open_path_to, sanitizer_report
from test_compare import CRUN_WRAPPER, OCI_VERSION

PRIVATE = ["unshare", "-u", "-n", "-i"]
# For configs without a mount namespace of their own: the whole runtime
# runs in a throw-away one (and pid namespace, with its own /proc).
PRIVATE_ALL = ["unshare", "-m", "-u", "-n", "-i", "-p", "--fork", "--mount-proc"]
USERNS_MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def run_private(runtime, root, *args, wrapper=PRIVATE, timeout=30):
    """`runtime --root ROOT ARGS` inside wrapper's namespaces; fails the
    test on a sanitizer report from berth."""
    result, timed_out = exec_command([*wrapper, runtime, "--root", root, *args], timeout=timeout)
    assert not timed_out, describe(result)
    if runtime == BERTH:
        assert sanitizer_report(result.stderr) is None, describe(result)
    return result


def berth_run(berth_root, bundle, cid, wrapper=PRIVATE):
    return run_private(BERTH, berth_root, "run", "--bundle", bundle, cid, wrapper=wrapper)


def refused(r, *needles):
    """One clear `berth: ...` line, exit status 1, naming every needle."""
    assert r.returncode == 1, describe(r)
    assert r.stderr.startswith("berth: ") and r.stderr.count("\n") == 1, describe(r)
    for needle in needles:
        assert needle in r.stderr, describe(r)


@pytest.fixture
def other_root(tmp_path):
    """A --root for runc/crun; whatever they leave is deleted at teardown."""
    path = tmp_path / "other-root"
    path.mkdir()
    yield path
    for name in ("runc", "crun"):
        exe = shutil.which(name)
        if exe and path.exists():
            for entry in path.iterdir():
                exec_command([exe, "--root", path, "delete", "--force", entry.name])


def runc_or_skip(comparison_runtimes):
    if "runc" not in comparison_runtimes:
        pytest.skip("runc is not installed")
    return comparison_runtimes["runc"]


def copy_for_other(bundle_factory, bundle, name):
    """A second, identical bundle (rootfs and config) for another runtime."""
    other = bundle_factory(name)
    shutil.rmtree(other.rootfs)
    subprocess.run(["cp", "-a", str(bundle.rootfs), str(other.rootfs)], check=True)
    config = json.loads(json.dumps(bundle.config))
    config["ociVersion"] = OCI_VERSION
    other.write_config(config)
    return other


def use_userns(bundle):
    open_path_to(bundle.path)  # the container's root must reach its bundle
    lin = bundle.config["linux"]
    lin["namespaces"].append({"type": "user"})
    lin["uidMappings"] = USERNS_MAP
    lin["gidMappings"] = USERNS_MAP
    # A v1 cgroup tree cannot be mounted in a user namespace without a
    # cgroup namespace's help on this host; it is not what these test.
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["type"] != "cgroup"]


def without_mount(bundle, destination):
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != destination]


# ------------------------------------------------------------------ A3: /proc and /sys


def make_not_a_directory(rootfs, name, how):
    target = rootfs / name
    shutil.rmtree(target)
    if how == "symlink":
        (rootfs / f"fake{name}").mkdir()
        target.symlink_to(f"/fake{name}")
    else:
        target.write_text("a plain file\n")


@pytest.mark.parametrize("how", ["symlink", "file"])
@pytest.mark.parametrize("name", ["proc", "sys"])
def test_proc_or_sys_that_is_not_an_ordinary_directory_is_refused_like_runc(
        bundle, bundle_factory, berth_root, container_id, comparison_runtimes, other_root, name, how):
    make_not_a_directory(bundle.rootfs, name, how)
    bundle.write_config()
    r = berth_run(berth_root, bundle, container_id)
    fstype = "proc" if name == "proc" else "sysfs"
    refused(r, f'filesystem "{fstype}" must be mounted on ordinary directory', f"/{name}")
    assert berth_root.container_ids() == []
    if how == "symlink":
        assert list((bundle.rootfs / f"fake{name}").iterdir()) == [], "something was mounted through the link"
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--bundle", other, container_id)
    assert theirs.returncode != 0 and "must be mounted on ordinary directory" in theirs.stderr, describe(theirs)


@pytest.mark.parametrize("name", ["proc", "sys"])
def test_proc_or_sys_with_something_already_mounted_on_it_is_refused(bundle, berth_root, container_id, name):
    """A tmpfs put on /sys first would take the sysfs's place in whatever
    later resolves /sys; on /proc it is refused before that (not a procfs)."""
    dest = f"/{name}"
    mounts = bundle.config["mounts"]
    at = next(i for i, m in enumerate(mounts) if m["destination"] == dest)
    mounts.insert(at, {"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]})
    bundle.write_config()
    r = berth_run(berth_root, bundle, container_id)
    if name == "proc":
        refused(r, "`/proc` cannot be mounted because it is not of type proc")
    else:
        refused(r, 'filesystem "sysfs" must be mounted on ordinary directory', "already has something mounted")
    assert berth_root.container_ids() == []


def test_bind_inside_proc_is_refused_like_runc(bundle, bundle_factory, berth_root, container_id, tmp_path,
                                               comparison_runtimes, other_root):
    """A host directory over /proc/sys would take the container's (and a
    runtime's) sysctl writes: runc refuses it, and so does berth."""
    fake = tmp_path / "fake-sys"
    (fake / "kernel").mkdir(parents=True)
    (fake / "kernel" / "hostname").write_text("lookalike\n")
    bundle.add_mount("/proc/sys", source=str(fake), options=["bind", "rw"])
    bundle.config["linux"]["sysctl"] = {"kernel.domainname": "from-sysctl"}
    bundle.write_config()
    r = berth_run(berth_root, bundle, container_id)
    refused(r, "`/proc/sys` cannot be mounted because it is inside /proc")
    assert (fake / "kernel" / "hostname").read_text() == "lookalike\n"
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--bundle", other, container_id)
    assert theirs.returncode != 0 and "cannot be mounted because it is inside /proc" in theirs.stderr, \
        describe(theirs)


def test_bind_of_an_emulated_proc_file_is_allowed(bundle, berth_root, container_id, tmp_path):
    """What lxcfs does: its files over /proc/uptime and the like."""
    fake = tmp_path / "uptime"
    fake.write_text("12345.00 0.00\n")
    bundle.add_mount("/proc/uptime", source=str(fake), options=["bind", "ro"])
    bundle.set_args("cat", "/proc/uptime")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout == "12345.00 0.00\n"


def test_root_path_that_is_a_symlink_is_refused_at_create(bundle, berth_root, container_id):
    real = bundle.path / "real-rootfs"
    bundle.rootfs.rename(real)
    bundle.rootfs.symlink_to(real)
    r = run_private(BERTH, berth_root, "create", "--bundle", bundle, container_id)
    refused(r, "root.path `rootfs` is a symlink")
    assert berth_root.container_ids() == []
    assert not (berth_root.path / container_id).exists()


def test_dev_that_is_a_symlink_is_refused_like_runc(bundle, bundle_factory, berth_root, container_id,
                                                    comparison_runtimes, other_root):
    """The devices and links made in /dev would go wherever the link leads
    (resolved inside the rootfs, but still not /dev): refused up front.
    runc fails on it too (setting up /dev/ptmx)."""
    target = f"berth-test-dev-{uuid.uuid4().hex[:8]}"
    host_dir = Path("/") / target
    assert not host_dir.exists()
    shutil.rmtree(bundle.rootfs / "dev")
    (bundle.rootfs / "dev").symlink_to(host_dir)
    bundle.write_config()
    r = berth_run(berth_root, bundle, container_id)
    refused(r, "`/dev` in the rootfs is a symlink")
    assert berth_root.container_ids() == []
    assert not host_dir.exists() and not (bundle.rootfs / target).exists()
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--bundle", other, container_id)
    assert theirs.returncode != 0, describe(theirs)
    assert not host_dir.exists()


def test_oom_score_adj_and_sysctl_go_through_a_whole_procfs(bundle, berth_root, container_id):
    """The runtime writes them through its own procfs, checked to be the
    root of one: they reach the kernel whatever the rootfs holds."""
    bundle.process["oomScoreAdj"] = 123
    bundle.config["linux"]["sysctl"] = {"kernel.domainname": "from-sysctl"}
    bundle.set_args("sh", "-c", "cat /proc/self/oom_score_adj /proc/sys/kernel/domainname")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout.split() == ["123", "from-sysctl"]


# ------------------------------------------------------------------ A4: --no-pivot


def test_no_pivot_with_default_capabilities_cannot_mount_proc_like_runc(
        bundle, bundle_factory, berth_root, container_id, comparison_runtimes, other_root):
    (bundle.rootfs / "mnt").mkdir(exist_ok=True)
    bundle.set_args("sh", "-c", "mount -t proc proc /mnt && echo mounted || echo refused")
    r = run_private(BERTH, berth_root, "run", "--no-pivot", "--bundle", bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout == "refused\n" and "permission denied" in r.stderr
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--no-pivot", "--bundle", other, container_id)
    assert (theirs.returncode, theirs.stdout) == (0, r.stdout), describe(theirs)


@pytest.mark.parametrize("pivot", [True, False], ids=["pivot_root", "no-pivot"])
def test_no_pivot_leaves_no_host_procfs_or_sysfs_to_mount_a_fresh_one_from(bundle, berth_root, container_id,
                                                                           pivot):
    """In a user namespace the kernel lets a fresh procfs (sysfs) be mounted
    only if one is already fully visible in the mount namespace.  With
    pivot_root the host's are gone; with --no-pivot they stay below the
    chroot, so berth makes them not count (as runc's msMoveRoot means to):
    a container with CAP_SYS_ADMIN and no /proc or /sys of its own may
    mount neither, with or without --no-pivot."""
    use_userns(bundle)
    without_mount(bundle, "/proc")
    without_mount(bundle, "/sys")
    bundle.config["linux"]["maskedPaths"] = []
    bundle.config["linux"]["readonlyPaths"] = []
    caps = bundle.process["capabilities"]
    for kind in ("bounding", "effective", "permitted"):
        caps[kind] = sorted(set(caps[kind]) | {"CAP_SYS_ADMIN"})
    bundle.config["root"]["readonly"] = True
    (bundle.rootfs / "mnt").mkdir(exist_ok=True)
    bundle.set_args("sh", "-c", "mount -t proc proc /mnt 2>/dev/null && echo proc-mounted || echo proc-refused; "
                                "mount -t sysfs sysfs /mnt 2>/dev/null && echo sysfs-mounted || echo sysfs-refused; "
                                "mount -t tmpfs tmpfs /mnt && echo tmpfs-mounted")
    args = ["run", "--bundle", bundle, container_id] if pivot else ["run", "--no-pivot", "--bundle", bundle,
                                                                    container_id]
    r = run_private(BERTH, berth_root, *args)
    assert r.returncode == 0, describe(r)
    # tmpfs proves the capability is there: only the two are refused.
    assert r.stdout.split() == ["proc-refused", "sysfs-refused", "tmpfs-mounted"]


# ------------------------------------------------------------------ A5: devices

KMSG = {"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 0o666, "uid": 0, "gid": 0}
OPENERS = ["CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN", "CAP_SYSLOG", "CAP_MKNOD"]


@pytest.mark.cgroups
def test_linux_devices_entry_under_deny_all_exists_but_cannot_be_opened_like_runc(
        bundle, bundle_factory, berth_root, container_id, comparison_runtimes, other_root):
    """linux.devices makes the node; only linux.resources.devices (here:
    deny all) and the default devices decide what may be opened."""
    assert bundle.config["linux"]["resources"]["devices"] == [{"allow": False, "access": "rwm"}]
    bundle.config["linux"]["devices"] = [KMSG]
    bundle.process["capabilities"] = {k: OPENERS for k in ("bounding", "effective", "permitted")}
    bundle.set_args("sh", "-c", "test -c /dev/kmsg && echo node; "
                                "(head -c1 /dev/kmsg >/dev/null) 2>/dev/null && echo opened || echo denied; "
                                "echo x > /dev/null && echo null-ok")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout.split() == ["node", "denied", "null-ok"]
    if "runc" in comparison_runtimes and os.path.isdir("/sys/fs/cgroup/devices"):
        other = copy_for_other(bundle_factory, bundle, "runc-bundle")
        theirs = run_private(comparison_runtimes["runc"], other_root, "run", "--bundle", other, container_id)
        assert (theirs.returncode, theirs.stdout) == (0, r.stdout), describe(theirs)


@pytest.mark.cgroups
def test_linux_devices_entry_allowed_by_a_resources_rule_can_be_opened(bundle, berth_root, container_id):
    """The other half: the same node opens once a rule allows it."""
    bundle.config["linux"]["devices"] = [KMSG]
    bundle.config["linux"]["resources"]["devices"].append(
        {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "r"})
    bundle.process["capabilities"] = {k: OPENERS for k in ("bounding", "effective", "permitted")}
    bundle.set_args("sh", "-c", "(exec 3</dev/kmsg) && echo opened || echo denied")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout == "opened\n"


def host_dev_null():
    st = os.stat("/dev/null")
    return st.st_uid, st.st_gid, st.st_mode, st.st_rdev


@pytest.mark.parametrize("userns", [False, True], ids=["host-userns", "userns"])
def test_host_dev_null_bound_in_keeps_its_owner_and_mode(bundle, berth_root, container_id, userns):
    """A bind of the host's /dev/null, a linux.devices entry asking for
    another owner and mode on /dev/null, and a non-root process.user (stdio
    are the host's /dev/null too): nothing may chown or chmod the host's node."""
    before = host_dev_null()
    assert before[:2] == (0, 0) and stat.S_IMODE(before[2]) == 0o666, \
        f"the host's /dev/null was already changed before this test ran: {before}"
    if userns:
        use_userns(bundle)
    else:
        bundle.add_mount("/dev/null", source="/dev/null", options=["bind", "rw"])
    bundle.config["linux"]["devices"] = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3,
                                          "fileMode": 0o600, "uid": 1000, "gid": 1000}]
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    bundle.set_args("sh", "-c", "echo x > /dev/null && echo written")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout == "written\n"
    assert host_dev_null() == before


def test_devices_bound_in_a_user_namespace_are_nosuid_noexec(bundle, berth_root, container_id):
    use_userns(bundle)
    bundle.config["linux"]["devices"] = [{"path": "/dev/fuse-like", "type": "c", "major": 1, "minor": 7}]
    bundle.set_args("sh", "-c", "grep -e ' /dev/null ' -e ' /dev/fuse-like ' /proc/self/mountinfo")
    # The host has no /dev/fuse-like: with mknod impossible that is an error.
    r = berth_run(berth_root, bundle, container_id)
    refused(r, "/dev/fuse-like", "the host has no such node", "mknod is not allowed in a user namespace")
    bundle.config["linux"]["devices"] = [{"path": "/dev/full", "type": "c", "major": 1, "minor": 7}]
    bundle.set_args("sh", "-c", "grep -e ' /dev/null ' -e ' /dev/full ' /proc/self/mountinfo")
    r = berth_run(berth_root, bundle, f"{container_id}-2")
    assert r.returncode == 0, describe(r)
    lines = r.stdout.splitlines()
    assert len(lines) == 2, r.stdout
    for line in lines:
        per_mount = line.split()[5].split(",")
        assert "nosuid" in per_mount and "noexec" in per_mount, line


# ------------------------------------------------------------------ B9


def test_user_namespace_without_mappings_runs_with_crun_default_map(bundle, bundle_factory, berth_root,
                                                                    container_id, comparison_runtimes, other_root):
    """runc refuses; crun (and now berth) maps the process's ids to the
    runtime's, one wide, and runs."""
    bundle.config["linux"]["namespaces"].append({"type": "user"})
    without_mount(bundle, "/sys/fs/cgroup")
    for m in bundle.config["mounts"]:
        if m["type"] == "devpts":  # gid 5 is not mapped: crun would fail there
            m["options"] = [o for o in m["options"] if o != "gid=5"]
    bundle.set_args("sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout.split() == ["0", "0", "0", "1", "0", "0", "1"]
    if "crun" in comparison_runtimes:
        other = copy_for_other(bundle_factory, bundle, "crun-bundle")
        theirs = run_private(comparison_runtimes["crun"], other_root, "run", "--bundle", other, container_id,
                             wrapper=PRIVATE + CRUN_WRAPPER)
        assert (theirs.returncode, theirs.stdout.split()) == (0, r.stdout.split()), describe(theirs)


def no_namespaces(bundle):
    c = bundle.config
    c["linux"]["namespaces"] = []
    c["mounts"] = []
    c["linux"]["maskedPaths"] = []
    c["linux"]["readonlyPaths"] = []
    c["root"]["readonly"] = False
    c.pop("hostname", None)
    c.pop("domainname", None)


def test_config_without_any_namespace_runs_chrooted_and_mounts_nothing(bundle, berth_root, container_id):
    """No mount namespace: the process is only chroot'ed into the rootfs.
    The whole runtime runs in a throw-away mount namespace; the mount table
    there must be the same after the run."""
    no_namespaces(bundle)
    bundle.set_args("sh", "-c", "echo inside; ls /proc | wc -l")
    script = (f'a=$(cat /proc/self/mountinfo | wc -l); "$@" || exit $?; '
              f'b=$(cat /proc/self/mountinfo | wc -l); echo "mounts $a $b"')
    r = run_private(BERTH, berth_root, "run", "--bundle", bundle, container_id,
                    wrapper=PRIVATE_ALL + ["sh", "-c", script, "sh"])
    assert r.returncode == 0, describe(r)
    lines = r.stdout.splitlines()
    assert lines[0] == "inside" and lines[1].strip() == "0", r.stdout  # the rootfs's own empty /proc
    _, before, after = lines[2].split()
    assert before == after, "the run mounted something in the runtime's mount namespace"


def test_mounts_without_a_mount_namespace_are_refused(bundle, berth_root, container_id):
    no_namespaces(bundle)
    bundle.add_mount("/tmp", type="tmpfs", source="tmpfs")
    bundle.write_config()
    r = berth_run(berth_root, bundle, container_id, wrapper=PRIVATE_ALL)
    refused(r, "need a mount namespace")
    assert berth_root.container_ids() == []


def test_mount_label_without_selinux_is_ignored_with_a_debug_line(bundle, berth_root, container_id, tmp_path):
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is enabled here")
    bundle.config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
    bundle.set_args("sh", "-c", "grep ' /dev/shm ' /proc/self/mountinfo")
    log = tmp_path / "berth.log"
    r = run_private(BERTH, berth_root, "--debug", "--log", log, "run", "--bundle", bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert "context=" not in r.stdout
    assert "linux.mountLabel" in log.read_text() and "SELinux is not enabled" in log.read_text()


def test_loopback_of_a_new_network_namespace_is_up_like_runc(bundle, bundle_factory, berth_root, container_id,
                                                            comparison_runtimes, other_root):
    bundle.set_args("cat", "/sys/class/net/lo/flags")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert int(r.stdout, 16) & 0x1, f"lo is down: flags {r.stdout}"  # IFF_UP
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--bundle", other, container_id)
    assert (theirs.returncode, theirs.stdout) == (0, r.stdout), describe(theirs)


# ------------------------------------------------------------------ B10


def test_bind_source_only_the_host_root_reaches_works_in_a_user_namespace_like_runc(
        bundle, bundle_factory, berth_root, container_id, tmp_path, comparison_runtimes, other_root):
    private = tmp_path / "root-only"
    private.mkdir(mode=0o700)
    (private / "data").mkdir()
    (private / "data" / "file").write_text("from the host\n")
    use_userns(bundle)
    (bundle.rootfs / "data").mkdir()  # the container's root may not create it
    bundle.add_mount("/data", source=str(private / "data"), options=["rbind", "ro"])
    bundle.set_args("sh", "-c", "cat /data/file; touch /data/x 2>/dev/null || echo read-only")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout == "from the host\nread-only\n"
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--bundle", other, container_id)
    assert (theirs.returncode, theirs.stdout) == (0, r.stdout), describe(theirs)


def test_rootfs_propagation_unbindable_is_applied(bundle, berth_root, container_id):
    bundle.config["linux"]["rootfsPropagation"] = "unbindable"
    bundle.set_args("sh", "-c", "awk '$5 == \"/\"' /proc/self/mountinfo")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert "unbindable" in r.stdout, r.stdout


def test_read_only_dev_bind_takes_devpts_and_stays_read_only(bundle, bundle_factory, berth_root, container_id,
                                                            tmp_path, comparison_runtimes, other_root):
    """A /dev bound read-only from a host directory: the devpts below it is
    still mounted, nothing is created in it, and it ends read-only."""
    dev = tmp_path / "dev"
    (dev / "pts").mkdir(parents=True)
    os.mknod(dev / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.chmod(dev / "null", 0o666)
    before = sorted(p.name for p in dev.iterdir())
    mounts = bundle.config["mounts"]
    i = next(i for i, m in enumerate(mounts) if m["destination"] == "/dev")
    mounts[i] = {"destination": "/dev", "type": "bind", "source": str(dev), "options": ["rbind", "ro"]}
    bundle.config["mounts"] = [m for m in mounts if m["destination"] not in ("/dev/shm", "/dev/mqueue")]
    bundle.set_args("sh", "-c", "grep -c ' /dev/pts ' /proc/self/mountinfo; echo x > /dev/null && echo null-ok; "
                                "touch /dev/x 2>/dev/null || echo dev-read-only")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout.split() == ["1", "null-ok", "dev-read-only"]
    assert sorted(p.name for p in dev.iterdir()) == before
    assert list((dev / "pts").iterdir()) == []
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--bundle", other, container_id)
    assert (theirs.returncode, theirs.stdout) == (0, r.stdout), describe(theirs)


STAT_FORMAT = "%F %t %T %a %u %g"  # type, major and minor (hex), mode, owner


def test_linux_devices_get_the_type_numbers_mode_and_owner_asked_like_runc(
        bundle, bundle_factory, berth_root, container_id, comparison_runtimes, other_root):
    """Made with mknod, so also where the host has no such node."""
    name = f"/dev/berth-test-{uuid.uuid4().hex[:6]}"
    assert not os.path.exists(name)
    bundle.config["linux"]["devices"] = [
        {"path": name, "type": "c", "major": 1, "minor": 5, "fileMode": 0o640, "uid": 1234, "gid": 5678},
        {"path": "/dev/sub/blk", "type": "b", "major": 7, "minor": 200, "fileMode": 0o600, "uid": 0, "gid": 6},
        {"path": "/dev/fifo0", "type": "p", "fileMode": 0o620, "uid": 1, "gid": 2},
    ]
    bundle.set_args("stat", "-c", STAT_FORMAT, name, "/dev/sub/blk", "/dev/fifo0")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout.splitlines() == ["character special file 1 5 640 1234 5678",
                                     "block special file 7 c8 600 0 6",
                                     "fifo 0 0 620 1 2"]
    assert not os.path.exists(name)
    runc = runc_or_skip(comparison_runtimes)
    other = copy_for_other(bundle_factory, bundle, "runc-bundle")
    theirs = run_private(runc, other_root, "run", "--bundle", other, container_id)
    assert (theirs.returncode, theirs.stdout) == (0, r.stdout), describe(theirs)


def test_linux_devices_in_a_user_namespace_are_the_host_nodes_bound(bundle, berth_root, container_id):
    """Inside a user namespace mknod is refused: the host's node of the same
    path is bound (as runc and crun do) if it is the device asked for; its
    mode and owner stay the host's (never changed)."""
    use_userns(bundle)
    host = os.stat("/dev/zero")
    bundle.config["linux"]["devices"] = [{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5,
                                          "fileMode": 0o600, "uid": 1, "gid": 1}]
    bundle.set_args("stat", "-c", "%F %t %T %a", "/dev/zero")
    r = berth_run(berth_root, bundle, container_id)
    assert r.returncode == 0, describe(r)
    assert r.stdout == f"character special file 1 5 {stat.S_IMODE(host.st_mode):o}\n"
    assert os.stat("/dev/zero") == host
    # The host's node at that path is another device: refused, clearly.
    bundle.config["linux"]["devices"] = [{"path": "/dev/zero", "type": "c", "major": 1, "minor": 9}]
    bundle.write_config()
    r = berth_run(berth_root, bundle, f"{container_id}-2")
    refused(r, "/dev/zero", "not the device asked for")
