"""dock-shim, the per-container monitor, on real busybox containers.

The shim is run as `dock run` will run it: synchronously, and it returns
once the container runs (exit 0) or with its create/start error as one
line (exit 125), while the monitor lives on detached.  The attach client is
tests/helpers/dock-monitor-run's `attach` (the monitor library's client).
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BERTH, SANITIZER_ENV, _cgroups_named, run_berth, sanitizer_report
from test_dock_monitor_lib import HELPER as ATTACH_HELPER, Proc, wait_until

SHIM = Path(BERTH).resolve().parent / "dock-shim"
TIMEOUT = 15

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root"),
    pytest.mark.skipif(not SHIM.exists() or not ATTACH_HELPER.exists(),
                       reason="needs dock-shim and tests/helpers/dock-monitor-run (make)"),
]


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


class Shim:
    """One dock-shim invocation's paths; .start() runs it like `dock run`."""

    def __init__(self, tmp_path, root, bundle, cid):
        self.tmp, self.root, self.bundle, self.id = tmp_path, root, bundle, cid
        self.sock = tmp_path / "attach.sock"
        self.exit_file = tmp_path / "exit.json"
        self.log = tmp_path / "ctr-json.log"
        self.pid_file = tmp_path / "shim.pid"
        self.asan_log = tmp_path / "asan"
        self.pid = None

    def start(self, *extra, log=True, relative=False):
        """relative: every path relative to the test's directory, run from there."""
        paths = [self.root, self.bundle, self.sock, self.exit_file, self.pid_file, self.log]
        if relative:
            paths = [os.path.relpath(p, self.tmp) for p in paths]
        root, bundle, sock, exit_file, pid_file, log_path = map(str, paths)
        args = [str(SHIM), "--root", root, "--id", self.id, "--bundle", bundle,
                "--attach", sock, "--exit-file", exit_file, "--pid-file", pid_file,
                "--log", log_path if log else "none", *extra]
        env = dict(os.environ)
        env.update(SANITIZER_ENV)
        # The detached monitor's stderr is /dev/null: sanitizer reports go to files.
        env["ASAN_OPTIONS"] += f":log_path={self.asan_log}"
        env["UBSAN_OPTIONS"] += f":log_path={self.asan_log}"
        r = subprocess.run(args, env=env, cwd=self.tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
        if r.returncode == 0:
            self.pid = int(self.pid_file.read_text())
        return r

    def exit_status(self, restarting=False):
        """The exit file once it is there (and, by default, final)."""
        def ready():
            try:
                st = json.loads(self.exit_file.read_text())
            except (FileNotFoundError, json.JSONDecodeError):
                return False
            return st["Restarting"] == restarting
        wait_until(ready, timeout=TIMEOUT, what=f"{self.exit_file}")
        return json.loads(self.exit_file.read_text())

    def wait_gone(self):
        wait_until(lambda: not pid_alive(self.pid), timeout=TIMEOUT, what="the shim to exit")

    def log_entries(self):
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def assert_nothing_left(self):
        if self.pid:
            self.wait_gone()
        assert not (Path(self.root) / self.id).exists(), "berth state left behind"
        assert _cgroups_named([self.id]) == [], "cgroup left behind"
        assert not self.sock.exists(), "attach socket left behind"
        assert not self.pid_file.exists(), "pid file left behind"
        reports = [p.read_text() for p in self.tmp.glob("asan*")]
        assert not any(sanitizer_report(t) for t in reports), reports

    def kill(self):
        if self.pid and pid_alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)


@pytest.fixture
def shim(tmp_path, berth_root, bundle, container_id):
    """A Shim on a fresh busybox bundle; killed at teardown (berth_root then
    deletes whatever container is left)."""
    s = Shim(tmp_path, berth_root, bundle, container_id)
    yield s
    s.kill()


@pytest.fixture
def clients():
    started = []

    def attach(sock, *args):
        cl = Proc(["attach", str(sock), *args])
        started.append(cl)
        cl.wait_err(b"attached")
        return cl

    yield attach
    for cl in started:
        cl.kill()


def set_process(bundle, args, terminal=False, **extra):
    bundle.config["process"]["args"] = args
    bundle.config["process"]["terminal"] = terminal
    bundle.config["process"].update(extra)
    bundle.write_config()


def container_pid(shim):
    """The init's pid per `berth state`; None while there is no running one."""
    r = run_berth("state", shim.id, root=shim.root)
    if r.returncode != 0:
        return None
    st = json.loads(r.stdout)
    return st["pid"] if st["status"] == "running" else None


def test_stdout_and_stderr_land_in_the_json_file_log_and_exit_3_in_the_exit_file(shim, bundle):
    set_process(bundle, ["sh", "-c", "echo to-out; echo to-err >&2; exit 3"])
    r = shim.start()
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    st = shim.exit_status()
    assert st["ExitCode"] == 3 and st["OOMKilled"] is False and st["Error"] == ""
    assert st["FinishedAt"].endswith("Z") and st["RestartCount"] == 0
    shim.assert_nothing_left()
    assert [(e["stream"], e["log"]) for e in shim.log_entries()] == [("stdout", "to-out\n"), ("stderr", "to-err\n")]


def test_relative_paths_are_taken_from_the_callers_directory(shim, bundle):
    set_process(bundle, ["sh", "-c", "echo rel; exit 2"])
    assert shim.start(relative=True).returncode == 0
    assert shim.exit_status()["ExitCode"] == 2
    shim.assert_nothing_left()
    assert [e["log"] for e in shim.log_entries()] == ["rel\n"]


def test_two_attach_clients_see_output_stdin_reaches_it_and_ctrl_p_ctrl_q_detaches_one(shim, bundle, clients):
    set_process(bundle, ["sh", "-c", 'while read l; do echo "out:$l"; echo "err:$l" >&2; done; exit 4'])
    assert shim.start("--stdin").returncode == 0
    a = clients(shim.sock)
    b = clients(shim.sock, "--no-stdin")
    a.send(b"hello\n")
    for cl in (a, b):
        cl.wait_out(b"out:hello\n")
        cl.wait_err(b"err:hello\n")
    # docker's detach keys, one keystroke per read
    a.send(b"\x10")
    time.sleep(0.2)
    a.send(b"\x11")
    assert a.wait() == 1 and b"read escape sequence" in a.err
    assert pid_alive(shim.pid) and b.p.poll() is None
    c = clients(shim.sock, "--stdin-once")
    c.send(b"again\n")
    b.wait_out(b"out:again\n")
    c.p.stdin.close()  # stdin-once: EOF ends the container's stdin, and the loop
    assert c.wait() == 4 and b.wait() == 4
    assert shim.exit_status()["ExitCode"] == 4
    shim.assert_nothing_left()
    assert [e["log"] for e in shim.log_entries()] == ["out:hello\n", "err:hello\n", "out:again\n", "err:again\n"]


def test_tty_container_sees_the_size_an_attach_client_sets(shim, bundle, clients):
    set_process(bundle, ["sh", "-i"], terminal=True)
    assert shim.start("--tty", "--stdin").returncode == 0
    a = clients(shim.sock, "--resize", "37x111")
    assert b"attached tty" in a.err
    a.send(b"stty size\n")
    a.wait_out(b"37 111")
    a.send(b"exit 6\n")
    assert a.wait() == 6
    assert shim.exit_status()["ExitCode"] == 6
    shim.assert_nothing_left()


def test_the_shim_outlives_its_caller_and_records_a_kill_as_137(shim, bundle):
    set_process(bundle, ["sleep", "1000"])
    r = shim.start()
    assert r.returncode == 0, r.stderr
    # The caller (the process we ran) is gone; the monitor runs in its own session.
    assert pid_alive(shim.pid)
    # a session of its own (whose leader, the middle fork, is gone: no
    # terminal can become the shim's), and a SIGHUP to it is ignored
    sid = os.getsid(shim.pid)
    assert sid != os.getsid(0) and sid != shim.pid and not pid_alive(sid)
    os.kill(shim.pid, signal.SIGHUP)
    # it pins no directory of its caller
    assert os.readlink(f"/proc/{shim.pid}/cwd") == "/"
    init = container_pid(shim)
    assert init and pid_alive(init)
    time.sleep(0.3)
    assert pid_alive(shim.pid) and pid_alive(init) and not shim.exit_file.exists()
    run_berth("kill", shim.id, "KILL", root=shim.root, check=True)
    st = shim.exit_status()
    assert st["ExitCode"] == 137 and st["OOMKilled"] is False
    shim.assert_nothing_left()
    assert not pid_alive(init)


def test_a_container_over_its_memory_limit_is_recorded_as_oom_killed(shim, bundle):
    limit = 16 * 1024 * 1024
    bundle.config.setdefault("linux", {}).setdefault("resources", {})["memory"] = {"limit": limit, "swap": limit}
    set_process(bundle, ["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"])
    assert shim.start().returncode == 0
    st = shim.exit_status()
    assert st["OOMKilled"] is True and st["ExitCode"] == 137, st
    shim.assert_nothing_left()


def test_restart_on_failure_2_runs_three_times_then_stops(shim, bundle):
    set_process(bundle, ["sh", "-c", "echo run; exit 1"])
    assert shim.start("--restart", "on-failure:2").returncode == 0
    st = shim.exit_status()
    assert st["ExitCode"] == 1 and st["RestartCount"] == 2 and st["Restarting"] is False
    shim.assert_nothing_left()
    assert [e["log"] for e in shim.log_entries()] == ["run\n"] * 3


def test_sigusr1_to_the_shim_cancels_restart_always_before_a_stop(shim, bundle):
    set_process(bundle, ["sleep", "1000"])
    assert shim.start("--restart", "always").returncode == 0
    first = container_pid(shim)
    assert first
    # without the stop request, always restarts after a kill
    run_berth("kill", shim.id, "KILL", root=shim.root, check=True)
    assert shim.exit_status(restarting=True)["ExitCode"] == 137
    wait_until(lambda: container_pid(shim) not in (None, first),
               timeout=TIMEOUT, what="the restart")
    os.kill(shim.pid, signal.SIGUSR1)
    time.sleep(0.1)
    run_berth("kill", shim.id, "KILL", root=shim.root, check=True)
    st = shim.exit_status()
    assert st["ExitCode"] == 137 and st["RestartCount"] == 1
    shim.assert_nothing_left()


def test_restart_no_runs_once_even_on_failure(shim, bundle):
    set_process(bundle, ["sh", "-c", "echo run; exit 1"])
    assert shim.start("--restart", "no").returncode == 0
    st = shim.exit_status()
    assert st["ExitCode"] == 1 and st["RestartCount"] == 0
    shim.assert_nothing_left()
    assert [e["log"] for e in shim.log_entries()] == ["run\n"]


def test_healthcheck_goes_starting_healthy_unhealthy_and_stops_with_the_container(shim, bundle):
    # healthy while /tmp/ok exists; the container removes it after a while
    bundle.config["root"]["readonly"] = False
    set_process(bundle, ["sh", "-c", "touch /tmp/ok; sleep 1; rm /tmp/ok; sleep 1000"])
    health = shim.tmp / "health.json"
    r = shim.start("--health-cmd", "test -e /tmp/ok && echo fine", "--health-file", str(health),
                   "--health-interval-ms", "150", "--health-start-interval-ms", "150",
                   "--health-timeout-ms", "1000", "--health-retries", "2")
    assert r.returncode == 0, r.stderr

    def status(want):
        def check():
            try:
                return json.loads(health.read_text())["Status"] == want
            except (FileNotFoundError, json.JSONDecodeError):
                return False
        wait_until(check, timeout=TIMEOUT, what=f"health {want}")
        return json.loads(health.read_text())

    h = status("healthy")
    assert h["Log"][-1]["ExitCode"] == 0 and h["Log"][-1]["Output"] == "fine\n"
    h = status("unhealthy")
    assert h["FailingStreak"] >= 2 and h["Log"][-1]["ExitCode"] == 1
    assert len(h["Log"]) <= 5
    run_berth("kill", shim.id, "KILL", root=shim.root, check=True)
    assert shim.exit_status()["ExitCode"] == 137
    shim.assert_nothing_left()


def test_a_probe_over_its_timeout_is_killed_and_recorded_as_minus_1(shim, bundle):
    set_process(bundle, ["sleep", "1000"])
    health = shim.tmp / "health.json"
    assert shim.start("--health-cmd", "sleep 5", "--health-file", str(health), "--health-interval-ms", "100",
                      "--health-start-interval-ms", "100", "--health-timeout-ms", "200").returncode == 0

    def timed_out():
        try:
            log = json.loads(health.read_text())["Log"]
        except (FileNotFoundError, json.JSONDecodeError):
            return False
        return bool(log) and log[-1]["ExitCode"] == -1
    wait_until(timed_out, timeout=TIMEOUT, what="a timed-out probe")
    assert "Health check exceeded timeout (200ms)" in json.loads(health.read_text())["Log"][-1]["Output"]
    run_berth("kill", shim.id, "KILL", root=shim.root, check=True)
    assert shim.exit_status()["ExitCode"] == 137
    shim.assert_nothing_left()


@pytest.mark.parametrize("breakage, message", [
    ("bad-json", "invalid configuration"),
    ("no-such-command", "/no/such/command"),
])
def test_a_create_error_reaches_the_caller_as_one_line_and_leaves_nothing(shim, bundle, breakage, message):
    if breakage == "bad-json":
        bundle.config_path.write_text('{"ociVersion": 5}')
    else:
        set_process(bundle, ["/no/such/command"])
    r = shim.start()
    assert r.returncode == 125
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dock-shim: ") and message in lines[0], r.stderr
    assert not shim.exit_file.exists()
    # the log (the caller's container directory holds it) has no entry
    assert not shim.log.exists() or shim.log.read_text() == ""
    shim.assert_nothing_left()
    assert list(Path(shim.root).iterdir()) == []
    # no shim process under this id is left
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                cmd = (p / "cmdline").read_bytes()
            except OSError:
                continue
            assert not (b"dock-shim" in cmd and shim.id.encode() in cmd), f"shim {p.name} left"


@pytest.mark.parametrize("args, message", [
    (["--restart", "sometimes"], "invalid restart policy"),
    (["--log-opt", "max-size=-1"], "--log-opt: invalid size: '-1'"),
    (["--detach-keys", "ctrl-1"], "Unknown character"),
    (["--bogus"], "unknown flag '--bogus'"),
    (["--health-cmd", "true"], "--health-cmd and --health-file go together"),
    (["--health-retries", "x"], "--health-retries: invalid count 'x'"),
    (["--exit-file", "/nonexistent-dir/exit.json"], "--exit-file: /nonexistent-dir: No such file or directory"),
])
def test_bad_flags_are_one_line_errors_and_leave_nothing(shim, bundle, args, message):
    r = shim.start(*args)
    assert r.returncode == 125
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    shim.assert_nothing_left()
    assert list(Path(shim.root).iterdir()) == []


def test_log_rotation_per_log_opts(shim, bundle):
    set_process(bundle, ["sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"])
    assert shim.start("--log-opt", "max-size=2k", "--log-opt", "max-file=3").returncode == 0
    assert shim.exit_status()["ExitCode"] == 0
    shim.assert_nothing_left()
    rotated = sorted(p.name for p in shim.tmp.glob("ctr-json.log*"))
    assert rotated == ["ctr-json.log", "ctr-json.log.1", "ctr-json.log.2"]
    last = shim.log_entries()[-1]
    assert last["log"] == "line-199-xxxxxxxxxxxxxxxxxxxxxxxx\n"
