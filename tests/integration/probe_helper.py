"""The probe: a small static program (data/probe.c) that makes raw syscalls
inside a container and prints what they returned, for the seccomp and
process attribute tests.  See probe.c for the operations."""
import shutil
import subprocess

import pytest

from conftest import SRCDIR

PROBE_SOURCE = SRCDIR / "tests" / "integration" / "data" / "probe.c"


@pytest.fixture(scope="session")
def probe_binary(tmp_path_factory):
    """Path of the probe, built once per session with the host's cc."""
    out = tmp_path_factory.mktemp("probe") / "probe"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("no C compiler to build the probe", pytrace=False)
    r = subprocess.run([cc, "-static", "-O1", "-o", str(out), str(PROBE_SOURCE)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"building the probe failed:\n{r.stderr}", pytrace=False)
    return out


def install_probe(bundle, probe_binary):
    """Copy the probe into the bundle as /bin/probe."""
    shutil.copy(probe_binary, bundle.rootfs / "bin" / "probe")


def probe_results(text):
    """{"op": int} from the probe's "op=value" lines (others ignored)."""
    results = {}
    for line in text.splitlines():
        op, sep, value = line.partition("=")
        if sep and value.lstrip("-").isdigit():
            results[op] = int(value)
    return results
