#include "config.h"

#include "seccomp.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#ifndef SCMP_ACT_KILL_PROCESS
#define SCMP_ACT_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

const berth_seccomp_action berth_seccomp_actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0) },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0) },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};
const size_t berth_seccomp_nactions = ARRAY_SIZE (berth_seccomp_actions);

const berth_seccomp_operator berth_seccomp_operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },          { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },          { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },          { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};
const size_t berth_seccomp_noperators = ARRAY_SIZE (berth_seccomp_operators);

const char *const berth_seccomp_spec_archs[] = {
  "SCMP_ARCH_X86",       "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",   "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",      "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",    "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",      "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",     "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",      "SCMP_ARCH_S390X",     "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",
  "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64",
};
const size_t berth_seccomp_nspec_archs = ARRAY_SIZE (berth_seccomp_spec_archs);

const berth_seccomp_flag berth_seccomp_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};
const size_t berth_seccomp_nflags = ARRAY_SIZE (berth_seccomp_flags);

uint32_t
berth_seccomp_arch_token (const char *name)
{
  if (!str_has_prefix (name, "SCMP_ARCH_"))
    return 0;
  /* libseccomp names its architectures in lower case without the prefix. */
  char lower[32];
  const char *s = name + strlen ("SCMP_ARCH_");
  size_t i;
  for (i = 0; s[i] && i < sizeof lower - 1; i++)
    lower[i] = (char) tolower ((unsigned char) s[i]);
  lower[i] = '\0';
  return seccomp_arch_resolve_name (lower);
}

bool
berth_seccomp_flag_supported (unsigned int flag)
{
  /* With a NULL program the kernel checks the flags first: EFAULT means it
     understood them, EINVAL that it did not.  Nothing is installed. */
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL);
  return r < 0 && errno == EFAULT;
}
