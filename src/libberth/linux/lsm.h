/* AppArmor profile and SELinux label of a process, both taking effect at
   its next execve (so that the runtime's own steps stay unconfined). */
#ifndef BERTH_LSM_H
#define BERTH_LSM_H

#include "../error.h"

/* Either may be NULL.  A profile or label asked for on a host (or a build)
   without that LSM is an error: running unconfined instead would be silent. */
int berth_lsm_set_exec_labels (const char *apparmor_profile, const char *selinux_label, berth_error **err);

#endif
