/* berth list: the containers under --root, as a table or JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cmd_list (cli_ctx *ctx, berth_error **err)
{
  const char *format = cli_value (ctx, "format");
  if (format == NULL)
    format = "table";
  if (strcmp (format, "table") && strcmp (format, "json"))
    return berth_fail (err, 0, "list: unknown format `%s` (use table or json)", format);

  if (cli_flag (ctx, "quiet"))
    {
      /* Only the names: no state is read. */
      char **ids = NULL;
      size_t nids = 0;
      if (berth_list_ids (ctx->lib, &ids, &nids, err) < 0)
        return berth_error_wrap (err, "list");
      for (size_t i = 0; i < nids; i++)
        printf ("%s\n", ids[i]);
      berth_strv_free (ids);
      return 0;
    }

  berth_container_info *l = NULL;
  size_t n = 0;
  if (berth_list (ctx->lib, &l, &n, err) < 0)
    return berth_error_wrap (err, "list");

  if (strcmp (format, "json") == 0)
    {
      oci_jw *w = oci_jw_new (0);
      oci_jw_begin_array (w);
      for (size_t i = 0; i < n; i++)
        {
          const berth_container_info *s = &l[i];
          oci_jw_begin_object (w);
          oci_jw_key (w, "ociVersion"), oci_jw_string (w, OCI_RUNTIME_SPEC_VERSION);
          oci_jw_key (w, "id"), oci_jw_string (w, s->id);
          oci_jw_key (w, "pid"), oci_jw_int (w, s->pid);
          oci_jw_key (w, "status"), oci_jw_string (w, berth_status_name (l[i].status));
          oci_jw_key (w, "bundle"), oci_jw_string (w, s->bundle);
          oci_jw_key (w, "rootfs"), oci_jw_string (w, s->rootfs);
          oci_jw_key (w, "created"), oci_jw_string (w, s->created);
          oci_jw_key (w, "owner"), oci_jw_string (w, s->owner);
          oci_jw_end_object (w);
        }
      oci_jw_end_array (w);
      char *text = oci_jw_finish (w, NULL);
      printf ("%s\n", text ? text : "[]");
      free (text);
    }
  else
    {
      printf ("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
      for (size_t i = 0; i < n; i++)
        {
          const berth_container_info *s = &l[i];
          printf ("%-20s %-8lld %-10s %-40s %-31s %s\n", s->id, (long long) s->pid, berth_status_name (s->status),
                  s->bundle, s->created, s->owner);
        }
    }
  berth_info_free (l, n);
  return 0;
}
