#include "config.h"

#include "caps.h"

#include <string.h>
#include <linux/capability.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#define CAP(x) { "CAP_" #x, CAP_##x }

const berth_cap berth_caps[] = {
  CAP (CHOWN),           CAP (DAC_OVERRIDE),  CAP (DAC_READ_SEARCH),     CAP (FOWNER),
  CAP (FSETID),          CAP (KILL),          CAP (SETGID),              CAP (SETUID),
  CAP (SETPCAP),         CAP (LINUX_IMMUTABLE), CAP (NET_BIND_SERVICE),  CAP (NET_BROADCAST),
  CAP (NET_ADMIN),       CAP (NET_RAW),       CAP (IPC_LOCK),            CAP (IPC_OWNER),
  CAP (SYS_MODULE),      CAP (SYS_RAWIO),     CAP (SYS_CHROOT),          CAP (SYS_PTRACE),
  CAP (SYS_PACCT),       CAP (SYS_ADMIN),     CAP (SYS_BOOT),            CAP (SYS_NICE),
  CAP (SYS_RESOURCE),    CAP (SYS_TIME),      CAP (SYS_TTY_CONFIG),      CAP (MKNOD),
  CAP (LEASE),           CAP (AUDIT_WRITE),   CAP (AUDIT_CONTROL),       CAP (SETFCAP),
  CAP (MAC_OVERRIDE),    CAP (MAC_ADMIN),     CAP (SYSLOG),              CAP (WAKE_ALARM),
  CAP (BLOCK_SUSPEND),   CAP (AUDIT_READ),    CAP (PERFMON),             CAP (BPF),
  CAP (CHECKPOINT_RESTORE),
};
const size_t berth_ncaps = sizeof berth_caps / sizeof berth_caps[0];

int
berth_cap_from_name (const char *name)
{
  for (size_t i = 0; i < berth_ncaps; i++)
    if (strcmp (berth_caps[i].name, name) == 0)
      return berth_caps[i].value;
  return -1;
}

const char *
berth_cap_name (int value)
{
  for (size_t i = 0; i < berth_ncaps; i++)
    if (berth_caps[i].value == value)
      return berth_caps[i].name;
  return "an unnamed capability";
}
