/* seccomp: the name tables (actions, operators, architectures, flags) that
   the filter builder, `features` and the docs share. */
#ifndef BERTH_SECCOMP_H
#define BERTH_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
