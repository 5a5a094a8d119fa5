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
} berth_seccomp_filter;

/* Check and compile linux.seccomp of s; *out is NULL when there is none.
   Every error names the config field. */
int berth_seccomp_compile (const oci_spec *s, berth_seccomp_filter **out, berth_error **err);
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
