/* Unpacking a layer: libarchive reads the (possibly compressed) blob as a
   raw stream, which we hash (the diff ID is the digest of the uncompressed
   tar) and feed to a second libarchive reader for the tar itself.  Each
   entry is written through the resolver (resolver.h), whiteouts become
   overlay's (a 0:0 character device; an opaque directory gets
   trusted.overlay.opaque=y), and nothing is held in memory but one
   buffer.  The caller unpacks into a fresh directory and renames it into
   place only when this returns 0. */
#include "config.h"

#include "archive_api.h"
#include "image_spec.h"
#include "resolver.h"
#include "libberth/util.h"
#include "unpack.h"
#include "libdock/ref/digest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

typedef struct
{
  char *path; /* clean path of a directory, "" for the root */
  struct timespec times[2];
} deferred_dir;

typedef struct
{
  const dock_archive_api *a;
  struct archive *outer, *inner;
  dock_hasher *hasher;
  int rootfd;
  int64_t size;
  char *outer_error; /* the outer reader's failure, reported instead of the inner's */
  deferred_dir *dirs;
  size_t ndirs, capdirs;
  /* The last entry's parent directory, kept open (entry_parent). */
  int parent_fd;
  char *parent_path;
  size_t parent_len;
  /* What a new file gets without fchown/fchmod: the caller's owner (unless
     a set-group-ID directory hands down its group) and the mode asked for
     minus the umask (all bits "masked" when a default ACL decides it). */
  uid_t euid;
  gid_t egid;
  bool setgid_dir;
  mode_t umask;
  char buf[1 << 16];
} unpacker;

static la_ssize_t
inner_read (struct archive *inner, void *data, const void **out)
{
  unpacker *u = data;
  la_ssize_t n = u->a->archive_read_data (u->outer, u->buf, sizeof u->buf);
  if (n < 0)
    {
      free (u->outer_error);
      u->outer_error = xstrdup (u->a->archive_error_string (u->outer) ?: "read error");
      return -1;
    }
  dock_hasher_update (u->hasher, u->buf, (size_t) n);
  *out = u->buf;
  return n;
}

static int __attribute__ ((format (printf, 4, 5)))
entry_fail (berth_error **err, const char *path, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *what = NULL;
  if (vasprintf (&what, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return berth_fail (err, errnum, "tar entry \"%s\": %s", path, what);
}

/* The directory of the entry at path, opened in root (resolver.h) or
   reused: entries come directory by directory, and an entry can only add,
   replace or remove a name inside its own directory, never change how
   that directory resolves, so the next entry with the same parent may use
   the same fd; an entry with any other parent resolves its own.  The fd
   is the unpacker's (not to be closed). */
static int
entry_parent (unpacker *u, const char *path, bool create, const char **base, berth_error **err)
{
  const char *slash = strrchr (path, '/');
  size_t dirlen = slash ? (size_t) (slash - path) : 0;
  *base = slash ? slash + 1 : path;
  if (u->parent_fd >= 0 && u->parent_len == dirlen && memcmp (u->parent_path, path, dirlen) == 0)
    return u->parent_fd;
  int fd = dock_layer_open_parent (u->rootfd, path, create, base, err);
  if (fd < 0)
    return -1;
  if (u->parent_fd >= 0)
    close (u->parent_fd);
  free (u->parent_path);
  u->parent_fd = fd;
  u->parent_path = xstrndup (path, dirlen);
  u->parent_len = dirlen;
  return fd;
}

/* Make room for a new entry at parent/base: a directory stays (a later
   entry for it only updates its metadata), anything else goes. */
static int
clear_slot (int parent, const char *base, bool keep_dir, bool *is_dir, berth_error **err)
{
  struct stat st;
  *is_dir = false;
  if (fstatat (parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : berth_fail_errno (err, "stat %s", base);
  if (S_ISDIR (st.st_mode))
    {
      if (keep_dir)
        {
          *is_dir = true;
          return 0;
        }
      return dock_layer_remove_tree (parent, base, err);
    }
  if (unlinkat (parent, base, 0) < 0)
    return berth_fail_errno (err, "remove %s", base);
  return 0;
}

static void
entry_times (unpacker *u, struct archive_entry *e, struct timespec ts[2])
{
  ts[1] = (struct timespec){ u->a->archive_entry_mtime (e), u->a->archive_entry_mtime_nsec (e) };
  if (u->a->archive_entry_atime_is_set (e))
    ts[0] = (struct timespec){ u->a->archive_entry_atime (e), u->a->archive_entry_atime_nsec (e) };
  else
    ts[0] = ts[1];
}

static int
set_xattrs (unpacker *u, struct archive_entry *e, int fd, const char *path, berth_error **err)
{
  const char *name;
  const void *value;
  size_t size;
  u->a->archive_entry_xattr_reset (e);
  while (u->a->archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK)
    if (fsetxattr (fd, name, value, size, 0) < 0)
      return entry_fail (err, path, errno, "set xattr %s", name);
  return 0;
}

/* Whether a newly made entry already has the entry's owner. */
static bool
owner_is_callers (unpacker *u, struct archive_entry *e)
{
  return !u->setgid_dir && (uid_t) u->a->archive_entry_uid (e) == u->euid
         && (gid_t) u->a->archive_entry_gid (e) == u->egid;
}

/* Owner, mode, xattrs of an open file or directory (chown first: it clears
   set-id bits).  created_mode: the mode it was created with, when that
   was not reduced by the umask (then no chmod is needed), else -1. */
static int
set_fd_metadata (unpacker *u, struct archive_entry *e, int fd, const char *path, int created_mode,
                 berth_error **err)
{
  if (!owner_is_callers (u, e)
      && fchown (fd, (uid_t) u->a->archive_entry_uid (e), (gid_t) u->a->archive_entry_gid (e)) < 0)
    return entry_fail (err, path, errno, "chown");
  mode_t perm = u->a->archive_entry_perm (e) & 07777;
  if ((int) perm != created_mode && fchmod (fd, perm) < 0)
    return entry_fail (err, path, errno, "chmod");
  return set_xattrs (u, e, fd, path, err);
}

/* A create that found something at parent/base (EEXIST): clear the slot
   once and let the caller try again. */
static bool
retry_after_clearing (int *tries, int parent, const char *base, int *failed_errno, berth_error **err)
{
  *failed_errno = errno;
  if (*failed_errno != EEXIST || (*tries)++ > 0)
    return false;
  bool is_dir;
  if (clear_slot (parent, base, false, &is_dir, err) < 0)
    {
      *failed_errno = -1; /* err is set */
      return false;
    }
  return true;
}

static int
write_file (unpacker *u, struct archive_entry *e, int parent, const char *base, const char *path, berth_error **err)
{
  /* Created with its final mode (the open fd may write whatever the mode
     says), so that chmod is needed only for set-id bits or a umask. */
  mode_t perm = u->a->archive_entry_perm (e) & 07777;
  int created_mode = (perm & 07000) == 0 && (perm & u->umask) == 0 ? (int) perm : -1;
  cleanup_close int fd = -1;
  for (int tries = 0, failed;;)
    {
      fd = openat (parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm & 0777);
      if (fd >= 0)
        break;
      if (!retry_after_clearing (&tries, parent, base, &failed, err))
        return failed < 0 ? berth_error_wrap (err, "tar entry \"%s\"", path) : entry_fail (err, path, failed, "create");
    }
  const void *block;
  size_t len;
  la_int64_t off, end = 0;
  int r;
  while ((r = u->a->archive_read_data_block (u->inner, &block, &len, &off)) == ARCHIVE_OK)
    {
      /* pwrite at the block's offset: sparse files keep their holes. */
      const char *p = block;
      while (len > 0)
        {
          ssize_t n = pwrite (fd, p, len, off);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            return entry_fail (err, path, errno, "write");
          p += n;
          len -= (size_t) n;
          off += n;
        }
      end = off;
    }
  if (r != ARCHIVE_EOF)
    return entry_fail (err, path, 0, "%s", u->outer_error ?: u->a->archive_error_string (u->inner) ?: "read error");
  /* The file is new: only a hole at its end needs a truncate. */
  la_int64_t size = u->a->archive_entry_size (e);
  if (end != size && ftruncate (fd, size) < 0)
    return entry_fail (err, path, errno, "truncate");
  /* Sizes are the tar's: sparse entries of 2^62 bytes each fit a tmpfs. */
  if (__builtin_add_overflow (u->size, size, &u->size))
    return entry_fail (err, path, EFBIG, "the layer's size");
  if (set_fd_metadata (u, e, fd, path, created_mode, err) < 0)
    return -1;
  struct timespec ts[2];
  entry_times (u, e, ts);
  if (futimens (fd, ts) < 0)
    return entry_fail (err, path, errno, "set times");
  return 0;
}

static int
write_dir (unpacker *u, struct archive_entry *e, int parent, const char *base, const char *path, berth_error **err)
{
  cleanup_close int fd = -1;
  if (*base == '\0')
    fd = openat (u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  else
    {
      /* An existing directory stays (this entry only updates its
         metadata); anything else in its place goes. */
      if (mkdirat (parent, base, 0700) < 0)
        {
          bool is_dir;
          if (errno != EEXIST)
            return entry_fail (err, path, errno, "mkdir");
          if (clear_slot (parent, base, true, &is_dir, err) < 0)
            return berth_error_wrap (err, "tar entry \"%s\"", path);
          if (!is_dir && mkdirat (parent, base, 0700) < 0)
            return entry_fail (err, path, errno, "mkdir");
        }
      fd = openat (parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return entry_fail (err, path, errno, "open directory");
  /* Set before the chown check: a set-group-ID directory gives what is
     made in it its own group, not the caller's. */
  if (u->a->archive_entry_perm (e) & S_ISGID)
    u->setgid_dir = true;
  if (set_fd_metadata (u, e, fd, path, -1, err) < 0)
    return -1;
  /* Its times are set at the end: the entries written into it change them. */
  if (u->ndirs == u->capdirs)
    {
      u->capdirs = u->capdirs ? 2 * u->capdirs : 64;
      u->dirs = xrealloc (u->dirs, u->capdirs * sizeof *u->dirs);
    }
  deferred_dir *d = &u->dirs[u->ndirs++];
  d->path = xstrdup (path);
  entry_times (u, e, d->times);
  return 0;
}

/* Symlinks, devices, fifos: no fd to work through, so *at with NOFOLLOW. */
static int
set_path_metadata (unpacker *u, struct archive_entry *e, int parent, const char *base, const char *path,
                   bool is_link, berth_error **err)
{
  if (!owner_is_callers (u, e)
      && fchownat (parent, base, (uid_t) u->a->archive_entry_uid (e), (gid_t) u->a->archive_entry_gid (e),
                   AT_SYMLINK_NOFOLLOW)
           < 0)
    return entry_fail (err, path, errno, "chown");
  if (!is_link && fchmodat (parent, base, u->a->archive_entry_perm (e) & 07777, 0) < 0)
    return entry_fail (err, path, errno, "chmod");
  struct timespec ts[2];
  entry_times (u, e, ts);
  if (utimensat (parent, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return entry_fail (err, path, errno, "set times");
  return 0;
}

static int
write_hardlink (unpacker *u, struct archive_entry *e, int parent, const char *base, const char *path,
                berth_error **err)
{
  cleanup_free char *target = NULL;
  if (dock_layer_clean_path (u->a->archive_entry_hardlink (e), "hard link target", &target, err) < 0)
    return berth_error_wrap (err, "tar entry \"%s\"", path);
  const char *tbase;
  cleanup_close int tparent = dock_layer_open_parent (u->rootfd, target, false, &tbase, err);
  if (tparent < 0)
    return berth_error_wrap (err, "tar entry \"%s\": hard link target", path);
  struct stat st;
  if (*tbase == '\0')
    return entry_fail (err, path, 0, "hard link to the layer's root");
  if (fstatat (tparent, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return entry_fail (err, path, errno, "hard link target \"%s\"", target);
  if (S_ISDIR (st.st_mode))
    return entry_fail (err, path, 0, "hard link to a directory");
  for (int tries = 0, failed; linkat (tparent, tbase, parent, base, 0) < 0;)
    if (!retry_after_clearing (&tries, parent, base, &failed, err))
      return failed < 0 ? berth_error_wrap (err, "tar entry \"%s\"", path) : entry_fail (err, path, failed, "link");
  return 0;
}

static int
write_whiteout (unpacker *u, int parent, const char *base, const char *path, berth_error **err)
{
  if (strcmp (base, OPAQUE_MARKER) == 0)
    {
      cleanup_close int dfd = -1;
      /* parent is O_PATH: reopen it as a directory for fsetxattr. */
      dfd = openat (parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0 || fsetxattr (dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
        return entry_fail (err, path, errno, "mark the directory opaque");
      return 0;
    }
  const char *hidden = base + strlen (WHITEOUT_PREFIX);
  if (str_has_prefix (hidden, ".wh.") || *hidden == '\0' || strcmp (hidden, ".") == 0 || strcmp (hidden, "..") == 0)
    return 0; /* aufs' own metadata (.wh..wh.plnk ...): nothing for overlay */
  bool is_dir;
  if (clear_slot (parent, hidden, false, &is_dir, err) < 0)
    return berth_error_wrap (err, "tar entry \"%s\"", path);
  if (mknodat (parent, hidden, S_IFCHR | 0, makedev (0, 0)) < 0)
    return entry_fail (err, path, errno, "create the overlay whiteout");
  return 0;
}

static int
write_entry (unpacker *u, struct archive_entry *e, berth_error **err)
{
  const char *raw = u->a->archive_entry_pathname (e);
  cleanup_free char *path = NULL;
  if (dock_layer_clean_path (raw, "tar entry", &path, err) < 0)
    return -1;
  const char *base;
  int parent = entry_parent (u, path, true, &base, err);
  if (parent < 0)
    return berth_error_wrap (err, "tar entry \"%s\"", path);

  if (str_has_prefix (base, WHITEOUT_PREFIX))
    return write_whiteout (u, parent, base, path, err);

  /* Each writer creates its entry exclusively and clears whatever held
     the name only when that fails (EEXIST): no stat per entry. */
  mode_t type = u->a->archive_entry_filetype (e);
  const char *hardlink = u->a->archive_entry_hardlink (e);
  int failed;
  if (*base == '\0' && type != AE_IFDIR)
    return entry_fail (err, path, 0, "the layer's root must be a directory");

  if (hardlink)
    return write_hardlink (u, e, parent, base, path, err);
  switch (type)
    {
    case AE_IFREG:
      return write_file (u, e, parent, base, path, err);
    case AE_IFDIR:
      return write_dir (u, e, parent, base, path, err);
    case AE_IFLNK:
      {
        const char *target = u->a->archive_entry_symlink (e);
        if (target == NULL || *target == '\0')
          return entry_fail (err, path, 0, "symlink without a target");
        if (dock_layer_symlink_escapes (path, target))
          return entry_fail (err, path, 0, "symlink to \"%s\" escapes the layer", target);
        for (int tries = 0; symlinkat (target, parent, base) < 0;)
          if (!retry_after_clearing (&tries, parent, base, &failed, err))
            return failed < 0 ? berth_error_wrap (err, "tar entry \"%s\"", path)
                              : entry_fail (err, path, failed, "symlink");
        return set_path_metadata (u, e, parent, base, path, true, err);
      }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
      {
        dev_t dev = makedev (u->a->archive_entry_rdevmajor (e), u->a->archive_entry_rdevminor (e));
        for (int tries = 0;
             mknodat (parent, base, type | (u->a->archive_entry_perm (e) & 0777), type == AE_IFIFO ? 0 : dev) < 0;)
          if (!retry_after_clearing (&tries, parent, base, &failed, err))
            return failed < 0 ? berth_error_wrap (err, "tar entry \"%s\"", path)
                              : entry_fail (err, path, failed, "mknod");
        return set_path_metadata (u, e, parent, base, path, false, err);
      }
    default:
      return entry_fail (err, path, 0, "unsupported entry type (a socket?)");
    }
}

static int
finish_dirs (unpacker *u, berth_error **err)
{
  /* Deepest first would not matter for times: utimensat does not touch
     the parent.  Reverse order keeps the common case cache-warm. */
  for (size_t i = u->ndirs; i-- > 0;)
    {
      const char *base;
      int r;
      if (*u->dirs[i].path == '\0')
        r = utimensat (u->rootfd, ".", u->dirs[i].times, 0);
      else
        {
          int parent = entry_parent (u, u->dirs[i].path, false, &base, err);
          if (parent < 0)
            return -1;
          r = utimensat (parent, base, u->dirs[i].times, AT_SYMLINK_NOFOLLOW);
        }
      if (r < 0 && errno != ENOENT) /* a later entry may have replaced it */
        return entry_fail (err, u->dirs[i].path, errno, "set times");
    }
  return 0;
}

/* The bits the kernel takes from a new file's mode: the umask, from
   /proc/self/status (reading it with umask() would change it for the
   other threads for a moment); all of them when unknown or when the
   layer's root has a default ACL (which replaces the umask). */
static mode_t
creation_umask (int rootfd)
{
  if (fgetxattr (rootfd, "system.posix_acl_default", NULL, 0) >= 0)
    return 0777;
  cleanup_fclose FILE *f = fopen ("/proc/self/status", "re");
  char line[256];
  unsigned int mask;
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "Umask: %o", &mask) == 1)
      return (mode_t) mask & 0777;
  return 0777;
}

int
dock_layer_unpack_fd (int blobfd, const char *media_type, int dirfd, const char *name,
                      char diff_id[DOCK_DIGEST_MAX], int64_t *size, berth_error **err)
{
  if (media_type && oci_media_type_kind (media_type) != OCI_MT_KIND_LAYER)
    return berth_fail (err, 0, "unsupported layer media type \"%s\"", media_type);
  const dock_archive_api *a = dock_archive_api_get (err);
  if (a == NULL || dock_digest_load (err) < 0)
    return -1;
  if (mkdirat (dirfd, name, 0755) < 0)
    return berth_fail_errno (err, "mkdir %s", name);
  unpacker *u = xcalloc (1, sizeof *u);
  u->a = a;
  u->parent_fd = -1;
  u->euid = geteuid ();
  u->egid = getegid ();
  u->rootfd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  u->umask = u->rootfd >= 0 ? creation_umask (u->rootfd) : 0777;
  u->hasher = dock_hasher_new (DOCK_DIGEST_SHA256);
  u->outer = a->archive_read_new ();
  u->inner = a->archive_read_new ();
  int r = -1;
  struct archive_entry *e;
  if (u->rootfd < 0)
    {
      berth_fail_errno (err, "open %s", name);
      goto out;
    }
  a->archive_read_support_filter_all (u->outer);
  a->archive_read_support_format_raw (u->outer);
  a->archive_read_support_format_tar (u->inner);
  a->archive_read_support_format_empty (u->inner);
  if (a->archive_read_open_fd (u->outer, blobfd, 1 << 16) != ARCHIVE_OK
      || a->archive_read_next_header (u->outer, &e) != ARCHIVE_OK)
    {
      berth_fail (err, 0, "layer: %s", a->archive_error_string (u->outer) ?: "cannot read");
      goto out;
    }
  if (a->archive_read_open (u->inner, u, NULL, inner_read, NULL) != ARCHIVE_OK)
    {
      berth_fail (err, 0, "layer: %s", u->outer_error ?: a->archive_error_string (u->inner) ?: "not a tar archive");
      goto out;
    }
  for (;;)
    {
      int h = a->archive_read_next_header (u->inner, &e);
      if (h == ARCHIVE_EOF)
        break;
      if (h != ARCHIVE_OK && h != ARCHIVE_WARN)
        {
          berth_fail (err, 0, "layer: %s", u->outer_error ?: a->archive_error_string (u->inner) ?: "bad tar header");
          goto out;
        }
      if (write_entry (u, e, err) < 0)
        goto out;
    }
  /* The diff ID covers the whole stream, padding after the end marker too. */
  for (;;)
    {
      la_ssize_t n = a->archive_read_data (u->outer, u->buf, sizeof u->buf);
      if (n < 0)
        {
          berth_fail (err, 0, "layer: %s", a->archive_error_string (u->outer) ?: "read error");
          goto out;
        }
      if (n == 0)
        break;
      dock_hasher_update (u->hasher, u->buf, (size_t) n);
    }
  if (finish_dirs (u, err) < 0)
    goto out;
  dock_hasher_peek (u->hasher, diff_id);
  *size = u->size;
  r = 0;
out:
  a->archive_read_free (u->inner);
  a->archive_read_free (u->outer);
  dock_hasher_free (u->hasher);
  if (u->rootfd >= 0)
    close (u->rootfd);
  if (u->parent_fd >= 0)
    close (u->parent_fd);
  free (u->parent_path);
  for (size_t i = 0; i < u->ndirs; i++)
    free (u->dirs[i].path);
  free (u->dirs);
  free (u->outer_error);
  free (u);
  return r;
}
