/* libseccomp, opened with dlopen when a config first needs it.  Most
   containers of a plain `berth run` have no linux.seccomp, and linking
   libseccomp made every berth start map it, relocate it and fault its
   pages in (about 70 KiB of the peak RSS).  Its functions are called
   through berth_scmp, valid once berth_libseccomp_open succeeded. */
#pragma once

#include "error.h"

#include <seccomp.h>

typedef struct
{
  const struct scmp_version *(*version) (void);
  scmp_filter_ctx (*init) (uint32_t def_action);
  void (*release) (scmp_filter_ctx ctx);
  int (*arch_add) (scmp_filter_ctx ctx, uint32_t arch_token);
  int (*arch_exist) (const scmp_filter_ctx ctx, uint32_t arch_token);
  uint32_t (*arch_native) (void);
  uint32_t (*arch_resolve_name) (const char *arch_name);
  int (*syscall_resolve_name) (const char *name);
  int (*syscall_resolve_name_arch) (uint32_t arch_token, const char *name);
  int (*rule_add_array) (scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                         const struct scmp_arg_cmp *arg_array);
  int (*export_bpf) (const scmp_filter_ctx ctx, int fd);
} berth_libseccomp;

extern berth_libseccomp berth_scmp;

/* Load libseccomp (once; later calls return at once): 0, or -1 with an
   error saying it could not be loaded. */
int berth_libseccomp_open (berth_error **err);

/* Public (include/berth/berth.h): libseccomp's version, loading it. */
const char *berth_seccomp_version (berth_error **err);
