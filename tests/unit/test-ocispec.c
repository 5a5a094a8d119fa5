/* Unit tests for libocispec, part 1: the JSON backend (json.c), the
 * table-driven decoder/encoder (schema.c) and the runtime-spec types
 * (runtime_spec.h), document by document.
 *
 * a. full-config.json (every field of every config type) round-trips.
 * c. Malformed JSON, NULs, duplicates, state/features documents, files.
 *
 * Part 2 (b, the per-field descriptor walk) is test-ocispec-fields.c.
 * Speaks TAP; needs only TEST_DATA_DIR at run time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ocispec-helpers.h"
#include "runtime_spec.h"
#include "tap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must be defined"
#endif

/* Nesting the coverage walk follows at most. */
#define MAX_DEPTH 16

/* ================================================================ helpers */

static char *
slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = oci_xmalloc (cap);
  size_t r;
  while ((r = fread (buf + n, 1, cap - n, f)) > 0)
    {
      n += r;
      if (n == cap)
        buf = oci_xrealloc (buf, cap *= 2);
    }
  fclose (f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

static bool
starts_with (const char *s, const char *prefix)
{
  return s && strncmp (s, prefix, strlen (prefix)) == 0;
}

/* ==================================================== a. full config.json */

/* Coverage: which fields of which types full-config.json sets. */
#define MAX_TYPES 64
static struct
{
  const oci_desc *d;
  bool seen[64];
} coverage[MAX_TYPES];
static size_t ncoverage;

static bool *
coverage_of (const oci_desc *d)
{
  for (size_t i = 0; i < ncoverage; i++)
    if (coverage[i].d == d)
      return coverage[i].seen;
  if (ncoverage == MAX_TYPES || d->nfields > 64)
    abort ();
  coverage[ncoverage].d = d;
  return coverage[ncoverage++].seen;
}

static void
cover (const oci_desc *d, const oci_json *j, int depth)
{
  bool *seen = coverage_of (d);
  if (j == NULL || j->kind != OCI_JSON_OBJECT || depth > MAX_DEPTH)
    return;
  for (size_t i = 0; i < d->nfields; i++)
    {
      const oci_field *f = &d->fields[i];
      const oci_json *v = oci_json_get (j, f->name);
      if (v == NULL || v->kind == OCI_JSON_NULL)
        continue;
      seen[i] = true;
      if (f->kind == OCI_K_OBJ)
        cover (f->sub, v, depth + 1);
      else if (f->kind == OCI_K_AOBJ || f->kind == OCI_K_MOBJ)
        for (size_t k = 0; k < v->len; k++)
          cover (f->sub, v->items[k], depth + 1);
    }
}

static int
count_unseen (const oci_desc *d, const char *prefix, int depth)
{
  int missing = 0;
  bool *seen = coverage_of (d);
  if (depth > MAX_DEPTH)
    return 0;
  for (size_t i = 0; i < d->nfields; i++)
    {
      char p[512];
      snprintf (p, sizeof p, "%s%s%s", prefix, *prefix ? "." : "", d->fields[i].name);
      if (!seen[i])
        {
          diag ("full-config.json does not set %s (%s.%s)", p, d->name, d->fields[i].name);
          missing++;
        }
      if (d->fields[i].sub)
        missing += count_unseen (d->fields[i].sub, p, depth + 1);
    }
  return missing;
}

static const char *
map_get_obj (const void *map, const char *key)
{
  const oci_map *m = map;
  for (size_t i = 0; i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      return m->values[i];
  return NULL;
}

static bool
str_eq (const char *a, const char *b)
{
  return a && b && strcmp (a, b) == 0;
}

static void
test_full_config (void)
{
  size_t len = 0;
  char *text = slurp (TEST_DATA_DIR "/full-config.json", &len);
  tap_ok (text != NULL, "full-config.json is readable from TEST_DATA_DIR");
  if (text == NULL)
    return;

  char *err = NULL;
  oci_json *orig = oci_json_parse (text, len, &err);
  tap_ok (orig != NULL, "full-config.json is well-formed JSON%s%s", err ? ": " : "", err ? err : "");
  free (err);
  err = NULL;

  /* The file really does set every field of every config type. */
  ncoverage = 0;
  memset (coverage, 0, sizeof coverage);
  cover (&oci_spec_desc, orig, 0);
  tap_ok (count_unseen (&oci_spec_desc, "", 0) == 0,
          "full-config.json sets every field of every type reachable from oci_spec");

  oci_spec *s = oci_spec_parse_data (text, len, "config.json", &err);
  tap_ok (s != NULL, "full config.json parses%s%s", err ? ": " : "", err ? err : "");
  free (err);
  if (s == NULL || orig == NULL)
    {
      oci_json_free (orig);
      free (text);
      return;
    }

  /* generate(parse(x)) == x, compact and pretty. */
  size_t clen = 0, plen = 0;
  char *compact = oci_spec_generate (s, 0, &clen);
  char *pretty = oci_spec_generate (s, OCI_JW_PRETTY, &plen);
  tap_ok (compact != NULL && clen == strlen (compact), "compact generate succeeds and reports its length");
  tap_ok (pretty != NULL && plen == strlen (pretty), "pretty generate succeeds and reports its length");
  oci_json *ct = compact ? oci_json_parse (compact, clen, NULL) : NULL;
  oci_json *pt = pretty ? oci_json_parse (pretty, plen, NULL) : NULL;
  tap_ok (ct && oci_json_equal (ct, orig),
          "compact generate(parse(full-config.json)) is JSON-equal to the input, number text included");
  tap_ok (pt && oci_json_equal (pt, orig),
          "pretty generate(parse(full-config.json)) is JSON-equal to the input, number text included");
  tap_ok (compact && strchr (compact, '\n') == NULL, "compact output has no newline");
  tap_ok (pretty && strstr (pretty, "\n\t\"ociVersion\"") != NULL, "pretty output is tab-indented, one member per line");

  /* A second generation from the re-parsed output is byte-identical. */
  oci_spec *s2 = compact ? oci_spec_parse_data (compact, clen, "config.json", NULL) : NULL;
  tap_ok (s2 != NULL, "the compact output re-parses");
  oci_spec *s3 = pretty ? oci_spec_parse_data (pretty, plen, "config.json", NULL) : NULL;
  tap_ok (s3 != NULL, "the pretty output re-parses");
  if (s2)
    {
      size_t l2 = 0;
      char *c2 = oci_spec_generate (s2, 0, &l2);
      tap_ok (c2 && l2 == clen && memcmp (c2, compact, clen) == 0,
              "compact generate of the re-parsed document is byte-identical to the first");
      char *p2 = oci_spec_generate (s2, OCI_JW_PRETTY, &l2);
      tap_ok (p2 && l2 == plen && memcmp (p2, pretty, plen) == 0,
              "pretty generate of the re-parsed compact document is byte-identical to the first pretty one");
      free (c2);
      free (p2);
    }
  if (s3)
    {
      size_t l3 = 0;
      char *c3 = oci_spec_generate (s3, 0, &l3);
      tap_ok (c3 && l3 == clen && memcmp (c3, compact, clen) == 0,
              "compact generate of the re-parsed pretty document is byte-identical to the first compact one");
      free (c3);
    }
  oci_spec_free (s2);
  oci_spec_free (s3);

  /* oci_clone makes an equal, independent copy. */
  oci_spec *cl = oci_clone (&oci_spec_desc, s);
  oci_json *clt = cl ? generated_tree (&oci_spec_desc, cl, 0) : NULL;
  tap_ok (cl && cl != s && cl->process != s->process && clt && oci_json_equal (clt, orig),
          "oci_clone of the full config is a separate object that generates the same document");
  oci_json_free (clt);
  oci_spec_free (cl);

  /* Typed spot checks through the C structs. */
  tap_ok (str_eq (s->oci_version, "1.3.0"), "ociVersion is \"1.3.0\"");
  oci_process *p = s->process;
  tap_ok (p && p->terminal_present && p->terminal, "process.terminal is present and true");
  tap_ok (p && p->console_size && p->console_size->height == UINT64_MAX && p->console_size->height_present
              && p->console_size->width == 80,
          "process.consoleSize.height is UINT64_MAX and width 80");
  oci_user *u = p ? p->user : NULL;
  tap_ok (u && u->uid_present && u->uid == UINT32_MAX, "process.user.uid is UINT32_MAX (4294967295)");
  tap_ok (u && u->gid_present && u->gid == 0, "process.user.gid 0 is present (zero is not absence)");
  tap_ok (u && u->umask_present && u->umask == 18, "process.user.umask is 18");
  tap_ok (u && u->additional_gids_len == 3 && u->additional_gids[0] == 5 && u->additional_gids[1] == UINT32_MAX
              && u->additional_gids[2] == 0,
          "process.user.additionalGids is [5, UINT32_MAX, 0]");
  tap_ok (u && str_eq (u->username, "\xc3\xa9l\xc3\xa8ve \"quoted\" \\ tab\t"),
          "process.user.username has its \\u escapes decoded to UTF-8 and its quotes/backslash/tab unescaped");
  tap_ok (p && p->args_len == 3 && str_eq (p->args[2], "echo hello; exit 0") && p->args[3] == NULL,
          "process.args has 3 elements and is NULL-terminated for execve");
  tap_ok (p && str_eq (p->command_line, "sh -c \"echo hello\""), "process.commandLine is decoded");
  tap_ok (p && p->env_len == 3 && str_eq (p->env[2], "EMPTY=") && p->env[3] == NULL,
          "process.env keeps \"EMPTY=\" and is NULL-terminated");
  tap_ok (p && str_eq (p->cwd, "/"), "process.cwd is \"/\"");
  oci_capabilities *caps = p ? p->capabilities : NULL;
  tap_ok (caps && caps->effective_len == 2 && caps->bounding_len == 3 && caps->inheritable_len == 1
              && caps->permitted_len == 3 && str_eq (caps->bounding[2], "CAP_NET_BIND_SERVICE"),
          "process.capabilities: effective/bounding/inheritable/permitted have their elements");
  tap_ok (caps && caps->ambient != NULL && caps->ambient_len == 0,
          "process.capabilities.ambient [] is present but empty (non-NULL, length 0)");
  tap_ok (p && p->rlimits_len == 2 && str_eq (p->rlimits[0]->type, "RLIMIT_NOFILE") && p->rlimits[0]->soft == 1024
              && p->rlimits[0]->hard == UINT64_MAX && p->rlimits[1]->hard_present && p->rlimits[1]->hard == 0,
          "process.rlimits: NOFILE soft 1024 hard UINT64_MAX; CORE hard 0 present");
  tap_ok (p && p->no_new_privileges_present && !p->no_new_privileges, "process.noNewPrivileges false is present");
  tap_ok (p && str_eq (p->apparmor_profile, "berth-default"), "process.apparmorProfile is decoded");
  tap_ok (p && p->oom_score_adj_present && p->oom_score_adj == -1000, "process.oomScoreAdj is -1000");
  oci_scheduler *sc = p ? p->scheduler : NULL;
  tap_ok (sc && str_eq (sc->policy, "SCHED_DEADLINE") && sc->nice == -20 && sc->priority == INT32_MAX
              && sc->flags_len == 2 && sc->runtime == 10000000 && sc->deadline == UINT64_MAX && sc->period_present
              && sc->period == 0,
          "process.scheduler: every field decoded (priority INT32_MAX, deadline UINT64_MAX, period 0 present)");
  tap_ok (p && str_eq (p->selinux_label, "system_u:system_r:container_t:s0:c1,c2"), "process.selinuxLabel is decoded");
  tap_ok (p && p->io_priority && str_eq (p->io_priority->class_, "IOPRIO_CLASS_RT")
              && p->io_priority->priority == INT32_MIN,
          "process.ioPriority: class IOPRIO_CLASS_RT, priority INT32_MIN");
  tap_ok (p && p->exec_cpu_affinity && str_eq (p->exec_cpu_affinity->initial, "0-3,7")
              && str_eq (p->exec_cpu_affinity->final, "4-6"),
          "process.execCPUAffinity initial and final are decoded");
  tap_ok (p && oci_json_get (p->_extra, "x-process-extension") != NULL,
          "an unknown member inside process is kept in process->_extra");

  tap_ok (s->root && str_eq (s->root->path, "rootfs") && s->root->readonly_present && s->root->readonly,
          "root.path and root.readonly are decoded");
  tap_ok (str_eq (s->hostname, "berth-full") && str_eq (s->domainname, "example.org"), "hostname and domainname are decoded");
  tap_ok (s->mounts_len == 3 && s->mounts[0]->uid_mappings == NULL && s->mounts[0]->options == NULL,
          "mounts[0] without options/uidMappings leaves them NULL");
  tap_ok (s->mounts_len == 3 && s->mounts[1]->uid_mappings_len == 1 && s->mounts[1]->uid_mappings[0]->host_id == 100000
              && s->mounts[1]->uid_mappings[0]->size == 65536 && s->mounts[1]->gid_mappings_len == 1
              && s->mounts[1]->gid_mappings[0]->container_id == UINT32_MAX && s->mounts[1]->options_len == 3
              && str_eq (s->mounts[1]->options[2], "idmap"),
          "mounts[1] has options and uid/gid mappings (containerID UINT32_MAX)");
  tap_ok (s->mounts_len == 3 && s->mounts[2]->options != NULL && s->mounts[2]->options_len == 0
              && s->mounts[2]->type == NULL && s->mounts[2]->source == NULL,
          "mounts[2] options [] is present-but-empty, type/source absent");
  oci_hooks *h = s->hooks;
  tap_ok (h && h->prestart_len == 1 && h->prestart[0]->timeout == INT64_MAX && h->prestart[0]->args_len == 2
              && str_eq (h->prestart[0]->env[0], "HOOK=prestart"),
          "hooks.prestart[0]: timeout INT64_MAX, args and env decoded");
  tap_ok (h && h->create_runtime_len == 2 && h->create_runtime[0]->timeout == 5 && !h->create_runtime[1]->timeout_present
              && h->create_runtime[1]->args == NULL && h->create_runtime[1]->env == NULL,
          "hooks.createRuntime[1] without timeout/args/env has them absent");
  tap_ok (h && h->create_container_len == 1 && h->create_container[0]->timeout == INT64_MIN,
          "hooks.createContainer[0].timeout is INT64_MIN");
  tap_ok (h && h->start_container_len == 1 && h->start_container[0]->timeout_present
              && h->start_container[0]->timeout == 0 && h->poststart_len == 1 && h->poststop_len == 1
              && str_eq (h->poststop[0]->path, "/usr/bin/poststop") && h->poststop[0]->timeout == 30,
          "hooks.startContainer/poststart/poststop are decoded (timeout 0 present)");
  tap_ok (s->annotations.len == 4 && str_eq (oci_map_get (&s->annotations, "org.opencontainers.image.os"), "linux")
              && str_eq (oci_map_get (&s->annotations, ""), "empty key")
              && str_eq (oci_map_get (&s->annotations, "empty-value"), ""),
          "annotations: 4 entries, including an empty key and an empty value");

  oci_linux *l = s->linux;
  tap_ok (l && l->namespaces_len == 8 && l->namespaces[0]->path == NULL
              && str_eq (l->namespaces[1]->path, "/var/run/netns/berth") && str_eq (l->namespaces[7]->type, "time"),
          "linux.namespaces: 8 entries, paths where given");
  tap_ok (l && l->uid_mappings_len == 2 && l->uid_mappings[1]->size == UINT32_MAX && l->gid_mappings_len == 1,
          "linux.uidMappings/gidMappings decoded (size UINT32_MAX)");
  const oci_time_offset *mono = l ? (const oci_time_offset *) map_get_obj (&l->time_offsets, "monotonic") : NULL;
  const oci_time_offset *boot = l ? (const oci_time_offset *) map_get_obj (&l->time_offsets, "boottime") : NULL;
  tap_ok (mono && mono->secs_present && mono->secs == INT64_MIN && mono->nanosecs == UINT32_MAX,
          "linux.timeOffsets.monotonic.secs is INT64_MIN, nanosecs UINT32_MAX");
  tap_ok (boot && boot->secs == INT64_MAX && boot->nanosecs_present && boot->nanosecs == 0,
          "linux.timeOffsets.boottime.secs is INT64_MAX, nanosecs 0 present");
  tap_ok (l && l->devices_len == 2 && l->devices[0]->file_mode == 0666 && l->devices[0]->gid == UINT32_MAX
              && l->devices[1]->major == -1 && l->devices[1]->minor == INT64_MAX && !l->devices[1]->file_mode_present
              && !l->devices[1]->uid_present,
          "linux.devices: fileMode 0666, gid UINT32_MAX; devices[1] major -1 and no fileMode/uid");
  const oci_net_device *eth0 = l ? (const oci_net_device *) map_get_obj (&l->net_devices, "eth0") : NULL;
  const oci_net_device *vlan = l ? (const oci_net_device *) map_get_obj (&l->net_devices, "vlan.10") : NULL;
  tap_ok (eth0 && str_eq (eth0->name, "ctr0") && vlan && vlan->name == NULL,
          "linux.netDevices: eth0 renamed to ctr0; vlan.10 {} has no name");
  tap_ok (l && str_eq (l->cgroups_path, "/berth/full"), "linux.cgroupsPath is decoded");
  oci_resources *r = l ? l->resources : NULL;
  tap_ok (r && r->devices_len == 2 && r->devices[0]->allow_present && !r->devices[0]->allow
              && !r->devices[0]->major_present && r->devices[0]->type == NULL && r->devices[1]->minor == -1,
          "linux.resources.devices: deny-all rule without type/major; minor -1");
  oci_memory *m = r ? r->memory : NULL;
  tap_ok (m && m->limit_present && m->limit == -1, "linux.resources.memory.limit is -1");
  tap_ok (m && m->reservation == INT64_MAX && m->swap == INT64_MIN && m->kernel_present && m->kernel == 0
              && m->kernel_tcp == 67108864 && m->swappiness == UINT64_MAX,
          "linux.resources.memory: reservation INT64_MAX, swap INT64_MIN, kernel 0, swappiness UINT64_MAX");
  tap_ok (m && m->disable_oom_killer && m->use_hierarchy_present && !m->use_hierarchy && m->check_before_update,
          "linux.resources.memory booleans decoded (useHierarchy false is present)");
  oci_cpu *cpu = r ? r->cpu : NULL;
  tap_ok (cpu && cpu->shares == 1024 && cpu->quota == -1 && cpu->burst == UINT64_MAX && cpu->period == 100000
              && cpu->realtime_runtime == INT64_MIN && cpu->realtime_period == 1000000 && str_eq (cpu->cpus, "0-3")
              && str_eq (cpu->mems, "0") && cpu->idle == 1,
          "linux.resources.cpu: every field decoded (quota -1, burst UINT64_MAX, realtimeRuntime INT64_MIN)");
  tap_ok (r && r->pids && r->pids->limit == -1, "linux.resources.pids.limit is -1");
  oci_block_io *b = r ? r->block_io : NULL;
  tap_ok (b && b->weight == 65535 && b->leaf_weight == 10 && b->weight_device_len == 1
              && b->weight_device[0]->weight == 500 && b->weight_device[0]->leaf_weight == 300,
          "linux.resources.blockIO: weight UINT16_MAX, leafWeight, weightDevice decoded");
  tap_ok (b && b->throttle_read_bps_device_len == 1 && b->throttle_read_bps_device[0]->rate == 600
              && b->throttle_write_bps_device[0]->rate == UINT64_MAX
              && b->throttle_read_iops_device[0]->major == INT64_MIN
              && b->throttle_read_iops_device[0]->minor == INT64_MAX && b->throttle_read_iops_device[0]->rate_present
              && b->throttle_write_iops_device[0]->minor == 32,
          "linux.resources.blockIO: all four throttle lists decoded");
  tap_ok (r && r->hugepage_limits_len == 2 && str_eq (r->hugepage_limits[1]->page_size, "1GB")
              && r->hugepage_limits[1]->limit == UINT64_MAX,
          "linux.resources.hugepageLimits decoded (limit UINT64_MAX)");
  tap_ok (r && r->network && r->network->class_id == 1048577 && r->network->priorities_len == 2
              && r->network->priorities[1]->priority == UINT32_MAX,
          "linux.resources.network: classID and priorities decoded");
  const oci_rdma *mlx4 = r ? (const oci_rdma *) map_get_obj (&r->rdma, "mlx4_0") : NULL;
  const oci_rdma *mlx5 = r ? (const oci_rdma *) map_get_obj (&r->rdma, "mlx5_1") : NULL;
  tap_ok (mlx5 && mlx5->hca_handles == 3 && mlx5->hca_objects == 10000 && mlx4 && !mlx4->hca_handles_present
              && mlx4->hca_objects == UINT32_MAX,
          "linux.resources.rdma: mlx5_1 both limits; mlx4_0 hcaHandles absent");
  tap_ok (r && r->unified.len == 2 && str_eq (oci_map_get (&r->unified, "memory.high"), "max"),
          "linux.resources.unified map decoded");
  tap_ok (l && l->intel_rdt && str_eq (l->intel_rdt->clos_id, "guaranteed_group") && l->intel_rdt->schemata_len == 2
              && str_eq (l->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f")
              && str_eq (l->intel_rdt->mem_bw_schema, "MB:0=20;1=70") && l->intel_rdt->enable_monitoring,
          "linux.intelRdt: every field decoded");
  tap_ok (l && l->memory_policy && str_eq (l->memory_policy->mode, "MPOL_INTERLEAVE")
              && str_eq (l->memory_policy->nodes, "0-3,7") && l->memory_policy->flags_len == 1,
          "linux.memoryPolicy decoded");
  tap_ok (l && str_eq (oci_map_get (&l->sysctl, "net.ipv4.ip_forward"), "1") && l->sysctl.len == 2,
          "linux.sysctl keys with dots are decoded");
  oci_seccomp *sec = l ? l->seccomp : NULL;
  tap_ok (sec && str_eq (sec->default_action, "SCMP_ACT_ERRNO") && sec->default_errno_ret_present
              && sec->default_errno_ret == UINT32_MAX && sec->architectures_len == 3 && sec->flags_len == 2
              && str_eq (sec->listener_path, "/run/seccomp-agent.socket")
              && str_eq (sec->listener_metadata, "key=value"),
          "linux.seccomp: defaultErrnoRet UINT32_MAX, architectures, flags, listenerPath/Metadata");
  tap_ok (sec && sec->syscalls_len == 2 && sec->syscalls[0]->args_len == 2
              && sec->syscalls[0]->args[0]->value == UINT64_MAX,
          "linux.seccomp.syscalls[0].args[0].value is UINT64_MAX (18446744073709551615)");
  tap_ok (sec && sec->syscalls_len == 2 && sec->syscalls[0]->args[0]->value_two_present
              && sec->syscalls[0]->args[0]->value_two == UINT64_MAX - 1 && sec->syscalls[0]->args[1]->index == UINT32_MAX
              && !sec->syscalls[0]->args[1]->value_two_present
              && str_eq (sec->syscalls[0]->args[0]->op, "SCMP_CMP_MASKED_EQ"),
          "linux.seccomp.syscalls[0].args: valueTwo UINT64_MAX-1; args[1] without valueTwo");
  tap_ok (sec && sec->syscalls_len == 2 && !sec->syscalls[0]->errno_ret_present && sec->syscalls[1]->errno_ret_present
              && sec->syscalls[1]->errno_ret == 1 && sec->syscalls[1]->names_len == 2,
          "linux.seccomp.syscalls: errnoRet present only where given");
  tap_ok (l && str_eq (l->rootfs_propagation, "rslave") && l->masked_paths_len == 2 && l->readonly_paths_len == 1
              && str_eq (l->mount_label, "system_u:object_r:container_file_t:s0:c1,c2"),
          "linux.rootfsPropagation, maskedPaths, readonlyPaths, mountLabel decoded");
  tap_ok (l && l->personality && str_eq (l->personality->domain, "LINUX32") && l->personality->flags != NULL
              && l->personality->flags_len == 0,
          "linux.personality: domain LINUX32, flags [] present-but-empty");
  tap_ok (l && oci_json_get (l->_extra, "x-linux-extension") != NULL,
          "an unknown member inside linux is kept in linux->_extra");

  const oci_json *fut = oci_json_get (s->_extra, "org.example.future");
  const oci_json *fa = oci_json_get (fut, "a");
  tap_ok (fut && fa && fa->kind == OCI_JSON_ARRAY && fa->len == 2 && fa->items[1]->kind == OCI_JSON_NUMBER
              && str_eq (fa->items[1]->text, "2.5"),
          "unknown top-level member org.example.future is kept verbatim (number text 2.5)");
  tap_ok (oci_json_get (s->_extra, "windows") && oci_json_get (s->_extra, "vm"),
          "the windows and vm platform objects are kept in _extra");
  const oci_json *sol = oci_json_get (s->_extra, "solaris");
  tap_ok (sol && sol->kind == OCI_JSON_NULL, "an unknown member set to null is kept as null (not dropped)");

  /* Parsing from the file gives the same as parsing from memory. */
  oci_spec *sf = oci_spec_parse_file (TEST_DATA_DIR "/full-config.json", "config.json", NULL);
  oci_json *sft = sf ? generated_tree (&oci_spec_desc, sf, 0) : NULL;
  tap_ok (sft && oci_json_equal (sft, orig), "oci_spec_parse_file on full-config.json gives the same document");
  oci_json_free (sft);
  oci_spec_free (sf);

  free (compact);
  free (pretty);
  oci_json_free (ct);
  oci_json_free (pt);
  oci_json_free (orig);
  oci_spec_free (s);
  free (text);
}

/* ============================================ c. malformed and edge cases */

static char *
spec_error (const char *text, size_t len)
{
  return try_parse (&oci_spec_desc, "config.json", text, len, NULL);
}

/* Nested arrays, depth levels deep in total (the root object counts as 1). */
static char *
nested_doc (int depth, size_t *len)
{
  const char *head = "{\"ociVersion\":\"1.0.0\",\"x\":";
  size_t hl = strlen (head);
  char *b = oci_xmalloc (hl + 2 * (size_t) depth + 2);
  memcpy (b, head, hl);
  size_t n = hl;
  for (int i = 1; i < depth; i++)
    b[n++] = '[';
  for (int i = 1; i < depth; i++)
    b[n++] = ']';
  b[n++] = '}';
  b[n] = '\0';
  *len = n;
  return b;
}

static void
test_malformed (void)
{
  static const struct
  {
    const char *what;
    const char *text;
    size_t len; /* 0: strlen */
  } cases[] = {
    { "empty input", "", 0 },
    { "whitespace only", " \n\t ", 0 },
    { "truncated object", "{\"ociVersion\": \"1.0.0\"", 0 },
    { "truncated inside a string", "{\"ociVersion\": \"1.0", 0 },
    { "truncated after a key", "{\"ociVersion\"", 0 },
    { "truncated inside a literal", "{\"ociVersion\": \"1\", \"process\": tr", 0 },
    { "trailing garbage", "{\"ociVersion\": \"1.0.0\"} x", 0 },
    { "two documents", "{\"ociVersion\": \"1.0.0\"} {}", 0 },
    { "bad escape \\q", "{\"ociVersion\": \"\\q\"}", 0 },
    { "bad \\u escape", "{\"ociVersion\": \"\\u12G4\"}", 0 },
    { "invalid UTF-8 byte 0xff", "{\"ociVersion\": \"\xff\"}", 0 },
    { "truncated UTF-8 sequence", "{\"ociVersion\": \"\xe2\x82\"}", 0 },
    { "invalid UTF-8 in a key", "{\"\xc3\":1}", 0 },
    { "raw control character in a string", "{\"ociVersion\": \"a\x01z\"}", 0 },
    { "single-quoted string", "{'ociVersion': '1.0.0'}", 0 },
    { "comment", "{\"ociVersion\": \"1.0.0\" /* c */}", 0 },
    { "trailing comma", "{\"ociVersion\": \"1.0.0\",}", 0 },
    { "missing colon", "{\"ociVersion\" \"1.0.0\"}", 0 },
    { "unquoted key", "{ociVersion: \"1.0.0\"}", 0 },
    { "NaN", "{\"ociVersion\": \"1\", \"x\": NaN}", 0 },
    { "leading zero", "{\"ociVersion\": \"1\", \"x\": 01}", 0 },
    { "lone minus", "{\"ociVersion\": \"1\", \"x\": -}", 0 },
    { "number ending in a dot", "{\"ociVersion\": \"1\", \"x\": 1.}", 0 },
    { "unbalanced brackets", "{\"ociVersion\": \"1\", \"x\": [}", 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      size_t len = cases[i].len ? cases[i].len : strlen (cases[i].text);
      char *err = spec_error (cases[i].text, len);
      bool ok = starts_with (err, "config.json: invalid JSON");
      if (!ok)
        diag ("got: %s", err ? err : "(parsed)");
      tap_ok (ok, "malformed JSON (%s) is rejected with \"config.json: invalid JSON...\"%s%s", cases[i].what,
              err ? ": " : "", err ? err + (strlen (err) > 13 ? 13 : 0) : "");
      free (err);
    }

  char *err = spec_error ("{\"ociVersion\": \"1.0.0\"", strlen ("{\"ociVersion\": \"1.0.0\""));
  tap_ok (err && strstr (err, "premature EOF") != NULL, "a truncated document says \"premature EOF\"");
  free (err);
  err = spec_error ("{\"ociVersion\": \"1.0.0\"} x", strlen ("{\"ociVersion\": \"1.0.0\"} x"));
  tap_ok (starts_with (err, "config.json: invalid JSON at line 1, column ") && strstr (err, ": trailing garbage"),
          "trailing garbage is reported as such, with its line and column");
  free (err);
  err = spec_error ("{\n\"ociVersion\":\n\"\\q\"}", strlen ("{\n\"ociVersion\":\n\"\\q\"}"));
  tap_ok (starts_with (err, "config.json: invalid JSON at line 3,"), "a syntax error on line 3 is reported at line 3");
  free (err);

  /* Well-formed JSON that is not an object. */
  static const struct
  {
    const char *text, *want;
  } notobj[] = {
    { "[]", "config.json: expected object, got array" },
    { "[{\"ociVersion\":\"1.0.0\"}]", "config.json: expected object, got array" },
    { "\"config\"", "config.json: expected object, got string" },
    { "42", "config.json: expected object, got number" },
    { "true", "config.json: expected object, got boolean" },
    { "null", "config.json: expected object, got null" },
  };
  for (size_t i = 0; i < sizeof notobj / sizeof notobj[0]; i++)
    {
      err = spec_error (notobj[i].text, strlen (notobj[i].text));
      tap_ok (expect_error (err, notobj[i].want), "top-level %s is rejected: \"%s\"", notobj[i].text, notobj[i].want);
      free (err);
    }
  err = spec_error ("{}", 2);
  tap_ok (expect_error (err, "config.json: ociVersion: required field missing"),
          "{} is rejected: \"config.json: ociVersion: required field missing\"");
  free (err);

  /* The examples the error format was specified with. */
  static const struct
  {
    const char *text, *want;
  } examples[] = {
    { "{\"ociVersion\":\"1.3.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}",
      "config.json: linux.resources.memory.limit: expected integer, got string" },
    { "{\"ociVersion\":\"1.3.0\",\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"tmpfs\"}]}",
      "config.json: mounts[1].destination: required field missing" },
    { "{\"ociVersion\":\"1.3.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":-1}}}",
      "config.json: process.user.uid: integer -1 out of range (0 to 4294967295)" },
    { "{\"ociVersion\":\"1.3.0\",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}}",
      "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number" },
    { "{\"ociVersion\":\"1.3.0\",\"annotations\":{\"with space\":false}}",
      "config.json: annotations[\"with space\"]: expected string, got boolean" },
    { "{\"ociVersion\":\"1.3.0\",\"annotations\":{\"\":false}}",
      "config.json: annotations[\"\"]: expected string, got boolean" },
    { "{\"ociVersion\":\"1.3.0\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
      "[\"a\"],\"action\":\"b\"},{\"names\":[\"c\"],\"action\":\"d\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"e\"},"
      "{\"index\":0,\"value\":18446744073709551616,\"op\":\"f\"}]}]}}}",
      "config.json: linux.seccomp.syscalls[1].args[1].value: integer 18446744073709551616 out of range (0 to "
      "18446744073709551615)" },
    { "{\"ociVersion\":\"1.3.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":1.0}}}",
      "config.json: process.user.uid: expected integer, got 1.0" },
    { "{\"ociVersion\":\"1.3.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":1E3}}}",
      "config.json: process.user.uid: expected integer, got 1E3" },
    { "{\"ociVersion\":\"1.3.0\",\"process\":{\"cwd\":\"/\",\"oomScoreAdj\":-1.5}}",
      "config.json: process.oomScoreAdj: expected integer, got -1.5" },
    { "{\"ociVersion\":\"1.3.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":99999999999999999999999}}}",
      "config.json: process.user.uid: integer 99999999999999999999999 out of range (0 to 4294967295)" },
  };
  for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
    {
      err = spec_error (examples[i].text, strlen (examples[i].text));
      tap_ok (expect_error (err, examples[i].want), "error message is exactly \"%s\"", examples[i].want);
      free (err);
    }

  /* Nesting: deeper than OCI_JSON_MAX_DEPTH is refused by the parser. */
  size_t len;
  char *deep = nested_doc (OCI_JSON_MAX_DEPTH + 1, &len);
  err = spec_error (deep, len);
  tap_ok (starts_with (err, "config.json: invalid JSON") && strstr (err, "nesting too deep"),
          "nesting %d levels (OCI_JSON_MAX_DEPTH + 1) is rejected with \"nesting too deep\"", OCI_JSON_MAX_DEPTH + 1);
  free (err);
  free (deep);
  {
    /* far deeper than the limit, to make sure nothing recurses unbounded */
    size_t n = 100000;
    char *b = oci_xmalloc (n + 1);
    memset (b, '[', n);
    b[n] = '\0';
    err = spec_error (b, n);
    tap_ok (starts_with (err, "config.json: invalid JSON"), "100000 nested '[' are rejected without a crash");
    free (err);
    memset (b, '{', n);
    for (size_t i = 1; i < n; i += 6)
      if (i + 5 < n)
        memcpy (b + i, "\"a\":{", 5);
    err = spec_error (b, n);
    tap_ok (starts_with (err, "config.json: invalid JSON"), "deeply nested objects are rejected without a crash");
    free (err);
    err = NULL;
    free (b);
  }
  /* Exactly OCI_JSON_MAX_DEPTH is accepted, and whatever is accepted can be
     generated again (unknown members are kept, so they are written back). */
  deep = nested_doc (OCI_JSON_MAX_DEPTH, &len);
  oci_spec *s = oci_spec_parse_data (deep, len, "config.json", &err);
  tap_ok (s != NULL, "nesting of exactly OCI_JSON_MAX_DEPTH (%d) levels is accepted%s%s", OCI_JSON_MAX_DEPTH,
          err ? ": " : "", err ? err : "");
  free (err);
  err = NULL;
  if (s)
    {
      size_t glen = 0;
      char *g = oci_spec_generate (s, 0, &glen);
      tap_ok (g != NULL && glen == len && memcmp (g, deep, len) == 0,
              "a document nested OCI_JSON_MAX_DEPTH levels deep is generated back unchanged");
      free (g);
      g = oci_spec_generate (s, OCI_JW_PRETTY, &glen);
      tap_ok (g != NULL, "a document nested OCI_JSON_MAX_DEPTH levels deep can be pretty-generated");
      free (g);
      oci_spec_free (s);
    }
  free (deep);
  for (int d = 100; d <= OCI_JSON_MAX_DEPTH; d++)
    {
      /* the deepest level at which parse and generate still agree */
      deep = nested_doc (d, &len);
      s = oci_spec_parse_data (deep, len, "config.json", NULL);
      char *g = s ? oci_spec_generate (s, 0, NULL) : NULL;
      bool agree = s == NULL || g != NULL;
      free (g);
      oci_spec_free (s);
      free (deep);
      if (!agree)
        {
          diag ("nesting of %d levels parses but oci_spec_generate returns NULL", d);
          break;
        }
    }
}

static void
test_nul_bytes (void)
{
  /* A raw NUL byte is not valid inside a JSON string. */
  static const char raw[] = "{\"ociVersion\": \"1.0\0.0\"}";
  char *err = spec_error (raw, sizeof raw - 1);
  tap_ok (starts_with (err, "config.json: invalid JSON"), "a raw NUL byte inside a string is invalid JSON");
  free (err);
  static const char raw2[] = "{\"ociVersion\": \"1.0.0\"}\0";
  err = spec_error (raw2, sizeof raw2 - 1);
  tap_ok (starts_with (err, "config.json: invalid JSON"), "a NUL byte after the document is trailing garbage");
  free (err);

  /* An escaped NUL decodes, but a C string member cannot hold it. */
  static const struct
  {
    const char *text, *want;
  } esc[] = {
    { "{\"ociVersion\": \"1.0\\u0000.0\"}", "config.json: ociVersion: string contains a NUL byte" },
    { "{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\",\"a\\u0000b\"]}}",
      "config.json: process.args[1]: string contains a NUL byte" },
    { "{\"ociVersion\":\"1\",\"annotations\":{\"k\":\"\\u0000\"}}", "config.json: annotations.k: string contains a NUL byte" },
    { "{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"\\u0000\"}}", "config.json: process.cwd: string contains a NUL byte" },
  };
  for (size_t i = 0; i < sizeof esc / sizeof esc[0]; i++)
    {
      err = spec_error (esc[i].text, strlen (esc[i].text));
      tap_ok (expect_error (err, esc[i].want), "an escaped \\u0000 in a string member is rejected: \"%s\"", esc[i].want);
      free (err);
    }

  /* In an unknown member it is only data: kept and written back escaped. */
  static const char ext[] = "{\"ociVersion\":\"1\",\"x\":\"a\\u0000b\"}";
  oci_spec *s = oci_spec_parse_data (ext, strlen (ext), "config.json", NULL);
  const oci_json *x = s ? oci_json_get (s->_extra, "x") : NULL;
  tap_ok (x && x->text_len == 3 && memcmp (x->text, "a\0b", 3) == 0,
          "an escaped NUL in an unknown member is kept with its length");
  char *g = s ? oci_spec_generate (s, 0, NULL) : NULL;
  oci_json *gt = g ? oci_json_parse (g, strlen (g), NULL) : NULL;
  oci_json *want = jv (ext);
  tap_ok (gt && oci_json_equal (gt, want) && strstr (g, "\\u0000"),
          "an unknown member with an escaped NUL is generated back as \\u0000");
  oci_json_free (gt);
  oci_json_free (want);
  free (g);
  oci_spec_free (s);
}

static void
test_null_and_duplicates (void)
{
  /* null for optional members means absent. */
  static const char nulls[] = "{\"ociVersion\":\"1.0.0\",\"process\":null,\"hostname\":null,\"mounts\":null,"
                              "\"annotations\":null,\"linux\":{\"resources\":{\"memory\":{\"limit\":null,\"swap\":5}},"
                              "\"sysctl\":null,\"seccomp\":null,\"timeOffsets\":null}}";
  char *err = NULL;
  oci_spec *s = oci_spec_parse_data (nulls, strlen (nulls), "config.json", &err);
  tap_ok (s != NULL, "null for optional members parses%s%s", err ? ": " : "", err ? err : "");
  free (err);
  err = NULL;
  if (s)
    {
      tap_ok (s->process == NULL && s->hostname == NULL && s->mounts == NULL && s->mounts_len == 0,
              "null object/string/array members are absent (NULL)");
      tap_ok (s->annotations.keys == NULL && s->annotations.len == 0 && s->linux && s->linux->sysctl.keys == NULL
              && s->linux->time_offsets.keys == NULL,
              "null map members are absent");
      tap_ok (s->linux && s->linux->resources && s->linux->resources->memory
                  && !s->linux->resources->memory->limit_present && s->linux->resources->memory->swap_present
                  && s->linux->resources->memory->swap == 5,
              "null integer member has _present false; its sibling is set");
      char *g = oci_spec_generate (s, 0, NULL);
      tap_ok (g && str_eq (g, "{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"swap\":5}}}}"),
              "null members are not generated at all");
      free (g);
      oci_spec_free (s);
    }

  /* Empty containers stay present and are generated back. */
  static const char empties[] = "{\"ociVersion\":\"1.0.0\",\"mounts\":[],\"annotations\":{},\"linux\":{\"timeOffsets\":{},"
                                "\"sysctl\":{},\"maskedPaths\":[]}}";
  s = oci_spec_parse_data (empties, strlen (empties), "config.json", NULL);
  tap_ok (s && s->mounts != NULL && s->mounts_len == 0 && s->annotations.keys != NULL && s->annotations.len == 0,
          "[] and {} are present-but-empty, unlike null");
  char *g = s ? oci_spec_generate (s, 0, NULL) : NULL;
  tap_ok (g && str_eq (g, empties), "[] and {} are generated back");
  free (g);
  oci_spec_free (s);

  /* Duplicates: the last one wins, nothing leaks (ASan checks the latter). */
  static const char dups[] = "{\"ociVersion\":\"0.1\",\"hostname\":\"first\",\"ociVersion\":\"1.0.0\","
                             "\"process\":{\"cwd\":\"/a\",\"args\":[\"x\",\"y\"]},"
                             "\"process\":{\"cwd\":\"/b\",\"cwd\":\"/c\",\"user\":{\"uid\":1,\"uid\":2}},"
                             "\"mounts\":[{\"destination\":\"/m1\"}],\"mounts\":[{\"destination\":\"/m2\"},{\"destination\":\"/m3\"}],"
                             "\"annotations\":{\"k\":\"1\",\"j\":\"x\",\"k\":\"2\"},"
                             "\"linux\":{\"timeOffsets\":{\"boottime\":{\"secs\":1},\"boottime\":{\"secs\":2}},"
                             "\"sysctl\":{\"a\":\"1\"},\"sysctl\":{\"b\":\"2\"}},"
                             "\"hostname\":\"second\"}";
  s = oci_spec_parse_data (dups, strlen (dups), "config.json", &err);
  tap_ok (s != NULL, "a document with duplicated members parses%s%s", err ? ": " : "", err ? err : "");
  free (err);
  err = NULL;
  if (s)
    {
      tap_ok (str_eq (s->oci_version, "1.0.0") && str_eq (s->hostname, "second"),
              "duplicated string members: the last one wins");
      tap_ok (s->process && str_eq (s->process->cwd, "/c") && s->process->args == NULL && s->process->user
                  && s->process->user->uid == 2,
              "a duplicated object member replaces the whole earlier object (last wins, nested too)");
      tap_ok (s->mounts_len == 2 && str_eq (s->mounts[0]->destination, "/m2"),
              "a duplicated array member replaces the earlier array");
      tap_ok (s->annotations.len == 2 && str_eq (oci_map_get (&s->annotations, "k"), "2"),
              "a duplicated map key keeps one entry with the last value");
      const oci_time_offset *bt
          = s->linux ? (const oci_time_offset *) map_get_obj (&s->linux->time_offsets, "boottime") : NULL;
      tap_ok (s->linux && s->linux->time_offsets.len == 1 && bt && bt->secs == 2,
              "a duplicated key in an object map keeps the last object");
      tap_ok (s->linux && s->linux->sysctl.len == 1 && str_eq (oci_map_get (&s->linux->sysctl, "b"), "2"),
              "a duplicated map member replaces the whole earlier map");
      oci_spec_free (s);
    }
  static const char dupnull[] = "{\"ociVersion\":\"1.0.0\",\"hostname\":\"h\",\"hostname\":null,"
                                "\"process\":{\"cwd\":\"/\"},\"process\":null}";
  s = oci_spec_parse_data (dupnull, strlen (dupnull), "config.json", NULL);
  tap_ok (s && s->hostname == NULL && s->process == NULL, "a duplicate set to null makes the member absent");
  oci_spec_free (s);
  static const char dupreq[] = "{\"ociVersion\":\"1.0.0\",\"ociVersion\":null}";
  err = spec_error (dupreq, strlen (dupreq));
  tap_ok (expect_error (err, "config.json: ociVersion: required field missing"),
          "a required member repeated as null is missing");
  free (err);
  static const char dupbad[] = "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"]},"
                               "\"process\":{\"cwd\":\"/\",\"args\":[\"a\",2]}}";
  err = spec_error (dupbad, strlen (dupbad));
  tap_ok (expect_error (err, "config.json: process.args[1]: expected string, got number"),
          "a valid member followed by an invalid duplicate is an error (and frees the first)");
  free (err);
  static const char dupext[] = "{\"ociVersion\":\"1.0.0\",\"x\":1,\"x\":2}";
  s = oci_spec_parse_data (dupext, strlen (dupext), "config.json", NULL);
  const oci_json *xv = s ? oci_json_get (s->_extra, "x") : NULL;
  tap_ok (xv && str_eq (xv->text, "2"), "a duplicated unknown member reads back as the last value");
  oci_spec_free (s);

  /* Errors after partial decoding free what was decoded (ASan checks). */
  static const char late[] = "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\",\"b\"],"
                             "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
                             "\"soft\":1,\"hard\":2}]},\"annotations\":{\"a\":\"b\"},\"mounts\":[{\"destination\":\"/"
                             "\"},{\"destination\":\"/x\",\"uidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":1},"
                             "{\"containerID\":0,\"hostID\":0}]}]}";
  err = spec_error (late, strlen (late));
  tap_ok (expect_error (err, "config.json: mounts[1].uidMappings[1].size: required field missing"),
          "an error deep in the document after much has been decoded is reported by path");
  free (err);
}

static void
test_state_and_features (void)
{
  static const char state[]
      = "{\"ociVersion\":\"1.3.0\",\"id\":\"ctr-1\",\"status\":\"running\",\"pid\":4242,\"bundle\":\"/run/b\","
        "\"annotations\":{\"a.b\":\"c\"},\"x-future\":[null]}";
  char *err = NULL;
  oci_state *st = oci_state_parse_data (state, strlen (state), "state.json", &err);
  tap_ok (st != NULL, "state JSON parses%s%s", err ? ": " : "", err ? err : "");
  free (err);
  err = NULL;
  if (st)
    {
      tap_ok (str_eq (st->id, "ctr-1") && str_eq (st->status, "running") && st->pid_present && st->pid == 4242
                  && str_eq (st->bundle, "/run/b") && str_eq (oci_map_get (&st->annotations, "a.b"), "c"),
              "state fields are decoded");
      oci_json *g = generated_tree (&oci_state_desc, st, 0), *want = jv (state);
      tap_ok (g && oci_json_equal (g, want), "state JSON round-trips (unknown member included)");
      oci_json_free (g);
      oci_json_free (want);
      oci_state_free (st);
    }
  static const char creating[] = "{\"ociVersion\":\"1.3.0\",\"id\":\"c\",\"status\":\"creating\",\"bundle\":\"/b\"}";
  st = oci_state_parse_data (creating, strlen (creating), "state.json", NULL);
  tap_ok (st && !st->pid_present, "state without pid has pid_present false");
  char *g = st ? oci_state_generate (st, 0, NULL) : NULL;
  tap_ok (g && str_eq (g, creating), "state without pid generates without pid");
  free (g);
  oci_state_free (st);
  err = try_parse (&oci_state_desc, "state.json", "{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"s\"}",
                   strlen ("{\"ociVersion\":\"1\",\"id\":\"c\",\"status\":\"s\"}"), NULL);
  tap_ok (expect_error (err, "state.json: bundle: required field missing"), "state without bundle names state.json and bundle");
  free (err);
  err = NULL;

  static const char features[]
      = "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.3.0\",\"hooks\":[\"prestart\",\"poststop\"],"
        "\"mountOptions\":[\"ro\",\"rbind\"],\"linux\":{\"namespaces\":[\"pid\",\"user\"],\"capabilities\":"
        "[\"CAP_KILL\"],\"cgroup\":{\"v1\":false,\"v2\":true,\"systemd\":true,\"systemdUser\":false,\"rdma\":true},"
        "\"seccomp\":{\"enabled\":true,\"actions\":[\"SCMP_ACT_ALLOW\"],\"operators\":[\"SCMP_CMP_EQ\"],\"archs\":"
        "[\"SCMP_ARCH_X86_64\"],\"knownFlags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"supportedFlags\":[]},\"apparmor\":"
        "{\"enabled\":true},\"selinux\":{\"enabled\":false},\"intelRdt\":{\"enabled\":true,\"schemata\":true,"
        "\"monitoring\":false},\"memoryPolicy\":{\"modes\":[\"MPOL_BIND\"],\"flags\":[\"MPOL_F_STATIC_NODES\"]},"
        "\"mountExtensions\":{\"idmap\":{\"enabled\":true}},\"netDevices\":{\"enabled\":true}},"
        "\"annotations\":{\"org.example.runtime\":\"berth\"},\"potentiallyUnsafeConfigAnnotations\":[\"com.example.\"],"
        "\"x-future\":{\"y\":18446744073709551616}}";
  oci_features *ft = oci_features_parse_data (features, strlen (features), "features.json", &err);
  tap_ok (ft != NULL, "features JSON parses%s%s", err ? ": " : "", err ? err : "");
  free (err);
  err = NULL;
  if (ft)
    {
      tap_ok (ft->linux && ft->linux->cgroup && ft->linux->cgroup->v2 && ft->linux->cgroup->v1_present
                  && !ft->linux->cgroup->v1 && ft->linux->seccomp && ft->linux->seccomp->supported_flags
                  && ft->linux->seccomp->supported_flags_len == 0 && ft->linux->mount_extensions
                  && ft->linux->mount_extensions->idmap && ft->linux->mount_extensions->idmap->enabled
                  && ft->potentially_unsafe_config_annotations_len == 1,
              "features fields are decoded");
      oci_json *gt = generated_tree (&oci_features_desc, ft, OCI_JW_PRETTY), *want = jv (features);
      tap_ok (gt && oci_json_equal (gt, want), "features JSON round-trips (unknown member included)");
      oci_json_free (gt);
      oci_json_free (want);
      oci_features_free (ft);
    }
}

static void
test_files (void)
{
  char *err = NULL;
  oci_spec *s = oci_spec_parse_file (TEST_DATA_DIR "/does-not-exist.json", "config.json", &err);
  tap_ok (s == NULL && expect_error (err, "config.json: No such file or directory"),
          "parse_file of a missing file: \"config.json: No such file or directory\"");
  free (err);
  err = NULL;
  s = oci_spec_parse_file (TEST_DATA_DIR "/does-not-exist.json", NULL, &err);
  tap_ok (s == NULL && expect_error (err, TEST_DATA_DIR "/does-not-exist.json: No such file or directory"),
          "parse_file without a docname names the path");
  free (err);
  err = NULL;
  oci_state *st = oci_state_parse_file (TEST_DATA_DIR "/does-not-exist.json", "state.json", &err);
  tap_ok (st == NULL && expect_error (err, "state.json: No such file or directory"),
          "state parse_file of a missing file: \"state.json: No such file or directory\"");
  free (err);
  err = NULL;
  s = oci_spec_parse_file (TEST_DATA_DIR, "config.json", &err);
  tap_ok (s == NULL && expect_error (err, "config.json: not a regular file"),
          "parse_file of a directory: \"config.json: not a regular file\"");
  free (err);
  err = NULL;
  s = oci_spec_parse_file ("/dev/null", "config.json", &err);
  tap_ok (s == NULL && starts_with (err, "config.json: "), "parse_file of /dev/null fails with a config.json: error");
  free (err);
  oci_spec_free (s);
  s = oci_spec_parse_file (TEST_DATA_DIR "/does-not-exist.json", "config.json", NULL);
  tap_ok (s == NULL, "parse_file with a NULL err pointer fails quietly");
}

static void
test_json_backend (void)
{
  char *err = NULL;
  oci_json *a = jv ("{\"a\":[1,2.50,-0],\"b\":{\"c\":null}}");
  oci_json *b = jv ("{\"b\":{\"c\":null},\"a\":[1,2.50,-0]}");
  oci_json *c = jv ("{\"b\":{\"c\":null},\"a\":[1,2.5,-0]}");
  oci_json *d = jv ("{\"b\":{\"c\":null},\"a\":[2.50,1,-0]}");
  tap_ok (a && b && oci_json_equal (a, b), "oci_json_equal ignores object member order");
  tap_ok (a && c && !oci_json_equal (a, c), "oci_json_equal compares number text (2.50 != 2.5)");
  tap_ok (a && d && !oci_json_equal (a, d), "oci_json_equal respects array order");
  char *t = a ? jtext (a) : NULL;
  tap_ok (t && str_eq (t, "{\"a\":[1,2.50,-0],\"b\":{\"c\":null}}"), "the writer keeps number text verbatim");
  free (t);
  oci_json_free (a);
  oci_json_free (b);
  oci_json_free (c);
  oci_json_free (d);
  err = NULL;
  a = jv ("{\"k\":1,\"k\":2}");
  tap_ok (a && a->len == 2 && str_eq (oci_json_get (a, "k")->text, "2"),
          "oci_json_get returns the last duplicate (the tree keeps both)");
  oci_json_free (a);
  a = jv ("\"\\ud83d\\ude00\"");
  tap_ok (a && a->kind == OCI_JSON_STRING && str_eq (a->text, "\xf0\x9f\x98\x80"),
          "a surrogate pair escape decodes to 4-byte UTF-8");
  oci_json_free (a);
  a = oci_json_parse ("[", 1, &err);
  tap_ok (a == NULL && starts_with (err, "invalid JSON at line 1"), "oci_json_parse reports syntax errors");
  free (err);
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  oci_jw_string (w, "k");
  oci_jw_end_object (w);
  oci_jw_end_object (w);
  t = oci_jw_finish (w, NULL);
  tap_ok (t == NULL, "the writer reports misuse (unbalanced end) by returning NULL");
  free (t);
}

int
main (void)
{
  test_full_config ();
  test_malformed ();
  test_nul_bytes ();
  test_null_and_duplicates ();
  test_state_and_features ();
  test_files ();
  test_json_backend ();
  return tap_done ();
}
