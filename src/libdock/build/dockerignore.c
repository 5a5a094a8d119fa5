/* .dockerignore patterns (see dockerignore.h).  docker compiles a pattern
   to a regular expression; here it becomes a list of tokens with the same
   meaning, matched by a small backtracking matcher with a memo so that a
   hostile pattern cannot make it exponential. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "dockerignore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"
#include "strbuf.h"

typedef enum
{
  T_LIT,        /* one byte */
  T_STAR,       /* [^/]* */
  T_ONE,        /* [^/] */
  T_CLASS,      /* [...]: one byte in (or, negated, not in) the set */
  T_DSTAR_DIRS, /* (.* /)?  : "**" or "** /" inside a pattern */
  T_DSTAR_ALL,  /* .*       : "**" at the end */
} tok_kind;

typedef struct
{
  tok_kind kind;
  unsigned char c;
  bool negated;
  uint8_t set[32]; /* bitmap for T_CLASS */
} tok;

typedef struct
{
  char *text; /* cleaned, without "!" */
  bool exclusion;
  tok *toks;
  size_t n;
} pattern;

struct dock_ignore
{
  pattern *p;
  size_t n;
  bool exceptions;
  char **texts; /* as given back by dock_ignore_patterns */
};

/* --------------------------------------------------------------- cleaning */

char *
dock_clean_path (const char *p)
{
  bool rooted = *p == '/';
  dock_strv parts = { 0 };
  cleanup_free char *tmp = xstrdup (p);
  char *save = NULL;
  size_t dotdots = 0; /* leading ".." kept in a relative path */
  for (char *t = strtok_r (tmp, "/", &save); t; t = strtok_r (NULL, "/", &save))
    {
      if (strcmp (t, ".") == 0)
        continue;
      if (strcmp (t, "..") == 0)
        {
          if (parts.len > dotdots)
            {
              free (parts.v[--parts.len]);
              parts.v[parts.len] = NULL;
              continue;
            }
          if (rooted)
            continue;
          dotdots++;
        }
      dock_strv_push (&parts, xstrdup (t));
    }
  dock_sb out = { 0 };
  if (rooted)
    dock_sb_addc (&out, '/');
  for (size_t i = 0; i < parts.len; i++)
    {
      if (i)
        dock_sb_addc (&out, '/');
      dock_sb_adds (&out, parts.v[i]);
    }
  if (!out.len)
    dock_sb_addc (&out, '.');
  dock_strv_free (&parts);
  return dock_sb_take (&out);
}

/* ---------------------------------------------------------------- compile */

static void set_bit (tok *t, unsigned char c) { t->set[c >> 3] |= (uint8_t) (1u << (c & 7)); }
static bool has_bit (const tok *t, unsigned char c) { return t->set[c >> 3] & (1u << (c & 7)); }

/* One class member, with Go's rules: '-' and ']' must be escaped; "\x" is x. */
static int
class_char (const char **s, unsigned char *c)
{
  const char *p = *s;
  if (!*p || *p == '-' || *p == ']')
    return -1;
  if (*p == '\\')
    {
      p++;
      if (!*p)
        return -1;
    }
  *c = (unsigned char) *p++;
  *s = p;
  return 0;
}

static int
compile (const char *text, tok **out, size_t *n, berth_error **err)
{
  size_t len = strlen (text), k = 0;
  tok *t = xcalloc (len + 1, sizeof *t);
  const char *s = text;
  while (*s)
    {
      tok *x = &t[k];
      if (s[0] == '*' && s[1] == '*')
        {
          s += 2;
          if (*s == '/')
            s++;
          x->kind = *s ? T_DSTAR_DIRS : T_DSTAR_ALL;
        }
      else if (*s == '*')
        s++, x->kind = T_STAR;
      else if (*s == '?')
        s++, x->kind = T_ONE;
      else if (*s == '[')
        {
          s++;
          x->kind = T_CLASS;
          if (*s == '^')
            x->negated = true, s++;
          size_t ranges = 0;
          for (;;)
            {
              if (*s == ']' && ranges > 0)
                {
                  s++;
                  break;
                }
              unsigned char lo, hi;
              if (class_char (&s, &lo) < 0)
                goto bad;
              hi = lo;
              if (*s == '-')
                {
                  s++;
                  if (class_char (&s, &hi) < 0 || hi < lo)
                    goto bad;
                }
              for (unsigned c = lo; c <= hi; c++)
                set_bit (x, (unsigned char) c);
              ranges++;
            }
        }
      else if (*s == '\\')
        {
          s++;
          if (!*s)
            goto bad;
          x->kind = T_LIT, x->c = (unsigned char) *s++;
        }
      else
        x->kind = T_LIT, x->c = (unsigned char) *s++;
      k++;
    }
  *out = t;
  *n = k;
  return 0;
bad:
  free (t);
  return berth_fail (err, 0, "syntax error in pattern: %s", text);
}

/* ------------------------------------------------------------------ match */

typedef struct
{
  const tok *t;
  size_t nt;
  const char *s;
  size_t ns;
  uint8_t *failed; /* (ti, si) pairs known not to match */
} matcher;

static bool
match_at (matcher *m, size_t ti, size_t si)
{
  for (;;)
    {
      if (ti == m->nt)
        return si == m->ns;
      size_t key = ti * (m->ns + 1) + si;
      if (m->failed[key >> 3] & (1u << (key & 7)))
        return false;
      const tok *x = &m->t[ti];
      bool ok = false;
      switch (x->kind)
        {
        case T_LIT:
          if (si < m->ns && (unsigned char) m->s[si] == x->c)
            {
              ti++, si++;
              continue;
            }
          break;
        case T_ONE:
          if (si < m->ns && m->s[si] != '/')
            {
              ti++, si++;
              continue;
            }
          break;
        case T_CLASS:
          if (si < m->ns && has_bit (x, (unsigned char) m->s[si]) != x->negated)
            {
              ti++, si++;
              continue;
            }
          break;
        case T_STAR:
          for (size_t j = si;; j++)
            {
              if (match_at (m, ti + 1, j))
                {
                  ok = true;
                  break;
                }
              if (j >= m->ns || m->s[j] == '/')
                break;
            }
          break;
        case T_DSTAR_DIRS:
          if (match_at (m, ti + 1, si))
            ok = true;
          else
            for (size_t j = si; j < m->ns && !ok; j++)
              if (m->s[j] == '/' && match_at (m, ti + 1, j + 1))
                ok = true;
          break;
        case T_DSTAR_ALL:
          ok = true; /* anything to the end; nothing can follow */
          break;
        }
      if (!ok)
        m->failed[key >> 3] |= (uint8_t) (1u << (key & 7));
      return ok;
    }
}

static bool
tokens_match (const tok *t, size_t nt, const char *s, size_t ns)
{
  size_t bits = (nt + 1) * (ns + 1);
  cleanup_free uint8_t *failed = xcalloc (bits / 8 + 1, 1);
  matcher m = { .t = t, .nt = nt, .s = s, .ns = ns, .failed = failed };
  return match_at (&m, 0, 0);
}

static bool
pattern_match (const pattern *p, const char *s, size_t n)
{
  return tokens_match (p->toks, p->n, s, n);
}

/* --------------------------------------------------------------- building */

void
dock_ignore_free (dock_ignore *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++)
    free (m->p[i].text), free (m->p[i].toks);
  free (m->p);
  strv_free (m->texts);
  free (m);
}

static char *
trim (const char *s)
{
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')
    s++;
  size_t n = strlen (s);
  while (n && strchr (" \t\r\n\v\f", s[n - 1]))
    n--;
  return xstrndup (s, n);
}

int
dock_ignore_new (char *const *patterns, size_t n, dock_ignore **out, berth_error **err)
{
  dock_ignore *m = xcalloc (1, sizeof *m);
  m->p = xcalloc (n + 1, sizeof *m->p);
  m->texts = xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *t = trim (patterns[i]);
      if (!*t)
        continue;
      cleanup_free char *c = dock_clean_path (t);
      pattern *p = &m->p[m->n];
      const char *body = c;
      if (*c == '!')
        {
          if (!c[1])
            {
              dock_ignore_free (m);
              return berth_fail (err, 0, "illegal exclusion pattern: \"!\"");
            }
          p->exclusion = m->exceptions = true;
          body = c + 1;
        }
      if (compile (body, &p->toks, &p->n, err) < 0)
        {
          dock_ignore_free (m);
          return -1;
        }
      p->text = xstrdup (body);
      m->texts[m->n] = xstrdup (c);
      m->n++;
    }
  *out = m;
  return 0;
}

int
dock_ignore_parse (const char *buf, size_t len, const char *name, dock_ignore **out, berth_error **err)
{
  dock_strv pats = { 0 };
  size_t pos = 0;
  int lineno = 0;
  while (pos < len)
    {
      const char *s = buf + pos;
      const char *nl = memchr (s, '\n', len - pos);
      size_t n = nl ? (size_t) (nl - s) : len - pos;
      pos += n + (nl ? 1 : 0);
      if (lineno++ == 0 && n >= 3 && memcmp (s, "\xef\xbb\xbf", 3) == 0)
        s += 3, n -= 3;
      if (memchr (s, '\0', n))
        {
          dock_strv_free (&pats);
          return berth_fail (err, 0, "%s:%d: a NUL byte in a pattern", name, lineno);
        }
      cleanup_free char *raw = xstrndup (s, n);
      if (raw[0] == '#') /* a comment only in the first column, as docker */
        continue;
      cleanup_free char *t = trim (raw);
      if (!*t)
        continue;
      bool invert = t[0] == '!';
      cleanup_free char *body = invert ? trim (t + 1) : xstrdup (t);
      if (*body)
        {
          char *c = dock_clean_path (body);
          free (body);
          body = c;
          if (strlen (body) > 1 && body[0] == '/')
            memmove (body, body + 1, strlen (body));
        }
      dock_strv_push (&pats, invert ? xasprintf ("!%s", body) : xstrdup (body));
    }
  int rc = dock_ignore_new (pats.v, pats.len, out, err);
  dock_strv_free (&pats);
  if (rc < 0)
    return berth_error_wrap (err, "%s", name);
  return 0;
}

char *const *
dock_ignore_patterns (const dock_ignore *m, size_t *n)
{
  if (n)
    *n = m->n;
  return m->texts;
}

/* ----------------------------------------------------------------- queries */

bool
dock_ignore_excluded (const dock_ignore *m, const char *path)
{
  size_t len = strlen (path);
  const char *slash = strrchr (path, '/');
  size_t parent_len = slash ? (size_t) (slash - path) : 0;
  bool matched = false;
  for (size_t i = 0; i < m->n; i++)
    {
      const pattern *p = &m->p[i];
      /* An exception matters only for what is excluded so far, and a
         plain pattern only for what is not. */
      if (p->exclusion != matched)
        continue;
      bool hit = pattern_match (p, path, len);
      for (size_t k = 0; !hit && k < parent_len; k++)
        if (path[k] == '/')
          hit = pattern_match (p, path, k);
      if (!hit && parent_len)
        hit = pattern_match (p, path, parent_len);
      if (hit)
        matched = !p->exclusion;
    }
  return matched;
}

/* Does pattern text's first components match dir's components, with more
   components left in the pattern (so it may name something below dir)? */
static bool
prefix_may_match (const char *text, const char *dir)
{
  if (strstr (text, "**"))
    return true;
  const char *pt = text, *d = dir;
  for (;;)
    {
      const char *pe = strchr (pt, '/'), *de = strchr (d, '/');
      size_t pl = pe ? (size_t) (pe - pt) : strlen (pt), dl = de ? (size_t) (de - d) : strlen (d);
      if (!pe)
        return false; /* the pattern ends at dir's depth or above */
      cleanup_free char *comp = xstrndup (pt, pl);
      tok *t = NULL;
      size_t nt = 0;
      berth_error *e = NULL;
      if (compile (comp, &t, &nt, &e) < 0)
        {
          berth_error_free (e);
          return true;
        }
      bool ok = tokens_match (t, nt, d, dl);
      free (t);
      if (!ok)
        return false;
      pt = pe + 1;
      if (!de)
        return true;
      d = de + 1;
    }
}

bool
dock_ignore_may_include_below (const dock_ignore *m, const char *dir)
{
  if (!m->exceptions)
    return false;
  for (size_t i = 0; i < m->n; i++)
    if (m->p[i].exclusion && prefix_may_match (m->p[i].text, dir))
      return true;
  return false;
}
