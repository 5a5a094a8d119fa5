#include "config.h"

#include "inspect.h"
#include "imagejson.h"
#include "libberth/util.h"
#include "libdock/store/names.h"

#include <string.h>

static oci_json *
jstr (const char *s)
{
  return oci_json_new_string (s, s ? strlen (s) : 0);
}

#define jnum(n) oci_json_new_int ((long long) (n))
#define jbool(b) oci_json_new_bool (b)

/* A copy of src's member key, or null. */
static oci_json *
copy_member (const oci_json *src, const char *key)
{
  const oci_json *v = src && src->kind == OCI_JSON_OBJECT ? oci_json_get (src, key) : NULL;
  if (v == NULL)
    return oci_json_new (OCI_JSON_NULL);
  oci_jw *w = oci_jw_new (0);
  oci_jw_value (w, v);
  size_t len;
  cleanup_free char *text = oci_jw_finish (w, &len);
  char *perr = NULL;
  oci_json *copy = text ? oci_json_parse (text, len, &perr) : NULL;
  free (perr);
  return copy ? copy : oci_json_new (OCI_JSON_NULL);
}

static oci_json *
familiar_list (char **names)
{
  oci_json *a = oci_json_new (OCI_JSON_ARRAY);
  for (size_t i = 0; names[i]; i++)
    {
      cleanup_free char *f = dock_name_familiar (names[i]);
      oci_json_append (a, NULL, jstr (f));
    }
  return a;
}

/* docker's container.Config: every field, in its order, from the image
   config's "config" (OCI's subset) with docker's zero values. */
static oci_json *
docker_config (const oci_json *c)
{
  oci_json *o = oci_json_new (OCI_JSON_OBJECT);
  oci_json_append (o, "Hostname", jstr (dock_json_string (c, "Hostname")));
  oci_json_append (o, "Domainname", jstr (dock_json_string (c, "Domainname")));
  oci_json_append (o, "User", jstr (dock_json_string (c, "User")));
  oci_json_append (o, "AttachStdin", jbool (false));
  oci_json_append (o, "AttachStdout", jbool (false));
  oci_json_append (o, "AttachStderr", jbool (false));
  if (c && oci_json_get (c, "ExposedPorts"))
    oci_json_append (o, "ExposedPorts", copy_member (c, "ExposedPorts"));
  oci_json_append (o, "Tty", jbool (false));
  oci_json_append (o, "OpenStdin", jbool (false));
  oci_json_append (o, "StdinOnce", jbool (false));
  oci_json_append (o, "Env", copy_member (c, "Env"));
  oci_json_append (o, "Cmd", copy_member (c, "Cmd"));
  if (c && oci_json_get (c, "Healthcheck"))
    oci_json_append (o, "Healthcheck", copy_member (c, "Healthcheck"));
  if (c && oci_json_get (c, "ArgsEscaped"))
    oci_json_append (o, "ArgsEscaped", copy_member (c, "ArgsEscaped"));
  oci_json_append (o, "Image", jstr (dock_json_string (c, "Image")));
  oci_json_append (o, "Volumes", copy_member (c, "Volumes"));
  oci_json_append (o, "WorkingDir", jstr (dock_json_string (c, "WorkingDir")));
  oci_json_append (o, "Entrypoint", copy_member (c, "Entrypoint"));
  oci_json_append (o, "OnBuild", copy_member (c, "OnBuild"));
  oci_json_append (o, "Labels", copy_member (c, "Labels"));
  if (dock_json_string (c, "StopSignal"))
    oci_json_append (o, "StopSignal", jstr (dock_json_string (c, "StopSignal")));
  if (c && oci_json_get (c, "Shell"))
    oci_json_append (o, "Shell", copy_member (c, "Shell"));
  return o;
}

int
dock_image_inspect_json (dock_store *s, const dock_image_info *img, oci_json **out, berth_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len;
  dock_image_config c = { 0 };
  if (dock_blob_read (s, img->id, DOCK_CONFIG_MAX, &buf, &len, err) < 0 || dock_image_config_parse (buf, len, &c, err) < 0)
    return -1;
  dock_image_layer *layers = NULL;
  size_t nl = 0;
  if (dock_image_layers (s, img->id, &layers, &nl, err) < 0)
    {
      dock_image_config_clear (&c);
      return -1;
    }
  oci_json *o = oci_json_new (OCI_JSON_OBJECT);
  oci_json_append (o, "Id", jstr (img->id));
  oci_json_append (o, "RepoTags", familiar_list (img->names));
  oci_json_append (o, "RepoDigests", familiar_list (img->digests));
  oci_json_append (o, "Parent", jstr (img->parent));
  oci_json_append (o, "Comment", jstr (dock_json_string (c.doc, "comment")));
  oci_json_append (o, "Created", jstr (c.created ? c.created : "0001-01-01T00:00:00Z"));
  oci_json_append (o, "DockerVersion", jstr (dock_json_string (c.doc, "docker_version")));
  oci_json_append (o, "Author", jstr (dock_json_string (c.doc, "author")));
  oci_json_append (o, "Config", docker_config (oci_json_get (c.doc, "config")));
  oci_json_append (o, "Architecture", jstr (c.architecture));
  if (c.variant)
    oci_json_append (o, "Variant", jstr (c.variant));
  oci_json_append (o, "Os", jstr (c.os));
  oci_json_append (o, "Size", jnum (img->size));

  /* The overlay lower dirs a container of this image will stack, top first. */
  oci_json *gd = oci_json_new (OCI_JSON_OBJECT);
  oci_json *data = oci_json_new (OCI_JSON_OBJECT);
  char *lower = NULL;
  size_t lowlen = 0;
  FILE *f = open_memstream (&lower, &lowlen);
  for (size_t i = nl; i-- > 0;)
    {
      cleanup_free char *dir = dock_layer_dir (s, layers[i].diff_id);
      fprintf (f, "%s%s", i + 1 < nl ? ":" : "", dir);
    }
  fclose (f);
  oci_json_append (data, "LowerDir", jstr (lower));
  free (lower);
  oci_json_append (gd, "Data", data);
  oci_json_append (gd, "Name", jstr ("overlay"));
  oci_json_append (o, "GraphDriver", gd);

  oci_json *rootfs = oci_json_new (OCI_JSON_OBJECT);
  oci_json_append (rootfs, "Type", jstr ("layers"));
  oci_json *ls = oci_json_new (OCI_JSON_ARRAY);
  for (size_t i = 0; i < c.n_diff_ids; i++)
    oci_json_append (ls, NULL, jstr (c.diff_ids[i]));
  oci_json_append (rootfs, "Layers", ls);
  oci_json_append (o, "RootFS", rootfs);
  oci_json *meta = oci_json_new (OCI_JSON_OBJECT);
  oci_json_append (meta, "LastTagTime", jstr ("0001-01-01T00:00:00Z"));
  oci_json_append (o, "Metadata", meta);
  dock_image_layers_free (layers, nl);
  dock_image_config_clear (&c);
  *out = o;
  return 0;
}
