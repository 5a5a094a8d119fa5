"""dock-shim's parts on a real child process, before libberth's API exists.

tests/helpers/dock-monitor-run glues the monitor library (event loop,
json-file log, attach server, log reader) around busybox sh, with pipes or
with a pty, as dock-shim will around a container: two attach clients at
once, stdin, detach keys, resize, `logs -f` across rotations, exit codes.
"""

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import BERTH, SANITIZER_ENV, sanitizer_report

HELPER = Path(BERTH).resolve().parent / "tests" / "helpers" / "dock-monitor-run"
BUSYBOX = shutil.which("busybox")
TIMEOUT = 10

pytestmark = pytest.mark.skipif(not HELPER.exists() or not BUSYBOX,
                                reason="needs tests/helpers/dock-monitor-run (make) and busybox")


def wait_until(cond, timeout=TIMEOUT, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Proc:
    """A helper process whose stdout and stderr are collected by threads."""

    def __init__(self, args, stdin=True):
        env = dict(os.environ)
        env.update(SANITIZER_ENV)
        self.p = subprocess.Popen([str(HELPER), *args], stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.out, self.err = bytearray(), bytearray()
        self.threads = [threading.Thread(target=self._pump, args=(self.p.stdout, self.out), daemon=True),
                        threading.Thread(target=self._pump, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _pump(f, buf):
        while True:
            chunk = os.read(f.fileno(), 65536)
            if not chunk:
                return
            buf.extend(chunk)

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def wait_out(self, text, what=None):
        wait_until(lambda: text in self.out, what=what or f"{text!r} on stdout (got {bytes(self.out)!r})")

    def wait_err(self, text):
        wait_until(lambda: text in self.err, what=f"{text!r} on stderr (got {bytes(self.err)!r})")

    def wait(self):
        rc = self.p.wait(timeout=TIMEOUT)
        for t in self.threads:
            t.join(timeout=TIMEOUT)
        report = sanitizer_report(self.err.decode(errors="replace"))
        assert report is None, report
        return rc

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


@pytest.fixture
def procs():
    """Starts helper processes; kills whatever is left at teardown."""
    started = []

    def start(*args, stdin=True):
        pr = Proc(args, stdin=stdin)
        started.append(pr)
        return pr

    yield start
    for pr in started:
        pr.kill()


def start_monitor(procs, tmp_path, script, tty=False, log_opts=()):
    sock = tmp_path / "attach.sock"
    log = tmp_path / "ctr-json.log"
    args = ["run", "--socket", str(sock), "--log", str(log)]
    if tty:
        args.append("--tty")
    for o in log_opts:
        args += ["--log-opt", o]
    mon = procs(*args, "--", BUSYBOX, "sh", "-c", script, stdin=False)
    wait_until(sock.exists, what="the attach socket")
    return mon, sock, log


def attach(procs, sock, *args):
    cl = procs("attach", str(sock), *args)
    cl.wait_err(b"attached")
    return cl


ECHO_LOOP = 'while read l; do echo "out:$l"; echo "err:$l" >&2; [ "$l" = quit ] && exit 5; done'


def test_two_attach_clients_both_see_output_and_the_exit_code(procs, tmp_path):
    mon, sock, log = start_monitor(procs, tmp_path, ECHO_LOOP)
    a = attach(procs, sock)
    b = attach(procs, sock, "--no-stdin")
    a.send(b"hello\n")
    for cl in (a, b):
        cl.wait_out(b"out:hello\n")
        cl.wait_err(b"err:hello\n")
    # stdout and stderr arrive on their own streams
    assert b"err:" not in a.out and b"out:" not in b.err
    a.send(b"quit\n")
    assert a.wait() == 5
    assert b.wait() == 5
    assert mon.wait() == 5
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["stream"], e["log"]) for e in entries] == [
        ("stdout", "out:hello\n"), ("stderr", "err:hello\n"), ("stdout", "out:quit\n"), ("stderr", "err:quit\n")]
    assert all(e["time"].endswith("Z") for e in entries)


def test_a_late_client_sees_no_history_only_new_output(procs, tmp_path):
    mon, sock, _ = start_monitor(procs, tmp_path, ECHO_LOOP)
    a = attach(procs, sock)
    a.send(b"early\n")
    a.wait_out(b"out:early\n")
    b = attach(procs, sock, "--no-stdin")
    a.send(b"late\n")
    b.wait_out(b"out:late\n")
    assert b"early" not in b.out
    a.send(b"quit\n")
    assert b.wait() == 5 and a.wait() == 5 and mon.wait() == 5


def test_stdin_from_two_clients_reaches_the_process(procs, tmp_path):
    mon, sock, _ = start_monitor(procs, tmp_path, ECHO_LOOP)
    a = attach(procs, sock)
    b = attach(procs, sock)
    a.send(b"from-a\n")
    a.wait_out(b"out:from-a\n")
    b.send(b"from-b\n")
    a.wait_out(b"out:from-b\n")
    b.wait_out(b"out:from-a\n")
    b.send(b"quit\n")
    assert a.wait() == 5 and b.wait() == 5 and mon.wait() == 5


def test_ctrl_p_ctrl_q_detaches_one_client_and_leaves_the_process_running(procs, tmp_path):
    mon, sock, _ = start_monitor(procs, tmp_path, "exec sh -i", tty=True)
    a = attach(procs, sock)
    b = attach(procs, sock, "--no-stdin")
    assert b"attached tty" in a.err
    # a paste of both keys in one read is not a detach (docker's escape proxy)
    a.send(b"\x10\x11")
    time.sleep(0.2)
    assert a.p.poll() is None
    a.send(b"\x15echo one-$((40+2))\n")  # ctrl-u drops the pasted bytes from the line
    b.wait_out(b"one-42")
    a.send(b"\x10")
    time.sleep(0.2)
    a.send(b"\x11")
    assert a.wait() == 1
    assert b"read escape sequence\n" in a.err
    # the process runs on, the other client is still attached
    assert mon.p.poll() is None and b.p.poll() is None
    c = attach(procs, sock)
    c.send(b"echo two-$((40+3))\n")
    b.wait_out(b"two-43")
    c.wait_out(b"two-43")
    c.send(b"exit 3\n")
    assert c.wait() == 3 and b.wait() == 3 and mon.wait() == 3


def test_custom_detach_keys_ctrl_a_x_and_held_keys_are_given_back(procs, tmp_path):
    mon, sock, _ = start_monitor(procs, tmp_path, ECHO_LOOP)
    a = attach(procs, sock, "--detach-keys", "ctrl-a,x")
    # ctrl-a then something else: the held ctrl-a reaches the process
    a.send(b"\x01")
    time.sleep(0.1)
    a.send(b"y\n")
    a.wait_out(b"out:\x01y\n")
    a.send(b"\x01")
    time.sleep(0.1)
    a.send(b"x")
    assert a.wait() == 1
    assert b"read escape sequence" in a.err
    assert mon.p.poll() is None
    b = attach(procs, sock)
    b.send(b"quit\n")
    assert b.wait() == 5 and mon.wait() == 5


def test_resize_reaches_the_pty(procs, tmp_path):
    mon, sock, _ = start_monitor(procs, tmp_path, "exec sh -i", tty=True)
    a = attach(procs, sock, "--resize", "37x101")
    a.send(b"stty size\n")
    a.wait_out(b"37 101")
    a.send(b"exit 0\n")
    assert a.wait() == 0 and mon.wait() == 0


def test_exit_by_signal_reaches_the_client_as_128_plus_signal(procs, tmp_path):
    mon, sock, _ = start_monitor(procs, tmp_path, "read l; kill -9 $$")
    a = attach(procs, sock)
    a.send(b"go\n")
    assert a.wait() == 137
    assert mon.wait() == 137


def test_stdin_eof_of_a_client_does_not_close_the_process_stdin(procs, tmp_path):
    mon, sock, _ = start_monitor(procs, tmp_path, ECHO_LOOP)
    a = attach(procs, sock)
    a.p.stdin.close()  # STDIN_EOF without stdin-once: ignored
    b = attach(procs, sock)
    b.send(b"still\n")
    b.wait_out(b"out:still\n")
    a.wait_out(b"out:still\n")
    b.send(b"quit\n")
    assert b.wait() == 5 and a.wait() == 5 and mon.wait() == 5


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_logs_follow_across_rotation_until_the_process_exits(procs, tmp_path, compress):
    script = 'i=0; while [ $i -lt 150 ]; do echo line-$i; i=$((i+1)); usleep 3000; done; echo bye >&2'
    opts = ["max-size=1k", "max-file=5"] + (["compress=true"] if compress else [])
    mon, sock, log = start_monitor(procs, tmp_path, script, log_opts=opts)
    f = procs("logs", str(log), "--max-file", "5", "-f", "--exit-pid", str(mon.p.pid), stdin=False)
    assert mon.wait() == 0
    assert f.wait() == 0
    assert f.out.decode().splitlines() == [f"line-{i}" for i in range(150)]
    assert f.err == b"bye\n"
    rotated = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ctr-json.log."))
    assert rotated == ([f"ctr-json.log.{i}.gz" for i in range(1, 5)] if compress
                       else [f"ctr-json.log.{i}" for i in range(1, 5)])
    # --tail over the rotated files afterwards
    t = procs("logs", str(log), "--max-file", "5", "--tail", "3", stdin=False)
    assert t.wait() == 0
    assert t.out == b"line-148\nline-149\n" and t.err == b"bye\n"


def test_logs_timestamps_and_since_on_a_real_run(procs, tmp_path):
    mon, sock, log = start_monitor(procs, tmp_path, "echo first; sleep 1.2; echo second")
    assert mon.wait() == 0
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["log"] for e in entries] == ["first\n", "second\n"]
    t = procs("logs", str(log), "-t", stdin=False)
    assert t.wait() == 0
    lines = t.out.decode().splitlines()
    # docker's -t: RFC3339NanoFixed (9 digits), a space, the line
    assert [len(line.split(" ")[0]) for line in lines] == [30, 30]
    assert [line.split(" ", 1)[1] for line in lines] == ["first", "second"]
    # --since the second line's whole second (docker's Unix form)
    second_ts = entries[1]["time"]
    secs = int(time.mktime(time.strptime(second_ts[:19], "%Y-%m-%dT%H:%M:%S"))) - time.timezone
    s = procs("logs", str(log), "--since", str(secs), stdin=False)
    assert s.wait() == 0
    assert s.out == b"second\n"


def test_logs_refuses_a_bad_since_with_docker_message(procs, tmp_path):
    log = tmp_path / "x.log"
    log.write_text("")
    r = procs("logs", str(log), "--since", "yesterday", stdin=False)
    assert r.wait() == 125
    assert b'failed to parse value as time or duration: "yesterday"' in r.err


def test_bad_frames_drop_only_that_client_and_the_socket_is_private(procs, tmp_path):
    import socket
    import stat
    import struct
    mon, sock, _ = start_monitor(procs, tmp_path, ECHO_LOOP)
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    for bad in (struct.pack(">B3xI", 0, 3) + b"abc",        # STDIN before HELLO
                struct.pack(">B3xI", 7, 0),                 # HELLO without flags
                struct.pack(">B3xI", 7, 1 << 30)):          # a frame over 1 MiB
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(str(sock))
        s.sendall(bad)
        assert s.recv(64) == b""  # closed by the monitor
        s.close()
    a = attach(procs, sock)
    a.send(b"quit\n")
    assert a.wait() == 5 and mon.wait() == 5


def log_times(log):
    from datetime import datetime
    out = []
    for line in log.read_text().splitlines():
        e = json.loads(line)
        ts = e["time"].rstrip("Z")
        whole, _, frac = ts.partition(".")
        t = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").timestamp() + float("0." + (frac or "0"))
        out.append((e["log"], t))
    return out


def test_restart_on_failure_2_runs_three_times_with_docker_backoff(procs, tmp_path):
    log = tmp_path / "r.log"
    sock = tmp_path / "r.sock"
    mon = procs("run", "--socket", str(sock), "--log", str(log), "--restart", "on-failure:2", "--",
                BUSYBOX, "sh", "-c", "echo run; exit 3", stdin=False)
    assert mon.wait() == 3
    runs = log_times(log)
    assert [line for line, _ in runs] == ["run\n", "run\n", "run\n"]
    # the delays are at least docker's 100 ms, then 200 ms
    assert runs[1][1] - runs[0][1] >= 0.1
    assert runs[2][1] - runs[1][1] >= 0.2


def test_healthcheck_goes_healthy_then_unhealthy_and_records_timeouts(procs, tmp_path):
    ok = tmp_path / "ok"
    health = tmp_path / "health.json"
    sock = tmp_path / "h.sock"
    mon = procs("run", "--socket", str(sock), "--health-file", str(health),
                "--health-cmd", f"if [ -f {ok} ]; then echo fine; elif [ -f {ok}.slow ]; then sleep 5; else exit 1; fi",
                "--health-interval-ms", "50", "--health-timeout-ms", "300", "--health-retries", "2", "--",
                BUSYBOX, "sh", "-c", "read l", stdin=False)

    def state():
        try:
            return json.loads(health.read_text())
        except (OSError, ValueError):
            return None

    wait_until(lambda: state() is not None, what="the health file")
    assert state()["Status"] == "starting"
    ok.write_text("")
    wait_until(lambda: (state() or {}).get("Status") == "healthy", what="healthy")
    last = state()["Log"][-1]
    assert last["ExitCode"] == 0 and last["Output"] == "fine\n" and state()["FailingStreak"] == 0
    assert set(last) == {"Start", "End", "ExitCode", "Output"}
    ok.unlink()
    wait_until(lambda: (state() or {}).get("Status") == "unhealthy", what="unhealthy")
    assert state()["FailingStreak"] >= 2
    wait_until(lambda: len(state()["Log"]) == 5, what="five results")
    (tmp_path / "ok.slow").write_text("")
    wait_until(lambda: state()["Log"][-1]["ExitCode"] == -1, what="a timed-out probe")
    assert state()["Log"][-1]["Output"] == "Health check exceeded timeout (300ms)"
    assert len(state()["Log"]) == 5
    a = attach(procs, sock)
    a.send(b"bye\n")
    assert a.wait() == 0 and mon.wait() == 0


def test_stdin_once_client_eof_closes_the_process_stdin(procs, tmp_path):
    # docker run -i: the end of the client's stdin is the end of the container's
    mon, sock, _ = start_monitor(procs, tmp_path, 'cat; echo "cat-ended-$?"')
    a = attach(procs, sock, "--stdin-once")
    a.send(b"abc\n")
    a.wait_out(b"abc\n")
    a.p.stdin.close()
    a.wait_out(b"cat-ended-0\n")
    assert a.wait() == 0 and mon.wait() == 0
