/* Unit tests for libocispec, part 2: walking the descriptors.  Every field
 * of config.json, state.json and features.json, at its real JSON path,
 * rejects each wrongly-typed value with the exact error, accepts a valid
 * value, treats null as absent, reports missing required members; every
 * integer field accepts its bounds and rejects what lies outside them.
 *
 * Speaks TAP.  Part 1 (round trips, malformed input) is test-ocispec.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ocispec-helpers.h"
#include "runtime_spec.h"
#include "tap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ helpers */

/* Set (replace or append) an object member; takes ownership of v. */
static void
jset (oci_json *obj, const char *key, oci_json *v)
{
  for (size_t i = 0; i < obj->len; i++)
    if (strcmp (obj->keys[i], key) == 0)
      {
        oci_json_free (obj->items[i]);
        obj->items[i] = v;
        return;
      }
  oci_json_append (obj, key, v);
}

static void
jdel (oci_json *obj, const char *key)
{
  for (size_t i = 0; i < obj->len; i++)
    if (strcmp (obj->keys[i], key) == 0)
      {
        oci_json_free (obj->items[i]);
        free (obj->keys[i]);
        memmove (obj->items + i, obj->items + i + 1, (obj->len - i - 1) * sizeof *obj->items);
        memmove (obj->keys + i, obj->keys + i + 1, (obj->len - i - 1) * sizeof *obj->keys);
        obj->len--;
        return;
      }
}

/* Error text of parsing tree as type d; NULL when it parsed. */
static char *
tree_error (const oci_desc *d, const char *docname, const oci_json *tree)
{
  char *text = jtext (tree);
  char *err = try_parse (d, docname, text, strlen (text), NULL);
  free (text);
  return err;
}

/* parse(tree) succeeds and generate() gives back a tree equal to want. */
static bool
roundtrips_to (const oci_desc *d, const char *docname, const oci_json *tree, const oci_json *want)
{
  char *text = jtext (tree);
  void *obj = NULL;
  char *err = try_parse (d, docname, text, strlen (text), &obj);
  free (text);
  if (err)
    {
      diag ("parse failed: %s", err);
      free (err);
      return false;
    }
  oci_json *g = generated_tree (d, obj, 0);
  bool ok = g && oci_json_equal (g, want);
  if (!ok)
    {
      char *a = jtext (want), *b = g ? jtext (g) : oci_xstrdup ("(generate failed)");
      diag ("want %s", a);
      diag ("got  %s", b);
      free (a);
      free (b);
    }
  oci_json_free (g);
  oci_free (d, obj);
  return ok;
}

/* A path component as the decoder prints it: .name, or ["k.e.y"]. */
static void
path_member (char *path, size_t cap, const char *name)
{
  size_t n = strlen (path);
  bool plain = *name && strpbrk (name, ".[]\" ") == NULL;
  if (plain)
    snprintf (path + n, cap - n, "%s%s", n ? "." : "", name);
  else
    snprintf (path + n, cap - n, "[\"%s\"]", name);
}

static const char *
kind_name (oci_kind k)
{
  static const char *names[] = { "STR", "BOOL", "I64", "U64", "I32", "U32", "U16",
                                 "OBJ", "ASTR", "AU32", "AOBJ", "MSTR", "MOBJ", "RAW" };
  return k <= OCI_K_RAW ? names[k] : "?";
}

static bool
is_int_kind (oci_kind k)
{
  return k == OCI_K_I64 || k == OCI_K_U64 || k == OCI_K_I32 || k == OCI_K_U32 || k == OCI_K_U16;
}

/* ================================================= descriptor-driven tests */

/* A valid value of the field's kind; minimal objects for sub-types. */
static oci_json *min_object (const oci_desc *d);

static oci_json *
valid_value (const oci_field *f, bool minimal)
{
  switch ((oci_kind) f->kind)
    {
    case OCI_K_STR:
      return jv (minimal ? "\"x\"" : "\"valid string\"");
    case OCI_K_BOOL:
      return jv ("true");
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_I32:
    case OCI_K_U32:
    case OCI_K_U16:
      return jv (minimal ? "0" : "7");
    case OCI_K_OBJ:
      return min_object (f->sub);
    case OCI_K_ASTR:
      return jv (minimal ? "[\"x\"]" : "[\"a\",\"b\"]");
    case OCI_K_AU32:
      return jv (minimal ? "[0]" : "[1,2]");
    case OCI_K_AOBJ:
      {
        oci_json *a = oci_json_new (OCI_JSON_ARRAY);
        oci_json_append (a, NULL, min_object (f->sub));
        return a;
      }
    case OCI_K_MSTR:
      return jv (minimal ? "{\"k\":\"v\"}" : "{\"k\":\"v\",\"k.e.y\":\"\"}");
    case OCI_K_MOBJ:
      {
        oci_json *m = oci_json_new (OCI_JSON_OBJECT);
        oci_json_append (m, "k", min_object (f->sub));
        return m;
      }
    case OCI_K_RAW:
      return jv ("{\"any\":[1,\"thing\"]}");
    }
  abort ();
}

/* An object of type d holding only its required members. */
static oci_json *
min_object (const oci_desc *d)
{
  oci_json *o = oci_json_new (OCI_JSON_OBJECT);
  for (size_t i = 0; i < d->nfields; i++)
    if (d->fields[i].flags & OCI_REQ)
      oci_json_append (o, d->fields[i].name, valid_value (&d->fields[i], true));
  return o;
}

/* The route from the document root to the object under test: route[i] is
   the field of level i's type that leads to level i+1. */
#define MAX_ROUTE 16
static const oci_field *route[MAX_ROUTE];
static const oci_desc *route_desc[MAX_ROUTE + 1];

/* Build a minimal valid document that contains the object at level depth.
   Arrays hold that one object at [0]; maps hold it under key "k".  Returns
   the root; *leaf is the object at level depth and path its JSON path. */
static oci_json *
build_route (int depth, oci_json **leaf, char *path, size_t cap)
{
  oci_json *root = min_object (route_desc[0]);
  oci_json *cur = root;
  path[0] = '\0';
  for (int i = 0; i < depth; i++)
    {
      const oci_field *f = route[i];
      oci_json *child = min_object (f->sub);
      oci_json *holder;
      path_member (path, cap, f->name);
      switch ((oci_kind) f->kind)
        {
        case OCI_K_OBJ:
          holder = child;
          break;
        case OCI_K_AOBJ:
          holder = oci_json_new (OCI_JSON_ARRAY);
          oci_json_append (holder, NULL, child);
          snprintf (path + strlen (path), cap - strlen (path), "[0]");
          break;
        case OCI_K_MOBJ:
          holder = oci_json_new (OCI_JSON_OBJECT);
          oci_json_append (holder, "k", child);
          path_member (path, cap, "k");
          break;
        default:
          abort ();
        }
      jset (cur, f->name, holder);
      cur = child;
    }
  *leaf = cur;
  return root;
}

/* Follow the route through a decoded object down to level depth. */
static void *
descend (void *obj, int depth)
{
  for (int i = 0; i < depth && obj; i++)
    {
      const oci_field *f = route[i];
      char *m = (char *) obj + f->offset;
      switch ((oci_kind) f->kind)
        {
        case OCI_K_OBJ:
          obj = *(void **) m;
          break;
        case OCI_K_AOBJ:
          obj = *(void ***) m ? (*(void ***) m)[0] : NULL;
          break;
        case OCI_K_MOBJ:
          obj = ((oci_map *) m)->len ? ((oci_map *) m)->values[0] : NULL;
          break;
        default:
          return NULL;
        }
    }
  return obj;
}

static const char *
expected_noun (oci_kind k)
{
  switch (k)
    {
    case OCI_K_STR:
      return "string";
    case OCI_K_BOOL:
      return "boolean";
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_I32:
    case OCI_K_U32:
    case OCI_K_U16:
      return "integer";
    case OCI_K_OBJ:
    case OCI_K_MSTR:
    case OCI_K_MOBJ:
      return "object";
    case OCI_K_ASTR:
    case OCI_K_AU32:
    case OCI_K_AOBJ:
      return "array";
    case OCI_K_RAW:
      return "anything";
    }
  return "?";
}

static const struct
{
  const char *text, *noun;
  oci_json_kind kind;
} wrong_values[] = {
  { "\"x\"", "string", OCI_JSON_STRING },  { "1", "number", OCI_JSON_NUMBER },
  { "true", "boolean", OCI_JSON_TRUE },    { "false", "boolean", OCI_JSON_FALSE },
  { "[]", "array", OCI_JSON_ARRAY },       { "{}", "object", OCI_JSON_OBJECT },
  { "[\"x\",1]", "array", OCI_JSON_ARRAY }, { "{\"a\":1}", "object", OCI_JSON_OBJECT },
};

static bool
json_kind_fits (oci_kind k, oci_json_kind j)
{
  switch (k)
    {
    case OCI_K_STR:
      return j == OCI_JSON_STRING;
    case OCI_K_BOOL:
      return j == OCI_JSON_TRUE || j == OCI_JSON_FALSE;
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_I32:
    case OCI_K_U32:
    case OCI_K_U16:
      return j == OCI_JSON_NUMBER;
    case OCI_K_OBJ:
    case OCI_K_MSTR:
    case OCI_K_MOBJ:
      return j == OCI_JSON_OBJECT;
    case OCI_K_ASTR:
    case OCI_K_AU32:
    case OCI_K_AOBJ:
      return j == OCI_JSON_ARRAY;
    case OCI_K_RAW:
      return true;
    }
  return false;
}

/* Set leaf member `name` to the value and return the parse error (or NULL). */
static char *
error_with (int depth, const char *docname, const char *name, oci_json *value)
{
  char path[512];
  oci_json *leaf;
  oci_json *root = build_route (depth, &leaf, path, sizeof path);
  jset (leaf, name, value);
  char *err = tree_error (route_desc[0], docname, root);
  oci_json_free (root);
  return err;
}

/* Integer bounds per kind. */
typedef struct
{
  const char *min_text, *max_text, *below_text, *above_text;
  int64_t smin, smax;
  uint64_t umax;
  bool is_signed;
} int_bounds;

static const int_bounds *
bounds_of (oci_kind k)
{
  static const int_bounds i64 = { "-9223372036854775808", "9223372036854775807", "-9223372036854775809",
                                  "9223372036854775808", INT64_MIN, INT64_MAX, 0, true };
  static const int_bounds i32 = { "-2147483648", "2147483647", "-2147483649", "2147483648",
                                  INT32_MIN, INT32_MAX, 0, true };
  static const int_bounds u64 = { "0", "18446744073709551615", "-1", "18446744073709551616", 0, 0, UINT64_MAX, false };
  static const int_bounds u32 = { "0", "4294967295", "-1", "4294967296", 0, 0, UINT32_MAX, false };
  static const int_bounds u16 = { "0", "65535", "-1", "65536", 0, 0, UINT16_MAX, false };
  switch (k)
    {
    case OCI_K_I64:
      return &i64;
    case OCI_K_I32:
      return &i32;
    case OCI_K_U64:
      return &u64;
    case OCI_K_U32:
    case OCI_K_AU32:
      return &u32;
    case OCI_K_U16:
      return &u16;
    default:
      return NULL;
    }
}

/* Read an integer member (or, for AU32, element 0) of a decoded struct. */
static bool
read_int (const oci_field *f, const void *obj, int64_t *s, uint64_t *u, bool *present)
{
  const char *m = (const char *) obj + f->offset;
  *present = f->kind == OCI_K_AU32 ? *(uint32_t *const *) m != NULL : *(const bool *) ((const char *) obj + f->aux);
  switch ((oci_kind) f->kind)
    {
    case OCI_K_I64:
      *s = *(const int64_t *) m;
      return true;
    case OCI_K_I32:
      *s = *(const int32_t *) m;
      return true;
    case OCI_K_U64:
      *u = *(const uint64_t *) m;
      return true;
    case OCI_K_U32:
      *u = *(const uint32_t *) m;
      return true;
    case OCI_K_U16:
      *u = *(const uint16_t *) m;
      return true;
    case OCI_K_AU32:
      if (!*present || *(const size_t *) ((const char *) obj + f->aux) < 1)
        return false;
      *u = (*(uint32_t *const *) m)[0];
      return true;
    default:
      return false;
    }
}

/* The integer at the bound, set at the field (AU32: as its only element),
   decodes to exactly that value. */
static void
check_int_accepted (int depth, const char *docname, const char *fpath, const oci_field *f, const char *text,
                    bool neg_end)
{
  const int_bounds *b = bounds_of ((oci_kind) f->kind);
  char buf[64];
  snprintf (buf, sizeof buf, f->kind == OCI_K_AU32 ? "[%s]" : "%s", text);
  char path[512];
  oci_json *leaf;
  oci_json *root = build_route (depth, &leaf, path, sizeof path);
  jset (leaf, f->name, jv (buf));
  char *t = jtext (root);
  void *obj = NULL;
  char *err = try_parse (route_desc[0], docname, t, strlen (t), &obj);
  bool ok = false;
  if (err)
    diag ("parse failed: %s", err);
  else
    {
      void *parent = descend (obj, depth);
      int64_t s = 0;
      uint64_t u = 0;
      bool present = false;
      if (parent && read_int (f, parent, &s, &u, &present))
        {
          if (b->is_signed)
            ok = present && s == (neg_end ? b->smin : b->smax);
          else
            ok = present && u == (neg_end ? 0 : b->umax);
          if (!ok)
            diag ("decoded %" PRId64 " / %" PRIu64 " present=%d", s, u, present);
        }
      else
        diag ("could not reach the decoded field");
      /* and it is written back with the same text */
      oci_json *g = generated_tree (route_desc[0], obj, 0);
      oci_json *want = jv (t);
      if (!g || !oci_json_equal (g, want))
        {
          diag ("generated document differs from the input");
          ok = false;
        }
      oci_json_free (g);
      oci_json_free (want);
      oci_free (route_desc[0], obj);
    }
  tap_ok (ok, "%s: %s%s accepts %s %s (decoded exactly and written back as %s)", docname, fpath,
          f->kind == OCI_K_AU32 ? "[0]" : "", neg_end ? "its minimum" : "its maximum", text, text);
  free (err);
  free (t);
  oci_json_free (root);
}

static void
check_int_rejected (int depth, const char *docname, const char *fpath, const oci_field *f, const char *text,
                    const char *what, const char *why)
{
  char buf[64], want[768];
  snprintf (buf, sizeof buf, f->kind == OCI_K_AU32 ? "[%s]" : "%s", text);
  char *err = error_with (depth, docname, f->name, jv (buf));
  snprintf (want, sizeof want, "%s: %s%s: %s", docname, fpath, f->kind == OCI_K_AU32 ? "[0]" : "", why);
  tap_ok (expect_error (err, want), "%s: %s%s rejects %s %s with \"%s\"", docname, fpath,
          f->kind == OCI_K_AU32 ? "[0]" : "", what, text, why);
  free (err);
}

static void
check_int_ranges (int depth, const char *docname, const char *fpath, const oci_field *f)
{
  const int_bounds *b = bounds_of ((oci_kind) f->kind);
  char why[256];
  check_int_accepted (depth, docname, fpath, f, b->max_text, false);
  check_int_accepted (depth, docname, fpath, f, b->min_text, true);
  if (b->is_signed)
    snprintf (why, sizeof why, "integer %s out of range (%" PRId64 " to %" PRId64 ")", b->above_text, b->smin, b->smax);
  else
    snprintf (why, sizeof why, "integer %s out of range (0 to %" PRIu64 ")", b->above_text, b->umax);
  check_int_rejected (depth, docname, fpath, f, b->above_text, "max+1", why);
  if (b->is_signed)
    snprintf (why, sizeof why, "integer %s out of range (%" PRId64 " to %" PRId64 ")", b->below_text, b->smin, b->smax);
  else
    snprintf (why, sizeof why, "integer %s out of range (0 to %" PRIu64 ")", b->below_text, b->umax);
  check_int_rejected (depth, docname, fpath, f, b->below_text, b->is_signed ? "min-1" : "the negative", why);
  check_int_rejected (depth, docname, fpath, f, "1.5", "the fraction", "expected integer, got 1.5");
  check_int_rejected (depth, docname, fpath, f, "1e3", "the exponent form", "expected integer, got 1e3");
}

static void
test_field (int depth, const char *docname, const oci_field *f)
{
  char path[512], fpath[600], want[768];
  oci_json *leaf;
  oci_json *root = build_route (depth, &leaf, path, sizeof path);
  oci_json_free (root);
  snprintf (fpath, sizeof fpath, "%s", path);
  path_member (fpath, sizeof fpath, f->name);
  oci_kind k = (oci_kind) f->kind;
  const char *noun = expected_noun (k);

  /* 1. Every wrongly-typed JSON value is rejected with the exact message. */
  if (k != OCI_K_RAW)
    {
      bool all = true;
      char tried[128] = "";
      for (size_t i = 0; i < sizeof wrong_values / sizeof wrong_values[0]; i++)
        {
          if (json_kind_fits (k, wrong_values[i].kind))
            continue;
          char *err = error_with (depth, docname, f->name, jv (wrong_values[i].text));
          snprintf (want, sizeof want, "%s: %s: expected %s, got %s", docname, fpath, noun, wrong_values[i].noun);
          if (!expect_error (err, want))
            all = false;
          free (err);
          if (!strstr (tried, wrong_values[i].noun))
            snprintf (tried + strlen (tried), sizeof tried - strlen (tried), "%s%s", *tried ? "/" : "",
                      wrong_values[i].noun);
        }
      tap_ok (all, "%s: %s (%s) rejects a %s with exactly \"expected %s, got <kind>\"", docname, fpath,
              kind_name (k), tried, noun);
    }

  /* 2. A valid value is accepted and generated back unchanged. */
  {
    oci_json *r = build_route (depth, &leaf, path, sizeof path);
    jset (leaf, f->name, valid_value (f, false));
    tap_ok (roundtrips_to (route_desc[0], docname, r, r), "%s: %s accepts a valid %s and generates it back unchanged",
            docname, fpath, kind_name (k));
    oci_json_free (r);
  }

  /* 3. null: optional means absent; for a required member it is missing. */
  if (k != OCI_K_RAW)
    {
      oci_json *r = build_route (depth, &leaf, path, sizeof path);
      if (f->flags & OCI_REQ)
        {
          jset (leaf, f->name, jv ("null"));
          char *err = tree_error (route_desc[0], docname, r);
          snprintf (want, sizeof want, "%s: %s: required field missing", docname, fpath);
          tap_ok (expect_error (err, want), "%s: %s is required, so null is reported as \"required field missing\"",
                  docname, fpath);
          free (err);
        }
      else
        {
          oci_json *without = build_route (depth, &leaf, path, sizeof path);
          oci_json *unused;
          oci_json_free (r);
          r = build_route (depth, &unused, path, sizeof path);
          jset (unused, f->name, jv ("null"));
          tap_ok (roundtrips_to (route_desc[0], docname, r, without),
                  "%s: %s: null means absent (parses, and is not generated)", docname, fpath);
          oci_json_free (without);
        }
      oci_json_free (r);
    }

  /* 4. A missing required member is named by its path. */
  if (f->flags & OCI_REQ)
    {
      oci_json *r = build_route (depth, &leaf, path, sizeof path);
      jdel (leaf, f->name);
      char *err = tree_error (route_desc[0], docname, r);
      snprintf (want, sizeof want, "%s: %s: required field missing", docname, fpath);
      tap_ok (expect_error (err, want), "%s: omitting required %s gives \"%s: required field missing\"", docname, fpath,
              fpath);
      free (err);
      oci_json_free (r);
    }

  /* 5. Elements of arrays and values of maps are type-checked too, with the
        index or key in the path. */
  switch (k)
    {
    case OCI_K_ASTR:
      {
        char *err = error_with (depth, docname, f->name, jv ("[1]"));
        snprintf (want, sizeof want, "%s: %s[0]: expected string, got number", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[0] rejects a number element: \"expected string, got number\"", docname,
                fpath);
        free (err);
        err = error_with (depth, docname, f->name, jv ("[\"ok\",true]"));
        snprintf (want, sizeof want, "%s: %s[1]: expected string, got boolean", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[1] rejects a boolean second element, naming index 1", docname, fpath);
        free (err);
        break;
      }
    case OCI_K_AU32:
      {
        char *err = error_with (depth, docname, f->name, jv ("[\"x\"]"));
        snprintf (want, sizeof want, "%s: %s[0]: expected integer, got string", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[0] rejects a string element: \"expected integer, got string\"", docname,
                fpath);
        free (err);
        err = error_with (depth, docname, f->name, jv ("[1,null]"));
        snprintf (want, sizeof want, "%s: %s[1]: expected integer, got null", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[1] rejects a null element, naming index 1", docname, fpath);
        free (err);
        break;
      }
    case OCI_K_AOBJ:
      {
        char *err = error_with (depth, docname, f->name, jv ("[\"x\"]"));
        snprintf (want, sizeof want, "%s: %s[0]: expected object, got string", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[0] rejects a string element: \"expected object, got string\"", docname,
                fpath);
        free (err);
        oci_json *a = oci_json_new (OCI_JSON_ARRAY);
        oci_json_append (a, NULL, min_object (f->sub));
        oci_json_append (a, NULL, jv ("[]"));
        err = error_with (depth, docname, f->name, a);
        snprintf (want, sizeof want, "%s: %s[1]: expected object, got array", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[1] rejects an array second element, naming index 1", docname, fpath);
        free (err);
        break;
      }
    case OCI_K_MSTR:
      {
        char *err = error_with (depth, docname, f->name, jv ("{\"k\":1}"));
        snprintf (want, sizeof want, "%s: %s.k: expected string, got number", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s.k rejects a number value: \"expected string, got number\"", docname,
                fpath);
        free (err);
        err = error_with (depth, docname, f->name, jv ("{\"ok\":\"v\",\"k.e.y\":true}"));
        snprintf (want, sizeof want, "%s: %s[\"k.e.y\"]: expected string, got boolean", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[\"k.e.y\"] rejects a boolean value, quoting the dotted key", docname,
                fpath);
        free (err);
        break;
      }
    case OCI_K_MOBJ:
      {
        char *err = error_with (depth, docname, f->name, jv ("{\"k\":\"x\"}"));
        snprintf (want, sizeof want, "%s: %s.k: expected object, got string", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s.k rejects a string value: \"expected object, got string\"", docname,
                fpath);
        free (err);
        err = error_with (depth, docname, f->name, jv ("{\"k.e.y\":[]}"));
        snprintf (want, sizeof want, "%s: %s[\"k.e.y\"]: expected object, got array", docname, fpath);
        tap_ok (expect_error (err, want), "%s: %s[\"k.e.y\"] rejects an array value, quoting the dotted key", docname,
                fpath);
        free (err);
        break;
      }
    default:
      break;
    }

  /* 6. Integer range checks at the boundaries of the kind. */
  if (is_int_kind (k) || k == OCI_K_AU32)
    check_int_ranges (depth, docname, fpath, f);
}

static int walk_fields;

static void
walk (int depth, const char *docname)
{
  const oci_desc *d = route_desc[depth];
  for (int i = 0; i < depth; i++)
    if (route_desc[i] == d)
      {
        diag ("%s: recursive type %s not descended again", docname, d->name);
        return;
      }
  if (depth >= MAX_ROUTE)
    {
      tap_ok (0, "%s: descriptor tree is no deeper than %d levels", docname, MAX_ROUTE);
      return;
    }
  /* The minimal document reaching this type is itself valid. */
  {
    char path[512];
    oci_json *leaf;
    oci_json *root = build_route (depth, &leaf, path, sizeof path);
    tap_ok (roundtrips_to (route_desc[0], docname, root, root),
            "%s: minimal document with only required members down to %s (%s) parses and round-trips", docname,
            depth ? path : "the root", d->name);
    oci_json_free (root);
  }
  for (size_t i = 0; i < d->nfields; i++)
    {
      const oci_field *f = &d->fields[i];
      walk_fields++;
      test_field (depth, docname, f);
      if (f->sub)
        {
          route[depth] = f;
          route_desc[depth + 1] = f->sub;
          walk (depth + 1, docname);
        }
    }
}

static void
test_descriptors (const oci_desc *root, const char *docname)
{
  walk_fields = 0;
  route_desc[0] = root;
  walk (0, docname);
  tap_ok (walk_fields > 0, "%s: the descriptor walk visited %d fields", docname, walk_fields);
}

int
main (void)
{
  test_descriptors (&oci_spec_desc, "config.json");
  test_descriptors (&oci_state_desc, "state.json");
  test_descriptors (&oci_features_desc, "features.json");
  return tap_done ();
}
