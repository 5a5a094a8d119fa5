"""dock's command line: help from the command table, docker's flag and
argument errors and exit codes, the generated manual."""
import pytest
import re
from pathlib import Path

from dock_helpers import *  # noqa: F401,F403 (fixtures)
from dock_helpers import run_dock
from conftest import SRCDIR, describe, exec_command


def test_help_lists_groups_commands_and_global_flags():
    r = run_dock("--help", check=True)
    assert r.stdout.startswith("Usage:  dock [OPTIONS] COMMAND\n")
    for word in ("Management Commands:", "  image ", "  system ", "Commands:", "  images ", "  rmi ", "  tag ",
                 "  save ", "  load ", "  import ", "  history ", "  inspect ", "Global Options:", "--config string",
                 "-D, --debug", "-l, --log-level string", "-v, --version", "--root string"):
        assert word in r.stdout, word
    assert run_dock(check=True).stdout == r.stdout


def test_command_help_shows_usage_aliases_and_flags():
    r = run_dock("images", "--help", check=True)
    assert r.stdout.startswith("Usage:  dock image ls [OPTIONS] [REPOSITORY[:TAG]]\n\nList images\n")
    assert "Aliases:\n  dock image ls, dock images, dock image list\n" in r.stdout
    assert re.search(r"\n  -q, --quiet\s+Only show image IDs\n", r.stdout)
    assert run_dock("help", "image", "ls", check=True).stdout == r.stdout
    g = run_dock("image", check=True).stdout
    assert g.startswith("Usage:  dock image COMMAND\n\nManage images\n") and "  prune " in g


def test_version_flag():
    assert re.fullmatch(r"dock version \S+, build \S+\n", run_dock("--version", check=True).stdout)
    assert run_dock("-v", check=True).stdout == run_dock("--version", check=True).stdout


def test_flag_errors_exit_125_with_dockers_words(dock_store):
    r = dock_store.run("images", "--bogus")
    assert r.returncode == 125 and r.stderr == "dock: unknown flag: --bogus\nSee 'dock images --help'.\n"
    r = dock_store.run("image", "ls", "-Z")
    assert r.returncode == 125 and r.stderr == "dock: unknown shorthand flag: 'Z' in -Z\nSee 'dock image ls --help'.\n"
    r = dock_store.run("images", "--all=maybe")
    assert r.returncode == 125 and 'invalid argument "maybe" for "--all" flag' in r.stderr
    r = dock_store.run("images", "--format")
    assert r.returncode == 125 and "flag needs an argument: --format" in r.stderr
    # run's option values are flag errors too (docker's RunRun: StatusError 125).
    r = dock_store.run("run", "--memory", "abc", "busybox")
    assert r.returncode == 125 and r.stderr.startswith('dock: invalid argument "abc" for "-m, --memory" flag')


def test_global_flags_are_checked(dock_store):
    r = run_dock("-l", "loud", "images", root=dock_store.root)
    assert r.returncode == 125 and r.stderr == "dock: Unable to parse logging level: loud\n"
    assert run_dock("-D", "-l", "debug", "images", root=dock_store.root, check=True).stdout.startswith("REPOSITORY")
    r = run_dock("--frob", "images")
    assert r.returncode == 125 and r.stderr == "dock: unknown flag: --frob\nSee 'dock --help'.\n"


def test_argument_count_errors_exit_1(dock_store):
    r = dock_store.run("rmi")
    assert r.returncode == 1 and r.stderr == "dock: \"dock rmi\" requires at least 1 argument.\nSee 'dock rmi --help'.\n"
    r = dock_store.run("image", "prune", "x")
    assert r.returncode == 1 and r.stderr.startswith("dock: \"dock image prune\" accepts no arguments.\n")
    r = dock_store.run("images", "a", "b")
    assert r.returncode == 1 and r.stderr.startswith("dock: \"dock images\" requires at most 1 argument.\n")


# docker's cli/required.go validators return plain errors, which docker's
# main() exits with 1 (only a StatusError, e.g. from FlagErrorFunc or run's
# option parsing, carries 125): so `docker run` without an image exits 1.
ARGUMENT_COUNT_ERRORS = [
    (("run",), "requires at least 1 argument."),
    (("create",), "requires at least 1 argument."),
    (("pull",), "requires exactly 1 argument."),
    (("push",), "requires exactly 1 argument."),
    (("login", "a", "b"), "requires at most 1 argument."),
    (("logout", "a", "b"), "requires at most 1 argument."),
    (("search",), "requires exactly 1 argument."),
    (("tag", "x"), "requires exactly 2 arguments."),
    (("history",), "requires exactly 1 argument."),
    (("save",), "requires at least 1 argument."),
    (("load", "x"), "accepts no arguments."),
    (("import",), "requires at least 1 and at most 2 arguments."),
    (("inspect",), "requires at least 1 argument."),
    (("image", "inspect"), "requires at least 1 argument."),
    (("system", "df", "x"), "accepts no arguments."),
]


@pytest.mark.parametrize("args,words", ARGUMENT_COUNT_ERRORS, ids=[" ".join(a) for a, _ in ARGUMENT_COUNT_ERRORS])
def test_every_commands_argument_count_error_exits_1_like_docker(dock_store, args, words):
    name = " ".join(args[:2] if args[0] in ("image", "system") else args[:1])
    r = dock_store.run(*args)
    assert r.returncode == 1
    assert r.stderr == f"dock: \"dock {name}\" {words}\nSee 'dock {name} --help'.\n"
    assert not (dock_store.root / "dock.db").exists() or dock_store.run("images", "-q").stdout == ""


def test_unknown_command_exits_1():
    r = run_dock("frobnicate")
    assert r.returncode == 1 and r.stderr == "dock: 'frobnicate' is not a dock command.\nSee 'dock --help'\n"
    r = run_dock("image", "frob")
    assert r.returncode == 1 and r.stderr.startswith("dock: 'image frob' is not a dock command.")


def test_manual_is_generated_from_the_command_table():
    generated = run_dock("help", "--manual", check=True).stdout
    committed = (Path(SRCDIR) / "docs" / "dock.1.md").read_text()
    assert generated == committed, "docs/dock.1.md is stale: run `make docs/dock.1.md`"
    assert "## image ls" in generated and "- `-a`, `--all`: Show all images" in generated


# Programs dock's tests (registry_fixtures, the netns of the off-loopback
# registry test, the podman/buildah comparisons) and tests/bench/pull.sh run,
# with the Debian package install-deps.sh must list for each.
DOCK_TEST_PROGRAMS = {
    "docker-registry": "docker-registry", "skopeo": "skopeo", "umoci": "umoci", "podman": "podman",
    "buildah": "buildah", "openssl": "openssl", "htpasswd": "apache2-utils", "debootstrap": "debootstrap",
    "curl": "curl", "tar": "tar", "sqlite3": "sqlite3", "unshare": "util-linux", "nsenter": "util-linux",
    "ip": "iproute2", "mount": "mount", "busybox": "busybox-static", "strace": "strace", "mkfs.ext4": "e2fsprogs",
}


@pytest.mark.parametrize("program", sorted(DOCK_TEST_PROGRAMS))
def test_install_deps_lists_every_program_dock_tests_and_bench_run(program):
    from test_cli import install_deps_packages
    package = DOCK_TEST_PROGRAMS[program]
    assert package in install_deps_packages(Path(SRCDIR)), f"{program}: add {package} to scripts/install-deps.sh"


def test_install_deps_lists_the_python_modules_of_the_registry_tests():
    from test_cli import install_deps_packages
    assert "python3-cryptography" in install_deps_packages(Path(SRCDIR))  # the token realm's JWT signatures


def test_readme_quickstart_runs_busybox_then_imports_and_lists_it_without_network():
    """scripts/quickstart.sh (the README's first command) minus the package
    install, in empty uts/net/ipc namespaces: no network to reach, and a
    container that cannot change the host."""
    r, timed_out = exec_command(["unshare", "-u", "-n", "-i", "sh", "scripts/quickstart.sh"], cwd=SRCDIR,
                                env={"QUICKSTART_SKIP_DEPS": "1"}, timeout=600)
    assert not timed_out and r.returncode == 0, describe(r)
    out = r.stdout.splitlines()
    assert any(l.startswith("hello from ") for l in out), r.stdout
    header = next(i for i, l in enumerate(out) if l.startswith("REPOSITORY "))
    assert out[header].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert out[header + 1].split()[:2] == ["busybox", "quickstart"] and len(out) == header + 2
