/* dock create: the image (pulled first when missing, as docker does), the
   OCI spec built from it and the flags, the container directory prepared
   under the store's tmp/ (diff, work, rootfs, config.json, hostname, hosts,
   resolv.conf) and recorded with docker's Config and HostConfig in one
   transaction (libdock/store/containers.h).  Starting waits for libberth's
   public API. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "containers_cli.h"
#include "libberth/util.h"
#include "libdock/mount/mount.h"
#include "libdock/network/hosts.h"
#include "libdock/ref/reference.h"
#include "libdock/runtime/spec.h"
#include "libdock/store/containers.h"
#include "libdock/store/store.h"

#define CGROUP2_SUPER_MAGIC 0x63677270

static void
jw_strv (oci_jw *w, const char *key, char *const *v, size_t n, bool null_when_empty)
{
  oci_jw_key (w, key);
  if (v == NULL && null_when_empty)
    {
      oci_jw_null (w);
      return;
    }
  oci_jw_begin_array (w);
  for (size_t i = 0; v && i < n; i++)
    oci_jw_string (w, v[i]);
  oci_jw_end_array (w);
}

static void
jw_str (oci_jw *w, const char *key, const char *v)
{
  oci_jw_key (w, key);
  oci_jw_string (w, v ? v : "");
}

static void
jw_bool (oci_jw *w, const char *key, bool v)
{
  oci_jw_key (w, key);
  oci_jw_bool (w, v);
}

static void
jw_int (oci_jw *w, const char *key, int64_t v)
{
  oci_jw_key (w, key);
  oci_jw_int (w, v);
}

static const char *
str_or (const char *a, const char *b)
{
  return a && *a ? a : b ? b : "";
}

/* docker's Config, as inspect shows it. */
static char *
config_json (const oci_image_config *img, const dock_run_opts *o, const oci_spec *spec, const char *image_ref,
             int argc, char **argv, char **keys, char **values, size_t nlabels)
{
  const oci_image_exec_config *ic = img ? img->config : NULL;
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  jw_str (w, "Hostname", spec->hostname);
  jw_str (w, "Domainname", o->domainname);
  jw_str (w, "User", str_or (o->user, ic ? ic->user : NULL));
  jw_bool (w, "AttachStdin", o->interactive);
  jw_bool (w, "AttachStdout", true);
  jw_bool (w, "AttachStderr", true);
  jw_bool (w, "Tty", o->tty);
  jw_bool (w, "OpenStdin", o->interactive);
  jw_bool (w, "StdinOnce", o->interactive);
  /* Config.Env: what the user and the image set (HOSTNAME is the spec's own). */
  oci_jw_key (w, "Env");
  oci_jw_begin_array (w);
  for (size_t i = 0; spec->process && i < spec->process->env_len; i++)
    if (!str_has_prefix (spec->process->env[i], "HOSTNAME="))
      oci_jw_string (w, spec->process->env[i]);
  oci_jw_end_array (w);
  if (argc > 0)
    jw_strv (w, "Cmd", argv, argc, true);
  else if (o->entrypoint_set || ic == NULL)
    jw_strv (w, "Cmd", NULL, 0, true);
  else
    jw_strv (w, "Cmd", ic->cmd, ic->cmd_len, true);
  jw_str (w, "Image", image_ref);
  oci_jw_key (w, "Volumes");
  oci_jw_null (w);
  jw_str (w, "WorkingDir", str_or (o->workdir, ic ? ic->working_dir : NULL));
  if (o->entrypoint_set)
    {
      char *one[] = { o->entrypoint };
      jw_strv (w, "Entrypoint", o->entrypoint && *o->entrypoint ? one : NULL, 1, true);
    }
  else
    jw_strv (w, "Entrypoint", ic ? ic->entrypoint : NULL, ic ? ic->entrypoint_len : 0, true);
  oci_jw_key (w, "OnBuild");
  oci_jw_null (w);
  oci_jw_key (w, "Labels");
  oci_jw_begin_object (w);
  for (size_t i = 0; i < nlabels; i++)
    jw_str (w, keys[i], values[i]);
  oci_jw_end_object (w);
  if (o->stop_signal || (ic && ic->stop_signal))
    jw_str (w, "StopSignal", str_or (o->stop_signal, ic ? ic->stop_signal : NULL));
  if (o->stop_timeout.set)
    jw_int (w, "StopTimeout", o->stop_timeout.v);
  oci_jw_end_object (w);
  return oci_jw_finish (w, NULL);
}

static int64_t
num (dock_num n, int64_t def)
{
  return n.set ? n.v : def;
}

/* docker's HostConfig (the members dock's flags fill). */
static char *
host_config_json (const dock_run_opts *o, const char *cidfile)
{
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  jw_strv (w, "Binds", o->volume.v, o->volume.n, true);
  jw_str (w, "ContainerIDFile", cidfile);
  oci_jw_key (w, "LogConfig");
  oci_jw_begin_object (w);
  jw_str (w, "Type", str_or (o->log_driver, "json-file"));
  oci_jw_key (w, "Config");
  oci_jw_begin_object (w);
  for (size_t i = 0; i < o->log_opt.n; i++)
    {
      const char *eq = strchr (o->log_opt.v[i], '=');
      cleanup_free char *k = eq ? xstrndup (o->log_opt.v[i], eq - o->log_opt.v[i]) : xstrdup (o->log_opt.v[i]);
      jw_str (w, k, eq ? eq + 1 : "");
    }
  oci_jw_end_object (w);
  oci_jw_end_object (w);
  jw_str (w, "NetworkMode", str_or (o->network, "default"));
  oci_jw_key (w, "PortBindings");
  oci_jw_begin_object (w);
  oci_jw_end_object (w);
  oci_jw_key (w, "RestartPolicy");
  oci_jw_begin_object (w);
  const char *restart = str_or (o->restart, "no");
  const char *colon = strchr (restart, ':');
  cleanup_free char *policy = colon ? xstrndup (restart, colon - restart) : xstrdup (restart);
  jw_str (w, "Name", policy);
  jw_int (w, "MaximumRetryCount", colon ? atoi (colon + 1) : 0);
  oci_jw_end_object (w);
  jw_bool (w, "AutoRemove", o->rm);
  jw_str (w, "VolumeDriver", o->volume_driver);
  jw_strv (w, "VolumesFrom", o->volumes_from.v, o->volumes_from.n, true);
  oci_jw_key (w, "ConsoleSize");
  oci_jw_begin_array (w);
  oci_jw_int (w, 0);
  oci_jw_int (w, 0);
  oci_jw_end_array (w);
  jw_strv (w, "CapAdd", o->cap_add.v, o->cap_add.n, true);
  jw_strv (w, "CapDrop", o->cap_drop.v, o->cap_drop.n, true);
  jw_str (w, "CgroupnsMode", str_or (o->cgroupns, "host"));
  jw_strv (w, "Dns", o->dns.v, o->dns.n, false);
  jw_strv (w, "DnsOptions", o->dns_option.v, o->dns_option.n, false);
  jw_strv (w, "DnsSearch", o->dns_search.v, o->dns_search.n, false);
  jw_strv (w, "ExtraHosts", o->add_host.v, o->add_host.n, true);
  jw_strv (w, "GroupAdd", o->group_add.v, o->group_add.n, true);
  jw_str (w, "IpcMode", str_or (o->ipc, "private"));
  jw_str (w, "Cgroup", "");
  jw_strv (w, "Links", o->link.v, o->link.n, true);
  jw_int (w, "OomScoreAdj", num (o->oom_score_adj, 0));
  jw_str (w, "PidMode", o->pid);
  jw_bool (w, "Privileged", o->privileged);
  jw_bool (w, "PublishAllPorts", o->publish_all);
  jw_bool (w, "ReadonlyRootfs", o->read_only);
  jw_strv (w, "SecurityOpt", o->security_opt.v, o->security_opt.n, true);
  jw_str (w, "UTSMode", o->uts);
  jw_str (w, "UsernsMode", o->userns);
  jw_int (w, "ShmSize", num (o->shm_size, 64 << 20));
  jw_str (w, "Runtime", str_or (o->runtime, "berth"));
  jw_str (w, "Isolation", o->isolation);
  jw_int (w, "CpuShares", num (o->cpu_shares, 0));
  jw_int (w, "Memory", num (o->memory, 0));
  jw_int (w, "NanoCpus", num (o->cpus, 0));
  jw_str (w, "CgroupParent", o->cgroup_parent);
  jw_int (w, "BlkioWeight", num (o->blkio_weight, 0));
  jw_int (w, "CpuPeriod", num (o->cpu_period, 0));
  jw_int (w, "CpuQuota", num (o->cpu_quota, 0));
  jw_str (w, "CpusetCpus", o->cpuset_cpus);
  jw_str (w, "CpusetMems", o->cpuset_mems);
  jw_strv (w, "Devices", o->device.v, o->device.n, false);
  jw_int (w, "MemoryReservation", num (o->memory_reservation, 0));
  jw_int (w, "MemorySwap", num (o->memory_swap, o->memory.set ? 2 * o->memory.v : 0));
  oci_jw_key (w, "MemorySwappiness");
  if (o->memory_swappiness.set && o->memory_swappiness.v >= 0)
    oci_jw_int (w, o->memory_swappiness.v);
  else
    oci_jw_null (w);
  jw_bool (w, "OomKillDisable", o->oom_kill_disable);
  oci_jw_key (w, "PidsLimit");
  if (o->pids_limit.set && o->pids_limit.v > 0)
    oci_jw_int (w, o->pids_limit.v);
  else
    oci_jw_null (w);
  oci_jw_key (w, "Ulimits");
  oci_jw_begin_array (w);
  for (size_t i = 0; i < o->ulimit.n; i++)
    {
      oci_jw_begin_object (w);
      jw_str (w, "Name", o->ulimit.v[i].name);
      jw_int (w, "Hard", o->ulimit.v[i].hard);
      jw_int (w, "Soft", o->ulimit.v[i].soft);
      oci_jw_end_object (w);
    }
  oci_jw_end_array (w);
  if (o->init)
    jw_bool (w, "Init", true);
  if (o->tmpfs.n)
    {
      oci_jw_key (w, "Tmpfs");
      oci_jw_begin_object (w);
      for (size_t i = 0; i < o->tmpfs.n; i++)
        {
          const char *c = strchr (o->tmpfs.v[i], ':');
          cleanup_free char *k = c ? xstrndup (o->tmpfs.v[i], c - o->tmpfs.v[i]) : xstrdup (o->tmpfs.v[i]);
          jw_str (w, k, c ? c + 1 : "");
        }
      oci_jw_end_object (w);
    }
  oci_jw_end_object (w);
  return oci_jw_finish (w, NULL);
}

static int
put_file (const char *dir, const char *name, const char *text, berth_error **err)
{
  cleanup_close int d = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0)
    return berth_fail_errno (err, "open %s", dir);
  return write_file_atomic_at (d, name, text, strlen (text), 0644, err);
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf of the container. */
static int
name_files (const char *staged, const oci_spec *spec, const dock_run_opts *o, berth_error **err)
{
  cleanup_free char *hostname = xasprintf ("%s\n", spec->hostname);
  dock_hosts_record *extra = xcalloc (o->add_host.n + 1, sizeof *extra);
  char **names = xcalloc (o->add_host.n + 1, sizeof *names), **ips = xcalloc (o->add_host.n + 1, sizeof *ips);
  int r = 0;
  for (size_t i = 0; r == 0 && i < o->add_host.n; i++)
    {
      r = dock_add_host_parse (o->add_host.v[i], &names[i], &ips[i], err);
      extra[i] = (dock_hosts_record) { ips[i], names[i] };
    }
  cleanup_free char *hosts = NULL, *resolv = NULL, *host_resolv = NULL;
  if (r == 0)
    {
      dock_hosts_input in = { .hostname = spec->hostname, .domainname = o->domainname, .ipv6 = true,
                              .extra = extra, .n_extra = o->add_host.n };
      hosts = dock_hosts_render (&in);
      size_t len;
      if (read_file_at (AT_FDCWD, "/etc/resolv.conf", &host_resolv, &len, NULL) < 0)
        host_resolv = xstrdup ("");
      dock_resolv_input rin = { (const char *const *) o->dns.v, o->dns.n, (const char *const *) o->dns_search.v,
                                o->dns_search.n, (const char *const *) o->dns_option.v, o->dns_option.n, false,
                                "/etc/resolv.conf" };
      r = dock_resolvconf_render (host_resolv, &rin, &resolv, err);
    }
  for (size_t i = 0; i < o->add_host.n; i++)
    free (names[i]), free (ips[i]);
  free (names);
  free (ips);
  free (extra);
  if (r < 0)
    return -1;
  if (put_file (staged, "hostname", hostname, err) < 0 || put_file (staged, "hosts", hosts, err) < 0
      || put_file (staged, "resolv.conf", resolv, err) < 0)
    return -1;
  return 0;
}

/* The image the user named; pulled first when missing (unless --pull never). */
static int
resolve_image (cli_ctx *ctx, const dock_run_opts *o, const char *word, dock_image_info *img, berth_error **err)
{
  bool always = o->pull && strcmp (o->pull, "always") == 0;
  int r = always ? 1 : dock_image_lookup (ctx->store, word, img, err);
  if (r != 1)
    return r;
  cleanup_ref dock_ref *ref = NULL;
  if (dock_ref_parse (word, &ref, err) < 0)
    return -1;
  dock_ref_default_tag (ref);
  cleanup_free char *familiar = dock_ref_familiar_string (ref);
  if (o->pull && strcmp (o->pull, "never") == 0)
    return berth_fail (err, 0, "No such image: %s", familiar);
  if (!always)
    fprintf (stderr, "Unable to find image '%s' locally\n", familiar);
  if (cli_pull_image (ctx, word, stderr, false, o->quiet, err) < 0)
    return -1;
  return dock_image_find (ctx->store, word, img, err);
}

static int
read_image (dock_store *s, const char *id, oci_image_config **config, char ***dirs, size_t *n, berth_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len;
  char *perr = NULL;
  if (dock_blob_read (s, id, DOCK_CONFIG_MAX, &buf, &len, err) < 0)
    return -1;
  if ((*config = oci_image_config_parse_data (buf, len, "image config", &perr)) == NULL)
    {
      berth_fail (err, 0, "%s", perr);
      free (perr);
      return -1;
    }
  dock_image_layer *layers = NULL;
  size_t nl = 0;
  if (dock_image_layers (s, id, &layers, &nl, err) < 0)
    return -1;
  for (size_t i = 0; i < nl; i++)
    {
      cleanup_free char *d = dock_layer_dir (s, layers[i].diff_id);
      oci_strv_append (dirs, n, d);
    }
  dock_image_layers_free (layers, nl);
  return 0;
}

static char *
strv_json (char *const *v, size_t n)
{
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_array (w);
  for (size_t i = 0; i < n; i++)
    oci_jw_string (w, v[i]);
  oci_jw_end_array (w);
  return oci_jw_finish (w, NULL);
}

/* The staged directory's contents, and the spec; the image's root is
   mounted (detached) only to read its /etc/passwd and /etc/group. */
static int
prepare (cli_ctx *ctx, const dock_run_opts *o, const oci_image_config *config, char **dirs, size_t n,
         dock_container *c, const char *staged, dock_storage_driver driver, berth_error **err)
{
  cleanup_free char *diff = xasprintf ("%s/diff", staged), *work = xasprintf ("%s/work", staged),
                    *rootfs_staged = xasprintf ("%s/rootfs", staged);
  if (mkdir (diff, 0755) < 0 || mkdir (rootfs_staged, 0755) < 0
      || (driver == DOCK_DRIVER_OVERLAY2 && mkdir (work, 0700) < 0))
    return berth_fail_errno (err, "mkdir in %s", staged);
  dock_test_crash_point ("container-staged");
  cleanup_close int rootfd = -1;
  if (driver == DOCK_DRIVER_VFS)
    {
      if (dock_vfs_apply_layers ((const char *const *) dirs, n, diff, err) < 0)
        return -1;
      rootfd = open (diff, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  else if (n > 0 && dock_overlay_fsmount ((const char *const *) dirs, n, diff, work, &rootfd, err) < 0)
    return -1;
  cleanup_free char *dir = dock_container_dir (ctx->store, c->id);
  cleanup_free char *rootfs = xasprintf ("%s/rootfs", dir), *hostname = xasprintf ("%s/hostname", dir),
                    *hosts = xasprintf ("%s/hosts", dir), *resolv = xasprintf ("%s/resolv.conf", dir);
  struct statfs fs;
  bool cgroup2 = statfs ("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
  dock_spec_ctx sctx = { .id = c->id, .rootfs = rootfs, .rootfs_fd = rootfd, .hostname_path = hostname,
                         .hosts_path = hosts, .resolv_path = resolv, .config = ctx->config, .cgroup2 = cgroup2 };
  oci_spec *spec = NULL;
  int r = dock_spec_build (config, o, &sctx, ctx->argc - 1, ctx->argv + 1, &spec, err);
  if (rootfd >= 0)
    close (rootfd), rootfd = -1;
  char **keys = NULL, **values = NULL;
  size_t nlabels = 0;
  if (r == 0)
    r = dock_spec_labels (config, o, &keys, &values, &nlabels, err);
  if (r == 0)
    r = name_files (staged, spec, o, err);
  if (r == 0)
    {
      size_t len;
      cleanup_free char *json = oci_spec_generate (spec, 0, &len);
      r = put_file (staged, "config.json", json, err);
    }
  dock_test_crash_point ("container-files");
  if (r == 0)
    {
      c->config = config_json (config, o, spec, c->image_ref, ctx->argc - 1, ctx->argv + 1, keys, values, nlabels);
      c->host_config = host_config_json (o, o->cidfile);
      size_t na = spec->process ? spec->process->args_len : 0;
      c->path = xstrdup (na ? spec->process->args[0] : "");
      c->args = strv_json (na ? spec->process->args + 1 : NULL, na ? na - 1 : 0);
      c->lowers = strv_json (dirs, n);
    }
  strv_free (keys);
  strv_free (values);
  oci_spec_free (spec);
  return r;
}

int
cli_container_create (cli_ctx *ctx, const dock_run_opts *o, char **id_out, berth_error **err)
{
  if (o->name && dock_container_name_check (o->name, err) < 0)
    return -1;
  dock_storage_driver driver;
  if (dock_storage_driver_parse (ctx->config ? ctx->config->storage_driver : NULL, &driver, err) < 0)
    return -1;
  /* --cidfile: made (exclusively) before the container, as docker does, so
     that two runs with one file cannot both proceed. */
  cleanup_close int cidfd = -1;
  if (o->cidfile && *o->cidfile)
    {
      cidfd = open (o->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (cidfd < 0 && errno == EEXIST)
        return berth_fail (err, 0, "Container ID file found, make sure the other container isn't running or delete %s",
                           o->cidfile);
      if (cidfd < 0)
        return berth_fail_errno (err, "failed to create the container ID file");
    }
  dock_image_info img = { 0 };
  oci_image_config *config = NULL;
  cleanup_strv char **dirs = NULL;
  size_t n = 0;
  dock_container c = { 0 };
  char id[65];
  cleanup_free char *staged = NULL;
  int r = resolve_image (ctx, o, ctx->argv[0], &img, err);
  if (r == 0)
    r = read_image (ctx->store, img.id, &config, &dirs, &n, err);
  if (r == 0)
    {
      dock_container_new_id (id);
      struct timespec ts;
      clock_gettime (CLOCK_REALTIME, &ts);
      c.id = xstrdup (id);
      c.name = o->name ? xstrdup (o->name[0] == '/' ? o->name + 1 : o->name) : NULL;
      c.image_id = xstrdup (img.id);
      c.image_ref = xstrdup (ctx->argv[0]);
      c.created = (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
      c.driver = xstrdup (dock_storage_driver_name (driver));
      r = dock_container_stage (ctx->store, &staged, err);
    }
  if (r == 0)
    r = prepare (ctx, o, config, dirs, n, &c, staged, driver, err);
  if (r == 0)
    r = dock_container_insert (ctx->store, &c, staged, err);
  if (r < 0 && staged)
    dock_remove_tree (staged, NULL);
  if (r == 0 && cidfd >= 0 && (write (cidfd, c.id, strlen (c.id)) != (ssize_t) strlen (c.id) || fsync (cidfd) < 0))
    {
      r = berth_fail_errno (err, "failed to write the container ID to the file");
      dock_container_delete (ctx->store, c.id, NULL);
    }
  if (r < 0 && cidfd >= 0)
    unlink (o->cidfile);
  if (r == 0)
    *id_out = xstrdup (c.id);
  dock_container_clear (&c);
  oci_image_config_free (config);
  dock_image_info_clear (&img);
  return r;
}
