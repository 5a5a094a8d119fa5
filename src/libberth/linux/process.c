#include "config.h"

#include "process.h"
#include "caps.h"
#include "procfs.h"
#include "../log.h"
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int
cap_list (char **names, size_t n, cap_value_t *out, size_t *nout, const char *set, berth_error **err)
{
  *nout = 0;
  int max = cap_max_bits ();
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
      out[(*nout)++] = v;
    }
  return 0;
}

static int
apply_caps (const oci_capabilities *c, berth_error **err)
{
  cap_value_t list[64];
  size_t n;
  cap_t caps = cap_init ();
  if (caps == NULL)
    return berth_fail_errno (err, "cap_init");
  struct
  {
    char **names;
    size_t len;
    cap_flag_t flag;
    const char *set;
  } sets[] = {
    { c->effective, c->effective_len, CAP_EFFECTIVE, "effective" },
    { c->permitted, c->permitted_len, CAP_PERMITTED, "permitted" },
    { c->inheritable, c->inheritable_len, CAP_INHERITABLE, "inheritable" },
  };
  for (size_t s = 0; s < ARRAY_SIZE (sets); s++)
    {
      cap_list (sets[s].names, sets[s].len, list, &n, sets[s].set, err);
      if (n && cap_set_flag (caps, sets[s].flag, (int) n, list, CAP_SET) < 0)
        {
          cap_free (caps);
          return berth_fail_errno (err, "process.capabilities.%s", sets[s].set);
        }
    }
  int r = cap_set_proc (caps);
  cap_free (caps);
  if (r < 0)
    return berth_fail_errno (err, "process.capabilities: set effective/permitted/inheritable");

  /* One CLEAR_ALL, not libcap's cap_reset_ambient (a syscall per capability). */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return berth_fail_errno (err, "process.capabilities: reset ambient");
  cap_list (c->ambient, c->ambient_len, list, &n, "ambient", err);
  for (size_t i = 0; i < n; i++)
    if (cap_set_ambient (list[i], CAP_SET) < 0)
      return berth_fail_errno (err, "process.capabilities.ambient: raise %s (it must be permitted and inheritable)",
                               cap_to_name (list[i]));
  return 0;
}

static int
drop_bounding (const oci_capabilities *c, berth_error **err)
{
  cap_value_t keep[64];
  size_t n;
  cap_list (c->bounding, c->bounding_len, keep, &n, "bounding", err);
  int max = cap_max_bits ();
  for (int v = 0; v < max; v++)
    {
      bool kept = false;
      for (size_t i = 0; i < n && !kept; i++)
        kept = keep[i] == v;
      if (!kept && cap_drop_bound (v) < 0)
        return berth_fail_errno (err, "process.capabilities.bounding: drop %s", cap_to_name (v));
    }
  return 0;
}

int
berth_apply_identity (const oci_process *p, berth_error **err)
{
  const oci_user *u = p->user;
  uid_t uid = u && u->uid_present ? u->uid : 0;
  gid_t gid = u && u->gid_present ? u->gid : 0;

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
