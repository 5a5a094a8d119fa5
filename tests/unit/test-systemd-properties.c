/* The systemd driver's unit properties for linux.resources: which
   property each setting becomes on a v2 and a v1 host, and its value
   (runc's systemd driver's mapping).  systemd does not run on the build
   machine, so this table is what can be checked; the D-Bus calls cannot. */
#include "config.h"

#include "../../src/libberth/cgroup/cgroup.h"
#include "tap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static oci_resources *
resources (const char *json)
{
  char *perr = NULL;
  oci_resources *r = oci_resources_parse_data (json, strlen (json), "test", &perr);
  if (r == NULL)
    diag ("%s", perr);
  free (perr);
  return r;
}

/* "Name=value Name=value" of the properties, masks in hex bytes. */
static void
render (const oci_resources *r, bool v2, char *out, size_t size)
{
  berth_unit_property p[BERTH_UNIT_PROPERTIES_MAX];
  size_t n = berth_systemd_properties (r, v2, p);
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n; i++)
    {
      used += (size_t) snprintf (out + used, size - used, "%s%s=", i ? " " : "", p[i].name);
      if (p[i].type == 't' && p[i].u == UINT64_MAX)
        used += (size_t) snprintf (out + used, size - used, "infinity");
      else if (p[i].type == 't')
        used += (size_t) snprintf (out + used, size - used, "%" PRIu64, p[i].u);
      else
        for (size_t k = 0; k < p[i].nbytes; k++)
          used += (size_t) snprintf (out + used, size - used, "%02x", p[i].bytes[k]);
    }
}

static void
expect (const char *json, const char *want_v2, const char *want_v1)
{
  oci_resources *r = resources (json);
  char got[1024];
  for (int v2 = 1; v2 >= 0; v2--)
    {
      const char *want = v2 ? want_v2 : want_v1;
      if (r)
        render (r, v2, got, sizeof got);
      tap_ok (r && strcmp (got, want) == 0, "%s on %s: %s", json, v2 ? "v2" : "v1", want);
      if (r && strcmp (got, want) != 0)
        diag ("got %s", got);
    }
  oci_resources_free (r);
}

int
main (void)
{
  expect ("{}", "", "");
  expect ("{\"memory\": {\"limit\": 268435456}}", "MemoryMax=268435456", "MemoryLimit=268435456");
  expect ("{\"memory\": {\"limit\": -1}}", "MemoryMax=infinity", "MemoryLimit=infinity");
  expect ("{\"memory\": {\"reservation\": 1048576}}", "MemoryLow=1048576", "");
  /* The spec's swap counts memory too; MemorySwapMax is swap alone. */
  expect ("{\"memory\": {\"limit\": 1000000, \"swap\": 3000000}}", "MemoryMax=1000000 MemorySwapMax=2000000",
          "MemoryLimit=1000000");
  expect ("{\"memory\": {\"limit\": 1000000, \"swap\": -1}}", "MemoryMax=1000000 MemorySwapMax=infinity",
          "MemoryLimit=1000000");
  expect ("{\"cpu\": {\"shares\": 1024}}", "CPUWeight=39", "CPUShares=1024");
  expect ("{\"cpu\": {\"shares\": 2}}", "CPUWeight=1", "CPUShares=2");
  expect ("{\"cpu\": {\"shares\": 262144}}", "CPUWeight=10000", "CPUShares=262144");
  /* Quota per second: 50000/100000 is half a CPU; whole percents only,
     rounded up. */
  expect ("{\"cpu\": {\"quota\": 50000, \"period\": 100000}}",
          "CPUQuotaPerSecUSec=500000 CPUQuotaPeriodUSec=100000", "CPUQuotaPerSecUSec=500000 CPUQuotaPeriodUSec=100000");
  expect ("{\"cpu\": {\"quota\": 12345}}", "CPUQuotaPerSecUSec=130000", "CPUQuotaPerSecUSec=130000");
  expect ("{\"cpu\": {\"quota\": -1}}", "CPUQuotaPerSecUSec=infinity", "CPUQuotaPerSecUSec=infinity");
  expect ("{\"cpu\": {\"quota\": 25000, \"period\": 50000}}", "CPUQuotaPerSecUSec=500000 CPUQuotaPeriodUSec=50000",
          "CPUQuotaPerSecUSec=500000 CPUQuotaPeriodUSec=50000");
  /* cpus and mems as systemd's byte masks: cpu 8i+b is bit b of byte i. */
  expect ("{\"cpu\": {\"cpus\": \"0-2,9\", \"mems\": \"0\"}}", "AllowedCPUs=0702 AllowedMemoryNodes=01",
          "AllowedCPUs=0702 AllowedMemoryNodes=01");
  expect ("{\"cpu\": {\"cpus\": \"1-x\"}}", "", "");
  expect ("{\"pids\": {\"limit\": 100}}", "TasksMax=100", "TasksMax=100");
  expect ("{\"pids\": {\"limit\": -1}}", "TasksMax=infinity", "TasksMax=infinity");
  expect ("{\"blockIO\": {\"weight\": 500}}", "IOWeight=4950", "BlockIOWeight=500");
  /* What has no property (device rules, hugetlb, network, rdma, unified)
     is written to the cgroup files only. */
  expect ("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}], \"hugepageLimits\": [{\"pageSize\": \"2MB\", "
          "\"limit\": 0}]}",
          "", "");
  expect ("{\"memory\": {\"limit\": 4096}, \"cpu\": {\"shares\": 512, \"quota\": 20000}, \"pids\": {\"limit\": 9}}",
          "MemoryMax=4096 CPUWeight=20 CPUQuotaPerSecUSec=200000 TasksMax=9",
          "MemoryLimit=4096 CPUShares=512 CPUQuotaPerSecUSec=200000 TasksMax=9");
  return tap_done ();
}
