/* libocispec: the JSON backend interface.
 *
 * Everything above this header sees JSON only as the small tree and the
 * writer declared here.  json.c is the one file that talks to yajl, so the
 * backend can be swapped (yajl is unmaintained) without touching the types.
 */
#ifndef OCI_JSON_H
#define OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum
{
  OCI_JSON_NULL,
  OCI_JSON_FALSE,
  OCI_JSON_TRUE,
  OCI_JSON_NUMBER, /* kept as the literal text: uint64 and int64 both round-trip */
  OCI_JSON_STRING,
  OCI_JSON_ARRAY,
  OCI_JSON_OBJECT,
} oci_json_kind;

typedef struct oci_json oci_json;
struct oci_json
{
  oci_json_kind kind;
  /* NUMBER and STRING: NUL-terminated text and its length (strings may hold NULs). */
  char *text;
  size_t text_len;
  /* ARRAY and OBJECT: members in document order; keys is NULL for arrays.
     A member may be set to NULL by a consumer that took ownership of it. */
  oci_json **items;
  char **keys;
  size_t len, cap;
};

/* Deepest nesting the parser accepts; keeps recursion bounded on hostile
   input, and stays under the writer's own limit (yajl's is 128) so that
   whatever parses can be generated again. */
#define OCI_JSON_MAX_DEPTH 127

/* Parse a whole document.  On failure returns NULL and sets *err to a
   malloc'd message such as "invalid JSON at line 3, column 7: ...". */
oci_json *oci_json_parse (const char *buf, size_t len, char **err);
void oci_json_free (oci_json *v);
oci_json *oci_json_new (oci_json_kind kind);
/* Scalars made from C values: a string of len bytes (copied; NULL is ""),
   an integer, a boolean. */
oci_json *oci_json_new_string (const char *s, size_t len);
oci_json *oci_json_new_int (long long n);
oci_json *oci_json_new_bool (bool b);
/* Append to an array (key NULL) or object; takes ownership of v and copies key. */
void oci_json_append (oci_json *agg, const char *key, oci_json *v);
/* Replace the member key of an object, or append it; takes ownership of v. */
void oci_json_set (oci_json *obj, const char *key, oci_json *v);
/* Remove every member key of an object; whether there was one. */
bool oci_json_remove (oci_json *obj, const char *key);
/* Last member of an object with this key (JSON says the last duplicate wins). */
oci_json *oci_json_get (const oci_json *obj, const char *key);
/* Deep equality; object member order does not matter, number text does. */
bool oci_json_equal (const oci_json *a, const oci_json *b);

/* The writer.  Errors (a key where a value belongs, ...) are programming
   errors; they are remembered and reported by oci_jw_finish. */
typedef struct oci_jw oci_jw;
enum
{
  OCI_JW_PRETTY = 1 << 0, /* tab-indented, one member per line */
};
oci_jw *oci_jw_new (unsigned flags);
void oci_jw_begin_object (oci_jw *w);
void oci_jw_end_object (oci_jw *w);
void oci_jw_begin_array (oci_jw *w);
void oci_jw_end_array (oci_jw *w);
void oci_jw_key (oci_jw *w, const char *key);
void oci_jw_string (oci_jw *w, const char *s);
void oci_jw_string_len (oci_jw *w, const char *s, size_t len);
void oci_jw_number_text (oci_jw *w, const char *text, size_t len);
void oci_jw_int (oci_jw *w, int64_t v);
void oci_jw_uint (oci_jw *w, uint64_t v);
void oci_jw_bool (oci_jw *w, bool v);
void oci_jw_null (oci_jw *w);
void oci_jw_value (oci_jw *w, const oci_json *v);
/* Returns the document (malloc'd, NUL-terminated, with a trailing newline
   when pretty) and frees the writer; NULL if the writer saw misuse. */
char *oci_jw_finish (oci_jw *w, size_t *len);
void oci_jw_abort (oci_jw *w);

/* Allocation failure is not recoverable for a runtime: these abort. */
void *oci_xmalloc (size_t n);
void *oci_xcalloc (size_t n, size_t size);
void *oci_xrealloc (void *p, size_t n);
char *oci_xstrdup (const char *s);
char *oci_xstrndup (const char *s, size_t n);
char *oci_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
