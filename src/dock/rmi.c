/* dock rmi / image rm and dock image prune, with docker's rules for
   untagging versus deleting (daemon/images/image_delete.go). */
#include "config.h"

#include "cli.h"
#include "format.h"
#include "libberth/util.h"
#include "libdock/imagejson.h"
#include "libdock/store/containers.h"
#include "libdock/store/names.h"
#include "libdock/store/store.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct
{
  FILE *out;
  const char *untagged_prefix; /* "Untagged: " (rmi) or "untagged: " (prune) */
  const char *deleted_prefix;
  int64_t freed;
} delete_report;

static void
report_untagged (delete_report *r, const char *qualified)
{
  cleanup_free char *fam = dock_name_familiar (qualified);
  fprintf (r->out, "%s%s\n", r->untagged_prefix, fam);
}

static void
report_deleted (const char *what, void *data)
{
  delete_report *r = data;
  fprintf (r->out, "%s%s\n", r->deleted_prefix, what);
}

static int
untag (dock_store *s, delete_report *r, const char *name, berth_error **err)
{
  if (dock_image_untag (s, name, err) < 0)
    return -1;
  report_untagged (r, name);
  return 0;
}

static bool
same_repo (const char *a, const char *b)
{
  const char *ra, *rb;
  cleanup_free char *x = dock_name_split (a, &ra, NULL);
  cleanup_free char *y = dock_name_split (b, &rb, NULL);
  return strcmp (x, y) == 0;
}

/* At most one tag, and every reference in one repository. */
static bool
single_reference (const dock_image_info *img)
{
  size_t ntags = 0;
  const char *first = img->names[0] ? img->names[0] : img->digests[0];
  for (size_t i = 0; img->names[i]; i++, ntags++)
    if (!same_repo (first, img->names[i]))
      return false;
  for (size_t i = 0; img->digests[i]; i++)
    if (!same_repo (first, img->digests[i]))
      return false;
  return ntags <= 1;
}

static bool
is_id_word (const char *word, const char *id)
{
  const char *hex = id + strlen ("sha256:");
  if (str_has_prefix (word, "sha256:"))
    return str_has_prefix (id, word);
  return strspn (word, "0123456789abcdef") == strlen (word) && str_has_prefix (hex, word);
}

static int
remove_one (cli_ctx *ctx, delete_report *r, const char *word, bool force, berth_error **err)
{
  dock_store *s = ctx->store;
  dock_image_info img = { 0 };
  if (dock_image_find (s, word, &img, err) < 0)
    return -1;
  int rc = -1;
  cleanup_free char *ref = NULL, *state = NULL;
  /* An image a container uses stays (docker refuses without -f; dock keeps
     it even with -f, untagged, since the container's rootfs stacks its
     layers). */
  cleanup_free char *user = dock_image_user (s, img.id, &state, NULL);
  if (!is_id_word (word, img.id) && dock_name_normalize (word, &ref, NULL) == 0)
    {
      size_t others = 0;
      for (size_t i = 0; img.names[i]; i++)
        others += strcmp (img.names[i], ref) != 0;
      for (size_t i = 0; img.digests[i]; i++)
        others += !same_repo (img.digests[i], ref);
      if (user && !force && others == 0)
        {
          berth_fail (err, 0, "conflict: unable to remove repository reference \"%s\" (must force) - container %.12s "
                              "is using its referenced image %.12s",
                      word, user, img.id + strlen ("sha256:"));
          goto out;
        }
      /* A name: untag it; with no tag left in its repository, its digests
         there go too; the image goes once nothing names it. */
      if (untag (s, r, ref, err) < 0)
        goto out;
      bool repo_tagged = false;
      size_t left = 0;
      for (size_t i = 0; img.names[i]; i++)
        if (strcmp (img.names[i], ref) != 0)
          {
            left++;
            repo_tagged = repo_tagged || same_repo (img.names[i], ref);
          }
      for (size_t i = 0; img.digests[i]; i++)
        {
          if (strcmp (img.digests[i], ref) == 0)
            continue;
          if (!strchr (ref, '@') && !repo_tagged && same_repo (img.digests[i], ref))
            {
              if (untag (s, r, img.digests[i], err) < 0)
                goto out;
            }
          else
            left++;
        }
      if (left > 0 || user)
        {
          rc = 0;
          goto out;
        }
    }
  else
    {
      bool running = state && strcmp (state, "created") != 0 && strcmp (state, "exited") != 0
                     && strcmp (state, "dead") != 0;
      if (user && (running || !force))
        {
          berth_fail (err, 0, "conflict: unable to delete %.12s (%s) - image is being used by %s container %.12s",
                      img.id + strlen ("sha256:"), running ? "cannot be forced" : "must be forced",
                      running ? "running" : "stopped", user);
          goto out;
        }
      bool any = img.names[0] || img.digests[0];
      if (any && !single_reference (&img) && !force)
        {
          berth_fail (err, 0, "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple "
                              "repositories",
                      img.id + strlen ("sha256:"));
          goto out;
        }
      for (size_t i = 0; img.names[i]; i++)
        if (untag (s, r, img.names[i], err) < 0)
          goto out;
      for (size_t i = 0; img.digests[i]; i++)
        if (untag (s, r, img.digests[i], err) < 0)
          goto out;
    }
  rc = user ? 0 : dock_image_delete (s, img.id, report_deleted, r, &r->freed, err);
out:
  dock_image_info_clear (&img);
  return rc;
}

int
cmd_rmi (cli_ctx *ctx, berth_error **err)
{
  delete_report r = { stdout, "Untagged: ", "Deleted: ", 0 };
  int status = 0;
  /* Like docker: every argument is tried; the errors are listed at the end. */
  cleanup_strv char **errors = xcalloc (1, sizeof *errors);
  size_t nerrors = 0;
  for (int i = 0; i < ctx->argc; i++)
    {
      berth_error *e = NULL;
      if (remove_one (ctx, &r, ctx->argv[i], cli_flag (ctx, "force"), &e) < 0)
        {
          cleanup_free char *text = berth_error_text (e);
          oci_strv_append (&errors, &nerrors, text);
          berth_error_free (e);
          status = DOCK_EXIT_ERROR;
        }
    }
  fflush (stdout);
  for (size_t i = 0; i < nerrors; i++)
    fprintf (stderr, "dock: %s\n", errors[i]);
  return status;
}

/* "24h", "1h30m", "90s" (Go's durations) or a time: RFC 3339 or Unix seconds. */
static int
parse_until (const char *v, int64_t *cutoff, berth_error **err)
{
  int64_t t = dock_parse_rfc3339 (v);
  if (t >= 0)
    {
      *cutoff = t;
      return 0;
    }
  char *end;
  double secs = strtod (v, &end);
  if (*end == '\0' && end != v)
    {
      *cutoff = (int64_t) secs;
      return 0;
    }
  double total = 0;
  const char *p = v;
  while (*p)
    {
      double n = strtod (p, &end);
      if (end == p)
        return berth_fail (err, 0, "invalid filter 'until=%s'", v);
      p = end;
      double unit = str_has_prefix (p, "ms") ? 0.001 : *p == 'h' ? 3600 : *p == 'm' ? 60 : *p == 's' ? 1 : -1;
      if (unit < 0)
        return berth_fail (err, 0, "invalid filter 'until=%s'", v);
      p += str_has_prefix (p, "ms") ? 2 : 1;
      total += n * unit;
    }
  *cutoff = (int64_t) time (NULL) - (int64_t) total;
  return 0;
}

static bool
confirm (const char *warning)
{
  printf ("%s\nAre you sure you want to continue? [y/N] ", warning);
  fflush (stdout);
  char line[64];
  if (fgets (line, sizeof line, stdin) == NULL)
    return false;
  return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || line[1] == '\0');
}

static int
config_labels_match (dock_store *s, const char *id, char **labels, size_t n, bool *ok, berth_error **err)
{
  *ok = true;
  if (n == 0)
    return 0;
  cleanup_free char *buf = NULL;
  size_t len;
  dock_image_config c = { 0 };
  if (dock_blob_read (s, id, DOCK_CONFIG_MAX, &buf, &len, err) < 0 || dock_image_config_parse (buf, len, &c, err) < 0)
    return -1;
  const oci_json *cfg = oci_json_get (c.doc, "config");
  const oci_json *l = cfg && cfg->kind == OCI_JSON_OBJECT ? oci_json_get (cfg, "Labels") : NULL;
  for (size_t i = 0; i < n && *ok; i++)
    {
      bool negate = str_has_prefix (labels[i], "!");
      const char *want = labels[i] + (negate ? 1 : 0);
      const char *eq = strchr (want, '=');
      cleanup_free char *key = eq ? xstrndup (want, (size_t) (eq - want)) : xstrdup (want);
      const char *have = l && l->kind == OCI_JSON_OBJECT ? dock_json_string (l, key) : NULL;
      bool match = have && (eq == NULL || strcmp (have, eq + 1) == 0);
      *ok = negate ? !match : match;
    }
  dock_image_config_clear (&c);
  return 0;
}

int
cmd_image_prune (cli_ctx *ctx, berth_error **err)
{
  bool all = cli_flag (ctx, "all");
  int64_t until = 0;
  size_t nf;
  char **filters = cli_values (ctx, "filter", &nf);
  cleanup_strv char **labels = xcalloc (1, sizeof *labels);
  size_t nlabels = 0;
  for (size_t i = 0; i < nf; i++)
    {
      if (str_has_prefix (filters[i], "until="))
        {
          if (parse_until (filters[i] + 6, &until, err) < 0)
            return -1;
        }
      else if (str_has_prefix (filters[i], "label=") || str_has_prefix (filters[i], "label!="))
        {
          bool neg = str_has_prefix (filters[i], "label!=");
          cleanup_free char *l = xasprintf ("%s%s", neg ? "!" : "", strchr (filters[i], '=') + 1);
          oci_strv_append (&labels, &nlabels, l);
        }
      else
        {
          const char *eq = strchr (filters[i], '=');
          return berth_fail (err, 0, "invalid filter '%.*s'", eq ? (int) (eq - filters[i]) : (int) strlen (filters[i]),
                             filters[i]);
        }
    }
  if (!cli_flag (ctx, "force")
      && !confirm (all ? "WARNING! This will remove all images without at least one container associated to them."
                       : "WARNING! This will remove all dangling images."))
    {
      printf ("Total reclaimed space: 0B\n");
      return 0;
    }

  dock_image_info *imgs = NULL;
  size_t n = 0;
  if (dock_image_list (ctx->store, &imgs, &n, err) < 0)
    return -1;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&text, &len);
  delete_report r = { out, "untagged: ", "deleted: ", 0 };
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++)
    {
      dock_image_info *img = &imgs[i];
      if (!all && img->names[0])
        continue;
      if (until && img->created_unix >= until)
        continue;
      cleanup_free char *user = dock_image_user (ctx->store, img->id, NULL, NULL);
      if (user)
        continue;
      bool ok;
      if ((rc = config_labels_match (ctx->store, img->id, labels, nlabels, &ok, err)) < 0 || !ok)
        continue;
      for (size_t k = 0; rc == 0 && img->names[k]; k++)
        rc = untag (ctx->store, &r, img->names[k], err);
      for (size_t k = 0; rc == 0 && img->digests[k]; k++)
        rc = untag (ctx->store, &r, img->digests[k], err);
      if (rc == 0)
        rc = dock_image_delete (ctx->store, img->id, report_deleted, &r, &r.freed, err);
    }
  dock_image_list_free (imgs, n);
  fclose (out);
  if (rc == 0)
    {
      /* What no image uses any more (left by killed commands) goes too. */
      bool done;
      rc = dock_store_gc (ctx->store, &done, &r.freed, err);
    }
  if (len > 0)
    printf ("Deleted Images:\n%s\n", text);
  free (text);
  if (rc < 0)
    return -1;
  char size[32];
  human_size (size, sizeof size, (double) r.freed, 4);
  printf ("Total reclaimed space: %s\n", size);
  return 0;
}
