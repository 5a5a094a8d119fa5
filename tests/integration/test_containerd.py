"""containerd drives berth unchanged, as the runc v2 shim's binary (`ctr run
--runc-binary`): a run to completion with its output captured, a create
error reported from berth's --log-format json log, a detached task with
`ctr task exec`, `task ps` (berth ps --format json), `task metrics`,
pause/resume, `task kill` (with --all), delete (berth delete --force),
and a terminal; then the same scenarios with crun, expecting the same
observable results.

Scenarios are functions (containerd, runtime) -> observations, run at
most once per runtime (see test_podman.py for the layout).  One private
containerd for the module (engines.Containerd), the image imported from an
OCI archive of the busybox rootfs."""
import json
import re
import uuid

import pytest

from engines import (IMAGE, Containerd, Scenarios, build_image_archive, engine_fixture,
                     engine_runtimes, ok, run_in_pty, sanitizer_guard, unique, wait_until, which)

pytestmark = pytest.mark.engines

# Two processes (sh and sleep) for as long as it runs; exits 0 on SIGTERM;
# /tmp/ready says the trap is in place.
SLEEPER = ["sh", "-c", 'trap "exit 0" TERM; touch /tmp/ready; sleep 1000 & wait']


def import_image(engine, rootfs):
    ok(engine.ctr("images", "import", build_image_archive(rootfs, engine.base / "image.tar")))


@pytest.fixture(scope="module")
def containerd(busybox_template, tmp_path_factory):
    if which("containerd") is None or which("ctr") is None or which("containerd-shim-runc-v2") is None:
        pytest.skip("containerd, ctr or containerd-shim-runc-v2 is not installed "
                    "(scripts/install-deps.sh test installs them)")
    base = tmp_path_factory.mktemp("containerd")
    yield from engine_fixture(lambda: Containerd(base, engine_runtimes()),
                              lambda engine: import_image(engine, busybox_template / "rootfs"), "containerd")


_no_sanitizer_reports = sanitizer_guard("containerd")


def task_status(ctd, cid):
    for line in ok(ctd.ctr("task", "ls")).stdout.splitlines()[1:]:
        fields = line.split()
        if fields and fields[0] == cid:
            return fields[2]
    return None


def wait_status(ctd, cid, want, timeout=15):
    return wait_until(lambda: task_status(ctd, cid) == want and want, timeout=timeout) or task_status(ctd, cid)


def exec_in(ctd, cid, *argv, tty=False):
    return ctd.ctr("task", "exec", *(["--tty"] if tty else []), "--fifo-dir", ctd.fifo_dir,
                   "--exec-id", f"x{uuid.uuid4().hex[:8]}", cid, *argv)


def start_detached(ctd, rt, cid, argv=SLEEPER):
    ok(ctd.ctr("run", "--detach", "--null-io", *ctd.run_flags(rt), IMAGE, cid, *argv))
    assert wait_until(lambda: exec_in(ctd, cid, "test", "-e", "/tmp/ready").returncode == 0), "never became ready"


def delete_task(ctd, cid):
    """`ctr task delete` (the shim's `delete`), and the exit code it reports."""
    r = ctd.ctr("task", "delete", cid)
    m = re.search(r"exit code (\d+)", r.stderr)
    return r.returncode, int(m.group(1)) if m else 0


def kill_and_delete(ctd, cid, *kill_flags):
    """`ctr task kill`, then the task and the container deleted: what each showed."""
    obs = {"kill": ctd.ctr("task", "kill", *kill_flags, cid).returncode}
    obs["stopped"] = wait_status(ctd, cid, "STOPPED")
    obs["delete"] = delete_task(ctd, cid)
    obs["container-delete"] = ctd.ctr("containers", "delete", cid).returncode
    return obs


# --------------------------------------------------------------------------
# scenarios: (containerd, runtime) -> observations


scenarios = Scenarios()


@scenarios("run-rm")
def scenario_run_rm(ctd, rt):
    cid = unique("rm", rt)
    r = ctd.ctr("run", "--rm", *ctd.run_flags(rt), IMAGE, cid, "sh", "-c", "echo out; echo err >&2; exit 3")
    left = ok(ctd.ctr("containers", "ls", "--quiet")).stdout.split()
    return {"status": r.returncode, "stdout": r.stdout, "stderr": r.stderr, "left": cid in left}


@scenarios("create-error")
def scenario_create_error(ctd, rt):
    cid = unique("error", rt)
    r = ctd.ctr("run", "--rm", *ctd.run_flags(rt), IMAGE, cid, "/nonexistent")
    left = ok(ctd.ctr("containers", "ls", "--quiet")).stdout.split()
    if cid in left:
        ctd.ctr("containers", "delete", cid)
    return {"status": r.returncode, "reported": "OCI runtime create failed" in r.stderr,
            "names-it": "/nonexistent" in r.stderr, "left": cid in left}


@scenarios("detached-task")
def scenario_detached_task(ctd, rt):
    cid = unique("task", rt)
    start_detached(ctd, rt, cid)
    obs = {"status": task_status(ctd, cid)}
    r = exec_in(ctd, cid, "sh", "-c", "echo in-exec; exit 5")
    obs["exec"] = (r.returncode, r.stdout)
    r = ok(ctd.ctr("task", "ps", cid))
    obs["ps"] = len(r.stdout.splitlines()) - 1
    metrics = json.loads(ok(ctd.ctr("task", "metrics", "--format", "json", cid)).stdout)
    obs["metrics-pids"] = metrics.get("pids", {}).get("current")
    obs["metrics-has-memory"] = bool(metrics.get("memory"))
    obs["pause"] = ctd.ctr("task", "pause", cid).returncode
    obs["paused"] = wait_status(ctd, cid, "PAUSED")
    obs["resume"] = ctd.ctr("task", "resume", cid).returncode
    obs["resumed"] = wait_status(ctd, cid, "RUNNING")
    obs.update(kill_and_delete(ctd, cid))  # SIGTERM: the trap exits 0
    return obs


@scenarios("kill-all")
def scenario_kill_all(ctd, rt):
    cid = unique("killall", rt)
    start_detached(ctd, rt, cid, ["sh", "-c", "sleep 1000 & sleep 1000 & touch /tmp/ready; wait"])
    obs = {"ps": len(ok(ctd.ctr("task", "ps", cid)).stdout.splitlines()) - 1}
    obs.update(kill_and_delete(ctd, cid, "--all", "--signal", "SIGKILL"))
    return obs


@scenarios("terminal")
def scenario_terminal(ctd, rt):
    obs = {}
    argv = ["ctr", "--address", ctd.address, "--namespace", ctd.namespace]
    status, out = run_in_pty([*argv, "run", "--tty", "--rm", *ctd.run_flags(rt), IMAGE, unique("tty", rt),
                              "sh", "-c", "tty; read x; echo got:$x; exit 3"],
                             {}, b"hello\n", wait_for=b"/dev/pts/")
    obs["run-tty"] = (status, "/dev/pts/0" in out, "got:hello" in out)
    cid = unique("ttyexec", rt)
    start_detached(ctd, rt, cid)
    status, out = run_in_pty([*argv, "task", "exec", "--tty", "--fifo-dir", ctd.fifo_dir, "--exec-id", "t1", cid,
                              "sh", "-c", "tty; exit 4"], {}, b"")
    obs["exec-tty"] = (status, "/dev/pts/" in out)
    obs["delete"] = kill_and_delete(ctd, cid, "--signal", "SIGKILL")["delete"]
    return obs


observe = scenarios.observe_fixture("containerd")


# --------------------------------------------------------------------------
# berth under containerd


def test_run_to_completion_captures_output_and_status(observe):
    obs = observe("run-rm")
    assert (obs["status"], obs["stdout"], obs["stderr"], obs["left"]) == (3, "out\n", "err\n", False), obs


def test_create_error_reaches_ctr_from_the_json_log(observe):
    obs = observe("create-error")
    assert obs["status"] != 0 and obs["reported"] and obs["names-it"] and not obs["left"], obs


def test_detached_task_exec_ps_metrics_pause_kill_delete(observe):
    obs = observe("detached-task")
    assert obs["status"] == "RUNNING" and obs["exec"] == (5, "in-exec\n"), obs
    assert obs["ps"] == 2 and obs["metrics-pids"] == 2 and obs["metrics-has-memory"], obs
    assert (obs["pause"], obs["paused"], obs["resume"], obs["resumed"]) == (0, "PAUSED", 0, "RUNNING"), obs
    assert (obs["kill"], obs["stopped"], obs["delete"], obs["container-delete"]) == (0, "STOPPED", (0, 0), 0), obs


def test_kill_all_reaches_every_process(observe):
    obs = observe("kill-all")
    assert obs["ps"] == 3 and obs["kill"] == 0 and obs["stopped"] == "STOPPED", obs
    assert obs["delete"] == (0, 137) and obs["container-delete"] == 0, obs


def test_run_and_exec_with_a_terminal(observe):
    obs = observe("terminal")
    assert obs["run-tty"] == (3, True, True) and obs["exec-tty"] == (4, True), obs
    assert obs["delete"] == (0, 137), obs


# --------------------------------------------------------------------------
# berth against crun

KNOWN_DIFFERENCES = {}


test_containerd_scenario_matches_crun = scenarios.comparison_test("containerd", KNOWN_DIFFERENCES)
