"""The cgroup v2 host that `make check-cgroupv2` boots (tests/vm/run.sh), and
berth on it.  Skipped on other hosts (see the cgroupv2 marker in conftest.py)."""

import pytest

from conftest import mount_fstype

pytestmark = pytest.mark.cgroupv2

# What Debian's kernel offers on a unified host; tests/vm/init enables all
# of them for the root's children, as systemd does.
EXPECTED_CONTROLLERS = {"cpuset", "cpu", "io", "memory", "hugetlb", "pids"}

CGROUP2_SUPER_MAGIC = 0x63677270


def test_host_cgroup_mount_is_cgroup2_with_the_usual_controllers(cgroup2_root):
    assert mount_fstype(str(cgroup2_root)) == "cgroup2"
    available = set((cgroup2_root / "cgroup.controllers").read_text().split())
    assert EXPECTED_CONTROLLERS <= available
    enabled = set((cgroup2_root / "cgroup.subtree_control").read_text().split())
    assert EXPECTED_CONTROLLERS <= enabled


def test_host_processes_belong_to_the_unified_hierarchy_only(cgroup2_root):
    with open("/proc/self/cgroup") as f:
        lines = f.read().splitlines()
    assert len(lines) == 1 and lines[0].startswith("0::"), lines


def test_container_sees_a_readonly_cgroup2_mount_on_a_v2_host(cgroup2_root, berth_root, bundle, container_id):
    # busybox's stat has no name for cgroup2's magic: ask for the number.
    bundle.set_args("/bin/sh", "-c", "stat -f -c %t /sys/fs/cgroup && grep ' /sys/fs/cgroup ' /proc/self/mountinfo")
    result = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    magic, mountinfo = result.stdout.splitlines()
    assert int(magic, 16) == CGROUP2_SUPER_MAGIC
    fields, _, rest = mountinfo.partition(" - ")
    assert rest.split(" ")[0] == "cgroup2"
    assert "ro" in fields.split(" ")[5].split(",")

