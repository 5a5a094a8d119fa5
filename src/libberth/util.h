/* Small helpers shared by every part of libberth: cleanup attributes,
   allocation that aborts on exhaustion, and file I/O that retries EINTR. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"
#include "json.h"

#define xmalloc oci_xmalloc
#define xcalloc oci_xcalloc
#define xrealloc oci_xrealloc
#define xstrdup oci_xstrdup
#define xstrndup oci_xstrndup
#define xasprintf oci_xasprintf

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

static inline void freep (void *p) { free (*(void **) p); }
static inline void closep (int *fd) { if (*fd >= 0) close (*fd); *fd = -1; }
static inline void fclosep (FILE **f) { if (*f) fclose (*f); *f = NULL; }
static inline void closedirp (DIR **d) { if (*d) closedir (*d); *d = NULL; }
void strv_freep (char ***v);
void strv_free (char **v);

#define cleanup_free __attribute__ ((cleanup (freep)))
#define cleanup_close __attribute__ ((cleanup (closep)))
#define cleanup_fclose __attribute__ ((cleanup (fclosep)))
#define cleanup_closedir __attribute__ ((cleanup (closedirp)))
#define cleanup_strv __attribute__ ((cleanup (strv_freep)))
#define cleanup_error __attribute__ ((cleanup (berth_error_freep)))

/* Hand ownership on: returns the value and clears the variable, so the
   cleanup attribute on the variable no longer frees it. */
#define steal_pointer(pp) ({ __typeof__ (*(pp)) v_ = *(pp); *(pp) = NULL; v_; })
#define steal_fd(fdp) ({ int fd_ = *(fdp); *(fdp) = -1; fd_; })

/* Whole-file helpers; paths are opened O_CLOEXEC and reads retry EINTR. */
int read_all_fd (int fd, char **out, size_t *len, berth_error **err);
int read_file_at (int dirfd, const char *path, char **out, size_t *len, berth_error **err);
int write_all (int fd, const void *buf, size_t len);
/* Write dir/name via a temporary file and rename(2), so that a reader sees
   the old or the new content, never a torn one. */
int write_file_atomic_at (int dirfd, const char *name, const void *buf, size_t len, int mode, berth_error **err);
/* Whether write_file_atomic_at fsyncs before the rename (default yes).  The
   state root says no when it is a tmpfs, where fsync has nothing to do. */
void write_file_atomic_set_fsync (bool on);

/* mkdir -p: path (leaf_mode) and each missing parent (parents_mode); an
   existing directory is no error.  Returns 0, or -1 with errno and
   *failed naming the directory that could not be made (caller frees). */
int mkdir_parents (const char *path, mode_t parents_mode, mode_t leaf_mode, char **failed);

/* A DIR stream on the directory dirfd names, through an fd of its own
   (O_CLOEXEC; its own offset, so every stream starts at the first entry,
   and dirfd stays the caller's); NULL with errno. */
DIR *opendir_fd (int dirfd);

/* One sendmsg/recvmsg of buf with at most one fd as SCM_RIGHTS (fd < 0:
   none); retry EINTR, never raise SIGPIPE.  recv_with_fd sets *fd to the fd
   received (O_CLOEXEC) or -1. */
ssize_t send_with_fd (int sock, const void *buf, size_t len, int fd);
ssize_t recv_with_fd (int sock, void *buf, size_t len, int *fd);
/* A connected AF_UNIX SOCK_STREAM socket (O_CLOEXEC), or -1 with errno. */
int unix_stream_connect (const char *path);

/* --pid-file: the pid written to path atomically. */
int berth_write_pid_file (const char *path, pid_t pid, berth_error **err);

/* The current UTC time as RFC 3339 with nanoseconds ("...T12:00:00.123456789Z"). */
void rfc3339_now (char *buf, size_t size);

/* The name of the host user uid, read from /etc/passwd itself, NSS only
   for a user not found there (so the common case reads no nsswitch.conf
   and asks no nscd); NULL if unknown.  Caller frees. */
char *host_user_name (uid_t uid);

/* Close every fd from 3 up but those in keep (n of them; negative entries
   are ignored).  For a process about to run what the container controls:
   whatever the caller left open, even close-on-exec, is reachable through
   /proc/PID/fd until execve. */
void close_fds_except (const int *keep, size_t n);

bool str_has_prefix (const char *s, const char *prefix);
/* Parse a decimal integer that must fill the whole string. */
int parse_uint64 (const char *s, unsigned long long *out);

#endif
