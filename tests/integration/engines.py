"""Real container engines driving berth: podman and containerd, each with
everything private to one directory (configuration, storage, state,
sockets, runtime roots) and a cgroup parent of its own, so that nothing is
shared with the host's engines.  Used by test_podman.py, test_containerd.py
and tests/bench/engines.sh.

The image: the busybox rootfs of make-bundle.sh written as an OCI image
archive (build_image_archive), which both `podman load` and `ctr images
import` read.  No network anywhere: podman runs containers with
`--network none`, containerd's CRI plugin is off.

Runtimes are given to the engines as small wrapper scripts (make_wrappers):
  berth  berth with sanitizer reports written to files (the engines swallow
         a runtime's stderr), and for podman a private --root (podman does
         not pass --runtime-flag on to its cleanup process)
  crun   crun in a mount namespace of its own where a hybrid host's cgroup2
         mount is detached (crun 1.8 refuses hybrid hosts)
  runc   runc, for the benchmark
A wrapper is named after its runtime: podman keys `--log-format=json`
support on the runtime's name.

Host facts the configuration works around (see docs/architecture.md,
"Engines on berth"): no CAP_SYS_RESOURCE, so podman's default rlimits
(nofile and nproc 1048576) cannot be granted and containerd may not lower
oom_score_adj; PID 1 is not systemd, so cgroupfs and file events."""
import fcntl
import hashlib
import io
import json
import os
import pty
import resource
import select
import shlex
import shutil
import signal
import struct
import subprocess
import tarfile
import termios
import time
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, SANITIZER_ENV, describe, exec_command, mount_fstype

TIMEOUT = 60
IMAGE = "localhost/berth-busybox:test"
UNIFIED = "/sys/fs/cgroup/unified"
RUNTIME_PATHS = {"crun": "/usr/bin/crun", "runc": "/usr/sbin/runc"}
CONTAINERD_RUN = Path("/run/containerd")  # the shims' sockets go to <this>/s, whatever the config says


def which(name):
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin")


def runtime_path(name):
    if name == "berth":
        return BERTH
    path = RUNTIME_PATHS.get(name)
    return path if path and os.access(path, os.X_OK) else which(name)


def hybrid_host():
    return mount_fstype(UNIFIED) == "cgroup2"


# --------------------------------------------------------------------------
# scenario helpers


def wait_until(predicate, timeout=15, interval=0.05):
    """predicate()'s first true value, or its last false one after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def run_in_pty(argv, env, send, wait_for=b"", timeout=30, cwd=None):
    """Run argv with a new pty (24x80) as its stdio; once wait_for shows in
    its output, write send.  Returns (exit status, output without \\r)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen([str(a) for a in argv], stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, **env}, cwd=cwd, start_new_session=True)
    os.close(slave)
    out = b""
    sent = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sent and wait_for in out:
                os.write(master, send)
                sent = True
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every slave end is closed
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        status = proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return status, out.decode(errors="replace").replace("\r", "")


class Scenarios:
    """A test module's scenarios: functions (engine, runtime) -> observations
    (a dict of what the engine showed), registered with @scenarios("name").
    observe_fixture() makes the module's `observe(name, runtime="berth")`
    fixture, which runs each scenario at most once per runtime (a failure
    is raised to every test that asks for it)."""

    def __init__(self):
        self.functions = {}

    def __call__(self, name):
        def register(function):
            self.functions[name] = function
            return function
        return register

    def __iter__(self):
        return iter(self.functions)

    def observe_fixture(self, engine_fixture_name):
        @pytest.fixture(scope="module")
        def observe(request):
            engine = request.getfixturevalue(engine_fixture_name)
            cache = {}

            def get(name, runtime="berth"):
                if (name, runtime) not in cache:
                    try:
                        cache[(name, runtime)] = (True, self.functions[name](engine, runtime))
                    except Exception as e:
                        cache[(name, runtime)] = (False, e)
                good, value = cache[(name, runtime)]
                if not good:
                    raise value
                return value

            return get

        return observe

    def comparison_test(self, engine_fixture_name, known):
        """A test, parametrized over the scenarios, that runs each with
        crun as well and compares (see compare_observations)."""
        @pytest.mark.comparison
        @pytest.mark.parametrize("scenario", list(self.functions))
        def test(observe, request, scenario):
            if "crun" not in request.getfixturevalue(engine_fixture_name).wrappers:
                pytest.skip("crun is not installed")
            compare_observations(observe(scenario, "berth"), observe(scenario, "crun"), scenario, known)

        return test


def compare_observations(ours, theirs, scenario, known):
    """Assert ours == theirs except where known[(scenario, key)] says why
    berth and the other runtime differ (and then that they still do, so
    that the table cannot go stale)."""
    for (where, key), why in known.items():
        if where == scenario:
            assert ours.get(key) != theirs.get(key), f"known difference gone, drop it: {why}"
            ours, theirs = dict(ours), dict(theirs)
            del ours[key], theirs[key]
    assert ours == theirs, f"the engine showed different results\nberth: {ours}\nother: {theirs}"


def unique(what, runtime):
    """A fresh container name for one scenario run.  Never with "berth" in
    it: it becomes part of mount paths (containerd's rootfs), and every
    pytest session on the host unmounts new mounts whose path says berth
    (conftest's _mount_guard), other sessions' included."""
    return f"{what}-{runtime[0]}{uuid.uuid4().hex[:6]}"


def ok(result, what=None):
    """result, after asserting that it succeeded."""
    assert result.returncode == 0, f"{what or result.args[0]} failed\n{describe(result)}"
    return result


def engine_runtimes():
    """The runtimes an engine test module drives: berth, and crun to compare."""
    return ["berth"] + (["crun"] if runtime_path("crun") else [])


def engine_fixture(make, setup, what):
    """The body of a module fixture: yield make(), after setup(engine); on
    teardown clean everything up and fail on what was left behind."""
    engine = make()
    problems = []
    try:
        setup(engine)
        yield engine
    finally:
        problems = engine.cleanup()
    if problems:
        pytest.fail(f"{what} teardown:\n" + "\n\n".join(problems), pytrace=False)


def sanitizer_guard(fixture_name):
    """An autouse fixture that fails the test during which berth, run by
    the engine of fixture_name, wrote a sanitizer report."""
    @pytest.fixture(autouse=True)
    def guard(request):
        yield
        if fixture_name in request.fixturenames:
            reports = sanitizer_reports(request.getfixturevalue(fixture_name).sanitizer_dir)
            assert not reports, "berth wrote sanitizer reports:\n" + "\n".join(reports)

    return guard


# --------------------------------------------------------------------------
# the image


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _layer(rootfs):
    """The rootfs as an uncompressed layer tar, owned by root, stable mtimes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for dirpath, dirnames, filenames in os.walk(rootfs):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                full = os.path.join(dirpath, name)
                info = t.gettarinfo(full, os.path.relpath(full, rootfs))
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                if info.isreg():
                    with open(full, "rb") as f:
                        t.addfile(info, f)
                else:
                    t.addfile(info)
    return buf.getvalue()


def build_image_archive(rootfs, out, name=IMAGE, cmd=("/bin/sh",)):
    """Write rootfs as a one-layer OCI image archive (oci-layout, index.json,
    blobs/sha256/...) named `name`, running cmd, for both podman and
    containerd."""
    def blob(tar, data, media_type):
        digest = hashlib.sha256(data).hexdigest()
        _add_bytes(tar, f"blobs/sha256/{digest}", data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    layer = _layer(rootfs)
    config = {
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": list(cmd)},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
    }
    with tarfile.open(out, "w") as tar:
        manifest = {
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": blob(tar, json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
            "layers": [blob(tar, layer, "application/vnd.oci.image.layer.v1.tar")],
        }
        desc = blob(tar, json.dumps(manifest).encode(), manifest["mediaType"])
        # containerd names the image after the first annotation, podman after the second.
        desc["annotations"] = {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name}
        desc["platform"] = {"architecture": "amd64", "os": "linux"}
        _add_bytes(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        _add_bytes(tar, "index.json", json.dumps({"schemaVersion": 2, "manifests": [desc]}).encode())
    return Path(out)


# --------------------------------------------------------------------------
# runtime wrappers


def sanitizer_env(log_dir):
    """berth's sanitizer options (conftest's), reports written under log_dir."""
    env = dict(SANITIZER_ENV)
    env["ASAN_OPTIONS"] += f":log_path={log_dir}/asan"
    env["UBSAN_OPTIONS"] += f":log_path={log_dir}/ubsan"
    return env


def sanitizer_reports(log_dir):
    """The text of every sanitizer report written in log_dir since the last
    call, each then moved to log_dir/seen so that it is reported once."""
    d = Path(log_dir)
    reports = []
    for p in sorted(d.glob("*san.*")) if d.is_dir() else []:
        reports.append(f"{p.name}:\n{p.read_text(errors='replace')}")
        (d / "seen").mkdir(exist_ok=True)
        p.rename(d / "seen" / p.name)
    return reports


# In a private mount namespace: a /dev of fresh nodes, so that a runtime
# that wrongly chowns or chmods a device it binds changes only those.
FRESH_DEV_NODES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
                   "tty": (5, 0)}
FRESH_DEV_SCRIPT = ("mount -t tmpfs -o mode=755,size=64k berth-test-dev /dev && "
                    + " && ".join(f"mknod -m 666 /dev/{n} c {a} {b}" for n, (a, b) in FRESH_DEV_NODES.items())
                    + " && mkdir /dev/pts /dev/shm /dev/mqueue")
# After FRESH_DEV_SCRIPT: fds 0-2 open on the host's /dev/null (1:3) are
# reopened on the fresh node.
# (The shell's own fds, /proc/$$: stat's are redirected.)
STDIO_ON_FRESH_DEV_NULL = ('for f in 0 1 2; do if [ "$(stat -L -c %t:%T /proc/$$/fd/$f 2>/dev/null)" = 1:3 ]; '
                           'then eval "exec $f<>/dev/null"; fi; done')


def make_wrappers(directory, names, roots=None, log_dir=None):
    """{name: path of an executable wrapper script named `name`} for the
    runtimes in names; roots maps a runtime to the --root it must use (for
    podman), log_dir receives berth's sanitizer reports."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    roots = roots or {}
    paths = {}
    for name in names:
        argv = [runtime_path(name)]
        if roots.get(name):
            argv += ["--root", str(roots[name])]
        env = sanitizer_env(log_dir) if name == "berth" and log_dir else {}
        command = " ".join(["env", *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
                            *map(shlex.quote, argv), '"$@"'])
        if name == "crun":
            # crun 1.8.1 chowns its stdio to the container's root, a device
            # node included (under podman --uidmap, conmon's /dev/null: the
            # host's became 100000:100000).  It gets fresh nodes of its own
            # in a private /dev, and stdio on the host's /dev/null is
            # reopened on the fresh one.
            steps = [FRESH_DEV_SCRIPT, STDIO_ON_FRESH_DEV_NULL]
            if hybrid_host():
                steps.append(f"if mountpoint -q {UNIFIED}; then umount -l {UNIFIED}; fi")
            script = " && ".join(steps) + '; exec "$@"'
            command = f"unshare --mount --propagation private sh -c {shlex.quote(script)} sh {command}"
        path = directory / name
        path.write_text(f"#!/bin/sh\nexec {command}\n")
        path.chmod(0o755)
        paths[name] = path
    return paths


# --------------------------------------------------------------------------
# cleanup helpers


def kill_processes_mentioning(needle):
    """SIGKILL every process whose command line contains needle (a path
    unique to one engine instance); returns their command lines."""
    killed = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in cmdline:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(cmdline.strip())
            except OSError:
                pass
    return killed


def cgroup_hierarchies():
    """Mount points of every cgroup hierarchy (v1 and v2)."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields, _, rest = line.partition(" - ")
            if rest.split(" ")[0] in ("cgroup", "cgroup2"):
                found.append(fields.split(" ")[4])
    return found


def remove_cgroup_trees(relative):
    """Remove <hierarchy>/<relative> from every hierarchy, killing whatever
    is still in it first; returns the pids that had to be killed."""
    relative = relative.strip("/")
    existing = [Path(h, relative) for h in cgroup_hierarchies() if Path(h, relative).is_dir()]
    killed = set()
    for top in existing:
        for dirpath, _, _ in os.walk(top):
            try:
                pids = Path(dirpath, "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                    killed.add(int(pid))
                except OSError:
                    pass
    deadline = time.monotonic() + 10
    for top in existing:
        for d in sorted((d for d, _, _ in os.walk(top)), key=len, reverse=True):
            while True:
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
    return sorted(killed)


def mounts_under(path):
    prefix = str(path).rstrip("/") + "/"
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split(" ")[4]
            if point == str(path) or point.startswith(prefix):
                points.append(point)
    return sorted(set(points), key=len, reverse=True)


def unmount_all_under(path):
    """Lazily unmount everything under path; returns what was mounted."""
    points = mounts_under(path)
    for p in points:
        subprocess.run(["umount", "--lazy", p], stdin=subprocess.DEVNULL, capture_output=True)
    return points


def _rmtree(path, problems):
    errors = []
    shutil.rmtree(path, onerror=lambda func, p, exc: errors.append(f"{func.__name__} {p}: {exc[1]}"))
    if errors:
        problems.append(f"could not remove {path}: " + "; ".join(errors[:5]))


def delete_runtime_containers(name, root, problems):
    """`delete --force` whatever a runtime still has under root (normally
    nothing: the engine deleted its containers)."""
    if not Path(root).is_dir():
        return
    argv = [runtime_path(name), "--root", str(root)]
    if name == "crun" and hybrid_host():
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                f"umount -l {UNIFIED} 2>/dev/null; exec \"$@\"", "sh", *argv]
    for entry in os.scandir(root):
        # Dot-names are no containers (berth's compiled-seccomp cache).
        if entry.is_dir() and not entry.name.startswith("."):
            r, _ = exec_command([*argv, "delete", "--force", entry.name], timeout=30)
            problems.append(f"{name} container {entry.name} was left in {root}: {r.stderr.strip()}")


# --------------------------------------------------------------------------
# podman


def podman_ulimits():
    """What podman may ask for without CAP_SYS_RESOURCE: its default
    1048576 for nofile and nproc exceeds the hard limits here."""
    nproc_hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    nproc = 32768 if nproc_hard == resource.RLIM_INFINITY else min(nproc_hard, 32768)
    return ["nofile=1024:1024", f"nproc={nproc}:{nproc}"]


class Podman:
    """podman with its own containers.conf, storage (vfs: no mounts to
    leak), tmp dirs, file locks, event log and runtime roots, all under
    base.  p(*args, runtime=...) runs a podman command; run_flags() are
    the flags every `podman run/create` here takes."""

    def __init__(self, base, runtimes=("berth", "crun"), register=True):
        """register=False: the configuration names no runtime (a drop-in
        or podman's defaults must)."""
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.sanitizer_dir = self.base / "sanitizer"
        self.sanitizer_dir.mkdir()
        self.roots = {name: self.base / "runtime-root" / name for name in runtimes}
        self.wrappers = make_wrappers(self.base / "runtimes", runtimes, roots=self.roots,
                                      log_dir=self.sanitizer_dir)
        self.cgroup_parent = f"/berth-podman-{uuid.uuid4().hex[:10]}"
        self.tmp = self.base / "tmp"
        self.tmp.mkdir()
        storage = self.base / "storage.conf"
        storage.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{self.base}/graph"\n'
                           f'runroot = "{self.base}/runroot"\n')
        runtimes_table = "\n".join(f'{n} = ["{p}"]' for n, p in self.wrappers.items())
        conf = self.base / "containers.conf"
        conf.write_text(
            "[containers]\n"
            f"default_ulimits = {json.dumps(podman_ulimits())}\n"
            "[engine]\n"
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'events_logfile_path = "{self.base}/events.log"\n'
            f'tmp_dir = "{self.base}/libpod"\n'
            f'static_dir = "{self.base}/graph/libpod"\n'
            f'volume_path = "{self.base}/graph/volumes"\n'
            f'image_copy_tmp_dir = "{self.tmp}"\n'
            'lock_type = "file"\n'
            + (f'runtime = "{runtimes[0]}"\n'
               f"runtime_supports_json = {json.dumps(list(self.wrappers))}\n"
               "[engine.runtimes]\n"
               f"{runtimes_table}\n" if register else "")
            + "[network]\n"
            f'network_config_dir = "{self.base}/networks"\n')
        self.env = {"CONTAINERS_CONF": str(conf), "CONTAINERS_STORAGE_CONF": str(storage),
                    "TMPDIR": str(self.tmp), "CONTAINERS_REGISTRIES_CONF": str(self.base / "registries.conf"),
                    "XDG_CONFIG_HOME": str(self.base / "config")}
        (self.base / "registries.conf").write_text("unqualified-search-registries = []\n")

    def argv(self, *args, runtime=None):
        return ["podman", *(["--runtime", runtime] if runtime else []), *map(str, args)]

    def __call__(self, *args, runtime=None, timeout=TIMEOUT, input=None):
        # conmon writes an `oom` file into its working directory.
        result, timed_out = exec_command(self.argv(*args, runtime=runtime), env=self.env, timeout=timeout,
                                         input=input, cwd=self.base)
        assert not timed_out, f"podman did not finish within {timeout}s\n{describe(result)}"
        return result

    def run_flags(self):
        return ["--network", "none", "--cgroup-parent", self.cgroup_parent]

    def load(self, archive):
        """podman load, in a mount namespace where /var/lib is empty: the
        image copy keeps a blob-info cache at /var/lib/containers/cache
        whatever the storage configuration says."""
        script = 'mount -t tmpfs -o size=16m tmpfs /var/lib && exec "$@"'
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                *self.argv("load", "-i", archive)]
        result, timed_out = exec_command(argv, env=self.env, timeout=TIMEOUT, cwd=self.base)
        assert not timed_out and result.returncode == 0, f"podman load failed\n{describe(result)}"

    def cleanup(self):
        """Remove every container, then whatever a failure left (processes,
        cgroups, runtime state, mounts) and the directory; returns the
        problems found on the way."""
        problems = []
        r = self("rm", "--all", "--force", "--time", "0", timeout=120)
        if r.returncode != 0:
            problems.append(f"podman rm --all failed\n{describe(r)}")
        for cmd in kill_processes_mentioning(str(self.base)):
            problems.append(f"killed a process left behind: {cmd}")
        for name, root in self.roots.items():
            delete_runtime_containers(name, root, problems)
        for pid in remove_cgroup_trees(self.cgroup_parent):
            problems.append(f"killed process {pid} left in the cgroup parent {self.cgroup_parent}")
        for m in unmount_all_under(self.base):
            problems.append(f"mount left behind: {m}")
        problems += [f"sanitizer report from berth: {t}" for t in sanitizer_reports(self.sanitizer_dir)]
        _rmtree(self.base, problems)
        return problems


# --------------------------------------------------------------------------
# containerd


class Containerd:
    """A containerd of our own: config, root, state, plugin dirs and
    sockets under base, the CRI plugin off.  ctr(*args) runs ctr against it
    in a namespace of our own; run_flags(runtime) are the flags that make
    `ctr run` use a runtime (--runc-binary, --runc-root, --fifo-dir)."""

    def __init__(self, base, runtimes=("berth", "crun"), register=True):
        """register=False: the configuration names no runtime (a drop-in
        or podman's defaults must)."""
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.sanitizer_dir = self.base / "sanitizer"
        self.sanitizer_dir.mkdir()
        self.wrappers = make_wrappers(self.base / "runtimes", runtimes, log_dir=self.sanitizer_dir)
        self.namespace = f"engines-{uuid.uuid4().hex[:10]}"  # no "berth": see unique()
        self.address = self.base / "containerd.sock"
        self.fifo_dir = self.base / "fifo"
        self.tmp = self.base / "tmp"
        self.tmp.mkdir()
        self.had_run_dir = CONTAINERD_RUN.exists()
        config = self.base / "config.toml"
        config.write_text(f"""version = 2
root = "{self.base}/root"
state = "{self.base}/state"
plugin_dir = "{self.base}/plugins"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "{self.address}"
[ttrpc]
  address = "{self.address}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{self.base}/opt"
""")
        self.log = open(self.base / "containerd.log", "wb")
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID")}
        env["TMPDIR"] = str(self.tmp)  # the shim writes exec process files there
        self.proc = subprocess.Popen(["containerd", "--config", str(config)], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, env=env, cwd=self.base,
                                     start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            r = self.ctr("version", timeout=10)
            if r.returncode == 0:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = (self.base / "containerd.log").read_text(errors="replace")[-3000:]
                self.cleanup()
                raise RuntimeError(f"containerd did not come up\n{describe(r)}\n--- log ---\n{log}")
            time.sleep(0.1)

    def ctr(self, *args, timeout=TIMEOUT, input=None, stdin=None):
        result, timed_out = exec_command(["ctr", "--address", self.address, "--namespace", self.namespace,
                                          *map(str, args)], timeout=timeout, input=input, stdin=stdin,
                                         cwd=self.base)
        assert not timed_out, f"ctr did not finish within {timeout}s\n{describe(result)}"
        return result

    def runtime_root(self, runtime):
        return self.base / "runtime-root" / runtime

    def run_flags(self, runtime):
        return ["--runc-binary", self.wrappers[runtime], "--runc-root", self.runtime_root(runtime),
                "--fifo-dir", self.fifo_dir]

    def cleanup(self):
        problems = []
        if getattr(self, "proc", None) and self.proc.poll() is None:
            r = self.ctr("task", "ls", "--quiet", timeout=30)
            for task in r.stdout.split() if r.returncode == 0 else []:
                self.ctr("task", "kill", "--all", "--signal", "SIGKILL", task, timeout=30)
                for _ in range(50):
                    if self.ctr("task", "delete", task, timeout=30).returncode == 0:
                        break
                    time.sleep(0.1)
                problems.append(f"task {task} was left running")
            r = self.ctr("containers", "ls", "--quiet", timeout=30)
            for c in r.stdout.split() if r.returncode == 0 else []:
                self.ctr("containers", "delete", c, timeout=30)
                problems.append(f"container {c} was left behind")
            self.ctr("images", "rm", IMAGE, timeout=30)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                problems.append("containerd did not stop on SIGTERM")
        if getattr(self, "log", None):
            self.log.close()
        # Shims outlive containerd by design: they name our socket in their arguments.
        for cmd in kill_processes_mentioning(str(self.address)):
            problems.append(f"killed a process left behind: {cmd}")
        for name in self.wrappers:
            delete_runtime_containers(name, self.runtime_root(name) / self.namespace, problems)
        for pid in remove_cgroup_trees(self.namespace):
            problems.append(f"killed process {pid} left in the cgroup /{self.namespace}")
        for m in unmount_all_under(self.base):
            problems.append(f"mount left behind: {m}")
        problems += [f"sanitizer report from berth: {t}" for t in sanitizer_reports(self.sanitizer_dir)]
        if not self.had_run_dir:
            # Only the (now empty) socket directory the shims made.
            for d in (CONTAINERD_RUN / "s", CONTAINERD_RUN):
                try:
                    d.rmdir()
                except OSError:
                    pass
        _rmtree(self.base, problems)
        return problems
