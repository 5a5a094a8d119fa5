/* Unit tests for the cgroup v2 device filter (src/libberth/cgroup/devices_bpf.c).
 *
 * Rule checks run without the kernel; everything else attaches real filters
 * to a cgroup v2 directory this test creates (a uniquely named child of the
 * cgroup2 mount found in /proc/self/mountinfo) and probes them from forked
 * children moved into it: open(2) of /dev/null and /dev/zero, mknod(2) of
 * char and block nodes in a private tmp dir.  The runner itself never
 * enters the cgroup.  The cgroup (with its filters) and the tmp dir are
 * removed at exit, on a failed test, and on SIGINT/SIGTERM/the watchdog.
 *
 * Speaks TAP; skips (1..0 # SKIP) unless root with a cgroup2 mount.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libberth/cgroup/devices_bpf.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ================================================================ helpers */

static char cg_path[4096];   /* the test cgroup, "" until made */
static char tmp_dir[] = "/tmp/berth-devbpf-XXXXXX";
static bool tmp_made;
static volatile pid_t child_pid;
static int cg_fd = -1;

/* Async-signal-safe: also runs from the signal handler. */
static void
cleanup (void)
{
  if (child_pid > 0)
    {
      kill (child_pid, SIGKILL);
      waitpid (child_pid, NULL, 0);
      child_pid = 0;
    }
  if (tmp_made)
    {
      char node[64];
      for (int i = 0; i < 2; i++)
        {
          memcpy (node, tmp_dir, sizeof tmp_dir);
          memcpy (node + sizeof tmp_dir - 1, i ? "/b" : "/c", 3);
          unlink (node);
        }
      rmdir (tmp_dir);
      tmp_made = false;
    }
  if (cg_path[0] != '\0')
    {
      /* a reaped child may still be counted for a moment */
      for (int i = 0; i < 100 && rmdir (cg_path) < 0 && errno == EBUSY; i++)
        {
          struct timespec ts = { 0, 10 * 1000 * 1000 };
          nanosleep (&ts, NULL);
        }
      cg_path[0] = '\0';
    }
}

static void
on_signal (int sig)
{
  cleanup ();
  signal (sig, SIG_DFL);
  raise (sig);
}

/* The mount point of the first cgroup2 mount, from /proc/self/mountinfo. */
static bool
find_cgroup2 (char *out, size_t size)
{
  FILE *f = fopen ("/proc/self/mountinfo", "re");
  if (f == NULL)
    return false;
  char *line = NULL;
  size_t cap = 0;
  bool found = false;
  while (!found && getline (&line, &cap, f) > 0)
    {
      char *sep = strstr (line, " - ");
      if (sep == NULL || strncmp (sep + 3, "cgroup2 ", 8) != 0)
        continue;
      /* fields: id parent maj:min root mountpoint ... */
      char *p = line;
      for (int field = 0; field < 4 && p != NULL; field++)
        p = strchr (p, ' ') ? strchr (p, ' ') + 1 : NULL;
      if (p == NULL)
        continue;
      size_t n = 0;
      for (; *p != ' ' && *p != '\0' && n + 1 < size; p++)
        {
          /* spaces and the like are escaped as \ooo */
          if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3])
            {
              out[n++] = (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
              p += 3;
            }
          else
            out[n++] = *p;
        }
      out[n] = '\0';
      found = n > 0;
    }
  free (line);
  fclose (f);
  return found;
}

/* ----------------------------------------------------------------- rules */

/* Rules are written "<+|-><type> [<major>:<minor>] [<access>]": + allows,
   - denies; type "_", a major or minor "*", and access "_" or a missing part
   leave the member out of the "JSON"; access "''" is the empty string. */
struct pooled_rule
{
  oci_device_cgroup d;
  char type[4], access[8];
};

static struct pooled_rule pool[8192];
static oci_device_cgroup *ptrs[8192];
static size_t pool_len;

static void
rules_begin (void)
{
  pool_len = 0;
}

static bool
parse_devnum (const char *s, char **end, int64_t *v, bool *present)
{
  *present = *s != '*';
  if (!*present)
    {
      *end = (char *) s + 1;
      return true;
    }
  errno = 0;
  *v = strtoll (s, end, 10);
  return errno == 0 && *end != s;
}

static void
rule (const char *spec)
{
  struct pooled_rule *r = &pool[pool_len];
  oci_device_cgroup *d = &r->d;
  memset (r, 0, sizeof *r);
  d->allow = spec[0] == '+';
  d->allow_present = true;
  if (spec[1] != '_')
    {
      r->type[0] = spec[1];
      d->type = r->type;
    }
  const char *p = spec + 2;
  char *end;
  if (*p == ' ' && strchr (p + 1, ':') != NULL)
    {
      if (!parse_devnum (p + 1, &end, &d->major, &d->major_present) || *end != ':'
          || !parse_devnum (end + 1, &end, &d->minor, &d->minor_present))
        abort ();
      p = end;
    }
  if (*p == ' ' && strcmp (p + 1, "_") != 0)
    {
      snprintf (r->access, sizeof r->access, "%s", strcmp (p + 1, "''") == 0 ? "" : p + 1);
      d->access = r->access;
    }
  ptrs[pool_len++] = d;
}

static void
rules (const char *const *specs)
{
  rules_begin ();
  for (; *specs != NULL; specs++)
    rule (*specs);
}

static void
rule_dev (bool allow, char type, int64_t major, int64_t minor, const char *access)
{
  char spec[64];
  snprintf (spec, sizeof spec, "%c%c %" PRId64 ":%" PRId64 " %s", allow ? '+' : '-', type, major, minor, access);
  rule (spec);
}

/* ---------------------------------------------------------- bpf queries */

/* The ids of the device programs attached to the cgroup itself. */
static int
attached (int fd, uint32_t *ids, uint32_t cap)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t) fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t) (uintptr_t) ids;
  attr.query.prog_cnt = cap;
  if (syscall (__NR_bpf, BPF_PROG_QUERY, &attr, sizeof attr) < 0)
    return -1;
  return (int) attr.query.prog_cnt;
}

/* BPF_PROG_ATTACH or BPF_PROG_DETACH of prog (closed here) at the cgroup fd. */
static int
attach_op (int cmd, int fd, int prog)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) fd;
  attr.attach_bpf_fd = (uint32_t) prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  long ret = syscall (__NR_bpf, cmd, &attr, sizeof attr);
  close (prog);
  return ret < 0 ? -1 : 0;
}

static int
detach_all (int fd)
{
  uint32_t ids[8];
  int n = attached (fd, ids, 8);
  for (int i = 0; i < n; i++)
    {
      union bpf_attr attr;
      memset (&attr, 0, sizeof attr);
      attr.prog_id = ids[i];
      int prog = (int) syscall (__NR_bpf, BPF_PROG_GET_FD_BY_ID, &attr, sizeof attr);
      if (prog < 0 || attach_op (BPF_PROG_DETACH, fd, prog) < 0)
        return -1;
    }
  return n < 0 ? -1 : 0;
}

/* What another manager might have left: "return 0", attached with no flags. */
static int
attach_exclusive_deny_all (int fd)
{
  struct bpf_insn insns[] = {
    { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
    { .code = BPF_JMP | BPF_EXIT },
  };
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t) (uintptr_t) insns;
  attr.insn_cnt = 2;
  attr.license = (uint64_t) (uintptr_t) "GPL";
  int prog = (int) syscall (__NR_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  return prog < 0 ? -1 : attach_op (BPF_PROG_ATTACH, fd, prog);
}

/* ---------------------------------------------------------------- probes */

enum
{
  NULL_R,    /* open /dev/null O_RDONLY   c 1:3 r  */
  NULL_W,    /* open /dev/null O_WRONLY   c 1:3 w  */
  NULL_RW,   /* open /dev/null O_RDWR     c 1:3 rw */
  ZERO_R,    /* open /dev/zero O_RDONLY   c 1:5 r  */
  MKNOD_C13, /* mknod c 1:3               c 1:3 m  */
  MKNOD_B7,  /* mknod b 7:200             b 7:200 m */
  N_PROBES
};

#define ARRAY_LEN(a) (sizeof (a) / sizeof ((a)[0]))

static const char *const probe_names[N_PROBES] = {
  "open /dev/null O_RDONLY", "open /dev/null O_WRONLY", "open /dev/null O_RDWR",
  "open /dev/zero O_RDONLY", "mknod c 1:3",             "mknod b 7:200",
};

static int
probe (int which)
{
  char node[64];
  int fd = -1;
  switch (which)
    {
    case NULL_R:
      fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      break;
    case NULL_W:
      fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
      break;
    case NULL_RW:
      fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
      break;
    case ZERO_R:
      fd = open ("/dev/zero", O_RDONLY | O_CLOEXEC);
      break;
    case MKNOD_C13:
    case MKNOD_B7:
      snprintf (node, sizeof node, "%s/%s", tmp_dir, which == MKNOD_C13 ? "c" : "b");
      if (which == MKNOD_C13)
        fd = mknod (node, S_IFCHR | 0600, makedev (1, 3));
      else
        fd = mknod (node, S_IFBLK | 0600, makedev (7, 200));
      if (fd == 0)
        unlink (node);
      return fd == 0 ? 0 : errno;
    }
  if (fd < 0)
    return errno;
  close (fd);
  return 0;
}

/* Fork a child, move it into the test cgroup and run every probe there:
   results[i] is 0 when allowed, else the errno. */
static bool
run_probes (int results[N_PROBES])
{
  int pipefd[2];
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return false;
  fflush (stdout);
  pid_t pid = fork ();
  if (pid < 0)
    return false;
  if (pid == 0)
    {
      int r[N_PROBES];
      close (pipefd[0]);
      int procs = openat (cg_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
      if (procs < 0 || write (procs, "0", 1) != 1)
        _exit (2);
      close (procs);
      for (int i = 0; i < N_PROBES; i++)
        r[i] = probe (i);
      _exit (write (pipefd[1], r, sizeof r) == (ssize_t) sizeof r ? 0 : 3);
    }
  child_pid = pid;
  close (pipefd[1]);
  ssize_t got = read (pipefd[0], results, N_PROBES * sizeof (int));
  close (pipefd[0]);
  int status = 0;
  waitpid (pid, &status, 0);
  child_pid = 0;
  if (got != (ssize_t) (N_PROBES * sizeof (int)))
    diag ("probe child: status %d, read %zd bytes", status, got);
  return got == (ssize_t) (N_PROBES * sizeof (int));
}

/* expect: one character per probe, 'y' allowed, 'n' denied with EPERM. */
static void
check_probes (const char *what, const char *expect)
{
  int r[N_PROBES];
  if (!run_probes (r))
    {
      tap_ok (0, "%s: probes ran", what);
      return;
    }
  for (int i = 0; i < N_PROBES; i++)
    {
      bool want = expect[i] == 'y';
      bool ok = want ? r[i] == 0 : r[i] == EPERM;
      tap_ok (ok, "%s: %s %s", what, probe_names[i], want ? "allowed" : "denied (EPERM)");
      if (!ok)
        diag ("  got %s", r[i] == 0 ? "success" : strerror (r[i]));
    }
}

static bool
apply (const char *what)
{
  berth_error *err = NULL;
  int ret = berth_devices_bpf_apply (cg_fd, ptrs, pool_len, &err);
  tap_ok (ret == 0, "%s: filter applied", what);
  if (ret < 0)
    diag ("  %s (%s)", err ? err->msg : "?", err ? strerror (err->errnum) : "");
  berth_error_free (err);
  return ret == 0;
}

/* Rules, and what the probes must see under them: one character a probe,
   in probe order, 'y' allowed and 'n' denied with EPERM. */
struct scenario
{
  const char *what;
  const char *rules[8];
  const char *expect;
};

static void
run_scenario (const struct scenario *sc)
{
  rules (sc->rules);
  if (apply (sc->what))
    check_probes (sc->what, sc->expect);
}

/*            probes: null r, null w, null rw, zero r, mknod c 1:3, mknod b 7:200 */
static const struct scenario scenarios[] = {
  /* type a */
  { "allow a *:* rwm", { "+a -1:-1 rwm" }, "yyyyyy" },
  { "deny all, allow a *:* m (a narrower a rule is b and c)", { "-_", "+a *:* m" }, "nnnnyy" },
  { "allow c 1:3 rwm, b 7:200 m, then deny a *:* rwm resets",
    { "-_", "+c 1:3 rwm", "+b 7:200 m", "-a *:* rwm" },
    "nnnnnn" },
  { "deny all, allow a 1:3 r (only that, not a reset)", { "-_", "+a 1:3 r" }, "ynnnnn" },
  /* partial access */
  { "allow c 1:3 rwm, deny c 1:3 w", { "-_", "+c 1:3 rwm", "-c 1:3 w" }, "ynnnyn" },
  { "allow c 1:3 r, allow c 1:3 w (same key merges)", { "-_", "+c 1:3 r", "+c 1:3 w" }, "yyynnn" },
  { "allow c 1:3 r, allow c 1:* w (O_RDWR needs one rule with rw, as v1)",
    { "-_", "+c 1:3 r", "+c 1:* w" },
    "yynnnn" },
  { "allow c *:* rwm, deny c 1:3 w (v1 removes exact keys only: no effect)",
    { "-_", "+c -1:-1 rwm", "-c 1:3 w" },
    "yyyyyn" },
  /* allow default: deny rules are the exceptions, any shared bit denies */
  { "allow all, deny c 1:3 w", { "+a -1:-1 rwm", "-c 1:3 w" }, "ynnyyy" },
  { "allow all, deny c 1:* r, deny b, allow c 1:* r again, deny b *:* m",
    { "+a", "-c 1:* r", "-b", "+c 1:* r", "-b *:* m" },
    "yyyyyn" },
  { "allow all, deny c 1:5 rwm, deny c 1:3 m", { "+_", "-c 1:5 rwm", "-c 1:3 m" }, "yyynny" },
  /* device numbers above INT32_MAX take another instruction sequence */
  { "large major/minor rules load and match nothing else",
    { "-_", "+c 4294967294:* rwm", "+c 1:4000000000 rwm", "+c 1:3 r" },
    "ynnnnn" },
  /* empty access grants nothing */
  { "deny all, allow c 1:3 with access ''", { "-_", "+c 1:3 ''" }, "nnnnnn" },
  /* runc 1.1 ignores letters other than r, w and m: "rwa" is "rw" */
  { "deny all, allow c 1:3 rwa grants rw and no mknod", { "-_", "+c 1:3 rwa" }, "yyynnn" },
};

/* ================================================================= checks */

static void
expect_check_error (const char *what, const char *needle)
{
  berth_error *err = NULL;
  int ret = berth_devices_rules_check (ptrs, pool_len, &err);
  bool ok = ret < 0 && err != NULL && strstr (err->msg, needle) != NULL;
  tap_ok (ok, "rules check: %s is refused naming %s", what, needle);
  if (!ok)
    diag ("  got: %s", err ? err->msg : "no error");
  berth_error_free (err);
}

static void
expect_check_ok (const char *what)
{
  berth_error *err = NULL;
  tap_ok (berth_devices_rules_check (ptrs, pool_len, &err) == 0, "rules check: %s pass", what);
  if (err != NULL)
    diag ("  got: %s", err->msg);
  berth_error_free (err);
}

static void
test_rules_check (void)
{
  rules ((const char *[]){ "-_", "+c 1:3 rwm", "+b -1:* ''", "-_ *:* mrw", NULL });
  expect_check_ok ("valid rules");

  rules ((const char *[]){ "-_", "+x 1:3 rwm", NULL });
  expect_check_error ("type x", "linux.resources.devices[1].type");
  rules ((const char *[]){ "+c 1:3 rwa", NULL });
  expect_check_ok ("access rwa (as runc 1.1: the a is ignored)");
  rules ((const char *[]){ "+c 1:3 xa", NULL });
  expect_check_error ("access xa (grants nothing)", "linux.resources.devices[0].access");
  rules ((const char *[]){ "-_", "-_", "+c -2:3 r", NULL });
  expect_check_error ("major -2", "linux.resources.devices[2].major");
  rules ((const char *[]){ "+c 1:4294967295 r", NULL });
  expect_check_error ("minor 2^32-1", "linux.resources.devices[0].minor");

  /* More rules than any filter takes: refused before any work. */
  rules_begin ();
  for (int i = 0; i < 5000; i++)
    rule ("+c 1:3 r");
  expect_check_error ("5000 rules", "5000 rules are more than");

  /* Few enough rules, but too many distinct exceptions for the program. */
  rules_begin ();
  rule ("-_");
  for (int i = 0; i < 1000; i++)
    rule_dev (true, 'c', 10, i, "r");
  expect_check_error ("1000 distinct exceptions", "too many for one device filter");

  /* The same rule repeated merges into one exception: fine. */
  rules_begin ();
  rule ("-_");
  for (int i = 0; i < 3000; i++)
    rule (i % 2 ? "+c 1:3 r" : "+c 1:3 w");
  expect_check_ok ("3000 rules on one device");
}

static void
test_filters (void)
{
  uint32_t ids[8];
  berth_error *err = NULL;

  /* n == 0 attaches nothing. */
  tap_ok (berth_devices_bpf_apply (cg_fd, ptrs, 0, &err) == 0 && attached (cg_fd, ids, 8) == 0,
          "n == 0 on a fresh cgroup attaches nothing");
  check_probes ("no filter", "yyyyyy");

  static const struct scenario first = { "deny all, allow c 1:3 rw", { "-_", "+c 1:3 rw" }, "yyynnn" };
  run_scenario (&first);
  int n1 = attached (cg_fd, ids, 8);
  uint32_t first_id = n1 == 1 ? ids[0] : 0;
  tap_ok (n1 == 1, "one program attached after the first apply (got %d)", n1);

  static const struct scenario second
      = { "deny all, allow c 1:* r, c *:* m", { "-_", "+c 1:* r", "+c -1:-1 m" }, "ynnyyn" };
  run_scenario (&second);

  /* Replacement: exactly one program, not the first one. */
  int n2 = attached (cg_fd, ids, 8);
  tap_ok (n2 == 1 && ids[0] != first_id, "a second apply replaces the program (%d attached, id %u, first %u)", n2,
          n2 > 0 ? ids[0] : 0, first_id);
  uint32_t second_id = n2 == 1 ? ids[0] : 0;

  /* n == 0 leaves the filter in place. */
  tap_ok (berth_devices_bpf_apply (cg_fd, ptrs, 0, &err) == 0 && attached (cg_fd, ids, 8) == 1 && ids[0] == second_id,
          "n == 0 leaves the attached filter as it is");
  check_probes ("n == 0 after deny all, allow c 1:* r, c *:* m", "ynnyyn");

  /* Invalid rules: an error, and the filter stays. */
  rules ((const char *[]){ "-_", "+q 1:3 r", NULL });
  tap_ok (berth_devices_bpf_apply (cg_fd, ptrs, pool_len, &err) < 0 && err != NULL && attached (cg_fd, ids, 8) == 1
              && ids[0] == second_id,
          "invalid rules fail and leave the attached filter");
  berth_error_free (err);
  err = NULL;

  for (size_t i = 0; i < ARRAY_LEN (scenarios); i++)
    run_scenario (&scenarios[i]);

  /* A big but valid filter: 400 distinct exceptions. */
  rules_begin ();
  rule ("-_");
  for (int i = 0; i < 400; i++)
    rule_dev (true, 'c', 10, i, "rwm");
  rule ("+c 1:5 r");
  rule ("+b 7:200 m");
  if (apply ("402 rules"))
    check_probes ("402 rules", "nnnyny");

  tap_ok (attached (cg_fd, ids, 8) == 1, "after all the applies exactly one program is attached");

  /* Someone else's filter attached without BPF_F_ALLOW_MULTI (which
     forbids adding one with it) is replaced in place. */
  tap_ok (detach_all (cg_fd) == 0 && attached (cg_fd, ids, 8) == 0, "test detached the filter");
  tap_ok (attach_exclusive_deny_all (cg_fd) == 0, "test attached a deny-all filter without BPF_F_ALLOW_MULTI");
  check_probes ("foreign exclusive deny-all filter", "nnnnnn");
  static const struct scenario foreign = { "replacing a foreign exclusive filter", { "-_", "+c 1:3 r" }, "ynnnnn" };
  run_scenario (&foreign);
  tap_ok (attached (cg_fd, ids, 8) == 1, "the foreign exclusive filter is replaced, not joined");
}

int
main (void)
{
  char mnt[2048];
  if (geteuid () != 0)
    {
      printf ("1..0 # SKIP needs root\n");
      return 0;
    }
  if (!find_cgroup2 (mnt, sizeof mnt))
    {
      printf ("1..0 # SKIP no cgroup2 mount\n");
      return 0;
    }

  struct timespec now;
  clock_gettime (CLOCK_REALTIME, &now);
  snprintf (cg_path, sizeof cg_path, "%s/berth-test-devbpf-%d-%ld", mnt, (int) getpid (), (long) now.tv_nsec);
  atexit (cleanup);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGALRM, on_signal);
  alarm (120);
  if (mkdir (cg_path, 0755) < 0)
    {
      int e = errno;
      cg_path[0] = '\0';
      printf ("1..0 # SKIP cannot create a cgroup under %s: %s\n", mnt, strerror (e));
      return 0;
    }
  cg_fd = open (cg_path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (mkdtemp (tmp_dir) != NULL)
    tmp_made = true;
  diag ("cgroup %s, tmp %s", cg_path, tmp_dir);

  test_rules_check ();
  if (cg_fd >= 0 && tmp_made)
    test_filters ();
  else
    tap_ok (0, "test cgroup and tmp dir ready");

  if (cg_fd >= 0)
    close (cg_fd);
  cleanup ();
  return tap_done ();
}
