#!/bin/sh
# test-all.sh: install every test dependency, build berth with
# AddressSanitizer+UBSan, run the unit and integration tests, the cgroup v2
# tests in a VM, then fuzz the parsers and the layer unpacker for a minute.  Exits non-zero on
# any failure.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh test
./autogen.sh
./configure --enable-asan
make -j"$(nproc)"
status=0
make check || status=1
make check-cgroupv2 || status=1
make fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-60}" || status=1
exit $status
