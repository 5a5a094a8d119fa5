/* libocispec: the field tables of the distribution-spec types and the table
   of registry error codes. */
#include "distribution_spec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

OCI_DISTRIBUTION_TYPES (OCI_DEFINE_DESC)

const oci_dist_error_code oci_dist_error_codes[] = {
  { "BLOB_UNKNOWN", "blob unknown", false },
  { "BLOB_UPLOAD_INVALID", "blob upload invalid", false },
  { "BLOB_UPLOAD_UNKNOWN", "blob upload unknown", false },
  { "DIGEST_INVALID", "digest invalid", false },
  { "MANIFEST_BLOB_UNKNOWN", "manifest blob unknown", false },
  { "MANIFEST_INVALID", "manifest invalid", false },
  { "MANIFEST_UNKNOWN", "manifest unknown", false },
  { "NAME_INVALID", "name invalid", false },
  { "NAME_UNKNOWN", "name unknown", false },
  { "SIZE_INVALID", "size invalid", false },
  { "UNAUTHORIZED", "unauthorized", false },
  { "DENIED", "denied", false },
  { "UNSUPPORTED", "unsupported", false },
  { "TOOMANYREQUESTS", "toomanyrequests", true },
  /* Not in distribution-spec's table; docker's registry sends them. */
  { "UNAVAILABLE", "unavailable", true },
  { "UNKNOWN", "unknown", false },
  { "MANIFEST_UNVERIFIED", "manifest unverified", false },
  { "TAG_INVALID", "tag invalid", false },
  { "PAGINATION_NUMBER_INVALID", "pagination number invalid", false },
  { "RANGE_INVALID", "range invalid", false },
};
const size_t oci_dist_error_codes_len = sizeof oci_dist_error_codes / sizeof oci_dist_error_codes[0];

const oci_dist_error_code *
oci_dist_error_code_lookup (const char *code)
{
  for (size_t i = 0; code && i < oci_dist_error_codes_len; i++)
    if (strcmp (oci_dist_error_codes[i].code, code) == 0)
      return &oci_dist_error_codes[i];
  return NULL;
}

static void
append (char **buf, size_t *len, const char *s)
{
  size_t n = strlen (s);
  *buf = oci_xrealloc (*buf, *len + n + 1);
  memcpy (*buf + *len, s, n + 1);
  *len += n;
}

/* One line of printable bytes: a registry's code or message with control
   characters (a newline, a carriage return) must not break the error line. */
static void
one_line (char *s, size_t n)
{
  for (size_t k = 0; k < n; k++)
    if ((unsigned char) s[k] < 0x20 || s[k] == 0x7f)
      s[k] = ' ';
}

char *
oci_dist_errors_text (const oci_dist_errors *e)
{
  char *buf = oci_xstrdup ("");
  size_t len = 0;
  for (size_t i = 0; e && i < e->errors_len; i++)
    {
      const oci_dist_error *one = e->errors[i];
      if (i)
        append (&buf, &len, "; ");
      const oci_dist_error_code *known = oci_dist_error_code_lookup (one->code);
      if (known)
        append (&buf, &len, known->text);
      else
        {
          size_t at = len;
          append (&buf, &len, one->code);
          for (size_t k = at; k < len; k++)
            buf[k] = buf[k] == '_' ? ' ' : (char) tolower ((unsigned char) buf[k]);
          one_line (buf + at, len - at);
        }
      if (one->message && *one->message)
        {
          append (&buf, &len, ": ");
          size_t at = len;
          append (&buf, &len, one->message);
          one_line (buf + at, len - at);
        }
    }
  if (len == 0)
    append (&buf, &len, "unknown error");
  return buf;
}
