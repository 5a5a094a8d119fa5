"""linux.seccomp: the filter berth compiles at create and the init loads,
observed from inside the container with the probe (data/probe.c), and the
SCMP_ACT_NOTIFY listener handed to an agent at listenerPath."""
import array
import fcntl
import json
import os
import select
import socket
import struct
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import BERTH, SRCDIR, berth_env, read_mounts
from probe_helper import install_probe, probe_binary, probe_results  # noqa: F401 (fixture)

DEFAULT_PROFILE = SRCDIR / "tests" / "integration" / "data" / "seccomp-default.json"
EPERM, ENOSYS = 1, 38
SIGSYS = 31
NR_GETPPID = 110  # x86_64

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64", reason="syscall numbers and archs are x86_64's")


def load_default_profile():
    return json.loads(DEFAULT_PROFILE.read_text())


def getppid_rule(action, *conditions, **extra):
    """A rule on getppid, whose arguments the kernel ignores: calls with any
    raw arguments are harmless, and only the filter looks at them."""
    rule = {"names": ["getppid"], "action": action, **extra}
    if conditions:
        rule["args"] = [dict(index=i, value=v, op=op, **({"valueTwo": v2} if v2 is not None else {}))
                        for i, op, v, v2 in conditions]
    return rule


def with_filter(bundle, probe, seccomp, *args):
    install_probe(bundle, probe)
    bundle.config["linux"]["seccomp"] = seccomp
    bundle.set_args(*args)


def run_probe(root, bundle, cid, *ops, check=True, extra=()):
    """Run the probe as a child of sh (so that a signal death shows as a
    status, not as the container's); returns (results, status, output)."""
    cmd = f"probe {' '.join(ops)}; echo status=$?"
    bundle.set_args("sh", "-c", cmd)
    r = root.run(*extra, "run", "--bundle", bundle, cid, check=check)
    results = probe_results(r.stdout)
    return results, results.get("status"), r


ALL_CAPS_WE_NEED = ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN",
                    "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETPCAP"]


def grant_caps(bundle, caps):
    bundle.process["capabilities"] = {k: list(caps) for k in ("bounding", "effective", "permitted")}


# ------------------------------------------------------------------ a default profile


DENIED_OPS = ["unshare-uts", "keyctl", "ptrace-init", "mount-tmpfs"]


def test_default_profile_denies_namespaces_keyrings_ptrace_and_mounts(bundle, berth_root, container_id,
                                                                     probe_binary):
    # With the capabilities these calls need, only the filter can refuse them:
    # check first that they work without it.
    install_probe(bundle, probe_binary)
    grant_caps(bundle, ALL_CAPS_WE_NEED)
    bundle.write_config()
    free, status, _ = run_probe(berth_root, bundle, container_id, *DENIED_OPS)
    assert status == 0
    assert free["unshare-uts"] == 0 and free["ptrace-init"] == 0 and free["mount-tmpfs"] == 0
    assert free["keyctl"] > 0

    bundle.config["linux"]["seccomp"] = load_default_profile()
    bundle.write_config()
    denied, status, _ = run_probe(berth_root, bundle, container_id + "-f", *DENIED_OPS)
    assert status == 0
    assert {op: denied[op] for op in DENIED_OPS} == {op: -EPERM for op in DENIED_OPS}


@pytest.mark.parametrize("nnp,uid", [(True, 0), (False, 0), (False, 1000), (True, 1000)],
                         ids=["nnp-root", "no-nnp-root", "no-nnp-user", "nnp-user"])
def test_default_profile_runs_ordinary_commands(bundle, berth_root, container_id, nnp, uid):
    # Without no_new_privs the filter is loaded before the uid and the
    # capabilities change: those syscalls must get through it too.
    bundle.config["linux"]["seccomp"] = load_default_profile()
    bundle.process["noNewPrivileges"] = nnp
    bundle.process["user"] = {"uid": uid, "gid": uid}
    bundle.set_args("sh", "-c", "echo hello | tr a-z A-Z; ls / > /dev/null && echo listed; id -u; "
                                "sleep 0.1 && echo slept; wc -l < /proc/self/status > /dev/null && echo counted; "
                                "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; "
                                "unshare -u true 2>/dev/null || echo unshare-refused")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.splitlines()
    assert lines[:5] == ["HELLO", "listed", str(uid), "slept", "counted"]
    status = dict(line.split(":\t") for line in lines[5:7])
    assert status == {"Seccomp": "2", "NoNewPrivs": "1" if nnp else "0"}
    assert lines[7] == "unshare-refused"


def test_default_errno_ret_is_the_errno_of_unlisted_syscalls(bundle, berth_root, container_id, probe_binary):
    profile = load_default_profile()
    profile["defaultErrnoRet"] = ENOSYS
    with_filter(bundle, probe_binary, profile, "true")
    results, status, _ = run_probe(berth_root, bundle, container_id, "keyctl", "unshare-uts", "getppid")
    assert status == 0
    assert results["keyctl"] == results["unshare-uts"] == -ENOSYS
    assert results["getppid"] > 0


# ------------------------------------------------------------------ actions


def test_errno_trace_log_and_allow_actions(bundle, berth_root, container_id, probe_binary):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        getppid_rule("SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 1, None), errnoRet=42),
        getppid_rule("SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 2, None)),  # EPERM unless told
        getppid_rule("SCMP_ACT_TRACE", (0, "SCMP_CMP_EQ", 3, None)),  # no tracer: ENOSYS
        getppid_rule("SCMP_ACT_LOG", (0, "SCMP_CMP_EQ", 4, None)),
        getppid_rule("SCMP_ACT_ALLOW", (0, "SCMP_CMP_EQ", 5, None)),  # the default: nothing to add
    ]}
    with_filter(bundle, probe_binary, seccomp, "true")
    ops = [f"getppid:{n}" for n in range(6)]
    results, status, _ = run_probe(berth_root, bundle, container_id, *ops)
    assert status == 0
    assert [results[op] for op in ops[1:4]] == [-42, -EPERM, -ENOSYS]
    ppid = results["getppid:0"]
    assert ppid > 0 and results["getppid:4"] == results["getppid:5"] == ppid


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS"])
def test_kill_actions_kill_with_sigsys_past_any_handler(bundle, berth_root, container_id, probe_binary, action):
    with_filter(bundle, probe_binary, {"defaultAction": "SCMP_ACT_ALLOW",
                                       "syscalls": [getppid_rule(action, (0, "SCMP_CMP_EQ", 7, None))]}, "true")
    results, status, r = run_probe(berth_root, bundle, container_id, "sigsys-handler", "getppid:7")
    assert status == 128 + SIGSYS
    assert "sigsys" not in results and "getppid:7" not in results


def test_trap_action_delivers_sigsys_to_the_handler(bundle, berth_root, container_id, probe_binary):
    with_filter(bundle, probe_binary, {"defaultAction": "SCMP_ACT_ALLOW",
                                       "syscalls": [getppid_rule("SCMP_ACT_TRAP", (0, "SCMP_CMP_EQ", 7, None))]},
                "true")
    results, status, _ = run_probe(berth_root, bundle, container_id, "sigsys-handler", "getppid:7")
    assert results["sigsys"] == NR_GETPPID and status == 42


# ------------------------------------------------------------------ operators


@pytest.mark.parametrize("op,value,value_two,matching,other", [
    ("SCMP_CMP_NE", 5, None, 6, 5),
    ("SCMP_CMP_LT", 5, None, 4, 5),
    ("SCMP_CMP_LE", 5, None, 5, 6),
    ("SCMP_CMP_EQ", 0xffffffff00000005, None, 0xffffffff00000005, 5),
    ("SCMP_CMP_GE", 5, None, 5, 4),
    ("SCMP_CMP_GT", 5, None, 6, 5),
    ("SCMP_CMP_MASKED_EQ", 0xf0, 0x30, 0x3f, 0x4f),
])
@pytest.mark.parametrize("index", [0, 5])
def test_each_operator_on_the_first_and_last_argument(bundle, berth_root, container_id, probe_binary, op, value,
                                                      value_two, matching, other, index):
    rule = getppid_rule("SCMP_ACT_ERRNO", (index, op, value, value_two), errnoRet=99)
    with_filter(bundle, probe_binary, {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}, "true")

    def call(v):
        args = ["0"] * 6
        args[index] = hex(v)
        return "getppid:" + ",".join(args)

    results, status, _ = run_probe(berth_root, bundle, container_id, call(matching), call(other))
    assert status == 0
    assert results[call(matching)] == -99
    assert results[call(other)] > 0


def test_conditions_on_different_arguments_must_all_hold(bundle, berth_root, container_id, probe_binary):
    rule = getppid_rule("SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 1, None), (1, "SCMP_CMP_EQ", 2, None), errnoRet=99)
    with_filter(bundle, probe_binary, {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}, "true")
    results, _, _ = run_probe(berth_root, bundle, container_id, "getppid:1,2", "getppid:1,3", "getppid:0,2")
    assert results["getppid:1,2"] == -99
    assert results["getppid:1,3"] > 0 and results["getppid:0,2"] > 0


def test_conditions_on_the_same_argument_match_any_of_them(bundle, berth_root, container_id, probe_binary):
    rule = getppid_rule("SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 1, None), (0, "SCMP_CMP_EQ", 2, None), errnoRet=99)
    with_filter(bundle, probe_binary, {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}, "true")
    results, _, _ = run_probe(berth_root, bundle, container_id, "getppid:1", "getppid:2", "getppid:3")
    assert results["getppid:1"] == results["getppid:2"] == -99
    assert results["getppid:3"] > 0


# ------------------------------------------------------------------ names, archs, flags


def test_unknown_syscall_names_are_skipped_with_a_debug_message(bundle, berth_root, container_id, probe_binary):
    rule = {"names": ["berth_no_such_syscall", "getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99}
    with_filter(bundle, probe_binary, {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}, "true")
    results, status, r = run_probe(berth_root, bundle, container_id, "getppid", extra=["--debug"])
    assert results["getppid"] == -99
    assert "unknown syscall `berth_no_such_syscall` ignored" in r.stderr


def features_seccomp(berth):
    return json.loads(berth("features", check=True).stdout)["linux"]["seccomp"]


def test_every_architecture_berth_lists_is_accepted(berth, bundle, berth_root, container_id, probe_binary):
    archs = features_seccomp(berth)["archs"]
    assert {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"} <= set(archs)
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": archs,
               "syscalls": [getppid_rule("SCMP_ACT_ERRNO", errnoRet=99)]}
    with_filter(bundle, probe_binary, seccomp, "true")
    results, status, _ = run_probe(berth_root, bundle, container_id, "getppid")
    assert results["getppid"] == -99


def test_features_lists_wait_killable_recv_where_the_kernel_has_it(berth):
    s = features_seccomp(berth)
    assert set(s["supportedFlags"]) <= set(s["knownFlags"])
    if tuple(map(int, os.uname().release.split(".")[:2])) >= (6, 0):
        assert "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" in s["supportedFlags"]


@pytest.mark.parametrize("flag", ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                  "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
def test_each_supported_flag_loads_the_filter(berth, bundle, berth_root, container_id, probe_binary, flag):
    if flag not in features_seccomp(berth)["supportedFlags"]:
        pytest.skip(f"{flag} is not supported here")
    # WAIT_KILLABLE_RECV qualifies a listener: without one it is ignored.
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": [flag],
               "syscalls": [getppid_rule("SCMP_ACT_ERRNO", errnoRet=99)]}
    with_filter(bundle, probe_binary, seccomp, "true")
    results, status, _ = run_probe(berth_root, bundle, container_id, "getppid")
    assert results["getppid"] == -99


# ------------------------------------------------------------------ bad input


def one_line_error(r, message):
    assert r.returncode == 1, r
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("berth: "), r.stderr
    assert message in r.stderr, r.stderr


def break_profile(what):
    p = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getppid"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["gettid"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
    ]}
    s = p["syscalls"]
    if what == "action":
        s[2]["action"] = "SCMP_ACT_BOGUS"
    elif what == "default-action":
        p["defaultAction"] = "SCMP_ACT_PANIC"
    elif what == "arch":
        p["architectures"] = ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]
    elif what == "arg-index":
        s[2]["args"][0]["index"] = 6
    elif what == "too-many-args":
        s[2]["args"] = [{"index": i % 6, "value": 0, "op": "SCMP_CMP_EQ"} for i in range(7)]
    elif what == "operator":
        s[2]["args"][0]["op"] = "SCMP_CMP_LIKE"
    elif what == "errno-on-allow":
        s[1]["action"], s[1]["errnoRet"] = "SCMP_ACT_KILL", 5
    elif what == "default-errno-on-kill":
        p["defaultAction"], p["defaultErrnoRet"] = "SCMP_ACT_KILL_PROCESS", 5
    elif what == "errno-range":
        s[0]["errnoRet"] = 70000
    elif what == "flag":
        p["flags"] = ["SECCOMP_FILTER_FLAG_BOGUS"]
    elif what == "notify-without-listener":
        s[1]["action"] = "SCMP_ACT_NOTIFY"
    elif what == "notify-default":
        p["defaultAction"] = "SCMP_ACT_NOTIFY"
    elif what == "notify-sendmsg":
        s[1] = {"names": ["sendmsg"], "action": "SCMP_ACT_NOTIFY"}
        p["listenerPath"] = "/run/berth-no-such-agent.sock"
    elif what == "metadata-without-listener":
        p["listenerMetadata"] = "x"
    elif what == "no-names":
        s[1]["names"] = []
    return p


@pytest.mark.parametrize("what,message", [
    ("action", "linux.seccomp.syscalls[2].action: unknown action `SCMP_ACT_BOGUS`"),
    ("default-action", "linux.seccomp.defaultAction: unknown action `SCMP_ACT_PANIC`"),
    ("arch", "linux.seccomp.architectures[1]: unknown architecture `SCMP_ARCH_VAX`"),
    ("arg-index", "linux.seccomp.syscalls[2].args[0].index: 6 is out of range (0 to 5)"),
    ("too-many-args", "linux.seccomp.syscalls[2].args: 7 conditions, at most 6"),
    ("operator", "linux.seccomp.syscalls[2].args[0].op: unknown operator `SCMP_CMP_LIKE`"),
    ("errno-on-allow", "linux.seccomp.syscalls[1].action: SCMP_ACT_KILL takes no errno"),
    ("default-errno-on-kill", "linux.seccomp.defaultAction: SCMP_ACT_KILL_PROCESS takes no errno"),
    ("errno-range", "linux.seccomp.syscalls[0].action: errno 70000 is out of range"),
    ("flag", "linux.seccomp.flags[0]: unknown flag `SECCOMP_FILTER_FLAG_BOGUS`"),
    ("notify-without-listener", "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY"),
    ("notify-default", "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"),
    ("notify-sendmsg", "linux.seccomp.syscalls[1]: SCMP_ACT_NOTIFY cannot apply to `sendmsg`"),
    ("metadata-without-listener", "linux.seccomp.listenerMetadata: set without listenerPath"),
    ("no-names", "linux.seccomp.syscalls[1].names: must name at least one syscall"),
])
def test_bad_seccomp_is_one_clear_line_and_leaves_nothing(bundle, berth_root, container_id, what, message):
    bundle.config["linux"]["seccomp"] = break_profile(what)
    bundle.write_config()
    before = read_mounts()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    one_line_error(r, message)
    assert not (berth_root.path / container_id).exists()
    assert read_mounts() == before


def test_an_architecture_libseccomp_lacks_is_named(berth, bundle, berth_root, container_id):
    known = set(features_seccomp(berth)["archs"])
    lacking = [a for a in ("SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB")
               if a not in known]
    if not lacking:
        pytest.skip("this libseccomp knows every architecture of the spec")
    bundle.config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": [lacking[0]]}
    bundle.write_config()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    one_line_error(r, f"linux.seccomp.architectures[0]: `{lacking[0]}` is not supported by libseccomp")
    assert not (berth_root.path / container_id).exists()


# ------------------------------------------------------------------ SCMP_ACT_NOTIFY

SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif): 80 bytes
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp): 24 bytes


class Agent(threading.Thread):
    """A seccomp agent at `path`: takes one connection, records the
    container process state and the fd, then answers each notification
    with `value` (or, with value None, closes the fd at once)."""

    def __init__(self, path, value):
        super().__init__(daemon=True)
        self.value = value
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(1)
        self.sock.settimeout(30)
        self.state = None
        self.nfds = None
        self.syscalls = []
        self.error = None

    def run(self):
        try:
            self.serve()
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            self.sock.close()

    def serve(self):
        conn, _ = self.sock.accept()
        with conn:
            fds = array.array("i")
            data, anc, _, _ = conn.recvmsg(1 << 16, socket.CMSG_SPACE(4 * fds.itemsize))
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
            while True:  # the rest of the document, until the runtime closes
                more = conn.recv(1 << 16)
                if not more:
                    break
                data += more
        self.state = json.loads(data)
        self.nfds = len(fds)
        notify_fd = fds[0]
        try:
            while self.value is not None:
                ready, _, _ = select.select([notify_fd], [], [], 30)
                if not ready:
                    break
                req = bytearray(80)
                try:
                    fcntl.ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req, True)
                except OSError:
                    break  # the container is gone
                notif_id, pid, flags, nr, arch = struct.unpack_from("=QIIiI", req)
                self.syscalls.append(nr)
                resp = bytearray(struct.pack("=QqiI", notif_id, self.value, 0, 0))
                fcntl.ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, resp, True)
        finally:
            os.close(notify_fd)


@pytest.fixture
def agent_path(tmp_path):
    path = tmp_path / "agent.sock"
    assert len(str(path)) < 100, "unix socket path too long"
    return path


@pytest.mark.parametrize("flags", [[], ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"]],
                         ids=["plain", "wait-killable-tsync"])
@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_notify_hands_the_listener_and_the_state_to_the_agent(berth, bundle, berth_root, container_id,
                                                              probe_binary, agent_path, flags, nnp):
    supported = features_seccomp(berth)["supportedFlags"]
    if any(f not in supported for f in flags):
        pytest.skip("a flag is not supported here")
    bundle.config["annotations"] = {"org.example.agent": "yes"}
    bundle.process["noNewPrivileges"] = nnp
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(agent_path),
               "listenerMetadata": "probe=getppid", "flags": flags,
               "syscalls": [getppid_rule("SCMP_ACT_NOTIFY", (0, "SCMP_CMP_EQ", 77, None))]}
    with_filter(bundle, probe_binary, seccomp, "true")
    agent = Agent(agent_path, 4242)
    agent.start()
    results, status, _ = run_probe(berth_root, bundle, container_id, "getppid:77", "getppid")
    agent.join(30)
    assert agent.error is None, agent.error
    assert results["getppid:77"] == 4242 and results["getppid"] not in (4242, -ENOSYS)
    assert agent.syscalls == [NR_GETPPID]

    st = agent.state
    assert agent.nfds == 1 and st["fds"] == ["seccompFd"]
    assert set(st) == {"ociVersion", "fds", "pid", "metadata", "state"}
    assert st["metadata"] == "probe=getppid"
    assert st["state"]["id"] == container_id and st["state"]["status"] == "creating"
    assert st["state"]["pid"] == st["pid"] > 0
    assert st["state"]["bundle"] == str(bundle.path.resolve())
    assert st["state"]["annotations"] == {"org.example.agent": "yes"}


def test_notify_after_the_agent_closes_the_listener_gives_enosys(bundle, berth_root, container_id, probe_binary,
                                                                agent_path):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(agent_path),
               "syscalls": [getppid_rule("SCMP_ACT_NOTIFY", (0, "SCMP_CMP_EQ", 77, None))]}
    with_filter(bundle, probe_binary, seccomp, "true")
    agent = Agent(agent_path, None)
    agent.start()
    # Pending or not when the agent closes the listener, the call fails.
    results, status, _ = run_probe(berth_root, bundle, container_id, "getppid:77")
    agent.join(30)
    assert agent.error is None and "metadata" not in agent.state
    assert results["getppid:77"] == -ENOSYS and status == 0


def test_notify_hands_an_exec_processes_listener_to_the_agent(bundle, berth_root, container_id, probe_binary,
                                                              agent_path):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(agent_path),
               "listenerMetadata": "from-exec",
               "syscalls": [getppid_rule("SCMP_ACT_NOTIFY", (0, "SCMP_CMP_EQ", 77, None))]}
    with_filter(bundle, probe_binary, seccomp, "sleep", "100")
    # The init's own listener first, at create; its agent leaves at once.
    first = Agent(agent_path, None)
    first.start()
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    first.join(30)
    assert first.error is None
    init = first.state["pid"]
    agent_path.unlink()
    # Then the exec'd process's: answered by a second agent.
    second = Agent(agent_path, 4343)
    second.start()
    r = berth_root.run("exec", container_id, "probe", "getppid:77", check=True)
    second.join(30)
    assert second.error is None, second.error
    assert probe_results(r.stdout)["getppid:77"] == 4343
    st = second.state
    assert st["metadata"] == "from-exec" and st["fds"] == ["seccompFd"]
    assert st["pid"] != init and st["state"]["pid"] == init
    assert st["state"]["status"] == "running" and st["state"]["id"] == container_id


def test_notify_with_no_agent_listening_fails_create_and_leaves_nothing(bundle, berth_root, container_id,
                                                                        agent_path):
    bundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(agent_path),
        "syscalls": [getppid_rule("SCMP_ACT_NOTIFY")]}
    bundle.write_config()
    before = read_mounts()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    one_line_error(r, f"linux.seccomp.listenerPath: connect to `{agent_path}`")
    assert not (berth_root.path / container_id).exists()
    assert read_mounts() == before


# ------------------------------------------------------------------ syscalls newer than the profile

NR_ACCT = 163  # x86_64 (and x32): below the largest number the profiles name, and in none of them
NR_ACCT_I386 = 51
X32_BIT = 0x40000000


@pytest.mark.parametrize("archs", [None, ["SCMP_ARCH_X86_64"], ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]],
                         ids=["native", "x86_64", "x86_64-x86-x32"])
@pytest.mark.parametrize("default", ["SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS"])
def test_a_syscall_newer_than_the_profile_gets_enosys(bundle, berth_root, container_id, probe_binary, archs,
                                                     default):
    profile = load_default_profile()
    profile["defaultAction"] = default
    profile.pop("defaultErrnoRet", None)
    if archs is None:
        profile.pop("architectures", None)
    else:
        profile["architectures"] = archs
    with_filter(bundle, probe_binary, profile, "true")
    # 1000 and 1u<<29 are above every syscall x86_64 has; runc gives ENOSYS
    # there so that programs fall back as on an older kernel.
    ops = ["syscall:1000", f"syscall:{1 << 29}", "getppid"]
    multi = archs and len(archs) == 3 and default == "SCMP_ACT_ERRNO"
    if default == "SCMP_ACT_ERRNO":
        ops.append(f"syscall:{NR_ACCT}")
    if multi:
        # The other ABIs get their own check: i386 through int $0x80, x32
        # by the number's bit, each against its own largest number.
        ops += ["syscall32:1000", f"syscall32:{NR_ACCT_I386}", f"syscall:{X32_BIT | 1000}",
                f"syscall:{X32_BIT | NR_ACCT}"]
    results, status, _ = run_probe(berth_root, bundle, container_id, *ops)
    assert status == 0
    assert results["syscall:1000"] == results[f"syscall:{1 << 29}"] == -ENOSYS
    assert results["getppid"] > 0
    if default == "SCMP_ACT_ERRNO":
        # A number the profile knows of but does not allow keeps the default.
        assert results[f"syscall:{NR_ACCT}"] == -EPERM
    if multi:
        assert results["syscall32:1000"] == results[f"syscall:{X32_BIT | 1000}"] == -ENOSYS
        assert results[f"syscall32:{NR_ACCT_I386}"] == results[f"syscall:{X32_BIT | NR_ACCT}"] == -EPERM


def test_a_permissive_default_leaves_newer_syscalls_to_the_kernel(bundle, berth_root, container_id, probe_binary):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [getppid_rule("SCMP_ACT_ERRNO", errnoRet=99)]}
    with_filter(bundle, probe_binary, seccomp, "true")
    results, status, _ = run_probe(berth_root, bundle, container_id, "syscall:1000", "getppid")
    assert results == {"syscall:1000": -ENOSYS, "getppid": -99, "status": 0}


@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_start_container_hooks_run_under_the_containers_filter(bundle, berth_root, container_id, probe_binary, nnp):
    # runc's init loads the filter before it waits for `start`, so the
    # startContainer hooks (run by the init, in the container) are filtered.
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [getppid_rule("SCMP_ACT_ERRNO", errnoRet=99)]}
    with_filter(bundle, probe_binary, seccomp, "true")
    bundle.process["noNewPrivileges"] = nnp
    (bundle.rootfs / "out").mkdir()
    bundle.config["mounts"].append({"destination": "/out", "type": "bind", "source": str(bundle.rootfs / "out"),
                                    "options": ["rbind", "rw"]})
    bundle.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "cat > /dev/null; probe getppid > /out/hook"]}]}
    bundle.write_config()
    berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert probe_results((bundle.rootfs / "out" / "hook").read_text()) == {"getppid": -99}


def test_a_listener_path_without_notify_rules_still_gets_a_listener(bundle, berth_root, container_id,
                                                                    probe_binary, agent_path):
    # An agent at listenerPath waits for its connection: it gets one, with
    # a listener that never fires, rather than waiting for ever.
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(agent_path),
               "syscalls": [getppid_rule("SCMP_ACT_ERRNO", errnoRet=99)]}
    with_filter(bundle, probe_binary, seccomp, "true")
    agent = Agent(agent_path, 1)
    agent.start()
    results, status, _ = run_probe(berth_root, bundle, container_id, "getppid")
    agent.join(30)
    assert not agent.is_alive() and agent.error is None, agent.error
    assert agent.nfds == 1 and agent.state["state"]["id"] == container_id
    assert results["getppid"] == -99 and agent.syscalls == []


def test_a_create_failing_after_the_listener_went_out_leaves_the_agent_a_closed_connection(
        bundle, berth_root, container_id, probe_binary, agent_path, tmp_path):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(agent_path),
               "syscalls": [getppid_rule("SCMP_ACT_NOTIFY", (0, "SCMP_CMP_EQ", 77, None))]}
    with_filter(bundle, probe_binary, seccomp, "sleep", "100")
    agent = Agent(agent_path, 1)
    agent.start()
    # The pid file is written once the init is ready: long after the
    # listener reached the agent.
    r = berth_root.run("create", "--pid-file", str(tmp_path / "no" / "such" / "dir" / "pid"), "--bundle", bundle,
                       container_id)
    assert r.returncode != 0 and "--pid-file" in r.stderr
    agent.join(30)
    # The agent had the whole document and the fd, then end of file; the
    # listener reports the container gone.
    assert not agent.is_alive() and agent.error is None, agent.error
    assert agent.nfds == 1 and agent.state["state"]["status"] == "creating"
    assert not (berth_root.path / container_id).exists()


def libseccomp_path():
    """The file the loader opens for libseccomp.so.2 (ldconfig's cache)."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("libseccomp.so.2 ") and "x86-64" in line:
            return os.path.realpath(line.split("=>")[1].strip())
    pytest.skip("libseccomp.so.2 is not in ldconfig's cache")


def run_without_libseccomp(root, bundle, cid):
    """berth run in a private mount namespace where libseccomp.so.2 is
    /dev/null, so that dlopen fails (nothing changes on the host)."""
    script = 'mount --bind /dev/null "$0" && exec "$@"'
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, libseccomp_path(),
                           str(BERTH), "--root", str(root), "run", "--bundle", str(bundle), cid],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30, env=berth_env())


def test_a_container_without_seccomp_runs_without_libseccomp(bundle, berth_root, container_id):
    bundle.set_args("echo", "ok")
    r = run_without_libseccomp(berth_root, bundle, container_id)
    assert (r.returncode, r.stdout, r.stderr) == (0, "ok\n", "")


def test_a_profile_without_libseccomp_fails_naming_the_library(bundle, berth_root, container_id):
    bundle.config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW"}
    bundle.set_args("echo", "ok")
    r = run_without_libseccomp(berth_root, bundle, container_id)
    assert r.returncode == 1
    assert r.stderr.startswith("berth: run: linux.seccomp: cannot load libseccomp.so.2: ")
    assert r.stderr.count("\n") == 1
    assert berth_root.container_ids() == []
