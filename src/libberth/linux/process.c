#include "config.h"

#include "process.h"
#include "caps.h"
#include "procfs.h"
#include "lsm.h"
#include "mempolicy.h"
#include "sched.h"
#include "../log.h"
#include <stdlib.h>
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },       { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },       { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },   { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },   { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

int
berth_rlimit_from_name (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (rlimits); i++)
    if (strcmp (rlimits[i].name, name) == 0)
      return rlimits[i].resource;
  return -1;
}

int
berth_check_rlimits (const oci_process *p, berth_error **err)
{
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const oci_rlimit *l = p->rlimits[i];
      if (berth_rlimit_from_name (l->type) < 0)
        return berth_fail (err, 0, "process.rlimits[%zu].type: unknown rlimit `%s`", i, l->type);
      for (size_t j = 0; j < i; j++)
        if (strcmp (p->rlimits[j]->type, l->type) == 0)
          return berth_fail (err, 0, "process.rlimits[%zu].type: %s is already set by rlimits[%zu]", i, l->type, j);
      if (l->soft > l->hard)
        return berth_fail (err, 0, "process.rlimits[%zu]: %s soft limit %llu is above the hard limit %llu", i,
                           l->type, (unsigned long long) l->soft, (unsigned long long) l->hard);
    }
  return 0;
}

int
berth_apply_rlimits (const oci_process *p, berth_error **err)
{
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const oci_rlimit *l = p->rlimits[i];
      int res = berth_rlimit_from_name (l->type);
      if (res < 0)
        return berth_fail (err, 0, "process.rlimits[%zu]: unknown rlimit `%s`", i, l->type);
      struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };
      if (setrlimit (res, &rl) < 0)
        {
          if (errno == EPERM)
            return berth_fail (err, errno,
                               "process.rlimits[%zu]: raise the %s hard limit to %llu (needs CAP_SYS_RESOURCE)", i,
                               l->type, (unsigned long long) l->hard);
          return berth_fail_errno (err, "process.rlimits[%zu]: set %s to %llu/%llu", i, l->type,
                                   (unsigned long long) l->soft, (unsigned long long) l->hard);
        }
    }
  return 0;
}

int
berth_apply_oom_score_adj (int procfd, const oci_process *p, berth_error **err)
{
  if (!p->oom_score_adj_present)
    return 0;
  char buf[16];
  int n = snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
  cleanup_close int fd = berth_proc_open (procfd, "self/oom_score_adj", O_WRONLY);
  if (fd < 0 || write_all (fd, buf, (size_t) n) < 0)
    {
      if (errno == EACCES || errno == EPERM)
        return berth_fail (err, errno,
                           "process.oomScoreAdj: cannot set %d (lowering it needs CAP_SYS_RESOURCE, which berth lacks)",
                           p->oom_score_adj);
      return berth_fail_errno (err, "process.oomScoreAdj: write %d", p->oom_score_adj);
    }
  return 0;
}

int
berth_apply_hostname (const oci_spec *s, berth_error **err)
{
  /* An empty name is not set (as runc): validate.c lets it pass without a UTS namespace. */
  if (s->hostname && *s->hostname && sethostname (s->hostname, strlen (s->hostname)) < 0)
    return berth_fail_errno (err, "sethostname `%s`", s->hostname);
  if (s->domainname && *s->domainname && setdomainname (s->domainname, strlen (s->domainname)) < 0)
    return berth_fail_errno (err, "setdomainname `%s`", s->domainname);
  return 0;
}

int
berth_apply_sysctl (int procfd, const oci_spec *s, berth_error **err)
{
  if (s->linux == NULL)
    return 0;
  for (size_t i = 0; i < s->linux->sysctl.len; i++)
    {
      const char *key = s->linux->sysctl.keys[i], *value = s->linux->sysctl.values[i];
      /* The name and the namespace it needs were checked by validate.c.
         Through the runtime's procfs, never the container's /proc: a sysctl
         belongs to the namespaces of the writer, not to the procfs instance.
         As sysctl(8): in the dotted form a slash stands for a dot
         ("net.ipv4.conf.eth0/100.rp_filter"); the slash form is a path. */
      cleanup_free char *path = xasprintf ("sys/%s", key);
      bool dotted = key[strcspn (key, "./")] == '.';
      for (char *c = path + 4; dotted && *c; c++)
        *c = *c == '.' ? '/' : *c == '/' ? '.' : *c;
      cleanup_close int fd = berth_proc_open (procfd, path, O_WRONLY);
      if (fd < 0 || write_all (fd, value, strlen (value)) < 0)
        return berth_fail_errno (err, "linux.sysctl: set %s=%s", key, value);
    }
  return 0;
}

/* A capability set as a bit mask: names repeated in the config (JSON
   allows 400 x "CAP_KILL") collapse, and no number of them can overflow
   anything while the init still runs as the host's root. */
typedef uint64_t cap_mask;
#define CAP_MASK_BITS 64

/* How many capabilities the kernel knows (cap_last_cap + 1), probed with
   PR_CAPBSET_READ (EINVAL past the last) as libcap does, but only when a
   process is set up, not at every start of berth as libcap's constructor
   did; six prctl of a binary search, then cached. */
static int
kernel_cap_count (void)
{
  static int count;
  if (count == 0)
    {
      int lo = 0, hi = CAP_MASK_BITS; /* cap lo exists (CAP_CHOWN), cap hi does not */
      while (hi - lo > 1)
        {
          int mid = (lo + hi) / 2;
          if (prctl (PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
            lo = mid;
          else
            hi = mid;
        }
      count = hi;
    }
  return count;
}

static cap_mask
cap_mask_of (char **names, size_t n, const char *set)
{
  cap_mask m = 0;
  int max = kernel_cap_count ();
  for (size_t i = 0; i < n; i++)
    {
      int v = berth_cap_from_name (names[i]);
      if (v < 0 || v >= max)
        {
          /* As runc: a capability this kernel or this berth does not know
             is skipped with a warning, so one config serves many kernels. */
          berth_warn ("process.capabilities.%s: unknown or unavailable capability `%s` ignored", set, names[i]);
          continue;
        }
      m |= (cap_mask) 1 << v;
    }
  return m;
}

static int
apply_caps (const oci_capabilities *c, berth_error **err)
{
  /* capset(2) directly: version 3 takes two 32-bit words per set. */
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
  cap_mask effective = cap_mask_of (c->effective, c->effective_len, "effective");
  cap_mask permitted = cap_mask_of (c->permitted, c->permitted_len, "permitted");
  cap_mask inheritable = cap_mask_of (c->inheritable, c->inheritable_len, "inheritable");
  for (int w = 0; w < _LINUX_CAPABILITY_U32S_3; w++)
    {
      data[w].effective = (uint32_t) (effective >> (32 * w));
      data[w].permitted = (uint32_t) (permitted >> (32 * w));
      data[w].inheritable = (uint32_t) (inheritable >> (32 * w));
    }
  if (syscall (SYS_capset, &hdr, data) < 0)
    return berth_fail_errno (err, "process.capabilities: set effective/permitted/inheritable");

  /* One CLEAR_ALL, not libcap's cap_reset_ambient (a syscall per capability). */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return berth_fail_errno (err, "process.capabilities: reset ambient");
  /* `runc spec` and `crun spec` list ambient capabilities without
     inheritable ones, which the kernel refuses to raise: as runc and crun
     do (and as the spec says of capabilities that cannot be granted), that
     is a warning, and the process runs without them. */
  cap_mask ambient = cap_mask_of (c->ambient, c->ambient_len, "ambient");
  cleanup_free char *refused = NULL;
  int max = kernel_cap_count ();
  for (int v = 0; v < max; v++)
    if ((ambient >> v & 1) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
      {
        char *more = xasprintf ("%s%s%s", refused ? refused : "", refused ? ", " : "", berth_cap_name (v));
        free (refused);
        refused = more;
      }
  if (refused)
    berth_warn ("process.capabilities.ambient: %s not raised (an ambient capability must be permitted and "
                "inheritable)",
                refused);
  return 0;
}

static int
drop_bounding (const oci_capabilities *c, berth_error **err)
{
  cap_mask keep = cap_mask_of (c->bounding, c->bounding_len, "bounding");
  int max = kernel_cap_count ();
  for (int v = 0; v < max; v++)
    if (!(keep >> v & 1) && prctl (PR_CAPBSET_DROP, v, 0, 0, 0) < 0)
      return berth_fail_errno (err, "process.capabilities.bounding: drop %s", berth_cap_name (v));
  return 0;
}

/* The kernel's NGROUPS_MAX (65536 since Linux 2.6.4): setgroups refuses a
   longer list with a bare EINVAL, so say it up front. */
static long
groups_max (void)
{
  long max = sysconf (_SC_NGROUPS_MAX);
  return max > 0 ? max : 65536;
}

int
berth_check_identity (const oci_process *p, const char *what, berth_error **err)
{
  const oci_user *u = p->user;
  if (u && u->additional_gids_len > (size_t) groups_max ())
    return berth_fail (err, 0, "%suser.additionalGids: %zu groups, more than the kernel allows (%ld)", what,
                       u->additional_gids_len, groups_max ());
  return 0;
}

/* As runc: stdio passed as pipes or sockets belongs to the process's uid,
   so that it can reopen /dev/stdout (/proc/self/fd/1) after the uid
   change.  Only anonymous ones (pipefs, sockfs): a regular file, a named
   fifo or a device node on the host is the host's, and runc's chown of
   those is a change to the host that berth does not make.  Failures are
   ignored as runc ignores them (an owner not mapped in the user
   namespace, a read-only file system): the process runs either way. */
static void
chown_stdio (uid_t uid)
{
  for (int fd = 0; fd < 3; fd++)
    {
      struct stat st;
      struct statfs sfs;
      if (fstat (fd, &st) < 0 || st.st_uid == uid || !(S_ISFIFO (st.st_mode) || S_ISSOCK (st.st_mode)))
        continue;
      if (fstatfs (fd, &sfs) < 0 || (sfs.f_type != PIPEFS_MAGIC && sfs.f_type != SOCKFS_MAGIC))
        continue;
      if (fchown (fd, uid, (gid_t) -1) < 0)
        berth_debug ("stdio fd %d: chown to uid %u: %s", fd, (unsigned) uid, strerror (errno));
    }
}

int
berth_apply_identity (const oci_process *p, berth_error **err)
{
  const oci_user *u = p->user;
  uid_t uid = u && u->uid_present ? u->uid : 0;
  gid_t gid = u && u->gid_present ? u->gid : 0;

  if (berth_check_identity (p, "process.", err) < 0)
    return -1;
  chown_stdio (uid);
  /* The bounding set can only shrink while we still hold CAP_SETPCAP. */
  if (p->capabilities && drop_bounding (p->capabilities, err) < 0)
    return -1;

  if (u && u->additional_gids)
    {
      if (setgroups (u->additional_gids_len, u->additional_gids) < 0)
        return berth_fail_errno (err, "process.user.additionalGids: setgroups");
    }
  else if (setgroups (0, NULL) < 0 && errno != EPERM)
    return berth_fail_errno (err, "setgroups");

  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return berth_fail_errno (err, "prctl(PR_SET_KEEPCAPS)");
  if (setresgid (gid, gid, gid) < 0)
    return berth_fail_errno (err, "process.user.gid: setresgid(%u)", (unsigned) gid);
  if (setresuid (uid, uid, uid) < 0)
    return berth_fail_errno (err, "process.user.uid: setresuid(%u)", (unsigned) uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return berth_fail_errno (err, "prctl(PR_SET_KEEPCAPS)");

  if (p->capabilities && apply_caps (p->capabilities, err) < 0)
    return -1;
  if (u && u->umask_present)
    umask ((mode_t) u->umask);
  else
    umask (0022);
  return 0;
}

int
berth_passed_fds_reserve (int count, unsigned char **gaps, berth_error **err)
{
  *gaps = NULL;
  for (int fd = 3; fd < 3 + count; fd++)
    {
      if (fd == berth_log_file_fd ())
        return berth_fail (err, 0, "--preserve-fds: fd %d is berth's --log file, not the caller's", fd);
      if (fcntl (fd, F_GETFD) >= 0)
        continue;
      int placeholder = open ("/", O_PATH | O_CLOEXEC);
      if (placeholder < 0)
        return berth_fail_errno (err, "--preserve-fds: hold fd %d", fd);
      if (placeholder != fd)
        {
          int r = dup3 (placeholder, fd, O_CLOEXEC);
          close (placeholder);
          if (r < 0)
            return berth_fail_errno (err, "--preserve-fds: hold fd %d", fd);
        }
      if (*gaps == NULL)
        *gaps = xcalloc ((size_t) count, 1);
      (*gaps)[fd - 3] = 1;
    }
  return 0;
}

void
berth_passed_fds_release (int count, unsigned char *gaps)
{
  for (int i = 0; gaps && i < count; i++)
    if (gaps[i])
      close (3 + i);
  free (gaps);
}

/* When the filter goes in.  Without no_new_privs loading it needs
   CAP_SYS_ADMIN, so before the identity drops it; with it, as late as
   possible so that few of our own syscalls run under it: before the
   process is reported ready when a listener fd must reach the runtime
   (the init's `create`, exec's berth), otherwise just before execve. */
static berth_seccomp_when
seccomp_point (const berth_process_plan *pp)
{
  const oci_process *p = pp->p;
  if (!(p->no_new_privileges_present && p->no_new_privileges))
    return BERTH_SECCOMP_BEFORE_IDENTITY;
  return pp->seccomp->notify ? BERTH_SECCOMP_BEFORE_READY : BERTH_SECCOMP_BEFORE_EXEC;
}

static int
load_seccomp_at (const berth_process_plan *pp, berth_seccomp_when when, berth_error **err)
{
  if (pp->seccomp == NULL || seccomp_point (pp) != when)
    return 0;
  return berth_seccomp_load (pp->seccomp, when == BERTH_SECCOMP_BEFORE_EXEC ? -1 : pp->sync_fd, err);
}

int
berth_process_setup (const berth_process_plan *pp, berth_error **err)
{
  const oci_process *p = pp->p;
  if (berth_apply_rlimits (p, err) < 0)
    return -1;
  if (berth_lsm_set_exec_labels (pp->procfd, p->apparmor_profile, p->selinux_label, err) < 0)
    return -1;
  /* They may need CAP_SYS_NICE or CAP_SYS_ADMIN: before the identity. */
  if (berth_apply_sched_attrs (p, pp->personality, err) < 0)
    return -1;
  /* Before any filter (profiles allow set_mempolicy only with
     CAP_SYS_NICE); everything the process starts inherits it. */
  if (berth_apply_mempolicy (pp->mempolicy, err) < 0)
    return -1;
  if (load_seccomp_at (pp, BERTH_SECCOMP_BEFORE_IDENTITY, err) < 0)
    return -1;
  if (berth_apply_identity (p, err) < 0)
    return -1;
  if (p->no_new_privileges_present && p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return berth_fail_errno (err, "prctl(PR_SET_NO_NEW_PRIVS)");
  /* Whatever the caller left open beyond the preserved fds dies at exec;
     the preserved ones survive it even if the caller marked them
     close-on-exec, and a gap among them is closed again. */
  syscall (SYS_close_range, 3 + pp->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  for (int fd = 3; fd < 3 + pp->preserve_fds; fd++)
    if (pp->fd_gaps && pp->fd_gaps[fd - 3])
      close (fd);
    else if (fcntl (fd, F_SETFD, 0) < 0)
      return berth_fail_errno (err, "--preserve-fds: fd %d", fd);
  return load_seccomp_at (pp, BERTH_SECCOMP_BEFORE_READY, err);
}

int
berth_process_last_steps (const berth_process_plan *pp, berth_error **err)
{
  if (berth_apply_cpu_affinity (pp->p, true, err) < 0)
    return -1;
  return load_seccomp_at (pp, BERTH_SECCOMP_BEFORE_EXEC, err);
}

const char *
berth_env_get (char **env, size_t n, const char *key)
{
  size_t kl = strlen (key);
  for (size_t i = n; i-- > 0;)
    if (strncmp (env[i], key, kl) == 0 && env[i][kl] == '=')
      return env[i] + kl + 1;
  return NULL;
}

char *
berth_find_executable (const oci_process *p, berth_error **err)
{
  if (p->args == NULL || p->args_len == 0 || p->args[0][0] == '\0')
    {
      berth_fail (err, 0, "process.args: must name the program to run");
      return NULL;
    }
  const char *name = p->args[0];
  struct stat st;
  if (strchr (name, '/'))
    {
      if (stat (name, &st) < 0)
        {
          berth_fail_errno (err, "exec `%s`", name);
          return NULL;
        }
      if (S_ISDIR (st.st_mode))
        {
          berth_fail (err, EACCES, "exec `%s`: is a directory", name);
          return NULL;
        }
      /* Refused now, while create can still fail, rather than by execve
         after start: engines tell "cannot run" (126) from "not found" (127). */
      if (!(st.st_mode & 0111))
        {
          berth_fail (err, EACCES, "exec `%s`: not executable", name);
          return NULL;
        }
      return xstrdup (name);
    }
  const char *path = berth_env_get (p->env, p->env_len, "PATH");
  if (path == NULL)
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  cleanup_free char *copy = xstrdup (path);
  char *save = NULL;
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      char *cand = xasprintf ("%s/%s", *dir ? dir : ".", name);
      if (stat (cand, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 0111))
        return cand;
      free (cand);
    }
  berth_fail (err, ENOENT, "exec `%s`: not found in $PATH", name);
  return NULL;
}

/* HOME from the container's /etc/passwd entry for the process's uid, "/"
   without one, as runc and crun do, unless process.env sets it.  The file
   is the container's own: it is read with O_NONBLOCK and only if regular,
   so a fifo or a device there cannot stall or fool the init. */
void
berth_default_home (oci_process *p)
{
  for (size_t i = 0; i < p->env_len; i++)
    if (strncmp (p->env[i], "HOME=", 5) == 0)
      return;
  uid_t uid = p->user ? p->user->uid : 0;
  cleanup_free char *home = NULL;
  cleanup_close int fd = open ("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  if (fd >= 0 && fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_size < (1 << 20))
    {
      cleanup_fclose FILE *f = fdopen (steal_fd (&fd), "r");
      char line[1024];
      while (f && home == NULL && fgets (line, sizeof line, f))
        {
          /* name:password:uid:gid:gecos:home:shell */
          char *fields[7] = { 0 }, *s = line;
          size_t n = 0;
          for (char *c = strsep (&s, ":"); c && n < 7; c = strsep (&s, ":"))
            fields[n++] = c;
          unsigned long long u;
          if (n >= 6 && parse_uint64 (fields[2], &u) == 0 && u == uid && fields[5][0] == '/')
            home = xstrdup (fields[5]);
        }
    }
  cleanup_free char *var = xasprintf ("HOME=%s", home ? home : "/");
  oci_strv_append (&p->env, &p->env_len, var);
}
