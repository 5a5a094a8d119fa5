/* libocispec: the OCI runtime-spec 1.3 types (config.json, state, features).
 *
 * One X-macro list per JSON object of the spec, in the spec's member order.
 * Members of other platforms (windows, solaris, vm, zos, freebsd) and any
 * member a later spec adds are kept verbatim in each struct's _extra.
 */
#ifndef OCI_RUNTIME_SPEC_H
#define OCI_RUNTIME_SPEC_H

#include "schema.h"

/* gnu11 predefines the legacy macro `linux` as 1; the spec's member is named
   linux, so drop the macro (code tests __linux__, never linux). */
#undef linux

#define OCI_RUNTIME_SPEC_VERSION "1.3.0"

/* ------------------------------------------------------------- config.json */

#define OCI_FIELDS_oci_spec(X, T)                                                                                     \
  X (T, STR, oci_version, "ociVersion", OCI_REQ, _)                                                                   \
  X (T, OBJ, process, "process", 0, oci_process)                                                                      \
  X (T, OBJ, root, "root", 0, oci_root)                                                                               \
  X (T, STR, hostname, "hostname", 0, _)                                                                              \
  X (T, STR, domainname, "domainname", 0, _)                                                                          \
  X (T, AOBJ, mounts, "mounts", 0, oci_mount)                                                                         \
  X (T, OBJ, hooks, "hooks", 0, oci_hooks)                                                                            \
  X (T, MSTR, annotations, "annotations", 0, _)                                                                       \
  X (T, OBJ, linux, "linux", 0, oci_linux)

#define OCI_FIELDS_oci_root(X, T)                                                                                     \
  X (T, STR, path, "path", OCI_REQ, _)                                                                                \
  X (T, BOOL, readonly, "readonly", 0, _)

#define OCI_FIELDS_oci_id_mapping(X, T)                                                                               \
  X (T, U32, container_id, "containerID", OCI_REQ, _)                                                                 \
  X (T, U32, host_id, "hostID", OCI_REQ, _)                                                                           \
  X (T, U32, size, "size", OCI_REQ, _)

#define OCI_FIELDS_oci_mount(X, T)                                                                                    \
  X (T, STR, destination, "destination", OCI_REQ, _)                                                                  \
  X (T, STR, source, "source", 0, _)                                                                                  \
  X (T, ASTR, options, "options", 0, _)                                                                               \
  X (T, STR, type, "type", 0, _)                                                                                      \
  X (T, AOBJ, uid_mappings, "uidMappings", 0, oci_id_mapping)                                                         \
  X (T, AOBJ, gid_mappings, "gidMappings", 0, oci_id_mapping)

#define OCI_FIELDS_oci_process(X, T)                                                                                  \
  X (T, BOOL, terminal, "terminal", 0, _)                                                                             \
  X (T, OBJ, console_size, "consoleSize", 0, oci_console_size)                                                        \
  X (T, OBJ, user, "user", 0, oci_user)                                                                               \
  X (T, ASTR, args, "args", 0, _)                                                                                     \
  X (T, STR, command_line, "commandLine", 0, _)                                                                       \
  X (T, ASTR, env, "env", 0, _)                                                                                       \
  X (T, STR, cwd, "cwd", OCI_REQ, _)                                                                                  \
  X (T, OBJ, capabilities, "capabilities", 0, oci_capabilities)                                                       \
  X (T, AOBJ, rlimits, "rlimits", 0, oci_rlimit)                                                                      \
  X (T, BOOL, no_new_privileges, "noNewPrivileges", 0, _)                                                             \
  X (T, STR, apparmor_profile, "apparmorProfile", 0, _)                                                               \
  X (T, I32, oom_score_adj, "oomScoreAdj", 0, _)                                                                      \
  X (T, OBJ, scheduler, "scheduler", 0, oci_scheduler)                                                                \
  X (T, STR, selinux_label, "selinuxLabel", 0, _)                                                                     \
  X (T, OBJ, io_priority, "ioPriority", 0, oci_io_priority)                                                           \
  X (T, OBJ, exec_cpu_affinity, "execCPUAffinity", 0, oci_cpu_affinity)

#define OCI_FIELDS_oci_console_size(X, T)                                                                             \
  X (T, U64, height, "height", OCI_REQ, _)                                                                            \
  X (T, U64, width, "width", OCI_REQ, _)

#define OCI_FIELDS_oci_user(X, T)                                                                                     \
  X (T, U32, uid, "uid", 0, _)                                                                                        \
  X (T, U32, gid, "gid", 0, _)                                                                                        \
  X (T, U32, umask, "umask", 0, _)                                                                                    \
  X (T, AU32, additional_gids, "additionalGids", 0, _)                                                                \
  X (T, STR, username, "username", 0, _)

#define OCI_FIELDS_oci_capabilities(X, T)                                                                             \
  X (T, ASTR, effective, "effective", 0, _)                                                                           \
  X (T, ASTR, bounding, "bounding", 0, _)                                                                             \
  X (T, ASTR, inheritable, "inheritable", 0, _)                                                                       \
  X (T, ASTR, permitted, "permitted", 0, _)                                                                           \
  X (T, ASTR, ambient, "ambient", 0, _)

#define OCI_FIELDS_oci_rlimit(X, T)                                                                                   \
  X (T, STR, type, "type", OCI_REQ, _)                                                                                \
  X (T, U64, soft, "soft", OCI_REQ, _)                                                                                \
  X (T, U64, hard, "hard", OCI_REQ, _)

#define OCI_FIELDS_oci_scheduler(X, T)                                                                                \
  X (T, STR, policy, "policy", OCI_REQ, _)                                                                            \
  X (T, I32, nice, "nice", 0, _)                                                                                      \
  X (T, I32, priority, "priority", 0, _)                                                                              \
  X (T, ASTR, flags, "flags", 0, _)                                                                                   \
  X (T, U64, runtime, "runtime", 0, _)                                                                                \
  X (T, U64, deadline, "deadline", 0, _)                                                                              \
  X (T, U64, period, "period", 0, _)

#define OCI_FIELDS_oci_io_priority(X, T)                                                                              \
  X (T, STR, class_, "class", OCI_REQ, _)                                                                             \
  X (T, I32, priority, "priority", 0, _)

#define OCI_FIELDS_oci_cpu_affinity(X, T)                                                                             \
  X (T, STR, initial, "initial", 0, _)                                                                                \
  X (T, STR, final, "final", 0, _)

#define OCI_FIELDS_oci_hook(X, T)                                                                                     \
  X (T, STR, path, "path", OCI_REQ, _)                                                                                \
  X (T, ASTR, args, "args", 0, _)                                                                                     \
  X (T, ASTR, env, "env", 0, _)                                                                                       \
  X (T, I64, timeout, "timeout", 0, _)

#define OCI_FIELDS_oci_hooks(X, T)                                                                                    \
  X (T, AOBJ, prestart, "prestart", 0, oci_hook)                                                                      \
  X (T, AOBJ, create_runtime, "createRuntime", 0, oci_hook)                                                           \
  X (T, AOBJ, create_container, "createContainer", 0, oci_hook)                                                       \
  X (T, AOBJ, start_container, "startContainer", 0, oci_hook)                                                         \
  X (T, AOBJ, poststart, "poststart", 0, oci_hook)                                                                    \
  X (T, AOBJ, poststop, "poststop", 0, oci_hook)

/* ------------------------------------------------------------------ linux */

#define OCI_FIELDS_oci_linux(X, T)                                                                                    \
  X (T, AOBJ, namespaces, "namespaces", 0, oci_namespace)                                                             \
  X (T, AOBJ, uid_mappings, "uidMappings", 0, oci_id_mapping)                                                         \
  X (T, AOBJ, gid_mappings, "gidMappings", 0, oci_id_mapping)                                                         \
  X (T, MOBJ, time_offsets, "timeOffsets", 0, oci_time_offset)                                                        \
  X (T, AOBJ, devices, "devices", 0, oci_device)                                                                      \
  X (T, MOBJ, net_devices, "netDevices", 0, oci_net_device)                                                           \
  X (T, STR, cgroups_path, "cgroupsPath", 0, _)                                                                       \
  X (T, OBJ, resources, "resources", 0, oci_resources)                                                                \
  X (T, OBJ, intel_rdt, "intelRdt", 0, oci_intel_rdt)                                                                 \
  X (T, OBJ, memory_policy, "memoryPolicy", 0, oci_memory_policy)                                                     \
  X (T, MSTR, sysctl, "sysctl", 0, _)                                                                                 \
  X (T, OBJ, seccomp, "seccomp", 0, oci_seccomp)                                                                      \
  X (T, STR, rootfs_propagation, "rootfsPropagation", 0, _)                                                           \
  X (T, ASTR, masked_paths, "maskedPaths", 0, _)                                                                      \
  X (T, ASTR, readonly_paths, "readonlyPaths", 0, _)                                                                  \
  X (T, STR, mount_label, "mountLabel", 0, _)                                                                         \
  X (T, OBJ, personality, "personality", 0, oci_personality)

#define OCI_FIELDS_oci_namespace(X, T)                                                                                \
  X (T, STR, type, "type", OCI_REQ, _)                                                                                \
  X (T, STR, path, "path", 0, _)

#define OCI_FIELDS_oci_time_offset(X, T)                                                                              \
  X (T, I64, secs, "secs", 0, _)                                                                                      \
  X (T, U32, nanosecs, "nanosecs", 0, _)

#define OCI_FIELDS_oci_device(X, T)                                                                                   \
  X (T, STR, type, "type", OCI_REQ, _)                                                                                \
  X (T, STR, path, "path", OCI_REQ, _)                                                                                \
  X (T, I64, major, "major", 0, _)                                                                                    \
  X (T, I64, minor, "minor", 0, _)                                                                                    \
  X (T, U32, file_mode, "fileMode", 0, _)                                                                             \
  X (T, U32, uid, "uid", 0, _)                                                                                        \
  X (T, U32, gid, "gid", 0, _)

#define OCI_FIELDS_oci_net_device(X, T) X (T, STR, name, "name", 0, _)

#define OCI_FIELDS_oci_resources(X, T)                                                                                \
  X (T, AOBJ, devices, "devices", 0, oci_device_cgroup)                                                               \
  X (T, OBJ, memory, "memory", 0, oci_memory)                                                                         \
  X (T, OBJ, cpu, "cpu", 0, oci_cpu)                                                                                  \
  X (T, OBJ, pids, "pids", 0, oci_pids)                                                                               \
  X (T, OBJ, block_io, "blockIO", 0, oci_block_io)                                                                    \
  X (T, AOBJ, hugepage_limits, "hugepageLimits", 0, oci_hugepage_limit)                                               \
  X (T, OBJ, network, "network", 0, oci_network)                                                                      \
  X (T, MOBJ, rdma, "rdma", 0, oci_rdma)                                                                              \
  X (T, MSTR, unified, "unified", 0, _)

#define OCI_FIELDS_oci_device_cgroup(X, T)                                                                            \
  X (T, BOOL, allow, "allow", OCI_REQ, _)                                                                             \
  X (T, STR, type, "type", 0, _)                                                                                      \
  X (T, I64, major, "major", 0, _)                                                                                    \
  X (T, I64, minor, "minor", 0, _)                                                                                    \
  X (T, STR, access, "access", 0, _)

#define OCI_FIELDS_oci_memory(X, T)                                                                                   \
  X (T, I64, limit, "limit", 0, _)                                                                                    \
  X (T, I64, reservation, "reservation", 0, _)                                                                        \
  X (T, I64, swap, "swap", 0, _)                                                                                      \
  X (T, I64, kernel, "kernel", 0, _)                                                                                  \
  X (T, I64, kernel_tcp, "kernelTCP", 0, _)                                                                           \
  X (T, U64, swappiness, "swappiness", 0, _)                                                                          \
  X (T, BOOL, disable_oom_killer, "disableOOMKiller", 0, _)                                                           \
  X (T, BOOL, use_hierarchy, "useHierarchy", 0, _)                                                                    \
  X (T, BOOL, check_before_update, "checkBeforeUpdate", 0, _)

#define OCI_FIELDS_oci_cpu(X, T)                                                                                      \
  X (T, U64, shares, "shares", 0, _)                                                                                  \
  X (T, I64, quota, "quota", 0, _)                                                                                    \
  X (T, U64, burst, "burst", 0, _)                                                                                    \
  X (T, U64, period, "period", 0, _)                                                                                  \
  X (T, I64, realtime_runtime, "realtimeRuntime", 0, _)                                                               \
  X (T, U64, realtime_period, "realtimePeriod", 0, _)                                                                 \
  X (T, STR, cpus, "cpus", 0, _)                                                                                      \
  X (T, STR, mems, "mems", 0, _)                                                                                      \
  X (T, I64, idle, "idle", 0, _)

#define OCI_FIELDS_oci_pids(X, T) X (T, I64, limit, "limit", OCI_REQ, _)

#define OCI_FIELDS_oci_block_io(X, T)                                                                                 \
  X (T, U16, weight, "weight", 0, _)                                                                                  \
  X (T, U16, leaf_weight, "leafWeight", 0, _)                                                                         \
  X (T, AOBJ, weight_device, "weightDevice", 0, oci_blkio_weight_device)                                              \
  X (T, AOBJ, throttle_read_bps_device, "throttleReadBpsDevice", 0, oci_blkio_throttle)                               \
  X (T, AOBJ, throttle_write_bps_device, "throttleWriteBpsDevice", 0, oci_blkio_throttle)                             \
  X (T, AOBJ, throttle_read_iops_device, "throttleReadIOPSDevice", 0, oci_blkio_throttle)                             \
  X (T, AOBJ, throttle_write_iops_device, "throttleWriteIOPSDevice", 0, oci_blkio_throttle)

#define OCI_FIELDS_oci_blkio_weight_device(X, T)                                                                      \
  X (T, I64, major, "major", OCI_REQ, _)                                                                              \
  X (T, I64, minor, "minor", OCI_REQ, _)                                                                              \
  X (T, U16, weight, "weight", 0, _)                                                                                  \
  X (T, U16, leaf_weight, "leafWeight", 0, _)

#define OCI_FIELDS_oci_blkio_throttle(X, T)                                                                           \
  X (T, I64, major, "major", OCI_REQ, _)                                                                              \
  X (T, I64, minor, "minor", OCI_REQ, _)                                                                              \
  X (T, U64, rate, "rate", 0, _)

#define OCI_FIELDS_oci_hugepage_limit(X, T)                                                                           \
  X (T, STR, page_size, "pageSize", OCI_REQ, _)                                                                       \
  X (T, U64, limit, "limit", OCI_REQ, _)

#define OCI_FIELDS_oci_network(X, T)                                                                                  \
  X (T, U32, class_id, "classID", 0, _)                                                                               \
  X (T, AOBJ, priorities, "priorities", 0, oci_net_priority)

#define OCI_FIELDS_oci_net_priority(X, T)                                                                             \
  X (T, STR, name, "name", OCI_REQ, _)                                                                                \
  X (T, U32, priority, "priority", OCI_REQ, _)

#define OCI_FIELDS_oci_rdma(X, T)                                                                                     \
  X (T, U32, hca_handles, "hcaHandles", 0, _)                                                                         \
  X (T, U32, hca_objects, "hcaObjects", 0, _)

#define OCI_FIELDS_oci_intel_rdt(X, T)                                                                                \
  X (T, STR, clos_id, "closID", 0, _)                                                                                 \
  X (T, ASTR, schemata, "schemata", 0, _)                                                                             \
  X (T, STR, l3_cache_schema, "l3CacheSchema", 0, _)                                                                  \
  X (T, STR, mem_bw_schema, "memBwSchema", 0, _)                                                                      \
  X (T, BOOL, enable_monitoring, "enableMonitoring", 0, _)

#define OCI_FIELDS_oci_memory_policy(X, T)                                                                            \
  X (T, STR, mode, "mode", OCI_REQ, _)                                                                                \
  X (T, STR, nodes, "nodes", 0, _)                                                                                    \
  X (T, ASTR, flags, "flags", 0, _)

#define OCI_FIELDS_oci_seccomp(X, T)                                                                                  \
  X (T, STR, default_action, "defaultAction", OCI_REQ, _)                                                             \
  X (T, U32, default_errno_ret, "defaultErrnoRet", 0, _)                                                              \
  X (T, ASTR, architectures, "architectures", 0, _)                                                                   \
  X (T, ASTR, flags, "flags", 0, _)                                                                                   \
  X (T, STR, listener_path, "listenerPath", 0, _)                                                                     \
  X (T, STR, listener_metadata, "listenerMetadata", 0, _)                                                             \
  X (T, AOBJ, syscalls, "syscalls", 0, oci_syscall)

#define OCI_FIELDS_oci_syscall(X, T)                                                                                  \
  X (T, ASTR, names, "names", OCI_REQ, _)                                                                             \
  X (T, STR, action, "action", OCI_REQ, _)                                                                            \
  X (T, U32, errno_ret, "errnoRet", 0, _)                                                                             \
  X (T, AOBJ, args, "args", 0, oci_syscall_arg)

#define OCI_FIELDS_oci_syscall_arg(X, T)                                                                              \
  X (T, U32, index, "index", OCI_REQ, _)                                                                              \
  X (T, U64, value, "value", OCI_REQ, _)                                                                              \
  X (T, U64, value_two, "valueTwo", 0, _)                                                                             \
  X (T, STR, op, "op", OCI_REQ, _)

#define OCI_FIELDS_oci_personality(X, T)                                                                              \
  X (T, STR, domain, "domain", 0, _)                                                                                  \
  X (T, ASTR, flags, "flags", 0, _)

/* ------------------------------------------------------------------ state */

#define OCI_FIELDS_oci_state(X, T)                                                                                    \
  X (T, STR, oci_version, "ociVersion", OCI_REQ, _)                                                                   \
  X (T, STR, id, "id", OCI_REQ, _)                                                                                    \
  X (T, STR, status, "status", OCI_REQ, _)                                                                            \
  X (T, I64, pid, "pid", 0, _)                                                                                        \
  X (T, STR, bundle, "bundle", OCI_REQ, _)                                                                            \
  X (T, MSTR, annotations, "annotations", 0, _)

/* --------------------------------------------------------------- features */

#define OCI_FIELDS_oci_features(X, T)                                                                                 \
  X (T, STR, oci_version_min, "ociVersionMin", OCI_REQ, _)                                                            \
  X (T, STR, oci_version_max, "ociVersionMax", OCI_REQ, _)                                                            \
  X (T, ASTR, hooks, "hooks", 0, _)                                                                                   \
  X (T, ASTR, mount_options, "mountOptions", 0, _)                                                                    \
  X (T, OBJ, linux, "linux", 0, oci_features_linux)                                                                   \
  X (T, MSTR, annotations, "annotations", 0, _)                                                                       \
  X (T, ASTR, potentially_unsafe_config_annotations, "potentiallyUnsafeConfigAnnotations", 0, _)

#define OCI_FIELDS_oci_features_linux(X, T)                                                                           \
  X (T, ASTR, namespaces, "namespaces", 0, _)                                                                         \
  X (T, ASTR, capabilities, "capabilities", 0, _)                                                                     \
  X (T, OBJ, cgroup, "cgroup", 0, oci_features_cgroup)                                                                \
  X (T, OBJ, seccomp, "seccomp", 0, oci_features_seccomp)                                                             \
  X (T, OBJ, apparmor, "apparmor", 0, oci_features_enabled)                                                           \
  X (T, OBJ, selinux, "selinux", 0, oci_features_enabled)                                                             \
  X (T, OBJ, intel_rdt, "intelRdt", 0, oci_features_intel_rdt)                                                        \
  X (T, OBJ, memory_policy, "memoryPolicy", 0, oci_features_memory_policy)                                            \
  X (T, OBJ, mount_extensions, "mountExtensions", 0, oci_features_mount_extensions)                                   \
  X (T, OBJ, net_devices, "netDevices", 0, oci_features_enabled)

#define OCI_FIELDS_oci_features_cgroup(X, T)                                                                          \
  X (T, BOOL, v1, "v1", 0, _)                                                                                         \
  X (T, BOOL, v2, "v2", 0, _)                                                                                         \
  X (T, BOOL, systemd, "systemd", 0, _)                                                                               \
  X (T, BOOL, systemd_user, "systemdUser", 0, _)                                                                      \
  X (T, BOOL, rdma, "rdma", 0, _)

#define OCI_FIELDS_oci_features_seccomp(X, T)                                                                         \
  X (T, BOOL, enabled, "enabled", 0, _)                                                                               \
  X (T, ASTR, actions, "actions", 0, _)                                                                               \
  X (T, ASTR, operators, "operators", 0, _)                                                                           \
  X (T, ASTR, archs, "archs", 0, _)                                                                                   \
  X (T, ASTR, known_flags, "knownFlags", 0, _)                                                                        \
  X (T, ASTR, supported_flags, "supportedFlags", 0, _)

#define OCI_FIELDS_oci_features_enabled(X, T) X (T, BOOL, enabled, "enabled", 0, _)

#define OCI_FIELDS_oci_features_intel_rdt(X, T)                                                                       \
  X (T, BOOL, enabled, "enabled", 0, _)                                                                               \
  X (T, BOOL, schemata, "schemata", 0, _)                                                                             \
  X (T, BOOL, monitoring, "monitoring", 0, _)

#define OCI_FIELDS_oci_features_memory_policy(X, T)                                                                   \
  X (T, ASTR, modes, "modes", 0, _)                                                                                   \
  X (T, ASTR, flags, "flags", 0, _)

#define OCI_FIELDS_oci_features_mount_extensions(X, T) X (T, OBJ, idmap, "idmap", 0, oci_features_enabled)

/* Every type, for the declarations below and the tables in runtime_spec.c. */
#define OCI_RUNTIME_TYPES(M)                                                                                          \
  M (oci_spec)                                                                                                        \
  M (oci_root)                                                                                                        \
  M (oci_id_mapping)                                                                                                  \
  M (oci_mount)                                                                                                       \
  M (oci_process)                                                                                                     \
  M (oci_console_size)                                                                                                \
  M (oci_user)                                                                                                        \
  M (oci_capabilities)                                                                                                \
  M (oci_rlimit)                                                                                                      \
  M (oci_scheduler)                                                                                                   \
  M (oci_io_priority)                                                                                                 \
  M (oci_cpu_affinity)                                                                                                \
  M (oci_hook)                                                                                                        \
  M (oci_hooks)                                                                                                       \
  M (oci_linux)                                                                                                       \
  M (oci_namespace)                                                                                                   \
  M (oci_time_offset)                                                                                                 \
  M (oci_device)                                                                                                      \
  M (oci_net_device)                                                                                                  \
  M (oci_resources)                                                                                                   \
  M (oci_device_cgroup)                                                                                               \
  M (oci_memory)                                                                                                      \
  M (oci_cpu)                                                                                                         \
  M (oci_pids)                                                                                                        \
  M (oci_block_io)                                                                                                    \
  M (oci_blkio_weight_device)                                                                                         \
  M (oci_blkio_throttle)                                                                                              \
  M (oci_hugepage_limit)                                                                                              \
  M (oci_network)                                                                                                     \
  M (oci_net_priority)                                                                                                \
  M (oci_rdma)                                                                                                        \
  M (oci_intel_rdt)                                                                                                   \
  M (oci_memory_policy)                                                                                               \
  M (oci_seccomp)                                                                                                     \
  M (oci_syscall)                                                                                                     \
  M (oci_syscall_arg)                                                                                                 \
  M (oci_personality)                                                                                                 \
  M (oci_state)                                                                                                       \
  M (oci_features)                                                                                                    \
  M (oci_features_linux)                                                                                              \
  M (oci_features_cgroup)                                                                                             \
  M (oci_features_seccomp)                                                                                            \
  M (oci_features_enabled)                                                                                            \
  M (oci_features_intel_rdt)                                                                                          \
  M (oci_features_memory_policy)                                                                                      \
  M (oci_features_mount_extensions)

OCI_RUNTIME_TYPES (OCI_DEFINE_STRUCT)
OCI_RUNTIME_TYPES (OCI_DECLARE_TYPE)

#endif
