#!/bin/sh
# store.sh [N]: dock's store next to podman's (vfs), in one run: import of a
# ~100 MB rootfs tarball into an empty store, `images` with 20 images, save
# and load of the imported image.  Prints the median wall time, CPU time and
# peak RSS of each, and the ratios podman/dock.  Everything lives in a
# temporary directory; podman runs in a private mount namespace whose
# /var/lib is a tmpfs (its blob-info cache ignores the storage settings).
# A benchmark, not a test: nothing here asserts a time.
set -eu
N=${1:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
DOCK=${DOCK:-$top/dock}
work=$(mktemp -d /tmp/dock-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

sh "$top/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
# Incompressible data so that the layer is really ~100 MB.
mkdir -p "$work/bundle/rootfs/data"
for i in 1 2 3 4; do head -c 25000000 /dev/urandom > "$work/bundle/rootfs/data/f$i"; done
tar -C "$work/bundle/rootfs" --numeric-owner -cf "$work/rootfs.tar" .
cc -O2 -o "$work/rusage-run" "$top/tests/bench/rusage-run.c"

python3 - "$N" "$work" "$DOCK" <<'PY'
import os, shutil, statistics, subprocess, sys

n, work, dock = int(sys.argv[1]), sys.argv[2], sys.argv[3]
tar = os.path.join(work, "rootfs.tar")
rr = os.path.join(work, "rusage-run")

def podman_env(base):
    os.makedirs(base, exist_ok=True)
    storage = os.path.join(base, "storage.conf")
    with open(storage, "w") as f:
        f.write(f'[storage]\ndriver = "vfs"\ngraphroot = "{base}/graph"\nrunroot = "{base}/run"\n')
    conf = os.path.join(base, "containers.conf")
    with open(conf, "w") as f:
        f.write('[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                f'events_logfile_path = "{base}/events.log"\ntmp_dir = "{base}/libpod"\n'
                f'static_dir = "{base}/graph/libpod"\nvolume_path = "{base}/graph/volumes"\n'
                f'image_copy_tmp_dir = "{base}"\nlock_type = "file"\n')
    return dict(os.environ, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage, TMPDIR=base)

def podman(base, *args):
    script = 'mount -t tmpfs -o size=64m tmpfs /var/lib && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", "podman", *args]

def run(argv, env=None):
    p = subprocess.run([rr, *argv], capture_output=True, text=True, env=env)
    rc, wall, cpu, rss = (int(x) for x in p.stdout.split()[-4:])
    if rc != 0:
        raise SystemExit(f"{argv[:6]} failed ({rc}): {p.stderr.strip()[:300]}")
    return wall / 1e3, cpu / 1e3, rss

def median(samples):
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))

results = {}
def record(op, engine, samples):
    results.setdefault(op, {})[engine] = median(samples)

have_podman = shutil.which("podman") is not None
for engine in ["dock"] + (["podman"] if have_podman else []):
    imports, images, saves, loads = [], [], [], []
    for i in range(n):
        base = os.path.join(work, f"{engine}-{i}")
        if engine == "dock":
            root = os.path.join(base, "root")
            cmd = lambda *a: [dock, "--root", root, *a]
            env = None
        else:
            env = podman_env(base)
            cmd = lambda *a: podman(base, *a)
        imports.append(run(cmd("import", tar, "bench:big"), env))
        if i == 0:
            small = os.path.join(work, "small.tar")
            if not os.path.exists(small):
                subprocess.run(["tar", "-C", os.path.join(work, "bundle", "rootfs"), "--exclude=./data",
                                "-cf", small, "."], check=True)
            for k in range(19):
                run(cmd("import", small, f"bench:s{k}"), env)
            for _ in range(max(10, n)):
                images.append(run(cmd("images"), env))
        out = os.path.join(base, "saved.tar")
        saves.append(run(cmd("save", "-o", out, "bench:big"), env))
        run(cmd("rmi", "bench:big"), env)
        loads.append(run(cmd("load", "-i", out), env))
        shutil.rmtree(base, ignore_errors=True)
    record("import ~100 MB", engine, imports)
    record("images (20)", engine, images)
    record("save", engine, saves)
    record("load", engine, loads)

print(f"{'operation':<16} {'engine':<7} {'wall ms':>9} {'cpu ms':>9} {'rss MB':>8}   podman/dock (wall cpu rss)")
for op, by in results.items():
    d = by["dock"]
    for engine, (w, c, r) in by.items():
        ratio = ""
        if engine != "dock":
            ratio = f"   {w / d[0]:.1f}x {c / d[1]:.1f}x {r / d[2]:.1f}x"
        print(f"{op:<16} {engine:<7} {w:>9.1f} {c:>9.1f} {r / 1024:>8.1f}{ratio}")
PY
