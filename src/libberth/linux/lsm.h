/* AppArmor profile, SELinux process, key and mount labels.  A profile or
   label asked for on a host (or a build) without that LSM is an error:
   running unconfined instead would be silent.  The labels are checked at
   create and exec, before anything exists, and written through the
   runtime's procfs (procfs.h), never through the container's /proc. */
#ifndef BERTH_LSM_H
#define BERTH_LSM_H

#include <stdbool.h>

#include "../error.h"
#include "runtime_spec.h"

/* Compiled in and enabled on this host. */
bool berth_apparmor_enabled (void);
bool berth_selinux_enabled (void);

/* Syntax only: user:role:type[:level] for SELinux; for AppArmor a name
   the kernel's "exec NAME" command takes back unchanged (no control
   characters, no white space at either end). */
bool berth_selinux_context_valid (const char *context);
bool berth_apparmor_profile_valid (const char *profile);

/* Everything that can be known before the container exists: the syntax,
   the build, the host, and (where the host says) that the profile is
   loaded or the context is one the policy knows.  NULL or "" is "none".
   field names the setting in the error ("process.apparmorProfile"). */
int berth_lsm_check_apparmor (const char *profile, const char *field, berth_error **err);
int berth_lsm_check_selinux (const char *context, const char *field, berth_error **err);

/* The above for process.apparmorProfile, process.selinuxLabel and
   linux.mountLabel. */
int berth_lsm_check_spec (const oci_spec *s, berth_error **err);

/* The labels the next execve of the calling thread takes; either may be
   NULL.  procfd is a procfs directory the caller trusts. */
int berth_lsm_set_exec_labels (int procfd, const char *apparmor_profile, const char *selinux_label,
                               berth_error **err);
/* The label of keyrings the calling thread creates from now on. */
int berth_lsm_set_keycreate_label (int procfd, const char *selinux_label, berth_error **err);

/* Whether a new filesystem of type fstype with these options gets
   linux.mountLabel: tmpfs, devpts and mqueue do, unless the options already
   hold a context= (or fscontext=, defcontext=, rootcontext=). */
bool berth_lsm_mount_takes_label (const char *fstype, const char *data, const char *mount_label);
/* data with context="LABEL" added when it takes the label; a new string
   (NULL when data is NULL and nothing is added). */
char *berth_lsm_mount_data (const char *fstype, const char *data, const char *mount_label);

#endif
