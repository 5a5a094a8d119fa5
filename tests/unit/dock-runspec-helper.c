/* For tests/integration/test_dock_runspec.py: what `dock run` will do
   before it hands a container to libberth, on an image of a real store.

     dock-runspec-helper mount ROOT BUNDLE DRIVER -- RUN-FLAGS... IMAGE [CMD...]
       finds IMAGE in the store at ROOT, mounts its layers (driver overlay2
       or vfs) on BUNDLE/rootfs with BUNDLE/container as the container dir,
       writes BUNDLE/{hostname,hosts,resolv.conf} and BUNDLE/config.json
       built from the image config and the flags.  The caller runs it in a
       private mount namespace and then `berth run` on the bundle there.
     dock-runspec-helper diff ROOT BUNDLE IMAGE
       prints the changes of BUNDLE/container/diff as `dock diff` will.

   Run without arguments (as make check does with every check program) it
   reports a skipped TAP plan. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "libberth/util.h"
#include "libdock/mount/mount.h"
#include "libdock/runtime/spec.h"
#include "libdock/store/store.h"

#define ID "d0c4a11ce0ffee00d0c4a11ce0ffee00d0c4a11ce0ffee00d0c4a11ce0ffee00"
#define CGROUP2_SUPER_MAGIC 0x63677270

static int
fail (berth_error *err)
{
  fprintf (stderr, "dock: %s\n", err ? err->msg : "failed");
  berth_error_free (err);
  return 125;
}

static int
layers_of (dock_store *s, const char *word, oci_image_config **config, char ***dirs, size_t *n, berth_error **err)
{
  dock_image_info img = { 0 };
  if (dock_image_find (s, word, &img, err) < 0)
    return -1;
  cleanup_free char *buf = NULL;
  size_t len;
  char *perr = NULL;
  int r = dock_blob_read (s, img.id, DOCK_CONFIG_MAX, &buf, &len, err);
  if (r == 0 && (*config = oci_image_config_parse_data (buf, len, "image config", &perr)) == NULL)
    r = berth_fail (err, 0, "%s", perr);
  free (perr);
  dock_image_layer *layers = NULL;
  size_t nl = 0;
  if (r == 0)
    r = dock_image_layers (s, img.id, &layers, &nl, err);
  *dirs = NULL;
  *n = 0;
  for (size_t i = 0; r == 0 && i < nl; i++)
    {
      cleanup_free char *d = dock_layer_dir (s, layers[i].diff_id);
      oci_strv_append (dirs, n, d);
    }
  dock_image_layers_free (layers, nl);
  dock_image_info_clear (&img);
  return r;
}

static int
put (const char *bundle, const char *name, const char *text, berth_error **err)
{
  cleanup_close int d = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0)
    return berth_fail_errno (err, "open %s", bundle);
  return write_file_atomic_at (d, name, text, strlen (text), 0644, err);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      printf ("1..0 # SKIP a helper of test_dock_runspec.py, not a test\n");
      return 0;
    }
  berth_error *err = NULL;
  if (argc < 5)
    return fprintf (stderr, "usage: see the comment at the top of %s\n", __FILE__), 2;
  const char *cmd = argv[1], *root = argv[2], *bundle = argv[3];
  dock_config *cfg = NULL;
  dock_store *s = NULL;
  if (dock_config_load (NULL, root, &cfg, &err) < 0 || dock_store_open (cfg, &s, &err) < 0)
    return fail (err);
  int status = 0;
  oci_image_config *config = NULL;
  cleanup_strv char **dirs = NULL;
  size_t n = 0;
  cleanup_free char *container = xasprintf ("%s/container", bundle), *rootfs = xasprintf ("%s/rootfs", bundle);
  if (strcmp (cmd, "diff") == 0)
    {
      cleanup_free char *upper = xasprintf ("%s/diff", container);
      dock_change *ch = NULL;
      size_t nch = 0;
      if (layers_of (s, argv[4], &config, &dirs, &n, &err) < 0
          || dock_upper_changes (upper, (const char *const *) dirs, n, &ch, &nch, &err) < 0)
        status = fail (err);
      for (size_t i = 0; i < nch; i++)
        printf ("%c %s\n", ch[i].kind, ch[i].path);
      dock_changes_free (ch, nch);
    }
  else if (strcmp (cmd, "mount") == 0 && argc >= 7 && strcmp (argv[5], "--") == 0)
    {
      dock_storage_driver driver;
      dock_run_opts o;
      dock_run_opts_init (&o);
      int image_index;
      oci_spec *spec = NULL;
      struct statfs fs;
      bool cgroup2 = statfs ("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
      cleanup_free char *hostname = xasprintf ("%s/hostname", bundle), *hosts = xasprintf ("%s/hosts", bundle),
                        *resolv = xasprintf ("%s/resolv.conf", bundle);
      int r = dock_storage_driver_parse (argv[4], &driver, &err);
      if (r == 0)
        r = dock_run_parse_args (&o, argc - 6, argv + 6, false, &image_index, &err);
      if (r == 0)
        r = dock_run_opts_validate (&o, &err);
      if (r == 0)
        r = layers_of (s, argv[6 + image_index], &config, &dirs, &n, &err);
      if (r == 0)
        {
          mkdir (rootfs, 0755);
          r = dock_rootfs_mount (driver, (const char *const *) dirs, n, container, rootfs, &err);
        }
      if (r == 0)
        {
          cleanup_close int rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
          const char *id = getenv ("DOCK_TEST_ID") ? getenv ("DOCK_TEST_ID") : ID;
          dock_spec_ctx ctx = { .id = id, .rootfs = rootfs, .rootfs_fd = rootfd, .hostname_path = hostname,
                                .hosts_path = hosts, .resolv_path = resolv, .config = cfg, .cgroup2 = cgroup2 };
          r = dock_spec_build (config, &o, &ctx, argc - 7 - image_index, argv + 7 + image_index, &spec, &err);
          if (r < 0)
            dock_rootfs_unmount (driver, container, rootfs, true, NULL);
        }
      if (r == 0)
        {
          cleanup_free char *h = xasprintf ("%s\n", spec->hostname);
          cleanup_free char *hs = xasprintf ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                             "127.0.0.1\t%s\n", spec->hostname);
          size_t len;
          cleanup_free char *json = oci_spec_generate (spec, 0, &len);
          r = put (bundle, "hostname", h, &err);
          if (r == 0)
            r = put (bundle, "hosts", hs, &err);
          if (r == 0)
            r = put (bundle, "resolv.conf", "nameserver 127.0.0.1\n", &err);
          if (r == 0)
            r = put (bundle, "config.json", json, &err);
        }
      if (r < 0)
        status = fail (err);
      oci_spec_free (spec);
      dock_run_opts_clear (&o);
    }
  else
    status = 2;
  oci_image_config_free (config);
  dock_store_close (s);
  dock_config_free (cfg);
  return status;
}
