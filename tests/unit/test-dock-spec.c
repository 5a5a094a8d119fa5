/* The OCI spec dock builds from an image config and run flags: docker's
   defaults and each flag's effect on the spec's fields. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "libberth/util.h"
#include "libdock/mount/mount.h"
#include "libdock/runtime/spec.h"
#include "libberth/linux/caps.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char rootdir[] = "/tmp/test-dock-spec.XXXXXX";
static int rootfd = -1;

static const char image_json[]
    = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
      "\"config\":{\"Env\":[\"PATH=/image/bin:/bin\",\"LANG=C\",\"A=image\"],\"Entrypoint\":[\"/entry\"],"
      "\"Cmd\":[\"serve\",\"--port\",\"80\"],\"WorkingDir\":\"/srv\",\"User\":\"app\",\"StopSignal\":\"SIGQUIT\","
      "\"Labels\":{\"from\":\"image\",\"both\":\"image\"}}}";

static oci_image_config *
image (void)
{
  char *e = NULL;
  oci_image_config *c = oci_image_config_parse_data (image_json, strlen (image_json), "image", &e);
  if (c == NULL)
    diag ("image config: %s", e);
  free (e);
  return c;
}

/* Build a spec from a command line (split on spaces). */
static oci_spec *
build (const oci_image_config *img, const char *line, char **msg)
{
  char *copy = xstrdup (line);
  char *argv[64];
  int argc = 0, image_index = 0;
  for (char *save = NULL, *w = strtok_r (copy, " ", &save); w && argc < 63; w = strtok_r (NULL, " ", &save))
    argv[argc++] = w;
  dock_run_opts o;
  dock_run_opts_init (&o);
  berth_error *err = NULL;
  oci_spec *spec = NULL;
  dock_spec_ctx ctx = { .id = ID, .rootfs = "rootfs", .rootfs_fd = rootfd, .hostname_path = "/run/c/hostname",
                        .hosts_path = "/run/c/hosts", .resolv_path = "/run/c/resolv.conf", .cgroup2 = true,
                        .init_path = "/bin/true" };
  if (dock_run_parse_args (&o, argc, argv, false, &image_index, &err) == 0 && dock_run_opts_validate (&o, &err) == 0)
    dock_spec_build (img, &o, &ctx, argc - image_index - 1, argv + image_index + 1, &spec, &err);
  *msg = err ? xstrdup (err->msg) : NULL;
  if (err)
    diag ("%s: %s", line, err->msg);
  berth_error_free (err);
  dock_run_opts_clear (&o);
  free (copy);
  return spec;
}

/* How many capabilities this process's bounding set holds. */
static size_t
bounding_count (void)
{
  size_t n = 0;
  for (size_t i = 0; i < berth_ncaps; i++)
    n += prctl (PR_CAPBSET_READ, (unsigned long) berth_caps[i].value, 0, 0, 0) == 1;
  return n;
}

static bool
has (char **v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

static const oci_mount *
mount_at (const oci_spec *s, const char *dest)
{
  for (size_t i = 0; i < s->mounts_len; i++)
    if (strcmp (s->mounts[i]->destination, dest) == 0)
      return s->mounts[i];
  return NULL;
}

static bool
has_ns (const oci_spec *s, const char *type)
{
  for (size_t i = 0; i < s->linux->namespaces_len; i++)
    if (strcmp (s->linux->namespaces[i]->type, type) == 0)
      return true;
  return false;
}

static bool
seccomp_allows (const oci_spec *s, const char *name)
{
  if (s->linux->seccomp == NULL)
    return true;
  for (size_t i = 0; i < s->linux->seccomp->syscalls_len; i++)
    {
      oci_syscall *sc = s->linux->seccomp->syscalls[i];
      if (strcmp (sc->action, "SCMP_ACT_ALLOW") == 0 && has (sc->names, sc->names_len, name))
        return true;
    }
  return false;
}

static void
write_file (const char *rel, const char *text)
{
  cleanup_free char *p = xasprintf ("%s/%s", rootdir, rel);
  FILE *f = fopen (p, "w");
  fputs (text, f);
  fclose (f);
}

static void
test_defaults (const oci_image_config *img)
{
  char *msg;
  oci_spec *s = build (img, "img", &msg);
  tap_ok (s != NULL, "a spec from the image alone");
  if (s == NULL)
    return;
  tap_ok (strcmp (s->hostname, "0123456789ab") == 0, "hostname: the first 12 hex of the ID");
  tap_ok (s->process->args_len == 4 && strcmp (s->process->args[0], "/entry") == 0
              && strcmp (s->process->args[3], "80") == 0,
          "args: the image's Entrypoint + Cmd");
  tap_ok (strcmp (s->process->cwd, "/srv") == 0, "cwd: the image's WorkingDir");
  tap_ok (s->process->user->uid == 1000 && s->process->user->gid == 1000, "User app resolved in the image's passwd");
  tap_ok (s->process->user->additional_gids_len == 1 && s->process->user->additional_gids[0] == 27,
          "supplementary groups: those of the image's group file naming the user");
  tap_ok (strcmp (s->process->env[0], "PATH=/image/bin:/bin") == 0 && strcmp (s->process->env[1], "HOSTNAME=0123456789ab") == 0
              && has (s->process->env, s->process->env_len, "LANG=C")
              && has (s->process->env, s->process->env_len, "HOME=/home/app"),
          "env: the image's PATH replaces the default in place, HOSTNAME, the image's, HOME from passwd");
  tap_ok (!has (s->process->env, s->process->env_len, "TERM=xterm") && !s->process->terminal, "no tty, no TERM");
  bool caps_ok = s->process->capabilities->bounding_len == 14
                 && has (s->process->capabilities->bounding, 14, "CAP_NET_BIND_SERVICE")
                 && !has (s->process->capabilities->bounding, 14, "CAP_SYS_ADMIN")
                 && s->process->capabilities->inheritable_len == 0;
  tap_ok (caps_ok, "docker's 14 default capabilities, inheritable empty");
  const oci_mount *shm = mount_at (s, "/dev/shm");
  tap_ok (shm && has (shm->options, shm->options_len, "size=67108864"), "/dev/shm: tmpfs of 64 MiB");
  tap_ok (mount_at (s, "/dev/mqueue") && strcmp (mount_at (s, "/dev/mqueue")->type, "mqueue") == 0, "/dev/mqueue");
  const oci_mount *sys = mount_at (s, "/sys");
  tap_ok (sys && has (sys->options, sys->options_len, "ro"), "/sys read-only");
  tap_ok (mount_at (s, "/etc/hosts") && strcmp (mount_at (s, "/etc/hosts")->source, "/run/c/hosts") == 0
              && mount_at (s, "/etc/hostname") && mount_at (s, "/etc/resolv.conf"),
          "/etc/hosts, /etc/hostname, /etc/resolv.conf bound from the per-container files");
  tap_ok (has (s->linux->masked_paths, s->linux->masked_paths_len, "/proc/kcore")
              && has (s->linux->readonly_paths, s->linux->readonly_paths_len, "/proc/sys"),
          "docker's masked and read-only paths");
  tap_ok (has_ns (s, "cgroup") && has_ns (s, "network") && has_ns (s, "pid") && has_ns (s, "ipc") && has_ns (s, "uts")
              && has_ns (s, "mount") && !has_ns (s, "user"),
          "namespaces: mount network uts pid ipc, cgroup private on v2, no user");
  tap_ok (s->linux->seccomp && strcmp (s->linux->seccomp->default_action, "SCMP_ACT_ERRNO") == 0
              && seccomp_allows (s, "read") && !seccomp_allows (s, "keyctl") && !seccomp_allows (s, "add_key")
              && !seccomp_allows (s, "mount") && !seccomp_allows (s, "unshare") && !seccomp_allows (s, "kexec_load")
              && !seccomp_allows (s, "init_module") && seccomp_allows (s, "ptrace") && seccomp_allows (s, "chroot"),
          "seccomp: the default profile allows read, ptrace (kernel >= 4.8), chroot (CAP_SYS_CHROOT); denies keyctl, "
          "add_key, mount, unshare, kexec_load, init_module");
  tap_ok (strcmp (s->linux->cgroups_path, "/dock/" ID) == 0, "cgroupsPath /dock/<id>");
  tap_ok (s->linux->resources->devices_len > 2 && !s->linux->resources->devices[0]->allow,
          "cgroup devices: deny all, then docker's defaults");
  int sig;
  dock_run_opts o;
  dock_run_opts_init (&o);
  berth_error *err = NULL;
  tap_ok (dock_stop_signal (img, &o, &sig, &err) == 0 && sig == 3, "stop signal: the image's SIGQUIT");
  dock_run_opts_clear (&o);
  oci_spec_free (s);
}

static void
test_flags (const oci_image_config *img)
{
  char *msg;
  oci_spec *s = build (img, "-t -h box -w /tmp -u 0:1234 --group-add wheel -e A=user -e LANG -e NEW=1 img sh -c x",
                       &msg);
  tap_ok (s != NULL, "a spec with -t -h -w -u -e and a command");
  if (s)
    {
      tap_ok (s->process->terminal && has (s->process->env, s->process->env_len, "TERM=xterm"), "-t: terminal and TERM");
      tap_ok (strcmp (s->hostname, "box") == 0 && has (s->process->env, s->process->env_len, "HOSTNAME=box"), "-h box");
      tap_ok (strcmp (s->process->cwd, "/tmp") == 0, "-w /tmp");
      tap_ok (s->process->user->uid == 0 && s->process->user->gid == 1234 && s->process->user->additional_gids_len >= 1
                  && s->process->user->additional_gids[s->process->user->additional_gids_len - 1] == 10,
              "-u 0:1234 --group-add wheel");
      tap_ok (s->process->args_len == 4 && strcmp (s->process->args[0], "/entry") == 0
                  && strcmp (s->process->args[1], "sh") == 0,
              "arguments after the image replace Cmd, the Entrypoint stays");
      tap_ok (has (s->process->env, s->process->env_len, "A=user") && !has (s->process->env, s->process->env_len, "LANG=C")
                  && has (s->process->env, s->process->env_len, "NEW=1"),
              "-e replaces the image's value, -e NAME unset removes it, a new one is added");
      tap_ok (has (s->process->env, s->process->env_len, "HOME=/root"), "HOME of root from passwd");
      oci_spec_free (s);
    }
  free (msg);

  s = build (img, "--entrypoint /bin/echo img hi", &msg);
  tap_ok (s && s->process->args_len == 2 && strcmp (s->process->args[0], "/bin/echo") == 0, "--entrypoint + args");
  oci_spec_free (s);
  free (msg);
  s = build (img, "--entrypoint /bin/echo img", &msg);
  tap_ok (s && s->process->args_len == 1, "--entrypoint drops the image's Cmd");
  oci_spec_free (s);
  free (msg);
  s = build (img, "--entrypoint= img", &msg);
  tap_ok (s == NULL && msg && strcmp (msg, "no command specified") == 0, "--entrypoint \"\" without a command fails");
  free (msg);
  s = build (img, "--entrypoint= img ls /", &msg);
  tap_ok (s && s->process->args_len == 2 && strcmp (s->process->args[0], "ls") == 0, "--entrypoint \"\" + args");
  oci_spec_free (s);
  free (msg);

  s = build (img, "-m 512m --cpus 1.5 --cpu-shares 512 --cpuset-cpus 0 --pids-limit 50 --shm-size 1g img", &msg);
  tap_ok (s != NULL, "resources");
  if (s)
    {
      oci_resources *r = s->linux->resources;
      tap_ok (r->memory->limit == 512LL << 20 && r->memory->swap == 1024LL << 20,
              "-m 512m: limit 512 MiB, swap twice the memory (docker's default)");
      tap_ok (r->cpu->quota == 150000 && r->cpu->period == 100000, "--cpus 1.5: quota 150000 per 100000");
      tap_ok (r->cpu->shares == 512 && strcmp (r->cpu->cpus, "0") == 0, "--cpu-shares, --cpuset-cpus");
      tap_ok (r->pids->limit == 50, "--pids-limit");
      const oci_mount *shm = mount_at (s, "/dev/shm");
      tap_ok (shm && has (shm->options, shm->options_len, "size=1073741824"), "--shm-size 1g");
      oci_spec_free (s);
    }
  free (msg);

  s = build (img, "--cap-drop ALL --cap-add chown --cap-add CAP_kill --security-opt no-new-privileges img", &msg);
  tap_ok (s && s->process->capabilities->bounding_len == 2
              && has (s->process->capabilities->bounding, 2, "CAP_CHOWN")
              && has (s->process->capabilities->bounding, 2, "CAP_KILL") && s->process->no_new_privileges,
          "--cap-drop ALL --cap-add chown,CAP_kill; no-new-privileges");
  oci_spec_free (s);
  free (msg);
  s = build (img, "--cap-add ALL --cap-drop sys_admin --cap-add SYS_ADMIN=x img", &msg);
  tap_ok (s == NULL && msg && strstr (msg, "unknown capability: \"CAP_SYS_ADMIN=X\""), "unknown capability");
  free (msg);
  s = build (img, "--cap-add all --cap-drop Sys_Admin img", &msg);
  tap_ok (s && s->process->capabilities->bounding_len > 30
              && !has (s->process->capabilities->bounding, s->process->capabilities->bounding_len, "CAP_SYS_ADMIN"),
          "--cap-add all --cap-drop Sys_Admin: every capability but SYS_ADMIN");
  tap_ok (s && !seccomp_allows (s, "mount"), "seccomp follows the capabilities: no mount without CAP_SYS_ADMIN");
  oci_spec_free (s);
  free (msg);
  s = build (img, "--cap-add sys_admin img", &msg);
  tap_ok (s && seccomp_allows (s, "mount") && seccomp_allows (s, "unshare"),
          "--cap-add sys_admin opens mount and unshare in the profile");
  oci_spec_free (s);
  free (msg);

  s = build (img, "--privileged img", &msg);
  tap_ok (s && s->linux->seccomp == NULL && s->linux->masked_paths_len == 0 && s->linux->readonly_paths_len == 0
              && s->process->capabilities->bounding_len == bounding_count (),
          "--privileged: every capability of the bounding set, no seccomp, no masked or read-only paths");
  tap_ok (s && !has (mount_at (s, "/sys")->options, mount_at (s, "/sys")->options_len, "ro"), "--privileged: /sys rw");
  tap_ok (s && s->linux->resources->devices[1]->allow && strcmp (s->linux->resources->devices[1]->type, "a") == 0 && s->linux->devices_len > 3,
          "--privileged: every device allowed, the host's device nodes created");
  oci_spec_free (s);
  free (msg);

  s = build (img, "--security-opt seccomp=unconfined --read-only --network host --ipc host --pid host img", &msg);
  tap_ok (s && s->linux->seccomp == NULL && s->root->readonly && !has_ns (s, "network") && !has_ns (s, "ipc")
              && !has_ns (s, "pid") && mount_at (s, "/dev/mqueue") == NULL,
          "seccomp=unconfined, --read-only, --network/--ipc/--pid host");
  oci_spec_free (s);
  free (msg);

  s = build (img, "--ulimit nofile=100:200 --init --tmpfs /run:size=1m,exec -v /tmp:/data:ro,rslave "
                  "--mount type=tmpfs,dst=/scratch,tmpfs-size=1m --device /dev/null:/dev/mynull:r "
                  "--sysctl net.ipv4.ip_forward=1 --annotation a=b --stop-signal 9 img",
             &msg);
  tap_ok (s != NULL, "ulimits, init, tmpfs, volumes, devices, sysctls, annotations");
  if (s)
    {
      tap_ok (s->process->rlimits_len == 1 && strcmp (s->process->rlimits[0]->type, "RLIMIT_NOFILE") == 0
                  && s->process->rlimits[0]->soft == 100 && s->process->rlimits[0]->hard == 200,
              "--ulimit nofile=100:200");
      tap_ok (strcmp (s->process->args[0], DOCK_INIT_DEST) == 0 && strcmp (s->process->args[1], "--") == 0
                  && mount_at (s, DOCK_INIT_DEST),
              "--init: docker-init -- CMD, bound read-only");
      const oci_mount *t = mount_at (s, "/run");
      tap_ok (t && strcmp (t->type, "tmpfs") == 0 && has (t->options, t->options_len, "size=1m")
                  && has (t->options, t->options_len, "nosuid"),
              "--tmpfs /run:size=1m,exec");
      const oci_mount *v = mount_at (s, "/data");
      tap_ok (v && has (v->options, v->options_len, "rbind") && has (v->options, v->options_len, "ro")
                  && has (v->options, v->options_len, "rslave"),
              "-v /tmp:/data:ro,rslave");
      t = mount_at (s, "/scratch");
      tap_ok (t && has (t->options, t->options_len, "size=1048576"), "--mount type=tmpfs,tmpfs-size=1m");
      bool dev = false;
      for (size_t i = 0; i < s->linux->devices_len; i++)
        dev = dev || (strcmp (s->linux->devices[i]->path, "/dev/mynull") == 0 && s->linux->devices[i]->major == 1
                      && s->linux->devices[i]->minor == 3);
      tap_ok (dev, "--device /dev/null:/dev/mynull:r");
      tap_ok (oci_map_get (&s->linux->sysctl, "net.ipv4.ip_forward") != NULL, "--sysctl net.*");
      tap_ok (oci_map_get (&s->annotations, "a") && strcmp (oci_map_get (&s->annotations, "a"), "b") == 0,
              "--annotation a=b");
      oci_spec_free (s);
    }
  free (msg);

  static const struct
  {
    const char *line, *msg;
  } bad[] = {
    { "-u nobody2 img", "unable to find user nobody2: no matching entries in passwd file" },
    { "-u 0:nogroup2 img", "unable to find group nogroup2: no matching entries in group file" },
    { "-w rel img", "the working directory 'rel' is invalid, it needs to be an absolute path" },
    { "--sysctl kernel.hostname=x img", "sysctl 'kernel.hostname' is not allowed" },
    { "--network host --sysctl net.ipv4.ip_forward=1 img", "sysctl 'net.ipv4.ip_forward' is not allowed" },
    { "--security-opt seccomp=/nonexistent img", "opening seccomp profile (/nonexistent) failed: " },
    { "--security-opt foo img", "invalid --security-opt 1: \"foo\"" },
    { "--device /dev/nonexistent img",
      "error gathering device information while adding custom device \"/dev/nonexistent\": No such file or directory" },
    { "-m 1m img", "Minimum memory limit allowed is 6MB" },
    { "-v myvol:/data img", "named volumes are not supported yet (/data)" },
    { "--volumes-from other img", "--volumes-from other: not supported yet" },
    { "--gpus all img", "could not select device driver \"\" with capabilities: [[gpu]]" },
    { "--mount type=bind,src=/nonexistent,dst=/x img",
      "invalid mount config for type \"bind\": bind source path does not exist: /nonexistent" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      s = build (img, bad[i].line, &msg);
      tap_ok (s == NULL && msg && strncmp (msg, bad[i].msg, strlen (bad[i].msg)) == 0, "'%s' fails: %s", bad[i].line,
              bad[i].msg);
      oci_spec_free (s);
      free (msg);
    }
}

/* Parse flags into o (split on spaces). */
static int
opts_of (const char *line, dock_run_opts *o, berth_error **err)
{
  char *copy = xstrdup (line);
  char *argv[32];
  int argc = 0, image_index;
  for (char *save = NULL, *w = strtok_r (copy, " ", &save); w && argc < 31; w = strtok_r (NULL, " ", &save))
    argv[argc++] = w;
  dock_run_opts_init (o);
  int r = dock_run_parse_args (o, argc, argv, false, &image_index, err);
  free (copy);
  return r;
}

static void
test_healthcheck (void)
{
  static const char with_hc[]
      = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
        "\"config\":{\"Healthcheck\":{\"Test\":[\"CMD\",\"/check\"],\"Interval\":30000000000,\"Retries\":3}}}";
  char *e = NULL;
  oci_image_config *img = oci_image_config_parse_data (with_hc, strlen (with_hc), "image", &e);
  free (e);
  dock_run_opts o;
  berth_error *err = NULL;
  oci_image_healthcheck *h = NULL;
  opts_of ("img", &o, &err);
  tap_ok (dock_run_healthcheck (img, &o, &h, &err) == 0 && h && h->test_len == 2 && h->interval == 30000000000LL
              && h->retries == 3,
          "healthcheck: the image's when no flag is given");
  oci_image_healthcheck_free (h);
  dock_run_opts_clear (&o);
  opts_of ("--health-cmd true --health-retries 5 img", &o, &err);
  tap_ok (dock_run_healthcheck (img, &o, &h, &err) == 0 && h && strcmp (h->test[0], "CMD-SHELL") == 0
              && strcmp (h->test[1], "true") == 0 && h->retries == 5 && h->interval == 30000000000LL,
          "--health-cmd and --health-retries replace those, the image's interval stays");
  oci_image_healthcheck_free (h);
  dock_run_opts_clear (&o);
  opts_of ("--no-healthcheck img", &o, &err);
  tap_ok (dock_run_healthcheck (img, &o, &h, &err) == 0 && h && h->test_len == 1 && strcmp (h->test[0], "NONE") == 0,
          "--no-healthcheck: Test [\"NONE\"]");
  oci_image_healthcheck_free (h);
  dock_run_opts_clear (&o);
  opts_of ("--no-healthcheck --health-cmd true img", &o, &err);
  tap_ok (dock_run_healthcheck (img, &o, &h, &err) < 0 && strcmp (err->msg, "--no-healthcheck conflicts with "
                                                                             "--health-* options") == 0,
          "--no-healthcheck with --health-cmd: docker's conflict");
  berth_error_free (err);
  err = NULL;
  dock_run_opts_clear (&o);
  opts_of ("img", &o, &err);
  tap_ok (dock_run_healthcheck (NULL, &o, &h, &err) == 0 && h == NULL, "no healthcheck anywhere: none");
  dock_run_opts_clear (&o);
  oci_image_config_free (img);
}

static void
test_labels_and_daemon_ulimits (const oci_image_config *img)
{
  cleanup_free char *lf = xasprintf ("%s/labels", rootdir);
  FILE *f = fopen (lf, "w");
  fputs ("# labels\nfrom_file=1\nboth=file\n\n", f);
  fclose (f);
  cleanup_free char *line = xasprintf ("--label-file %s -l both=flag -l bare img", lf);
  dock_run_opts o;
  berth_error *err = NULL;
  opts_of (line, &o, &err);
  char **keys = NULL, **values = NULL;
  size_t n = 0;
  int r = dock_spec_labels (img, &o, &keys, &values, &n, &err);
  struct
  {
    char **keys, **values;
    size_t len;
  } map = { keys, values, n };
  tap_ok (r == 0 && oci_map_get (&map, "from") && strcmp (oci_map_get (&map, "both"), "flag") == 0
              && strcmp (oci_map_get (&map, "from_file"), "1") == 0 && strcmp (oci_map_get (&map, "bare"), "") == 0,
          "labels: the image's, then --label-file's, then -l's (a bare key is empty)");
  strv_free (keys);
  strv_free (values);
  dock_run_opts_clear (&o);

  dock_ulimit defaults[] = { { "nofile", 1024, 2048 }, { "nproc", 100, 200 } };
  dock_config cfg = { .default_ulimits = defaults, .n_default_ulimits = 2 };
  dock_spec_ctx ctx = { .id = ID, .rootfs = "rootfs", .rootfs_fd = rootfd, .config = &cfg };
  opts_of ("--ulimit nproc=50:60 img true", &o, &err);
  oci_spec *s = NULL;
  char *args[] = { (char *) "true" };
  r = dock_spec_build (img, &o, &ctx, 1, args, &s, &err);
  tap_ok (r == 0 && s->process->rlimits_len == 2 && strcmp (s->process->rlimits[0]->type, "RLIMIT_NOFILE") == 0
              && s->process->rlimits[0]->hard == 2048 && s->process->rlimits[1]->soft == 50
              && s->process->rlimits[1]->hard == 60,
          "ulimits: daemon.json default-ulimits, --ulimit replacing one by name");
  tap_ok (r == 0 && mount_at (s, "/etc/hosts") == NULL, "no per-container files given: none bound");
  oci_spec_free (s);
  dock_run_opts_clear (&o);
  berth_error_free (err);
}

static void
test_profile (void)
{
  char *caps[] = { NULL };
  oci_seccomp *sec = NULL;
  berth_error *err = NULL;
  const char *custom = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                       "\"syscalls\":[{\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\"},"
                       "{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";
  tap_ok (dock_seccomp_from_profile (custom, strlen (custom), caps, &sec, &err) == 0 && sec->syscalls_len == 1
              && strcmp (sec->syscalls[0]->names[0], "mkdir") == 0,
          "a docker-format profile: the old one-name form, a rule for a capability the process lacks left out");
  oci_seccomp_free (sec);
  sec = NULL;
  tap_ok (dock_seccomp_from_profile ("{", 1, caps, &sec, &err) < 0 && strstr (err->msg, "decoding seccomp profile failed"),
          "a broken profile: docker's message");
  berth_error_free (err);
  err = NULL;
  tap_ok (dock_seccomp_from_profile (NULL, 0, caps, &sec, &err) == 0 && sec->architectures_len == 3,
          "the embedded profile decodes; the host's architecture with its sub-architectures");
  oci_seccomp_free (sec);
}

int
main (void)
{
  if (mkdtemp (rootdir) == NULL)
    return 1;
  cleanup_free char *etc = xasprintf ("%s/etc", rootdir);
  mkdir (etc, 0755);
  write_file ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
  write_file ("etc/group", "root:x:0:\nwheel:x:10:root\nsudo:x:27:app,other\napp:x:1000:\n");
  rootfd = open (rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  oci_image_config *img = image ();
  tap_ok (img != NULL, "the test image config decodes");
  test_defaults (img);
  test_flags (img);
  test_profile ();
  test_healthcheck ();
  test_labels_and_daemon_ulimits (img);
  oci_image_config_free (img);
  close (rootfd);
  berth_error *err = NULL;
  dock_remove_tree (rootdir, &err);
  berth_error_free (err);
  return tap_done ();
}
