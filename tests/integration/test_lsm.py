"""AppArmor profiles and SELinux labels: applied when berth has the LSM
compiled in and the host has it enabled, a clear error naming the field
otherwise, checked before anything exists.  Tests of the applied labels
skip on a host without the LSM and say which one is missing."""
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, read_mounts
from probe_helper import install_probe, probe_binary, probe_results  # noqa: F401 (fixture)

APPARMOR_FS = Path("/sys/kernel/security/apparmor")
SELINUX_FS = Path("/sys/fs/selinux")
A_CONTEXT = "system_u:system_r:container_t:s0:c1,c2"


def apparmor_enabled():
    flag = Path("/sys/module/apparmor/parameters/enabled")
    return flag.exists() and flag.read_text().strip() == "Y" and APPARMOR_FS.is_dir()


def selinux_enabled():
    return (SELINUX_FS / "enforce").exists()


def built_with(feature):
    version = subprocess.run([BERTH, "--version"], capture_output=True, text=True, check=True).stdout
    return f"+{feature}" in version.split()


needs_apparmor = pytest.mark.skipif(
    not apparmor_enabled(), reason=f"AppArmor is not enabled on this host ({APPARMOR_FS} is missing)")
needs_selinux = pytest.mark.skipif(
    not selinux_enabled(), reason=f"SELinux is not enabled on this host ({SELINUX_FS} is missing)")


def unavailable(lsm, feature, enabled):
    """What berth says for a profile or label of an LSM it cannot use."""
    if not built_with(feature):
        return f"berth was built without {lsm} support"
    if enabled():
        pytest.skip(f"{lsm} is enabled on this host: the error for a host without it cannot happen here")
    return f"{lsm} is not enabled on this host"


def refused_and_gone(root, bundle, cid, message):
    before = read_mounts()
    r = root.run("create", "--bundle", bundle, cid)
    assert r.returncode == 1 and r.stdout == "", r
    # Refused by the checks of the configuration: runc's phrase first.
    assert r.stderr == f"berth: create: invalid configuration: {message}\n"
    assert not (root.path / cid).exists()
    assert root.container_ids() == []
    assert read_mounts() == before


# ------------------------------------------------------------------ without the LSM


def test_apparmor_profile_without_apparmor_names_the_field(bundle, berth_root, container_id):
    why = unavailable("AppArmor", "APPARMOR", apparmor_enabled)
    bundle.process["apparmorProfile"] = "unconfined"
    bundle.write_config()
    refused_and_gone(berth_root, bundle, container_id, f"process.apparmorProfile: {why}")


def test_selinux_label_without_selinux_names_the_field(bundle, berth_root, container_id):
    why = unavailable("SELinux", "SELINUX", selinux_enabled)
    bundle.process["selinuxLabel"] = A_CONTEXT
    bundle.write_config()
    refused_and_gone(berth_root, bundle, container_id, f"process.selinuxLabel: {why}")


# linux.mountLabel without SELinux is ignored (as runc and crun do): see
# test_rootfs_safety.py::test_mount_label_without_selinux_is_ignored_with_a_debug_line.


def test_empty_profile_and_label_mean_none(bundle, berth_root, container_id):
    bundle.process["apparmorProfile"] = ""
    bundle.process["selinuxLabel"] = ""
    bundle.config["linux"]["mountLabel"] = ""
    bundle.set_args("true")
    berth_root.run("run", "--bundle", bundle, container_id, check=True)


# ------------------------------------------------------------------ malformed, on any host


@pytest.mark.parametrize("label,shown", [
    ("container_t", "container_t"),
    ("system_u:system_r", "system_u:system_r"),
    ("system_u::container_t", "system_u::container_t"),
    (":system_r:container_t", ":system_r:container_t"),
    ("system_u:system_r:container_t:", "system_u:system_r:container_t:"),
    ("system_u:system_r:container_t:s0 c1", "system_u:system_r:container_t:s0 c1"),
    ("system_u:system_r:container_t\n", "system_u:system_r:container_t\\x0a"),
], ids=["type-only", "no-type", "empty-role", "empty-user", "empty-level", "space", "newline"])
@pytest.mark.parametrize("field", ["process.selinuxLabel", "linux.mountLabel"])
def test_malformed_selinux_label_is_refused_naming_the_field(bundle, berth_root, container_id, label, shown, field):
    section, key = field.split(".")
    bundle.config[section][key] = label
    bundle.write_config()
    refused_and_gone(berth_root, bundle, container_id,
                     f"{field}: `{shown}` is not an SELinux context (user:role:type[:level])")


@pytest.mark.parametrize("profile,shown", [
    ("bad\nname", "bad\\x0aname"),
    (" leading", " leading"),
    ("trailing\t", "trailing\\x09"),
    ("nul-ish\x7f", "nul-ish\\x7f"),
], ids=["newline", "leading-space", "trailing-tab", "del"])
def test_invalid_apparmor_profile_name_is_refused_naming_the_field(bundle, berth_root, container_id, profile, shown):
    bundle.process["apparmorProfile"] = profile
    bundle.write_config()
    refused_and_gone(berth_root, bundle, container_id,
                     f"process.apparmorProfile: `{shown}` is not a valid AppArmor profile name")


@pytest.fixture
def running(bundle, berth_root, container_id):
    bundle.set_args("sleep", "1000")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    return container_id


def exec_refused(root, cid, args, message):
    command = [] if "--process" in args else ["true"]
    r = root.run("exec", *args, cid, *command)
    assert (r.returncode, r.stdout, r.stderr) == (255, "", f"berth: exec: {message}\n")  # runc: 255


def test_exec_labels_are_checked_and_named_as_given(berth_root, running, tmp_path):
    exec_refused(berth_root, running, ["--process-label", "bogus"],
                 "--process-label: `bogus` is not an SELinux context (user:role:type[:level])")
    exec_refused(berth_root, running, ["--apparmor", "two\nlines"],
                 "--apparmor: `two\\x0alines` is not a valid AppArmor profile name")
    process = tmp_path / "process.json"
    process.write_text(json.dumps({"args": ["true"], "cwd": "/", "selinuxLabel": "a:b"}))
    exec_refused(berth_root, running, ["--process", process],
                 "--process: selinuxLabel: `a:b` is not an SELinux context (user:role:type[:level])")
    if built_with("APPARMOR") and not apparmor_enabled():
        exec_refused(berth_root, running, ["--apparmor", "unconfined"],
                     "--apparmor: AppArmor is not enabled on this host")
    if built_with("SELINUX") and not selinux_enabled():
        exec_refused(berth_root, running, ["--process-label", A_CONTEXT],
                     "--process-label: SELinux is not enabled on this host")


# ------------------------------------------------------------------ AppArmor on


# The label as AppArmor shows it, on kernels with and without LSM stacking.
APPARMOR_CURRENT = "cat /proc/self/attr/apparmor/current 2>/dev/null || cat /proc/self/attr/current"


@needs_apparmor
def test_apparmor_unconfined_profile_is_applied(bundle, berth_root, container_id):
    bundle.process["apparmorProfile"] = "unconfined"
    bundle.set_args("sh", "-c", APPARMOR_CURRENT)
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    assert r.stdout.strip().rstrip("\0") == "unconfined"


@pytest.fixture
def loaded_profile(tmp_path):
    """A permissive profile of our own, loaded for the test."""
    parser = shutil.which("apparmor_parser")
    if parser is None:
        pytest.skip("apparmor_parser is not installed: no profile of ours can be loaded")
    name = f"berth-test-{uuid.uuid4().hex[:8]}"
    path = tmp_path / name
    path.write_text(f"profile {name} flags=(attach_disconnected,mediate_deleted) {{\n"
                    "  file,\n  capability,\n  network,\n  signal,\n  unix,\n  ptrace,\n  mount,\n"
                    "  umount,\n  pivot_root,\n}\n")
    subprocess.run([parser, "-r", str(path)], check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run([parser, "-R", str(path)], capture_output=True)


@needs_apparmor
def test_apparmor_profile_confines_the_process_and_exec(bundle, berth_root, container_id, loaded_profile):
    bundle.process["apparmorProfile"] = loaded_profile
    bundle.set_args("sleep", "1000")
    berth_root.run("run", "--detach", "--bundle", bundle, container_id, check=True)
    pid = json.loads(berth_root.run("state", container_id, check=True).stdout)["pid"]
    assert Path(f"/proc/{pid}/attr/current").read_text().strip("\0\n") == f"{loaded_profile} (enforce)"
    r = berth_root.run("exec", container_id, "sh", "-c", APPARMOR_CURRENT, check=True)
    assert r.stdout.strip().rstrip("\0") == f"{loaded_profile} (enforce)"
    r = berth_root.run("exec", "--apparmor", "unconfined", container_id, "sh", "-c", APPARMOR_CURRENT,
                       check=True)
    assert r.stdout.strip().rstrip("\0") == "unconfined"


@needs_apparmor
def test_apparmor_profile_not_loaded_is_refused(bundle, berth_root, container_id):
    bundle.process["apparmorProfile"] = f"berth-never-loaded-{uuid.uuid4().hex[:8]}"
    bundle.write_config()
    refused_and_gone(berth_root, bundle, container_id,
                     f"process.apparmorProfile: AppArmor profile `{bundle.process['apparmorProfile']}` is not loaded")


# ------------------------------------------------------------------ SELinux on


def own_context():
    return Path("/proc/self/attr/current").read_text().strip("\0\n")


@needs_selinux
def test_selinux_label_applies_to_the_process_its_keyring_and_exec(bundle, berth_root, container_id, probe_binary):
    label = own_context()  # a transition to ourselves is always allowed
    install_probe(bundle, probe_binary)
    bundle.process["selinuxLabel"] = label
    bundle.set_args("sh", "-c", "cat /proc/self/attr/current; echo; probe keyring-label")
    r = berth_root.run("run", "--bundle", bundle, container_id, check=True)
    lines = r.stdout.splitlines()
    assert lines[0].rstrip("\0") == label
    assert probe_results(r.stdout)["keyring-label"] > 0
    assert f"keyring-label-text {label}" in lines


@needs_selinux
def test_mount_label_is_the_context_of_new_tmpfs_mounts(bundle, berth_root, container_id):
    label = os.getxattr("/dev/shm", "security.selinux").decode().strip("\0")
    bundle.config["linux"]["mountLabel"] = label
    bundle.add_mount("/scratch", type="tmpfs", source="tmpfs", options=["size=1m"])
    bundle.set_args("sleep", "1000")
    berth_root.run("create", "--bundle", bundle, container_id, check=True)
    pid = json.loads(berth_root.run("state", container_id, check=True).stdout)["pid"]
    got = os.getxattr(f"/proc/{pid}/root/scratch", "security.selinux").decode().strip("\0")
    assert got == label


@needs_selinux
def test_selinux_context_unknown_to_the_policy_is_refused(bundle, berth_root, container_id):
    bundle.process["selinuxLabel"] = "nosuchuser_u:nosuchrole_r:nosuchtype_t:s0"
    bundle.write_config()
    refused_and_gone(berth_root, bundle, container_id, "process.selinuxLabel: `nosuchuser_u:nosuchrole_r:"
                     "nosuchtype_t:s0` is not a valid context in the loaded SELinux policy")
