/* seccomp: the name tables (actions, operators, architectures, flags) that
   the filter builder, `features` and the docs share; compiling
   linux.seccomp into a BPF program in the runtime, loading it in the init,
   and handing a SCMP_ACT_NOTIFY listener to the agent at listenerPath. */
#ifndef BERTH_SECCOMP_H
#define BERTH_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "error.h"
#include "runtime_spec.h"

typedef struct
{
  const char *name;  /* "SCMP_ACT_ERRNO" */
  uint32_t action;   /* SCMP_ACT_*, before an errno/trace value is or'ed in */
} berth_seccomp_action;

typedef struct
{
  const char *name; /* "SCMP_CMP_EQ" */
  int op;           /* enum scmp_compare */
} berth_seccomp_operator;

typedef struct
{
  const char *name;  /* "SECCOMP_FILTER_FLAG_LOG" */
  unsigned int flag; /* SECCOMP_FILTER_FLAG_* */
} berth_seccomp_flag;

extern const berth_seccomp_action berth_seccomp_actions[];
extern const size_t berth_seccomp_nactions;
extern const berth_seccomp_operator berth_seccomp_operators[];
extern const size_t berth_seccomp_noperators;
extern const char *const berth_seccomp_spec_archs[]; /* every name the spec lists */
extern const size_t berth_seccomp_nspec_archs;
extern const berth_seccomp_flag berth_seccomp_flags[];
extern const size_t berth_seccomp_nflags;

/* The libseccomp token of an SCMP_ARCH_* name, or 0 if libseccomp does not know it. */
uint32_t berth_seccomp_arch_token (const char *name);
/* Does the running kernel accept this filter flag? */
bool berth_seccomp_flag_supported (unsigned int flag);

/* When the init loads the filter (see berth_seccomp_compile). */
typedef enum
{
  BERTH_SECCOMP_BEFORE_IDENTITY, /* without no_new_privs: needs CAP_SYS_ADMIN, so before dropping it */
  BERTH_SECCOMP_BEFORE_READY,    /* a listener fd must reach the runtime while `create` runs */
  BERTH_SECCOMP_BEFORE_EXEC,     /* everything else: the last step before execve */
} berth_seccomp_when;

typedef struct
{
  struct sock_filter *insns; /* the BPF program */
  unsigned short len;
  unsigned int flags; /* for seccomp(SECCOMP_SET_MODE_FILTER) */
  bool notify;        /* SECCOMP_FILTER_FLAG_NEW_LISTENER: the fd goes to listenerPath */
  berth_seccomp_when when;
  uint8_t key[32]; /* the cache key of the profile it came from (see seccomp_cache.c) */
} berth_seccomp_filter;

/* Check and compile linux.seccomp of s; *out is NULL when there is none.
   Every error names the config field. */
int berth_seccomp_compile (const oci_spec *s, berth_seccomp_filter **out, berth_error **err);
/* berth_seccomp_compile through the compiled-filter cache under the state
   root rootfd (<root>/.seccomp-cache): a profile seen before is not
   compiled again.  The cache is an optimisation only: when it cannot be
   read or written the profile is compiled as without it. */
int berth_seccomp_prepare (const oci_spec *s, int rootfd, berth_seccomp_filter **out, berth_error **err);
/* Keep f with the container (<dir>/seccomp.bpf, a hard link to the cache
   entry where possible), so that exec loads the very program the init
   loaded. */
int berth_seccomp_keep (const berth_seccomp_filter *f, int rootfd, int dirfd, berth_error **err);
/* The container's filter for exec: the kept program, else prepared again. */
int berth_seccomp_for_exec (const oci_spec *s, int rootfd, int dirfd, berth_seccomp_filter **out,
                            berth_error **err);

/* The cache itself (seccomp_cache.c).  Entries are <hex key>: a header
   (magic, key, flags, length, SHA-256 of the program) and the program.
   At most BERTH_SECCOMP_CACHE_MAX_ENTRIES entries and
   BERTH_SECCOMP_CACHE_MAX_BYTES bytes are kept, the least recently used
   going first. */
#define BERTH_SECCOMP_CACHE_DIR ".seccomp-cache"
#define BERTH_SECCOMP_CACHE_MAX_ENTRIES 64
#define BERTH_SECCOMP_CACHE_MAX_BYTES (4u << 20)
#define BERTH_SECCOMP_KEPT_FILE "seccomp.bpf"
/* The key of a profile: SHA-256 of its canonical encoding, berth's and
   libseccomp's versions and the kernel (which decides the flags). */
void berth_seccomp_cache_key (const oci_seccomp *sec, uint8_t key[32]);
/* A checked entry of the cache, or NULL (missing, corrupt, truncated). */
berth_seccomp_filter *berth_seccomp_cache_get (int rootfd, const uint8_t key[32]);
/* Store f under its key (temp file and rename), then trim the cache. */
int berth_seccomp_cache_put (int rootfd, const berth_seccomp_filter *f, berth_error **err);
/* Read a program file (an entry or a kept copy) at dirfd/name; with key
   non-NULL the entry must be for that key. */
berth_seccomp_filter *berth_seccomp_file_read (int dirfd, const char *name, const uint8_t *key);
int berth_seccomp_file_write (int dirfd, const char *name, const berth_seccomp_filter *f, berth_error **err);
void berth_seccomp_filter_free (berth_seccomp_filter *f);
/* In the init: install the filter; with a listener, pass its fd to the
   runtime over sync_fd (SYNC_SECCOMP_FD). */
int berth_seccomp_load (const berth_seccomp_filter *f, int sync_fd, berth_error **err);
/* berth_seccomp_load if there is a filter and its time is `when`. */
int berth_seccomp_load_at (const berth_seccomp_filter *f, berth_seccomp_when when, int sync_fd, berth_error **err);
/* In the runtime: send the listener fd and the container process state to
   linux.seccomp.listenerPath, as the runtime-spec says. */
int berth_seccomp_send_to_listener (const oci_spec *s, int listener_fd, const char *id, pid_t pid,
                                    const char *bundle, const char *status, pid_t init_pid, berth_error **err);

#endif
