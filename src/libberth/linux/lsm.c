#include "config.h"

#include "lsm.h"

#include <errno.h>

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif
#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif

static int
set_apparmor (const char *profile, berth_error **err)
{
#ifdef HAVE_APPARMOR
  if (aa_is_enabled () <= 0)
    return berth_fail (err, 0, "AppArmor profile `%s`: AppArmor is not enabled on this host", profile);
  if (aa_change_onexec (profile) < 0)
    return berth_fail_errno (err, "AppArmor profile `%s`", profile);
  return 0;
#else
  return berth_fail (err, 0, "AppArmor profile `%s`: berth was built without AppArmor support", profile);
#endif
}

static int
set_selinux (const char *label, berth_error **err)
{
#ifdef HAVE_SELINUX
  if (is_selinux_enabled () <= 0)
    return berth_fail (err, 0, "SELinux label `%s`: SELinux is not enabled on this host", label);
  if (setexeccon (label) < 0)
    return berth_fail_errno (err, "SELinux label `%s`", label);
  return 0;
#else
  return berth_fail (err, 0, "SELinux label `%s`: berth was built without SELinux support", label);
#endif
}

int
berth_lsm_set_exec_labels (const char *apparmor_profile, const char *selinux_label, berth_error **err)
{
  if (apparmor_profile && *apparmor_profile && set_apparmor (apparmor_profile, err) < 0)
    return -1;
  if (selinux_label && *selinux_label && set_selinux (selinux_label, err) < 0)
    return -1;
  return 0;
}
