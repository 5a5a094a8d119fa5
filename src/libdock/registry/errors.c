/* Registry error answers as one line; see errors.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/registry/errors.h"

#include <string.h>

#include "distribution_spec.h"
#include "libberth/util.h"

static const struct
{
  long status;
  const char *reason;
} reasons[] = {
  { 400, "Bad Request" },
  { 401, "Unauthorized" },
  { 403, "Forbidden" },
  { 404, "Not Found" },
  { 405, "Method Not Allowed" },
  { 409, "Conflict" },
  { 413, "Request Entity Too Large" },
  { 416, "Requested Range Not Satisfiable" },
  { 429, "Too Many Requests" },
  { 500, "Internal Server Error" },
  { 502, "Bad Gateway" },
  { 503, "Service Unavailable" },
  { 504, "Gateway Timeout" },
};

const char *
dock_http_reason (long status)
{
  for (size_t i = 0; i < ARRAY_SIZE (reasons); i++)
    if (reasons[i].status == status)
      return reasons[i].reason;
  return "";
}

static oci_dist_errors *
parse_errors (const dock_http_req *r)
{
  if (r->body_buf == NULL || r->body_buf_len == 0)
    return NULL;
  char *perr = NULL;
  oci_dist_errors *e = oci_dist_errors_parse_data (r->body_buf, r->body_buf_len, NULL, &perr);
  free (perr);
  if (e && e->errors_len == 0)
    {
      oci_dist_errors_free (e);
      return NULL;
    }
  return e;
}

char *
dock_http_error_text (const dock_http_req *r)
{
  const char *transport = dock_http_transport_error (r);
  if (r->status == 0 && transport)
    return xstrdup (transport);
  oci_dist_errors *e = parse_errors (r);
  if (e)
    {
      char *text = oci_dist_errors_text (e);
      oci_dist_errors_free (e);
      return text;
    }
  /* A HEAD answer has no body to explain itself: say what docker says. */
  if (r->status == 401)
    return xstrdup ("unauthorized: authentication required");
  if (r->status == 403)
    return xstrdup ("denied: requested access to the resource is denied");
  const char *reason = dock_http_reason (r->status);
  return xasprintf ("received unexpected HTTP status: %ld%s%s", r->status, *reason ? " " : "", reason);
}

char *
dock_http_error_code (const dock_http_req *r)
{
  oci_dist_errors *e = parse_errors (r);
  if (e == NULL)
    return NULL;
  char *code = xstrdup (e->errors[0]->code);
  oci_dist_errors_free (e);
  return code;
}
