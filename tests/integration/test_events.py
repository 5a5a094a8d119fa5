"""berth events: statistics from the container's cgroup in runc's "stats"
event format (--stats, or a stream every --interval) and "oom" events."""
import json
import subprocess
import time

import pytest

from conftest import BERTH, berth_env, describe, exec_command

pytestmark = pytest.mark.cgroups

MEMORY_LIMIT = 48 << 20


def start(bundle, root, cid, *args, memory=MEMORY_LIMIT, pids=20):
    """A running container with a memory (no swap) and pids limit."""
    bundle.config["linux"]["resources"] = {"memory": {"limit": memory, "swap": memory}, "pids": {"limit": pids}}
    bundle.set_args(*(args or ("sleep", "1000")))
    root.run("run", "--detach", "--bundle", bundle, cid, check=True)


def stats(root, cid):
    r = root.run("events", "--stats", cid, check=True)
    assert r.stdout.count("\n") == 1, r.stdout  # one JSON object per line
    return json.loads(r.stdout)


def test_stats_event_carries_the_cgroup_figures(bundle, berth_root, container_id):
    start(bundle, berth_root, container_id, "sh", "-c", "sleep 1000 & sleep 1000 & wait")
    ev = stats(berth_root, container_id)
    assert ev["type"] == "stats" and ev["id"] == container_id
    data = ev["data"]
    assert data["pids"] == {"current": 3, "limit": 20}
    usage = data["memory"]["usage"]
    assert usage["limit"] == MEMORY_LIMIT and 0 < usage["usage"] <= MEMORY_LIMIT and usage["failcnt"] == 0
    assert data["memory"]["raw"] and all(isinstance(v, int) for v in data["memory"]["raw"].values())
    cpu = data["cpu"]["usage"]
    assert cpu["total"] > 0 and {"kernel", "user"} <= set(cpu)
    assert isinstance(data["cpu"]["throttling"], dict)
    assert isinstance(data["blkio"], dict) and isinstance(data["hugetlb"], dict)


def test_stats_have_every_field_runc_gives(bundle, berth_root, container_id, comparison_runtimes, tmp_path):
    if "runc" not in comparison_runtimes:
        pytest.skip("runc is not installed")
    start(bundle, berth_root, container_id)
    ours = stats(berth_root, container_id)["data"]
    runc = [comparison_runtimes["runc"], "--root", tmp_path / "runc-root"]
    bundle.config["ociVersion"] = "1.0.2"
    bundle.write_config()
    try:
        # exec_command: output to files, which the detached container may keep open.
        r, _ = exec_command([*runc, "run", "--detach", "--bundle", bundle.path, "r" + container_id])
        assert r.returncode == 0, describe(r)
        r, _ = exec_command([*runc, "events", "--stats", "r" + container_id])
        assert r.returncode == 0, describe(r)
        theirs = json.loads(r.stdout)["data"]
    finally:
        exec_command([*runc, "delete", "--force", "r" + container_id])
    for path in (["cpu"], ["cpu", "usage"], ["memory"], ["memory", "usage"], ["pids"]):
        a, b = ours, theirs
        for key in path:
            a, b = a[key], b[key]
        # Every field runc gives is there (berth may say more: memory.peak as usage.max on v2).
        assert set(b) <= set(a), f"{'.'.join(path)}: berth {sorted(a)}, runc {sorted(b)}"


def test_events_streams_stats_until_the_container_stops(bundle, berth_root, container_id):
    start(bundle, berth_root, container_id)
    proc = subprocess.Popen([BERTH, "--root", str(berth_root), "events", "--interval", "100ms", container_id],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=berth_env())
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert all(json.loads(line)["type"] == "stats" for line in lines), lines
        berth_root.run("kill", container_id, "KILL", check=True)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert all(json.loads(line)["type"] == "stats" for line in out.splitlines())


def test_events_reports_an_oom_kill(bundle, berth_root, container_id):
    start(bundle, berth_root, container_id, memory=16 << 20)
    proc = subprocess.Popen([BERTH, "--root", str(berth_root), "events", "--interval", "1h", container_id],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=berth_env())
    try:
        assert json.loads(proc.stdout.readline())["type"] == "stats"  # the first one comes at once
        # tail buffers the line it never finishes: it grows until the kernel kills it.
        r = berth_root.run("exec", container_id, "tail", "/dev/zero", timeout=60)
        assert r.returncode == 137, r
        line = proc.stdout.readline()
        assert json.loads(line) == {"type": "oom", "id": container_id}
    finally:
        proc.kill()
        proc.wait()


def test_events_of_a_stopped_container_is_an_error(bundle, berth_root, container_id):
    bundle.set_args("true")
    berth_root.run("run", "--keep", "--bundle", bundle, container_id, check=True)
    r = berth_root.run("events", "--stats", container_id)
    assert r.returncode == 1 and r.stderr == f"berth: events: `{container_id}`: container not running\n", r


@pytest.mark.parametrize("interval", ["", "5", "-1s", "0s", "1x", "1.5.2s"])
def test_events_refuses_a_bad_interval(berth_root, interval):
    r = berth_root.run("events", "--interval", interval, "bt-any")
    assert r.returncode == 1 and r.stderr.startswith("berth: events: --interval") and r.stderr.count("\n") == 1, r


def test_events_interval_takes_go_durations(bundle, berth_root, container_id):
    start(bundle, berth_root, container_id)
    t0 = time.monotonic()
    proc = subprocess.Popen([BERTH, "--root", str(berth_root), "events", "--interval", "0.2s", container_id],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=berth_env())
    try:
        for _ in range(3):
            proc.stdout.readline()
        elapsed = time.monotonic() - t0
    finally:
        proc.kill()
        proc.wait()
    assert 0.3 < elapsed < 5
