#!/bin/sh
# lifecycle.sh [N]: run /bin/true N times (default 100) with `RUNTIME run`
# on one busybox bundle, for berth, crun and runc in the same run, and print
# each one's mean wall time, CPU time and peak RSS, and the ratios to berth.
#
# crun 1.8 refuses hybrid cgroup hosts, so it runs inside a private mount
# namespace whose /sys/fs/cgroup shows only the v1 hierarchies (the unified
# mount is detached there, never on the host).  A benchmark, not a test:
# nothing here asserts a time.
set -eu
N=${1:-100}
top=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${BERTH:-$top/berth}
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

BERTH=$BERTH sh "$top/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["ociVersion"] = "1.0.2"  # the newest version all three runtimes accept
json.dump(c, open(sys.argv[1], "w"))
PY

cc -O2 -o "$work/rusage-run" "$top/tests/bench/rusage-run.c"
python3 - "$N" "$work" "$BERTH" <<'PY'
import os, shutil, subprocess, sys, time

n, work, berth = int(sys.argv[1]), sys.argv[2], sys.argv[3]
bundle = os.path.join(work, "bundle")
runtimes = [("berth", [berth])]
if shutil.which("crun"):
    # A private mount namespace where the hybrid host's cgroup2 mount is gone.
    runtimes.append(("crun", ["unshare", "-m", "--propagation", "private", "sh", "-c",
                              'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"', "crun"]))
if shutil.which("runc"):
    runtimes.append(("runc", ["runc"]))

def measure(name, argv):
    root = os.path.join(work, "root-" + name)
    os.makedirs(root)
    wall = cpu = 0.0
    peak = 0
    for i in range(n):
        cmd = [os.path.join(work, "rusage-run")] + argv + ["--root", root, "run", "--bundle", bundle, f"bench-{name}-{i}"]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        rc, w, c, rss = (int(x) for x in p.stdout.split()[-4:])
        if rc != 0:
            print(f"{name}: run failed ({rc}): {p.stderr.strip()}", file=sys.stderr)
            return None
        wall += w / 1e6
        cpu += c / 1e6
        peak = max(peak, rss)
    return wall / n, cpu / n, peak

results = {}
for name, argv in runtimes:
    r = measure(name, argv)
    if r:
        results[name] = r

print(f"{n} sequential `run /bin/true` per runtime (mean per run; peak RSS: largest process of the runtime's tree)")
print(f"{'runtime':8} {'wall ms':>9} {'cpu ms':>8} {'peak RSS KiB':>13}   ratios to berth (wall / cpu / rss)")
b = results.get("berth")
for name, (wall, cpu, peak) in results.items():
    ratio = ""
    if b and name != "berth":
        ratio = f"   {wall / b[0]:.2f}x / {cpu / b[1]:.2f}x / {peak / b[2]:.2f}x"
    print(f"{name:8} {wall * 1000:9.2f} {cpu * 1000:8.2f} {peak:13d}{ratio}")
PY
