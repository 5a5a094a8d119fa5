/* `dock search`: a registry's catalog, filtered by a term.  The catalog has
   no descriptions, stars or official marks: they come out empty, zero and
   false.  Docker Hub serves no catalog, so docker.io searches fail with the
   registry's own answer. */
#ifndef DOCK_SEARCH_H
#define DOCK_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "libberth/error.h"
#include "libdock/registry/client.h"

typedef struct
{
  char *name; /* "127.0.0.1:5000/ns/app" (docker.io names as the Hub shows them) */
  char *description;
  long stars;
  bool official;
  bool automated;
} dock_search_result;

/* query: "[registry/]term".  At most limit results, in catalog order. */
int dock_search (const dock_registry_opts *o, const char *query, size_t limit, dock_search_result **out, size_t *n,
                 berth_error **err);
void dock_search_results_free (dock_search_result *r, size_t n);

#endif
