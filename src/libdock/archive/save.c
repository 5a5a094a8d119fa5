/* `dock save`: blobs as they are stored (the image's own manifest stays
   valid), an OCI index naming each image, and for docker's format the
   manifest.json and repositories files that `docker load` and podman's
   docker-archive transport read. */
#include "config.h"

#include "image_spec.h"
#include "archive.h"
#include "tarwriter.h"
#include "libberth/util.h"
#include "libdock/imagejson.h"
#include "libdock/store/names.h"
#include "schema.h"

#include <string.h>

static int
write_blob (dock_store *s, int outfd, const char *digest, char ***done, size_t *ndone, berth_error **err)
{
  for (size_t i = 0; i < *ndone; i++)
    if (strcmp ((*done)[i], digest) == 0)
      return 0;
  cleanup_close int fd = -1;
  int64_t size;
  if (dock_blob_open (s, digest, &fd, &size, err) < 0)
    return -1;
  cleanup_free char *name = xasprintf ("blobs/sha256/%s", digest + strlen ("sha256:"));
  if (tar_write_fd (outfd, name, fd, size, err) < 0)
    return -1;
  oci_strv_append (done, ndone, digest);
  return 0;
}

static int
manifest_descriptor (dock_store *s, const char *digest, char **media_type, int64_t *size, berth_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len;
  dock_image_manifest m = { 0 };
  if (dock_blob_read (s, digest, DOCK_MANIFEST_MAX, &buf, &len, err) < 0
      || dock_image_manifest_parse (buf, len, &m, err) < 0)
    return -1;
  *media_type = xstrdup (m.media_type);
  *size = (int64_t) len;
  dock_image_manifest_clear (&m);
  return 0;
}

static char *
finish_json (oci_jw *w)
{
  size_t len;
  char *s = oci_jw_finish (w, &len);
  return s ? s : xstrdup ("{}");
}

int
dock_save (dock_store *s, const dock_save_item *items, size_t n, dock_archive_format format, int outfd,
           berth_error **err)
{
  cleanup_strv char **done = xcalloc (1, sizeof *done);
  size_t ndone = 0;
  if (tar_write_dir (outfd, "blobs/", err) < 0 || tar_write_dir (outfd, "blobs/sha256/", err) < 0)
    return -1;
  oci_jw *index = oci_jw_new (0), *manifest = oci_jw_new (0), *repos = oci_jw_new (0);
  int r = -1;
  oci_jw_begin_object (index);
  oci_jw_key (index, "schemaVersion");
  oci_jw_int (index, 2);
  oci_jw_key (index, "mediaType");
  oci_jw_string (index, OCI_MT_INDEX);
  oci_jw_key (index, "manifests");
  oci_jw_begin_array (index);
  oci_jw_begin_array (manifest);
  oci_jw_begin_object (repos);
  for (size_t i = 0; i < n; i++)
    {
      const dock_image_info *img = items[i].image;
      dock_image_layer *layers = NULL;
      size_t nl = 0;
      cleanup_free char *mt = NULL;
      int64_t msize;
      if (dock_image_layers (s, img->id, &layers, &nl, err) < 0)
        goto out;
      bool ok = manifest_descriptor (s, img->manifest_digest, &mt, &msize, err) == 0
                && write_blob (s, outfd, img->manifest_digest, &done, &ndone, err) == 0
                && write_blob (s, outfd, img->id, &done, &ndone, err) == 0;
      for (size_t k = 0; ok && k < nl; k++)
        ok = write_blob (s, outfd, layers[k].blob_digest, &done, &ndone, err) == 0;
      if (!ok)
        {
          dock_image_layers_free (layers, nl);
          goto out;
        }
      /* index.json: an entry per name (one without a name when none). */
      size_t nnames = 0;
      while (items[i].names && items[i].names[nnames])
        nnames++;
      for (size_t k = 0; k < (nnames ? nnames : 1); k++)
        {
          oci_jw_begin_object (index);
          oci_jw_key (index, "mediaType");
          oci_jw_string (index, mt);
          oci_jw_key (index, "digest");
          oci_jw_string (index, img->manifest_digest);
          oci_jw_key (index, "size");
          oci_jw_int (index, msize);
          if (nnames)
            {
              const char *tag;
              cleanup_free char *repo = dock_name_split (items[i].names[k], &tag, NULL);
              oci_jw_key (index, "annotations");
              oci_jw_begin_object (index);
              oci_jw_key (index, "io.containerd.image.name");
              oci_jw_string (index, items[i].names[k]);
              oci_jw_key (index, "org.opencontainers.image.ref.name");
              /* docker writes the tag; an OCI archive the whole name, which
                 is what podman and skopeo take as the image's name. */
              oci_jw_string (index, format == DOCK_ARCHIVE_OCI ? items[i].names[k] : tag);
              oci_jw_end_object (index);
            }
          oci_jw_end_object (index);
        }
      /* manifest.json */
      oci_jw_begin_object (manifest);
      oci_jw_key (manifest, "Config");
      cleanup_free char *cpath = xasprintf ("blobs/sha256/%s", img->id + strlen ("sha256:"));
      oci_jw_string (manifest, cpath);
      oci_jw_key (manifest, "RepoTags");
      if (nnames == 0)
        oci_jw_null (manifest);
      else
        {
          oci_jw_begin_array (manifest);
          for (size_t k = 0; k < nnames; k++)
            {
              cleanup_free char *fam = dock_name_familiar (items[i].names[k]);
              oci_jw_string (manifest, fam);
            }
          oci_jw_end_array (manifest);
        }
      oci_jw_key (manifest, "Layers");
      oci_jw_begin_array (manifest);
      for (size_t k = 0; k < nl; k++)
        {
          cleanup_free char *lpath = xasprintf ("blobs/sha256/%s", layers[k].blob_digest + strlen ("sha256:"));
          oci_jw_string (manifest, lpath);
        }
      oci_jw_end_array (manifest);
      oci_jw_end_object (manifest);
      /* repositories: {"busybox": {"latest": "<top layer>"}} */
      for (size_t k = 0; k < nnames && nl > 0; k++)
        {
          cleanup_free char *fam = dock_name_familiar (items[i].names[k]);
          const char *tag;
          cleanup_free char *repo = dock_name_split (fam, &tag, NULL);
          oci_jw_key (repos, repo);
          oci_jw_begin_object (repos);
          oci_jw_key (repos, tag);
          oci_jw_string (repos, layers[nl - 1].blob_digest + strlen ("sha256:"));
          oci_jw_end_object (repos);
        }
      dock_image_layers_free (layers, nl);
    }
  oci_jw_end_array (index);
  oci_jw_end_object (index);
  oci_jw_end_array (manifest);
  oci_jw_end_object (repos);
  {
    cleanup_free char *itext = finish_json (index);
    cleanup_free char *mtext = finish_json (manifest);
    cleanup_free char *rtext = finish_json (repos);
    index = manifest = repos = NULL;
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    if (tar_write_buffer (outfd, "index.json", itext, strlen (itext), err) < 0
        || (format == DOCK_ARCHIVE_DOCKER
            && (tar_write_buffer (outfd, "manifest.json", mtext, strlen (mtext), err) < 0
                || tar_write_buffer (outfd, "repositories", rtext, strlen (rtext), err) < 0))
        || tar_write_buffer (outfd, "oci-layout", layout, strlen (layout), err) < 0 || tar_finish (outfd, err) < 0)
      goto out;
  }
  r = 0;
out:
  if (index)
    oci_jw_abort (index);
  if (manifest)
    oci_jw_abort (manifest);
  if (repos)
    oci_jw_abort (repos);
  return r;
}
