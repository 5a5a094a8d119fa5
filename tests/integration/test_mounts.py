"""Mount features beyond plain mounts: idmapped binds (mounts[].uidMappings,
`idmap`, `ridmap`), `tmpcopyup`, and the sysfs fallback of a user namespace
without its own network namespace."""
import os
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import open_path_to, read_mounts

USERNS_BASE = 100000  # the container's uid/gid 0 on the host, in user namespace tests


def one_line_error(r):
    assert r.returncode == 1, r
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("berth: "), r.stderr


def mapping(container_id, host_id, size=1):
    return [{"containerID": container_id, "hostID": host_id, "size": size}]


def owned_tree(path, uid):
    """path/file, owned (like path) by uid:uid."""
    path.mkdir()
    (path / "file").write_text("data\n")
    for p in (path, path / "file"):
        os.chown(p, uid, uid)
    return path


def use_user_namespace(bundle, *mountpoints):
    """A new user namespace whose 0 is USERNS_BASE on the host.  The
    rootfs stays owned by the host's root, which the container's root
    cannot write to: mount points are made beforehand."""
    open_path_to(bundle.path)
    linux = bundle.config["linux"]
    linux["namespaces"].append({"type": "user"})
    linux["uidMappings"] = mapping(0, USERNS_BASE, 65536)
    linux["gidMappings"] = mapping(0, USERNS_BASE, 65536)
    # cgroup v1 cannot be mounted from a user namespace.
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["type"] != "cgroup"]
    for m in mountpoints:
        (bundle.rootfs / m.lstrip("/")).mkdir(parents=True, exist_ok=True)


def add_capability(bundle, cap):
    caps = bundle.process.setdefault("capabilities", {})
    for kind in ("bounding", "effective", "permitted"):
        caps.setdefault(kind, []).append(cap)


def ls_owners(r):
    """{name: "uid:gid"} from `stat -c '%n %u:%g'` lines."""
    return dict(line.split() for line in r.stdout.splitlines())


# ------------------------------------------------------------------ idmap


def test_idmap_bind_shows_files_under_the_mapped_owner(bundle, berth_root, container_id, tmp_path):
    src = owned_tree(tmp_path / "src", 1000)
    mount = bundle.add_mount("/data", source=str(src), options=["bind", "idmap"])
    mount["uidMappings"] = mount["gidMappings"] = mapping(1000, 2000)
    bundle.set_args("sh", "-c", "stat -c '%n %u:%g' /data /data/file; ls -ln /data | tail -n +2 | "
                                "awk '{print \"ls\", $3\":\"$4}'; grep -c ' /data .*idmapped' /proc/self/mountinfo")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.splitlines()
    assert lines == ["/data 2000:2000", "/data/file 2000:2000", "ls 2000:2000", "1"]
    assert (src / "file").stat().st_uid == 1000  # the host's view is unchanged


def test_idmap_writes_through_the_mapping_back_to_the_host_owner(bundle, berth_root, container_id, tmp_path):
    src = owned_tree(tmp_path / "src", 1000)
    mount = bundle.add_mount("/data", source=str(src), options=["bind", "idmap"])
    mount["uidMappings"] = mount["gidMappings"] = mapping(1000, 2000)
    bundle.process["user"] = {"uid": 2000, "gid": 2000}
    bundle.set_args("sh", "-c", "echo new > /data/made-inside && stat -c %u:%g /data/made-inside")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout == "2000:2000\n"
    st = (src / "made-inside").stat()
    assert (st.st_uid, st.st_gid) == (1000, 1000)


def test_idmap_on_a_tmpfs_source(bundle, berth_root, container_id, tmp_path):
    # tmpfs can be idmapped since Linux 6.3 (ext4, /tmp here, since 5.12).
    src = tmp_path / "tmpfs-src"
    src.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "berth-test-idmap", str(src)], check=True)
    try:
        os.chown(src, 1000, 1000)
        mount = bundle.add_mount("/data", source=str(src), options=["bind", "idmap"])
        mount["uidMappings"] = mount["gidMappings"] = mapping(1000, 3000)
        bundle.set_args("stat", "-c", "%u:%g", "/data")
        r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
        assert r.stdout == "3000:3000\n"
    finally:
        subprocess.run(["umount", "--lazy", str(src)], check=True)


def test_idmap_in_a_user_namespace_maps_host_ids_into_the_container(bundle, berth_root, container_id, tmp_path):
    src = owned_tree(tmp_path / "src", 1000)
    use_user_namespace(bundle, "/explicit", "/plain")
    # Explicit mappings: on-disk 1000 becomes host 100005, the container's 5.
    mount = bundle.add_mount("/explicit", source=str(src), options=["bind", "idmap"])
    mount["uidMappings"] = mount["gidMappings"] = mapping(1000, USERNS_BASE + 5)
    # Without idmap the file's owner is not mapped in the container at all.
    bundle.add_mount("/plain", source=str(src), options=["bind"])
    bundle.set_args("stat", "-c", "%n %u:%g", "/explicit/file", "/plain/file")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert ls_owners(r) == {"/explicit/file": "5:5", "/plain/file": "65534:65534"}


def test_idmap_without_mappings_uses_the_container_user_namespace(bundle, berth_root, container_id, tmp_path):
    src = owned_tree(tmp_path / "src", 1000)
    use_user_namespace(bundle, "/data")
    bundle.add_mount("/data", source=str(src), options=["bind", "idmap"])
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    bundle.set_args("sh", "-c", "stat -c '%n %u:%g' /data/file; echo x > /data/new && stat -c '%n %u:%g' /data/new")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    # The container sees the on-disk ids, and its 1000 (the host's 101000)
    # writes as the on-disk 1000.
    assert ls_owners(r) == {"/data/file": "1000:1000", "/data/new": "1000:1000"}
    st = (src / "new").stat()
    assert (st.st_uid, st.st_gid) == (1000, 1000)


@pytest.fixture
def src_with_submount(tmp_path):
    """src (owned by 1000) with a tmpfs mounted at src/sub (owned by 1000)."""
    src = owned_tree(tmp_path / "src", 1000)
    sub = src / "sub"
    sub.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "berth-test-ridmap", str(sub)], check=True)
    try:
        os.chown(sub, 1000, 1000)
        yield src
    finally:
        subprocess.run(["umount", "--lazy", str(sub)], check=True)


@pytest.mark.parametrize("option,sub_owner", [("idmap", "1000:1000"), ("ridmap", "2000:2000")])
def test_ridmap_maps_submounts_and_idmap_only_the_top(bundle, berth_root, container_id, src_with_submount, option,
                                                        sub_owner):
    mount = bundle.add_mount("/data", source=str(src_with_submount), options=["rbind", option])
    mount["uidMappings"] = mount["gidMappings"] = mapping(1000, 2000)
    bundle.set_args("stat", "-c", "%n %u:%g", "/data", "/data/sub")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert ls_owners(r) == {"/data": "2000:2000", "/data/sub": sub_owner}


def test_relative_idmap_source_is_taken_from_the_bundle(bundle, berth_root, container_id):
    owned_tree(bundle.path / "shared", 1000)
    mount = bundle.add_mount("/data", source="shared", options=["bind", "idmap"])
    mount["uidMappings"] = mount["gidMappings"] = mapping(1000, 2000)
    bundle.set_args("stat", "-c", "%u", "/data/file")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout == "2000\n"


IDMAP_ERRORS = {
    "no-mappings-no-userns": (["bind", "idmap"], None, "the container has no user namespace"),
    "uid-without-gid": (["bind", "idmap"], {"uidMappings": mapping(1000, 2000)}, "go together"),
    "not-a-bind": (["idmap"], "tmpfs", "bind mounts only"),
    # sysfs cannot be idmapped: the kernel says EINVAL.
    "filesystem-refuses": (["bind", "idmap"], "sysfs", "does not support idmapped mounts"),
}


@pytest.mark.parametrize("case", sorted(IDMAP_ERRORS))
def test_idmap_errors_name_the_mount_and_leave_nothing(bundle, berth_root, container_id, tmp_path, case):
    options, extra, message = IDMAP_ERRORS[case]
    src = owned_tree(tmp_path / "src", 1000)
    mount = bundle.add_mount("/data", source=str(src), options=options)
    if extra == "tmpfs":
        mount.update(type="tmpfs", source="tmpfs")
    elif extra == "sysfs":
        mount["source"] = "/sys/kernel"
    elif extra:
        mount.update(extra)
    if case in ("not-a-bind", "filesystem-refuses"):
        mount["uidMappings"] = mount["gidMappings"] = mapping(1000, 2000)
    index = len(bundle.config["mounts"]) - 1
    bundle.write_config()
    before = read_mounts()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    one_line_error(r)
    assert f"mounts[{index}] `/data`" in r.stderr and message in r.stderr
    assert not (berth_root.path / container_id).exists()
    assert read_mounts() == before


# ------------------------------------------------------------------ tmpcopyup


def make_copyup_source(rootfs, outside):
    """rootfs/etc/app: a file (mode 640, owner 12:34, an old mtime), a setgid
    directory, a fifo, and symlinks, one absolute to a host directory."""
    app = rootfs / "etc" / "app"
    (app / "sub" / "deeper").mkdir(parents=True)
    (app / "conf").write_text("from the image\n")
    os.chmod(app / "conf", 0o640)
    os.chown(app / "conf", 12, 34)
    os.utime(app / "conf", (978307200, 978307200))  # 2001-01-01
    (app / "sub" / "deeper" / "leaf").write_text("leaf\n")
    os.chmod(app / "sub", 0o2751)
    os.mkfifo(app / "fifo", 0o600)
    (app / "to-host").symlink_to(outside)
    (app / "relative").symlink_to("sub/deeper/leaf")
    return app


def test_tmpcopyup_fills_the_tmpfs_with_what_it_hides(bundle, berth_root, container_id, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("host only\n")
    app = make_copyup_source(bundle.rootfs, outside)
    bundle.add_mount("/etc/app", type="tmpfs", source="tmpfs", options=["tmpcopyup", "size=1m", "mode=755"])
    add_capability(bundle, "CAP_DAC_OVERRIDE")  # conf is 0640, owned by 12
    bundle.set_args("sh", "-c",
                    "cd /etc/app; stat -c '%n %f %u:%g %Y' conf sub sub/deeper/leaf fifo; "
                    "readlink to-host; readlink relative; cat conf relative; "
                    "ls to-host/ 2>/dev/null | wc -l; "
                    "echo changed > conf; cat conf; grep -c ' /etc/app .* - tmpfs tmpfs ' /proc/self/mountinfo")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.splitlines()
    leaf_mtime = int((app / "sub" / "deeper" / "leaf").stat().st_mtime)
    assert lines[:4] == [
        f"conf {stat.S_IFREG | 0o640:x} 12:34 978307200",
        f"sub {stat.S_IFDIR | 0o2751:x} 0:0 {int((app / 'sub').stat().st_mtime)}",
        f"sub/deeper/leaf {stat.S_IFREG | 0o644:x} 0:0 {leaf_mtime}",
        f"fifo {stat.S_IFIFO | 0o600:x} 0:0 {int((app / 'fifo').stat().st_mtime)}",
    ]
    # Links are copied as links, never followed: the host directory's
    # content did not come along, and inside the link leads nowhere.
    assert lines[4:6] == [str(outside), "sub/deeper/leaf"]
    assert lines[6:8] == ["from the image", "leaf"]
    assert lines[8] == "0"
    assert lines[9:] == ["changed", "1"]
    assert (app / "conf").read_text() == "from the image\n"  # writes went to the tmpfs


def test_tmpcopyup_through_a_symlinked_destination_stays_in_the_rootfs(bundle, berth_root, container_id, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("host only\n")
    # The destination is an absolute link to a host directory: it resolves
    # inside the rootfs, where that path does not exist yet.
    (bundle.rootfs / "cache").symlink_to(outside)
    bundle.add_mount("/cache", type="tmpfs", source="tmpfs", options=["tmpcopyup"])
    bundle.set_args("sh", "-c", "ls -A /cache | wc -l")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout == "0\n"
    assert (bundle.rootfs / str(outside).lstrip("/")).is_dir()


def test_tmpcopyup_read_only_tmpfs_is_filled_then_read_only(bundle, berth_root, container_id, tmp_path):
    make_copyup_source(bundle.rootfs, tmp_path)
    bundle.add_mount("/etc/app", type="tmpfs", source="tmpfs", options=["tmpcopyup", "ro", "nosuid"])
    bundle.set_args("sh", "-c", "cat /etc/app/relative; touch /etc/app/x 2>/dev/null && echo writable || echo ro; "
                                "grep ' /etc/app ' /proc/self/mountinfo | cut -d' ' -f6")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.splitlines() == ["leaf", "ro", "ro,nosuid,relatime"]


def test_tmpcopyup_in_a_user_namespace(bundle, berth_root, container_id, tmp_path):
    app = make_copyup_source(bundle.rootfs, tmp_path)
    for p in [app, *app.rglob("*")]:
        os.lchown(p, USERNS_BASE, USERNS_BASE)
    os.chown(app / "conf", USERNS_BASE + 12, USERNS_BASE + 34)
    (app / "unmapped").write_text("readable by all\n")  # owned by the host's root
    use_user_namespace(bundle)
    bundle.add_mount("/etc/app", type="tmpfs", source="tmpfs", options=["tmpcopyup"])
    bundle.set_args("stat", "-c", "%n %u:%g", "/etc/app/conf", "/etc/app/sub/deeper/leaf", "/etc/app/unmapped")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    # Owners are kept as the container sees them.  The host's root is not
    # mapped: the container sees the overflow id, which is one of its own
    # here, so the copy belongs to it.
    assert ls_owners(r) == {"/etc/app/conf": "12:34", "/etc/app/sub/deeper/leaf": "0:0",
                            "/etc/app/unmapped": "65534:65534"}


def test_tmpcopyup_on_something_else_than_tmpfs_is_an_error(bundle, berth_root, container_id):
    bundle.add_mount("/etc/app", type="proc", source="proc", options=["tmpcopyup"])
    bundle.write_config()
    r = berth_root.run("create", "--bundle", bundle, container_id)
    one_line_error(r)
    assert "tmpcopyup needs a tmpfs" in r.stderr
    assert not (berth_root.path / container_id).exists()


# ------------------------------------------------------------------ sysfs


def test_sysfs_in_a_user_namespace_without_network_namespace_binds_the_hosts(bundle, berth_root, container_id):
    use_user_namespace(bundle)
    linux = bundle.config["linux"]
    linux["namespaces"] = [n for n in linux["namespaces"] if n["type"] != "network"]
    bundle.set_args("sh", "-c", "awk '$5 == \"/sys\" {print $6, $9}' /proc/self/mountinfo; "
                                "echo x > /sys/kernel/uevent_helper 2>/dev/null && echo writable || echo ro; "
                                "awk '$5 ~ /^\\/sys\\/fs\\/cgroup\\// && $6 !~ /^ro,/' /proc/self/mountinfo | wc -l; "
                                "ls /sys/class/net")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.splitlines()
    opts, fstype = lines[0].split()
    assert fstype == "sysfs" and {"ro", "nosuid", "nodev", "noexec"} <= set(opts.split(","))
    assert lines[1] == "ro"
    assert lines[2] == "0"  # what lies below /sys came along read-only too
    assert sorted(lines[3:]) == sorted(os.listdir("/sys/class/net"))  # the host's network devices


def test_sysfs_in_a_user_namespace_with_a_network_namespace_is_a_new_instance(bundle, berth_root, container_id):
    use_user_namespace(bundle)
    bundle.set_args("sh", "-c", "grep -c ' /sys/fs/cgroup' /proc/self/mountinfo; ls /sys/class/net")
    r = berth_root.run("run", "--bundle", bundle, container_id)
    # A fresh sysfs: nothing of the host's below it, and only this
    # namespace's loopback device.
    assert r.stdout.splitlines() == ["0", "lo"]


# ------------------------------------------------------------------ cgroup mounts

# Inside the container: its memory and pids limits (v1 or v2 layout), then
# the root (field 4) of every cgroup mount below /sys/fs/cgroup.
CGROUP_VIEW = ("if [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then "
               "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; "
               "else cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; fi; "
               "awk '$5 ~ /^\\/sys\\/fs\\/cgroup/ && $9 ~ /^cgroup/ {print $4}' /proc/self/mountinfo")


def cgroup_view(bundle, berth_root, container_id, cgroupns, userns=False):
    """(limits, cgroup mount roots) seen by a container with a 32 MiB / 20
    pids limit, with or without a cgroup namespace of its own."""
    if userns:
        use_user_namespace(bundle)
        bundle.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                                        "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
    linux = bundle.config["linux"]
    linux["namespaces"] = [n for n in linux["namespaces"] if n["type"] != "cgroup"]
    if cgroupns:
        linux["namespaces"].append({"type": "cgroup"})
    linux["resources"] = {"memory": {"limit": 32 << 20}, "pids": {"limit": 20}}
    bundle.set_args("sh", "-c", CGROUP_VIEW)
    r = berth_root.run("run", "--bundle", bundle, container_id)
    assert r.returncode == 0, r
    lines = r.stdout.split()
    return lines[:2], set(lines[2:])


@pytest.mark.cgroups
def test_cgroup_mount_without_a_cgroup_namespace_binds_the_containers_own_cgroup(bundle, berth_root, container_id):
    # A new cgroup mount would show the host's hierarchy roots (runc binds too).
    limits, roots = cgroup_view(bundle, berth_root, container_id, cgroupns=False)
    assert limits == [str(32 << 20), "20"]
    assert roots and all(r.endswith(f"/{container_id}") for r in roots), roots


@pytest.mark.cgroups
def test_cgroup_mount_in_a_user_namespace_without_a_cgroup_namespace_works(bundle, berth_root, container_id):
    # podman --uidmap on cgroup v1: a cgroup v1 mount is refused there.
    limits, roots = cgroup_view(bundle, berth_root, container_id, cgroupns=False, userns=True)
    assert limits == [str(32 << 20), "20"]
    assert roots and all(r.endswith(f"/{container_id}") for r in roots), roots


@pytest.mark.cgroups
def test_cgroup_mount_in_a_cgroup_namespace_is_rooted_at_the_container(bundle, berth_root, container_id):
    limits, roots = cgroup_view(bundle, berth_root, container_id, cgroupns=True)
    assert limits == [str(32 << 20), "20"]
    assert roots == {"/"}
