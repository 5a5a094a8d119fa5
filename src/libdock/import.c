/* `dock import`: stream the tarball into a blob, unpack it as the one
   layer, and write the config and the manifest that make it an image. */
#include "config.h"

#include "image_spec.h"
#include "import.h"
#include "changes.h"
#include "imagejson.h"
#include "libberth/util.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

const char *
dock_host_arch (void)
{
  static const struct
  {
    const char *machine, *arch;
  } map[] = {
    { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" },     { "i686", "386" },
    { "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
  };
  static struct utsname u;
  if (uname (&u) < 0)
    return "amd64";
  for (size_t i = 0; i < ARRAY_SIZE (map); i++)
    if (strcmp (u.machine, map[i].machine) == 0)
      return map[i].arch;
  return u.machine;
}

/* The layer's media type from its first bytes. */
static int
sniff_media_type (const unsigned char *b, size_t n, const char **mt, berth_error **err)
{
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
    *mt = OCI_MT_LAYER_GZIP;
  else if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
    *mt = OCI_MT_LAYER_ZSTD;
  else if ((n >= 3 && memcmp (b, "BZh", 3) == 0) || (n >= 6 && memcmp (b, "\xfd" "7zXZ", 5) == 0))
    return berth_fail (err, 0, "unsupported compression (bzip2 or xz): use an uncompressed, gzip or zstd tarball");
  else
    *mt = OCI_MT_LAYER_TAR;
  return 0;
}

/* Copy fd into a new blob; the media type is sniffed from the start. */
static int
store_stream (dock_store *s, int fd, char digest[DOCK_DIGEST_MAX], int64_t *size, const char **mt,
              berth_error **err)
{
  dock_blob_writer *w;
  if (dock_blob_begin (s, NULL, -1, &w, err) < 0)
    return -1;
  static unsigned char buf[1 << 16];
  bool first = true;
  *size = 0;
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          dock_blob_abort (w);
          return berth_fail_errno (err, "read the tarball");
        }
      if (n == 0)
        break;
      if (first && sniff_media_type (buf, (size_t) n, mt, err) < 0)
        {
          dock_blob_abort (w);
          return -1;
        }
      first = false;
      if (dock_blob_write (w, buf, (size_t) n, err) < 0)
        {
          dock_blob_abort (w);
          return -1;
        }
      *size += n;
    }
  if (first)
    {
      dock_blob_abort (w);
      return berth_fail (err, 0, "the tarball is empty");
    }
  dock_test_crash_point ("import-blob-written");
  return dock_blob_commit (w, digest, err);
}

static int
parse_platform (const char *p, char **os, char **arch, char **variant, berth_error **err)
{
  cleanup_free char *copy = xstrdup (p);
  char *save = NULL;
  char *o = strtok_r (copy, "/", &save), *a = strtok_r (NULL, "/", &save), *v = strtok_r (NULL, "/", &save);
  if (o == NULL || a == NULL || strtok_r (NULL, "/", &save))
    return berth_fail (err, 0, "invalid platform \"%s\": expected os/arch[/variant]", p);
  *os = xstrdup (o);
  *arch = xstrdup (a);
  *variant = v ? xstrdup (v) : NULL;
  return 0;
}

int
dock_import (dock_store *s, int fd, const dock_import_opts *o, char **image_id, berth_error **err)
{
  cleanup_free char *os = NULL, *arch = NULL, *variant = NULL;
  if (o->platform)
    {
      if (parse_platform (o->platform, &os, &arch, &variant, err) < 0)
        return -1;
    }
  else
    {
      os = xstrdup ("linux");
      arch = xstrdup (dock_host_arch ());
    }
  oci_json *config = oci_json_new (OCI_JSON_OBJECT);
  for (size_t i = 0; o->changes && o->changes[i]; i++)
    if (dock_apply_change (config, o->changes[i], err) < 0)
      {
        oci_json_free (config);
        return -1;
      }

  char blob[DOCK_DIGEST_MAX], diff[DOCK_DIGEST_MAX];
  int64_t blob_size, unpacked;
  const char *mt = OCI_MT_LAYER_TAR;
  if (store_stream (s, fd, blob, &blob_size, &mt, err) < 0 || dock_layer_unpack_blob (s, blob, mt, err) < 0)
    {
      oci_json_free (config);
      return -1;
    }
  /* The lookup reports no error of its own: without one here the caller
     would print a NULL error. */
  if (dock_layer_lookup_blob (s, blob, diff, &unpacked) < 0)
    {
      oci_json_free (config);
      return berth_fail (err, 0, "layer %s: not unpacked", blob);
    }

  char now[64];
  rfc3339_now (now, sizeof now);
  cleanup_free char *comment = o->message ? xstrdup (o->message) : xasprintf ("Imported from %s", o->source);
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  oci_jw_key (w, "architecture");
  oci_jw_string (w, arch);
  if (variant)
    {
      oci_jw_key (w, "variant");
      oci_jw_string (w, variant);
    }
  oci_jw_key (w, "comment");
  oci_jw_string (w, comment);
  oci_jw_key (w, "config");
  oci_jw_value (w, config);
  oci_jw_key (w, "created");
  oci_jw_string (w, now);
  oci_jw_key (w, "history");
  oci_jw_begin_array (w);
  oci_jw_begin_object (w);
  oci_jw_key (w, "created");
  oci_jw_string (w, now);
  oci_jw_key (w, "comment");
  oci_jw_string (w, comment);
  oci_jw_end_object (w);
  oci_jw_end_array (w);
  oci_jw_key (w, "os");
  oci_jw_string (w, os);
  oci_jw_key (w, "rootfs");
  oci_jw_begin_object (w);
  oci_jw_key (w, "type");
  oci_jw_string (w, "layers");
  oci_jw_key (w, "diff_ids");
  oci_jw_begin_array (w);
  oci_jw_string (w, diff);
  oci_jw_end_array (w);
  oci_jw_end_object (w);
  oci_jw_end_object (w);
  oci_json_free (config);
  size_t clen;
  cleanup_free char *cjson = oci_jw_finish (w, &clen);
  char cdigest[DOCK_DIGEST_MAX];
  if (cjson == NULL)
    return berth_fail (err, 0, "import: could not write the image config");
  if (dock_blob_put (s, cjson, clen, cdigest, err) < 0)
    return -1;

  w = oci_jw_new (0);
  dock_jw_manifest_begin (w, cdigest, (int64_t) clen);
  dock_jw_descriptor (w, mt, blob, blob_size);
  dock_jw_manifest_end (w);
  size_t mlen;
  cleanup_free char *mjson = oci_jw_finish (w, &mlen);
  char mdigest[DOCK_DIGEST_MAX];
  if (mjson == NULL)
    return berth_fail (err, 0, "import: could not write the manifest");
  if (dock_blob_put (s, mjson, mlen, mdigest, err) < 0)
    return -1;
  const char *names[] = { o->name, NULL };
  return dock_image_register (s, mdigest, o->name ? names : NULL, NULL, image_id, err);
}
