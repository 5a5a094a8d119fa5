#!/bin/sh
# PSS of dock-shim's loop with its parts (two output pipes with their log
# copiers, a json-file log, an attach socket), idle: the figure against the
# 256 KiB budget of issue 17.  Built here without sanitizers, -O2, once
# linked dynamically against glibc and zlib and once statically.  It is the
# monitor's part only; libberth's create/start code comes on top (see
# docs/architecture.md, "dock-shim: the monitor").
#   usage: tests/bench/monitor-pss.sh   (from the source tree, after configure)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/monitor-pss.XXXXXX)
trap 'rm -rf "$work"' EXIT
CC=${CC:-gcc}
srcs="$src/tests/helpers/dock-monitor-run.c $src/src/libdock/monitor/loop.c $src/src/libdock/monitor/jsonlog.c
      $src/src/libdock/monitor/logtime.c $src/src/libdock/monitor/logread.c $src/src/libdock/monitor/attach.c
      $src/src/libdock/monitor/restart.c $src/src/libdock/monitor/health.c
      $src/src/libberth/error.c $src/src/libberth/util.c $src/libocispec/json.c"
flags="-std=gnu11 -O2 -include $src/config.h -I$src -I$src/src -I$src/libocispec -ffunction-sections -fdata-sections"
# shellcheck disable=SC2086
$CC $flags $srcs -Wl,--gc-sections -lz -lyajl -o "$work/dynamic"
# yajl has no static library on Debian: its calls sit in functions of json.c
# the monitor does not reach, which --gc-sections drops.
# shellcheck disable=SC2086
if $CC $flags $srcs -static -Wl,--gc-sections -lz -o "$work/static" 2>"$work/static.err"; then :; else
  echo "static link failed:"; cat "$work/static.err"; fi
# A freshly linked binary's page cache is dirty and would count as
# Private_Dirty: write it back first.
sync
# One alone (it carries all of its shared pages), then N at once (shared
# text and libraries split N ways: what each of many containers costs).
N=${N:-50}
for kind in dynamic static; do
  [ -x "$work/$kind" ] || continue
  size=$(stat -c %s "$work/$kind")
  mkdir -p "$work/$kind.one"
  printf '%-8s binary %7d bytes  alone: ' "$kind" "$size"
  "$work/$kind" measure "$work/$kind.one" | tr '\n' ' '
  echo
  i=0
  while [ $i -lt "$N" ]; do
    mkdir -p "$work/$kind.$i"
    "$work/$kind" measure "$work/$kind.$i" 1500 > "$work/$kind.$i.out" &
    i=$((i + 1))
  done
  wait
  cat "$work/$kind".[0-9]*.out | awk -v n="$N" -v k="$kind" '
    /^Pss:/ { pss += $2 } /^Pss_Anon:/ { anon += $2 } /^Pss_File:/ { file += $2 }
    END { printf "%-8s %d at once: mean Pss %.0f kB (anon %.0f kB, file %.0f kB)\n", k, n, pss / n, anon / n, file / n }'
done
