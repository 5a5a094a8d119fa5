/* The container rootfs drivers: a 3-layer image with a whiteout and an
   opaque directory gives the same tree under overlay2 and vfs; the upper
   dir records changes as `dock diff` shows them; unmount and a failed
   mount leave nothing.  Runs in a private mount namespace (needs root), so
   that a failing test cannot leave a mount on the host. */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tap.h"
#include "libberth/util.h"
#include "libdock/daemon_json.h"
#include "libdock/mount/mount.h"

static char base[] = "/tmp/test-dock-mount.XXXXXX";

static char *
path (const char *rel)
{
  return xasprintf ("%s/%s", base, rel);
}

static void
put (const char *rel, const char *text)
{
  cleanup_free char *p = path (rel);
  FILE *f = fopen (p, "w");
  if (f)
    {
      fputs (text, f);
      fclose (f);
    }
}

static void
dir (const char *rel)
{
  cleanup_free char *p = path (rel);
  mkdir (p, 0755);
}

/* Layer dirs as the store's unpacker writes them: a whiteout is a 0:0
   character device, an opaque directory has trusted.overlay.opaque=y. */
static void
make_layers (void)
{
  dir ("l1");
  dir ("l1/etc");
  dir ("l1/data");
  dir ("l1/gone");
  put ("l1/etc/config", "one\n");
  put ("l1/data/a", "a\n");
  put ("l1/data/b", "b\n");
  put ("l1/gone/x", "x\n");
  put ("l1/removed", "r\n");
  cleanup_free char *link = path ("l1/link");
  symlink ("/etc/config", link);
  dir ("l2");
  dir ("l2/etc");
  dir ("l2/data");
  put ("l2/etc/config", "two\n");
  put ("l2/data/c", "c\n");
  cleanup_free char *wh = path ("l2/removed");
  mknod (wh, S_IFCHR | 0, makedev (0, 0));
  dir ("l3");
  dir ("l3/data");
  cleanup_free char *opq = path ("l3/data");
  setxattr (opq, "trusted.overlay.opaque", "y", 1, 0);
  put ("l3/data/only", "only\n");
  cleanup_free char *wh2 = path ("l3/gone");
  mknod (wh2, S_IFCHR | 0, makedev (0, 0));
  put ("l3/new", "new\n");
}

/* The tree as lines "path type content", sorted, into buf. */
static void
listing (int dfd, const char *rel, char *buf, size_t size)
{
  int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fdopendir (fd);
  if (d == NULL)
    return;
  char *names[128];
  size_t n = 0;
  for (struct dirent *e; (e = readdir (d)) && n < 128;)
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      names[n++] = xstrdup (e->d_name);
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp (names[j - 1], names[j]) > 0; j--)
      {
        char *t = names[j];
        names[j] = names[j - 1];
        names[j - 1] = t;
      }
  for (size_t i = 0; i < n; i++)
    {
      struct stat st;
      fstatat (dirfd (d), names[i], &st, AT_SYMLINK_NOFOLLOW);
      char content[64] = "";
      if (S_ISREG (st.st_mode))
        {
          int f = openat (dirfd (d), names[i], O_RDONLY | O_CLOEXEC);
          ssize_t r = read (f, content, sizeof content - 1);
          content[r > 0 ? r - 1 : 0] = '\0';
          close (f);
        }
      else if (S_ISLNK (st.st_mode))
        {
          ssize_t r = readlinkat (dirfd (d), names[i], content, sizeof content - 1);
          content[r > 0 ? r : 0] = '\0';
        }
      size_t used = strlen (buf);
      snprintf (buf + used, size - used, "%s/%s %c%o %s\n", rel, names[i],
                S_ISDIR (st.st_mode) ? 'd' : S_ISLNK (st.st_mode) ? 'l' : S_ISREG (st.st_mode) ? 'f' : '?',
                st.st_mode & 07777, content);
      if (S_ISDIR (st.st_mode))
        {
          int sub = openat (dirfd (d), names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          cleanup_free char *subrel = xasprintf ("%s/%s", rel, names[i]);
          listing (sub, subrel, buf, size);
          close (sub);
        }
      free (names[i]);
    }
  closedir (d);
}

static bool
mounted (const char *target)
{
  cleanup_free char *text = NULL;
  size_t len;
  berth_error *err = NULL;
  if (read_file_at (AT_FDCWD, "/proc/self/mountinfo", &text, &len, &err) < 0)
    {
      berth_error_free (err);
      return false;
    }
  cleanup_free char *needle = xasprintf (" %s ", target);
  return strstr (text, needle) != NULL;
}

static char *
tree_of (const char *target)
{
  char *buf = xcalloc (1, 8192);
  int fd = open (target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  listing (fd, "", buf, 8192);
  close (fd);
  return buf;
}

int
main (void)
{
  if (geteuid () != 0)
    {
      printf ("1..0 # SKIP needs root\n");
      return 0;
    }
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      printf ("1..0 # SKIP no private mount namespace: %s\n", strerror (errno));
      return 0;
    }
  if (mkdtemp (base) == NULL)
    return 1;
  make_layers ();
  cleanup_free char *l1 = path ("l1"), *l2 = path ("l2"), *l3 = path ("l3");
  const char *lowers[] = { l1, l2, l3 };
  dir ("root-overlay");
  dir ("root-vfs");
  dir ("root-legacy");
  cleanup_free char *t_ov = path ("root-overlay"), *t_vfs = path ("root-vfs"), *t_leg = path ("root-legacy");
  cleanup_free char *c_ov = path ("c-overlay"), *c_vfs = path ("c-vfs"), *c_leg = path ("c-legacy");
  berth_error *err = NULL;

  dock_storage_driver d;
  tap_ok (dock_storage_driver_parse (NULL, &d, &err) == 0 && d == DOCK_DRIVER_OVERLAY2, "default driver: overlay2");
  tap_ok (dock_storage_driver_parse ("vfs", &d, &err) == 0 && d == DOCK_DRIVER_VFS, "storage-driver vfs");
  put ("daemon.json", "{\"storage-driver\": \"vfs\"}");
  cleanup_free char *dj = path ("daemon.json");
  dock_config *cfg = NULL;
  tap_ok (dock_config_load (dj, base, &cfg, &err) == 0 && cfg->storage_driver
              && dock_storage_driver_parse (cfg->storage_driver, &d, &err) == 0 && d == DOCK_DRIVER_VFS,
          "daemon.json \"storage-driver\": \"vfs\" chooses vfs");
  dock_config_free (cfg);
  tap_ok (dock_storage_driver_parse ("btrfs", &d, &err) < 0
              && strcmp (err->msg, "error initializing graphdriver: driver not supported: btrfs") == 0,
          "an unknown driver: docker's message");
  berth_error_free (err);
  err = NULL;

  int r = dock_rootfs_mount (DOCK_DRIVER_OVERLAY2, lowers, 3, c_ov, t_ov, &err);
  tap_ok (r == 0 && mounted (t_ov), "overlay2 (lowerdir+) mounts the 3 layers (%s)", err ? err->msg : "ok");
  berth_error_free (err);
  err = NULL;
  r = dock_rootfs_mount (DOCK_DRIVER_VFS, lowers, 3, c_vfs, t_vfs, &err);
  tap_ok (r == 0, "vfs copies the 3 layers (%s)", err ? err->msg : "ok");
  berth_error_free (err);
  err = NULL;
  dock_overlay_force_legacy = true;
  r = dock_rootfs_mount (DOCK_DRIVER_OVERLAY2, lowers, 3, c_leg, t_leg, &err);
  dock_overlay_force_legacy = false;
  tap_ok (r == 0, "overlay2 with the old lowerdir= string mounts too (%s)", err ? err->msg : "ok");
  berth_error_free (err);
  err = NULL;

  cleanup_free char *a = tree_of (t_ov), *b = tree_of (t_vfs), *c = tree_of (t_leg);
  tap_ok (strcmp (a, b) == 0, "overlay2 and vfs give the same tree");
  if (strcmp (a, b) != 0)
    diag ("overlay:\n%s\nvfs:\n%s", a, b);
  tap_ok (strcmp (a, c) == 0, "lowerdir+ and lowerdir= give the same tree");
  tap_ok (strstr (a, "/etc/config f644 two\n") != NULL, "an upper layer's file wins");
  tap_ok (strstr (a, "/removed ") == NULL && strstr (a, "/gone") == NULL, "whiteouts hide a file and a directory");
  tap_ok (strstr (a, "/data/only f") != NULL && strstr (a, "/data/a ") == NULL && strstr (a, "/data/c ") == NULL,
          "an opaque directory hides what lower layers had in it");
  tap_ok (strstr (a, "/link l777 /etc/config\n") != NULL, "a symlink stays a symlink");

  /* Changes in the container: add, change, delete, as docker diff shows them. */
  cleanup_free char *newf = xasprintf ("%s/etc/added", t_ov), *chg = xasprintf ("%s/etc/config", t_ov),
                    *del = xasprintf ("%s/link", t_ov), *deld = xasprintf ("%s/data", t_ov);
  FILE *f = fopen (newf, "w");
  if (f)
    fclose (f);
  f = fopen (chg, "a");
  if (f)
    {
      fputs ("changed\n", f);
      fclose (f);
    }
  unlink (del);
  cleanup_free char *only = xasprintf ("%s/only", deld);
  unlink (only);
  rmdir (deld);
  mkdir (deld, 0755);
  cleanup_free char *upper = xasprintf ("%s/diff", c_ov);
  dock_change *ch = NULL;
  size_t nch = 0;
  r = dock_upper_changes (upper, lowers, 3, &ch, &nch, &err);
  cleanup_free char *seen = xcalloc (1, 1024);
  for (size_t i = 0; r == 0 && i < nch; i++)
    {
      size_t u = strlen (seen);
      snprintf (seen + u, 1024 - u, "%c %s\n", ch[i].kind, ch[i].path);
    }
  tap_ok (r == 0 && strcmp (seen, "C /data\nC /etc\nA /etc/added\nC /etc/config\nD /link\n") == 0,
          "the upper dir lists C /data, C /etc, A /etc/added, C /etc/config, D /link");
  if (r < 0 || strcmp (seen, "C /data\nC /etc\nA /etc/added\nC /etc/config\nD /link\n") != 0)
    diag ("changes:\n%s%s", seen, err ? err->msg : "");
  dock_changes_free (ch, nch);

  /* Unmount leaves nothing. */
  r = dock_rootfs_unmount (DOCK_DRIVER_OVERLAY2, c_ov, t_ov, true, &err);
  tap_ok (r == 0 && !mounted (t_ov) && access (c_ov, F_OK) < 0, "unmount leaves no mount and no container dir");
  r = dock_rootfs_unmount (DOCK_DRIVER_VFS, c_vfs, t_vfs, true, &err);
  tap_ok (r == 0 && !mounted (t_vfs) && access (c_vfs, F_OK) < 0, "vfs: unmount removes its copy");
  dock_rootfs_unmount (DOCK_DRIVER_OVERLAY2, c_leg, t_leg, true, &err);

  /* A failed mount leaves nothing. */
  cleanup_free char *missing = path ("no-such-layer"), *c_bad = path ("c-bad");
  const char *bad[] = { l1, missing };
  r = dock_rootfs_mount (DOCK_DRIVER_OVERLAY2, bad, 2, c_bad, t_ov, &err);
  tap_ok (r < 0 && err && strstr (err->msg, "no-such-layer") && !mounted (t_ov) && access (c_bad, F_OK) < 0,
          "a missing layer: an error naming it, no mount, no container dir (%s)", err ? err->msg : "");
  berth_error_free (err);
  err = NULL;
  r = dock_rootfs_mount (DOCK_DRIVER_VFS, bad, 2, c_bad, t_vfs, &err);
  tap_ok (r < 0 && !mounted (t_vfs) && access (c_bad, F_OK) < 0, "vfs: the same");
  berth_error_free (err);
  err = NULL;

  /* Many layers: more than a page of lowerdir= would hold. */
  const char *many[200];
  char *names[200];
  for (int i = 0; i < 200; i++)
    {
      names[i] = xasprintf ("%s/layer-with-a-long-name-to-fill-the-option-string-%03d", base, i);
      mkdir (names[i], 0755);
      many[i] = names[i];
    }
  cleanup_free char *c_many = path ("c-many");
  r = dock_rootfs_mount (DOCK_DRIVER_OVERLAY2, many, 200, c_many, t_ov, &err);
  tap_ok (r == 0 && mounted (t_ov), "200 layers with long paths mount with lowerdir+ (%s)", err ? err->msg : "ok");
  berth_error_free (err);
  err = NULL;
  dock_rootfs_unmount (DOCK_DRIVER_OVERLAY2, c_many, t_ov, true, &err);
  for (int i = 0; i < 200; i++)
    free (names[i]);

  dock_remove_tree (base, &err);
  berth_error_free (err);
  return tap_done ();
}
