#include "config.h"

#include "changes.h"
#include "libberth/util.h"
#include "schema.h"

#include <ctype.h>
#include <string.h>

static oci_json *
object_member (oci_json *obj, const char *key)
{
  oci_json *v = oci_json_get (obj, key);
  if (v == NULL || v->kind != OCI_JSON_OBJECT)
    {
      v = oci_json_new (OCI_JSON_OBJECT);
      oci_json_set (obj, key, v);
    }
  return v;
}

/* JSON form ["a", "b"] or shell form (-> ["/bin/sh", "-c", "..."]). */
static int
command_value (const char *arg, bool shell_form_ok, oci_json **out, berth_error **err)
{
  if (*arg == '[')
    {
      char *perr = NULL;
      oci_json *v = oci_json_parse (arg, strlen (arg), &perr);
      free (perr);
      bool ok = v && v->kind == OCI_JSON_ARRAY;
      for (size_t i = 0; ok && i < v->len; i++)
        ok = v->items[i]->kind == OCI_JSON_STRING;
      if (ok)
        {
          *out = v;
          return 0;
        }
      oci_json_free (v);
    }
  if (!shell_form_ok)
    return berth_fail (err, 0, "expected a JSON array of strings: %s", arg);
  oci_json *v = oci_json_new (OCI_JSON_ARRAY);
  oci_json_append (v, NULL, oci_json_new_string ("/bin/sh", 7));
  oci_json_append (v, NULL, oci_json_new_string ("-c", 2));
  oci_json_append (v, NULL, oci_json_new_string (arg, strlen (arg)));
  *out = v;
  return 0;
}

/* Split "a=b c=\"d e\"" or the legacy "a b c" (one pair) into pairs. */
static int
pairs (const char *arg, const char *what, char ***keys, char ***values, berth_error **err)
{
  size_t nk = 0, nv = 0;
  *keys = xcalloc (1, sizeof **keys);
  *values = xcalloc (1, sizeof **values);
  const char *sp = arg + strcspn (arg, " \t");
  const char *eq = strchr (arg, '=');
  if (eq == NULL || eq > sp)
    {
      /* Legacy form: the first word is the key, the rest the value. */
      if (*sp == '\0')
        return berth_fail (err, 0, "%s needs key=value or key value: %s", what, arg);
      cleanup_free char *k = xstrndup (arg, (size_t) (sp - arg));
      while (isspace ((unsigned char) *sp))
        sp++;
      oci_strv_append (keys, &nk, k);
      oci_strv_append (values, &nv, sp);
      return 0;
    }
  const char *p = arg;
  while (*p)
    {
      while (isspace ((unsigned char) *p))
        p++;
      if (*p == '\0')
        break;
      const char *e = strchr (p, '=');
      if (e == NULL)
        return berth_fail (err, 0, "%s needs key=value: %s", what, p);
      cleanup_free char *k = xstrndup (p, (size_t) (e - p));
      p = e + 1;
      char *val = xmalloc (strlen (p) + 1);
      size_t n = 0;
      char quote = 0;
      for (; *p && (quote || !isspace ((unsigned char) *p)); p++)
        {
          if (!quote && (*p == '"' || *p == '\''))
            quote = *p;
          else if (quote && *p == quote)
            quote = 0;
          else if (*p == '\\' && p[1] && quote != '\'')
            val[n++] = *++p;
          else
            val[n++] = *p;
        }
      val[n] = '\0';
      oci_strv_append (keys, &nk, k);
      oci_strv_append (values, &nv, val);
      free (val);
    }
  return 0;
}

static int
change_env (oci_json *config, const char *arg, berth_error **err)
{
  cleanup_strv char **keys = NULL;
  cleanup_strv char **values = NULL;
  if (pairs (arg, "ENV", &keys, &values, err) < 0)
    return -1;
  oci_json *env = oci_json_get (config, "Env");
  if (env == NULL || env->kind != OCI_JSON_ARRAY)
    {
      env = oci_json_new (OCI_JSON_ARRAY);
      oci_json_set (config, "Env", env);
    }
  for (size_t i = 0; keys[i]; i++)
    {
      cleanup_free char *entry = xasprintf ("%s=%s", keys[i], values[i]);
      size_t klen = strlen (keys[i]);
      size_t j;
      for (j = 0; j < env->len; j++)
        if (env->items[j]->kind == OCI_JSON_STRING && strncmp (env->items[j]->text, keys[i], klen) == 0
            && env->items[j]->text[klen] == '=')
          break;
      oci_json *v = oci_json_new_string (entry, strlen (entry));
      if (j < env->len)
        {
          oci_json_free (env->items[j]);
          env->items[j] = v;
        }
      else
        oci_json_append (env, NULL, v);
    }
  return 0;
}

static int
change_label (oci_json *config, const char *arg, berth_error **err)
{
  cleanup_strv char **keys = NULL;
  cleanup_strv char **values = NULL;
  if (pairs (arg, "LABEL", &keys, &values, err) < 0)
    return -1;
  oci_json *labels = object_member (config, "Labels");
  for (size_t i = 0; keys[i]; i++)
    oci_json_set (labels, keys[i], oci_json_new_string (values[i], strlen (values[i])));
  return 0;
}

/* EXPOSE 80 443/udp -> ExposedPorts {"80/tcp": {}, "443/udp": {}} */
static int
change_expose (oci_json *config, const char *arg, berth_error **err)
{
  oci_json *ports = object_member (config, "ExposedPorts");
  for (const char *p = arg; *p;)
    {
      while (isspace ((unsigned char) *p))
        p++;
      size_t n = strcspn (p, " \t");
      if (n == 0)
        break;
      cleanup_free char *word = xstrndup (p, n);
      p += n;
      size_t digits = strspn (word, "0123456789-");
      if (digits == 0 || (word[digits] && strcmp (word + digits, "/tcp") && strcmp (word + digits, "/udp")
                          && strcmp (word + digits, "/sctp")))
        return berth_fail (err, 0, "invalid port for EXPOSE: %s", word);
      cleanup_free char *key = word[digits] ? xstrdup (word) : xasprintf ("%s/tcp", word);
      oci_json_set (ports, key, oci_json_new (OCI_JSON_OBJECT));
    }
  return 0;
}

static int
change_volume (oci_json *config, const char *arg, berth_error **err)
{
  oci_json *vols = object_member (config, "Volumes");
  oci_json *list = NULL;
  if (command_value (arg, false, &list, NULL) == 0)
    {
      for (size_t i = 0; i < list->len; i++)
        oci_json_set (vols, list->items[i]->text, oci_json_new (OCI_JSON_OBJECT));
      oci_json_free (list);
      return 0;
    }
  for (const char *p = arg; *p;)
    {
      while (isspace ((unsigned char) *p))
        p++;
      size_t n = strcspn (p, " \t");
      if (n == 0)
        break;
      cleanup_free char *path = xstrndup (p, n);
      oci_json_set (vols, path, oci_json_new (OCI_JSON_OBJECT));
      p += n;
    }
  return 0;
}

typedef int (*change_fn) (oci_json *config, const char *arg, berth_error **err);

static int
change_cmd (oci_json *config, const char *arg, berth_error **err)
{
  oci_json *v;
  if (command_value (arg, true, &v, err) < 0)
    return -1;
  oci_json_set (config, "Cmd", v);
  return 0;
}

static int
change_entrypoint (oci_json *config, const char *arg, berth_error **err)
{
  oci_json *v;
  if (command_value (arg, true, &v, err) < 0)
    return -1;
  oci_json_set (config, "Entrypoint", v);
  return 0;
}

static int
change_string (oci_json *config, const char *key, const char *arg)
{
  oci_json_set (config, key, oci_json_new_string (arg, strlen (arg)));
  return 0;
}

static int
change_user (oci_json *config, const char *arg, berth_error **err)
{
  return change_string (config, "User", arg);
}

static int
change_workdir (oci_json *config, const char *arg, berth_error **err)
{
  return change_string (config, "WorkingDir", arg);
}

static int
change_stopsignal (oci_json *config, const char *arg, berth_error **err)
{
  return change_string (config, "StopSignal", arg);
}

static int
change_onbuild (oci_json *config, const char *arg, berth_error **err)
{
  oci_json *v = oci_json_get (config, "OnBuild");
  if (v == NULL || v->kind != OCI_JSON_ARRAY)
    {
      v = oci_json_new (OCI_JSON_ARRAY);
      oci_json_set (config, "OnBuild", v);
    }
  oci_json_append (v, NULL, oci_json_new_string (arg, strlen (arg)));
  return 0;
}

static const struct
{
  const char *name;
  change_fn apply;
} changes[] = {
  { "CMD", change_cmd },         { "ENTRYPOINT", change_entrypoint }, { "ENV", change_env },
  { "EXPOSE", change_expose },   { "LABEL", change_label },           { "ONBUILD", change_onbuild },
  { "STOPSIGNAL", change_stopsignal }, { "USER", change_user },       { "VOLUME", change_volume },
  { "WORKDIR", change_workdir },
};

int
dock_apply_change (oci_json *config, const char *change, berth_error **err)
{
  while (isspace ((unsigned char) *change))
    change++;
  size_t n = strcspn (change, " \t");
  const char *arg = change + n;
  while (isspace ((unsigned char) *arg))
    arg++;
  for (size_t i = 0; i < ARRAY_SIZE (changes); i++)
    if (strlen (changes[i].name) == n && strncasecmp (change, changes[i].name, n) == 0)
      {
        if (*arg == '\0')
          return berth_fail (err, 0, "%s requires at least one argument", changes[i].name);
        return changes[i].apply (config, arg, err);
      }
  return berth_fail (err, 0, "%.*s is not a valid change command", (int) n, change);
}
