"""dock save / dock load: round trips, the files docker's archive holds,
and podman and buildah as the other side (dock's archive loads and runs in
podman; podman's and buildah's archives load into dock)."""
import hashlib
import json
import os
import subprocess
import tarfile

import pytest

from dock_helpers import *  # noqa: F401,F403 (fixtures)
from engines import Podman, engine_fixture, sanitizer_guard, which
from conftest import describe, exec_command


@pytest.fixture
def saved(dock_store, busybox_tar, tmp_path):
    dock_store.run("import", "-c", 'CMD ["echo", "hello from dock"]', busybox_tar, "dockbox:v1", check=True)
    out = tmp_path / "save.tar"
    dock_store.run("save", "-o", out, "dockbox:v1", check=True)
    return out


def test_save_writes_dockers_archive_with_the_oci_layout(saved, dock_store):
    with tarfile.open(saved) as t:
        names = set(t.getnames())
        manifest = json.load(t.extractfile("manifest.json"))
        index = json.load(t.extractfile("index.json"))
        repos = json.load(t.extractfile("repositories"))
        layout = json.load(t.extractfile("oci-layout"))
    image_id = dock_store.image_id("dockbox:v1")
    (m,) = manifest
    assert m["RepoTags"] == ["dockbox:v1"] and m["Config"] == "blobs/sha256/" + image_id[7:]
    assert all(p in names for p in m["Layers"]) and m["Config"] in names
    assert layout == {"imageLayoutVersion": "1.0.0"}
    (desc,) = index["manifests"]
    assert desc["annotations"]["io.containerd.image.name"] == "docker.io/library/dockbox:v1"
    assert desc["annotations"]["org.opencontainers.image.ref.name"] == "v1"
    assert "blobs/sha256/" + desc["digest"][7:] in names
    assert list(repos) == ["dockbox"] and list(repos["dockbox"]) == ["v1"]


def test_save_load_round_trip_through_stdout_and_stdin(dock_store, busybox_tar, tmp_path):
    dock_store.run("import", busybox_tar, "a:1", check=True)
    dock_store.run("tag", "a:1", "a:2", check=True)
    data = subprocess.run([DOCK, "--root", dock_store.root, "save", "a"], capture_output=True, check=True).stdout
    other = DockStore(tmp_path / "other")
    r = other.run("load", input=data, check=True)
    assert sorted(r.stdout.splitlines()) == ["Loaded image: a:1", "Loaded image: a:2"]
    assert other.image_id("a:1") == dock_store.image_id("a:1")


def test_oci_archive_round_trip_and_untagged_load(dock_store, busybox_tar, tmp_path):
    image_id = dock_store.run("import", busybox_tar, check=True).stdout.strip()
    out = tmp_path / "oci.tar"
    dock_store.run("save", "--format", "oci-archive", "-o", out, image_id[7:19], check=True)
    with tarfile.open(out) as t:
        assert "manifest.json" not in t.getnames() and "index.json" in t.getnames()
    other = DockStore(tmp_path / "other")
    r = other.run("load", "-i", out, check=True)
    assert r.stdout == f"Loaded image ID: {image_id}\n"


def test_load_refuses_tampered_blobs_and_non_archives(dock_store, busybox_tar, tmp_path):
    dock_store.run("import", busybox_tar, "t:1", check=True)
    out = tmp_path / "oci.tar"
    dock_store.run("save", "--format", "oci-archive", "-o", out, "t:1", check=True)
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(out) as src, tarfile.open(tampered, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.isfile() and m.size > 100000:
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(m, None if data is None else __import__("io").BytesIO(data))
    other = DockStore(tmp_path / "other")
    r = other.run("load", "-i", tampered)
    assert r.returncode == 1 and "digest mismatch" in r.stderr and r.stderr.count("\n") == 1
    assert other.run("images", "-q", check=True).stdout == ""
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\0" * 4096)
    r = other.run("load", "-i", junk)
    assert r.returncode == 1 and "not an image archive" in r.stderr
    r = other.run("load", input=b"")
    assert r.returncode == 1 and r.stderr == "dock: requested load from stdin, but stdin is empty\n"


def test_save_of_an_unknown_image_writes_nothing(dock_store, saved, tmp_path):
    r = dock_store.run("save", "-o", tmp_path / "none.tar", "nosuch:1")
    assert r.returncode == 1 and r.stderr == "dock: No such image: nosuch:1\n"
    assert not (tmp_path / "none.tar").exists() and not list(tmp_path.glob(".dock-save-*"))


# ------------------------------------------------------------------ podman
@pytest.fixture(scope="module")
def podman(tmp_path_factory):
    if which("podman") is None or which("conmon") is None:
        pytest.skip("podman or conmon is not installed (scripts/install-deps.sh test installs them)")
    yield from engine_fixture(lambda: Podman(tmp_path_factory.mktemp("podman-dock"), ["berth"]), lambda e: None,
                              "podman")


_no_sanitizer_reports = sanitizer_guard("podman")


def ok(result):
    assert result.returncode == 0, describe(result)
    return result


def test_dock_save_loads_and_runs_in_podman(podman, saved):
    podman.load(saved)
    r = ok(podman("run", "--rm", *podman.run_flags(), "docker.io/library/dockbox:v1"))
    assert r.stdout == "hello from dock\n"
    ok(podman("rmi", "docker.io/library/dockbox:v1"))


@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_podman_save_loads_into_dock(podman, saved, dock_store, tmp_path, fmt):
    podman.load(saved)
    out = tmp_path / f"podman-{fmt}.tar"
    ok(podman("save", "--format", fmt, "-o", out, "docker.io/library/dockbox:v1"))
    ok(podman("rmi", "docker.io/library/dockbox:v1"))
    r = dock_store.run("load", "-i", out, check=True)
    assert r.stdout == "Loaded image: dockbox:v1\n"
    cmd = dock_store.run("inspect", "-f", "{{json .Config.Cmd}}", "dockbox:v1", check=True).stdout
    assert json.loads(cmd) == ["echo", "hello from dock"]
    assert (dock_store.layer_dir("dockbox:v1") / "bin" / "busybox").is_file()


def test_image_made_by_buildah_loads_into_dock(podman, busybox_rootfs_dir, dock_store, tmp_path):
    if which("buildah") is None:
        pytest.skip("buildah is not installed (scripts/install-deps.sh test installs it)")
    env = dict(os.environ, **podman.env)

    def buildah(*args):
        r = subprocess.run(["buildah", "--storage-driver", "vfs", *map(str, args)], capture_output=True, text=True,
                           env=env, cwd=podman.base, timeout=120)
        assert r.returncode == 0, f"buildah {args}: {r.stderr}"
        return r.stdout.strip()

    ctr = buildah("from", "scratch")
    try:
        buildah("copy", ctr, busybox_rootfs_dir, "/")
        buildah("config", "--cmd", "/bin/sh -c 'echo built'", "--label", "made.by=buildah", ctr)
        buildah("commit", ctr, "localhost/built:1")
    finally:
        buildah("rm", ctr)
    out = tmp_path / "built.tar"
    buildah("push", "localhost/built:1", f"oci-archive:{out}:localhost/built:1")
    buildah("rmi", "localhost/built:1")
    r = dock_store.run("load", "-i", out, check=True)
    assert r.stdout == "Loaded image: localhost/built:1\n"
    labels = dock_store.run("inspect", "-f", "{{json .Config.Labels}}", "localhost/built:1", check=True).stdout
    assert json.loads(labels)["made.by"] == "buildah"


def test_load_reads_dockers_legacy_layout_with_a_symlinked_layer(busybox_tar, dock_store, tmp_path):
    """docker before 25: <id>/layer.tar, a repeated layer as a symlink to the
    first, <config>.json, manifest.json."""
    import hashlib
    import io
    layer = busybox_tar.read_bytes()
    diff = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff, diff]},
                         "history": [{"created_by": "one"}, {"created_by": "two"}]}).encode()
    cid = hashlib.sha256(config).hexdigest()
    out = tmp_path / "legacy.tar"
    with tarfile.open(out, "w") as t:
        def add(name, data=None, link=None):
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        add("aaaa/layer.tar", layer)
        add("bbbb/layer.tar", link="../aaaa/layer.tar")
        add(f"{cid}.json", config)
        add("manifest.json", json.dumps([{"Config": f"{cid}.json", "RepoTags": ["legacy:old"],
                                          "Layers": ["aaaa/layer.tar", "bbbb/layer.tar"]}]).encode())
    r = dock_store.run("load", "-i", out, check=True)
    assert r.stdout == "Loaded image: legacy:old\n"
    assert dock_store.image_id("legacy:old") == "sha256:" + cid
    layers = json.loads(dock_store.run("inspect", "-f", "{{json .RootFS.Layers}}", "legacy:old", check=True).stdout)
    assert layers == [diff, diff]
    assert len(list((dock_store.root / "layers").iterdir())) == 1


def test_save_refuses_to_write_to_a_terminal_and_prune_prompts_on_one(dock_store, saved):
    from engines import run_in_pty
    status, out = run_in_pty([DOCK, "--root", dock_store.root, "save", "dockbox:v1"], {"DOCK_DAEMON_JSON": ""}, b"")
    assert status == 1
    assert out == "dock: cowardly refusing to save to a terminal. Use the -o flag or redirect\n"
    status, out = run_in_pty([DOCK, "--root", dock_store.root, "image", "prune", "-a"], {"DOCK_DAEMON_JSON": ""},
                             b"y\n", wait_for=b"[y/N] ")
    assert status == 0 and "Are you sure you want to continue? [y/N] y\n" in out
    assert "untagged: dockbox:v1\n" in out and dock_store.run("images", "-q", check=True).stdout == ""


def test_load_of_a_nested_index_without_manifests_fails_cleanly(dock_store, tmp_path):
    # The index names another index, which names no manifest: a one-line
    # error, nothing stored, and (under ASan) nothing leaked on the way out.
    inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": []}).encode()
    digest = hashlib.sha256(inner).hexdigest()
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": f"sha256:{digest}",
         "size": len(inner)}]}).encode()
    tar = make_tar(tmp_path / "nested.tar", [
        ("oci-layout", "file", b'{"imageLayoutVersion":"1.0.0"}'),
        ("index.json", "file", index),
        (f"blobs/sha256/{digest}", "file", inner),
    ])
    r = dock_store.run("load", "-i", tar)
    assert r.returncode == 1 and r.stderr == "dock: archive: an index without manifests\n", r.stderr
    assert dock_store.run("images", "-q", check=True).stdout == ""


def test_save_does_not_write_through_a_planted_temporary_name(dock_store, busybox_tar, tmp_path):
    # The temporary file next to the output has a predictable name; a
    # symlink planted there must not make save truncate what it points at.
    dock_store.run("import", busybox_tar, "p:1", check=True)
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    out = tmp_path / "out.tar"
    # exec keeps the shell's pid, which names the temporary file.
    script = f'ln -s {victim} {tmp_path}/.dock-save-$$.tmp && exec "$0" "$@"'
    r = exec_command(["sh", "-c", script, DOCK, "--root", dock_store.root, "save", "-o", out, "p:1"],
                     env={"DOCK_DAEMON_JSON": None}, timeout=60)[0]
    assert r.returncode == 0, describe(r)
    assert victim.read_bytes() == b"keep me"
    with tarfile.open(out) as t:
        assert "manifest.json" in t.getnames()
    assert not list(tmp_path.glob(".dock-save-*"))
