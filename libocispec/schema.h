/* libocispec: table-driven (de)serialisation of OCI types.
 *
 * Each OCI object type is written once, as an X-macro list of fields:
 *
 *   #define OCI_FIELDS_oci_hook(X, T)                     \
 *     X (T, STR,  path,    "path",    OCI_REQ, _)         \
 *     X (T, ASTR, args,    "args",    0,       _)         \
 *     X (T, I64,  timeout, "timeout", 0,       _)
 *
 * From that one list OCI_DEFINE_STRUCT makes the C struct and OCI_DEFINE_DESC
 * the field table that the generic decoder, encoder and destructor walk.
 *
 * Field kinds and the members they declare (for a field `x`):
 *   STR            char *x                          NULL when absent
 *   BOOL           bool x;      bool x_present
 *   I64 U64 I32 U32 U16         intN_t x; bool x_present
 *   OBJ  (sub T)   T *x                             NULL when absent
 *   ASTR           char **x;    size_t x_len        x != NULL when present
 *   AU32           uint32_t *x; size_t x_len
 *   AOBJ (sub T)   T **x;       size_t x_len
 *   MSTR           struct { char **keys; char **values; size_t len; } x
 *   MOBJ (sub T)   struct { char **keys; T **values; size_t len; } x
 *   RAW            oci_json *x                      any JSON kept verbatim
 * Every struct also has `oci_json *_extra`: the members the spec does not
 * define, kept so that a document round-trips (the spec says a runtime
 * ignores unknown properties; ignoring does not mean destroying them).
 */
#ifndef OCI_SCHEMA_H
#define OCI_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

typedef enum
{
  OCI_K_STR,
  OCI_K_BOOL,
  OCI_K_I64,
  OCI_K_U64,
  OCI_K_I32,
  OCI_K_U32,
  OCI_K_U16,
  OCI_K_OBJ,
  OCI_K_ASTR,
  OCI_K_AU32,
  OCI_K_AOBJ,
  OCI_K_MSTR,
  OCI_K_MOBJ,
  OCI_K_RAW,
} oci_kind;

enum
{
  OCI_REQ = 1 << 0, /* decoding fails when the member is missing */
};

typedef struct oci_desc oci_desc;
typedef struct
{
  const char *name;   /* JSON member name */
  uint8_t kind;       /* oci_kind */
  uint8_t flags;      /* OCI_REQ */
  uint32_t offset;    /* of the member */
  uint32_t aux;       /* of x_present (scalars) or x_len (arrays) */
  const oci_desc *sub;
} oci_field;

struct oci_desc
{
  const char *name; /* C type name, for diagnostics */
  size_t size;
  size_t extra_offset;
  const oci_field *fields;
  size_t nfields;
};

/* Layout every map member shares, whatever its value type. */
typedef struct
{
  char **keys;
  void **values;
  size_t len;
} oci_map;

/* ------------------------------------------------------------ X-macro kit */

#define OCI_MEMBER_STR(c, sub) char *c;
#define OCI_MEMBER_BOOL(c, sub) bool c; bool c##_present;
#define OCI_MEMBER_I64(c, sub) int64_t c; bool c##_present;
#define OCI_MEMBER_U64(c, sub) uint64_t c; bool c##_present;
#define OCI_MEMBER_I32(c, sub) int32_t c; bool c##_present;
#define OCI_MEMBER_U32(c, sub) uint32_t c; bool c##_present;
#define OCI_MEMBER_U16(c, sub) uint16_t c; bool c##_present;
#define OCI_MEMBER_OBJ(c, sub) struct sub *c;
#define OCI_MEMBER_ASTR(c, sub) char **c; size_t c##_len;
#define OCI_MEMBER_AU32(c, sub) uint32_t *c; size_t c##_len;
#define OCI_MEMBER_AOBJ(c, sub) struct sub **c; size_t c##_len;
#define OCI_MEMBER_MSTR(c, sub) struct { char **keys; char **values; size_t len; } c;
#define OCI_MEMBER_MOBJ(c, sub) struct { char **keys; struct sub **values; size_t len; } c;
#define OCI_MEMBER_RAW(c, sub) oci_json *c;
#define OCI_MEMBER(T, kind, c, json, flags, sub) OCI_MEMBER_##kind (c, sub)

#define OCI_AUX_NONE(T, c) 0
#define OCI_AUX_PRESENT(T, c) offsetof (T, c##_present)
#define OCI_AUX_LEN(T, c) offsetof (T, c##_len)
#define OCI_AUX_STR OCI_AUX_NONE
#define OCI_AUX_BOOL OCI_AUX_PRESENT
#define OCI_AUX_I64 OCI_AUX_PRESENT
#define OCI_AUX_U64 OCI_AUX_PRESENT
#define OCI_AUX_I32 OCI_AUX_PRESENT
#define OCI_AUX_U32 OCI_AUX_PRESENT
#define OCI_AUX_U16 OCI_AUX_PRESENT
#define OCI_AUX_OBJ OCI_AUX_NONE
#define OCI_AUX_ASTR OCI_AUX_LEN
#define OCI_AUX_AU32 OCI_AUX_LEN
#define OCI_AUX_AOBJ OCI_AUX_LEN
#define OCI_AUX_MSTR OCI_AUX_NONE
#define OCI_AUX_MOBJ OCI_AUX_NONE
#define OCI_AUX_RAW OCI_AUX_NONE

#define OCI_SUB_NONE(sub) NULL
#define OCI_SUB_TYPE(sub) &sub##_desc
#define OCI_SUB_STR OCI_SUB_NONE
#define OCI_SUB_BOOL OCI_SUB_NONE
#define OCI_SUB_I64 OCI_SUB_NONE
#define OCI_SUB_U64 OCI_SUB_NONE
#define OCI_SUB_I32 OCI_SUB_NONE
#define OCI_SUB_U32 OCI_SUB_NONE
#define OCI_SUB_U16 OCI_SUB_NONE
#define OCI_SUB_OBJ OCI_SUB_TYPE
#define OCI_SUB_ASTR OCI_SUB_NONE
#define OCI_SUB_AU32 OCI_SUB_NONE
#define OCI_SUB_AOBJ OCI_SUB_TYPE
#define OCI_SUB_MSTR OCI_SUB_NONE
#define OCI_SUB_MOBJ OCI_SUB_TYPE
#define OCI_SUB_RAW OCI_SUB_NONE

/* The struct for type T, from OCI_FIELDS_T. */
#define OCI_DEFINE_STRUCT(T)                                                                                          \
  struct T                                                                                                            \
  {                                                                                                                   \
    OCI_FIELDS_##T (OCI_MEMBER, T) oci_json *_extra;                                                                     \
  };

/* The field table for type T; used in exactly one .c file. */
#define OCI_FIELD_ENTRY(T_, kind_, c_, json_, flags_, sub_)                                                           \
  { .name = json_, .kind = OCI_K_##kind_, .flags = flags_, .offset = offsetof (struct T_, c_),                        \
    .aux = OCI_AUX_##kind_ (struct T_, c_), .sub = OCI_SUB_##kind_ (sub_) },
#define OCI_DEFINE_DESC(T)                                                                                            \
  static const oci_field T##_fields[] = { OCI_FIELDS_##T (OCI_FIELD_ENTRY, T) };                                    \
  const oci_desc T##_desc = { #T, sizeof (struct T), offsetof (struct T, _extra), T##_fields,                          \
                              sizeof T##_fields / sizeof T##_fields[0] };

/* Declarations a header makes for each type: typedef, descriptor and the
   typed entry points (parse, generate, free, and a cleanup helper). */
#define OCI_DECLARE_TYPE(T)                                                                                           \
  typedef struct T T;                                                                                                 \
  extern const oci_desc T##_desc;                                                                                     \
  static inline T *T##_parse_data (const char *buf, size_t len, const char *docname, char **err)                      \
  {                                                                                                                   \
    return oci_parse (&T##_desc, buf, len, docname, err);                                                             \
  }                                                                                                                   \
  static inline T *T##_parse_file (const char *path, const char *docname, char **err)                                 \
  {                                                                                                                   \
    return oci_parse_file (&T##_desc, path, docname, err);                                                            \
  }                                                                                                                   \
  static inline char *T##_generate (const T *obj, unsigned flags, size_t *len)                                        \
  {                                                                                                                   \
    return oci_generate (&T##_desc, obj, flags, len);                                                                 \
  }                                                                                                                   \
  static inline void T##_free (T *obj) { oci_free (&T##_desc, obj); }                                                 \
  static inline void T##_freep (T **obj) { oci_free (&T##_desc, *obj); }                                              \
  static inline T *T##_new (void) { return (T *) oci_xcalloc (1, sizeof (struct T)); }

/* ---------------------------------------------------------- generic entry */

/* Decode a document into a new object of type d.  docname prefixes every
   error: "config.json: linux.resources.memory.limit: expected integer". */
void *oci_parse (const oci_desc *d, const char *buf, size_t len, const char *docname, char **err);
/* Large enough for any sane config.json (a big seccomp profile is ~100 KiB),
   small enough that a hostile file cannot make us allocate without bound;
   the error for a larger file names it as OCI_MAX_FILE_SIZE_TEXT. */
#define OCI_MAX_FILE_SIZE (64u << 20)
#define OCI_MAX_FILE_SIZE_TEXT "64 MiB"
/* Only a regular file (a fifo is opened without blocking, then refused). */
void *oci_parse_file (const oci_desc *d, const char *path, const char *docname, char **err);
/* Decode from an already parsed tree; takes members out of it (leaves NULLs). */
void *oci_decode_tree (const oci_desc *d, oci_json *tree, const char *path, char **err);
char *oci_generate (const oci_desc *d, const void *obj, unsigned flags, size_t *len);
void oci_encode (const oci_desc *d, const void *obj, oci_jw *w);
void oci_free (const oci_desc *d, void *obj);
/* A deep copy, made by encoding and decoding (for the rare caller that needs one). */
void *oci_clone (const oci_desc *d, const void *obj);

/* Helpers for code that builds objects by hand. */
void oci_map_set (void *map, const char *key, const char *value); /* string maps */
const char *oci_map_get (const void *map, const char *key);
void oci_strv_append (char ***v, size_t *len, const char *s);

#endif
