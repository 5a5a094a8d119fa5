#!/bin/sh
# scale.sh [N]: N detached containers (default 1000) started one after
# another with `run -d` by berth and crun, interleaved (container i of each
# runtime, then container i+1), all left running; then `list -q` and
# `list` with N containers, and `delete -f` of every one.  Prints the mean
# CPU time of a start per block of N/10 containers (flat in N is the goal),
# the median CPU of list -q / list at N and the mean CPU of a delete -f,
# with the ratios berth/crun.  CPU is user+sys of the whole process tree
# (rusage-run.c).  Same namespace and tmpfs state roots as runtimes.sh
# (bench-env.sh).  Cleans up every container even when interrupted.
#
# BERTH=path picks the binary; RUNTIMES="berth crun runc" adds runc, and
# NAME=PATH another binary (RUNTIMES="berth crun before=/tmp/berth-old").  A
# benchmark, not a test: nothing here asserts a time.  Needs root, and
# memory for 2N small containers (about 0.2 MiB each).
set -eu
N=${1:-1000}
bench_args="/bin/sleep 1000000"
. "$(dirname "$0")/bench-env.sh"
in_bench_ns python3 "$top/tests/bench/scale.py" "$work" "$N" "$BERTH" "${RUNTIMES:-berth crun}"
