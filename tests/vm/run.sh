#!/bin/sh
# run.sh [PYTEST-ARGS...]: run berth's integration tests (pytest, in
# tests/integration) inside a qemu VM whose /sys/fs/cgroup is cgroup2.
# `make check-cgroupv2` runs it with `-m cgroupv2`.  See "Testing cgroup v2
# in a VM" in docs/architecture.md.
#
# The VM boots Debian's kernel (the package linux-image-amd64 depends on,
# fetched with apt-get download and unpacked into a cache, never installed)
# with plain TCG emulation, an initramfs made of busybox, a few modules and
# tests/vm/init, and the host's root shared read-only over virtio-9p; the
# exit status of pytest comes back through a second, writable share.
#
# Environment:
#   BERTH, BERTH_SRCDIR   as for the integration tests (required)
#   PYTEST                pytest to run in the VM (default: pytest-3)
#   BERTH_VM_WORKDIR      initramfs, job and results (default: tests/vm/work
#                         in the current directory)
#   BERTH_VM_CACHE        unpacked kernel packages (default: /var/cache/berth-vm)
#   BERTH_VM_TIMEOUT      seconds before the VM is killed (default: 600)
#   BERTH_VM_MEMORY       MiB (default: 2048)     BERTH_VM_CPUS (default: 2)
#   BERTH_VM_QEMU         default: qemu-system-x86_64
set -eu

# The kernel modules /init needs (with whatever they depend on).
VM_MODULES="virtio_pci 9pnet_virtio 9p overlay"

die() {
	echo "run.sh: $*" >&2
	exit 1
}

say() {
	echo "berth-vm: $*"
}

now() { # seconds since the epoch, with two decimals
	date +%s.%N | cut -c1-13
}

elapsed() { # START [END]
	awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.1f", b - a }'
}

quote() { # ARG -> ARG quoted for sh
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

: "${BERTH:?BERTH must name the berth binary}"
: "${BERTH_SRCDIR:?BERTH_SRCDIR must name the source tree}"
PYTEST=${PYTEST:-$(command -v pytest-3 || true)}
WORKDIR=${BERTH_VM_WORKDIR:-$PWD/tests/vm/work}
CACHE=${BERTH_VM_CACHE:-/var/cache/berth-vm}
TIMEOUT=${BERTH_VM_TIMEOUT:-600}
MEMORY=${BERTH_VM_MEMORY:-2048}
CPUS=${BERTH_VM_CPUS:-2}
QEMU=${BERTH_VM_QEMU:-qemu-system-x86_64}
BUSYBOX=${BUSYBOX:-/bin/busybox}

BERTH=$(realpath "$BERTH")
BERTH_SRCDIR=$(realpath "$BERTH_SRCDIR")
[ -x "$BERTH" ] || die "$BERTH is not executable: build berth first"
if [ -z "$PYTEST" ] || [ ! -x "$PYTEST" ]; then
	die "pytest not found (apt-get install python3-pytest)"
fi
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-x86)"
# `ldd` succeeds only on dynamic ELFs, which would need libraries in the initramfs.
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is not a static busybox (apt-get install busybox-static)"
fi
[ "$(id -u)" -eq 0 ] || die "must run as root (the tests in the VM run as root on the host's files)"

# The VM puts fresh file systems on these: anything the tests need there
# would vanish.  Trees under /tmp and /var/tmp (a checkout there, as CI may
# make) are carried over: the VM's init sets them aside first (berth.keep).
KEEP=
for p in "$BERTH_SRCDIR" "$(dirname "$BERTH")" "$(dirname "$PYTEST")"; do
	case $p in
	/run/* | /dev/* | /proc/* | /sys/*)
		die "$p is under a directory the VM mounts afresh (/run, /dev, /proc, /sys)" ;;
	*[!A-Za-z0-9/._+-]*)
		case $p in /tmp/* | /var/tmp/*) die "$p: a path the VM must carry over may not hold such characters" ;; esac ;;
	/tmp/* | /var/tmp/*)
		case ",$KEEP," in *",$p,"*) ;; *) KEEP=${KEEP:+$KEEP,}$p ;; esac ;;
	esac
done

mkdir -p "$WORKDIR" "$CACHE"
WORKDIR=$(realpath "$WORKDIR")

# ---------------------------------------------------------------- the kernel
# $CACHE/<package>/ holds the unpacked package plus the modules.dep that its
# postinst would have made; .complete marks a finished unpacking.
fetch_kernel() {
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	if [ -z "$pkg" ]; then
		# No apt metadata (offline?): fall back on what is cached.
		KDIR=$(find "$CACHE" -mindepth 2 -maxdepth 2 -path "$CACHE/linux-image-*/.complete" |
			sort -V | tail -n 1)
		[ -n "$KDIR" ] || die "cannot tell which kernel linux-image-amd64 depends on (apt-get update?)"
		KDIR=${KDIR%/.complete}
		return
	fi
	KDIR=$CACHE/$pkg
	[ -e "$KDIR/.complete" ] && return
	say "fetching $pkg into $CACHE"
	tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	# The sandbox user could not write into $tmp: download as ourselves.
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
		{ rm -rf "$tmp"; die "apt-get download $pkg failed"; }
	dpkg-deb -x "$tmp"/*.deb "$tmp/root" || { rm -rf "$tmp"; die "unpacking $pkg failed"; }
	kver=$(ls "$tmp/root/lib/modules")
	"$BUSYBOX" depmod -b "$tmp/root" "$kver" || { rm -rf "$tmp"; die "depmod for $kver failed"; }
	rm -rf "$KDIR" "$tmp"/*.deb "$tmp/root/usr"
	mv "$tmp/root" "$KDIR"
	rmdir "$tmp"
	touch "$KDIR/.complete"
	# Kernels linux-image-amd64 no longer depends on are of no use.
	for old in "$CACHE"/linux-image-*; do
		[ "$old" = "$KDIR" ] || rm -rf "$old"
	done
}

(
	flock 9
	fetch_kernel
	echo "$KDIR" >"$WORKDIR/kernel-dir"
) 9>"$CACHE/.lock"
KDIR=$(cat "$WORKDIR/kernel-dir")
KVER=$(ls "$KDIR/lib/modules")
VMLINUZ=$KDIR/boot/vmlinuz-$KVER
[ -r "$VMLINUZ" ] || die "$VMLINUZ is missing: remove $KDIR and try again"

# ------------------------------------------------------------- the initramfs
# Built every time (well under a second): busybox, /init and the modules.
# A line of modules.dep names a module and everything it needs; the order
# is modprobe's business (it reads the initramfs's own modules.dep).
modules_closure() { # NAME... -> paths relative to lib/modules/KVER
	dep=$KDIR/lib/modules/$KVER/modules.dep
	for m in "$@"; do
		line=$(grep -E "(^|/)$(echo "$m" | sed 's/[-_]/[-_]/g')\.ko(\.[a-z]+)?:" "$dep") ||
			die "module $m is not in $KVER's modules.dep"
		echo "$line" | tr -d ':' | tr ' ' '\n'
	done | awk 'NF && !seen[$0]++'
}

STAGE=$WORKDIR/initramfs.d
INITRAMFS=$WORKDIR/initramfs.cpio
rm -rf "$STAGE"
mkdir -p "$STAGE/bin" "$STAGE/dev" "$STAGE/proc" "$STAGE/sys" "$STAGE/run" "$STAGE/lib/modules/$KVER"
cp "$BUSYBOX" "$STAGE/bin/busybox"
cp "$BERTH_SRCDIR/tests/vm/init" "$STAGE/init"
chmod 0755 "$STAGE/init" "$STAGE/bin/busybox"
# shellcheck disable=SC2086 # one word per module
for f in $(modules_closure $VM_MODULES); do
	mkdir -p "$STAGE/lib/modules/$KVER/$(dirname "$f")"
	cp "$KDIR/lib/modules/$KVER/$f" "$STAGE/lib/modules/$KVER/$f"
done
"$BUSYBOX" depmod -b "$STAGE" "$KVER" || die "depmod for the initramfs failed"
(cd "$STAGE" && find . | "$BUSYBOX" cpio -o -H newc >"$INITRAMFS" 2>/dev/null) ||
	die "creating $INITRAMFS failed"
rm -rf "$STAGE"

# ------------------------------------------------------------------- the job
OUT=$WORKDIR/results
rm -rf "$OUT"
mkdir -p "$OUT"
{
	echo "# written by tests/vm/run.sh; run by tests/vm/init in the VM"
	echo "cd $(quote "$BERTH_SRCDIR/tests/integration") || exit 1"
	echo "export BERTH=$(quote "$BERTH") BERTH_SRCDIR=$(quote "$BERTH_SRCDIR")"
	# cgroupv2 tests fail instead of skipping if the VM is not what it
	# should be (see conftest.py).
	echo "export BERTH_EXPECT_CGROUPV2=1 PYTHONDONTWRITEBYTECODE=1"
	printf 'exec %s -p no:cacheprovider -ra' "$(quote "$PYTEST")"
	for a in "$@"; do
		printf ' %s' "$(quote "$a")"
	done
	echo
} >"$OUT/job.sh"

# -------------------------------------------------------------------- the VM
say "booting $KVER (TCG, ${CPUS} vCPUs, ${MEMORY} MiB; timeout ${TIMEOUT}s)"
start=$(now)
set +e
# -virtfs: readonly and multidevs=remap because the host's root spans
# several file systems whose inode numbers would collide in the guest.
timeout -k 10 "$TIMEOUT" "$QEMU" \
	-nodefaults -no-user-config -display none -no-reboot \
	-machine pc -accel tcg,thread=multi -cpu max -smp "$CPUS" -m "$MEMORY" \
	-nic none \
	-chardev stdio,id=console,signal=off,logfile="$OUT/console.log" -serial chardev:console \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$OUT",mount_tag=results,security_model=none,multidevs=remap \
	-kernel "$VMLINUZ" -initrd "$INITRAMFS" \
	-append "console=ttyS0 quiet panic=-1 rdinit=/init${KEEP:+ berth.keep=$KEEP}" </dev/null
qemu_status=$?
set -e
wall=$(elapsed "$start")

if [ $qemu_status -eq 124 ] || [ $qemu_status -eq 137 ]; then
	die "the VM did not finish within ${TIMEOUT}s (killed; console log: $OUT/console.log)"
fi
[ $qemu_status -eq 0 ] || die "$QEMU exited with status $qemu_status (console log: $OUT/console.log)"
[ -s "$OUT/status" ] ||
	die "the VM stopped before the job finished (console log: $OUT/console.log)"
status=$(cat "$OUT/status")
read -r booted finished <"$OUT/uptime"
say "boot $(elapsed 0 "$booted")s, tests $(elapsed "$booted" "$finished")s, qemu wall time ${wall}s; pytest exit status $status"
exit "$status"
