/* libocispec: the generic decoder, encoder and destructor that walk the
   field tables made by OCI_DEFINE_DESC.  No per-type code lives here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vasprintf */
#endif
#include "schema.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert (sizeof (oci_map) == 3 * sizeof (void *), "map layout");

#define MEMBER(obj, f) ((char *) (obj) + (f)->offset)
#define AUX(obj, f) ((char *) (obj) + (f)->aux)

/* A JSON path under construction ("linux.resources.memory.limit"). */
typedef struct
{
  char *buf;
  size_t len, cap;
} path_t;

static size_t
path_push (path_t *p, const char *fmt, ...)
{
  size_t mark = p->len;
  va_list ap;
  va_start (ap, fmt);
  char *piece = NULL;
  if (vasprintf (&piece, fmt, ap) < 0)
    abort ();
  va_end (ap);
  size_t n = strlen (piece);
  if (p->len + n + 1 > p->cap)
    {
      p->cap = (p->len + n + 1) * 2;
      p->buf = oci_xrealloc (p->buf, p->cap);
    }
  memcpy (p->buf + p->len, piece, n + 1);
  p->len += n;
  free (piece);
  return mark;
}

static size_t
path_push_member (path_t *p, const char *name)
{
  /* Keys that would be ambiguous in dotted form (sysctl names, annotation
     keys with dots) are quoted. */
  bool plain = *name && strpbrk (name, ".[]\" ") == NULL;
  if (plain)
    return path_push (p, "%s%s", p->len ? "." : "", name);
  return path_push (p, "[\"%s\"]", name);
}

static void
path_pop (path_t *p, size_t mark)
{
  p->len = mark;
  if (p->buf)
    p->buf[mark] = '\0';
}

typedef struct
{
  path_t path;
  const char *docname;
  char *err;
} dctx;

static bool
fail (dctx *c, const char *fmt, ...)
{
  va_list ap;
  char *what = NULL;
  va_start (ap, fmt);
  if (vasprintf (&what, fmt, ap) < 0)
    abort ();
  va_end (ap);
  free (c->err);
  if (c->path.len)
    c->err = oci_xasprintf ("%s%s%s: %s", c->docname ? c->docname : "", c->docname ? ": " : "", c->path.buf, what);
  else
    c->err = oci_xasprintf ("%s%s%s", c->docname ? c->docname : "", c->docname ? ": " : "", what);
  free (what);
  return false;
}

static const char *
kind_noun (oci_json_kind k)
{
  switch (k)
    {
    case OCI_JSON_NULL:
      return "null";
    case OCI_JSON_TRUE:
    case OCI_JSON_FALSE:
      return "boolean";
    case OCI_JSON_NUMBER:
      return "number";
    case OCI_JSON_STRING:
      return "string";
    case OCI_JSON_ARRAY:
      return "array";
    case OCI_JSON_OBJECT:
      return "object";
    }
  return "value";
}

static bool
expect (dctx *c, const oci_json *j, oci_json_kind want, const char *noun)
{
  if (j->kind == want)
    return true;
  return fail (c, "expected %s, got %s", noun, kind_noun (j->kind));
}

/* ------------------------------------------------------------- scalars */

static bool
take_string (dctx *c, oci_json *j, char **out)
{
  if (!expect (c, j, OCI_JSON_STRING, "string"))
    return false;
  if (memchr (j->text, '\0', j->text_len))
    return fail (c, "string contains a NUL byte");
  *out = j->text;
  j->text = NULL;
  return true;
}

static bool
parse_integer (dctx *c, const oci_json *j, oci_kind kind, void *dst)
{
  if (j->kind != OCI_JSON_NUMBER)
    return fail (c, "expected integer, got %s", kind_noun (j->kind));
  const char *t = j->text;
  /* JSON allows 1.0 and 1e3; an integer field does not (as Go's decoder). */
  if (strspn (t + (*t == '-'), "0123456789") != j->text_len - (*t == '-'))
    return fail (c, "expected integer, got %s", t);

  int64_t smin = 0, smax = 0;
  uint64_t umax = 0;
  bool is_signed = true;
  switch (kind)
    {
    case OCI_K_I64:
      smin = INT64_MIN, smax = INT64_MAX;
      break;
    case OCI_K_I32:
      smin = INT32_MIN, smax = INT32_MAX;
      break;
    case OCI_K_U64:
      is_signed = false, umax = UINT64_MAX;
      break;
    case OCI_K_U32:
      is_signed = false, umax = UINT32_MAX;
      break;
    case OCI_K_U16:
      is_signed = false, umax = UINT16_MAX;
      break;
    default:
      abort ();
    }

  errno = 0;
  if (is_signed)
    {
      long long v = strtoll (t, NULL, 10);
      if (errno == ERANGE || v < smin || v > smax)
        return fail (c, "integer %s out of range (%" PRId64 " to %" PRId64 ")", t, smin, smax);
      if (kind == OCI_K_I64)
        *(int64_t *) dst = v;
      else
        *(int32_t *) dst = (int32_t) v;
      return true;
    }
  if (*t == '-')
    return fail (c, "integer %s out of range (0 to %" PRIu64 ")", t, umax);
  unsigned long long v = strtoull (t, NULL, 10);
  if (errno == ERANGE || v > umax)
    return fail (c, "integer %s out of range (0 to %" PRIu64 ")", t, umax);
  if (kind == OCI_K_U64)
    *(uint64_t *) dst = v;
  else if (kind == OCI_K_U32)
    *(uint32_t *) dst = (uint32_t) v;
  else
    *(uint16_t *) dst = (uint16_t) v;
  return true;
}

/* ------------------------------------------------------------- objects */

static void free_members (const oci_desc *d, void *obj);
static bool decode_object (dctx *c, const oci_desc *d, oci_json *j, void *obj);

static void *
decode_new (dctx *c, const oci_desc *d, oci_json *j)
{
  if (!expect (c, j, OCI_JSON_OBJECT, "object"))
    return NULL;
  void *obj = oci_xcalloc (1, d->size);
  if (!decode_object (c, d, j, obj))
    {
      oci_free (d, obj);
      return NULL;
    }
  return obj;
}

static void
free_field (const oci_field *f, void *obj)
{
  char *m = MEMBER (obj, f);
  switch ((oci_kind) f->kind)
    {
    case OCI_K_STR:
      free (*(char **) m);
      *(char **) m = NULL;
      break;
    case OCI_K_BOOL:
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_I32:
    case OCI_K_U32:
    case OCI_K_U16:
      *(bool *) AUX (obj, f) = false;
      break;
    case OCI_K_OBJ:
      oci_free (f->sub, *(void **) m);
      *(void **) m = NULL;
      break;
    case OCI_K_ASTR:
    case OCI_K_AOBJ:
      {
        void **v = *(void ***) m;
        size_t n = *(size_t *) AUX (obj, f);
        for (size_t i = 0; v && i < n; i++)
          if (f->kind == OCI_K_ASTR)
            free (v[i]);
          else
            oci_free (f->sub, v[i]);
        free (v);
        *(void ***) m = NULL;
        *(size_t *) AUX (obj, f) = 0;
        break;
      }
    case OCI_K_AU32:
      free (*(uint32_t **) m);
      *(uint32_t **) m = NULL;
      *(size_t *) AUX (obj, f) = 0;
      break;
    case OCI_K_MSTR:
    case OCI_K_MOBJ:
      {
        oci_map *map = (oci_map *) m;
        for (size_t i = 0; i < map->len; i++)
          {
            free (map->keys[i]);
            if (f->kind == OCI_K_MSTR)
              free (map->values[i]);
            else
              oci_free (f->sub, map->values[i]);
          }
        free (map->keys);
        free (map->values);
        memset (map, 0, sizeof *map);
        break;
      }
    case OCI_K_RAW:
      oci_json_free (*(oci_json **) m);
      *(oci_json **) m = NULL;
      break;
    }
}

static bool
decode_array (dctx *c, const oci_field *f, oci_json *j, void *obj)
{
  if (!expect (c, j, OCI_JSON_ARRAY, "array"))
    return false;
  char *m = MEMBER (obj, f);
  size_t *len = (size_t *) AUX (obj, f);
  size_t esz = f->kind == OCI_K_AU32 ? sizeof (uint32_t) : sizeof (void *);
  /* One spare slot: string arrays stay NULL-terminated (ready for execve),
     and [] still allocates, so "present but empty" stays distinguishable. */
  *(void **) m = oci_xcalloc (j->len + 1, esz);
  for (size_t i = 0; i < j->len; i++)
    {
      size_t mark = path_push (&c->path, "[%zu]", i);
      bool ok = true;
      switch ((oci_kind) f->kind)
        {
        case OCI_K_ASTR:
          ok = take_string (c, j->items[i], &(*(char ***) m)[i]);
          break;
        case OCI_K_AU32:
          ok = parse_integer (c, j->items[i], OCI_K_U32, &(*(uint32_t **) m)[i]);
          break;
        default:
          (*(void ***) m)[i] = decode_new (c, f->sub, j->items[i]);
          ok = (*(void ***) m)[i] != NULL;
          break;
        }
      if (!ok)
        return false;
      *len = i + 1;
      path_pop (&c->path, mark);
    }
  return true;
}

/* Where each key of a map under construction sits: an open-addressing
   table of indexes into map->keys, so that the last-wins rule for repeated
   keys costs one probe per key instead of a scan of all the earlier ones
   (100k annotations took seconds). */
typedef struct
{
  size_t *slots; /* index + 1; 0 is empty */
  size_t mask;
} key_index;

static size_t
hash_key (const char *s)
{
  uint64_t h = 14695981039346656037ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char) *s) * 1099511628211ULL;
  return (size_t) h;
}

static void
key_index_init (key_index *ix, size_t n)
{
  size_t size = 8;
  while (size < 2 * n)
    size *= 2;
  ix->slots = oci_xcalloc (size, sizeof *ix->slots);
  ix->mask = size - 1;
}

/* The slot of key: one holding its index, or the empty one to fill. */
static size_t *
key_index_slot (const key_index *ix, const oci_map *map, const char *key)
{
  for (size_t i = hash_key (key) & ix->mask;; i = (i + 1) & ix->mask)
    if (ix->slots[i] == 0 || strcmp (map->keys[ix->slots[i] - 1], key) == 0)
      return &ix->slots[i];
}

static bool
decode_map (dctx *c, const oci_field *f, oci_json *j, void *obj)
{
  if (!expect (c, j, OCI_JSON_OBJECT, "object"))
    return false;
  oci_map *map = (oci_map *) MEMBER (obj, f);
  map->keys = oci_xcalloc (j->len ? j->len : 1, sizeof (char *));
  map->values = oci_xcalloc (j->len ? j->len : 1, sizeof (void *));
  key_index ix;
  key_index_init (&ix, j->len);
  bool ok = true;
  for (size_t i = 0; ok && i < j->len; i++)
    {
      size_t mark = path_push_member (&c->path, j->keys[i]);
      void *value = NULL;
      if (f->kind == OCI_K_MSTR)
        {
          char *s = NULL;
          ok = take_string (c, j->items[i], &s);
          value = s;
        }
      else
        ok = (value = decode_new (c, f->sub, j->items[i])) != NULL;
      if (!ok)
        break;
      /* A repeated key replaces the earlier value, as for members. */
      size_t *slot = key_index_slot (&ix, map, j->keys[i]);
      if (*slot)
        {
          size_t k = *slot - 1;
          if (f->kind == OCI_K_MSTR)
            free (map->values[k]);
          else
            oci_free (f->sub, map->values[k]);
          map->values[k] = value;
        }
      else
        {
          map->keys[map->len] = oci_xstrdup (j->keys[i]);
          map->values[map->len++] = value;
          *slot = map->len;
        }
      path_pop (&c->path, mark);
    }
  free (ix.slots);
  return ok;
}

static bool
decode_field (dctx *c, const oci_field *f, oci_json *j, void *obj)
{
  char *m = MEMBER (obj, f);
  switch ((oci_kind) f->kind)
    {
    case OCI_K_STR:
      return take_string (c, j, (char **) m);
    case OCI_K_BOOL:
      if (j->kind != OCI_JSON_TRUE && j->kind != OCI_JSON_FALSE)
        return fail (c, "expected boolean, got %s", kind_noun (j->kind));
      *(bool *) m = j->kind == OCI_JSON_TRUE;
      *(bool *) AUX (obj, f) = true;
      return true;
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_I32:
    case OCI_K_U32:
    case OCI_K_U16:
      if (!parse_integer (c, j, (oci_kind) f->kind, m))
        return false;
      *(bool *) AUX (obj, f) = true;
      return true;
    case OCI_K_OBJ:
      *(void **) m = decode_new (c, f->sub, j);
      return *(void **) m != NULL;
    case OCI_K_ASTR:
    case OCI_K_AU32:
    case OCI_K_AOBJ:
      return decode_array (c, f, j, obj);
    case OCI_K_MSTR:
    case OCI_K_MOBJ:
      return decode_map (c, f, j, obj);
    case OCI_K_RAW:
      return true; /* handled by the caller, which owns the tree slot */
    }
  return false;
}

static bool
field_present (const oci_field *f, const void *obj)
{
  const char *m = (const char *) obj + f->offset;
  switch ((oci_kind) f->kind)
    {
    case OCI_K_BOOL:
    case OCI_K_I64:
    case OCI_K_U64:
    case OCI_K_I32:
    case OCI_K_U32:
    case OCI_K_U16:
      return *(const bool *) ((const char *) obj + f->aux);
    case OCI_K_MSTR:
    case OCI_K_MOBJ:
      return ((const oci_map *) m)->keys != NULL;
    default:
      return *(void *const *) m != NULL;
    }
}

static bool
decode_object (dctx *c, const oci_desc *d, oci_json *j, void *obj)
{
  for (size_t i = 0; i < j->len; i++)
    {
      const char *key = j->keys[i];
      const oci_field *f = NULL;
      for (size_t k = 0; k < d->nfields; k++)
        if (strcmp (d->fields[k].name, key) == 0)
          {
            f = &d->fields[k];
            break;
          }
      if (f == NULL)
        {
          oci_json **extra = (oci_json **) ((char *) obj + d->extra_offset);
          if (*extra == NULL)
            *extra = oci_json_new (OCI_JSON_OBJECT);
          oci_json_append (*extra, key, j->items[i]);
          j->items[i] = NULL;
          continue;
        }
      /* A repeated member replaces the earlier one (JSON's last-wins). */
      free_field (f, obj);
      /* null means "not set" for an optional member, as Go's decoder does. */
      if (j->items[i]->kind == OCI_JSON_NULL && f->kind != OCI_K_RAW)
        continue;
      size_t mark = path_push_member (&c->path, key);
      if (f->kind == OCI_K_RAW)
        {
          *(oci_json **) MEMBER (obj, f) = j->items[i];
          j->items[i] = NULL;
        }
      else if (!decode_field (c, f, j->items[i], obj))
        return false;
      path_pop (&c->path, mark);
    }

  for (size_t k = 0; k < d->nfields; k++)
    {
      const oci_field *f = &d->fields[k];
      if ((f->flags & OCI_REQ) && !field_present (f, obj))
        {
          size_t mark = path_push_member (&c->path, f->name);
          fail (c, "required field missing");
          path_pop (&c->path, mark);
          return false;
        }
    }
  return true;
}

void *
oci_decode_tree (const oci_desc *d, oci_json *tree, const char *docname, char **err)
{
  dctx c = { .docname = docname };
  void *obj = decode_new (&c, d, tree);
  if (obj == NULL && err)
    *err = c.err;
  else
    free (c.err);
  free (c.path.buf);
  return obj;
}

void *
oci_parse (const oci_desc *d, const char *buf, size_t len, const char *docname, char **err)
{
  char *jerr = NULL;
  oci_json *tree = oci_json_parse (buf, len, &jerr);
  if (tree == NULL)
    {
      if (err)
        *err = docname ? oci_xasprintf ("%s: %s", docname, jerr) : oci_xstrdup (jerr);
      free (jerr);
      return NULL;
    }
  void *obj = oci_decode_tree (d, tree, docname, err);
  oci_json_free (tree);
  return obj;
}

void *
oci_parse_file (const oci_desc *d, const char *path, const char *docname, char **err)
{
  const char *name = docname ? docname : path;
  /* O_NONBLOCK: a fifo must not block the open; fstat refuses it next. */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int e = errno;
      if (err)
        *err = oci_xasprintf ("%s: %s", name, strerror (e));
      errno = e;
      return NULL;
    }
  struct stat st;
  int stat_failed = fstat (fd, &st) < 0;
  if (stat_failed || !S_ISREG (st.st_mode) || st.st_size > OCI_MAX_FILE_SIZE)
    {
      int e = errno;
      if (err)
        *err = oci_xasprintf ("%s: %s", name,
                              stat_failed                      ? strerror (e)
                              : !S_ISREG (st.st_mode)          ? "not a regular file"
                                                               : "larger than the " OCI_MAX_FILE_SIZE_TEXT " cap");
      close (fd);
      return NULL;
    }
  size_t cap = (size_t) st.st_size + 1, len = 0;
  char *buf = oci_xmalloc (cap);
  for (;;)
    {
      ssize_t n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          if (err)
            *err = oci_xasprintf ("%s: %s", name, strerror (e));
          free (buf);
          close (fd);
          errno = e;
          return NULL;
        }
      if (n == 0)
        break;
      len += (size_t) n;
      if (len == cap)
        {
          if (cap > OCI_MAX_FILE_SIZE)
            break;
          cap *= 2;
          buf = oci_xrealloc (buf, cap);
        }
    }
  close (fd);
  void *obj = oci_parse (d, buf, len, name, err);
  free (buf);
  return obj;
}

/* ------------------------------------------------------------- encoder */

void
oci_encode (const oci_desc *d, const void *obj, oci_jw *w)
{
  oci_jw_begin_object (w);
  for (size_t k = 0; k < d->nfields; k++)
    {
      const oci_field *f = &d->fields[k];
      if (!field_present (f, obj))
        continue;
      const char *m = (const char *) obj + f->offset;
      oci_jw_key (w, f->name);
      switch ((oci_kind) f->kind)
        {
        case OCI_K_STR:
          oci_jw_string (w, *(char *const *) m);
          break;
        case OCI_K_BOOL:
          oci_jw_bool (w, *(const bool *) m);
          break;
        case OCI_K_I64:
          oci_jw_int (w, *(const int64_t *) m);
          break;
        case OCI_K_I32:
          oci_jw_int (w, *(const int32_t *) m);
          break;
        case OCI_K_U64:
          oci_jw_uint (w, *(const uint64_t *) m);
          break;
        case OCI_K_U32:
          oci_jw_uint (w, *(const uint32_t *) m);
          break;
        case OCI_K_U16:
          oci_jw_uint (w, *(const uint16_t *) m);
          break;
        case OCI_K_OBJ:
          oci_encode (f->sub, *(void *const *) m, w);
          break;
        case OCI_K_ASTR:
        case OCI_K_AOBJ:
        case OCI_K_AU32:
          {
            size_t n = *(const size_t *) ((const char *) obj + f->aux);
            oci_jw_begin_array (w);
            for (size_t i = 0; i < n; i++)
              if (f->kind == OCI_K_ASTR)
                oci_jw_string (w, (*(char **const *) m)[i]);
              else if (f->kind == OCI_K_AU32)
                oci_jw_uint (w, (*(uint32_t *const *) m)[i]);
              else
                oci_encode (f->sub, (*(void **const *) m)[i], w);
            oci_jw_end_array (w);
            break;
          }
        case OCI_K_MSTR:
        case OCI_K_MOBJ:
          {
            const oci_map *map = (const oci_map *) m;
            oci_jw_begin_object (w);
            for (size_t i = 0; i < map->len; i++)
              {
                oci_jw_key (w, map->keys[i]);
                if (f->kind == OCI_K_MSTR)
                  oci_jw_string (w, map->values[i]);
                else
                  oci_encode (f->sub, map->values[i], w);
              }
            oci_jw_end_object (w);
            break;
          }
        case OCI_K_RAW:
          oci_jw_value (w, *(oci_json *const *) m);
          break;
        }
    }
  const oci_json *extra = *(oci_json *const *) ((const char *) obj + d->extra_offset);
  for (size_t i = 0; extra && i < extra->len; i++)
    if (extra->items[i])
      {
        oci_jw_key (w, extra->keys[i]);
        oci_jw_value (w, extra->items[i]);
      }
  oci_jw_end_object (w);
}

char *
oci_generate (const oci_desc *d, const void *obj, unsigned flags, size_t *len)
{
  oci_jw *w = oci_jw_new (flags);
  oci_encode (d, obj, w);
  return oci_jw_finish (w, len);
}

/* ---------------------------------------------------------- destructor */

static void
free_members (const oci_desc *d, void *obj)
{
  for (size_t k = 0; k < d->nfields; k++)
    free_field (&d->fields[k], obj);
  oci_json_free (*(oci_json **) ((char *) obj + d->extra_offset));
}

void
oci_free (const oci_desc *d, void *obj)
{
  if (obj == NULL)
    return;
  free_members (d, obj);
  free (obj);
}

void *
oci_clone (const oci_desc *d, const void *obj)
{
  size_t len = 0;
  char *text = oci_generate (d, obj, 0, &len);
  if (text == NULL)
    return NULL;
  void *copy = oci_parse (d, text, len, NULL, NULL);
  free (text);
  return copy;
}

/* -------------------------------------------------------------- helpers */

void
oci_map_set (void *mapp, const char *key, const char *value)
{
  oci_map *map = mapp;
  for (size_t i = 0; i < map->len; i++)
    if (strcmp (map->keys[i], key) == 0)
      {
        free (map->values[i]);
        map->values[i] = oci_xstrdup (value);
        return;
      }
  map->keys = oci_xrealloc (map->keys, (map->len + 1) * sizeof (char *));
  map->values = oci_xrealloc (map->values, (map->len + 1) * sizeof (void *));
  map->keys[map->len] = oci_xstrdup (key);
  map->values[map->len++] = oci_xstrdup (value);
}

const char *
oci_map_get (const void *mapp, const char *key)
{
  const oci_map *map = mapp;
  for (size_t i = 0; i < map->len; i++)
    if (strcmp (map->keys[i], key) == 0)
      return map->values[i];
  return NULL;
}

void
oci_strv_append (char ***v, size_t *len, const char *s)
{
  *v = oci_xrealloc (*v, (*len + 2) * sizeof (char *));
  (*v)[(*len)++] = oci_xstrdup (s);
  (*v)[*len] = NULL;
}
