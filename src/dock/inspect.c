/* dock image inspect, dock inspect, dock history. */
#include "config.h"

#include "cli.h"
#include "format.h"
#include "libberth/util.h"
#include "libdock/imagejson.h"
#include "libdock/inspect.h"
#include "libdock/store/store.h"
#include "libdock/template/template.h"
#include "schema.h"

#include <errno.h>
#include <string.h>

/* Print the objects found (docker prints "[]" even when none is), then
   each lookup's error. */
static int
inspect_images (cli_ctx *ctx, const char *not_found, berth_error **err)
{
  const char *fmt = cli_value (ctx, "format");
  cleanup_template dock_template *t = NULL;
  if (fmt && *fmt && strcmp (fmt, "json") != 0)
    {
      cleanup_free char *body = NULL;
      body = xstrdup (fmt);
      if (dock_template_parse (body, &t, err) < 0)
        return berth_error_wrap (err, "template parsing error");
    }
  oci_json *all = oci_json_new (OCI_JSON_ARRAY);
  cleanup_strv char **errors = xcalloc (1, sizeof *errors);
  size_t nerrors = 0;
  int status = 0;
  for (int i = 0; i < ctx->argc; i++)
    {
      dock_image_info img = { 0 };
      berth_error *e = NULL;
      oci_json *o = NULL;
      int r = dock_image_lookup (ctx->store, ctx->argv[i], &img, &e);
      if (r == 1)
        {
          cleanup_free char *msg = xasprintf ("%s: %s", not_found, ctx->argv[i]);
          oci_strv_append (&errors, &nerrors, msg);
        }
      else if (r < 0 || dock_image_inspect_json (ctx->store, &img, &o, &e) < 0)
        {
          cleanup_free char *msg = berth_error_text (e);
          oci_strv_append (&errors, &nerrors, msg);
        }
      else
        oci_json_append (all, NULL, o);
      berth_error_free (e);
      dock_image_info_clear (&img);
    }
  if (t)
    {
      for (size_t i = 0; i < all->len; i++)
        {
          cleanup_free char *text = NULL;
          if (dock_template_exec (t, all->items[i], &text, err) < 0)
            {
              oci_json_free (all);
              return -1;
            }
          printf ("%s\n", text);
        }
    }
  else
    {
      json_indent (stdout, all, 0);
      putchar ('\n');
    }
  oci_json_free (all);
  fflush (stdout);
  for (size_t i = 0; i < nerrors; i++)
    {
      fprintf (stderr, "dock: %s\n", errors[i]);
      status = DOCK_EXIT_ERROR;
    }
  return status;
}

/* One image for `dock inspect` (after no container had the name). */
int
cli_image_inspect_one (cli_ctx *ctx, const char *word, oci_json **out, berth_error **err)
{
  dock_image_info img = { 0 };
  int r = dock_image_lookup (ctx->store, word, &img, err);
  if (r == 1)
    r = berth_fail (err, 0, "No such object: %s", word);
  if (r == 0)
    r = dock_image_inspect_json (ctx->store, &img, out, err);
  dock_image_info_clear (&img);
  return r;
}

int
cmd_image_inspect (cli_ctx *ctx, berth_error **err)
{
  return inspect_images (ctx, "No such image", err);
}

int
cmd_inspect (cli_ctx *ctx, berth_error **err)
{
  const char *type = cli_value (ctx, "type");
  if (type == NULL || *type == '\0')
    return cli_inspect_containers (ctx, true, err);
  if (strcmp (type, "container") == 0)
    return cli_inspect_containers (ctx, false, err);
  if (strcmp (type, "image") != 0)
    {
      if (strcmp (type, "volume") == 0 || strcmp (type, "network") == 0)
        return berth_fail (err, 0, "inspect --type %s: dock has no %ss yet", type, type);
      return berth_fail (err, 0, "\"%s\" is not a valid value for --type", type);
    }
  return inspect_images (ctx, "No such object", err);
}

static const format_header history_headers[] = {
  { "Comment", "COMMENT" }, { "CreatedAt", "CREATED AT" }, { "CreatedBy", "CREATED BY" },
  { "CreatedSince", "CREATED" }, { "ID", "IMAGE" }, { "Size", "SIZE" }, { NULL, NULL },
};

int
cmd_history (cli_ctx *ctx, berth_error **err)
{
  dock_image_info img = { 0 };
  if (dock_image_find (ctx->store, ctx->argv[0], &img, err) < 0)
    return -1;
  cleanup_free char *buf = NULL;
  size_t len;
  dock_image_config c = { 0 };
  dock_image_layer *layers = NULL;
  size_t nl = 0;
  dock_format *f = NULL;
  int r = -1;
  bool human = cli_flag (ctx, "human"), trunc = !cli_flag (ctx, "no-trunc");
  if (dock_blob_read (ctx->store, img.id, DOCK_CONFIG_MAX, &buf, &len, err) < 0
      || dock_image_config_parse (buf, len, &c, err) < 0 || dock_image_layers (ctx->store, img.id, &layers, &nl, err) < 0)
    goto out;
  const char *user = cli_flag (ctx, "quiet") ? "{{.ID}}" : cli_value (ctx, "format");
  if (format_begin (user, "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
                    history_headers, &f, err)
      < 0)
    goto out;
  const oci_json *hist = oci_json_get (c.doc, "history");
  size_t nh = hist && hist->kind == OCI_JSON_ARRAY ? hist->len : 0;
  /* Sizes: each entry that is not an empty layer takes the next layer up. */
  int64_t *sizes = xcalloc (nh ? nh : 1, sizeof *sizes);
  size_t layer = 0;
  for (size_t i = 0; i < nh; i++)
    {
      const oci_json *empty = oci_json_get (hist->items[i], "empty_layer");
      if (!(empty && empty->kind == OCI_JSON_TRUE) && layer < nl)
        sizes[i] = layers[layer++].size;
    }
  for (size_t k = nh; k-- > 0;)
    {
      const oci_json *h = hist->items[k];
      const char *created = dock_json_string (h, "created");
      int64_t t = created ? dock_parse_rfc3339 (created) : 0;
      char since[64], size[32];
      if (human)
        {
          human_since (since, sizeof since, t);
          human_size (size, sizeof size, (double) sizes[k], 3);
        }
      else
        {
          snprintf (since, sizeof since, "%s", created ? created : "");
          snprintf (size, sizeof size, "%lld", (long long) sizes[k]);
        }
      const char *by = dock_json_string (h, "created_by");
      cleanup_free char *by1 = xstrdup (by ? by : "");
      for (char *p = by1; *p; p++)
        if (*p == '\t')
          *p = ' ';
      cleanup_free char *shown_by = trunc ? format_ellipsis (by1, 45) : xstrdup (by1);
      cleanup_free char *id = k + 1 == nh ? (trunc ? xstrndup (img.id + 7, 12) : xstrdup (img.id)) : xstrdup ("<missing>");
      char at[64];
      go_time_string (at, sizeof at, t);
      oci_json *row = oci_json_new (OCI_JSON_OBJECT);
      row_set (row, "Comment", dock_json_string (h, "comment") ?: "");
      row_set (row, "CreatedAt", human ? at : since);
      row_set (row, "CreatedBy", shown_by);
      row_set (row, "CreatedSince", since);
      row_set (row, "ID", id);
      row_set (row, "Size", size);
      int fr = format_row (f, row, err);
      oci_json_free (row);
      if (fr < 0)
        {
          free (sizes);
          goto out;
        }
    }
  free (sizes);
  r = format_end (f, stdout, err);
  f = NULL;
out:
  format_free (f);
  dock_image_layers_free (layers, nl);
  dock_image_config_clear (&c);
  dock_image_info_clear (&img);
  return r;
}
