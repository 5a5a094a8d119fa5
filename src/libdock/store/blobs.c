/* Blobs: content-addressed files in blobs/sha256/<hex>.  A blob is written
   under tmp/, hashed as it streams, checked against the digest and size
   expected, fsynced and renamed into place, so a reader sees a whole,
   verified blob or none. */
#include "config.h"

#include "internal.h"
#include "libberth/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

struct dock_blob_writer
{
  dock_store *store;
  int fd;
  char *tmp_name;         /* under tmp/ */
  bool resumable;         /* tmp/partial-<hex>, kept by abort */
  char *expected;         /* NULL: whatever the content hashes to */
  dock_digest_alg alg;
  int64_t expected_size;  /* -1: unknown */
  int64_t written;        /* bytes in the file */
  dock_hasher *hasher;
};

static void
writer_free (dock_blob_writer *w, bool keep_file)
{
  if (w->fd >= 0)
    close (w->fd);
  if (!keep_file && w->tmp_name)
    unlinkat (w->store->tmpfd, w->tmp_name, 0);
  dock_hasher_free (w->hasher);
  free (w->tmp_name);
  free (w->expected);
  free (w);
}

/* Hash what an earlier, interrupted write left, so that the resumed write
   continues the digest. */
static int
rehash_prefix (dock_blob_writer *w, berth_error **err)
{
  struct stat st;
  if (fstat (w->fd, &st) < 0)
    return berth_fail_errno (err, "stat partial blob");
  if (w->expected_size >= 0 && st.st_size > w->expected_size)
    return dock_blob_restart (w, err);
  char buf[1 << 16];
  off_t off = 0;
  while (off < st.st_size)
    {
      ssize_t n = pread (w->fd, buf, sizeof buf, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return berth_fail_errno (err, "read partial blob");
      dock_hasher_update (w->hasher, buf, (size_t) n);
      off += n;
    }
  w->written = st.st_size;
  if (lseek (w->fd, st.st_size, SEEK_SET) < 0)
    return berth_fail_errno (err, "seek partial blob");
  return 0;
}

static int
check_digest (const char *digest, berth_error **err)
{
  dock_digest_alg alg;
  if (dock_digest_parse (digest, &alg, NULL, err) < 0)
    return -1;
  if (alg != DOCK_DIGEST_SHA256)
    return berth_fail (err, 0, "blob %s: only sha256 blobs are stored", digest);
  return 0;
}

int
dock_blob_begin (dock_store *s, const char *expected_digest, int64_t expected_size, dock_blob_writer **out,
                 berth_error **err)
{
  if (dock_digest_load (err) < 0)
    return -1;
  dock_blob_writer *w = xcalloc (1, sizeof *w);
  w->store = s;
  w->fd = -1;
  w->expected_size = expected_size;
  w->alg = DOCK_DIGEST_SHA256;
  if (expected_digest)
    {
      if (check_digest (expected_digest, err) < 0)
        {
          writer_free (w, false);
          return -1;
        }
      w->expected = xstrdup (expected_digest);
      /* One resumable file per digest; a second writer of the same digest
         (another dock pulling the same layer) gets a private file. */
      w->tmp_name = xasprintf ("partial-%s", digest_hex (expected_digest));
      w->fd = openat (s->tmpfd, w->tmp_name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (w->fd >= 0 && flock (w->fd, LOCK_EX | LOCK_NB) == 0)
        w->resumable = true;
      else
        {
          if (w->fd >= 0)
            close (w->fd);
          w->fd = -1;
          free (w->tmp_name);
          w->tmp_name = NULL;
        }
    }
  if (w->tmp_name == NULL)
    {
      w->tmp_name = store_tmp_name ("blob");
      w->fd = openat (s->tmpfd, w->tmp_name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
  if (w->fd < 0)
    {
      berth_fail_errno (err, "create %s/tmp/%s", s->root, w->tmp_name);
      free (w->tmp_name);
      w->tmp_name = NULL;
      writer_free (w, false);
      return -1;
    }
  w->hasher = dock_hasher_new (w->alg);
  if (w->resumable && rehash_prefix (w, err) < 0)
    {
      writer_free (w, false);
      return -1;
    }
  *out = w;
  return 0;
}

int64_t
dock_blob_offset (const dock_blob_writer *w)
{
  return w->written;
}

int
dock_blob_restart (dock_blob_writer *w, berth_error **err)
{
  if (ftruncate (w->fd, 0) < 0 || lseek (w->fd, 0, SEEK_SET) < 0)
    return berth_fail_errno (err, "truncate partial blob");
  dock_hasher_free (w->hasher);
  w->hasher = dock_hasher_new (w->alg);
  w->written = 0;
  return 0;
}

int
dock_blob_write (dock_blob_writer *w, const void *buf, size_t len, berth_error **err)
{
  if (w->expected_size >= 0 && w->written + (int64_t) len > w->expected_size)
    return berth_fail (err, 0, "blob %s: more data than the %lld bytes expected", w->expected ? w->expected : "",
                       (long long) w->expected_size);
  if (write_all (w->fd, buf, len) < 0)
    {
      if (errno == ENOSPC || errno == EDQUOT)
        __atomic_store_n (&w->store->out_of_space, true, __ATOMIC_RELAXED);
      return berth_fail_errno (err, "write blob to %s/tmp", w->store->root);
    }
  dock_hasher_update (w->hasher, buf, len);
  w->written += (int64_t) len;
  return 0;
}

int
dock_blob_commit (dock_blob_writer *w, char digest_out[DOCK_DIGEST_MAX], berth_error **err)
{
  dock_store *s = w->store;
  char got[DOCK_DIGEST_MAX];
  dock_hasher_peek (w->hasher, got);
  int r = -1;
  if (w->expected_size >= 0 && w->written != w->expected_size)
    berth_fail (err, 0, "blob %s: got %lld bytes, expected %lld", w->expected ? w->expected : got,
                (long long) w->written, (long long) w->expected_size);
  else if (w->expected && strcmp (got, w->expected) != 0)
    berth_fail (err, 0, "blob %s: digest mismatch: content hashes to %s", w->expected, got);
  else if (fsync (w->fd) < 0)
    berth_fail_errno (err, "fsync blob %s", got);
  else
    {
      dock_test_crash_point ("blob-before-rename");
      if (renameat (s->tmpfd, w->tmp_name, s->blobsfd, digest_hex (got)) < 0)
        berth_fail_errno (err, "rename blob %s into %s/blobs", got, s->root);
      else
        {
          free (w->tmp_name);
          w->tmp_name = NULL; /* renamed: nothing to remove */
          fsync (s->blobsfd);
          if (digest_out)
            strcpy (digest_out, got);
          r = 0;
        }
    }
  writer_free (w, false);
  return r;
}

void
dock_blob_abort (dock_blob_writer *w)
{
  /* A partial download is kept for the next pull to resume, unless the
     disk is full: then it holds the space the next pull needs (docker
     keeps nothing either way). */
  if (w)
    writer_free (w, w->resumable && w->written > 0 && !__atomic_load_n (&w->store->out_of_space, __ATOMIC_RELAXED));
}

bool
dock_blob_exists (dock_store *s, const char *digest)
{
  return check_digest (digest, NULL) == 0 && faccessat (s->blobsfd, digest_hex (digest), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int
dock_blob_open (dock_store *s, const char *digest, int *fd, int64_t *size, berth_error **err)
{
  if (check_digest (digest, err) < 0)
    return -1;
  int f = openat (s->blobsfd, digest_hex (digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (f < 0)
    return berth_fail_errno (err, "blob %s", digest);
  struct stat st;
  if (fstat (f, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (f);
      return berth_fail (err, 0, "blob %s: not a regular file", digest);
    }
  *fd = f;
  if (size)
    *size = st.st_size;
  return 0;
}

int
dock_blob_read (dock_store *s, const char *digest, size_t max, char **buf, size_t *len, berth_error **err)
{
  cleanup_close int fd = -1;
  int64_t size;
  if (dock_blob_open (s, digest, &fd, &size, err) < 0)
    return -1;
  if ((uint64_t) size > max)
    return berth_fail (err, 0, "blob %s: %lld bytes, more than the %zu allowed", digest, (long long) size, max);
  if (read_all_fd (fd, buf, len, err) < 0)
    return berth_error_wrap (err, "blob %s", digest);
  return 0;
}

int
dock_blob_put (dock_store *s, const void *buf, size_t len, char digest_out[DOCK_DIGEST_MAX], berth_error **err)
{
  if (dock_digest_load (err) < 0)
    return -1;
  cleanup_free char *digest = dock_digest_buf (DOCK_DIGEST_SHA256, buf, len);
  if (digest_out)
    strcpy (digest_out, digest);
  if (dock_blob_exists (s, digest))
    return 0;
  dock_blob_writer *w;
  if (dock_blob_begin (s, NULL, (int64_t) len, &w, err) < 0)
    return -1;
  if (dock_blob_write (w, buf, len, err) < 0)
    {
      dock_blob_abort (w);
      return -1;
    }
  return dock_blob_commit (w, NULL, err);
}
