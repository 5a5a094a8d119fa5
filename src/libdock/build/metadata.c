/* The metadata instructions applied to an image config (see metadata.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "metadata.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dockerignore.h"
#include "libberth/util.h"
#include "strbuf.h"

static const char *const signal_names[] = {
  "ABRT", "ALRM", "BUS",  "CHLD", "CLD",    "CONT",  "FPE",  "HUP",  "ILL",  "INT",   "IO",   "IOT",
  "KILL", "PIPE", "POLL", "PROF", "PWR",    "QUIT",  "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP",
  "TSTP", "TTIN", "TTOU", "URG",  "USR1",   "USR2",  "VTALRM", "WINCH", "XCPU", "XFSZ", "UNUSED",
};

bool
dock_valid_signal (const char *s)
{
  unsigned long long n;
  if (parse_uint64 (s, &n) == 0)
    return n > 0 && n <= 64;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < ARRAY_SIZE (signal_names); i++)
    if (strcasecmp (s, signal_names[i]) == 0)
      return true;
  /* RTMIN+n, RTMAX-n */
  if ((strncasecmp (s, "RTMIN", 5) == 0 || strncasecmp (s, "RTMAX", 5) == 0))
    {
      if (!s[5])
        return true;
      if ((s[5] == '+' || s[5] == '-') && parse_uint64 (s + 6, &n) == 0 && n <= 30)
        return true;
    }
  return false;
}

bool
dock_is_metadata_instr (const dock_df_instr *in)
{
  switch (in->def->kind)
    {
    case DOCK_DF_RUN:
    case DOCK_DF_COPY:
    case DOCK_DF_ADD:
    case DOCK_DF_FROM:
    case DOCK_DF_N_KINDS:
      return false;
    default:
      return true;
    }
}

static void
strv_set (char ***v, size_t *len, char *const *src, size_t n)
{
  strv_free (*v);
  *v = xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i < n; i++)
    (*v)[i] = xstrdup (src[i]);
  *len = n;
}

char **
dock_shell_form (const oci_image_exec_config *cfg, const char *text, size_t *n)
{
  dock_strv v = { 0 };
  if (cfg && cfg->shell && cfg->shell_len)
    for (size_t i = 0; i < cfg->shell_len; i++)
      dock_strv_push (&v, xstrdup (cfg->shell[i]));
  else
    {
      dock_strv_push (&v, xstrdup ("/bin/sh"));
      dock_strv_push (&v, xstrdup ("-c"));
    }
  dock_strv_push (&v, xstrdup (text));
  *n = v.len;
  return dock_strv_take (&v);
}

/* A MOBJ set ({"80/tcp": {}}): add key when missing. */
#define MOBJ_ADD(m, key)                                                                                              \
  do                                                                                                                  \
    {                                                                                                                 \
      size_t i_;                                                                                                      \
      for (i_ = 0; i_ < (m).len && strcmp ((m).keys[i_], (key)) != 0; i_++)                                           \
        ;                                                                                                             \
      if (i_ == (m).len)                                                                                              \
        {                                                                                                             \
          (m).keys = xrealloc ((m).keys, ((m).len + 1) * sizeof (char *));                                            \
          (m).values = xrealloc ((m).values, ((m).len + 1) * sizeof (*(m).values));                                   \
          (m).keys[(m).len] = xstrdup (key);                                                                          \
          (m).values[(m).len] = oci_image_empty_new ();                                                               \
          (m).len++;                                                                                                  \
        }                                                                                                             \
    }                                                                                                                 \
  while (0)

static int
parse_port (const char *s, unsigned long long *v)
{
  return parse_uint64 (s, v) == 0 && *v <= 65535 ? 0 : -1;
}

/* "80", "80/udp", "8000-8010/tcp" -> each port/proto, as docker's nat
   package reads an EXPOSE word. */
static int
expose (oci_image_exec_config *cfg, const char *spec, berth_error **err)
{
  cleanup_free char *copy = xstrdup (spec);
  char *proto = strchr (copy, '/');
  if (proto)
    *proto++ = '\0';
  cleanup_free char *lproto = xstrdup (proto && *proto ? proto : "tcp");
  for (char *p = lproto; *p; p++)
    *p = (char) tolower ((unsigned char) *p);
  if (strcmp (lproto, "tcp") != 0 && strcmp (lproto, "udp") != 0 && strcmp (lproto, "sctp") != 0)
    return berth_fail (err, 0, "invalid proto: %s", proto);
  if (strchr (copy, ':'))
    return berth_fail (err, 0, "invalid containerPort: %s (EXPOSE takes no host part)", copy);
  unsigned long long lo, hi;
  char *dash = strchr (copy, '-');
  if (dash)
    *dash = '\0';
  if (parse_port (copy, &lo) < 0 || (dash && parse_port (dash + 1, &hi) < 0))
    return berth_fail (err, 0, "invalid containerPort: %s", spec);
  if (!dash)
    hi = lo;
  if (hi < lo)
    return berth_fail (err, 0, "invalid range specified for container port: %s", spec);
  for (unsigned long long p = lo; p <= hi; p++)
    {
      cleanup_free char *key = xasprintf ("%llu/%s", p, lproto);
      MOBJ_ADD (cfg->exposed_ports, key);
    }
  return 0;
}

/* docker's WORKDIR: an absolute path as written; a relative one joined to
   the current directory and cleaned (filepath.Join). */
static char *
join_workdir (const char *current, const char *dir)
{
  if (dir[0] == '/')
    return xstrdup (dir);
  cleanup_free char *joined = xasprintf ("/%s/%s", current ? current : "", dir);
  return dock_clean_path (joined);
}

static int
word (dock_build_env *e, const char *in, char **out, berth_error **err)
{
  dock_expand_opts o = dock_build_env_opts (e, false);
  return dock_expand_word (&o, in, out, err);
}

static void
set_exec (oci_image_exec_config *cfg, char ***v, size_t *len, const dock_df_instr *in)
{
  if (in->json)
    {
      strv_set (v, len, in->args, in->n_args);
      return;
    }
  size_t n;
  cleanup_strv char **cmd = dock_shell_form (cfg, in->n_args ? in->args[0] : "", &n);
  strv_set (v, len, cmd, n);
}

int
dock_apply_metadata (dock_build_env *e, dock_stage_state *st, oci_image_config *img, const dock_df_instr *in,
                     berth_error **err)
{
  if (!img->config)
    img->config = oci_image_exec_config_new ();
  oci_image_exec_config *cfg = img->config;
  switch (in->def->kind)
    {
    case DOCK_DF_ENV:
      {
        if (dock_build_env_env (e, in, err) < 0)
          return -1;
        strv_free (cfg->env);
        cfg->env = dock_build_env_image_env (e, &cfg->env_len);
        return 0;
      }
    case DOCK_DF_ARG:
      return dock_build_env_arg (e, in, err);
    case DOCK_DF_LABEL:
      for (size_t i = 0; i < in->n_kvs; i++)
        {
          cleanup_free char *k = NULL, *v = NULL;
          if (word (e, in->kvs[i].key, &k, err) < 0 || word (e, in->kvs[i].value, &v, err) < 0)
            return -1;
          oci_map_set (&cfg->labels, k, v);
        }
      return 0;
    case DOCK_DF_MAINTAINER:
      free (img->author);
      img->author = xstrdup (in->args[0]);
      return 0;
    case DOCK_DF_CMD:
      set_exec (cfg, &cfg->cmd, &cfg->cmd_len, in);
      st->cmd_set = true;
      return 0;
    case DOCK_DF_ENTRYPOINT:
      set_exec (cfg, &cfg->entrypoint, &cfg->entrypoint_len, in);
      if (!st->cmd_set)
        {
          strv_free (cfg->cmd);
          cfg->cmd = NULL;
          cfg->cmd_len = 0;
        }
      return 0;
    case DOCK_DF_SHELL:
      strv_set (&cfg->shell, &cfg->shell_len, in->args, in->n_args);
      return 0;
    case DOCK_DF_EXPOSE:
      for (size_t i = 0; i < in->n_args; i++)
        {
          dock_expand_opts o = dock_build_env_opts (e, false);
          cleanup_strv char **ports = NULL;
          if (dock_expand_words (&o, in->args[i], &ports, NULL, err) < 0)
            return -1;
          for (size_t k = 0; ports[k]; k++)
            if (expose (cfg, ports[k], err) < 0)
              return -1;
        }
      return 0;
    case DOCK_DF_VOLUME:
      for (size_t i = 0; i < in->n_args; i++)
        {
          cleanup_free char *v = NULL;
          if (word (e, in->args[i], &v, err) < 0)
            return -1;
          if (!*v)
            return berth_fail (err, 0, "VOLUME specified can not be an empty string");
          MOBJ_ADD (cfg->volumes, v);
        }
      return 0;
    case DOCK_DF_WORKDIR:
      {
        cleanup_free char *v = NULL;
        if (word (e, in->args[0], &v, err) < 0)
          return -1;
        char *wd = join_workdir (cfg->working_dir, v);
        free (cfg->working_dir);
        cfg->working_dir = wd;
        return 0;
      }
    case DOCK_DF_USER:
      {
        cleanup_free char *v = NULL;
        if (word (e, in->args[0], &v, err) < 0)
          return -1;
        free (cfg->user);
        cfg->user = steal_pointer (&v);
        return 0;
      }
    case DOCK_DF_STOPSIGNAL:
      {
        cleanup_free char *v = NULL;
        if (word (e, in->args[0], &v, err) < 0)
          return -1;
        if (!dock_valid_signal (v))
          return berth_fail (err, 0, "Invalid signal: %s", v);
        free (cfg->stop_signal);
        cfg->stop_signal = steal_pointer (&v);
        return 0;
      }
    case DOCK_DF_HEALTHCHECK:
      {
        const dock_df_health *h = in->health;
        if (cfg->healthcheck)
          oci_image_healthcheck_free (cfg->healthcheck);
        oci_image_healthcheck *hc = cfg->healthcheck = oci_image_healthcheck_new ();
        strv_set (&hc->test, &hc->test_len, h->test, h->n_test);
        if (h->none)
          return 0;
        const struct
        {
          int64_t v;
          int64_t *dst;
          bool *present;
        } d[] = {
          { h->interval, &hc->interval, &hc->interval_present },
          { h->timeout, &hc->timeout, &hc->timeout_present },
          { h->start_period, &hc->start_period, &hc->start_period_present },
          { h->start_interval, &hc->start_interval, &hc->start_interval_present },
        };
        for (size_t i = 0; i < ARRAY_SIZE (d); i++)
          if (d[i].v)
            *d[i].dst = d[i].v, *d[i].present = true;
        if (h->retries)
          hc->retries = h->retries, hc->retries_present = true;
        return 0;
      }
    case DOCK_DF_ONBUILD:
      oci_strv_append (&cfg->on_build, &cfg->on_build_len, in->args[0]);
      return 0;
    default:
      return berth_fail (err, 0, "%s is not a metadata instruction", in->def->name);
    }
}
