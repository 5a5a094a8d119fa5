/* Device whitelist on cgroup v2: the rules are first run through a model of
   the cgroup v1 devices controller (a default plus a list of exceptions,
   exactly as the kernel keeps them for devices.allow/devices.deny writes),
   and the resulting state is compiled into a BPF_PROG_TYPE_CGROUP_DEVICE
   program.  So a config gives the same device access on a v1 host (where
   the kernel itself evaluates the writes) and on a v2 host.

   The program is built here instruction by instruction (no libbpf), loaded
   with bpf(2), attached with BPF_F_ALLOW_MULTI and only then are the device
   programs attached before detached, so the cgroup is never unfiltered. */
#include "config.h"

#include "devices_bpf.h"
#include "../util.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ACC_MKNOD BPF_DEVCG_ACC_MKNOD
#define ACC_READ BPF_DEVCG_ACC_READ
#define ACC_WRITE BPF_DEVCG_ACC_WRITE
#define ACC_ALL (ACC_MKNOD | ACC_READ | ACC_WRITE)
#define DEV_BLOCK BPF_DEVCG_DEV_BLOCK
#define DEV_CHAR BPF_DEVCG_DEV_CHAR
#define DEV_ANY_TYPE 0

/* major/minor "any" (absent or -1 in the config) */
#define DEVNUM_ANY (-1)
/* The kernel's dev_t numbers are u32 in the program's context; v1 spells
   "any" as ~0, so that value is not a device number either. */
#define DEVNUM_MAX 4294967294LL

/* Not a kernel limit (privileged programs may be far larger) but one that
   keeps the filter cheap: every open(2) of a device node runs it.  About
   400 distinct exceptions fit, far more than any real config has. */
#define MAX_INSNS 4096
/* Bounds the quadratic model below before the program size can be known. */
#define MAX_RULES 4096

/* Room for one more element in an array that doubles. */
static void *
grow (void *array, size_t len, size_t *cap, size_t size)
{
  if (len < *cap)
    return array;
  *cap = *cap ? 2 * *cap : 16;
  return xrealloc (array, *cap * size);
}

/* ------------------------------------------------------------------ rules */

struct dev_rule
{
  bool allow;
  int type; /* DEV_BLOCK, DEV_CHAR or DEV_ANY_TYPE */
  int64_t major, minor;
  unsigned access;
};

static int
parse_access (const char *s, unsigned *out)
{
  unsigned access = 0;
  if (s == NULL)
    {
      *out = ACC_ALL;
      return 0;
    }
  /* As runc 1.1: letters other than r, w and m are ignored ("rwa" is
     "rw"; clients write it), but a string that is not empty must grant
     something. */
  for (const char *c = s; *c; c++)
    access |= *c == 'r' ? ACC_READ : *c == 'w' ? ACC_WRITE : *c == 'm' ? ACC_MKNOD : 0;
  if (*s && access == 0)
    return -1;
  *out = access;
  return 0;
}

static int
parse_devnum (bool present, int64_t value, int64_t *out)
{
  if (!present)
    value = DEVNUM_ANY;
  if (value < DEVNUM_ANY || value > DEVNUM_MAX)
    return -1;
  *out = value;
  return 0;
}

static int
parse_rule (const oci_device_cgroup *r, size_t i, struct dev_rule *out, berth_error **err)
{
  const char *where = "linux.resources.devices";
  out->allow = r->allow;
  if (r->type == NULL || strcmp (r->type, "a") == 0)
    out->type = DEV_ANY_TYPE;
  else if (strcmp (r->type, "b") == 0)
    out->type = DEV_BLOCK;
  else if (strcmp (r->type, "c") == 0)
    out->type = DEV_CHAR;
  else
    return berth_fail (err, 0, "%s[%zu].type: \"%s\" is not a, b or c", where, i, r->type);
  if (parse_devnum (r->major_present, r->major, &out->major) < 0)
    return berth_fail (err, 0, "%s[%zu].major: %" PRId64 " is out of range (-1 for any, or 0 to %lld)", where, i,
                       r->major, DEVNUM_MAX);
  if (parse_devnum (r->minor_present, r->minor, &out->minor) < 0)
    return berth_fail (err, 0, "%s[%zu].minor: %" PRId64 " is out of range (-1 for any, or 0 to %lld)", where, i,
                       r->minor, DEVNUM_MAX);
  if (parse_access (r->access, &out->access) < 0)
    return berth_fail (err, 0, "%s[%zu].access: \"%s\" grants none of r, w and m", where, i, r->access);
  return 0;
}

/* ------------------------------------------------------- the v1 model */

/* One entry of the kernel's v1 exception list: its key is (type, major,
   minor) exactly, wildcards included, and writes with the same key merge
   into or take bits from it. */
struct dev_exception
{
  int type;
  int64_t major, minor;
  unsigned access;
};

struct dev_model
{
  bool default_allow;
  struct dev_exception *exc;
  size_t n_exc, cap;
};

static struct dev_exception *
model_find (struct dev_model *m, int type, int64_t major, int64_t minor)
{
  for (size_t i = 0; i < m->n_exc; i++)
    if (m->exc[i].type == type && m->exc[i].major == major && m->exc[i].minor == minor)
      return &m->exc[i];
  return NULL;
}

/* A rule whose verdict differs from the default adds its bits to the
   exception with its key; one that agrees with the default takes its bits
   away from that exception only (the kernel's dev_exception_rm): it does not
   narrow a wider exception such as c *:* that covers it. */
static void
model_write (struct dev_model *m, bool allow, int type, int64_t major, int64_t minor, unsigned access)
{
  struct dev_exception *e = model_find (m, type, major, minor);
  if (allow != m->default_allow)
    {
      if (e != NULL)
        e->access |= access;
      else if (access != 0) /* an empty exception never matches anything */
        {
          m->exc = grow (m->exc, m->n_exc, &m->cap, sizeof *m->exc);
          m->exc[m->n_exc++] = (struct dev_exception){ type, major, minor, access };
        }
      return;
    }
  if (e == NULL)
    return;
  e->access &= ~access;
  if (e->access == 0)
    {
      size_t i = (size_t) (e - m->exc);
      memmove (e, e + 1, (m->n_exc - i - 1) * sizeof *e);
      m->n_exc--;
    }
}

static void
model_apply (struct dev_model *m, const struct dev_rule *r)
{
  /* "a *:* rwm" (what v1 reads from any line starting with "a"): a new
     default and no exceptions. */
  if (r->type == DEV_ANY_TYPE && r->major == DEVNUM_ANY && r->minor == DEVNUM_ANY && r->access == ACC_ALL)
    {
      m->default_allow = r->allow;
      m->n_exc = 0;
      return;
    }
  /* A narrower "a" rule means what its fields say, for both kinds of
     device (v1 would take any "a" line for the reset above: an allow of
     "a 1:3 r" would open everything). */
  if (r->type == DEV_ANY_TYPE || r->type == DEV_BLOCK)
    model_write (m, r->allow, DEV_BLOCK, r->major, r->minor, r->access);
  if (r->type == DEV_ANY_TYPE || r->type == DEV_CHAR)
    model_write (m, r->allow, DEV_CHAR, r->major, r->minor, r->access);
}

/* -------------------------------------------------------------- emitter */

#define INSN(CODE, DST, SRC, OFF, IMM)                                                                                 \
  ((struct bpf_insn){ .code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF), .imm = (IMM) })
#define LD_CTX_U32(DST, FIELD) INSN (BPF_LDX | BPF_MEM | BPF_W, DST, BPF_REG_1, offsetof (struct bpf_cgroup_dev_ctx, FIELD), 0)
#define MOV32_REG(DST, SRC) INSN (BPF_ALU | BPF_MOV | BPF_X, DST, SRC, 0, 0)
/* a 32-bit move zero-extends: the way to get a u32 above INT32_MAX */
#define MOV32_IMM(DST, IMM) INSN (BPF_ALU | BPF_MOV | BPF_K, DST, 0, 0, IMM)
#define MOV64_IMM(DST, IMM) INSN (BPF_ALU64 | BPF_MOV | BPF_K, DST, 0, 0, IMM)
#define AND32_IMM(DST, IMM) INSN (BPF_ALU | BPF_AND | BPF_K, DST, 0, 0, IMM)
#define RSH32_IMM(DST, IMM) INSN (BPF_ALU | BPF_RSH | BPF_K, DST, 0, 0, IMM)
#define JNE_IMM(DST, IMM, OFF) INSN (BPF_JMP | BPF_JNE | BPF_K, DST, 0, OFF, IMM)
#define JNE_REG(DST, SRC, OFF) INSN (BPF_JMP | BPF_JNE | BPF_X, DST, SRC, OFF, 0)
#define JSET_IMM(DST, IMM, OFF) INSN (BPF_JMP | BPF_JSET | BPF_K, DST, 0, OFF, IMM)
#define JA(OFF) INSN (BPF_JMP | BPF_JA, 0, 0, OFF, 0)
#define EXIT() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* What the prologue leaves in registers for every test. */
#define R_ACCESS BPF_REG_2
#define R_TYPE BPF_REG_3
#define R_MAJOR BPF_REG_4
#define R_MINOR BPF_REG_5

struct prog
{
  struct bpf_insn *insn;
  size_t len, cap;
};

static size_t
emit (struct prog *p, struct bpf_insn insn)
{
  p->insn = grow (p->insn, p->len, &p->cap, sizeof *p->insn);
  p->insn[p->len] = insn;
  return p->len++;
}

/* Emit "if REG != value goto (patched later)" and return the jump's index. */
static size_t
emit_jne_u32 (struct prog *p, int reg, int64_t value)
{
  if (value <= INT32_MAX)
    return emit (p, JNE_IMM (reg, (int32_t) value, 0));
  emit (p, MOV32_IMM (BPF_REG_0, (int32_t) (uint32_t) value));
  return emit (p, JNE_REG (reg, BPF_REG_0, 0));
}

/* One exception: if the request matches it, return the exception's
   verdict; otherwise fall through to the next one.  As in the kernel's v1
   check, under a deny default the exception must hold every requested bit
   (match_exception); under an allow default any shared bit denies
   (match_exception_partial). */
static void
emit_exception (struct prog *p, const struct dev_exception *e, bool default_allow)
{
  size_t next[4], n = 0;
  next[n++] = emit (p, JNE_IMM (R_TYPE, e->type, 0));
  if (e->major != DEVNUM_ANY)
    next[n++] = emit_jne_u32 (p, R_MAJOR, e->major);
  if (e->minor != DEVNUM_ANY)
    next[n++] = emit_jne_u32 (p, R_MINOR, e->minor);
  if (e->access != ACC_ALL && !default_allow)
    next[n++] = emit (p, JSET_IMM (R_ACCESS, ACC_ALL & ~e->access, 0));
  if (e->access != ACC_ALL && default_allow)
    {
      emit (p, JSET_IMM (R_ACCESS, e->access, 1));
      next[n++] = emit (p, JA (0));
    }
  emit (p, MOV64_IMM (BPF_REG_0, default_allow ? 0 : 1));
  emit (p, EXIT ());
  for (size_t i = 0; i < n; i++)
    p->insn[next[i]].off = (int16_t) (p->len - next[i] - 1);
}

static void
emit_program (struct prog *p, const struct dev_model *m)
{
  /* access_type is (access << 16) | type */
  emit (p, LD_CTX_U32 (R_ACCESS, access_type));
  emit (p, MOV32_REG (R_TYPE, R_ACCESS));
  emit (p, AND32_IMM (R_TYPE, 0xffff));
  emit (p, RSH32_IMM (R_ACCESS, 16));
  emit (p, LD_CTX_U32 (R_MAJOR, major));
  emit (p, LD_CTX_U32 (R_MINOR, minor));
  for (size_t i = 0; i < m->n_exc; i++)
    emit_exception (p, &m->exc[i], m->default_allow);
  emit (p, MOV64_IMM (BPF_REG_0, m->default_allow ? 1 : 0));
  emit (p, EXIT ());
}

/* Check the rules, run them through the model and build the program. */
static int
compile (oci_device_cgroup **rules, size_t n, struct prog *p, berth_error **err)
{
  if (n > MAX_RULES)
    return berth_fail (err, 0, "linux.resources.devices: %zu rules are more than the %d a device filter takes", n,
                       MAX_RULES);
  struct dev_model m = { .default_allow = false };
  for (size_t i = 0; i < n; i++)
    {
      struct dev_rule r;
      if (parse_rule (rules[i], i, &r, err) < 0)
        {
          free (m.exc);
          return -1;
        }
      model_apply (&m, &r);
    }
  emit_program (p, &m);
  size_t n_exc = m.n_exc;
  free (m.exc);
  if (p->len > MAX_INSNS)
    return berth_fail (err, 0,
                       "linux.resources.devices: the rules leave %zu distinct device exceptions, too many for one "
                       "device filter (%zu instructions, at most %d)",
                       n_exc, p->len, MAX_INSNS);
  return 0;
}

int
berth_devices_rules_check (oci_device_cgroup **rules, size_t n, berth_error **err)
{
  struct prog p = { 0 };
  int ret = compile (rules, n, &p, err);
  free (p.insn);
  return ret;
}

/* ------------------------------------------------------------------ bpf(2) */

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (__NR_bpf, cmd, attr, sizeof *attr);
}

static uint64_t
ptr_u64 (const void *p)
{
  return (uint64_t) (uintptr_t) p;
}

/* The verifier logs its trace first and the reason last, followed by a
   statistics line: the reason is the last line that is not statistics. */
static const char *
verifier_reason (char *log)
{
  const char *reason = NULL;
  char *save = NULL;
  for (char *line = strtok_r (log, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    if (*line != '\0' && !str_has_prefix (line, "processed "))
      reason = line;
  return reason;
}

static int
load_program (const struct prog *p, berth_error **err)
{
  union bpf_attr attr;
  int fd = -1;
  /* No log on the first try: the hot path should not pay for one.  EAGAIN
     is the kernel asking to retry (as libraries loading programs do). */
  for (int tries = 0; tries < 5; tries++)
    {
      memset (&attr, 0, sizeof attr);
      attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
      attr.insns = ptr_u64 (p->insn);
      attr.insn_cnt = (uint32_t) p->len;
      /* Any string will do for a program that calls no helper; the
         project is GPL in any case. */
      attr.license = ptr_u64 ("GPL");
      fd = sys_bpf (BPF_PROG_LOAD, &attr);
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  if (fd >= 0)
    return fd;
  int saved = errno;
  if (saved == ENOSYS)
    return berth_fail (err, saved, "loading the device filter");

  /* Load again with a log to say what the verifier did not like (when it
     was the verifier: otherwise the log stays empty). */
  const size_t log_size = 64 * 1024;
  cleanup_free char *log = xcalloc (1, log_size);
  attr.log_level = 1;
  attr.log_buf = ptr_u64 (log);
  attr.log_size = (uint32_t) log_size;
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0) /* cannot happen unless something changed in between */
    return fd;
  saved = errno;
  log[log_size - 1] = '\0';
  const char *reason = verifier_reason (log);
  if (reason != NULL)
    return berth_fail (err, saved, "loading the device filter: the verifier says: %s", reason);
  return berth_fail (err, saved, "loading the device filter");
}

/* The ids of the device programs attached to the cgroup itself (not those
   inherited from ancestors) and the flags they were attached with. */
static int
query_attached (int dirfd, uint32_t **ids, uint32_t *count, uint32_t *flags, berth_error **err)
{
  uint32_t cap = 8;
  cleanup_free uint32_t *buf = NULL;
  for (;;)
    {
      buf = xrealloc (buf, cap * sizeof *buf);
      union bpf_attr attr;
      memset (&attr, 0, sizeof attr);
      attr.query.target_fd = (uint32_t) dirfd;
      attr.query.attach_type = BPF_CGROUP_DEVICE;
      attr.query.prog_ids = ptr_u64 (buf);
      attr.query.prog_cnt = cap;
      if (sys_bpf (BPF_PROG_QUERY, &attr) == 0)
        {
          *ids = steal_pointer (&buf);
          *count = attr.query.prog_cnt;
          *flags = attr.query.attach_flags;
          return 0;
        }
      /* ENOSPC: prog_cnt says how many there are; more may come meanwhile */
      if (errno != ENOSPC || attr.query.prog_cnt <= cap)
        return berth_fail_errno (err, "querying the device filters of the cgroup");
      cap = attr.query.prog_cnt + 8;
    }
}

static int
detach_by_id (int dirfd, uint32_t id, berth_error **err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_id = id;
  cleanup_close int fd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0)
    {
      if (errno == ENOENT) /* gone meanwhile */
        return 0;
      return berth_fail_errno (err, "opening the previous device filter (program id %" PRIu32 ")", id);
    }
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
    return berth_fail_errno (err, "detaching the previous device filter (program id %" PRIu32 ")", id);
  return 0;
}

static int
attach_replacing (int dirfd, int prog_fd, berth_error **err)
{
  cleanup_free uint32_t *old = NULL;
  uint32_t n_old = 0, old_flags = 0;
  if (query_attached (dirfd, &old, &n_old, &old_flags, err) < 0)
    return -1;

  /* A program attached by someone else without BPF_F_ALLOW_MULTI forbids
     adding one with it; attaching with its own flags replaces it in one
     step instead, which is just as gapless. */
  bool single = n_old > 0 && !(old_flags & BPF_F_ALLOW_MULTI);
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) dirfd;
  attr.attach_bpf_fd = (uint32_t) prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = single ? old_flags : BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return berth_fail_errno (err, "attaching the device filter to the cgroup");
  if (single)
    return 0;

  /* Only now that the new filter runs: the old ones go.  Should a detach
     fail, both filters stay and a device must pass each: the cgroup is
     never less restricted than either set of rules says. */
  for (uint32_t i = 0; i < n_old; i++)
    if (detach_by_id (dirfd, old[i], err) < 0)
      return -1;
  return 0;
}

int
berth_devices_bpf_apply (int dirfd, oci_device_cgroup **rules, size_t n, berth_error **err)
{
  if (n == 0)
    return 0;
  struct prog p = { 0 };
  int ret = compile (rules, n, &p, err);
  cleanup_close int prog_fd = ret < 0 ? -1 : load_program (&p, err);
  free (p.insn);
  if (prog_fd < 0)
    return -1;
  /* The attachment holds its own reference: our fd can be closed after. */
  return attach_replacing (dirfd, prog_fd, err);
}
