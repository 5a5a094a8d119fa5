"""berth exec: a new process in a running container's namespaces, cgroups
and process settings, observed from inside the container and from the host."""
import fcntl
import json
import os
import pty
import struct
import subprocess
import termios
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, berth_env, console_socket_server, sanitizer_report

NAMESPACES = ["pid", "mnt", "uts", "net", "ipc", "cgroup", "user"]
PIDS = Path("/sys/fs/cgroup/pids")


def init_pid(root, cid):
    return json.loads(root.run("state", cid, check=True).stdout)["pid"]


def start_sleeper(bundle, root, cid):
    """A running container whose init sleeps; returns the init's host pid."""
    bundle.set_args("sleep", "1000")
    root.run("run", "--detach", "--bundle", bundle, cid, check=True)
    return init_pid(root, cid)


def one_line_error(r):
    # runc's exec fails with 255, whatever the cause (the workload's own
    # status, 1 included, is exec's otherwise).
    assert r.returncode == 255, r
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("berth: exec: "), r.stderr
    assert r.stdout == ""


def wait_gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def pidns_members(pid):
    """Host pids of the processes in the pid namespace of pid."""
    ns = os.readlink(f"/proc/{pid}/ns/pid")
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "ns" / "pid") == ns:
                    members.add(int(entry.name))
            except OSError:
                pass
    return members


def status_fields(text):
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


@pytest.fixture
def sleeper(bundle, berth_root, container_id):
    """(container id, init pid) of a running container from `bundle`."""
    return container_id, start_sleeper(bundle, berth_root, container_id)


# ------------------------------------------------------------------ namespaces


def test_exec_joins_every_namespace_of_the_init(bundle, berth_root, sleeper):
    cid, pid = sleeper
    own = {n["type"] for n in bundle.config["linux"]["namespaces"]}
    script = "; ".join(f"readlink /proc/self/ns/{ns}" for ns in NAMESPACES)
    r = berth_root.run("exec", cid, "sh", "-c", script, check=True)
    inside = r.stdout.splitlines()
    assert inside == [os.readlink(f"/proc/{pid}/ns/{ns}") for ns in NAMESPACES]
    # The container has its own of these, so the exec'd process is not in ours.
    for ns, link in zip(NAMESPACES, inside):
        # (`berth spec` has a cgroup namespace only on a unified v2 host.)
        if ns in ("pid", "mnt", "uts", "net", "ipc") or ns == "cgroup" and "cgroup" in own:
            assert link != os.readlink(f"/proc/self/ns/{ns}"), ns


def test_exec_process_is_in_the_pid_namespace_but_not_pid_1(berth_root, sleeper):
    cid, _ = sleeper
    r = berth_root.run("exec", cid, "sh", "-c", "echo $$; tr '\\0' ' ' </proc/1/cmdline", check=True)
    mypid, init_cmd = r.stdout.splitlines()
    assert mypid != "1" and int(mypid) > 1
    assert init_cmd.strip() == "sleep 1000"


def test_exec_sees_the_container_root_and_hostname(bundle, berth_root, container_id):
    bundle.config["hostname"] = "galley"
    start_sleeper(bundle, berth_root, container_id)
    (bundle.rootfs / "marker").write_text("in the rootfs\n")
    r = berth_root.run("exec", container_id, "sh", "-c", "hostname; cat /marker; pwd", check=True)
    assert r.stdout.splitlines() == ["galley", "in the rootfs", "/"]


def test_exec_into_a_user_namespace_container(bundle, berth_root, container_id):
    for parent in [bundle.path, *bundle.path.parents]:
        if parent == Path("/tmp"):
            break
        parent.chmod(parent.stat().st_mode | 0o755)
    bundle.config["linux"]["namespaces"].append({"type": "user"})
    bundle.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 300000, "size": 65536}]
    bundle.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 300000, "size": 65536}]
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["type"] != "cgroup"]
    pid = start_sleeper(bundle, berth_root, container_id)
    r = berth_root.run("exec", "-u", "1000:1000", container_id, "sh", "-c",
                       "cat /proc/self/uid_map; id -u; id -g; readlink /proc/self/ns/user; readlink /proc/self/ns/mnt",
                       check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["0", "300000", "65536"]
    assert lines[1:3] == ["1000", "1000"]
    assert lines[3] == os.readlink(f"/proc/{pid}/ns/user") != os.readlink("/proc/self/ns/user")
    assert lines[4] == os.readlink(f"/proc/{pid}/ns/mnt")
    # The uid seen from the host is the mapped one.
    r = berth_root.run("exec", "-d", "--pid-file", bundle.path / "p.pid", container_id, "sleep", "30", check=True)
    epid = int((bundle.path / "p.pid").read_text())
    uids = status_fields(Path(f"/proc/{epid}/status").read_text())["Uid"].split()
    assert uids[0] == "300000"
    os.kill(epid, 9)


# ------------------------------------------------------------------ status


def test_exec_passes_the_exit_status_through(berth_root, sleeper):
    cid, _ = sleeper
    assert berth_root.run("exec", cid, "sh", "-c", "exit 42").returncode == 42
    r = berth_root.run("exec", cid, "sh", "-c", "echo out; echo err >&2; exit 0")
    assert (r.returncode, r.stdout, r.stderr) == (0, "out\n", "err\n")


def test_exec_reports_a_signal_death_as_128_plus_signal(berth_root, sleeper):
    cid, _ = sleeper
    assert berth_root.run("exec", cid, "sh", "-c", "kill -9 $$").returncode == 128 + 9


def test_exec_forwards_signals_to_the_process(berth_root, sleeper, tmp_path):
    cid, _ = sleeper
    pidfile = tmp_path / "exec.pid"
    result = {}
    t = threading.Thread(target=lambda: result.update(r=berth_root.run(
        "exec", "--pid-file", pidfile, cid, "sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done")))
    t.start()
    deadline = time.monotonic() + 10
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let the shell install its trap
    berth_pid = None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"exec" in cmd and str(pidfile).encode() in cmd:
                berth_pid = int(entry.name)
    assert berth_pid
    os.kill(berth_pid, 15)
    t.join(20)
    assert result["r"].returncode == 7


def test_exec_into_a_stopped_container_fails_clearly(berth_root, sleeper):
    cid, pid = sleeper
    berth_root.run("kill", cid, "KILL", check=True)
    assert wait_gone(pid)
    r = berth_root.run("exec", cid, "true")
    one_line_error(r)
    assert r.stderr == f"berth: exec: `{cid}`: container not running\n"


def test_exec_into_a_missing_container_fails_clearly(berth_root):
    r = berth_root.run("exec", "no-such-container", "true")
    one_line_error(r)
    assert "container does not exist" in r.stderr


def test_exec_into_a_created_container_works(bundle, berth_root, container_id):
    bundle.set_args("sleep", "1000")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    r = berth_root.run("exec", container_id, "sh", "-c", "echo $$", check=True)
    assert r.stdout.strip() != "1"
    state = json.loads(berth_root.run("state", container_id, check=True).stdout)
    assert state["status"] == "created"


def _cgroups_of(pid):
    """{controllers: path} from /proc/PID/cgroup."""
    return dict(line.split(":", 2)[1:] for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines())


def test_exec_into_a_paused_container_fails_clearly(berth_root, sleeper):
    cid, pid = sleeper
    before = sorted(json.loads(berth_root.run("ps", "-f", "json", cid, check=True).stdout))
    berth_root.run("pause", cid, check=True)
    r = berth_root.run("exec", cid, "true")
    one_line_error(r)
    assert "container paused" in r.stderr and "--ignore-paused" in r.stderr
    assert sorted(json.loads(berth_root.run("ps", "-f", "json", cid, check=True).stdout)) == before
    berth_root.run("resume", cid, check=True)
    berth_root.run("exec", cid, "true", check=True)


def test_exec_joins_the_cgroups_of_the_init_and_a_sub_cgroup(berth_root, sleeper, tmp_path):
    cid, pid = sleeper
    if not (PIDS / "cgroup.procs").exists():
        pytest.skip(f"no cgroup v1 pids hierarchy at {PIDS}")
    init_pids = _cgroups_of(pid)["pids"]
    (PIDS / init_pids.lstrip("/") / "sub").mkdir()
    pidfile = tmp_path / "p.pid"

    berth_root.run("exec", "-d", "--pid-file", pidfile, cid, "sleep", "30", check=True)
    epid = int(pidfile.read_text())
    assert _cgroups_of(epid) == _cgroups_of(pid)
    os.kill(epid, 9)

    berth_root.run("exec", "-d", "--pid-file", pidfile, "--cgroup", "pids:sub", cid, "sleep", "30", check=True)
    epid = int(pidfile.read_text())
    assert _cgroups_of(epid)["pids"] == f"{init_pids}/sub"
    os.kill(epid, 9)

    r = berth_root.run("exec", "--cgroup", "pids:missing", cid, "true")
    one_line_error(r)
    assert "pids:missing" in r.stderr


# ------------------------------------------------------------------ the process


def test_exec_inherits_the_container_env_and_rlimits(bundle, berth_root, container_id):
    bundle.process["env"] = ["PATH=/bin:/usr/bin", "FROM_CONFIG=yes", "SHARED=config"]
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 555, "hard": 777}]
    start_sleeper(bundle, berth_root, container_id)
    r = berth_root.run("exec", "-e", "SHARED=cli", "-e", "ADDED=1", container_id, "sh", "-c",
                       "ulimit -n; ulimit -Hn; env | grep -E '^(FROM_CONFIG|SHARED|ADDED|PATH)=' | sort",
                       check=True)
    assert r.stdout.splitlines() == ["555", "777", "ADDED=1", "FROM_CONFIG=yes", "PATH=/bin:/usr/bin", "SHARED=cli"]


def test_exec_cwd(bundle, berth_root, container_id):
    (bundle.rootfs / "srv" / "data").mkdir(parents=True)
    start_sleeper(bundle, berth_root, container_id)
    assert berth_root.run("exec", "--cwd", "/srv/data", container_id, "pwd", check=True).stdout == "/srv/data\n"
    r = berth_root.run("exec", "--cwd", "/does/not/exist", container_id, "pwd")
    one_line_error(r)
    assert "/does/not/exist" in r.stderr


def test_exec_user_and_additional_gids(berth_root, sleeper):
    cid, _ = sleeper
    r = berth_root.run("exec", "-u", "1000:1001", "-g", "5", "--additional-gids", "7", cid, "sh", "-c",
                       "id -u; id -g; id -G", check=True)
    uid, gid, groups = r.stdout.splitlines()
    assert (uid, gid) == ("1000", "1001")
    assert set(groups.split()) == {"1001", "5", "7"}
    # A uid alone keeps the container's gid (0 in the default config).
    assert berth_root.run("exec", "-u", "1234", cid, "id", "-g", check=True).stdout == "0\n"


def test_exec_cap_adds_a_capability(berth_root, sleeper):
    cid, _ = sleeper
    net_admin = 1 << 12
    cmd = ["sh", "-c", "grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status"]
    before = status_fields(berth_root.run("exec", cid, *cmd, check=True).stdout)
    after = status_fields(berth_root.run("exec", "--cap", "CAP_NET_ADMIN", cid, *cmd, check=True).stdout)
    for field in ("CapEff", "CapPrm", "CapBnd"):
        assert not int(before[field], 16) & net_admin
        assert int(after[field], 16) == int(before[field], 16) | net_admin


def test_exec_no_new_privs(bundle, berth_root, container_id):
    bundle.process["noNewPrivileges"] = False
    start_sleeper(bundle, berth_root, container_id)
    cmd = ["grep", "NoNewPrivs", "/proc/self/status"]
    assert berth_root.run("exec", container_id, *cmd, check=True).stdout.split() == ["NoNewPrivs:", "0"]
    assert berth_root.run("exec", "--no-new-privs", container_id, *cmd,
                          check=True).stdout.split() == ["NoNewPrivs:", "1"]


def test_exec_process_file_replaces_the_whole_process(berth_root, sleeper, tmp_path):
    cid, _ = sleeper
    process = {
        "args": ["sh", "-c", "id -u; pwd; echo ${FROM_FILE:-unset} ${TERM:-unset}; ulimit -n; exit 9"],
        "env": ["PATH=/bin", "FROM_FILE=here"],
        "cwd": "/tmp",
        "user": {"uid": 4321, "gid": 4321},
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 99, "hard": 99}],
    }
    pfile = tmp_path / "process.json"
    pfile.write_text(json.dumps(process))
    r = berth_root.run("exec", "--process", pfile, cid)
    assert r.returncode == 9, r.stderr
    # TERM comes from the config's env, which --process replaces.
    assert r.stdout.splitlines() == ["4321", "/tmp", "here unset", "99"]


def test_exec_leaks_no_file_descriptors(berth_root, sleeper):
    cid, _ = sleeper
    # Not the last command: the shell would exec ls, and see ls's own fd.
    r = berth_root.run("exec", cid, "sh", "-c", "ls /proc/$$/fd; true", check=True)
    assert r.stdout.split() == ["0", "1", "2"]


def test_exec_preserve_fds_passes_extra_descriptors(berth_root, sleeper, tmp_path):
    cid, _ = sleeper
    extra = tmp_path / "extra"
    extra.write_text("through the extra fd\n")
    with open(extra) as f:
        fd = f.fileno()
        assert fd > 3
        plain = berth_root.run("exec", cid, "sh", "-c", "ls /proc/$$/fd; true", pass_fds=(fd,), check=True)
        # --preserve-fds N keeps 3 .. 3+N-1: reach up to fd.
        kept = berth_root.run("exec", "--preserve-fds", fd - 2, cid, "sh", "-c", f"ls /proc/$$/fd; cat <&{fd}",
                              pass_fds=(fd,), check=True)
    assert plain.stdout.split() == ["0", "1", "2"]
    lines = kept.stdout.splitlines()
    assert lines[-1] == "through the extra fd"
    assert str(fd) in lines[:-1]


def test_exec_detach_writes_the_pid_file_and_returns(berth_root, sleeper, tmp_path):
    cid, pid = sleeper
    pidfile = tmp_path / "sub" / "exec.pid"
    pidfile.parent.mkdir()
    t0 = time.monotonic()
    r = berth_root.run("exec", "--detach", "--pid-file", pidfile, cid, "sleep", "30", check=True)
    assert time.monotonic() - t0 < 10 and r.stdout == ""
    epid = int(pidfile.read_text())
    assert [p.name for p in pidfile.parent.iterdir()] == ["exec.pid"]  # no temporary left
    assert Path(f"/proc/{epid}/cmdline").read_bytes() == b"sleep\x0030\x00"
    assert os.readlink(f"/proc/{epid}/ns/pid") == os.readlink(f"/proc/{pid}/ns/pid")
    os.kill(epid, 9)


# ------------------------------------------------------------------ terminal


def read_until(fd, needle, timeout=5):
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and needle not in out:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace").replace("\r", "")


def test_exec_tty_sends_the_pty_to_the_console_socket(berth_root, sleeper, tmp_path):
    cid, _ = sleeper
    sock_path = tmp_path / "console.sock"
    t, got = console_socket_server(sock_path)
    berth_root.run("exec", "--tty", "--detach", "--console-socket", sock_path, cid, "sh", "-c",
                   "tty; echo sid=$(cut -d' ' -f6 /proc/self/stat) pid=$$; echo done; sleep 2", check=True)
    t.join(10)
    assert got.get("fd") is not None
    text = read_until(got["fd"], b"done")
    os.close(got["fd"])
    lines = text.splitlines()
    assert lines[0].startswith("/dev/pts/")
    sid, mypid = (x.split("=")[1] for x in lines[1].split())
    assert sid == mypid  # its own session, the pty as its controlling terminal


def test_exec_process_file_with_tty_flag_gets_a_terminal_as_conmon_asks(berth_root, sleeper, tmp_path):
    # conmon (podman exec -it): --process FILE --detach --tty --console-socket.
    cid, _ = sleeper
    pfile = tmp_path / "process.json"
    pfile.write_text(json.dumps({"terminal": True, "cwd": "/", "args": ["sh", "-c", "tty; echo done; sleep 2"],
                                 "env": ["PATH=/bin"]}))
    sock_path = tmp_path / "console.sock"
    t, got = console_socket_server(sock_path)
    berth_root.run("exec", "--process", pfile, "--detach", "--tty", "--console-socket", sock_path,
                   "--pid-file", tmp_path / "pid", cid, check=True)
    t.join(10)
    assert got.get("fd") is not None
    text = read_until(got["fd"], b"done")
    os.close(got["fd"])
    assert text.startswith("/dev/pts/")
    assert int((tmp_path / "pid").read_text()) > 0


def test_exec_tty_in_the_foreground_proxies_the_pty(berth_root, sleeper):
    cid, _ = sleeper
    r = berth_root.run("exec", "--tty", cid, "sh", "-c", "tty; read line; echo got:$line; exit 3",
                       input="hello\n")
    assert r.returncode == 3, r.stderr
    out = r.stdout.replace("\r", "")
    assert "/dev/pts/" in out and "got:hello" in out


def test_exec_tty_takes_the_window_size_of_the_callers_terminal(berth_root, sleeper):
    cid, _ = sleeper
    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 37, 101, 0, 0))
        proc = subprocess.Popen(
            [BERTH, "--root", str(berth_root), "exec", "-t", cid, "sh", "-c", "stty size; exit 4"],
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True, env=berth_env())
        os.close(slave)
        slave = -1
        text = read_until(master, b"101", timeout=10)
        assert proc.wait(timeout=20) == 4
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    assert sanitizer_report(text) is None, text
    assert "37 101" in text


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("args,message", [
    (["--process", "/nonexistent.json", "CID", "true"], "either --process or a command"),
    (["CID"], "give a command to run"),
    (["--process", "PFILE", "--env", "A=1", "CID"], "--env cannot be combined with --process"),
    (["--user", "root", "CID", "true"], "--user: `root`"),
    (["--user", "1:x", "CID", "true"], "--user: `1:x`"),
    (["--additional-gids", "wheel", "CID", "true"], "--additional-gids: `wheel`"),
    (["--env", "NOEQUALS", "CID", "true"], "--env: `NOEQUALS`"),
    (["--tty", "--detach", "CID", "true"], "--console-socket"),
    (["--console-socket", "/x.sock", "CID", "true"], "--console-socket is only for"),
    (["--cwd", "relative", "CID", "true"], "cwd: `relative` is not an absolute path"),
    (["--cgroup", "../up", "CID", "true"], "--cgroup `../up`"),
    (["--cgroup", "nosuchcontroller:x", "CID", "true"], "no cgroup for `nosuchcontroller`"),
    (["--process", "PFILE", "CID"], "--process: args"),
    (["CID", "/no/such/program"], "/no/such/program"),
])
def test_exec_bad_input_gives_one_line_and_starts_nothing(berth_root, sleeper, tmp_path, args, message):
    cid, pid = sleeper
    pfile = tmp_path / "process.json"
    pfile.write_text(json.dumps({"cwd": "/", "args": []}))
    args = [str(pfile) if a == "PFILE" else cid if a == "CID" else a for a in args]
    r = berth_root.run("exec", *args)
    one_line_error(r)
    assert message in r.stderr
    assert pidns_members(pid) == {pid}


# ------------------------------------------------------------------ comparison


@pytest.mark.comparison
@pytest.mark.parametrize("runtime", ["runc"])
def test_exec_same_observable_result_as_runc(bundle, berth_root, container_id, comparison_runtimes, runtime,
                                              tmp_path):
    if runtime not in comparison_runtimes:
        pytest.skip(f"{runtime} is not installed")
    bundle.config["ociVersion"] = "1.0.2"  # what the Debian runc accepts
    bundle.process["env"] = ["PATH=/bin", "KEEP=config", "OVER=config"]
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654}]
    start_sleeper(bundle, berth_root, container_id)
    rt = [comparison_runtimes[runtime], "--root", str(tmp_path / "rt")]
    theirs_id = f"{container_id}-{runtime}"
    try:
        # Not pipes: the detached container would hold them open.
        started = subprocess.run(rt + ["run", "--detach", "--bundle", str(bundle.path), theirs_id],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 timeout=60)
        assert started.returncode == 0
        # Not the soft RLIMIT_NOFILE: runc 1.1 sets the rlimits from outside
        # while its Go runtime raises that one, and either may win.
        script = ("echo $KEEP $OVER $ADDED; id; pwd; ulimit -Hn; "
                  "grep -E '^(Cap(Eff|Prm|Bnd|Amb)|NoNewPrivs)' /proc/self/status; ls /proc/$$/fd; exit 5")
        args = ["-u", "1000:1000", "-g", "5", "-e", "OVER=cli", "-e", "ADDED=1", "--cwd", "/tmp",
                "--cap", "CAP_NET_ADMIN"]
        ours = berth_root.run("exec", *args, container_id, "sh", "-c", script)
        theirs = subprocess.run(rt + ["exec"] + args + [theirs_id, "sh", "-c", script], capture_output=True,
                                text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)
        as_root = "grep -E '^Cap(Eff|Bnd)' /proc/self/status"
        ours = berth_root.run("exec", "--cap", "CAP_SYS_ADMIN", container_id, "sh", "-c", as_root)
        theirs = subprocess.run(rt + ["exec", "--cap", "CAP_SYS_ADMIN", theirs_id, "sh", "-c", as_root],
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)
    finally:
        subprocess.run(rt + ["delete", "--force", theirs_id], capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL)


def test_exec_runs_under_the_container_seccomp_filter(bundle, berth_root, container_id):
    bundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}],
    }
    start_sleeper(bundle, berth_root, container_id)
    r = berth_root.run("exec", container_id, "mkdir", "/tmp/denied")
    assert r.returncode == 1 and "Permission denied" in r.stderr  # EACCES, the errnoRet
    # Extra capabilities do not lift it either.
    r = berth_root.run("exec", "--cap", "CAP_SYS_ADMIN", container_id, "mkdir", "/tmp/denied")
    assert r.returncode == 1 and "Permission denied" in r.stderr


def test_exec_sets_home_from_passwd_unless_env_has_it(bundle, berth_root, container_id):
    bundle.process["env"] = ["PATH=/bin"]
    start_sleeper(bundle, berth_root, container_id)
    r = berth_root.run("exec", container_id, "sh", "-c", "echo $HOME", check=True)
    assert r.stdout == "/root\n"
    r = berth_root.run("exec", "-e", "HOME=/elsewhere", container_id, "sh", "-c", "echo $HOME", check=True)
    assert r.stdout == "/elsewhere\n"
