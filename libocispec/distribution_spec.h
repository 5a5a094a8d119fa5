/* libocispec: the OCI distribution-spec 1.1 response bodies, and the token
 * response of the token authentication that every registry's Bearer realm
 * speaks (docker's "token" spec, which distribution-spec leaves to it).
 *
 * The referrers API answers with an image index (image_spec.h).
 */
#ifndef OCI_DISTRIBUTION_SPEC_H
#define OCI_DISTRIBUTION_SPEC_H

#include "schema.h"

#define OCI_DISTRIBUTION_SPEC_VERSION "1.1.1"

/* A 4xx/5xx body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"...","detail":...}]}.
   detail is any JSON; registries put the offending name or digest there. */
#define OCI_FIELDS_oci_dist_error(X, T)                                                                               \
  X (T, STR, code, "code", OCI_REQ, _)                                                                                \
  X (T, STR, message, "message", 0, _)                                                                                \
  X (T, RAW, detail, "detail", 0, _)

#define OCI_FIELDS_oci_dist_errors(X, T) X (T, AOBJ, errors, "errors", OCI_REQ, oci_dist_error)

/* GET /v2/<name>/tags/list.  docker-registry answers "tags": null for a
   repository whose tags were all deleted; null decodes as absent. */
#define OCI_FIELDS_oci_dist_tag_list(X, T)                                                                            \
  X (T, STR, name, "name", OCI_REQ, _)                                                                                \
  X (T, ASTR, tags, "tags", 0, _)

/* GET /v2/_catalog. */
#define OCI_FIELDS_oci_dist_catalog(X, T) X (T, ASTR, repositories, "repositories", 0, _)

/* The token server's answer.  "token" and "access_token" are synonyms (a
   server may send either or both); expires_in is seconds, default 60. */
#define OCI_FIELDS_oci_dist_token(X, T)                                                                               \
  X (T, STR, token, "token", 0, _)                                                                                    \
  X (T, STR, access_token, "access_token", 0, _)                                                                      \
  X (T, I64, expires_in, "expires_in", 0, _)                                                                          \
  X (T, STR, issued_at, "issued_at", 0, _)                                                                            \
  X (T, STR, refresh_token, "refresh_token", 0, _)

#define OCI_DISTRIBUTION_TYPES(M)                                                                                     \
  M (oci_dist_error)                                                                                                  \
  M (oci_dist_errors)                                                                                                 \
  M (oci_dist_tag_list)                                                                                               \
  M (oci_dist_catalog)                                                                                                \
  M (oci_dist_token)

OCI_DISTRIBUTION_TYPES (OCI_DEFINE_STRUCT)
OCI_DISTRIBUTION_TYPES (OCI_DECLARE_TYPE)

/* The error codes of distribution-spec's table (and docker's additions),
   with the text docker prints for each: the code in lower case with spaces
   ("MANIFEST_UNKNOWN" -> "manifest unknown"). */
typedef struct
{
  const char *code;
  const char *text;
  bool transient; /* worth retrying (TOOMANYREQUESTS, UNAVAILABLE) */
} oci_dist_error_code;

extern const oci_dist_error_code oci_dist_error_codes[];
extern const size_t oci_dist_error_codes_len;
const oci_dist_error_code *oci_dist_error_code_lookup (const char *code);

/* One line for a whole error body, as docker prints it:
   "manifest unknown: manifest unknown"; several errors are joined with
   "; ".  An unknown code is lower-cased with '_' -> ' ' as docker does.
   Returns a malloc'd string. */
char *oci_dist_errors_text (const oci_dist_errors *e);

#endif
