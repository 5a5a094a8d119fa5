/* dock ps / container ls, container inspect, rm, rename, container prune,
   diff: the container records of the store (libdock/store/containers.h),
   shown with docker's columns, JSON shapes, messages and exit codes. */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "containers_cli.h"
#include "format.h"
#include "libberth/util.h"
#include "libdock/mount/mount.h"
#include "libdock/store/containers.h"
#include "libdock/imagejson.h"
#include "libdock/template/template.h"
#include "schema.h"

/* Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped. */
static void
rfc3339nano (char *buf, size_t size, int64_t ns)
{
  time_t secs = ns / 1000000000;
  struct tm tm;
  gmtime_r (&secs, &tm);
  char frac[16] = "";
  long f = ns % 1000000000;
  if (f)
    {
      snprintf (frac, sizeof frac, ".%09ld", f);
      for (size_t i = strlen (frac) - 1; frac[i] == '0'; i--)
        frac[i] = '\0';
    }
  snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, frac);
}

static oci_json *
jstr (const char *s)
{
  return oci_json_new_string (s, s ? strlen (s) : 0);
}

#define jnum(n) oci_json_new_int ((long long) (n))
#define jbool(b) oci_json_new_bool (b)

static oci_json *
jparse (const char *text)
{
  char *perr = NULL;
  oci_json *v = oci_json_parse (text, strlen (text), &perr);
  free (perr);
  return v ? v : oci_json_new (OCI_JSON_NULL);
}

oci_json *
cli_container_json (dock_store *s, const dock_container *c, bool size)
{
  cleanup_free char *dir = dock_container_dir (s, c->id);
  char created[64];
  rfc3339nano (created, sizeof created, c->created);
  oci_json *o = oci_json_new (OCI_JSON_OBJECT);
  oci_json_set (o, "Id", jstr (c->id));
  oci_json_set (o, "Created", jstr (created));
  oci_json_set (o, "Path", jstr (c->path));
  oci_json_set (o, "Args", jparse (c->args));
  oci_json *st = oci_json_new (OCI_JSON_OBJECT);
  oci_json_set (st, "Status", jstr (c->state));
  oci_json_set (st, "Running", jbool (strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0));
  oci_json_set (st, "Paused", jbool (strcmp (c->state, "paused") == 0));
  oci_json_set (st, "Restarting", jbool (strcmp (c->state, "restarting") == 0));
  oci_json_set (st, "OOMKilled", jbool (c->oom_killed));
  oci_json_set (st, "Dead", jbool (strcmp (c->state, "dead") == 0));
  oci_json_set (st, "Pid", jnum (c->pid));
  oci_json_set (st, "ExitCode", jnum (c->exit_code));
  oci_json_set (st, "Error", jstr (c->error));
  oci_json_set (st, "StartedAt", jstr (c->started_at));
  oci_json_set (st, "FinishedAt", jstr (c->finished_at));
  oci_json_set (o, "State", st);
  oci_json_set (o, "Image", jstr (c->image_id));
  cleanup_free char *resolv = xasprintf ("%s/resolv.conf", dir), *hostname = xasprintf ("%s/hostname", dir),
                    *hosts = xasprintf ("%s/hosts", dir);
  oci_json_set (o, "ResolvConfPath", jstr (resolv));
  oci_json_set (o, "HostnamePath", jstr (hostname));
  oci_json_set (o, "HostsPath", jstr (hosts));
  oci_json_set (o, "LogPath", jstr (""));
  cleanup_free char *name = xasprintf ("/%s", c->name);
  oci_json_set (o, "Name", jstr (name));
  oci_json_set (o, "RestartCount", jnum (0));
  oci_json_set (o, "Driver", jstr (c->driver));
  oci_json_set (o, "Platform", jstr ("linux"));
  oci_json_set (o, "MountLabel", jstr (""));
  oci_json_set (o, "ProcessLabel", jstr (""));
  oci_json_set (o, "AppArmorProfile", jstr (""));
  oci_json_set (o, "ExecIDs", oci_json_new (OCI_JSON_NULL));
  oci_json_set (o, "HostConfig", jparse (c->host_config));
  if (size)
    {
      int64_t rw = dock_container_rw_size (s, c->id);
      dock_image_info img = { 0 };
      int64_t image_size = dock_image_lookup (s, c->image_id, &img, NULL) == 0 ? img.size : 0;
      dock_image_info_clear (&img);
      oci_json_set (o, "SizeRw", jnum (rw));
      oci_json_set (o, "SizeRootFs", jnum (rw + image_size));
    }
  oci_json *gd = oci_json_new (OCI_JSON_OBJECT), *data = oci_json_new (OCI_JSON_OBJECT);
  if (strcmp (c->driver, "vfs") != 0)
    {
      oci_json *lowers = jparse (c->lowers);
      size_t len = 0;
      for (size_t i = 0; lowers->kind == OCI_JSON_ARRAY && i < lowers->len; i++)
        len += lowers->items[i]->text_len + 1;
      char *joined = xcalloc (1, len + 1);
      /* overlay's order: the top layer first. */
      for (size_t i = lowers->kind == OCI_JSON_ARRAY ? lowers->len : 0; i-- > 0;)
        {
          if (*joined)
            strcat (joined, ":");
          strcat (joined, lowers->items[i]->text);
        }
      oci_json_free (lowers);
      oci_json_set (data, "LowerDir", jstr (joined));
      free (joined);
      cleanup_free char *merged = xasprintf ("%s/rootfs", dir), *upper = xasprintf ("%s/diff", dir),
                        *work = xasprintf ("%s/work", dir);
      oci_json_set (data, "MergedDir", jstr (merged));
      oci_json_set (data, "UpperDir", jstr (upper));
      oci_json_set (data, "WorkDir", jstr (work));
      oci_json_set (gd, "Data", data);
    }
  else
    {
      oci_json_free (data);
      oci_json_set (gd, "Data", oci_json_new (OCI_JSON_NULL));
    }
  oci_json_set (gd, "Name", jstr (c->driver));
  oci_json_set (o, "GraphDriver", gd);
  oci_json_set (o, "Mounts", oci_json_new (OCI_JSON_ARRAY));
  oci_json_set (o, "Config", jparse (c->config));
  /* Until dock's networks (issue 18): a private namespace with loopback only. */
  oci_json *ns = oci_json_new (OCI_JSON_OBJECT);
  oci_json_set (ns, "Bridge", jstr (""));
  oci_json_set (ns, "SandboxID", jstr (""));
  oci_json_set (ns, "SandboxKey", jstr (""));
  oci_json_set (ns, "Ports", oci_json_new (OCI_JSON_OBJECT));
  oci_json_set (ns, "Networks", oci_json_new (OCI_JSON_OBJECT));
  oci_json_set (o, "NetworkSettings", ns);
  return o;
}

/* ------------------------------------------------------------------- ps */
static const format_header ps_headers[] = {
  { "ID", "CONTAINER ID" }, { "Image", "IMAGE" },       { "Command", "COMMAND" },   { "CreatedAt", "CREATED AT" },
  { "RunningFor", "CREATED" }, { "Ports", "PORTS" },    { "State", "STATE" },       { "Status", "STATUS" },
  { "Size", "SIZE" },       { "Names", "NAMES" },       { "Labels", "LABELS" },     { "Mounts", "MOUNTS" },
  { "Networks", "NETWORKS" }, { "LocalVolumes", "LOCAL VOLUMES" }, { NULL, NULL },
};

/* Go's strconv.Quote for the ASCII controls, quotes and backslashes. */
static char *
go_quote (const char *s)
{
  size_t len = strlen (s);
  char *out = xmalloc (4 * len + 3), *p = out;
  *p++ = '"';
  for (; *s; s++)
    {
      unsigned char ch = *s;
      if (ch == '"' || ch == '\\')
        *p++ = '\\', *p++ = ch;
      else if (ch == '\n')
        *p++ = '\\', *p++ = 'n';
      else if (ch == '\t')
        *p++ = '\\', *p++ = 't';
      else if (ch < 0x20 || ch == 0x7f)
        p += sprintf (p, "\\x%02x", ch);
      else
        *p++ = ch;
    }
  *p++ = '"';
  *p = '\0';
  return out;
}

static char *
command_line (const dock_container *c)
{
  oci_json *args = jparse (c->args);
  size_t len = strlen (c->path) + 1;
  for (size_t i = 0; args->kind == OCI_JSON_ARRAY && i < args->len; i++)
    len += args->items[i]->text_len + 1;
  char *out = xcalloc (1, len);
  strcpy (out, c->path);
  for (size_t i = 0; args->kind == OCI_JSON_ARRAY && i < args->len; i++)
    strcat (strcat (out, " "), args->items[i]->text);
  oci_json_free (args);
  return out;
}

static char *
status_text (const dock_container *c)
{
  if (strcmp (c->state, "created") == 0)
    return xstrdup ("Created");
  if (strcmp (c->state, "exited") == 0)
    {
      char since[64];
      int64_t t = dock_parse_rfc3339 (c->finished_at);
      human_since (since, sizeof since, t > 0 ? t : 0);
      return xasprintf ("Exited (%lld) %s", (long long) c->exit_code, since);
    }
  if (strcmp (c->state, "dead") == 0)
    return xstrdup ("Dead");
  if (strcmp (c->state, "removing") == 0)
    return xstrdup ("Removal In Progress");
  return xstrdup (c->state);
}

static bool
label_matches (const oci_json *labels, const char *want)
{
  const char *eq = strchr (want, '=');
  cleanup_free char *key = eq ? xstrndup (want, eq - want) : xstrdup (want);
  const oci_json *v = labels ? oci_json_get (labels, key) : NULL;
  return v && (!eq || (v->kind == OCI_JSON_STRING && strcmp (v->text, eq + 1) == 0));
}

typedef struct
{
  char **status, **name, **label, **ancestor, **id, **exited;
  size_t n_status, n_name, n_label, n_ancestor, n_id, n_exited;
} ps_filters;

static const char *const states[] = { "created", "restarting", "running", "removing", "paused", "exited", "dead" };

static int
parse_filters (cli_ctx *ctx, ps_filters *f, berth_error **err)
{
  size_t n;
  char **v = cli_values (ctx, "filter", &n);
  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (v[i], '=');
      if (eq == NULL)
        return berth_fail (err, 0, "bad format of filter (expected name=value)");
      cleanup_free char *key = xstrndup (v[i], eq - v[i]);
      const char *val = eq + 1;
      struct { const char *key; char ***list; size_t *n; } keys[] = {
        { "status", &f->status, &f->n_status }, { "name", &f->name, &f->n_name },
        { "label", &f->label, &f->n_label },    { "ancestor", &f->ancestor, &f->n_ancestor },
        { "id", &f->id, &f->n_id },             { "exited", &f->exited, &f->n_exited },
      };
      size_t k = 0;
      while (k < ARRAY_SIZE (keys) && strcmp (keys[k].key, key) != 0)
        k++;
      if (k == ARRAY_SIZE (keys))
        return berth_fail (err, 0, "invalid filter '%s'", key);
      if (k == 0)
        {
          size_t s = 0;
          while (s < ARRAY_SIZE (states) && strcmp (states[s], val) != 0)
            s++;
          if (s == ARRAY_SIZE (states))
            return berth_fail (err, 0, "invalid filter 'status=%s'", val);
        }
      if (k == 5 && (*val == '\0' || strspn (val, "-0123456789") != strlen (val)))
        return berth_fail (err, 0, "invalid filter 'exited=%s'", val);
      oci_strv_append (keys[k].list, keys[k].n, val);
    }
  return 0;
}

static void
filters_clear (ps_filters *f)
{
  strv_free (f->status), strv_free (f->name), strv_free (f->label);
  strv_free (f->ancestor), strv_free (f->id), strv_free (f->exited);
}

static bool
any_of (char **list, size_t n, bool (*match) (const char *want, const void *data), const void *data)
{
  if (n == 0)
    return true;
  for (size_t i = 0; i < n; i++)
    if (match (list[i], data))
      return true;
  return false;
}

static bool
match_status (const char *want, const void *data)
{
  return strcmp (want, ((const dock_container *) data)->state) == 0;
}

static bool
match_name (const char *want, const void *data)
{
  regex_t re;
  if (regcomp (&re, want, REG_EXTENDED | REG_NOSUB) != 0)
    return false;
  bool hit = regexec (&re, ((const dock_container *) data)->name, 0, NULL, 0) == 0;
  regfree (&re);
  return hit;
}

static bool
match_id (const char *want, const void *data)
{
  return str_has_prefix (((const dock_container *) data)->id, want);
}

static bool
match_exited (const char *want, const void *data)
{
  const dock_container *c = data;
  return strcmp (c->state, "exited") == 0 && c->exit_code == strtoll (want, NULL, 10);
}

typedef struct
{
  dock_store *s;
  const dock_container *c;
} ancestor_data;

static bool
match_ancestor (const char *want, const void *data)
{
  const ancestor_data *a = data;
  dock_image_info img = { 0 };
  bool hit = dock_image_lookup (a->s, want, &img, NULL) == 0 && strcmp (img.id, a->c->image_id) == 0;
  dock_image_info_clear (&img);
  return hit || strcmp (want, a->c->image_ref) == 0;
}

static bool
match_label (const char *want, const void *data)
{
  return label_matches (data, want);
}

/* The IMAGE column: the name the user gave while it still names the
   container's image, else the image's short ID (docker's rule). */
static char *
image_column (dock_store *s, const dock_container *c, bool trunc)
{
  dock_image_info img = { 0 };
  bool same = dock_image_lookup (s, c->image_ref, &img, NULL) == 0 && strcmp (img.id, c->image_id) == 0;
  dock_image_info_clear (&img);
  if (same)
    return xstrdup (c->image_ref);
  return trunc ? xasprintf ("%.12s", c->image_id + strlen ("sha256:")) : xstrdup (c->image_id);
}

static int
ps_row (cli_ctx *ctx, dock_format *f, const dock_container *c, const oci_json *config, bool trunc,
        berth_error **err)
{
  oci_json *row = oci_json_new (OCI_JSON_OBJECT);
  char id[65], created_at[64], since[64], size[128];
  snprintf (id, sizeof id, trunc ? "%.12s" : "%s", c->id);
  row_set (row, "ID", id);
  cleanup_free char *image = image_column (ctx->store, c, trunc);
  row_set (row, "Image", image);
  cleanup_free char *cmd = command_line (c);
  cleanup_free char *shown = trunc ? format_ellipsis (cmd, 20) : xstrdup (cmd);
  cleanup_free char *quoted = go_quote (shown);
  row_set (row, "Command", quoted);
  go_time_string (created_at, sizeof created_at, c->created / 1000000000);
  row_set (row, "CreatedAt", created_at);
  human_since (since, sizeof since, c->created / 1000000000);
  row_set (row, "RunningFor", since);
  row_set (row, "Ports", "");
  row_set (row, "State", c->state);
  cleanup_free char *status = status_text (c);
  row_set (row, "Status", status);
  int64_t rw = dock_container_rw_size (ctx->store, c->id);
  dock_image_info img = { 0 };
  int64_t virt = rw + (dock_image_lookup (ctx->store, c->image_id, &img, NULL) == 0 ? img.size : 0);
  dock_image_info_clear (&img);
  char a[32], b[32];
  human_size (a, sizeof a, (double) rw, 3);
  human_size (b, sizeof b, (double) virt, 3);
  snprintf (size, sizeof size, "%s (virtual %s)", a, b);
  row_set (row, "Size", size);
  row_set (row, "Names", c->name);
  const oci_json *labels = oci_json_get (config, "Labels");
  size_t len = 1;
  for (size_t i = 0; labels && labels->kind == OCI_JSON_OBJECT && i < labels->len; i++)
    len += strlen (labels->keys[i]) + labels->items[i]->text_len + 2;
  char *lab = xcalloc (1, len);
  for (size_t i = 0; labels && labels->kind == OCI_JSON_OBJECT && i < labels->len; i++)
    {
      if (*lab)
        strcat (lab, ",");
      strcat (strcat (strcat (lab, labels->keys[i]), "="), labels->items[i]->text);
    }
  row_set (row, "Labels", lab);
  free (lab);
  row_set (row, "Mounts", "");
  row_set (row, "Networks", "");
  row_set (row, "LocalVolumes", "0");
  int r = format_row (f, row, err);
  oci_json_free (row);
  return r;
}

int
cmd_ps (cli_ctx *ctx, berth_error **err)
{
  ps_filters flt = { 0 };
  dock_container *cs = NULL;
  size_t n = 0;
  dock_format *f = NULL;
  int r = -1;
  bool all = cli_flag (ctx, "all"), trunc = !cli_flag (ctx, "no-trunc");
  long last = -1;
  const char *nv = cli_value (ctx, "last");
  if (nv)
    {
      char *end;
      last = strtol (nv, &end, 10);
      if (*end || end == nv)
        {
          fprintf (stderr, "dock: invalid argument \"%s\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"%s\": "
                           "invalid syntax\nSee 'dock ps --help'.\n",
                   nv, nv);
          return DOCK_EXIT_USAGE;
        }
    }
  if (cli_flag (ctx, "latest"))
    last = 1;
  if (last > 0)
    all = true;
  if (parse_filters (ctx, &flt, err) < 0 || dock_container_list (ctx->store, &cs, &n, err) < 0)
    goto out;
  /* A status filter shows what it names, running or not (docker). */
  if (flt.n_status || flt.n_exited)
    all = true;
  const char *user = cli_value (ctx, "format");
  if (cli_flag (ctx, "quiet"))
    user = "{{.ID}}";
  const char *table = cli_flag (ctx, "size")
                        ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
                        : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
  if (format_begin (user, table, ps_headers, &f, err) < 0)
    goto out;
  long shown = 0;
  for (size_t i = 0; i < n && (last <= 0 || shown < last); i++)
    {
      const dock_container *c = &cs[i];
      bool running = strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0
                     || strcmp (c->state, "restarting") == 0;
      if (!all && !running)
        continue;
      oci_json *config = jparse (c->config);
      ancestor_data ad = { ctx->store, c };
      bool keep = any_of (flt.status, flt.n_status, match_status, c) && any_of (flt.name, flt.n_name, match_name, c)
                  && any_of (flt.id, flt.n_id, match_id, c) && any_of (flt.exited, flt.n_exited, match_exited, c)
                  && any_of (flt.ancestor, flt.n_ancestor, match_ancestor, &ad);
      for (size_t k = 0; keep && k < flt.n_label; k++)
        keep = match_label (flt.label[k], oci_json_get (config, "Labels"));
      int rr = keep ? ps_row (ctx, f, c, config, trunc, err) : 0;
      oci_json_free (config);
      if (rr < 0)
        goto out;
      shown += keep;
    }
  r = format_end (f, stdout, err);
  f = NULL;
out:
  format_free (f);
  filters_clear (&flt);
  dock_container_list_free (cs, n);
  return r;
}

/* -------------------------------------------------------------- inspect */
/* Print the containers (or, for `dock inspect`, containers then images)
   found, then each lookup's error, as docker does. */
int
cli_inspect_containers (cli_ctx *ctx, bool images_too, berth_error **err)
{
  const char *fmt = cli_value (ctx, "format");
  cleanup_template dock_template *t = NULL;
  if (fmt && *fmt && strcmp (fmt, "json") != 0 && dock_template_parse (fmt, &t, err) < 0)
    return berth_error_wrap (err, "template parsing error");
  bool size = cli_flag (ctx, "size");
  oci_json *all = oci_json_new (OCI_JSON_ARRAY);
  cleanup_strv char **errors = xcalloc (1, sizeof *errors);
  size_t nerrors = 0;
  for (int i = 0; i < ctx->argc; i++)
    {
      dock_container c = { 0 };
      berth_error *e = NULL;
      int r = dock_container_lookup (ctx->store, ctx->argv[i], &c, &e);
      if (r == 0)
        oci_json_append (all, NULL, cli_container_json (ctx->store, &c, size));
      else if (r == 1 && images_too)
        {
          oci_json *o = NULL;
          if (cli_image_inspect_one (ctx, ctx->argv[i], &o, &e) == 0)
            oci_json_append (all, NULL, o);
        }
      else if (r == 1)
        berth_fail (&e, 0, "No such container: %s", ctx->argv[i]);
      if (e)
        {
          cleanup_free char *msg = berth_error_text (e);
          oci_strv_append (&errors, &nerrors, msg);
          berth_error_free (e);
        }
      dock_container_clear (&c);
    }
  int status = 0;
  if (t)
    for (size_t i = 0; i < all->len && status == 0; i++)
      {
        cleanup_free char *text = NULL;
        if (dock_template_exec (t, all->items[i], &text, err) < 0)
          status = -1;
        else
          printf ("%s\n", text);
      }
  else
    {
      json_indent (stdout, all, 0);
      putchar ('\n');
    }
  oci_json_free (all);
  fflush (stdout);
  if (status < 0)
    return -1;
  for (size_t i = 0; i < nerrors; i++)
    {
      fprintf (stderr, "dock: %s\n", errors[i]);
      status = DOCK_EXIT_ERROR;
    }
  return status;
}

int
cmd_container_inspect (cli_ctx *ctx, berth_error **err)
{
  return cli_inspect_containers (ctx, false, err);
}

/* ------------------------------------------------------------------- rm */
static int
remove_container (cli_ctx *ctx, const dock_container *c, bool force, berth_error **err)
{
  bool running = strcmp (c->state, "running") == 0 || strcmp (c->state, "paused") == 0
                 || strcmp (c->state, "restarting") == 0;
  if (running && !force)
    return berth_fail (err, 0,
                       "cannot remove container \"/%s\": container is %s: stop the container before removing or "
                       "force remove",
                       c->name, c->state);
  if (running)
    return berth_fail (err, 0, "cannot remove container \"/%s\": stopping a container needs libberth's API (not yet)",
                       c->name);
  return dock_container_delete (ctx->store, c->id, err);
}

int
cmd_rm (cli_ctx *ctx, berth_error **err)
{
  int status = 0;
  bool force = cli_flag (ctx, "force");
  if (cli_flag (ctx, "link"))
    return berth_fail (err, 0, "rm --link: dock has no container links yet");
  cleanup_strv char **errors = xcalloc (1, sizeof *errors);
  size_t nerrors = 0;
  for (int i = 0; i < ctx->argc; i++)
    {
      dock_container c = { 0 };
      berth_error *e = NULL;
      if (dock_container_find (ctx->store, ctx->argv[i], &c, &e) == 0 && remove_container (ctx, &c, force, &e) == 0)
        printf ("%s\n", ctx->argv[i]);
      /* docker rm -f of a missing container is not an error. */
      else if (!(force && e && e->kind == BERTH_ERR_NOT_FOUND))
        {
          cleanup_free char *text = berth_error_text (e);
          oci_strv_append (&errors, &nerrors, text);
        }
      berth_error_free (e);
      dock_container_clear (&c);
    }
  fflush (stdout);
  for (size_t i = 0; i < nerrors; i++)
    {
      fprintf (stderr, "dock: %s\n", errors[i]);
      status = DOCK_EXIT_ERROR;
    }
  return status;
}

int
cmd_rename (cli_ctx *ctx, berth_error **err)
{
  dock_container c = { 0 };
  const char *to = ctx->argv[1];
  if (*to == '\0' || strcmp (to, "/") == 0)
    return berth_fail (err, 0, "Error when allocating new name: Invalid container name (%s), only "
                               "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", to);
  if (dock_container_find (ctx->store, ctx->argv[0], &c, err) < 0)
    return -1;
  int r = 0;
  const char *plain = to[0] == '/' ? to + 1 : to;
  if (strcmp (plain, c.name) == 0)
    r = berth_fail (err, 0, "Renaming a container with the same name as its current name");
  else if (dock_container_rename (ctx->store, c.id, to, err) < 0)
    r = berth_error_wrap (err, "Error when allocating new name");
  dock_container_clear (&c);
  return r;
}

/* ---------------------------------------------------------------- prune */
int
cmd_container_prune (cli_ctx *ctx, berth_error **err)
{
  if (!cli_flag (ctx, "force"))
    {
      printf ("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
      fflush (stdout);
      char answer[16] = "";
      if (fgets (answer, sizeof answer, stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y'))
        {
          if (answer[0] == '\0')
            putchar ('\n');
          return 0;
        }
    }
  dock_container *cs = NULL;
  size_t n = 0;
  if (dock_container_list (ctx->store, &cs, &n, err) < 0)
    return -1;
  int64_t freed = 0;
  bool any = false;
  int r = 0;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      const char *st = cs[i].state;
      if (strcmp (st, "running") == 0 || strcmp (st, "paused") == 0 || strcmp (st, "restarting") == 0)
        continue;
      int64_t size = dock_container_rw_size (ctx->store, cs[i].id);
      r = dock_container_delete (ctx->store, cs[i].id, err);
      if (r == 0)
        {
          if (!any)
            printf ("Deleted Containers:\n");
          any = true;
          printf ("%s\n", cs[i].id);
          freed += size;
        }
    }
  dock_container_list_free (cs, n);
  if (r < 0)
    return -1;
  char total[32];
  human_size (total, sizeof total, (double) freed, 4);
  printf ("%sTotal reclaimed space: %s\n", any ? "\n" : "", total);
  return 0;
}

/* ----------------------------------------------------------------- diff */
int
cmd_diff (cli_ctx *ctx, berth_error **err)
{
  dock_container c = { 0 };
  if (dock_container_find (ctx->store, ctx->argv[0], &c, err) < 0)
    return -1;
  int r = 0;
  if (strcmp (c.driver, "vfs") == 0)
    r = berth_fail (err, 0, "diff of a container on the vfs driver is not supported yet");
  oci_json *lowers = jparse (c.lowers);
  const char **dirs = xcalloc (lowers->len + 1, sizeof *dirs);
  for (size_t i = 0; lowers->kind == OCI_JSON_ARRAY && i < lowers->len; i++)
    dirs[i] = lowers->items[i]->text;
  cleanup_free char *upper = xasprintf ("%s/containers/%s/diff", dock_store_root (ctx->store), c.id);
  dock_change *ch = NULL;
  size_t nch = 0;
  if (r == 0)
    r = dock_upper_changes (upper, dirs, lowers->kind == OCI_JSON_ARRAY ? lowers->len : 0, &ch, &nch, err);
  for (size_t i = 0; i < nch; i++)
    printf ("%c %s\n", ch[i].kind, ch[i].path);
  dock_changes_free (ch, nch);
  free (dirs);
  oci_json_free (lowers);
  dock_container_clear (&c);
  return r;
}

/* ------------------------------------------------------------ system df */
int
cli_container_usage (dock_store *s, size_t *total, size_t *active, int64_t *size, int64_t *reclaimable,
                     berth_error **err)
{
  dock_container *cs = NULL;
  size_t n = 0;
  if (dock_container_list (s, &cs, &n, err) < 0)
    return -1;
  *total = n;
  *active = 0;
  *size = *reclaimable = 0;
  for (size_t i = 0; i < n; i++)
    {
      int64_t rw = dock_container_rw_size (s, cs[i].id);
      bool running = strcmp (cs[i].state, "running") == 0 || strcmp (cs[i].state, "paused") == 0;
      *active += running;
      *size += rw;
      if (!running)
        *reclaimable += rw;
    }
  dock_container_list_free (cs, n);
  return 0;
}

/* system df -v: one line per container; and how many use an image. */
int
cli_container_df_rows (dock_store *s, tab_writer *t, berth_error **err)
{
  dock_container *cs = NULL;
  size_t n = 0;
  if (dock_container_list (s, &cs, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      char size[32], since[64];
      human_size (size, sizeof size, (double) dock_container_rw_size (s, cs[i].id), 3);
      human_since (since, sizeof since, cs[i].created / 1000000000);
      cleanup_free char *image = image_column (s, &cs[i], true);
      cleanup_free char *cmd = command_line (&cs[i]);
      cleanup_free char *cut = format_ellipsis (cmd, 20);
      cleanup_free char *quoted = go_quote (cut);
      cleanup_free char *status = status_text (&cs[i]);
      cleanup_free char *line = xasprintf ("%.12s\t%s\t%s\t0\t%s\t%s\t%s\t%s", cs[i].id, image, quoted, size, since,
                                           status, cs[i].name);
      tab_line (t, line);
    }
  dock_container_list_free (cs, n);
  return 0;
}

size_t
cli_image_containers (dock_store *s, const char *image_id)
{
  dock_container *cs = NULL;
  size_t n = 0, used = 0;
  if (dock_container_list (s, &cs, &n, NULL) < 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    used += strcmp (cs[i].image_id, image_id) == 0;
  dock_container_list_free (cs, n);
  return used;
}
