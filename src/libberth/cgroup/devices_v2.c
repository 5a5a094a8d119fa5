#include "config.h"

#include "cgroup.h"
#include "devices_bpf.h"
#include "../util.h"

#include <fcntl.h>

int
berth_cgroup_devices_v2 (const char *dir, oci_device_cgroup **rules, size_t n, berth_error **err)
{
  cleanup_close int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "cgroup: open %s", dir);
  if (berth_devices_bpf_apply (fd, rules, n, err) < 0)
    return berth_error_wrap (err, "linux.resources.devices");
  return 0;
}
