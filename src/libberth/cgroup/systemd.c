/* The systemd cgroup driver (--systemd-cgroup): systemd owns the cgroup
   tree on a systemd host, so the container's cgroup is a transient scope
   asked for over D-Bus (sd-bus), delegated to us (Delegate=yes) so that
   the cgroupfs code can then write the rest of linux.resources into it.
   The resources systemd has properties for are set as unit properties, at
   start and on `update` (SetUnitProperties), so that systemd's view of the
   unit never differs from its cgroup files (systemd_props.c maps them). */
#include "config.h"

#include "cgroup.h"
#include "../util.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
static int load_libsystemd (berth_error **err);
#endif

/* Unit names: what systemd accepts (letters, digits, ":-_.\"). */
static bool
valid_unit_part (const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr ("-_.\\@", *s)))
      return false;
  return true;
}

int
berth_systemd_plan (const char *cgroups_path, const char *id, char **slice, char **unit, berth_error **err)
{
  cleanup_free char *s = NULL, *prefix = NULL, *name = NULL;
  if (cgroups_path == NULL || *cgroups_path == '\0')
    {
      s = xstrdup ("system.slice");
      prefix = xstrdup ("berth");
      name = xstrdup (id);
    }
  else
    {
      const char *c1 = strchr (cgroups_path, ':');
      const char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL || strchr (c2 + 1, ':'))
        return berth_fail (err, EINVAL, "linux.cgroupsPath: `%s` is not slice:prefix:name (--systemd-cgroup)",
                           cgroups_path);
      s = xstrndup (cgroups_path, (size_t) (c1 - cgroups_path));
      prefix = xstrndup (c1 + 1, (size_t) (c2 - c1 - 1));
      name = xstrdup (c2 + 1);
      if (*s == '\0')
        {
          free (s);
          s = xstrdup ("system.slice");
        }
    }
  size_t sl = strlen (s);
  if (sl < 6 || strcmp (s + sl - 6, ".slice") || !valid_unit_part (s) || (*prefix && !valid_unit_part (prefix))
      || !valid_unit_part (name) || strchr (s, '/'))
    return berth_fail (err, EINVAL, "linux.cgroupsPath: `%s` does not make a valid systemd slice and scope name",
                       cgroups_path ? cgroups_path : "");
#ifdef HAVE_SYSTEMD
  if (load_libsystemd (err) < 0)
    return -1;
#endif
  /* sd_booted(3): systemd runs when this directory exists; without it a
     D-Bus call would only fail late, or hang on a bus nobody serves. */
  struct stat st;
  if (stat ("/run/systemd/system", &st) < 0 || !S_ISDIR (st.st_mode))
    return berth_fail (err, 0, "--systemd-cgroup: systemd is not running on this host (use the cgroupfs "
                       "driver: drop --systemd-cgroup)");
#ifndef HAVE_SYSTEMD
  return berth_fail (err, 0, "--systemd-cgroup: berth was built without libsystemd");
#else
  *slice = steal_pointer (&s);
  *unit = *prefix ? xasprintf ("%s-%s.scope", prefix, name) : xasprintf ("%s.scope", name);
  return 0;
#endif
}

#ifdef HAVE_SYSTEMD
#include <dlfcn.h>
#include <systemd/sd-bus.h>

/* libsystemd is loaded only when the systemd driver is used: linked in, it
   would cost every berth start (and create starts berth twice) a couple of
   milliseconds of relocations for a library most runs never call. */
#define SD_FUNCTIONS(X)                                                                                              \
  X (bus_open_system) X (bus_set_method_call_timeout) X (bus_flush_close_unref) X (bus_message_unref)               \
  X (bus_slot_unref) X (bus_message_read) X (bus_match_signal) X (bus_call) X (bus_error_free) X (bus_process)      \
  X (bus_wait) X (bus_message_new_method_call) X (bus_message_append) X (bus_message_open_container)                \
  X (bus_message_close_container) X (bus_message_append_array)

static struct
{
#define SD_FIELD(name) __typeof__ (sd_##name) *name;
  SD_FUNCTIONS (SD_FIELD)
#undef SD_FIELD
} sd;

static int
load_libsystemd (berth_error **err)
{
  static void *lib;
  if (lib)
    return 0;
  void *h = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return berth_fail (err, 0, "--systemd-cgroup: cannot load libsystemd.so.0: %s", dlerror ());
#define SD_LOAD(name)                                                                                                \
  if ((sd.name = (__typeof__ (sd.name)) dlsym (h, "sd_" #name)) == NULL)                                            \
    {                                                                                                                \
      dlclose (h);                                                                                                   \
      return berth_fail (err, 0, "--systemd-cgroup: libsystemd.so.0 lacks sd_" #name);                              \
    }
  SD_FUNCTIONS (SD_LOAD)
#undef SD_LOAD
  lib = h;
  return 0;
}

/* How long systemd may take to start or stop a scope. */
#define JOB_TIMEOUT_USEC (30ULL * 1000 * 1000)

static void
bus_unrefp (sd_bus **b)
{
  if (*b)
    sd.bus_flush_close_unref (*b);
}

static void
msg_unrefp (sd_bus_message **m)
{
  if (*m)
    sd.bus_message_unref (*m);
}

static void
slot_unrefp (sd_bus_slot **s)
{
  if (*s)
    sd.bus_slot_unref (*s);
}

typedef struct
{
  const char *job; /* the object path of the job we wait for */
  char *result;    /* its result once removed */
} job_wait;

static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  (void) ret_error;
  job_wait *w = userdata;
  uint32_t id;
  const char *path, *unit, *result;
  if (sd.bus_message_read (m, "uoss", &id, &path, &unit, &result) < 0)
    return 0;
  if (w->job && strcmp (path, w->job) == 0 && w->result == NULL)
    w->result = xstrdup (result);
  return 0;
}

static int
bus_open (sd_bus **bus, berth_error **err)
{
  if (load_libsystemd (err) < 0)
    return -1;
  int r = sd.bus_open_system (bus);
  if (r < 0)
    return berth_fail (err, -r, "--systemd-cgroup: connect to the system bus");
  sd.bus_set_method_call_timeout (*bus, JOB_TIMEOUT_USEC);
  return 0;
}

/* Call a Manager method that returns a job, and wait for the job. */
static int
call_and_wait (sd_bus *bus, sd_bus_message *m, const char *what, berth_error **err)
{
  job_wait w = { 0 };
  __attribute__ ((cleanup (slot_unrefp))) sd_bus_slot *slot = NULL;
  int r = sd.bus_match_signal (bus, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w);
  if (r < 0)
    return berth_fail (err, -r, "--systemd-cgroup: watch systemd's jobs");
  sd_bus_error e = SD_BUS_ERROR_NULL;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *reply = NULL;
  r = sd.bus_call (bus, m, JOB_TIMEOUT_USEC, &e, &reply);
  if (r < 0)
    {
      berth_fail (err, -r, "--systemd-cgroup: %s: %s", what, e.message ? e.message : strerror (-r));
      sd.bus_error_free (&e);
      return -1;
    }
  const char *job;
  if ((r = sd.bus_message_read (reply, "o", &job)) < 0)
    return berth_fail (err, -r, "--systemd-cgroup: %s: unexpected reply", what);
  w.job = job;
  for (int rounds = 0; w.result == NULL; rounds++)
    {
      r = sd.bus_process (bus, NULL);
      if (r < 0)
        return berth_fail (err, -r, "--systemd-cgroup: %s", what);
      if (r > 0)
        continue;
      if (rounds > 300)
        return berth_fail (err, ETIMEDOUT, "--systemd-cgroup: %s: systemd did not finish the job", what);
      sd.bus_wait (bus, 100 * 1000);
    }
  cleanup_free char *result = w.result;
  if (strcmp (result, "done") != 0)
    return berth_fail (err, 0, "--systemd-cgroup: %s: the job ended with `%s`", what, result);
  return 0;
}

/* The mapped resource properties (systemd_props.c), appended to an open
   a(sv) container. */
static int
append_resource_properties (sd_bus_message *m, const oci_resources *r, bool v2)
{
  berth_unit_property props[BERTH_UNIT_PROPERTIES_MAX];
  size_t n = berth_systemd_properties (r, v2, props);
  int rc = 0;
  for (size_t i = 0; rc >= 0 && i < n; i++)
    {
      if (props[i].type == 't')
        {
          rc = sd.bus_message_append (m, "(sv)", props[i].name, "t", props[i].u);
          continue;
        }
      rc = sd.bus_message_open_container (m, 'r', "sv");
      if (rc >= 0)
        rc = sd.bus_message_append (m, "s", props[i].name);
      if (rc >= 0)
        rc = sd.bus_message_open_container (m, 'v', "ay");
      if (rc >= 0)
        rc = sd.bus_message_append_array (m, 'y', props[i].bytes, props[i].nbytes);
      if (rc >= 0)
        rc = sd.bus_message_close_container (m);
      if (rc >= 0)
        rc = sd.bus_message_close_container (m);
    }
  return rc;
}

static bool
host_is_unified (void)
{
  return access ("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

static int
systemd_start (const char *slice, const char *unit, pid_t pid, const oci_resources *r, berth_error **err)
{
  __attribute__ ((cleanup (bus_unrefp))) sd_bus *bus = NULL;
  if (bus_open (&bus, err) < 0)
    return -1;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *m = NULL;
  int rc = sd.bus_message_new_method_call (bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (rc >= 0)
    rc = sd.bus_message_append (m, "ss", unit, "fail");
  if (rc >= 0)
    rc = sd.bus_message_open_container (m, 'a', "(sv)");
  if (rc >= 0)
    rc = sd.bus_message_append (m, "(sv)(sv)(sv)(sv)", "Slice", "s", slice, "Delegate", "b", 1, "PIDs", "au", 1,
                                (uint32_t) pid, "Description", "s", "berth container");
  if (rc >= 0)
    rc = append_resource_properties (m, r, host_is_unified ());
  if (rc >= 0)
    rc = sd.bus_message_close_container (m);
  if (rc >= 0)
    rc = sd.bus_message_append (m, "a(sa(sv))", 0);
  if (rc < 0)
    return berth_fail (err, -rc, "--systemd-cgroup: build the request for %s", unit);
  cleanup_free char *what = xasprintf ("start %s in %s", unit, slice);
  return call_and_wait (bus, m, what, err);
}

/* SetUnitProperties returns no job: the change is done when it returns. */
static int
systemd_set_properties (const char *unit, const oci_resources *r, berth_error **err)
{
  berth_unit_property props[BERTH_UNIT_PROPERTIES_MAX];
  if (berth_systemd_properties (r, host_is_unified (), props) == 0)
    return 0;
  __attribute__ ((cleanup (bus_unrefp))) sd_bus *bus = NULL;
  if (bus_open (&bus, err) < 0)
    return -1;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *m = NULL;
  int rc = sd.bus_message_new_method_call (bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "SetUnitProperties");
  if (rc >= 0)
    rc = sd.bus_message_append (m, "sb", unit, 1);
  if (rc >= 0)
    rc = sd.bus_message_open_container (m, 'a', "(sv)");
  if (rc >= 0)
    rc = append_resource_properties (m, r, host_is_unified ());
  if (rc >= 0)
    rc = sd.bus_message_close_container (m);
  if (rc < 0)
    return berth_fail (err, -rc, "--systemd-cgroup: build the update of %s", unit);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *reply = NULL;
  rc = sd.bus_call (bus, m, JOB_TIMEOUT_USEC, &e, &reply);
  if (rc < 0)
    {
      berth_fail (err, -rc, "--systemd-cgroup: set the properties of %s: %s", unit,
                  e.message ? e.message : strerror (-rc));
      sd.bus_error_free (&e);
      return -1;
    }
  return 0;
}

static int
systemd_stop (const char *unit, berth_error **err)
{
  __attribute__ ((cleanup (bus_unrefp))) sd_bus *bus = NULL;
  if (bus_open (&bus, err) < 0)
    return -1;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *m = NULL;
  int rc = sd.bus_message_new_method_call (bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StopUnit");
  if (rc >= 0)
    rc = sd.bus_message_append (m, "ss", unit, "replace");
  if (rc < 0)
    return berth_fail (err, -rc, "--systemd-cgroup: build the request to stop %s", unit);
  cleanup_error berth_error *e = NULL;
  cleanup_free char *what = xasprintf ("stop %s", unit);
  /* A scope that emptied has gone already: nothing to stop is no error. */
  if (call_and_wait (bus, m, what, &e) < 0 && strstr (e->msg, "not loaded") == NULL)
    return berth_fail (err, e->errnum, "%s", e->msg);
  return 0;
}

#else

static int
unsupported (berth_error **err)
{
  return berth_fail (err, ENOTSUP, "--systemd-cgroup: berth was built without libsystemd");
}

static int
systemd_start (const char *slice, const char *unit, pid_t pid, const oci_resources *r, berth_error **err)
{
  (void) slice, (void) unit, (void) pid, (void) r;
  return unsupported (err);
}

static int
systemd_set_properties (const char *unit, const oci_resources *r, berth_error **err)
{
  (void) unit, (void) r;
  return unsupported (err);
}

static int
systemd_stop (const char *unit, berth_error **err)
{
  (void) unit;
  return unsupported (err);
}

#endif

/* ------------------------------------------------------------ the driver */

/* Once the scope exists, its directories are cgroupfs ones like any:
   what systemd has no property for is written there (Delegate=yes makes
   them ours), and everything that only reads or signals goes through the
   cgroupfs driver of the host's layout. */
static const berth_cgroup_driver *
files (const berth_cgroup *cg)
{
  return berth_cgroupfs_driver_for (cg);
}

static int
sd_create (berth_cgroup *cg, const oci_resources *r, const oci_linux *l, pid_t pid, berth_error **err)
{
  if (systemd_start (cg->slice, cg->unit, pid, r, err) < 0 || berth_cgroup_fill_from_pid (cg, pid, err) < 0)
    return -1;
  return berth_cgroup_apply (cg, r, l, false, err);
}

static int
sd_enter (const berth_cgroup *cg, pid_t pid, berth_error **err)
{
  return files (cg)->enter (cg, pid, err);
}

/* As runc's systemd driver: the unit properties first, so that systemd
   agrees (and keeps the values over a daemon-reload), then the files for
   what has no property. */
static int
sd_update (const berth_cgroup *cg, const oci_resources *r, berth_error **err)
{
  if (systemd_set_properties (cg->unit, r, err) < 0)
    return -1;
  return berth_cgroup_apply (cg, r, NULL, true, err);
}

static int
sd_freeze (const berth_cgroup *cg, bool freeze, berth_error **err)
{
  return files (cg)->freeze (cg, freeze, err);
}

static bool
sd_is_frozen (const berth_cgroup *cg)
{
  return files (cg)->is_frozen (cg);
}

static int
sd_kill (const berth_cgroup *cg, int signo, berth_error **err)
{
  return files (cg)->kill (cg, signo, err);
}

static int
sd_destroy (const berth_cgroup *cg, berth_error **err)
{
  if (cg->unit && systemd_stop (cg->unit, err) < 0)
    return -1;
  return cg->len ? berth_cgroupfs_destroy (cg, err) : 0;
}

static void
sd_stats (const berth_cgroup *cg, oci_jw *w)
{
  files (cg)->stats (cg, w);
}

static int
sd_pids (const berth_cgroup *cg, pid_t **out, size_t *n, berth_error **err)
{
  return files (cg)->pids (cg, out, n, err);
}

const berth_cgroup_driver berth_cgroup_systemd = {
  .name = "systemd", .create = sd_create, .enter = sd_enter, .apply = berth_cgroup_apply, .update = sd_update,
  .freeze = sd_freeze, .is_frozen = sd_is_frozen, .kill = sd_kill, .destroy = sd_destroy, .stats = sd_stats,
  .pids = sd_pids,
};
