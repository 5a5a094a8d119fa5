"""dock import, images, tag, rmi, image prune, inspect, history and system
df: outputs and exit codes as docker's CLI prints them (docker's docs and
source; podman where it copies docker)."""
import gzip
import http.server
import json
import re
import threading

import pytest

from dock_helpers import *  # noqa: F401,F403 (fixtures)
from dock_helpers import make_tar

HEX12 = r"[0-9a-f]{12}"


@pytest.fixture
def imported(dock_store, busybox_tar):
    """busybox imported as busybox:latest; returns its image ID."""
    r = dock_store.run("import", busybox_tar, "busybox", check=True)
    return r.stdout.strip()


def cells(line):
    return re.split(r"\s{2,}", line.strip())


def rows(stdout):
    return [cells(line) for line in stdout.splitlines()]


# ------------------------------------------------------------------ import
def test_import_prints_the_full_image_id_and_lists_the_image(dock_store, busybox_tar):
    r = dock_store.run("import", busybox_tar, "busybox:1.0", check=True)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", r.stdout)
    out = dock_store.run("images", check=True).stdout.splitlines()
    assert re.fullmatch(r"REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE", out[0])
    assert cells(out[1])[:3] == ["busybox", "1.0", r.stdout[7:19]]
    assert cells(out[1])[3] in ("Less than a second ago", "1 second ago") or cells(out[1])[3].endswith("seconds ago")
    assert re.fullmatch(r"[0-9.]+MB", cells(out[1])[4])


def test_import_from_stdin_and_gzip_gives_the_same_layer(dock_store, busybox_tar):
    data = busybox_tar.read_bytes()
    a = dock_store.run("import", "-", "a", input=data, check=True)
    b = dock_store.run("import", "-", "b", input=gzip.compress(data), check=True)
    la = dock_store.run("image", "inspect", "-f", "{{json .RootFS.Layers}}", "a", check=True).stdout
    lb = dock_store.run("image", "inspect", "-f", "{{json .RootFS.Layers}}", "b", check=True).stdout
    assert la == lb and a.stdout != b.stdout
    # One unpacked directory serves both images.
    assert len(list((dock_store.root / "layers").iterdir())) == 1


def test_import_from_a_url_on_loopback(dock_store, busybox_tar):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(busybox_tar.parent), **kw)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/{busybox_tar.name}"
        dock_store.run("import", url, "fromurl", check=True)
        missing = dock_store.run("import", url + ".nope", "x")
    finally:
        srv.shutdown()
    hist = dock_store.run("history", "--format", "{{.Comment}}", "fromurl", check=True).stdout
    assert hist == f"Imported from {url}\n"
    assert missing.returncode == 1 and "404" in missing.stderr


def test_import_changes_and_message_reach_the_config(dock_store, busybox_tar):
    dock_store.run("import", "-c", 'CMD ["sh", "-c", "echo hi"]', "-c", "ENV A=1 B=2", "-c", "WORKDIR /tmp",
                   "-c", "EXPOSE 80 53/udp", "-c", "USER nobody", "-c", "LABEL k=v", "-c", "ENTRYPOINT /bin/sh",
                   "-m", "my message", busybox_tar, "changed", check=True)
    cfg = json.loads(dock_store.run("inspect", "-f", "{{json .Config}}", "changed", check=True).stdout)
    assert cfg["Cmd"] == ["sh", "-c", "echo hi"]
    assert cfg["Entrypoint"] == ["/bin/sh", "-c", "/bin/sh"]
    assert cfg["Env"] == ["A=1", "B=2"] and cfg["WorkingDir"] == "/tmp" and cfg["User"] == "nobody"
    assert cfg["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}} and cfg["Labels"] == {"k": "v"}
    assert dock_store.run("inspect", "-f", "{{.Comment}}", "changed", check=True).stdout == "my message\n"


def test_import_platform_sets_os_and_architecture(dock_store, busybox_tar):
    dock_store.run("import", "--platform", "linux/arm64/v8", busybox_tar, "arm", check=True)
    r = dock_store.run("inspect", "-f", "{{.Os}} {{.Architecture}} {{.Variant}}", "arm", check=True)
    assert r.stdout == "linux arm64 v8\n"
    bad = dock_store.run("import", "--platform", "linux", busybox_tar, "x")
    assert bad.returncode == 1 and 'invalid platform "linux"' in bad.stderr


def test_import_refuses_an_unknown_change_and_a_missing_file(dock_store, busybox_tar, tmp_path):
    r = dock_store.run("import", "-c", "FROB x", busybox_tar)
    assert r.returncode == 1 and r.stderr == "dock: FROB is not a valid change command\n"
    r = dock_store.run("import", tmp_path / "none.tar")
    assert r.returncode == 1 and "none.tar: No such file or directory" in r.stderr
    assert dock_store.run("images", "-q", check=True).stdout == ""


# ------------------------------------------------------------------ images
def test_images_quiet_digests_no_trunc_and_dangling(dock_store, imported, busybox_tar):
    dock_store.run("tag", "busybox", "other/name:v2", check=True)
    assert dock_store.run("images", "-q", check=True).stdout == f"{imported[7:19]}\n" * 2
    assert dock_store.run("images", "-q", "--no-trunc", check=True).stdout.splitlines()[0] == imported
    out = dock_store.run("images", "--digests", check=True).stdout.splitlines()
    assert re.fullmatch(r"REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE", out[0])
    assert cells(out[1])[:3] == ["busybox", "latest", "<none>"]
    dangling = dock_store.run("import", busybox_tar, check=True).stdout.strip()
    d = dock_store.run("images", "-f", "dangling=true", check=True).stdout.splitlines()
    assert [r[:3] for r in rows("\n".join(d[1:]))] == [["<none>", "<none>", dangling[7:19]]]
    nd = dock_store.run("images", "-f", "dangling=false", "-q", check=True).stdout.split()
    assert dangling[7:19] not in nd and imported[7:19] in nd


def test_images_reference_filter_and_positional_repository(dock_store, imported):
    dock_store.run("tag", "busybox", "other/name:v2", check=True)
    ref = dock_store.run("images", "--format", "{{.Repository}}:{{.Tag}}", "-f", "reference=other/*", check=True)
    assert ref.stdout == "other/name:v2\n"
    pos = dock_store.run("images", "--format", "{{.Repository}}:{{.Tag}}", "busybox", check=True)
    assert pos.stdout == "busybox:latest\n"
    assert dock_store.run("images", "-q", "nothing-here", check=True).stdout == ""


def test_images_before_since_and_label_filters(dock_store, busybox_tar):
    import time
    dock_store.run("import", busybox_tar, "first", check=True)
    time.sleep(1.1)
    dock_store.run("import", "-c", "LABEL team=a", busybox_tar, "second", check=True)
    fmt = ["--format", "{{.Repository}}"]
    assert dock_store.run("images", *fmt, "-f", "before=second", check=True).stdout == "first\n"
    assert dock_store.run("images", *fmt, "-f", "since=first", check=True).stdout == "second\n"
    assert dock_store.run("images", *fmt, "-f", "label=team=a", check=True).stdout == "second\n"
    assert dock_store.run("images", *fmt, "-f", "label=team=b", check=True).stdout == ""


def test_images_bad_filter_is_docker_error(dock_store, imported):
    r = dock_store.run("images", "-f", "color=red")
    assert r.returncode == 1 and r.stderr == "dock: invalid filter 'color'\n"
    r = dock_store.run("images", "-f", "dangling")
    assert r.returncode == 1 and "bad format of filter (expected name=value)" in r.stderr


def test_images_format_json_table_and_functions(dock_store, imported):
    line = dock_store.run("images", "--format", "{{json .}}", check=True).stdout.strip()
    obj = json.loads(line)
    assert sorted(obj) == ["Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize",
                           "Size", "Tag", "UniqueSize", "VirtualSize"]
    assert "\\u003cnone\\u003e" in line  # Go's json escapes < and >
    assert obj["ID"] == imported[7:19] and obj["Repository"] == "busybox"
    t = dock_store.run("images", "--format", "table {{.Repository}}\\t{{.Tag}}", check=True).stdout
    assert t == "REPOSITORY   TAG\nbusybox      latest\n"
    f = dock_store.run("images", "--format", '{{upper .Repository}} {{if eq .Tag "latest"}}L{{else}}N{{end}}'
                       ' {{join (split .ID "a") "-"}}', check=True).stdout
    assert f == f"BUSYBOX L {'-'.join(imported[7:19].split('a'))}\n"
    bad = dock_store.run("images", "--format", "{{.Repository")
    assert bad.returncode == 1 and "template parsing error" in bad.stderr


# --------------------------------------------------------------------- tag
def test_tag_moves_a_name_and_refuses_bad_ones(dock_store, imported, busybox_tar):
    other = dock_store.run("import", busybox_tar, check=True).stdout.strip()
    dock_store.run("tag", other[7:19], "busybox:latest", check=True)
    assert dock_store.image_id("busybox") == other
    r = dock_store.run("tag", "nosuch", "x")
    assert r.returncode == 1 and r.stderr == "dock: No such image: nosuch:latest\n"
    r = dock_store.run("tag", "busybox", "UPPER:x")
    assert r.returncode == 1 and "invalid reference format: repository name (library/UPPER) must be lowercase" in r.stderr
    r = dock_store.run("tag", "busybox")
    assert r.returncode == 1 and r.stderr.startswith('dock: "dock tag" requires exactly 2 arguments.\n')


# --------------------------------------------------------------------- rmi
def test_rmi_untags_while_other_tags_remain_then_deletes(dock_store, imported):
    dock_store.run("tag", "busybox", "busybox:two", check=True)
    r = dock_store.run("rmi", "busybox", check=True)
    assert r.stdout == "Untagged: busybox:latest\n"
    r = dock_store.run("image", "rm", "busybox:two", check=True)
    lines = r.stdout.splitlines()
    assert lines[0] == "Untagged: busybox:two" and lines[1] == f"Deleted: {imported}"
    assert all(re.fullmatch(r"Deleted: sha256:[0-9a-f]{64}", l) for l in lines[2:]) and len(lines) == 3
    assert dock_store.run("images", "-q", check=True).stdout == ""
    # Nothing of it is left on disk.
    assert list((dock_store.root / "layers").iterdir()) == []
    assert list((dock_store.root / "blobs" / "sha256").iterdir()) == []


def test_rmi_by_id_with_several_repositories_needs_force(dock_store, imported):
    dock_store.run("tag", "busybox", "other:x", check=True)
    r = dock_store.run("rmi", imported[7:19])
    assert r.returncode == 1
    assert r.stderr == (f"dock: conflict: unable to delete {imported[7:19]} (must be forced) - image is referenced in "
                        "multiple repositories\n")
    r = dock_store.run("rmi", "-f", imported, check=True)
    assert r.stdout.splitlines()[:3] == ["Untagged: busybox:latest", "Untagged: other:x", f"Deleted: {imported}"]


def test_rmi_by_id_with_one_tag_untags_and_deletes(dock_store, imported):
    r = dock_store.run("rmi", imported[7:15], check=True)
    assert r.stdout.splitlines()[:2] == ["Untagged: busybox:latest", f"Deleted: {imported}"]


def test_rmi_reports_each_missing_image_and_exits_1(dock_store, imported):
    r = dock_store.run("rmi", "nosuch", "busybox", "sha256:" + "0" * 64)
    assert r.returncode == 1
    assert "Untagged: busybox:latest" in r.stdout
    assert r.stderr.splitlines() == ["dock: No such image: nosuch:latest", "dock: No such image: sha256:" + "0" * 64]


# ------------------------------------------------------------------- prune
def test_prune_asks_first_and_removes_only_dangling(dock_store, imported, busybox_tar):
    dangling = dock_store.run("import", busybox_tar, check=True).stdout.strip()
    no = dock_store.run("image", "prune", input="n\n", check=True)
    assert no.stdout == ("WARNING! This will remove all dangling images.\n"
                         "Are you sure you want to continue? [y/N] Total reclaimed space: 0B\n")
    assert dangling[7:19] in dock_store.run("images", "-q", check=True).stdout
    yes = dock_store.run("image", "prune", input="y\n", check=True)
    assert f"Deleted Images:\ndeleted: {dangling}\n\nTotal reclaimed space: " in yes.stdout
    assert dock_store.run("images", "-q", check=True).stdout == f"{imported[7:19]}\n"


def test_prune_all_force_removes_tagged_images_too(dock_store, imported):
    r = dock_store.run("image", "prune", "-a", "-f", check=True)
    assert r.stdout.startswith("Deleted Images:\nuntagged: busybox:latest\ndeleted: " + imported + "\n")
    assert re.search(r"\nTotal reclaimed space: [0-9.]+MB\n$", r.stdout)
    assert dock_store.run("images", "-q", check=True).stdout == ""


# ----------------------------------------------------------------- inspect
def test_image_inspect_has_dockers_shape(dock_store, imported):
    out = dock_store.run("image", "inspect", "busybox", check=True).stdout
    assert out.startswith('[\n    {\n        "Id": "sha256:')  # 4-space indent as docker
    (obj,) = json.loads(out)
    for key in ("Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Config", "Architecture", "Os",
                "Size", "GraphDriver", "RootFS", "Metadata"):
        assert key in obj
    assert obj["Id"] == imported and obj["RepoTags"] == ["busybox:latest"] and obj["RepoDigests"] == []
    assert obj["RootFS"]["Type"] == "layers" and len(obj["RootFS"]["Layers"]) == 1
    assert obj["Os"] == "linux" and obj["Comment"] == "Imported from -" and obj["Size"] > 1000000
    assert list(obj["Config"])[:3] == ["Hostname", "Domainname", "User"]


def test_inspect_format_and_missing_objects(dock_store, imported):
    r = dock_store.run("inspect", "-f", "{{.Os}}/{{.Architecture}} {{index .RepoTags 0}}", "busybox", check=True)
    assert re.fullmatch(r"linux/\w+ busybox:latest\n", r.stdout)
    r = dock_store.run("image", "inspect", "nosuch")
    assert r.returncode == 1 and r.stdout == "[]\n" and r.stderr == "dock: No such image: nosuch\n"
    r = dock_store.run("inspect", "nosuch")
    assert r.returncode == 1 and r.stderr == "dock: No such object: nosuch\n"


# ----------------------------------------------------------------- history
def test_history_columns_quiet_and_raw_values(dock_store, imported):
    out = dock_store.run("history", "busybox", check=True).stdout.splitlines()
    assert re.fullmatch(r"IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT", out[0])
    assert out[1].startswith(imported[7:19] + "   ") and out[1].endswith("Imported from -")
    assert dock_store.run("history", "-q", "busybox", check=True).stdout == imported[7:19] + "\n"
    raw = dock_store.run("history", "-H=false", "--no-trunc", "--format", "{{.ID}} {{.Size}} {{.CreatedSince}}",
                         "busybox", check=True).stdout.split()
    size = json.loads(dock_store.run("inspect", "busybox", check=True).stdout)[0]["Size"]
    assert raw[0] == imported and raw[1] == str(size) and re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", raw[2])


# --------------------------------------------------------------- system df
def test_system_df_counts_images(dock_store, imported):
    out = dock_store.run("system", "df", check=True).stdout.splitlines()
    assert re.fullmatch(r"TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE", out[0])
    img = cells(out[1])
    assert img[:3] == ["Images", "1", "0"] and re.fullmatch(r"[0-9.]+MB \(100%\)", img[4])
    assert [r[0] for r in rows("\n".join(out[2:]))] == ["Containers", "Local Volumes", "Build Cache"]
    fmt = dock_store.run("system", "df", "--format", "{{.Type}}={{.TotalCount}}", check=True).stdout
    assert fmt == "Images=1\nContainers=0\nLocal Volumes=0\nBuild Cache=0\n"


def test_prune_until_and_label_filters(dock_store, busybox_tar):
    old = dock_store.run("import", busybox_tar, check=True).stdout.strip()
    labelled = dock_store.run("import", "-c", "LABEL keep=yes", busybox_tar, check=True).stdout.strip()
    r = dock_store.run("image", "prune", "-f", "--filter", "until=1h", check=True)
    assert r.stdout == "Total reclaimed space: 0B\n"
    r = dock_store.run("image", "prune", "-f", "--filter", "until=2999-01-01T00:00:00Z", "--filter", "label!=keep=yes",
                       check=True)
    assert f"deleted: {old}\n" in r.stdout and labelled not in r.stdout
    assert dock_store.run("images", "-q", "--no-trunc", check=True).stdout == labelled + "\n"
    r = dock_store.run("image", "prune", "-f", "--filter", "until=soon")
    assert r.returncode == 1 and r.stderr == "dock: invalid filter 'until=soon'\n"
