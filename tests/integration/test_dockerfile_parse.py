"""dock's Dockerfile parser and expander against buildah.

Each sample Dockerfile is built by `buildah bud --format docker` (chroot
isolation, a private vfs store, FROM a busybox image made locally with
buildah from scratch: no network), and the image config's Env, Cmd,
Entrypoint, Labels, ExposedPorts, Volumes, WorkingDir, User, StopSignal,
Healthcheck, OnBuild and Shell are compared with what dock's parser and
metadata applier compute for the same file (tests/unit/dockerfile-dump).

The .dockerignore tests build `FROM scratch` + `COPY . /ctx/` from sample
contexts (the reference's .dockerignore examples, exceptions inside
excluded directories, symlinks out of the context) and compare the files
in the image with what dock's context walker reports.

Known buildah 1.28 differences from docker, which dock follows instead:
  - a shell-form CMD/ENTRYPOINT after SHELL runs under /bin/sh -c in
    buildah, under the SHELL in docker: the samples keep those exec-form;
  - EXPOSE 8000-8003 stays one key in buildah, docker lists each port;
    EXPOSE 80/TCP stays upper-case in buildah, docker lower-cases it;
    EXPOSE 80/tcp then EXPOSE 80/udp keeps one of them in buildah, both in
    docker (the reference's own example);
  - with `# escape=`` buildah still treats \\ as an escape in ENV values,
    docker does not: the escape sample uses the backtick for continuations;
  - no heredocs, no ${A-x} ${A+x} ${A?x} ${A#p} ${A%p} (buildkit's newer
    modifiers) in buildah 1.28: the unit tests cover them.
"""
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import BERTH, SANITIZER_ENV, describe, exec_command, sanitizer_report

DUMP = Path(os.environ.get("DOCKERFILE_DUMP") or Path(BERTH).parent / "tests" / "unit" / "dockerfile-dump")
FIELDS = ("Env", "Cmd", "Entrypoint", "Labels", "ExposedPorts", "Volumes", "WorkingDir", "User", "StopSignal",
          "Healthcheck", "OnBuild", "Shell")

BUSYBOX = os.environ.get("BUSYBOX", "/bin/busybox")

pytestmark = [
    pytest.mark.skipif(shutil.which("buildah") is None, reason="buildah is not installed"),
    pytest.mark.skipif(not DUMP.exists(), reason=f"{DUMP} is not built (make tests/unit/dockerfile-dump)"),
]


class Buildah:
    def __init__(self, base):
        self.base = Path(base)
        self.cmd = ["buildah", "--root", str(self.base / "storage"), "--runroot", str(self.base / "run"),
                    "--storage-driver", "vfs"]

    def run(self, *args, check=True, input=None):
        r = subprocess.run(self.cmd + [str(a) for a in args], capture_output=True, text=True, timeout=120,
                           input=input)
        if check:
            assert r.returncode == 0, f"buildah {' '.join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}"
        return r

    def config(self, image):
        return json.loads(self.run("inspect", "--type", "image", image).stdout)["Docker"]["config"]


@pytest.fixture(scope="module")
def buildah(tmp_path_factory):
    """A private buildah store holding dftest-base: busybox, PATH=/bin, CMD sh."""
    base = tmp_path_factory.mktemp(f"buildah-{uuid.uuid4().hex[:8]}")
    b = Buildah(base)
    rootfs = base / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy(BUSYBOX, rootfs / "bin" / "busybox")
    for applet in ("sh", "echo", "true", "mkdir", "touch"):
        (rootfs / "bin" / applet).symlink_to("busybox")
    try:
        ctr = b.run("from", "scratch").stdout.strip()
        b.run("add", ctr, rootfs, "/")
        b.run("config", "--env", "PATH=/bin", "--cmd", "/bin/sh", "--label", "base.label=from-base", ctr)
        b.run("commit", "-q", "--format", "docker", ctr, "dftest-base")
        b.run("rm", ctr)
        b.base_config = b.config("dftest-base")
        yield b
    finally:
        b.run("rm", "--all", check=False)
        b.run("rmi", "--all", "--force", check=False)
        shutil.rmtree(base, ignore_errors=True)


def dump(dockerfile, build_args=(), base_config=None):
    args = [DUMP]
    for a in build_args:
        args += ["--build-arg", a]
    if base_config is not None:
        args += ["--base-config", base_config]
    result, timed_out = exec_command(args + [dockerfile], timeout=30)
    assert not timed_out
    assert sanitizer_report(result.stderr) is None, describe(result)
    return result


def normalise(cfg):
    """The compared fields, with buildah's spellings of "nothing" (empty
    list, empty object, empty string, zero durations) and its own label
    dropped."""
    out = {}
    for f in FIELDS:
        v = (cfg or {}).get(f)
        if f == "Labels" and v:
            v = {k: x for k, x in v.items() if k != "io.buildah.version"}
        if f == "Healthcheck" and v:
            v = {k: x for k, x in v.items() if x not in (0, None)}
        if v in (None, [], {}, ""):
            continue
        out[f] = v
    return out


SAMPLES = {
    "env_both_forms_quotes_escapes": (
        'FROM dftest-base\n'
        'ENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog \\\n'
        '    MY_CAT=fluffy\n'
        'ENV MY_VAR my-value with spaces\n'
        "ENV SINGLE='$MY_NAME' DOUBLE=\"$MY_NAME\" BRACE=${MY_CAT}_x\n"
        'ENV abc=hello\n'
        'ENV abc=bye def=$abc\n'
        'ENV ghi=$abc\n'
        'ENV PATH=/usr/local/bin:$PATH\n', ()),
    "labels_all_forms": (
        'FROM dftest-base\n'
        'LABEL "com.example.vendor"="ACME Incorporated"\n'
        'LABEL com.example.label-with-value="foo"\n'
        'LABEL version="1.0"\n'
        'LABEL description="This text illustrates \\\n'
        'that label-values can span multiple lines."\n'
        'LABEL multi.label1="value1" \\\n'
        '      multi.label2="value2" \\\n'
        '      other="value3"\n'
        'LABEL legacy value with spaces\n'
        'ENV WHO=me\n'
        'LABEL expanded=$WHO literal=\'$WHO\' base.label=overridden\n', ()),
    "expose_volume_workdir_user_stopsignal": (
        'FROM dftest-base\n'
        'EXPOSE 80/udp 443 8000/tcp\n'
        'EXPOSE 8080/tcp\n'
        'VOLUME ["/data", "/my dir"]\n'
        'VOLUME /var/log /var/db\n'
        'WORKDIR /a\n'
        'WORKDIR b\n'
        'WORKDIR c/../d\n'
        'ENV DIRPATH=/path\n'
        'WORKDIR $DIRPATH/$DIRNAME\n'
        'USER 1000:1000\n'
        'STOPSIGNAL SIGQUIT\n', ()),
    "args_scoping_and_build_args": (
        'ARG VERSION=latest\n'
        'ARG UNUSED_GLOBAL=g\n'
        'FROM dftest-base\n'
        'LABEL before=${username:-some_user} global=[$UNUSED_GLOBAL]\n'
        'ARG username\n'
        'ARG VERSION\n'
        'ARG CONT_IMG_VER\n'
        'ENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\n'
        'ARG A=1 B="two words"\n'
        'ENV U=$username V=$VERSION A=$A B="$B" C=${B:+set} D=${unset:-dflt} F=${A:+x}\n'
        'USER $username\n', ("username=what_user", "CONT_IMG_VER=v2.0.1", "A=from-cli")),
    "cmd_entrypoint_rules": (
        'FROM dftest-base AS first\n'
        'CMD echo "This is a test." | wc -\n'
        'FROM first AS second\n'
        'ENTRYPOINT ["top", "-b"]\n'
        'FROM second\n'
        'CMD ["-c"]\n'
        'ENTRYPOINT exec top -b\n', ()),
    "healthcheck_onbuild_shell": (
        'FROM dftest-base\n'
        'HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --retries=3 \\\n'
        '  CMD wget -q -O- http://localhost/ || exit 1\n'
        'ONBUILD ADD . /app/src\n'
        'ONBUILD RUN /usr/local/bin/python-build --dir /app/src\n'
        'SHELL ["/bin/sh", "-ec"]\n'
        'CMD ["/bin/sh", "-c", "echo exec form"]\n', ()),
    "healthcheck_none_and_exec": (
        'FROM dftest-base AS one\n'
        'HEALTHCHECK CMD ["/bin/true"]\n'
        'FROM one\n'
        'HEALTHCHECK NONE\n', ()),
    "escape_directive_comments_run_copy": (
        '# escape=`\n'
        '# a comment\n'
        '\n'
        'FROM dftest-base\n'
        'ENV ONE=1 `\n'
        '    TWO="2 `\n'
        '    and more"\n'
        '# a comment inside nothing\n'
        'RUN mkdir -p /made && `\n'
        '# a comment line inside a continuation\n'
        '    touch /made/file\n'
        'COPY ["file with space.txt", "/dst/"]\n'
        'COPY plain.txt /dst/\n'
        'WORKDIR /made\n'
        'CMD ["sh"]\n', ()),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_dockerfile_config_matches_buildah(buildah, tmp_path, name):
    text, build_args = SAMPLES[name]
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(text)
    (ctx / "file with space.txt").write_text("x\n")
    (ctx / "plain.txt").write_text("y\n")
    base_config = tmp_path / "base.json"
    base_config.write_text(json.dumps({k: v for k, v in buildah.base_config.items() if k in FIELDS}))

    tag = f"dftest-{uuid.uuid4().hex[:8]}"
    args = ["bud", "--isolation", "chroot", "--format", "docker", "-q", "-t", tag]
    for a in build_args:
        args += ["--build-arg", a]
    buildah.run(*args, ctx)
    try:
        theirs = normalise(buildah.config(tag))
    finally:
        buildah.run("rmi", "-f", tag, check=False)

    result = dump(ctx / "Dockerfile", build_args, base_config)
    assert result.returncode == 0, describe(result)
    ours = normalise(json.loads(result.stdout)["config"])
    for field in FIELDS:
        assert ours.get(field) == theirs.get(field), f"{name}: {field} differs from buildah's"


def test_unused_build_args_are_reported(tmp_path):
    df = tmp_path / "Dockerfile"
    df.write_text("FROM scratch\nARG USED\n")
    result = dump(df, ("USED=1", "NOT_DECLARED=2", "HTTP_PROXY=http://127.0.0.1:3128"))
    assert result.returncode == 0, describe(result)
    assert json.loads(result.stdout)["unused_build_args"] == ["NOT_DECLARED"]


@pytest.mark.parametrize("text, message", [
    ("FROM busybox\nRUN true\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO"),
    ("FROM busybox\nRUN <<EOF\necho never closed\n", "Dockerfile:2: unterminated heredoc"),
    ("FROM busybox\nSHELL /bin/sh -c\n", "Dockerfile:2: SHELL requires the arguments to be in JSON form"),
    ("FROM busybox\nCOPY --parents a b\n", "Dockerfile:2: COPY --parents is not supported by dock yet"),
])
def test_bad_dockerfile_names_file_and_line(tmp_path, text, message):
    df = tmp_path / "Dockerfile"
    df.write_text(text)
    result = dump(df)
    assert result.returncode == 1, describe(result)
    assert result.stderr.strip() == f"dockerfile-dump: {message}"
    assert result.stdout == ""


# ---------------------------------------------------------------- .dockerignore

# Each context: the .dockerignore text and the tree ("d" dir, "f" file,
# "l:target" symlink).
CONTEXTS = {
    "reference_temp_patterns": (
        "# comment\n*/temp*\n*/*/temp*\ntemp?\n",
        {"somedir/temporary.txt": "f", "somedir/temp/x": "f", "somedir/subdir/temporary.txt": "f",
         "somedir/keep.txt": "f", "tempa": "f", "tempb": "f", "temporary.txt": "f", "a/b/c/temp": "f"}),
    "reference_markdown_exceptions": (
        "*.md\n!README*.md\nREADME-secret.md\n",
        {"README.md": "f", "README-secret.md": "f", "README-public.md": "f", "CHANGES.md": "f",
         "docs/guide.md": "f"}),
    "exception_reorders": (
        "*.md\nREADME-secret.md\n!README*.md\n",
        {"README.md": "f", "README-secret.md": "f", "CHANGES.md": "f"}),
    "double_star_and_cleaning": (
        "**/*.go\n/build\n./out/  \n  # not a comment  \nlogs/**\n",
        {"main.go": "f", "pkg/a/b.go": "f", "pkg/a/b.txt": "f", "build/x": "f", "out/y": "f",
         "logs/today/log.txt": "f", "logs.txt": "f", "# not a comment": "f"}),
    "exceptions_inside_excluded_dirs": (
        "*\n!src/main.c\n!include\n",
        {"src/main.c": "f", "src/other.c": "f", "include/a.h": "f", "include/sub/b.h": "f",
         "build/out.o": "f", "top.txt": "f"}),
    "nested_exception": (
        "dir\n!dir/sub/keep\n",
        {"dir/sub/keep": "f", "dir/sub/drop": "f", "dir/other/x": "f", "kept": "f"}),
    "symlinks_are_copied_as_symlinks": (
        "excluded-link\n",
        {"out": "l:../../etc/passwd", "abs": "l:/etc/shadow", "dirlink": "l:..", "excluded-link": "l:x",
         "real/file": "f"}),
}


def make_tree(root, ignore, tree):
    root.mkdir()
    (root / ".dockerignore").write_text(ignore)
    for path, kind in tree.items():
        p = root / path
        p.parent.mkdir(parents=True, exist_ok=True)
        if kind == "f":
            p.write_text(path + "\n")
        elif kind == "d":
            p.mkdir()
        else:
            p.symlink_to(kind[2:])


def image_tree(buildah, image):
    """{path: "d" | "f" | "l:target"} of /ctx in image."""
    ctr = buildah.run("from", image).stdout.strip()
    try:
        top = Path(buildah.run("mount", ctr).stdout.strip()) / "ctx"
        out = {}
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                p = Path(dirpath) / name
                rel = str(p.relative_to(top))
                out[rel] = f"l:{os.readlink(p)}" if p.is_symlink() else "d" if p.is_dir() else "f"
        return out
    finally:
        buildah.run("umount", ctr, check=False)
        buildah.run("rm", ctr, check=False)


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_dockerignore_context_matches_buildah(buildah, tmp_path, name):
    ignore, tree = CONTEXTS[name]
    ctx = tmp_path / "ctx"
    make_tree(ctx, ignore, tree)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\nCOPY . /ctx/\n")
    tag = f"dftest-{uuid.uuid4().hex[:8]}"
    buildah.run("bud", "--isolation", "chroot", "--format", "docker", "-q", "-f", dockerfile, "-t", tag, ctx)
    try:
        theirs = image_tree(buildah, tag)
    finally:
        buildah.run("rmi", "-f", tag, check=False)

    result, timed_out = exec_command([DUMP, "--context", ctx], timeout=30)
    assert not timed_out and sanitizer_report(result.stderr) is None, describe(result)
    assert result.returncode == 0, describe(result)
    ours = {}
    for e in json.loads(result.stdout)["context"]:
        ours[e["path"]] = {"dir": "d", "file": "f", "symlink": f"l:{e.get('target')}"}[e["type"]]
    assert ours == theirs, f"{name}: dock's context differs from buildah's COPY ."
