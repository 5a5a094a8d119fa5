/* berth update: new resource limits for a live container, from runc's
   flags or from a linux.resources JSON document (--resources FILE|-),
   which then wins over the flags, as with runc. */
#include "config.h"

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* "512m", "1G", "1024", "-1": binary multiples, as docker and runc take them. */
static int
parse_bytes (const char *flag, const char *s, int64_t *out, berth_error **err)
{
  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (end == s || errno || v < 0)
    return berth_fail (err, 0, "--%s: `%s` is not a size", flag, s);
  static const char units[] = "bkmgtp";
  double mult = 1;
  if (*end)
    {
      const char *u = strchr (units, tolower ((unsigned char) *end));
      if (u == NULL || !(end[1] == '\0' || ((end[1] == 'b' || end[1] == 'B') && end[2] == '\0' && *u != 'b')))
        return berth_fail (err, 0, "--%s: `%s` is not a size", flag, s);
      for (const char *p = units; p < u; p++)
        mult *= 1024;
    }
  v *= mult;
  if (v > (double) INT64_MAX)
    return berth_fail (err, 0, "--%s: `%s` is too large", flag, s);
  *out = (int64_t) v;
  return 0;
}

static int
parse_int (const char *flag, const char *s, int64_t min, int64_t *out, berth_error **err)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (end == s || *end || errno || v < min)
    return berth_fail (err, 0, "--%s: `%s` is not a valid number", flag, s);
  *out = v;
  return 0;
}

/* Each flag: the field it sets, by kind. */
#define BYTES(flag, obj, field) { flag, 'b', offsetof (oci_resources, obj), offsetof (oci_##obj, field), offsetof (oci_##obj, field##_present) }
#define INT(flag, obj, field) { flag, 'i', offsetof (oci_resources, obj), offsetof (oci_##obj, field), offsetof (oci_##obj, field##_present) }
#define UINT(flag, obj, field) { flag, 'u', offsetof (oci_resources, obj), offsetof (oci_##obj, field), offsetof (oci_##obj, field##_present) }
static const struct
{
  const char *flag;
  char kind;
  size_t group, field, present;
} flags[] = {
  BYTES ("memory", memory, limit),
  BYTES ("memory-reservation", memory, reservation),
  BYTES ("memory-swap", memory, swap),
  BYTES ("kernel-memory", memory, kernel),
  BYTES ("kernel-memory-tcp", memory, kernel_tcp),
  UINT ("cpu-shares", cpu, shares),
  INT ("cpu-quota", cpu, quota),
  UINT ("cpu-period", cpu, period),
  UINT ("cpu-burst", cpu, burst),
  UINT ("cpu-rt-period", cpu, realtime_period),
  INT ("cpu-rt-runtime", cpu, realtime_runtime),
  INT ("cpu-idle", cpu, idle),
};

static void *
group (oci_resources *r, size_t offset)
{
  void **slot = (void **) ((char *) r + offset);
  if (*slot == NULL)
    {
      if (offset == offsetof (oci_resources, memory))
        *slot = oci_memory_new ();
      else
        *slot = oci_cpu_new ();
    }
  return *slot;
}

static oci_resources *
from_flags (cli_ctx *ctx, berth_error **err)
{
  oci_resources *r = oci_resources_new ();
  for (size_t i = 0; i < ARRAY_SIZE (flags); i++)
    {
      const char *v = cli_value (ctx, flags[i].flag);
      if (v == NULL)
        continue;
      int64_t n;
      if ((flags[i].kind == 'b' ? parse_bytes (flags[i].flag, v, &n, err)
                                : parse_int (flags[i].flag, v, flags[i].kind == 'u' ? 0 : INT64_MIN, &n, err))
          < 0)
        goto fail;
      char *g = group (r, flags[i].group);
      memcpy (g + flags[i].field, &n, sizeof n);
      *(bool *) (g + flags[i].present) = true;
    }
  const char *cpus = cli_value (ctx, "cpuset-cpus"), *mems = cli_value (ctx, "cpuset-mems");
  if (cpus || mems)
    {
      oci_cpu *c = group (r, offsetof (oci_resources, cpu));
      c->cpus = cpus ? xstrdup (cpus) : NULL;
      c->mems = mems ? xstrdup (mems) : NULL;
    }
  const char *pids = cli_value (ctx, "pids-limit");
  if (pids)
    {
      r->pids = oci_pids_new ();
      if (parse_int ("pids-limit", pids, -1, &r->pids->limit, err) < 0)
        goto fail;
      r->pids->limit_present = true;
    }
  const char *weight = cli_value (ctx, "blkio-weight");
  if (weight)
    {
      int64_t w;
      if (parse_int ("blkio-weight", weight, 0, &w, err) < 0)
        goto fail;
      if (w > UINT16_MAX)
        {
          berth_fail (err, 0, "--blkio-weight: %s is outside 10..1000", weight);
          goto fail;
        }
      r->block_io = oci_block_io_new ();
      r->block_io->weight = (uint16_t) w, r->block_io->weight_present = true;
    }
  if (cli_value (ctx, "l3-cache-schema") || cli_value (ctx, "mem-bw-schema"))
    {
      berth_fail (err, 0, "Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported");
      goto fail;
    }
  return r;
fail:
  oci_resources_free (r);
  return NULL;
}

static oci_resources *
from_file (const char *path, berth_error **err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (cli_read_path (path, &text, &len, err) < 0)
    return NULL;
  char *perr = NULL;
  oci_resources *r = oci_resources_parse_data (text, len, strcmp (path, "-") ? path : "stdin", &perr);
  if (r == NULL)
    {
      berth_fail (err, 0, "%s", perr ? perr : "resources: cannot decode");
      free (perr);
    }
  return r;
}

int
cmd_update (cli_ctx *ctx, berth_error **err)
{
  const char *file = cli_value (ctx, "resources");
  oci_resources *r = file ? from_file (file, err) : from_flags (ctx, err);
  if (r == NULL)
    return berth_error_wrap (err, "update");
  int rc = berth_update (ctx->lib, ctx->argv[0], r, err);
  oci_resources_free (r);
  return rc < 0 ? berth_error_wrap (err, "update") : 0;
}
