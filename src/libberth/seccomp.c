#include "config.h"

#include "seccomp.h"
#include "seccomp_lib.h"
#include "hooks.h"
#include "sha256.h"
#include "log.h"
#include "sync.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
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
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
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
  cleanup_error berth_error *lerr = NULL;
  if (berth_libseccomp_open (&lerr) < 0)
    return 0;
  return berth_scmp.arch_resolve_name (lower);
}

bool
berth_seccomp_flag_supported (unsigned int flag)
{
  /* With a NULL program the kernel checks the flags first: EFAULT means it
     understood them, EINVAL that it did not.  Nothing is installed.  The
     kernel takes WAIT_KILLABLE_RECV only together with a listener. */
  if (flag & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL);
  return r < 0 && errno == EFAULT;
}

/* ------------------------------------------------------------ compiling */

/* Each syscall argument of a rule; the kernel passes six. */
#define MAX_ARGS 6

static const berth_seccomp_action *
find_action (const char *name)
{
  for (size_t i = 0; i < berth_seccomp_nactions; i++)
    if (strcmp (berth_seccomp_actions[i].name, name) == 0)
      return &berth_seccomp_actions[i];
  return NULL;
}

/* The action value of `name`, with errnoRet folded in where the action
   carries a value.  field is the JSON path for messages. */
static int
parse_action (const char *field, const char *name, bool has_ret, uint32_t ret, uint32_t *out, berth_error **err)
{
  const berth_seccomp_action *a = find_action (name);
  if (a == NULL)
    return berth_fail (err, 0, "%s: unknown action `%s`", field, name);
  bool takes_ret = strcmp (name, "SCMP_ACT_ERRNO") == 0 || strcmp (name, "SCMP_ACT_TRACE") == 0;
  if (has_ret && !takes_ret)
    return berth_fail (err, 0, "%s: %s takes no errno, but one is set", field, name);
  if (has_ret && ret > 0xffff)
    return berth_fail (err, 0, "%s: errno %u is out of range", field, ret);
  *out = takes_ret ? (a->action | (has_ret ? ret : EPERM)) : a->action;
  return 0;
}

static int
find_flag (const char *name)
{
  for (size_t i = 0; i < berth_seccomp_nflags; i++)
    if (strcmp (berth_seccomp_flags[i].name, name) == 0)
      return (int) i;
  return -1;
}

static int
find_operator (const char *name)
{
  for (size_t i = 0; i < berth_seccomp_noperators; i++)
    if (strcmp (berth_seccomp_operators[i].name, name) == 0)
      return berth_seccomp_operators[i].op;
  return -1;
}

static int
parse_args (const oci_syscall *sc, size_t i, struct scmp_arg_cmp *cmp, bool *same_index, berth_error **err)
{
  if (sc->args_len > MAX_ARGS)
    return berth_fail (err, 0, "linux.seccomp.syscalls[%zu].args: %zu conditions, at most %d are possible", i,
                       sc->args_len, MAX_ARGS);
  *same_index = false;
  for (size_t k = 0; k < sc->args_len; k++)
    {
      const oci_syscall_arg *a = sc->args[k];
      if (a->index >= MAX_ARGS)
        return berth_fail (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0 to %d)", i,
                           k, a->index, MAX_ARGS - 1);
      int op = find_operator (a->op);
      if (op < 0)
        return berth_fail (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator `%s`", i, k, a->op);
      cmp[k] = (struct scmp_arg_cmp){ .arg = a->index, .op = op, .datum_a = a->value,
                                      .datum_b = a->value_two_present ? a->value_two : 0 };
      for (size_t j = 0; j < k; j++)
        if (cmp[j].arg == cmp[k].arg)
          *same_index = true;
    }
  return 0;
}

/* Conditions on distinct arguments must all hold (one rule).  Several
   conditions on one argument could never all hold for a plain value, and
   libseccomp refuses them in one rule: as the other runtimes do, each then
   becomes a rule of its own, so that any of them matches. */
static int
add_rules (scmp_filter_ctx ctx, uint32_t action, int nr, const struct scmp_arg_cmp *cmp, size_t n, bool same_index)
{
  if (!same_index)
    return berth_scmp.rule_add_array (ctx, action, nr, (unsigned) n, cmp);
  for (size_t k = 0; k < n; k++)
    {
      int r = berth_scmp.rule_add_array (ctx, action, nr, 1, &cmp[k]);
      if (r < 0)
        return r;
    }
  return 0;
}

static int
add_syscall_entry (scmp_filter_ctx ctx, const oci_syscall *sc, size_t i, uint32_t default_action, bool *notify,
                   berth_error **err)
{
  char field[64];
  snprintf (field, sizeof field, "linux.seccomp.syscalls[%zu].action", i);
  uint32_t action;
  if (parse_action (field, sc->action, sc->errno_ret_present, sc->errno_ret, &action, err) < 0)
    return -1;
  struct scmp_arg_cmp cmp[MAX_ARGS];
  bool same_index;
  if (parse_args (sc, i, cmp, &same_index, err) < 0)
    return -1;
  if (sc->names_len == 0)
    return berth_fail (err, 0, "linux.seccomp.syscalls[%zu].names: must name at least one syscall", i);
  if (action == SCMP_ACT_NOTIFY)
    for (size_t j = 0; j < sc->names_len; j++)
      if (strcmp (sc->names[j], "sendmsg") == 0)
        return berth_fail (err, 0,
                           "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot apply to `sendmsg`: berth's init "
                           "passes the listener to the runtime with it",
                           i);
  /* libseccomp refuses a rule that repeats the default action; it would
     change nothing anyway. */
  if (action == default_action)
    return 0;
  *notify |= action == SCMP_ACT_NOTIFY;
  for (size_t j = 0; j < sc->names_len; j++)
    {
      int nr = berth_scmp.syscall_resolve_name (sc->names[j]);
      if (nr == __NR_SCMP_ERROR)
        {
          /* Profiles list syscalls of newer kernels and other architectures;
             as runc and crun do, a name libseccomp does not know is skipped. */
          berth_debug ("linux.seccomp.syscalls[%zu]: unknown syscall `%s` ignored", i, sc->names[j]);
          continue;
        }
      int r = add_rules (ctx, action, nr, cmp, sc->args_len, same_index);
      if (r < 0)
        return berth_fail (err, -r, "linux.seccomp.syscalls[%zu]: add the rule for `%s`", i, sc->names[j]);
    }
  return 0;
}

static int
resolve_flags (const oci_seccomp *sec, bool notify, unsigned int *flags, berth_error **err)
{
  *flags = notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  for (size_t i = 0; i < sec->flags_len; i++)
    {
      int k = find_flag (sec->flags[i]);
      if (k < 0)
        return berth_fail (err, 0, "linux.seccomp.flags[%zu]: unknown flag `%s`", i, sec->flags[i]);
      unsigned int f = berth_seccomp_flags[k].flag;
      if (f == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify)
        {
          /* It qualifies the listener; the kernel refuses it without one. */
          berth_debug ("linux.seccomp.flags[%zu]: %s ignored: there is no listener (no listenerPath)", i, sec->flags[i]);
          continue;
        }
      if (!berth_seccomp_flag_supported (f))
        return berth_fail (err, 0, "linux.seccomp.flags[%zu]: %s is not supported by this kernel", i, sec->flags[i]);
      *flags |= f;
    }
  /* TSYNC with a listener is refused unless a failure to sync may be
     reported as ESRCH; the init has one thread, so nothing can fail. */
  if ((*flags & SECCOMP_FILTER_FLAG_TSYNC) && notify)
    *flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  return 0;
}

/* ------------------------------------------------------------ ENOSYS for newer syscalls */

/* A syscall newer than the profile (a number above every one it names)
   must fail with ENOSYS, as if the kernel did not have it, not with the
   default errno: programs probe for new syscalls and fall back on ENOSYS
   only (glibc's clone3, statx, faccessat2...).  As runc does, a stub in
   front of libseccomp's program returns ENOSYS for a number above the
   largest the profile names for the calling architecture. */

#define X32_SYSCALL_BIT 0x40000000U

/* The largest number the profile names on one libseccomp architecture. */
typedef struct
{
  uint32_t token;
  uint32_t audit; /* AUDIT_ARCH_*: what the kernel puts in seccomp_data.arch */
  int max;
} arch_max;

static bool
stub_wanted (uint32_t default_action)
{
  /* Permissive defaults let new syscalls through anyway; so does a tracer,
     which must see them; and ENOSYS needs no stub to be ENOSYS. */
  uint32_t kind = default_action & 0xffff0000U;
  return default_action != SCMP_ACT_ALLOW && default_action != SCMP_ACT_LOG && kind != SCMP_ACT_TRACE (0)
         && default_action != SCMP_ACT_ERRNO (ENOSYS);
}

static size_t
collect_arch_max (scmp_filter_ctx ctx, const oci_seccomp *sec, arch_max *out, size_t cap)
{
  size_t n = 0;
  for (size_t i = 0; i <= sec->architectures_len && n < cap; i++)
    {
      uint32_t token = i == 0 ? berth_scmp.arch_native () : berth_seccomp_arch_token (sec->architectures[i - 1]);
      bool seen = token == 0 || berth_scmp.arch_exist (ctx, token) != 0;
      for (size_t k = 0; k < n; k++)
        seen |= out[k].token == token;
      if (seen)
        continue;
      int max = -1;
      for (size_t r = 0; r < sec->syscalls_len; r++)
        for (size_t j = 0; j < sec->syscalls[r]->names_len; j++)
          {
            int nr = berth_scmp.syscall_resolve_name_arch (token, sec->syscalls[r]->names[j]);
            if (nr > max)
              max = nr;
          }
      if (max <= 0)
        continue; /* nothing named: every call takes the default, as before */
      out[n++] = (arch_max){ .token = token, .audit = token == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : token, .max = max };
    }
  return n;
}

/* Jump targets of the stub, resolved once its length is known. */
enum
{
  TO_NEXT, /* jt/jf as written */
  TO_FILTER,
  TO_ENOSYS,
};

typedef struct
{
  struct sock_filter insn[256];
  uint8_t jt_to[256], jf_to[256];
  size_t len;
} stub;

static void
emit (stub *b, uint16_t code, uint32_t k, uint8_t jt_to, uint8_t jf_to)
{
  b->insn[b->len] = (struct sock_filter){ .code = code, .k = k };
  b->jt_to[b->len] = jt_to;
  b->jf_to[b->len++] = jf_to;
}

#define JGT (BPF_JMP | BPF_JGT | BPF_K)
#define JSET (BPF_JMP | BPF_JSET | BPF_K)
#define JEQ (BPF_JMP | BPF_JEQ | BPF_K)

/* One architecture's check, with A holding the syscall number.  On
   x86_64 the x32 ABI shares the arch value and sets a bit in the number:
   x64 and x32 are the two ABIs' maxima there (either may be NULL). */
static void
emit_arch (stub *b, const arch_max *a, const arch_max *x64, const arch_max *x32)
{
  if (a->token == SCMP_ARCH_S390 || a->token == SCMP_ARCH_S390X)
    /* An unknown syscall reaches the filter as 0, the multiplexer. */
    emit (b, JEQ, 0, TO_ENOSYS, TO_NEXT);
  if (a->audit != SCMP_ARCH_X86_64)
    emit (b, JGT, (uint32_t) a->max, TO_ENOSYS, TO_FILTER);
  else if (x64 && x32)
    {
      emit (b, JSET, X32_SYSCALL_BIT, TO_NEXT, TO_NEXT);
      b->insn[b->len - 1].jt = 1;
      emit (b, JGT, (uint32_t) x64->max, TO_ENOSYS, TO_FILTER);
      emit (b, JGT, (uint32_t) x32->max, TO_ENOSYS, TO_FILTER);
    }
  else
    {
      /* Calls of the other ABI go on to the filter, which does not know
         their architecture. */
      emit (b, JSET, X32_SYSCALL_BIT, x32 ? TO_NEXT : TO_FILTER, x32 ? TO_FILTER : TO_NEXT);
      emit (b, JGT, (uint32_t) (x32 ? x32 : x64)->max, TO_ENOSYS, TO_FILTER);
    }
}

/* The stub for ctx's architectures; its length, 0 when none is needed. */
static size_t
build_stub (scmp_filter_ctx ctx, const oci_seccomp *sec, stub *b)
{
  arch_max a[32];
  size_t n = collect_arch_max (ctx, sec, a, ARRAY_SIZE (a));
  if (n == 0)
    return 0;
  b->len = 0;
  emit (b, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch), TO_NEXT, TO_NEXT);
  const arch_max *x64 = NULL, *x32 = NULL;
  for (size_t i = 0; i < n; i++)
    if (a[i].audit == SCMP_ARCH_X86_64)
      *(a[i].token == SCMP_ARCH_X32 ? &x32 : &x64) = &a[i];
  for (size_t i = 0; i < n; i++)
    {
      /* x86_64 and x32 make one check, at the first of them. */
      if (a[i].audit == SCMP_ARCH_X86_64 && &a[i] != (x64 && (!x32 || x64 < x32) ? x64 : x32))
        continue;
      size_t check = b->len;
      emit (b, JEQ, a[i].audit, TO_NEXT, TO_NEXT);
      emit (b, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr), TO_NEXT, TO_NEXT);
      emit_arch (b, &a[i], x64, x32);
      b->insn[check].jf = (uint8_t) (b->len - check - 1);
    }
  size_t to_filter = b->len;
  emit (b, BPF_JMP | BPF_JA, 1, TO_NEXT, TO_NEXT);
  size_t to_enosys = b->len;
  emit (b, BPF_RET | BPF_K, SCMP_ACT_ERRNO (ENOSYS), TO_NEXT, TO_NEXT);
  for (size_t i = 0; i < b->len; i++)
    {
      if (b->jt_to[i] != TO_NEXT)
        b->insn[i].jt = (uint8_t) ((b->jt_to[i] == TO_FILTER ? to_filter : to_enosys) - i - 1);
      if (b->jf_to[i] != TO_NEXT)
        b->insn[i].jf = (uint8_t) ((b->jf_to[i] == TO_FILTER ? to_filter : to_enosys) - i - 1);
    }
  return b->len;
}

static int
export_program (scmp_filter_ctx ctx, const oci_seccomp *sec, uint32_t default_action, berth_seccomp_filter *f,
                berth_error **err)
{
  cleanup_close int fd = memfd_create ("berth-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return berth_fail_errno (err, "linux.seccomp: memfd_create");
  stub b;
  size_t nstub = stub_wanted (default_action) ? build_stub (ctx, sec, &b) : 0;
  if (nstub && write_all (fd, b.insn, nstub * sizeof b.insn[0]) < 0)
    return berth_fail_errno (err, "linux.seccomp: generate the filter");
  int r = berth_scmp.export_bpf (ctx, fd);
  if (r < 0)
    return berth_fail (err, -r, "linux.seccomp: generate the filter");
  if (lseek (fd, 0, SEEK_SET) < 0)
    return berth_fail_errno (err, "linux.seccomp: read the filter");
  char *text = NULL;
  size_t len = 0;
  if (read_all_fd (fd, &text, &len, err) < 0)
    return -1;
  size_t n = len / sizeof (struct sock_filter);
  if (n <= nstub || len % sizeof (struct sock_filter) || n > BPF_MAXINSNS)
    {
      free (text);
      return berth_fail (err, 0, "linux.seccomp: the filter has %zu instructions, the kernel takes at most %d", n,
                         BPF_MAXINSNS);
    }
  f->insns = (struct sock_filter *) text;
  f->len = (unsigned short) n;
  return 0;
}

static int
build (const oci_spec *s, scmp_filter_ctx ctx, berth_seccomp_filter *f, uint32_t default_action,
       berth_error **err)
{
  const oci_seccomp *sec = s->linux->seccomp;
  for (size_t i = 0; i < sec->architectures_len; i++)
    {
      const char *name = sec->architectures[i];
      bool in_spec = false;
      for (size_t k = 0; k < berth_seccomp_nspec_archs; k++)
        in_spec |= strcmp (berth_seccomp_spec_archs[k], name) == 0;
      uint32_t token = in_spec ? berth_seccomp_arch_token (name) : 0;
      if (!in_spec)
        return berth_fail (err, 0, "linux.seccomp.architectures[%zu]: unknown architecture `%s`", i, name);
      if (token == 0)
        {
          const struct scmp_version *v = berth_scmp.version ();
          return berth_fail (err, 0, "linux.seccomp.architectures[%zu]: `%s` is not supported by libseccomp %u.%u.%u",
                             i, name, v->major, v->minor, v->micro);
        }
      int r = berth_scmp.arch_add (ctx, token);
      if (r == -EDOM)
        {
          /* libseccomp keeps one byte order per filter; this host cannot
             run the other order's programs, so nothing is lost. */
          berth_debug ("linux.seccomp.architectures[%zu]: `%s` ignored: not this host's byte order", i, name);
          continue;
        }
      if (r < 0 && r != -EEXIST)
        return berth_fail (err, -r, "linux.seccomp.architectures[%zu]: add `%s`", i, name);
    }
  bool notify = false;
  for (size_t i = 0; i < sec->syscalls_len; i++)
    if (add_syscall_entry (ctx, sec->syscalls[i], i, default_action, &notify, err) < 0)
      return -1;
  bool has_listener = sec->listener_path && *sec->listener_path;
  if (notify && !has_listener)
    return berth_fail (err, 0, "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
  /* An agent at listenerPath waits for its connection whatever the rules
     say: it always gets a listener (one that never fires without a
     NOTIFY rule), never silence. */
  notify |= has_listener;
  if (resolve_flags (sec, notify, &f->flags, err) < 0)
    return -1;
  f->notify = notify;
  return export_program (ctx, sec, default_action, f, err);
}

/* When the init loads the filter: without no_new_privs while it still has
   CAP_SYS_ADMIN; with a listener while `create` still waits for it. */
static berth_seccomp_when
load_time (const oci_spec *s, bool notify)
{
  const oci_process *p = s->process;
  bool nnp = p && p->no_new_privileges_present && p->no_new_privileges;
  return !nnp ? BERTH_SECCOMP_BEFORE_IDENTITY : notify ? BERTH_SECCOMP_BEFORE_READY : BERTH_SECCOMP_BEFORE_EXEC;
}

int
berth_seccomp_compile (const oci_spec *s, berth_seccomp_filter **out, berth_error **err)
{
  *out = NULL;
  const oci_seccomp *sec = s->linux ? s->linux->seccomp : NULL;
  if (sec == NULL)
    return 0;
  uint32_t default_action;
  if (parse_action ("linux.seccomp.defaultAction", sec->default_action, sec->default_errno_ret_present,
                    sec->default_errno_ret, &default_action, err)
      < 0)
    return -1;
  /* The init's own syscalls before the listener reaches the agent would
     wait for an agent that cannot exist yet. */
  if (default_action == SCMP_ACT_NOTIFY)
    return berth_fail (err, 0, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  if (sec->listener_metadata && (sec->listener_path == NULL || *sec->listener_path == '\0'))
    return berth_fail (err, 0, "linux.seccomp.listenerMetadata: set without listenerPath");
  if (berth_libseccomp_open (err) < 0)
    return -1;

  scmp_filter_ctx ctx = berth_scmp.init (default_action);
  if (ctx == NULL)
    return berth_fail (err, 0, "linux.seccomp.defaultAction: libseccomp refuses `%s`", sec->default_action);
  berth_seccomp_filter *f = xcalloc (1, sizeof *f);
  int r = build (s, ctx, f, default_action, err);
  berth_scmp.release (ctx);
  if (r < 0)
    {
      berth_seccomp_filter_free (f);
      return -1;
    }
  f->when = load_time (s, f->notify);
  *out = f;
  return 0;
}

int
berth_seccomp_prepare (const oci_spec *s, int rootfd, berth_seccomp_filter **out, berth_error **err)
{
  *out = NULL;
  const oci_seccomp *sec = s->linux ? s->linux->seccomp : NULL;
  if (sec == NULL)
    return 0;
  if (rootfd < 0)
    return berth_seccomp_compile (s, out, err);
  uint8_t key[32];
  if (berth_libseccomp_open (err) < 0) /* its version is part of the key */
    return -1;
  berth_seccomp_cache_key (sec, key);
  berth_seccomp_filter *f = berth_seccomp_cache_get (rootfd, key);
  if (f)
    {
      f->when = load_time (s, f->notify);
      *out = f;
      return 0;
    }
  if (berth_seccomp_compile (s, &f, err) < 0)
    return -1;
  memcpy (f->key, key, sizeof f->key);
  cleanup_error berth_error *cerr = NULL;
  if (berth_seccomp_cache_put (rootfd, f, &cerr) < 0)
    berth_debug ("linux.seccomp: the compiled filter is not cached: %s", cerr->msg);
  *out = f;
  return 0;
}

int
berth_seccomp_keep (const berth_seccomp_filter *f, int rootfd, int dirfd, berth_error **err)
{
  if (f == NULL)
    return 0;
  char hex[2 * BERTH_SHA256_LEN + 1];
  berth_sha256_hex (f->key, hex);
  cleanup_close int cache = openat (rootfd, BERTH_SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  /* The entry is checked when exec reads the link, like any copy. */
  if (cache >= 0 && linkat (cache, hex, dirfd, BERTH_SECCOMP_KEPT_FILE, 0) == 0)
    return 0;
  return berth_seccomp_file_write (dirfd, BERTH_SECCOMP_KEPT_FILE, f, err);
}

int
berth_seccomp_for_exec (const oci_spec *s, int rootfd, int dirfd, berth_seccomp_filter **out, berth_error **err)
{
  *out = NULL;
  if (s->linux == NULL || s->linux->seccomp == NULL)
    return 0;
  berth_seccomp_filter *f = berth_seccomp_file_read (dirfd, BERTH_SECCOMP_KEPT_FILE, NULL);
  if (f == NULL)
    return berth_seccomp_prepare (s, rootfd, out, err);
  f->when = load_time (s, f->notify);
  *out = f;
  return 0;
}

void
berth_seccomp_filter_free (berth_seccomp_filter *f)
{
  if (f == NULL)
    return;
  free (f->insns);
  free (f);
}

/* ------------------------------------------------------------ loading */

int
berth_seccomp_load (const berth_seccomp_filter *f, int sync_fd, berth_error **err)
{
  struct sock_fprog prog = { .len = f->len, .filter = f->insns };
  /* The raw syscall, not seccomp_load: libseccomp 2.5 cannot ask for
     WAIT_KILLABLE_RECV, and would set no_new_privs on its own. */
  long fd = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
  if (fd < 0)
    return berth_fail_errno (err, "linux.seccomp: load the filter");
  if (!f->notify)
    return 0;
  /* From here on, sendmsg is the one syscall that must not be notified
     (berth_seccomp_compile refuses that): it hands the listener on. */
  int r = berth_sync_send_fd (sync_fd, SYNC_SECCOMP_FD, (int) fd);
  int e = errno;
  close ((int) fd);
  if (r < 0)
    return berth_fail (err, e, "linux.seccomp: pass the listener to the runtime");
  return 0;
}

int
berth_seccomp_load_at (const berth_seccomp_filter *f, berth_seccomp_when when, int sync_fd, berth_error **err)
{
  return f && f->when == when ? berth_seccomp_load (f, sync_fd, err) : 0;
}

/* ------------------------------------------------------------ the agent */

static char *
process_state_json (const oci_spec *s, const char *id, pid_t pid, const char *bundle, const char *status,
                    pid_t init_pid)
{
  cleanup_free char *state_text = berth_state_document (id, status, init_pid, bundle, s, NULL, NULL, NULL);
  char *perr = NULL;
  oci_json *state = oci_json_parse (state_text, strlen (state_text), &perr);
  free (perr);
  if (state == NULL)
    return NULL;
  const oci_seccomp *sec = s->linux->seccomp;
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  oci_jw_key (w, "ociVersion");
  oci_jw_string (w, OCI_RUNTIME_SPEC_VERSION);
  oci_jw_key (w, "fds");
  oci_jw_begin_array (w);
  oci_jw_string (w, "seccompFd");
  oci_jw_end_array (w);
  oci_jw_key (w, "pid");
  oci_jw_int (w, pid);
  if (sec->listener_metadata)
    {
      oci_jw_key (w, "metadata");
      oci_jw_string (w, sec->listener_metadata);
    }
  oci_jw_key (w, "state");
  oci_jw_value (w, state);
  oci_jw_end_object (w);
  oci_json_free (state);
  return oci_jw_finish (w, NULL);
}

int
berth_seccomp_send_to_listener (const oci_spec *s, int listener_fd, const char *id, pid_t pid, const char *bundle,
                                const char *status, pid_t init_pid, berth_error **err)
{
  const char *path = s->linux->seccomp->listener_path;
  cleanup_free char *doc = process_state_json (s, id, pid, bundle, status, init_pid);
  if (doc == NULL)
    return berth_fail (err, 0, "linux.seccomp: cannot write the container process state");
  cleanup_close int sock = unix_stream_connect (path);
  if (sock < 0)
    return berth_fail_errno (err, "linux.seccomp.listenerPath: connect to `%s`", path);
  /* The fd goes with the first bytes; a stream may take the rest later. */
  size_t len = strlen (doc);
  ssize_t n = send_with_fd (sock, doc, len, listener_fd);
  if (n < 0 || write_all (sock, doc + n, len - (size_t) n) < 0)
    return berth_fail_errno (err, "linux.seccomp.listenerPath: send the listener to `%s`", path);
  return 0;
}
