/* linux.resources as systemd unit properties, for the systemd driver's
   create and update: the names and conversions runc's systemd driver uses,
   so that systemd's view of the scope matches its cgroup files and a
   `systemctl daemon-reload` does not put other values back.  What has no
   property here is written to the cgroup files only. */
#include "config.h"

#include "cgroup.h"
#include "../util.h"

#include <string.h>

/* systemd's "no limit" for a uint64 property. */
#define UNIT_INFINITY UINT64_MAX

typedef struct
{
  const char *v2, *v1; /* the property on a v2 / v1 host; NULL: none there */
  /* The value for r, false when r does not set it. */
  bool (*value) (const oci_resources *r, berth_unit_property *p);
} property_rule;

static uint64_t
limit_or_infinity (int64_t v)
{
  return v < 0 ? UNIT_INFINITY : (uint64_t) v;
}

static bool
memory_max (const oci_resources *r, berth_unit_property *p)
{
  if (!r->memory || !r->memory->limit_present || r->memory->limit == 0)
    return false;
  p->u = limit_or_infinity (r->memory->limit);
  return true;
}

static bool
memory_low (const oci_resources *r, berth_unit_property *p)
{
  if (!r->memory || !r->memory->reservation_present || r->memory->reservation == 0)
    return false;
  p->u = limit_or_infinity (r->memory->reservation);
  return true;
}

/* The spec's swap is memory+swap (v1's memsw); v2 limits swap alone. */
static bool
memory_swap_max (const oci_resources *r, berth_unit_property *p)
{
  const oci_memory *m = r->memory;
  if (!m || !m->swap_present || m->swap == 0)
    return false;
  if (m->swap < 0)
    p->u = UNIT_INFINITY;
  else if (m->limit_present && m->limit > 0 && m->swap >= m->limit)
    p->u = (uint64_t) (m->swap - m->limit);
  else
    return false; /* refused by berth_cgroup_check, or nothing to say */
  return true;
}

static bool
cpu_weight (const oci_resources *r, berth_unit_property *p)
{
  if (!r->cpu || !r->cpu->shares_present || r->cpu->shares == 0)
    return false;
  p->u = berth_cpu_shares_to_weight (r->cpu->shares);
  return true;
}

static bool
cpu_shares (const oci_resources *r, berth_unit_property *p)
{
  if (!r->cpu || !r->cpu->shares_present || r->cpu->shares == 0)
    return false;
  p->u = r->cpu->shares;
  return true;
}

static uint64_t
cpu_period (const oci_cpu *c)
{
  return c->period_present && c->period ? c->period : 100000;
}

/* systemd keeps CPUQuota in whole percents of a CPU: round the quota per
   second up to the next 10 ms, as runc does, so that the cgroup's own
   cpu.max is never below what the container asked for. */
static bool
cpu_quota_per_sec (const oci_resources *r, berth_unit_property *p)
{
  if (!r->cpu || !r->cpu->quota_present || r->cpu->quota == 0)
    return false;
  if (r->cpu->quota < 0)
    {
      p->u = UNIT_INFINITY;
      return true;
    }
  uint64_t per_sec = (uint64_t) r->cpu->quota * 1000000 / cpu_period (r->cpu);
  if (per_sec % 10000)
    per_sec = (per_sec / 10000 + 1) * 10000;
  p->u = per_sec;
  return true;
}

static bool
cpu_quota_period (const oci_resources *r, berth_unit_property *p)
{
  if (!r->cpu || !r->cpu->period_present || r->cpu->period == 0)
    return false;
  p->u = r->cpu->period;
  return true;
}

/* "0-2,7" as systemd's mask: byte i bit b is cpu (or node) 8i+b. */
static bool
id_mask (const char *list, berth_unit_property *p)
{
  if (list == NULL || *list == '\0')
    return false;
  memset (p->bytes, 0, sizeof p->bytes);
  p->nbytes = 0;
  for (const char *s = list; *s;)
    {
      char *end;
      unsigned long a = strtoul (s, &end, 10), b = a;
      if (end == s)
        return false;
      if (*end == '-')
        {
          s = end + 1;
          b = strtoul (s, &end, 10);
          if (end == s || b < a)
            return false;
        }
      if (b >= 8 * sizeof p->bytes)
        return false;
      for (unsigned long i = a; i <= b; i++)
        p->bytes[i / 8] |= (uint8_t) (1u << (i % 8));
      if (b / 8 + 1 > p->nbytes)
        p->nbytes = b / 8 + 1;
      s = *end == ',' ? end + 1 : end;
      if (*end && *end != ',')
        return false;
    }
  p->type = 'y';
  return true;
}

static bool
allowed_cpus (const oci_resources *r, berth_unit_property *p)
{
  return r->cpu && id_mask (r->cpu->cpus, p);
}

static bool
allowed_memory_nodes (const oci_resources *r, berth_unit_property *p)
{
  return r->cpu && id_mask (r->cpu->mems, p);
}

static bool
tasks_max (const oci_resources *r, berth_unit_property *p)
{
  if (!r->pids || r->pids->limit == 0)
    return false;
  p->u = limit_or_infinity (r->pids->limit);
  return true;
}

static bool
io_weight (const oci_resources *r, berth_unit_property *p)
{
  if (!r->block_io || !r->block_io->weight_present || r->block_io->weight == 0)
    return false;
  p->u = berth_blkio_weight_to_io_weight (r->block_io->weight);
  return true;
}

static bool
block_io_weight (const oci_resources *r, berth_unit_property *p)
{
  if (!r->block_io || !r->block_io->weight_present || r->block_io->weight == 0)
    return false;
  p->u = r->block_io->weight;
  return true;
}

static const property_rule rules[] = {
  { "MemoryMax", "MemoryLimit", memory_max },
  { "MemoryLow", NULL, memory_low },
  { "MemorySwapMax", NULL, memory_swap_max },
  { "CPUWeight", NULL, cpu_weight },
  { NULL, "CPUShares", cpu_shares },
  { "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec", cpu_quota_per_sec },
  { "CPUQuotaPeriodUSec", "CPUQuotaPeriodUSec", cpu_quota_period },
  { "AllowedCPUs", "AllowedCPUs", allowed_cpus },
  { "AllowedMemoryNodes", "AllowedMemoryNodes", allowed_memory_nodes },
  { "TasksMax", "TasksMax", tasks_max },
  { "IOWeight", NULL, io_weight },
  { NULL, "BlockIOWeight", block_io_weight },
};

size_t
berth_systemd_properties (const oci_resources *r, bool v2, berth_unit_property *out)
{
  size_t n = 0;
  _Static_assert (ARRAY_SIZE (rules) <= BERTH_UNIT_PROPERTIES_MAX, "room for every property");
  for (size_t i = 0; r && i < ARRAY_SIZE (rules); i++)
    {
      const char *name = v2 ? rules[i].v2 : rules[i].v1;
      if (name == NULL)
        continue;
      berth_unit_property p = { .name = name, .type = 't' };
      if (rules[i].value (r, &p))
        out[n++] = p;
    }
  return n;
}
