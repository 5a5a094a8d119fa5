#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ocispec-helpers.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

oci_json *
jv (const char *text)
{
  char *err = NULL;
  oci_json *v = oci_json_parse (text, strlen (text), &err);
  if (v == NULL)
    {
      fprintf (stderr, "bad test literal %s: %s\n", text, err);
      abort ();
    }
  return v;
}

char *
jtext (const oci_json *v)
{
  oci_jw *w = oci_jw_new (0);
  oci_jw_value (w, v);
  char *s = oci_jw_finish (w, NULL);
  if (s == NULL)
    abort ();
  return s;
}

char *
try_parse (const oci_desc *d, const char *docname, const char *text, size_t len, void **out)
{
  char *err = NULL;
  void *obj = oci_parse (d, text, len, docname, &err);
  if (obj == NULL)
    return err ? err : oci_xstrdup ("(no error message)");
  if (out)
    *out = obj;
  else
    oci_free (d, obj);
  free (err);
  return NULL;
}

bool
expect_error (const char *got, const char *want)
{
  if (got != NULL && strcmp (got, want) == 0)
    return true;
  diag ("expected error: %s", want);
  diag ("got:            %s", got ? got : "(parsed successfully)");
  return false;
}

oci_json *
generated_tree (const oci_desc *d, const void *obj, unsigned flags)
{
  size_t len = 0;
  char *g = oci_generate (d, obj, flags, &len);
  if (g == NULL)
    return NULL;
  char *err = NULL;
  oci_json *t = oci_json_parse (g, len, &err);
  free (err);
  free (g);
  return t;
}
