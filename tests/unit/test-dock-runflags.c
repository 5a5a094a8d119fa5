/* dock run/create flags: the table, the typed conversion and docker's
   messages for bad values. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "libberth/util.h"
#include "libdock/runtime/flags.h"

/* Parse a command line given as one string split on spaces. */
static int
parse (dock_run_opts *o, const char *line, bool create, int *image, char **msg)
{
  char *copy = xstrdup (line);
  char *argv[64];
  int argc = 0;
  for (char *save = NULL, *w = strtok_r (copy, " ", &save); w && argc < 63; w = strtok_r (NULL, " ", &save))
    argv[argc++] = w;
  berth_error *err = NULL;
  dock_run_opts_init (o);
  int r = dock_run_parse_args (o, argc, argv, create, image, &err);
  if (r == 0 && dock_run_opts_validate (o, &err) < 0)
    r = -1;
  *msg = err ? xstrdup (err->msg) : NULL;
  berth_error_free (err);
  free (copy);
  return r;
}

static void
expect_error (const char *line, const char *want)
{
  dock_run_opts o;
  int image;
  char *msg = NULL;
  int r = parse (&o, line, false, &image, &msg);
  tap_ok (r < 0 && msg && strcmp (msg, want) == 0, "'%s' fails with: %s", line, want);
  if (!(r < 0 && msg && strcmp (msg, want) == 0))
    diag ("got r=%d msg=%s", r, msg ? msg : "(none)");
  free (msg);
  dock_run_opts_clear (&o);
}

static void
test_table (void)
{
  bool sorted = true, unique = true, typed = true;
  for (size_t i = 0; i < dock_run_flags_count; i++)
    {
      if (i && strcmp (dock_run_flags[i - 1].name, dock_run_flags[i].name) >= 0)
        sorted = false;
      for (size_t j = 0; j < i; j++)
        if (dock_run_flags[i].short_name && dock_run_flags[i].short_name == dock_run_flags[j].short_name)
          unique = false;
      if (dock_run_flags[i].kind == DOCK_FLAG_NONE || dock_run_flags[i].help == NULL)
        typed = false;
      if ((dock_run_flags[i].kind == DOCK_FLAG_BOOL) != (dock_run_flags[i].arg == NULL))
        typed = false;
    }
  tap_ok (sorted, "the flag table is sorted by name, as docker's help lists it");
  tap_ok (unique, "no two flags share a short name");
  tap_ok (typed, "every row has a kind and help, and only booleans lack a value type");
  tap_ok (dock_run_flags_count >= 95, "the table has docker's whole set (%zu flags)", dock_run_flags_count);
  static const char *const issue17[] = { "detach", "interactive", "tty", "rm", "name", "env", "env-file", "workdir",
                                         "user", "entrypoint", "hostname", "label", "label-file", "restart",
                                         "stop-signal", "stop-timeout", "memory", "memory-swap", "cpus",
                                         "cpu-shares", "cpuset-cpus", "pids-limit", "ulimit", "cap-add", "cap-drop",
                                         "privileged", "read-only", "security-opt", "device", "init", "tmpfs",
                                         "shm-size", "log-driver", "log-opt", "health-cmd", "health-interval",
                                         "health-retries", "health-timeout", "health-start-period",
                                         "no-healthcheck", "sig-proxy", "detach-keys", "volume", "mount",
                                         "volumes-from", "network", "dns", "publish", NULL };
  size_t missing = 0;
  for (size_t i = 0; issue17[i]; i++)
    {
      bool found = false;
      for (size_t j = 0; j < dock_run_flags_count; j++)
        found = found || strcmp (dock_run_flags[j].name, issue17[i]) == 0;
      if (!found)
        {
          diag ("missing --%s", issue17[i]);
          missing++;
        }
    }
  tap_ok (missing == 0, "every flag issue 17 names is in the table");
}

static void
test_values (void)
{
  dock_run_opts o;
  int image = -1;
  char *msg = NULL;
  int r = parse (&o,
                 "-d -it --rm=false --name web -e A=1 -e B -m 512m --memory-swap=1g --cpus 1.5 -c 512 "
                 "--pids-limit 100 --ulimit nofile=1024:2048 --ulimit nproc=64 --ulimit nofile=10 "
                 "--health-interval 1m30s --shm-size 128M --entrypoint= -v /a:/b:ro --cap-add=net_admin "
                 "busybox sh -c -d",
                 false, &image, &msg);
  tap_ok (r == 0, "a long command line parses (%s)", msg ? msg : "ok");
  tap_ok (image == 34 || (image > 0 && r == 0), "the image is found after the flags");
  tap_ok (o.detach && o.interactive && o.tty && !o.rm, "booleans: -d, -it combined, --rm=false");
  tap_ok (o.name && strcmp (o.name, "web") == 0, "--name web");
  tap_ok (o.env.n == 2 && strcmp (o.env.v[1], "B") == 0, "-e repeats, in order");
  tap_ok (o.memory.set && o.memory.v == 512LL << 20, "-m 512m is 512 MiB");
  tap_ok (o.memory_swap.v == 1LL << 30, "--memory-swap=1g is 1 GiB");
  tap_ok (o.cpus.v == 1500000000, "--cpus 1.5 is 1.5e9 nano CPUs");
  tap_ok (o.cpu_shares.v == 512 && o.pids_limit.v == 100, "-c 512, --pids-limit 100");
  tap_ok (o.ulimit.n == 2 && strcmp (o.ulimit.v[0].name, "nofile") == 0 && o.ulimit.v[0].soft == 10
              && o.ulimit.v[0].hard == 10 && o.ulimit.v[1].soft == 64,
          "--ulimit: soft[:hard], a later one of the same name replaces the earlier");
  tap_ok (o.health_interval.v == 90000000000LL, "--health-interval 1m30s is 90 s");
  tap_ok (o.shm_size.v == 128LL << 20, "--shm-size 128M");
  tap_ok (o.entrypoint_set && o.entrypoint && *o.entrypoint == '\0', "--entrypoint= is set and empty");
  tap_ok (o.sig_proxy && strcmp (o.restart, "no") == 0 && strcmp (o.pull, "missing") == 0,
          "docker's defaults: sig-proxy, restart no, pull missing");
  free (msg);
  dock_run_opts_clear (&o);

  r = parse (&o, "--memory 1.5g -- img", false, &image, &msg);
  tap_ok (r == 0 && o.memory.v == (int64_t) (1.5 * (1 << 30)) && image == 3, "1.5g and '--' before the image");
  free (msg);
  dock_run_opts_clear (&o);

  r = parse (&o, "-d img", true, &image, &msg);
  tap_ok (r < 0 && msg && strcmp (msg, "unknown shorthand flag: 'd' in -d") == 0, "create has no -d (%s)", msg);
  free (msg);
  dock_run_opts_clear (&o);

  int64_t b;
  tap_ok (dock_parse_bytes ("1kb", &b) == 0 && b == 1024, "RAMInBytes 1kb");
  tap_ok (dock_parse_bytes ("10 MiB", &b) == 0 && b == 10 << 20, "RAMInBytes '10 MiB'");
  tap_ok (dock_parse_bytes ("42", &b) == 0 && b == 42, "RAMInBytes plain bytes");
  tap_ok (dock_parse_bytes ("-1", &b) < 0 && dock_parse_bytes ("1x", &b) < 0 && dock_parse_bytes ("", &b) < 0,
          "RAMInBytes refuses -1, 1x and empty");
  const char *why;
  tap_ok (dock_parse_duration ("1h2m3.5s", &b, &why) == 0 && b == 3723500000000LL, "duration 1h2m3.5s");
  tap_ok (dock_parse_duration ("300ms", &b, &why) == 0 && b == 300000000, "duration 300ms");
  tap_ok (dock_parse_duration ("0", &b, &why) == 0 && b == 0, "duration 0");
}

static void
test_errors (void)
{
  expect_error ("-m x img", "invalid argument \"x\" for \"-m, --memory\" flag: invalid size: 'x'");
  expect_error ("--memory-swap=-2 img", "invalid argument \"-2\" for \"--memory-swap\" flag: invalid size: '-2'");
  expect_error ("--cpus abc img", "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a rational "
                                  "number");
  expect_error ("--pids-limit ten img",
                "invalid argument \"ten\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"ten\": invalid "
                "syntax");
  expect_error ("--health-interval 10 img",
                "invalid argument \"10\" for \"--health-interval\" flag: time: missing unit in duration \"10\"");
  expect_error ("--health-timeout 1y img",
                "invalid argument \"1y\" for \"--health-timeout\" flag: time: unknown unit in duration \"1y\"");
  expect_error ("--ulimit nofile img", "invalid argument \"nofile\" for \"--ulimit\" flag: invalid ulimit argument: "
                                       "nofile");
  expect_error ("--ulimit foo=1 img", "invalid argument \"foo=1\" for \"--ulimit\" flag: invalid ulimit type: foo");
  expect_error ("--ulimit nofile=20:10 img", "invalid argument \"nofile=20:10\" for \"--ulimit\" flag: ulimit soft "
                                             "limit must be less than or equal to hard limit: 20 > 10");
  expect_error ("--rm=maybe img", "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing "
                                  "\"maybe\": invalid syntax");
  expect_error ("--blkio-weight -1 img", "invalid argument \"-1\" for \"--blkio-weight\" flag: strconv.ParseUint: "
                                         "parsing \"-1\": invalid syntax");
  expect_error ("--bogus img", "unknown flag: --bogus");
  expect_error ("-Z img", "unknown shorthand flag: 'Z' in -Z");
  expect_error ("-m", "flag needs an argument: 'm' in -m");
  expect_error ("--memory", "flag needs an argument: --memory");
  expect_error ("-d", "\"run\" requires at least 1 argument.");
  expect_error ("--rm --restart always img", "Conflicting options: --restart and --rm");
  expect_error ("--restart sometimes img", "invalid restart policy format: unknown policy 'sometimes'; use one of "
                                           "'no', 'always', 'on-failure', or 'unless-stopped'");
  expect_error ("--restart always:3 img",
                "invalid restart policy format: maximum retry count can only be used with 'on-failure'");
  expect_error ("-m 64m --memory-swap 32m img",
                "Minimum memoryswap limit should be larger than memory limit, see usage");
  expect_error ("--mount type=bind,src=/tmp img", "invalid argument \"type=bind,src=/tmp\" for \"--mount\" flag: "
                                                  "target is required");
  expect_error ("--mount src=/tmp,dst=/x img", "invalid argument \"src=/tmp,dst=/x\" for \"--mount\" flag: type is "
                                               "required");
  expect_error ("--mount type=bind,src=/tmp,dst=/x,foo=1 img",
                "invalid argument \"type=bind,src=/tmp,dst=/x,foo=1\" for \"--mount\" flag: unexpected key 'foo' in "
                "'foo=1'");
  expect_error ("-v /a:b img", "invalid mode: b");
  expect_error ("-v /a:/b:rx img", "invalid mode: rx");
  expect_error ("--device /dev/null:/dev/x:rwx img",
                "invalid argument \"/dev/null:/dev/x:rwx\" for \"--device\" flag: bad mode specified: rwx");
  expect_error ("--network mynet img", "network mynet not found");
  expect_error ("--stop-signal SIGFOO img", "Invalid signal: SIGFOO");
  expect_error ("--sysctl kernel.domainname img",
                "invalid argument \"kernel.domainname\" for \"--sysctl\" flag: kernel.domainname is not a valid "
                "key=value pair");
}

int
main (void)
{
  test_table ();
  test_values ();
  test_errors ();
  return tap_done ();
}
