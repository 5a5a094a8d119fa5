/* The compiled-seccomp cache: compiling a profile the size of podman's
   default costs more than a whole container start, and nearly every
   container of a host uses one of a handful of profiles.  So the program
   is kept under the state root, keyed by everything that decides it, and
   checked whenever it is read back: a damaged entry is a miss, compiled
   again and replaced. */
#include "config.h"

#include "seccomp.h"
#include "seccomp_lib.h"
#include "sha256.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <seccomp.h>

#define MAGIC "BERTHSF1"

/* Native byte order: the program itself is in the host's. */
typedef struct
{
  char magic[8];
  uint8_t key[BERTH_SHA256_LEN];
  uint32_t flags;  /* for seccomp(SECCOMP_SET_MODE_FILTER) */
  uint32_t notify; /* 1: SECCOMP_FILTER_FLAG_NEW_LISTENER, a listener goes to the agent */
  uint32_t len;    /* instructions that follow */
  uint32_t reserved;
  uint8_t sum[BERTH_SHA256_LEN]; /* of flags, notify, len and the program */
} entry_header;

/* A temporary file older than this was left by a berth that died. */
#define STALE_TEMP_SECONDS 60

void
berth_seccomp_cache_key (const oci_seccomp *sec, uint8_t key[BERTH_SHA256_LEN])
{
  berth_sha256 c;
  berth_sha256_init (&c);
  struct utsname u;
  if (uname (&u) < 0)
    memset (&u, 0, sizeof u);
  const struct scmp_version *v = berth_scmp.version ();
  /* The kernel decides which flags are taken (and berth_seccomp_compile
     checks them against it), libseccomp and berth what the program is. */
  char head[512];
  int n = snprintf (head, sizeof head, "berth-seccomp-cache 1\nberth %s %s\nlibseccomp %u.%u.%u\nkernel %s %s\n",
                    PACKAGE_VERSION, GIT_COMMIT, v->major, v->minor, v->micro, u.release, u.machine);
  berth_sha256_update (&c, head, (size_t) n);
  /* The profile re-encoded from what was parsed: one canonical form,
     whatever the spacing and key order of config.json.  Where the
     listener goes and its metadata do not change the program, only
     whether there is one: a socket per pod must not mean a cache entry
     per pod. */
  oci_seccomp same = *sec;
  same.listener_path = sec->listener_path && *sec->listener_path ? (char *) "listener" : NULL;
  same.listener_metadata = NULL;
  size_t len = 0;
  cleanup_free char *canon = oci_seccomp_generate (&same, 0, &len);
  if (canon)
    berth_sha256_update (&c, canon, len);
  berth_sha256_final (&c, key);
}

static void
program_sum (uint32_t flags, uint32_t notify, uint32_t len, const struct sock_filter *insns,
             uint8_t out[BERTH_SHA256_LEN])
{
  berth_sha256 c;
  berth_sha256_init (&c);
  uint32_t fields[3] = { flags, notify, len };
  berth_sha256_update (&c, fields, sizeof fields);
  berth_sha256_update (&c, insns, len * sizeof *insns);
  berth_sha256_final (&c, out);
}

/* Read and check dirfd/name; with key, it must be that key's entry, and
   reading it marks it used (its atime: the eviction order). */
static berth_seccomp_filter *
read_checked (int dirfd, const char *name, const uint8_t *key)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return NULL;
  size_t size = (size_t) st.st_size;
  if (st.st_size < (off_t) sizeof (entry_header)
      || size > sizeof (entry_header) + BPF_MAXINSNS * sizeof (struct sock_filter))
    return NULL;
  cleanup_free uint8_t *buf = xmalloc (size);
  size_t got = 0;
  while (got < size)
    {
      ssize_t r = pread (fd, buf + got, size - got, (off_t) got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return NULL;
      got += (size_t) r;
    }
  entry_header h;
  memcpy (&h, buf, sizeof h);
  if (memcmp (h.magic, MAGIC, sizeof h.magic) != 0 || (key && memcmp (h.key, key, sizeof h.key) != 0)
      || h.len == 0 || h.len > BPF_MAXINSNS || size != sizeof h + h.len * sizeof (struct sock_filter))
    return NULL;
  berth_seccomp_filter *f = xcalloc (1, sizeof *f);
  f->insns = xmalloc (h.len * sizeof *f->insns);
  memcpy (f->insns, buf + sizeof h, h.len * sizeof *f->insns);
  uint8_t sum[BERTH_SHA256_LEN];
  program_sum (h.flags, h.notify, h.len, f->insns, sum);
  if (memcmp (sum, h.sum, sizeof sum) != 0)
    {
      berth_seccomp_filter_free (f);
      return NULL;
    }
  f->len = (unsigned short) h.len;
  f->flags = h.flags;
  f->notify = h.notify != 0;
  memcpy (f->key, h.key, sizeof f->key);
  if (key)
    {
      struct timespec times[2] = { { .tv_nsec = UTIME_NOW }, { .tv_nsec = UTIME_OMIT } };
      futimens (fd, times);
    }
  return f;
}

berth_seccomp_filter *
berth_seccomp_file_read (int dirfd, const char *name, const uint8_t *key)
{
  return read_checked (dirfd, name, key);
}

int
berth_seccomp_file_write (int dirfd, const char *name, const berth_seccomp_filter *f, berth_error **err)
{
  entry_header h = { .flags = f->flags, .notify = f->notify, .len = f->len };
  memcpy (h.magic, MAGIC, sizeof h.magic);
  memcpy (h.key, f->key, sizeof h.key);
  program_sum (h.flags, h.notify, h.len, f->insns, h.sum);
  /* Unique per writer: concurrent creates of a cold cache each write their
     own file and rename it over the others' (all the same bytes). */
  static unsigned counter;
  char tmp[128];
  snprintf (tmp, sizeof tmp, ".tmp-%d-%u-%.16s", (int) getpid (), counter++, name);
  cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return berth_fail_errno (err, "create `%s`", tmp);
  struct iovec iov[2] = { { &h, sizeof h }, { f->insns, f->len * sizeof *f->insns } };
  size_t want = iov[0].iov_len + iov[1].iov_len;
  /* No fsync: after a crash a torn entry fails its check and is rebuilt. */
  ssize_t n = writev (fd, iov, 2);
  if (n != (ssize_t) want || renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = n < 0 ? errno : n != (ssize_t) want ? EIO : errno;
      unlinkat (dirfd, tmp, 0);
      return berth_fail (err, e, "write `%s`", name);
    }
  return 0;
}

/* ------------------------------------------------------------ the bound */

typedef struct
{
  char name[2 * BERTH_SHA256_LEN + 1];
  struct timespec used;
  off_t size;
} entry;

static bool
is_entry_name (const char *s)
{
  size_t i = 0;
  for (; s[i]; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return false;
  return i == 2 * BERTH_SHA256_LEN;
}

static int
by_use (const void *a, const void *b)
{
  const entry *x = a, *y = b;
  if (x->used.tv_sec != y->used.tv_sec)
    return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
  if (x->used.tv_nsec != y->used.tv_nsec)
    return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
  return strcmp (x->name, y->name);
}

/* Remove the least recently used entries (never `fresh`, just written)
   until the cache is within its bounds, and temporary files of writers
   that died.  Runs only after a miss, so a warm cache pays nothing. */
static void
trim (int dirfd, const char *fresh)
{
  DIR *d = opendir_fd (dirfd);
  if (d == NULL)
    return;
  entry *v = NULL;
  size_t n = 0, cap = 0;
  unsigned long long total = 0;
  time_t now = time (NULL);
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      struct stat st;
      if (fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
        continue;
      if (str_has_prefix (de->d_name, ".tmp-"))
        {
          if (st.st_mtime + STALE_TEMP_SECONDS < now)
            unlinkat (dirfd, de->d_name, 0);
          continue;
        }
      if (!is_entry_name (de->d_name))
        continue;
      if (n == cap)
        v = xrealloc (v, (cap = cap ? 2 * cap : 64) * sizeof *v);
      memcpy (v[n].name, de->d_name, sizeof v[n].name);
      v[n].used = st.st_atim;
      v[n].size = st.st_size;
      total += (unsigned long long) st.st_size;
      n++;
    }
  closedir (d);
  qsort (v, n, sizeof *v, by_use);
  size_t left = n;
  for (size_t i = 0; i < n && (left > BERTH_SECCOMP_CACHE_MAX_ENTRIES || total > BERTH_SECCOMP_CACHE_MAX_BYTES);
       i++)
    {
      if (strcmp (v[i].name, fresh) == 0)
        continue;
      /* Whoever has it open keeps reading it; a container keeps its link. */
      if (unlinkat (dirfd, v[i].name, 0) == 0 || errno == ENOENT)
        {
          left--;
          total -= (unsigned long long) v[i].size;
        }
    }
  free (v);
}

berth_seccomp_filter *
berth_seccomp_cache_get (int rootfd, const uint8_t key[BERTH_SHA256_LEN])
{
  cleanup_close int dfd = openat (rootfd, BERTH_SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd < 0)
    return NULL;
  char hex[2 * BERTH_SHA256_LEN + 1];
  berth_sha256_hex (key, hex);
  berth_seccomp_filter *f = read_checked (dfd, hex, key);
  if (f == NULL)
    berth_debug ("linux.seccomp: no cached filter %s: compiling the profile", hex);
  return f;
}

int
berth_seccomp_cache_put (int rootfd, const berth_seccomp_filter *f, berth_error **err)
{
  if (mkdirat (rootfd, BERTH_SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST)
    return berth_fail_errno (err, "create %s", BERTH_SECCOMP_CACHE_DIR);
  cleanup_close int dfd = openat (rootfd, BERTH_SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dfd < 0)
    return berth_fail_errno (err, "open %s", BERTH_SECCOMP_CACHE_DIR);
  char hex[2 * BERTH_SHA256_LEN + 1];
  berth_sha256_hex (f->key, hex);
  if (berth_seccomp_file_write (dfd, hex, f, err) < 0)
    return -1;
  trim (dfd, hex);
  return 0;
}
