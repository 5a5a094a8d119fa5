#include "config.h"

#include "imagejson.h"
#include "libberth/util.h"
#include "libdock/ref/digest.h"

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

static int
json_int64 (const oci_json *v, int64_t *out)
{
  if (v == NULL || v->kind != OCI_JSON_NUMBER)
    return -1;
  char *end;
  errno = 0;
  long long n = strtoll (v->text, &end, 10);
  if (errno || *end || n < 0)
    return -1;
  *out = n;
  return 0;
}

static int
parse_descriptor (const oci_json *j, const char *what, dock_descriptor *d, berth_error **err)
{
  const char *mt = dock_json_string (j, "mediaType");
  const char *digest = dock_json_string (j, "digest");
  if (mt == NULL || digest == NULL || json_int64 (oci_json_get (j, "size"), &d->size) < 0)
    return berth_fail (err, 0, "%s: a descriptor needs mediaType, digest and size", what);
  if (dock_digest_parse (digest, NULL, NULL, err) < 0)
    return berth_error_wrap (err, "%s", what);
  d->media_type = xstrdup (mt);
  d->digest = xstrdup (digest);
  return 0;
}

int
dock_image_manifest_parse (const char *buf, size_t len, dock_image_manifest *m, berth_error **err)
{
  char *perr = NULL;
  oci_json *doc = oci_json_parse (buf, len, &perr);
  if (doc == NULL)
    {
      berth_fail_take (err, 0, perr);
      return berth_error_wrap (err, "manifest");
    }
  int r = -1;
  memset (m, 0, sizeof *m);
  const char *mt = dock_json_string (doc, "mediaType");
  const oci_json *config = doc->kind == OCI_JSON_OBJECT ? oci_json_get (doc, "config") : NULL;
  const oci_json *layers = doc->kind == OCI_JSON_OBJECT ? oci_json_get (doc, "layers") : NULL;
  if (mt && (strcmp (mt, DOCK_MT_OCI_INDEX) == 0 || strcmp (mt, DOCK_MT_DOCKER_LIST) == 0))
    berth_fail (err, 0, "manifest: an index (%s), not an image manifest", mt);
  else if (mt && strcmp (mt, DOCK_MT_OCI_MANIFEST) != 0 && strcmp (mt, DOCK_MT_DOCKER_MANIFEST) != 0)
    berth_fail (err, 0, "manifest: unsupported media type \"%s\"", mt);
  else if (config == NULL || layers == NULL || layers->kind != OCI_JSON_ARRAY)
    berth_fail (err, 0, "manifest: config and layers are required");
  else
    {
      dock_descriptor cd = { 0 };
      if (parse_descriptor (config, "manifest config", &cd, err) == 0)
        {
          m->media_type = xstrdup (mt ? mt : DOCK_MT_OCI_MANIFEST);
          m->config_digest = cd.digest;
          m->config_media_type = cd.media_type;
          m->config_size = cd.size;
          m->layers = xcalloc (layers->len ? layers->len : 1, sizeof *m->layers);
          r = 0;
          for (size_t i = 0; r == 0 && i < layers->len; i++, m->n_layers++)
            r = parse_descriptor (layers->items[i], "manifest layer", &m->layers[i], err);
        }
    }
  oci_json_free (doc);
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

static char *
dup_or_null (const char *s)
{
  return s ? xstrdup (s) : NULL;
}

int
dock_image_config_parse (const char *buf, size_t len, dock_image_config *c, berth_error **err)
{
  char *perr = NULL;
  memset (c, 0, sizeof *c);
  c->doc = oci_json_parse (buf, len, &perr);
  if (c->doc == NULL)
    {
      berth_fail_take (err, 0, perr);
      return berth_error_wrap (err, "image config");
    }
  if (c->doc->kind != OCI_JSON_OBJECT)
    {
      dock_image_config_clear (c);
      return berth_fail (err, 0, "image config: expected a JSON object");
    }
  c->created = dup_or_null (dock_json_string (c->doc, "created"));
  c->created_unix = c->created ? dock_parse_rfc3339 (c->created) : 0;
  if (c->created_unix < 0)
    c->created_unix = 0;
  c->parent = dup_or_null (dock_json_string (c->doc, "parent"));
  c->os = dup_or_null (dock_json_string (c->doc, "os"));
  c->architecture = dup_or_null (dock_json_string (c->doc, "architecture"));
  c->variant = dup_or_null (dock_json_string (c->doc, "variant"));
  const oci_json *rootfs = oci_json_get (c->doc, "rootfs");
  const oci_json *ids = rootfs && rootfs->kind == OCI_JSON_OBJECT ? oci_json_get (rootfs, "diff_ids") : NULL;
  if (ids == NULL || ids->kind != OCI_JSON_ARRAY)
    {
      dock_image_config_clear (c);
      return berth_fail (err, 0, "image config: rootfs.diff_ids is required");
    }
  c->diff_ids = xcalloc (ids->len + 1, sizeof *c->diff_ids);
  for (size_t i = 0; i < ids->len; i++)
    {
      if (ids->items[i]->kind != OCI_JSON_STRING || !dock_digest_valid (ids->items[i]->text))
        {
          dock_image_config_clear (c);
          return berth_fail (err, 0, "image config: rootfs.diff_ids[%zu] is not a digest", i);
        }
      c->diff_ids[c->n_diff_ids++] = xstrdup (ids->items[i]->text);
    }
  return 0;
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
