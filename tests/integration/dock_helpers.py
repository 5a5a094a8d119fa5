"""Helpers and fixtures for dock's store tests (test_dock_*.py).

  DOCK             the dock binary under test ($DOCK, else next to $BERTH)
  run_dock()       runs dock, fails the test on a sanitizer report or a
                   timeout, checks the exit status when asked
  dock_store       DockStore: a private --root (and daemon.json) per test;
                   .run(*args, **kw); removed in teardown
  busybox_tar      a rootfs tarball of busybox-static (session-wide), made
                   by tests/fixtures/make-bundle.sh: no network
  make_tar()       a tarball from a list of entries, for tar-safety tests
  small_tmpfs      a tmpfs of a few MB mounted for the test (full disk);
                   unmounted in teardown
"""
import io
import os
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, MAKE_BUNDLE, SANITIZER_ENV, describe, exec_command, sanitizer_report

DOCK = os.path.abspath(os.environ.get("DOCK") or str(Path(BERTH).parent / "dock"))
TIMEOUT = 60


def run_dock(*args, root=None, input=None, check=None, env=None, timeout=TIMEOUT, stdin=None, cwd=None):
    """`dock [--root ROOT] ARGS...` -> CompletedProcess (text).  check: True
    for status 0, or the status expected."""
    cmd = [DOCK] + (["--root", str(root)] if root is not None else []) + [str(a) for a in args]
    full_env = {"DOCK_DAEMON_JSON": None}
    full_env.update(env or {})
    result, timed_out = exec_command(cmd, input=input, timeout=timeout, env=full_env, stdin=stdin, cwd=cwd)
    if timed_out:
        pytest.fail(f"dock did not finish within {timeout}s\n{describe(result)}", pytrace=False)
    marker = sanitizer_report(result.stderr)
    assert marker is None, f"sanitizer report ({marker!r}) from dock\n{describe(result)}"
    if check is True:
        assert result.returncode == 0, f"dock failed\n{describe(result)}"
    elif check is not None and check is not False:
        assert result.returncode == check, f"expected exit status {check}\n{describe(result)}"
    return result


class DockStore:
    def __init__(self, base):
        self.base = Path(base)
        self.root = self.base / "root"
        self.daemon_json = self.base / "daemon.json"
        self.base.mkdir(parents=True, exist_ok=True)

    def run(self, *args, env=None, **kw):
        e = {"DOCK_DAEMON_JSON": str(self.daemon_json)} if self.daemon_json.exists() else {}
        e.update(env or {})
        return run_dock(*args, root=self.root, env=e, **kw)

    def image_id(self, name):
        return self.run("image", "inspect", "-f", "{{.Id}}", name, check=True).stdout.strip()

    def layer_dir(self, name, index=0):
        diff = self.run("image", "inspect", "-f", "{{json .RootFS.Layers}}", name, check=True).stdout
        import json
        return self.root / "layers" / json.loads(diff)[index].split(":", 1)[1]

    def tmp_entries(self):
        """What lies in the store's tmp/ but resumable partial blobs."""
        d = self.root / "tmp"
        return sorted(p.name for p in d.iterdir() if not p.name.startswith("partial-")) if d.is_dir() else []


@pytest.fixture
def dock_store(tmp_path):
    s = DockStore(tmp_path / f"dock-{uuid.uuid4().hex[:8]}")
    yield s
    shutil.rmtree(s.base, ignore_errors=True)


@pytest.fixture(scope="session")
def busybox_rootfs_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("dock-busybox")
    r = subprocess.run(["sh", str(MAKE_BUNDLE), str(base)], capture_output=True, text=True)
    assert r.returncode == 0, f"make-bundle.sh failed\n{r.stdout}{r.stderr}"
    return base / "rootfs"


@pytest.fixture(scope="session")
def busybox_tar(busybox_rootfs_dir, tmp_path_factory):
    """busybox-static as a rootfs tarball (what `dock import` takes)."""
    out = tmp_path_factory.mktemp("dock-busybox-tar") / "busybox.tar"
    subprocess.run(["tar", "-C", str(busybox_rootfs_dir), "--numeric-owner", "-cf", str(out), "."], check=True)
    return out


def make_tar(path, entries, compress=None):
    """entries: (name, kind, extra) with kind "file" (extra: bytes), "dir",
    "symlink"/"hardlink" (extra: target), "char"/"block" (extra: (major,
    minor)), "fifo"; optional 4th item: dict of TarInfo attributes."""
    mode = "w:gz" if compress == "gz" else "w"
    with tarfile.open(path, mode, format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, kind, extra = e[0], e[1], e[2] if len(e) > 2 else None
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            data = None
            if kind == "file":
                data = extra or b""
                info.size = len(data)
                info.mode = 0o644
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, extra
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, extra
            elif kind in ("char", "block"):
                info.type = tarfile.CHRTYPE if kind == "char" else tarfile.BLKTYPE
                info.devmajor, info.devminor = extra
                info.mode = 0o600
            elif kind == "fifo":
                info.type, info.mode = tarfile.FIFOTYPE, 0o644
            for k, v in (e[3] if len(e) > 3 else {}).items():
                setattr(info, k, v)
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 6 MB tmpfs: room for a small store, not for a big layer."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
