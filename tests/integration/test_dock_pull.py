"""dock pull against Debian's docker-registry on 127.0.0.1 (see
registry_fixtures.py): manifest kinds, platforms, tags, parallel layers,
resumed and retried downloads, docker's progress output, mirrors, TLS,
and the failures that must leave the store as it was."""
import json
import os
import re
import signal
import time

import pytest

from engines import run_in_pty
from registry_fixtures import *  # noqa: F401,F403 (fixtures)
from registry_fixtures import DOCK, make_oci_layout, push_layout, registry_manifest


def blob_in_store(dock_env, digest):
    return (dock_env.root / "blobs" / "sha256" / digest.split(":", 1)[1]).is_file()


def store_blobs(dock_env):
    d = dock_env.root / "blobs" / "sha256"
    return {p.name for p in d.iterdir()} if d.is_dir() else set()


def layer_lines(stdout, status):
    return [l for l in stdout.splitlines() if l.endswith(": " + status)]


@pytest.fixture
def image(busybox_rootfs, tmp_path):
    """An OCI layout of busybox plus two random layers."""
    return make_oci_layout(tmp_path / "layout", busybox_rootfs, extra_layers=2), tmp_path / "layout"


def test_pull_oci_image_stores_every_blob_and_prints_docker_lines(dock_env, registry, image):
    info, layout = image
    push_layout(layout, registry.host, "ns/app")
    r = dock_env.run("pull", f"{registry.host}/ns/app", check=True)
    m = info["manifests"][0]
    lines = r.stdout.splitlines()
    assert lines[0] == "Using default tag: latest"
    assert lines[1] == "latest: Pulling from ns/app"
    for digest in m["layers"]:
        short = digest.split(":")[1][:12]
        for status in ("Pulling fs layer", "Verifying Checksum", "Download complete", "Pull complete"):
            assert f"{short}: {status}" in lines, f"no '{short}: {status}' line\n{r.stdout}"
        assert blob_in_store(dock_env, digest)
    status, _, digest = registry_manifest(registry.host, "ns/app", "latest")
    assert f"Digest: {digest}" in lines
    assert lines[-2] == f"Status: Downloaded newer image for {registry.host}/ns/app:latest"
    assert lines[-1] == f"{registry.host}/ns/app:latest"
    assert blob_in_store(dock_env, m["config"]) and blob_in_store(dock_env, digest)
    # Plain output off a terminal: no progress bars, no escape sequences.
    assert "\x1b[" not in r.stdout and "Downloading" not in r.stdout


def test_second_pull_is_up_to_date_and_fetches_no_blob(dock_env, registry, image, fault_proxy):
    info, layout = image
    push_layout(layout, registry.host, "app")
    proxy = fault_proxy(registry.host)
    dock_env.run("pull", f"{proxy.host}/app:latest", check=True)
    first = len(proxy.requests("GET", "/blobs/"))
    assert first == 4  # config and three layers
    manifest_gets = len(proxy.requests("GET", "/manifests/"))
    r = dock_env.run("pull", f"{proxy.host}/app:latest", check=True)
    assert len(proxy.requests("GET", "/blobs/")) == first, "a blob in the store was fetched again"
    # As docker: a HEAD finds the tag unchanged; no manifest is fetched, no
    # layer line printed.
    assert len(proxy.requests("GET", "/manifests/")) == manifest_gets
    assert len(proxy.requests("HEAD", "/manifests/latest")) == 1
    _, _, digest = registry_manifest(registry.host, "app", "latest")
    assert r.stdout.splitlines() == ["latest: Pulling from app", f"Digest: {digest}",
                                     f"Status: Image is up to date for {proxy.host}/app:latest",
                                     f"{proxy.host}/app:latest"]


def test_layer_shared_with_a_stored_image_is_not_fetched_again(dock_env, registry, busybox_rootfs, tmp_path,
                                                                fault_proxy):
    a = make_oci_layout(tmp_path / "a", busybox_rootfs, extra_layers=1)
    b = make_oci_layout(tmp_path / "b", busybox_rootfs, extra_layers=1)
    push_layout(tmp_path / "a", registry.host, "a")
    push_layout(tmp_path / "b", registry.host, "b")
    proxy = fault_proxy(registry.host)
    dock_env.run("pull", f"{proxy.host}/a", check=True)
    r = dock_env.run("pull", f"{proxy.host}/b", check=True)
    shared = a["manifests"][0]["layers"][0]
    assert shared == b["manifests"][0]["layers"][0]
    assert proxy.requests("GET", f"/b/blobs/{shared}") == []
    assert f"{shared.split(':')[1][:12]}: Already exists" in r.stdout


def test_pull_by_digest_and_by_tag_with_digest(dock_env, registry, image):
    info, layout = image
    push_layout(layout, registry.host, "bydigest")
    _, _, digest = registry_manifest(registry.host, "bydigest", "latest")
    r = dock_env.run("pull", f"{registry.host}/bydigest@{digest}", check=True)
    lines = r.stdout.splitlines()
    assert lines[0] == f"{digest}: Pulling from bydigest"
    assert lines[-1] == f"{registry.host}/bydigest@{digest}"
    r = dock_env.run("image", "inspect", "-f", "{{json .RepoTags}} {{json .RepoDigests}}",
                     f"{registry.host}/bydigest@{digest}", check=True)
    assert r.stdout.strip() == f'[] ["{registry.host}/bydigest@{digest}"]'
    dock_env.run("pull", "-q", f"{registry.host}/bydigest:latest@{digest}", check=True)
    wrong = "sha256:" + "0" * 64
    r = dock_env.run("pull", f"{registry.host}/bydigest@{wrong}", check=1)
    assert "manifest unknown" in r.stderr


def test_pull_docker_schema2_manifest(dock_env, registry, image):
    info, layout = image
    push_layout(layout, registry.host, "v2s2", fmt="v2s2")
    status, body, digest = registry_manifest(registry.host, "v2s2", "latest")
    assert json.loads(body)["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    r = dock_env.run("pull", "-q", f"{registry.host}/v2s2", check=True)
    assert r.stdout == f"{registry.host}/v2s2:latest\n"
    assert blob_in_store(dock_env, digest)


def test_pull_zstd_layers(dock_env, registry, image):
    info, layout = image
    push_layout(layout, registry.host, "zstd", compression="zstd")
    _, body, digest = registry_manifest(registry.host, "zstd", "latest")
    layers = json.loads(body)["layers"]
    assert {l["mediaType"] for l in layers} == {"application/vnd.oci.image.layer.v1.tar+zstd"}
    r = dock_env.run("pull", f"{registry.host}/zstd", check=True)
    assert len(layer_lines(r.stdout, "Pull complete")) == 3
    for l in layers:
        assert blob_in_store(dock_env, l["digest"])


def two_platform_image(busybox_rootfs, tmp_path):
    return make_oci_layout(tmp_path / "multi", busybox_rootfs, extra_layers=1,
                           platforms=(("linux", "amd64", None), ("linux", "arm64", "v8")))


@pytest.mark.parametrize("fmt", [None, "v2s2"], ids=["oci-index", "docker-manifest-list"])
def test_pull_index_chooses_the_host_platform_or_the_requested_one(dock_env, registry, busybox_rootfs,
                                                                  tmp_path, fmt):
    info = two_platform_image(busybox_rootfs, tmp_path)
    push_layout(tmp_path / "multi", registry.host, "multi", fmt=fmt)
    _, body, index_digest = registry_manifest(registry.host, "multi", "latest")
    entries = {e["platform"]["architecture"]: e["digest"] for e in json.loads(body)["manifests"]}
    assert set(entries) == {"amd64", "arm64"}
    r = dock_env.run("pull", f"{registry.host}/multi", check=True)
    # The tag's digest is the index's; the host's (amd64) manifest is stored.
    assert f"Digest: {index_digest}" in r.stdout
    assert blob_in_store(dock_env, entries["amd64"]) and not blob_in_store(dock_env, entries["arm64"])
    r = dock_env.run("pull", "--platform", "linux/arm64/v8", f"{registry.host}/multi", check=True)
    assert blob_in_store(dock_env, entries["arm64"])
    assert f"Status: Downloaded newer image for {registry.host}/multi:latest" in r.stdout


def test_pull_platform_absent_from_index_fails_with_dockers_message(dock_env, registry, busybox_rootfs, tmp_path):
    two_platform_image(busybox_rootfs, tmp_path)
    push_layout(tmp_path / "multi", registry.host, "multi")
    before = store_blobs(dock_env)
    r = dock_env.run("pull", "--platform", "linux/s390x", f"{registry.host}/multi", check=1)
    assert r.stderr.strip() == "dock: no matching manifest for linux/s390x in the manifest list entries"
    assert store_blobs(dock_env) == before


def test_pull_all_tags_pulls_each_tag(dock_env, registry, busybox_rootfs, tmp_path):
    for tag in ("one", "two"):
        make_oci_layout(tmp_path / tag, busybox_rootfs, tag=tag, label={"tag": tag})
        push_layout(tmp_path / tag, registry.host, "tags", tag=tag)
    r = dock_env.run("pull", "--all-tags", f"{registry.host}/tags", check=True)
    assert "one: Pulling from tags" in r.stdout and "two: Pulling from tags" in r.stdout
    assert len([l for l in r.stdout.splitlines() if l.startswith("Digest: ")]) == 2
    assert r.stdout.splitlines()[-1] == f"{registry.host}/tags"
    r = dock_env.run("pull", "-a", f"{registry.host}/tags:one", check=1)
    assert "tag can't be used with --all-tags/-a" in r.stderr


def test_layers_download_in_parallel(dock_env, registry, busybox_rootfs, tmp_path, fault_proxy):
    info = make_oci_layout(tmp_path / "p", busybox_rootfs, extra_layers=3)
    push_layout(tmp_path / "p", registry.host, "par")
    layers = info["manifests"][0]["layers"]
    # Each layer's answer takes a second: serially that is four seconds.
    proxy = fault_proxy(registry.host, lambda m, path, n: ("slow", 1.0) if any(d in path for d in layers) else None)
    dock_env.run("pull", f"{proxy.host}/par", check=True)
    spans = [(e[4], e[5]) for e in proxy.requests("GET", "/blobs/") if any(d in e[1] for d in layers)]
    assert len(spans) == 4
    overlapping = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert overlapping == 3, f"expected docker's 3 concurrent downloads, saw {overlapping}: {spans}"


def test_dropped_connection_resumes_with_a_range_request(dock_env, registry, busybox_rootfs, tmp_path,
                                                         fault_proxy):
    info = make_oci_layout(tmp_path / "r", busybox_rootfs, extra_layers=1, extra_size=2 << 20)
    push_layout(tmp_path / "r", registry.host, "resume")
    big = info["manifests"][0]["layers"][1]
    # The first GET of the big layer stops after 1 MiB, connection closed.
    proxy = fault_proxy(registry.host, lambda m, path, n: ("cut", 1 << 20) if m == "GET" and big in path and n == 0
                        else None)
    r = dock_env.run("pull", f"{proxy.host}/resume", check=True)
    gets = proxy.requests("GET", big)
    assert len(gets) == 2, gets
    assert "Range" not in gets[0][2]
    assert gets[1][2].get("Range") == f"bytes={1 << 20}-" and gets[1][3] == 206
    assert blob_in_store(dock_env, big)
    assert "Pull complete" in r.stdout


def test_pull_killed_mid_blob_resumes_in_the_next_pull(dock_env, registry, busybox_rootfs, tmp_path, fault_proxy):
    info = make_oci_layout(tmp_path / "k", busybox_rootfs, extra_layers=1, extra_size=2 << 20)
    push_layout(tmp_path / "k", registry.host, "killed")
    big = info["manifests"][0]["layers"][1]
    sent = 1 << 20
    proxy = fault_proxy(registry.host, lambda m, path, n: ("stall", sent) if m == "GET" and big in path and n == 0
                        else None)
    p = dock_env.popen("pull", f"{proxy.host}/killed")
    try:
        assert proxy.stalled.wait(60), "dock never reached the big layer"
        time.sleep(0.5)  # let dock write what it received
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    r = dock_env.run("pull", f"{proxy.host}/killed", check=True)
    # The stalled request never completes (so is not in the log); the
    # second pull's request for the layer asks for the rest.
    assert sum(n for (m, path), n in proxy.seen.items() if m == "GET" and big in path) == 2
    gets = proxy.requests("GET", big)
    assert len(gets) == 1 and gets[0][3] == 206
    start = int(re.fullmatch(r"bytes=(\d+)-", gets[0][2].get("Range", "")).group(1))
    assert 0 < start <= sent, "the second pull resumes where the killed one stopped"
    assert blob_in_store(dock_env, big) and "Pull complete" in r.stdout


@pytest.mark.parametrize("code", [429, 500, 503])
def test_transient_error_is_retried(dock_env, registry, image, fault_proxy, code):
    info, layout = image
    push_layout(layout, registry.host, "flaky")
    layer = info["manifests"][0]["layers"][1]
    body = json.dumps({"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]}) if code == 429 else ""
    proxy = fault_proxy(registry.host, lambda m, path, n: ("status", code, body) if layer in path and n == 0
                        else None)
    dock_env.run("pull", f"{proxy.host}/flaky", check=True)
    assert [e[3] for e in proxy.requests("GET", layer)] == [code, 200]
    assert blob_in_store(dock_env, layer)


def test_persistent_429_fails_with_the_registrys_message(dock_env, registry, image, fault_proxy):
    info, layout = image
    push_layout(layout, registry.host, "limited")
    body = json.dumps({"errors": [{"code": "TOOMANYREQUESTS", "message": "You have reached your pull rate limit"}]})
    proxy = fault_proxy(registry.host, lambda m, path, n: ("status", 429, body) if "/manifests/" in path else None)
    before = store_blobs(dock_env)
    r = dock_env.run("pull", f"{proxy.host}/limited", check=1)
    assert r.stderr.strip() == (f"dock: {proxy.host}/limited:latest: "
                                "toomanyrequests: You have reached your pull rate limit")
    assert len(proxy.requests("GET", "/manifests/")) == 4  # retried, with backoff
    assert store_blobs(dock_env) == before


def test_persistent_500_on_a_blob_fails_after_retries(dock_env, registry, image, fault_proxy):
    info, layout = image
    push_layout(layout, registry.host, "broken")
    layer = info["manifests"][0]["layers"][2]
    proxy = fault_proxy(registry.host, lambda m, path, n: ("status", 500, "") if layer in path else None)
    r = dock_env.run("pull", f"{proxy.host}/broken", check=1)
    assert r.stderr.strip() == f"dock: blob {layer}: received unexpected HTTP status: 500 Internal Server Error"
    assert len(proxy.requests("GET", layer)) == 5
    assert not blob_in_store(dock_env, layer)


def test_unknown_tag_reports_manifest_unknown(dock_env, registry, image):
    info, layout = image
    push_layout(layout, registry.host, "known")
    r = dock_env.run("pull", f"{registry.host}/known:nope", check=1)
    assert r.stderr == f"dock: manifest for {registry.host}/known:nope not found: manifest unknown: manifest unknown\n"
    assert store_blobs(dock_env) == set()


def test_closed_port_fails_with_one_line(dock_env):
    from registry_fixtures import free_port
    port = free_port()
    r = dock_env.run("pull", f"127.0.0.1:{port}/x", check=1)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f'dock: Get "https://127.0.0.1:{port}/v2/"')
    assert "Connection refused" in lines[0]


def test_tampered_blob_is_refused_and_leaves_nothing(dock_env, registry, image):
    info, layout = image
    push_layout(layout, registry.host, "tampered")
    layer = info["manifests"][0]["layers"][1]
    data = registry.blob_data(layer)
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    r = dock_env.run("pull", f"{registry.host}/tampered", check=1)
    assert f"blob {layer}: digest mismatch" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not blob_in_store(dock_env, layer)
    # No partial copy of it kept for a resume (other layers cut short by the
    # failure may keep theirs), and no image: the manifest, stored last, is
    # not there.
    tmp = dock_env.root / "tmp"
    bad_hex = layer.split(":")[1]
    assert not [p.name for p in tmp.iterdir() if bad_hex in p.name and not p.name.endswith(".lock")]
    status, _, manifest_digest = registry_manifest(registry.host, "tampered", "latest")
    assert not blob_in_store(dock_env, manifest_digest)


def test_bad_reference_gets_dockers_message(dock_env):
    r = dock_env.run("pull", "Busybox", check=1)
    assert r.stderr == "dock: invalid reference format: repository name (library/Busybox) must be lowercase\n"
    r = dock_env.run("pull", "busybox:bad tag", check=1)
    assert r.stderr == "dock: invalid reference format\n"


def test_unknown_manifest_media_type_is_refused(dock_env, registry, fault_proxy):
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.example.thing.v1+json", "config": {},
                       "layers": []})
    proxy = fault_proxy(registry.host, lambda m, path, n: ("status", 200, body) if "/manifests/" in path else None)
    r = dock_env.run("pull", f"{proxy.host}/thing", check=1)
    assert r.stderr.strip() == (f'dock: {proxy.host}/thing:latest: unsupported manifest media type '
                                '"application/vnd.example.thing.v1+json"')


def test_oversized_manifest_is_refused(dock_env, registry, fault_proxy):
    body = "{" + " " * (5 << 20) + "}"
    proxy = fault_proxy(registry.host, lambda m, path, n: ("status", 200, body) if "/manifests/" in path else None)
    r = dock_env.run("pull", f"{proxy.host}/huge", check=1)
    assert "is larger than the 4 MiB limit" in r.stderr


def test_progress_is_redrawn_in_place_on_a_terminal(dock_env, registry, busybox_rootfs, tmp_path):
    make_oci_layout(tmp_path / "t", busybox_rootfs, extra_layers=2, extra_size=1 << 20)
    push_layout(tmp_path / "t", registry.host, "tty")
    env = dict(os.environ, **{k: str(v) for k, v in dock_env.env().items()})
    status, text = run_in_pty([DOCK, "--root", str(dock_env.root), "pull", f"{registry.host}/tty"], env, send=b"",
                              timeout=60)
    assert status == 0, text
    assert re.search(r"\x1b\[\d+A", text), "no cursor-up redraw on a terminal"
    assert "Downloading" in text and "Pull complete" in text
    assert re.search(r"\d+(\.\d+)?[kM]?B/\d+(\.\d+)?[kM]?B", text), "no byte counts in the progress"
    assert f"Status: Downloaded newer image for {registry.host}/tty:latest" in text


def test_mirrors_are_tried_in_order_then_the_origin(dock_env, busybox_rootfs, tmp_path, tmp_path_factory,
                                                    fault_proxy):
    from registry_fixtures import Registry, free_port
    mirror, origin = Registry(tmp_path_factory.mktemp("mirror")), Registry(tmp_path_factory.mktemp("origin"))
    try:
        make_oci_layout(tmp_path / "m", busybox_rootfs, label={"from": "mirror"})
        make_oci_layout(tmp_path / "o", busybox_rootfs, label={"from": "origin"})
        push_layout(tmp_path / "m", mirror.host, "library/mirrored")
        push_layout(tmp_path / "o", origin.host, "library/mirrored")
        push_layout(tmp_path / "o", origin.host, "library/originonly")
        mirror_proxy, origin_proxy = fault_proxy(mirror.host), fault_proxy(origin.host)
        dead = f"http://127.0.0.1:{free_port()}"
        dock_env.daemon_json.write_text(json.dumps({"registry-mirrors": [dead, f"http://{mirror_proxy.host}"]}))
        env = {"DOCK_TEST_HUB_URL": f"http://{origin_proxy.host}"}
        r = dock_env.run("pull", "mirrored", env=env, check=True)
        assert r.stdout.splitlines()[-1] == "docker.io/library/mirrored:latest"
        assert mirror_proxy.requests("GET", "/v2/library/mirrored/manifests/latest")
        assert origin_proxy.requests("GET", "/v2/library/") == []
        # The mirror lacks this one: the origin serves it.
        r = dock_env.run("pull", "originonly", env=env, check=True)
        assert "Status: Downloaded newer image for originonly:latest" in r.stdout
        assert mirror_proxy.requests("GET", "/v2/library/originonly/manifests/latest")
        assert origin_proxy.requests("GET", "/v2/library/originonly/manifests/latest")
    finally:
        mirror.stop()
        origin.stop()


def test_tls_registry_verified_with_the_ca_in_certs_d(dock_env, tls_registry, image):
    info, layout = image
    push_layout(layout, tls_registry.host, "secure", creds=f"{tls_registry.user}:{tls_registry.password}")
    dock_env.run("login", "-u", tls_registry.user, "--password-stdin", tls_registry.host,
                 input=tls_registry.password + "\n", check=True)
    # Verification required and no CA known: refused.
    r = dock_env.run("pull", "--tls-verify=true", f"{tls_registry.host}/secure", check=1)
    assert "certificate" in r.stderr.lower() and len(r.stderr.strip().splitlines()) == 1
    # The CA where docker looks for it (certs.d/<host:port>/ca.crt): verified.
    ca_dir = dock_env.certs_d / tls_registry.host
    ca_dir.mkdir()
    (ca_dir / "ca.crt").write_bytes(tls_registry.ca.read_bytes())
    dock_env.run("pull", "--tls-verify=true", f"{tls_registry.host}/secure", check=True)


def test_loopback_registry_over_tls_is_insecure_by_default_like_docker(dock_env, tls_registry, image):
    info, layout = image
    push_layout(layout, tls_registry.host, "lo", creds=f"{tls_registry.user}:{tls_registry.password}")
    dock_env.run("login", "-u", tls_registry.user, "-p", tls_registry.password, tls_registry.host, check=True)
    dock_env.run("pull", f"{tls_registry.host}/lo", check=True)
    # The explicit form, dock's --tls-verify=false: unverified TLS too.
    r = dock_env.run("pull", "--tls-verify=false", f"{tls_registry.host}/lo", check=True)
    assert "Status: Image is up to date" in r.stdout


def test_tls_pull_multiplexes_on_http2(dock_env, busybox_rootfs, tmp_path, tmp_path_factory):
    from registry_fixtures import Registry, make_ca
    base = tmp_path_factory.mktemp("h2")
    r = Registry(base / "registry", tls=make_ca(base / "pki"), accesslog=True)
    try:
        make_oci_layout(tmp_path / "h", busybox_rootfs, extra_layers=3)
        push_layout(tmp_path / "h", r.host, "h2")
        dock_env.run("pull", f"{r.host}/h2", check=True)
        ours = [l for l in r.access_log().splitlines() if '"dock/' in l]
        # The ping, the manifest, the config and four layers, all over HTTP/2.
        assert len(ours) >= 7 and all("HTTP/2.0" in l for l in ours), "\n".join(ours)
    finally:
        r.stop()
