"""dock login / logout and registry authentication: htpasswd basic auth
over TLS, a Bearer token realm served by the test, docker's config.json as
docker writes it, credential helpers, and the unauthorized errors."""
import base64
import json
import os
import stat
import textwrap

import pytest

from registry_fixtures import *  # noqa: F401,F403 (fixtures)
from registry_fixtures import make_oci_layout, push_layout


def b64(s):
    return base64.b64encode(s.encode()).decode()


@pytest.fixture
def small_image(busybox_rootfs, tmp_path):
    make_oci_layout(tmp_path / "layout", busybox_rootfs)
    return tmp_path / "layout"


def test_basic_login_writes_config_json_as_docker_does(dock_env, tls_registry):
    cfg = dock_env.docker_config / "config.json"
    cfg.write_text(json.dumps({"auths": {"other.example:5000": {"auth": b64("x:y")}}, "psFormat": "table {{.ID}}",
                               "HttpHeaders": {"User-Agent": "kept"}}))
    r = dock_env.run("login", "-u", tls_registry.user, "-p", tls_registry.password, tls_registry.host, check=True)
    assert r.stdout.strip().endswith("Login Succeeded")
    assert "WARNING! Using --password via the CLI is insecure. Use --password-stdin." in r.stderr
    data = dock_env.config_json()
    assert data["auths"][tls_registry.host] == {"auth": b64("alice:wonderland")}
    assert data["auths"]["other.example:5000"] == {"auth": b64("x:y")}
    assert data["psFormat"] == "table {{.ID}}" and data["HttpHeaders"] == {"User-Agent": "kept"}
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600


def test_wrong_password_is_unauthorized_and_stores_nothing(dock_env, tls_registry):
    r = dock_env.run("login", "-u", tls_registry.user, "--password-stdin", tls_registry.host, input="wrong\n",
                     check=1)
    assert r.stderr == f"dock: login to {tls_registry.host}: unauthorized: authentication required\n"
    assert dock_env.config_json() is None


def test_password_flags_are_checked_like_docker(dock_env, tls_registry):
    r = dock_env.run("login", "-p", "x", "--password-stdin", "-u", "a", tls_registry.host, input="x", check=1)
    assert r.stderr == "dock: --password and --password-stdin are mutually exclusive\n"
    r = dock_env.run("login", "--password-stdin", tls_registry.host, input="x", check=1)
    assert r.stderr == "dock: Must provide --username with --password-stdin\n"
    r = dock_env.run("login", tls_registry.host, check=1)
    assert r.stderr == "dock: Cannot perform an interactive login from a non TTY device\n"


def converse(argv, env, script, timeout=30):
    """Run argv on a new pty; for each (prompt, answer) of script, wait for
    the prompt and type the answer.  Returns (exit status, output)."""
    import pty
    import select
    import subprocess
    import time
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(a) for a in argv], stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, **env}, start_new_session=True)
    os.close(slave)
    out, step = b"", 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if step < len(script) and script[step][0] in out:
                os.write(master, script[step][1])
                step += 1
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        status = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return status, out.decode(errors="replace").replace("\r", "")


def test_interactive_login_prompts_on_a_terminal(dock_env, tls_registry):
    from registry_fixtures import DOCK
    env = {k: str(v) for k, v in dock_env.env().items()}
    status, out = converse([DOCK, "--root", dock_env.root, "login", tls_registry.host], env,
                           [(b"Username: ", f"{tls_registry.user}\n".encode()),
                            (b"Password: ", f"{tls_registry.password}\n".encode())])
    assert status == 0, out
    assert "Password: " in out and "Login Succeeded" in out
    assert tls_registry.password not in out, "the password must not be echoed"
    assert dock_env.config_json()["auths"][tls_registry.host] == {"auth": b64("alice:wonderland")}
    # Stored credentials are tried first, without a prompt.
    r = dock_env.run("login", tls_registry.host, check=True)
    assert r.stdout == "Authenticating with existing credentials...\nLogin Succeeded\n"


def test_pull_needs_the_stored_basic_credentials(dock_env, tls_registry, small_image):
    push_layout(small_image, tls_registry.host, "private", creds=f"{tls_registry.user}:{tls_registry.password}")
    r = dock_env.run("pull", f"{tls_registry.host}/private", check=1)
    assert r.stderr == f"dock: {tls_registry.host}/private:latest: unauthorized: authentication required\n"
    dock_env.run("login", "-u", tls_registry.user, "--password-stdin", tls_registry.host,
                 input=tls_registry.password, check=True)
    dock_env.run("pull", f"{tls_registry.host}/private", check=True)


def test_logout_removes_only_that_registry(dock_env, tls_registry):
    dock_env.run("login", "-u", tls_registry.user, "-p", tls_registry.password, tls_registry.host, check=True)
    data = dock_env.config_json()
    data["auths"]["keep.example"] = {"auth": b64("k:v")}
    (dock_env.docker_config / "config.json").write_text(json.dumps(data))
    r = dock_env.run("logout", tls_registry.host, check=True)
    assert r.stdout == f"Removing login credentials for {tls_registry.host}\n"
    assert dock_env.config_json()["auths"] == {"keep.example": {"auth": b64("k:v")}}
    r = dock_env.run("logout", f"https://{tls_registry.host}/", check=True)
    assert r.stdout == f"Not logged in to {tls_registry.host}\n"


def test_config_flag_chooses_the_credentials_directory(dock_env, tls_registry, tmp_path):
    other = tmp_path / "elsewhere"
    dock_env.run("--config", other, "login", "-u", tls_registry.user, "-p", tls_registry.password,
                 tls_registry.host, check=True)
    assert json.loads((other / "config.json").read_text())["auths"][tls_registry.host]["auth"] == b64(
        "alice:wonderland")
    assert dock_env.config_json() is None


def test_token_realm_login_and_pull(dock_env, token_registry, small_image):
    tokens = token_registry.tokens
    push_layout(small_image, token_registry.host, "team/app", creds="bob:builder")
    # Anonymous: the realm grants nothing, the registry says so.
    r = dock_env.run("pull", f"{token_registry.host}/team/app", check=1)
    assert "unauthorized: authentication required" in r.stderr and len(r.stderr.splitlines()) == 1
    r = dock_env.run("login", "-u", "bob", "-p", "wrong", token_registry.host, check=1)
    assert r.stderr.splitlines()[-1] == (f"dock: login to {token_registry.host}: unauthorized: incorrect username "
                                         "or password")
    del tokens.requests[:]
    r = dock_env.run("login", "-u", "bob", "--password-stdin", token_registry.host, input="builder", check=True)
    assert "Login Succeeded" in r.stdout
    assert tokens.requests and all(user == "bob" for _, user, ok in tokens.requests)
    del tokens.requests[:]
    dock_env.run("pull", f"{token_registry.host}/team/app", check=True)
    scopes = [s for scope_list, _, _ in tokens.requests for s in scope_list]
    assert "repository:team/app:pull" in scopes
    # One token serves the whole pull (cached per scope), not one per request.
    assert len(tokens.requests) == 1, tokens.requests


HELPER = textwrap.dedent("""\
    #!/usr/bin/python3
    # docker-credential-test: docker's credential helper protocol, kept in a
    # JSON file next to this script; every call is logged.
    import json, os, sys
    here = os.path.dirname(os.path.abspath(__file__))
    db_path = os.path.join(here, "helper-db.json")
    db = json.load(open(db_path)) if os.path.exists(db_path) else {}
    verb = sys.argv[1]
    data = sys.stdin.read()
    with open(os.path.join(here, "helper-log"), "a") as log:
        log.write(verb + " " + (data.strip() if verb != "store" else json.loads(data)["ServerURL"]) + "\\n")
    if verb == "get":
        entry = db.get(data.strip())
        if entry is None:
            print("credentials not found in native keychain")
            sys.exit(1)
        print(json.dumps({"ServerURL": data.strip(), "Username": entry[0], "Secret": entry[1]}))
    elif verb == "store":
        req = json.loads(data)
        db[req["ServerURL"]] = [req["Username"], req["Secret"]]
    elif verb == "erase":
        if db.pop(data.strip(), None) is None:
            print("credentials not found in native keychain")
            sys.exit(1)
    json.dump(db, open(db_path, "w"))
    """)


@pytest.mark.parametrize("where", ["credsStore", "credHelpers"])
def test_credential_helper_keeps_the_secret(dock_env, tls_registry, small_image, tmp_path, where):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helper = bindir / "docker-credential-test"
    helper.write_text(HELPER)
    helper.chmod(0o755)
    cfg = {"credsStore": "test"} if where == "credsStore" else {"credHelpers": {tls_registry.host: "test"}}
    (dock_env.docker_config / "config.json").write_text(json.dumps(cfg))
    env = {"PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    push_layout(small_image, tls_registry.host, "helped", creds=f"{tls_registry.user}:{tls_registry.password}")
    r = dock_env.run("login", "-u", tls_registry.user, "-p", tls_registry.password, tls_registry.host, env=env,
                     check=True)
    assert "Login Succeeded" in r.stdout
    data = dock_env.config_json()
    assert data["auths"][tls_registry.host] == {}, "the secret must stay in the helper"
    assert json.loads((bindir / "helper-db.json").read_text()) == {tls_registry.host: ["alice", "wonderland"]}
    dock_env.run("pull", f"{tls_registry.host}/helped", env=env, check=True)
    assert f"get {tls_registry.host}" in (bindir / "helper-log").read_text()
    r = dock_env.run("logout", tls_registry.host, env=env, check=True)
    assert r.stdout == f"Removing login credentials for {tls_registry.host}\n"
    assert json.loads((bindir / "helper-db.json").read_text()) == {}
    assert tls_registry.host not in dock_env.config_json().get("auths", {})


def test_registry_403_is_denied_in_one_line(dock_env, registry, small_image, fault_proxy):
    push_layout(small_image, registry.host, "forbidden")
    body = json.dumps({"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]})
    proxy = fault_proxy(registry.host, lambda m, path, n: ("status", 403, body) if "/manifests/" in path else None)
    r = dock_env.run("pull", f"{proxy.host}/forbidden", check=1)
    assert r.stderr == f"dock: {proxy.host}/forbidden:latest: denied: requested access to the resource is denied\n"


def test_credentials_go_to_docker_config_else_home_dot_docker(dock_env, tls_registry, tmp_path):
    login = ("login", "-u", tls_registry.user, "--password-stdin", tls_registry.host)
    # Without $DOCKER_CONFIG: ~/.docker/config.json, as docker.
    dock_env.run(*login, input=tls_registry.password, env={"DOCKER_CONFIG": None}, check=True)
    home_cfg = dock_env.home / ".docker" / "config.json"
    assert json.loads(home_cfg.read_text())["auths"][tls_registry.host] == {"auth": b64("alice:wonderland")}
    assert stat.S_IMODE(home_cfg.stat().st_mode) == 0o600
    assert dock_env.config_json() is None
    # $DOCKER_CONFIG names the directory instead; logout there leaves ~/.docker alone.
    elsewhere = tmp_path / "cfg-dir"
    dock_env.run(*login, input=tls_registry.password, env={"DOCKER_CONFIG": str(elsewhere)}, check=True)
    assert tls_registry.host in json.loads((elsewhere / "config.json").read_text())["auths"]
    dock_env.run("logout", tls_registry.host, env={"DOCKER_CONFIG": str(elsewhere)}, check=True)
    assert json.loads((elsewhere / "config.json").read_text())["auths"] == {}
    assert tls_registry.host in json.loads(home_cfg.read_text())["auths"]
