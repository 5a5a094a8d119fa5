/* `dock load`: read the archive once, sending large files straight into the
   blob store and keeping small ones (manifests, configs, the index) in
   memory, then register each image it describes: through manifest.json
   (docker's archives, old and new) or else index.json (OCI archives). */
#include "config.h"

#include "image_spec.h"
#include "archive.h"
#include "libberth/util.h"
#include "libdock/imagejson.h"
#include "libdock/import.h"
#include "libdock/layer/archive_api.h"
#include "libdock/store/names.h"
#include "schema.h"

#include <errno.h>
#include <string.h>

#define SMALL_FILE (1 << 20)
#define SMALL_TOTAL (64 << 20)

typedef struct
{
  char *path;
  char *data; /* small files; NULL when streamed into a blob */
  size_t len;
  char digest[DOCK_DIGEST_MAX]; /* "" until it is a blob */
  unsigned char head[8];        /* first bytes: the compression */
  size_t headlen;
  char *alias; /* a symlink or hard link: the path it stands for */
} entry;

typedef struct
{
  dock_store *s;
  entry *e;
  size_t n;
  size_t small_total;
} loader;

static void
loader_free (loader *l)
{
  for (size_t i = 0; i < l->n; i++)
    {
      free (l->e[i].path);
      free (l->e[i].data);
      free (l->e[i].alias);
    }
  free (l->e);
}

static char *
clean_path (const char *p)
{
  while (str_has_prefix (p, "./") || *p == '/')
    p += *p == '/' ? 1 : 2;
  return xstrdup (p);
}

/* An entry by path; links are followed (docker before 25 writes a layer
   that repeats as a symlink "<id>/layer.tar -> ../<other>/layer.tar"). */
static entry *
find (loader *l, const char *path)
{
  cleanup_free char *p = clean_path (path);
  for (int hops = 0; hops < 8; hops++)
    {
      entry *e = NULL;
      for (size_t i = 0; i < l->n && e == NULL; i++)
        if (strcmp (l->e[i].path, p) == 0)
          e = &l->e[i];
      if (e == NULL || e->alias == NULL)
        return e;
      free (p);
      p = xstrdup (e->alias);
    }
  return NULL;
}

/* A link entry: remember the archive path it points at (a symlink's
   target is read from the link's directory; "a/../b" is resolved). */
static void
add_alias (loader *l, const char *path, const char *target, bool symlink)
{
  cleanup_free char *p = clean_path (path);
  cleanup_free char *joined = NULL;
  const char *slash = strrchr (p, '/');
  if (symlink && target[0] != '/' && slash)
    joined = xasprintf ("%.*s/%s", (int) (slash - p), p, target);
  else
    joined = xstrdup (target);
  /* Resolve "." and ".." lexically; climbing above the archive's root
     leaves the name unresolvable, which find() reports as missing. */
  char *out = xmalloc (strlen (joined) + 1);
  size_t n = 0;
  for (char *save = NULL, *c = strtok_r (joined, "/", &save); c; c = strtok_r (NULL, "/", &save))
    {
      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          while (n > 0 && out[n - 1] != '/')
            n--;
          if (n > 0)
            n--;
          continue;
        }
      n += (size_t) sprintf (out + n, "%s%s", n ? "/" : "", c);
    }
  out[n] = '\0';
  l->e = xrealloc (l->e, (l->n + 1) * sizeof *l->e);
  entry *e = &l->e[l->n++];
  memset (e, 0, sizeof *e);
  e->path = steal_pointer (&p);
  e->alias = out;
}

static int
read_entry (loader *l, const dock_archive_api *a, struct archive *ar, struct archive_entry *ae, berth_error **err)
{
  l->e = xrealloc (l->e, (l->n + 1) * sizeof *l->e);
  entry *e = &l->e[l->n++];
  memset (e, 0, sizeof *e);
  e->path = clean_path (a->archive_entry_pathname (ae));
  int64_t size = a->archive_entry_size (ae);
  char buf[1 << 16];
  if (size <= SMALL_FILE && l->small_total + (size_t) size <= SMALL_TOTAL)
    {
      e->data = xmalloc ((size_t) size + 1);
      la_ssize_t got;
      while ((got = a->archive_read_data (ar, e->data + e->len, (size_t) size - e->len + 1)) > 0)
        {
          e->len += (size_t) got;
          if (e->len > (size_t) size)
            return berth_fail (err, 0, "archive: %s: more data than its header says", e->path);
        }
      if (got < 0)
        return berth_fail (err, 0, "archive: %s: %s", e->path, a->archive_error_string (ar) ?: "read error");
      e->data[e->len] = '\0';
      l->small_total += e->len;
      e->headlen = e->len < sizeof e->head ? e->len : sizeof e->head;
      memcpy (e->head, e->data, e->headlen);
      return 0;
    }
  dock_blob_writer *w;
  if (dock_blob_begin (l->s, NULL, size, &w, err) < 0)
    return -1;
  la_ssize_t got;
  while ((got = a->archive_read_data (ar, buf, sizeof buf)) > 0)
    {
      if (e->headlen < sizeof e->head)
        {
          size_t k = sizeof e->head - e->headlen < (size_t) got ? sizeof e->head - e->headlen : (size_t) got;
          memcpy (e->head + e->headlen, buf, k);
          e->headlen += k;
        }
      if (dock_blob_write (w, buf, (size_t) got, err) < 0)
        {
          dock_blob_abort (w);
          return berth_error_wrap (err, "archive: %s", e->path);
        }
    }
  if (got < 0)
    {
      dock_blob_abort (w);
      return berth_fail (err, 0, "archive: %s: %s", e->path, a->archive_error_string (ar) ?: "read error");
    }
  return dock_blob_commit (w, e->digest, err);
}

/* The entry as a blob (small ones are stored now); its digest. */
static const char *
entry_blob (loader *l, entry *e, berth_error **err)
{
  if (*e->digest == '\0' && dock_blob_put (l->s, e->data, e->len, e->digest, err) < 0)
    return NULL;
  return e->digest;
}

static const char *
sniff_layer (const entry *e)
{
  if (e->headlen >= 2 && e->head[0] == 0x1f && e->head[1] == 0x8b)
    return OCI_MT_LAYER_GZIP;
  if (e->headlen >= 4 && memcmp (e->head, "\x28\xb5\x2f\xfd", 4) == 0)
    return OCI_MT_LAYER_ZSTD;
  return OCI_MT_LAYER_TAR;
}

/* An entry's content, small or not (manifests and configs are capped). */
static int
entry_data (loader *l, entry *e, char **buf, size_t *len, bool *owned, berth_error **err)
{
  if (e->data)
    {
      *buf = e->data;
      *len = e->len;
      *owned = false;
      return 0;
    }
  *owned = true;
  return dock_blob_read (l->s, e->digest, DOCK_CONFIG_MAX, buf, len, err);
}

static int64_t
entry_size (dock_store *s, const entry *e)
{
  if (e->data)
    return (int64_t) e->len;
  int fd;
  int64_t size = 0;
  if (dock_blob_open (s, e->digest, &fd, &size, NULL) == 0)
    close (fd);
  return size;
}

static entry *
need_entry (loader *l, const oci_json *path, const char *what, berth_error **err)
{
  entry *e = path && path->kind == OCI_JSON_STRING ? find (l, path->text) : NULL;
  if (e == NULL)
    berth_fail (err, 0, "archive: manifest.json: %s %s is not in the archive", what,
                path && path->kind == OCI_JSON_STRING ? path->text : "(missing)");
  return e;
}

/* docker's manifest.json: [{"Config": path, "RepoTags": [...], "Layers": [paths]}] */
static int
load_docker (loader *l, const entry *mj, dock_loaded_fn loaded, void *data, berth_error **err)
{
  char *perr = NULL;
  oci_json *doc = oci_json_parse (mj->data, mj->len, &perr);
  if (doc == NULL)
    {
      berth_fail (err, 0, "archive: manifest.json: %s", perr ? perr : "invalid JSON");
      free (perr);
      return -1;
    }
  int r = -1;
  if (doc->kind != OCI_JSON_ARRAY)
    {
      berth_fail (err, 0, "archive: manifest.json: expected an array");
      goto out;
    }
  for (size_t i = 0; i < doc->len; i++)
    {
      const oci_json *item = doc->items[i];
      const oci_json *layers = item->kind == OCI_JSON_OBJECT ? oci_json_get (item, "Layers") : NULL;
      const oci_json *tags = item->kind == OCI_JSON_OBJECT ? oci_json_get (item, "RepoTags") : NULL;
      entry *ce = need_entry (l, item->kind == OCI_JSON_OBJECT ? oci_json_get (item, "Config") : NULL, "config", err);
      if (ce == NULL)
        goto out;
      const char *cdigest = entry_blob (l, ce, err);
      if (cdigest == NULL)
        goto out;
      oci_jw *w = oci_jw_new (0);
      dock_jw_manifest_begin (w, cdigest, entry_size (l->s, ce));
      for (size_t k = 0; layers && layers->kind == OCI_JSON_ARRAY && k < layers->len; k++)
        {
          entry *le = need_entry (l, layers->items[k], "layer", err);
          const char *ld = le ? entry_blob (l, le, err) : NULL;
          if (ld == NULL)
            {
              oci_jw_abort (w);
              goto out;
            }
          dock_jw_descriptor (w, sniff_layer (le), ld, entry_size (l->s, le));
        }
      dock_jw_manifest_end (w);
      size_t mlen;
      cleanup_free char *mtext = oci_jw_finish (w, &mlen);
      char mdigest[DOCK_DIGEST_MAX];
      if (mtext == NULL || dock_blob_put (l->s, mtext, mlen, mdigest, err) < 0)
        goto out;
      cleanup_strv char **names = xcalloc (1, sizeof *names);
      size_t nn = 0;
      for (size_t k = 0; tags && tags->kind == OCI_JSON_ARRAY && k < tags->len; k++)
        {
          cleanup_free char *q = NULL;
          if (tags->items[k]->kind != OCI_JSON_STRING || dock_name_normalize (tags->items[k]->text, &q, err) < 0)
            goto out;
          oci_strv_append (&names, &nn, q);
        }
      cleanup_free char *id = NULL;
      if (dock_image_register (l->s, mdigest, (const char *const *) names, NULL, &id, err) < 0)
        goto out;
      if (nn == 0)
        loaded (NULL, id, data);
      for (size_t k = 0; k < nn; k++)
        loaded (names[k], id, data);
    }
  r = 0;
out:
  oci_json_free (doc);
  return r;
}

/* blobs/<alg>/<hex> of a descriptor, checked against its digest. */
static const char *
oci_blob (loader *l, const oci_json *desc, entry **out, berth_error **err)
{
  const char *digest = dock_json_string (desc, "digest");
  if (digest == NULL || !dock_digest_valid (digest))
    {
      berth_fail (err, 0, "archive: index.json: a descriptor without a valid digest");
      return NULL;
    }
  const char *colon = strchr (digest, ':');
  cleanup_free char *path = xasprintf ("blobs/%.*s/%s", (int) (colon - digest), digest, colon + 1);
  entry *e = find (l, path);
  if (e == NULL)
    {
      berth_fail (err, 0, "archive: blob %s is not in the archive", digest);
      return NULL;
    }
  const char *got = entry_blob (l, e, err);
  if (got && strcmp (got, digest) != 0)
    {
      berth_fail (err, 0, "archive: blob %s: digest mismatch: content hashes to %s", digest, got);
      return NULL;
    }
  if (out)
    *out = e;
  return got;
}

static const oci_json *
pick_platform (const oci_json *index)
{
  const oci_json *ms = oci_json_get (index, "manifests");
  if (ms == NULL || ms->kind != OCI_JSON_ARRAY || ms->len == 0)
    return NULL;
  for (size_t i = 0; i < ms->len; i++)
    {
      const oci_json *p = oci_json_get (ms->items[i], "platform");
      const char *os = dock_json_string (p, "os"), *arch = dock_json_string (p, "architecture");
      if (os && arch && strcmp (os, "linux") == 0 && strcmp (arch, dock_host_arch ()) == 0)
        return ms->items[i];
    }
  return ms->items[0];
}

static int
load_oci (loader *l, const entry *ij, dock_loaded_fn loaded, void *data, berth_error **err)
{
  char *perr = NULL;
  oci_json *doc = oci_json_parse (ij->data, ij->len, &perr);
  if (doc == NULL)
    {
      berth_fail (err, 0, "archive: index.json: %s", perr ? perr : "invalid JSON");
      free (perr);
      return -1;
    }
  int r = -1;
  const oci_json *ms = doc->kind == OCI_JSON_OBJECT ? oci_json_get (doc, "manifests") : NULL;
  if (ms == NULL || ms->kind != OCI_JSON_ARRAY)
    {
      berth_fail (err, 0, "archive: index.json: no manifests");
      goto out;
    }
  for (size_t i = 0; i < ms->len; i++)
    {
      const oci_json *desc = ms->items[i];
      const oci_json *ann = oci_json_get (desc, "annotations");
      const char *mt = dock_json_string (desc, "mediaType");
      /* A nested index (several platforms): the host's manifest. */
      oci_json *nested = NULL;
      for (int depth = 0; mt && (strcmp (mt, OCI_MT_INDEX) == 0 || strcmp (mt, DOCKER_MT_LIST) == 0);
           depth++)
        {
          entry *ie;
          char *buf;
          size_t len;
          bool owned;
          if (depth > 4 || oci_blob (l, desc, &ie, err) == NULL || entry_data (l, ie, &buf, &len, &owned, err) < 0)
            {
              oci_json_free (nested);
              goto out;
            }
          oci_json_free (nested);
          nested = oci_json_parse (buf, len, &perr);
          free (perr);
          perr = NULL;
          if (owned)
            free (buf);
          desc = nested ? pick_platform (nested) : NULL;
          if (desc == NULL)
            {
              oci_json_free (nested);
              berth_fail (err, 0, "archive: an index without manifests");
              goto out;
            }
          mt = dock_json_string (desc, "mediaType");
        }
      const char *mdigest = oci_blob (l, desc, NULL, err);
      bool ok = mdigest != NULL;
      if (ok)
        {
          /* Every blob the manifest names must be in the archive. */
          cleanup_free char *buf = NULL;
          size_t len;
          dock_image_manifest m = { 0 };
          ok = dock_blob_read (l->s, mdigest, DOCK_MANIFEST_MAX, &buf, &len, err) == 0
               && dock_image_manifest_parse (buf, len, &m, err) == 0;
          for (size_t k = 0; ok && k <= m.n_layers; k++)
            {
              const char *want = k < m.n_layers ? m.layers[k].digest : m.config_digest;
              if (!dock_blob_exists (l->s, want))
                {
                  oci_json *d = oci_json_new (OCI_JSON_OBJECT);
                  oci_json *dv = oci_json_new (OCI_JSON_STRING);
                  dv->text = xstrdup (want);
                  dv->text_len = strlen (want);
                  oci_json_append (d, "digest", dv);
                  ok = oci_blob (l, d, NULL, err) != NULL;
                  oci_json_free (d);
                }
            }
          dock_image_manifest_clear (&m);
        }
      cleanup_free char *name = NULL;
      const char *cname = dock_json_string (ann, "io.containerd.image.name");
      const char *ref = dock_json_string (ann, "org.opencontainers.image.ref.name");
      if (ok && cname)
        ok = dock_name_normalize (cname, &name, err) == 0;
      else if (ok && ref && (strchr (ref, ':') || strchr (ref, '/')))
        ok = dock_name_normalize (ref, &name, err) == 0;
      cleanup_free char *id = NULL;
      const char *names[] = { name, NULL };
      if (ok)
        ok = dock_image_register (l->s, mdigest, name ? names : NULL, NULL, &id, err) == 0;
      oci_json_free (nested);
      if (!ok)
        goto out;
      loaded (name, id, data);
    }
  r = 0;
out:
  oci_json_free (doc);
  return r;
}

typedef struct
{
  int fd;
  int64_t total;
  char buf[1 << 16];
} source;

static la_ssize_t
source_read (struct archive *ar, void *data, const void **out)
{
  source *src = data;
  for (;;)
    {
      ssize_t n = read (src->fd, src->buf, sizeof src->buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n > 0)
        src->total += n;
      *out = src->buf;
      return n;
    }
}

int
dock_load (dock_store *s, int infd, dock_loaded_fn loaded, void *data, bool *empty, berth_error **err)
{
  const dock_archive_api *a = dock_archive_api_get (err);
  if (a == NULL)
    return -1;
  loader l = { .s = s };
  struct archive *ar = a->archive_read_new ();
  a->archive_read_support_filter_all (ar);
  a->archive_read_support_format_tar (ar);
  int r = -1;
  struct archive_entry *ae;
  source *src = xcalloc (1, sizeof *src);
  src->fd = infd;
  if (a->archive_read_open (ar, src, NULL, source_read, NULL) != ARCHIVE_OK)
    {
      if (empty)
        *empty = src->total == 0;
      berth_fail (err, 0, "archive: %s", src->total == 0 ? "empty input" : a->archive_error_string (ar) ?: "cannot read");
      goto out;
    }
  for (;;)
    {
      int h = a->archive_read_next_header (ar, &ae);
      if (h == ARCHIVE_EOF)
        break;
      if (h != ARCHIVE_OK && h != ARCHIVE_WARN)
        {
          berth_fail (err, 0, "archive: %s", a->archive_error_string (ar) ?: "not a tar archive");
          goto out;
        }
      const char *hard = a->archive_entry_hardlink (ae);
      if (hard)
        add_alias (&l, a->archive_entry_pathname (ae), hard, false);
      else if (a->archive_entry_filetype (ae) == AE_IFLNK && a->archive_entry_symlink (ae))
        add_alias (&l, a->archive_entry_pathname (ae), a->archive_entry_symlink (ae), true);
      else if (a->archive_entry_filetype (ae) == AE_IFREG && read_entry (&l, a, ar, ae, err) < 0)
        goto out;
    }
  entry *mj = find (&l, "manifest.json");
  entry *ij = find (&l, "index.json");
  if (mj && mj->data)
    r = load_docker (&l, mj, loaded, data, err);
  else if (ij && ij->data)
    r = load_oci (&l, ij, loaded, data, err);
  else
    berth_fail (err, 0, "archive: neither manifest.json nor index.json: not an image archive");
out:
  a->archive_read_free (ar);
  free (src);
  loader_free (&l);
  return r;
}
