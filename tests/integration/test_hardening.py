"""Hardening against the known runtime escapes, each proved from where an
attacker would stand (a process in the container, an image's rootfs)
with a test that a runtime without the defence fails:

  CVE-2019-5736   berth's binary through /proc/PID/exe (the init and the
                  exec'd process until execve, and #!/proc/self/exe)
  CVE-2024-21626  fds of berth's reaching the container, its hooks, or
                  process.cwd (/proc/self/fd/N)
  CVE-2021-30465  mount targets swapped for symlinks while create runs
  CVE-2019-16884  writes meant for procfs redirected by the rootfs
  and devices, masked paths and capabilities seen from inside."""
import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import (BERTH, berth_env, console_socket_server, describe, exec_command, open_path_to,
                      sanitizer_report)
from test_fds import LIST_FDS, open_fds

# A container process with this can ptrace what it shares a uid with; what
# berth keeps from such a process must hold even then.
PTRACE = ("--cap", "CAP_SYS_PTRACE")
F_SETPIPE_SZ = 1031


def wait_for(predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def dev_ino(path):
    st = os.stat(path)
    return f"{st.st_dev}:{st.st_ino}"


def init_pid(root, cid):
    return json.loads(root.run("state", cid, check=True).stdout)["pid"]


def one_line_error(r, *needles, status=1):
    assert r.returncode == status, describe(r)
    assert r.stderr.startswith("berth: ") and r.stderr.count("\n") == 1, describe(r)
    for needle in needles:
        assert needle in r.stderr, describe(r)


def with_out_dir(bundle, tmp_path):
    """A host directory bound read-write at /out in the container."""
    out = tmp_path / "out"
    out.mkdir()
    bundle.add_mount("/out", source=str(out), options=["bind", "rw"])
    return out


class BerthCopy:
    """berth run from a copy of the binary, so that a test may find out
    whether the container could write to it without risking the real one."""

    def __init__(self, tmp_path, root, env=None):
        self.path = tmp_path / "berth-copy"
        shutil.copy2(BERTH, self.path)
        self.root = root
        self.env = env
        self.digest = sha256(self.path)

    def run(self, *args, check=True, stdout=None):
        """Run the copy with this root; stdout: an fd to write to instead
        of a temporary file."""
        cmd = [str(a) for a in (self.path, "--root", self.root.path, *args)]
        if stdout is None:
            r, timed_out = exec_command(cmd, timeout=60, env=self.env)
            assert not timed_out, describe(r)
        else:
            # Not a pipe: a detached process keeps its stderr.
            with tempfile.TemporaryFile() as err:
                p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err, timeout=60,
                                   env=berth_env(self.env))
                err.seek(0)
                r = subprocess.CompletedProcess(p.args, p.returncode, "", err.read().decode(errors="replace"))
        assert sanitizer_report(r.stderr) is None, describe(r)
        if check:
            assert r.returncode == 0, describe(r)
        return r


# ------------------------------------------------------------------ CVE-2019-5736

# Holds /proc/$1/exe open from before the target execs, then tries to write
# through that fd for a while once it has (while any berth still runs the
# file, the kernel refuses with ETXTBSY: that is not the defence tested).
HOLD_AND_WRITE = r"""
target=$1
first=$(readlink /proc/$target/exe)
exec 3</proc/$target/exe || { echo open-failed > /out/result; exit 0; }
stat -L -c %d:%i /proc/self/fd/3 > /out/held
echo "$first" > /out/first
while [ -e /proc/$target ] && [ "$(readlink /proc/$target/exe)" = "$first" ]; do sleep 0.02; done
result=refused
for i in $(seq 60); do
  if { echo PWNED >> /proc/self/fd/3; } 2>/out/why; then result=wrote; break; fi
  sleep 0.05
done
echo $result > /out/result
"""

# Why the write must fail: the held file is berth's binary on a read-only
# mount (EROFS) or a sealed copy (EPERM), not merely busy (ETXTBSY: only
# while some berth still runs it).
REFUSALS = ("Read-only file system", "Operation not permitted")

# The two ways berth protects its exe (sealed_exe.c): in place, through a
# read-only bind mount of itself, and the fallback, a re-exec from a
# sealed memfd copy.
EXE_MODES = {"read-only-bind": None, "sealed-copy": "1"}


@pytest.mark.parametrize("mode", EXE_MODES)
def test_init_exe_held_from_the_container_cannot_rewrite_berth(bundle, berth_root, container_id, tmp_path, mode):
    """The created init's /proc/1/exe, opened by a container process (even
    one allowed to ptrace it) before the init execs, is read-only (a
    read-only mount of the binary, or a sealed copy): nothing can be
    written, and not just because a berth still runs."""
    berth = BerthCopy(tmp_path, berth_root, env={"_BERTH_EXE_REEXEC": EXE_MODES[mode]})
    out = with_out_dir(bundle, tmp_path)
    bundle.set_args("sleep", "1000")
    berth.run("create", "--bundle", bundle, container_id)
    berth.run("exec", "--detach", *PTRACE, container_id, "sh", "-c", HOLD_AND_WRITE, "sh", "1")
    wait_for(lambda: (out / "first").exists(), what="the probe to hold /proc/1/exe")
    berth.run("start", container_id)
    result = wait_for(lambda: (out / "result").exists() and (out / "result").read_text().strip(),
                      what="the probe's write attempt")
    assert result == "refused"
    why = (out / "why").read_text()
    assert any(reason in why for reason in REFUSALS), why
    if mode == "sealed-copy":
        assert (out / "held").read_text().strip() != dev_ino(berth.path)
    assert sha256(berth.path) == berth.digest


def install_libraries_of(binary, rootfs):
    """The dynamic loader and the libraries binary needs, at the same paths
    in rootfs, so that the container can run it (busybox is static)."""
    r = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True)
    for line in r.stdout.splitlines():
        path = line.split("=>")[-1].split("(")[0].strip()
        if path.startswith("/"):
            dest = rootfs / path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.realpath(path), dest)


@pytest.mark.parametrize("mode", EXE_MODES)
def test_exec_interpreter_proc_self_exe_cannot_rewrite_berth(bundle, berth_root, container_id, tmp_path, mode):
    """A program whose interpreter is /proc/self/exe, started by `berth exec`,
    runs berth's image; another container process with no extra capability
    holds its exe and writes once it is gone.  What it holds is read-only."""
    berth = BerthCopy(tmp_path, berth_root, env={"_BERTH_EXE_REEXEC": EXE_MODES[mode]})
    out = with_out_dir(bundle, tmp_path)
    # --version prints and exits: with stdout a full pipe it waits in the
    # final flush until we drain the pipe, which gives the probe its window.
    install_libraries_of(berth.path, bundle.rootfs)
    evil = bundle.rootfs / "evil"
    evil.write_text("#!/proc/self/exe --version\n")
    evil.chmod(0o755)
    bundle.set_args("sleep", "1000")
    berth.run("run", "--detach", "--bundle", bundle, container_id)
    finder = ('while :; do for p in /proc/[0-9]*; do '
              '[ "$(tr "\\0" " " < $p/cmdline 2>/dev/null)" = "/proc/self/exe --version /evil " ] '
              '&& exec sh -c "$0" sh ${p#/proc/}; done; sleep 0.02; done')
    berth.run("exec", "--detach", container_id, "sh", "-c", finder, HOLD_AND_WRITE)

    r, w = os.pipe()
    try:
        fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
        os.set_blocking(w, False)
        try:
            while True:
                os.write(w, b"x" * 4096)
        except BlockingIOError:
            pass
        os.set_blocking(w, True)
        berth.run("exec", "--detach", container_id, "/evil", stdout=w)
        wait_for(lambda: (out / "first").exists(), what="the probe to hold the interpreter's exe")
    finally:
        os.close(w)
        drain = subprocess.Popen(["cat"], stdin=r, stdout=subprocess.DEVNULL)
        os.close(r)
    result = wait_for(lambda: (out / "result").exists() and (out / "result").read_text().strip(),
                      what="the probe's write attempt")
    drain.wait(timeout=30)
    assert result == "refused"
    why = (out / "why").read_text()
    assert any(reason in why for reason in REFUSALS), why
    if mode == "sealed-copy":
        assert (out / "held").read_text().strip() != dev_ino(berth.path)
    assert sha256(berth.path) == berth.digest


def test_created_init_is_out_of_reach_of_a_process_without_cap_sys_ptrace(bundle, berth_root, container_id):
    """A container process with the init's own uid and capabilities cannot
    open the waiting init's exe, fds, root or environment."""
    bundle.set_args("sleep", "1000")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    script = ("for f in exe cwd root; do readlink /proc/1/$f >/dev/null 2>&1 && echo $f-open || echo $f-denied; done; "
              "r=fd-denied; for f in /proc/1/fd/*; do readlink $f >/dev/null 2>&1 && r=fd-open; done; echo $r; "
              "cat /proc/1/environ >/dev/null 2>&1 && echo environ-open || echo environ-denied")
    r = berth_root.run("exec", container_id, "sh", "-c", script, check=True)
    assert r.stdout.split() == ["exe-denied", "cwd-denied", "root-denied", "fd-denied", "environ-denied"]


# ------------------------------------------------------------------ CVE-2024-21626


@pytest.mark.parametrize("mode", ["run", "create-start", "exec"])
def test_workload_gets_only_stdio_with_log_and_pid_file(bundle, berth_root, container_id, tmp_path, mode):
    log = ["--log", tmp_path / "berth.log"]
    pid_file = ["--pid-file", tmp_path / "pid"]
    out = with_out_dir(bundle, tmp_path)
    listing = ("sh", "-c", 'exec "$@" > /out/fds', "sh", *LIST_FDS)
    if mode == "exec":
        bundle.set_args("sleep", "1000")
        berth_root.run(*log, "run", "--detach", "--bundle", bundle, container_id, check=True)
        berth_root.run(*log, "exec", *pid_file, container_id, *listing, check=True)
    elif mode == "run":
        bundle.set_args(*listing)
        berth_root.run(*log, "run", *pid_file, "--bundle", bundle, container_id, check=True)
    else:
        bundle.set_args(*listing)
        berth_root.run(*log, "create", *pid_file, "--bundle", bundle, container_id, check=True)
        berth_root.run(*log, "start", container_id, check=True)
        wait_for(lambda: (out / "fds").exists() and (out / "fds").read_text(), what="the listing")
    assert sorted(open_fds((out / "fds").read_text())) == [0, 1, 2]


def test_workload_with_a_terminal_gets_only_the_pty(bundle, berth_root, container_id, tmp_path):
    out = with_out_dir(bundle, tmp_path)
    bundle.process["terminal"] = True
    bundle.set_args("sh", "-c", 'exec "$@" > /out/fds', "sh", *LIST_FDS)
    sock = tmp_path / "console.sock"
    thread, got = console_socket_server(sock)
    berth_root.run("--log", tmp_path / "log", "create", "--console-socket", sock, "--bundle", bundle,
                   container_id, check=True)
    thread.join(timeout=30)
    try:
        berth_root.run("start", container_id, check=True)
        text = wait_for(lambda: (out / "fds").exists() and (out / "fds").read_text(), what="the listing")
    finally:
        if got.get("fd") is not None:
            os.close(got["fd"])
    fds = open_fds(text)
    assert sorted(fds) == [0, 1, 2]
    assert fds[0] == fds[2] == "/dev/pts/0"


HOOK_KINDS_ON_HOST = ("prestart", "createRuntime", "poststart", "poststop")


def test_hooks_see_only_their_stdio(bundle, berth_root, container_id, tmp_path):
    """Every kind of hook, with --log and a preserved fd in play: the hook
    has stdin (the state), stdout and stderr, nothing of berth's nor the
    container's."""
    out = with_out_dir(bundle, tmp_path)
    hooks = {}
    for kind in HOOK_KINDS_ON_HOST + ("createContainer", "startContainer"):
        # startContainer runs in the container's root: it writes to /out.
        dest = f"/out/{kind}" if kind == "startContainer" else f"{out}/{kind}"
        hooks[kind] = [{"path": "/bin/sh", "args": ["sh", "-c", f'exec ls -l /proc/self/fd/ > {dest}']}]
    bundle.config["hooks"] = hooks
    bundle.set_args("true")
    # fd 3 is passed on to the container (--preserve-fds), not to hooks.
    r = subprocess.run(["sh", "-c", 'exec 3<"$0"; exec "$@"', str(tmp_path), BERTH, "--root", str(berth_root.path),
                        "--log", str(tmp_path / "log"), "run", "--preserve-fds", "1", "--bundle", str(bundle),
                        container_id], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                       env=berth_env())
    assert r.returncode == 0 and sanitizer_report(r.stderr) is None, describe(r)
    for kind in hooks:
        assert sorted(open_fds((out / kind).read_text())) == [0, 1, 2], kind


def test_created_init_holds_no_host_directory(bundle, berth_root, container_id):
    """While it waits for `start`, whatever the init has open is reachable
    by a container process allowed to ptrace it: only the exec fifo and the
    container's own /proc, never the host's /proc, the bundle or the state."""
    bundle.set_args("sleep", "1000")
    berth_root.run("--log", bundle.path / "log", "create", "--bundle", bundle, container_id, check=True)
    pid = init_pid(berth_root, container_id)
    container_proc = os.stat(f"/proc/{pid}/root/proc")
    kinds = []
    for entry in os.listdir(f"/proc/{pid}/fd"):
        if int(entry) < 3:
            continue
        st = os.stat(f"/proc/{pid}/fd/{entry}")
        if stat.S_ISFIFO(st.st_mode):
            kinds.append("fifo")
        elif os.path.samestat(st, container_proc):
            kinds.append("container-proc")
        else:
            kinds.append(os.readlink(f"/proc/{pid}/fd/{entry}"))
    assert sorted(kinds) == ["container-proc", "fifo"]


def test_created_init_fds_give_no_way_to_host_proc_even_with_ptrace(bundle, berth_root, container_id):
    bundle.set_args("sleep", "1000")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    # Through each fd of the init: is the host's (writable) /proc/sys there?
    script = ('for f in /proc/1/fd/*; do if [ -d $f/sys/kernel ] && ! [ $f/sys -ef /proc/sys ]; then '
              'echo "host proc via $f"; fi; done; echo done')
    r = berth_root.run("exec", *PTRACE, container_id, "sh", "-c", script, check=True)
    assert r.stdout == "done\n"


CWD_ESCAPES = [f"/proc/self/fd/{n}" for n in range(3, 10)] + ["/proc/self/cwd", "/proc/1/cwd", "/proc/self/root/.."]


def test_process_cwd_through_proc_magic_links_is_refused(bundle, berth_root, container_id):
    bundle.set_args("sh", "-c", "pwd; ls /")
    for cwd in CWD_ESCAPES:
        bundle.process["cwd"] = cwd
        bundle.write_config()
        r = berth_root.run("--log", "/dev/null", "run", "--bundle", bundle, f"{container_id}-{len(cwd)}")
        if r.returncode == 0:
            # Resolved inside the rootfs instead: the cwd must be in it.
            assert r.stdout.splitlines()[0] == cwd and "bin" in r.stdout.split(), (cwd, describe(r))
        else:
            one_line_error(r, "process.cwd")
        assert berth_root.container_ids() == []


def test_exec_cwd_through_proc_magic_links_is_refused(bundle, berth_root, container_id):
    bundle.set_args("sleep", "1000")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    for cwd in CWD_ESCAPES:
        r = berth_root.run("--log", "/dev/null", "exec", "--cwd", cwd, container_id, "sh", "-c", "pwd; ls /")
        one_line_error(r, "cwd", status=255)  # exec fails with 255, as runc's


# ------------------------------------------------------------------ CVE-2021-30465

FLIPPER = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
RENAME_EXCHANGE = 2
a, b, stop = (p.encode() for p in sys.argv[1:4])
n = 0
while not os.path.exists(stop):
    libc.renameat2(-100, a, -100, b, RENAME_EXCHANGE)
    n += 1
print(n)
"""


@pytest.mark.timeout(600)
def test_mount_targets_swapped_for_symlinks_during_create_never_land_outside(bundle, berth_root, container_id,
                                                                             tmp_path):
    """A process swaps a rootfs directory holding mount targets with a
    symlink to a host directory, as fast as it can, while create runs again
    and again.  What the mounts land on is read from the container's mount
    namespace before pivot_root (a createContainer hook): never the host
    directory or below it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    src = tmp_path / "bind-src"
    src.mkdir()
    (src / "marker").write_text("bound\n")
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    race = bundle.rootfs / "race"
    race.mkdir()
    (bundle.rootfs / "race-link").symlink_to(outside)
    bundle.add_mount("/race/t", type="tmpfs", source="tmpfs")
    bundle.add_mount("/race/b", source=str(src), options=["bind"])
    bundle.config["linux"]["maskedPaths"] = ["/race/t"]
    bundle.config["hooks"] = {"createContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", f'cat /proc/self/mountinfo > {dumps}/$(date +%s%N)']}]}
    bundle.set_args("true")
    stop = tmp_path / "stop"
    flipper = subprocess.Popen([sys.executable, "-c", FLIPPER, str(race), str(bundle.rootfs / "race-link"),
                                str(stop)], stdout=subprocess.PIPE, text=True)
    created = 0
    try:
        for i in range(60):
            cid = f"{container_id}-{i}"
            r = berth_root.run("create", "--bundle", bundle, cid)
            if r.returncode == 0:
                created += 1
                berth_root.run("delete", "--force", cid, check=True)
            else:
                one_line_error(r)
    finally:
        stop.touch()
        swaps = int(flipper.communicate(timeout=30)[0])
    assert swaps > 1000 and created > 0
    assert list(outside.iterdir()) == []
    escaped = []
    for dump in dumps.iterdir():
        for line in dump.read_text().splitlines():
            point = line.split(" ")[4]
            if point == str(outside) or point.startswith(f"{outside}/"):
                escaped.append(point)
    assert escaped == [] and len(list(dumps.iterdir())) == created


# ------------------------------------------------------------------ CVE-2019-16884


def test_sysctl_is_written_to_procfs_not_to_what_the_rootfs_puts_there(bundle, berth_root, container_id):
    """A rootfs whose /proc is a symlink to look-alike files (and no procfs
    mount): the sysctl must reach the kernel (the container's uts namespace
    here), and the look-alike file stay as it was.  (A bind over /proc/sys
    is refused outright: test_rootfs_safety.py.)"""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != "/proc"]
    shutil.rmtree(bundle.rootfs / "proc", ignore_errors=True)
    if (bundle.rootfs / "proc").exists() or (bundle.rootfs / "proc").is_symlink():
        (bundle.rootfs / "proc").unlink()
    (bundle.rootfs / "proc").symlink_to("/fakeproc")
    lookalike_dir = bundle.rootfs / "fakeproc" / "sys"
    (lookalike_dir / "kernel").mkdir(parents=True)
    lookalike = lookalike_dir / "kernel" / "hostname"
    lookalike.write_text("lookalike\n")
    # Not read-only: a runtime writing into the look-alike would then fail
    # loudly instead of silently.
    bundle.config["linux"]["readonlyPaths"] = []
    bundle.config["linux"]["maskedPaths"] = []
    bundle.config["linux"]["sysctl"] = {"kernel.hostname": "from-sysctl"}
    bundle.set_args("hostname")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout == "from-sysctl\n"
    assert lookalike.read_text() == "lookalike\n"


def test_oom_score_adj_and_sysctl_apply_in_a_user_namespace(bundle, berth_root, container_id):
    """The init is not dumpable until execve, so its /proc files belong to
    the host's root: what it writes there it writes before it becomes the
    namespace's root, or through the runtime's procfs."""
    open_path_to(bundle.path)
    bundle.config["linux"]["namespaces"].append({"type": "user"})
    bundle.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 300000, "size": 65536}]
    bundle.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 300000, "size": 65536}]
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["type"] != "cgroup"]
    bundle.process["oomScoreAdj"] = 321
    # A network sysctl: its owner is the container's root (uts and ipc ones
    # are the host's, whichever procfs they are written through).
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    bundle.set_args("sh", "-c", "cat /proc/self/oom_score_adj /proc/sys/net/ipv4/ip_forward")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.split() == ["321", "1"]


# ------------------------------------------------------------------ seen from inside


def caps_of(text):
    return {k: int(v, 16) for k, v in (line.split(":\t") for line in text.splitlines() if line.startswith("Cap"))}


def cap_bits(names):
    numbers = {"CAP_AUDIT_WRITE": 29, "CAP_KILL": 5, "CAP_NET_BIND_SERVICE": 10}
    return sum(1 << numbers[n] for n in names)


@pytest.mark.parametrize("user", [None, {"uid": 1000, "gid": 1000}], ids=["root", "uid-1000"])
def test_default_capabilities_are_exactly_the_configured_ones(bundle, berth_root, container_id, user):
    caps = bundle.process["capabilities"]
    assert set(caps["bounding"]) <= {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
    if user:
        bundle.process["user"] = user
    bundle.set_args("grep", "^Cap", "/proc/self/status")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    got = caps_of(r.stdout)
    assert got["CapBnd"] == cap_bits(caps["bounding"])
    assert got["CapAmb"] == cap_bits(caps.get("ambient", []))
    if user:
        # A non-root uid keeps only what is ambient across execve.
        assert got["CapEff"] == got["CapPrm"] == cap_bits(caps.get("ambient", []))
    else:
        assert got["CapEff"] == cap_bits(caps["effective"]) and got["CapPrm"] == cap_bits(caps["permitted"])


def test_a_device_node_shipped_in_the_image_cannot_be_opened(bundle, berth_root, container_id):
    """The default device rules deny all but the default devices, even to
    a process that could otherwise open any file."""
    os.mknod(bundle.rootfs / "image-kmsg", 0o666 | stat.S_IFCHR, os.makedev(1, 11))
    caps = ["CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN", "CAP_SYS_RAWIO", "CAP_MKNOD"]
    bundle.process["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
    bundle.set_args("sh", "-c", "(: > /image-kmsg) 2>/dev/null && echo opened || echo denied; "
                                "(: > /dev/null) && echo null-ok")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.split() == ["denied", "null-ok"]


def test_masked_kcore_reads_nothing_even_with_sys_rawio(bundle, berth_root, container_id):
    if not os.path.exists("/proc/kcore"):
        pytest.skip("this kernel has no /proc/kcore (CONFIG_PROC_KCORE is off)")
    caps = ["CAP_DAC_OVERRIDE", "CAP_SYS_RAWIO"]
    bundle.process["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
    bundle.set_args("sh", "-c", "head -c 4096 /proc/kcore | wc -c")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.strip() == "0"
