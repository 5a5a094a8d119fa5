"""dock's store: what a layer unpacks to (overlay whiteouts, hard links,
devices, owners, modes, times, xattrs), tar entries that try to write
outside their layer, a full disk, SIGKILL at named points, several dock
processes at once, daemon.json, and which libraries `dock images` loads."""
import json
import os
import stat
import subprocess
import threading
import uuid

import pytest

from dock_helpers import *  # noqa: F401,F403 (fixtures)
from dock_helpers import DOCK, DockStore, make_tar, run_dock


def assert_store_empty(store):
    assert store.run("images", "-q", check=True).stdout == ""
    assert store.tmp_entries() == [], store.tmp_entries()
    assert list((store.root / "layers").iterdir()) == []


# ------------------------------------------------------------ layer content
def test_layer_keeps_owners_modes_times_links_devices_and_xattrs(dock_store, tmp_path):
    tar = make_tar(tmp_path / "l.tar", [
        ("./", "dir"),
        ("bin/", "dir", None, {"mode": 0o750, "mtime": 1600000000}),
        ("bin/tool", "file", b"#!/bin/sh\n", {"mode": 0o4755, "uid": 1000, "gid": 1001, "mtime": 1500000000}),
        ("bin/tool-link", "hardlink", "bin/tool"),
        ("bin/sym", "symlink", "/bin/tool", {"uid": 7, "gid": 8}),
        ("dev/", "dir"),
        ("dev/null", "char", (1, 3), {"mode": 0o666}),
        ("dev/fifo", "fifo"),
        ("attr", "file", b"x", {"pax_headers": {"SCHILY.xattr.user.dock": "yes"}}),
        ("deep/er/file", "file", b"parents made on the way"),
    ])
    dock_store.run("import", tar, "content", check=True)
    d = dock_store.layer_dir("content")
    st = os.lstat(d / "bin/tool")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), int(st.st_mtime)) == (1000, 1001, 0o4755, 1500000000)
    assert os.lstat(d / "bin/tool-link").st_ino == st.st_ino
    assert os.readlink(d / "bin/sym") == "/bin/tool" and os.lstat(d / "bin/sym").st_uid == 7
    b = os.lstat(d / "bin")
    assert stat.S_IMODE(b.st_mode) == 0o750 and int(b.st_mtime) == 1600000000
    n = os.lstat(d / "dev/null")
    assert stat.S_ISCHR(n.st_mode) and (os.major(n.st_rdev), os.minor(n.st_rdev)) == (1, 3)
    assert stat.S_ISFIFO(os.lstat(d / "dev/fifo").st_mode)
    assert os.getxattr(d / "attr", "user.dock") == b"yes"
    assert (d / "deep/er/file").read_bytes() == b"parents made on the way"


def test_entries_get_the_tars_owner_mode_and_size_whatever_dock_skips(dock_store, tmp_path):
    """The unpacker creates files with their final mode and skips chown for
    the caller's own owner, ftruncate for files without a trailing hole,
    the stat before each create and a new parent lookup per entry: what it
    makes must still be what the tar says, under a set-group-ID directory,
    with modes the umask would cut, for names a later entry replaces."""
    entries = [
        ("g/", "dir", None, {"mode": 0o2775, "gid": 1234}),
        ("g/root-file", "file", b"r", {"mode": 0o644}),  # 0:0, not the directory's group
        ("g/sub/", "dir", None, {"mode": 0o755}),
        ("wide", "file", b"w", {"mode": 0o777}),
        ("open", "file", b"o", {"mode": 0o666}),
        ("ro", "file", b"secret", {"mode": 0o400}),
        ("empty", "file", b"", {"mode": 0o600}),
        ("x", "file", b"first"),
        ("x", "file", b"second"),
        ("y/", "dir"),
        ("y/inner", "file", b"gone with y"),
        ("y", "file", b"y is a file now"),
        ("z", "file", b"z was a file"),
        ("z/", "dir", None, {"mode": 0o711}),
        ("s", "file", b"s was a file"),
        ("s", "symlink", "x"),
        ("a/t/", "dir"),
        ("a/b/", "dir"),
        ("a/b/1", "file", b"1"),
        ("a/b", "symlink", "t"),  # a/b/2 must now go through the link
        ("a/b/2", "file", b"2"),
    ]
    tar = make_tar(tmp_path / "m.tar", entries)
    dock_store.run("import", tar, "meta", check=True)
    d = dock_store.layer_dir("meta")

    def owner_mode(p):
        st = os.lstat(d / p)
        return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)
    assert owner_mode("g") == (0, 1234, 0o2775)
    assert owner_mode("g/root-file") == (0, 0, 0o644)
    assert owner_mode("g/sub") == (0, 0, 0o755)
    for name, mode in (("wide", 0o777), ("open", 0o666), ("ro", 0o400), ("empty", 0o600), ("z", 0o711)):
        assert owner_mode(name) == (0, 0, mode), name
    assert (d / "ro").read_bytes() == b"secret" and (d / "empty").read_bytes() == b""
    assert (d / "x").read_bytes() == b"second"
    assert (d / "y").read_bytes() == b"y is a file now"
    assert (d / "z").is_dir() and not os.path.islink(d / "z")
    assert os.readlink(d / "s") == "x"
    assert os.readlink(d / "a/b") == "t" and sorted(os.listdir(d / "a/t")) == ["2"]
    assert (d / "a/t/2").read_bytes() == b"2"


def test_a_sparse_file_keeps_its_size_and_its_holes(dock_store, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    with open(src / "sparse", "wb") as f:
        f.write(b"head")
        f.seek(8 << 20)
        f.write(b"middle")
        f.truncate(32 << 20)  # a hole at the end: only a truncate makes it
    tar = tmp_path / "sparse.tar"
    subprocess.run(["tar", "--sparse", "-C", str(src), "-cf", str(tar), "sparse"], check=True)
    dock_store.run("import", tar, "sparse", check=True)
    f = dock_store.layer_dir("sparse") / "sparse"
    st = os.stat(f)
    assert st.st_size == 32 << 20 and st.st_blocks * 512 < (1 << 20)
    with open(f, "rb") as fh:
        assert fh.read(4) == b"head"
        fh.seek(8 << 20)
        assert fh.read(6) == b"middle"


def test_whiteouts_become_overlay_whiteouts_and_opaque_dirs(dock_store, tmp_path):
    tar = make_tar(tmp_path / "w.tar", [
        ("etc/", "dir"),
        ("etc/.wh.removed", "file", b""),
        ("var/", "dir"),
        ("var/.wh..wh..opq", "file", b""),
        ("var/kept", "file", b"new"),
    ])
    dock_store.run("import", tar, "wh", check=True)
    d = dock_store.layer_dir("wh")
    w = os.lstat(d / "etc/removed")
    assert stat.S_ISCHR(w.st_mode) and w.st_rdev == 0
    assert not (d / "etc/.wh.removed").exists()
    assert os.getxattr(d / "var", "trusted.overlay.opaque") == b"y"
    assert not (d / "var/.wh..wh..opq").exists() and (d / "var/kept").read_bytes() == b"new"


def test_layer_dirs_stack_under_overlay(dock_store, tmp_path):
    """The unpacked layers work as overlay lower dirs: whiteouts hide."""
    lower = make_tar(tmp_path / "a.tar", [("a", "file", b"A"), ("b", "file", b"B")])
    upper = make_tar(tmp_path / "b.tar", [(".wh.a", "file", b""), ("c", "file", b"C")])
    dock_store.run("import", lower, "lower", check=True)
    dock_store.run("import", upper, "upper", check=True)
    lo, up = dock_store.layer_dir("lower"), dock_store.layer_dir("upper")
    mnt = tmp_path / "merged"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={up}:{lo}", str(mnt)], check=True)
    try:
        assert sorted(os.listdir(mnt)) == ["b", "c"]
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


# -------------------------------------------------------------- tar safety
@pytest.mark.parametrize("entries,message", [
    ([("../evil", "file", b"x")], 'tar entry "../evil": path escapes the layer'),
    ([("a/../../evil", "file", b"x")], 'tar entry "a/../../evil": path escapes the layer'),
    ([("/abs-evil", "file", b"x")], 'tar entry "/abs-evil": absolute path refused'),
    ([("f", "file", b"x"), ("l", "hardlink", "../../etc/passwd")],
     'tar entry "l": hard link target "../../etc/passwd": path escapes the layer'),
    ([("d/", "dir"), ("d/l", "symlink", "../../outside")],
     'tar entry "d/l": symlink to "../../outside" escapes the layer'),
], ids=["dotdot", "inner-dotdot", "absolute", "hardlink", "symlink"])
def test_tar_entries_escaping_the_layer_are_refused(dock_store, tmp_path, entries, message):
    tar = make_tar(tmp_path / "evil.tar", entries)
    r = dock_store.run("import", tar, "evil")
    assert r.returncode == 1
    assert message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "evil").exists() and not (dock_store.root / "evil").exists()
    assert_store_empty(dock_store)


def test_writes_through_a_planted_symlink_stay_inside_the_layer(dock_store, tmp_path):
    name = f"dock-escape-{uuid.uuid4().hex[:8]}"
    tar = make_tar(tmp_path / "plant.tar", [("up", "symlink", "/"), (f"up/tmp/{name}", "file", b"caught")])
    dock_store.run("import", tar, "plant", check=True)
    assert not os.path.exists(f"/tmp/{name}")
    assert (dock_store.layer_dir("plant") / "tmp" / name).read_bytes() == b"caught"


def test_truncated_and_non_tar_input_leave_nothing(dock_store, busybox_tar, tmp_path):
    cut = tmp_path / "cut.tar"
    cut.write_bytes(busybox_tar.read_bytes()[:300000])
    r = dock_store.run("import", cut, "cut")
    assert r.returncode == 1 and r.stderr.startswith("dock: layer sha256:") and r.stderr.count("\n") == 1
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a tar at all" * 100)
    r = dock_store.run("import", junk, "junk")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert_store_empty(dock_store)


def test_full_disk_fails_cleanly_and_the_store_recovers(small_tmpfs, busybox_tar, tmp_path):
    store = DockStore(tmp_path / "full")
    store.root = small_tmpfs / "root"
    big = tmp_path / "big.tar"
    make_tar(big, [(f"f{i}", "file", os.urandom(1 << 20)) for i in range(8)])
    r = store.run("import", big, "big")
    assert r.returncode == 1 and "No space left on device" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert store.run("images", "-q", check=True).stdout == ""
    assert store.tmp_entries() == []
    small = make_tar(tmp_path / "small.tar", [("hello", "file", b"hi")])
    store.run("import", small, "small", check=True)
    assert (store.layer_dir("small") / "hello").read_bytes() == b"hi"


# ------------------------------------------------------------ crash safety
IMPORT_POINTS = ["import-blob-written", "blob-before-rename", "layer-unpacked", "layer-before-rename",
                 "layer-after-rename", "register-before-txn", "before-commit"]


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_import_killed_at_any_point_leaves_a_consistent_store(dock_store, busybox_tar, point):
    r = dock_store.run("import", busybox_tar, "bb", env={"DOCK_TEST_CRASH_AT": point})
    assert r.returncode == -9, f"dock did not reach {point}\n{r.stderr}"
    # The next command finds no half image and cleans what the kill left.
    assert dock_store.run("images", "-q", check=True).stdout == ""
    assert dock_store.tmp_entries() == []
    dock_store.run("import", busybox_tar, "bb", check=True)
    layer = dock_store.layer_dir("bb")
    assert (layer / "bin" / "busybox").stat().st_size > 100000
    assert len(list((dock_store.root / "layers").iterdir())) == 1


def test_rmi_killed_after_its_commit_leaves_only_garbage_that_prune_removes(dock_store, busybox_tar):
    dock_store.run("import", busybox_tar, "bb", check=True)
    r = dock_store.run("rmi", "bb", env={"DOCK_TEST_CRASH_AT": "delete-after-commit"})
    assert r.returncode == -9
    assert dock_store.run("images", "-q", check=True).stdout == ""
    dock_store.run("image", "prune", "-f", check=True)
    assert list((dock_store.root / "blobs" / "sha256").iterdir()) == []
    assert list((dock_store.root / "layers").iterdir()) == []


def test_concurrent_imports_of_one_layer_store_it_once(dock_store, busybox_tar):
    dock_store.run("images", check=True)  # creates the store
    results = {}

    def work(i):
        results[i] = dock_store.run("import", busybox_tar, f"bb{i}", timeout=120)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for _ in range(5):
        dock_store.run("images", check=True)
    for t in threads:
        t.join()
    for r in results.values():
        assert r.returncode == 0, r.stderr
    names = dock_store.run("images", "--format", "{{.Repository}}", check=True).stdout.split()
    assert sorted(names) == ["bb0", "bb1", "bb2", "bb3"]
    assert len(list((dock_store.root / "layers").iterdir())) == 1


# ------------------------------------------------------------- daemon.json
def test_daemon_json_unknown_key_is_an_error_naming_it(dock_store):
    dock_store.daemon_json.write_text('{"registry-mirrors": [], "frobnicate": 1}')
    r = dock_store.run("images")
    assert r.returncode == 125
    assert r.stderr == f'dock: {dock_store.daemon_json}: unknown key "frobnicate"\n'


def test_daemon_json_data_root_and_root_flag(tmp_path, busybox_tar):
    dj = tmp_path / "daemon.json"
    dj.write_text(json.dumps({"data-root": str(tmp_path / "dr"), "log-driver": "json-file",
                              "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}},
                              "insecure-registries": ["127.0.0.1:5000"]}))
    run_dock("images", env={"DOCK_DAEMON_JSON": str(dj)}, check=True)
    assert (tmp_path / "dr" / "dock.db").exists()
    run_dock("--daemon-config", dj, "--root", tmp_path / "flag", "images", check=True)
    assert (tmp_path / "flag" / "dock.db").exists()
    r = run_dock("--daemon-config", tmp_path / "missing.json", "images")
    assert r.returncode == 125 and "missing.json: No such file or directory" in r.stderr


# ------------------------------------------------------------ performance
def loaded_libraries(*args, root):
    env = dict(os.environ, LD_DEBUG="libs", DOCK_DAEMON_JSON="")
    r = subprocess.run([DOCK, "--root", str(root), *args], capture_output=True, text=True, env=env)
    return [l for l in r.stderr.splitlines() if "calling init:" in l]


def test_images_loads_neither_libarchive_nor_libcurl_nor_libcrypto(dock_store, busybox_tar, tmp_path):
    dock_store.run("import", busybox_tar, "bb", check=True)
    images = "\n".join(loaded_libraries("images", root=dock_store.root))
    assert "libsqlite3" in images
    assert "libarchive" not in images and "libcurl" not in images and "libcrypto" not in images
    # A layer not unpacked yet is what makes dock load libarchive.
    other = make_tar(tmp_path / "other.tar", [("new", "file", b"new")])
    imp = "\n".join(loaded_libraries("import", other, "other", root=dock_store.root))
    assert "libarchive" in imp and "libcrypto" in imp and "libcurl" not in imp


@pytest.fixture(scope="module")
def big_tar(tmp_path_factory):
    """128 MB of incompressible files: bigger than dock should ever hold."""
    path = tmp_path_factory.mktemp("dock-big") / "big.tar"
    make_tar(path, [(f"data/f{i}", "file", os.urandom(32 << 20)) for i in range(4)])
    return path


def max_rss_kb(argv, env):
    """Peak RSS of argv, measured in a fresh parent of its own."""
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run(["python3", "-c", probe, *map(str, argv)], capture_output=True, text=True, env=env)
    status, rss = out.stdout.split()
    return int(status), int(rss)


def test_import_streams_a_layer_bigger_than_its_memory(dock_store, big_tar):
    env = dict(os.environ, DOCK_DAEMON_JSON="", ASAN_OPTIONS="detect_leaks=0")
    status, rss = max_rss_kb([DOCK, "--root", dock_store.root, "import", big_tar, "big"], env)
    assert status == 0
    assert rss < 64 * 1024, f"peak RSS {rss} kB for a 128 MB layer: not streaming"
    assert (dock_store.layer_dir("big") / "data" / "f3").stat().st_size == 32 << 20


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.8])
def test_import_killed_by_a_timed_sigkill_leaves_a_consistent_store(dock_store, big_tar, delay):
    import time
    dock_store.run("images", check=True)
    p = subprocess.Popen([DOCK, "--root", str(dock_store.root), "import", str(big_tar), "big"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.kill()
    p.wait()
    listed = dock_store.run("images", "--format", "{{.Repository}}", check=True).stdout
    assert listed in ("", "big\n")
    assert dock_store.tmp_entries() == []
    dock_store.run("import", big_tar, "big", check=True)
    assert (dock_store.layer_dir("big") / "data" / "f3").stat().st_size == 32 << 20
    assert len(list((dock_store.root / "layers").iterdir())) == 1


def test_a_root_that_cannot_be_made_is_a_one_line_error(tmp_path):
    # Every early failure of the store's open (here the root's mkdir)
    # returns through the same cleanup as a late one.
    (tmp_path / "file").write_text("")
    root = tmp_path / "file" / "root"
    r = run_dock("images", root=root)
    assert r.returncode == 125, r.stderr
    assert r.stderr == f"dock: mkdir {root}: Not a directory\n"
