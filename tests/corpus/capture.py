#!/usr/bin/python3
"""Capture the corpus: the config.json that real clients write, as they
hand it to their OCI runtime, stored in tests/corpus/*.json for
tests/integration/test_corpus.py.

    /usr/bin/python3 tests/corpus/capture.py [OUTDIR [--no-cri]]   (as root; default: tests/corpus)

Sources: `runc spec`, `runc spec --rootless`, `crun spec`, `crun spec
--rootless`; podman run with several flag sets; containerd's `ctr run`.
podman and containerd run privately (tests/integration/engines.py) with a
capturing runtime wrapper in place of runc: on `create` it saves the
bundle's config.json, normalised, then runs runc as usual.

Normalisation (what is specific to this host and this run), undone by the
test for a bundle of its own:
  root.path                      "rootfs"
  a bind mount's source under a  "@FILE:name@" or "@DIR:name@" (a file or a
  path the engine made           directory the test makes, empty)
  a namespace's path             "@NS:type@" (the test's namespace holder)
  linux.cgroupsPath              "@CGROUP@" (a cgroup of the test's)
Nothing else is changed."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRCDIR = HERE.parent.parent
RUNC = "/usr/sbin/runc"

# Mount sources that are the host's own and mean the same everywhere.
SYSTEM_SOURCES = re.compile(r"^(/proc|/sys|/dev|proc|sysfs|tmpfs|devpts|mqueue|shm|cgroup|cgroup2|none)(/|$)")


def normalise(config):
    config["root"]["path"] = "rootfs"
    used = set()
    for m in config.get("mounts", []):
        src = m.get("source", "")
        bind = m.get("type") == "bind" or any(o in ("bind", "rbind") for o in m.get("options", []))
        if not bind or SYSTEM_SOURCES.match(src) or not src.startswith("/"):
            continue
        kind = "DIR" if os.path.isdir(src) else "FILE"
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(src.rstrip("/")) or "root")
        while name in used:
            name += "_"
        used.add(name)
        m["source"] = f"@{kind}:{name}@"
    linux = config.get("linux", {})
    for ns in linux.get("namespaces", []):
        if ns.get("path"):
            ns["path"] = f"@NS:{ns['type']}@"
    if "cgroupsPath" in linux:
        linux["cgroupsPath"] = "@CGROUP@"
    return config


def save(outdir, args):
    """The wrapper's half: save the bundle's config on `create`/`run`."""
    command, bundle, i = None, None, 0
    while i < len(args):
        a = args[i]
        if a in ("--bundle", "-b") and i + 1 < len(args):
            bundle = args[i + 1]
            i += 1
        elif a.startswith("--bundle="):
            bundle = a.split("=", 1)[1]
        elif command is None and not a.startswith("-") and (i == 0 or args[i - 1] not in ("--root", "--log",
                                                                                          "--log-format")):
            command = a
        i += 1
    if command not in ("create", "run"):
        return
    bundle = bundle or "."
    config = normalise(json.loads(Path(bundle, "config.json").read_text()))
    out = Path(outdir) / f"raw-{time.time_ns()}.json"
    out.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


WORK_PLACEHOLDER = "/corpus-work"


def take_raw(outdir, label, work):
    """Move the configs saved since the last call to label.json (or
    label-N.json when there are several), with the capture's own work
    directory (in annotations, say) written as WORK_PLACEHOLDER."""
    raws = sorted(Path(outdir).glob("raw-*.json"))
    if not raws:
        raise RuntimeError(f"{label}: the engine created no container")
    for n, raw in enumerate(raws):
        text = raw.read_text().replace(str(work), WORK_PLACEHOLDER)
        (Path(outdir) / (f"{label}.json" if len(raws) == 1 else f"{label}-{n}.json")).write_text(text)
        raw.unlink()


def write_wrapper(path, outdir, root=None):
    argv = [RUNC] + (["--root", str(root)] if root else [])
    path.write_text("#!/bin/sh\n"
                    f"{sys.executable} {Path(__file__).resolve()} --save {outdir} \"$@\" || exit 1\n"
                    f"exec {' '.join(argv)} \"$@\"\n")
    path.chmod(0o755)


def spec_configs(outdir):
    for tool in ("runc", "crun"):
        for rootless in (False, True):
            with tempfile.TemporaryDirectory() as d:
                subprocess.run([tool, "spec", *(["--rootless"] if rootless else [])], cwd=d, check=True)
                config = normalise(json.loads(Path(d, "config.json").read_text()))
            name = f"{tool}-spec{'-rootless' if rootless else ''}.json"
            (Path(outdir) / name).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


SECCOMP_DENY_MKDIR = {"defaultAction": "SCMP_ACT_ALLOW",
                      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}


def podman_configs(outdir, work, rootfs):
    from engines import IMAGE, Podman, build_image_archive, run_in_pty
    podman = Podman(work / "podman", runtimes=("runc",))
    write_wrapper(podman.wrappers["runc"], outdir, podman.roots["runc"])
    volume = work / "volume"
    volume.mkdir()
    profile = work / "seccomp.json"
    profile.write_text(json.dumps(SECCOMP_DENY_MKDIR))
    flag_sets = {
        "podman-run": [],
        "podman-run-volume": ["-v", f"{volume}:/data"],
        "podman-run-memory": ["--memory", "64m", "--pids-limit", "100"],
        "podman-run-cap-add": ["--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN"],
        "podman-run-userns": ["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"],
        "podman-run-seccomp": ["--security-opt", f"seccomp={profile}"],
    }
    try:
        podman.load(build_image_archive(rootfs, work / "image.tar"))
        for label, flags in flag_sets.items():
            r = podman("run", "--rm", *podman.run_flags(), *flags, IMAGE, "true")
            if r.returncode != 0:
                raise RuntimeError(f"{label}: {r.stderr}")
            take_raw(outdir, label, work)
        run_in_pty(podman.argv("run", "--rm", "-it", *podman.run_flags(), IMAGE, "sh", "-c", "echo done"),
                   podman.env, send=b"", wait_for=b"done")
        take_raw(outdir, "podman-run-it", work)
    finally:
        problems = podman.cleanup()
        if problems:
            print("podman cleanup:", *problems, sep="\n  ", file=sys.stderr)


def ctr_configs(outdir, work, rootfs):
    from engines import IMAGE, Containerd, build_image_archive
    ctrd = Containerd(work / "containerd", runtimes=("runc",))
    write_wrapper(ctrd.wrappers["runc"], outdir)
    try:
        archive = build_image_archive(rootfs, work / "ctr-image.tar")
        r = ctrd.ctr("images", "import", archive)
        if r.returncode != 0:
            raise RuntimeError(f"ctr images import: {r.stderr}")
        for label, flags in {"ctr-run": [], "ctr-run-env-cwd": ["--env", "FOO=bar", "--cwd", "/tmp"]}.items():
            r = ctrd.ctr("run", "--rm", *ctrd.run_flags("runc"), *flags, IMAGE, f"corpus-{label}", "true")
            if r.returncode != 0:
                raise RuntimeError(f"{label}: {r.stderr}")
            take_raw(outdir, label, work)
    finally:
        problems = ctrd.cleanup()
        if problems:
            print("containerd cleanup:", *problems, sep="\n  ", file=sys.stderr)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--cri-only":
        # Only the CRI configs, into OUTDIR (for a host where the rest is done).
        sys.path.insert(0, str(SRCDIR / "tests" / "integration"))
        sys.path.insert(0, str(HERE))
        os.environ.setdefault("BERTH_SRCDIR", str(SRCDIR))
        import cri_capture
        work = Path(tempfile.mkdtemp(prefix="berth-corpus-"))
        try:
            subprocess.run(["sh", str(SRCDIR / "tests" / "fixtures" / "make-bundle.sh"), str(work / "bundle")],
                           check=True, env={k: v for k, v in os.environ.items() if k != "BERTH"})
            cri_capture.cri_configs(Path(sys.argv[2]).resolve(), work, work / "bundle" / "rootfs", write_wrapper,
                                    take_raw)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--save":
        save(sys.argv[2], sys.argv[3:])
        return
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else HERE).resolve()
    sys.path.insert(0, str(SRCDIR / "tests" / "integration"))
    os.environ.setdefault("BERTH_SRCDIR", str(SRCDIR))
    work = Path(tempfile.mkdtemp(prefix="berth-corpus-"))
    try:
        bundle = work / "bundle"
        subprocess.run(["sh", str(SRCDIR / "tests" / "fixtures" / "make-bundle.sh"), str(bundle)], check=True,
                       env={k: v for k, v in os.environ.items() if k != "BERTH"})
        spec_configs(outdir)
        podman_configs(outdir, work, bundle / "rootfs")
        ctr_configs(outdir, work, bundle / "rootfs")
        if len(sys.argv) <= 2 or sys.argv[2] != "--no-cri":
            sys.path.insert(0, str(HERE))
            import cri_capture
            cri_capture.cri_configs(outdir, work, bundle / "rootfs", write_wrapper, take_raw)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
