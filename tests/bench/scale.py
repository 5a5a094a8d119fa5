"""The driver of scale.sh (run there, inside the benchmark's mount namespace).

argv: WORK N BERTH "RUNTIMES".  WORK holds bundle/ (a sleeper), rusage-run
and roots/ (a tmpfs)."""
import os
import shutil
import statistics
import subprocess
import sys

work, n, berth, wanted = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split()
rusage = os.path.join(work, "rusage-run")
paths = {"berth": berth, "crun": shutil.which("crun"), "runc": shutil.which("runc")}
# NAME=PATH in RUNTIMES adds another binary, e.g. before=/path/to/an/older/berth.
paths.update(w.split("=", 1) for w in wanted if "=" in w)
runtimes = [r.split("=", 1)[0] for r in wanted if paths.get(r.split("=", 1)[0])]
bundle = os.path.join(work, "bundle")
block = max(1, n // 10)


def measure(rt, *args):
    """CPU seconds of RT ARGS (whole tree), failing loudly."""
    out = os.path.join(work, "rusage.out")
    with open(os.path.join(work, "stderr"), "w") as e:
        subprocess.run([rusage, "-o", out, paths[rt], "--root", os.path.join(work, "roots", rt), *args],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e, check=True)
    rc, _wall, cpu, _rss = (int(x) for x in open(out).read().split())
    if rc != 0:
        raise SystemExit(f"{rt} {' '.join(args)} failed ({rc}): {open(os.path.join(work, 'stderr')).read().strip()}")
    return cpu / 1e6


def cleanup():
    for rt in runtimes:
        root = os.path.join(work, "roots", rt)
        for cid in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            subprocess.run([paths[rt], "--root", root, "delete", "-f", cid],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ms(v):
    return f"{v * 1000:8.2f}"


starts = {rt: [] for rt in runtimes}
try:
    for i in range(n):
        # The order rotates: each runtime starts as often right after each other.
        for rt in runtimes[i % len(runtimes):] + runtimes[:i % len(runtimes)]:
            starts[rt].append(measure(rt, "run", "-d", "--bundle", bundle, f"s{i}"))
    lists = {rt: {what: statistics.median(measure(rt, *what.split()) for _ in range(5)) for what in ("list -q", "list")}
             for rt in runtimes}
    deletes = {rt: [] for rt in runtimes}
    for i in range(n):
        for rt in runtimes[i % len(runtimes):] + runtimes[:i % len(runtimes)]:
            deletes[rt].append(measure(rt, "delete", "-f", f"s{i}"))
finally:
    cleanup()

others = [rt for rt in runtimes if rt != "berth"]
ratio_head = "".join(f" {'berth/' + o:>11}" for o in others) if "berth" in runtimes else ""


def ratios(values):
    return "".join(f" {values['berth'] / values[o]:10.2f}x" for o in others) if "berth" in runtimes else ""


print(f"{n} detached containers per runtime, started one after another (interleaved); CPU ms, whole process tree")
print(f"{'run -d #':12}" + "".join(f" {rt:>8}" for rt in runtimes) + ratio_head)
for b in range(0, n, block):
    mean = {rt: statistics.mean(starts[rt][b:b + block]) for rt in runtimes}
    print(f"{f'{b + 1}-{min(n, b + block)}':12}" + "".join(f" {ms(mean[rt])}" for rt in runtimes) + ratios(mean))
for what in ("list -q", "list"):
    vals = {rt: lists[rt][what] for rt in runtimes}
    print(f"{what + f' @{n}':12}" + "".join(f" {ms(vals[rt])}" for rt in runtimes) + ratios(vals))
mean = {rt: statistics.mean(deletes[rt]) for rt in runtimes}
print(f"{'delete -f':12}" + "".join(f" {ms(mean[rt])}" for rt in runtimes) + ratios(mean))
