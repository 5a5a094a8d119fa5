"""Fixtures and helpers shared by berth's integration tests.

The binary under test is $BERTH (set by `make check`; default: the berth next
to the source tree), the source tree is $BERTH_SRCDIR (default: two levels up
from here).  Everything runs as root; without root every test is skipped.

Fixtures
  berth                  run_berth(): runs the binary, checks for sanitizer
                         reports, returns a CompletedProcess (text)
  berth_root             BerthRoot: a private --root directory (os.fspath-able,
                         or .path); .run(*args, **kw) runs berth with it;
                         .container_ids() is `list -q`; teardown deletes every
                         container in it (delete --force), even after a failure
  bundle                 Bundle: a fresh busybox bundle whose config.json runs
                         /bin/true without a terminal; edit .config and call
                         .write_config()
  bundle_factory         new_bundle(name="bundle") -> Bundle, for tests that
                         need more than one bundle
  busybox_template       path of the session's pristine busybox bundle
  container_id           a fresh, short container id
  srcdir                 Path of the source tree
  comparison_runtimes    {"runc": path, "crun": path} for those installed
  cgroup2_root           Path of the host's cgroup2 mount (/sys/fs/cgroup)
Every test is also checked for mounts it leaves behind (see _mount_guard).

Tests marked `cgroupv2` need a cgroup v2 host: they are skipped unless
/sys/fs/cgroup is a cgroup2 mount.  `make check-cgroupv2` runs them in a VM
(tests/vm/run.sh), which sets BERTH_EXPECT_CGROUPV2=1: there the session
fails at once if /sys/fs/cgroup is not cgroup2, instead of skipping them.
"""

import array
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BERTH = os.path.abspath(os.environ.get("BERTH") or str(HERE / ".." / ".." / "berth"))
SRCDIR = Path(os.environ.get("BERTH_SRCDIR") or str(HERE / ".." / "..")).resolve()
MAKE_BUNDLE = SRCDIR / "tests" / "fixtures" / "make-bundle.sh"

# A sanitizer failure must never look like an expected exit status: make the
# binary exit with codes no test expects, and always look for the reports.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=86",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=87",
}
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "SUMMARY: AddressSanitizer",
    "AddressSanitizer:DEADLYSIGNAL",
)

# Variables that would make a runtime talk to something outside the test
# (systemd notification, socket activation); dropped unless a test sets them.
UNSAFE_INHERITED_ENV = ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")

CGROUP_MOUNTPOINT = "/sys/fs/cgroup"

COMPARISON_RUNTIME_PATHS = {"runc": "/usr/sbin/runc", "crun": "/usr/bin/crun"}

CLEANUP_TIMEOUT = 20  # seconds for each berth command of berth_root's teardown
DEFAULT_TEST_TIMEOUT = 300  # seconds, only when pytest-timeout is installed
RUN_DIR = Path("/run")


# --------------------------------------------------------------------------
# running berth


def berth_env(env=None):
    """The environment berth runs with: ours, minus UNSAFE_INHERITED_ENV, plus
    `env` (a None value removes a variable), plus the sanitizer options, which
    nothing can override."""
    full = {k: v for k, v in os.environ.items() if k not in UNSAFE_INHERITED_ENV}
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = str(value)
    full.update(SANITIZER_ENV)
    return full


def sanitizer_report(text):
    """The first sanitizer marker found in text, or None."""
    for marker in SANITIZER_MARKERS:
        if marker in text:
            return marker
    return None


def describe(result):
    """A readable account of a finished command, for assertion messages."""
    args = result.args if isinstance(result.args, str) else " ".join(map(str, result.args))
    return (
        f"command: {args}\nexit status: {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def _arg(value):
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def _exec_berth(args, root=None, input=None, timeout=30, env=None, cwd=None, stdin=None, pass_fds=(),
                user=None, group=None):
    """Run berth without judging the result; see exec_command."""
    cmd = [BERTH]
    if root is not None:
        cmd += ["--root", _arg(root)]
    cmd += [_arg(a) for a in args]
    return exec_command(cmd, input=input, timeout=timeout, env=env, cwd=cwd, stdin=stdin, pass_fds=pass_fds,
                        user=user, group=group)


def exec_command(cmd, input=None, timeout=30, env=None, cwd=None, stdin=None, pass_fds=(), user=None, group=None):
    """Run cmd (berth or another runtime) in berth_env(env) without judging
    the result; returns (CompletedProcess with text output, timed_out).
    Output goes to temporary files, not pipes: a container that inherits the
    runtime's stdio and outlives it must not keep us waiting for EOF."""
    cmd = [_arg(a) for a in cmd]
    if input is not None:
        if stdin is not None:
            raise ValueError("pass input or stdin, not both")
        stdin = subprocess.PIPE
        if isinstance(input, str):
            input = input.encode()
    elif stdin is None:
        stdin = subprocess.DEVNULL
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        timed_out = False
        proc = subprocess.Popen(
            cmd, stdin=stdin, stdout=out, stderr=err, env=berth_env(env),
            cwd=None if cwd is None else _arg(cwd), pass_fds=pass_fds,
            user=user, group=group, extra_groups=None if user is None else [],
        )
        try:
            proc.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(
            cmd, proc.returncode,
            out.read().decode(errors="replace"), err.read().decode(errors="replace"),
        )
    return result, timed_out


def run_berth(*args, root=None, input=None, timeout=30, check=None, env=None, cwd=None, stdin=None, pass_fds=(),
              user=None, group=None):
    """Run `berth [--root ROOT] ARGS...` and return a CompletedProcess with
    text stdout and stderr.

    root      --root directory (a path or a BerthRoot); None: no --root
    input     str or bytes written to stdin (otherwise stdin is /dev/null
              unless `stdin` is given)
    timeout   seconds; on expiry berth is killed and the test fails
    check     True: exit status must be 0; an int: it must be that
    env       variables to add to (or, with None values, remove from) ours
    cwd, stdin, pass_fds, user, group  as for subprocess (with user set,
              the supplementary groups are dropped)

    It always fails the test if stderr holds a sanitizer report."""
    result, timed_out = _exec_berth(args, root=root, input=input, timeout=timeout, env=env,
                                    cwd=cwd, stdin=stdin, pass_fds=pass_fds, user=user, group=group)
    if timed_out:
        pytest.fail(f"berth did not finish within {timeout}s (killed)\n{describe(result)}", pytrace=False)
    marker = sanitizer_report(result.stderr)
    assert marker is None, f"sanitizer report ({marker!r}) from berth\n{describe(result)}"
    if check is True:
        assert result.returncode == 0, f"berth failed\n{describe(result)}"
    elif check is not None and check is not False:
        assert result.returncode == check, f"expected exit status {check}\n{describe(result)}"
    return result


@pytest.fixture(scope="session")
def berth():
    """run_berth; pass root=berth_root for anything that touches containers
    (without root= berth would use the host's default /run/berth)."""
    return run_berth


# --------------------------------------------------------------------------
# state directories


class BerthRoot:
    """A private --root directory.  Usable wherever a path is expected."""

    def __init__(self, path):
        self.path = Path(path)

    def __fspath__(self):
        return str(self.path)

    def __str__(self):
        return str(self.path)

    def __repr__(self):
        return f"BerthRoot({str(self.path)!r})"

    def run(self, *args, **kwargs):
        """run_berth with --root set to this directory."""
        return run_berth(*args, root=self.path, **kwargs)

    def container_ids(self):
        """Ids from `list -q`, or None when list fails."""
        result, timed_out = _exec_berth(["list", "-q"], root=self.path)
        if timed_out or result.returncode != 0:
            return None
        return [line.strip() for line in result.stdout.splitlines() if line.strip()]

    def _recorded_inits(self):
        """Pids of live processes recorded as a container's init in a
        state.json under this root (pid and pidStartTime must match)."""
        pids = []
        for state_file in self.path.glob("*/state.json"):
            try:
                state = json.loads(state_file.read_text())
                pid, start = int(state["pid"]), int(state["pidStartTime"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if pid > 1 and _process_start_time(pid) == start:
                pids.append(pid)
        return pids

    def cleanup(self):
        """Delete every container and remove the directory; returns a list of
        problems worth failing the test for (sanitizer reports, leftovers)."""
        problems = []
        if not self.path.exists():
            return problems
        # An empty root cannot hold a container: skip spawning berth at all.
        entries = list(os.scandir(self.path))
        if entries:
            ids = set()
            result, timed_out = _exec_berth(["list", "-q"], root=self.path, timeout=CLEANUP_TIMEOUT)
            if sanitizer_report(result.stderr):
                problems.append(f"sanitizer report during cleanup\n{describe(result)}")
            if not timed_out and result.returncode == 0:
                ids.update(line.strip() for line in result.stdout.splitlines() if line.strip())
            # In case list fails or misses one: every directory may be a container.
            ids.update(e.name for e in entries if e.is_dir(follow_symlinks=False))
            for cid in sorted(ids):
                result, timed_out = _exec_berth(["delete", "--force", cid], root=self.path,
                                                timeout=CLEANUP_TIMEOUT)
                if sanitizer_report(result.stderr):
                    problems.append(f"sanitizer report during cleanup\n{describe(result)}")
                if timed_out:
                    problems.append(f"cleanup: delete --force {cid} timed out\n{describe(result)}")
            # Last resort, so that a broken delete does not leave processes
            # behind for the rest of the run: kill the init recorded in a
            # state.json that survived (only if its start time still matches).
            for pid in self._recorded_inits():
                problems.append(f"cleanup: killed init {pid} left behind by `delete --force`")
                _kill_quietly(pid)
            cgroups = _cgroups_named(ids)
            if cgroups:
                problems.append(f"cgroups left after deleting the containers: {cgroups}")
                _remove_cgroups(cgroups)
        leaked = _mountpoints_under(self.path)
        if leaked:
            problems.append(f"mounts left under {self.path} after deleting its containers: {leaked}")
            _detach(leaked)
        errors = []
        shutil.rmtree(self.path, onerror=lambda func, path, exc: errors.append(f"{func.__name__} {path}: {exc[1]}"))
        if errors:
            problems.append(f"could not remove {self.path}: " + "; ".join(errors))
        return problems


def _process_start_time(pid):
    """Field 22 of /proc/PID/stat (clock ticks since boot), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: split after the last ')'
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[19])


def _kill_quietly(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


@pytest.fixture
def berth_root():
    """A fresh --root directory (/run/berth-test-<id>); on teardown, even after
    a failure, every container in it is deleted with --force and the
    directory is removed."""
    path = RUN_DIR / f"berth-test-{uuid.uuid4().hex[:12]}"
    path.mkdir(mode=0o700)
    root = BerthRoot(path)
    try:
        yield root
    finally:
        problems = root.cleanup()
    if problems:
        pytest.fail("berth_root teardown:\n" + "\n\n".join(problems), pytrace=False)


@pytest.fixture
def container_id():
    """A container id no other test uses."""
    return f"bt-{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------
# bundles


def _cgroups_named(names):
    """Cgroup directories (in any hierarchy, at any depth) named like one of names."""
    found = []
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        found.extend(os.path.join(dirpath, d) for d in dirnames if d in names)
    return found


def _remove_cgroups(dirs):
    for d in sorted(dirs, key=len, reverse=True):
        for sub, _, _ in sorted(os.walk(d), key=lambda w: len(w[0]), reverse=True):
            try:
                os.rmdir(sub)
            except OSError:
                pass


class Bundle:
    """An OCI bundle: .path, .rootfs, .config_path, and .config, the parsed
    config.json; change .config and call .write_config().  Usable wherever
    a path is expected (it stands for .path)."""

    def __init__(self, path):
        self.path = Path(path)
        self.rootfs = self.path / "rootfs"
        self.config_path = self.path / "config.json"
        self.config = self.read_config()

    def __fspath__(self):
        return str(self.path)

    def __str__(self):
        return str(self.path)

    def __repr__(self):
        return f"Bundle({str(self.path)!r})"

    def read_config(self):
        """Parse config.json again (dropping unsaved changes to .config)."""
        with open(self.config_path) as f:
            self.config = json.load(f)
        return self.config

    def write_config(self, config=None):
        """Write .config (or `config`, which then becomes .config)."""
        if config is not None:
            self.config = config
        tmp = self.config_path.with_name(".config.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.config, f, indent=2)
            f.write("\n")
        os.replace(tmp, self.config_path)

    @property
    def process(self):
        return self.config.setdefault("process", {})

    def set_args(self, *args):
        """process.args = args, written at once."""
        self.process["args"] = [str(a) for a in args]
        self.write_config()

    def add_mount(self, destination, type="bind", source=None, options=None):
        """Append a mount to .config (not written: call write_config())."""
        mount = {"destination": destination, "type": type, "source": source or type}
        if options is not None:
            mount["options"] = list(options)
        self.config.setdefault("mounts", []).append(mount)
        return mount


def _check_make_bundle_result(result, what):
    if result.returncode != 0 or sanitizer_report(result.stderr):
        pytest.fail(f"{what} failed\n{describe(result)}", pytrace=False)


@pytest.fixture(scope="session")
def busybox_template(tmp_path_factory):
    """A pristine bundle built once per session by make-bundle.sh, with the
    config.json of `berth spec`.  Never modify it: copy it (bundle_factory)."""
    if not MAKE_BUNDLE.exists():
        pytest.fail(f"{MAKE_BUNDLE} is missing (is BERTH_SRCDIR right?)", pytrace=False)
    path = tmp_path_factory.mktemp("busybox-template") / "bundle"
    result = subprocess.run(
        ["sh", str(MAKE_BUNDLE), str(path)], env=berth_env({"BERTH": BERTH}),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    _check_make_bundle_result(result, "make-bundle.sh")
    return path


# What every test bundle starts from: berth spec's defaults, but nothing
# interactive.  Tests change what they need.
TEST_PROCESS_DEFAULTS = {"terminal": False, "args": ["/bin/true"]}


@pytest.fixture
def bundle_factory(busybox_template, tmp_path):
    """new_bundle(name="bundle") -> Bundle: a fresh copy of the template in
    this test's tmp dir, its config adjusted by TEST_PROCESS_DEFAULTS."""

    def new_bundle(name="bundle"):
        dest = tmp_path / name
        if dest.exists():
            raise ValueError(f"bundle {dest} already exists")
        result = subprocess.run(
            ["cp", "-a", "--reflink=auto", str(busybox_template), str(dest)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
        )
        _check_make_bundle_result(result, "copying the busybox template")
        b = Bundle(dest)
        b.process.update(json.loads(json.dumps(TEST_PROCESS_DEFAULTS)))
        b.write_config()
        return b

    return new_bundle


@pytest.fixture
def bundle(bundle_factory):
    """A fresh busybox bundle (see Bundle) running /bin/true, no terminal."""
    return bundle_factory()


# --------------------------------------------------------------------------
# terminals


def console_socket_server(sock_path):
    """Listen on sock_path as a --console-socket peer, in a thread that
    accepts one connection and receives one fd over SCM_RIGHTS.  Returns
    (thread, got): after thread.join(), got["fd"] is the pty master (or
    None when no fd came)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock_path))
    server.listen(1)
    got = {}

    def accept():
        try:
            conn, _ = server.accept()
            fds = array.array("i")
            _, anc, _, _ = conn.recvmsg(256, socket.CMSG_LEN(fds.itemsize))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[: fds.itemsize])
            got["fd"] = fds[0] if fds else None
            conn.close()
        finally:
            server.close()

    t = threading.Thread(target=accept)
    t.start()
    return t, got


# --------------------------------------------------------------------------
# other runtimes


def comparison_runtimes():
    """{"runc": path, "crun": path} for the reference runtimes installed,
    for tests that compare berth's behaviour with theirs."""
    found = {}
    for name, path in COMPARISON_RUNTIME_PATHS.items():
        if os.access(path, os.X_OK):
            found[name] = path
        else:
            other = shutil.which(name)
            if other:
                found[name] = other
    return found


@pytest.fixture(name="comparison_runtimes")
def comparison_runtimes_fixture():
    return comparison_runtimes()


@pytest.fixture(scope="session")
def srcdir():
    """berth's source tree ($BERTH_SRCDIR)."""
    return SRCDIR


# --------------------------------------------------------------------------
# cgroup v2


def mount_fstype(mountpoint):
    """The file system type of what is mounted on top at mountpoint in our
    mount namespace, or None when nothing is."""
    fstype = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields, _, rest = line.partition(" - ")
            if _unescape(fields.split(" ")[4]) == mountpoint:
                fstype = rest.split(" ")[0]  # later lines are mounted on top
    return fstype


def cgroup2_host():
    """Whether /sys/fs/cgroup is a cgroup2 mount, as on a cgroup v2 host
    (a hybrid host has cgroup2 only below it, at /sys/fs/cgroup/unified)."""
    return mount_fstype(CGROUP_MOUNTPOINT) == "cgroup2"


@pytest.fixture
def cgroup2_root():
    """Path of the host's cgroup2 mount; skips the test on other hosts."""
    if not cgroup2_host():
        pytest.skip(f"{CGROUP_MOUNTPOINT} is not a cgroup2 mount (run `make check-cgroupv2`)")
    return Path(CGROUP_MOUNTPOINT)


# --------------------------------------------------------------------------
# leak guards

_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field):
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def read_mounts():
    """{mount id: mount point} of our mount namespace."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split(" ", 5)
            mounts[fields[0]] = _unescape(fields[4])
    return mounts


def open_path_to(path):
    """pytest's tmp dirs are 0700: let a mapped (non-root) uid reach path."""
    for parent in [path, *path.parents]:
        if parent == Path("/tmp"):
            break
        parent.chmod(parent.stat().st_mode | 0o755)


def _mountpoints_under(path):
    prefix = str(path).rstrip("/") + "/"
    return sorted({m for m in read_mounts().values() if m == str(path) or m.startswith(prefix)})


def _detach(mountpoints):
    """Lazily unmount, deepest first; best effort."""
    for m in sorted(set(mountpoints), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", m], stdin=subprocess.DEVNULL, capture_output=True)


@pytest.fixture(autouse=True)
def _mount_guard(tmp_path_factory):
    """Fail a test that leaves mounts behind in our namespace whose path is
    under this session's tmp dirs or a berth_root (/run/berth-test-*), and
    unmount them so the next tests start clean.  Other sessions' and other
    programs' mounts are not ours to judge.  Autouse: torn down after
    berth_root."""
    watched = str(tmp_path_factory.getbasetemp())
    before = read_mounts()
    yield
    after = read_mounts()
    leaked = sorted(m for mid, m in after.items()
                    if mid not in before and (watched in m or f"{RUN_DIR}/berth-test-" in m))
    if leaked:
        _detach(leaked)
        pytest.fail(f"the test left mounts behind: {leaked}", pytrace=False)


# --------------------------------------------------------------------------
# session setup


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if config.pluginmanager.hasplugin("timeout"):
        if getattr(config.option, "timeout", None) is None and not os.environ.get("PYTEST_TIMEOUT"):
            config.option.timeout = DEFAULT_TEST_TIMEOUT
    else:
        # Let tests carry @pytest.mark.timeout under --strict-markers anyway.
        config.addinivalue_line("markers", "timeout(seconds): per-test time limit (needs pytest-timeout)")
    if os.geteuid() == 0 and not os.access(BERTH, os.X_OK):
        raise pytest.UsageError(f"berth binary {BERTH} not found: run `make berth` or set BERTH")
    if os.environ.get("BERTH_EXPECT_CGROUPV2") and not cgroup2_host():
        raise pytest.UsageError(f"BERTH_EXPECT_CGROUPV2 is set but {CGROUP_MOUNTPOINT} is "
                                f"{mount_fstype(CGROUP_MOUNTPOINT) or 'not a mount point'}, not cgroup2")


def pytest_report_header(config):
    return [f"berth: {BERTH}", f"srcdir: {SRCDIR}",
            f"{CGROUP_MOUNTPOINT}: {mount_fstype(CGROUP_MOUNTPOINT) or 'not a mount point'}"]


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="berth's integration tests need root (euid 0)")
        for item in items:
            item.add_marker(skip)
    if not cgroup2_host():
        skip = pytest.mark.skip(reason=f"needs a cgroup v2 host ({CGROUP_MOUNTPOINT} is not cgroup2): "
                                "run `make check-cgroupv2`")
        for item in items:
            if item.get_closest_marker("cgroupv2"):
                item.add_marker(skip)
