#!/bin/sh
# runtimes.sh [N]: berth, crun and runc side by side, interleaved (each
# runtime once per round, the order rotating), N rounds (default 41) after
# one warm-up round.  Per round and runtime: `run /bin/true`, then the split
# lifecycle create / start / state / kill / delete of a `sleep` container.
# Prints the median CPU time (user+sys of the whole process tree, wrapper
# excluded: rusage-run.c), the median wall time and the peak RSS of each
# step, and the ratios berth/crun and berth/runc.  All three run in the
# same mount namespace with their state on one tmpfs (bench-env.sh).
#
# BERTH=path picks the binary (default: the berth at the top of the tree);
# build it without --enable-asan for figures worth comparing.
# RUNTIMES="berth crun" limits the set; NAME=PATH adds a binary under a
# name of its own (RUNTIMES="berth crun runc before=/tmp/berth-old").  A benchmark, not a test: nothing
# here asserts a time.  Needs root.
set -eu
N=${1:-41}
bench_args=/bin/true
. "$(dirname "$0")/bench-env.sh"
mkdir "$work/bundle-sleep"
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); c["process"]["args"] = ["/bin/sleep", "1000"]; json.dump(c, open(sys.argv[2], "w"))' \
	"$work/bundle/config.json" "$work/bundle-sleep/config.json"
in_bench_ns python3 "$top/tests/bench/runtimes.py" "$work" "$N" "$BERTH" "${RUNTIMES:-berth crun runc}"
