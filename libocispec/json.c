/* libocispec: the JSON backend.  The only file that includes yajl. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vasprintf */
#endif
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

void *
oci_xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
oci_xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
oci_xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

char *
oci_xstrndup (const char *s, size_t n)
{
  char *p = oci_xmalloc (n + 1);
  memcpy (p, s, n);
  p[n] = '\0';
  return p;
}

char *
oci_xstrdup (const char *s)
{
  return oci_xstrndup (s, strlen (s));
}

char *
oci_xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return s;
}

/* ------------------------------------------------------------------ tree */

oci_json *
oci_json_new (oci_json_kind kind)
{
  oci_json *v = oci_xcalloc (1, sizeof *v);
  v->kind = kind;
  return v;
}

oci_json *
oci_json_new_string (const char *s, size_t len)
{
  oci_json *v = oci_json_new (OCI_JSON_STRING);
  v->text = oci_xstrndup (s ? s : "", s ? len : 0);
  v->text_len = s ? len : 0;
  return v;
}

oci_json *
oci_json_new_int (long long n)
{
  oci_json *v = oci_json_new (OCI_JSON_NUMBER);
  v->text = oci_xasprintf ("%lld", n);
  v->text_len = strlen (v->text);
  return v;
}

oci_json *
oci_json_new_bool (bool b)
{
  return oci_json_new (b ? OCI_JSON_TRUE : OCI_JSON_FALSE);
}

void
oci_json_free (oci_json *v)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < v->len; i++)
    {
      oci_json_free (v->items[i]);
      if (v->keys)
        free (v->keys[i]);
    }
  free (v->items);
  free (v->keys);
  free (v->text);
  free (v);
}

void
oci_json_append (oci_json *agg, const char *key, oci_json *v)
{
  if (agg->len == agg->cap)
    {
      agg->cap = agg->cap ? agg->cap * 2 : 4;
      agg->items = oci_xrealloc (agg->items, agg->cap * sizeof *agg->items);
      if (agg->kind == OCI_JSON_OBJECT)
        agg->keys = oci_xrealloc (agg->keys, agg->cap * sizeof *agg->keys);
    }
  if (agg->kind == OCI_JSON_OBJECT)
    agg->keys[agg->len] = oci_xstrdup (key);
  agg->items[agg->len++] = v;
}

void
oci_json_set (oci_json *obj, const char *key, oci_json *v)
{
  for (size_t i = 0; i < obj->len; i++)
    if (obj->items[i] && strcmp (obj->keys[i], key) == 0)
      {
        oci_json_free (obj->items[i]);
        obj->items[i] = v;
        return;
      }
  oci_json_append (obj, key, v);
}

bool
oci_json_remove (oci_json *obj, const char *key)
{
  bool found = false;
  size_t out = 0;
  for (size_t i = 0; i < obj->len; i++)
    {
      if (obj->items[i] && strcmp (obj->keys[i], key) == 0)
        {
          oci_json_free (obj->items[i]);
          free (obj->keys[i]);
          found = true;
          continue;
        }
      obj->items[out] = obj->items[i];
      obj->keys[out++] = obj->keys[i];
    }
  obj->len = out;
  return found;
}

oci_json *
oci_json_get (const oci_json *obj, const char *key)
{
  if (obj == NULL || obj->kind != OCI_JSON_OBJECT)
    return NULL;
  for (size_t i = obj->len; i-- > 0;)
    if (strcmp (obj->keys[i], key) == 0)
      return obj->items[i];
  return NULL;
}

bool
oci_json_equal (const oci_json *a, const oci_json *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->kind != b->kind)
    return false;
  switch (a->kind)
    {
    case OCI_JSON_NULL:
    case OCI_JSON_TRUE:
    case OCI_JSON_FALSE:
      return true;
    case OCI_JSON_NUMBER:
    case OCI_JSON_STRING:
      return a->text_len == b->text_len && memcmp (a->text, b->text, a->text_len) == 0;
    case OCI_JSON_ARRAY:
      if (a->len != b->len)
        return false;
      for (size_t i = 0; i < a->len; i++)
        if (!oci_json_equal (a->items[i], b->items[i]))
          return false;
      return true;
    case OCI_JSON_OBJECT:
      if (a->len != b->len)
        return false;
      for (size_t i = 0; i < a->len; i++)
        if (!oci_json_equal (oci_json_get (a, a->keys[i]), oci_json_get (b, a->keys[i])))
          return false;
      return true;
    }
  return false;
}

/* ---------------------------------------------------------------- parser */

struct parse_ctx
{
  oci_json *root;
  oci_json *stack[OCI_JSON_MAX_DEPTH];
  size_t depth;
  char *key; /* the pending object key */
  const char *error;
};

static int
add_value (struct parse_ctx *c, oci_json *v)
{
  if (c->depth == 0)
    {
      c->root = v;
      return 1;
    }
  oci_json *top = c->stack[c->depth - 1];
  oci_json_append (top, c->key, v);
  free (c->key);
  c->key = NULL;
  return 1;
}

static int
push (struct parse_ctx *c, oci_json_kind kind)
{
  if (c->depth == OCI_JSON_MAX_DEPTH)
    {
      c->error = "nesting too deep";
      return 0;
    }
  oci_json *v = oci_json_new (kind);
  add_value (c, v);
  c->stack[c->depth++] = v;
  return 1;
}

static int
cb_null (void *ctx)
{
  return add_value (ctx, oci_json_new (OCI_JSON_NULL));
}

static int
cb_boolean (void *ctx, int b)
{
  return add_value (ctx, oci_json_new (b ? OCI_JSON_TRUE : OCI_JSON_FALSE));
}

static int
add_text (void *ctx, oci_json_kind kind, const char *s, size_t len)
{
  oci_json *v = oci_json_new (kind);
  v->text = oci_xstrndup (s, len);
  v->text_len = len;
  return add_value (ctx, v);
}

static int
cb_number (void *ctx, const char *s, size_t len)
{
  return add_text (ctx, OCI_JSON_NUMBER, s, len);
}

static int
cb_string (void *ctx, const unsigned char *s, size_t len)
{
  return add_text (ctx, OCI_JSON_STRING, (const char *) s, len);
}

static int
cb_start_map (void *ctx)
{
  return push (ctx, OCI_JSON_OBJECT);
}

static int
cb_map_key (void *ctx, const unsigned char *s, size_t len)
{
  struct parse_ctx *c = ctx;
  /* Keys are kept as C strings: one with a NUL would be cut short. */
  if (memchr (s, '\0', len))
    {
      c->error = "object key contains a NUL byte";
      return 0;
    }
  free (c->key);
  c->key = oci_xstrndup ((const char *) s, len);
  return 1;
}

static int
cb_end (void *ctx)
{
  struct parse_ctx *c = ctx;
  c->depth--;
  return 1;
}

static int
cb_start_array (void *ctx)
{
  return push (ctx, OCI_JSON_ARRAY);
}

static const yajl_callbacks parse_callbacks = {
  .yajl_null = cb_null,
  .yajl_boolean = cb_boolean,
  .yajl_number = cb_number,
  .yajl_string = cb_string,
  .yajl_start_map = cb_start_map,
  .yajl_map_key = cb_map_key,
  .yajl_end_map = cb_end,
  .yajl_start_array = cb_start_array,
  .yajl_end_array = cb_end,
};

static char *
syntax_error (yajl_handle h, const char *buf, size_t len, const char *client_error)
{
  size_t off = yajl_get_bytes_consumed (h);
  size_t line = 1, col = 1;
  if (off > len)
    off = len;
  for (size_t i = 0; i < off; i++)
    {
      if (buf[i] == '\n')
        {
          line++;
          col = 1;
        }
      else
        col++;
    }

  if (client_error)
    return oci_xasprintf ("invalid JSON at line %zu, column %zu: %s", line, col, client_error);

  unsigned char *msg = yajl_get_error (h, 0, (const unsigned char *) buf, len);
  char *m = (char *) msg;
  /* yajl says "parse error: <what>\n"; keep only <what>. */
  if (strncmp (m, "parse error: ", 13) == 0)
    m += 13;
  size_t mlen = strcspn (m, "\n");
  while (mlen > 0 && m[mlen - 1] == ' ')
    mlen--;
  char *out = oci_xasprintf ("invalid JSON at line %zu, column %zu: %.*s", line, col, (int) mlen, m);
  yajl_free_error (h, msg);
  return out;
}

oci_json *
oci_json_parse (const char *buf, size_t len, char **err)
{
  struct parse_ctx c = { 0 };
  yajl_handle h = yajl_alloc (&parse_callbacks, NULL, &c);
  if (h == NULL)
    abort ();

  yajl_status st = yajl_parse (h, (const unsigned char *) buf, len);
  if (st == yajl_status_ok)
    st = yajl_complete_parse (h);
  if (st == yajl_status_ok && c.root == NULL)
    {
      c.error = "empty document";
      st = yajl_status_error;
    }
  if (st != yajl_status_ok)
    {
      if (err)
        *err = c.error && c.root == NULL && len == 0 ? oci_xstrdup ("invalid JSON: empty document")
                                                     : syntax_error (h, buf, len, c.error);
      oci_json_free (c.root);
      c.root = NULL;
    }
  free (c.key);
  yajl_free (h);
  return c.root;
}

/* ---------------------------------------------------------------- writer */

struct oci_jw
{
  yajl_gen g;
  bool failed;
};

oci_jw *
oci_jw_new (unsigned flags)
{
  oci_jw *w = oci_xcalloc (1, sizeof *w);
  w->g = yajl_gen_alloc (NULL);
  if (w->g == NULL)
    abort ();
  if (flags & OCI_JW_PRETTY)
    {
      yajl_gen_config (w->g, yajl_gen_beautify, 1);
      yajl_gen_config (w->g, yajl_gen_indent_string, "\t");
    }
  return w;
}

static void
check (oci_jw *w, yajl_gen_status st)
{
  if (st != yajl_gen_status_ok)
    w->failed = true;
}

void oci_jw_begin_object (oci_jw *w) { check (w, yajl_gen_map_open (w->g)); }
void oci_jw_end_object (oci_jw *w) { check (w, yajl_gen_map_close (w->g)); }
void oci_jw_begin_array (oci_jw *w) { check (w, yajl_gen_array_open (w->g)); }
void oci_jw_end_array (oci_jw *w) { check (w, yajl_gen_array_close (w->g)); }
void oci_jw_null (oci_jw *w) { check (w, yajl_gen_null (w->g)); }
void oci_jw_bool (oci_jw *w, bool v) { check (w, yajl_gen_bool (w->g, v)); }

void
oci_jw_string_len (oci_jw *w, const char *s, size_t len)
{
  check (w, yajl_gen_string (w->g, (const unsigned char *) s, len));
}

void
oci_jw_string (oci_jw *w, const char *s)
{
  oci_jw_string_len (w, s, strlen (s));
}

void
oci_jw_key (oci_jw *w, const char *key)
{
  oci_jw_string (w, key);
}

void
oci_jw_number_text (oci_jw *w, const char *text, size_t len)
{
  check (w, yajl_gen_number (w->g, text, len));
}

void
oci_jw_int (oci_jw *w, int64_t v)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%" PRId64, v);
  oci_jw_number_text (w, buf, (size_t) n);
}

void
oci_jw_uint (oci_jw *w, uint64_t v)
{
  char buf[32];
  int n = snprintf (buf, sizeof buf, "%" PRIu64, v);
  oci_jw_number_text (w, buf, (size_t) n);
}

void
oci_jw_value (oci_jw *w, const oci_json *v)
{
  switch (v ? v->kind : OCI_JSON_NULL)
    {
    case OCI_JSON_NULL:
      oci_jw_null (w);
      break;
    case OCI_JSON_TRUE:
    case OCI_JSON_FALSE:
      oci_jw_bool (w, v->kind == OCI_JSON_TRUE);
      break;
    case OCI_JSON_NUMBER:
      oci_jw_number_text (w, v->text, v->text_len);
      break;
    case OCI_JSON_STRING:
      oci_jw_string_len (w, v->text, v->text_len);
      break;
    case OCI_JSON_ARRAY:
      oci_jw_begin_array (w);
      for (size_t i = 0; i < v->len; i++)
        oci_jw_value (w, v->items[i]);
      oci_jw_end_array (w);
      break;
    case OCI_JSON_OBJECT:
      oci_jw_begin_object (w);
      for (size_t i = 0; i < v->len; i++)
        {
          oci_jw_key (w, v->keys[i]);
          oci_jw_value (w, v->items[i]);
        }
      oci_jw_end_object (w);
      break;
    }
}

void
oci_jw_abort (oci_jw *w)
{
  if (w == NULL)
    return;
  yajl_gen_free (w->g);
  free (w);
}

char *
oci_jw_finish (oci_jw *w, size_t *len)
{
  const unsigned char *buf = NULL;
  size_t n = 0;
  char *out = NULL;
  if (!w->failed && yajl_gen_get_buf (w->g, &buf, &n) == yajl_gen_status_ok)
    {
      out = oci_xstrndup ((const char *) buf, n);
      if (len)
        *len = n;
    }
  oci_jw_abort (w);
  return out;
}
