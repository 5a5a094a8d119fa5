/* A small Go-template interpreter: parse into a tree of nodes, then walk it
   with "dot" bound to a JSON value.  Values made while running (function
   results) live in an arena freed when the run ends. */
#include "config.h"

#include "template.h"
#include "libberth/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum
{
  ARG_DOT,    /* . */
  ARG_FIELD,  /* .A.B (fields[]) */
  ARG_STRING, /* "..." */
  ARG_NUMBER,
  ARG_BOOL,
  ARG_FUNC,   /* an identifier: a function */
  ARG_PIPE,   /* ( pipeline ) */
} arg_kind;

typedef struct pipeline pipeline;

typedef struct
{
  arg_kind kind;
  char **fields; /* ARG_FIELD; also ARG_PIPE followed by .X (not supported: NULL) */
  size_t nfields;
  char *text;    /* STRING, NUMBER, BOOL, FUNC */
  pipeline *pipe;
} arg;

typedef struct
{
  arg *args;
  size_t nargs;
} command;

struct pipeline
{
  command *cmds;
  size_t ncmds;
};

typedef enum
{
  NODE_TEXT,
  NODE_ACTION,
  NODE_IF,
  NODE_RANGE,
  NODE_WITH,
} node_kind;

typedef struct node node;
typedef struct
{
  node **items;
  size_t len;
} node_list;

struct node
{
  node_kind kind;
  char *text;
  pipeline *pipe;
  node_list body, orelse;
};

struct dock_template
{
  node_list root;
};

/* ------------------------------------------------------------------ free */
static void free_pipe (pipeline *p);
static void free_list (node_list *l);

static void
free_arg (arg *a)
{
  for (size_t i = 0; i < a->nfields; i++)
    free (a->fields[i]);
  free (a->fields);
  free (a->text);
  free_pipe (a->pipe);
}

static void
free_pipe (pipeline *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->ncmds; i++)
    {
      for (size_t j = 0; j < p->cmds[i].nargs; j++)
        free_arg (&p->cmds[i].args[j]);
      free (p->cmds[i].args);
    }
  free (p->cmds);
  free (p);
}

static void
free_node (node *n)
{
  free (n->text);
  free_pipe (n->pipe);
  free_list (&n->body);
  free_list (&n->orelse);
  free (n);
}

static void
free_list (node_list *l)
{
  for (size_t i = 0; i < l->len; i++)
    free_node (l->items[i]);
  free (l->items);
  l->items = NULL;
  l->len = 0;
}

void
dock_template_free (dock_template *t)
{
  if (t == NULL)
    return;
  free_list (&t->root);
  free (t);
}

void
dock_template_freep (dock_template **t)
{
  dock_template_free (*t);
  *t = NULL;
}

/* ----------------------------------------------------------------- parse */
/* How deep parentheses, blocks ({{if}} {{range}} {{with}}) and their
   execution may nest: the parser and the runner recurse, and a --format
   is the user's input. */
#define MAX_DEPTH 100

typedef struct
{
  const char *p;   /* cursor inside an action */
  const char *end; /* end of the action's text */
  int depth;       /* parentheses open */
} lexer;

static void
skip_space (lexer *lx)
{
  while (lx->p < lx->end && isspace ((unsigned char) *lx->p))
    lx->p++;
}

static bool
is_ident (char c)
{
  return isalnum ((unsigned char) c) || c == '_';
}

static pipeline *parse_pipeline (lexer *lx, bool in_parens, berth_error **err);

static int
parse_string (lexer *lx, char **out, berth_error **err)
{
  char q = *lx->p++;
  char *buf = xmalloc ((size_t) (lx->end - lx->p) + 1);
  size_t n = 0;
  while (lx->p < lx->end && *lx->p != q)
    {
      char c = *lx->p++;
      if (c == '\\' && q == '"' && lx->p < lx->end)
        {
          c = *lx->p++;
          c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
      buf[n++] = c;
    }
  if (lx->p >= lx->end)
    {
      free (buf);
      return berth_fail (err, 0, "template: unterminated quoted string");
    }
  lx->p++;
  buf[n] = '\0';
  *out = buf;
  return 0;
}

static int
parse_fields (lexer *lx, arg *a)
{
  while (lx->p < lx->end && *lx->p == '.' && lx->p + 1 < lx->end && is_ident (lx->p[1]))
    {
      const char *s = ++lx->p;
      while (lx->p < lx->end && is_ident (*lx->p))
        lx->p++;
      a->fields = xrealloc (a->fields, (a->nfields + 1) * sizeof *a->fields);
      a->fields[a->nfields++] = xstrndup (s, (size_t) (lx->p - s));
    }
  return 0;
}

static int
parse_arg (lexer *lx, arg *a, berth_error **err)
{
  memset (a, 0, sizeof *a);
  char c = *lx->p;
  if (c == '.')
    {
      if (lx->p + 1 < lx->end && is_ident (lx->p[1]))
        {
          a->kind = ARG_FIELD;
          return parse_fields (lx, a);
        }
      lx->p++;
      a->kind = ARG_DOT;
      return 0;
    }
  if (c == '"' || c == '`')
    {
      a->kind = ARG_STRING;
      return parse_string (lx, &a->text, err);
    }
  if (c == '(')
    {
      lx->p++;
      a->kind = ARG_PIPE;
      if (lx->depth >= MAX_DEPTH)
        return berth_fail (err, 0, "template: nesting too deep");
      lx->depth++;
      a->pipe = parse_pipeline (lx, true, err);
      lx->depth--;
      if (a->pipe == NULL)
        return -1;
      if (lx->p >= lx->end || *lx->p != ')')
        return berth_fail (err, 0, "template: unclosed left paren");
      lx->p++;
      return 0;
    }
  if (isdigit ((unsigned char) c) || c == '-')
    {
      const char *s = lx->p++;
      while (lx->p < lx->end && (isalnum ((unsigned char) *lx->p) || *lx->p == '.'))
        lx->p++;
      a->kind = ARG_NUMBER;
      a->text = xstrndup (s, (size_t) (lx->p - s));
      return 0;
    }
  if (is_ident (c))
    {
      const char *s = lx->p;
      while (lx->p < lx->end && is_ident (*lx->p))
        lx->p++;
      a->text = xstrndup (s, (size_t) (lx->p - s));
      a->kind = strcmp (a->text, "true") == 0 || strcmp (a->text, "false") == 0 ? ARG_BOOL : ARG_FUNC;
      return 0;
    }
  if (c == '$')
    return berth_fail (err, 0, "template: variables are not supported");
  return berth_fail (err, 0, "template: unexpected \"%c\" in command", c);
}

static pipeline *
parse_pipeline (lexer *lx, bool in_parens, berth_error **err)
{
  pipeline *p = xcalloc (1, sizeof *p);
  for (;;)
    {
      p->cmds = xrealloc (p->cmds, (p->ncmds + 1) * sizeof *p->cmds);
      command *c = &p->cmds[p->ncmds++];
      memset (c, 0, sizeof *c);
      for (;;)
        {
          skip_space (lx);
          if (lx->p >= lx->end || *lx->p == '|' || (in_parens && *lx->p == ')'))
            break;
          c->args = xrealloc (c->args, (c->nargs + 1) * sizeof *c->args);
          if (parse_arg (lx, &c->args[c->nargs], err) < 0)
            {
              c->nargs++;
              free_pipe (p);
              return NULL;
            }
          c->nargs++;
        }
      if (c->nargs == 0)
        {
          free_pipe (p);
          berth_fail (err, 0, "template: missing value for command");
          return NULL;
        }
      if (lx->p < lx->end && *lx->p == '|')
        {
          lx->p++;
          continue;
        }
      return p;
    }
}

typedef struct
{
  const char *src;
  const char *p;
  int depth; /* blocks open */
} parser;

/* The next piece: text up to "{{", or an action.  *action gets the
   action's inner text bounds; trimming markers are applied. */
typedef enum
{
  TOK_EOF,
  TOK_TEXT,
  TOK_ACTION
} tok_kind;

typedef struct
{
  tok_kind kind;
  const char *s, *e;
} token;

static int
next_token (parser *ps, token *t, berth_error **err)
{
  if (*ps->p == '\0')
    {
      t->kind = TOK_EOF;
      return 0;
    }
  if (ps->p[0] == '{' && ps->p[1] == '{')
    {
      const char *s = ps->p + 2;
      const char *close = strstr (s, "}}");
      if (close == NULL)
        return berth_fail (err, 0, "template: unclosed action");
      const char *e = close;
      if (*s == '-' && isspace ((unsigned char) s[1]))
        s += 2;
      bool trim_after = e - s >= 2 && e[-1] == '-' && isspace ((unsigned char) e[-2]);
      if (trim_after)
        e -= 2;
      ps->p = close + 2;
      if (trim_after)
        while (isspace ((unsigned char) *ps->p))
          ps->p++;
      t->kind = TOK_ACTION;
      t->s = s;
      t->e = e;
      return 0;
    }
  const char *open = strstr (ps->p, "{{");
  const char *e = open ? open : ps->p + strlen (ps->p);
  t->kind = TOK_TEXT;
  t->s = ps->p;
  ps->p = e;
  /* "{{- " trims the text before it. */
  if (open && open[2] == '-' && isspace ((unsigned char) open[3]))
    while (e > t->s && isspace ((unsigned char) e[-1]))
      e--;
  t->e = e;
  return 0;
}

static void
list_add (node_list *l, node *n)
{
  l->items = xrealloc (l->items, (l->len + 1) * sizeof *l->items);
  l->items[l->len++] = n;
}

/* Keyword at the start of an action ("if", "end" ...), else NULL. */
static const char *
keyword (const token *t, const char **rest)
{
  static const char *const kws[] = { "if", "else", "end", "range", "with" };
  const char *s = t->s;
  while (s < t->e && isspace ((unsigned char) *s))
    s++;
  for (size_t i = 0; i < ARRAY_SIZE (kws); i++)
    {
      size_t n = strlen (kws[i]);
      if ((size_t) (t->e - s) >= n && strncmp (s, kws[i], n) == 0 && (s + n == t->e || !is_ident (s[n])))
        {
          *rest = s + n;
          return kws[i];
        }
    }
  return NULL;
}

/* Parse nodes until {{end}} or {{else}} (returned in *stop) or EOF. */
static int
parse_list (parser *ps, node_list *l, const char **stop, const char **stop_rest, const token **unused,
            berth_error **err)
{
  for (;;)
    {
      token t;
      if (next_token (ps, &t, err) < 0)
        return -1;
      if (t.kind == TOK_EOF)
        {
          *stop = NULL;
          return 0;
        }
      if (t.kind == TOK_TEXT)
        {
          if (t.e > t.s)
            {
              node *n = xcalloc (1, sizeof *n);
              n->kind = NODE_TEXT;
              n->text = xstrndup (t.s, (size_t) (t.e - t.s));
              list_add (l, n);
            }
          continue;
        }
      const char *rest;
      const char *kw = keyword (&t, &rest);
      if (kw && (strcmp (kw, "end") == 0 || strcmp (kw, "else") == 0))
        {
          *stop = kw;
          *stop_rest = rest;
          (void) unused;
          return 0;
        }
      node *n = xcalloc (1, sizeof *n);
      lexer lx = { kw ? rest : t.s, t.e };
      n->kind = kw == NULL ? NODE_ACTION : strcmp (kw, "if") == 0 ? NODE_IF : strcmp (kw, "range") == 0 ? NODE_RANGE
                                                                                                          : NODE_WITH;
      n->pipe = parse_pipeline (&lx, false, err);
      if (n->pipe == NULL)
        {
          free_node (n);
          return -1;
        }
      list_add (l, n);
      if (n->kind == NODE_ACTION)
        continue;
      if (ps->depth >= MAX_DEPTH)
        return berth_fail (err, 0, "template: nesting too deep");
      ps->depth++;
      const char *s2, *r2;
      int r = parse_list (ps, &n->body, &s2, &r2, NULL, err);
      if (r == 0 && s2 && strcmp (s2, "else") == 0)
        {
          /* "else if ..." nests an if in the else branch. */
          lexer el = { r2, r2 + strlen (r2), 0 };
          skip_space (&el);
          if (str_has_prefix (el.p, "if ") && n->kind == NODE_IF)
            r = berth_fail (err, 0, "template: {{else if}} is not supported; nest {{if}} instead");
          else
            r = parse_list (ps, &n->orelse, &s2, &r2, NULL, err);
        }
      ps->depth--;
      if (r < 0)
        return -1;
      if (s2 == NULL || strcmp (s2, "end") != 0)
        return berth_fail (err, 0, "template: unexpected EOF (an {{end}} is missing)");
    }
}

int
dock_template_parse (const char *text, dock_template **out, berth_error **err)
{
  dock_template *t = xcalloc (1, sizeof *t);
  parser ps = { text, text };
  const char *stop = NULL, *rest;
  if (parse_list (&ps, &t->root, &stop, &rest, NULL, err) < 0)
    {
      dock_template_free (t);
      return berth_error_wrap (err, "invalid format");
    }
  if (stop)
    {
      dock_template_free (t);
      return berth_fail (err, 0, "invalid format: template: unexpected {{%s}}", stop);
    }
  *out = t;
  return 0;
}

/* ------------------------------------------------------------------ exec */
typedef struct
{
  oci_json **owned;
  size_t nowned;
  FILE *out;
  int depth;
} runner;

static oci_json *
keep (runner *r, oci_json *v)
{
  r->owned = xrealloc (r->owned, (r->nowned + 1) * sizeof *r->owned);
  r->owned[r->nowned++] = v;
  return v;
}

static oci_json *
new_string (runner *r, const char *s, size_t n)
{
  oci_json *v = oci_json_new (OCI_JSON_STRING);
  v->text = xstrndup (s, n);
  v->text_len = n;
  return keep (r, v);
}

static oci_json *
new_number (runner *r, long long n)
{
  oci_json *v = oci_json_new (OCI_JSON_NUMBER);
  v->text = xasprintf ("%lld", n);
  v->text_len = strlen (v->text);
  return keep (r, v);
}

static oci_json *
new_bool (runner *r, bool b)
{
  return keep (r, oci_json_new (b ? OCI_JSON_TRUE : OCI_JSON_FALSE));
}

static bool
truthy (const oci_json *v)
{
  if (v == NULL)
    return false;
  switch (v->kind)
    {
    case OCI_JSON_NULL:
    case OCI_JSON_FALSE:
      return false;
    case OCI_JSON_TRUE:
      return true;
    case OCI_JSON_NUMBER:
      return strtod (v->text, NULL) != 0;
    case OCI_JSON_STRING:
      return v->text_len > 0;
    default:
      return v->len > 0;
    }
}

/* Go's %v of a value. */
static void
print_value (FILE *out, const oci_json *v)
{
  if (v == NULL)
    {
      fputs ("<no value>", out);
      return;
    }
  switch (v->kind)
    {
    case OCI_JSON_NULL:
      fputs ("[]", out); /* docker's nil slices and maps print empty */
      break;
    case OCI_JSON_FALSE:
      fputs ("false", out);
      break;
    case OCI_JSON_TRUE:
      fputs ("true", out);
      break;
    case OCI_JSON_NUMBER:
    case OCI_JSON_STRING:
      fwrite (v->text, 1, v->text_len, out);
      break;
    case OCI_JSON_ARRAY:
      fputc ('[', out);
      for (size_t i = 0; i < v->len; i++)
        {
          if (i)
            fputc (' ', out);
          print_value (out, v->items[i]);
        }
      fputc (']', out);
      break;
    case OCI_JSON_OBJECT:
      {
        /* Go prints maps sorted by key. */
        size_t *order = xmalloc ((v->len ? v->len : 1) * sizeof *order);
        for (size_t i = 0; i < v->len; i++)
          order[i] = i;
        for (size_t i = 1; i < v->len; i++)
          for (size_t j = i; j > 0 && strcmp (v->keys[order[j - 1]], v->keys[order[j]]) > 0; j--)
            {
              size_t tmp = order[j];
              order[j] = order[j - 1];
              order[j - 1] = tmp;
            }
        fputs ("map[", out);
        for (size_t i = 0; i < v->len; i++)
          {
            if (i)
              fputc (' ', out);
            fprintf (out, "%s:", v->keys[order[i]]);
            print_value (out, v->items[order[i]]);
          }
        fputc (']', out);
        free (order);
        break;
      }
    }
}

static char *
value_text (const oci_json *v)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  if (f == NULL)
    abort ();
  print_value (f, v);
  fclose (f);
  return buf;
}

char *
dock_json_go (const oci_json *v)
{
  oci_jw *w = oci_jw_new (0);
  if (v)
    oci_jw_value (w, v);
  else
    oci_jw_null (w);
  size_t len;
  cleanup_free char *s = oci_jw_finish (w, &len);
  if (s == NULL)
    return xstrdup ("null");
  char *out = xmalloc (6 * len + 1);
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    {
      const char *esc = s[i] == '<' ? "\\u003c" : s[i] == '>' ? "\\u003e" : s[i] == '&' ? "\\u0026" : NULL;
      if (esc)
        {
          memcpy (out + n, esc, 6);
          n += 6;
        }
      else
        out[n++] = s[i];
    }
  out[n] = '\0';
  return out;
}

static int eval_pipe (runner *r, const pipeline *p, const oci_json *dot, const oci_json **out, berth_error **err);

static const oci_json *
field (const oci_json *v, char **fields, size_t n)
{
  for (size_t i = 0; i < n && v; i++)
    v = v->kind == OCI_JSON_OBJECT ? oci_json_get (v, fields[i]) : NULL;
  return v;
}

typedef int (*template_fn) (runner *r, const oci_json **args, size_t n, const oci_json **out, berth_error **err);

static int
need (size_t n, size_t want, const char *name, berth_error **err)
{
  if (n != want)
    return berth_fail (err, 0, "template: wrong number of args for %s: want %zu got %zu", name, want, n);
  return 0;
}

static int
fn_json (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (need (n, 1, "json", err) < 0)
    return -1;
  cleanup_free char *s = dock_json_go (a[0]);
  *out = new_string (r, s, strlen (s));
  return 0;
}

static int
fn_index (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (n < 2)
    return need (n, 2, "index", err);
  const oci_json *v = a[0];
  for (size_t i = 1; i < n && v; i++)
    {
      if (v->kind == OCI_JSON_OBJECT && a[i] && a[i]->kind == OCI_JSON_STRING)
        v = oci_json_get (v, a[i]->text);
      else if (v->kind == OCI_JSON_ARRAY && a[i] && a[i]->kind == OCI_JSON_NUMBER)
        {
          long k = strtol (a[i]->text, NULL, 10);
          if (k < 0 || (size_t) k >= v->len)
            return berth_fail (err, 0, "template: index out of range: %ld", k);
          v = v->items[k];
        }
      else
        return berth_fail (err, 0, "template: can't index item");
    }
  *out = v;
  return 0;
}

static int
fn_join (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (need (n, 2, "join", err) < 0)
    return -1;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  for (size_t i = 0; a[0] && a[0]->kind == OCI_JSON_ARRAY && i < a[0]->len; i++)
    {
      if (i)
        print_value (f, a[1]);
      print_value (f, a[0]->items[i]);
    }
  fclose (f);
  *out = new_string (r, buf, len);
  free (buf);
  return 0;
}

static int
map_chars (runner *r, const oci_json **a, size_t n, const oci_json **out, const char *name, int mode,
           berth_error **err)
{
  if (need (n, 1, name, err) < 0)
    return -1;
  cleanup_free char *s = value_text (a[0]);
  bool start = true;
  for (char *c = s; *c; c++)
    {
      if (mode == 0)
        *c = (char) tolower ((unsigned char) *c);
      else if (mode == 1)
        *c = (char) toupper ((unsigned char) *c);
      else
        {
          if (start)
            *c = (char) toupper ((unsigned char) *c);
          start = isspace ((unsigned char) *c);
        }
    }
  *out = new_string (r, s, strlen (s));
  return 0;
}

static int
fn_lower (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  return map_chars (r, a, n, out, "lower", 0, err);
}

static int
fn_upper (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  return map_chars (r, a, n, out, "upper", 1, err);
}

static int
fn_title (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  return map_chars (r, a, n, out, "title", 2, err);
}

static int
fn_split (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (need (n, 2, "split", err) < 0)
    return -1;
  cleanup_free char *s = value_text (a[0]);
  cleanup_free char *sep = value_text (a[1]);
  oci_json *arr = keep (r, oci_json_new (OCI_JSON_ARRAY));
  size_t seplen = strlen (sep);
  const char *p = s;
  for (;;)
    {
      const char *hit = seplen ? strstr (p, sep) : NULL;
      size_t len = hit ? (size_t) (hit - p) : strlen (p);
      oci_json *item = oci_json_new (OCI_JSON_STRING);
      item->text = xstrndup (p, len);
      item->text_len = len;
      oci_json_append (arr, NULL, item);
      if (hit == NULL)
        break;
      p = hit + seplen;
    }
  *out = arr;
  return 0;
}

static int
fn_len (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (need (n, 1, "len", err) < 0)
    return -1;
  if (a[0] == NULL)
    return berth_fail (err, 0, "template: len of nil");
  *out = new_number (r, (long long) (a[0]->kind == OCI_JSON_STRING ? a[0]->text_len : a[0]->len));
  return 0;
}

/* Sprint: a space between operands when neither is a string. */
static int
fn_print (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  for (size_t i = 0; i < n; i++)
    {
      bool str = a[i] && a[i]->kind == OCI_JSON_STRING;
      bool prev_str = i && a[i - 1] && a[i - 1]->kind == OCI_JSON_STRING;
      if (i && !str && !prev_str)
        fputc (' ', f);
      print_value (f, a[i]);
    }
  fclose (f);
  *out = new_string (r, buf, len);
  free (buf);
  return 0;
}

static int
fn_println (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        fputc (' ', f);
      print_value (f, a[i]);
    }
  fputc ('\n', f);
  fclose (f);
  *out = new_string (r, buf, len);
  free (buf);
  return 0;
}

static int
fn_printf (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (n < 1 || a[0] == NULL || a[0]->kind != OCI_JSON_STRING)
    return berth_fail (err, 0, "template: printf needs a format string");
  char *buf = NULL;
  size_t len = 0, next = 1;
  FILE *f = open_memstream (&buf, &len);
  for (const char *p = a[0]->text; *p; p++)
    {
      if (*p != '%' || p[1] == '\0')
        {
          fputc (*p, f);
          continue;
        }
      char verb = *++p;
      if (verb == '%')
        {
          fputc ('%', f);
          continue;
        }
      const oci_json *v = next < n ? a[next++] : NULL;
      if (verb == 'q')
        {
          cleanup_free char *t = value_text (v);
          fprintf (f, "\"%s\"", t);
        }
      else
        print_value (f, v);
    }
  fclose (f);
  *out = new_string (r, buf, len);
  free (buf);
  return 0;
}

static bool
values_equal (const oci_json *a, const oci_json *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if ((a->kind == OCI_JSON_STRING || a->kind == OCI_JSON_NUMBER) && a->kind == b->kind)
    return a->text_len == b->text_len && memcmp (a->text, b->text, a->text_len) == 0;
  return oci_json_equal (a, b);
}

static int
fn_eq (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (n < 2)
    return need (n, 2, "eq", err);
  bool any = false;
  for (size_t i = 1; i < n; i++)
    any = any || values_equal (a[0], a[i]);
  *out = new_bool (r, any);
  return 0;
}

static int
fn_ne (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (need (n, 2, "ne", err) < 0)
    return -1;
  *out = new_bool (r, !values_equal (a[0], a[1]));
  return 0;
}

static int
fn_not (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (need (n, 1, "not", err) < 0)
    return -1;
  *out = new_bool (r, !truthy (a[0]));
  return 0;
}

static int
fn_and (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (n < 1)
    return need (n, 1, "and", err);
  size_t i = 0;
  while (i + 1 < n && truthy (a[i]))
    i++;
  *out = a[i];
  return 0;
}

static int
fn_or (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (n < 1)
    return need (n, 1, "or", err);
  size_t i = 0;
  while (i + 1 < n && !truthy (a[i]))
    i++;
  *out = a[i];
  return 0;
}

/* docker's truncate: the first n characters. */
static int
fn_truncate (runner *r, const oci_json **a, size_t n, const oci_json **out, berth_error **err)
{
  if (need (n, 2, "truncate", err) < 0)
    return -1;
  cleanup_free char *s = value_text (a[0]);
  long k = a[1] && a[1]->kind == OCI_JSON_NUMBER ? strtol (a[1]->text, NULL, 10) : 0;
  size_t len = strlen (s);
  *out = new_string (r, s, k >= 0 && (size_t) k < len ? (size_t) k : len);
  return 0;
}

static const struct
{
  const char *name;
  template_fn fn;
} functions[] = {
  { "and", fn_and },     { "eq", fn_eq },           { "index", fn_index },     { "join", fn_join },
  { "json", fn_json },   { "len", fn_len },         { "lower", fn_lower },     { "ne", fn_ne },
  { "not", fn_not },     { "or", fn_or },           { "print", fn_print },     { "printf", fn_printf },
  { "println", fn_println }, { "split", fn_split }, { "title", fn_title },     { "truncate", fn_truncate },
  { "upper", fn_upper },
};

static int
eval_arg (runner *r, const arg *a, const oci_json *dot, const oci_json **out, berth_error **err)
{
  switch (a->kind)
    {
    case ARG_DOT:
      *out = dot;
      return 0;
    case ARG_FIELD:
      *out = field (dot, a->fields, a->nfields);
      return 0;
    case ARG_STRING:
      *out = new_string (r, a->text, strlen (a->text));
      return 0;
    case ARG_NUMBER:
      {
        oci_json *v = oci_json_new (OCI_JSON_NUMBER);
        v->text = xstrdup (a->text);
        v->text_len = strlen (a->text);
        *out = keep (r, v);
        return 0;
      }
    case ARG_BOOL:
      *out = new_bool (r, strcmp (a->text, "true") == 0);
      return 0;
    case ARG_PIPE:
      return eval_pipe (r, a->pipe, dot, out, err);
    case ARG_FUNC:
      break;
    }
  return berth_fail (err, 0, "template: function %s used as a value", a->text);
}

static int
eval_command (runner *r, const command *c, const oci_json *dot, const oci_json *piped, bool has_piped,
              const oci_json **out, berth_error **err)
{
  const arg *first = &c->args[0];
  if (first->kind != ARG_FUNC)
    {
      if (c->nargs > 1 || has_piped)
        return berth_fail (err, 0, "template: can't give argument to non-function");
      return eval_arg (r, first, dot, out, err);
    }
  template_fn fn = NULL;
  for (size_t i = 0; i < ARRAY_SIZE (functions); i++)
    if (strcmp (functions[i].name, first->text) == 0)
      fn = functions[i].fn;
  if (fn == NULL)
    return berth_fail (err, 0, "template: function \"%s\" not defined", first->text);
  size_t n = c->nargs - 1 + (has_piped ? 1 : 0);
  const oci_json **args = xcalloc (n ? n : 1, sizeof *args);
  int rc = 0;
  for (size_t i = 1; rc == 0 && i < c->nargs; i++)
    rc = eval_arg (r, &c->args[i], dot, &args[i - 1], err);
  if (has_piped)
    args[n - 1] = piped;
  if (rc == 0)
    rc = fn (r, args, n, out, err);
  free (args);
  return rc;
}

static int
eval_pipe (runner *r, const pipeline *p, const oci_json *dot, const oci_json **out, berth_error **err)
{
  const oci_json *v = NULL;
  for (size_t i = 0; i < p->ncmds; i++)
    if (eval_command (r, &p->cmds[i], dot, v, i > 0, &v, err) < 0)
      return -1;
  *out = v;
  return 0;
}

static int
exec_list (runner *r, const node_list *l, const oci_json *dot, berth_error **err)
{
  if (++r->depth > MAX_DEPTH)
    return berth_fail (err, 0, "template: nesting too deep");
  for (size_t i = 0; i < l->len; i++)
    {
      const node *n = l->items[i];
      const oci_json *v = NULL;
      if (n->kind == NODE_TEXT)
        {
          fputs (n->text, r->out);
          continue;
        }
      if (eval_pipe (r, n->pipe, dot, &v, err) < 0)
        return -1;
      switch (n->kind)
        {
        case NODE_ACTION:
          print_value (r->out, v);
          break;
        case NODE_IF:
          if (exec_list (r, truthy (v) ? &n->body : &n->orelse, dot, err) < 0)
            return -1;
          break;
        case NODE_WITH:
          if (exec_list (r, truthy (v) ? &n->body : &n->orelse, truthy (v) ? v : dot, err) < 0)
            return -1;
          break;
        case NODE_RANGE:
          if (!truthy (v))
            {
              if (exec_list (r, &n->orelse, dot, err) < 0)
                return -1;
              break;
            }
          if (v->kind != OCI_JSON_ARRAY && v->kind != OCI_JSON_OBJECT)
            return berth_fail (err, 0, "template: range can't iterate over %s", v->text ? v->text : "value");
          for (size_t k = 0; k < v->len; k++)
            if (exec_list (r, &n->body, v->items[k], err) < 0)
              return -1;
          break;
        case NODE_TEXT:
          break;
        }
    }
  r->depth--;
  return 0;
}

int
dock_template_exec (const dock_template *t, const oci_json *data, char **out, berth_error **err)
{
  runner r = { 0 };
  char *buf = NULL;
  size_t len = 0;
  r.out = open_memstream (&buf, &len);
  if (r.out == NULL)
    abort ();
  int rc = exec_list (&r, &t->root, data, err);
  fclose (r.out);
  for (size_t i = 0; i < r.nowned; i++)
    oci_json_free (r.owned[i]);
  free (r.owned);
  if (rc < 0)
    {
      free (buf);
      return berth_error_wrap (err, "template parsing error");
    }
  *out = buf;
  return 0;
}
