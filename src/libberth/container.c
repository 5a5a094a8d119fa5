#include "config.h"

#include "container.h"
#include "foreground.h"
#include "linux/idmap.h"
#include "hooks.h"
#include "init.h"
#include "linux/lsm.h"
#include "linux/netdev.h"
#include "linux/process.h"
#include "linux/sched.h"
#include "log.h"
#include "seccomp.h"
#include "spec.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"
#include "validate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ signals */

static const struct
{
  const char *name;
  int signo;
} signals[] = {
  { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },     { "TRAP", SIGTRAP },
  { "ABRT", SIGABRT },   { "IOT", SIGIOT },       { "BUS", SIGBUS },     { "FPE", SIGFPE },     { "KILL", SIGKILL },
  { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
  { "TERM", SIGTERM },   { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },     { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },   { "WINCH", SIGWINCH }, { "IO", SIGIO },
  { "POLL", SIGPOLL },   { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int
berth_signal_from_name (const char *name)
{
  unsigned long long n;
  if (parse_uint64 (name, &n) == 0)
    return n <= (unsigned long long) SIGRTMAX ? (int) n : -1; /* 0: does it exist? (kill(2)) */
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < ARRAY_SIZE (signals); i++)
    if (strcasecmp (signals[i].name, name) == 0)
      return signals[i].signo;
  if (strncasecmp (name, "RTMIN", 5) == 0 || strncasecmp (name, "RTMAX", 5) == 0)
    {
      int base = toupper (name[4]) == 'N' ? SIGRTMIN : SIGRTMAX;
      int off = name[5] ? atoi (name + 5) : 0;
      int s = base + off;
      return s >= SIGRTMIN && s <= SIGRTMAX ? s : -1;
    }
  return -1;
}

/* ------------------------------------------------------------ helpers */

static void
kill_and_reap (pid_t pid)
{
  if (pid <= 0)
    return;
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* What start, state and delete need of the configuration: a view of
   summary.json, or, for a container that an older berth made, config.json
   decoded.  NULL if neither can be read (then there are no hooks to run
   and no annotations to show). */
typedef struct
{
  oci_spec view;
  berth_config_summary *summary;
  char **values; /* of the annotations, pointing into summary */
  oci_spec *decoded;
} stored_config;

static oci_spec *load_config_at (int dirfd, const char *docname, berth_error **err);

static const oci_spec *
stored_config_load (int dirfd, const berth_state *st, stored_config *sc)
{
  memset (sc, 0, sizeof *sc);
  if (!st->has_config_summary)
    return sc->decoded = load_config_at (dirfd, "config.json", NULL);
  cleanup_free char *text = NULL;
  size_t len = 0;
  char *perr = NULL;
  if (read_file_at (dirfd, BERTH_SUMMARY_FILE, &text, &len, NULL) < 0
      || (sc->summary = berth_config_summary_parse_data (text, len, BERTH_SUMMARY_FILE, &perr)) == NULL)
    {
      free (perr);
      return NULL;
    }
  const oci_json *ann = sc->summary->annotations;
  if (ann && ann->kind == OCI_JSON_OBJECT && ann->len)
    {
      sc->values = xcalloc (ann->len, sizeof *sc->values);
      for (size_t i = 0; i < ann->len; i++)
        sc->values[i] = ann->items[i]->kind == OCI_JSON_STRING ? ann->items[i]->text : (char *) "";
      sc->view.annotations.keys = ann->keys;
      sc->view.annotations.values = sc->values;
      sc->view.annotations.len = ann->len;
    }
  sc->view.hooks = sc->summary->hooks;
  return &sc->view;
}

static void
stored_config_release (stored_config *sc)
{
  free (sc->values);
  berth_config_summary_free (sc->summary);
  oci_spec_free (sc->decoded);
}

/* Write summary.json from the configuration create read. */
static int
record_config_summary (int dirfd, const oci_spec *spec, berth_error **err)
{
  berth_config_summary sum = { 0 };
  oci_hooks later = { 0 };
  if (spec->annotations.len)
    {
      sum.annotations = oci_json_new (OCI_JSON_OBJECT);
      for (size_t i = 0; i < spec->annotations.len; i++)
        {
          oci_json *v = oci_json_new (OCI_JSON_STRING);
          v->text = xstrdup (spec->annotations.values[i]);
          v->text_len = strlen (v->text);
          oci_json_append (sum.annotations, spec->annotations.keys[i], v);
        }
    }
  const oci_hooks *h = spec->hooks;
  if (h && (h->poststart_len || h->poststop_len))
    {
      later.poststart = h->poststart, later.poststart_len = h->poststart_len;
      later.poststop = h->poststop, later.poststop_len = h->poststop_len;
      sum.hooks = &later;
    }
  size_t len = 0;
  cleanup_free char *text = berth_config_summary_generate (&sum, 0, &len);
  oci_json_free (sum.annotations);
  if (text == NULL)
    return berth_fail (err, 0, "cannot encode the configuration summary");
  return write_file_atomic_at (dirfd, BERTH_SUMMARY_FILE, text, len, 0600, err);
}

static oci_spec *
load_config_at (int dirfd, const char *docname, berth_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (read_file_at (dirfd, "config.json", &text, &len, err) < 0)
    return NULL;
  char *perr = NULL;
  oci_spec *s = oci_spec_parse_data (text, len, docname, &perr);
  if (s == NULL)
    berth_fail_take (err, 0, perr);
  return s;
}

/* ------------------------------------------------------------ create */

typedef struct
{
  char *bundle, *rootfs, *config_text;
  size_t config_len;
  oci_spec *spec;
  berth_seccomp_filter *seccomp;
  int rootfd, dirfd, fifo, procfd, console;
  int proxy;       /* run without --console-socket: where the pty master arrives */
  bool may_proxy;  /* a foreground run: berth may hold the pty itself */
  pid_t pid;
  bool dir_created;
  berth_cgroup *cg;
  bool cg_created;
  char *slice, *unit; /* the systemd driver's scope */
  int npassed;            /* fds 3.. passed on (socket activation, --preserve-fds) */
  unsigned char *fd_gaps; /* of those, the closed ones (berth_passed_fds_reserve) */
  char *owner;        /* the user name state.json records, looked up once */
} create_state;

static void
create_state_release (create_state *cs, const char *id, bool failed)
{
  berth_passed_fds_release (cs->npassed, steal_pointer (&cs->fd_gaps));
  if (failed)
    {
      kill_and_reap (cs->pid);
      if (cs->cg_created)
        {
          cleanup_error berth_error *cerr = NULL;
          if (berth_cgroup_destroy (cs->cg, &cerr) < 0)
            berth_warn ("%s", cerr->msg);
        }
      if (cs->dir_created)
        berth_state_dir_remove (cs->rootfd, id, NULL);
    }
  for (int *fd = &cs->rootfd; fd <= &cs->proxy; fd++)
    if (*fd >= 0)
      close (*fd);
  free (cs->bundle);
  free (cs->rootfs);
  free (cs->config_text);
  berth_seccomp_filter_free (cs->seccomp);
  oci_spec_free (cs->spec);
  berth_cgroup_free (cs->cg);
  free (cs->slice);
  free (cs->unit);
  free (cs->owner);
}

/* Decode and check the configuration read from the bundle. */
static int
load_config (create_state *cs, berth_error **err)
{
  char *perr = NULL;
  cs->spec = oci_spec_parse_data (cs->config_text, cs->config_len, "config.json", &perr);
  if (cs->spec == NULL)
    return berth_fail_take (err, 0, perr);
  return berth_validate_config (cs->spec, err);
}

/* systemd socket activation: fds 3.. handed to us (LISTEN_PID is our pid)
   go on to the container first, as runc does, with the environment saying
   so.  LISTEN_PID=1 assumes the process is its pid namespace's init. */
static int
listen_fds_count (const berth_create_opts *o)
{
  if (!o->listen_fds)
    return 0;
  const char *pid = getenv ("LISTEN_PID"), *fds = getenv ("LISTEN_FDS");
  unsigned long long p, n;
  if (pid == NULL || fds == NULL || parse_uint64 (pid, &p) < 0 || p != (unsigned long long) getpid ()
      || parse_uint64 (fds, &n) < 0 || n > 4096)
    return 0;
  return (int) n;
}

/* Write what create knows of the container to file in its directory
   (summary.json is written before the first of these). */
static int
record_state (create_state *cs, const char *id, const char *file, berth_error **err)
{
  if (cs->owner == NULL)
    cs->owner = host_user_name (geteuid ());
  berth_state st = { 0 };
  const oci_hooks *h = cs->spec->hooks;
  st.has_config_summary = st.has_config_summary_present = true;
  st.has_poststart = st.has_poststart_present = h && h->poststart_len;
  st.has_poststop = st.has_poststop_present = h && h->poststop_len;
  st.id = (char *) id;
  st.pid = cs->pid, st.pid_present = true;
  st.pid_start = berth_pid_start_time (cs->pid), st.pid_start_present = true;
  st.bundle = cs->bundle;
  st.rootfs = cs->rootfs;
  char created[40];
  rfc3339_now (created, sizeof created);
  st.created = created;
  st.owner = cs->owner ? cs->owner : (char *) "";
  st.systemd_unit = cs->unit;
  st.systemd_cgroup = cs->unit != NULL, st.systemd_cgroup_present = cs->unit != NULL;
  if (cs->cg)
    {
      st.cgroup_driver = (char *) cs->cg->driver->name;
      st.cgroup_paths.len = cs->cg->len;
      st.cgroup_paths.keys = cs->cg->keys;
      st.cgroup_paths.values = cs->cg->dirs;
    }
  return berth_state_write_as (cs->dirfd, file, &st, err);
}

/* The parent's side of create, up to the init blocking before exec. */
static int
do_create (const char *id, const berth_create_opts *o, create_state *cs, berth_error **err)
{
  /* Up here: the error paths jump to the end across its assignment. */
  cleanup_close int sync = -1;
  if (berth_validate_id (id, err) < 0)
    return -1;
  /* First, before berth opens anything that could land in a gap. */
  int nlisten = listen_fds_count (o);
  cs->npassed = nlisten + o->preserve_fds;
  if (berth_passed_fds_reserve (cs->npassed, &cs->fd_gaps, err) < 0)
    return -1;
  const char *bundle = o->bundle ? o->bundle : ".";
  cs->bundle = realpath (bundle, NULL);
  if (cs->bundle == NULL)
    return berth_fail_errno (err, "bundle `%s`", bundle);
  cleanup_close int bfd = open (cs->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (bfd < 0)
    return berth_fail_errno (err, "bundle `%s`", bundle);
  if (o->config_text)
    cs->config_text = xstrndup (o->config_text, o->config_len), cs->config_len = o->config_len;
  else if (berth_config_read_at (bfd, "config.json", &cs->config_text, &cs->config_len, err) < 0)
    return berth_error_wrap (err, "bundle `%s`", bundle);
  /* Whatever check refuses the configuration (the decoder's or the
     validation pass's), clients see runc's "invalid configuration". */
  if (load_config (cs, err) < 0)
    return berth_error_tag (err, BERTH_ERR_INVALID_CONFIG);
  berth_debug ("create %s: configuration of bundle %s read and checked (%zu bytes)", id, cs->bundle, cs->config_len);
  /* Compiled before anything exists, so that a bad profile leaves nothing
     (but the state root, where the compiled-filter cache is). */
  if ((cs->rootfd = berth_root_open (o->root, true, err)) < 0
      || berth_seccomp_prepare (cs->spec, cs->rootfd, &cs->seccomp, err) < 0)
    return -1;

  cleanup_free char *rootpath = cs->spec->root->path[0] == '/'
                                    ? xstrdup (cs->spec->root->path)
                                    : xasprintf ("%s/%s", cs->bundle, cs->spec->root->path);
  struct stat rst;
  /* As runc: the root is named by the directory itself, never a link. */
  if (lstat (rootpath, &rst) == 0 && S_ISLNK (rst.st_mode))
    return berth_fail (err, 0, "root.path `%s` is a symlink: name the directory itself", cs->spec->root->path);
  cs->rootfs = realpath (rootpath, NULL);
  if (cs->rootfs == NULL || stat (cs->rootfs, &rst) < 0)
    return berth_fail_errno (err, "root.path `%s`", cs->spec->root->path);
  if (!S_ISDIR (rst.st_mode))
    return berth_fail (err, ENOTDIR, "root.path `%s`", cs->spec->root->path);
  bool terminal = cs->spec->process->terminal_present && cs->spec->process->terminal;
  if (terminal && o->console_socket == NULL && !cs->may_proxy)
    return berth_fail (err, 0, "process.terminal is set: --console-socket is required");
  /* Where the cgroup goes and whether the host can give what is asked,
     before anything exists.  Without root and without resources, a
     rootless container runs in the caller's cgroup. */
  const oci_linux *lin = cs->spec->linux;
  const oci_resources *res = lin ? lin->resources : NULL;
  if (o->systemd_cgroup
      && berth_systemd_plan (lin ? lin->cgroups_path : NULL, id, &cs->slice, &cs->unit, err) < 0)
    return -1;
  if (geteuid () == 0 || res || (lin && lin->cgroups_path) || cs->unit)
    {
      /* With systemd the place is systemd's to choose: resolve the default
         one only to check the resources against the host's controllers.
         The driver is chosen here, once, and recorded in the state. */
      cs->cg = berth_cgroup_resolve (lin && !cs->unit ? lin->cgroups_path : NULL, id, err);
      if (cs->cg == NULL || berth_cgroup_check (cs->cg, res, err) < 0
          || (!cs->unit && berth_cgroup_refuse_frozen (cs->cg, err) < 0))
        return -1;
      if (cs->unit)
        berth_cgroup_use_systemd (cs->cg, cs->slice, cs->unit);
    }
  if (nlisten > 0)
    {
      oci_process *p = cs->spec->process;
      char *v = xasprintf ("LISTEN_FDS=%d", nlisten);
      oci_strv_append (&p->env, &p->env_len, v);
      free (v);
      oci_strv_append (&p->env, &p->env_len, "LISTEN_PID=1");
    }

  berth_init_ctx ic = { .spec = cs->spec, .id = id, .bundle = cs->bundle, .rootfs = cs->rootfs, .console_fd = -1,
                        .preserve_fds = cs->npassed, .fd_gaps = cs->fd_gaps, .no_pivot = o->no_pivot,
                        .no_new_keyring = o->no_new_keyring, .seccomp = cs->seccomp };
  const oci_hooks *h = cs->spec->hooks;
  ic.has_hooks_in_runtime = h && (h->prestart_len || h->create_runtime_len);
  if (berth_init_plan (&ic, err) < 0)
    {
      berth_init_plan_release (&ic);
      return -1;
    }

  if ((cs->dirfd = berth_state_dir_create (cs->rootfd, id, err)) < 0)
    goto fail_plan;
  cs->dir_created = true;
  berth_debug ("create %s: state directory made under %s", id, o->root);
  if (write_file_atomic_at (cs->dirfd, "config.json", cs->config_text, cs->config_len, 0600, err) < 0
      || record_config_summary (cs->dirfd, cs->spec, err) < 0
      || berth_seccomp_keep (cs->seccomp, cs->rootfd, cs->dirfd, err) < 0)
    goto fail_plan;
  /* Writable by anyone: the init may hold a mapped or non-root uid when it
     reopens the fifo; the state dir (0700) keeps everyone else away. */
  if (mkfifoat (cs->dirfd, "exec.fifo", 0600) < 0 || fchmodat (cs->dirfd, "exec.fifo", 0622, 0) < 0)
    {
      berth_fail_errno (err, "create the exec fifo");
      goto fail_plan;
    }
  cs->fifo = openat (cs->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
  cs->procfd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cs->fifo < 0 || cs->procfd < 0)
    {
      berth_fail_errno (err, "open the exec fifo");
      goto fail_plan;
    }
  if (terminal && o->console_socket == NULL)
    {
      /* A foreground run keeps the pty master itself and proxies it. */
      int cp[2];
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cp) < 0)
        {
          berth_fail_errno (err, "socketpair");
          goto fail_plan;
        }
      cs->proxy = cp[0], cs->console = cp[1];
    }
  else if (terminal && (cs->console = berth_console_socket_connect (o->console_socket, err)) < 0)
    goto fail_plan;

  int sp[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    {
      berth_fail_errno (err, "socketpair");
      goto fail_plan;
    }
  ic.sync_fd = sp[1];
  ic.fifo_fd = cs->fifo;
  ic.procfd = cs->procfd;
  ic.console_fd = cs->console;
  cs->pid = berth_spawn_init (&ic, sp[0], err);
  close (sp[1]);
  berth_init_plan_release (&ic);
  sync = sp[0];
  if (cs->pid < 0)
    return -1;
  berth_debug ("create %s: init spawned, pid %d", id, (int) cs->pid);
  /* From here a `delete` after berth is killed can find the init and the
     cgroup (written again once systemd has said where the cgroup is). */
  if (record_state (cs, id, BERTH_CREATING_FILE, err) < 0)
    return -1;

  if (cs->cg)
    {
      cs->cg_created = true;
      if (berth_cgroup_create (cs->cg, res, lin, cs->pid, err) < 0
          || (cs->unit && record_state (cs, id, BERTH_CREATING_FILE, err) < 0))
        return -1;
    }
  if (cs->cg)
    berth_debug ("create %s: cgroup ready (%zu hierarchies)", id, cs->cg->len);
  if (ic.new_userns)
    {
      const oci_linux *l = cs->spec->linux;
      for (int k = 0; k < 2; k++)
        {
          oci_id_mapping **maps = k == 0 ? l->uid_mappings : l->gid_mappings;
          size_t n = k == 0 ? l->uid_mappings_len : l->gid_mappings_len;
          cleanup_free char *text = n ? berth_id_map_text (maps, n) : berth_default_id_map (cs->spec, k == 0);
          char path[64];
          snprintf (path, sizeof path, "%d/%s", (int) cs->pid, k == 0 ? "uid_map" : "gid_map");
          cleanup_close int fd = openat (cs->procfd, path, O_WRONLY | O_CLOEXEC);
          if (fd < 0 || write_all (fd, text, strlen (text)) < 0)
            return berth_fail_errno (err, "write %s", k == 0 ? "uidMappings" : "gidMappings");
        }
    }
  if (ic.new_userns)
    berth_debug ("create %s: uid and gid maps written", id);
  /* Before the init goes on: its namespace has the devices from the start. */
  if (berth_net_devices_move (cs->spec, cs->procfd, cs->pid, err) < 0)
    return -1;
  berth_sync_send (sync, SYNC_MAPS_DONE, 0, NULL);

  for (;;)
    {
      berth_sync_msg m;
      int passed = -1;
      if (berth_sync_recv_fd (sync, &m, &passed, err) < 0)
        return -1;
      if (m.type == SYNC_ERROR)
        return berth_fail (err, m.errnum, "%s", m.msg);
      if (m.type == SYNC_READY)
        break;
      if (m.type == SYNC_SECCOMP_FD)
        {
          cleanup_close int listener = passed;
          if (listener < 0)
            return berth_fail (err, 0, "the container init sent no seccomp listener");
          if (berth_seccomp_send_to_listener (cs->spec, listener, id, cs->pid, cs->bundle, "creating", cs->pid, err) < 0)
            return -1;
          continue;
        }
      if (passed >= 0)
        close (passed);
      if (m.type == SYNC_HOOKS_PLS)
        {
          cleanup_free char *doc = berth_state_document (id, "creating", cs->pid, cs->bundle, cs->spec, NULL, NULL, NULL);
          berth_debug ("create %s: running %zu prestart and %zu createRuntime hooks", id, h->prestart_len,
                       h->create_runtime_len);
          if (berth_hooks_run (h->prestart, h->prestart_len, "prestart", doc, err) < 0
              || berth_hooks_run (h->create_runtime, h->create_runtime_len, "createRuntime", doc, err) < 0)
            return -1;
          berth_sync_send (sync, SYNC_HOOKS_DONE, 0, NULL);
        }
    }

  berth_debug ("create %s: init ready, waiting on the exec fifo", id);
  if (record_state (cs, id, "state.json", err) < 0)
    return -1;
  unlinkat (cs->dirfd, BERTH_CREATING_FILE, 0);
  berth_debug ("create %s: state recorded; container created", id);
  if (o->pid_file && berth_write_pid_file (o->pid_file, cs->pid, err) < 0)
    return -1;
  return 0;

fail_plan:
  berth_init_plan_release (&ic);
  return -1;
}

/* An init the OOM killer took before it could exec: the limit is below
   what the runtime needs to set the container up, which "the container
   init exited during setup" would not say. */
static void
explain_memory_floor (const create_state *cs, berth_error **err)
{
  const oci_linux *lin = cs->spec ? cs->spec->linux : NULL;
  const oci_memory *mem = lin && lin->resources ? lin->resources->memory : NULL;
  if (mem == NULL || !mem->limit_present || mem->limit <= 0 || !cs->cg_created || !berth_cgroup_oom_killed (cs->cg))
    return;
  berth_error_free (*err);
  *err = NULL;
  berth_fail (err, 0, "the memory limit (%lld bytes) is too low for the runtime to start the container",
              (long long) mem->limit);
}

static void
create_state_init (create_state *cs)
{
  memset (cs, 0, sizeof *cs);
  cs->rootfd = cs->dirfd = cs->fifo = cs->procfd = cs->console = cs->proxy = -1;
}

int
berth_container_create (const char *id, const berth_create_opts *o, berth_error **err)
{
  create_state cs;
  create_state_init (&cs);
  int r = do_create (id, o, &cs, err);
  if (r < 0)
    explain_memory_floor (&cs, err);
  create_state_release (&cs, id, r < 0);
  return r;
}

/* ------------------------------------------------------------ start */

/* Open the fifo (which lets the init's blocked open go on) and wait for the
   init's byte, or for the init to die. */
static int
release_init (int dirfd, const berth_state *st, berth_error **err)
{
  cleanup_close int fifo = openat (dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return berth_fail_errno (err, "open the exec fifo");
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, (pid_t) st->pid, 0);
  struct pollfd pf[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
  for (;;)
    {
      int r = poll (pf, pidfd >= 0 ? 2 : 1, -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return berth_fail_errno (err, "wait for the container init");
      if (pf[0].revents & POLLIN)
        {
          char c;
          if (read (fifo, &c, 1) == 1)
            break;
        }
      if (pidfd >= 0 && (pf[1].revents & POLLIN))
        return berth_fail (err, 0, "the container init exited before it could start");
    }
  unlinkat (dirfd, "exec.fifo", 0);
  return 0;
}

static int signal_init (const berth_state *st, int signo, berth_error **err);
static void wait_gone (const berth_state *st);

static int
do_start (int dirfd, const char *id, berth_error **err)
{
  berth_state *st = berth_state_read (dirfd, id, err);
  if (st == NULL)
    return -1;
  int r = -1;
  berth_status status = berth_state_status (dirfd, st);
  if (status != BERTH_STATUS_CREATED)
    {
      /* runc: a stopped container "has stopped", with its not-running kind. */
      if (status == BERTH_STATUS_STOPPED)
        berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "cannot start `%s`: it has stopped", id);
      else
        berth_fail (err, 0, "cannot start container `%s`: it is %s", id, berth_status_name (status));
      goto out;
    }
  berth_debug ("start %s: releasing init %lld through the exec fifo", id, (long long) st->pid);
  if (release_init (dirfd, st, err) < 0)
    goto out;
  berth_debug ("start %s: the init has gone on to exec the process", id);
  r = 0;
  /* A failing poststart hook is an error that stops the container
     (runtime-spec 1.3, lifecycle step 9; runc kills its init too). */
  stored_config sc = { 0 };
  const oci_spec *spec = !st->has_config_summary || st->has_poststart ? stored_config_load (dirfd, st, &sc) : NULL;
  if (spec && spec->hooks && spec->hooks->poststart_len)
    {
      cleanup_free char *doc = berth_state_document (id, "running", (pid_t) st->pid, st->bundle, spec, NULL, NULL, NULL);
      if (berth_hooks_run (spec->hooks->poststart, spec->hooks->poststart_len, "poststart", doc, err) < 0)
        {
          cleanup_error berth_error *kerr = NULL;
          signal_init (st, SIGKILL, &kerr);
          wait_gone (st);
          r = -1;
        }
    }
  stored_config_release (&sc);
out:
  berth_state_free (st);
  return r;
}

int
berth_container_start (const char *root, const char *id, berth_error **err)
{
  if (berth_validate_id (id, err) < 0)
    return -1;
  cleanup_close int rootfd = berth_root_open (root, false, err);
  if (rootfd < 0)
    return -1;
  cleanup_close int dirfd = berth_state_dir_open (rootfd, id, LOCK_EX, err);
  if (dirfd < 0)
    return -1;
  return do_start (dirfd, id, err);
}

/* ------------------------------------------------------------ kill */

static int
signal_init (const berth_state *st, int signo, berth_error **err)
{
  /* A pidfd, checked against the recorded start time, cannot hit a
     process that reused the pid. */
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, (pid_t) st->pid, 0);
  if (pidfd < 0 || !berth_state_init_alive (st))
    return berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, ESRCH, "`%s`", st->id);
  if (syscall (SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0)
    return berth_fail_errno (err, "signal container `%s`", st->id);
  return 0;
}

int
berth_container_kill (const char *root, const char *id, int signo, bool all, berth_error **err)
{
  if (berth_validate_id (id, err) < 0)
    return -1;
  cleanup_close int rootfd = berth_root_open (root, false, err);
  if (rootfd < 0)
    return -1;
  cleanup_close int dirfd = berth_state_dir_open (rootfd, id, LOCK_SH, err);
  if (dirfd < 0)
    return -1;
  berth_state *st = berth_state_read (dirfd, id, err);
  if (st == NULL)
    return -1;
  int r = 0;
  cleanup_cgroup berth_cgroup *cg = berth_state_cgroup (st);
  berth_status status = berth_state_status (dirfd, st);
  if (all && cg)
    {
      /* Everything in the cgroup, including what outlived a dead init. */
      cleanup_error berth_error *ignored = NULL;
      pid_t *pids = NULL;
      size_t n = 0;
      /* Signal 0 only asks whether there is anything: no freeze and thaw
         round (which would also thaw a paused container). */
      if (berth_cgroup_pids (cg, &pids, &n, &ignored) == 0 && n > 0 && signo != 0)
        r = berth_cgroup_kill_all (cg, signo, err);
      free (pids);
    }
  else if (status == BERTH_STATUS_STOPPED)
    r = all ? 0 : berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", id);
  else
    r = signal_init (st, signo, err);
  berth_state_free (st);
  return r;
}

/* ------------------------------------------------------------ delete */

static void
wait_gone (const berth_state *st)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, (pid_t) st->pid, 0);
  if (pidfd < 0)
    return;
  struct pollfd pf = { .fd = pidfd, .events = POLLIN };
  /* The init is our child only under `run`; otherwise its reaper is someone
     else's, and a zombie already counts as stopped. */
  for (int i = 0; i < 100 && berth_state_init_alive (st); i++)
    poll (&pf, 1, 100);
  waitpid ((pid_t) st->pid, NULL, WNOHANG);
}

static int
undo_half_create (const berth_state *half, berth_error **err)
{
  if (berth_state_init_alive (half))
    {
      cleanup_error berth_error *kerr = NULL;
      signal_init (half, SIGKILL, &kerr);
      wait_gone (half);
    }
  cleanup_cgroup berth_cgroup *cg = berth_state_cgroup (half);
  return berth_cgroup_destroy (cg, err);
}

int
berth_container_delete (const char *root, const char *id, bool force, berth_error **err)
{
  if (berth_validate_id (id, err) < 0)
    return -1;
  /* As with runc and crun, forcing away what is already gone succeeds:
     engines clean up after a failed create with `delete --force`. */
  cleanup_free char *path = xasprintf ("%s/%s", root, id);
  if (force && access (path, F_OK) < 0 && errno == ENOENT)
    return 0;
  cleanup_close int rootfd = berth_root_open (root, false, err);
  if (rootfd < 0)
    return -1;
  cleanup_close int dirfd = berth_state_dir_open (rootfd, id, LOCK_EX, err);
  if (dirfd < 0)
    return -1;
  berth_error *rerr = NULL;
  berth_state *st = berth_state_read (dirfd, id, &rerr);
  if (st == NULL)
    {
      /* A create that died before writing its state (berth killed half-way):
         undo what it recorded making, then remove the directory. */
      berth_error_free (rerr);
      berth_state *half = berth_state_read_as (dirfd, BERTH_CREATING_FILE, id, NULL);
      if (half && undo_half_create (half, err) < 0)
        {
          berth_state_free (half);
          return -1;
        }
      berth_state_free (half);
      return berth_state_dir_remove (rootfd, id, err);
    }
  int r = -1;
  cleanup_cgroup berth_cgroup *cg = NULL;
  berth_status status = berth_state_status (dirfd, st);
  if ((status == BERTH_STATUS_RUNNING || status == BERTH_STATUS_PAUSED) && !force)
    {
      berth_fail_kind (err, BERTH_ERR_STILL_RUNNING, 0, "cannot delete `%s`: it is %s (use --force)", id, berth_status_name (status));
      goto out;
    }
  cg = berth_state_cgroup (st);
  if (status != BERTH_STATUS_STOPPED)
    {
      berth_error *kerr = NULL;
      /* Through the cgroup when there is one: a frozen init dies only thawed. */
      if ((cg ? berth_cgroup_kill_all (cg, SIGKILL, &kerr) : signal_init (st, SIGKILL, &kerr)) < 0)
        berth_error_free (kerr);
      wait_gone (st);
    }
  /* Whatever is left in the cgroup (the init's children when it ran in
     the host's pid namespace) dies with it. */
  if (berth_cgroup_destroy (cg, err) < 0)
    goto out;

  stored_config sc = { 0 };
  const oci_spec *spec = !st->has_config_summary || st->has_poststop ? stored_config_load (dirfd, st, &sc) : NULL;
  if (berth_state_dir_remove (rootfd, id, err) < 0)
    {
      stored_config_release (&sc);
      goto out;
    }
  r = 0;
  if (spec && spec->hooks && spec->hooks->poststop_len)
    {
      /* Each failure a warning, and the rest still run (lifecycle step 13). */
      cleanup_free char *doc = berth_state_document (id, "stopped", 0, st->bundle, spec, NULL, NULL, NULL);
      berth_hooks_run_warn (spec->hooks->poststop, spec->hooks->poststop_len, "poststop", doc);
    }
  stored_config_release (&sc);
out:
  berth_state_free (st);
  return r;
}

/* ------------------------------------------------------------ state, list */

/* A create holds its directory's lock from mkdir to its end, hooks
   included, and a hook may take long or never return: `list` and `state`
   must not wait for it.  They need no lock to read: state.json is replaced
   by rename, so it is whole whenever it is there.  A directory whose lock is
   held and that has no state.json yet is a create in progress: "creating",
   with what creating.json says (or just the id).  NULL: nothing to show (a
   create that died half-way, or a directory that went away). */
static berth_state *
read_state_unlocked (int dirfd, const char *id, bool lock_held, berth_status *status)
{
  berth_state *st = berth_state_read (dirfd, id, NULL);
  if (st)
    {
      *status = berth_state_status (dirfd, st);
      return st;
    }
  if (!lock_held)
    return NULL;
  st = berth_state_read_as (dirfd, BERTH_CREATING_FILE, id, NULL);
  if (st == NULL)
    {
      st = berth_state_new ();
      st->id = xstrdup (id);
      st->bundle = xstrdup ("");
      st->has_config_summary = true; /* what summary.json there is; never config.json */
    }
  if (!berth_state_init_alive (st))
    st->pid = 0;
  *status = BERTH_STATUS_CREATING;
  return st;
}

char *
berth_container_state (const char *root, const char *id, berth_error **err)
{
  if (berth_validate_id (id, err) < 0)
    return NULL;
  cleanup_close int rootfd = berth_root_open (root, false, err);
  if (rootfd < 0)
    return NULL;
  /* A create in progress is answered at once; another holder is waited
     for, a bounded time. */
  bool locked;
  cleanup_close int dirfd = berth_state_dir_open_reader (rootfd, id, BERTH_READER_WAIT_MS, &locked, err);
  if (dirfd < 0)
    return NULL;
  berth_status status;
  berth_state *st = locked ? berth_state_read (dirfd, id, err) : read_state_unlocked (dirfd, id, true, &status);
  if (st == NULL)
    {
      if (!locked)
        berth_fail_kind (err, BERTH_ERR_NOT_FOUND, 0, "`%s`", id);
      return NULL;
    }
  if (locked)
    status = berth_state_status (dirfd, st);
  stored_config sc;
  const oci_spec *spec = stored_config_load (dirfd, st, &sc);
  bool has_pid = status != BERTH_STATUS_STOPPED && st->pid > 0;
  char *doc = berth_state_document (id, berth_status_name (status), has_pid ? (pid_t) st->pid : 0, st->bundle, spec,
                                    st->rootfs, st->created, st->owner);
  stored_config_release (&sc);
  berth_state_free (st);
  return doc;
}

int
berth_container_find (const char *root, const char *id, berth_error **err)
{
  if (berth_validate_id (id, err) < 0)
    return -1;
  cleanup_close int rootfd = berth_root_open (root, false, err);
  cleanup_close int dirfd = rootfd < 0 ? -1 : berth_state_dir_open (rootfd, id, 0, err);
  return dirfd < 0 ? -1 : 0;
}

static int
cmp_entry (const void *a, const void *b)
{
  return strcmp (((const berth_list_entry *) a)->state->id, ((const berth_list_entry *) b)->state->id);
}

static int
cmp_name (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names under root that may be containers, sorted. */
static int
list_names (int rootfd, const char *root, char ***names, size_t *n, berth_error **err)
{
  *names = NULL;
  *n = 0;
  int dfd = dup (rootfd);
  DIR *d = dfd >= 0 ? fdopendir (dfd) : NULL;
  if (d == NULL)
    {
      if (dfd >= 0)
        close (dfd);
      return berth_fail_errno (err, "read state root `%s`", root);
    }
  struct dirent *de;
  while ((de = readdir (d)))
    if (de->d_name[0] != '.' && de->d_type == DT_DIR)
      oci_strv_append (names, n, de->d_name);
  closedir (d);
  if (*n)
    qsort (*names, *n, sizeof **names, cmp_name);
  return 0;
}

int
berth_container_list_ids (const char *root, char ***ids, size_t *n, berth_error **err)
{
  *ids = NULL;
  *n = 0;
  cleanup_close int rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return errno == ENOENT ? 0 : berth_fail_errno (err, "open state root `%s`", root);
  char **names = NULL;
  size_t nnames = 0;
  if (list_names (rootfd, root, &names, &nnames, err) < 0)
    return -1;
  /* The same containers as `list`, without reading a state: a stat of
     state.json, and only without it a look at the lock (a create). */
  for (size_t i = 0; i < nnames; i++)
    {
      cleanup_free char *path = xasprintf ("%s/state.json", names[i]);
      struct stat sb;
      bool listed = fstatat (rootfd, path, &sb, 0) == 0;
      if (!listed)
        {
          cleanup_close int dirfd = berth_state_dir_open (rootfd, names[i], 0, NULL);
          listed = dirfd >= 0 && berth_state_dir_trylock (dirfd, LOCK_SH) == 0;
        }
      if (listed)
        oci_strv_append (ids, n, names[i]);
    }
  strv_free (names);
  return 0;
}

int
berth_container_list (const char *root, berth_list_entry **out, size_t *n, berth_error **err)
{
  *out = NULL;
  *n = 0;
  cleanup_close int rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return errno == ENOENT ? 0 : berth_fail_errno (err, "open state root `%s`", root);
  char **names = NULL;
  size_t nnames = 0;
  if (list_names (rootfd, root, &names, &nnames, err) < 0)
    return -1;
  for (size_t i = 0; i < nnames; i++)
    {
      /* Never waits: see read_state_unlocked. */
      cleanup_close int dirfd = berth_state_dir_open (rootfd, names[i], 0, NULL);
      if (dirfd < 0)
        continue;
      struct stat sb;
      bool held = fstatat (dirfd, "state.json", &sb, 0) < 0 && berth_state_dir_trylock (dirfd, LOCK_SH) == 0;
      berth_status status;
      berth_state *st = read_state_unlocked (dirfd, names[i], held, &status);
      if (st == NULL)
        continue;
      *out = xrealloc (*out, (*n + 1) * sizeof **out);
      (*out)[*n].state = st;
      (*out)[(*n)++].status = status;
    }
  strv_free (names);
  if (*n)
    qsort (*out, *n, sizeof **out, cmp_entry);
  return 0;
}

void
berth_list_free (berth_list_entry *l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    berth_state_free (l[i].state);
  free (l);
}

/* ------------------------------------------------------------ run */

int
berth_container_run (const char *id, const berth_create_opts *o, bool detach, bool keep, int *status,
                     berth_error **err)
{
  create_state cs;
  create_state_init (&cs);
  cs.may_proxy = !detach;
  int r = do_create (id, o, &cs, err);
  if (r == 0)
    r = do_start (cs.dirfd, id, err);
  if (r < 0)
    explain_memory_floor (&cs, err);
  cleanup_close int proxy = steal_fd (&cs.proxy);
  pid_t pid = cs.pid;
  /* From here the container exists on its own: a failure must not undo it
     unless start itself failed. */
  if (r == 0)
    cs.pid = 0;
  create_state_release (&cs, id, r < 0);
  if (r < 0 || detach)
    return r;

  /* Foreground: pass on the signals a terminal user sends (and proxy the
     pty when berth holds it), wait, reap. */
  if (berth_foreground_wait (pid, proxy, status, err) < 0)
    return -1;
  if (!keep && berth_container_delete (o->root, id, true, err) < 0)
    return -1;
  return 0;
}
