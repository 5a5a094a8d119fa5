/* libberth's public API: what a program that owns containers (the berth
 * CLI, dock-shim) may call.  Everything else in src/libberth is internal.
 *
 * Ownership: a function that returns a pointer or an fd hands it to the
 * caller, who frees it with the matching *_free (char * with free(3), fds
 * with close(2)).  Pointers passed in are only borrowed for the call.
 * Errors: functions return -1 (or NULL) and set *err (when err is not NULL)
 * to a new berth_error, freed with berth_error_free; *err must be NULL on
 * entry.
 * Threads: none.  A berth_ctx and libberth as a whole are not thread-safe:
 * call from one thread at a time (the log sink is process-wide, and create
 * and exec move fds 0-2 for the duration of the call).
 * Fork-safety: libberth forks and clones its own helpers; in those children
 * it only calls async-signal-safe code and the log callback (which must
 * therefore not take locks another thread may hold).  A caller that forks
 * must not use a berth_ctx in the child.
 * Signals: no call changes the signal mask or a disposition for good.
 * berth_run and a foreground berth_exec block SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and SIGPIPE while they wait (to pass
 * them on) and restore the mask; calls that run hooks ignore SIGPIPE while
 * they run and restore its disposition.
 * Environment: read only where an option asks for it (listen_fds). */
#ifndef BERTH_BERTH_H
#define BERTH_BERTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* libocispec's types, for callers that build a spec in memory. */
struct oci_spec;
struct oci_resources;

/* ------------------------------------------------------------------ errors */

/* What went wrong, for callers that act on it.  Every kind but OTHER puts
   runc's phrase (berth_error_kind_phrase) in the message. */
typedef enum
{
  BERTH_ERR_OTHER = 0,
  BERTH_ERR_NOT_FOUND,      /* "container does not exist" */
  BERTH_ERR_EXISTS,         /* "container with given ID already exists" */
  BERTH_ERR_NOT_RUNNING,    /* "container not running" */
  BERTH_ERR_PAUSED,         /* "container paused" */
  BERTH_ERR_NOT_PAUSED,     /* "container not paused" */
  BERTH_ERR_STILL_RUNNING,  /* "container still running" */
  BERTH_ERR_INVALID_ID,     /* "invalid container ID format" */
  BERTH_ERR_INVALID_CONFIG, /* "invalid configuration" */
  BERTH_ERR_PERMISSION,     /* "permission denied" */
} berth_error_kind;

typedef struct berth_error berth_error;

/* The kind (BERTH_ERR_PERMISSION for an untagged EPERM or EACCES). */
berth_error_kind berth_error_kind_of (const berth_error *err);
/* The errno behind it, 0 when the message says it all. */
int berth_error_errno (const berth_error *err);
/* The message without strerror (owned by err). */
const char *berth_error_message (const berth_error *err);
/* "message" or "message: strerror(errno)"; the caller frees it. */
char *berth_error_text (const berth_error *err);
/* runc's words for a kind ("" for OTHER). */
const char *berth_error_kind_phrase (berth_error_kind kind);
void berth_error_free (berth_error *err);
void berth_error_freep (berth_error **err);
/* For callers that report their own failures in the same type: record an
   error unless one is recorded (returns -1), and prefix context to one. */
int berth_fail (berth_error **err, int errnum, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
int berth_error_wrap (berth_error **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* ----------------------------------------------------------------- context */

typedef enum
{
  BERTH_LOG_ERROR,
  BERTH_LOG_WARNING,
  BERTH_LOG_INFO,
  BERTH_LOG_DEBUG,
} berth_log_level;

/* One log message (no newline; msg is valid for the call only).  Also
   called in libberth's children before they exec (see Fork-safety). */
typedef void (*berth_log_fn) (void *data, int level, const char *msg);

typedef struct berth_ctx berth_ctx;

/* state_root: where container state lives (NULL: /run/berth); copied. */
berth_ctx *berth_ctx_new (const char *state_root);
void berth_ctx_free (berth_ctx *ctx);
/* Manage cgroups through systemd (cgroupsPath slice:prefix:name). */
void berth_ctx_set_systemd_cgroup (berth_ctx *ctx, bool on);
/* Messages up to max_level go to fn; without a sink nothing is logged
   (libberth never writes to fd 2 itself).  fd: the descriptor fn writes to
   when it is not 0-2 (a log file), else -1: libberth keeps it open in its
   children until they exec, and refuses to pass it to a container. */
void berth_ctx_set_log (berth_ctx *ctx, berth_log_fn fn, void *data, int max_level, int fd);
/* systemd socket activation: when LISTEN_PID is our pid, pass fds 3..
   3+LISTEN_FDS-1 on to a created container, as runc does.  Off by default. */
void berth_ctx_set_listen_fds (berth_ctx *ctx, bool on);
const char *berth_ctx_root (const berth_ctx *ctx);

/* ----------------------------------------------------------------- create */

typedef struct
{
  /* The configuration: exactly one of bundle (a directory with
     config.json), spec (libocispec's decoded form) or config_json. */
  const char *bundle;
  const struct oci_spec *spec;
  const char *config_json;
  size_t config_json_len;       /* 0: strlen */
  /* With spec or config_json: the root filesystem (replaces root.path),
     and the directory recorded as the bundle (NULL: rootfs's parent). */
  const char *rootfs;
  const char *bundle_dir;
  /* The container's stdio: fds that become its 0, 1, 2 (-1: the caller's
     own).  With process.terminal, instead either console_socket (a path
     that receives the pty master) or console_master (set to the master,
     which the caller then owns; with berth_run only when detached). */
  int stdio[3];
  const char *console_socket;
  int *console_master;
  int preserve_fds;             /* fds 3 .. 3+N-1 passed on */
  const char *pid_file;         /* the init's pid, written atomically */
  bool no_pivot;
  bool no_new_keyring;
} berth_create_params;

/* A params value with stdio = -1 and everything else unset. */
berth_create_params berth_create_params_init (void);

/* Create the container: its init waits for berth_start.  The init is a
   child of the caller (reap it, or be a subreaper). */
int berth_create (berth_ctx *ctx, const char *id, const berth_create_params *p, berth_error **err);
int berth_start (berth_ctx *ctx, const char *id, berth_error **err);
/* create + start; unless detach, wait with signals passed on (see Signals),
   set *status (128+N for signal N) and delete the container unless keep. */
int berth_run (berth_ctx *ctx, const char *id, const berth_create_params *p, bool detach, bool keep, int *status,
               berth_error **err);
int berth_kill (berth_ctx *ctx, const char *id, int signo, bool all, berth_error **err);
/* force: a live container is killed first, and its init reaped if it is
   the caller's child (wait for it through berth_init_pidfd before, to keep
   its status). */
int berth_delete (berth_ctx *ctx, const char *id, bool force, berth_error **err);
int berth_pause (berth_ctx *ctx, const char *id, berth_error **err);
int berth_resume (berth_ctx *ctx, const char *id, berth_error **err);

/* ------------------------------------------------------------------- state */

typedef enum
{
  BERTH_STATUS_CREATING,
  BERTH_STATUS_CREATED,
  BERTH_STATUS_RUNNING,
  BERTH_STATUS_PAUSED,
  BERTH_STATUS_STOPPED,
} berth_status;
/* "creating", "created", "running", "paused", "stopped". */
const char *berth_status_name (berth_status s);

/* The runtime-spec state document (JSON, what `berth state` prints). */
char *berth_state_json (berth_ctx *ctx, const char *id, berth_error **err);

typedef struct
{
  char *id;
  berth_status status;
  pid_t pid;          /* 0 once stopped */
  char *bundle;
  char *rootfs;
  char *created;      /* RFC 3339 */
  char *owner;
} berth_container_info;
/* Every container under the root, sorted by id; never waits for a lock (a
   create in progress is listed as creating).  Free with berth_info_free. */
int berth_list (berth_ctx *ctx, berth_container_info **out, size_t *n, berth_error **err);
void berth_info_free (berth_container_info *v, size_t n);
/* Only the ids (no state read); free with berth_strv_free. */
int berth_list_ids (berth_ctx *ctx, char ***ids, size_t *n, berth_error **err);
void berth_strv_free (char **v);
/* 0 if there is a container (or a create in progress) named id. */
int berth_find (berth_ctx *ctx, const char *id, berth_error **err);
/* The pids in the container's cgroup (free(3) *pids). */
int berth_pids (berth_ctx *ctx, const char *id, pid_t **pids, size_t *n, berth_error **err);

/* ------------------------------------------------- exit, OOM, statistics */

/* A pidfd (O_CLOEXEC) of the container's init, checked to be the init
   recorded at create: poll it for the exit, waitid(P_PIDFD) it when the
   caller is its parent or subreaper. */
int berth_init_pidfd (berth_ctx *ctx, const char *id, berth_error **err);
/* After the exit: whether the kernel's OOM killer acted in the container's
   cgroup (1 yes, 0 no, -1 error). */
int berth_oom_killed (berth_ctx *ctx, const char *id, berth_error **err);
/* OOM notification while it runs: poll berth_oom_watch_fd for POLLIN, then
   berth_oom_watch_read gives the new OOM kills (*gone: the cgroup went). */
typedef struct berth_oom_watch berth_oom_watch;
berth_oom_watch *berth_oom_watch_container (berth_ctx *ctx, const char *id, berth_error **err);
int berth_oom_watch_fd (const berth_oom_watch *ow);
uint64_t berth_oom_watch_read (berth_oom_watch *ow, bool *gone);
void berth_oom_watch_close (berth_oom_watch *ow);
/* The cgroup statistics as `berth events --stats` prints them in "data". */
char *berth_stats_json (berth_ctx *ctx, const char *id, berth_error **err);
/* True while the container exists and has not stopped. */
bool berth_alive (berth_ctx *ctx, const char *id);

/* ------------------------------------------------------------------ update */

/* New limits for a live container: libocispec's decoded linux.resources,
   or its JSON text (len 0: strlen). */
int berth_update (berth_ctx *ctx, const char *id, const struct oci_resources *res, berth_error **err);
int berth_update_json (berth_ctx *ctx, const char *id, const char *json, size_t len, berth_error **err);

/* -------------------------------------------------------------------- exec */

typedef struct
{
  /* Either the whole process as runtime-spec JSON (text, or a file)... */
  const char *process_json;
  const char *process_file;
  /* ...or the container's own process with args replaced and these
     changes. */
  char **args;
  size_t nargs;
  const char *cwd;
  char **env; /* KEY=VALUE: added or replacing */
  size_t nenv;
  bool user_set, gid_set;
  uint32_t uid, gid;
  uint32_t *additional_gids;
  size_t nadditional_gids;
  char **caps;
  size_t ncaps;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;

  bool tty;
  const char *console_socket;
  int stdio[3];               /* as for create (-1: the caller's own) */
  bool detach;                /* return once it runs (else wait, see Signals) */
  const char *pid_file;
  int preserve_fds;
  char **cgroups;             /* [CONTROLLER:]PATH sub-cgroups */
  size_t ncgroups;
  bool ignore_paused;
} berth_exec_params;

berth_exec_params berth_exec_params_init (void);
/* Run a process in the container.  Detached: *pid (and *pidfd when not
   NULL, O_CLOEXEC) name it; it is the caller's child.  Otherwise *status
   is its exit status (128+N for signal N). */
int berth_exec_process (berth_ctx *ctx, const char *id, const berth_exec_params *p, pid_t *pid, int *pidfd, int *status,
                        berth_error **err);

/* ------------------------------------------------------------------- other */

/* "SIGKILL", "KILL", "9" -> 9; -1 if unknown. */
int berth_signal_from_name (const char *name);
/* The runtime-spec features document (JSON, pretty). */
char *berth_features_json (berth_error **err);
/* "+SECCOMP +CAP ..." of this build. */
const char *berth_build_features (void);
/* libseccomp's version ("2.5.4"), loading the library (see seccomp_lib.h);
   NULL, with *err set, when it cannot be loaded. */
const char *berth_seccomp_version (berth_error **err);
/* Write a default config.json into bundle_dir. */
int berth_spec_write (const char *bundle_dir, bool rootless, berth_error **err);
/* For a program that execs into containers: call first in main.  It may
   re-execute argv from a sealed copy of the binary (CVE-2019-5736), and
   reads only the environment variable it sets itself for that. */
int berth_protect_exe (char **argv, berth_error **err);

#endif
