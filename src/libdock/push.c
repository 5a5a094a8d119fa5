/* `dock push`; see push.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/push.h"

#include <string.h>
#include <unistd.h>

#include "image_spec.h"
#include "libberth/util.h"

typedef struct
{
  const dock_push_opts *o;
  const char *id;
  int64_t total;
} upload_progress;

static void
report (const dock_push_opts *o, const char *id, dock_push_state st, int64_t cur, int64_t total, const char *from)
{
  /* The config has no line of its own (id NULL), as in docker's output. */
  if (id && o->progress && o->progress->layer)
    o->progress->layer (o->data, id, st, cur, total, from);
}

static void
on_sent (int64_t done, void *data)
{
  upload_progress *p = data;
  if (p->id)
    report (p->o, p->id, DOCK_PUSH_PUSHING, done, p->total, NULL);
}

/* Another repository of the same registry that holds this image: the
   source of cross-repository mounts (docker keeps a per-blob record of
   where it came from; the image's other names are ours). */
static char *
mount_source (const dock_image_info *img, const dock_ref *ref)
{
  for (int pass = 0; pass < 2; pass++)
    for (char **p = pass ? img->digests : img->names; p && *p; p++)
      {
        dock_ref *other = NULL;
        berth_error *e = NULL;
        if (dock_ref_parse (*p, &other, &e) < 0)
          {
            berth_error_free (e);
            continue;
          }
        bool same_registry = strcmp (other->domain, ref->domain) == 0 && strcmp (other->path, ref->path) != 0;
        char *path = same_registry ? xstrdup (other->path) : NULL;
        dock_ref_free (other);
        if (path)
          return path;
      }
  return NULL;
}

/* One blob to the registry: skipped, mounted or uploaded. */
static int
push_blob (dock_store *s, dock_registry *reg, const dock_ref *ref, const char *digest, const char *id,
           const char *from, const dock_push_opts *o, berth_error **err)
{
  bool exists = false;
  if (dock_registry_blob_exists (reg, ref->path, digest, &exists, err) < 0)
    return -1;
  if (exists)
    {
      report (o, id, DOCK_PUSH_EXISTS, -1, -1, NULL);
      return 0;
    }
  if (from)
    {
      bool mounted = false;
      if (dock_registry_mount_blob (reg, ref->path, digest, from, &mounted, err) < 0)
        return -1;
      if (mounted)
        {
          report (o, id, DOCK_PUSH_MOUNTED, -1, -1, from);
          return 0;
        }
    }
  cleanup_close int fd = -1;
  int64_t size = 0;
  if (dock_blob_open (s, digest, &fd, &size, err) < 0)
    return berth_error_wrap (err, "push %s", digest);
  int64_t chunk = o->chunk_size == 0 ? DOCK_PUSH_DEFAULT_CHUNK : o->chunk_size;
  if (chunk < 0 || size <= chunk)
    chunk = 0;
  upload_progress p = { .o = o, .id = id, .total = size };
  if (dock_registry_upload_blob (reg, ref->path, digest, fd, size, chunk, on_sent, &p, err) < 0)
    return berth_error_wrap (err, "blob %s", digest);
  report (o, id, DOCK_PUSH_PUSHED, size, size, NULL);
  return 0;
}

static int
push_tag (dock_store *s, dock_registry *reg, const dock_ref *ref, const dock_push_opts *o, berth_error **err)
{
  cleanup_free char *name = dock_ref_string (ref);
  cleanup_free char *familiar = dock_ref_familiar_string (ref);
  dock_image_info img = { 0 };
  berth_error *lookup_err = NULL;
  if (dock_image_lookup (s, name, &img, &lookup_err) < 0 || img.id == NULL || img.manifest_digest == NULL)
    {
      berth_error_free (lookup_err);
      dock_image_info_clear (&img);
      return berth_fail (err, 0, "An image does not exist locally with the tag: %s", familiar);
    }
  cleanup_free char *manifest = NULL;
  size_t len = 0;
  char *perr = NULL;
  oci_image_manifest *m = NULL;
  oci_image_config *c = NULL;
  cleanup_free char *config_buf = NULL;
  size_t config_len = 0;
  cleanup_free char *from = NULL;
  int rc = -1;
  if (dock_blob_read (s, img.manifest_digest, DOCK_REGISTRY_DOC_MAX, &manifest, &len, err) < 0)
    goto out;
  if ((m = oci_image_manifest_parse_data (manifest, len, "manifest", &perr)) == NULL)
    {
      berth_fail_take (err, 0, perr);
      goto out;
    }
  if (dock_blob_read (s, m->config->digest, DOCK_REGISTRY_DOC_MAX, &config_buf, &config_len, err) < 0)
    goto out;
  if ((c = oci_image_config_parse_data (config_buf, config_len, "image config", &perr)) == NULL)
    {
      berth_fail_take (err, 0, perr);
      goto out;
    }
  if (c->rootfs->diff_ids_len != m->layers_len)
    {
      berth_fail (err, 0, "image %s: %zu layers but %zu diff IDs", familiar, m->layers_len, c->rootfs->diff_ids_len);
      goto out;
    }
  from = mount_source (&img, ref);
  /* docker lists the layers top first. */
  char (*ids)[13] = xcalloc (m->layers_len + 1, sizeof *ids);
  for (size_t i = 0; i < m->layers_len; i++)
    {
      const char *diff = c->rootfs->diff_ids[m->layers_len - 1 - i];
      const char *hex = strchr (diff, ':');
      snprintf (ids[i], sizeof ids[i], "%.12s", hex ? hex + 1 : diff);
      report (o, ids[i], DOCK_PUSH_PREPARING, -1, -1, NULL);
    }
  rc = 0;
  for (size_t i = 0; i < m->layers_len && rc == 0; i++)
    rc = push_blob (s, reg, ref, m->layers[m->layers_len - 1 - i]->digest, ids[i], from, o, err);
  free (ids);
  if (rc == 0)
    rc = push_blob (s, reg, ref, m->config->digest, NULL, NULL, o, err);
  if (rc == 0)
    {
      const char *mt = m->media_type ? m->media_type : OCI_MT_MANIFEST;
      rc = dock_registry_put_manifest (reg, ref->path, ref->tag, mt, manifest, len, err);
    }
  if (rc == 0 && o->progress && o->progress->done)
    o->progress->done (o->data, ref->tag, img.manifest_digest, len);
out:
  oci_image_manifest_free (m);
  oci_image_config_free (c);
  dock_image_info_clear (&img);
  return rc;
}

/* The tags of ref's repository in the store. */
static int
local_tags (dock_store *s, const dock_ref *ref, char ***tags, size_t *n, berth_error **err)
{
  dock_image_info *imgs = NULL;
  size_t count = 0;
  if (dock_image_list (s, &imgs, &count, err) < 0)
    return -1;
  cleanup_free char *repo = dock_ref_name (ref);
  cleanup_free char *prefix = xasprintf ("%s:", repo);
  *tags = NULL;
  *n = 0;
  for (size_t i = 0; i < count; i++)
    for (char **p = imgs[i].names; p && *p; p++)
      if (str_has_prefix (*p, prefix))
        oci_strv_append (tags, n, *p + strlen (prefix));
  dock_image_list_free (imgs, count);
  return 0;
}

int
dock_push (dock_store *s, const dock_ref *ref, const dock_push_opts *o, berth_error **err)
{
  if (ref->digest)
    return berth_fail (err, 0, "cannot push a digest reference");
  cleanup_http dock_http *http = NULL;
  cleanup_registry dock_registry *reg = NULL;
  if (dock_http_new (&http, err) < 0
      || dock_registry_open (http, &o->registry, ref->domain, NULL, NULL, &reg, err) < 0)
    return -1;
  if (!o->all_tags)
    {
      cleanup_ref dock_ref *r = dock_ref_copy (ref);
      dock_ref_default_tag (r);
      return push_tag (s, reg, r, o, err);
    }
  if (ref->tag)
    return berth_fail (err, 0, "tag can't be used with --all-tags/-a");
  char **tags = NULL;
  size_t n = 0;
  if (local_tags (s, ref, &tags, &n, err) < 0)
    return -1;
  int rc = 0;
  if (n == 0)
    {
      cleanup_free char *name = dock_ref_familiar_name (ref);
      rc = berth_fail (err, 0, "An image does not exist locally with the tag: %s", name);
    }
  for (size_t i = 0; i < n && rc == 0; i++)
    {
      cleanup_ref dock_ref *r = dock_ref_copy (ref);
      r->tag = xstrdup (tags[i]);
      rc = push_tag (s, reg, r, o, err);
    }
  strv_free (tags);
  return rc;
}
