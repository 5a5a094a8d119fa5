"""File descriptors handed to the container: --preserve-fds and systemd
socket activation (LISTEN_FDS/LISTEN_PID), and nothing else."""
import os
import subprocess

import pytest

from conftest import BERTH, berth_env

# The workload is `ls` itself (busybox sh keeps fds of its own): it lists
# its fds with their targets, and its own directory fd is left out.
LIST_FDS = ("ls", "-l", "/proc/self/fd/")


def open_fds(ls_output):
    """{fd: target} from `ls -l /proc/self/fd/`, without ls's directory fd."""
    fds = {}
    for line in ls_output.splitlines():
        if " -> " not in line:
            continue
        left, target = line.split(" -> ", 1)
        if not target.endswith("/fd"):
            fds[int(left.split()[-1])] = target
    return fds


def test_only_stdio_reaches_the_container_by_default(bundle, berth_root, container_id, tmp_path):
    extra = os.open(tmp_path, os.O_RDONLY)  # inheritable: berth must not pass it on
    os.set_inheritable(extra, True)
    try:
        bundle.set_args(*LIST_FDS)
        r = berth_root.run("run", "--bundle", bundle, container_id, check=True, pass_fds=(extra,))
    finally:
        os.close(extra)
    assert sorted(open_fds(r.stdout)) == [0, 1, 2]


def test_preserve_fds_passes_fds_3_and_up_even_if_marked_cloexec(bundle, berth_root, container_id, tmp_path):
    (tmp_path / "a").write_text("first\n")
    (tmp_path / "b").write_text("second\n")
    script = f"exec 3<{tmp_path}/a 4<{tmp_path}/b; exec \"$@\""
    bundle.set_args(*LIST_FDS)
    r = subprocess.run(["sh", "-c", script, "sh", BERTH, "--root", str(berth_root.path), "run",
                        "--preserve-fds", "2", "--bundle", str(bundle), container_id],
                       capture_output=True, text=True, timeout=60, env=berth_env({}))
    assert r.returncode == 0, r.stderr
    fds = open_fds(r.stdout)
    assert sorted(fds) == [0, 1, 2, 3, 4]
    assert (fds[3], fds[4]) == (f"{tmp_path}/a", f"{tmp_path}/b")


# A closed fd among the preserved ones (a gap) is no error, as in runc:
# test_process_setup.py::test_preserve_fds_with_gaps_passes_the_open_ones_as_runc_does.


@pytest.mark.parametrize("listen_pid_is_ours", [True, False])
def test_socket_activation_fds_are_passed_with_listen_env(bundle, berth_root, container_id, tmp_path,
                                                          listen_pid_is_ours):
    (tmp_path / "sock").write_text("activated\n")
    bundle.set_args("sh", "-c", 'echo ${LISTEN_FDS:-none} ${LISTEN_PID:-none}; exec "$@"', "sh", *LIST_FDS)
    pid = "$$" if listen_pid_is_ours else "1"
    script = f"export LISTEN_PID={pid} LISTEN_FDS=1; exec 3<{tmp_path}/sock; exec \"$@\""
    r = subprocess.run(["sh", "-c", script, "sh", BERTH, "--root", str(berth_root.path), "run",
                        "--bundle", str(bundle), container_id],
                       capture_output=True, text=True, timeout=60, env=berth_env({}))
    assert r.returncode == 0, r.stderr
    env = r.stdout.splitlines()[0]
    fds = open_fds(r.stdout)
    if listen_pid_is_ours:
        assert sorted(fds) == [0, 1, 2, 3] and fds[3] == f"{tmp_path}/sock"
        assert env == "1 1"
    else:
        # Meant for another process: neither the fd nor the variables' values change.
        assert sorted(fds) == [0, 1, 2]
        assert env == "none none"
