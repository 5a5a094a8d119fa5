"""podman drives berth unchanged (`podman --runtime berth`): run --rm, run
-d, exec, stop, kill, pause/unpause, -it through a pty, --memory,
--pids-limit, --cap-drop, --security-opt seccomp=, a uid map, and a
healthy ps/inspect/rm; then the same scenarios with crun, expecting the
same observable results.

Each scenario is a function (podman, runtime) -> observations (a dict of
what podman showed: exit statuses, output, states).  The berth tests
assert on berth's observations; test_podman_scenario_matches_crun compares
them with crun's.  Every scenario is run at most once per runtime (module
cache).  One private podman for the module (see engines.Podman), its image
loaded from an OCI archive of the busybox rootfs."""
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from engines import (IMAGE, Podman, Scenarios, build_image_archive, engine_fixture,
                     engine_runtimes, ok, run_in_pty, sanitizer_guard, unique, wait_until, which)

pytestmark = pytest.mark.engines

# sh as PID 1 ignores SIGTERM unless it traps it; this one exits 0 on it
# and has exactly two processes (sh and sleep) for as long as it runs.
SLEEPER = ["sh", "-c", 'trap "exit 0" TERM; echo ready; sleep 1000 & wait']

SECCOMP_DENY_MKDIR = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
}

# Read from inside the container: its memory limit and pids limit (v1 or v2).
LIMITS_SCRIPT = ("if [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then "
                 "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; "
                 "else cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; fi")


def private_podman(make, busybox_template, tmp_path_factory, what):
    """The body of a podman fixture: make(base) under a new directory, the
    image loaded (skips without podman)."""
    if which("podman") is None or which("conmon") is None:
        pytest.skip("podman or conmon is not installed (scripts/install-deps.sh test installs them)")
    base = tmp_path_factory.mktemp(what)
    yield from engine_fixture(
        lambda: make(base),
        lambda engine: engine.load(build_image_archive(busybox_template / "rootfs", base / "image.tar")),
        what)


@pytest.fixture(scope="module")
def podman(busybox_template, tmp_path_factory):
    yield from private_podman(lambda base: Podman(base, engine_runtimes()), busybox_template, tmp_path_factory,
                              "podman")


_no_sanitizer_reports = sanitizer_guard("podman")


def state(podman, name, runtime):
    r = ok(podman("inspect", name, runtime=runtime))
    return json.loads(r.stdout)[0]["State"]


def start_sleeper(podman, name, runtime, *flags):
    ok(podman("run", "-d", "--name", name, *podman.run_flags(), *flags, IMAGE, *SLEEPER, runtime=runtime))
    assert wait_until(lambda: "ready" in podman("logs", name, runtime=runtime).stdout), "the sleeper never started"


# --------------------------------------------------------------------------
# scenarios: (podman, runtime) -> observations


scenarios = Scenarios()


@scenarios("run-rm")
def scenario_run_rm(podman, rt):
    name = unique("rm", rt)
    r = podman("run", "--rm", "--name", name, *podman.run_flags(), IMAGE,
               "sh", "-c", "echo out; echo err >&2; exit 3", runtime=rt)
    left = ok(podman("ps", "--all", "--filter", f"name={name}", "--format", "{{.Names}}", runtime=rt))
    return {"status": r.returncode, "stdout": r.stdout, "stderr": r.stderr, "left": left.stdout.split()}


@scenarios("run-errors")
def scenario_run_errors(podman, rt):
    obs = {}
    for what, cmd in [("missing", "/nonexistent"), ("not-executable", "/etc/passwd"),
                      ("not-in-path", "no-such-program")]:
        r = podman("run", "--rm", *podman.run_flags(), IMAGE, cmd, runtime=rt)
        obs[what] = r.returncode
        obs[what + "-names-it"] = cmd in r.stderr
    return obs


@scenarios("detached-exec-stop-rm")
def scenario_detached_exec_stop_rm(podman, rt):
    name = unique("detached", rt)
    start_sleeper(podman, name, rt)
    obs = {}
    obs["ps"] = ok(podman("ps", "--filter", f"name={name}", "--format", "{{.Status}}", runtime=rt)).stdout.split()[0]
    st = state(podman, name, rt)
    obs["state"] = (st["Status"], st["Running"], st["Pid"] > 0)
    r = podman("exec", name, "sh", "-c", "echo in-exec; exit 4", runtime=rt)
    obs["exec"] = (r.returncode, r.stdout)
    obs["exec-env-workdir"] = ok(podman("exec", "-e", "FOO=bar", "-w", "/tmp", name, "sh", "-c", "echo $FOO $(pwd)",
                                        runtime=rt)).stdout
    obs["exec-user"] = ok(podman("exec", "-u", "65534:65534", name, "id", runtime=rt)).stdout
    ok(podman("exec", "-d", name, "sh", "-c", "echo detached > /tmp/flag", runtime=rt))
    obs["exec-detached"] = wait_until(lambda: podman("exec", name, "cat", "/tmp/flag", runtime=rt).stdout)
    obs["processes"] = len(ok(podman("top", name, "pid", runtime=rt)).stdout.split()) - 1
    t0 = time.monotonic()
    ok(podman("stop", "--time", "10", name, runtime=rt))
    obs["stop-took-less-than-5s"] = time.monotonic() - t0 < 5
    st = state(podman, name, rt)
    obs["stopped"] = (st["Status"], st["ExitCode"])
    obs["rm"] = podman("rm", name, runtime=rt).returncode
    obs["listed-after-rm"] = ok(podman("ps", "--all", "--format", "{{.Names}}", runtime=rt)).stdout.split().count(name)
    return obs


@scenarios("kill")
def scenario_kill(podman, rt):
    obs = {}
    trapper = unique("trap", rt)
    ok(podman("run", "-d", "--name", trapper, *podman.run_flags(), IMAGE, "sh", "-c",
              'trap "echo got USR1; exit 7" USR1; echo ready; sleep 1000 & wait', runtime=rt))
    assert wait_until(lambda: "ready" in podman("logs", trapper, runtime=rt).stdout)
    obs["kill-usr1"] = podman("kill", "--signal", "USR1", trapper, runtime=rt).returncode
    obs["wait-usr1"] = ok(podman("wait", trapper, runtime=rt)).stdout.strip()
    obs["logs-usr1"] = ok(podman("logs", trapper, runtime=rt)).stdout
    plain = unique("plain", rt)
    ok(podman("run", "-d", "--name", plain, *podman.run_flags(), IMAGE, "sleep", "1000", runtime=rt))
    obs["kill-default"] = podman("kill", plain, runtime=rt).returncode
    obs["wait-default"] = ok(podman("wait", plain, runtime=rt)).stdout.strip()
    obs["rm"] = podman("rm", trapper, plain, runtime=rt).returncode
    return obs


@scenarios("pause-unpause")
def scenario_pause_unpause(podman, rt):
    name = unique("pause", rt)
    ok(podman("run", "-d", "--name", name, *podman.run_flags(), IMAGE, "sh", "-c",
              "i=0; while :; do i=$((i+1)); echo $i > /tmp/count; usleep 20000; done", runtime=rt))
    root = ok(podman("mount", name, runtime=rt)).stdout.strip()
    count = os.path.join(root, "tmp", "count")

    def counter():
        try:
            with open(count) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    assert wait_until(lambda: counter() > 0)
    obs = {"pause": podman("pause", name, runtime=rt).returncode}
    st = state(podman, name, rt)
    obs["paused-state"] = (st["Status"], st["Paused"])
    obs["paused-ps"] = ok(podman("ps", "--all", "--filter", f"name={name}", "--format", "{{.Status}}", runtime=rt)).stdout.strip()
    before = counter()
    time.sleep(0.3)
    obs["frozen"] = counter() == before
    obs["unpause"] = podman("unpause", name, runtime=rt).returncode
    obs["unpaused-state"] = state(podman, name, rt)["Status"]
    obs["runs-again"] = bool(wait_until(lambda: counter() > before, timeout=5))
    podman("umount", name, runtime=rt)
    obs["rm"] = podman("rm", "--force", "--time", "0", name, runtime=rt).returncode
    return obs


@scenarios("tty")
def scenario_tty(podman, rt):
    obs = {}
    status, out = run_in_pty(podman.argv("run", "-it", "--rm", *podman.run_flags(), IMAGE, "sh", runtime=rt),
                             podman.env, b"tty; stty size; echo $((6*7)); exit 3\n", wait_for=b"# ",
                             cwd=podman.base)
    obs["run-it"] = (status, "/dev/pts/0" in out, "24 80" in out, "42" in out)
    name = unique("tty", rt)
    start_sleeper(podman, name, rt)
    status, out = run_in_pty(podman.argv("exec", "-it", name, "sh", "-c", "tty; read x; echo got:$x; exit 5",
                                         runtime=rt), podman.env, b"hello\n", wait_for=b"/dev/pts/",
                             cwd=podman.base)
    obs["exec-it"] = (status, "/dev/pts/" in out, "got:hello" in out)
    obs["rm"] = podman("rm", "--force", "--time", "0", name, runtime=rt).returncode
    return obs


@scenarios("limits")
def scenario_limits(podman, rt):
    obs = {}
    r = podman("run", "--rm", *podman.run_flags(), "--memory", "64m", "--pids-limit", "50", IMAGE,
               "sh", "-c", LIMITS_SCRIPT, runtime=rt)
    obs["limits-inside"] = (r.returncode, r.stdout.split())
    r = podman("run", "--rm", *podman.run_flags(), "--pids-limit", "5", IMAGE, "sh", "-c",
               "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; echo survived", runtime=rt)
    obs["fork-bomb"] = (r.returncode, "can't fork" in r.stderr, "survived" in r.stdout)
    name = unique("oom", rt)
    r = podman("run", "--name", name, *podman.run_flags(), "--memory", "32m", "--memory-swap", "32m", IMAGE,
               "tail", "/dev/zero", runtime=rt)
    obs["oom-status"] = r.returncode
    obs["oom-exit-code"] = state(podman, name, rt)["ExitCode"]
    obs["rm"] = podman("rm", name, runtime=rt).returncode
    return obs


@scenarios("capabilities")
def scenario_capabilities(podman, rt):
    obs = {}
    for what, flags in [("drop-all-add-chown", ["--cap-drop", "all", "--cap-add", "CAP_CHOWN"]),
                        ("drop-net-raw", ["--cap-drop", "NET_RAW"])]:
        r = podman("run", "--rm", *podman.run_flags(), *flags, IMAGE, "grep", "^Cap", "/proc/self/status",
                   runtime=rt)
        obs[what] = (r.returncode, dict(line.split(":\t") for line in r.stdout.splitlines()))
    return obs


@scenarios("seccomp")
def scenario_seccomp(podman, rt):
    profile = podman.base / "deny-mkdir.json"
    profile.write_text(json.dumps(SECCOMP_DENY_MKDIR))
    obs = {}
    for what, flags in [("default", []), ("profile", ["--security-opt", f"seccomp={profile}"]),
                        ("unconfined", ["--security-opt", "seccomp=unconfined"])]:
        r = podman("run", "--rm", *podman.run_flags(), *flags, IMAGE, "sh", "-c",
                   "mkdir /tmp/made; echo mkdir=$?; grep ^Seccomp: /proc/self/status", runtime=rt)
        obs[what] = (r.returncode, r.stdout.split(), "Operation not permitted" in r.stderr)
    return obs


@scenarios("uid-map")
def scenario_uid_map(podman, rt):
    r = podman("run", "--rm", *podman.run_flags(), "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536",
               IMAGE, "sh", "-c",
               "cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/f; stat -c %u:%g /tmp/f; "
               "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max", runtime=rt)
    return {"status": r.returncode, "stdout": r.stdout.split(), "stderr": r.stderr}


observe = scenarios.observe_fixture("podman")


# --------------------------------------------------------------------------
# berth under podman


def test_run_rm_passes_output_and_exit_status_and_removes_the_container(observe):
    obs = observe("run-rm")
    assert obs["status"] == 3 and obs["stdout"] == "out\n" and "err" in obs["stderr"], obs
    assert obs["left"] == []


def test_run_errors_map_to_126_and_127_with_berths_message(observe):
    obs = observe("run-errors")
    assert (obs["missing"], obs["not-executable"], obs["not-in-path"]) == (127, 126, 127), obs
    assert obs["missing-names-it"] and obs["not-executable-names-it"] and obs["not-in-path-names-it"], obs


def test_detached_container_runs_exec_and_stops_cleanly(observe):
    obs = observe("detached-exec-stop-rm")
    assert obs["ps"] == "Up" and obs["state"] == ("running", True, True), obs
    assert obs["exec"] == (4, "in-exec\n")
    assert obs["exec-env-workdir"] == "bar /tmp\n"
    assert obs["exec-user"].startswith("uid=65534(nobody) gid=65534(nogroup)")
    assert obs["exec-detached"] == "detached\n"
    assert obs["processes"] == 2  # sh and its sleep
    assert obs["stop-took-less-than-5s"] and obs["stopped"] == ("exited", 0), obs
    assert obs["rm"] == 0 and obs["listed-after-rm"] == 0


def test_kill_delivers_the_signal_and_wait_reports_the_status(observe):
    obs = observe("kill")
    assert obs["kill-usr1"] == 0 and obs["wait-usr1"] == "7" and "got USR1" in obs["logs-usr1"], obs
    assert obs["kill-default"] == 0 and obs["wait-default"] == "137", obs
    assert obs["rm"] == 0


def test_pause_freezes_and_unpause_thaws(observe):
    obs = observe("pause-unpause")
    assert obs["pause"] == 0 and obs["paused-state"] == ("paused", True) and obs["paused-ps"] == "Paused", obs
    assert obs["frozen"], "the counter moved while the container was paused"
    assert obs["unpause"] == 0 and obs["unpaused-state"] == "running" and obs["runs-again"], obs
    assert obs["rm"] == 0


def test_run_it_and_exec_it_get_a_terminal(observe):
    obs = observe("tty")
    assert obs["run-it"] == (3, True, True, True), obs
    assert obs["exec-it"] == (5, True, True), obs


def test_memory_and_pids_limits_reach_the_container(observe):
    obs = observe("limits")
    assert obs["limits-inside"] == (0, ["67108864", "50"]), obs
    assert obs["fork-bomb"][1] and not obs["fork-bomb"][2], obs  # fork fails at the limit
    assert obs["oom-status"] == 137 and obs["oom-exit-code"] == 137, obs


def test_cap_drop_and_cap_add_shape_the_capability_sets(observe):
    obs = observe("capabilities")
    status, caps = obs["drop-all-add-chown"]
    assert status == 0 and caps["CapEff"] == caps["CapBnd"] == caps["CapPrm"] == "0000000000000001", obs
    status, caps = obs["drop-net-raw"]
    eff = int(caps["CapEff"], 16)
    assert status == 0 and not eff & (1 << 13) and eff & 1, obs  # CAP_NET_RAW is 13, CAP_CHOWN 0


def test_seccomp_profiles_from_podman_are_enforced(observe):
    obs = observe("seccomp")
    assert obs["default"] == (0, ["mkdir=0", "Seccomp:", "2"], False), obs
    assert obs["profile"] == (0, ["mkdir=1", "Seccomp:", "2"], True), obs
    assert obs["unconfined"] == (0, ["mkdir=0", "Seccomp:", "0"], False), obs


def test_uid_map_puts_the_container_in_a_user_namespace_with_its_own_cgroup(observe):
    obs = observe("uid-map")
    assert obs["status"] == 0, obs
    assert obs["stdout"][:6] == ["0", "100000", "65536", "0", "100000", "65536"], obs
    assert obs["stdout"][6:8] == ["0", "0:0"], obs
    assert obs["stdout"][8] == "2048", obs  # podman's default pids limit: the container's own cgroup


# --------------------------------------------------------------------------
# berth against crun


# (scenario, observation) -> why berth and crun differ there; the test
# checks that they still do, so that the table cannot go stale.
KNOWN_DIFFERENCES = {
    ("run-errors", "not-executable-names-it"): "crun's error for a program without x bits "
                                               "(`open executable: Permission denied`) does not name it",
}


test_podman_scenario_matches_crun = scenarios.comparison_test("podman", KNOWN_DIFFERENCES)


# --------------------------------------------------------------------------
# berth by name, through the containers.conf.d drop-in berth ships


DROP_IN = Path(__file__).resolve().parents[2] / "data" / "containers" / "berth.conf"


class PodmanWithDropIn(Podman):
    """podman as an installed berth leaves it: a containers.conf that names
    no runtime, berth's drop-in in /etc/containers/containers.conf.d and
    berth at /usr/local/bin/berth (one of the drop-in's paths).  Those two
    directories exist only in a private mount namespace of each podman
    command: bind mounts of ours over the host's, never the host's own.
    The berth found there logs its arguments, then runs the usual wrapper."""

    def __init__(self, base):
        super().__init__(base, runtimes=("berth",), register=False)
        self.etc = self.base / "etc-containers"
        (self.etc / "containers.conf.d").mkdir(parents=True)
        # CONTAINERS_CONF would make podman read that one file and no drop-in.
        shutil.copy(self.env.pop("CONTAINERS_CONF"), self.etc / "containers.conf")
        shutil.copy(DROP_IN, self.etc / "containers.conf.d" / "berth.conf")
        if os.path.exists("/etc/containers/policy.json"):
            shutil.copy("/etc/containers/policy.json", self.etc / "policy.json")
        else:
            (self.etc / "policy.json").write_text('{"default": [{"type": "insecureAcceptAnything"}]}\n')
        self.bin = self.base / "bin"
        self.bin.mkdir()
        self.argv_log = self.base / "berth-argv.log"
        berth = self.bin / "berth"
        berth.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {self.argv_log}\nexec {self.wrappers["berth"]} "$@"\n')
        berth.chmod(0o755)

    def argv(self, *args, runtime=None):
        script = 'mount --bind "$1" /etc/containers && mount --bind "$2" /usr/local/bin && shift 2 && exec "$@"'
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                str(self.etc), str(self.bin), *super().argv(*args, runtime=runtime)]

    def berth_calls(self, command):
        """The argument lists berth was called with for command (create...)."""
        lines = self.argv_log.read_text().splitlines() if self.argv_log.exists() else []
        return [line.split() for line in lines if command in line.split()]


@pytest.fixture(scope="module")
def podman_drop_in(busybox_template, tmp_path_factory):
    yield from private_podman(PodmanWithDropIn, busybox_template, tmp_path_factory, "podman_drop_in")


_no_sanitizer_reports_drop_in = sanitizer_guard("podman_drop_in")


def test_podman_runs_berth_by_name_through_the_shipped_drop_in(podman_drop_in):
    r = podman_drop_in("run", "--rm", *podman_drop_in.run_flags(), IMAGE, "echo", "by-name", runtime="berth")
    assert (r.returncode, r.stdout) == (0, "by-name\n"), r.stderr
    assert podman_drop_in.berth_calls("create"), "podman did not run the berth the drop-in names"


def test_podman_passes_log_format_json_to_berth_and_reports_its_error(podman_drop_in):
    r = podman_drop_in("run", "--rm", *podman_drop_in.run_flags(), IMAGE, "/nonexistent", runtime="berth")
    assert r.returncode == 127, r.stderr
    # podman names the runtime, then gives berth's message: from the JSON
    # log, the bare message; from stderr (without JSON support) berth's
    # printed line, "berth: berth: create: ...".
    assert "Error: berth: create: exec `/nonexistent`" in r.stderr, r.stderr
    assert "berth: berth:" not in r.stderr, r.stderr
    creates = podman_drop_in.berth_calls("create")
    assert creates and all("--log-format=json" in argv and "--log" in argv for argv in creates), creates
