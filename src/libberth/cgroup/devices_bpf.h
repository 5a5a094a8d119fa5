/* The device whitelist (linux.resources.devices) on cgroup v2: an eBPF
   program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's
   cgroup.  The rules are evaluated as the same sequence of cgroup v1
   devices.allow/devices.deny writes would be; docs/architecture.md
   ("Devices on cgroup v2") states the semantics exactly. */
#ifndef BERTH_CGROUP_DEVICES_BPF_H
#define BERTH_CGROUP_DEVICES_BPF_H

#include <stddef.h>

#include "../error.h"
#include "runtime_spec.h"

/* Build a device filter from rules (linux.resources.devices, in order;
   later rules take precedence, as with cgroup v1's devices.allow/deny
   sequence) and attach it to the cgroup v2 directory dirfd, replacing any
   device filter attached before.  n == 0 attaches nothing and leaves the
   cgroup as it is. */
int berth_devices_bpf_apply (int dirfd, oci_device_cgroup **rules, size_t n, berth_error **err);

/* Validate rules without attaching (type a/b/c, access subset of "rwm",
   major/minor >= -1): used before anything is created.  Errors name
   `linux.resources.devices[i].field`. */
int berth_devices_rules_check (oci_device_cgroup **rules, size_t n, berth_error **err);

#endif
