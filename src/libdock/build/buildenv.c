/* Build arguments and environment scoping (see buildenv.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "buildenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"
#include "strbuf.h"

typedef struct
{
  char *name;
  char *value; /* NULL: declared without a value */
  bool used;   /* build args: some ARG declared it */
} var;

typedef struct
{
  var *v;
  size_t len;
} vars;

struct dock_build_env
{
  char escape;
  bool in_stage;
  vars build_args; /* --build-arg */
  vars automatic;  /* TARGETPLATFORM ... */
  vars globals;    /* ARGs before the first FROM (and the automatic ones) */
  vars stage_args; /* ARGs of the current stage */
  vars env;        /* ENV of the current stage, in order */
};

static const char *const proxy_args[] = {
  "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
  "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy",
};

static bool
is_proxy_arg (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (proxy_args); i++)
    if (strcmp (proxy_args[i], name) == 0)
      return true;
  return false;
}

static var *
find (vars *vs, const char *name, size_t len)
{
  for (size_t i = 0; i < vs->len; i++)
    if (strlen (vs->v[i].name) == len && memcmp (vs->v[i].name, name, len) == 0)
      return &vs->v[i];
  return NULL;
}

static void
set (vars *vs, const char *name, const char *value)
{
  var *x = find (vs, name, strlen (name));
  if (!x)
    {
      vs->v = xrealloc (vs->v, (vs->len + 1) * sizeof *vs->v);
      x = &vs->v[vs->len++];
      *x = (var) { .name = xstrdup (name) };
    }
  else
    free (x->value);
  x->value = value ? xstrdup (value) : NULL;
}

static void
clear (vars *vs)
{
  for (size_t i = 0; i < vs->len; i++)
    free (vs->v[i].name), free (vs->v[i].value);
  free (vs->v);
  vs->v = NULL;
  vs->len = 0;
}

dock_build_env *
dock_build_env_new (char escape)
{
  dock_build_env *e = xcalloc (1, sizeof *e);
  e->escape = escape ? escape : '\\';
  return e;
}

void
dock_build_env_free (dock_build_env *e)
{
  if (!e)
    return;
  clear (&e->build_args);
  clear (&e->automatic);
  clear (&e->globals);
  clear (&e->stage_args);
  clear (&e->env);
  free (e);
}

void
dock_build_env_set_build_arg (dock_build_env *e, const char *spec)
{
  const char *eq = strchr (spec, '=');
  if (eq)
    {
      cleanup_free char *name = xstrndup (spec, eq - spec);
      set (&e->build_args, name, eq + 1);
      return;
    }
  const char *v = getenv (spec);
  if (v)
    set (&e->build_args, spec, v);
}

void
dock_build_env_set_automatic (dock_build_env *e, const char *name, const char *value)
{
  set (&e->automatic, name, value);
  set (&e->globals, name, value);
}

static void
set_platform (dock_build_env *e, const char *prefix, const char *platform)
{
  cleanup_free char *copy = xstrdup (platform);
  char *arch = strchr (copy, '/'), *variant = NULL;
  if (arch)
    {
      *arch++ = '\0';
      variant = strchr (arch, '/');
      if (variant)
        *variant++ = '\0';
    }
  const struct
  {
    const char *suffix, *value;
  } parts[] = { { "PLATFORM", platform }, { "OS", copy }, { "ARCH", arch ? arch : "" }, { "VARIANT", variant ? variant : "" } };
  for (size_t i = 0; i < ARRAY_SIZE (parts); i++)
    {
      cleanup_free char *name = xasprintf ("%s%s", prefix, parts[i].suffix);
      dock_build_env_set_automatic (e, name, parts[i].value);
    }
}

void
dock_build_env_set_platforms (dock_build_env *e, const char *build, const char *target)
{
  set_platform (e, "BUILD", build);
  set_platform (e, "TARGET", target);
}

/* The lookup of the current scope: in a stage ENV then its ARGs; before the
   first FROM (and in FROM lines) the global ARGs. */
static const char *
lookup_stage (void *ctx, const char *name, size_t len)
{
  dock_build_env *e = ctx;
  var *x = find (&e->env, name, len);
  if (x)
    return x->value;
  x = find (&e->stage_args, name, len);
  return x ? x->value : NULL;
}

static const char *
lookup_global (void *ctx, const char *name, size_t len)
{
  dock_build_env *e = ctx;
  var *x = find (&e->globals, name, len);
  return x ? x->value : NULL;
}

dock_expand_opts
dock_build_env_opts (dock_build_env *e, bool in_from)
{
  bool global = in_from || !e->in_stage;
  return (dock_expand_opts) { .escape = e->escape, .lookup = global ? lookup_global : lookup_stage, .ctx = e };
}

const char *
dock_build_env_get (dock_build_env *e, const char *name)
{
  return e->in_stage ? lookup_stage (e, name, strlen (name)) : lookup_global (e, name, strlen (name));
}

int
dock_build_env_arg (dock_build_env *e, const dock_df_instr *arg, berth_error **err)
{
  dock_expand_opts o = dock_build_env_opts (e, false);
  for (size_t i = 0; i < arg->n_kvs; i++)
    {
      cleanup_free char *name = NULL, *def = NULL;
      if (dock_expand_word (&o, arg->kvs[i].key, &name, err) < 0)
        return -1;
      if (arg->kvs[i].value && dock_expand_word (&o, arg->kvs[i].value, &def, err) < 0)
        return -1;
      var *given = find (&e->build_args, name, strlen (name));
      const char *value = def;
      if (given)
        {
          given->used = true;
          value = given->value;
        }
      else if (!def && e->in_stage)
        {
          /* "ARG NAME" in a stage takes the global value, if any. */
          var *g = find (&e->globals, name, strlen (name));
          value = g ? g->value : NULL;
        }
      set (e->in_stage ? &e->stage_args : &e->globals, name, value);
    }
  return 0;
}

void
dock_build_env_begin_stage (dock_build_env *e, char *const *image_env, size_t n)
{
  e->in_stage = true;
  clear (&e->stage_args);
  clear (&e->env);
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (image_env[i], '=');
      cleanup_free char *name = xstrndup (image_env[i], eq ? (size_t) (eq - image_env[i]) : strlen (image_env[i]));
      set (&e->env, name, eq ? eq + 1 : "");
    }
}

/* A name set again moves to the end of Env, as buildkit's env list does
   (delete, then append). */
void
dock_build_env_set_env (dock_build_env *e, const char *name, const char *value)
{
  var *x = find (&e->env, name, strlen (name));
  if (x)
    {
      size_t i = (size_t) (x - e->env.v);
      free (x->name);
      free (x->value);
      memmove (x, x + 1, (e->env.len - i - 1) * sizeof *x);
      e->env.len--;
    }
  set (&e->env, name, value);
}

int
dock_build_env_env (dock_build_env *e, const dock_df_instr *env, berth_error **err)
{
  dock_expand_opts o = dock_build_env_opts (e, false);
  size_t n = env->n_kvs;
  cleanup_strv char **names = xcalloc (n + 1, sizeof (char *));
  cleanup_strv char **values = xcalloc (n + 1, sizeof (char *));
  /* All pairs of one ENV are expanded before any is set: "ENV A=1 B=$A"
     gives B the A from before this line, as docker does. */
  for (size_t i = 0; i < n; i++)
    if (dock_expand_word (&o, env->kvs[i].key, &names[i], err) < 0
        || dock_expand_word (&o, env->kvs[i].value ? env->kvs[i].value : "", &values[i], err) < 0)
      return -1;
  for (size_t i = 0; i < n; i++)
    dock_build_env_set_env (e, names[i], values[i]);
  return 0;
}

char **
dock_build_env_image_env (dock_build_env *e, size_t *n)
{
  dock_strv v = { 0 };
  for (size_t i = 0; i < e->env.len; i++)
    dock_strv_push (&v, xasprintf ("%s=%s", e->env.v[i].name, e->env.v[i].value ? e->env.v[i].value : ""));
  if (n)
    *n = v.len;
  return dock_strv_take (&v);
}

char **
dock_build_env_run_env (dock_build_env *e, size_t *n)
{
  dock_strv v = { 0 };
  for (size_t i = 0; i < e->env.len; i++)
    dock_strv_push (&v, xasprintf ("%s=%s", e->env.v[i].name, e->env.v[i].value ? e->env.v[i].value : ""));
  for (size_t i = 0; i < e->stage_args.len; i++)
    {
      var *a = &e->stage_args.v[i];
      if (a->value && !find (&e->env, a->name, strlen (a->name)))
        dock_strv_push (&v, xasprintf ("%s=%s", a->name, a->value));
    }
  for (size_t i = 0; i < e->build_args.len; i++)
    {
      var *b = &e->build_args.v[i];
      if (is_proxy_arg (b->name) && !find (&e->stage_args, b->name, strlen (b->name))
          && !find (&e->env, b->name, strlen (b->name)))
        dock_strv_push (&v, xasprintf ("%s=%s", b->name, b->value));
    }
  if (n)
    *n = v.len;
  return dock_strv_take (&v);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char *
dock_build_env_history_prefix (dock_build_env *e)
{
  /* The classic builder's: declared ARGs with a value that ENV does not
     shadow, sorted. */
  dock_strv pairs = { 0 };
  for (size_t i = 0; i < e->stage_args.len; i++)
    {
      var *a = &e->stage_args.v[i];
      if (a->value && !find (&e->env, a->name, strlen (a->name)))
        dock_strv_push (&pairs, xasprintf ("%s=%s", a->name, a->value));
    }
  if (!pairs.len)
    {
      dock_strv_free (&pairs);
      return xstrdup ("");
    }
  qsort (pairs.v, pairs.len, sizeof (char *), cmp_str);
  dock_sb out = { 0 };
  char count[32];
  snprintf (count, sizeof count, "|%zu", pairs.len);
  dock_sb_adds (&out, count);
  for (size_t i = 0; i < pairs.len; i++)
    {
      dock_sb_addc (&out, ' ');
      dock_sb_adds (&out, pairs.v[i]);
    }
  dock_sb_addc (&out, ' ');
  dock_strv_free (&pairs);
  return dock_sb_take (&out);
}

char **
dock_build_env_unused (dock_build_env *e, size_t *n)
{
  dock_strv v = { 0 };
  for (size_t i = 0; i < e->build_args.len; i++)
    if (!e->build_args.v[i].used && !is_proxy_arg (e->build_args.v[i].name))
      dock_strv_push (&v, xstrdup (e->build_args.v[i].name));
  if (v.len)
    qsort (v.v, v.len, sizeof (char *), cmp_str);
  if (n)
    *n = v.len;
  return dock_strv_take (&v);
}
