/* The Dockerfile parser (see dockerfile.h).  The order of the work and the
   rules for the corner cases follow buildkit's frontend/dockerfile/parser
   and instructions packages, which docker uses: where the two builders
   differ, buildkit (docker's default since 23.0) wins. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "json.h"
#include "libberth/util.h"
#include "strbuf.h"

/* ------------------------------------------------------------------ table */

static const dock_df_flag_def no_flags[] = { { NULL } };
static const dock_df_flag_def from_flags[] = { { "platform", DOCK_DF_FLAG_STRING }, { NULL } };
static const dock_df_flag_def run_flags[] = {
  { "network", DOCK_DF_FLAG_STRING },
  { "mount", DOCK_DF_FLAG_STRINGS, "RUN --mount is not supported by dock yet" },
  { "security", DOCK_DF_FLAG_STRING, "RUN --security is not supported by dock yet" },
  { NULL },
};
static const dock_df_flag_def copy_flags[] = {
  { "chown", DOCK_DF_FLAG_STRING },
  { "chmod", DOCK_DF_FLAG_STRING },
  { "from", DOCK_DF_FLAG_STRING },
  { "link", DOCK_DF_FLAG_BOOL }, /* accepted: a layer of its own either way */
  { "parents", DOCK_DF_FLAG_BOOL, "COPY --parents is not supported by dock yet" },
  { "exclude", DOCK_DF_FLAG_STRINGS, "COPY --exclude is not supported by dock yet" },
  { NULL },
};
static const dock_df_flag_def add_flags[] = {
  { "chown", DOCK_DF_FLAG_STRING },
  { "chmod", DOCK_DF_FLAG_STRING },
  { "link", DOCK_DF_FLAG_BOOL },
  { "checksum", DOCK_DF_FLAG_STRING },
  { "keep-git-dir", DOCK_DF_FLAG_BOOL, "ADD --keep-git-dir is not supported by dock yet" },
  { "exclude", DOCK_DF_FLAG_STRINGS, "ADD --exclude is not supported by dock yet" },
  { NULL },
};
static const dock_df_flag_def health_flags[] = {
  { "interval", DOCK_DF_FLAG_STRING },     { "timeout", DOCK_DF_FLAG_STRING },
  { "start-period", DOCK_DF_FLAG_STRING }, { "start-interval", DOCK_DF_FLAG_STRING },
  { "retries", DOCK_DF_FLAG_STRING },      { NULL },
};

#define F(f) DOCK_DF_FORM_##f
const dock_df_def dock_df_defs[DOCK_DF_N_KINDS] = {
  { "ADD", DOCK_DF_ADD, F (EXEC_WORDS), true, true, add_flags, "add local or remote files to the image" },
  { "ARG", DOCK_DF_ARG, F (NAMES), true, false, no_flags, "declare build arguments" },
  { "CMD", DOCK_DF_CMD, F (EXEC_SHELL), false, false, no_flags, "the default command" },
  { "COPY", DOCK_DF_COPY, F (EXEC_WORDS), true, true, copy_flags, "copy files and directories" },
  { "ENTRYPOINT", DOCK_DF_ENTRYPOINT, F (EXEC_SHELL), false, false, no_flags, "the default executable" },
  { "ENV", DOCK_DF_ENV, F (KEY_VALUE), true, false, no_flags, "set environment variables" },
  { "EXPOSE", DOCK_DF_EXPOSE, F (WORDS), true, false, no_flags, "ports the application listens on" },
  { "FROM", DOCK_DF_FROM, F (WORDS), true, false, from_flags, "start a stage from a base image" },
  { "HEALTHCHECK", DOCK_DF_HEALTHCHECK, F (HEALTH), false, false, health_flags, "how to check the container" },
  { "LABEL", DOCK_DF_LABEL, F (KEY_VALUE), true, false, no_flags, "add metadata to the image" },
  { "MAINTAINER", DOCK_DF_MAINTAINER, F (STRING), false, false, no_flags, "the image's author (deprecated)" },
  { "ONBUILD", DOCK_DF_ONBUILD, F (SUB), false, false, no_flags, "an instruction for images built on this one" },
  { "RUN", DOCK_DF_RUN, F (EXEC_SHELL), false, true, run_flags, "run a command in a build container" },
  { "SHELL", DOCK_DF_SHELL, F (EXEC_SHELL), false, false, no_flags, "the shell of shell-form commands" },
  { "STOPSIGNAL", DOCK_DF_STOPSIGNAL, F (STRING), true, false, no_flags, "the signal that stops the container" },
  { "USER", DOCK_DF_USER, F (STRING), true, false, no_flags, "the user and group to run as" },
  { "VOLUME", DOCK_DF_VOLUME, F (EXEC_WORDS), true, false, no_flags, "mount points for volumes" },
  { "WORKDIR", DOCK_DF_WORKDIR, F (STRING), true, false, no_flags, "the working directory" },
};
#undef F

const dock_df_def *
dock_df_lookup (const char *name, size_t len)
{
  for (size_t i = 0; i < DOCK_DF_N_KINDS; i++)
    if (strlen (dock_df_defs[i].name) == len && strncasecmp (dock_df_defs[i].name, name, len) == 0)
      return &dock_df_defs[i];
  return NULL;
}

/* ----------------------------------------------------------------- freeing */

static void
instr_free (dock_df_instr *in)
{
  if (!in)
    return;
  free (in->original);
  for (size_t i = 0; i < in->n_flags; i++)
    free (in->flags[i].name), free (in->flags[i].value);
  free (in->flags);
  strv_free (in->args);
  for (size_t i = 0; i < in->n_kvs; i++)
    free (in->kvs[i].key), free (in->kvs[i].value);
  free (in->kvs);
  for (size_t i = 0; i < in->n_heredocs; i++)
    free (in->heredocs[i].name), free (in->heredocs[i].content);
  free (in->heredocs);
  instr_free (in->sub);
  if (in->health)
    strv_free (in->health->test);
  free (in->health);
  free (in->stage_name);
  free (in);
}
static void instr_freep (dock_df_instr **in) { instr_free (*in); }
#define cleanup_instr __attribute__ ((cleanup (instr_freep)))

void
dock_dockerfile_free (dock_dockerfile *df)
{
  if (!df)
    return;
  for (size_t i = 0; i < df->n_instrs; i++)
    instr_free (df->instrs[i]);
  free (df->instrs);
  free (df->syntax);
  free (df->check);
  strv_free (df->warnings);
  free (df);
}

/* ------------------------------------------------------------ small pieces */

static bool is_ws (char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n'; }

static const char *
skip_ws (const char *s)
{
  while (*s && is_ws (*s))
    s++;
  return s;
}

static char *
trim_dup (const char *s, size_t n)
{
  while (n && is_ws (*s))
    s++, n--;
  while (n && is_ws (s[n - 1]))
    n--;
  return xstrndup (s, n);
}

/* buildkit's parseWords: split on white space outside quotes, keeping the
   quotes and escapes in the words (the expander removes them later). */
static char **
parse_words (const char *rest, char esc, size_t *n)
{
  dock_strv words = { 0 };
  cleanup_sb dock_sb w = { 0 };
  bool in_word = false, blank_ok = false;
  char quote = 0;
  size_t len = strlen (rest);
  for (size_t i = 0; i < len; i++)
    {
      char ch = rest[i];
      if (!in_word && !quote)
        {
          if (is_ws (ch))
            continue;
          in_word = true;
        }
      if (quote)
        {
          if (ch == quote)
            quote = 0;
          else if (ch == esc && quote != '\'')
            {
              if (i + 1 == len)
                continue;
              dock_sb_addc (&w, ch);
              ch = rest[++i];
            }
          dock_sb_addc (&w, ch);
          continue;
        }
      if (is_ws (ch))
        {
          if (blank_ok || w.len)
            dock_strv_push (&words, dock_sb_take (&w));
          dock_sb_reset (&w);
          in_word = blank_ok = false;
          continue;
        }
      if (ch == '\'' || ch == '"')
        quote = ch, blank_ok = true;
      else if (ch == esc)
        {
          if (i + 1 == len)
            continue;
          dock_sb_addc (&w, ch);
          ch = rest[++i];
        }
      dock_sb_addc (&w, ch);
    }
  if (in_word && (blank_ok || w.len))
    dock_strv_push (&words, dock_sb_take (&w));
  if (n)
    *n = words.len;
  return dock_strv_take (&words);
}

/* Split on runs of white space, nothing else. */
static char **
split_ws (const char *rest, size_t *n)
{
  dock_strv v = { 0 };
  const char *p = skip_ws (rest);
  while (*p)
    {
      const char *e = p;
      while (*e && !is_ws (*e))
        e++;
      dock_strv_push (&v, xstrndup (p, e - p));
      p = skip_ws (e);
    }
  *n = v.len;
  return dock_strv_take (&v);
}

typedef enum
{
  JSON_OK,
  JSON_NOT_JSON,    /* not a JSON array: the other form applies */
  JSON_NOT_STRINGS, /* a JSON array, but not of strings: an error */
} json_result;

static json_result
parse_json_array (const char *rest, char ***out, size_t *n)
{
  rest = skip_ws (rest);
  if (*rest != '[')
    return JSON_NOT_JSON;
  cleanup_free char *jerr = NULL;
  oci_json *j = oci_json_parse (rest, strlen (rest), &jerr);
  if (!j)
    return JSON_NOT_JSON;
  json_result r = JSON_OK;
  dock_strv v = { 0 };
  if (j->kind != OCI_JSON_ARRAY)
    r = JSON_NOT_JSON;
  else
    for (size_t i = 0; i < j->len && r == JSON_OK; i++)
      if (j->items[i]->kind != OCI_JSON_STRING)
        r = JSON_NOT_STRINGS;
      else
        dock_strv_push (&v, xstrndup (j->items[i]->text, j->items[i]->text_len));
  oci_json_free (j);
  if (r != JSON_OK)
    {
      dock_strv_free (&v);
      return r;
    }
  *n = v.len;
  *out = dock_strv_take (&v);
  return JSON_OK;
}

/* ------------------------------------------------------------------- flags */

/* buildkit's extractBuilderFlags: leading words that start with "--",
   quotes removed; a lone "--" ends them.  Returns the rest of the line. */
static const char *
extract_flags (const char *line, dock_strv *flags)
{
  cleanup_sb dock_sb w = { 0 };
  size_t len = strlen (line), i = 0;
  for (;;)
    {
      while (i < len && is_ws (line[i]))
        i++;
      if (i + 1 >= len || line[i] != '-' || line[i + 1] != '-')
        return line + i;
      char quote = 0;
      dock_sb_reset (&w);
      for (; i < len; i++)
        {
          char ch = line[i];
          if (!quote && is_ws (ch))
            break;
          if (!quote && (ch == '\'' || ch == '"'))
            {
              quote = ch;
              continue;
            }
          if (quote && ch == quote)
            {
              quote = 0;
              continue;
            }
          if (ch == '\\')
            {
              if (i + 1 == len)
                continue;
              ch = line[++i];
            }
          dock_sb_addc (&w, ch);
        }
      if (w.len == 2 && strcmp (w.s, "--") == 0)
        return skip_ws (line + i);
      dock_strv_push (flags, dock_sb_take (&w));
    }
}

static int
check_flags (dock_df_instr *in, char **words, berth_error **err)
{
  for (size_t k = 0; words && words[k]; k++)
    {
      const char *a = words[k];
      const char *eq = strchr (a, '=');
      size_t nlen = eq ? (size_t) (eq - a) : strlen (a);
      const dock_df_flag_def *f = in->def->flags;
      while (f->name && (strlen (f->name) != nlen - 2 || strncmp (f->name, a + 2, nlen - 2) != 0))
        f++;
      if (!f->name)
        return berth_fail (err, 0, "unknown flag: %.*s", (int) nlen, a);
      if (f->type != DOCK_DF_FLAG_STRINGS && dock_df_flag_get (in, f->name))
        return berth_fail (err, 0, "duplicate flag specified: %.*s", (int) nlen, a);
      const char *value;
      if (f->type == DOCK_DF_FLAG_BOOL)
        {
          if (eq && !eq[1])
            return berth_fail (err, 0, "missing a value on flag: %.*s", (int) nlen, a);
          if (!eq || strcasecmp (eq + 1, "true") == 0)
            value = "true";
          else if (strcasecmp (eq + 1, "false") == 0)
            value = "false";
          else
            return berth_fail (err, 0, "expecting boolean value for flag %.*s, not: %s", (int) nlen, a, eq + 1);
        }
      else
        {
          if (!eq)
            return berth_fail (err, 0, "missing a value on flag: %.*s", (int) nlen, a);
          value = eq + 1;
        }
      if (f->unsupported && !(in->def->kind == DOCK_DF_RUN && strcmp (f->name, "security") == 0
                              && strcmp (value, "sandbox") == 0))
        return berth_fail (err, 0, "%s", f->unsupported);
      in->flags = xrealloc (in->flags, (in->n_flags + 1) * sizeof *in->flags);
      in->flags[in->n_flags].name = xstrdup (f->name);
      in->flags[in->n_flags].value = xstrdup (value);
      in->n_flags++;
    }
  return 0;
}

const char *
dock_df_flag_get (const dock_df_instr *in, const char *name)
{
  for (size_t i = 0; i < in->n_flags; i++)
    if (strcmp (in->flags[i].name, name) == 0)
      return in->flags[i].value;
  return NULL;
}

/* ------------------------------------------------------------- durations */

int
dock_parse_go_duration (const char *s, int64_t *ns, berth_error **err)
{
  static const struct
  {
    const char *unit;
    double ns;
  } units[] = {
    { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
    { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
  };
  const char *p = s;
  bool neg = false;
  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (strcmp (p, "0") == 0)
    {
      *ns = 0;
      return 0;
    }
  if (!*p)
    return berth_fail (err, 0, "time: invalid duration \"%s\"", s);
  long double total = 0;
  while (*p)
    {
      const char *num = p;
      long double v = 0, scale = 1;
      bool digits = false;
      while (isdigit ((unsigned char) *p))
        v = v * 10 + (*p++ - '0'), digits = true;
      if (*p == '.')
        for (p++; isdigit ((unsigned char) *p); p++)
          scale /= 10, v += (*p - '0') * scale, digits = true;
      if (!digits)
        return berth_fail (err, 0, "time: invalid duration \"%s\"", s);
      const char *u = p;
      while (*p && *p != '.' && !isdigit ((unsigned char) *p))
        p++;
      if (u == p)
        return berth_fail (err, 0, "time: missing unit in duration \"%s\"", s);
      size_t k = 0;
      while (k < ARRAY_SIZE (units) && (strlen (units[k].unit) != (size_t) (p - u)
                                        || strncmp (units[k].unit, u, p - u) != 0))
        k++;
      if (k == ARRAY_SIZE (units))
        return berth_fail (err, 0, "time: unknown unit \"%.*s\" in duration \"%s\"", (int) (p - u), u, s);
      total += v * units[k].ns;
      if (total > 9223372036854775807.0L)
        return berth_fail (err, 0, "time: invalid duration \"%s\"", s);
      (void) num;
    }
  *ns = (int64_t) (neg ? -total : total);
  return 0;
}

/* ------------------------------------------------------- instruction forms */

typedef struct
{
  char esc;
  const char *name; /* file name, for messages */
  dock_strv *warnings;
} parse_ctx;

static dock_df_instr *new_instr (const dock_df_def *def, const char *original)
{
  dock_df_instr *in = xcalloc (1, sizeof *in);
  in->def = def;
  in->original = xstrdup (original);
  return in;
}

static void
add_kv (dock_df_instr *in, const char *k, size_t klen, const char *v)
{
  in->kvs = xrealloc (in->kvs, (in->n_kvs + 1) * sizeof *in->kvs);
  in->kvs[in->n_kvs].key = xstrndup (k, klen);
  in->kvs[in->n_kvs].value = v ? xstrdup (v) : NULL;
  in->n_kvs++;
}

/* ENV and LABEL: k=v words, or the legacy "KEY name value". */
static int
form_key_value (const parse_ctx *c, dock_df_instr *in, const char *rest, berth_error **err)
{
  size_t n;
  cleanup_strv char **words = parse_words (rest, c->esc, &n);
  if (n == 0)
    return 0;
  if (!strchr (words[0], '='))
    {
      const char *p = skip_ws (rest), *e = p;
      while (*e && !is_ws (*e))
        e++;
      const char *v = skip_ws (e);
      if (!*v)
        return berth_fail (err, 0, "%s must have two arguments", in->def->name);
      add_kv (in, p, e - p, v);
      return 0;
    }
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (words[i], '=');
      if (!eq)
        return berth_fail (err, 0, "Syntax error - can't find = in \"%s\". Must be of the form: name=value",
                           words[i]);
      add_kv (in, words[i], eq - words[i], eq + 1);
    }
  return 0;
}

static int
form_names (const parse_ctx *c, dock_df_instr *in, const char *rest)
{
  size_t n;
  cleanup_strv char **words = parse_words (rest, c->esc, &n);
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (words[i], '=');
      add_kv (in, words[i], eq ? (size_t) (eq - words[i]) : strlen (words[i]), eq ? eq + 1 : NULL);
    }
  return 0;
}

static int
form_exec (dock_df_instr *in, const char *rest, bool shell_fallback, berth_error **err)
{
  if (!*skip_ws (rest))
    {
      in->args = xcalloc (1, sizeof (char *));
      return 0;
    }
  switch (parse_json_array (rest, &in->args, &in->n_args))
    {
    case JSON_OK:
      in->json = true;
      return 0;
    case JSON_NOT_STRINGS:
      return berth_fail (err, 0, "when using JSON array syntax, arrays must be comprised of strings only");
    case JSON_NOT_JSON:
      break;
    }
  if (shell_fallback)
    {
      in->args = xcalloc (2, sizeof (char *));
      in->args[0] = xstrdup (rest);
      in->n_args = 1;
    }
  else
    in->args = split_ws (rest, &in->n_args);
  return 0;
}

static int node_from_line (const parse_ctx *c, const char *line, dock_df_instr **out, berth_error **err);

static int
form_health (dock_df_instr *in, const char *rest, berth_error **err)
{
  rest = skip_ws (rest);
  const char *e = rest;
  while (*e && !is_ws (*e))
    e++;
  in->health = xcalloc (1, sizeof *in->health);
  dock_df_health *h = in->health;
  if ((size_t) (e - rest) == 4 && strncasecmp (rest, "NONE", 4) == 0)
    {
      if (*skip_ws (e))
        return berth_fail (err, 0, "HEALTHCHECK NONE takes no arguments");
      h->none = true;
      in->args = xcalloc (2, sizeof (char *));
      in->args[0] = xstrdup ("NONE");
      in->n_args = 1;
      h->test = xcalloc (2, sizeof (char *));
      h->test[0] = xstrdup ("NONE");
      h->n_test = 1;
      return 0;
    }
  if ((size_t) (e - rest) != 3 || strncasecmp (rest, "CMD", 3) != 0)
    return berth_fail (err, 0, "Unknown type \"%.*s\" in HEALTHCHECK (try CMD)", (int) (e - rest), rest);
  const char *cmd = skip_ws (e);
  if (!*cmd)
    return berth_fail (err, 0, "Missing command after HEALTHCHECK CMD");
  if (form_exec (in, cmd, true, err) < 0)
    return -1;
  dock_strv t = { 0 };
  dock_strv_push (&t, xstrdup (in->json ? "CMD" : "CMD-SHELL"));
  for (size_t i = 0; i < in->n_args; i++)
    dock_strv_push (&t, xstrdup (in->args[i]));
  h->n_test = t.len;
  h->test = dock_strv_take (&t);

  static const struct
  {
    const char *flag;
    size_t off;
  } durations[] = {
    { "interval", offsetof (dock_df_health, interval) },
    { "timeout", offsetof (dock_df_health, timeout) },
    { "start-period", offsetof (dock_df_health, start_period) },
    { "start-interval", offsetof (dock_df_health, start_interval) },
  };
  for (size_t i = 0; i < ARRAY_SIZE (durations); i++)
    {
      const char *v = dock_df_flag_get (in, durations[i].flag);
      int64_t d = 0;
      if (!v || !*v)
        continue;
      if (dock_parse_go_duration (v, &d, err) < 0)
        return -1;
      if (d != 0 && d < 1000000)
        return berth_fail (err, 0, "Interval \"%s\" cannot be less than 1ms", durations[i].flag);
      *(int64_t *) ((char *) h + durations[i].off) = d;
    }
  const char *r = dock_df_flag_get (in, "retries");
  if (r && *r)
    {
      char *end;
      errno = 0;
      long long v = strtoll (r, &end, 10);
      if (errno || *end || end == r || v > INT32_MAX || v < INT32_MIN)
        return berth_fail (err, 0, "strconv.ParseInt: parsing \"%s\": invalid syntax", r);
      if (v < 0)
        return berth_fail (err, 0, "--retries cannot be negative (%lld)", v);
      h->retries = (int32_t) v;
    }
  return 0;
}

/* The checks docker makes once the arguments are read (instructions.Parse). */
static bool
valid_stage_name (const char *s)
{
  if (!islower ((unsigned char) *s))
    return false;
  for (; *s; s++)
    if (!islower ((unsigned char) *s) && !isdigit ((unsigned char) *s) && !strchr ("-_.", *s))
      return false;
  return true;
}

static int
check_instr (dock_df_instr *in, berth_error **err)
{
  const char *nm = in->def->name;
  size_t n = in->n_args;
  switch (in->def->kind)
    {
    case DOCK_DF_FROM:
      if (n == 3 && strcasecmp (in->args[1], "as") == 0)
        {
          cleanup_free char *lower = xstrdup (in->args[2]);
          for (char *p = lower; *p; p++)
            *p = (char) tolower ((unsigned char) *p);
          if (!valid_stage_name (lower))
            return berth_fail (err, 0,
                               "invalid name for build stage: \"%s\", name can't start with a number or contain symbols",
                               lower);
          in->stage_name = steal_pointer (&lower);
          return 0;
        }
      if (n != 1)
        return berth_fail (err, 0, "FROM requires either one or three arguments");
      return 0;
    case DOCK_DF_RUN:
      {
        const char *net = dock_df_flag_get (in, "network");
        if (net && strcmp (net, "default") != 0 && strcmp (net, "none") != 0 && strcmp (net, "host") != 0)
          return berth_fail (err, 0, "unsupported network mode \"%s\"", net);
        if (n == 0 && in->n_heredocs == 0)
          return berth_fail (err, 0, "RUN requires at least one argument");
        return 0;
      }
    case DOCK_DF_ADD:
    case DOCK_DF_COPY:
      if (n < 2)
        return berth_fail (err, 0, "%s requires at least two arguments, but only one was provided. Destination could not be determined",
                           nm);
      return 0;
    case DOCK_DF_SHELL:
      if (!in->json)
        return berth_fail (err, 0, "SHELL requires the arguments to be in JSON form");
      if (n == 0)
        return berth_fail (err, 0, "SHELL requires at least one argument");
      return 0;
    case DOCK_DF_ENV:
    case DOCK_DF_LABEL:
    case DOCK_DF_ARG:
      if (in->n_kvs == 0)
        return berth_fail (err, 0, "%s requires at least one argument", nm);
      for (size_t i = 0; i < in->n_kvs; i++)
        if (!*in->kvs[i].key)
          return berth_fail (err, 0, "%s names can not be blank", nm);
      return 0;
    case DOCK_DF_EXPOSE:
      if (n == 0)
        return berth_fail (err, 0, "EXPOSE requires at least one argument");
      return 0;
    case DOCK_DF_VOLUME:
      if (n == 0)
        return berth_fail (err, 0, "VOLUME requires at least one argument");
      for (size_t i = 0; i < n; i++)
        if (!*skip_ws (in->args[i]))
          return berth_fail (err, 0, "VOLUME specified can not be an empty string");
      return 0;
    case DOCK_DF_MAINTAINER:
    case DOCK_DF_USER:
    case DOCK_DF_WORKDIR:
    case DOCK_DF_STOPSIGNAL:
      if (n != 1)
        return berth_fail (err, 0, "%s requires exactly one argument", nm);
      return 0;
    case DOCK_DF_ONBUILD:
      {
        if (!in->sub)
          return berth_fail (err, 0, "ONBUILD requires at least one argument");
        dock_df_kind k = in->sub->def->kind;
        if (k == DOCK_DF_ONBUILD)
          return berth_fail (err, 0, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (k == DOCK_DF_FROM || k == DOCK_DF_MAINTAINER)
          return berth_fail (err, 0, "%s isn't allowed as an ONBUILD trigger", in->sub->def->name);
        return 0;
      }
    case DOCK_DF_HEALTHCHECK:
    case DOCK_DF_CMD:
    case DOCK_DF_ENTRYPOINT:
    case DOCK_DF_N_KINDS:
      return 0;
    }
  return 0;
}

/* One logical line -> an instruction (buildkit's newNodeFromLine and the
   instruction's own checks). */
static int
node_from_line (const parse_ctx *c, const char *line, dock_df_instr **out, berth_error **err)
{
  const char *p = skip_ws (line), *e = p;
  while (*e && !is_ws (*e))
    e++;
  const dock_df_def *def = dock_df_lookup (p, e - p);
  if (!def)
    {
      cleanup_free char *upper = xstrndup (p, e - p);
      for (char *q = upper; *q; q++)
        *q = (char) toupper ((unsigned char) *q);
      return berth_fail (err, 0, "unknown instruction: %s", upper);
    }
  cleanup_free char *trimmed = trim_dup (line, strlen (line));
  cleanup_instr dock_df_instr *in = new_instr (def, trimmed);
  cleanup_dstrv dock_strv flags = { 0 };
  cleanup_free char *rest_owned = trim_dup (e, strlen (e));
  const char *rest = rest_owned;
  if (def->form != DOCK_DF_FORM_SUB)
    rest = extract_flags (rest, &flags);
  if (check_flags (in, flags.v, err) < 0)
    return -1;
  switch (def->form)
    {
    case DOCK_DF_FORM_WORDS:
      in->args = split_ws (rest, &in->n_args);
      break;
    case DOCK_DF_FORM_STRING:
      if (*rest)
        {
          in->args = xcalloc (2, sizeof (char *));
          in->args[0] = xstrdup (rest);
          in->n_args = 1;
        }
      else
        in->args = xcalloc (1, sizeof (char *));
      break;
    case DOCK_DF_FORM_EXEC_SHELL:
    case DOCK_DF_FORM_EXEC_WORDS:
      if (form_exec (in, rest, def->form == DOCK_DF_FORM_EXEC_SHELL, err) < 0)
        return -1;
      break;
    case DOCK_DF_FORM_KEY_VALUE:
      if (form_key_value (c, in, rest, err) < 0)
        return -1;
      break;
    case DOCK_DF_FORM_NAMES:
      form_names (c, in, rest);
      break;
    case DOCK_DF_FORM_SUB:
      if (*rest)
        {
          in->args = xcalloc (2, sizeof (char *));
          in->args[0] = xstrdup (rest);
          in->n_args = 1;
          if (node_from_line (c, rest, &in->sub, err) < 0)
            return -1;
          /* A trigger has no heredocs: check it now (RUN/COPY/ADD wait for theirs). */
          if (in->sub->def->heredocs && check_instr (in->sub, err) < 0)
            return -1;
        }
      break;
    case DOCK_DF_FORM_HEALTH:
      if (!*rest)
        return berth_fail (err, 0, "HEALTHCHECK requires at least one argument");
      if (form_health (in, rest, err) < 0)
        return -1;
      break;
    }
  if (!in->args)
    in->args = xcalloc (1, sizeof (char *));
  /* Heredocs are checked with the instruction, once they are read. */
  if (!def->heredocs && check_instr (in, err) < 0)
    return -1;
  *out = steal_pointer (&in);
  return 0;
}

/* ---------------------------------------------------------------- heredocs */

/* buildkit's heredocsFromLine: the line split into words with quotes and
   escapes kept; each word of the shape [fd]<<[-]WORD is a heredoc. */
static int
heredocs_from_line (const char *line, dock_df_instr *in, berth_error **err)
{
  dock_expand_opts raw = { .escape = '\\', .raw_quotes = true, .raw_escapes = true, .skip_unset = true };
  cleanup_strv char **words = NULL;
  cleanup_error berth_error *lexerr = NULL;
  if (dock_expand_words (&raw, line, &words, NULL, &lexerr) < 0)
    return 0; /* not lexable as words: no heredocs (the shell sees the line) */
  for (size_t i = 0; words[i]; i++)
    {
      const char *w = words[i];
      unsigned fd = 0;
      while (isdigit ((unsigned char) *w))
        fd = fd * 10 + (unsigned) (*w++ - '0');
      if (strncmp (w, "<<", 2) != 0)
        continue;
      w += 2;
      bool chomp = *w == '-';
      if (chomp)
        w++;
      if (!*w || strchr (w, '<'))
        continue;
      dock_expand_opts plain = { .escape = '\\', .skip_unset = true };
      cleanup_strv char **cooked = NULL, **rawq = NULL;
      size_t nc, nr;
      if (dock_expand_words (&plain, w, &cooked, &nc, &lexerr) < 0 || nc != 1)
        continue;
      raw.raw_escapes = false;
      int rc = dock_expand_words (&raw, w, &rawq, &nr, &lexerr);
      raw.raw_escapes = true;
      if (rc < 0 || nr != 1)
        return berth_fail (err, 0, "internal lexing of heredoc produced inconsistent results: %s", w);
      size_t q1 = 0, q2 = 0;
      for (const char *p = cooked[0]; *p; p++)
        q1 += *p == '\'' || *p == '"';
      for (const char *p = rawq[0]; *p; p++)
        q2 += *p == '\'' || *p == '"';
      in->heredocs = xrealloc (in->heredocs, (in->n_heredocs + 1) * sizeof *in->heredocs);
      in->heredocs[in->n_heredocs] = (dock_df_heredoc) {
        .name = xstrdup (cooked[0]), .content = NULL, .expand = q1 == q2, .chomp = chomp, .fd = fd,
      };
      in->n_heredocs++;
    }
  return 0;
}

/* ------------------------------------------------------------------- lines */

typedef struct
{
  const char *buf;
  size_t len, pos;
  int lineno;
} line_reader;

/* The next line without its newline (and \r), or NULL at the end. */
static char *
read_line (line_reader *r)
{
  if (r->pos >= r->len)
    return NULL;
  const char *s = r->buf + r->pos;
  const char *nl = memchr (s, '\n', r->len - r->pos);
  size_t n = nl ? (size_t) (nl - s) : r->len - r->pos;
  r->pos += n + (nl ? 1 : 0);
  if (n && s[n - 1] == '\r')
    n--;
  if (r->lineno == 0 && n >= 3 && memcmp (s, "\xef\xbb\xbf", 3) == 0)
    s += 3, n -= 3;
  r->lineno++;
  return xstrndup (s, n);
}

static bool
is_comment (const char *line)
{
  return *skip_ws (line) == '#';
}

static bool
is_blank (const char *line)
{
  return *skip_ws (line) == '\0';
}

/* A line ending with the escape character (and spaces or tabs after it)
   continues on the next: the escape char is cut off. */
static bool
cut_continuation (char *line, char esc)
{
  size_t n = strlen (line);
  while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
    n--;
  if (n && line[n - 1] == esc)
    {
      line[n - 1] = '\0';
      return true;
    }
  return false;
}

typedef struct
{
  bool done;
  bool seen_escape, seen_syntax, seen_check;
} directives;

/* A parser directive "# name = value": only at the top, before any other
   comment, blank line or instruction; an unknown name ends them too. */
static int
directive (directives *d, dock_dockerfile *df, const char *line, berth_error **err)
{
  if (d->done)
    return 0;
  const char *p = skip_ws (line);
  if (*p != '#')
    {
      d->done = true;
      return 0;
    }
  p++;
  while (*p == ' ' || *p == '\t')
    p++;
  const char *k = p;
  if (!isalpha ((unsigned char) *p))
    {
      d->done = true;
      return 0;
    }
  while (isalnum ((unsigned char) *p))
    p++;
  size_t klen = p - k;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '=')
    {
      d->done = true;
      return 0;
    }
  p++;
  while (*p == ' ' || *p == '\t')
    p++;
  size_t vlen = strlen (p);
  while (vlen && (p[vlen - 1] == ' ' || p[vlen - 1] == '\t'))
    vlen--;
  if (vlen == 0)
    {
      d->done = true;
      return 0;
    }
  bool *seen;
  char **slot = NULL;
  if (klen == 6 && strncasecmp (k, "escape", 6) == 0)
    seen = &d->seen_escape;
  else if (klen == 6 && strncasecmp (k, "syntax", 6) == 0)
    seen = &d->seen_syntax, slot = &df->syntax;
  else if (klen == 5 && strncasecmp (k, "check", 5) == 0)
    seen = &d->seen_check, slot = &df->check;
  else
    {
      d->done = true;
      return 0;
    }
  cleanup_free char *key = xstrndup (k, klen);
  for (char *q = key; *q; q++)
    *q = (char) tolower ((unsigned char) *q);
  if (*seen)
    return berth_fail (err, 0, "only one %s parser directive can be used", key);
  *seen = true;
  if (slot)
    *slot = xstrndup (p, vlen);
  else
    {
      if (vlen != 1 || (*p != '\\' && *p != '`'))
        return berth_fail (err, 0, "invalid escape token '%.*s' does not match ` or \\", (int) vlen, p);
      df->escape = *p;
    }
  return 0;
}

static void
warn (const parse_ctx *c, int line, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *m = NULL;
  if (vasprintf (&m, fmt, ap) < 0)
    abort ();
  va_end (ap);
  dock_strv_push (c->warnings, xasprintf ("%s:%d: %s", c->name, line, m));
}

static int
read_heredocs (line_reader *r, dock_df_instr *in, int start, berth_error **err, int *err_line)
{
  for (size_t i = 0; i < in->n_heredocs; i++)
    {
      dock_df_heredoc *h = &in->heredocs[i];
      cleanup_sb dock_sb content = { 0 };
      bool terminated = false;
      char *l;
      while ((l = read_line (r)))
        {
          cleanup_free char *line = l;
          const char *cand = line;
          if (h->chomp)
            while (*cand == '\t')
              cand++;
          if (strcmp (cand, h->name) == 0)
            {
              terminated = true;
              break;
            }
          dock_sb_adds (&content, h->chomp ? cand : line);
          dock_sb_addc (&content, '\n');
        }
      if (!terminated)
        {
          *err_line = start;
          return berth_fail (err, 0, "unterminated heredoc");
        }
      h->content = dock_sb_take (&content);
    }
  return 0;
}

int
dock_dockerfile_parse (const char *buf, size_t len, const char *name, dock_dockerfile **out, int *err_line,
                       berth_error **err)
{
  int dummy;
  if (!err_line)
    err_line = &dummy;
  *err_line = 0;
  if (memchr (buf, '\0', len))
    return berth_fail (err, 0, "%s: the file holds a NUL byte: not a Dockerfile", name);
  dock_dockerfile *df = xcalloc (1, sizeof *df);
  df->escape = '\\';
  dock_strv warnings = { 0 }, none = { 0 };
  (void) none;
  parse_ctx c = { .esc = '\\', .name = name, .warnings = &warnings };
  line_reader r = { .buf = buf, .len = len };
  directives d = { 0 };
  int rc = -1, at = 0;
  char *l;
  while ((l = read_line (&r)))
    {
      cleanup_free char *first = l;
      at = r.lineno;
      if (directive (&d, df, first, err) < 0)
        goto fail;
      c.esc = df->escape;
      if (is_comment (first) || is_blank (first))
        continue;
      int start = r.lineno;
      cleanup_sb dock_sb logical = { 0 };
      /* Leading white space of the first line goes; a continuation line is
         kept as written (so "RUN a \\\n  b" keeps the spaces before b). */
      char *t = (char *) skip_ws (first);
      bool more = cut_continuation (t, c.esc);
      dock_sb_adds (&logical, t);
      bool empty_cont = false;
      while (more && (l = read_line (&r)))
        {
          cleanup_free char *cont = l;
          if (is_comment (cont))
            continue;
          if (is_blank (cont))
            {
              empty_cont = true;
              continue;
            }
          more = cut_continuation (cont, c.esc);
          dock_sb_adds (&logical, cont);
        }
      if (empty_cont)
        warn (&c, start, "Empty continuation line found in: %s", logical.s);
      if (is_blank (logical.s))
        continue;
      dock_df_instr *in = NULL;
      if (node_from_line (&c, logical.s, &in, err) < 0)
        {
          at = start;
          goto fail;
        }
      df->instrs = xrealloc (df->instrs, (df->n_instrs + 1) * sizeof *df->instrs);
      df->instrs[df->n_instrs++] = in;
      in->line = start;
      if (in->def->heredocs && strstr (logical.s, "<<"))
        {
          if (heredocs_from_line (logical.s, in, err) < 0 || read_heredocs (&r, in, start, err, &at) < 0)
            {
              at = start;
              goto fail;
            }
        }
      in->end_line = r.lineno;
      if (in->def->heredocs && check_instr (in, err) < 0)
        {
          at = start;
          goto fail;
        }
    }
  for (size_t i = 0; i < df->n_instrs; i++)
    for (size_t k = 0; k < i && df->instrs[i]->stage_name; k++)
      if (df->instrs[k]->stage_name && strcmp (df->instrs[k]->stage_name, df->instrs[i]->stage_name) == 0)
        {
          at = df->instrs[i]->line;
          berth_fail (err, 0, "duplicate stage name \"%s\" (first on line %d)", df->instrs[i]->stage_name,
                      df->instrs[k]->line);
          goto fail;
        }
  df->n_warnings = warnings.len;
  df->warnings = dock_strv_take (&warnings);
  *out = df;
  return 0;

fail:
  *err_line = at;
  berth_error_wrap (err, "%s:%d", name, at);
  dock_strv_free (&warnings);
  dock_dockerfile_free (df);
  return rc;
}
