#!/bin/sh
# install-deps.sh [build|test]: install from Debian what berth needs to
# build (build) or to build and run every test (test, the default).
set -eu
what=${1:-test}
BUILD="gcc make autoconf automake libtool pkg-config libyajl-dev libseccomp-dev
       libselinux1-dev libapparmor-dev libsystemd-dev busybox-static go-md2man python3"
# Every program a test runs comes from a package listed here, even those a
# full Debian has anyway (tests/integration/test_cli.py checks the list):
# procps (`berth ps` runs ps), util-linux (unshare, nsenter, setpriv, flock),
# mount (mount, umount), iproute2 (ip), coreutils (timeout), dpkg (dpkg-deb).
TEST="python3-pytest python3-jsonschema golang-github-opencontainers-specs-dev clang libclang-rt-14-dev
      runc crun strace qemu-system-x86 libc6-dev podman containerd
      procps util-linux mount iproute2 coreutils dpkg"
# dock: SQLite, libcrypto, and the headers of libarchive and libcurl (both
# opened with dlopen; their -dev packages bring the libraries).
BUILD="$BUILD libsqlite3-dev libssl-dev libarchive-dev libcurl4-openssl-dev libzstd-dev zlib1g-dev"
TEST="$TEST buildah tar sqlite3"
# dock run --init: Debian's static tini (docker's docker-init is tini).
TEST="$TEST tini"
# dock's registry tests and tests/bench/pull.sh: a local docker-registry,
# skopeo and umoci as the other side, TLS and htpasswd made by the tests,
# the token realm's JWT signatures, the benchmark's Debian rootfs.
TEST="$TEST docker-registry skopeo umoci openssl apache2-utils python3-cryptography debootstrap curl e2fsprogs"
# dock networks: libmnl (linked) and libnftables (dlopen'ed) headers; the
# network tests' tools, and podman's CNI plugins for tests/bench/netsetup.sh.
BUILD="$BUILD libmnl-dev libnftables-dev"
TEST="$TEST nftables iproute2 iputils-ping containernetworking-plugins"
# tests/corpus/capture.py drives containerd's CRI API over gRPC.
TEST="$TEST python3-grpcio python3-protobuf"
case $what in
build) pkgs=$BUILD ;;
test) pkgs="$BUILD $TEST" ;;
*) echo "usage: install-deps.sh [build|test]" >&2; exit 2 ;;
esac
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $pkgs
