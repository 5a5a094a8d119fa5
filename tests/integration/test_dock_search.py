"""dock search: a registry's catalog filtered by the term, in docker's
columns; --limit, --filter, --format, --no-trunc; the catalog through a
token realm."""
import json

import pytest

from registry_fixtures import *  # noqa: F401,F403 (fixtures)
from registry_fixtures import make_oci_layout, push_layout


@pytest.fixture
def catalog(registry, busybox_rootfs, tmp_path):
    make_oci_layout(tmp_path / "l", busybox_rootfs)
    names = ["apps/web", "apps/worker", "tools/webhook", "db"]
    for name in names:
        push_layout(tmp_path / "l", registry.host, name)
    return names


def test_search_filters_the_catalog_by_term(dock_env, registry, catalog):
    r = dock_env.run("search", f"{registry.host}/web", check=True)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "DESCRIPTION", "STARS", "OFFICIAL"]
    assert [l.split()[0] for l in lines[1:]] == [f"{registry.host}/apps/web", f"{registry.host}/tools/webhook"]
    assert all(l.split()[1] == "0" for l in lines[1:]), "no description, zero stars"
    # The NAME column is as wide as the longest name plus docker's padding of 3.
    assert lines[0].index("DESCRIPTION") == len(f"{registry.host}/tools/webhook") + 3


def test_search_limit_and_format(dock_env, registry, catalog):
    r = dock_env.run("search", "--limit", "2", "--format", "{{.Name}}", f"{registry.host}/", check=True)
    assert r.stdout.splitlines() == [f"{registry.host}/apps/web", f"{registry.host}/apps/worker"]
    r = dock_env.run("search", "--format", "{{json .}}", "--no-trunc", f"{registry.host}/db", check=True)
    assert json.loads(r.stdout) == {"Description": "", "IsAutomated": "", "IsOfficial": "",
                                    "Name": f"{registry.host}/db", "StarCount": "0"}
    r = dock_env.run("search", "--limit", "101", f"{registry.host}/db", check=1)
    assert r.stderr == "dock: limit 101 is outside the range of [1, 100]\n"


def test_search_filters(dock_env, registry, catalog):
    r = dock_env.run("search", "-f", "stars=1", "--format", "{{.Name}}", f"{registry.host}/", check=True)
    assert r.stdout == ""
    r = dock_env.run("search", "-f", "is-official=false", "--format", "{{.Name}}", f"{registry.host}/apps",
                     check=True)
    assert len(r.stdout.splitlines()) == 2
    r = dock_env.run("search", "-f", "colour=blue", f"{registry.host}/", check=1)
    assert r.stderr == "dock: invalid filter 'colour'\n"


def test_search_through_a_token_realm_needs_a_login(dock_env, token_registry, busybox_rootfs, tmp_path):
    make_oci_layout(tmp_path / "l", busybox_rootfs)
    push_layout(tmp_path / "l", token_registry.host, "secret/thing", creds="bob:builder")
    r = dock_env.run("search", f"{token_registry.host}/thing", check=1)
    assert "unauthorized: authentication required" in r.stderr and len(r.stderr.splitlines()) == 1
    dock_env.run("login", "-u", "bob", "-p", "builder", token_registry.host, check=True)
    r = dock_env.run("search", "--format", "{{.Name}}", f"{token_registry.host}/thing", check=True)
    assert r.stdout == f"{token_registry.host}/secret/thing\n"
    scopes = {s for scope_list, _, _ in token_registry.tokens.requests for s in scope_list}
    assert "registry:catalog:*" in scopes


def test_search_of_an_unreachable_registry_fails_in_one_line(dock_env):
    from registry_fixtures import free_port
    r = dock_env.run("search", f"127.0.0.1:{free_port()}/x", check=1)
    assert len(r.stderr.strip().splitlines()) == 1 and "Connection refused" in r.stderr
