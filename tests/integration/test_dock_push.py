"""dock push to docker-registry on 127.0.0.1: docker's lines, existing
blobs skipped, cross-repository mounts, monolithic and chunked uploads,
token-realm push scopes; and the compatibility both ways with podman
(which runs the pulled image with berth as its runtime) and skopeo."""
import json
import re
import subprocess
import tarfile

import pytest

from conftest import describe, exec_command
from engines import IMAGE, Podman, build_image_archive, which
from registry_fixtures import *  # noqa: F401,F403 (fixtures)
from registry_fixtures import make_oci_layout, push_layout, registry_manifest


def head_blob(registry, repo, digest):
    import http.client
    conn = http.client.HTTPConnection(registry.host, timeout=10)
    conn.request("HEAD", f"/v2/{repo}/blobs/{digest}")
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.fixture
def pulled(dock_env, registry, busybox_rootfs, tmp_path):
    """An image in dock's store, pulled from registry's src/app:v1 (made
    with skopeo from an OCI layout of busybox and two random layers)."""
    info = make_oci_layout(tmp_path / "layout", busybox_rootfs, extra_layers=2, tag="v1")
    push_layout(tmp_path / "layout", registry.host, "src/app", tag="v1")
    dock_env.run("pull", "-q", f"{registry.host}/src/app:v1", check=True)
    return info


def test_push_to_an_empty_registry_uploads_everything(dock_env, registry, pulled, tmp_path_factory):
    from registry_fixtures import Registry
    other = Registry(tmp_path_factory.mktemp("other"))
    try:
        dock_env.run("tag", f"{registry.host}/src/app:v1", f"{other.host}/dst:v2", check=True)
        r = dock_env.run("push", f"{other.host}/dst:v2", check=True)
        lines = r.stdout.splitlines()
        assert lines[0] == f"The push refers to repository [{other.host}/dst]"
        m = pulled["manifests"][0]
        assert len([l for l in lines if l.endswith(": Preparing")]) == 3
        assert len([l for l in lines if l.endswith(": Pushed")]) == 3
        status, body, digest = registry_manifest(other.host, "dst", "v2")
        assert status == 200 and digest == m["digest"], "the manifest must keep its bytes and digest"
        assert lines[-1] == f"v2: digest: {digest} size: {len(body)}"
        for blob in m["layers"] + [m["config"]]:
            assert head_blob(other, "dst", blob) == 200
        # Again: everything is there already.
        r = dock_env.run("push", f"{other.host}/dst:v2", check=True)
        assert len([l for l in r.stdout.splitlines() if l.endswith(": Layer already exists")]) == 3
    finally:
        other.stop()


def test_push_mounts_blobs_from_another_repository(dock_env, registry, pulled, fault_proxy):
    proxy = fault_proxy(registry.host)
    dock_env.run("tag", f"{registry.host}/src/app:v1", f"{registry.host}/copy:latest", check=True)
    r = dock_env.run("push", f"{registry.host}/copy", check=True)
    assert len([l for l in r.stdout.splitlines() if l.endswith(": Mounted from src/app")]) == 3, r.stdout
    assert registry_manifest(registry.host, "copy", "latest")[2] == pulled["manifests"][0]["digest"]


def test_chunked_and_monolithic_uploads(dock_env, registry, pulled, fault_proxy):
    # Two proxies, two registry names: no name of the image on either can be
    # a mount source, so every blob is uploaded.
    proxy, mono_proxy = fault_proxy(registry.host), fault_proxy(registry.host)
    src = f"{registry.host}/src/app:v1"
    dock_env.run("tag", src, f"{proxy.host}/chunked:1", check=True)
    dock_env.run("push", "--chunk-size", "65536", f"{proxy.host}/chunked:1", check=True)
    patches = proxy.requests("PATCH", "/v2/chunked/blobs/uploads/")
    assert len(patches) >= 8, "a 256 KiB layer in 64 KiB chunks takes at least four PATCHes"
    assert all(re.fullmatch(r"\d+-\d+", p[2]["Content-Range"]) for p in patches)
    dock_env.run("tag", src, f"{mono_proxy.host}/mono:1", check=True)
    dock_env.run("push", "--chunk-size", "0", f"{mono_proxy.host}/mono:1", check=True)
    assert mono_proxy.requests("PATCH", "/v2/mono/") == []
    puts = [p for p in mono_proxy.requests("PUT", "/v2/mono/blobs/uploads/")
            if int(p[2].get("Content-Length", 0)) > 0]
    assert len(puts) == 4  # three layers and the config, one request each
    for repo in ("chunked", "mono"):
        assert registry_manifest(registry.host, repo, "1")[2] == pulled["manifests"][0]["digest"]


def test_push_of_a_missing_tag_says_so(dock_env, registry):
    r = dock_env.run("push", f"{registry.host}/nothing:here", check=1)
    assert r.stderr == f"dock: An image does not exist locally with the tag: {registry.host}/nothing:here\n"


def test_push_needs_a_login_on_a_token_registry(dock_env, token_registry, pulled, registry):
    target = f"{token_registry.host}/team/pushed:1"
    dock_env.run("tag", f"{registry.host}/src/app:v1", target, check=True)
    r = dock_env.run("push", target, check=1)
    assert "unauthorized: authentication required" in r.stderr and len(r.stderr.splitlines()) == 1
    dock_env.run("login", "-u", "bob", "-p", "builder", token_registry.host, check=True)
    del token_registry.tokens.requests[:]
    dock_env.run("push", target, check=True)
    scopes = {s for scope_list, _, _ in token_registry.tokens.requests for s in scope_list}
    assert "repository:team/pushed:pull,push" in scopes


# --------------------------------------------------------------------------
# compatibility with podman and skopeo


@pytest.fixture
def podman(tmp_path_factory):
    if which("podman") is None:
        pytest.skip("podman is not installed")
    p = Podman(tmp_path_factory.mktemp("podman-compat") / "p", runtimes=("berth",))
    yield p
    problems = p.cleanup()
    assert not problems, "\n".join(problems)


def podman_registry_cmd(podman, *args):
    """podman pull/push in a mount namespace whose /var/lib is a fresh
    tmpfs: the image copy keeps a blob-info cache under /var/lib/containers
    whatever the storage configuration says."""
    script = 'mount -t tmpfs -o size=16m tmpfs /var/lib && exec "$@"'
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *podman.argv(*args)]
    r, timed_out = exec_command(argv, env=podman.env, timeout=180, cwd=podman.base)
    assert not timed_out, describe(r)
    return r


def test_image_pushed_by_dock_pulls_and_runs_with_podman(dock_env, registry, busybox_rootfs, tmp_path, podman):
    rootfs_tar = tmp_path / "rootfs.tar"
    with tarfile.open(rootfs_tar, "w") as t:
        t.add(busybox_rootfs, arcname=".")
    dock_env.run("import", "--change", 'CMD ["/bin/sh"]', rootfs_tar, f"{registry.host}/made-by-dock:1", check=True)
    dock_env.run("push", f"{registry.host}/made-by-dock:1", check=True)
    r = podman_registry_cmd(podman, "pull", "--tls-verify=false", f"{registry.host}/made-by-dock:1")
    assert r.returncode == 0, describe(r)
    r = podman("run", "--rm", *podman.run_flags(), f"{registry.host}/made-by-dock:1", "/bin/sh", "-c",
               "echo pushed-by-dock; cat /proc/self/comm", runtime="berth")
    assert r.returncode == 0, describe(r)
    assert r.stdout.split() == ["pushed-by-dock", "cat"]


@pytest.mark.parametrize("fmt", ["oci", "v2s2"])
def test_image_pushed_by_podman_pulls_with_dock(dock_env, registry, busybox_rootfs, tmp_path, podman, fmt):
    archive = build_image_archive(busybox_rootfs, tmp_path / "img.tar")
    podman.load(archive)
    target = f"{registry.host}/made-by-podman:{fmt}"
    r = podman_registry_cmd(podman, "push", "--tls-verify=false", "--format", fmt, IMAGE, target)
    assert r.returncode == 0, describe(r)
    r = dock_env.run("pull", target, check=True)
    assert f"Status: Downloaded newer image for {target}" in r.stdout
    _, body, digest = registry_manifest(registry.host, "made-by-podman", fmt)
    assert f"Digest: {digest}" in r.stdout
    r = dock_env.run("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", target, check=True)
    assert r.stdout.strip() == "linux/amd64"


def test_image_pushed_by_dock_reads_back_with_skopeo(dock_env, registry, pulled):
    dock_env.run("tag", f"{registry.host}/src/app:v1", f"{registry.host}/for-skopeo:x", check=True)
    dock_env.run("push", f"{registry.host}/for-skopeo:x", check=True)
    r, _ = exec_command(["skopeo", "inspect", "--tls-verify=false", f"docker://{registry.host}/for-skopeo:x"],
                        timeout=60)
    assert r.returncode == 0, describe(r)
    data = json.loads(r.stdout)
    assert data["Digest"] == pulled["manifests"][0]["digest"]
    assert data["Layers"] == pulled["manifests"][0]["layers"]
