#include "config.h"

#include "sched.h"
#include "process.h"
#include "../util.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/ioprio.h>
#include <linux/sched.h>

#ifndef SCHED_ISO
#define SCHED_ISO 4 /* reserved by Linux, never implemented */
#endif

/* The kernel's struct sched_attr (VER1, 56 bytes): <linux/sched/types.h>
   cannot be included beside glibc's <sched.h>, which has no wrapper yet. */
struct berth_sched_attr
{
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
  uint32_t sched_util_min, sched_util_max;
};

typedef struct
{
  const char *name;
  unsigned long value;
} named_value;

static const named_value policies[] = {
  { "SCHED_OTHER", SCHED_NORMAL }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
  { "SCHED_BATCH", SCHED_BATCH },  { "SCHED_ISO", SCHED_ISO },   { "SCHED_IDLE", SCHED_IDLE },
  { "SCHED_DEADLINE", SCHED_DEADLINE },
};

static const named_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK },
  { "SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM },
  { "SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN },
  { "SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY },
  { "SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS },
  { "SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX },
};

static const named_value io_classes[] = {
  { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT },
  { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
  { "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
};

static const named_value domains[] = {
  { "LINUX", PER_LINUX },
  { "LINUX32", PER_LINUX32 },
};

static const named_value *
lookup (const named_value *t, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (t[i].name, name) == 0)
      return &t[i];
  return NULL;
}

#define LOOKUP(table, name) lookup ((table), ARRAY_SIZE (table), (name))

/* ------------------------------------------------------------ checks */

bool
berth_parse_cpu_list (const char *list, void *cpu_set, size_t setsize)
{
  cpu_set_t *set = cpu_set;
  CPU_ZERO_S (setsize, set);
  size_t max = setsize * 8;
  const char *s = list;
  if (*s == '\0')
    return false;
  for (;;)
    {
      char *end;
      if (*s < '0' || *s > '9')
        return false;
      errno = 0;
      unsigned long lo = strtoul (s, &end, 10), hi = lo;
      if (errno)
        return false;
      s = end;
      if (*s == '-')
        {
          s++;
          if (*s < '0' || *s > '9')
            return false;
          hi = strtoul (s, &end, 10);
          if (errno)
            return false;
          s = end;
        }
      if (lo > hi || hi >= max)
        return false;
      for (unsigned long c = lo; c <= hi; c++)
        CPU_SET_S (c, setsize, set);
      if (*s == '\0')
        return true;
      if (*s++ != ',')
        return false;
    }
}

static int
check_scheduler (const oci_scheduler *sc, berth_error **err)
{
  const named_value *pol = LOOKUP (policies, sc->policy);
  if (pol == NULL)
    return berth_fail (err, 0, "process.scheduler.policy: unknown policy `%s`", sc->policy);
  if (pol->value == SCHED_ISO)
    return berth_fail (err, 0, "process.scheduler.policy: SCHED_ISO is not implemented by Linux");
  for (size_t i = 0; i < sc->flags_len; i++)
    if (LOOKUP (sched_flags, sc->flags[i]) == NULL)
      return berth_fail (err, 0, "process.scheduler.flags[%zu]: unknown flag `%s`", i, sc->flags[i]);
  if (sc->nice_present && (sc->nice < -20 || sc->nice > 19))
    return berth_fail (err, 0, "process.scheduler.nice: %d is out of range (-20 to 19)", sc->nice);
  return 0;
}

static int
check_cpu_list (const char *field, const char *list, berth_error **err)
{
  cpu_set_t set;
  if (list && *list && !berth_parse_cpu_list (list, &set, sizeof set))
    return berth_fail (err, 0, "process.execCPUAffinity.%s: `%s` is not a CPU list (like 0-3,7; CPUs 0 to %d)",
                       field, list, CPU_SETSIZE - 1);
  return 0;
}

int
berth_check_process (const oci_process *p, const oci_personality *per, berth_error **err)
{
  if (p)
    {
      if (berth_check_rlimits (p, err) < 0 || berth_check_identity (p, "process.", err) < 0)
        return -1;
      if (p->oom_score_adj_present && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
        return berth_fail (err, 0, "process.oomScoreAdj: %d is out of range (-1000 to 1000)", p->oom_score_adj);
      if (p->scheduler && check_scheduler (p->scheduler, err) < 0)
        return -1;
      const oci_io_priority *io = p->io_priority;
      if (io && LOOKUP (io_classes, io->class_) == NULL)
        return berth_fail (err, 0, "process.ioPriority.class: unknown class `%s`", io->class_);
      if (io && io->priority_present && (io->priority < 0 || io->priority > 7))
        return berth_fail (err, 0, "process.ioPriority.priority: %d is out of range (0 to 7)", io->priority);
      const oci_cpu_affinity *a = p->exec_cpu_affinity;
      if (a && (check_cpu_list ("initial", a->initial, err) < 0 || check_cpu_list ("final", a->final, err) < 0))
        return -1;
    }
  if (per)
    {
      if (per->domain == NULL || LOOKUP (domains, per->domain) == NULL)
        return berth_fail (err, 0, "linux.personality.domain: unknown domain `%s` (LINUX or LINUX32)",
                           per->domain ? per->domain : "");
      /* The spec defines no flags yet: one we do not know must not be
         silently dropped. */
      if (per->flags_len)
        return berth_fail (err, 0, "linux.personality.flags[0]: unsupported flag `%s`", per->flags[0]);
    }
  return 0;
}

int
berth_check_process_attrs (const oci_spec *s, berth_error **err)
{
  return berth_check_process (s->process, s->linux ? s->linux->personality : NULL, err);
}

/* ------------------------------------------------------------ applying */

int
berth_apply_cpu_affinity (const oci_process *p, bool final, berth_error **err)
{
  const oci_cpu_affinity *a = p->exec_cpu_affinity;
  const char *list = a ? (final ? a->final : a->initial) : NULL;
  if (list == NULL || *list == '\0')
    return 0;
  const char *field = final ? "final" : "initial";
  cpu_set_t set;
  if (!berth_parse_cpu_list (list, &set, sizeof set))
    return berth_fail (err, 0, "process.execCPUAffinity.%s: `%s` is not a CPU list", field, list);
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    return berth_fail_errno (err, "process.execCPUAffinity.%s: run on CPUs %s", field, list);
  return 0;
}

static int
apply_scheduler (const oci_scheduler *sc, berth_error **err)
{
  const named_value *pol = LOOKUP (policies, sc->policy);
  struct berth_sched_attr attr = {
    .size = sizeof attr,
    .sched_policy = (uint32_t) pol->value,
    .sched_nice = sc->nice_present ? sc->nice : 0,
    .sched_priority = sc->priority_present ? (uint32_t) sc->priority : 0,
    .sched_runtime = sc->runtime_present ? sc->runtime : 0,
    .sched_deadline = sc->deadline_present ? sc->deadline : 0,
    .sched_period = sc->period_present ? sc->period : 0,
    /* The spec has no clamp values: with the UTIL_CLAMP flags, -1 asks
       for the defaults rather than clamping to 0. */
    .sched_util_min = UINT32_MAX,
    .sched_util_max = UINT32_MAX,
  };
  for (size_t i = 0; i < sc->flags_len; i++)
    attr.sched_flags |= LOOKUP (sched_flags, sc->flags[i])->value;
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    {
      /* With RT group scheduling (cgroup v1 cpu), a cgroup without an RT
         budget refuses realtime tasks: say what is missing. */
      bool rt = attr.sched_policy == SCHED_FIFO || attr.sched_policy == SCHED_RR;
      return berth_fail_errno (err, "process.scheduler: set %s (priority %u, nice %d)%s", sc->policy,
                               attr.sched_priority, attr.sched_nice,
                               rt && errno == EPERM ? " (does the cgroup have linux.resources.cpu.realtimeRuntime?)"
                                                    : "");
    }
  return 0;
}

int
berth_apply_sched_attrs (const oci_process *p, const oci_personality *per, berth_error **err)
{
  const oci_io_priority *io = p->io_priority;
  if (io)
    {
      int prio = io->priority_present ? io->priority : 0;
      int value = IOPRIO_PRIO_VALUE (LOOKUP (io_classes, io->class_)->value, prio);
      /* The init's own priority: everything it starts inherits it. */
      if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
        return berth_fail_errno (err, "process.ioPriority: set %s/%d", io->class_, prio);
    }
  if (per && personality (LOOKUP (domains, per->domain)->value) < 0)
    return berth_fail_errno (err, "linux.personality: set %s", per->domain);
  /* Last, as the policy may constrain the init from here on (a
     SCHED_DEADLINE task can neither fork nor narrow its affinity). */
  if (p->scheduler && apply_scheduler (p->scheduler, err) < 0)
    return -1;
  return 0;
}
