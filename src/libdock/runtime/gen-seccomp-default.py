#!/usr/bin/env python3
"""Write dock's default seccomp profile (seccomp-default.json) in docker's
profile format: an allow-list with defaultAction SCMP_ACT_ERRNO (EPERM).

The allow-list is every system call of the kernel's tables (the x86_64 and
i386 unistd headers, plus the calls added since the headers of Debian 12)
minus the calls docker's documentation lists as blocked or capability-gated
(docs.docker.com/engine/security/seccomp), which come back below with the
capability that gates them, and minus the few calls with argument rules
(clone, clone3, personality, socket).  Run it again when the kernel adds
calls: python3 gen-seccomp-default.py > seccomp-default.json
"""
import json
import re
import sys

HEADERS = ["/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"]
# Added to the kernel after linux-libc-dev 6.1; harmless to name when unknown
# (libseccomp skips names it cannot resolve).
NEWER = ["cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue",
         "statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal",
         "setxattrat", "getxattrat", "listxattrat", "removexattrat", "open_tree_attr", "file_getattr",
         "file_setattr", "uretprobe"]

# Never allowed: not namespaced, or obsolete attack surface.
DENIED = {
    "add_key": "kernel keyrings are not namespaced",
    "keyctl": "kernel keyrings are not namespaced",
    "request_key": "kernel keyrings are not namespaced",
    "create_module": "obsolete module call", "get_kernel_syms": "obsolete", "query_module": "obsolete",
    "nfsservctl": "removed from the kernel", "uselib": "obsolete shared-library call",
    "ustat": "obsolete", "sysfs": "obsolete", "_sysctl": "obsolete, replaced by /proc/sys",
    "vm86": "in-kernel x86 real mode emulation", "vm86old": "in-kernel x86 real mode emulation",
    "io_uring_setup": "io_uring bypasses seccomp for the operations it submits",
    "io_uring_enter": "io_uring", "io_uring_register": "io_uring",
    "lookup_dcookie": "tracing call, needs CAP_SYS_ADMIN on the host",
}

# Allowed only with a capability (docker's "includes": {"caps": [...]}).
GATED = {
    "CAP_SYS_ADMIN": ["bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
                      "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree",
                      "perf_event_open", "pivot_root", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
                      "setns", "syslog", "umount", "umount2", "unshare", "swapon", "swapoff"],
    "CAP_SYS_BOOT": ["reboot", "kexec_load", "kexec_file_load"],
    "CAP_SYS_CHROOT": ["chroot"],
    "CAP_SYS_MODULE": ["init_module", "finit_module", "delete_module"],
    "CAP_SYS_PACCT": ["acct"],
    "CAP_SYS_PTRACE": ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace",
                       "userfaultfd"],
    "CAP_SYS_RAWIO": ["iopl", "ioperm"],
    "CAP_SYS_TIME": ["settimeofday", "stime", "clock_settime", "clock_settime64", "adjtimex", "clock_adjtime",
                     "clock_adjtime64"],
    "CAP_SYS_TTY_CONFIG": ["vhangup"],
    "CAP_SYS_NICE": ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "move_pages"],
    "CAP_SYSLOG": ["syslog"],
    "CAP_DAC_READ_SEARCH": ["open_by_handle_at"],
    "CAP_BPF": ["bpf"],
    "CAP_PERFMON": ["perf_event_open"],
}
# docker allows these without CAP_SYS_ADMIN: the uts namespace is the
# container's own.
UNGATED = {"sethostname", "setdomainname"}
# Allowed for everyone on kernels where the call cannot break out (ptrace
# from 4.8 on can no longer bypass seccomp).
MIN_KERNEL = {"4.8": ["ptrace", "process_vm_readv", "process_vm_writev"]}
WITH_ARGS = {"clone", "clone3", "personality", "socket"}

CLONE_NS_FLAGS = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET


def syscalls():
    names = set(NEWER)
    for h in HEADERS:
        with open(h) as f:
            for line in f:
                m = re.match(r"#define __NR_(\w+)\s+\d+", line)
                if m:
                    names.add(m.group(1))
    return names


def main():
    gated = {n for v in GATED.values() for n in v} - UNGATED
    minkernel = {n for v in MIN_KERNEL.values() for n in v}
    allow = sorted(syscalls() - set(DENIED) - gated - WITH_ARGS | UNGATED)
    rules = [{"names": allow, "action": "SCMP_ACT_ALLOW"}]
    for version, names in MIN_KERNEL.items():
        rules.append({"names": names, "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": version},
                      "comment": "cannot bypass seccomp since 4.8"})
    rules.append({"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                  "args": [{"index": 0, "value": v, "op": "SCMP_CMP_EQ"} for v in (0, 8, 0x20000, 0x20008, 0xFFFFFFFF)],
                  "comment": "PER_LINUX, UNAME26, ADDR_NO_RANDOMIZE and the query; no other personality"})
    rules.append({"names": ["socket"], "action": "SCMP_ACT_ALLOW",
                  "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}],
                  "comment": "every address family but AF_VSOCK (not namespaced)"})
    rules.append({"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                  "args": [{"index": 0, "value": CLONE_NS_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
                  "excludes": {"caps": ["CAP_SYS_ADMIN"]},
                  "comment": "threads and processes, no new namespaces without CAP_SYS_ADMIN"})
    rules.append({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
                  "excludes": {"caps": ["CAP_SYS_ADMIN"]},
                  "comment": "ENOSYS: its flags are in memory, out of seccomp's reach; libc falls back to clone"})
    for cap, names in GATED.items():
        names = [n for n in names if n not in UNGATED]
        if cap == "CAP_SYS_PTRACE":
            names = [n for n in names if n not in minkernel]
        rules.append({"names": names, "action": "SCMP_ACT_ALLOW", "includes": {"caps": [cap]}})
    profile = {
        "comment": "dock's default seccomp profile, generated by gen-seccomp-default.py; docker's profile format",
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
        ],
        "syscalls": rules,
    }
    json.dump(profile, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
