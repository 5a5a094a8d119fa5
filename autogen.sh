#!/bin/sh
# Regenerate the build system from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf -fi
# automake does not copy the TAP driver on its own; the unit tests need it.
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
