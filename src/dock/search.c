/* dock search: docker's columns (NAME DESCRIPTION STARS OFFICIAL), --limit,
   --filter, --format, --no-trunc. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"
#include "libberth/util.h"
#include "libdock/search.h"
#include "registry_cli.h"

#define DEFAULT_LIMIT 25
#define DESCRIPTION_WIDTH 45

static const format_header search_headers[] = {
  { "Name", "NAME" },        { "Description", "DESCRIPTION" }, { "StarCount", "STARS" },
  { "IsOfficial", "OFFICIAL" }, { "IsAutomated", "AUTOMATED" }, { NULL, NULL },
};

typedef struct
{
  long min_stars;
  int official;  /* -1 unset */
  int automated; /* -1 unset */
} search_filter;

static int
bool_filter (const char *key, const char *v, int *out, berth_error **err)
{
  if (strcmp (v, "true") == 0 || strcmp (v, "1") == 0)
    *out = 1;
  else if (strcmp (v, "false") == 0 || strcmp (v, "0") == 0)
    *out = 0;
  else
    return berth_fail (err, 0, "invalid filter '%s=%s'", key, v);
  return 0;
}

static int
parse_filters (char **values, size_t n, search_filter *f, berth_error **err)
{
  *f = (search_filter) { .official = -1, .automated = -1 };
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (values[i], '=');
      if (eq == NULL)
        return berth_fail (err, 0, "bad format of filter (expected name=value)");
      cleanup_free char *key = xstrndup (values[i], (size_t) (eq - values[i]));
      const char *v = eq + 1;
      if (strcmp (key, "stars") == 0)
        {
          char *end = NULL;
          f->min_stars = strtol (v, &end, 10);
          if (*v == '\0' || *end)
            return berth_fail (err, 0, "invalid filter 'stars=%s'", v);
        }
      else if (strcmp (key, "is-official") == 0)
        {
          if (bool_filter (key, v, &f->official, err) < 0)
            return -1;
        }
      else if (strcmp (key, "is-automated") == 0)
        {
          if (bool_filter (key, v, &f->automated, err) < 0)
            return -1;
        }
      else
        return berth_fail (err, 0, "invalid filter '%s'", key);
    }
  return 0;
}

int
cmd_search (cli_ctx *ctx, berth_error **err)
{
  registry_cli_config_dir (ctx);
  long limit = DEFAULT_LIMIT;
  const char *limit_s = cli_value (ctx, "limit");
  if (limit_s)
    {
      char *end = NULL;
      limit = strtol (limit_s, &end, 10);
      if (*limit_s == '\0' || *end)
        return berth_fail (err, 0, "invalid argument \"%s\" for \"--limit\" flag: strconv.ParseInt: parsing \"%s\": "
                                   "invalid syntax",
                           limit_s, limit_s);
      if (limit < 1 || limit > 100)
        return berth_fail (err, 0, "limit %ld is outside the range of [1, 100]", limit);
    }
  size_t nfilters = 0;
  char **filters = cli_values (ctx, "filter", &nfilters);
  search_filter f;
  if (parse_filters (filters, nfilters, &f, err) < 0)
    return -1;
  bool no_trunc = cli_flag (ctx, "no-trunc");

  dock_registry_opts o;
  registry_cli_opts (ctx, &o);
  dock_search_result *res = NULL;
  size_t n = 0;
  if (dock_search (&o, ctx->argv[0], (size_t) limit, &res, &n, err) < 0)
    return -1;
  dock_format *fmt = NULL;
  int rc = -1;
  if (format_begin (cli_value (ctx, "format"), "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}",
                    search_headers, &fmt, err)
      < 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    {
      if (res[i].stars < f.min_stars || (f.official >= 0 && res[i].official != f.official)
          || (f.automated >= 0 && res[i].automated != f.automated))
        continue;
      char stars[32];
      snprintf (stars, sizeof stars, "%ld", res[i].stars);
      cleanup_free char *desc = xstrdup (res[i].description);
      if (!no_trunc && strlen (desc) > DESCRIPTION_WIDTH)
        {
          desc[DESCRIPTION_WIDTH - 1] = '\0';
          char *t = xasprintf ("%s…", desc);
          free (desc);
          desc = t;
        }
      /* Members sorted by name, as docker's {{json .}} prints them. */
      oci_json *row = oci_json_new (OCI_JSON_OBJECT);
      row_set (row, "Description", desc);
      row_set (row, "IsAutomated", res[i].automated ? "[OK]" : "");
      row_set (row, "IsOfficial", res[i].official ? "[OK]" : "");
      row_set (row, "Name", res[i].name);
      row_set (row, "StarCount", stars);
      int r = format_row (fmt, row, err);
      oci_json_free (row);
      if (r < 0)
        goto out;
    }
  rc = format_end (fmt, stdout, err);
  fmt = NULL;
out:
  format_free (fmt);
  dock_search_results_free (res, n);
  return rc;
}
