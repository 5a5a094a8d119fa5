"""berth's command line: version, help, usage errors, spec, features, logging.

These tests need no container: they check what berth prints and writes."""

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest

RUNC_COMMANDS = [
    "checkpoint", "create", "delete", "events", "exec", "features", "kill", "list",
    "pause", "ps", "restore", "resume", "run", "spec", "start", "state", "update",
]

# The options each command's --help must show (runc's names).
CREATE_OPTIONS = ["--bundle", "--console-socket", "--pid-file", "--no-pivot", "--no-new-keyring", "--preserve-fds"]
COMMAND_OPTIONS = {
    "checkpoint": ["--image-path", "--work-path", "--leave-running", "--tcp-established", "--file-locks"],
    "create": CREATE_OPTIONS,
    "delete": ["--force"],
    "events": ["--stats", "--interval"],
    "exec": ["--process", "--cwd", "--env", "--user", "--additional-gids", "--cap", "--no-new-privs",
             "--apparmor", "--process-label", "--tty", "--console-socket", "--detach", "--pid-file",
             "--preserve-fds", "--cgroup"],
    "features": [],
    "kill": ["--all"],
    "list": ["--format", "--quiet"],
    "pause": [],
    "ps": ["--format"],
    "restore": ["--image-path", "--work-path", "--bundle", "--detach", "--pid-file"],
    "resume": [],
    "run": CREATE_OPTIONS + ["--detach", "--keep"],
    "spec": ["--bundle", "--rootless"],
    "start": [],
    "state": [],
    "update": ["--resources", "--memory", "--memory-swap", "--cpu-shares", "--cpu-quota", "--cpu-period",
               "--cpuset-cpus", "--cpuset-mems", "--pids-limit", "--blkio-weight"],
}
GLOBAL_OPTIONS = ["--root", "--log", "--log-format", "--systemd-cgroup", "--debug", "--rootless",
                  "--help", "--version"]

SCHEMA_DIR = Path("/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema")

HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
NAMESPACE_TYPES = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"}
SPEC_MOUNT_DESTINATIONS = ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]


def configure_ac_version(srcdir):
    text = (srcdir / "configure.ac").read_text()
    m = re.search(r"AC_INIT\(\s*\[?[^],]+\]?\s*,\s*\[?([^],)]+)\]?", text)
    assert m, "no AC_INIT version in configure.ac"
    return m.group(1).strip()


def assert_one_error_line(result, rc):
    """The shape of every berth error: exit status rc, nothing on stdout and a
    single `berth: ...` line on stderr."""
    assert result.returncode == rc, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert result.stderr.endswith("\n")
    assert lines[0].startswith("berth: "), lines[0]
    assert len(lines[0]) > len("berth: ")
    assert result.stdout == ""
    return lines[0]


def version_tuple(v):
    return tuple(int(x) for x in re.match(r"(\d+)\.(\d+)\.(\d+)", v).groups())


# --------------------------------------------------------------------------
# --version


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version_prints_the_configure_ac_version_first(berth, srcdir, flag):
    r = berth(flag, check=0)
    assert r.stderr == ""
    assert r.stdout.splitlines()[0] == f"berth version {configure_ac_version(srcdir)}"


def test_version_names_runtime_spec_1_3_0_commit_and_libseccomp(berth):
    lines = berth("--version", check=0).stdout.splitlines()
    assert "spec: 1.3.0" in lines
    commit = [x for x in lines if x.startswith("commit: ")]
    assert len(commit) == 1 and commit[0] != "commit: "
    assert any(re.fullmatch(r"libseccomp: \d+\.\d+\.\d+", x) for x in lines), lines


def test_version_ends_with_a_build_features_line(berth):
    last = berth("--version", check=0).stdout.splitlines()[-1]
    tokens = last.split()
    assert tokens and all(re.fullmatch(r"[+-][A-Z0-9_]+", t) for t in tokens), last
    names = {t[1:] for t in tokens}
    assert {"SECCOMP", "CAP", "SELINUX", "APPARMOR", "YAJL"} <= names
    # berth cannot be built without libseccomp and yajl
    assert "+SECCOMP" in tokens and "+YAJL" in tokens


# --------------------------------------------------------------------------
# --help


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_runc_command_and_global_option(berth, flag):
    r = berth(flag, check=0)
    assert r.stderr == ""
    assert r.stdout.startswith("NAME:\n   berth - ")
    for section in ["USAGE:", "VERSION:", "COMMANDS:", "GLOBAL OPTIONS:"]:
        assert f"\n{section}\n" in r.stdout, section
    listed = set(re.findall(r"^   ([a-z]+)[ ,]", r.stdout, re.M))
    assert set(RUNC_COMMANDS) <= listed, sorted(set(RUNC_COMMANDS) - listed)
    for option in GLOBAL_OPTIONS:
        assert re.search(rf"{option}\b", r.stdout), option


def test_no_command_prints_the_help_on_stdout_and_succeeds_like_runc(berth):
    r = berth(check=0)
    assert r.stderr == ""
    assert r.stdout == berth("--help", check=0).stdout


@pytest.mark.parametrize("cmd", RUNC_COMMANDS)
def test_command_help_exits_0_and_shows_its_options(berth, cmd, tmp_path):
    r = berth(cmd, "--help", check=0, cwd=tmp_path)
    assert r.stderr == ""
    assert r.stdout.startswith(f"NAME:\n   berth {cmd} - ")
    assert f"\nUSAGE:\n   berth {cmd} [command options]" in r.stdout
    shown = set(re.findall(r"--[a-z][a-z-]*", r.stdout))
    missing = [o for o in COMMAND_OPTIONS[cmd] + ["--help"] if o not in shown]
    assert not missing, f"{cmd} --help does not show {missing}\n{r.stdout}"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("cmd", ["create", "kill", "spec"])
def test_short_h_and_help_command_match_command_help(berth, cmd):
    long = berth(cmd, "--help", check=0).stdout
    assert berth(cmd, "-h", check=0).stdout == long
    assert berth("help", cmd, check=0).stdout == long


# --------------------------------------------------------------------------
# usage errors

USAGE_ERRORS = {
    "unknown-global-flag": (["--bogus", "features"], "--bogus"),
    "unknown-global-short-flag": (["-x", "features"], "-x"),
    "unknown-command-flag": (["spec", "--bogus"], "--bogus"),
    "unknown-command-short-flag": (["spec", "-x"], "-x"),
    "unknown-flag-of-create": (["create", "--bogus", "c1"], "--bogus"),
    "missing-command-option-value": (["spec", "--bundle"], "--bundle"),
    "missing-global-option-value": (["--root"], "--root"),
    "missing-log-format-value": (["features", "--log-format"], "--log-format"),
    "missing-id-delete": (["delete"], "ID"),
    "missing-id-create": (["create"], "ID"),
    "missing-id-start": (["start"], "ID"),
    "missing-id-state": (["state"], "ID"),
    "missing-id-kill": (["kill"], "ID"),
    "missing-id-exec": (["exec"], "ID"),
    "too-many-positionals": (["state", "c1", "c2"], "ID"),
    "arguments-to-features": (["features", "extra"], "features"),
    "arguments-to-spec": (["spec", "extra"], "spec"),
    "bogus-log-format": (["--log-format", "bogus", "features"], "bogus"),
}


@pytest.mark.parametrize("args,mentions", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_error_is_one_line_exit_2_and_writes_nothing(berth, berth_root, tmp_path, args, mentions):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    line = assert_one_error_line(berth(*args, root=berth_root, cwd=cwd), 2)
    assert mentions in line
    assert os.listdir(cwd) == []
    assert os.listdir(berth_root) == []


@pytest.mark.parametrize("args", [["frobnicate"], ["help", "frobnicate"]], ids=["command", "help"])
def test_unknown_command_says_no_help_topic_and_exits_3_like_runc(berth, berth_root, args):
    r = berth(*args, root=berth_root)
    assert (r.returncode, r.stdout, r.stderr) == (3, "", "berth: No help topic for 'frobnicate'\n")
    theirs = subprocess.run(["runc", *args], capture_output=True, text=True)
    assert theirs.returncode == 3 and "No help topic for 'frobnicate'" in theirs.stderr


def test_command_help_has_runcs_sections_and_option_layout(berth):
    ours = berth("kill", "-h", check=0).stdout.splitlines()
    theirs = subprocess.run(["runc", "kill", "-h"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert ours[0] == theirs[0] == "NAME:"
    assert [x for x in ours if x.endswith(":") and not x.startswith(" ")] == ["NAME:", "USAGE:", "OPTIONS:"]
    assert "   berth kill [command options] ID [SIGNAL]" in ours
    assert any(re.fullmatch(r"   --all, -a  +send .*", x) for x in ours), ours
    assert any(re.fullmatch(r"   --all, -a  +send .*", x) for x in theirs)
    assert ours[-1] == theirs[-1] == "   "


def test_version_first_line_is_runc_style_naming_berth(berth):
    ours = berth("-v", check=0).stdout.splitlines()
    theirs = subprocess.run(["runc", "-v"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert re.fullmatch(r"runc version \S+", theirs[0]) and re.fullmatch(r"berth version \S+", ours[0])
    assert [x.split(":")[0] for x in ours[1:4]] == ["commit", "spec", "libseccomp"]
    assert {"commit", "spec", "libseccomp"} <= {x.split(":")[0] for x in theirs[1:]}


def test_man_page_option_lists_are_those_generated_from_the_command_table(berth, srcdir):
    page = (srcdir / "docs" / "berth.8.md").read_text()
    r = berth("--help-man", input=page, check=0)
    assert r.stderr == ""
    assert r.stdout == page, "docs/berth.8.md differs from the command table: run\n" \
        "  ./berth --help-man < docs/berth.8.md > x && mv x docs/berth.8.md"
    for cmd in RUNC_COMMANDS:
        assert f"\n### {cmd}" in page, cmd


def test_man_page_generator_refuses_a_page_missing_a_command(berth, srcdir):
    page = (srcdir / "docs" / "berth.8.md").read_text()
    start = page.index("<!-- generated: options kill -->")
    end = page.index("<!-- end generated -->", start) + len("<!-- end generated -->")
    r = berth("--help-man", input=page[:start] + page[end:], check=1)
    assert r.stderr == "berth: --help-man: command `kill` has no options block\n"


# --------------------------------------------------------------------------
# spec


def load_schema_validator():
    """A Draft-4 validator for config-schema.json of Debian's
    golang-github-opencontainers-specs-dev, its relative $refs (defs.json,
    ...) resolved from the files next to it."""
    jsonschema = pytest.importorskip("jsonschema")
    schema_file = SCHEMA_DIR / "config-schema.json"
    if not schema_file.exists():
        pytest.skip(f"{schema_file} missing: apt-get install golang-github-opencontainers-specs-dev")
    schema = json.loads(schema_file.read_text())
    base_uri = SCHEMA_DIR.as_uri() + "/"
    # Preload every schema file so that resolving never reaches for a URL.
    store = {(SCHEMA_DIR / f).as_uri(): json.loads((SCHEMA_DIR / f).read_text())
             for f in os.listdir(SCHEMA_DIR) if f.endswith(".json")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver, jsonschema >= 4.18
        resolver = jsonschema.RefResolver(base_uri=base_uri, referrer=schema, store=store)
        return jsonschema.Draft4Validator(schema, resolver=resolver)


def schema_errors(validator, config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(config)]


def spec_config(berth, directory, *flags):
    directory.mkdir(exist_ok=True)
    r = berth("spec", "--bundle", directory, *flags, check=0)
    assert r.stdout == "" and r.stderr == ""
    return json.loads((directory / "config.json").read_text())


@pytest.mark.parametrize("flags", [[], ["--rootless"]], ids=["default", "rootless"])
def test_spec_config_validates_against_runtime_spec_schema(berth, tmp_path, flags):
    validator = load_schema_validator()
    config = spec_config(berth, tmp_path / "b", *flags)
    assert schema_errors(validator, config) == []
    # and the validator is not vacuous: it catches a broken config
    config["root"]["path"] = 5
    config["mounts"][0].pop("destination")
    assert len(schema_errors(validator, config)) >= 2


def test_spec_default_content_matches_runc(berth, tmp_path):
    config = spec_config(berth, tmp_path / "b")
    assert config["ociVersion"] == "1.3.0"
    assert config["root"] == {"path": "rootfs", "readonly": True}
    process = config["process"]
    assert process["args"] == ["sh"]
    assert process["terminal"] is True
    assert process["noNewPrivileges"] is True
    assert process["cwd"] == "/"
    assert process["user"] == {"uid": 0, "gid": 0}
    assert any(e.startswith("PATH=") for e in process["env"])
    for capset in ("bounding", "effective", "permitted"):
        assert set(process["capabilities"][capset]) == {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
    mounts = {m["destination"]: m for m in config["mounts"]}
    assert [m["destination"] for m in config["mounts"]] == SPEC_MOUNT_DESTINATIONS
    assert mounts["/proc"]["type"] == "proc"
    assert mounts["/dev"]["type"] == "tmpfs"
    assert mounts["/dev/pts"]["type"] == "devpts"
    assert "newinstance" in mounts["/dev/pts"]["options"]
    assert "gid=5" in mounts["/dev/pts"]["options"]
    assert mounts["/dev/shm"]["type"] == "tmpfs"
    assert mounts["/dev/mqueue"]["type"] == "mqueue"
    assert mounts["/sys"]["type"] == "sysfs" and "ro" in mounts["/sys"]["options"]
    assert mounts["/sys/fs/cgroup"]["type"] == "cgroup" and "ro" in mounts["/sys/fs/cgroup"]["options"]
    linux = config["linux"]
    # The cgroup namespace depends on the host: see test_cgroups.py.
    assert [n["type"] for n in linux["namespaces"] if n["type"] != "cgroup"] == ["pid", "network", "ipc", "uts",
                                                                                "mount"]
    assert not any("path" in n for n in linux["namespaces"])
    assert "uidMappings" not in linux and "gidMappings" not in linux
    assert linux["resources"]["devices"] == [{"allow": False, "access": "rwm"}]
    assert {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/proc/acpi"} <= set(linux["maskedPaths"])
    assert {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"} <= set(linux["readonlyPaths"])


def test_spec_without_bundle_writes_config_json_in_cwd(berth, tmp_path):
    r = berth("spec", cwd=tmp_path, check=0)
    assert r.stdout == "" and r.stderr == ""
    assert os.listdir(tmp_path) == ["config.json"]
    mode = stat.S_IMODE((tmp_path / "config.json").stat().st_mode)
    assert mode & 0o022 == 0 and mode & 0o444 == 0o444, oct(mode)
    json.loads((tmp_path / "config.json").read_text())


@pytest.mark.parametrize("existing", ["sentinel, not JSON\n", None], ids=["foreign-file", "earlier-spec"])
def test_spec_refuses_to_overwrite_config_json(berth, tmp_path, existing):
    target = tmp_path / "config.json"
    if existing is None:
        berth("spec", "--bundle", tmp_path, check=0)
    else:
        target.write_text(existing)
    before = target.read_bytes()
    before_stat = target.stat()
    line = assert_one_error_line(berth("spec", "--bundle", tmp_path), 1)
    assert "exists" in line and "config.json" in line
    assert target.read_bytes() == before
    assert target.stat().st_ino == before_stat.st_ino
    assert target.stat().st_mtime_ns == before_stat.st_mtime_ns
    assert os.listdir(tmp_path) == ["config.json"]


def test_spec_into_missing_bundle_dir_fails_and_creates_nothing(berth, tmp_path):
    missing = tmp_path / "missing-dir"
    line = assert_one_error_line(berth("spec", "--bundle", missing, cwd=tmp_path), 1)
    assert str(missing) in line
    assert not missing.exists()
    assert os.listdir(tmp_path) == []


def assert_rootless_config(config, uid, gid):
    linux = config["linux"]
    types = [n["type"] for n in linux["namespaces"]]
    assert "user" in types
    assert "network" not in types
    assert {"pid", "ipc", "uts", "mount"} <= set(types)
    assert linux["uidMappings"] == [{"containerID": 0, "hostID": uid, "size": 1}]
    assert linux["gidMappings"] == [{"containerID": 0, "hostID": gid, "size": 1}]
    assert "resources" not in linux
    sys_mount = [m for m in config["mounts"] if m["destination"] == "/sys"]
    assert len(sys_mount) == 1
    sys_mount = sys_mount[0]
    assert sys_mount["source"] == "/sys"
    assert sys_mount.get("type") != "sysfs"
    assert "rbind" in sys_mount["options"] or "bind" in sys_mount["options"]
    assert "ro" in sys_mount["options"]
    for m in config["mounts"]:
        assert not any(o.startswith("gid=") for o in m.get("options", [])), m
    # the rest is the default spec
    assert [m["destination"] for m in config["mounts"]] == SPEC_MOUNT_DESTINATIONS
    assert config["root"] == {"path": "rootfs", "readonly": True}


def test_spec_rootless_maps_current_ids_and_drops_privileged_parts(berth, tmp_path):
    config = spec_config(berth, tmp_path / "b", "--rootless")
    assert_rootless_config(config, os.geteuid(), os.getegid())


def test_spec_rootless_as_an_unprivileged_user_maps_that_user(berth):
    # pytest's tmp dirs are root's alone: give nobody a directory of its own.
    home = Path(tempfile.mkdtemp(prefix="berth-test-nobody-"))
    try:
        os.chmod(home, 0o755)
        os.chown(home, 65534, 65534)
        r = berth("spec", "--rootless", "--bundle", home, cwd=home, user=65534, group=65534, check=0)
        assert r.stderr == ""
        config_file = home / "config.json"
        assert config_file.stat().st_uid == 65534
        assert_rootless_config(json.loads(config_file.read_text()), 65534, 65534)
    finally:
        shutil.rmtree(home)


# --------------------------------------------------------------------------
# features


@pytest.fixture(scope="module")
def features(berth):
    r = berth("features", check=0)
    assert r.stderr == ""
    return json.loads(r.stdout)


def test_features_declares_oci_versions_up_to_1_3_0(features):
    assert features["ociVersionMax"] == "1.3.0"
    assert re.fullmatch(r"\d+\.\d+\.\d+", features["ociVersionMin"])
    assert version_tuple(features["ociVersionMin"]) <= version_tuple(features["ociVersionMax"])


def test_features_hooks_are_exactly_the_six_kinds(features):
    assert sorted(features["hooks"]) == sorted(HOOK_KINDS)
    assert len(features["hooks"]) == len(HOOK_KINDS)


def test_features_mount_options_are_sorted_and_include_recursive_and_idmap(features):
    options = features["mountOptions"]
    assert options == sorted(options)
    assert len(set(options)) == len(options)
    assert {"rbind", "rro", "idmap", "tmpcopyup", "bind", "ro", "nosuid", "nodev", "noexec"} <= set(options)


def test_features_linux_namespaces_are_all_eight(features):
    assert set(features["linux"]["namespaces"]) == NAMESPACE_TYPES
    assert len(features["linux"]["namespaces"]) == len(NAMESPACE_TYPES)


def test_features_capabilities_include_sys_admin_and_checkpoint_restore(features):
    caps = features["linux"]["capabilities"]
    assert {"CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE", "CAP_CHOWN", "CAP_KILL"} <= set(caps)
    assert all(c.startswith("CAP_") for c in caps)
    assert len(set(caps)) == len(caps)


def test_features_seccomp_actions_operators_archs_and_flags(features):
    seccomp = features["linux"]["seccomp"]
    assert seccomp["enabled"] is True
    assert {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_NOTIFY"} <= set(seccomp["actions"])
    assert {"SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ"} <= set(seccomp["operators"])
    assert "SCMP_ARCH_X86_64" in seccomp["archs"]
    assert set(seccomp["supportedFlags"]) <= set(seccomp["knownFlags"])


# --------------------------------------------------------------------------
# --log, --log-format


def test_log_json_records_the_error_and_stderr_still_has_one_line(berth, tmp_path):
    log = tmp_path / "berth.log"
    r = berth("--log", log, "--log-format", "json", "spec", "--bundle", "/nonexistent")
    line = assert_one_error_line(r, 1)
    assert "/nonexistent" in line
    entries = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
    errors = [e for e in entries if e.get("level") == "error"]
    assert len(errors) == 1, entries
    assert isinstance(errors[0].get("msg"), str) and "/nonexistent" in errors[0]["msg"]


def test_log_text_records_the_error(berth, tmp_path):
    log = tmp_path / "berth.log"
    assert_one_error_line(berth("--log", log, "spec", "--bundle", "/nonexistent"), 1)
    text = log.read_text()
    assert "error" in text and "/nonexistent" in text
    with pytest.raises(ValueError):
        json.loads(text)


def test_log_format_bogus_is_a_usage_error(berth, tmp_path):
    log = tmp_path / "berth.log"
    line = assert_one_error_line(berth("--log", log, "--log-format", "bogus", "features"), 2)
    assert "bogus" in line


# --------------------------------------------------------------------------
# the fixtures themselves


def test_bundle_fixture_is_a_busybox_bundle_running_bin_true(bundle):
    sh = bundle.rootfs / "bin" / "sh"
    assert sh.is_symlink()
    assert sh.resolve() == (bundle.rootfs / "bin" / "busybox").resolve()
    assert (bundle.rootfs / "bin" / "busybox").read_bytes()[:4] == b"\x7fELF"
    for applet in ("true", "ls", "cat", "sleep", "id"):
        assert (bundle.rootfs / "bin" / applet).is_symlink(), applet
    for d in ("sbin", "usr/bin", "dev", "proc", "sys", "root"):
        assert (bundle.rootfs / d).is_dir(), d
    assert stat.S_IMODE((bundle.rootfs / "tmp").stat().st_mode) == 0o1777
    assert "nobody:x:65534:65534:" in (bundle.rootfs / "etc" / "passwd").read_text()
    assert "tty:x:5:" in (bundle.rootfs / "etc" / "group").read_text()
    config = json.loads(bundle.config_path.read_text())
    assert config["process"]["terminal"] is False
    assert config["process"]["args"] == ["/bin/true"]
    assert config["root"]["path"] == "rootfs"
    bundle.config["hostname"] = "edited"
    bundle.write_config()
    assert json.loads(bundle.config_path.read_text())["hostname"] == "edited"


def test_bundles_are_independent_copies(bundle_factory, busybox_template):
    a, b = bundle_factory("a"), bundle_factory("b")
    (a.rootfs / "etc" / "hostname").write_text("changed\n")
    assert (b.rootfs / "etc" / "hostname").read_text() == "berth-test\n"
    assert (busybox_template / "rootfs" / "etc" / "hostname").read_text() == "berth-test\n"


def test_berth_root_cleanup_tolerates_entries_that_are_not_containers(berth_root):
    assert stat.S_IMODE(os.stat(berth_root).st_mode) == 0o700
    (berth_root.path / "not-a-container").mkdir()
    (berth_root.path / "stray-file").write_text("x")
    assert berth_root.cleanup() == []
    assert not berth_root.path.exists()


# --------------------------------------------------------------------------
# the machine: every program the tests run is installed by install-deps.sh

# program -> the Debian package that ships it (checked against dpkg below).
TEST_PROGRAMS = {
    "ps": "procps", "unshare": "util-linux", "nsenter": "util-linux", "setpriv": "util-linux",
    "flock": "util-linux", "mount": "mount", "umount": "mount", "ip": "iproute2", "timeout": "coreutils",
    "dpkg-deb": "dpkg", "runc": "runc", "crun": "crun", "podman": "podman", "ctr": "containerd",
    "containerd": "containerd", "strace": "strace", "busybox": "busybox-static", "go-md2man": "go-md2man",
    "qemu-system-x86_64": "qemu-system-x86", "pytest-3": "python3-pytest",
    "tar": "tar", "buildah": "buildah", "skopeo": "skopeo", "openssl": "openssl", "htpasswd": "apache2-utils",
    "docker-registry": "docker-registry",
}


def install_deps_packages(srcdir):
    text = (srcdir / "scripts" / "install-deps.sh").read_text()
    lists = re.findall(r'^(?:BUILD|TEST)="([^"]*)"', text, re.M | re.S)
    return set(" ".join(lists).split())


@pytest.mark.parametrize("program", sorted(TEST_PROGRAMS))
def test_install_deps_installs_every_program_the_tests_run(srcdir, program):
    package = TEST_PROGRAMS[program]
    assert package in install_deps_packages(srcdir), f"{program}: add {package} to scripts/install-deps.sh"
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed here (install-deps.sh would install {package})")
    owner = subprocess.run(["dpkg-query", "-S", os.path.realpath(path)], capture_output=True, text=True)
    if owner.returncode != 0:  # a usrmerge path: ask for the /bin form too
        owner = subprocess.run(["dpkg-query", "-S", path.replace("/usr/bin/", "/bin/").replace("/usr/sbin/", "/sbin/")],
                               capture_output=True, text=True)
    assert owner.returncode == 0, owner.stderr
    assert package in {p.strip() for p in owner.stdout.split(":", 1)[0].split(",")}, owner.stdout


# --------------------------------------------------------------------------
# TEMPORARY: delete this test (or drop entries from the list) as the
# commands are implemented.  Nothing else may assert "not implemented".

UNBUILT_COMMANDS = [
    ["checkpoint", "c1"], ["restore", "c1"],
]


@pytest.mark.parametrize("args", UNBUILT_COMMANDS, ids=[a[0] for a in UNBUILT_COMMANDS])
def test_TEMPORARY_unbuilt_command_says_not_implemented(berth, berth_root, tmp_path, args):
    line = assert_one_error_line(berth(*args, root=berth_root, cwd=tmp_path), 2)
    assert line == f"berth: {args[0]}: not implemented yet"
