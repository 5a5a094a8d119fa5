"""berth against runc and crun: the same bundle (two identical copies, so that
one runtime's changes to the rootfs cannot show in the other's run) and the
same command, expecting the same observable result.

Reference runtimes are Debian's runc 1.1.5 and crun 1.8.1.  Both refuse
ociVersion 1.3.0, so every bundle here says 1.0.2 (berth accepts it too).
crun refuses a hybrid cgroup host; it runs in a private mount namespace of
its own where the cgroup2 mount is detached (never on the host).

Where berth differs from a reference runtime for a reason, KNOWN_DIFFERENCES
says why and the test checks that exactly that difference remains (so the
table cannot go stale).  A berth gap is an xfail with its reason."""
import json
import platform
import shutil
import time

import pytest

from conftest import describe, exec_command
from probe_helper import install_probe, probe_binary, probe_results  # noqa: F401 (fixture)
from test_seccomp import load_default_profile

pytestmark = pytest.mark.comparison

OCI_VERSION = "1.0.2"  # what runc 1.1.5 and crun 1.8.1 accept
OTHERS = ["runc", "crun"]
TIMEOUT = 60

# crun: hide the hybrid host's cgroup2 mount, in a mount namespace that
# exists only for this one command.
CRUN_WRAPPER = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                "if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi; "
                'exec "$@"', "sh"]

KNOWN_DIFFERENCES = {
    ("runc", "domainname"): "runc 1.1.5 ignores `domainname` (runtime-spec 1.1); berth sets it",
    ("runc", "mountpoints"): "berth also mounts the hybrid host's cgroup2 hierarchy (/sys/fs/cgroup/unified) "
                             "in the container's cgroup tmpfs; runc 1.1.5 mounts only the v1 hierarchies",
    ("crun", "devices"): "crun adds a /dev/core -> /proc/kcore link; berth (like runc) does not",
    ("crun", "mountpoints"): "berth also mounts the hybrid host's cgroup2 hierarchy (/sys/fs/cgroup/unified); "
                             "crun runs here with that hierarchy hidden, so it cannot",
    ("crun", "state-keys"): "crun adds a crun-only `systemd-scope` member to `state`",
}


class Runtime:
    """One runtime under comparison.  .run(*args) runs a command of it with
    its private --root and returns the CompletedProcess, whatever the exit
    status (berth's runs still fail on a sanitizer report)."""

    def __init__(self, name, run):
        self.name = name
        self.run = run

    def state(self, cid):
        r = self.run("state", cid)
        assert r.returncode == 0, describe(r)
        return json.loads(r.stdout)

    def wait_status(self, cid, want, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            st = self.state(cid)["status"]
            if st == want or time.monotonic() > deadline:
                return st
            time.sleep(0.05)


def other_runtime(name, argv, root):
    root.mkdir()

    def run(*args, timeout=TIMEOUT):
        result, timed_out = exec_command([*argv, "--root", root, *args], timeout=timeout)
        assert not timed_out, f"{name} did not finish within {timeout}s\n{describe(result)}"
        return result

    return Runtime(name, run)


@pytest.fixture(params=OTHERS)
def runtimes(request, comparison_runtimes, berth_root, tmp_path):
    """(berth, other): berth with the test's berth_root, and runc or crun
    with a root of its own, whose containers are deleted afterwards."""
    name = request.param
    if name not in comparison_runtimes:
        pytest.skip(f"{name} is not installed")
    argv = [comparison_runtimes[name]]
    if name == "crun":
        argv = CRUN_WRAPPER + argv
    other = other_runtime(name, argv, tmp_path / f"{name}-root")
    ours = Runtime("berth", lambda *a, timeout=TIMEOUT: berth_root.run(*a, timeout=timeout))
    try:
        yield ours, other
    finally:
        r = other.run("list", "-q")
        for cid in r.stdout.split() if r.returncode == 0 else []:
            other.run("delete", "--force", cid)


@pytest.fixture
def bundles(bundle_factory):
    """configure(fn) -> (berth's bundle, the other's bundle): two copies of
    the busybox bundle, each config edited by fn(config)."""

    def configure(edit):
        pair = []
        for name in ("bundle-berth", "bundle-other"):
            b = bundle_factory(name)
            b.config["ociVersion"] = OCI_VERSION
            edit(b.config)
            b.write_config()
            pair.append(b)
        return pair

    return configure


def run_both(runtimes, bundles, container_id, edit):
    """`run` the same configuration with each runtime: (ours, theirs)."""
    ours_rt, other_rt = runtimes
    b_ours, b_other = bundles(edit)
    ours = ours_rt.run("run", "--bundle", b_ours, container_id + "-b")
    theirs = other_rt.run("run", "--bundle", b_other, container_id + "-o")
    return ours, theirs


def args(*argv):
    """An edit that sets process.args."""
    return lambda c: c["process"].update(args=list(argv))


def sh(script, edit=None):
    """An edit running `sh -c script`, after edit(config) if given."""

    def apply(c):
        if edit:
            edit(c)
        c["process"]["args"] = ["sh", "-c", script]

    return apply


def known(runtime, what):
    return KNOWN_DIFFERENCES.get((runtime.name, what))


def assert_same(ours, theirs):
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), \
        f"berth:\n{describe(ours)}\n\nother:\n{describe(theirs)}"


# ------------------------------------------------------------------ process


def drop_pid_namespace(c):
    # pid 1 of a namespace ignores the signals it sends itself: only a
    # process that is not an init can die of its own kill.
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]


@pytest.mark.parametrize("script,edit,want", [
    ("exit 0", None, 0),
    ("exit 3", None, 3),
    ("kill -KILL $$", drop_pid_namespace, 128 + 9),
], ids=["exit-0", "exit-3", "killed-by-SIGKILL"])
def test_exit_status_passes_through(runtimes, bundles, container_id, script, edit, want):
    ours, theirs = run_both(runtimes, bundles, container_id, sh(script, edit))
    assert ours.returncode == theirs.returncode == want, (describe(ours), describe(theirs))


def test_stdout_and_stderr_pass_through(runtimes, bundles, container_id):
    ours, theirs = run_both(runtimes, bundles, container_id,
                            sh("echo to-out; echo to-err >&2; printf 'no newline'; printf 'e2' >&2"))
    assert (ours.stdout, ours.stderr) == (theirs.stdout, theirs.stderr) == ("to-out\nno newline", "to-err\ne2")


def test_hostname(runtimes, bundles, container_id):
    def edit(c):
        c["hostname"] = "cmp-host"
        c["process"]["args"] = ["hostname"]

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert_same(ours, theirs)
    assert ours.stdout == "cmp-host\n"


def test_domainname(runtimes, bundles, container_id):
    def edit(c):
        c["domainname"] = "cmp-domain"
        c["process"]["args"] = ["cat", "/proc/sys/kernel/domainname"]

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert ours.stdout == "cmp-domain\n"
    if known(runtimes[1], "domainname"):
        assert theirs.stdout == "(none)\n"
    else:
        assert_same(ours, theirs)


def test_user_groups_and_umask(runtimes, bundles, container_id):
    def edit(c):
        c["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [5, 100, 1001], "umask": 0o027}
        c["process"]["args"] = ["sh", "-c", "id -u; id -g; id -G; umask; touch /tmp/f; stat -c %a /tmp/f"]
        c["root"]["readonly"] = False

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert_same(ours, theirs)
    assert ours.stdout.splitlines()[-2:] == ["0027", "640"]


def test_env_and_cwd(runtimes, bundles, container_id):
    def edit(c):
        c["process"]["env"] = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY=", "HOME=/somewhere", "X=a=b"]
        c["process"]["cwd"] = "/made/by/the/runtime"
        c["process"]["args"] = ["sh", "-c", "env | sort; pwd"]
        c["root"]["readonly"] = False

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert_same(ours, theirs)
    assert "FOO=bar baz" in ours.stdout.splitlines() and ours.stdout.endswith("/made/by/the/runtime\n")


def test_home_defaults_to_the_passwd_entry(runtimes, bundles, container_id):
    def edit(c):
        c["process"]["env"] = ["PATH=/bin"]
        c["process"]["args"] = ["sh", "-c", "echo HOME=$HOME"]

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert theirs.stdout == "HOME=/root\n"
    assert_same(ours, theirs)


CAPS = "grep ^Cap /proc/self/status"


@pytest.mark.parametrize("caps", [
    None,
    {k: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"] for k in ("bounding", "effective", "permitted", "inheritable",
                                                           "ambient")},
    {"bounding": ["CAP_SYS_ADMIN", "CAP_KILL"], "permitted": ["CAP_KILL"], "effective": []},
], ids=["default", "all-sets-with-ambient", "bounding-only-admin"])
def test_capability_sets(runtimes, bundles, container_id, caps):
    def edit(c):
        if caps is not None:
            c["process"]["capabilities"] = caps
        c["process"]["args"] = ["sh", "-c", CAPS]

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert_same(ours, theirs)
    assert len(ours.stdout.splitlines()) == 5


def test_capabilities_of_a_non_root_user(runtimes, bundles, container_id):
    def edit(c):
        c["process"]["user"] = {"uid": 1000, "gid": 1000}
        c["process"]["capabilities"] = {k: ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
                                        for k in ("bounding", "effective", "permitted", "ambient", "inheritable")}
        c["process"]["args"] = ["sh", "-c", CAPS]

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert_same(ours, theirs)


def test_rlimits(runtimes, bundles, container_id):
    def edit(c):
        c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 2048},
                                   {"type": "RLIMIT_CORE", "soft": 1, "hard": 1000},
                                   {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
                                   {"type": "RLIMIT_STACK", "soft": 4194304, "hard": 8388608}]
        c["process"]["args"] = ["cat", "/proc/self/limits"]

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert_same(ours, theirs)
    assert any(line.split()[3:5] == ["512", "2048"] for line in ours.stdout.splitlines() if "open files" in line)


# ------------------------------------------------------------------ filesystem


def test_default_devices(runtimes, bundles, container_id):
    # Names, types, modes and device numbers; not times or sizes.
    script = "find /dev -maxdepth 1 | sort | while read f; do stat -c '%n %F %a %t:%T' $f; done"
    ours, theirs = run_both(runtimes, bundles, container_id, sh(script))
    assert ours.returncode == theirs.returncode == 0
    extra = {"/dev/core symbolic link 777 0:0"} if known(runtimes[1], "devices") else set()
    ours_lines, their_lines = ours.stdout.splitlines(), theirs.stdout.splitlines()
    assert set(their_lines) - set(ours_lines) == extra
    assert [line for line in their_lines if line not in extra] == ours_lines


def test_mountpoints_of_the_default_config(runtimes, bundles, container_id):
    ours, theirs = run_both(runtimes, bundles, container_id, args("cut", "-d", " ", "-f", "5", "/proc/self/mountinfo"))
    assert ours.returncode == theirs.returncode == 0
    ours_set, their_set = set(ours.stdout.split()), set(theirs.stdout.split())
    only_ours = {"/sys/fs/cgroup/unified"} if known(runtimes[1], "mountpoints") else set()
    assert (ours_set - their_set, their_set - ours_set) == (only_ours, set())


MASK_SCRIPT = """
for p in /proc/kcore /proc/keys /proc/timer_list /proc/latency_stats /proc/sched_debug /proc/acpi /proc/scsi \\
         /sys/firmware /sys/devices/virtual/powercap; do
  if [ -L $p ] || [ -e $p ]; then
    kind=$(stat -c %F $p | tr ' ' _)
    if [ -d $p ]; then n=$(ls -A $p | wc -l); else n=$(head -c 64 $p 2>/dev/null | wc -c); fi
    echo "$p $kind $n"
  else
    echo "$p absent"
  fi
done
# Opening for writing proves the point without writing a byte to the host.
for p in /proc/sys/kernel/hostname /proc/sys/vm/drop_caches /proc/sysrq-trigger; do
  (: > $p) 2>/dev/null && echo "$p writable" || echo "$p not-writable"
done
for p in /proc/bus /proc/fs /proc/irq /proc/sys; do touch $p/x 2>/dev/null && echo "$p/x made" || echo "$p/x refused"; done
"""


def test_masked_and_readonly_paths_behave_alike(runtimes, bundles, container_id):
    ours, theirs = run_both(runtimes, bundles, container_id, sh(MASK_SCRIPT))
    assert_same(ours, theirs)
    assert "/proc/timer_list character_special_file 0" in ours.stdout.splitlines()


def test_masked_paths_hide_content_from_a_privileged_process(runtimes, bundles, container_id):
    def edit(c):
        caps = ["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_SYS_RAWIO"]
        c["process"]["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
        # Writing the hostname touches only the container's uts namespace.
        c["process"]["args"] = ["sh", "-c", "wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l; "
                                            "echo cmp > /proc/sys/kernel/hostname 2>/dev/null && echo w || echo ro; "
                                            "mount -o remount,rw /proc/sys 2>/dev/null && echo remounted"]

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert_same(ours, theirs)


# ------------------------------------------------------------------ lifecycle

LOOP = ["sh", "-c", "trap 'exit 42' USR1 TERM; while :; do sleep 0.05; done"]


def lifecycle(rt, bundle, cid):
    """create, state, start, state, kill KILL, state: the documents seen."""
    docs = []
    r = rt.run("create", "--bundle", bundle, cid)
    assert r.returncode == 0, describe(r)
    docs.append(rt.state(cid))
    r = rt.run("start", cid)
    assert r.returncode == 0, describe(r)
    rt.wait_status(cid, "running")
    docs.append(rt.state(cid))
    r = rt.run("kill", cid, "KILL")
    assert r.returncode == 0, describe(r)
    rt.wait_status(cid, "stopped")
    docs.append(rt.state(cid))
    r = rt.run("delete", cid)
    assert r.returncode == 0, describe(r)
    return docs


def both_lifecycles(runtimes, bundles, container_id):
    b_ours, b_other = bundles(args(*LOOP))
    return (lifecycle(runtimes[0], b_ours, container_id + "-b"),
            lifecycle(runtimes[1], b_other, container_id + "-o"))


def test_state_status_through_create_start_kill(runtimes, bundles, container_id):
    ours, theirs = both_lifecycles(runtimes, bundles, container_id)
    assert [d["status"] for d in ours] == [d["status"] for d in theirs] == ["created", "running", "stopped"]
    assert all(d["pid"] > 0 for d in ours[:2]) and all(d["pid"] > 0 for d in theirs[:2])


def test_state_members(runtimes, bundles, container_id):
    ours, theirs = both_lifecycles(runtimes, bundles, container_id)
    crun_only = {"systemd-scope"} if known(runtimes[1], "state-keys") else set()
    for o, t in zip(ours, theirs):
        assert set(o) == set(t) - crun_only


def start_loop(rt, bundle, cid):
    for cmd in (["create", "--bundle", bundle, cid], ["start", cid]):
        r = rt.run(*cmd)
        assert r.returncode == 0, describe(r)
    assert rt.wait_status(cid, "running") == "running"


@pytest.mark.parametrize("signal", ["USR1", "SIGUSR1", "10"])
def test_kill_with_a_signal_name_or_number(runtimes, bundles, container_id, signal):
    b_ours, b_other = bundles(args(*LOOP))
    results = []
    for rt, b, cid in ((runtimes[0], b_ours, container_id + "-b"), (runtimes[1], b_other, container_id + "-o")):
        start_loop(rt, b, cid)
        r = rt.run("kill", cid, signal)
        results.append((r.returncode, rt.wait_status(cid, "stopped")))
    assert results[0] == results[1] == (0, "stopped")


def test_delete_of_a_running_container_needs_force(runtimes, bundles, container_id):
    b_ours, b_other = bundles(args(*LOOP))
    results = []
    for rt, b, cid in ((runtimes[0], b_ours, container_id + "-b"), (runtimes[1], b_other, container_id + "-o")):
        start_loop(rt, b, cid)
        plain = rt.run("delete", cid)
        still = rt.state(cid)["status"]
        forced = rt.run("delete", "--force", cid)
        gone = rt.run("state", cid).returncode != 0
        results.append((plain.returncode != 0, still, forced.returncode, gone))
    assert results[0] == results[1] == (True, "running", 0, True)


def test_an_unknown_namespace_type_fails_and_leaves_nothing(runtimes, bundles, container_id):
    def edit(c):
        c["linux"]["namespaces"].append({"type": "bogus"})

    ours, theirs = run_both(runtimes, bundles, container_id, edit)
    assert ours.returncode != 0 and theirs.returncode != 0
    for rt in runtimes:
        r = rt.run("list", "-q")
        assert r.returncode == 0 and r.stdout.split() == [], describe(r)


def test_a_syscall_newer_than_the_seccomp_profile_gets_enosys_as_under_runc(runtimes, bundles, container_id,
                                                                            probe_binary):
    if runtimes[1].name != "runc":
        pytest.skip("the ENOSYS stub is runc's behaviour")
    if platform.machine() != "x86_64":
        pytest.skip("syscall numbers are x86_64's")

    def edit(c):
        profile = load_default_profile()
        profile["defaultErrnoRet"] = 1  # EPERM for what the profile does not allow
        c["linux"]["seccomp"] = profile
        c["process"]["args"] = ["probe", "syscall:1000", "syscall:163", "getppid"]

    b_ours, b_other = bundles(edit)
    for b in (b_ours, b_other):
        install_probe(b, probe_binary)
    ours = runtimes[0].run("run", "--bundle", b_ours, container_id + "-b")
    theirs = runtimes[1].run("run", "--bundle", b_other, container_id + "-o")
    assert ours.returncode == theirs.returncode == 0, (describe(ours), describe(theirs))
    # 1000 is above every syscall the profile names: ENOSYS (38); acct (163)
    # is below and not allowed: the default errno.
    assert probe_results(ours.stdout) == probe_results(theirs.stdout)
    assert probe_results(ours.stdout)["syscall:1000"] == -38 and probe_results(ours.stdout)["syscall:163"] == -1
