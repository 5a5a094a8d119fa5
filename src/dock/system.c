/* dock system df: the images line is the store's; containers, volumes and
   the build cache do not exist yet and show zero. */
#include "config.h"

#include "cli.h"
#include "format.h"
#include "libberth/util.h"
#include "containers_cli.h"
#include "libdock/store/containers.h"
#include "libdock/store/names.h"
#include "libdock/store/store.h"

#include <string.h>

static const format_header df_headers[] = {
  { "Active", "ACTIVE" }, { "Reclaimable", "RECLAIMABLE" }, { "Size", "SIZE" },
  { "TotalCount", "TOTAL" }, { "Type", "TYPE" }, { NULL, NULL },
};

static int
df_row (dock_format *f, const char *type, size_t total, size_t active, int64_t size, int64_t reclaimable,
        berth_error **err)
{
  char t[32], a[32], s[32], r[64], rs[32];
  snprintf (t, sizeof t, "%zu", total);
  snprintf (a, sizeof a, "%zu", active);
  human_size (s, sizeof s, (double) size, 4);
  human_size (rs, sizeof rs, (double) reclaimable, 4);
  if (size > 0)
    snprintf (r, sizeof r, "%s (%lld%%)", rs, (long long) (reclaimable * 100 / size));
  else
    snprintf (r, sizeof r, "%s", rs);
  oci_json *row = oci_json_new (OCI_JSON_OBJECT);
  row_set (row, "Active", a);
  row_set (row, "Reclaimable", r);
  row_set (row, "Size", s);
  row_set (row, "TotalCount", t);
  row_set (row, "Type", type);
  int rc = format_row (f, row, err);
  oci_json_free (row);
  return rc;
}

/* -v: one row per image with the bytes it shares with other images. */
static int
verbose_images (dock_store *s, dock_image_info *imgs, size_t n, berth_error **err)
{
  tab_writer *t = tab_new ();
  tab_line (t, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS");
  for (size_t i = 0; i < n; i++)
    {
      dock_image_layer *layers = NULL;
      size_t nl = 0;
      if (dock_image_layers (s, imgs[i].id, &layers, &nl, err) < 0)
        {
          tab_flush (t, stdout);
          return -1;
        }
      int64_t shared = 0;
      for (size_t k = 0; k < nl; k++)
        for (size_t j = 0; j < n; j++)
          {
            if (j == i)
              continue;
            dock_image_layer *other = NULL;
            size_t no = 0;
            bool hit = false;
            if (dock_image_layers (s, imgs[j].id, &other, &no, NULL) == 0)
              for (size_t m = 0; m < no && !hit; m++)
                hit = strcmp (other[m].diff_id, layers[k].diff_id) == 0;
            dock_image_layers_free (other, no);
            if (hit)
              {
                shared += layers[k].size;
                break;
              }
          }
      dock_image_layers_free (layers, nl);
      char since[64], size[32], sh[32], un[32];
      human_since (since, sizeof since, imgs[i].created_unix);
      human_size (size, sizeof size, (double) imgs[i].size, 4);
      human_size (sh, sizeof sh, (double) shared, 4);
      human_size (un, sizeof un, (double) (imgs[i].size - shared), 4);
      cleanup_free char *fam = imgs[i].names[0] ? dock_name_familiar (imgs[i].names[0]) : xstrdup ("<none>:<none>");
      const char *tag;
      cleanup_free char *repo = dock_name_split (fam, &tag, NULL);
      cleanup_free char *line = xasprintf ("%s\t%s\t%.12s\t%s\t%s\t%s\t%s\t%zu", repo, tag, imgs[i].id + 7, since,
                                           size, sh, un, cli_image_containers (s, imgs[i].id));
      tab_line (t, line);
    }
  printf ("Images space usage:\n\n");
  tab_flush (t, stdout);
  printf ("\nContainers space usage:\n\n");
  t = tab_new ();
  tab_line (t, "CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES");
  if (cli_container_df_rows (s, t, err) < 0)
    {
      tab_flush (t, stdout);
      return -1;
    }
  tab_flush (t, stdout);
  printf ("\nLocal Volumes space usage:\n\n");
  t = tab_new ();
  tab_line (t, "VOLUME NAME\tLINKS\tSIZE");
  tab_flush (t, stdout);
  printf ("\nBuild cache usage: 0B\n\n");
  t = tab_new ();
  tab_line (t, "CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED");
  tab_flush (t, stdout);
  return 0;
}

int
cmd_system_df (cli_ctx *ctx, berth_error **err)
{
  dock_image_info *imgs = NULL;
  size_t n = 0;
  int64_t layers, blobs, csize, creclaim;
  size_t ctotal, cactive;
  dock_format *f = NULL;
  int r = -1;
  if (dock_image_list (ctx->store, &imgs, &n, err) < 0 || dock_store_usage (ctx->store, &layers, &blobs, err) < 0)
    goto out;
  if (cli_flag (ctx, "verbose"))
    {
      r = verbose_images (ctx->store, imgs, n, err);
      goto out;
    }
  if (format_begin (cli_value (ctx, "format"),
                    "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", df_headers, &f,
                    err)
      < 0)
    goto out;
  /* The store's disk use: unpacked layers and the blobs they came from;
     what images in use by containers take is not reclaimable (their
     unpacked size; their blobs are counted as reclaimable). */
  size_t iactive = 0;
  int64_t reclaim = layers + blobs;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *user = dock_image_user (ctx->store, imgs[i].id, NULL, NULL);
      if (user)
        iactive++, reclaim -= imgs[i].size;
    }
  if (reclaim < 0)
    reclaim = 0;
  if (df_row (f, "Images", n, iactive, layers + blobs, reclaim, err) < 0
      || cli_container_usage (ctx->store, &ctotal, &cactive, &csize, &creclaim, err) < 0
      || df_row (f, "Containers", ctotal, cactive, csize, creclaim, err) < 0
      || df_row (f, "Local Volumes", 0, 0, 0, 0, err) < 0
      || df_row (f, "Build Cache", 0, 0, 0, 0, err) < 0)
    goto out;
  r = format_end (f, stdout, err);
  f = NULL;
out:
  format_free (f);
  dock_image_list_free (imgs, n);
  return r;
}
