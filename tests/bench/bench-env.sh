# bench-env.sh: sourced by the benchmarks that compare runtimes side by side
# (runtimes.sh, scale.sh).  Sets $work (removed on exit), builds the busybox
# bundle $work/bundle (config.json running $bench_args, no terminal, ociVersion
# 1.0.2 so that all three runtimes accept it), compiles $work/rusage-run,
# and defines in_bench_ns CMD...: run CMD where all runtimes see the same
# host: a private mount namespace whose /sys/fs/cgroup shows only the v1
# hierarchies (crun 1.8 refuses the hybrid host; the unified mount is
# detached there, never on the host) and $work/roots a private tmpfs for
# their state roots, as /run is on a normal host.
top=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${BERTH:-$top/berth}
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

BERTH=$BERTH sh "$top/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
# shellcheck disable=SC2086 # $bench_args: the program and its arguments, split
python3 - "$work/bundle" $bench_args <<'PY'
import json, sys
bundle, args = sys.argv[1], sys.argv[2:]
c = json.load(open(f"{bundle}/config.json"))
c["process"]["terminal"] = False
c["ociVersion"] = "1.0.2"
c["root"]["path"] = f"{bundle}/rootfs"
c["process"]["args"] = args
json.dump(c, open(f"{bundle}/config.json", "w"))
PY
cc -O2 -o "$work/rusage-run" "$top/tests/bench/rusage-run.c"

in_bench_ns() {
	unshare -m --propagation private sh -c '
		umount -l /sys/fs/cgroup/unified 2>/dev/null || true
		mkdir "$0/roots" && mount -t tmpfs -o mode=0700 bench-roots "$0/roots"
		exec "$@"' "$work" "$@"
}
