"""The driver of runtimes.sh (run there, inside the benchmark's mount namespace).

argv: WORK N BERTH "RUNTIMES".  WORK holds bundle/ (/bin/true), bundle-sleep/,
rusage-run and roots/ (a tmpfs)."""
import os
import shutil
import statistics
import subprocess
import sys
import time

work, n, berth, wanted = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split()
rusage = os.path.join(work, "rusage-run")
paths = {"berth": berth, "crun": shutil.which("crun"), "runc": shutil.which("runc")}
# NAME=PATH in RUNTIMES adds another binary, e.g. before=/path/to/an/older/berth.
paths.update(w.split("=", 1) for w in wanted if "=" in w)
runtimes = [r.split("=", 1)[0] for r in wanted if paths.get(r.split("=", 1)[0])]
STEPS = ["run", "create", "start", "state", "kill", "delete"]


def measure(rt, args, what):
    """Run RT ARGS under rusage-run; return (wall_s, cpu_s, rss_kib)."""
    root = os.path.join(work, "roots", rt)
    out = os.path.join(work, "rusage.out")
    err = os.path.join(work, "stderr")
    with open(err, "w") as e:
        subprocess.run([rusage, "-o", out, paths[rt], "--root", root] + args,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e, check=True)
    rc, wall, cpu, rss = (int(x) for x in open(out).read().split())
    if rc != 0:
        raise SystemExit(f"{rt} {what} failed ({rc}): {open(err).read().strip()}")
    return wall / 1e6, cpu / 1e6, rss


def wait_stopped(rt, cid):
    root = os.path.join(work, "roots", rt)
    for _ in range(500):
        p = subprocess.run([paths[rt], "--root", root, "state", cid], capture_output=True, text=True)
        if '"stopped"' in p.stdout:
            return
        time.sleep(0.01)
    raise SystemExit(f"{rt}: {cid} did not stop after kill")


def round_of(rt, i, results):
    cid = f"b{i}"
    r = {"run": measure(rt, ["run", "--bundle", os.path.join(work, "bundle"), "r" + cid], "run")}
    r["create"] = measure(rt, ["create", "--bundle", os.path.join(work, "bundle-sleep"), cid], "create")
    r["start"] = measure(rt, ["start", cid], "start")
    r["state"] = measure(rt, ["state", cid], "state")
    r["kill"] = measure(rt, ["kill", cid, "KILL"], "kill")
    wait_stopped(rt, cid)
    r["delete"] = measure(rt, ["delete", cid], "delete")
    if results is not None:
        for step, v in r.items():
            results[rt][step].append(v)


results = {rt: {s: [] for s in STEPS} for rt in runtimes}
for i in range(n + 1):
    order = runtimes[i % len(runtimes):] + runtimes[:i % len(runtimes)]
    for rt in order:
        round_of(rt, i, results if i else None)  # round 0 warms caches up


def med(rt, step, k):
    return statistics.median(v[k] for v in results[rt][step])


print(f"{n} interleaved rounds (after 1 warm-up); medians; CPU = user+sys of the runtime's whole process tree")
others = [rt for rt in runtimes if rt != "berth"]
head = f"{'step':8}" + "".join(f" {rt + ' cpu ms':>13}" for rt in runtimes)
if "berth" in runtimes:
    head += "".join(f" {'berth/' + o:>11}" for o in others)
print(head)
for step in STEPS:
    line = f"{step:8}" + "".join(f" {med(rt, step, 1) * 1000:13.2f}" for rt in runtimes)
    if "berth" in runtimes:
        line += "".join(f" {med('berth', step, 1) / med(o, step, 1):10.2f}x" for o in others)
    print(line)
print()
print(f"{'step':8}" + "".join(f" {rt + ' wall ms':>14}" for rt in runtimes))
for step in STEPS:
    print(f"{step:8}" + "".join(f" {med(rt, step, 0) * 1000:14.2f}" for rt in runtimes))
print()
print("peak RSS KiB (largest process of the tree; median and largest over the rounds)")
print(f"{'step':8}" + "".join(f" {rt + ' med':>10} {rt + ' max':>10}" for rt in runtimes)
      + ("".join(f" {'berth/' + o:>11}" for o in others) if "berth" in runtimes else ""))
for step in ("run", "create"):
    peaks = {rt: statistics.median(v[2] for v in results[rt][step]) for rt in runtimes}
    line = f"{step:8}" + "".join(f" {peaks[rt]:10.0f} {max(v[2] for v in results[rt][step]):10d}" for rt in runtimes)
    if "berth" in runtimes:
        line += "".join(f" {peaks['berth'] / peaks[o]:10.2f}x" for o in others)
    print(line)
