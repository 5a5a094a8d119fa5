"""The CRI part of capture.py: a private containerd with its CRI plugin,
driven over gRPC as the kubelet would (a pod sandbox, then a container in
it), with the capturing runtime wrapper as the runc of its runc.v2 shim.

There is no crictl in Debian 12: the few CRI messages needed are declared
here by hand as protobuf descriptors (field numbers and types as in
k8s.io/cri-api runtime/v1 api.proto; only the fields used), built with
python3-protobuf and sent with python3-grpcio.  The pod uses the host's
network namespace, so no CNI plugin is involved; its IPC and UTS
namespaces are the sandbox's, which the container joins by path."""
import subprocess
import time
from pathlib import Path

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto
PACKAGE = "runtime.v1"
SERVICE = "/runtime.v1.RuntimeService/"
PAUSE_IMAGE = "localhost/berth-pause:test"

# message name: [(field name, number, type, message type or None, repeated)]
MESSAGES = {
    "PodSandboxMetadata": [("name", 1, F.TYPE_STRING, None, False), ("uid", 2, F.TYPE_STRING, None, False),
                           ("namespace", 3, F.TYPE_STRING, None, False),
                           ("attempt", 4, F.TYPE_UINT32, None, False)],
    "NamespaceOption": [("network", 1, F.TYPE_INT32, None, False), ("pid", 2, F.TYPE_INT32, None, False),
                        ("ipc", 3, F.TYPE_INT32, None, False)],
    "LinuxSandboxSecurityContext": [("namespace_options", 1, F.TYPE_MESSAGE, "NamespaceOption", False)],
    "LinuxPodSandboxConfig": [("cgroup_parent", 1, F.TYPE_STRING, None, False),
                              ("security_context", 2, F.TYPE_MESSAGE, "LinuxSandboxSecurityContext", False)],
    "PodSandboxConfig": [("metadata", 1, F.TYPE_MESSAGE, "PodSandboxMetadata", False),
                         ("hostname", 2, F.TYPE_STRING, None, False),
                         ("log_directory", 3, F.TYPE_STRING, None, False),
                         ("linux", 8, F.TYPE_MESSAGE, "LinuxPodSandboxConfig", False)],
    "RunPodSandboxRequest": [("config", 1, F.TYPE_MESSAGE, "PodSandboxConfig", False),
                             ("runtime_handler", 2, F.TYPE_STRING, None, False)],
    "RunPodSandboxResponse": [("pod_sandbox_id", 1, F.TYPE_STRING, None, False)],
    "ContainerMetadata": [("name", 1, F.TYPE_STRING, None, False), ("attempt", 2, F.TYPE_UINT32, None, False)],
    "ImageSpec": [("image", 1, F.TYPE_STRING, None, False)],
    "KeyValue": [("key", 1, F.TYPE_STRING, None, False), ("value", 2, F.TYPE_STRING, None, False)],
    "ContainerConfig": [("metadata", 1, F.TYPE_MESSAGE, "ContainerMetadata", False),
                        ("image", 2, F.TYPE_MESSAGE, "ImageSpec", False),
                        ("command", 3, F.TYPE_STRING, None, True), ("args", 4, F.TYPE_STRING, None, True),
                        ("working_dir", 5, F.TYPE_STRING, None, False),
                        ("envs", 6, F.TYPE_MESSAGE, "KeyValue", True)],
    "CreateContainerRequest": [("pod_sandbox_id", 1, F.TYPE_STRING, None, False),
                               ("config", 2, F.TYPE_MESSAGE, "ContainerConfig", False),
                               ("sandbox_config", 3, F.TYPE_MESSAGE, "PodSandboxConfig", False)],
    "CreateContainerResponse": [("container_id", 1, F.TYPE_STRING, None, False)],
    "StartContainerRequest": [("container_id", 1, F.TYPE_STRING, None, False)],
    "StartContainerResponse": [],
    "RemoveContainerRequest": [("container_id", 1, F.TYPE_STRING, None, False)],
    "RemoveContainerResponse": [],
    "StopPodSandboxRequest": [("pod_sandbox_id", 1, F.TYPE_STRING, None, False)],
    "StopPodSandboxResponse": [],
    "RemovePodSandboxRequest": [("pod_sandbox_id", 1, F.TYPE_STRING, None, False)],
    "RemovePodSandboxResponse": [],
}
NAMESPACE_MODE = {"POD": 0, "CONTAINER": 1, "NODE": 2}


def message_classes():
    fdp = descriptor_pb2.FileDescriptorProto(name="berth_cri_subset.proto", package=PACKAGE, syntax="proto3")
    for name, fields in MESSAGES.items():
        m = fdp.message_type.add(name=name)
        for fname, number, ftype, sub, repeated in fields:
            f = m.field.add(name=fname, number=number, type=ftype,
                            label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
            if sub:
                f.type_name = f".{PACKAGE}.{sub}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    factory = message_factory.MessageFactory(pool)
    return {name: factory.GetPrototype(pool.FindMessageTypeByName(f"{PACKAGE}.{name}")) for name in MESSAGES}


class Cri:
    def __init__(self, address):
        self.m = message_classes()
        self.channel = grpc.insecure_channel(f"unix://{address}")

    def call(self, method, request_type, response_type, **fields):
        stub = self.channel.unary_unary(SERVICE + method, request_serializer=lambda r: r.SerializeToString(),
                                        response_deserializer=self.m[response_type].FromString)
        return stub(self.m[request_type](**fields), timeout=120)


def config_toml(base, wrapper):
    return f"""version = 2
root = "{base}/root"
state = "{base}/state"
plugin_dir = "{base}/plugins"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "{base}/containerd.sock"
[ttrpc]
  address = "{base}/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{base}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{base}/cni-bin"
    conf_dir = "{base}/cni-conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "{wrapper}"
        Root = "{base}/runc-root"
"""


def cri_configs(outdir, work, rootfs, write_wrapper, take_raw):
    from engines import IMAGE, build_image_archive, kill_processes_mentioning, remove_cgroup_trees
    base = work / "cri"
    for d in ("cni-bin", "cni-conf", "tmp"):
        (base / d).mkdir(parents=True)
    wrapper = base / "runc"
    write_wrapper(wrapper, outdir)
    (base / "config.toml").write_text(config_toml(base, wrapper))
    address = base / "containerd.sock"
    log = open(base / "containerd.log", "wb")
    proc = subprocess.Popen(["containerd", "--config", str(base / "config.toml")], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=log, cwd=base, start_new_session=True,
                            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR": str(base / "tmp")})
    ctr = ["ctr", "--address", str(address), "--namespace", "k8s.io"]
    cgroup_parent = f"berth-cri-{time.time_ns()}"
    cri = None
    try:
        for _ in range(300):
            if subprocess.run([*ctr, "version"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        for name, cmd in ((IMAGE, ("/bin/sh",)), (PAUSE_IMAGE, ("sleep", "3600"))):
            archive = build_image_archive(rootfs, base / f"{name.split('/')[-1]}.tar", name=name, cmd=cmd)
            subprocess.run([*ctr, "images", "import", str(archive)], check=True, capture_output=True)
        cri = Cri(address)
        m = cri.m
        sandbox_config = m["PodSandboxConfig"](
            metadata=m["PodSandboxMetadata"](name="corpus-pod", uid="corpus-pod-uid", namespace="default"),
            linux=m["LinuxPodSandboxConfig"](
                cgroup_parent=f"/{cgroup_parent}",
                security_context=m["LinuxSandboxSecurityContext"](
                    namespace_options=m["NamespaceOption"](network=NAMESPACE_MODE["NODE"],
                                                           pid=NAMESPACE_MODE["CONTAINER"],
                                                           ipc=NAMESPACE_MODE["POD"]))))
        pod = cri.call("RunPodSandbox", "RunPodSandboxRequest", "RunPodSandboxResponse", config=sandbox_config)
        take_raw(outdir, "cri-pod-sandbox", work)
        container = cri.call("CreateContainer", "CreateContainerRequest", "CreateContainerResponse",
                             pod_sandbox_id=pod.pod_sandbox_id, sandbox_config=sandbox_config,
                             config=m["ContainerConfig"](
                                 metadata=m["ContainerMetadata"](name="corpus-container"),
                                 image=m["ImageSpec"](image=IMAGE), command=["true"],
                                 envs=[m["KeyValue"](key="FOO", value="bar")]))
        cri.call("StartContainer", "StartContainerRequest", "StartContainerResponse",
                 container_id=container.container_id)
        take_raw(outdir, "cri-container", work)
        cri.call("RemoveContainer", "RemoveContainerRequest", "RemoveContainerResponse",
                 container_id=container.container_id)
        cri.call("StopPodSandbox", "StopPodSandboxRequest", "StopPodSandboxResponse",
                 pod_sandbox_id=pod.pod_sandbox_id)
        cri.call("RemovePodSandbox", "RemovePodSandboxRequest", "RemovePodSandboxResponse",
                 pod_sandbox_id=pod.pod_sandbox_id)
    finally:
        if cri:
            cri.channel.close()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        for cmd in kill_processes_mentioning(str(address)):
            print("killed a shim left behind:", cmd)
        remove_cgroup_trees(cgroup_parent)
        subprocess.run(["sh", "-c", f"grep -o ' {base}[^ ]*' /proc/self/mounts | sort -r | "
                        "xargs -r -n1 umount -l"], capture_output=True)
        tail = Path(base / "containerd.log").read_text(errors="replace")[-2000:]
        if proc.returncode not in (0, -15):
            print("containerd log:", tail)
