/* docker's shell lexer for Dockerfile words (see expand.h).  The behaviour,
   messages included, follows buildkit's frontend/dockerfile/shell: a word is
   read left to right; quotes and $ have handlers; every other character is
   taken literally unless the escape character precedes it.  While reading,
   two results are kept: the word as one string (ProcessWord) and the list
   of words split on unquoted white space (ProcessWords). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "expand.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"
#include "strbuf.h"

typedef struct
{
  const dock_expand_opts *o;
  const char *s;
  size_t pos, len;
  int depth; /* nested ${...} words; bounded for hostile input */
} lexer;

/* The split result: words so far, the word being read, and whether a
   word has started (a quoted empty string starts nothing, as in buildkit). */
typedef struct
{
  dock_strv words;
  dock_sb word;
  bool in_word;
} words_acc;

#define EOF_CH (-1)
#define MAX_DEPTH 64

static int peek (lexer *l) { return l->pos < l->len ? (unsigned char) l->s[l->pos] : EOF_CH; }
static int next (lexer *l) { return l->pos < l->len ? (unsigned char) l->s[l->pos++] : EOF_CH; }

static void
acc_raw (words_acc *w, char c)
{
  if (w)
    {
      dock_sb_addc (&w->word, c);
      w->in_word = true;
    }
}

static void
acc_char (words_acc *w, char c)
{
  if (!w)
    return;
  if (isspace ((unsigned char) c))
    {
      if (w->in_word && w->word.len)
        dock_strv_push (&w->words, dock_sb_take (&w->word));
      w->in_word = false;
    }
  else
    acc_raw (w, c);
}

static void acc_raw_str (words_acc *w, const char *s, size_t n) { for (size_t i = 0; i < n; i++) acc_raw (w, s[i]); }
static void acc_str (words_acc *w, const char *s, size_t n) { for (size_t i = 0; i < n; i++) acc_char (w, s[i]); }

static int process_dollar (lexer *l, dock_sb *out, berth_error **err);

static int
single_quote (lexer *l, dock_sb *out, berth_error **err)
{
  int ch = next (l); /* the opening quote */
  if (l->o->raw_quotes)
    dock_sb_addc (out, (char) ch);
  for (;;)
    {
      ch = next (l);
      if (ch == EOF_CH)
        return berth_fail (err, 0, "unexpected end of statement while looking for matching single-quote");
      if (ch == '\'')
        {
          if (l->o->raw_quotes)
            dock_sb_addc (out, (char) ch);
          return 0;
        }
      dock_sb_addc (out, (char) ch);
    }
}

static int
double_quote (lexer *l, dock_sb *out, berth_error **err)
{
  int ch = next (l);
  if (l->o->raw_quotes)
    dock_sb_addc (out, (char) ch);
  for (;;)
    {
      ch = peek (l);
      if (ch == EOF_CH)
        return berth_fail (err, 0, "unexpected end of statement while looking for matching double-quote");
      if (ch == '"')
        {
          next (l);
          if (l->o->raw_quotes)
            dock_sb_addc (out, '"');
          return 0;
        }
      if (ch == '$')
        {
          if (process_dollar (l, out, err) < 0)
            return -1;
          continue;
        }
      next (l);
      if (ch == l->o->escape)
        {
          /* Inside double quotes only ", $ and the escape char itself are
             escaped; any other escape char is kept as written. */
          int n = peek (l);
          if (n == EOF_CH)
            {
              if (l->o->raw_escapes)
                dock_sb_addc (out, (char) ch);
              continue;
            }
          if (n == '"' || n == '$' || n == l->o->escape)
            {
              if (l->o->raw_escapes)
                dock_sb_addc (out, (char) ch);
              ch = next (l);
            }
        }
      dock_sb_addc (out, (char) ch);
    }
}

/* Reads until stop (EOF_CH: the end of input).  out gets the word; w, when
   not NULL, the split words. */
static int
process_stop_on (lexer *l, int stop, bool raw_escapes, dock_sb *out, words_acc *w, berth_error **err)
{
  if (++l->depth > MAX_DEPTH)
    return berth_fail (err, 0, "syntax error: substitutions nested too deeply");
  while (peek (l) != EOF_CH)
    {
      int ch = peek (l);
      if (stop != EOF_CH && ch == stop)
        {
          next (l);
          l->depth--;
          return 0;
        }
      if (ch == '\'' || ch == '"' || ch == '$')
        {
          size_t start = out->len;
          int rc = ch == '\'' ? single_quote (l, out, err)
                   : ch == '"' ? double_quote (l, out, err)
                               : process_dollar (l, out, err);
          if (rc < 0)
            return -1;
          /* An expansion's white space splits words; a quoted string's does not. */
          if (out->len == start)
            continue;
          if (ch == '$')
            acc_str (w, out->s + start, out->len - start);
          else
            acc_raw_str (w, out->s + start, out->len - start);
          continue;
        }
      next (l);
      if (ch == l->o->escape)
        {
          if (raw_escapes)
            {
              acc_raw (w, (char) ch);
              dock_sb_addc (out, (char) ch);
            }
          ch = next (l);
          if (ch == EOF_CH) /* an escape at the very end is dropped */
            break;
          acc_raw (w, (char) ch);
        }
      else
        acc_char (w, (char) ch);
      dock_sb_addc (out, (char) ch);
    }
  if (stop != EOF_CH)
    return berth_fail (err, 0, "unexpected end of statement while looking for matching %c", stop);
  l->depth--;
  return 0;
}

static bool is_special_param (int c) { return c && strchr ("@*#?-$!0", c) != NULL; }

/* A name: letters, digits and _; or all digits if it starts with one; or a
   single special parameter ($@ $* ...: never set here). */
static void
process_name (lexer *l, size_t *start, size_t *len)
{
  *start = l->pos;
  int ch = peek (l);
  if (ch != EOF_CH && isdigit (ch))
    {
      while (peek (l) != EOF_CH && isdigit (peek (l)))
        next (l);
    }
  else if (ch != EOF_CH && is_special_param (ch))
    next (l);
  else
    while (peek (l) != EOF_CH && (isalnum (peek (l)) || peek (l) == '_'))
      next (l);
  *len = l->pos - *start;
}

static const char *
lookup (lexer *l, const char *name, size_t len)
{
  return l->o->lookup ? l->o->lookup (l->o->ctx, name, len) : NULL;
}

/* ${v#p} ${v##p} ${v%p} ${v%%p}: the shortest (or longest) prefix or
   suffix of value matching the shell pattern removed. */
static char *
trim_affix (const char *value, const char *pattern, bool suffix, bool greedy)
{
  size_t n = strlen (value);
  cleanup_free char *part = xmalloc (n + 1);
  for (size_t k = 0; k <= n; k++)
    {
      size_t cut = greedy ? n - k : k;
      if (suffix)
        memcpy (part, value + n - cut, cut + 1);
      else
        {
          memcpy (part, value, cut);
          part[cut] = '\0';
        }
      if (fnmatch (pattern, part, 0) == 0)
        return suffix ? xstrndup (value, n - cut) : xstrdup (value + cut);
    }
  return xstrdup (value);
}

/* ${v/p/r} and ${v//p/r}: the leftmost longest match of p replaced. */
static char *
replace_pattern (const char *value, const char *pattern, const char *rep, bool all)
{
  dock_sb out = { 0 };
  size_t n = strlen (value);
  cleanup_free char *part = xmalloc (n + 1);
  size_t i = 0;
  bool done = false;
  while (i < n)
    {
      size_t found = 0;
      bool matched = false;
      if (!done && *pattern)
        for (size_t len = n - i; len > 0 && !matched; len--)
          {
            memcpy (part, value + i, len);
            part[len] = '\0';
            if (fnmatch (pattern, part, 0) == 0)
              matched = true, found = len;
          }
      if (matched)
        {
          dock_sb_adds (&out, rep);
          i += found;
          done = !all;
          continue;
        }
      dock_sb_addc (&out, value[i++]);
    }
  return dock_sb_take (&out);
}

static int
process_dollar (lexer *l, dock_sb *out, berth_error **err)
{
  next (l); /* '$' */
  size_t ns, nl;
  if (peek (l) != '{')
    {
      process_name (l, &ns, &nl);
      if (nl == 0)
        {
          dock_sb_addc (out, '$');
          return 0;
        }
      const char *v = lookup (l, l->s + ns, nl);
      if (!v && l->o->skip_unset)
        {
          dock_sb_addc (out, '$');
          dock_sb_add (out, l->s + ns, nl);
        }
      else if (v)
        dock_sb_adds (out, v);
      return 0;
    }
  next (l); /* '{' */
  int ch = peek (l);
  if (ch == EOF_CH)
    return berth_fail (err, 0, "syntax error: missing '}'");
  if (ch == '{' || ch == '}' || ch == ':')
    return berth_fail (err, 0, "syntax error: bad substitution");
  process_name (l, &ns, &nl);
  const char *name = l->s + ns;
  const char *value = lookup (l, name, nl);
  ch = next (l);
  if (ch == EOF_CH)
    return berth_fail (err, 0, "syntax error: missing '}'");
  if (ch == '}')
    {
      if (!value && l->o->skip_unset)
        {
          dock_sb_adds (out, "${");
          dock_sb_add (out, name, nl);
          dock_sb_addc (out, '}');
        }
      else if (value)
        dock_sb_adds (out, value);
      return 0;
    }
  char mod[3] = { (char) ch, 0, 0 };
  bool colon = false;
  if (ch == ':')
    {
      colon = true;
      ch = next (l);
      mod[1] = ch == EOF_CH ? 0 : (char) ch;
    }
  if (ch == '/')
    {
      bool all = peek (l) == '/';
      if (all)
        next (l);
      cleanup_sb dock_sb pat = { 0 }, rep = { 0 };
      if (process_stop_on (l, '/', true, &pat, NULL, err) < 0 || process_stop_on (l, '}', true, &rep, NULL, err) < 0)
        return -1;
      cleanup_free char *r = replace_pattern (value ? value : "", pat.s ? pat.s : "", rep.s ? rep.s : "", all);
      dock_sb_adds (out, r);
      return 0;
    }
  if (ch == EOF_CH || !strchr ("+-?#%", ch) || (colon && (ch == '#' || ch == '%')))
    return berth_fail (err, 0, "unsupported modifier (%s) in substitution", mod);
  bool raw = ch == '#' || ch == '%';
  cleanup_sb dock_sb word = { 0 };
  if (process_stop_on (l, '}', raw, &word, NULL, err) < 0)
    {
      if (peek (l) == EOF_CH)
        {
          berth_error_free (*err);
          *err = NULL;
          return berth_fail (err, 0, "syntax error: missing '}'");
        }
      return -1;
    }
  const char *w = word.s ? word.s : "";
  if (!value && l->o->skip_unset)
    {
      dock_sb_adds (out, "${");
      dock_sb_add (out, name, nl);
      dock_sb_adds (out, mod);
      dock_sb_adds (out, w);
      dock_sb_addc (out, '}');
      return 0;
    }
  bool unset = !value || (colon && !*value);
  switch (ch)
    {
    case '-':
      dock_sb_adds (out, unset ? w : value);
      return 0;
    case '+':
      dock_sb_adds (out, unset ? "" : w);
      return 0;
    case '?':
      if (!value)
        return berth_fail (err, 0, "%.*s: %s", (int) nl, name, *w ? w : "is not allowed to be unset");
      if (colon && !*value)
        return berth_fail (err, 0, "%.*s: %s", (int) nl, name, *w ? w : "is not allowed to be empty");
      dock_sb_adds (out, value);
      return 0;
    default: /* '#' '%' */
      {
        bool greedy = *w == ch;
        cleanup_free char *r = trim_affix (value ? value : "", greedy ? w + 1 : w, ch == '%', greedy);
        dock_sb_adds (out, r);
        return 0;
      }
    }
}

int
dock_expand_word (const dock_expand_opts *o, const char *in, char **out, berth_error **err)
{
  lexer l = { .o = o, .s = in, .len = strlen (in) };
  cleanup_sb dock_sb res = { 0 };
  if (process_stop_on (&l, EOF_CH, o->raw_escapes, &res, NULL, err) < 0)
    return -1;
  *out = dock_sb_take (&res);
  return 0;
}

int
dock_expand_words (const dock_expand_opts *o, const char *in, char ***out, size_t *n, berth_error **err)
{
  lexer l = { .o = o, .s = in, .len = strlen (in) };
  cleanup_sb dock_sb res = { 0 };
  words_acc w = { 0 };
  if (process_stop_on (&l, EOF_CH, o->raw_escapes, &res, &w, err) < 0)
    {
      dock_strv_free (&w.words);
      dock_sb_free (&w.word);
      return -1;
    }
  if (w.in_word && w.word.len)
    dock_strv_push (&w.words, dock_sb_take (&w.word));
  dock_sb_free (&w.word);
  if (n)
    *n = w.words.len;
  *out = dock_strv_take (&w.words);
  return 0;
}
