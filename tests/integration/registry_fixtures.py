"""Registries for dock's pull/push/login/search tests, all on 127.0.0.1.

Debian's docker-registry, each with a config written here, a private
storage directory and a free port, in three flavours:
  Registry(base)                         plain HTTP, no auth
  Registry(base, tls=..., htpasswd=...)  TLS with a CA and certificate made
                                         here with openssl, htpasswd (bcrypt)
                                         basic auth
  Registry(base, token=TokenServer(..))  Bearer tokens from a realm served by
                                         this test process: JWTs signed
                                         (RS256, python3-cryptography) with a
                                         key whose self-signed certificate is
                                         the registry's rootcertbundle and
                                         travels in the token's x5c header
FaultProxy sits in front of a registry to do what a real one cannot be made
to do: answer 429/500, drop a connection in the middle of a blob; it also
logs every request, so that a test can tell what was fetched.

Images are made here, not pulled: make_oci_layout() writes an OCI image
layout (one or more platforms, layers from the session's busybox rootfs and
random files) and push_layout() copies it into a registry with skopeo, as
an OCI manifest or index, or as docker schema2 (--format v2s2).

DockEnv runs dock with a private --root, $DOCKER_CONFIG and daemon.json.
Every fixture here tears down (kills its processes, removes its files)
even when the test fails.
"""
import base64
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from conftest import describe, exec_command
from dock_helpers import DOCK, run_dock
from engines import _layer

REGISTRY_BIN = "/usr/bin/docker-registry"
START_TIMEOUT = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(*programs):
    for p in programs:
        if shutil.which(p) is None:
            pytest.skip(f"{p} is not installed (see scripts/install-deps.sh)")


# --------------------------------------------------------------------------
# TLS material and htpasswd


def make_ca(directory, ip="127.0.0.1"):
    """A CA and a server certificate for ip (default 127.0.0.1, and
    localhost) signed by it: returns dict(ca=, cert=, key=) paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = d / "ca.key", d / "ca.crt"
    key, csr, crt = d / "server.key", d / "server.csr", d / "server.crt"
    ext = d / "san.ext"
    ext.write_text(f"subjectAltName=IP:{ip},DNS:localhost\nextendedKeyUsage=serverAuth\n")
    steps = [
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
         "-days", "2", "-subj", "/CN=dock test CA"],
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
         "-subj", f"/CN={ip}"],
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
         "-out", crt, "-days", "2", "-extfile", ext],
    ]
    for argv in steps:
        r, _ = exec_command(argv, timeout=60)
        assert r.returncode == 0, f"openssl failed\n{describe(r)}"
    return {"ca": ca_crt, "cert": crt, "key": key}


def make_htpasswd(path, users):
    """An htpasswd file with bcrypt entries (docker-registry accepts only bcrypt)."""
    path = Path(path)
    for i, (user, password) in enumerate(users.items()):
        flags = "-cbB" if i == 0 else "-bB"
        r, _ = exec_command(["htpasswd", flags, path, user, password], timeout=30)
        assert r.returncode == 0, f"htpasswd failed\n{describe(r)}"
    return path


# --------------------------------------------------------------------------
# the token realm


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """A token realm in this process: GET /token?service=&scope=... with
    Basic credentials of one of `users` returns a JWT granting what was
    asked; without credentials, `anonymous` actions only (default: none);
    with wrong ones, 401 in docker's token-server shape.  .requests logs
    (scope list, user) for each request."""

    def __init__(self, base, users, anonymous=()):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.users = dict(users)
        self.anonymous = set(anonymous)
        self.service = "dock-test-registry"
        self.issuer = "dock-test-issuer"
        key, self.cert = self.base / "token.key", self.base / "token.crt"
        r, _ = exec_command(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                             "-out", self.cert, "-days", "2", "-subj", "/CN=dock token signer"], timeout=60)
        assert r.returncode == 0, f"openssl failed\n{describe(r)}"
        self._key = serialization.load_pem_private_key(key.read_bytes(), password=None)
        der = x509.load_pem_x509_certificate(self.cert.read_bytes()).public_bytes(serialization.Encoding.DER)
        self._x5c = base64.b64encode(der).decode()
        self._sign = lambda data: self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server._handle(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _jwt(self, user, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self._x5c]}
        claims = {"iss": self.issuer, "sub": user or "", "aud": self.service, "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        return f"{signing_input}.{_b64url(self._sign(signing_input.encode()))}"

    def _handle(self, h):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(h.path).query)
        scopes = query.get("scope", [])
        user = None
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            pair = base64.b64decode(auth[6:]).decode(errors="replace")
            name, _, password = pair.partition(":")
            if self.users.get(name) != password:
                self.requests.append((scopes, name, False))
                body = json.dumps({"details": "incorrect username or password"}).encode()
                h.send_response(401)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body)
                return
            user = name
        self.requests.append((scopes, user, True))
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            wanted = actions.split(",")
            granted = wanted if user else [a for a in wanted if a in self.anonymous]
            if granted:
                access.append({"type": kind, "name": name, "actions": granted})
        body = json.dumps({"token": self._jwt(user, access), "expires_in": 300,
                           "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


# --------------------------------------------------------------------------
# a private network namespace, for a registry that is not on loopback


NETNS_ADDR = "10.123.0.1"  # on the namespace's lo: reachable, but not 127.0.0.0/8


def in_private_netns(fn):
    """fn() run in a thread that has joined a network namespace made here
    (its lo up with NETNS_ADDR): every socket it opens and every process it
    starts (a registry, skopeo, dock) lives there, so nothing reaches the
    host's network.  Returns fn's result or raises its exception."""
    import ctypes
    holder = subprocess.Popen(["unshare", "--net", "sh", "-c",
                               f"ip link set lo up && ip addr add {NETNS_ADDR}/32 dev lo && echo ready "
                               "&& exec sleep 600"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert holder.stdout.readline().strip() == b"ready", "could not set up a network namespace"
        fd = os.open(f"/proc/{holder.pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        outcome = {}

        def body():
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET, for this thread only
                outcome["error"] = OSError(ctypes.get_errno(), "setns")
                return
            try:
                outcome["value"] = fn()
            except BaseException as e:  # re-raised in the test's thread
                outcome["error"] = e

        t = threading.Thread(target=body)
        t.start()
        t.join()
        os.close(fd)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


# --------------------------------------------------------------------------
# docker-registry


class Registry:
    """docker-registry serving base/storage on 127.0.0.1:<port>.  .host is
    "127.0.0.1:<port>", .url its base URL; .blob_data(digest) the file
    holding a blob in the storage tree."""

    def __init__(self, base, tls=None, htpasswd=None, token=None, accesslog=False, addr="127.0.0.1"):
        need(REGISTRY_BIN)
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.storage = self.base / "storage"
        self.tls = tls
        scheme = "https" if tls else "http"
        self.proc = None
        last = ""
        for _ in range(3):  # a free port may be taken before the registry binds it
            self.port = free_port()
            self.host = f"{addr}:{self.port}"
            self.url = f"{scheme}://{self.host}"
            config = self.base / "config.yml"
            lines = ["version: 0.1", "log:", "  level: error", "  accesslog:",
                     f"    disabled: {'false' if accesslog else 'true'}",
                     "storage:", "  filesystem:", f"    rootdirectory: {self.storage}", "  delete:",
                     "    enabled: true", "  maintenance:", "    uploadpurging:", "      enabled: false",
                     "http:", f"  addr: {self.host}", f"  secret: {secrets.token_hex(16)}"]
            if tls:
                lines += ["  tls:", f"    certificate: {tls['cert']}", f"    key: {tls['key']}"]
            if htpasswd:
                lines += ["auth:", "  htpasswd:", "    realm: dock-test", f"    path: {htpasswd}"]
            elif token:
                lines += ["auth:", "  token:", f"    realm: {token.realm}", f"    service: {token.service}",
                          f"    issuer: {token.issuer}", f"    rootcertbundle: {token.cert}"]
            config.write_text("\n".join(lines) + "\n")
            self.log = open(self.base / "registry.log", "wb")
            self.proc = subprocess.Popen([REGISTRY_BIN, "serve", str(config)], stdin=subprocess.DEVNULL,
                                         stdout=self.log, stderr=self.log, start_new_session=True)
            if self._wait_ready():
                return
            last = (self.base / "registry.log").read_text(errors="replace")[-2000:]
            self._kill()
        shutil.rmtree(self.base, ignore_errors=True)
        raise RuntimeError(f"docker-registry did not start\n{last}")

    def _wait_ready(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = (http.client.HTTPSConnection(self.host, context=ctx, timeout=2) if self.tls
                        else http.client.HTTPConnection(self.host, timeout=2))
                conn.request("GET", "/v2/")
                status = conn.getresponse().status
                conn.close()
                if status in (200, 401):
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def access_log(self):
        """The registry's log (with accesslog=True: one line per request,
        naming its protocol, "HTTP/2.0" or "HTTP/1.1")."""
        self.log.flush()
        return (self.base / "registry.log").read_text(errors="replace")

    def blob_data(self, digest):
        hexd = digest.split(":", 1)[1]
        return self.storage / "docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    def stop(self):
        self._kill()
        shutil.rmtree(self.base, ignore_errors=True)


# --------------------------------------------------------------------------
# a proxy for faults the real registry cannot make


class FaultProxy:
    """An HTTP/1.1 proxy on 127.0.0.1 in front of a plain-HTTP registry.
    rule(method, path, n) -> None (forward), ("status", code, body) (answer
    that), ("cut", nbytes) (forward, but close the connection after nbytes
    of the body), ("stall", nbytes) (send nbytes of the body, set .stalled,
    then hold the connection until the proxy stops) or ("slow", seconds)
    (forward after a pause); n counts earlier requests for the same method
    and path.  .log lists (method, path, request headers, status, start,
    end) per request."""

    def __init__(self, target_host, rule=None):
        self.target = target_host
        self.rule = rule or (lambda method, path, n: None)
        self.log = []
        self.seen = {}
        self.lock = threading.Lock()
        self.stalled = threading.Event()
        self.stopping = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                proxy._handle(self)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def requests(self, method=None, contains=""):
        return [e for e in self.log if (method is None or e[0] == method) and contains in e[1]]

    def _handle(self, h):
        start = time.monotonic()
        with self.lock:
            n = self.seen.get((h.command, h.path), 0)
            self.seen[(h.command, h.path)] = n + 1
        action = self.rule(h.command, h.path, n)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        if action and action[0] == "status":
            _, code, payload = action
            data = payload.encode() if isinstance(payload, str) else payload
            h.send_response(code)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            if code == 429:
                h.send_header("Retry-After", "1")
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(data)
            self.log.append((h.command, h.path, dict(h.headers), code, start, time.monotonic()))
            return
        if action and action[0] == "slow":
            time.sleep(action[1])
        conn = http.client.HTTPConnection(self.target, timeout=30)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(h.command, h.path, body=body or None, headers=headers)
        resp = conn.getresponse()
        h.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("connection", "transfer-encoding", "keep-alive"):
                continue
            if k.lower() == "location":
                v = v.replace(self.target, self.host)
            h.send_header(k, v)
        data = resp.read()
        if "content-length" not in (k.lower() for k, _ in resp.getheaders()):
            h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if action and action[0] == "stall":
            h.wfile.write(data[:action[1]])
            h.wfile.flush()
            self.stalled.set()
            self.stopping.wait(60)
            h.close_connection = True
        elif action and action[0] == "cut":
            h.wfile.write(data[:action[1]])
            h.wfile.flush()
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif h.command != "HEAD":
            h.wfile.write(data)
        conn.close()
        self.log.append((h.command, h.path, dict(h.headers), resp.status, start, time.monotonic()))

    def stop(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


# --------------------------------------------------------------------------
# images


def _gzip(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def _tar(files):
    """An uncompressed layer tar of {path: bytes}."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_oci_layout(directory, rootfs, platforms=(("linux", "amd64", None),), extra_layers=0,
                    extra_size=256 * 1024, tag="latest", cmd=("/bin/sh",), label=None):
    """An OCI image layout at directory: the busybox rootfs as the first
    layer (gzip), then extra_layers layers of extra_size random bytes each;
    one manifest per platform, under an index when there are several.
    Returns dict(index=, manifests=[{platform, digest, config, layers}])."""
    d = Path(directory)
    blobs = d / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def blob(data, media_type):
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    base = _layer(rootfs)
    manifests = []
    for os_name, arch, variant in platforms:
        raw_layers = [base] + [_tar({f"data/{arch}-{i}.bin": secrets.token_bytes(extra_size)})
                               for i in range(extra_layers)]
        layers = [blob(_gzip(raw), "application/vnd.oci.image.layer.v1.tar+gzip") for raw in raw_layers]
        config = {"architecture": arch, "os": os_name, "created": "2026-01-01T00:00:00Z",
                  "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": list(cmd),
                             "Labels": {"dock.test.platform": f"{os_name}/{arch}", **(label or {})}},
                  "rootfs": {"type": "layers",
                             "diff_ids": ["sha256:" + hashlib.sha256(r).hexdigest() for r in raw_layers]},
                  "history": [{"created": "2026-01-01T00:00:00Z", "created_by": f"layer {i}"}
                              for i in range(len(raw_layers))]}
        if variant:
            config["variant"] = variant
        config_desc = blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": config_desc, "layers": layers}
        desc = blob(json.dumps(manifest).encode(), manifest["mediaType"])
        desc["platform"] = {"architecture": arch, "os": os_name, **({"variant": variant} if variant else {})}
        manifests.append({"platform": desc["platform"], "digest": desc["digest"], "config": config_desc["digest"],
                          "layers": [l["digest"] for l in layers], "desc": desc})
    if len(manifests) == 1:
        top = dict(manifests[0]["desc"])
        top.pop("platform")
    else:
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [m["desc"] for m in manifests]}
        top = blob(json.dumps(index).encode(), index["mediaType"])
    top["annotations"] = {"org.opencontainers.image.ref.name": tag}
    (d / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (d / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [top]}))
    return {"index": top["digest"] if len(manifests) > 1 else None, "manifests": manifests, "tag": tag}


def push_layout(layout_dir, registry_host, repo, tag="latest", fmt=None, creds=None, tls_verify=False,
                compression=None):
    """skopeo copy of an OCI layout into a registry; fmt "v2s2" converts it
    to docker schema2 (a manifest list for several platforms); compression
    "zstd" recompresses the layers."""
    need("skopeo")
    argv = ["skopeo", "copy", "--all", "--quiet", f"--dest-tls-verify={'true' if tls_verify else 'false'}"]
    if fmt:
        argv += ["--format", fmt]
    if creds:
        argv += ["--dest-creds", creds]
    if compression:
        argv += ["--dest-compress", "--dest-compress-format", compression]
    argv += [f"oci:{layout_dir}:{tag}", f"docker://{registry_host}/{repo}:{tag}"]
    r, _ = exec_command(argv, timeout=120, env={"TMPDIR": str(Path(layout_dir).parent)})
    assert r.returncode == 0, f"skopeo copy failed\n{describe(r)}"


def registry_manifest(registry_host, repo, reference, scheme="http"):
    """GET a manifest directly (raw JSON and the digest header)."""
    conn = http.client.HTTPConnection(registry_host, timeout=10)
    conn.request("GET", f"/v2/{repo}/manifests/{reference}", headers={"Accept": ", ".join([
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json"])})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body, resp.getheader("Docker-Content-Digest")


# --------------------------------------------------------------------------
# dock


class DockEnv:
    """dock with everything private: --root, $DOCKER_CONFIG (credentials),
    $DOCK_DAEMON_JSON, $DOCK_CERTS_D, $HOME.  .run(*args, check=, input=,
    env=) returns a CompletedProcess and fails on sanitizer reports."""

    def __init__(self, base):
        self.base = Path(base)
        self.root = self.base / "root"
        self.docker_config = self.base / "docker-config"
        self.certs_d = self.base / "certs.d"
        self.daemon_json = self.base / "daemon.json"
        self.home = self.base / "home"
        for p in (self.docker_config, self.certs_d, self.home):
            p.mkdir(parents=True, exist_ok=True)
        self.daemon_json.write_text("{}\n")

    def env(self, extra=None):
        e = {"DOCKER_CONFIG": str(self.docker_config), "DOCK_DAEMON_JSON": self.daemon_json,
             "DOCK_CERTS_D": self.certs_d, "HOME": self.home, "TMPDIR": self.base}
        e.update(extra or {})
        return e

    def run(self, *args, check=None, input=None, env=None, timeout=120):
        if not os.path.exists(DOCK):
            pytest.fail(f"{DOCK} is missing: build dock first", pytrace=False)
        return run_dock(*args, root=self.root, input=input, check=check, env=self.env(env), timeout=timeout)

    def popen(self, *args):
        """dock started in the background (stdout and stderr to files under
        base); the caller waits for it or kills it."""
        out = open(self.base / f"out-{uuid.uuid4().hex[:6]}", "w+")
        env = {**os.environ, **{k: str(v) for k, v in self.env().items()}}
        p = subprocess.Popen([DOCK, "--root", str(self.root), *map(str, args)], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        p.output_file = out
        return p

    def config_json(self):
        p = self.docker_config / "config.json"
        return json.loads(p.read_text()) if p.exists() else None

    def store_files(self):
        """Every file under the store (relative paths), for "nothing left" checks."""
        if not self.root.exists():
            return set()
        return {str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture
def dock_env(tmp_path):
    d = DockEnv(tmp_path / "dock")
    yield d
    shutil.rmtree(d.base, ignore_errors=True)


@pytest.fixture
def registry(tmp_path_factory):
    """A plain-HTTP registry of the test's own."""
    r = Registry(tmp_path_factory.mktemp("registry"))
    yield r
    r.stop()


@pytest.fixture
def tls_registry(tmp_path_factory):
    """A TLS registry (CA and certificate made here) with htpasswd basic
    auth for user "alice", password "wonderland"; .ca is the CA file."""
    need("openssl", "htpasswd")
    base = tmp_path_factory.mktemp("tls-registry")
    tls = make_ca(base / "pki")
    htpasswd = make_htpasswd(base / "htpasswd", {"alice": "wonderland"})
    r = Registry(base / "registry", tls=tls, htpasswd=htpasswd)
    r.ca = tls["ca"]
    r.user, r.password = "alice", "wonderland"
    yield r
    r.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def token_registry(tmp_path_factory):
    """A plain-HTTP registry whose Bearer realm is a TokenServer of this
    test (user "bob", password "builder"; anonymous gets nothing)."""
    need("openssl")
    pytest.importorskip("cryptography", reason="python3-cryptography signs the test's tokens")
    base = tmp_path_factory.mktemp("token-registry")
    tokens = TokenServer(base / "tokens", {"bob": "builder"})
    try:
        r = Registry(base / "registry", token=tokens)
    except Exception:
        tokens.stop()
        raise
    r.tokens = tokens
    r.user, r.password = "bob", "builder"
    yield r
    r.stop()
    tokens.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fault_proxy():
    """new_proxy(target_host, rule) -> FaultProxy; all stopped at teardown."""
    proxies = []

    def new_proxy(target, rule=None):
        p = FaultProxy(target, rule)
        proxies.append(p)
        return p

    yield new_proxy
    for p in proxies:
        p.stop()


@pytest.fixture(scope="session")
def busybox_rootfs(busybox_template):
    return busybox_template / "rootfs"
