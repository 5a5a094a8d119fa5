/* Helpers shared by the libocispec unit tests (test-ocispec.c and
   test-ocispec-fields.c): JSON literals, parsing a document into an error
   text, comparing errors with a diagnostic on mismatch. */
#ifndef BERTH_OCISPEC_HELPERS_H
#define BERTH_OCISPEC_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime_spec.h"

/* A JSON value from literal text (aborts on a bad literal). */
oci_json *jv (const char *text);
/* The JSON text of a value (malloc'd). */
char *jtext (const oci_json *v);
/* Parse text as document type d.  Returns the error (malloc'd) or NULL on
   success; on success *out (if given) receives the object. */
char *try_parse (const oci_desc *d, const char *docname, const char *text, size_t len, void **out);
/* got equals want; otherwise prints both as diagnostics. */
bool expect_error (const char *got, const char *want);
/* Generate obj and return it re-read as a JSON tree (NULL on any failure). */
oci_json *generated_tree (const oci_desc *d, const void *obj, unsigned flags);

#endif
