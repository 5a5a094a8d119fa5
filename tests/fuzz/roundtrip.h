/* What every libocispec fuzz target checks, for any document type:
 * whenever an input parses, the document is generated (pretty and compact),
 * both outputs must parse again, and a second generation from them must be
 * byte-identical to the first; a failed parse must produce an error that
 * starts with the document name; and the bare JSON parser's tree survives a
 * write and re-read unchanged.  Included by fuzz-config.c and
 * fuzz-manifest.c (one translation unit each).
 */
#ifndef FUZZ_ROUNDTRIP_H
#define FUZZ_ROUNDTRIP_H

#include "schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, what)                                                                                             \
  do                                                                                                                  \
    {                                                                                                                 \
      if (!(cond))                                                                                                    \
        {                                                                                                             \
          fprintf (stderr, "fuzz: invariant violated: %s (%s:%d)\n", what, __FILE__, __LINE__);                    \
          abort ();                                                                                                   \
        }                                                                                                             \
    }                                                                                                                 \
  while (0)

static bool
same (const char *a, size_t alen, const char *b, size_t blen)
{
  return a && b && alen == blen && memcmp (a, b, alen) == 0;
}

/* A failed parse leaves an error naming the document; a successful one
   leaves *err alone. */
static void *
parse_checked (const oci_desc *d, const char *buf, size_t len, const char *docname)
{
  char *err = NULL;
  void *obj = oci_parse (d, buf, len, docname, &err);
  if (obj == NULL)
    {
      size_t n = strlen (docname);
      CHECK (err != NULL, "a failed parse sets an error");
      CHECK (strncmp (err, docname, n) == 0 && strncmp (err + n, ": ", 2) == 0,
             "a parse error starts with \"<docname>: \"");
      free (err);
      return NULL;
    }
  CHECK (err == NULL, "a successful parse leaves the error unset");
  return obj;
}

/* generate -> parse -> generate is a fixed point, pretty and compact. */
static void
roundtrip (const oci_desc *d, const void *obj, const char *docname)
{
  size_t clen = 0, plen = 0;
  char *compact = oci_generate (d, obj, 0, &clen);
  char *pretty = oci_generate (d, obj, OCI_JW_PRETTY, &plen);
  CHECK (compact != NULL, "a parsed document can be generated (compact)");
  CHECK (pretty != NULL, "a parsed document can be generated (pretty)");
  CHECK (strlen (compact) == clen, "compact output has no NUL byte and its length is right");
  CHECK (strlen (pretty) == plen, "pretty output has no NUL byte and its length is right");

  void *from_compact = parse_checked (d, compact, clen, docname);
  void *from_pretty = parse_checked (d, pretty, plen, docname);
  CHECK (from_compact != NULL, "the compact output re-parses");
  CHECK (from_pretty != NULL, "the pretty output re-parses");

  size_t len = 0;
  char *again = oci_generate (d, from_compact, 0, &len);
  CHECK (same (again, len, compact, clen), "compact generation of the re-parsed compact output is byte-identical");
  free (again);
  again = oci_generate (d, from_pretty, 0, &len);
  CHECK (same (again, len, compact, clen), "compact generation of the re-parsed pretty output is byte-identical");
  free (again);
  again = oci_generate (d, from_pretty, OCI_JW_PRETTY, &len);
  CHECK (same (again, len, pretty, plen), "pretty generation of the re-parsed pretty output is byte-identical");
  free (again);

  /* Pretty and compact are the same JSON. */
  oci_json *tc = oci_json_parse (compact, clen, NULL);
  oci_json *tp = oci_json_parse (pretty, plen, NULL);
  CHECK (tc && tp && oci_json_equal (tc, tp), "pretty and compact outputs are JSON-equal");
  oci_json_free (tc);
  oci_json_free (tp);

  oci_free (d, from_compact);
  oci_free (d, from_pretty);
  free (compact);
  free (pretty);
}

static void
fuzz_type (const oci_desc *d, const char *buf, size_t len, const char *docname)
{
  void *obj = parse_checked (d, buf, len, docname);
  if (obj == NULL)
    return;
  roundtrip (d, obj, docname);
  oci_free (d, obj);
}

static void
fuzz_json (const char *buf, size_t len)
{
  char *err = NULL;
  oci_json *tree = oci_json_parse (buf, len, &err);
  if (tree == NULL)
    {
      CHECK (err != NULL && strncmp (err, "invalid JSON", 12) == 0, "a JSON syntax error says \"invalid JSON\"");
      free (err);
      return;
    }
  /* Write the tree and read it back: the same tree. */
  oci_jw *w = oci_jw_new (0);
  oci_jw_value (w, tree);
  size_t olen = 0;
  char *out = oci_jw_finish (w, &olen);
  CHECK (out != NULL, "a parsed JSON tree can be written");
  oci_json *back = oci_json_parse (out, olen, NULL);
  CHECK (back != NULL, "a written JSON tree re-parses");
  CHECK (oci_json_equal (tree, back), "a written JSON tree re-parses to an equal tree");
  oci_json_free (back);
  free (out);
  oci_json_free (tree);
}

#endif
