"""dock's command line: help from the command table, docker's flag and
argument errors and exit codes, the generated manual."""
import re
from pathlib import Path

from dock_helpers import *  # noqa: F401,F403 (fixtures)
from dock_helpers import run_dock
from conftest import SRCDIR


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
