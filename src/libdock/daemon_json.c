/* daemon.json: each key docker's dockerd knows and dock uses, read by one
   table; any other key is an error naming it, so that a typo never passes
   silently. */
#include "config.h"

#include "libdock/daemon_json.h"
#include "libberth/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* daemon.json is small; a cap keeps a wrong path (a disk image) harmless. */
#define DAEMON_JSON_MAX (1 << 20)

typedef int (*key_reader) (dock_config *cfg, const oci_json *v, const char *key, berth_error **err);

static int
read_string (const oci_json *v, const char *key, char **out, berth_error **err)
{
  if (v->kind != OCI_JSON_STRING)
    return berth_fail (err, 0, "%s: expected a string", key);
  free (*out);
  *out = xstrdup (v->text);
  return 0;
}

static int
read_strings (const oci_json *v, const char *key, char ***out, berth_error **err)
{
  if (v->kind != OCI_JSON_ARRAY)
    return berth_fail (err, 0, "%s: expected an array of strings", key);
  char **list = xcalloc (v->len + 1, sizeof *list);
  for (size_t i = 0; i < v->len; i++)
    {
      if (v->items[i]->kind != OCI_JSON_STRING)
        {
          strv_free (list);
          return berth_fail (err, 0, "%s: expected an array of strings", key);
        }
      list[i] = xstrdup (v->items[i]->text);
    }
  strv_free (*out);
  *out = list;
  return 0;
}

static int
key_data_root (dock_config *cfg, const oci_json *v, const char *key, berth_error **err)
{
  if (read_string (v, key, &cfg->root, err) < 0)
    return -1;
  if (cfg->root[0] != '/')
    return berth_fail (err, 0, "%s: must be an absolute path", key);
  return 0;
}

static int
key_mirrors (dock_config *cfg, const oci_json *v, const char *key, berth_error **err)
{
  return read_strings (v, key, &cfg->registry_mirrors, err);
}

static int
key_insecure (dock_config *cfg, const oci_json *v, const char *key, berth_error **err)
{
  return read_strings (v, key, &cfg->insecure_registries, err);
}

static int
key_log_driver (dock_config *cfg, const oci_json *v, const char *key, berth_error **err)
{
  return read_string (v, key, &cfg->log_driver, err);
}

static int
key_storage_driver (dock_config *cfg, const oci_json *v, const char *key, berth_error **err)
{
  return read_string (v, key, &cfg->storage_driver, err);
}

static int
json_int (const oci_json *v, long long *out)
{
  if (v == NULL || v->kind != OCI_JSON_NUMBER)
    return -1;
  char *end;
  errno = 0;
  *out = strtoll (v->text, &end, 10);
  return errno || *end ? -1 : 0;
}

/* "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 4096}} */
static int
key_ulimits (dock_config *cfg, const oci_json *v, const char *key, berth_error **err)
{
  if (v->kind != OCI_JSON_OBJECT)
    return berth_fail (err, 0, "%s: expected an object", key);
  cfg->default_ulimits = xcalloc (v->len ? v->len : 1, sizeof *cfg->default_ulimits);
  for (size_t i = 0; i < v->len; i++)
    {
      const oci_json *u = v->items[i];
      dock_ulimit *d = &cfg->default_ulimits[cfg->n_default_ulimits++];
      d->name = xstrdup (v->keys[i]);
      if (u->kind != OCI_JSON_OBJECT || json_int (oci_json_get (u, "Soft"), &d->soft) < 0
          || json_int (oci_json_get (u, "Hard"), &d->hard) < 0)
        return berth_fail (err, 0, "%s: %s: expected {\"Name\": ..., \"Soft\": N, \"Hard\": N}", key, v->keys[i]);
    }
  return 0;
}

static const struct
{
  const char *key;
  key_reader read;
} daemon_keys[] = {
  { "data-root", key_data_root },
  { "default-ulimits", key_ulimits },
  { "insecure-registries", key_insecure },
  { "log-driver", key_log_driver },
  { "registry-mirrors", key_mirrors },
  { "storage-driver", key_storage_driver },
};

static int
parse_daemon_json (dock_config *cfg, const char *buf, size_t len, berth_error **err)
{
  char *perr = NULL;
  oci_json *doc = oci_json_parse (buf, len, &perr);
  if (doc == NULL)
    return berth_fail_take (err, 0, perr);
  int r = 0;
  if (doc->kind != OCI_JSON_OBJECT)
    r = berth_fail (err, 0, "expected a JSON object");
  for (size_t i = 0; r == 0 && i < doc->len; i++)
    {
      size_t k;
      for (k = 0; k < ARRAY_SIZE (daemon_keys); k++)
        if (strcmp (daemon_keys[k].key, doc->keys[i]) == 0)
          break;
      if (k == ARRAY_SIZE (daemon_keys))
        r = berth_fail (err, 0, "unknown key \"%s\"", doc->keys[i]);
      else
        r = daemon_keys[k].read (cfg, doc->items[i], doc->keys[i], err);
    }
  oci_json_free (doc);
  return r;
}

int
dock_config_load (const char *path, const char *root, dock_config **out, berth_error **err)
{
  bool must_exist = path != NULL;
  if (path == NULL)
    {
      path = getenv ("DOCK_DAEMON_JSON");
      must_exist = path && *path;
      if (!must_exist)
        path = DOCK_DEFAULT_DAEMON_JSON;
    }
  dock_config *cfg = xcalloc (1, sizeof *cfg);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && (errno != ENOENT || must_exist))
    {
      dock_config_free (cfg);
      return berth_fail_errno (err, "%s", path);
    }
  if (fd >= 0)
    {
      cleanup_free char *buf = NULL;
      size_t len = 0;
      struct stat st;
      if (fstat (fd, &st) == 0 && (!S_ISREG (st.st_mode) || st.st_size > DAEMON_JSON_MAX))
        {
          dock_config_free (cfg);
          return berth_fail (err, 0, "%s: not a regular file of at most %d bytes", path, DAEMON_JSON_MAX);
        }
      if (read_all_fd (fd, &buf, &len, err) < 0 || parse_daemon_json (cfg, buf, len, err) < 0)
        {
          dock_config_free (cfg);
          return berth_error_wrap (err, "%s", path);
        }
      cfg->source = xstrdup (path);
    }
  if (root)
    {
      free (cfg->root);
      cfg->root = xstrdup (root);
    }
  if (cfg->root == NULL)
    cfg->root = xstrdup (DOCK_DEFAULT_ROOT);
  cfg->run_root = xstrdup (DOCK_DEFAULT_RUN_ROOT);
  if (cfg->log_driver == NULL)
    cfg->log_driver = xstrdup ("json-file");
  *out = cfg;
  return 0;
}

void
dock_config_free (dock_config *cfg)
{
  if (cfg == NULL)
    return;
  free (cfg->root);
  free (cfg->run_root);
  strv_free (cfg->registry_mirrors);
  strv_free (cfg->insecure_registries);
  free (cfg->log_driver);
  free (cfg->storage_driver);
  for (size_t i = 0; i < cfg->n_default_ulimits; i++)
    free (cfg->default_ulimits[i].name);
  free (cfg->default_ulimits);
  free (cfg->source);
  free (cfg);
}
