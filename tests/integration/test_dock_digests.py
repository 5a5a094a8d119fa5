"""Images known by repo digest (after a pull from the test's own registry
on 127.0.0.1): `images --digests`, untagged digest-only rows, `rmi` by
digest, and `save`/`load` of a pulled image."""
import json
import re

import pytest

from dock_helpers import *  # noqa: F401,F403 (fixtures)
from dock_helpers import DockStore
from registry_fixtures import registry  # noqa: F401 (fixture)


@pytest.fixture
def pulled(dock_store, busybox_tar, registry):
    """busybox imported, pushed to the registry, removed and pulled again:
    it now has a repo digest."""
    name = f"{registry.host}/lib/bb:1"
    dock_store.run("import", busybox_tar, name, check=True)
    dock_store.run("push", name, check=True)
    dock_store.run("rmi", name, check=True)
    dock_store.run("pull", name, check=True)
    digest = json.loads(dock_store.run("inspect", "-f", "{{json .RepoDigests}}", name, check=True).stdout)
    assert len(digest) == 1 and digest[0].startswith(f"{registry.host}/lib/bb@sha256:")
    return name, digest[0]


def test_images_digests_column_shows_the_repo_digest(dock_store, pulled, registry):
    name, repo_digest = pulled
    out = dock_store.run("images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}", check=True)
    assert out.stdout == f"{registry.host}/lib/bb 1 {repo_digest.split('@')[1]}\n"
    plain = dock_store.run("images", "--format", "{{.Digest}}", check=True).stdout
    assert plain == "<none>\n"


def test_a_digest_without_a_tag_shows_tag_none(dock_store, pulled, registry):
    name, repo_digest = pulled
    dock_store.run("tag", name, "keep:me", check=True)
    r = dock_store.run("rmi", name, check=True)
    # The last tag of the repository went: its digest goes with it.
    assert r.stdout == f"Untagged: {name}\nUntagged: {repo_digest}\n"
    out = dock_store.run("images", "--format", "{{.Repository}}:{{.Tag}}", check=True).stdout
    assert out == "keep:me\n"


def test_rmi_by_digest_untags_only_the_digest(dock_store, pulled, registry):
    name, repo_digest = pulled
    r = dock_store.run("rmi", repo_digest, check=True)
    assert r.stdout == f"Untagged: {repo_digest}\n"
    assert dock_store.run("images", "--format", "{{.Repository}}:{{.Tag}}", check=True).stdout == f"{name}\n"
    r = dock_store.run("rmi", repo_digest)
    assert r.returncode == 1 and r.stderr == f"dock: No such image: {repo_digest}\n"


def test_pulled_image_is_found_by_name_at_digest_and_survives_save_and_load(dock_store, pulled, tmp_path):
    name, repo_digest = pulled
    assert dock_store.image_id(repo_digest) == dock_store.image_id(name)
    out = tmp_path / "pulled.tar"
    dock_store.run("save", "-o", out, name, check=True)
    other = DockStore(tmp_path / "other")
    r = other.run("load", "-i", out, check=True)
    assert r.stdout == f"Loaded image: {name}\n"
    assert other.image_id(name) == dock_store.image_id(name)
    assert re.search(r"\d", other.run("history", "-q", name, check=True).stdout)
