"""dock's container records (issue 17, the part that starts nothing):
create, ps / container ls, inspect, rm, rename, container prune, diff,
rmi refused for an image in use, system df's Containers row, names unique
under concurrency, and SIGKILL of create at each step.  podman (on berth,
private configuration from engines.py) is the yardstick where it does what
docker does."""
import concurrent.futures
import json
import os
import re
import subprocess

import pytest

from dock_helpers import *  # noqa: F401,F403 (fixtures)
from conftest import describe

HEX64 = re.compile(r"^[0-9a-f]{64}$")
CONFLICT = ('Conflict. The container name "/{name}" is already in use by container "{id}". '
            "You have to remove (or rename) that container to be able to reuse that name.")


@pytest.fixture
def bb(dock_store, busybox_tar):
    """A store with busybox imported as busybox:latest (CMD sh)."""
    dock_store.run("import", "-c", 'CMD ["sh"]', busybox_tar, "busybox:latest", check=True)
    return dock_store


def create(store, *args, check=True):
    r = store.run("create", *args, check=check)
    return r.stdout.strip() if check is True else r


def container_dirs(store):
    d = store.root / "containers"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def ps_ids(store):
    return store.run("ps", "-a", "-q", "--no-trunc", check=True).stdout.split()


# ------------------------------------------------------------------ create
def test_create_prints_the_full_id_and_prepares_the_container_dir(bb):
    cid = create(bb, "--name", "web", "-h", "box", "--add-host", "db:10.0.0.5", "--dns", "9.9.9.9", "busybox",
                 "echo", "hi")
    assert HEX64.match(cid)
    d = bb.root / "containers" / cid
    assert {p.name for p in d.iterdir()} >= {"diff", "work", "rootfs", "config.json", "hostname", "hosts",
                                             "resolv.conf"}
    assert (d / "hostname").read_text() == "box\n"
    assert "10.0.0.5\tdb" in (d / "hosts").read_text()
    assert "nameserver 9.9.9.9" in (d / "resolv.conf").read_text()
    spec = json.loads((d / "config.json").read_text())
    assert spec["process"]["args"] == ["echo", "hi"]
    assert spec["hostname"] == "box"
    binds = {m["destination"]: m["source"] for m in spec["mounts"] if m.get("type") == "bind"}
    assert binds["/etc/hosts"] == str(d / "hosts") and binds["/etc/resolv.conf"] == str(d / "resolv.conf")
    assert list((d / "diff").iterdir()) == []
    assert bb.tmp_entries() == []


def test_create_resolves_users_in_the_images_passwd(bb):
    cid = create(bb, "-u", "nobody", "busybox")
    spec = json.loads((bb.root / "containers" / cid / "config.json").read_text())
    assert spec["process"]["user"]["uid"] == 65534 and "HOME=/nonexistent" in spec["process"]["env"]
    r = create(bb, "-u", "nosuchuser", "busybox", check=125)
    assert r.stderr == "dock: unable to find user nosuchuser: no matching entries in passwd file\n"
    assert ps_ids(bb) == [cid] and container_dirs(bb) == [cid] and bb.tmp_entries() == []


def test_create_on_the_vfs_driver_copies_the_image(bb):
    bb.daemon_json.write_text('{"storage-driver": "vfs"}\n')
    cid = create(bb, "busybox")
    d = bb.root / "containers" / cid
    assert (d / "diff" / "bin" / "busybox").is_file() and not (d / "work").exists()
    [c] = json.loads(bb.run("inspect", cid, check=True).stdout)
    assert c["Driver"] == "vfs" and c["GraphDriver"] == {"Data": None, "Name": "vfs"}
    r = bb.run("diff", cid, check=1)
    assert r.stderr == "dock: diff of a container on the vfs driver is not supported yet\n"
    bb.run("rm", cid, check=True)
    assert container_dirs(bb) == []


def test_create_hostname_defaults_to_the_short_id(bb):
    cid = create(bb, "busybox")
    assert (bb.root / "containers" / cid / "hostname").read_text() == cid[:12] + "\n"


def test_generated_names_are_adjective_underscore_surname_and_distinct(bb):
    ids = [create(bb, "busybox") for _ in range(5)]
    names = bb.run("ps", "-a", "--format", "{{.Names}}", check=True).stdout.split()
    assert len(names) == len(set(names)) == len(ids)
    for n in names:
        assert re.match(r"^[a-z]+_[a-z]+\d*$", n), n


def test_a_name_in_use_gets_dockers_conflict_and_125(bb):
    cid = create(bb, "--name", "same", "busybox")
    r = create(bb, "--name", "same", "busybox", check=125)
    assert r.stderr == "dock: " + CONFLICT.format(name="same", id=cid) + "\n"
    assert r.stdout == ""
    assert container_dirs(bb) == [cid] and bb.tmp_entries() == []


def test_twenty_parallel_creates_of_one_name_give_one_container(bb):
    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        results = list(ex.map(lambda _: create(bb, "--name", "same", "busybox", check=False), range(20)))
    ok = [r for r in results if r.returncode == 0]
    failed = [r for r in results if r.returncode != 0]
    assert len(ok) == 1, "\n".join(describe(r) for r in results)
    cid = ok[0].stdout.strip()
    for r in failed:
        assert r.returncode == 125, describe(r)
        assert r.stderr == "dock: " + CONFLICT.format(name="same", id=cid) + "\n", describe(r)
    assert ps_ids(bb) == [cid] and container_dirs(bb) == [cid]


@pytest.mark.parametrize("name", ["a", "-x", "bad name", "x/y", "_lead"])
def test_invalid_names_are_refused_and_leave_nothing(bb, name):
    r = create(bb, "--name", name, "busybox", check=125)
    assert r.stderr == (f"dock: Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n")
    assert container_dirs(bb) == [] and ps_ids(bb) == []


def test_create_of_an_image_without_command_fails_with_dockers_message(dock_store, busybox_tar):
    dock_store.run("import", busybox_tar, "nocmd:latest", check=True)
    r = create(dock_store, "nocmd", check=125)
    assert r.stderr == "dock: no command specified\n"
    assert container_dirs(dock_store) == [] and dock_store.tmp_entries() == []


def test_create_with_a_bad_flag_value_is_a_usage_error(bb):
    r = create(bb, "-m", "lots", "busybox", check=125)
    assert 'invalid argument "lots" for "-m, --memory" flag' in r.stderr
    assert "See 'dock create --help'." in r.stderr
    assert container_dirs(bb) == []


def test_cidfile_gets_the_id_and_an_existing_one_is_refused(bb, tmp_path):
    f = tmp_path / "cid"
    cid = create(bb, "--cidfile", f, "busybox")
    assert f.read_text() == cid
    r = create(bb, "--cidfile", f, "busybox", check=125)
    assert r.stderr == (f"dock: Container ID file found, make sure the other container isn't running or delete "
                        f"{f}\n")
    assert ps_ids(bb) == [cid]
    g = tmp_path / "cid2"
    create(bb, "--cidfile", g, "--pull", "never", "nosuch", check=125)
    assert not g.exists()


def test_create_of_a_missing_image_with_pull_never(bb):
    r = create(bb, "--pull", "never", "nosuch", check=125)
    assert r.stderr == "dock: No such image: nosuch:latest\n"


def test_create_pulls_a_missing_image_first_with_dockers_line(tmp_path, busybox_rootfs_dir):
    from registry_fixtures import Registry, make_oci_layout, push_layout
    reg = Registry(tmp_path / "registry")
    try:
        make_oci_layout(tmp_path / "layout", busybox_rootfs_dir)
        push_layout(tmp_path / "layout", reg.host, "ns/app")
        store = DockStore(tmp_path / "dock")
        r = store.run("create", f"{reg.host}/ns/app", check=True)
        err = r.stderr.splitlines()
        assert err[0] == f"Unable to find image '{reg.host}/ns/app:latest' locally"
        assert "latest: Pulling from ns/app" in err
        assert err[-1] == f"{reg.host}/ns/app:latest"
        cid = r.stdout.strip()
        assert HEX64.match(cid)
        assert store.run("ps", "-a", "--format", "{{.Image}}", check=True).stdout == f"{reg.host}/ns/app\n"
        # Now present: no pull, nothing on stderr.
        r2 = store.run("create", f"{reg.host}/ns/app", check=True)
        assert r2.stderr == ""
    finally:
        reg.stop()


def test_run_still_says_it_is_not_implemented_and_creates_nothing(bb):
    r = bb.run("run", "busybox", "true")
    assert r.returncode != 0 and "not implemented yet" in r.stderr
    assert ps_ids(bb) == [] and container_dirs(bb) == []


# ---------------------------------------------------------------------- ps
def test_ps_shows_dockers_columns_created_status_and_quoted_command(bb):
    cid = create(bb, "--name", "web", "busybox", "sh", "-c", 'echo "hello" && sleep 1000')
    assert bb.run("ps", check=True).stdout.splitlines() == [
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES"]
    lines = bb.run("ps", "-a", check=True).stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
                                              "NAMES"]
    row = lines[1]
    assert row.startswith(cid[:12] + "   busybox   ")
    # docker's Ellipsis(20): 19 characters and "…", then Go's quoting.
    assert '   "sh -c echo \\"hello\\" …"   ' in row
    assert re.search(r"(Less than a second|\d+ seconds?) ago\s+Created\s+web$", row), row
    full = bb.run("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}", check=True).stdout
    assert full == f'{cid} "sh -c echo \\"hello\\" && sleep 1000"\n'


def test_ps_quiet_last_latest_and_size(bb):
    ids = [create(bb, "busybox", "true") for _ in range(3)]
    assert bb.run("ps", "-q", check=True).stdout == ""
    assert bb.run("ps", "-a", "-q", check=True).stdout.split() == [i[:12] for i in reversed(ids)]
    assert bb.run("ps", "-q", "-n", "2", check=True).stdout.split() == [i[:12] for i in reversed(ids[1:])]
    assert bb.run("ps", "-q", "-l", check=True).stdout.split() == [ids[-1][:12]]
    sized = bb.run("ps", "-a", "-s", "-n", "1", check=True).stdout.splitlines()
    assert re.search(r"NAMES\s+SIZE$", sized[0])
    assert re.search(r"0B \(virtual [\d.]+MB\)$", sized[1]), sized[1]
    r = bb.run("ps", "-n", "x", check=125)
    assert "invalid argument \"x\" for \"-n, --last\" flag" in r.stderr


def test_ps_filters(bb):
    a = create(bb, "--name", "alpha", "-l", "tier=web", "-l", "solo", "busybox")
    b = create(bb, "--name", "beta", "-l", "tier=db", "busybox")

    def q(*f):
        args = sum((["-f", x] for x in f), [])
        return set(bb.run("ps", "-a", "-q", "--no-trunc", *args, check=True).stdout.split())

    assert q("status=created") == {a, b}
    assert q("status=running") == set() and q("status=exited") == set()
    assert q("name=alp") == {a} and q("name=^beta$") == {b} and q("name=a") == {a, b}
    assert q("label=tier") == {a, b} and q("label=tier=db") == {b} and q("label=solo") == {a}
    assert q("label=tier=web", "label=solo") == {a}
    assert q("ancestor=busybox") == {a, b} and q("ancestor=busybox:latest") == {a, b}
    assert q(f"id={a[:6]}") == {a}
    assert q("exited=0") == set()
    # Created containers show under a status filter even without -a (docker).
    assert set(bb.run("ps", "-q", "--no-trunc", "-f", "status=created", check=True).stdout.split()) == {a, b}
    r = bb.run("ps", "-f", "colour=red", check=1)
    assert r.stderr == "dock: invalid filter 'colour'\n"
    r = bb.run("ps", "-f", "status=sleepy", check=1)
    assert r.stderr == "dock: invalid filter 'status=sleepy'\n"


def test_ps_format_templates_and_container_ls_alias(bb):
    cid = create(bb, "--name", "web", "-l", "k=v", "busybox")
    out = bb.run("container", "ls", "-a", "--format", "{{.Names}}|{{.State}}|{{.Status}}|{{.Labels}}",
                 check=True).stdout
    assert out == "web|created|Created|k=v\n"
    table = bb.run("container", "list", "-a", "--format", "table {{.ID}}\t{{.Names}}", check=True).stdout
    assert table.splitlines() == ["CONTAINER ID   NAMES", f"{cid[:12]}   web"]
    js = json.loads(bb.run("ps", "-a", "--format", "json", check=True).stdout)
    assert js["Names"] == "web" and js["State"] == "created"


def test_ps_image_column_falls_back_to_the_short_id_when_the_name_moves(bb, busybox_tar):
    create(bb, "busybox")
    image = bb.image_id("busybox")
    bb.run("import", "-c", 'CMD ["true"]', busybox_tar, "busybox:latest", check=True)
    assert bb.run("ps", "-a", "--format", "{{.Image}}", check=True).stdout == image.split(":")[1][:12] + "\n"


# ----------------------------------------------------------------- inspect
def test_inspect_shows_dockers_container_shape(bb):
    cid = create(bb, "--name", "web", "-e", "A=1", "-w", "/tmp", "-l", "x=y", "--restart", "on-failure:3",
                 "-m", "64m", "busybox", "sleep", "5")
    [c] = json.loads(bb.run("container", "inspect", "web", check=True).stdout)
    assert c["Id"] == cid and c["Name"] == "/web" and c["Path"] == "sleep" and c["Args"] == ["5"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", c["Created"])
    assert c["State"] == {"Status": "created", "Running": False, "Paused": False, "Restarting": False,
                          "OOMKilled": False, "Dead": False, "Pid": 0, "ExitCode": 0, "Error": "",
                          "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z"}
    assert c["Image"] == bb.image_id("busybox")
    assert c["Config"]["Image"] == "busybox" and c["Config"]["Cmd"] == ["sleep", "5"]
    assert c["Config"]["Hostname"] == cid[:12] and c["Config"]["WorkingDir"] == "/tmp"
    assert "A=1" in c["Config"]["Env"] and c["Config"]["Labels"] == {"x": "y"}
    assert c["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert c["HostConfig"]["Memory"] == 64 << 20 and c["HostConfig"]["MemorySwap"] == 128 << 20
    gd = c["GraphDriver"]
    assert gd["Name"] == "overlay2"
    assert gd["Data"]["UpperDir"] == str(bb.root / "containers" / cid / "diff")
    assert gd["Data"]["LowerDir"] == str(bb.layer_dir("busybox"))
    assert c["Mounts"] == [] and "Networks" in c["NetworkSettings"]
    assert c["HostsPath"] == str(bb.root / "containers" / cid / "hosts")
    assert "SizeRw" not in c
    [s] = json.loads(bb.run("inspect", "--size", "web", check=True).stdout)
    assert s["SizeRw"] == 0 and s["SizeRootFs"] > 1_000_000


def test_inspect_format_and_lookup_by_name_prefix_and_slash(bb):
    cid = create(bb, "--name", "web", "busybox")
    for word in ("web", "/web", cid, cid[:5]):
        r = bb.run("inspect", "-f", "{{.State.Status}} {{.Name}} {{.Config.Image}}", word, check=True)
        assert r.stdout == "created /web busybox\n"


def test_inspect_resolves_containers_then_images_and_reports_each_missing_one(bb):
    create(bb, "--name", "busybox", "busybox")
    r = bb.run("inspect", "-f", "{{.Id}}", "busybox", "busybox:latest", "nosuch", check=1)
    cid, image = r.stdout.split()
    assert HEX64.match(cid) and image == bb.image_id("busybox")
    assert r.stderr == "dock: No such object: nosuch\n"
    r = bb.run("container", "inspect", "busybox:latest", check=1)
    assert r.stdout == "[]\n" and r.stderr == "dock: No such container: busybox:latest\n"
    r = bb.run("inspect", "--type", "container", "-f", "{{.Name}}", "busybox", check=True)
    assert r.stdout == "/busybox\n"


# ---------------------------------------------------------------------- rm
def test_rm_by_name_and_id_prefix_removes_record_and_dir(bb):
    a = create(bb, "--name", "one", "busybox")
    b = create(bb, "busybox")
    r = bb.run("rm", "one", b[:10], check=True)
    assert r.stdout == f"one\n{b[:10]}\n"
    assert ps_ids(bb) == [] and container_dirs(bb) == [] and bb.tmp_entries() == []
    assert a


def test_rm_of_missing_containers_reports_each_and_exits_1(bb):
    keep = create(bb, "--name", "keep", "busybox")
    r = bb.run("rm", "nope", "keep", "gone", check=1)
    assert r.stdout == "keep\n"
    assert r.stderr == "dock: No such container: nope\ndock: No such container: gone\n"
    assert ps_ids(bb) == [] and keep
    assert bb.run("rm", "-f", "nope", check=0).stderr == ""
    assert bb.run("container", "rm", "-v", "nope", check=1).stderr == "dock: No such container: nope\n"
    assert bb.run("rm", "--link", "x", check=1).stderr == "dock: rm --link: dock has no container links yet\n"


def test_rm_of_an_ambiguous_prefix_names_it(bb):
    ids = [create(bb, "busybox") for _ in range(40)]
    firsts = {}
    for i in ids:
        firsts.setdefault(i[0], []).append(i)
    prefix = next(k for k, v in firsts.items() if len(v) > 1)
    r = bb.run("rm", prefix, check=1)
    assert r.stderr == f"dock: multiple IDs found with provided prefix: {prefix}\n"
    assert len(ps_ids(bb)) == 40


# ------------------------------------------------------------------ rename
def test_rename(bb):
    cid = create(bb, "--name", "old", "busybox")
    other = create(bb, "--name", "other", "busybox")
    bb.run("rename", "old", "new", check=True)
    assert bb.run("inspect", "-f", "{{.Name}}", cid, check=True).stdout == "/new\n"
    r = bb.run("rename", "new", "other", check=1)
    assert r.stderr == "dock: Error when allocating new name: " + CONFLICT.format(name="other", id=other) + "\n"
    r = bb.run("container", "rename", "new", "new", check=1)
    assert r.stderr == "dock: Renaming a container with the same name as its current name\n"
    r = bb.run("rename", "nope", "x2", check=1)
    assert r.stderr == "dock: No such container: nope\n"
    r = bb.run("rename", "new", "bad name", check=1)
    assert "Invalid container name (bad name)" in r.stderr
    # The old name is free again.
    create(bb, "--name", "old", "busybox")


# ------------------------------------------------------------------- prune
def test_container_prune_prompts_lists_and_totals(bb):
    a = create(bb, "busybox")
    b = create(bb, "busybox")
    r = bb.run("container", "prune", input="n\n", check=True)
    assert r.stdout == ("WARNING! This will remove all stopped containers.\n"
                        "Are you sure you want to continue? [y/N] ")
    assert len(ps_ids(bb)) == 2
    (bb.root / "containers" / a / "diff" / "f").write_bytes(b"x" * 3000)
    r = bb.run("container", "prune", input="y\n", check=True)
    lines = r.stdout.split("[y/N] ", 1)[1].splitlines()
    assert lines[0] == "Deleted Containers:" and set(lines[1:3]) == {a, b}
    assert lines[3:] == ["", "Total reclaimed space: 3kB"]
    assert ps_ids(bb) == [] and container_dirs(bb) == []
    assert bb.run("container", "prune", "-f", check=True).stdout == "Total reclaimed space: 0B\n"


# -------------------------------------------------------------------- diff
def test_diff_is_empty_for_a_fresh_container_and_lists_changes(bb):
    cid = create(bb, "--name", "dd", "busybox")
    assert bb.run("diff", "dd", check=True).stdout == ""
    upper = bb.root / "containers" / cid / "diff"
    (upper / "etc").mkdir()
    (upper / "etc" / "added").write_text("x")
    (upper / "newdir").mkdir()
    (upper / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    os.mknod(str(upper / "etc" / "group"), 0o600 | 0o020000, os.makedev(0, 0))  # a whiteout
    out = bb.run("container", "diff", cid[:8], check=True).stdout.splitlines()
    assert out == ["C /etc", "A /etc/added", "D /etc/group", "C /etc/passwd", "A /newdir"]
    assert bb.run("diff", "nope", check=1).stderr == "dock: No such container: nope\n"


# --------------------------------------------------------------------- rmi
def test_rmi_refuses_an_image_a_container_uses(bb):
    cid = create(bb, "busybox")
    image = bb.image_id("busybox").split(":")[1]
    r = bb.run("rmi", "busybox", check=1)
    assert r.stderr == (f'dock: conflict: unable to remove repository reference "busybox" (must force) - '
                        f"container {cid[:12]} is using its referenced image {image[:12]}\n")
    r = bb.run("rmi", image[:12], check=1)
    assert r.stderr == (f"dock: conflict: unable to delete {image[:12]} (must be forced) - image is being used "
                        f"by stopped container {cid[:12]}\n")
    # A second tag can go: the image keeps a name.
    bb.run("tag", "busybox", "other:1", check=True)
    assert bb.run("rmi", "other:1", check=True).stdout == "Untagged: other:1\n"
    # prune -a keeps images in use.
    bb.run("image", "prune", "-a", "-f", check=True)
    assert bb.image_id("busybox").split(":")[1] == image
    # -f untags; the image stays while the container stacks its layers.
    assert bb.run("rmi", "-f", "busybox", check=True).stdout == "Untagged: busybox:latest\n"
    assert bb.run("inspect", "-f", "{{.Image}}", cid, check=True).stdout == f"sha256:{image}\n"
    assert bb.layer_dir(image).is_dir()
    bb.run("rm", cid, check=True)
    bb.run("rmi", image, check=True)


def test_system_df_counts_containers_and_images_in_use(bb):
    cid = create(bb, "busybox")
    (bb.root / "containers" / cid / "diff" / "f").write_bytes(b"x" * 5000)
    out = bb.run("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}",
                 check=True).stdout.splitlines()
    assert out[1] == "Containers 1 0 5kB 5kB (100%)"
    assert out[0].startswith("Images 1 1 ")
    verbose = bb.run("system", "df", "-v", check=True).stdout
    images, containers = verbose.split("Containers space usage:\n\n")[0], verbose.split("Containers space usage:\n\n")[1]
    assert re.search(r"busybox\s+latest\s+[0-9a-f]{12}\s+.*\s1$", images.splitlines()[3]), images
    row = re.split(r"\s{2,}", containers.splitlines()[1])
    assert row == [cid[:12], "busybox", '"sh"', "0", "5kB", row[5], "Created", row[7]] and "ago" in row[5]


# ------------------------------------------------------------ crash safety
@pytest.mark.parametrize("point", ["container-staged", "container-files", "container-inserted",
                                   "container-dir-moved", "before-commit"])
def test_create_killed_at_any_step_leaves_nothing_the_next_command_keeps(bb, point):
    r = bb.run("create", "--name", "c1", "busybox", env={"DOCK_TEST_CRASH_AT": point})
    assert r.returncode == -9, describe(r)
    assert ps_ids(bb) == []  # this dock is alone: it cleans up
    assert container_dirs(bb) == [] and bb.tmp_entries() == []
    # The name is free and the image not held.
    cid = create(bb, "--name", "c1", "busybox")
    assert ps_ids(bb) == [cid] and container_dirs(bb) == [cid]


def test_rm_killed_after_its_commit_leaves_a_dir_the_next_command_removes(bb):
    cid = create(bb, "busybox")
    r = bb.run("rm", cid, env={"DOCK_TEST_CRASH_AT": "container-deleted"})
    assert r.returncode == -9, describe(r)
    assert ps_ids(bb) == []
    assert container_dirs(bb) == [] and bb.tmp_entries() == []
    bb.run("rmi", "busybox", check=True)


# ------------------------------------------------------------------ podman
@pytest.fixture(scope="module")
def podman(tmp_path_factory, busybox_rootfs_dir):
    from engines import Podman, build_image_archive, engine_fixture, which
    if which("podman") is None or which("conmon") is None:
        pytest.skip("podman or conmon is not installed (scripts/install-deps.sh test installs them)")
    base = tmp_path_factory.mktemp("podman-ctr")
    yield from engine_fixture(lambda: Podman(base / "engine", ["berth"]),
                              lambda e: e.load(build_image_archive(busybox_rootfs_dir, base / "image.tar")), "podman")


def test_create_ps_rename_rm_match_podman(podman, bb):
    from engines import IMAGE
    pc = podman("create", "--name", "pc1", IMAGE, "true")
    assert pc.returncode == 0, describe(pc)
    try:
        dc = create(bb, "--name", "dc1", "busybox", "true")
        # Both print a 64-hex ID.
        assert HEX64.match(pc.stdout.strip()) and HEX64.match(dc)
        # A name in use: both exit 125.
        assert podman("create", "--name", "pc1", IMAGE, "true").returncode == 125
        assert create(bb, "--name", "dc1", "busybox", "true", check=False).returncode == 125
        # ps -a: status "Created", the names as given.
        p = podman("ps", "-a", "--filter", "name=pc1", "--format", "{{.Status}} {{.Names}}").stdout
        d = bb.run("ps", "-a", "--format", "{{.Status}} {{.Names}}", check=True).stdout
        assert p == "Created pc1\n" and d == "Created dc1\n"
        # inspect: the same State members and values for a created container.
        [ps] = json.loads(podman("inspect", "pc1").stdout)
        [ds] = json.loads(bb.run("inspect", "dc1", check=True).stdout)
        for key in ("Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ExitCode"):
            assert ps["State"][key] == ds["State"][key], key
        assert ps["Path"] == ds["Path"] == "true"
        # rename, then rm by the new name.
        assert podman("rename", "pc1", "pc2").returncode == 0
        bb.run("rename", "dc1", "dc2", check=True)
        assert podman("rm", "pc2").stdout.strip() in ("pc2", pc.stdout.strip())
        assert bb.run("rm", "dc2", check=True).stdout == "dc2\n"
        # rm of a missing one: both exit 1.
        assert podman("rm", "pc2").returncode == 1
        assert bb.run("rm", "dc2").returncode == 1
    finally:
        podman("rm", "-f", "pc1")
        podman("rm", "-f", "pc2")
