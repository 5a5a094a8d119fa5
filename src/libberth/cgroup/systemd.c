/* The systemd cgroup driver (--systemd-cgroup): systemd owns the cgroup
   tree on a systemd host, so the container's cgroup is a transient scope
   asked for over D-Bus (sd-bus), delegated to us (Delegate=yes) so that
   the cgroupfs code can then write the rest of linux.resources into it. */
#include "config.h"

#include "cgroup.h"
#include "../util.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

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
  X (bus_message_close_container)

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

static int
append_resource_properties (sd_bus_message *m, const oci_resources *r, bool v2)
{
  int rc = 0;
  if (r == NULL)
    return 0;
  if (r->memory && r->memory->limit_present && r->memory->limit > 0)
    rc = sd.bus_message_append (m, "(sv)", v2 ? "MemoryMax" : "MemoryLimit", "t", (uint64_t) r->memory->limit);
  if (rc >= 0 && r->pids && r->pids->limit > 0)
    rc = sd.bus_message_append (m, "(sv)", "TasksMax", "t", (uint64_t) r->pids->limit);
  if (rc >= 0 && r->cpu && r->cpu->shares_present && r->cpu->shares)
    rc = v2 ? sd.bus_message_append (m, "(sv)", "CPUWeight", "t", berth_cpu_shares_to_weight (r->cpu->shares))
            : sd.bus_message_append (m, "(sv)", "CPUShares", "t", r->cpu->shares);
  if (rc >= 0 && r->cpu && r->cpu->quota_present && r->cpu->quota > 0)
    {
      uint64_t period = r->cpu->period_present && r->cpu->period ? r->cpu->period : 100000;
      rc = sd.bus_message_append (m, "(sv)", "CPUQuotaPerSecUSec", "t",
                                  (uint64_t) r->cpu->quota * 1000000 / period);
    }
  return rc;
}

berth_cgroup *
berth_systemd_start (const char *slice, const char *unit, pid_t pid, const oci_resources *r, berth_error **err)
{
  __attribute__ ((cleanup (bus_unrefp))) sd_bus *bus = NULL;
  if (bus_open (&bus, err) < 0)
    return NULL;
  __attribute__ ((cleanup (msg_unrefp))) sd_bus_message *m = NULL;
  bool v2 = access ("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
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
    rc = append_resource_properties (m, r, v2);
  if (rc >= 0)
    rc = sd.bus_message_close_container (m);
  if (rc >= 0)
    rc = sd.bus_message_append (m, "a(sa(sv))", 0);
  if (rc < 0)
    {
      berth_fail (err, -rc, "--systemd-cgroup: build the request for %s", unit);
      return NULL;
    }
  cleanup_free char *what = xasprintf ("start %s in %s", unit, slice);
  if (call_and_wait (bus, m, what, err) < 0)
    return NULL;
  return berth_cgroup_of_pid (pid, err);
}

int
berth_systemd_stop (const char *unit, berth_error **err)
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

berth_cgroup *
berth_systemd_start (const char *slice, const char *unit, pid_t pid, const oci_resources *r, berth_error **err)
{
  (void) slice, (void) unit, (void) pid, (void) r;
  berth_fail (err, ENOTSUP, "--systemd-cgroup: berth was built without libsystemd");
  return NULL;
}

int
berth_systemd_stop (const char *unit, berth_error **err)
{
  (void) unit;
  return berth_fail (err, 0, "--systemd-cgroup: berth was built without libsystemd");
}

#endif
