#include "config.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>

void
strv_free (char **v)
{
  for (char **p = v; p && *p; p++)
    free (*p);
  free (v);
}

void
strv_freep (char ***v)
{
  strv_free (*v);
  *v = NULL;
}

int
read_all_fd (int fd, char **out, size_t *len, berth_error **err)
{
  size_t cap = 4096, n = 0;
  char *buf = xmalloc (cap);
  for (;;)
    {
      if (n + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          free (buf);
          return berth_fail_errno (err, "read");
        }
      if (r == 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  *out = buf;
  if (len)
    *len = n;
  return 0;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, berth_error **err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return berth_fail_errno (err, "open `%s`", path);
  if (read_all_fd (fd, out, len, err) < 0)
    return berth_error_wrap (err, "%s", path);
  return 0;
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

static bool atomic_fsync = true;

void
write_file_atomic_set_fsync (bool on)
{
  atomic_fsync = on;
}

int
write_file_atomic_at (int dirfd, const char *name, const void *buf, size_t len, int mode, berth_error **err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp.%d", name, (int) getpid ());
  cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return berth_fail_errno (err, "create `%s`", name);
  if (write_all (fd, buf, len) < 0 || (atomic_fsync && fsync (fd) < 0))
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return berth_fail (err, e, "write `%s`", name);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return berth_fail (err, e, "rename to `%s`", name);
    }
  return 0;
}

int
mkdir_parents (const char *path, mode_t parents_mode, mode_t leaf_mode, char **failed)
{
  *failed = NULL;
  /* Nearly always the directory exists or only its leaf is missing: try
     the leaf before walking down from the top. */
  if (mkdir (path, leaf_mode) == 0 || errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    {
      int e = errno;
      *failed = xstrdup (path);
      errno = e;
      return -1;
    }
  cleanup_free char *p = xstrdup (path);
  for (char *slash = p + 1;; slash++)
    {
      if (*slash != '/' && *slash != '\0')
        continue;
      char saved = *slash;
      *slash = '\0';
      if (mkdir (p, saved ? parents_mode : leaf_mode) < 0 && errno != EEXIST)
        {
          int e = errno;
          *failed = steal_pointer (&p);
          errno = e;
          return -1;
        }
      if (saved == '\0')
        return 0;
      *slash = saved;
    }
}

DIR *
opendir_fd (int dirfd)
{
  /* Not dup(2): a duplicate shares the file offset, so a second walk of
     the same dirfd would start where the first one ended. */
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      int e = errno;
      close (fd);
      errno = e;
    }
  return d;
}

bool
str_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

int
parse_uint64 (const char *s, unsigned long long *out)
{
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

void
rfc3339_now (char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime (CLOCK_REALTIME, &ts);
  /* Not gmtime_r: glibc's reads /etc/localtime (tzset) for a UTC date.
     Days to a civil date in the proleptic Gregorian calendar, counted in
     400-year eras that start on 1 March. */
  long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
  if (secs < 0)
    secs += 86400, days--;
  days += 719468;
  long long era = (days >= 0 ? days : days - 146096) / 146097;
  long long doe = days - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  tm.tm_mday = (int) (doy - (153 * mp + 2) / 5 + 1);
  tm.tm_mon = (int) (mp < 10 ? mp + 2 : mp - 10);
  tm.tm_year = (int) (yoe + era * 400 + (tm.tm_mon < 2) - 1900);
  tm.tm_hour = (int) (secs / 3600), tm.tm_min = (int) (secs / 60 % 60), tm.tm_sec = (int) (secs % 60);
  snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

char *
host_user_name (uid_t uid)
{
  cleanup_fclose FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];
  while (f && fgets (line, sizeof line, f))
    {
      /* name:password:uid:... */
      char *c1 = strchr (line, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      char *c3 = c2 ? strchr (c2 + 1, ':') : NULL;
      unsigned long long u;
      if (c3 == NULL)
        continue;
      *c1 = *c3 = '\0';
      if (parse_uint64 (c2 + 1, &u) == 0 && u == uid)
        return xstrdup (line);
    }
  struct passwd *pw = getpwuid (uid);
  return pw ? xstrdup (pw->pw_name) : NULL;
}

ssize_t
send_with_fd (int sock, const void *buf, size_t len, int fd)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  memset (cbuf, 0, sizeof cbuf);
  struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (fd >= 0)
    {
      msg.msg_control = cbuf;
      msg.msg_controllen = sizeof cbuf;
      struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &fd, sizeof (int));
    }
  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n;
}

ssize_t
recv_with_fd (int sock, void *buf, size_t len, int *fd)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = buf, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  *fd = -1;
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return n;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR (&msg); cm; cm = CMSG_NXTHDR (&msg, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len >= CMSG_LEN (sizeof (int)))
      {
        /* One fd is all any peer of ours sends; close extras a hostile
           peer might add rather than leak them. */
        size_t nfds = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int);
        for (size_t i = 0; i < nfds; i++)
          {
            int got;
            memcpy (&got, CMSG_DATA (cm) + i * sizeof (int), sizeof got);
            if (*fd < 0)
              *fd = got;
            else
              close (got);
          }
      }
  return n;
}

int
unix_stream_connect (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  strcpy (addr.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int r;
  do
    r = connect (fd, (struct sockaddr *) &addr, sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    {
      int e = errno;
      close (fd);
      errno = e;
      return -1;
    }
  return fd;
}

static int
cmp_int (const void *a, const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

void
close_fds_except (const int *keep, size_t n)
{
  int *sorted = xmalloc ((n + 1) * sizeof *sorted);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (keep[i] >= 3)
      sorted[m++] = keep[i];
  qsort (sorted, m, sizeof *sorted, cmp_int);
  unsigned int from = 3;
  for (size_t i = 0; i < m; i++)
    {
      if ((unsigned int) sorted[i] > from)
        syscall (SYS_close_range, from, (unsigned int) sorted[i] - 1, 0);
      if ((unsigned int) sorted[i] >= from)
        from = (unsigned int) sorted[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);
  free (sorted);
}

/* The pid file of --pid-file, written beside itself and renamed: a reader
   sees the old content or the whole new one. */
int
berth_write_pid_file (const char *path, pid_t pid, berth_error **err)
{
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  const char *name = slash ? slash + 1 : path;
  if (slash)
    slash[slash == dir] = '\0'; /* "/x" keeps "/" */
  cleanup_close int dirfd = open (slash ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  char buf[24];
  int n = snprintf (buf, sizeof buf, "%d", (int) pid);
  if (dirfd < 0)
    return berth_fail_errno (err, "--pid-file `%s`", path);
  if (write_file_atomic_at (dirfd, name, buf, (size_t) n, 0644, err) < 0)
    return berth_error_wrap (err, "--pid-file `%s`", path);
  return 0;
}
