#include "config.h"

#include "imagejson.h"
#include "libberth/util.h"
#include "libdock/ref/digest.h"
#include "image_spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *
dock_json_string (const oci_json *obj, const char *key)
{
  const oci_json *v = obj && obj->kind == OCI_JSON_OBJECT ? oci_json_get (obj, key) : NULL;
  return v && v->kind == OCI_JSON_STRING ? v->text : NULL;
}

static char *
dup_or_null (const char *s)
{
  return s ? xstrdup (s) : NULL;
}

static int
copy_descriptor (const oci_image_descriptor *src, const char *what, dock_descriptor *d, berth_error **err)
{
  if (dock_digest_parse (src->digest, NULL, NULL, err) < 0)
    return berth_error_wrap (err, "%s", what);
  if (src->size < 0)
    return berth_fail (err, 0, "%s: negative size", what);
  d->media_type = xstrdup (src->media_type);
  d->digest = xstrdup (src->digest);
  d->size = src->size;
  return 0;
}

int
dock_image_manifest_parse (const char *buf, size_t len, dock_image_manifest *m, berth_error **err)
{
  memset (m, 0, sizeof *m);
  char *perr = NULL;
  oci_image_versioned *v = oci_image_versioned_parse_data (buf, len, "manifest", &perr);
  if (v == NULL)
    return berth_fail_take (err, 0, perr);
  oci_media_kind kind = v->media_type ? oci_media_type_kind (v->media_type) : OCI_MT_KIND_MANIFEST;
  cleanup_free char *mt = dup_or_null (v->media_type);
  oci_image_versioned_free (v);
  if (kind == OCI_MT_KIND_INDEX)
    return berth_fail (err, 0, "manifest: an index (%s), not an image manifest", mt);
  if (kind != OCI_MT_KIND_MANIFEST)
    return berth_fail (err, 0, "manifest: unsupported media type \"%s\"", mt);
  oci_image_manifest *om = oci_image_manifest_parse_data (buf, len, "manifest", &perr);
  if (om == NULL)
    return berth_fail_take (err, 0, perr);
  int r = -1;
  dock_descriptor cd = { 0 };
  if (copy_descriptor (om->config, "manifest config", &cd, err) == 0)
    {
      m->media_type = xstrdup (mt ? mt : OCI_MT_MANIFEST);
      m->config_digest = cd.digest;
      m->config_media_type = cd.media_type;
      m->config_size = cd.size;
      m->layers = xcalloc (om->layers_len ? om->layers_len : 1, sizeof *m->layers);
      r = 0;
      for (size_t i = 0; r == 0 && i < om->layers_len; i++, m->n_layers++)
        r = copy_descriptor (om->layers[i], "manifest layer", &m->layers[i], err);
    }
  oci_image_manifest_free (om);
  if (r < 0)
    dock_image_manifest_clear (m);
  return r;
}

void
dock_image_manifest_clear (dock_image_manifest *m)
{
  free (m->media_type);
  free (m->config_digest);
  free (m->config_media_type);
  for (size_t i = 0; i < m->n_layers; i++)
    {
      free (m->layers[i].media_type);
      free (m->layers[i].digest);
    }
  free (m->layers);
  memset (m, 0, sizeof *m);
}

int
dock_image_config_parse (const char *buf, size_t len, dock_image_config *c, berth_error **err)
{
  char *perr = NULL;
  memset (c, 0, sizeof *c);
  oci_image_config *oc = oci_image_config_parse_data (buf, len, "image config", &perr);
  if (oc == NULL)
    return berth_fail_take (err, 0, perr);
  /* The tree too: inspect and history read members the types leave in _extra. */
  c->doc = oci_json_parse (buf, len, &perr);
  free (perr);
  c->created = dup_or_null (oc->created);
  c->created_unix = c->created ? dock_parse_rfc3339 (c->created) : 0;
  if (c->created_unix < 0)
    c->created_unix = 0;
  c->parent = dup_or_null (dock_json_string (c->doc, "parent"));
  c->os = xstrdup (oc->os);
  c->architecture = xstrdup (oc->architecture);
  c->variant = dup_or_null (oc->variant);
  c->diff_ids = xcalloc (oc->rootfs->diff_ids_len + 1, sizeof *c->diff_ids);
  int r = 0;
  for (size_t i = 0; r == 0 && i < oc->rootfs->diff_ids_len; i++)
    {
      if (!dock_digest_valid (oc->rootfs->diff_ids[i]))
        r = berth_fail (err, 0, "image config: rootfs.diff_ids[%zu] is not a digest", i);
      else
        c->diff_ids[c->n_diff_ids++] = xstrdup (oc->rootfs->diff_ids[i]);
    }
  oci_image_config_free (oc);
  if (r < 0)
    dock_image_config_clear (c);
  return r;
}

void
dock_image_config_clear (dock_image_config *c)
{
  oci_json_free (c->doc);
  free (c->created);
  free (c->parent);
  free (c->os);
  free (c->architecture);
  free (c->variant);
  strv_free (c->diff_ids);
  memset (c, 0, sizeof *c);
}

void
dock_jw_descriptor (oci_jw *w, const char *media_type, const char *digest, int64_t size)
{
  oci_jw_begin_object (w);
  oci_jw_key (w, "mediaType");
  oci_jw_string (w, media_type);
  oci_jw_key (w, "digest");
  oci_jw_string (w, digest);
  oci_jw_key (w, "size");
  oci_jw_int (w, size);
  oci_jw_end_object (w);
}

void
dock_jw_manifest_begin (oci_jw *w, const char *config_digest, int64_t config_size)
{
  oci_jw_begin_object (w);
  oci_jw_key (w, "schemaVersion");
  oci_jw_int (w, 2);
  oci_jw_key (w, "mediaType");
  oci_jw_string (w, OCI_MT_MANIFEST);
  oci_jw_key (w, "config");
  dock_jw_descriptor (w, OCI_MT_CONFIG, config_digest, config_size);
  oci_jw_key (w, "layers");
  oci_jw_begin_array (w);
}

void
dock_jw_manifest_end (oci_jw *w)
{
  oci_jw_end_array (w);
  oci_jw_end_object (w);
}

int64_t
dock_parse_rfc3339 (const char *s)
{
  struct tm tm = { 0 };
  const char *p = strptime (s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == NULL)
    return -1;
  if (*p == '.')
    {
      p++;
      while (*p >= '0' && *p <= '9')
        p++;
    }
  int64_t t = (int64_t) timegm (&tm);
  if (*p == 'Z' || *p == 'z')
    return p[1] ? -1 : t;
  int sign = *p == '+' ? 1 : *p == '-' ? -1 : 0;
  int hh, mm;
  if (sign == 0 || sscanf (p + 1, "%2d:%2d", &hh, &mm) != 2)
    return -1;
  return t - sign * (hh * 3600 + mm * 60);
}
