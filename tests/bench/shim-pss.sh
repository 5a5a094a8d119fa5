#!/bin/sh
# PSS of idle dock-shim processes, each the monitor of a busybox `sleep`
# container: one alone, then N (50) at once, against issue 17's budget of
# 256 KiB per container.  dock-shim and berth are built here from the
# source tree without sanitizers (the tree's own build may have ASan).
#   usage: tests/bench/shim-pss.sh   (as root, from the source tree)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-50}
work=$(mktemp -d /tmp/shim-pss.XXXXXX)
root=$work/root
cleanup() {
	for f in "$work"/run.*/shim.pid; do
		if [ -f "$f" ]; then kill -9 "$(cat "$f")" 2>/dev/null || :; fi
	done
	if [ -x "$work/tree/berth" ] && [ -d "$root" ]; then
		for id in $("$work/tree/berth" --root "$root" list -q 2>/dev/null); do
			"$work/tree/berth" --root "$root" delete --force "$id" 2>/dev/null || :
		done
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The tree's files (tracked and new, not the build products) in a copy.
mkdir "$work/tree"
(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 tar cf -) | tar xf - -C "$work/tree"
(cd "$work/tree" && ./autogen.sh >/dev/null 2>&1 && ./configure >/dev/null && make -j2 berth dock-shim >/dev/null 2>&1) ||
	{ echo "build failed"; exit 1; }
shim=$work/tree/dock-shim
berth=$work/tree/berth
BERTH=$berth sh "$src/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["sleep", "100000"]
json.dump(c, open(sys.argv[1], "w"))
PY
sync # a fresh binary's dirty page cache would count as private

start() { # start NAME: one shim with its own run directory
	d=$work/run.$1
	mkdir -p "$d"
	"$shim" --root "$root" --id "$1" --bundle "$work/bundle" --attach "$d/attach.sock" \
		--exit-file "$d/exit.json" --pid-file "$d/shim.pid" --log "$d/ctr-json.log"
	if [ ! -f "$d/shim.pid" ]; then
		echo "$1 ended at once: $(cat "$d/exit.json" 2>/dev/null)"
		return 0
	fi
	cat "$d/shim.pid" >>"$work/pids.$2"
	echo >>"$work/pids.$2"
}
pss() { # pss PID...: Pss, Pss_Anon, Pss_File summed (kB)
	for p in "$@"; do cat "/proc/$p/smaps_rollup"; done | awk '
		/^Pss:/ { t += $2 } /^Pss_Anon:/ { a += $2 } /^Pss_File:/ { f += $2 }
		END { printf "%d %d %d\n", t, a, f }'
}

printf 'dock-shim %d bytes (%s)\n' "$(stat -c %s "$shim")" "$(file -b "$shim" | cut -d, -f1-2)"
start one one
sleep 0.5
# shellcheck disable=SC2046 # one word per figure
set -- $(pss "$(cat "$work/pids.one")")
printf 'one idle shim: Pss %d kB (anon %d kB, file %d kB)\n' "$1" "$2" "$3"
# SMAPS=FILE: the lone shim's smaps, to see where its pages go
[ -z "${SMAPS:-}" ] || cat "/proc/$(cat "$work/pids.one")/smaps" >"$SMAPS"
"$berth" --root "$root" kill one KILL

i=0
while [ $i -lt "$N" ]; do
	start "c$i" many
	i=$((i + 1))
done
sleep 0.5
pids=$(cat "$work/pids.many")
# shellcheck disable=SC2046,SC2086 # one word per pid and per figure
set -- $(pss $pids)
printf '%d idle shims: mean Pss %d kB (anon %d kB, file %d kB)\n' "$N" $(($1 / N)) $(($2 / N)) $(($3 / N))
i=0
while [ $i -lt "$N" ]; do
	"$berth" --root "$root" kill "c$i" KILL
	i=$((i + 1))
done
