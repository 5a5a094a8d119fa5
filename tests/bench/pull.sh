#!/bin/sh
# pull.sh [N]: pull a ~200 MB, 5-layer Debian image from a local
# docker-registry into an empty store, N times (default 5) for each of
#   dock           dock --root <empty> pull
#   skopeo+umoci   skopeo copy docker://... oci:<dir> && umoci unpack
#   podman-vfs     podman pull, vfs storage
#   podman-overlay podman pull, overlay storage
# interleaved (one run of each tool per round), and print each tool's median
# wall time, CPU time (user+sys of the whole process tree) and peak RSS
# (largest process of the tree), with the ratios of the others to dock.
#
# The image is built once and cached in $BENCH_CACHE (default
# /var/tmp/dock-bench): a debootstrapped Debian 12 (minbase plus python3,
# perl, less, procps; debootstrap uses apt's configured mirror; package
# lists and downloaded packages removed, as Debian's images do: 226 MB),
# split into five layers by directory (usr/lib, usr/share, the rest of usr,
# var, the rest), each tar+gzip (about 80 MB in all).
#
# dock: $DOCK, else an optimised build made from this tree in a scratch
# directory (the tree's own build may carry sanitizers).  podman runs with
# a private configuration and storage, in a mount namespace of its own
# whose /var/lib is a tmpfs (its blob-info cache lives there whatever the
# configuration says); every mount it makes dies with that namespace.
# BENCH_TMPFS=1 puts the stores on a tmpfs (mounted under the scratch
# directory for the run, unmounted at exit): the tools' own costs without
# the disk's (on a shared machine, its journal is what varies most).
# A benchmark, not a test: nothing here asserts a time.
set -eu
N=${1:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BENCH_CACHE:-/var/tmp/dock-bench}
work=$(mktemp -d /var/tmp/dock-pull-bench.XXXXXX)
registry_pid=
cleanup() {
	# Everything, whatever fails on the way (set -e must not stop it).
	set +e
	if [ -n "$registry_pid" ]; then
		kill "$registry_pid" 2>/dev/null
		wait "$registry_pid" 2>/dev/null
	fi
	mountpoint -q "$work/runs" && umount "$work/runs"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
mkdir -p "$cache"

# ------------------------------------------------------------------- dock
if [ -z "${DOCK:-}" ]; then
	echo "building an optimised dock in $work/src ..." >&2
	mkdir -p "$work/src"
	(cd "$top" && git ls-files -z | xargs -0 tar -cf - --no-recursion) | tar -C "$work/src" -xf -
	(cd "$work/src" && ./autogen.sh && ./configure CFLAGS="-O2 -g" && make -j"$(nproc)" dock) \
		>"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 1; }
	DOCK=$work/src/dock
fi

# ------------------------------------------------------------------ image
if [ ! -d "$cache/rootfs" ]; then
	mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "debootstrap bookworm from $mirror into $cache/rootfs ..." >&2
	rm -rf "$cache/rootfs.tmp"
	debootstrap --variant=minbase --include=python3,perl,less,procps bookworm "$cache/rootfs.tmp" "$mirror" \
		>"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
	mv "$cache/rootfs.tmp" "$cache/rootfs"
fi
if [ ! -f "$cache/layout/index.json" ]; then
	echo "building the 5-layer OCI layout in $cache/layout ..." >&2
	rm -rf "$cache/layout" && mkdir -p "$cache/layout/blobs/sha256" "$cache/layers"
	r=$cache/rootfs
	# What Debian's own images leave out: downloaded packages, package lists.
	rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*
	others=$(cd "$r/usr" && ls -A | grep -vx -e lib -e share | sed 's|^|usr/|' | tr '\n' ' ')
	rest=$(cd "$r" && ls -A | grep -vx -e usr -e var -e dev -e proc -e sys | tr '\n' ' ')
	i=0
	for dirs in "usr/lib" "usr/share" "$others" "var" "$rest dev proc sys"; do
		i=$((i + 1))
		# shellcheck disable=SC2086  # word splitting of the directory lists is wanted
		tar -C "$r" --numeric-owner --sort=name --mtime=@0 --xattrs --exclude='./dev/*' \
			--exclude='dev/*' --exclude='proc/*' --exclude='sys/*' -cf "$cache/layers/$i.tar" $dirs
		gzip -6 -n -c "$cache/layers/$i.tar" >"$cache/layers/$i.tar.gz"
	done
	python3 - "$cache" <<'PY'
import hashlib, json, os, shutil, sys
cache = sys.argv[1]
blobs = os.path.join(cache, "layout", "blobs", "sha256")
def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
def put(data, media_type):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, d), "wb").write(data)
    return {"mediaType": media_type, "digest": "sha256:" + d, "size": len(data)}
layers, diff_ids = [], []
for i in range(1, 6):
    tar, gz = os.path.join(cache, "layers", f"{i}.tar"), os.path.join(cache, "layers", f"{i}.tar.gz")
    diff_ids.append("sha256:" + digest(tar))
    d = digest(gz)
    shutil.copyfile(gz, os.path.join(blobs, d))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + d,
                   "size": os.path.getsize(gz)})
    os.unlink(tar)
config = {"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
          "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                     "Cmd": ["/bin/bash"]},
          "rootfs": {"type": "layers", "diff_ids": diff_ids},
          "history": [{"created": "2026-01-01T00:00:00Z", "created_by": f"layer {i}"} for i in range(5)]}
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": put(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"),
            "layers": layers}
desc = put(json.dumps(manifest).encode(), manifest["mediaType"])
desc["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
open(os.path.join(cache, "layout", "oci-layout"), "w").write(json.dumps({"imageLayoutVersion": "1.0.0"}))
open(os.path.join(cache, "layout", "index.json"), "w").write(json.dumps({"schemaVersion": 2, "manifests": [desc]}))
PY
fi

# --------------------------------------------------------------- registry
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
	sleep 0.1
done
ref=127.0.0.1:$port/bench:latest
skopeo copy --quiet --dest-tls-verify=false "oci:$cache/layout:latest" "docker://$ref"

cc -O2 -o "$work/rusage-run" "$top/tests/bench/rusage-run.c"
mkdir -p "$work/runs"
where="disk ($(df --output=fstype "$work" | tail -1))"
if [ "${BENCH_TMPFS:-0}" = 1 ]; then
	mount -t tmpfs -o size=4g tmpfs "$work/runs"
	where=tmpfs
fi

# podman's private configuration (as tests/integration/engines.py has it).
mkdir -p "$work/podman"
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "%s/podman/events.log"\n' \
	"$work" >"$work/podman/containers.conf"
printf 'unqualified-search-registries = []\n' >"$work/podman/registries.conf"

python3 - "$N" "$work" "$DOCK" "$ref" "$where" <<'PY'
import os, shutil, statistics, subprocess, sys

n, work, dock, ref, where = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
rusage = os.path.join(work, "rusage-run")
pconf = os.path.join(work, "podman")

def podman(driver):
    def argv(d):
        storage = os.path.join(d, "storage.conf")
        with open(storage, "w") as f:
            f.write(f'[storage]\ndriver = "{driver}"\ngraphroot = "{d}/graph"\nrunroot = "{d}/run"\n')
        env = (f"CONTAINERS_CONF={pconf}/containers.conf CONTAINERS_STORAGE_CONF={storage} "
               f"CONTAINERS_REGISTRIES_CONF={pconf}/registries.conf TMPDIR={d}")
        script = f'mount -t tmpfs -o size=64m tmpfs /var/lib && exec env {env} podman pull -q --tls-verify=false {ref}'
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]
    return argv

tools = [
    ("dock", lambda d: [dock, "--root", os.path.join(d, "root"), "pull", "-q", ref]),
    ("skopeo+umoci", lambda d: ["sh", "-c", f"skopeo copy --quiet --src-tls-verify=false docker://{ref} oci:{d}/oci:bench"
                                            f" && umoci unpack --image {d}/oci:bench {d}/bundle >/dev/null"]),
]
if shutil.which("podman"):
    tools += [("podman-vfs", podman("vfs")), ("podman-overlay", podman("overlay"))]

results = {name: [] for name, _ in tools}
for i in range(n):
    for name, make in tools:
        d = os.path.join(work, "runs", f"{name}-{i}")
        os.makedirs(d)
        p = subprocess.run([rusage] + make(d), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           env={**os.environ, "TMPDIR": d})
        rc, wall, cpu, rss = (int(x) for x in p.stdout.split()[-4:])
        if rc != 0:
            print(f"{name}: pull failed ({rc}): {p.stderr.strip()[-500:]}", file=sys.stderr)
        else:
            results[name].append((wall / 1e6, cpu / 1e6, rss))
        subprocess.run(["rm", "-rf", d])

print(f"pull of {ref.split('/', 1)[1]} (5 layers) into an empty store on {where}, {n} interleaved rounds; medians")
print(f"{'tool':15} {'wall s':>8} {'cpu s':>8} {'peak RSS MiB':>13}   others/dock (wall / cpu / rss)")
med = {name: tuple(statistics.median(r[k] for r in runs) for k in range(3)) for name, runs in results.items() if runs}
base = med.get("dock")
for name, (wall, cpu, rss) in med.items():
    ratio = ""
    if base and name != "dock":
        ratio = f"   {wall / base[0]:.2f}x / {cpu / base[1]:.2f}x / {rss / base[2]:.2f}x"
    print(f"{name:15} {wall:8.2f} {cpu:8.2f} {rss / 1024:13.1f}{ratio}")
others = [v for k, v in med.items() if k != "dock"]
if base and others:
    fastest = min(others, key=lambda v: v[0])
    print(f"dock vs the fastest other: {fastest[0] / base[0]:.2f}x faster (wall), peak RSS {base[2] / fastest[2]:.2f}x")
PY
