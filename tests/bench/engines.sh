#!/bin/sh
# engines.sh [N]: `podman run --rm IMAGE true` and `ctr run --rm IMAGE ID
# true` N times each (default 30) with berth, crun and runc as the runtime,
# interleaved, and print the median wall time of each (and the ratio to
# berth's).  The engines are private instances with everything under one
# temporary directory (tests/integration/engines.py, as the engine tests
# use them); the image is the busybox rootfs of make-bundle.sh.
#
# Time berth as built: a sanitizer build (--enable-asan) is much slower;
# configure without it for numbers worth comparing.  BERTH=path overrides
# the binary (default: the berth at the top of the tree).  A benchmark, not
# a test: nothing here asserts a time.  Needs root, podman and containerd.
set -eu
N=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${BERTH:-$top/berth}
export BERTH BERTH_SRCDIR="$top"
work=$(mktemp -d /tmp/engines-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

sh "$top/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
/usr/bin/python3 - "$N" "$work" "$top/tests/integration" <<'PY'
import statistics, sys, time
from pathlib import Path

n, work, tests = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
sys.path.insert(0, tests)
from engines import IMAGE, Containerd, Podman, build_image_archive, runtime_path, which  # noqa: E402

runtimes = [r for r in ("berth", "crun", "runc") if runtime_path(r)]
archive = build_image_archive(work / "bundle" / "rootfs", work / "image.tar")


def timed(run, argv):
    t0 = time.monotonic()
    r = run(argv)
    elapsed = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, r.args))} failed ({r.returncode}): {r.stderr.strip()}")
    return elapsed


def bench(label, run, argv_for):
    """Each runtime once per round, N rounds (after one warm-up round)."""
    times = {rt: [] for rt in runtimes}
    for i in range(n + 1):
        for rt in runtimes:
            t = timed(run, argv_for(rt, i))
            if i:
                times[rt].append(t)
    base = statistics.median(times["berth"])
    print(f"\n{label}  (median of {n}, ms)")
    for rt in runtimes:
        m = statistics.median(times[rt])
        print(f"  {rt:6} {m * 1000:8.1f}   x{m / base:.2f} of berth   "
              f"(min {min(times[rt]) * 1000:.1f}, max {max(times[rt]) * 1000:.1f})")


problems = []
if which("podman"):
    podman = Podman(work / "podman", runtimes)
    try:
        podman.load(archive)
        bench("podman run --rm IMAGE true", lambda argv: podman(*argv),
              lambda rt, i: ["--runtime", rt, "run", "--rm", *podman.run_flags(), IMAGE, "true"])
    finally:
        problems += podman.cleanup()
else:
    print("podman is not installed: skipped")
if which("containerd") and which("ctr"):
    ctd = Containerd(work / "containerd", runtimes)
    try:
        ctd.ctr("images", "import", archive)
        bench("ctr run --rm IMAGE ID true", lambda argv: ctd.ctr(*argv),
              lambda rt, i: ["run", "--rm", *ctd.run_flags(rt), IMAGE, f"bench-{rt[0]}{i}", "true"])
    finally:
        problems += ctd.cleanup()
else:
    print("containerd is not installed: skipped")
for p in problems:
    print("cleanup:", p, file=sys.stderr)
PY
