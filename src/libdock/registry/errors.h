/* A registry's failed answer as one line, the way docker prints it. */
#ifndef DOCK_REGISTRY_ERRORS_H
#define DOCK_REGISTRY_ERRORS_H

#include "libdock/registry/http.h"

/* The error body's "code: message" pairs ("manifest unknown: manifest
   unknown", "toomanyrequests: ...") when the body is a distribution-spec
   error document; else docker's "received unexpected HTTP status: 500
   Internal Server Error"; for a request that got no answer, the
   transport's failure.  malloc'd. */
char *dock_http_error_text (const dock_http_req *r);
/* The reason phrase of a status code ("Not Found"), "" if unknown. */
const char *dock_http_reason (long status);
/* The registry error code of the body's first error ("MANIFEST_UNKNOWN"),
   malloc'd, or NULL. */
char *dock_http_error_code (const dock_http_req *r);

#endif
