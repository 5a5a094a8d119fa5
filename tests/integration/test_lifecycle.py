"""The runtime core: create/start/run/state/kill/delete/list, namespaces,
mounts, hooks, terminals and error paths, observed from inside and outside
the container."""
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import BERTH, berth_env, console_socket_server, open_path_to, read_mounts, run_berth

STATE_SCHEMA = Path("/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema/state-schema.json")


def state_of(root, cid):
    r = root.run("state", cid, check=True)
    return json.loads(r.stdout)


def wait_status(root, cid, want, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        st = state_of(root, cid)
        if st["status"] == want or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def assert_gone(root, cid):
    """No state dir, no list entry, no mount mentioning the id."""
    assert not (root.path / cid).exists()
    assert cid not in (root.container_ids() or [])
    assert not [m for m in read_mounts() if cid in m]


# ------------------------------------------------------------------ run


def test_run_passes_the_workload_exit_status_and_output(bundle, berth_root, container_id):
    bundle.set_args("sh", "-c", "echo out-$((6*7)); echo err >&2; exit 7")
    r = berth_root.run("run", "--bundle", bundle, container_id)
    assert r.returncode == 7
    assert r.stdout == "out-42\n"
    assert "err" in r.stderr
    assert_gone(berth_root, container_id)


def test_run_reports_a_signal_death_as_128_plus_signal(bundle, berth_root, container_id):
    # The init ignores signals it sends itself (pid 1): kill it from outside.
    bundle.set_args("sleep", "100")
    result = {}
    t = threading.Thread(target=lambda: result.update(r=berth_root.run("run", "--bundle", bundle, container_id)))
    t.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if container_id in (berth_root.container_ids() or []) and \
                state_of(berth_root, container_id)["status"] == "running":
            break
        time.sleep(0.05)
    berth_root.run("kill", container_id, "KILL", check=True)
    t.join(20)
    assert result["r"].returncode == 128 + 9


def test_run_keep_leaves_a_stopped_container(bundle, berth_root, container_id):
    bundle.set_args("true")
    berth_root.run("run", "--keep", "--bundle", bundle, container_id, check=True)
    assert state_of(berth_root, container_id)["status"] == "stopped"
    berth_root.run("delete", container_id, check=True)
    assert_gone(berth_root, container_id)


def test_container_is_pid_1_with_its_hostname_and_namespaces(bundle, berth_root, container_id):
    bundle.config["hostname"] = "boat"
    bundle.config["domainname"] = "harbour"
    bundle.set_args("sh", "-c", "echo $$ $(hostname) $(cat /proc/sys/kernel/domainname); "
                                "readlink /proc/self/ns/net; readlink /proc/self/ns/ipc")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    first, net, ipc = r.stdout.splitlines()
    assert first == "1 boat harbour"
    assert net != os.readlink("/proc/self/ns/net")
    assert ipc != os.readlink("/proc/self/ns/ipc")


def test_process_user_env_cwd_rlimits_and_capabilities(bundle, berth_root, container_id):
    p = bundle.process
    p["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 100], "umask": 0o027}
    p["env"] = ["PATH=/bin", "GREETING=ahoy"]
    p["cwd"] = "/work/dir"
    p["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]
    p["capabilities"] = {k: ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
                         for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}
    p["noNewPrivileges"] = True
    bundle.set_args("sh", "-c", "id -u; id -g; id -G; echo $GREETING; pwd; ulimit -n; ulimit -Hn; umask; "
                                "grep -E '^(CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.splitlines()
    assert lines[0:2] == ["1000", "1000"]
    assert set(lines[2].split()) == {"1000", "5", "100"}
    assert lines[3:8] == ["ahoy", "/work/dir", "123", "456", "0027"]
    caps = dict(line.split(":\t") for line in lines[8:])
    want = f"{(1 << 5) | (1 << 10):016x}"  # CAP_KILL, CAP_NET_BIND_SERVICE
    assert caps["CapEff"] == caps["CapBnd"] == caps["CapAmb"] == want
    assert caps["NoNewPrivs"] == "1"


def test_user_namespace_with_mappings(bundle, berth_root, container_id):
    open_path_to(bundle.path)
    bundle.config["linux"]["namespaces"].append({"type": "user"})
    bundle.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    bundle.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    # cgroup v1 cannot be mounted from a user namespace.
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["type"] != "cgroup"]
    bundle.set_args("sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -l /dev/null")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.split("\n")
    assert lines[0].split() == ["0", "200000", "65536"]
    assert lines[1].split() == ["0", "200000", "65536"]
    assert lines[2] == "0"
    assert lines[3].startswith("crw-rw-rw-")  # bound from the host: mknod is not allowed there


def test_joining_an_existing_namespace_by_path(bundle, berth_root, container_id):
    # Join our own uts namespace: the container then sees the host's hostname.
    for ns in bundle.config["linux"]["namespaces"]:
        if ns["type"] == "uts":
            ns["path"] = "/proc/self/ns/uts"
    bundle.config.pop("hostname", None)
    bundle.set_args("hostname")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.strip() == socket.gethostname()


def test_time_namespace_offsets(bundle, berth_root, container_id):
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    bundle.config["linux"]["timeOffsets"] = {"boottime": {"secs": 86400 * 365, "nanosecs": 0}}
    bundle.set_args("cat", "/proc/uptime")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    inside = float(r.stdout.split()[0])
    outside = float(Path("/proc/uptime").read_text().split()[0])
    assert inside - outside > 86400 * 365 - 60


# ------------------------------------------------------------------ create/start


def test_create_blocks_the_process_until_start(bundle, berth_root, container_id, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    bundle.add_mount("/out", source=str(out), options=["rbind", "rw"])
    bundle.set_args("sh", "-c", "echo started > /out/marker; sleep 1000")
    pidfile = tmp_path / "pid"
    berth_root.run("create", "--bundle", bundle, "--pid-file", pidfile, container_id, check=True)
    st = state_of(berth_root, container_id)
    assert st["status"] == "created" and st["pid"] > 0 and st["id"] == container_id
    assert st["bundle"] == str(bundle.path.resolve())
    assert int(pidfile.read_text()) == st["pid"]
    time.sleep(0.3)
    assert not (out / "marker").exists(), "the user process ran before start"

    berth_root.run("start", container_id, check=True)
    assert state_of(berth_root, container_id)["status"] == "running"
    deadline = time.monotonic() + 5
    while not (out / "marker").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (out / "marker").read_text() == "started\n"

    r = berth_root.run("start", container_id)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "running" in r.stderr

    r = berth_root.run("delete", container_id)
    assert r.returncode == 1 and "running" in r.stderr
    berth_root.run("kill", container_id, "KILL", check=True)
    assert wait_status(berth_root, container_id, "stopped")["status"] == "stopped"
    berth_root.run("delete", container_id, check=True)
    assert_gone(berth_root, container_id)


def test_state_reports_stopped_when_the_process_exits_unwatched(bundle, berth_root, container_id):
    bundle.set_args("true")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    berth_root.run("start", container_id, check=True)
    st = wait_status(berth_root, container_id, "stopped")
    assert st["status"] == "stopped" and st["pid"] == 0


@pytest.mark.skipif(not STATE_SCHEMA.exists(), reason="golang-github-opencontainers-specs-dev not installed")
def test_state_output_validates_against_the_runtime_spec_schema(bundle, berth_root, container_id):
    jsonschema = pytest.importorskip("jsonschema")
    bundle.config["annotations"] = {"org.example.key": "value"}
    bundle.set_args("sleep", "100")
    bundle.write_config()
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    st = state_of(berth_root, container_id)
    schema = json.loads(STATE_SCHEMA.read_text())
    resolver = jsonschema.RefResolver(base_uri=STATE_SCHEMA.parent.as_uri() + "/", referrer=schema)
    jsonschema.validate(st, schema, resolver=resolver)
    assert st["annotations"] == {"org.example.key": "value"}


def test_delete_of_a_created_container_kills_it_and_cleans_up(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    pid = state_of(berth_root, container_id)["pid"]
    berth_root.run("delete", "--force", container_id, check=True)
    assert_gone(berth_root, container_id)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


# A pid 1 without handlers ignores TERM (under runc too): KILL proves the parsing.
@pytest.mark.parametrize("signal", ["KILL", "SIGKILL", "9", "sigkill"])
def test_kill_accepts_signal_names_and_numbers(bundle, berth_root, container_id, signal):
    bundle.set_args("sleep", "100")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    berth_root.run("kill", container_id, signal, check=True)
    assert wait_status(berth_root, container_id, "stopped")["status"] == "stopped"


def test_kill_with_an_unknown_signal_fails_cleanly(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    r = berth_root.run("kill", container_id, "SIGNOPE")
    assert r.returncode == 1 and r.stderr == "berth: kill: unknown signal `SIGNOPE`\n"
    assert state_of(berth_root, container_id)["status"] == "running"


def test_list_formats(bundle_factory, berth_root):
    ids = ["bt-list-a", "bt-list-b"]
    for cid in ids:
        b = bundle_factory(cid)
        b.set_args("sleep", "100")
        berth_root.run("create", "--bundle", b, cid, check=True)
    assert berth_root.run("list", "-q", check=True).stdout.split() == ids
    table = berth_root.run("list", check=True).stdout.splitlines()
    assert table[0].split()[:3] == ["ID", "PID", "STATUS"]
    assert [line.split()[2] for line in table[1:]] == ["created", "created"]
    js = json.loads(berth_root.run("list", "--format", "json", check=True).stdout)
    assert [c["id"] for c in js] == ids and all(c["status"] == "created" for c in js)


# ------------------------------------------------------------------ mounts


def test_mounts_masked_and_readonly_paths(bundle, berth_root, container_id, tmp_path):
    src = tmp_path / "data"
    src.mkdir()
    (src / "file").write_text("host data\n")
    bundle.add_mount("/data", source=str(src), options=["bind", "ro", "nosuid"])
    bundle.add_mount("/scratch", type="tmpfs", source="tmpfs", options=["size=1m", "mode=700"])
    # /proc/kcore is missing from some kernels: /proc/timer_list is always there.
    bundle.config["linux"]["maskedPaths"] = ["/proc/kcore", "/proc/timer_list", "/sys/firmware"]
    bundle.config["linux"]["readonlyPaths"] = ["/proc/sys"]
    bundle.set_args("sh", "-c",
                    "cat /data/file; touch /data/x 2>/dev/null && echo data-writable || echo data-ro; "
                    "stat -c %a /scratch; wc -c < /proc/timer_list; ls /sys/firmware | wc -l; "
                    "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable || echo sys-ro; "
                    "touch /rootfs-write 2>/dev/null && echo root-writable || echo root-ro")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.splitlines() == ["host data", "data-ro", "700", "0", "0", "sys-ro", "root-ro"]
    assert not (src / "x").exists()


def test_mount_target_symlink_cannot_escape_the_rootfs(bundle, berth_root, container_id, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    # An absolute symlink in the rootfs pointing at a host directory.
    (bundle.rootfs / "escape").symlink_to(outside)
    bundle.config["root"]["readonly"] = False
    bundle.add_mount("/escape", type="tmpfs", source="tmpfs")
    bundle.set_args("sh", "-c", "echo inside > /escape/proof; cat /escape/proof")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout == "inside\n"
    assert list(outside.iterdir()) == []
    assert not [m for m in read_mounts() if str(outside) in m]
    # The symlink was resolved inside the rootfs instead.
    assert (bundle.rootfs / str(outside).lstrip("/")).is_dir()


def test_relative_mount_target_symlink_climbing_out_stays_inside(bundle, berth_root, container_id, tmp_path):
    bundle.config["root"]["readonly"] = False
    (bundle.rootfs / "deep").mkdir()
    (bundle.rootfs / "deep" / "up").symlink_to("../../../../made-inside")
    bundle.add_mount("/deep/up", type="tmpfs", source="tmpfs")
    bundle.set_args("sh", "-c", "grep -c ' /made-inside ' /proc/self/mountinfo")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout == "1\n"
    assert (bundle.rootfs / "made-inside").is_dir()


def test_mount_target_symlink_loop_is_a_clear_error(bundle, berth_root, container_id):
    bundle.config["root"]["readonly"] = False
    (bundle.rootfs / "loop-a").symlink_to("/loop-b")
    (bundle.rootfs / "loop-b").symlink_to("/loop-a")
    bundle.add_mount("/loop-a", type="tmpfs", source="tmpfs")
    bundle.write_config()
    mounts_before = read_mounts()
    r = berth_root.run("run", "--bundle", bundle, container_id, check=1)
    assert r.stderr.startswith("berth: ") and "loop-a" in r.stderr and len(r.stderr.splitlines()) == 1
    assert_gone(berth_root, container_id)
    assert read_mounts() == mounts_before


def test_default_devices_and_links(bundle, berth_root, container_id):
    bundle.config["linux"]["devices"] = [{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 3,
                                          "fileMode": 0o600, "uid": 0, "gid": 0}]
    bundle.set_args("sh", "-c", "for d in null zero full random urandom tty mydev; do stat -c '%n %t:%T %a' /dev/$d; "
                                "done; for l in fd stdin ptmx; do readlink /dev/$l; done")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.splitlines()
    assert lines[:7] == ["/dev/null 1:3 666", "/dev/zero 1:5 666", "/dev/full 1:7 666", "/dev/random 1:8 666",
                         "/dev/urandom 1:9 666", "/dev/tty 5:0 666", "/dev/mydev 1:3 600"]
    assert lines[7:] == ["/proc/self/fd", "/proc/self/fd/0", "pts/ptmx"]


def test_no_pivot_uses_chroot(bundle, berth_root, container_id):
    bundle.set_args("sh", "-c", "cat /proc/self/mountinfo | wc -l")
    r = berth_root.run("run", "--no-pivot", "--bundle", bundle, container_id, check=True)
    assert int(r.stdout) > 0


# ------------------------------------------------------------------ hooks


def hook(script, log, name):
    return {"path": "/bin/sh", "args": ["sh", "-c", f's=$(tr -d "\\n"); echo "{name} $s" >> {log}; {script}']}


def test_hooks_run_in_order_with_the_state_on_stdin(bundle, berth_root, container_id, tmp_path):
    log = tmp_path / "hooks.log"
    # createContainer/startContainer run inside the container: give them a place to write.
    inner = tmp_path / "inner"
    inner.mkdir()
    bundle.add_mount("/hooklog", source=str(inner), options=["rbind", "rw"])
    bundle.config["hooks"] = {
        "prestart": [hook("", log, "prestart")],
        "createRuntime": [hook("", log, "createRuntime")],
        "createContainer": [hook("", log, "createContainer")],
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null; echo startContainer >> /hooklog/x"]}],
        "poststart": [hook("", log, "poststart")],
        "poststop": [hook("", log, "poststop")],
    }
    bundle.set_args("true")
    berth_root.run("run", "--bundle", bundle, container_id, check=True)
    names = [line.split()[0] for line in log.read_text().splitlines()]
    assert names == ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]
    states = [json.loads(line.split(" ", 1)[1]) for line in log.read_text().splitlines()]
    assert all(s["id"] == container_id for s in states)
    assert states[0]["pid"] > 0 and states[0]["status"] == "creating"
    assert (inner / "x").read_text() == "startContainer\n"


def test_a_failing_create_runtime_hook_fails_create_and_leaves_nothing(bundle, berth_root, container_id):
    bundle.config["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}
    bundle.set_args("true")
    before = read_mounts()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "berth: create: createRuntime hook 0 (`/bin/false`) failed with exit status 1"]
    assert_gone(berth_root, container_id)
    assert read_mounts() == before


def test_hook_timeout_is_enforced(bundle, berth_root, container_id):
    bundle.config["hooks"] = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}
    bundle.set_args("true")
    t0 = time.monotonic()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    assert r.returncode == 1 and "timed out" in r.stderr
    assert time.monotonic() - t0 < 10
    assert_gone(berth_root, container_id)


# ------------------------------------------------------------------ terminal


def test_terminal_master_is_sent_to_the_console_socket(bundle, berth_root, container_id, tmp_path):
    sock_path = tmp_path / "console.sock"
    t, got = console_socket_server(sock_path)
    bundle.process["terminal"] = True
    bundle.process["consoleSize"] = {"height": 33, "width": 111}
    bundle.set_args("sh", "-c", "tty; stty size; sleep 2")
    berth_root.run("create", "--console-socket", sock_path, "--bundle", bundle, container_id, check=True)
    t.join(10)
    assert got.get("fd") is not None
    berth_root.run("start", container_id, check=True)
    out = b""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and b"111" not in out:
        try:
            out += os.read(got["fd"], 4096)
        except OSError:
            break
    os.close(got["fd"])
    text = out.decode().replace("\r", "")
    assert "/dev/console" in text or "/dev/pts/0" in text
    assert "33 111" in text


def test_terminal_without_console_socket_is_an_error(bundle, berth_root, container_id):
    bundle.process["terminal"] = True
    bundle.set_args("true")
    r = berth_root.run("create", "--bundle", bundle, container_id)
    assert r.returncode == 1 and "--console-socket" in r.stderr
    assert_gone(berth_root, container_id)


def test_foreground_run_with_a_terminal_proxies_the_pty(bundle, berth_root, container_id):
    bundle.process["terminal"] = True
    bundle.set_args("sh", "-c", "tty; test -t 0 && echo stdin-is-a-tty; read line; echo got:$line; exit 5")
    r = berth_root.run("run", "--bundle", bundle, container_id, input="ahoy\n")
    assert r.returncode == 5, r.stderr
    out = r.stdout.replace("\r", "")
    assert "/dev/console" in out or "/dev/pts/" in out
    assert "stdin-is-a-tty" in out and "got:ahoy" in out
    assert_gone(berth_root, container_id)


def test_detached_run_with_a_terminal_needs_a_console_socket(bundle, berth_root, container_id):
    bundle.process["terminal"] = True
    bundle.set_args("true")
    r = berth_root.run("run", "--detach", "--bundle", bundle, container_id)
    assert r.returncode == 1 and "--console-socket" in r.stderr
    assert_gone(berth_root, container_id)


# ------------------------------------------------------------------ errors


def one_line_error(r):
    assert r.returncode == 1, r
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("berth: "), r.stderr


def test_invalid_config_names_the_json_path(bundle, berth_root, container_id):
    bundle.config["linux"]["resources"] = {"memory": {"limit": "lots"}}
    bundle.write_config()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    one_line_error(r)
    assert "config.json: linux.resources.memory.limit: expected integer, got string" in r.stderr
    assert_gone(berth_root, container_id)


@pytest.mark.parametrize("breakage,message", [
    ("missing-rootfs", "root.path"),
    ("unknown-namespace", "unknown namespace type `bogus`"),
    ("missing-program", "not found in $PATH"),
    ("program-not-executable", "`/etc/passwd`: not executable"),
    ("missing-bundle", "bundle"),
    ("relative-mount-destination", "is not absolute"),
])
def test_bad_input_gives_one_line_and_leaves_nothing(bundle, berth_root, container_id, breakage, message):
    bundle_arg = bundle.path
    if breakage == "missing-rootfs":
        bundle.config["root"]["path"] = "no-such-rootfs"
    elif breakage == "unknown-namespace":
        bundle.config["linux"]["namespaces"].append({"type": "bogus"})
    elif breakage == "missing-program":
        bundle.process["args"] = ["no-such-program"]
    elif breakage == "program-not-executable":
        bundle.process["args"] = ["/etc/passwd"]
    elif breakage == "missing-bundle":
        bundle_arg = bundle.path / "nope"
    elif breakage == "relative-mount-destination":
        bundle.add_mount("relative", type="tmpfs", source="tmpfs")
    bundle.write_config()
    before = read_mounts()
    r = berth_root.run("create", "--bundle", bundle_arg, container_id)
    one_line_error(r)
    assert message in r.stderr
    assert_gone(berth_root, container_id)
    assert read_mounts() == before


def test_an_existing_id_is_refused_and_left_intact(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    pid = state_of(berth_root, container_id)["pid"]
    r = berth_root.run("create", "--bundle", bundle, container_id)
    one_line_error(r)
    assert "container with given ID already exists" in r.stderr
    st = state_of(berth_root, container_id)
    assert st["pid"] == pid and st["status"] == "created"


@pytest.mark.parametrize("command", [["start"], ["state"], ["kill"], ["delete"]])
def test_commands_on_a_missing_container_fail_cleanly(berth_root, command):
    r = berth_root.run(*command, "bt-no-such-container")
    one_line_error(r)
    assert "container does not exist" in r.stderr


def test_delete_force_of_a_missing_container_succeeds_like_runc(berth_root, tmp_path):
    # Engines clean up after a failed create this way (podman, containerd's shim).
    r = berth_root.run("delete", "--force", "bt-no-such-container")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = run_berth("delete", "--force", "bt-no-such-container", root=tmp_path / "no-such-root")
    assert (r.returncode, r.stderr) == (0, "")
    assert not (tmp_path / "no-such-root").exists()


def test_create_makes_a_missing_state_root_and_its_parents(bundle, tmp_path, container_id):
    # containerd's shim passes --root <its root>/<namespace>, the parents unmade.
    root = tmp_path / "a" / "b" / "root"
    bundle.set_args("true")
    try:
        run_berth("create", "--bundle", bundle, container_id, root=root, check=True)
        assert root.is_dir() and root.stat().st_mode & 0o777 == 0o700
        assert (tmp_path / "a").stat().st_mode & 0o777 == 0o700
    finally:
        run_berth("delete", "--force", container_id, root=root)


def test_invalid_container_ids_are_refused(bundle, berth_root):
    for bad in ["../escape", "a/b", ".."]:
        r = berth_root.run("create", "--bundle", bundle, bad)
        one_line_error(r)
        assert "invalid container ID format" in r.stderr
    assert list(berth_root.path.iterdir()) == []


# ------------------------------------------------------------------ comparison


@pytest.mark.parametrize("runtime", ["runc"])
def test_same_observable_result_as_runc(bundle, berth_root, container_id, comparison_runtimes, runtime, tmp_path):
    if runtime not in comparison_runtimes:
        pytest.skip(f"{runtime} is not installed")
    import subprocess
    bundle.config["ociVersion"] = "1.0.2"  # what the Debian runc accepts
    bundle.config["hostname"] = "same"
    bundle.set_args("sh", "-c", "echo $$ $(hostname) $(id -u); ls /dev | sort | tr '\\n' ' '; exit 3")
    ours = berth_root.run("run", "--bundle", bundle, container_id)
    theirs = subprocess.run([comparison_runtimes[runtime], "--root", str(tmp_path / "rt"), "run", "--bundle",
                             str(bundle.path), container_id], capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)


# ------------------------------------------------------------------ crash recovery


def test_delete_after_berth_was_killed_mid_create_removes_everything(bundle, berth_root, container_id, tmp_path):
    marker = tmp_path / "hook.pid"
    bundle.config.setdefault("hooks", {})["createRuntime"] = [
        {"path": "/bin/sh", "args": ["sh", "-c", f"echo $$ > {marker}.tmp; mv {marker}.tmp {marker}; exec sleep 60"]}]
    bundle.write_config()
    proc = subprocess.Popen([BERTH, "--root", str(berth_root.path), "create", "--bundle", str(bundle), container_id],
                            env=berth_env({}), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not marker.exists():
            assert time.monotonic() < deadline and proc.poll() is None, "the hook never ran"
            time.sleep(0.02)
        # The init exists and sits in its cgroup; berth dies without a word.
        made = json.loads((berth_root.path / container_id / "creating.json").read_text())
        init, cgroups = made["pid"], list(made.get("cgroupPaths", {}).values())
        proc.kill()
        proc.wait()
    finally:
        if marker.exists():
            try:
                os.kill(int(marker.read_text()), 9)
            except ProcessLookupError:
                pass
    assert container_id not in (berth_root.container_ids() or [])  # not a container yet
    berth_root.run("delete", container_id, check=True)
    assert not (berth_root.path / container_id).exists()
    assert not [d for d in cgroups if os.path.exists(d)]
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{init}") and open(f"/proc/{init}/stat").read().split()[2] != "Z":
        assert time.monotonic() < deadline, "the init outlived delete"
        time.sleep(0.05)


@pytest.mark.parametrize("propagation, tag", [("private", None), ("shared", "shared:"), ("slave", "master:")])
def test_rootfs_propagation_is_that_of_the_container_root(bundle, berth_root, container_id, propagation, tag):
    bundle.config["linux"]["rootfsPropagation"] = propagation
    bundle.set_args("sh", "-c", "awk '$5 == \"/\"' /proc/self/mountinfo")
    # As on a systemd host, the rootfs starts out on a shared mount.
    rootfs = str(bundle.rootfs)
    subprocess.run(["mount", "--bind", rootfs, rootfs], check=True)
    try:
        subprocess.run(["mount", "--make-shared", rootfs], check=True)
        r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    finally:
        subprocess.run(["umount", "-l", rootfs], check=True)
    optional = r.stdout.split(" - ")[0].split()[6:]  # the optional fields of the root's line
    if tag is None:
        assert not [f for f in optional if f.startswith(("shared:", "master:"))]
    else:
        assert any(f.startswith(tag) for f in optional), r.stdout


# ------------------------------------------------------------------ concurrency


def _parallel(n, fn):
    results = [None] * n
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, fn(i))) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_creates_of_one_id_make_exactly_one_container(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    results = _parallel(6, lambda i: berth_root.run("create", "--bundle", bundle, container_id))
    ok = [r for r in results if r.returncode == 0]
    assert len(ok) == 1, [r.stderr for r in results]
    for r in results:
        if r.returncode != 0:
            assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 and container_id in r.stderr, r.stderr
    assert berth_root.container_ids() == [container_id]
    assert state_of(berth_root, container_id)["status"] == "created"
    berth_root.run("delete", "--force", container_id, check=True)
    assert_gone(berth_root, container_id)


def test_concurrent_lifecycles_of_different_ids_do_not_interfere(bundle_factory, berth_root, container_id):
    bundles = [bundle_factory(f"b{i}") for i in range(5)]
    for i, b in enumerate(bundles):
        b.set_args("sh", "-c", f"echo {i}")
    results = _parallel(5, lambda i: berth_root.run("run", "--bundle", bundles[i], f"{container_id}-{i}"))
    assert [(r.returncode, r.stdout) for r in results] == [(0, f"{i}\n") for i in range(5)]
    assert berth_root.container_ids() == []


def test_concurrent_delete_and_state_of_one_container_stay_consistent(bundle, berth_root, container_id):
    bundle.set_args("sleep", "100")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    results = _parallel(6, lambda i: berth_root.run(*(("delete", "--force") if i % 2 else ("state",)), container_id))
    deletes = [r for i, r in enumerate(results) if i % 2]
    states = [r for i, r in enumerate(results) if not i % 2]
    assert sum(r.returncode == 0 for r in deletes) >= 1
    for r in deletes + states:
        # Either it worked, or the container was already gone: one clear line.
        assert r.returncode == 0 or (r.returncode == 1 and "does not exist" in r.stderr), r.stderr
    for r in states:
        if r.returncode == 0:
            assert json.loads(r.stdout)["id"] == container_id
    assert_gone(berth_root, container_id)
