#include "config.h"

#include "lsm.h"
#include "../log.h"
#include "procfs.h"
#include "../util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif
#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif
#if defined HAVE_SELINUX || defined HAVE_APPARMOR
#include <dlfcn.h>

/* libselinux and libapparmor serve only the checks below: they are loaded
   on first use, so that a berth start (two per create: the sealed re-exec)
   does not pay for their relocations when no label is asked for. */
static void *
lsm_sym (const char *soname, void **lib, const char *name)
{
  if (*lib == NULL && (*lib = dlopen (soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
    return NULL;
  return dlsym (*lib, name);
}
#endif
#ifdef HAVE_SELINUX
static void *selinux_lib;
#define SELINUX_FN(name) ((__typeof__ (name) *) lsm_sym ("libselinux.so.1", &selinux_lib, #name))
#endif
#ifdef HAVE_APPARMOR
static void *apparmor_lib;
#define APPARMOR_FN(name) ((__typeof__ (name) *) lsm_sym ("libapparmor.so.1", &apparmor_lib, #name))
#endif

/* Longer than any real profile name or context; the kernel's limit for a
   write to /proc/PID/attr is a page. */
#define LSM_NAME_MAX 4000

bool
berth_apparmor_enabled (void)
{
#ifdef HAVE_APPARMOR
  __typeof__ (aa_is_enabled) *is_enabled = APPARMOR_FN (aa_is_enabled);
  return is_enabled && is_enabled () > 0;
#else
  return false;
#endif
}

bool
berth_selinux_enabled (void)
{
#ifdef HAVE_SELINUX
  __typeof__ (is_selinux_enabled) *is_enabled = SELINUX_FN (is_selinux_enabled);
  return is_enabled && is_enabled () > 0;
#else
  return false;
#endif
}

/* ------------------------------------------------------------ syntax */

static bool
all_of (const char *s, size_t n, const char *extra)
{
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char) s[i]) && strchr (extra, s[i]) == NULL)
      return false;
  return true;
}

bool
berth_selinux_context_valid (const char *context)
{
  if (context == NULL || strlen (context) > LSM_NAME_MAX)
    return false;
  /* user, role and type are policy identifiers; the level (MLS/MCS) is
     "s0", "s0-s0:c0.c1023", "s0:c1,c2", or what mcstrans names them. */
  const char *p = context;
  for (int field = 0; field < 3; field++)
    {
      size_t n = strcspn (p, ":");
      if (n == 0 || !all_of (p, n, "_.-"))
        return false;
      p += n;
      if (field < 2)
        {
          if (*p != ':')
            return false;
          p++;
        }
    }
  if (*p == '\0')
    return true;
  p++; /* the ':' before the level */
  return *p != '\0' && all_of (p, strlen (p), "_.,:-");
}

bool
berth_apparmor_profile_valid (const char *profile)
{
  size_t n = profile ? strlen (profile) : 0;
  if (n == 0 || n > LSM_NAME_MAX || isspace ((unsigned char) profile[0]) || isspace ((unsigned char) profile[n - 1]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (iscntrl ((unsigned char) profile[i]))
      return false;
  return true;
}

/* ------------------------------------------------------------ checks */

/* s for an error message, which is one line: control characters as \xNN. */
static char *
printable (const char *s)
{
  size_t n = strlen (s);
  char *out = xmalloc (4 * n + 1), *o = out;
  for (size_t i = 0; i < n; i++)
    if (iscntrl ((unsigned char) s[i]))
      o += sprintf (o, "\\x%02x", (unsigned char) s[i]);
    else
      *o++ = s[i];
  *o = '\0';
  return out;
}

#ifdef HAVE_APPARMOR
/* Whether the kernel has a profile of that name loaded, when it says
   (1 yes, 0 no, -1 cannot tell: no securityfs, a namespaced name). */
static int
apparmor_profile_loaded (const char *profile)
{
  if (strcmp (profile, "unconfined") == 0)
    return 1;
  if (profile[0] == ':')
    return -1;
  char *mnt = NULL;
  __typeof__ (aa_find_mountpoint) *find_mountpoint = APPARMOR_FN (aa_find_mountpoint);
  if (find_mountpoint == NULL || find_mountpoint (&mnt) < 0)
    return -1;
  cleanup_free char *path = xasprintf ("%s/profiles", mnt);
  free (mnt);
  cleanup_fclose FILE *f = fopen (path, "re");
  if (f == NULL)
    return -1;
  /* One line per profile: "NAME (MODE)". */
  cleanup_free char *line = NULL;
  size_t cap = 0, n = strlen (profile);
  ssize_t len;
  while ((len = getline (&line, &cap, f)) > 0)
    if ((size_t) len > n + 1 && strncmp (line, profile, n) == 0 && line[n] == ' ' && line[n + 1] == '(')
      return 1;
  return 0;
}
#endif

int
berth_lsm_check_apparmor (const char *profile, const char *field, berth_error **err)
{
  if (profile == NULL || *profile == '\0')
    return 0;
  if (!berth_apparmor_profile_valid (profile))
    {
      cleanup_free char *shown = printable (profile);
      return berth_fail (err, 0, "%s: `%s` is not a valid AppArmor profile name", field, shown);
    }
#ifdef HAVE_APPARMOR
  if (!berth_apparmor_enabled ())
    return berth_fail (err, 0, "%s: AppArmor is not enabled on this host", field);
  if (apparmor_profile_loaded (profile) == 0)
    return berth_fail (err, 0, "%s: AppArmor profile `%s` is not loaded", field, profile);
  return 0;
#else
  return berth_fail (err, 0, "%s: berth was built without AppArmor support", field);
#endif
}

int
berth_lsm_check_selinux (const char *context, const char *field, berth_error **err)
{
  if (context == NULL || *context == '\0')
    return 0;
  if (!berth_selinux_context_valid (context))
    {
      cleanup_free char *shown = printable (context);
      return berth_fail (err, 0, "%s: `%s` is not an SELinux context (user:role:type[:level])", field, shown);
    }
#ifdef HAVE_SELINUX
  if (!berth_selinux_enabled ())
    return berth_fail (err, 0, "%s: SELinux is not enabled on this host", field);
  __typeof__ (security_check_context) *check_context = SELINUX_FN (security_check_context);
  if (check_context && check_context (context) < 0)
    return berth_fail (err, 0, "%s: `%s` is not a valid context in the loaded SELinux policy", field, context);
  return 0;
#else
  return berth_fail (err, 0, "%s: berth was built without SELinux support", field);
#endif
}

int
berth_lsm_check_spec (const oci_spec *s, berth_error **err)
{
  const oci_process *p = s->process;
  if (p
      && (berth_lsm_check_apparmor (p->apparmor_profile, "process.apparmorProfile", err) < 0
          || berth_lsm_check_selinux (p->selinux_label, "process.selinuxLabel", err) < 0))
    return -1;
  /* A label for mounts means nothing without SELinux: runc and crun go
     on (a malformed one is still refused). */
  const char *ml = s->linux ? s->linux->mount_label : NULL;
  if (ml && *ml && berth_selinux_context_valid (ml) && !berth_selinux_enabled ())
    berth_debug ("linux.mountLabel `%s` ignored: SELinux is not enabled on this host", ml);
  else if (berth_lsm_check_selinux (ml, "linux.mountLabel", err) < 0)
    return -1;
  return 0;
}

/* ------------------------------------------------------------ applying */

static int
set_apparmor (int procfd, const char *profile, berth_error **err)
{
  cleanup_free char *cmd = xasprintf ("exec %s", profile);
  /* Stacking kernels give each LSM its own attr/ directory; older ones
     only the shared files (libapparmor looks in the same order). */
  cleanup_close int fd = berth_proc_open (procfd, "thread-self/attr/apparmor/exec", O_WRONLY);
  if (fd < 0 && errno == ENOENT)
    fd = berth_proc_open (procfd, "thread-self/attr/exec", O_WRONLY);
  if (fd < 0 || write_all (fd, cmd, strlen (cmd)) < 0)
    return berth_fail_errno (err, "process.apparmorProfile: change to `%s` at exec", profile);
  return 0;
}

int
berth_lsm_set_exec_labels (int procfd, const char *apparmor_profile, const char *selinux_label,
                           berth_error **err)
{
  if (apparmor_profile && *apparmor_profile && set_apparmor (procfd, apparmor_profile, err) < 0)
    return -1;
  if (selinux_label && *selinux_label
      && berth_proc_write (procfd, "thread-self/attr/exec", selinux_label, strlen (selinux_label),
                           "process.selinuxLabel", err)
             < 0)
    return -1;
  return 0;
}

int
berth_lsm_set_keycreate_label (int procfd, const char *selinux_label, berth_error **err)
{
  if (selinux_label == NULL || *selinux_label == '\0')
    return 0;
  return berth_proc_write (procfd, "thread-self/attr/keycreate", selinux_label, strlen (selinux_label),
                           "process.selinuxLabel: label the session keyring", err);
}

static bool
has_context_option (const char *data)
{
  /* context=, fscontext=, defcontext=, rootcontext=: the caller chose. */
  for (const char *p = data; p && *p;)
    {
      size_t n = strcspn (p, ",");
      const char *eq = memchr (p, '=', n);
      if (eq && eq - p >= 7 && strncmp (eq - 7, "context", 7) == 0)
        return true;
      p += n + (p[n] == ',');
    }
  return false;
}

bool
berth_lsm_mount_takes_label (const char *fstype, const char *data, const char *mount_label)
{
  if (mount_label == NULL || *mount_label == '\0' || fstype == NULL || has_context_option (data))
    return false;
  return strcmp (fstype, "tmpfs") == 0 || strcmp (fstype, "devpts") == 0 || strcmp (fstype, "mqueue") == 0;
}

char *
berth_lsm_mount_data (const char *fstype, const char *data, const char *mount_label)
{
  if (!berth_lsm_mount_takes_label (fstype, data, mount_label))
    return data ? xstrdup (data) : NULL;
  /* Quoted: an MCS level holds commas, which would split the options. */
  if (data == NULL || *data == '\0')
    return xasprintf ("context=\"%s\"", mount_label);
  return xasprintf ("%s,context=\"%s\"", data, mount_label);
}
