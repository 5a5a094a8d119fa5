/* dock images / image ls, and dock tag. */
#include "config.h"

#include "cli.h"
#include "format.h"
#include "libberth/util.h"
#include "libdock/imagejson.h"
#include "libdock/store/names.h"
#include "libdock/store/store.h"
#include "schema.h"

#include <fnmatch.h>
#include <string.h>

static const format_header image_headers[] = {
  { "Containers", "CONTAINERS" },   { "CreatedAt", "CREATED AT" }, { "CreatedSince", "CREATED" },
  { "Digest", "DIGEST" },           { "ID", "IMAGE ID" },          { "Repository", "REPOSITORY" },
  { "SharedSize", "SHARED SIZE" },  { "Size", "SIZE" },            { "Tag", "TAG" },
  { "UniqueSize", "UNIQUE SIZE" },  { "VirtualSize", "VIRTUAL SIZE" }, { NULL, NULL },
};

typedef struct
{
  int dangling;        /* -1 unset, 0 false, 1 true */
  char **references;   /* patterns, any may match */
  size_t nreferences;
  int64_t before, since; /* created times, 0 unset */
  bool has_before, has_since;
  char **labels;       /* "key" or "key=value", all must match */
  size_t nlabels;
} image_filters;

static void
filters_clear (image_filters *f)
{
  strv_free (f->references);
  strv_free (f->labels);
}

static int
image_created (dock_store *s, const char *word, int64_t *out, berth_error **err)
{
  dock_image_info img = { 0 };
  if (dock_image_find (s, word, &img, err) < 0)
    return -1;
  *out = img.created_unix;
  dock_image_info_clear (&img);
  return 0;
}

static int
parse_filters (cli_ctx *ctx, image_filters *f, berth_error **err)
{
  memset (f, 0, sizeof *f);
  f->dangling = -1;
  size_t n;
  char **v = cli_values (ctx, "filter", &n);
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (v[i], '=');
      if (eq == NULL)
        return berth_fail (err, 0, "bad format of filter (expected name=value)");
      cleanup_free char *key = xstrndup (v[i], (size_t) (eq - v[i]));
      const char *val = eq + 1;
      if (strcmp (key, "dangling") == 0)
        {
          if (strcasecmp (val, "true") == 0 || strcmp (val, "1") == 0)
            f->dangling = 1;
          else if (strcasecmp (val, "false") == 0 || strcmp (val, "0") == 0)
            f->dangling = 0;
          else
            return berth_fail (err, 0, "Invalid filter 'dangling=%s'", val);
        }
      else if (strcmp (key, "reference") == 0)
        oci_strv_append (&f->references, &f->nreferences, val);
      else if (strcmp (key, "label") == 0)
        oci_strv_append (&f->labels, &f->nlabels, val);
      else if (strcmp (key, "before") == 0)
        {
          if (image_created (ctx->store, val, &f->before, err) < 0)
            return -1;
          f->has_before = true;
        }
      else if (strcmp (key, "since") == 0)
        {
          if (image_created (ctx->store, val, &f->since, err) < 0)
            return -1;
          f->has_since = true;
        }
      else
        return berth_fail (err, 0, "invalid filter '%s'", key);
    }
  if (ctx->argc > 0)
    oci_strv_append (&f->references, &f->nreferences, ctx->argv[0]);
  return 0;
}

/* docker's FamiliarMatch: the pattern against "busybox:latest", then "busybox". */
static bool
reference_matches (const image_filters *f, const char *qualified)
{
  if (f->nreferences == 0)
    return true;
  cleanup_free char *familiar = dock_name_familiar (qualified);
  const char *rest;
  cleanup_free char *repo = dock_name_split (familiar, &rest, NULL);
  for (size_t i = 0; i < f->nreferences; i++)
    if (fnmatch (f->references[i], familiar, FNM_PATHNAME) == 0 || fnmatch (f->references[i], repo, FNM_PATHNAME) == 0)
      return true;
  return false;
}

static int
labels_match (dock_store *s, const dock_image_info *img, const image_filters *f, bool *ok, berth_error **err)
{
  *ok = true;
  if (f->nlabels == 0)
    return 0;
  cleanup_free char *buf = NULL;
  size_t len;
  dock_image_config c = { 0 };
  if (dock_blob_read (s, img->id, DOCK_CONFIG_MAX, &buf, &len, err) < 0
      || dock_image_config_parse (buf, len, &c, err) < 0)
    return -1;
  const oci_json *cfg = oci_json_get (c.doc, "config");
  const oci_json *labels = cfg && cfg->kind == OCI_JSON_OBJECT ? oci_json_get (cfg, "Labels") : NULL;
  for (size_t i = 0; i < f->nlabels && *ok; i++)
    {
      const char *eq = strchr (f->labels[i], '=');
      cleanup_free char *key = eq ? xstrndup (f->labels[i], (size_t) (eq - f->labels[i])) : xstrdup (f->labels[i]);
      const char *have = labels && labels->kind == OCI_JSON_OBJECT ? dock_json_string (labels, key) : NULL;
      *ok = have && (eq == NULL || strcmp (have, eq + 1) == 0);
    }
  dock_image_config_clear (&c);
  return 0;
}

typedef struct
{
  dock_format *fmt;
  bool no_trunc, digests;
} lister;

static int
emit_row (lister *l, const dock_image_info *img, const char *repo, const char *tag, const char *digest,
          berth_error **err)
{
  char size[32], since[64], at[64];
  human_size (size, sizeof size, (double) img->size, 3);
  human_since (since, sizeof since, img->created_unix);
  go_time_string (at, sizeof at, img->created_unix);
  cleanup_free char *id = l->no_trunc ? xstrdup (img->id) : xstrndup (img->id + strlen ("sha256:"), 12);
  /* Members sorted by name: `{{json .}}` prints them in this order, as docker does. */
  oci_json *row = oci_json_new (OCI_JSON_OBJECT);
  row_set (row, "Containers", "N/A");
  row_set (row, "CreatedAt", at);
  row_set (row, "CreatedSince", since);
  row_set (row, "Digest", digest);
  row_set (row, "ID", id);
  row_set (row, "Repository", repo);
  row_set (row, "SharedSize", "N/A");
  row_set (row, "Size", size);
  row_set (row, "Tag", tag);
  row_set (row, "UniqueSize", "N/A");
  row_set (row, "VirtualSize", size);
  int r = format_row (l->fmt, row, err);
  oci_json_free (row);
  return r;
}

/* docker's imageFormatTaggedAndDigest: a row per repo:tag (per digest too
   with --digests), then a row per repository known only by digest. */
static int
emit_image (lister *l, const dock_image_info *img, char **names, char **digests, berth_error **err)
{
  if (names[0] == NULL && digests[0] == NULL)
    return emit_row (l, img, "<none>", "<none>", "<none>", err);
  for (size_t i = 0; names[i]; i++)
    {
      cleanup_free char *fam = dock_name_familiar (names[i]);
      const char *tag;
      cleanup_free char *repo = dock_name_split (fam, &tag, NULL);
      bool shown = false;
      for (size_t j = 0; l->digests && digests[j]; j++)
        {
          cleanup_free char *dfam = dock_name_familiar (digests[j]);
          const char *d;
          cleanup_free char *drepo = dock_name_split (dfam, &d, NULL);
          if (strcmp (drepo, repo) == 0)
            {
              if (emit_row (l, img, repo, tag, d, err) < 0)
                return -1;
              shown = true;
            }
        }
      if (!shown && emit_row (l, img, repo, tag, "<none>", err) < 0)
        return -1;
    }
  for (size_t j = 0; digests[j]; j++)
    {
      cleanup_free char *dfam = dock_name_familiar (digests[j]);
      const char *d;
      cleanup_free char *drepo = dock_name_split (dfam, &d, NULL);
      bool tagged = false;
      for (size_t i = 0; names[i] && !tagged; i++)
        {
          cleanup_free char *fam = dock_name_familiar (names[i]);
          const char *t;
          cleanup_free char *repo = dock_name_split (fam, &t, NULL);
          tagged = strcmp (repo, drepo) == 0;
        }
      if (!tagged && emit_row (l, img, drepo, "<none>", l->digests ? d : "", err) < 0)
        return -1;
    }
  return 0;
}

int
cmd_images (cli_ctx *ctx, berth_error **err)
{
  image_filters f;
  if (parse_filters (ctx, &f, err) < 0)
    {
      filters_clear (&f);
      return -1;
    }
  dock_image_info *imgs = NULL;
  size_t n = 0;
  lister l = { .no_trunc = cli_flag (ctx, "no-trunc"), .digests = cli_flag (ctx, "digests") };
  const char *deflt = l.digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                                : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
  const char *user = cli_flag (ctx, "quiet") ? "{{.ID}}" : cli_value (ctx, "format");
  int r = -1;
  if (dock_image_list (ctx->store, &imgs, &n, err) < 0 || format_begin (user, deflt, image_headers, &l.fmt, err) < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    {
      dock_image_info *img = &imgs[i];
      if ((f.has_before && img->created_unix >= f.before) || (f.has_since && img->created_unix <= f.since))
        continue;
      cleanup_strv char **names = xcalloc (1, sizeof *names);
      cleanup_strv char **digests = xcalloc (1, sizeof *digests);
      size_t nn = 0, nd = 0;
      for (size_t k = 0; img->names[k]; k++)
        if (reference_matches (&f, img->names[k]))
          oci_strv_append (&names, &nn, img->names[k]);
      for (size_t k = 0; img->digests[k]; k++)
        if (reference_matches (&f, img->digests[k]))
          oci_strv_append (&digests, &nd, img->digests[k]);
      if (nn == 0 && nd == 0 && (f.nreferences || f.dangling == 0))
        continue;
      if (f.dangling == 1 && nn > 0)
        continue;
      bool labels_ok;
      if (labels_match (ctx->store, img, &f, &labels_ok, err) < 0)
        goto out;
      if (labels_ok && emit_image (&l, img, names, digests, err) < 0)
        goto out;
    }
  r = format_end (l.fmt, stdout, err);
  l.fmt = NULL;
out:
  format_free (l.fmt);
  dock_image_list_free (imgs, n);
  filters_clear (&f);
  return r;
}

int
cmd_tag (cli_ctx *ctx, berth_error **err)
{
  dock_image_info img = { 0 };
  cleanup_free char *target = NULL;
  if (dock_name_normalize (ctx->argv[1], &target, err) < 0)
    return -1;
  if (strchr (target, '@'))
    return berth_fail (err, 0, "refusing to create a tag with a digest reference");
  if (dock_image_find (ctx->store, ctx->argv[0], &img, err) < 0)
    return -1;
  int r = dock_image_tag (ctx->store, img.id, target, err);
  dock_image_info_clear (&img);
  return r;
}
