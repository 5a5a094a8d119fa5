"""Real configs, as real clients write them (tests/corpus/*.json, captured by
tests/corpus/capture.py: runc spec, crun spec, podman run with several flag
sets, containerd's ctr run and CRI plugin), run under berth and under runc
with the same observable result: the exit status and what a probe prints
from inside (identity, groups, capabilities, no_new_privs, seccomp mode,
hostname, cwd, umask, rlimits, environment, mount points, /dev).

Each corpus config is made concrete for a bundle of the test's own: the
busybox rootfs, empty files and directories for the engines' bind mounts,
a namespace holder for namespace paths, and a cgroup of the test's (see
capture.py for the placeholders).  Both runtimes run in private mount,
uts, net and ipc namespaces with a /dev of fresh nodes, so that no config
can reach the host's state or its device nodes.

Where berth differs from runc for a reason, KNOWN_DIFFERENCES says why
and the test checks that exactly that difference remains."""
import json
import os
import re
import shlex
import signal
import time
import subprocess
import uuid
from collections import Counter
from pathlib import Path

import pytest

from conftest import (BERTH, SRCDIR, _cgroups_named, _remove_cgroups, berth_env, describe, exec_command,
                      open_path_to)
from engines import FRESH_DEV_SCRIPT
from runc_helper import runc  # noqa: F401 (fixture)

pytestmark = pytest.mark.comparison

CORPUS = sorted((SRCDIR / "tests" / "corpus").glob("*.json"))
TIMEOUT = 60

PROBE = ("id; grep -E '^(Cap|NoNewPrivs|Seccomp|Groups):' /proc/self/status; hostname; pwd; umask; "
         "ulimit -n; ulimit -u; env | sort | sed 's/^/env /'; "
         "awk -F' - ' '{split($1, a, \" \"); split($2, b, \" \"); print \"mount\", a[5], b[1]}' "
         "/proc/self/mountinfo | sort; ls /dev | sed 's/^/dev /'")

# Private mount, uts, net and ipc namespaces whose /dev holds fresh nodes
# (engines.FRESH_DEV_SCRIPT): a runtime that wrongly chowns or chmods a
# bind-mounted device changes only these.
SANDBOX = ["unshare", "-m", "-u", "-n", "-i", "--propagation", "private", "sh", "-c",
           FRESH_DEV_SCRIPT + ' && exec "$@"', "sh"]

# (corpus name or "*", line): why berth's probe output has that line and runc's not ("+") or the reverse ("-").
HYBRID = os.path.exists("/sys/fs/cgroup/unified") and os.path.ismount("/sys/fs/cgroup/unified")
KNOWN_DIFFERENCES = {
    ("*", "+mount /sys/fs/cgroup/unified cgroup2"):
        "on a hybrid host berth also mounts the cgroup2 hierarchy in the container's cgroup tmpfs; "
        "runc 1.1.5 mounts only the v1 hierarchies",
}


# Configs runc 1.1.5 refuses, with the phrase it says and why berth runs them.
RUNC_REFUSES = {
    "crun-spec-rootless": ("no uid mappings found",
                           "`crun spec --rootless` leaves the user namespace unmapped (crun then maps the caller); "
                           "berth runs it unmapped as crun does (issue 14 B9), runc 1.1.5 refuses it"),
}


def known_for(name, has_cgroup_mount):
    out = set()
    for (which, line), _ in KNOWN_DIFFERENCES.items():
        if which in ("*", name) and (HYBRID and has_cgroup_mount or "unified" not in line):
            out.add(line)
    return out


class NamespaceHolder:
    """A sleeping process in new pid, net, ipc and uts namespaces, for
    configs that join namespaces by path (a CRI container joins its pod's).
    unshare itself stays outside the pid namespace it makes: that one is
    its pid_for_children, whose init is the sleep."""

    def __init__(self):
        self.proc = subprocess.Popen(["unshare", "-p", "-f", "-n", "-i", "-u", "sleep", "600"],
                                     stdin=subprocess.DEVNULL)
        for _ in range(100):  # until the sleep (the pid namespace's init) exists
            if Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().strip():
                break
            time.sleep(0.02)

    def path(self, ns_type):
        proc_name = {"network": "net", "mount": "mnt", "pid": "pid_for_children"}.get(ns_type, ns_type)
        return f"/proc/{self.proc.pid}/ns/{proc_name}"

    def stop(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def ns_holder():
    h = NamespaceHolder()
    try:
        yield h
    finally:
        h.stop()


@pytest.fixture
def cgroup_parent():
    """A cgroup parent name of the test's; removed (in every hierarchy)
    afterwards."""
    name = f"berth-corpus-{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        _remove_cgroups(_cgroups_named({name}))


def concrete(config, bundle, data_dir, holder, cgroup):
    """The corpus config made real for bundle (see capture.py)."""
    text = json.dumps(config)
    data_dir.mkdir()

    def fill(m):
        kind, name = m.group(1), m.group(2)
        p = data_dir / name
        if kind == "DIR":
            p.mkdir(exist_ok=True)
        elif not p.exists():
            p.write_text(f"corpus {name}\n")
        return str(p)

    text = re.sub(r"@(FILE|DIR):([A-Za-z0-9_.-]+)@", fill, text)
    text = re.sub(r"@NS:([a-z]+)@", lambda m: holder.path(m.group(1)), text)
    text = text.replace("@CGROUP@", cgroup)
    config = json.loads(text)
    config["root"]["path"] = str(bundle.rootfs)
    config["process"]["args"] = ["sh", "-c", PROBE]
    return config


def run_on_a_terminal(argv, errfile):
    command = " ".join(shlex.quote(str(a)) for a in argv) + " 2>" + shlex.quote(str(errfile))
    p = subprocess.run(["script", "-q", "-e", "-c", command, "/dev/null"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT, env=berth_env({}))
    return p.returncode, p.stdout.replace("\r", "").replace("\0", "").replace("^@", ""), errfile.read_text()


def run_config(argv, terminal, errfile):
    """(exit status, stdout, stderr) of a runtime's `run` in the sandbox."""
    argv = [*SANDBOX, *map(str, argv)]
    if terminal:
        return run_on_a_terminal(argv, errfile)
    result, timed_out = exec_command(argv, timeout=TIMEOUT)
    assert not timed_out, describe(result)
    return result.returncode, result.stdout, result.stderr


def without(lines, extra):
    """lines, less the last occurrences counted in extra (a Counter)."""
    extra = Counter(extra)
    kept = []
    for line in reversed(lines):
        if extra[line] > 0:
            extra[line] -= 1
        else:
            kept.append(line)
    return kept[::-1]


def probe_lines(text):
    return [line for line in text.splitlines() if line]


def corpus_bundle(original, bundle_factory, name, tmp_path, holder, cgroup):
    """A bundle of the test's with the corpus config made real in .config
    (not written yet)."""
    b = bundle_factory(f"bundle-{name}")
    open_path_to(b.rootfs)  # for a mapped root (a user namespace)
    root_map = [m for m in original.get("linux", {}).get("uidMappings", []) if m["containerID"] == 0]
    if root_map and root_map[0]["hostID"] != 0:
        # As podman does for --uidmap: the rootfs belongs to the mapped root.
        host_id = root_map[0]["hostID"]
        subprocess.run(["chown", "-R", "--no-dereference", f"{host_id}:{host_id}", str(b.rootfs)], check=True)
    b.config = concrete(original, b, tmp_path / f"data-{name}", holder, cgroup)
    return b


def assert_same_probe(corpus, original, out_ours, out_theirs):
    """The probe's lines are the same but for KNOWN_DIFFERENCES, in the same
    order (mount lines are sorted by the probe)."""
    ours, theirs = probe_lines(out_ours), probe_lines(out_theirs)
    # Lines (a mount point may show more than once) that one has more often.
    more_ours, more_theirs = Counter(ours) - Counter(theirs), Counter(theirs) - Counter(ours)
    differences = {f"+{line}" for line in more_ours} | {f"-{line}" for line in more_theirs}
    has_cgroup_mount = any(m.get("type") == "cgroup" for m in original.get("mounts", []))
    assert differences == known_for(corpus.stem, has_cgroup_mount), (
        f"{corpus.name}: berth (+) and runc (-) differ\n--- berth ---\n{out_ours}\n--- runc ---\n{out_theirs}")
    assert all(n == 1 for n in (more_ours + more_theirs).values())
    assert without(ours, more_ours) == without(theirs, more_theirs)


@pytest.mark.parametrize("corpus", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_config_runs_under_berth_as_under_runc(corpus, bundle_factory, berth_root, container_id, runc,
                                                      ns_holder, cgroup_parent, tmp_path):
    original = json.loads(corpus.read_text())
    terminal = bool(original["process"].get("terminal"))
    outcomes = {}
    for name in ("berth", "runc"):
        b = corpus_bundle(original, bundle_factory, name, tmp_path, ns_holder,
                          f"/{cgroup_parent}/{container_id}-{name}")
        b.write_config()
        cid = f"{container_id}-{name}"
        if name == "berth":
            argv = [BERTH, "--root", berth_root, "run", "--bundle", b, cid]
        else:
            argv = [runc.path, "--root", runc.root, "run", "--bundle", b, cid]
        outcomes[name] = run_config(argv, terminal, tmp_path / f"{name}.err")
    (rc_ours, out_ours, err_ours), (rc_theirs, out_theirs, err_theirs) = outcomes["berth"], outcomes["runc"]
    assert "Sanitizer" not in err_ours, err_ours
    if corpus.stem in RUNC_REFUSES:
        phrase, _ = RUNC_REFUSES[corpus.stem]
        assert rc_theirs != 0 and phrase in err_theirs, err_theirs
        assert rc_ours == 0, f"berth failed on {corpus.name}:\n{out_ours}\n{err_ours}"
        return
    assert rc_theirs == 0, f"runc failed on {corpus.name}:\n{out_theirs}\n{err_theirs}"
    assert rc_ours == 0, f"berth failed on {corpus.name}:\n{out_ours}\n{err_ours}"
    assert_same_probe(corpus, original, out_ours, out_theirs)


@pytest.mark.parametrize("corpus", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_config_exec_under_berth_as_under_runc(corpus, bundle_factory, berth_root, container_id, runc,
                                                     ns_holder, cgroup_parent, tmp_path):
    """`exec` of the probe into each corpus container (its init a sleep,
    without a terminal: `run -d` of a terminal needs a console socket)."""
    original = json.loads(corpus.read_text())
    if corpus.stem in RUNC_REFUSES:
        pytest.skip(f"runc refuses {corpus.name}: {RUNC_REFUSES[corpus.stem][1]}")
    outcomes = {}
    for name in ("berth", "runc"):
        b = corpus_bundle(original, bundle_factory, name, tmp_path, ns_holder,
                          f"/{cgroup_parent}/{container_id}-{name}")
        b.config["process"]["args"] = ["sleep", "60"]
        b.config["process"]["terminal"] = False
        b.write_config()
        cid = f"{container_id}-{name}"
        runtime = [BERTH, "--root", berth_root] if name == "berth" else [runc.path, "--root", runc.root]
        # Both in one sandbox: the exec must find the container's namespaces and /dev.
        script = ('"$@" run -d --bundle "$B" "$C" </dev/null >/dev/null 2>"$E" || exit 90; '
                  '"$@" exec "$C" sh -c "$P"; rc=$?; "$@" delete --force "$C" 2>>"$E"; exit $rc')
        argv = [*SANDBOX, "env", f"B={b.path}", f"C={cid}", f"E={tmp_path}/{name}.err", f"P={PROBE}", "sh", "-c",
                script, "sh", *map(str, runtime)]
        result, timed_out = exec_command(argv, timeout=TIMEOUT)
        assert not timed_out, describe(result)
        outcomes[name] = (result.returncode, result.stdout, (tmp_path / f"{name}.err").read_text() + result.stderr)
    (rc_ours, out_ours, err_ours), (rc_theirs, out_theirs, err_theirs) = outcomes["berth"], outcomes["runc"]
    assert "Sanitizer" not in err_ours, err_ours
    assert rc_theirs == 0, f"runc failed on {corpus.name}:\n{out_theirs}\n{err_theirs}"
    assert rc_ours == 0, f"berth failed on {corpus.name}:\n{out_ours}\n{err_ours}"
    assert_same_probe(corpus, original, out_ours, out_theirs)


def test_the_corpus_has_every_source():
    names = {p.stem for p in CORPUS}
    for want in ("runc-spec", "runc-spec-rootless", "crun-spec", "crun-spec-rootless", "podman-run",
                 "podman-run-it", "podman-run-volume", "podman-run-memory", "podman-run-cap-add",
                 "podman-run-userns", "podman-run-seccomp", "ctr-run", "cri-pod-sandbox", "cri-container"):
        assert want in names, f"tests/corpus/{want}.json is missing (run tests/corpus/capture.py)"
    for p in CORPUS:
        text = p.read_text()
        assert "/tmp/" not in text and "berth-corpus" not in text, f"{p.name} holds a host-specific path"
