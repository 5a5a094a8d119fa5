/* include/berth/berth.h over the lifecycle functions: a berth_ctx holds
   what the CLI's global options used to (state root, cgroup driver, log
   sink, socket activation), and every entry point installs the context's
   log sink, keeps the caller's SIGPIPE disposition (hooks ignore SIGPIPE
   while they run) and, for create and exec, puts the caller's chosen stdio
   on fds 0-2 only for the call. */
#include "config.h"

#include "berth/berth.h"

#include "cgroup/stats.h"
#include "container.h"
#include "exec.h"
#include "features.h"
#include "log.h"
#include "state.h"
#include "terminal.h"
#include "util.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

struct berth_ctx
{
  char *root;
  bool systemd_cgroup;
  bool listen_fds;
  berth_log_fn log_fn;
  void *log_data;
  int log_level;
  int log_fd;
};

berth_ctx *
berth_ctx_new (const char *state_root)
{
  berth_ctx *c = xcalloc (1, sizeof *c);
  c->root = xstrdup (state_root ? state_root : "/run/berth");
  c->log_level = -1;
  c->log_fd = -1;
  return c;
}

void
berth_ctx_free (berth_ctx *ctx)
{
  if (ctx == NULL)
    return;
  free (ctx->root);
  free (ctx);
}

void
berth_ctx_set_systemd_cgroup (berth_ctx *ctx, bool on)
{
  ctx->systemd_cgroup = on;
}

void
berth_ctx_set_log (berth_ctx *ctx, berth_log_fn fn, void *data, int max_level, int fd)
{
  ctx->log_fn = fn;
  ctx->log_data = data;
  ctx->log_level = max_level;
  ctx->log_fd = fd;
}

void
berth_ctx_set_listen_fds (berth_ctx *ctx, bool on)
{
  ctx->listen_fds = on;
}

const char *
berth_ctx_root (const berth_ctx *ctx)
{
  return ctx->root;
}

int
berth_error_errno (const berth_error *err)
{
  return err ? err->errnum : 0;
}

const char *
berth_error_message (const berth_error *err)
{
  return err ? err->msg : "";
}

/* ------------------------------------------------------- the call scope */

typedef struct
{
  struct sigaction sigpipe;
} call_scope;

static void
scope_enter (berth_ctx *ctx, call_scope *s)
{
  berth_log_set_sink (ctx->log_fn, ctx->log_data, ctx->log_level, ctx->log_fd);
  sigaction (SIGPIPE, NULL, &s->sigpipe);
}

/* Nothing of the call stays behind: the sink is the context's only
   during the call. */
static int
scope_leave (call_scope *s, int r)
{
  sigaction (SIGPIPE, &s->sigpipe, NULL);
  berth_log_set_sink (NULL, NULL, -1, -1);
  return r;
}

/* fds[i] >= 0 becomes fd i for the call; saved[] restores the caller's.
   The sources are copied first, so that one of them may be another of
   fds 0-2 (stdout as the container's stderr). */
static int
stdio_swap (const int fds[3], int saved[3], berth_error **err)
{
  int src[3] = { -1, -1, -1 }, r = 0;
  for (int i = 0; i < 3; i++)
    {
      saved[i] = -2; /* untouched */
      if (fds[i] >= 0 && fds[i] != i && (src[i] = fcntl (fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
        r = berth_fail_errno (err, "stdio: fd %d", fds[i]);
    }
  for (int i = 0; r == 0 && i < 3; i++)
    {
      if (src[i] < 0)
        continue;
      saved[i] = fcntl (i, F_DUPFD_CLOEXEC, 3); /* -1: it was closed */
      if (saved[i] < 0 && errno != EBADF)
        r = berth_fail_errno (err, "save fd %d", i);
      else if (dup2 (src[i], i) < 0)
        r = berth_fail_errno (err, "stdio: dup fd %d to %d", fds[i], i);
    }
  for (int i = 0; i < 3; i++)
    if (src[i] >= 0)
      close (src[i]);
  return r;
}

static void
stdio_restore (int saved[3])
{
  for (int i = 0; i < 3; i++)
    {
      if (saved[i] == -2)
        continue;
      if (saved[i] >= 0)
        {
          dup2 (saved[i], i);
          close (saved[i]);
        }
      else
        close (i);
    }
}

static bool
stdio_given (const int fds[3])
{
  return fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0;
}

/* ----------------------------------------------------------------- create */

berth_create_params
berth_create_params_init (void)
{
  return (berth_create_params){ .stdio = { -1, -1, -1 } };
}

/* The in-memory configuration as the text create stores, root.path the
   given rootfs.  A spec that does not decode is an invalid configuration. */
static char *
memory_config (const berth_create_params *p, size_t *len, berth_error **err)
{
  cleanup_free char *generated = NULL;
  const char *text = p->config_json;
  size_t tlen = p->config_json_len ? p->config_json_len : (text ? strlen (text) : 0);
  if (p->spec)
    {
      generated = oci_spec_generate (p->spec, 0, &tlen);
      if (generated == NULL)
        {
          berth_fail_kind (err, BERTH_ERR_INVALID_CONFIG, 0, "the spec cannot be encoded");
          return NULL;
        }
      text = generated;
    }
  if (p->rootfs == NULL)
    {
      berth_fail_kind (err, BERTH_ERR_INVALID_CONFIG, 0, "a spec in memory needs a rootfs");
      return NULL;
    }
  char *perr = NULL;
  oci_spec *spec = oci_spec_parse_data (text, tlen, "spec", &perr);
  if (spec == NULL)
    {
      berth_fail_take (err, 0, perr);
      berth_error_tag (err, BERTH_ERR_INVALID_CONFIG);
      return NULL;
    }
  if (spec->root == NULL)
    spec->root = oci_root_new ();
  free (spec->root->path);
  spec->root->path = realpath (p->rootfs, NULL);
  if (spec->root->path == NULL)
    {
      berth_fail_errno (err, "rootfs `%s`", p->rootfs);
      oci_spec_free (spec);
      return NULL;
    }
  char *out = oci_spec_generate (spec, 0, len);
  oci_spec_free (spec);
  if (out == NULL)
    berth_fail_kind (err, BERTH_ERR_INVALID_CONFIG, 0, "the spec cannot be encoded");
  return out;
}

/* "Give me the pty master": a listening socket in a private directory of
   the state root stands in for --console-socket. */
typedef struct
{
  char *dir, *path;
  int listener;
} console_catch;

static int
console_catch_open (const char *root, console_catch *cc, berth_error **err)
{
  cleanup_close int rootfd = berth_root_open (root, true, err);
  if (rootfd < 0)
    return -1;
  cc->dir = xasprintf ("%s/.console-XXXXXX", root);
  if (mkdtemp (cc->dir) == NULL)
    return berth_fail_errno (err, "mkdtemp %s", cc->dir);
  cc->path = xasprintf ("%s/sock", cc->dir);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (cc->path) >= sizeof sa.sun_path)
    return berth_fail (err, ENAMETOOLONG, "console socket %s", cc->path);
  strcpy (sa.sun_path, cc->path);
  cc->listener = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (cc->listener < 0 || bind (cc->listener, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (cc->listener, 1) < 0)
    return berth_fail_errno (err, "console socket %s", cc->path);
  return 0;
}

static int
console_catch_take (console_catch *cc, berth_error **err)
{
  cleanup_close int conn = accept4 (cc->listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (conn < 0)
    return berth_fail_errno (err, "the pty master was not sent");
  return berth_console_recv_fd (conn, err);
}

static void
console_catch_release (console_catch *cc)
{
  if (cc->listener >= 0)
    close (cc->listener);
  if (cc->path)
    unlink (cc->path);
  if (cc->dir)
    rmdir (cc->dir);
  free (cc->path);
  free (cc->dir);
}

static int
create_opts (berth_ctx *ctx, const berth_create_params *p, berth_create_opts *o, char **text, char **bundle,
             berth_error **err)
{
  int given = (p->bundle != NULL) + (p->spec != NULL) + (p->config_json != NULL);
  if (given != 1)
    return berth_fail (err, EINVAL, "give exactly one of a bundle, a spec or its JSON");
  *o = (berth_create_opts){ .root = ctx->root, .bundle = p->bundle, .console_socket = p->console_socket,
                            .pid_file = p->pid_file, .no_pivot = p->no_pivot, .no_new_keyring = p->no_new_keyring,
                            .systemd_cgroup = ctx->systemd_cgroup, .preserve_fds = p->preserve_fds,
                            .listen_fds = ctx->listen_fds };
  if (p->bundle)
    return 0;
  if ((*text = memory_config (p, &o->config_len, err)) == NULL)
    return -1;
  o->config_text = *text;
  if (p->bundle_dir)
    o->bundle = p->bundle_dir;
  else
    {
      *bundle = xstrdup (p->rootfs);
      char *slash = strrchr (*bundle, '/');
      if (slash == *bundle)
        slash[1] = '\0';
      else if (slash)
        *slash = '\0';
      else
        strcpy (*bundle, ".");
      o->bundle = *bundle;
    }
  return 0;
}

/* Create (and with run, start and maybe wait): the stdio and pty around
   the internal call. */
static int
create_or_run (berth_ctx *ctx, const char *id, const berth_create_params *p, bool run, bool detach, bool keep,
               int *status, berth_error **err)
{
  call_scope s;
  scope_enter (ctx, &s);
  cleanup_free char *text = NULL, *bundle = NULL;
  berth_create_opts o;
  if (create_opts (ctx, p, &o, &text, &bundle, err) < 0)
    return scope_leave (&s, -1);
  console_catch cc = { .listener = -1 };
  int r = 0;
  if (p->console_master)
    {
      *p->console_master = -1;
      if (p->console_socket)
        r = berth_fail (err, EINVAL, "give a console socket or ask for the pty master, not both");
      else if ((r = console_catch_open (ctx->root, &cc, err)) == 0)
        o.console_socket = cc.path;
    }
  int saved[3] = { -2, -2, -2 };
  if (r == 0 && stdio_given (p->stdio))
    r = stdio_swap (p->stdio, saved, err);
  if (r == 0)
    r = run ? berth_container_run (id, &o, detach, keep, status, err) : berth_container_create (id, &o, err);
  stdio_restore (saved);
  if (r == 0 && p->console_master)
    {
      int m = console_catch_take (&cc, err);
      if (m < 0)
        {
          cleanup_error berth_error *ignored = NULL;
          berth_container_delete (ctx->root, id, true, &ignored);
          r = -1;
        }
      else
        *p->console_master = m;
    }
  console_catch_release (&cc);
  return scope_leave (&s, r);
}

int
berth_create (berth_ctx *ctx, const char *id, const berth_create_params *p, berth_error **err)
{
  return create_or_run (ctx, id, p, false, false, false, NULL, err);
}

int
berth_run (berth_ctx *ctx, const char *id, const berth_create_params *p, bool detach, bool keep, int *status,
           berth_error **err)
{
  int ignored = 0;
  return create_or_run (ctx, id, p, true, detach, keep, status ? status : &ignored, err);
}

/* -------------------------------------------- the thin lifecycle verbs */

#define IN_SCOPE(ctx, call)                                                                                           \
  ({                                                                                                                  \
    call_scope s_;                                                                                                    \
    scope_enter ((ctx), &s_);                                                                                         \
    scope_leave (&s_, (call));                                                                                        \
  })

int
berth_start (berth_ctx *ctx, const char *id, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_start (ctx->root, id, err));
}

int
berth_kill (berth_ctx *ctx, const char *id, int signo, bool all, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_kill (ctx->root, id, signo, all, err));
}

int
berth_delete (berth_ctx *ctx, const char *id, bool force, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_delete (ctx->root, id, force, err));
}

int
berth_pause (berth_ctx *ctx, const char *id, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_pause (ctx->root, id, err));
}

int
berth_resume (berth_ctx *ctx, const char *id, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_resume (ctx->root, id, err));
}

int
berth_find (berth_ctx *ctx, const char *id, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_find (ctx->root, id, err));
}

int
berth_pids (berth_ctx *ctx, const char *id, pid_t **pids, size_t *n, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_pids (ctx->root, id, pids, n, err));
}

bool
berth_alive (berth_ctx *ctx, const char *id)
{
  return IN_SCOPE (ctx, berth_container_alive (ctx->root, id));
}

char *
berth_state_json (berth_ctx *ctx, const char *id, berth_error **err)
{
  call_scope s;
  scope_enter (ctx, &s);
  char *doc = berth_container_state (ctx->root, id, err);
  scope_leave (&s, 0);
  return doc;
}

int
berth_list_ids (berth_ctx *ctx, char ***ids, size_t *n, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_list_ids (ctx->root, ids, n, err));
}

void
berth_strv_free (char **v)
{
  strv_free (v);
}

static char *
dup_or_empty (const char *s)
{
  return xstrdup (s ? s : "");
}

int
berth_list (berth_ctx *ctx, berth_container_info **out, size_t *n, berth_error **err)
{
  berth_list_entry *l = NULL;
  *out = NULL;
  *n = 0;
  if (IN_SCOPE (ctx, berth_container_list (ctx->root, &l, n, err)) < 0)
    return -1;
  berth_container_info *v = xcalloc (*n + 1, sizeof *v);
  for (size_t i = 0; i < *n; i++)
    {
      const berth_state *st = l[i].state;
      v[i] = (berth_container_info){ .id = dup_or_empty (st->id), .status = l[i].status,
                                     .pid = l[i].status == BERTH_STATUS_STOPPED ? 0 : (pid_t) st->pid,
                                     .bundle = dup_or_empty (st->bundle), .rootfs = dup_or_empty (st->rootfs),
                                     .created = dup_or_empty (st->created), .owner = dup_or_empty (st->owner) };
    }
  berth_list_free (l, *n);
  *out = v;
  return 0;
}

void
berth_info_free (berth_container_info *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    {
      free (v[i].id);
      free (v[i].bundle);
      free (v[i].rootfs);
      free (v[i].created);
      free (v[i].owner);
    }
  free (v);
}

/* ------------------------------------------------- exit, OOM, statistics */

/* The recorded state of id, read as `state` reads it. */
static berth_state *
read_recorded (berth_ctx *ctx, const char *id, berth_status *status, berth_error **err)
{
  cleanup_close int rootfd = berth_root_open (ctx->root, false, err);
  if (rootfd < 0)
    return NULL;
  bool locked = false;
  cleanup_close int dirfd = berth_state_dir_open_reader (rootfd, id, BERTH_READER_WAIT_MS, &locked, err);
  if (dirfd < 0)
    return NULL;
  berth_state *st = berth_state_read (dirfd, id, err);
  if (st && status)
    *status = berth_state_status (dirfd, st);
  return st;
}

int
berth_init_pidfd (berth_ctx *ctx, const char *id, berth_error **err)
{
  call_scope s;
  scope_enter (ctx, &s);
  berth_status status;
  berth_state *st = read_recorded (ctx, id, &status, err);
  if (st == NULL)
    return scope_leave (&s, -1);
  int fd = -1;
  if (status == BERTH_STATUS_STOPPED || st->pid <= 0)
    berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", id);
  else if ((fd = (int) syscall (SYS_pidfd_open, (pid_t) st->pid, 0)) < 0)
    berth_fail_errno (err, "pidfd_open %lld", (long long) st->pid);
  else if (!berth_state_init_alive (st))
    {
      /* The pid was reused between the read and the open. */
      close (fd);
      fd = -1;
      berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", id);
    }
  berth_state_free (st);
  return scope_leave (&s, fd);
}

int
berth_oom_killed (berth_ctx *ctx, const char *id, berth_error **err)
{
  call_scope s;
  scope_enter (ctx, &s);
  berth_state *st = read_recorded (ctx, id, NULL, err);
  if (st == NULL)
    return scope_leave (&s, -1);
  cleanup_cgroup berth_cgroup *cg = berth_state_cgroup (st);
  berth_state_free (st);
  return scope_leave (&s, cg && berth_cgroup_oom_killed (cg) ? 1 : 0);
}

berth_oom_watch *
berth_oom_watch_container (berth_ctx *ctx, const char *id, berth_error **err)
{
  call_scope s;
  scope_enter (ctx, &s);
  cleanup_cgroup berth_cgroup *cg = berth_container_cgroup (ctx->root, id, err);
  berth_oom_watch *ow = cg ? berth_oom_watch_open (cg, err) : NULL;
  scope_leave (&s, 0);
  return ow;
}

char *
berth_stats_json (berth_ctx *ctx, const char *id, berth_error **err)
{
  call_scope s;
  scope_enter (ctx, &s);
  cleanup_cgroup berth_cgroup *cg = berth_container_cgroup (ctx->root, id, err);
  char *doc = NULL;
  if (cg)
    {
      oci_jw *w = oci_jw_new (0);
      berth_cgroup_stats_write (cg, w);
      doc = oci_jw_finish (w, NULL);
      if (doc == NULL)
        berth_fail (err, 0, "the statistics cannot be encoded");
    }
  scope_leave (&s, 0);
  return doc;
}

/* ------------------------------------------------------------------ update */

int
berth_update (berth_ctx *ctx, const char *id, const struct oci_resources *res, berth_error **err)
{
  return IN_SCOPE (ctx, berth_container_update (ctx->root, id, res, err));
}

int
berth_update_json (berth_ctx *ctx, const char *id, const char *json, size_t len, berth_error **err)
{
  char *perr = NULL;
  oci_resources *r = oci_resources_parse_data (json, len ? len : strlen (json), "resources", &perr);
  if (r == NULL)
    {
      berth_fail_take (err, 0, perr);
      return berth_error_tag (err, BERTH_ERR_INVALID_CONFIG);
    }
  int rc = berth_update (ctx, id, r, err);
  oci_resources_free (r);
  return rc;
}

/* -------------------------------------------------------------------- exec */

berth_exec_params
berth_exec_params_init (void)
{
  return (berth_exec_params){ .stdio = { -1, -1, -1 } };
}

int
berth_exec_process (berth_ctx *ctx, const char *id, const berth_exec_params *p, pid_t *pid, int *pidfd, int *status,
            berth_error **err)
{
  if (p->process_json && p->process_file)
    return berth_fail (err, EINVAL, "exec: give the process as JSON text or as a file, not both");
  pid_t started = 0;
  berth_exec_opts o = { .root = ctx->root, .process_file = p->process_file, .args = p->args, .nargs = p->nargs,
                        .cwd = p->cwd, .env = p->env, .nenv = p->nenv, .user_set = p->user_set,
                        .gid_set = p->gid_set, .uid = p->uid, .gid = p->gid,
                        .additional_gids = p->additional_gids, .nadditional_gids = p->nadditional_gids,
                        .caps = p->caps, .ncaps = p->ncaps, .no_new_privs = p->no_new_privs,
                        .apparmor = p->apparmor, .process_label = p->process_label, .tty = p->tty,
                        .console_socket = p->console_socket, .detach = p->detach, .pid_file = p->pid_file,
                        .preserve_fds = p->preserve_fds, .cgroups = p->cgroups, .ncgroups = p->ncgroups,
                        .ignore_paused = p->ignore_paused, .pid_out = &started };
  /* JSON text: read back through an anonymous file. */
  cleanup_close int memfd = -1;
  cleanup_free char *memfd_path = NULL;
  if (p->process_json)
    {
      memfd = memfd_create ("berth-process", MFD_CLOEXEC);
      if (memfd < 0 || write_all (memfd, p->process_json, strlen (p->process_json)) < 0)
        return berth_fail_errno (err, "exec: the process JSON");
      o.process_file = memfd_path = xasprintf ("/proc/self/fd/%d", memfd);
    }
  call_scope s;
  scope_enter (ctx, &s);
  int saved[3] = { -2, -2, -2 }, ignored = 0;
  int r = stdio_given (p->stdio) ? stdio_swap (p->stdio, saved, err) : 0;
  if (r == 0)
    r = berth_exec (id, &o, status ? status : &ignored, err);
  stdio_restore (saved);
  if (r == 0 && pid)
    *pid = started;
  if (r == 0 && pidfd)
    {
      *pidfd = p->detach ? (int) syscall (SYS_pidfd_open, started, 0) : -1;
      if (p->detach && *pidfd < 0)
        r = berth_fail_errno (err, "exec: pidfd_open %d", (int) started);
    }
  return scope_leave (&s, r);
}

/* ------------------------------------------------------------------- other */

char *
berth_features_json (berth_error **err)
{
  oci_features *f = berth_features ();
  char *text = oci_features_generate (f, OCI_JW_PRETTY, NULL);
  oci_features_free (f);
  if (text == NULL)
    berth_fail (err, 0, "features: cannot generate the document");
  return text;
}
