"""berth's command line against runc's, where tools and scripts look: where
options may go, the error phrases engines match (containerd's shim, podman),
exit statuses, --debug lines; and the commands that must never wait for a
container's lock (list, state) or hold it where that deadlocks (exec into a
paused container).

The comparisons run the same words through runc 1.1 (the yardstick installed
here) on a twin container from the same bundle."""
import errno
import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import BERTH, berth_env, comparison_runtimes

RUNC = comparison_runtimes().get("runc")
needs_runc = pytest.mark.skipif(RUNC is None, reason="runc is not installed")

# logrus's text line, which runc writes and tools parse.
LOGRUS_TEXT = re.compile(r'time="[^"]+" level=(\w+) msg=("(?:[^"\\]|\\.)*"|\S+)$')


class Twins:
    """The same sleeping container under berth (.cid) and under runc (.rid),
    from one bundle; .both(*args) runs the same command on each (the id
    written as {id}) and returns (ours, theirs)."""

    def __init__(self, berth_root, bundle, cid, runc_root):
        self.berth_root, self.bundle, self.cid = berth_root, bundle, cid
        self.rid = f"{cid}-runc"
        self.runc = [RUNC, "--root", str(runc_root)]

    def start(self):
        self.berth_root.run("run", "--detach", "--bundle", self.bundle, self.cid, check=True)
        r = subprocess.run(self.runc + ["run", "--detach", "--bundle", str(self.bundle.path), self.rid],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60)
        assert r.returncode == 0, "runc could not start the twin"

    def theirs(self, *args, timeout=30):
        return subprocess.run(self.runc + [str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def both(self, *args, timeout=30):
        ours = self.berth_root.run(*[str(a).format(id=self.cid) for a in args], timeout=timeout)
        theirs = self.theirs(*[str(a).format(id=self.rid) for a in args], timeout=timeout)
        return ours, theirs

    def cleanup(self):
        self.theirs("delete", "--force", self.rid)


@pytest.fixture
def twins(berth_root, bundle, container_id, tmp_path):
    if RUNC is None:
        pytest.skip("runc is not installed")
    bundle.config["ociVersion"] = "1.0.2"  # what the Debian runc accepts
    bundle.set_args("sleep", "1000")
    t = Twins(berth_root, bundle, container_id, tmp_path / "runc-root")
    try:
        t.start()
        yield t
    finally:
        t.cleanup()


def cgroup_file(pid, controller, name):
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return Path(f"/sys/fs/cgroup/{controllers}{path}/{name}")
    raise AssertionError(f"no {controller} cgroup for {pid}")


def state_of(root, cid):
    return json.loads(root.run("state", cid, check=True).stdout)


def wait_stopped(root, cid, timeout=10):
    deadline = time.monotonic() + timeout
    while state_of(root, cid)["status"] != "stopped":
        assert time.monotonic() < deadline, f"{cid} did not stop"
        time.sleep(0.02)


# ------------------------------------------------------------------ where options go (C16)


def test_update_takes_options_after_the_id_like_runc(twins):
    ours, theirs = twins.both("update", "{id}", "--memory", "96m", "--pids-limit=33")
    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    pid = state_of(twins.berth_root, twins.cid)["pid"]
    assert cgroup_file(pid, "memory", "memory.limit_in_bytes").read_text().strip() == str(96 << 20)
    assert cgroup_file(pid, "pids", "pids.max").read_text().strip() == "33"


def test_events_and_delete_take_options_after_the_id_like_runc(twins):
    ours, theirs = twins.both("events", "{id}", "--stats")
    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    for r in (ours, theirs):
        event = json.loads(r.stdout)
        assert event["type"] == "stats" and event["id"] in (twins.cid, twins.rid), r.stdout
    ours, theirs = twins.both("delete", "{id}", "--force")
    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    assert twins.berth_root.container_ids() == []
    assert twins.theirs("state", twins.rid).returncode != 0


def test_run_takes_its_options_after_the_id_like_runc(twins, bundle_factory):
    other = bundle_factory("other")
    other.config["ociVersion"] = "1.0.2"
    other.set_args("sleep", "1000")
    ours = twins.berth_root.run("run", f"{twins.cid}-2", "--bundle", other.path, "--detach")
    try:
        # Not pipes: the detached init holds run's stdio.
        theirs = subprocess.run(twins.runc + ["run", f"{twins.rid}-2", "--bundle", str(other.path), "--detach"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                timeout=60)
        assert (ours.returncode, theirs.returncode) == (0, 0), ours.stderr
        assert state_of(twins.berth_root, f"{twins.cid}-2")["status"] == "running"
        assert json.loads(twins.theirs("state", f"{twins.rid}-2").stdout)["status"] == "running"
    finally:
        twins.theirs("delete", "--force", f"{twins.rid}-2")


def test_kill_takes_all_after_the_signal_like_runc(twins):
    ours, theirs = twins.both("kill", "{id}", "KILL", "--all")
    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    wait_stopped(twins.berth_root, twins.cid)


def test_kill_all_between_id_and_signal_takes_the_signal_for_the_id_like_runc(twins):
    # runc's parser moves a known flag to the front with the word after it,
    # even after a flag without a value: the id becomes "0".
    ours, theirs = twins.both("kill", "{id}", "--all", "0")
    assert theirs.returncode == 1 and "container does not exist" in theirs.stderr
    assert ours.returncode == 1 and ours.stderr == "berth: kill: `0`: container does not exist\n"
    assert state_of(twins.berth_root, twins.cid)["status"] == "running"


def test_an_option_value_that_starts_with_a_dash_stays_with_its_option(twins):
    # runc would take the id for the value here; berth, as getopt, -1.
    twins.berth_root.run("update", twins.cid, "--memory", "96m", check=True)
    r = twins.berth_root.run("update", twins.cid, "--memory", "-1")
    assert r.returncode == 0, r.stderr
    pid = state_of(twins.berth_root, twins.cid)["pid"]
    assert int(cgroup_file(pid, "memory", "memory.limit_in_bytes").read_text()) > 1 << 40


def test_unknown_option_after_the_id_stays_an_argument_like_runc(twins):
    ours, theirs = twins.both("state", "{id}", "--bogus")
    assert theirs.returncode != 0 and "requires exactly 1 argument" in theirs.stderr
    assert ours.returncode == 2 and ours.stderr.startswith("berth: state: expected ID")


def test_exec_takes_every_word_after_the_id_as_the_command_like_runc(twins):
    # exec does not gather options from among its arguments: `--user` after
    # the id is the program to run (not found), and after the program it is
    # the program's own option.
    ours, theirs = twins.both("exec", "{id}", "--user", "1", "id", "-u")
    assert (ours.returncode, theirs.returncode) == (255, 255)
    assert "--user" in ours.stderr and "--user" in theirs.stderr
    ours, theirs = twins.both("exec", "{id}", "id", "-u", "--user", "1")
    assert ours.returncode == theirs.returncode == 1
    assert "unrecognized option '--user'" in ours.stderr and "unrecognized option '--user'" in theirs.stderr
    ours, theirs = twins.both("exec", "--user", "1", "--", "{id}", "id", "-u")
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout) == (0, "1\n")


def test_ps_passes_options_after_the_id_to_ps_like_runc(twins):
    ours, theirs = twins.both("ps", "{id}", "-o", "pid,args")
    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    for r in (ours, theirs):
        assert r.stdout.splitlines()[0].split() == ["PID", "COMMAND"]
        assert [x.split(None, 1)[1] for x in r.stdout.splitlines()[1:]] == ["sleep 1000"]
    ours, theirs = twins.both("ps", "-f", "json", "{id}")
    assert len(json.loads(ours.stdout)) == len(json.loads(theirs.stdout)) == 1


def test_kill_all_with_signal_0_checks_existence_like_runc(twins):
    ours, theirs = twins.both("kill", "-a", "{id}", "0")
    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    ours, theirs = twins.both("kill", "{id}", "0", "--all")
    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    assert state_of(twins.berth_root, twins.cid)["status"] == "running"
    twins.both("kill", "{id}", "KILL")
    wait_stopped(twins.berth_root, twins.cid)
    ours, theirs = twins.both("kill", "{id}", "0")
    assert ours.returncode == theirs.returncode == 1
    assert "container not running" in theirs.stderr
    assert ours.stderr == f"berth: kill: `{twins.cid}`: container not running\n"


# ------------------------------------------------------------------ error kinds and statuses (C18)


def test_kill_of_a_stopped_container_says_container_not_running_for_containerd(twins):
    # containerd's shim takes "container not running" for "already gone".
    twins.both("kill", "{id}", "KILL")
    wait_stopped(twins.berth_root, twins.cid)
    ours, theirs = twins.both("kill", "{id}", "TERM")
    assert ours.returncode == theirs.returncode == 1
    assert "container not running" in ours.stderr and "container not running" in theirs.stderr


@pytest.mark.parametrize("command", [["state"], ["kill"], ["start"], ["pause"], ["resume"], ["ps"],
                                     ["update", "--pids-limit", "5"], ["delete"], ["exec", "{id}", "true"]],
                         ids=lambda c: c[0])
@needs_runc
def test_a_missing_container_says_container_does_not_exist_like_runc(berth_root, tmp_path, command):
    args = [a.format(id="bt-missing") for a in command]
    if "bt-missing" not in args:
        args.append("bt-missing")
    ours = berth_root.run(*args)
    theirs = subprocess.run([RUNC, "--root", str(tmp_path), *args], capture_output=True, text=True, timeout=30)
    assert "container does not exist" in theirs.stderr
    assert "container does not exist" in ours.stderr and ours.stderr.count("\n") == 1, ours.stderr
    assert ours.returncode == theirs.returncode, (ours.returncode, theirs.returncode)


def test_create_of_an_existing_id_says_given_id_already_exists_like_runc(twins):
    ours, theirs = twins.both("run", "--detach", "--bundle", twins.bundle.path, "{id}")
    assert ours.returncode == theirs.returncode == 1
    for r in (ours, theirs):
        assert "container with given ID already exists" in r.stderr


def test_resume_of_a_running_container_says_not_paused_like_runc(twins):
    ours, theirs = twins.both("resume", "{id}")
    assert ours.returncode == theirs.returncode == 1
    assert "container not paused" in ours.stderr and "container not paused" in theirs.stderr


def test_delete_of_a_running_container_says_still_running(twins):
    r = twins.berth_root.run("delete", twins.cid)
    assert r.returncode == 1 and "container still running" in r.stderr and "--force" in r.stderr


def test_exec_into_a_paused_container_exits_255_saying_container_paused_like_runc(twins):
    twins.both("pause", "{id}")
    try:
        ours, theirs = twins.both("exec", "{id}", "true")
        assert ours.returncode == theirs.returncode == 255
        assert "container paused" in ours.stderr
    finally:
        twins.both("resume", "{id}")


def test_exec_with_a_bad_pid_file_exits_255_like_runc(twins, tmp_path):
    bad = tmp_path / "no-such-dir" / "pid"
    ours, theirs = twins.both("exec", "--pid-file", bad, "{id}", "true")
    assert ours.returncode == theirs.returncode == 255
    assert ours.stderr.startswith("berth: exec: ") and str(bad.parent) in ours.stderr


def test_an_invalid_configuration_says_invalid_configuration(bundle, berth_root, container_id):
    del bundle.config["process"]["args"]
    bundle.write_config()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    assert r.returncode == 1 and r.stderr.startswith("berth: create: invalid configuration: "), r
    assert "process.args: must name the program to run" in r.stderr, r
    assert berth_root.container_ids() == []


def test_an_invalid_id_says_invalid_container_id_format_like_runc(berth_root, tmp_path):
    ours = berth_root.run("state", "a/b")
    if RUNC:
        theirs = subprocess.run([RUNC, "--root", str(tmp_path), "state", "a/b"], capture_output=True, text=True)
        assert "invalid container ID format" in theirs.stderr
    assert ours.returncode == 1 and "invalid container ID format" in ours.stderr


# ------------------------------------------------------------------ --debug (C17)


def debug_records(lines, json_format):
    if json_format:
        records = [json.loads(x) for x in lines]
        assert all(set(r) == {"level", "msg", "time"} for r in records), records
        return [(r["level"], r["msg"]) for r in records]
    out = []
    for line in lines:
        m = LOGRUS_TEXT.fullmatch(line)
        assert m, f"not a logrus text line: {line!r}"
        out.append((m.group(1), json.loads(m.group(2)) if m.group(2).startswith('"') else m.group(2)))
    return out


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_debug_logs_each_step_of_create_start_and_exec(bundle, berth_root, container_id, tmp_path, json_format):
    bundle.set_args("sleep", "1000")
    fmt = ["--log-format", "json"] if json_format else []
    log = tmp_path / "berth.log"
    berth_root.run("--debug", "--log", log, *fmt, "create", "--bundle", bundle, container_id, check=True)
    berth_root.run("--debug", "--log", log, *fmt, "start", container_id, check=True)
    # Without --log, to stderr (as runc's).
    r = berth_root.run("--debug", *fmt, "exec", container_id, "true", check=True)
    logged = debug_records(log.read_text().splitlines(), json_format)
    assert {level for level, _ in logged} == {"debug"}
    steps = [msg for _, msg in logged]
    for expected in ["command create", f"create {container_id}: configuration of bundle",
                     f"create {container_id}: state directory made", f"create {container_id}: init spawned, pid",
                     f"create {container_id}: cgroup ready", f"create {container_id}: init ready",
                     f"create {container_id}: state recorded", "command start",
                     f"start {container_id}: releasing init", f"start {container_id}: the init has gone on"]:
        assert any(expected in s for s in steps), (expected, steps)
    on_stderr = [msg for _, msg in debug_records(r.stderr.splitlines(), json_format)]
    assert any(f"exec {container_id}: process prepared" in s for s in on_stderr), on_stderr
    assert any(f"exec {container_id}: process " in s and "started" in s for s in on_stderr), on_stderr


def test_without_debug_nothing_is_logged(bundle, berth_root, container_id, tmp_path):
    log = tmp_path / "berth.log"
    berth_root.run("--log", log, "run", "--bundle", bundle, container_id, check=True)
    assert log.read_text() == ""


# ------------------------------------------------------------------ list and state never wait (15b)


@pytest.fixture
def blocked_create(bundle, berth_root, container_id, tmp_path):
    """A create held in a createRuntime hook that reads a fifo the test
    controls; yields (cid, release), release() lets the hook finish."""
    fifo = tmp_path / "hook.fifo"
    os.mkfifo(fifo)
    bundle.set_args("sleep", "1000")
    bundle.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", f"read x < {fifo}"]}]}
    bundle.write_config()
    # A file, not a pipe: the container inherits create's stdio.
    errors = open(tmp_path / "create.stderr", "w+")
    create = subprocess.Popen([BERTH, "--root", str(berth_root), "create", "--bundle", str(bundle.path), container_id],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors, env=berth_env())
    create.errors = lambda: (tmp_path / "create.stderr").read_text()
    released = []

    def release():
        if not released:
            released.append(True)
            # The hook may not have opened the fifo yet (creating.json is
            # written before the hook starts): a non-blocking open for writing
            # fails with ENXIO until a reader is there, so retry it while the
            # create lives; a hook that is gone already (create failed) must
            # not hang the test.
            deadline = time.monotonic() + 20
            fd = -1
            while fd < 0 and create.poll() is None and time.monotonic() < deadline:
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError as e:
                    if e.errno != errno.ENXIO:
                        raise
                    time.sleep(0.02)
            if fd >= 0:
                os.write(fd, b"go\n")
                os.close(fd)
            create.wait(timeout=30)

    try:
        # The hook runs once creating.json names the init.
        deadline = time.monotonic() + 20
        while not (berth_root.path / container_id / "creating.json").exists():
            assert create.poll() is None, create.errors()
            assert time.monotonic() < deadline, "the create never reached its hook"
            time.sleep(0.02)
        yield container_id, release, create
    finally:
        if create.poll() is None:
            try:
                release()
            except (OSError, subprocess.TimeoutExpired):
                create.kill()
                create.wait()
        errors.close()


def test_list_and_state_answer_while_a_create_is_blocked_in_a_hook(blocked_create, berth_root):
    cid, release, create = blocked_create
    # A timeout, not a measurement: a list that waits for the lock would
    # wait for ever (the hook only ends when we release it below).
    listed = berth_root.run("list", "--format", "json", timeout=10, check=True)
    [entry] = json.loads(listed.stdout)
    assert entry["id"] == cid and entry["status"] == "creating" and entry["pid"] > 0
    assert berth_root.run("list", timeout=10, check=True).stdout.splitlines()[1].split()[2] == "creating"
    assert berth_root.run("list", "-q", timeout=10, check=True).stdout == f"{cid}\n"
    state = json.loads(berth_root.run("state", cid, timeout=10, check=True).stdout)
    assert state["status"] == "creating" and state["id"] == cid
    assert create.poll() is None, "the hook ended before the checks"
    release()
    assert create.returncode == 0, create.errors()
    assert json.loads(berth_root.run("state", cid, check=True).stdout)["status"] == "created"


def test_ps_answers_while_a_create_is_blocked_in_a_hook(blocked_create, berth_root):
    cid, release, create = blocked_create
    r = berth_root.run("ps", "-f", "json", cid, timeout=10)
    assert (r.returncode, r.stderr) == (1, f"berth: ps: `{cid}` is being created: container not running\n")
    assert create.poll() is None
    release()


def test_create_takes_its_options_after_the_id_like_runc(bundle, berth_root, container_id, tmp_path):
    pid_file = tmp_path / "pid"
    berth_root.run("create", container_id, "--bundle", bundle, "--pid-file", pid_file, check=True)
    assert int(pid_file.read_text()) == state_of(berth_root, container_id)["pid"]
    if RUNC:
        runc = [RUNC, "--root", str(tmp_path / "runc-root")]
        bundle.config["ociVersion"] = "1.0.2"
        bundle.write_config()
        try:
            # Not pipes: the created init holds create's stdio.
            r = subprocess.run(runc + ["create", f"{container_id}-runc", "--bundle", str(bundle.path), "--pid-file",
                                       str(tmp_path / "runc-pid")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60, stdin=subprocess.DEVNULL)
            assert r.returncode == 0 and (tmp_path / "runc-pid").exists()
        finally:
            subprocess.run(runc + ["delete", "--force", f"{container_id}-runc"], capture_output=True, timeout=60)


def test_list_shows_other_containers_while_one_create_is_blocked(blocked_create, berth_root, bundle_factory):
    cid, release, _ = blocked_create
    other = bundle_factory("other")
    other.set_args("sleep", "1000")
    berth_root.run("run", "--detach", "--bundle", other, f"{cid}-other", check=True)
    rows = json.loads(berth_root.run("list", "-f", "json", timeout=10, check=True).stdout)
    assert [(r["id"], r["status"]) for r in rows] == [(cid, "creating"), (f"{cid}-other", "running")]
    release()


def test_list_quiet_names_the_same_containers_as_list(bundle, berth_root, container_id):
    bundle.set_args("sleep", "1000")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    (berth_root.path / "not-a-container").mkdir()
    table = berth_root.run("list", check=True).stdout.splitlines()[1:]
    assert [row.split()[0] for row in table] == [container_id]
    assert berth_root.run("list", "-q", check=True).stdout == f"{container_id}\n"
    (berth_root.path / "not-a-container").rmdir()


# ------------------------------------------------------------------ the stored config is not re-read (A3c)


def test_state_kill_list_and_delete_never_read_the_stored_config(bundle, berth_root, container_id, tmp_path):
    marker = tmp_path / "poststop-ran"
    bundle.set_args("sleep", "1000")
    bundle.config["annotations"] = {"org.example.kept": "yes"}
    bundle.config["hooks"] = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", f"echo ran > {marker}"]}]}
    bundle.write_config()
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    # A fifo that nobody writes: whoever opens it to read blocks for ever.
    stored = berth_root.path / container_id / "config.json"
    stored.unlink()
    os.mkfifo(stored)
    state = json.loads(berth_root.run("state", container_id, timeout=10, check=True).stdout)
    assert state["annotations"] == {"org.example.kept": "yes"} and state["status"] == "running"
    assert berth_root.run("list", "-f", "json", timeout=10, check=True).stdout.count(container_id) == 1
    berth_root.run("kill", container_id, "KILL", timeout=10, check=True)
    wait_stopped(berth_root, container_id)
    berth_root.run("delete", container_id, timeout=10, check=True)
    assert marker.read_text() == "ran\n"


# ------------------------------------------------------------------ exec --ignore-paused and the lock (B15)


def test_resume_is_not_blocked_by_an_exec_waiting_in_the_paused_container(bundle, berth_root, container_id, tmp_path):
    bundle.set_args("sleep", "1000")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    berth_root.run("pause", container_id, check=True)
    result = {}
    exec_thread = threading.Thread(target=lambda: result.update(r=berth_root.run(
        "exec", "--ignore-paused", container_id, "sh", "-c", "echo ran-after-resume", timeout=60)))
    exec_thread.start()
    try:
        # The exec is under way (its helper frozen in the cgroup) once the
        # cgroup holds a second task.
        deadline = time.monotonic() + 20
        while len(json.loads(berth_root.run("ps", "-f", "json", container_id, check=True).stdout)) < 2:
            assert time.monotonic() < deadline, "the exec never joined the container's cgroup"
            time.sleep(0.02)
        assert exec_thread.is_alive(), result
        # A timeout, not a measurement: resume waited for ever before.
        berth_root.run("resume", container_id, timeout=10, check=True)
    finally:
        exec_thread.join(timeout=30)
    assert (result["r"].returncode, result["r"].stdout) == (0, "ran-after-resume\n"), result["r"]
