#include "config.h"

#include "mount_options.h"

#include <string.h>
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

#define SET(n, f) { n, BERTH_MOPT_FLAG, false, f, 0 }
#define CLR(n, f) { n, BERTH_MOPT_FLAG, true, f, 0 }
#define PROP(n, f) { n, BERTH_MOPT_PROPAGATION, false, f, 0 }
#define RSET(n, a) { n, BERTH_MOPT_RATTR, false, 0, a }
#define RCLR(n, a) { n, BERTH_MOPT_RATTR, true, 0, a }
#define SPECIAL(n) { n, BERTH_MOPT_SPECIAL, false, 0, 0 }

/* Sorted by name, as `features` prints it. */
const berth_mount_option berth_mount_options[] = {
  CLR ("async", MS_SYNCHRONOUS),
  CLR ("atime", MS_NOATIME),
  SET ("bind", MS_BIND),
  SET ("defaults", 0),
  CLR ("dev", MS_NODEV),
  CLR ("diratime", MS_NODIRATIME),
  SET ("dirsync", MS_DIRSYNC),
  CLR ("exec", MS_NOEXEC),
  SPECIAL ("idmap"),
  SET ("iversion", MS_I_VERSION),
  SET ("lazytime", MS_LAZYTIME),
  CLR ("loud", MS_SILENT),
  SET ("mand", MS_MANDLOCK),
  SET ("noatime", MS_NOATIME),
  SET ("nodev", MS_NODEV),
  SET ("nodiratime", MS_NODIRATIME),
  SET ("noexec", MS_NOEXEC),
  CLR ("noiversion", MS_I_VERSION),
  CLR ("nolazytime", MS_LAZYTIME),
  CLR ("nomand", MS_MANDLOCK),
  CLR ("norelatime", MS_RELATIME),
  CLR ("nostrictatime", MS_STRICTATIME),
  SET ("nosuid", MS_NOSUID),
  SET ("nosymfollow", MS_NOSYMFOLLOW),
  PROP ("private", MS_PRIVATE),
  RCLR ("ratime", MOUNT_ATTR_NOATIME),
  SET ("rbind", MS_BIND | MS_REC),
  RCLR ("rdev", MOUNT_ATTR_NODEV),
  RCLR ("rdiratime", MOUNT_ATTR_NODIRATIME),
  SET ("relatime", MS_RELATIME),
  SET ("remount", MS_REMOUNT),
  RCLR ("rexec", MOUNT_ATTR_NOEXEC),
  SPECIAL ("ridmap"),
  RSET ("rnoatime", MOUNT_ATTR_NOATIME),
  RSET ("rnodev", MOUNT_ATTR_NODEV),
  RSET ("rnodiratime", MOUNT_ATTR_NODIRATIME),
  RSET ("rnoexec", MOUNT_ATTR_NOEXEC),
  RCLR ("rnorelatime", MOUNT_ATTR_RELATIME),
  RCLR ("rnostrictatime", MOUNT_ATTR_STRICTATIME),
  RSET ("rnosuid", MOUNT_ATTR_NOSUID),
  RSET ("rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW),
  SET ("ro", MS_RDONLY),
  PROP ("rprivate", MS_PRIVATE | MS_REC),
  RSET ("rrelatime", MOUNT_ATTR_RELATIME),
  RSET ("rro", MOUNT_ATTR_RDONLY),
  RCLR ("rrw", MOUNT_ATTR_RDONLY),
  PROP ("rshared", MS_SHARED | MS_REC),
  PROP ("rslave", MS_SLAVE | MS_REC),
  RSET ("rstrictatime", MOUNT_ATTR_STRICTATIME),
  RCLR ("rsuid", MOUNT_ATTR_NOSUID),
  RCLR ("rsymfollow", MOUNT_ATTR_NOSYMFOLLOW),
  PROP ("runbindable", MS_UNBINDABLE | MS_REC),
  CLR ("rw", MS_RDONLY),
  PROP ("shared", MS_SHARED),
  SET ("silent", MS_SILENT),
  PROP ("slave", MS_SLAVE),
  SET ("strictatime", MS_STRICTATIME),
  CLR ("suid", MS_NOSUID),
  CLR ("symfollow", MS_NOSYMFOLLOW),
  SET ("sync", MS_SYNCHRONOUS),
  SPECIAL ("tmpcopyup"),
  PROP ("unbindable", MS_UNBINDABLE),
};
const size_t berth_n_mount_options = sizeof berth_mount_options / sizeof berth_mount_options[0];

const berth_mount_option *
berth_mount_option_find (const char *name)
{
  for (size_t i = 0; i < berth_n_mount_options; i++)
    if (strcmp (berth_mount_options[i].name, name) == 0)
      return &berth_mount_options[i];
  return NULL;
}
