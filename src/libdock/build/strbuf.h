/* A growable NUL-terminated byte buffer and a growable string vector, for
   the Dockerfile parser, the expander and .dockerignore (internal). */
#ifndef DOCK_BUILD_STRBUF_H
#define DOCK_BUILD_STRBUF_H

#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"

typedef struct
{
  char *s;
  size_t len, cap;
} dock_sb;

static inline void
dock_sb_add (dock_sb *b, const char *p, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      size_t cap = b->cap ? b->cap : 32;
      while (cap < b->len + n + 1)
        cap *= 2;
      b->s = xrealloc (b->s, cap);
      b->cap = cap;
    }
  memcpy (b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static inline void dock_sb_addc (dock_sb *b, char c) { dock_sb_add (b, &c, 1); }
static inline void dock_sb_adds (dock_sb *b, const char *s) { dock_sb_add (b, s, strlen (s)); }
static inline void dock_sb_reset (dock_sb *b) { b->len = 0; if (b->s) b->s[0] = '\0'; }
static inline void dock_sb_free (dock_sb *b) { free (b->s); b->s = NULL; b->len = b->cap = 0; }
/* The text (never NULL); the buffer is left empty and owns nothing. */
static inline char *
dock_sb_take (dock_sb *b)
{
  char *s = b->s ? b->s : xstrdup ("");
  b->s = NULL;
  b->len = b->cap = 0;
  return s;
}
#define cleanup_sb __attribute__ ((cleanup (dock_sb_free)))

/* A NULL-terminated vector of owned strings. */
typedef struct
{
  char **v;
  size_t len, cap;
} dock_strv;

static inline void
dock_strv_push (dock_strv *a, char *owned)
{
  if (a->len + 2 > a->cap)
    {
      a->cap = a->cap ? a->cap * 2 : 8;
      a->v = xrealloc (a->v, a->cap * sizeof (char *));
    }
  a->v[a->len++] = owned;
  a->v[a->len] = NULL;
}

static inline char **
dock_strv_take (dock_strv *a)
{
  char **v = a->v ? a->v : xcalloc (1, sizeof (char *));
  a->v = NULL;
  a->len = a->cap = 0;
  return v;
}

static inline void dock_strv_free (dock_strv *a) { strv_free (a->v); a->v = NULL; a->len = a->cap = 0; }
#define cleanup_dstrv __attribute__ ((cleanup (dock_strv_free)))

#endif
