#include "config.h"

#include "features.h"
#include "linux/caps.h"
#include "linux/lsm.h"
#include "linux/mempolicy.h"
#include "linux/mount_options.h"
#include "linux/namespaces.h"
#include "seccomp.h"
#include "util.h"

#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

const char *
berth_build_features (void)
{
  return "+SECCOMP +CAP"
#ifdef HAVE_SELINUX
         " +SELINUX"
#else
         " -SELINUX"
#endif
#ifdef HAVE_APPARMOR
         " +APPARMOR"
#else
         " -APPARMOR"
#endif
         " +YAJL";
}

static oci_features_enabled *
enabled (bool on)
{
  oci_features_enabled *e = oci_features_enabled_new ();
  e->enabled = on;
  e->enabled_present = true;
  return e;
}

static void
append (char ***v, size_t *n, const char *s)
{
  oci_strv_append (v, n, s);
}

oci_features *
berth_features (void)
{
  oci_features *f = oci_features_new ();
  f->oci_version_min = xstrdup ("1.0.0");
  f->oci_version_max = xstrdup (OCI_RUNTIME_SPEC_VERSION);

  /* The hook kinds are the members of the hooks object, so its table says them. */
  for (size_t i = 0; i < oci_hooks_desc.nfields; i++)
    append (&f->hooks, &f->hooks_len, oci_hooks_desc.fields[i].name);
  for (size_t i = 0; i < berth_n_mount_options; i++)
    append (&f->mount_options, &f->mount_options_len, berth_mount_options[i].name);

  oci_features_linux *l = f->linux = oci_features_linux_new ();
  for (size_t i = 0; i < berth_n_ns_kinds; i++)
    append (&l->namespaces, &l->namespaces_len, berth_ns_kinds[i].name);
  for (size_t i = 0; i < berth_ncaps; i++)
    append (&l->capabilities, &l->capabilities_len, berth_caps[i].name);

  l->cgroup = oci_features_cgroup_new ();
  l->cgroup->v1 = l->cgroup->v1_present = true;
  l->cgroup->v2 = l->cgroup->v2_present = true;
#ifdef HAVE_SYSTEMD
  l->cgroup->systemd = true, l->cgroup->systemd_present = true; /* --systemd-cgroup (cgroup/systemd.c) */
#else
  l->cgroup->systemd = false, l->cgroup->systemd_present = true;
#endif
  l->cgroup->systemd_user = false, l->cgroup->systemd_user_present = true;
  l->cgroup->rdma = l->cgroup->rdma_present = true;

  oci_features_seccomp *s = l->seccomp = oci_features_seccomp_new ();
  s->enabled = s->enabled_present = true;
  for (size_t i = 0; i < berth_seccomp_nactions; i++)
    append (&s->actions, &s->actions_len, berth_seccomp_actions[i].name);
  for (size_t i = 0; i < berth_seccomp_noperators; i++)
    append (&s->operators, &s->operators_len, berth_seccomp_operators[i].name);
  for (size_t i = 0; i < berth_seccomp_nspec_archs; i++)
    if (berth_seccomp_arch_token (berth_seccomp_spec_archs[i]))
      append (&s->archs, &s->archs_len, berth_seccomp_spec_archs[i]);
  s->known_flags = xcalloc (1, sizeof (char *));
  s->supported_flags = xcalloc (1, sizeof (char *));
  for (size_t i = 0; i < berth_seccomp_nflags; i++)
    {
      append (&s->known_flags, &s->known_flags_len, berth_seccomp_flags[i].name);
      if (berth_seccomp_flag_supported (berth_seccomp_flags[i].flag))
        append (&s->supported_flags, &s->supported_flags_len, berth_seccomp_flags[i].name);
    }

  l->apparmor = enabled (berth_apparmor_enabled ());
  l->selinux = enabled (berth_selinux_enabled ());
  /* intelRdt is refused by validate.c, so not enabled;
     memoryPolicy lists what linux/mempolicy.c accepts and applies. */
  l->intel_rdt = oci_features_intel_rdt_new ();
  l->intel_rdt->enabled = false, l->intel_rdt->enabled_present = true;
  l->memory_policy = oci_features_memory_policy_new ();
  l->memory_policy->modes = xcalloc (1, sizeof (char *));
  l->memory_policy->flags = xcalloc (1, sizeof (char *));
  for (size_t i = 0; i < berth_n_mpol_modes; i++)
    append (&l->memory_policy->modes, &l->memory_policy->modes_len, berth_mpol_modes[i].name);
  for (size_t i = 0; i < berth_n_mpol_flags; i++)
    append (&l->memory_policy->flags, &l->memory_policy->flags_len, berth_mpol_flags[i].name);
  l->mount_extensions = oci_features_mount_extensions_new ();
  l->mount_extensions->idmap = enabled (true);
  l->net_devices = enabled (true); /* linux/netdev.c */

  /* Annotations that change how berth runs a container go here as they land. */
  f->potentially_unsafe_config_annotations = xcalloc (1, sizeof (char *));
  return f;
}
