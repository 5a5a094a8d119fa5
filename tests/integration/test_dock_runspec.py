"""dock's container spec and rootfs on a real image: the busybox image
imported into a private dock store, its layers mounted as dock will mount
them (overlay2, or vfs), the OCI spec built from the image config and
`dock run` flags (libdock/runtime), then run by the tree's berth.  Each
container runs inside private mount, uts, net and ipc namespaces
(`unshare -m -u -n -i`), so that the overlay mount dies with it and nothing
it does reaches the host.  What is checked is what docker users look at
from inside: id, hostname, env, capabilities, mounts, /dev/shm, seccomp,
cwd, ulimits, cgroup limits; and the same flags under podman (on berth)
where podman does what docker does."""
import json
import os
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, SRCDIR, _cgroups_named, _remove_cgroups, describe, sanitizer_report
from dock_helpers import DockStore, busybox_rootfs_dir, busybox_tar  # noqa: F401 (fixtures)
from engines import IMAGE, Podman, build_image_archive, engine_fixture, engine_runtimes, ok, which
from probe_helper import probe_binary, probe_results  # noqa: F401 (fixture)

HELPER = Path(BERTH).parent / "tests" / "unit" / "dock-runspec-helper"
# docker's default capability set as a CapEff mask: CHOWN DAC_OVERRIDE FOWNER
# FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD
# AUDIT_WRITE SETFCAP.
DOCKER_CAPS = sum(1 << c for c in (0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31))
PROBE = "/probe"  # bound read-only from the host (see run())


@pytest.fixture(scope="module")
def store(tmp_path_factory, busybox_tar, probe_binary):  # noqa: F811
    if not HELPER.exists():
        pytest.fail(f"{HELPER} is missing: make tests/unit/dock-runspec-helper", pytrace=False)
    s = DockStore(tmp_path_factory.mktemp("dock-runspec") / "store")
    s.run("import", busybox_tar, "bb:plain", check=True)
    s.run("import", "-c", 'ENTRYPOINT ["echo", "entry"]', "-c", 'CMD ["default"]', "-c", "ENV FROM_IMAGE=1 A=image",
          "-c", "WORKDIR /tmp", "-c", "USER nobody", busybox_tar, "bb:config", check=True)
    yield s
    shutil.rmtree(s.base, ignore_errors=True)


class Runner:
    def __init__(self, store, root, tmp_path, probe):
        self.store, self.root, self.tmp, self.probe = store, root, tmp_path, probe
        self.parents = []

    def __call__(self, *args, driver="overlay2", after=None, check=True):
        """`dock run ARGS` as far as the spec and the rootfs go, then berth run.
        after: a shell command run in the namespace once the container exited
        (the rootfs still mounted).  Returns the CompletedProcess."""
        cid = uuid.uuid4().hex + uuid.uuid4().hex
        parent = f"dock-test-{cid[:10]}"
        self.parents.append(parent)
        bundle = self.tmp / f"bundle-{cid[:8]}"
        bundle.mkdir()
        helper = [str(HELPER), "mount", str(self.store.root), str(bundle), driver, "--",
                  "--cgroup-parent", f"/{parent}", "-v", f"{self.probe}:{PROBE}:ro"] + [str(a) for a in args]
        script = ("set -e; mount --make-rprivate /; " + shlex.join(helper) + "; set +e; "
                  + shlex.join([BERTH, "--root", str(self.root), "run", "-b", str(bundle), cid]) + "; rc=$?; "
                  + (after.format(bundle=shlex.quote(str(bundle))) + "; " if after else "")
                  + shlex.join([BERTH, "--root", str(self.root), "delete", "-f", cid]) + " 2>/dev/null; exit $rc")
        env = dict(os.environ, DOCK_TEST_ID=cid)
        r = subprocess.run(["unshare", "-m", "-u", "-n", "-i", "sh", "-c", script], capture_output=True, text=True,
                           env=env, timeout=60, stdin=subprocess.DEVNULL)
        assert sanitizer_report(r.stderr) is None, describe(r)
        if check:
            assert r.returncode == 0, describe(r)
        self.cid, self.bundle = cid, bundle
        return r

    def cleanup(self):
        _remove_cgroups(_cgroups_named(self.parents))


@pytest.fixture
def run(store, berth_root, tmp_path, probe_binary):  # noqa: F811
    r = Runner(store, berth_root, tmp_path, probe_binary)
    yield r
    r.cleanup()


def status_field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


SHOW = ("echo uid=$(id -u); echo gid=$(id -g); echo groups=$(id -G); echo hostname=$(hostname); echo etchostname=$(cat /etc/hostname); "
        "echo cwd=$(pwd); echo nofile=$(ulimit -n):$(ulimit -Hn); echo shm=$(df -k /dev/shm | tail -1 | awk '{print $2}'); "
        "grep -E '^(CapEff|CapBnd|CapInh|Seccomp|NoNewPrivs):' /proc/self/status; echo ENV; env")


def observe(result):
    out = {}
    env = {}
    in_env = False
    for line in result.stdout.splitlines():
        if line == "ENV":
            in_env = True
        elif in_env:
            k, _, v = line.partition("=")
            env[k] = v
        elif "=" in line and ":" not in line.split("=", 1)[0]:
            k, _, v = line.partition("=")
            out[k] = v
        elif ":" in line:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    out["env"] = env
    return out


def test_default_container_has_dockers_identity_capabilities_and_mounts(run):
    o = observe(run("bb:plain", "sh", "-c", SHOW))
    assert o["uid"] == "0" and o["gid"] == "0"
    assert o["hostname"] == run.cid[:12] and o["etchostname"] == run.cid[:12]
    assert o["cwd"] == "/"
    assert int(o["CapEff"], 16) == DOCKER_CAPS and int(o["CapBnd"], 16) == DOCKER_CAPS
    assert int(o["CapInh"], 16) == 0
    assert o["Seccomp"] == "2" and o["NoNewPrivs"] == "0"
    assert o["shm"] == "65536"
    assert o["env"]["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert o["env"]["HOSTNAME"] == run.cid[:12] and o["env"]["HOME"] == "/root"
    assert "TERM" not in o["env"]


def test_default_mounts_sys_ro_mqueue_masked_paths_and_loopback_only(run):
    r = run("bb:plain", "sh", "-c", "cat /proc/self/mounts; echo NET; cat /proc/net/dev; echo KEYS; "
                                    "wc -c < /proc/keys")
    mounts, _, rest = r.stdout.partition("NET")
    table = {line.split()[1]: line.split() for line in mounts.splitlines() if len(line.split()) > 3}
    assert "ro" in table["/sys"][3].split(",")
    assert table["/dev/mqueue"][2] == "mqueue"
    assert table["/dev/shm"][2] == "tmpfs" and "size=65536k" in table["/dev/shm"][3]
    for f in ("/etc/hostname", "/etc/hosts", "/etc/resolv.conf"):
        assert f in table, f"{f} is not bound from the per-container file"
    net, _, keys = rest.partition("KEYS")
    ifaces = [line.split(":")[0].strip() for line in net.splitlines() if ":" in line]
    assert ifaces == ["lo"]
    assert keys.strip() == "0"  # masked (/proc/keys would list the host's keys)
    for ro in ("/proc/sys", "/proc/bus", "/proc/irq"):
        assert "ro" in table[ro][3].split(","), f"{ro} is not read-only"


def test_default_seccomp_profile_denies_what_docker_denies(run):
    r = run("bb:plain", PROBE, "keyctl", "add-key", "unshare-user", "unshare-uts", "mount-tmpfs", "personality",
            "getppid")
    res = probe_results(r.stdout)
    assert res["keyctl"] == -1 and res["add-key"] == -1, r.stdout  # EPERM from the profile
    assert res["unshare-user"] == -1 and res["unshare-uts"] == -1 and res["mount-tmpfs"] == -1, r.stdout
    assert res["personality"] >= 0 and res["getppid"] >= 0, r.stdout


def test_seccomp_unconfined_and_a_profile_file(run, tmp_path):
    r = run("--security-opt", "seccomp=unconfined", "bb:plain", "sh", "-c",
            f"grep Seccomp: /proc/self/status; {PROBE} keyctl")
    assert status_field(r.stdout, "Seccomp") == "0"
    assert probe_results(r.stdout)["keyctl"] != -1
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW",
                                   "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}))
    r = run("--security-opt", f"seccomp={profile}", "bb:plain", "sh", "-c", "mkdir /x && echo made; echo done")
    assert "made" not in r.stdout and "done" in r.stdout


def test_user_env_workdir_hostname_ulimit_and_shm_flags(run, tmp_path):
    envfile = tmp_path / "env.list"
    envfile.write_text("# a comment\nFROM_FILE=1\nFOO=file\n")
    o = observe(run("-u", "nobody", "--env-file", envfile, "-e", "FOO=bar", "-w", "/tmp", "-h", "box",
                    "--ulimit", "nofile=512:1024", "--shm-size", "8m", "--group-add", "tty", "bb:plain", "sh", "-c", SHOW))
    assert o["uid"] == "65534" and o["gid"] == "65534" and "5" in o["groups"].split()
    assert o["hostname"] == "box" and o["env"]["HOSTNAME"] == "box"
    assert o["env"]["FOO"] == "bar" and o["env"]["FROM_FILE"] == "1"
    assert o["env"]["HOME"] == "/nonexistent"
    assert o["cwd"] == "/tmp"
    assert o["nofile"] == "512:1024"
    assert o["shm"] == "8192"


def test_image_config_entrypoint_cmd_env_user_and_workdir(run):
    assert run("bb:config").stdout == "entry default\n"
    assert run("bb:config", "given").stdout == "entry given\n"
    r = run("--entrypoint", "", "bb:config", "sh", "-c", "echo $FROM_IMAGE $A; id -u; pwd")
    assert r.stdout.split() == ["1", "image", "65534", "/tmp"]
    r = run("--entrypoint", "", "-e", "A=user", "-u", "0", "-w", "/", "bb:config", "sh", "-c", "echo $A; id -u; pwd")
    assert r.stdout.split() == ["user", "0", "/"]


def test_capability_flags_and_privileged(run):
    r = run("--cap-drop", "ALL", "--cap-add", "chown", "--cap-add", "CAP_KILL", "bb:plain",
            "grep", "CapEff", "/proc/self/status")
    assert int(status_field(r.stdout, "CapEff"), 16) == (1 << 0) | (1 << 5)
    r = run("--cap-add", "sys_admin", "bb:plain", PROBE, "mount-tmpfs")
    assert probe_results(r.stdout)["mount-tmpfs"] == 0
    r = run("--privileged", "bb:plain", "sh", "-c", f"grep -E 'Seccomp|CapEff' /proc/self/status; {PROBE} mount-tmpfs; "
                                                    "grep ' /sys ' /proc/self/mounts")
    assert status_field(r.stdout, "Seccomp") == "0"
    bounding = int(status_field(open("/proc/self/status").read(), "CapBnd"), 16)
    assert int(status_field(r.stdout, "CapEff"), 16) == bounding  # all that dock itself holds
    assert probe_results(r.stdout)["mount-tmpfs"] == 0
    assert " rw," in r.stdout.splitlines()[-1] + ","


def test_resources_reach_the_cgroup(run):
    r = run("-m", "64m", "--pids-limit", "20", "--cpus", "0.5", "--cpu-shares", "512", "bb:plain", "sh", "-c",
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max "
            "/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares "
            "2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max")
    values = r.stdout.split()
    assert str(64 << 20) in values and "20" in values
    assert ("50000" in values and "100000" in values) or "50000 100000" in r.stdout


def test_read_only_tmpfs_volumes_and_init(run, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "hello").write_text("hi\n")
    r = run("--read-only", "--tmpfs", "/scratch", "-v", f"{data}:/data:ro", "--init", "bb:plain", "sh", "-c",
            "touch /x 2>/dev/null && echo root-writable; touch /scratch/y && echo scratch-ok; cat /data/hello; "
            "touch /data/z 2>/dev/null && echo data-writable; tr '\\0' ' ' < /proc/1/cmdline")
    lines = r.stdout.strip().splitlines()
    assert lines[:-1] == ["scratch-ok", "hi"], r.stdout  # / and /data refused the writes
    assert lines[-1].startswith("/sbin/docker-init -- sh")


def test_vfs_driver_runs_the_same_image(run):
    r = run("bb:plain", "sh", "-c", "ls /bin/busybox && echo $HOSTNAME", driver="vfs")
    assert r.stdout.split() == ["/bin/busybox", run.cid[:12]]


def test_upper_dir_records_changes_as_dock_diff_shows_them(run, store):
    r = run("bb:plain", "sh", "-c", "echo new > /etc/added; echo more >> /etc/passwd; rm /etc/group",
            after=shlex.join([str(HELPER), "diff", str(store.root)]) + " {bundle} bb:plain")
    lines = r.stdout.splitlines()
    assert "C /etc" in lines and "A /etc/added" in lines and "C /etc/passwd" in lines and "D /etc/group" in lines, \
        r.stdout


def test_bad_flags_fail_with_dockers_message_and_leave_nothing(run):
    r = run("-m", "x", "bb:plain", "true", check=False)
    assert r.returncode == 125
    assert "invalid argument \"x\" for \"-m, --memory\" flag: invalid size: 'x'" in r.stderr
    assert not (run.bundle / "container").exists() and not (run.bundle / "config.json").exists()
    r = run("-u", "nosuchuser", "bb:plain", "true", check=False)
    assert r.returncode == 125 and "unable to find user nosuchuser" in r.stderr
    assert not (run.bundle / "container").exists(), "a failed spec build left the container dir"
    r = run("bb:plain", check=False)
    assert r.returncode == 125 and "no command specified" in r.stderr


# --------------------------------------------------------------------------
# the same flags under podman (on berth), where podman does what docker does


@pytest.fixture(scope="module")
def podman(busybox_rootfs_dir, tmp_path_factory):  # noqa: F811
    if which("podman") is None or which("conmon") is None:
        pytest.skip("podman or conmon is not installed (scripts/install-deps.sh test installs them)")
    base = tmp_path_factory.mktemp("podman-runspec")
    yield from engine_fixture(
        lambda: Podman(base, ("berth",)),
        lambda engine: engine.load(build_image_archive(busybox_rootfs_dir, base / "image.tar")),
        "podman")


COMPARED = [
    ("user-env-workdir", ["-u", "nobody", "-e", "FOO=bar", "-w", "/tmp", "-h", "box"]),
    ("caps", ["--cap-drop", "ALL", "--cap-add", "chown", "--cap-add", "CAP_KILL"]),
    ("ulimit-shm", ["--ulimit", "nofile=512:1024", "--ulimit", "nproc=1024:2048", "--shm-size", "8m"]),
    ("privileged", ["--privileged"]),
]


@pytest.mark.parametrize("name,flags", COMPARED, ids=[c[0] for c in COMPARED])
def test_flags_observed_as_under_podman(run, podman, name, flags):
    ours = observe(run(*flags, "bb:plain", "sh", "-c", SHOW))
    theirs = observe(ok(podman("run", "--rm", *podman.run_flags(), *flags, IMAGE, "sh", "-c", SHOW, runtime="berth")))
    # Without the flags, podman's own defaults differ from docker's (its
    # containers.conf ulimits, /dev/shm of 64000k): only what the flags set
    # is compared.
    keys = ["uid", "gid", "cwd", "CapEff", "CapBnd"]
    keys += ["nofile"] if "--ulimit" in flags else []
    keys += ["shm"] if "--shm-size" in flags else []
    keys += ["hostname"] if "-h" in flags else []
    if name == "privileged":
        keys = ["uid", "CapEff", "Seccomp"]
    assert {k: ours.get(k) for k in keys} == {k: theirs.get(k) for k in keys}
    if "FOO=bar" in flags:
        assert ours["env"]["FOO"] == theirs["env"]["FOO"] == "bar"
        assert ours["env"]["HOSTNAME"] == theirs["env"]["HOSTNAME"] == "box"


# --------------------------------------------------------------------------
# the flag table through dock's command line


def test_run_help_lists_dockers_flags_from_the_table_and_create_hides_run_only_ones(tmp_path):
    from dock_helpers import run_dock
    run_help = run_dock("--root", tmp_path, "run", "--help", check=True).stdout
    create_help = run_dock("--root", tmp_path, "create", "--help", check=True).stdout
    for flag in ("-m, --memory bytes", "--memory-swap bytes", "--cpus decimal", "--ulimit ulimit", "-v, --volume list",
                 "--mount mount", "--network network", "-h, --hostname string", "--health-interval duration",
                 "-d, --detach", "--sig-proxy", "--detach-keys string"):
        assert flag in run_help, flag
    assert "--detach" not in create_help and "--sig-proxy" not in create_help and "-m, --memory bytes" in create_help


@pytest.mark.parametrize("args,message", [
    (["run", "-m", "x", "img"], "invalid argument \"x\" for \"-m, --memory\" flag: invalid size: 'x'"),
    (["run", "--cpus", "one", "img"], "invalid argument \"one\" for \"--cpus\" flag: failed to parse one as a rational number"),
    (["run", "--health-interval", "5", "img"],
     "invalid argument \"5\" for \"--health-interval\" flag: time: missing unit in duration \"5\""),
    (["run", "--restart", "never", "img"], "invalid restart policy format: unknown policy 'never'"),
    (["run", "--rm", "--restart", "always", "img"], "Conflicting options: --restart and --rm"),
    (["create", "-d", "img"], "unknown shorthand flag: 'd' in -d"),
    (["run", "--mount", "type=bind", "img"], "invalid argument \"type=bind\" for \"--mount\" flag: target is required"),
])
def test_run_flag_errors_are_dockers_with_status_125(tmp_path, args, message):
    from dock_helpers import run_dock
    r = run_dock("--root", tmp_path, *args)
    assert r.returncode == 125 and message in r.stderr, describe(r)
    assert f"See 'dock {args[0]} --help'." in r.stderr


def test_run_flags_stop_at_the_image(tmp_path):
    """`-c` after the image belongs to the command, `-h` before it is --hostname."""
    from dock_helpers import run_dock
    r = run_dock("--root", tmp_path, "run", "-h", "box", "-it", "img", "sh", "-c", "exit 3")
    assert "not implemented yet" in r.stderr and "unknown" not in r.stderr, describe(r)
