#!/bin/sh
# runtimes.sh [N]: berth, crun and runc side by side, interleaved (each
# runtime once per round, the order rotating), N rounds (default 41) after
# one warm-up round.  Per round and runtime: `run /bin/true`, then the split
# lifecycle create / start / state / kill / delete of a `sleep` container.
# Prints the median CPU time (user+sys of the whole process tree, wrapper
# excluded: rusage-run.c), the median wall time and the peak RSS of each
# step, and the ratios berth/crun and berth/runc.
#
# Fairness: all three run inside one private mount namespace whose
# /sys/fs/cgroup shows only the v1 hierarchies (crun 1.8 refuses the hybrid
# host; the unified mount is detached there, never on the host), with their
# state roots on one private tmpfs, as /run is on a normal host.
#
# BERTH=path picks the binary (default: the berth at the top of the tree);
# build it without --enable-asan for figures worth comparing.
# RUNTIMES="berth crun" limits the set.  A benchmark, not a test: nothing
# here asserts a time.  Needs root.
set -eu
N=${1:-41}
top=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${BERTH:-$top/berth}
RUNTIMES=${RUNTIMES:-berth crun runc}
work=$(mktemp -d /tmp/berth-runtimes.XXXXXX)
trap 'rm -rf "$work"' EXIT

BERTH=$BERTH sh "$top/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
mkdir "$work/bundle-sleep"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
c = json.load(open(f"{work}/bundle/config.json"))
c["process"]["terminal"] = False
c["ociVersion"] = "1.0.2"  # the newest version all three runtimes accept
c["root"]["path"] = f"{work}/bundle/rootfs"
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(f"{work}/bundle/config.json", "w"))
c["process"]["args"] = ["/bin/sleep", "1000"]
json.dump(c, open(f"{work}/bundle-sleep/config.json", "w"))
PY

cc -O2 -o "$work/rusage-run" "$top/tests/bench/rusage-run.c"
exec unshare -m --propagation private sh -c '
	umount -l /sys/fs/cgroup/unified 2>/dev/null || true
	mkdir "$1/roots" && mount -t tmpfs -o mode=0700 bench-roots "$1/roots"
	exec python3 "$2" "$1" "$3" "$4" "$5"' runtimes "$work" "$top/tests/bench/runtimes.py" "$N" "$BERTH" "$RUNTIMES"
