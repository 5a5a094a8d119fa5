/* The flags of `dock run` and `dock create`: docker's set, as `docker run
   --help` lists it, in one table (flags.c) that the CLI's parser, `--help`
   and docs/dock.1.md read, and that this module uses to convert each value
   into a typed member of dock_run_opts, with docker's (pflag's) messages
   for a bad value.

   dock_flag begins with the members of the CLI's option row (name, short
   name, help type, help, repeat, default) so that src/dock/cli.h can take
   it as its cli_opt: the extra members (kind, offset) are what the typed
   conversion needs.  One row per flag; nothing else lists them. */
#ifndef DOCK_RUNTIME_FLAGS_H
#define DOCK_RUNTIME_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"
#include "libdock/daemon_json.h"

typedef enum
{
  DOCK_FLAG_NONE,     /* a row of another command's table: no typed member */
  DOCK_FLAG_BOOL,     /* bool */
  DOCK_FLAG_STRING,   /* char * */
  DOCK_FLAG_LIST,     /* dock_strv, one entry per use */
  DOCK_FLAG_MAP,      /* dock_strv of KEY=VALUE (docker's map type) */
  DOCK_FLAG_INT,      /* dock_num: strconv.ParseInt */
  DOCK_FLAG_UINT16,   /* dock_num: strconv.ParseUint, 16 bits */
  DOCK_FLAG_BYTES,    /* dock_num: go-units RAMInBytes ("512m", "1g") */
  DOCK_FLAG_MEMSWAP,  /* dock_num: bytes, or -1 for unlimited */
  DOCK_FLAG_DURATION, /* dock_num: Go time.Duration, nanoseconds */
  DOCK_FLAG_DECIMAL,  /* dock_num: --cpus, in billionths of a CPU */
  DOCK_FLAG_ULIMIT,   /* dock_ulimits: name=soft[:hard] */
} dock_flag_kind;

typedef struct dock_flag
{
  const char *name; /* long name, without dashes */
  char short_name;  /* 0 when none */
  const char *arg;  /* the value's type in help ("list", "bytes"); NULL for a boolean */
  const char *help;
  bool repeat;      /* may be given several times */
  const char *def;  /* default shown in help, NULL when none */
  /* For typed conversion (dock_run_opts_set). */
  uint8_t kind;     /* dock_flag_kind */
  uint16_t offset;  /* of the member in dock_run_opts */
  bool run_only;    /* `dock run` has it, `dock create` not (-d, --sig-proxy, --detach-keys) */
} dock_flag;

typedef struct
{
  char **v; /* NULL-terminated, NULL when never given */
  size_t n;
} dock_strv;

typedef struct
{
  int64_t v;
  bool set;
} dock_num;

typedef struct
{
  dock_ulimit *v;
  size_t n;
} dock_ulimits;

/* What the flags say, typed.  Names follow the flags. */
typedef struct
{
  dock_strv add_host, attach, annotation, blkio_weight_device, cap_add, cap_drop, device, device_cgroup_rule;
  dock_strv device_read_bps, device_read_iops, device_write_bps, device_write_iops, dns, dns_option, dns_search;
  dock_strv env, env_file, expose, group_add, label, label_file, link, link_local_ip, log_opt, mount;
  dock_strv network_alias, publish, security_opt, storage_opt, sysctl, tmpfs, volume, volumes_from;
  char *cgroup_parent, *cgroupns, *cidfile, *cpuset_cpus, *cpuset_mems, *detach_keys, *domainname, *entrypoint;
  char *gpus, *health_cmd, *hostname, *ip, *ip6, *ipc, *isolation, *log_driver, *mac_address, *name, *network;
  char *pid, *platform, *pull, *restart, *runtime, *stop_signal, *user, *userns, *uts, *volume_driver, *workdir;
  bool entrypoint_set; /* --entrypoint "" (clears the image's) differs from no --entrypoint */
  bool detach, disable_content_trust, init, interactive, no_healthcheck, oom_kill_disable, privileged;
  bool publish_all, quiet, read_only, rm, sig_proxy, tty, use_api_socket;
  dock_num blkio_weight, cpu_period, cpu_quota, cpu_rt_period, cpu_rt_runtime, cpu_shares, cpus;
  dock_num health_interval, health_retries, health_start_interval, health_start_period, health_timeout;
  dock_num kernel_memory, memory, memory_reservation, memory_swap, memory_swappiness, oom_score_adj;
  dock_num pids_limit, shm_size, stop_timeout;
  dock_ulimits ulimit;
} dock_run_opts;

/* The table, terminated by a row with name NULL.  dock_run_flags_count
   excludes the terminator. */
extern const dock_flag dock_run_flags[];
extern const size_t dock_run_flags_count;

/* Defaults docker applies before any flag (sig-proxy on, pull "missing",
   restart "no", memory-swappiness -1 ...). */
void dock_run_opts_init (dock_run_opts *o);
void dock_run_opts_clear (dock_run_opts *o);

/* Convert one use of a flag (value NULL for a boolean given bare) into its
   member.  A bad value fails with docker's text:
   invalid argument "x" for "-m, --memory" flag: invalid size: 'x' */
int dock_run_opts_set (dock_run_opts *o, const dock_flag *f, const char *value, berth_error **err);

/* The whole command line after "run"/"create": flags up to the image
   (docker stops at the first argument: what follows belongs to the
   command), then IMAGE [COMMAND [ARG...]].  *image_index gets the index of
   the image in argv.  Unknown flags and missing values fail with pflag's
   texts ("unknown flag: --x", "flag needs an argument: 'm' in -m"); so does
   a missing image ("requires at least 1 argument").  for_create: refuse the
   run-only flags as docker create does.  Returns 1 for --help. */
int dock_run_parse_args (dock_run_opts *o, int argc, char **argv, bool for_create, int *image_index,
                         berth_error **err);

/* Checks across flags and of each structured value that docker makes
   before it creates anything: restart policies, --rm with --restart,
   --memory-swap below --memory, -v and --mount and --device syntax,
   --security-opt keys, network modes dock supports. */
int dock_run_opts_validate (const dock_run_opts *o, berth_error **err);

/* Value parsers, public for the other commands that take such values
   (update --memory, --stop-timeout ...) and for the tests. */
int dock_parse_bytes (const char *s, int64_t *out);    /* RAMInBytes; -1 when invalid */
int dock_parse_duration (const char *s, int64_t *out, const char **why); /* Go's; why: Go's message */
int dock_parse_nanocpus (const char *s, int64_t *out); /* "1.5" -> 1500000000 */
int dock_parse_ulimit (const char *s, dock_ulimit *out, berth_error **err);

#endif
