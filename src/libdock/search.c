/* `dock search`; see search.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/search.h"

#include <string.h>

#include "libberth/util.h"
#include "libdock/ref/reference.h"

/* "127.0.0.1:5000/ap" -> registry "127.0.0.1:5000", term "ap"; "ap" ->
   docker.io.  The same test of the first component as references use. */
static void
split_query (const char *query, char **domain, const char **term)
{
  const char *slash = strchr (query, '/');
  if (slash)
    {
      size_t n = (size_t) (slash - query);
      bool looks_like_domain = memchr (query, '.', n) || memchr (query, ':', n) || (n == 9 && !strncmp (query, "localhost", 9));
      if (looks_like_domain)
        {
          *domain = xstrndup (query, n);
          *term = slash + 1;
          return;
        }
    }
  *domain = xstrdup ("docker.io");
  *term = query;
}

void
dock_search_results_free (dock_search_result *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (r[i].name);
      free (r[i].description);
    }
  free (r);
}

int
dock_search (const dock_registry_opts *o, const char *query, size_t limit, dock_search_result **out, size_t *n,
             berth_error **err)
{
  *out = NULL;
  *n = 0;
  cleanup_free char *domain = NULL;
  const char *term = NULL;
  split_query (query, &domain, &term);
  if (!dock_ref_valid_domain (domain))
    return berth_fail (err, 0, "invalid registry address \"%s\"", domain);
  cleanup_http dock_http *http = NULL;
  cleanup_registry dock_registry *reg = NULL;
  if (dock_http_new (&http, err) < 0 || dock_registry_open (http, o, domain, NULL, NULL, &reg, err) < 0)
    return -1;
  char **repos = NULL;
  size_t count = 0;
  if (dock_registry_catalog (reg, &repos, &count, err) < 0)
    return berth_error_wrap (err, "search %s", domain);
  dock_search_result *res = xcalloc (count + 1, sizeof *res);
  size_t k = 0;
  bool hub = strcmp (domain, "docker.io") == 0;
  for (size_t i = 0; i < count && k < limit; i++)
    {
      if (*term && strcasestr (repos[i], term) == NULL)
        continue;
      const char *shown = repos[i];
      if (hub && str_has_prefix (shown, "library/"))
        shown += strlen ("library/");
      res[k].name = hub ? xstrdup (shown) : xasprintf ("%s/%s", domain, shown);
      res[k].description = xstrdup ("");
      k++;
    }
  strv_free (repos);
  *out = res;
  *n = k;
  return 0;
}
