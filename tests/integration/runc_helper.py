"""runc as a yardstick: a private --root per test, every command inside
private uts/net/ipc namespaces (`unshare -u -n -i`) so that a config that
could reach host state cannot, and every container deleted on teardown.

Debian's runc 1.1.5 refuses ociVersion 1.3.0 and knows no spec-1.2
fields: the configs given to it say RUNC_OCI_VERSION."""
import json
import re
import shutil
import subprocess

import pytest

from conftest import describe, exec_command

RUNC_OCI_VERSION = "1.0.2"
PRIVATE_NAMESPACES = ["unshare", "-u", "-n", "-i"]
TIMEOUT = 60


class Runc:
    """.run(*args, **kw) runs `runc --root ROOT ARGS` in private uts/net/ipc
    namespaces and returns the CompletedProcess (never fails by itself);
    keyword arguments as for conftest.exec_command."""

    def __init__(self, path, root):
        self.path = path
        self.root = root

    def argv(self, *args):
        return [*PRIVATE_NAMESPACES, self.path, "--root", str(self.root), *[str(a) for a in args]]

    def run(self, *args, timeout=TIMEOUT, **kw):
        result, timed_out = exec_command(self.argv(*args), timeout=timeout, **kw)
        assert not timed_out, f"runc did not finish within {timeout}s\n{describe(result)}"
        return result

    def cleanup(self):
        r = self.run("list", "-q")
        for cid in r.stdout.split() if r.returncode == 0 else []:
            self.run("delete", "--force", cid)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def runc(comparison_runtimes, tmp_path):
    """A Runc with its own root; skips the test when runc is missing."""
    if "runc" not in comparison_runtimes:
        pytest.skip("runc is not installed")
    root = tmp_path / "runc-root"
    root.mkdir()
    r = Runc(comparison_runtimes["runc"], root)
    try:
        yield r
    finally:
        r.cleanup()


def in_private_namespaces(argv):
    """argv run inside private uts/net/ipc namespaces."""
    return [*PRIVATE_NAMESPACES, *[str(a) for a in argv]]


def run_piped(argv, input=None, timeout=TIMEOUT, pass_fds=(), env=None, cwd=None):
    """Run argv with stdin, stdout and stderr as pipes (not files, as
    exec_command uses): for tests of what a container sees as its stdio."""
    from conftest import berth_env
    p = subprocess.run([str(a) for a in argv], input=input, capture_output=True, text=True, timeout=timeout,
                       pass_fds=pass_fds, env=berth_env(env), cwd=cwd)
    return p


_LOGRUS_TEXT = re.compile(r'^time="[^"]+" level=(\w+) msg=("(?:[^"\\]|\\.)*"|\S+)$')


def logged(stderr, level="warning"):
    """The messages of the logrus-style lines (what runc writes, and berth
    too: `time="..." level=warning msg="..."`) of that level in stderr."""
    out = []
    for line in stderr.splitlines():
        m = _LOGRUS_TEXT.match(line)
        if m and m.group(1) == level:
            msg = m.group(2)
            out.append(json.loads(msg) if msg.startswith('"') else msg)
    return out
