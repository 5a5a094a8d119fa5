/* Mount options of config.json.  One table, read by the mount code, by
   `berth features` (mountOptions) and by the documentation. */
#ifndef BERTH_MOUNT_OPTIONS_H
#define BERTH_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum
{
  BERTH_MOPT_FLAG,        /* an MS_* flag for mount(2), set or cleared */
  BERTH_MOPT_PROPAGATION, /* MS_SHARED/... applied after the mount */
  BERTH_MOPT_RATTR,       /* a MOUNT_ATTR_* applied recursively with mount_setattr(2) */
  BERTH_MOPT_SPECIAL,     /* handled by name: tmpcopyup, idmap, ridmap */
} berth_mopt_kind;

typedef struct
{
  const char *name;
  uint8_t kind;  /* berth_mopt_kind */
  bool clear;    /* the option removes the flag ("rw", "suid", ...) */
  unsigned long flags; /* MS_* for FLAG and PROPAGATION (MS_REC for the r- forms) */
  uint64_t attr;       /* MOUNT_ATTR_* for RATTR */
} berth_mount_option;

extern const berth_mount_option berth_mount_options[];
extern const size_t berth_n_mount_options;
const berth_mount_option *berth_mount_option_find (const char *name);

#endif
