#!/bin/sh
# seccomp-cache.sh [N]: the cost of podman's default seccomp profile.
# `RUNTIME run /bin/true` N times (default 41) with the profile podman makes
# from /usr/share/containers/seccomp.json for a default container, for
#   berth-cold     every run compiles (the cache emptied before each run)
#   berth-nocache  no cache possible (what berth did before it had one)
#   berth-warm     the cache holds the profile
#   berth-plain    no seccomp at all (the floor)
#   crun, runc     which compile on every run
# interleaved (one run of each in turn, so drifts of the machine hit all
# alike), printing the median CPU (user+sys of the runtime's whole process
# tree) and wall time, and the ratios to crun.
#
# All runtimes share one private mount namespace whose /sys/fs/cgroup shows
# only the v1 hierarchies (crun 1.8 refuses this hybrid host otherwise; the
# unified mount is detached there, never on the host), so that none pays for
# a wrapper the others do not.  A benchmark, not a test: nothing asserts.
set -eu
N=${1:-41}
top=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${BERTH:-$top/berth}
PROFILE=${PROFILE:-/usr/share/containers/seccomp.json}
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

BERTH=$BERTH sh "$top/tests/fixtures/make-bundle.sh" "$work/bundle" >/dev/null
cp -a "$work/bundle" "$work/plain"
python3 - "$work/bundle/config.json" "$work/plain/config.json" "$PROFILE" <<'PY'
import json, os, sys

def podman_profile(path, caps):
    """The linux.seccomp podman writes for a container with these
    capabilities: the moby-format profile filtered by arch, caps and kernel."""
    p = json.load(open(path))
    goarch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    scmp = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64"}.get(goarch)
    archs = []
    for m in p.get("archMap") or []:
        if m["architecture"] == scmp:
            archs = [m["architecture"]] + m.get("subArchitectures", [])
    kernel = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
    out = []
    for s in p["syscalls"]:
        inc, exc = s.get("includes") or {}, s.get("excludes") or {}
        if inc.get("arches") and goarch not in inc["arches"]:
            continue
        if inc.get("caps") and not set(inc["caps"]) <= caps:
            continue
        if inc.get("minKernel") and kernel < tuple(int(x) for x in inc["minKernel"].split(".")[:2]):
            continue
        if goarch in (exc.get("arches") or []) or set(exc.get("caps") or []) & caps:
            continue
        rule = {"names": s["names"], "action": s["action"]}
        if s.get("args"):
            rule["args"] = [{k: a[k] for k in ("index", "value", "valueTwo", "op") if k in a} for a in s["args"]]
        if s.get("errnoRet") is not None:
            rule["errnoRet"] = s["errnoRet"]
        out.append(rule)
    sec = {"defaultAction": p["defaultAction"], "architectures": archs, "syscalls": out}
    if p.get("defaultErrnoRet") is not None:
        sec["defaultErrnoRet"] = p["defaultErrnoRet"]
    return sec

caps = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
        "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"}
for path, seccomp in ((sys.argv[1], True), (sys.argv[2], False)):
    c = json.load(open(path))
    c["process"]["terminal"] = False
    c["process"]["args"] = ["/bin/true"]
    c["ociVersion"] = "1.0.2"  # the newest version all three runtimes accept
    if seccomp:
        c["linux"]["seccomp"] = podman_profile(sys.argv[3], caps)
    json.dump(c, open(path, "w"))
PY

cc -O2 -o "$work/rusage-run" "$top/tests/bench/rusage-run.c"
cat > "$work/bench.py" <<'PY'
import os, shutil, statistics, subprocess, sys

n, work, berth = int(sys.argv[1]), sys.argv[2], sys.argv[3]
bundle, plain = os.path.join(work, "bundle"), os.path.join(work, "plain")

def root(name):
    r = os.path.join(work, "root-" + name)
    os.makedirs(r, exist_ok=True)
    return r

def empty_cache(r):
    shutil.rmtree(os.path.join(r, ".seccomp-cache"), ignore_errors=True)

def no_cache(r):
    # A file where the cache directory would be: berth compiles every time.
    p = os.path.join(r, ".seccomp-cache")
    if not os.path.isfile(p):
        open(p, "w").close()

configs = [("berth-cold", [berth], bundle, empty_cache), ("berth-nocache", [berth], bundle, no_cache),
           ("berth-warm", [berth], bundle, None), ("berth-plain", [berth], plain, None)]
for other in ("crun", "runc"):
    if shutil.which(other):
        configs.append((other, [other], bundle, None))

samples = {name: [] for name, *_ in configs}
for i in range(n + 1):  # run 0 warms every runtime (and berth's cache) and is not counted
    for name, argv, b, before in configs:
        r = root(name)
        if before:
            before(r)
        cmd = [os.path.join(work, "rusage-run")] + argv + ["--root", r, "run", "--bundle", b, f"bench-{i}"]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        rc, wall, cpu, rss = (int(x) for x in p.stdout.split()[-4:])
        if rc != 0:
            sys.exit(f"{name}: run failed ({rc}): {p.stderr.strip()}")
        if i:
            samples[name].append((cpu / 1000, wall / 1000, rss))

print(f"{n} interleaved `run /bin/true` with podman's default seccomp profile (medians; CPU = user+sys of the tree)")
print(f"{'runtime':14} {'cpu ms':>8} {'wall ms':>8} {'rss KiB':>8}   cpu / crun   cpu / berth-nocache")
med = {k: [statistics.median(x[j] for x in v) for j in range(3)] for k, v in samples.items()}
for name, (cpu, wall, rss) in med.items():
    crun = f"{cpu / med['crun'][0]:10.2f}x" if "crun" in med else ""
    today = f"{cpu / med['berth-nocache'][0]:12.2f}x"
    print(f"{name:14} {cpu:8.2f} {wall:8.2f} {rss:8d}   {crun}   {today}")
PY
unshare -m --propagation private sh -c \
  'umount -l /sys/fs/cgroup/unified 2>/dev/null || true; exec python3 "$@"' sh "$work/bench.py" "$N" "$work" "$BERTH"
