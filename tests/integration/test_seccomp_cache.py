"""The compiled-seccomp cache (<root>/.seccomp-cache): a profile is compiled
once, its program reused by later creates and by exec, every entry checked
before use, the cache bounded and safe with creates running at once."""
import concurrent.futures
import json
import os
import time

import pytest

from conftest import run_berth
from probe_helper import install_probe, probe_binary, probe_results  # noqa: F401 (fixture)
from test_seccomp import (ALL_CAPS_WE_NEED, DENIED_OPS, EPERM, Agent, agent_path, getppid_rule,  # noqa: F401
                          grant_caps, load_default_profile, run_probe)

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64", reason="syscall numbers and archs are x86_64's")

ENTRY_HEADER = 8 + 32 + 4 * 4 + 32  # magic, key, flags/notify/len/reserved, checksum
MAX_ENTRIES = 64


def cache_dir(root):
    return root.path / ".seccomp-cache"


def entries(root):
    d = cache_dir(root)
    return sorted(p for p in d.iterdir() if not p.name.startswith(".")) if d.exists() else []


def filtered_bundle(bundle, probe, profile=None):
    install_probe(bundle, probe)
    grant_caps(bundle, ALL_CAPS_WE_NEED)
    bundle.config["linux"]["seccomp"] = profile or load_default_profile()
    bundle.write_config()


def assert_filter_works(root, bundle, cid):
    """The default profile's denials hold and ordinary calls get through."""
    results, status, _ = run_probe(root, bundle, cid, *DENIED_OPS, "getppid")
    assert status == 0
    assert {op: results[op] for op in DENIED_OPS} == {op: -EPERM for op in DENIED_OPS}
    assert results["getppid"] >= 0


def test_a_profile_is_compiled_once_and_its_program_reused(bundle, berth_root, container_id, probe_binary):
    filtered_bundle(bundle, probe_binary)
    assert_filter_works(berth_root, bundle, container_id + "-1")
    [entry] = entries(berth_root)
    assert len(entry.name) == 64
    first = entry.stat()
    program = entry.read_bytes()
    assert len(program) > ENTRY_HEADER and program[:8] == b"BERTHSF1"

    assert_filter_works(berth_root, bundle, container_id + "-2")
    assert entries(berth_root) == [entry]
    again = entry.stat()
    # Not written again: the same file, untouched, the same bytes.
    assert (again.st_ino, again.st_mtime_ns, again.st_size) == (first.st_ino, first.st_mtime_ns, first.st_size)
    assert entry.read_bytes() == program


def test_another_spelling_of_the_same_profile_hits_the_same_entry(bundle, berth_root, container_id,
                                                                  probe_binary):
    filtered_bundle(bundle, probe_binary)
    berth_root.run("run", "--bundle", bundle, container_id + "-1", check=True)
    [entry] = entries(berth_root)
    # Other whitespace and key order in config.json: the key is of the
    # profile as parsed, not of the file's bytes.
    profile = load_default_profile()
    bundle.config["linux"]["seccomp"] = dict(reversed(list(profile.items())))
    bundle.config_path.write_text(json.dumps(bundle.config, indent=7))
    berth_root.run("run", "--bundle", bundle, container_id + "-2", check=True)
    assert entries(berth_root) == [entry]


def test_a_different_profile_gets_its_own_entry(bundle, berth_root, container_id, probe_binary):
    filtered_bundle(bundle, probe_binary)
    berth_root.run("run", "--bundle", bundle, container_id + "-1", check=True)
    profile = load_default_profile()
    profile["defaultErrnoRet"] = 13
    filtered_bundle(bundle, probe_binary, profile)
    results, status, _ = run_probe(berth_root, bundle, container_id + "-2", "keyctl")
    assert results["keyctl"] == -13
    assert len(entries(berth_root)) == 2


@pytest.mark.parametrize("damage", ["truncated", "program-byte", "magic", "empty", "header-only"])
def test_a_damaged_entry_is_ignored_and_rewritten(bundle, berth_root, container_id, probe_binary, damage):
    filtered_bundle(bundle, probe_binary)
    berth_root.run("run", "--bundle", bundle, container_id + "-1", check=True)
    [entry] = entries(berth_root)
    good = entry.read_bytes()
    bad = {"truncated": good[:-5], "program-byte": good[:-8] + bytes([good[-8] ^ 0x01]) + good[-7:],
           "magic": b"XXXXXXXX" + good[8:], "empty": b"", "header-only": good[:ENTRY_HEADER]}[damage]
    entry.write_bytes(bad)
    # A damaged program is never loaded: the profile is compiled again,
    # and the filter is the profile's.
    assert_filter_works(berth_root, bundle, container_id + "-2")
    assert entries(berth_root) == [entry]
    assert entry.read_bytes() == good


def test_concurrent_creates_with_a_cold_cache_all_get_the_filter(bundle, berth_root, container_id, probe_binary):
    filtered_bundle(bundle, probe_binary)
    n = 6
    cmd = f"probe {' '.join(DENIED_OPS)} getppid"
    bundle.set_args("sh", "-c", cmd)

    def one(i):
        return run_berth("run", "--bundle", bundle, f"{container_id}-{i}", root=berth_root.path, timeout=120)

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        results = list(pool.map(one, range(n)))
    for r in results:
        assert r.returncode == 0, r
        got = probe_results(r.stdout)
        assert {op: got[op] for op in DENIED_OPS} == {op: -EPERM for op in DENIED_OPS}
    [entry] = entries(berth_root)
    # Every writer renamed its own temporary file: none is left.
    assert [p.name for p in cache_dir(berth_root).iterdir()] == [entry.name]
    assert entry.read_bytes()[:8] == b"BERTHSF1"


def test_the_cache_keeps_at_most_64_entries_dropping_the_least_recently_used(bundle, berth_root, container_id,
                                                                           probe_binary):
    d = cache_dir(berth_root)
    d.mkdir(mode=0o700)
    # Entries of other profiles, used (atime) one second apart, the oldest
    # first; one more used just now.
    now = time.time()
    old = [d / f"{i:064x}" for i in range(MAX_ENTRIES + 5)]
    for i, p in enumerate(old):
        p.write_bytes(b"BERTHSF1" + bytes(200))
        os.utime(p, (now - 10000 + i, now - 10000))
    recent = d / ("f" * 64)
    recent.write_bytes(b"BERTHSF1" + bytes(200))
    os.utime(recent, (now, now - 10000))
    # A temporary file a killed writer left long ago, and one in progress.
    stale, live = d / ".tmp-1-0-stale", d / ".tmp-2-0-live"
    stale.write_bytes(b"x")
    os.utime(stale, (now - 3600, now - 3600))
    live.write_bytes(b"x")

    filtered_bundle(bundle, probe_binary)
    assert_filter_works(berth_root, bundle, container_id)
    left = entries(berth_root)
    assert len(left) == MAX_ENTRIES
    assert recent in left
    fresh = [p for p in left if p not in old and p != recent]
    assert len(fresh) == 1 and fresh[0].read_bytes()[:8] == b"BERTHSF1"
    # The least recently used went: exactly the oldest of the others.
    dropped = len(old) + 2 - MAX_ENTRIES
    assert [p for p in old if p not in left] == old[:dropped]
    assert not stale.exists() and live.exists()


def test_exec_loads_the_program_the_init_loaded(bundle, berth_root, container_id, probe_binary):
    filtered_bundle(bundle, probe_binary)
    bundle.set_args("sleep", "100")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    [entry] = entries(berth_root)
    kept = berth_root.path / container_id / "seccomp.bpf"
    assert kept.stat().st_ino == entry.stat().st_ino  # a link, not a copy
    # Without the cache, exec still has the container's own program.
    for p in cache_dir(berth_root).iterdir():
        p.unlink()
    cache_dir(berth_root).rmdir()
    r = berth_root.run("exec", container_id, "probe", *DENIED_OPS, "getppid", check=True)
    got = probe_results(r.stdout)
    assert {op: got[op] for op in DENIED_OPS} == {op: -EPERM for op in DENIED_OPS} and got["getppid"] >= 0
    assert not cache_dir(berth_root).exists()


def test_exec_with_a_damaged_kept_program_compiles_the_profile_again(bundle, berth_root, container_id,
                                                                     probe_binary):
    filtered_bundle(bundle, probe_binary)
    bundle.set_args("sleep", "100")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    kept = berth_root.path / container_id / "seccomp.bpf"
    data = kept.read_bytes()
    kept.unlink()
    kept.write_bytes(data[:-1] + bytes([data[-1] ^ 0xff]))
    r = berth_root.run("exec", container_id, "probe", *DENIED_OPS, check=True)
    got = probe_results(r.stdout)
    assert {op: got[op] for op in DENIED_OPS} == {op: -EPERM for op in DENIED_OPS}


def test_a_notify_profile_from_a_warm_cache_still_hands_over_the_listener(bundle, berth_root, container_id,
                                                                         probe_binary, agent_path):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(agent_path),
               "syscalls": [getppid_rule("SCMP_ACT_NOTIFY", (0, "SCMP_CMP_EQ", 77, None))]}
    filtered_bundle(bundle, probe_binary, seccomp)
    for i, value in enumerate((4242, 4343)):
        if agent_path.exists():
            agent_path.unlink()
        agent = Agent(agent_path, value)
        agent.start()
        results, status, _ = run_probe(berth_root, bundle, f"{container_id}-{i}", "getppid:77")
        agent.join(30)
        assert agent.error is None, agent.error
        assert results["getppid:77"] == value and agent.nfds == 1
        if i == 0:
            [entry] = entries(berth_root)
            first = entry.stat()
    assert entries(berth_root) == [entry] and entry.stat().st_mtime_ns == first.st_mtime_ns


def test_profiles_differing_only_in_the_agents_socket_share_an_entry(bundle, berth_root, container_id,
                                                                      probe_binary, tmp_path):
    # Engines give each pod its own agent socket: the program is the same.
    for i in range(2):
        path = tmp_path / f"agent{i}.sock"
        seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(path), "listenerMetadata": f"pod-{i}",
                   "syscalls": [getppid_rule("SCMP_ACT_NOTIFY", (0, "SCMP_CMP_EQ", 77, None))]}
        filtered_bundle(bundle, probe_binary, seccomp)
        agent = Agent(path, 4000 + i)
        agent.start()
        results, _, _ = run_probe(berth_root, bundle, f"{container_id}-{i}", "getppid:77")
        agent.join(30)
        assert agent.error is None and results["getppid:77"] == 4000 + i
        assert agent.state["metadata"] == f"pod-{i}"
    assert len(entries(berth_root)) == 1
    # Without a listener the program differs (no NEW_LISTENER): its own entry.
    filtered_bundle(bundle, probe_binary, {"defaultAction": "SCMP_ACT_ALLOW",
                                           "syscalls": [getppid_rule("SCMP_ACT_ERRNO", errnoRet=5)]})
    berth_root.run("run", "--bundle", bundle, container_id + "-3", check=True)
    assert len(entries(berth_root)) == 2
