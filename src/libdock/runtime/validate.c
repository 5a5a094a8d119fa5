/* The checks docker makes of run/create flags before it creates anything
   (cli/command/container/opts.go and the daemon's verifyContainerSettings),
   so that a bad command line leaves nothing behind. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "libberth/util.h"

static int
check_restart (const char *r, berth_error **err)
{
  if (r == NULL || strcmp (r, "no") == 0 || strcmp (r, "always") == 0 || strcmp (r, "unless-stopped") == 0
      || strcmp (r, "on-failure") == 0)
    return 0;
  if (str_has_prefix (r, "on-failure:"))
    {
      char *end;
      long n = strtol (r + 11, &end, 10);
      if (r[11] && *end == '\0' && n >= 0)
        return 0;
      return berth_fail (err, 0, "invalid restart policy format: maximum retry count must be an integer");
    }
  if (str_has_prefix (r, "always:") || str_has_prefix (r, "unless-stopped:") || str_has_prefix (r, "no:"))
    return berth_fail (err, 0, "invalid restart policy format: maximum retry count can only be used with "
                               "'on-failure'");
  return berth_fail (err, 0, "invalid restart policy format: unknown policy '%s'; use one of 'no', 'always', "
                             "'on-failure', or 'unless-stopped'", r);
}

int
dock_run_opts_validate (const dock_run_opts *o, berth_error **err)
{
  if (check_restart (o->restart, err) < 0)
    return -1;
  if (o->rm && o->restart && strcmp (o->restart, "no") != 0)
    return berth_fail (err, 0, "Conflicting options: --restart and --rm");
  if (o->memory_swap.set && o->memory_swap.v > 0 && o->memory.set && o->memory_swap.v < o->memory.v)
    return berth_fail (err, 0, "Minimum memoryswap limit should be larger than memory limit, see usage");
  if (o->memory_swap.set && o->memory_swap.v > 0 && !(o->memory.set && o->memory.v > 0))
    return berth_fail (err, 0, "You should always set the Memory limit when using Memoryswap limit, see usage");
  if (o->cpus.set && (o->cpu_period.set || o->cpu_quota.set))
    return berth_fail (err, 0, "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (o->memory_swappiness.set && (o->memory_swappiness.v < -1 || o->memory_swappiness.v > 100))
    return berth_fail (err, 0, "Invalid value: %lld, valid memory swappiness range is 0-100",
                       (long long) o->memory_swappiness.v);
  if (o->blkio_weight.set && o->blkio_weight.v != 0 && (o->blkio_weight.v < 10 || o->blkio_weight.v > 1000))
    return berth_fail (err, 0, "Range of blkio weight is from 10 to 1000");
  oci_image_healthcheck *hc = NULL;
  if (dock_run_healthcheck (NULL, o, &hc, err) < 0)
    return -1;
  oci_image_healthcheck_free (hc);
  if (o->gpus)
    return berth_fail (err, 0, "could not select device driver \"\" with capabilities: [[gpu]]");
  if (o->use_api_socket)
    return berth_fail (err, 0, "--use-api-socket: dock has no API socket");
  if (o->interactive == false && o->attach.n)
    for (size_t i = 0; i < o->attach.n; i++)
      if (strcasecmp (o->attach.v[i], "stdin") != 0 && strcasecmp (o->attach.v[i], "stdout") != 0
          && strcasecmp (o->attach.v[i], "stderr") != 0)
        return berth_fail (err, 0, "invalid argument \"%s\" for \"-a, --attach\" flag: valid streams are STDIN, "
                                   "STDOUT and STDERR",
                           o->attach.v[i]);
  if (o->detach && o->attach.n)
    return berth_fail (err, 0, "Conflicting options: -a and -d");
  for (size_t i = 0; i < o->volume.n; i++)
    if (dock_check_volume (o->volume.v[i], err) < 0)
      return -1;
  for (size_t i = 0; i < o->mount.n; i++)
    if (dock_check_mount (o->mount.v[i], err) < 0)
      return -1;
  for (size_t i = 0; i < o->device.n; i++)
    if (dock_check_device (o->device.v[i], err) < 0)
      return -1;
  if (o->log_driver && strcmp (o->log_driver, "json-file") != 0 && strcmp (o->log_driver, "none") != 0
      && strcmp (o->log_driver, "local") != 0)
    return berth_fail (err, 0, "failed to create task for container: logging driver \"%s\" not supported by dock",
                       o->log_driver);
  const char *net = o->network;
  if (net && strcmp (net, "none") != 0 && strcmp (net, "host") != 0 && strcmp (net, "default") != 0
      && strcmp (net, "bridge") != 0)
    return berth_fail (err, 0, "network %s not found", net);
  if (o->stop_signal)
    {
      int sig;
      if (dock_stop_signal (NULL, o, &sig, err) < 0)
        return -1;
    }
  return 0;
}
