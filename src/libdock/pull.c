/* `dock pull`; see pull.h.  Threads: the calling thread runs the HTTP loop
   and every progress callback; unpack workers only unpack, and hand their
   news back through the pool's queue. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/pull.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "image_spec.h"
#include "libberth/util.h"
#include "libdock/platform.h"
#include "libdock/ref/digest.h"

#define DEFAULT_DOWNLOADS 3
#define MAX_UNPACK_THREADS 4

/* ------------------------------------------------------------ the layers */

typedef struct
{
  const oci_image_descriptor *d;
  char id[13];
  bool download; /* not in the store yet */
  bool unpacked; /* done, or found done */
  dock_blob_writer *w;
} layer;

/* ----------------------------------------------------------- unpack pool */

typedef struct
{
  size_t layer;
  dock_pull_state state;
} pool_event;

typedef struct
{
  pthread_mutex_t mu;
  pthread_cond_t work, news;
  size_t *queue; /* layers to unpack */
  size_t qhead, qlen;
  pool_event *events;
  size_t nevents;
  size_t outstanding; /* queued or being unpacked */
  berth_error *error;
  bool stop;
  pthread_t *threads;
  size_t nthreads;
  dock_store *store;
  layer *layers;
  size_t cap;
} pool;

static void
pool_event_push (pool *p, size_t l, dock_pull_state st)
{
  p->events[p->nevents++] = (pool_event) { l, st };
  pthread_cond_signal (&p->news);
}

static void *
pool_worker (void *arg)
{
  pool *p = arg;
  pthread_mutex_lock (&p->mu);
  for (;;)
    {
      while (!p->stop && p->qlen == 0)
        pthread_cond_wait (&p->work, &p->mu);
      if (p->stop)
        break;
      size_t l = p->queue[p->qhead++];
      p->qlen--;
      pool_event_push (p, l, DOCK_PULL_EXTRACTING);
      const oci_image_descriptor *d = p->layers[l].d;
      pthread_mutex_unlock (&p->mu);
      berth_error *e = NULL;
      int rc = dock_layer_unpack_blob (p->store, d->digest, d->media_type, &e);
      pthread_mutex_lock (&p->mu);
      if (rc < 0)
        {
          if (p->error == NULL)
            p->error = e;
          else
            berth_error_free (e);
          p->stop = true;
          pthread_cond_broadcast (&p->work);
        }
      else
        pool_event_push (p, l, DOCK_PULL_COMPLETE);
      p->outstanding--;
      pthread_cond_signal (&p->news);
    }
  pthread_mutex_unlock (&p->mu);
  return NULL;
}

static void
pool_start (pool *p, dock_store *s, layer *layers, size_t n, size_t threads)
{
  memset (p, 0, sizeof *p);
  pthread_mutex_init (&p->mu, NULL);
  pthread_cond_init (&p->work, NULL);
  pthread_cond_init (&p->news, NULL);
  p->store = s;
  p->layers = layers;
  p->cap = n;
  p->queue = xcalloc (n ? n : 1, sizeof (size_t));
  /* Two events per layer at most (extracting, complete). */
  p->events = xcalloc (2 * n + 1, sizeof (pool_event));
  p->threads = xcalloc (threads, sizeof (pthread_t));
  for (size_t i = 0; i < threads; i++)
    if (pthread_create (&p->threads[p->nthreads], NULL, pool_worker, p) == 0)
      p->nthreads++;
}

static void
pool_submit (pool *p, size_t l)
{
  pthread_mutex_lock (&p->mu);
  p->queue[p->qhead + p->qlen++] = l;
  p->outstanding++;
  pthread_cond_signal (&p->work);
  pthread_mutex_unlock (&p->mu);
}

typedef struct
{
  const dock_pull_opts *o;
  layer *layers;
  size_t n;
  pool pool;
  dock_store *store;
  size_t parallel;
  size_t *download_map; /* fetch index -> layer */
} pull_job;

static void
report (pull_job *j, size_t l, dock_pull_state st, int64_t cur, int64_t total)
{
  if (j->o->progress && j->o->progress->layer)
    j->o->progress->layer (j->o->data, j->layers[l].id, st, cur, total);
}

/* Report what the workers did; wait for news when `wait` and work remains.
   Returns the first worker error. */
static int
pool_drain (pull_job *j, bool wait, berth_error **err)
{
  pool *p = &j->pool;
  pthread_mutex_lock (&p->mu);
  if (wait && p->nthreads == 0)
    {
      /* No thread could be started: unpack here, one by one. */
      while (p->qlen && p->error == NULL)
        {
          size_t l = p->queue[p->qhead++];
          p->qlen--;
          pthread_mutex_unlock (&p->mu);
          report (j, l, DOCK_PULL_EXTRACTING, 0, 0);
          berth_error *e = NULL;
          int rc = dock_layer_unpack_blob (p->store, j->layers[l].d->digest, j->layers[l].d->media_type, &e);
          pthread_mutex_lock (&p->mu);
          p->outstanding--;
          if (rc < 0)
            p->error = e;
          else
            pool_event_push (p, l, DOCK_PULL_COMPLETE);
        }
    }
  for (;;)
    {
      while (p->nevents)
        {
          size_t n = p->nevents;
          pool_event *ev = xmalloc (n * sizeof *ev);
          memcpy (ev, p->events, n * sizeof *ev);
          p->nevents = 0;
          pthread_mutex_unlock (&p->mu);
          for (size_t i = 0; i < n; i++)
            {
              if (ev[i].state == DOCK_PULL_COMPLETE)
                j->layers[ev[i].layer].unpacked = true;
              report (j, ev[i].layer, ev[i].state, 0, 0);
            }
          free (ev);
          pthread_mutex_lock (&p->mu);
        }
      if (p->error || !wait || p->outstanding == 0)
        break;
      pthread_cond_wait (&p->news, &p->mu);
    }
  int rc = 0;
  if (p->error)
    {
      *err = steal_pointer (&p->error);
      rc = -1;
    }
  pthread_mutex_unlock (&p->mu);
  return rc;
}

static void
pool_stop (pool *p)
{
  pthread_mutex_lock (&p->mu);
  p->stop = true;
  pthread_cond_broadcast (&p->work);
  pthread_mutex_unlock (&p->mu);
  /* A worker in the middle of a layer finishes it: the store stays whole. */
  for (size_t i = 0; i < p->nthreads; i++)
    pthread_join (p->threads[i], NULL);
  berth_error_free (p->error);
  free (p->queue);
  free (p->events);
  free (p->threads);
  pthread_mutex_destroy (&p->mu);
  pthread_cond_destroy (&p->work);
  pthread_cond_destroy (&p->news);
}

/* ------------------------------------------------------ the blob sink */

static int
sink_begin (void *data, size_t i, int64_t *have, berth_error **err)
{
  pull_job *j = data;
  layer *l = &j->layers[j->download_map[i]];
  if (dock_blob_begin (j->store, l->d->digest, l->d->size, &l->w, err) < 0)
    return -1;
  *have = dock_blob_offset (l->w);
  return 0;
}

static int
sink_restart (void *data, size_t i, berth_error **err)
{
  pull_job *j = data;
  return dock_blob_restart (j->layers[j->download_map[i]].w, err);
}

static int
sink_write (void *data, size_t i, const void *buf, size_t len, berth_error **err)
{
  pull_job *j = data;
  return dock_blob_write (j->layers[j->download_map[i]].w, buf, len, err);
}

static int
sink_commit (void *data, size_t i, berth_error **err)
{
  pull_job *j = data;
  size_t li = j->download_map[i];
  layer *l = &j->layers[li];
  dock_blob_writer *w = steal_pointer (&l->w);
  if (dock_blob_commit (w, NULL, err) < 0)
    return -1;
  report (j, li, DOCK_PULL_DOWNLOADED, l->d->size, l->d->size);
  pool_submit (&j->pool, li);
  return 0;
}

static void
sink_abort (void *data, size_t i)
{
  pull_job *j = data;
  layer *l = &j->layers[j->download_map[i]];
  if (l->w)
    dock_blob_abort (steal_pointer (&l->w));
}

static void
sink_event (void *data, size_t i, dock_blob_event ev, int64_t done, int64_t total)
{
  pull_job *j = data;
  size_t li = j->download_map[i];
  switch (ev)
    {
    case DOCK_BLOB_WAITING:
      if (i >= j->parallel)
        report (j, li, DOCK_PULL_WAITING, 0, total);
      break;
    case DOCK_BLOB_DOWNLOADING:
      report (j, li, DOCK_PULL_DOWNLOADING, done, total);
      break;
    case DOCK_BLOB_RETRYING:
      report (j, li, DOCK_PULL_RETRYING, done, total);
      break;
    case DOCK_BLOB_VERIFYING:
      report (j, li, DOCK_PULL_VERIFYING, done, total);
      break;
    case DOCK_BLOB_COMPLETE:
      break; /* reported by sink_commit, before the unpack is queued */
    }
}

static int
sink_idle (void *data, berth_error **err)
{
  return pool_drain (data, false, err);
}

static const dock_blob_sink store_sink = {
  .begin = sink_begin,
  .restart = sink_restart,
  .write = sink_write,
  .commit = sink_commit,
  .abort = sink_abort,
  .event = sink_event,
  .idle = sink_idle,
};

/* ------------------------------------------------------------ one image */

static size_t
cpu_count (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (size_t) n : 1;
}

/* Fetch the layers not in the store and unpack every layer not unpacked. */
static int
fetch_layers (dock_store *s, dock_registry *reg, const char *repo, const oci_image_manifest *m, const dock_pull_opts *o,
              berth_error **err)
{
  pull_job j = { .o = o, .store = s, .n = m->layers_len };
  j.layers = xcalloc (j.n ? j.n : 1, sizeof (layer));
  j.download_map = xcalloc (j.n ? j.n : 1, sizeof (size_t));
  j.parallel = o->max_downloads ? o->max_downloads : DEFAULT_DOWNLOADS;
  dock_blob_ref *refs = xcalloc (j.n ? j.n : 1, sizeof (dock_blob_ref));
  size_t ndl = 0;
  for (size_t i = 0; i < j.n; i++)
    {
      layer *l = &j.layers[i];
      l->d = m->layers[i];
      const char *hex = strchr (l->d->digest, ':');
      snprintf (l->id, sizeof l->id, "%.12s", hex ? hex + 1 : l->d->digest);
      /* The same blob twice in one image is fetched once. */
      bool dup = false;
      for (size_t k = 0; k < i; k++)
        if (strcmp (j.layers[k].d->digest, l->d->digest) == 0)
          dup = true;
      if (dup)
        {
          l->unpacked = true;
          continue;
        }
      if (dock_blob_exists (s, l->d->digest))
        {
          char diff_id[DOCK_DIGEST_MAX];
          int64_t size = 0;
          l->unpacked = dock_layer_lookup_blob (s, l->d->digest, diff_id, &size) == 0;
          continue;
        }
      l->download = true;
      j.download_map[ndl] = i;
      refs[ndl++] = (dock_blob_ref) { .digest = l->d->digest, .size = l->d->size };
    }
  for (size_t i = 0; i < j.n; i++)
    if (!j.layers[i].download && j.layers[i].unpacked)
      report (&j, i, DOCK_PULL_ALREADY_EXISTS, 0, 0);
    else if (j.layers[i].download)
      report (&j, i, DOCK_PULL_FS_LAYER, 0, j.layers[i].d->size);

  size_t threads = o->unpack_threads ? o->unpack_threads : cpu_count ();
  if (threads > MAX_UNPACK_THREADS)
    threads = MAX_UNPACK_THREADS;
  pool_start (&j.pool, s, j.layers, j.n, threads);
  /* Blobs present but never unpacked (a pull killed after the download). */
  for (size_t i = 0; i < j.n; i++)
    if (!j.layers[i].download && !j.layers[i].unpacked)
      pool_submit (&j.pool, i);

  int rc = 0;
  if (ndl)
    rc = dock_registry_fetch_blobs (reg, repo, refs, ndl, &store_sink, &j, j.parallel, err);
  if (rc == 0)
    rc = pool_drain (&j, true, err);
  pool_stop (&j.pool);
  free (refs);
  free (j.download_map);
  free (j.layers);
  return rc;
}

/* Fetch a blob into the store unless it is there (configs). */
static int
ensure_small_blob (dock_store *s, dock_registry *reg, const char *repo, const char *digest, berth_error **err)
{
  if (dock_blob_exists (s, digest))
    return 0;
  cleanup_free char *body = NULL;
  size_t len = 0;
  if (dock_registry_get_blob (reg, repo, digest, DOCK_REGISTRY_DOC_MAX, &body, &len, err) < 0)
    return -1;
  char got[DOCK_DIGEST_MAX];
  return dock_blob_put (s, body, len, got, err);
}

/* Check a manifest's media types before fetching anything it names. */
static int
check_manifest (const oci_image_manifest *m, berth_error **err)
{
  if (oci_media_type_kind (m->config->media_type) != OCI_MT_KIND_CONFIG)
    return berth_fail (err, 0, "unsupported config media type %s: not a container image (an OCI artifact?)",
                       m->config->media_type);
  for (size_t i = 0; i < m->layers_len; i++)
    {
      const oci_media_type_info *info = oci_media_type_lookup (m->layers[i]->media_type);
      if (info == NULL || info->kind != OCI_MT_KIND_LAYER)
        return berth_fail (err, 0, "unsupported layer media type %s (layer %s)", m->layers[i]->media_type,
                           m->layers[i]->digest);
      if (m->layers[i]->size < 0)
        return berth_fail (err, 0, "layer %s: negative size", m->layers[i]->digest);
    }
  return 0;
}

static int
config_platform_check (dock_store *s, const char *config_digest, const dock_platform *want, const char *refname,
                       berth_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (dock_blob_read (s, config_digest, DOCK_REGISTRY_DOC_MAX, &buf, &len, err) < 0)
    return -1;
  char *perr = NULL;
  oci_image_config *c = oci_image_config_parse_data (buf, len, "image config", &perr);
  if (c == NULL)
    return berth_fail_take (err, 0, perr);
  oci_image_platform have = { .os = c->os, .architecture = c->architecture, .variant = c->variant };
  bool ok = dock_platform_matches (want, &have);
  cleanup_free char *want_s = dock_platform_string (want);
  cleanup_free char *have_s = xasprintf ("%s/%s%s%s", c->os, c->architecture, c->variant ? "/" : "",
                                         c->variant ? c->variant : "");
  oci_image_config_free (c);
  if (!ok)
    return berth_fail (err, 0, "image with reference %s was found but does not match the specified platform: wanted %s, actual: %s",
                       refname, want_s, have_s);
  return 0;
}

/* The platform's manifest for ref: the tag's own, or the index entry
   chosen.  *top_digest is what the tag points to. */
static int
resolve_manifest (dock_store *s, dock_registry *reg, const dock_ref *ref, const dock_platform *want,
                  const char *refname, char **manifest, size_t *manifest_len, char **manifest_digest,
                  char **top_digest, bool *from_index, berth_error **err)
{
  const char *reference = ref->digest ? ref->digest : ref->tag;
  cleanup_free char *body = NULL, *media_type = NULL;
  size_t len = 0;
  bool not_found = false;
  *from_index = false;
  if (dock_registry_get_manifest (reg, ref->path, reference, &body, &len, &media_type, top_digest, &not_found, err)
      < 0)
    return berth_error_wrap (err, "%s", refname);
  if (not_found)
    return berth_fail (err, 0, "manifest for %s not found: manifest unknown: manifest unknown", refname);
  if (ref->digest && strcmp (ref->digest, *top_digest) != 0)
    return berth_fail (err, 0, "%s: the registry's manifest has digest %s", refname, *top_digest);

  oci_media_kind kind = oci_media_type_kind (media_type);
  if (kind == OCI_MT_KIND_MANIFEST)
    {
      *manifest = steal_pointer (&body);
      *manifest_len = len;
      *manifest_digest = xstrdup (*top_digest);
      return 0;
    }
  if (kind == OCI_MT_KIND_LEGACY)
    return berth_fail (err, 0, "%s: docker schema 1 manifests (%s) are not supported: push the image again with a "
                               "current tool",
                       refname, media_type);
  if (kind != OCI_MT_KIND_INDEX)
    return berth_fail (err, 0, "%s: unsupported manifest media type \"%s\"", refname, media_type);

  char *perr = NULL;
  oci_image_index *ix = oci_image_index_parse_data (body, len, "manifest list", &perr);
  if (ix == NULL)
    return berth_fail_take (err, 0, perr);
  const oci_image_descriptor *d = dock_platform_select (ix, want);
  cleanup_free char *digest = d ? xstrdup (d->digest) : NULL;
  int64_t size = d ? d->size : 0;
  oci_image_index_free (ix);
  if (digest == NULL)
    {
      cleanup_free char *want_s = dock_platform_string (want);
      return berth_fail (err, 0, "no matching manifest for %s in the manifest list entries", want_s);
    }
  if (size > DOCK_REGISTRY_DOC_MAX)
    return berth_fail (err, 0, "manifest %s is larger than the %d MiB limit", digest, DOCK_REGISTRY_DOC_MAX >> 20);
  cleanup_free char *sub_mt = NULL;
  if (dock_registry_get_manifest (reg, ref->path, digest, manifest, manifest_len, &sub_mt, manifest_digest, NULL, err)
      < 0)
    return -1;
  if (strcmp (*manifest_digest, digest) != 0)
    return berth_fail (err, 0, "manifest %s: the registry sent content with digest %s", digest, *manifest_digest);
  if (oci_media_type_kind (sub_mt) != OCI_MT_KIND_MANIFEST)
    return berth_fail (err, 0, "manifest %s: unsupported media type %s", digest, sub_mt);
  /* Keep the index too: save and inspect show it. */
  char ignored[DOCK_DIGEST_MAX];
  if (dock_blob_put (s, body, len, ignored, err) < 0)
    return -1;
  *from_index = true;
  return 0;
}

/* Whether the name already points at this very manifest ("up to date"). */
static bool
name_has_manifest (dock_store *s, const dock_ref *ref, const char *manifest_digest)
{
  cleanup_free char *name = dock_ref_string (ref);
  dock_image_info info = { 0 };
  berth_error *ignored = NULL;
  bool had = false;
  if (dock_image_lookup (s, name, &info, &ignored) == 0)
    had = info.manifest_digest && strcmp (info.manifest_digest, manifest_digest) == 0;
  berth_error_free (ignored);
  dock_image_info_clear (&info);
  return had;
}

/* Whether the tag names, at the registry, the very manifest (or index)
   the store has under that name: a HEAD's Docker-Content-Digest among the
   image's repo digests.  *digest gets the registry's digest. */
static int
tag_is_current (dock_store *s, dock_registry *reg, const dock_ref *ref, char **digest, bool *current,
                berth_error **err)
{
  *current = false;
  cleanup_free char *name = dock_ref_string (ref);
  dock_image_info info = { 0 };
  berth_error *ignored = NULL;
  bool have = dock_image_lookup (s, name, &info, &ignored) == 0 && info.id != NULL;
  berth_error_free (ignored);
  if (!have)
    {
      dock_image_info_clear (&info);
      return 0;
    }
  bool exists = false;
  if (dock_registry_head_manifest (reg, ref->path, ref->tag, &exists, digest, err) < 0)
    {
      dock_image_info_clear (&info);
      return -1;
    }
  if (exists && *digest)
    {
      cleanup_free char *repo = dock_ref_name (ref);
      cleanup_free char *wanted = xasprintf ("%s@%s", repo, *digest);
      for (char **p = info.digests; p && *p && !*current; p++)
        *current = strcmp (*p, wanted) == 0;
    }
  dock_image_info_clear (&info);
  return 0;
}

/* Pull one tag or digest of ref's repository from reg. */
static int
pull_one (dock_store *s, dock_registry *reg, const dock_ref *ref, const dock_pull_opts *o, berth_error **err)
{
  cleanup_free char *refname = dock_ref_familiar_string (ref);
  dock_platform want = { 0 };
  if (o->platform)
    {
      if (dock_platform_parse (o->platform, &want, err) < 0)
        return -1;
    }
  else
    dock_platform_host (&want);

  cleanup_free char *manifest = NULL, *manifest_digest = NULL, *top_digest = NULL;
  size_t manifest_len = 0;
  bool from_index = false;
  oci_image_manifest *m = NULL;
  int rc = -1;
  if (ref->tag && !o->platform)
    {
      bool current = false;
      if (tag_is_current (s, reg, ref, &top_digest, &current, err) < 0)
        goto out;
      if (current)
        {
          /* Nothing to fetch: a HEAD says the tag still names what we have. */
          if (o->progress && o->progress->pulling)
            o->progress->pulling (o->data, ref->tag, ref->path);
          if (o->progress && o->progress->done)
            o->progress->done (o->data, ref, top_digest, false);
          rc = 0;
          goto out;
        }
      free (top_digest);
      top_digest = NULL;
    }
  if (resolve_manifest (s, reg, ref, &want, refname, &manifest, &manifest_len, &manifest_digest, &top_digest,
                        &from_index, err)
      < 0)
    goto out;
  char *perr = NULL;
  m = oci_image_manifest_parse_data (manifest, manifest_len, "manifest", &perr);
  if (m == NULL)
    {
      berth_fail_take (err, 0, perr);
      goto out;
    }
  if (check_manifest (m, err) < 0)
    goto out;
  if (o->progress && o->progress->pulling)
    o->progress->pulling (o->data, ref->digest ? ref->digest : ref->tag, ref->path);
  bool had = name_has_manifest (s, ref, manifest_digest);
  if (ensure_small_blob (s, reg, ref->path, m->config->digest, err) < 0
      || (o->platform && !from_index && config_platform_check (s, m->config->digest, &want, refname, err) < 0)
      || fetch_layers (s, reg, ref->path, m, o, err) < 0)
    goto out;

  char stored[DOCK_DIGEST_MAX];
  if (dock_blob_put (s, manifest, manifest_len, stored, err) < 0)
    goto out;
  char *repo_name = dock_ref_name (ref);
  char *repo_digest = xasprintf ("%s@%s", repo_name, top_digest);
  char *tagged = ref->tag ? xasprintf ("%s:%s", repo_name, ref->tag) : NULL;
  const char *names[] = { tagged, NULL };
  const char *digests[] = { repo_digest, NULL };
  rc = dock_image_register (s, manifest_digest, tagged ? names : NULL, digests, NULL, err);
  free (repo_name);
  free (repo_digest);
  free (tagged);
  if (rc == 0 && o->progress && o->progress->done)
    o->progress->done (o->data, ref, top_digest, !had);
out:
  oci_image_manifest_free (m);
  dock_platform_clear (&want);
  return rc;
}

static int
pull_from (dock_store *s, dock_registry *reg, const dock_ref *ref, const dock_pull_opts *o, berth_error **err)
{
  if (!o->all_tags)
    {
      cleanup_ref dock_ref *r = dock_ref_copy (ref);
      dock_ref_default_tag (r);
      return pull_one (s, reg, r, o, err);
    }
  if (ref->tag || ref->digest)
    return berth_fail (err, 0, "tag can't be used with --all-tags/-a");
  char **tags = NULL;
  size_t n = 0;
  if (dock_registry_tags (reg, ref->path, &tags, &n, err) < 0)
    return -1;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++)
    {
      cleanup_ref dock_ref *r = dock_ref_copy (ref);
      r->tag = xstrdup (tags[i]);
      rc = pull_one (s, reg, r, o, err);
    }
  strv_free (tags);
  return rc;
}

int
dock_pull (dock_store *s, const dock_ref *ref, const dock_pull_opts *o, berth_error **err)
{
  cleanup_http dock_http *http = NULL;
  if (dock_http_new (&http, err) < 0)
    return -1;
  size_t n = 0;
  char **endpoints = dock_registry_endpoints (&o->registry, ref->domain, &n);
  int rc = -1;
  for (size_t i = 0; i < n; i++)
    {
      berth_error *e = NULL;
      dock_registry *reg = NULL;
      if (dock_registry_open (http, &o->registry, ref->domain, endpoints[i], NULL, &reg, &e) == 0)
        {
          rc = pull_from (s, reg, ref, o, &e);
          dock_registry_free (reg);
        }
      if (rc == 0)
        {
          berth_error_free (e);
          break;
        }
      /* A mirror that fails (down, or without the image): the next one,
         then the origin; the origin's error is the one reported. */
      if (i + 1 < n)
        berth_error_free (e);
      else
        *err = e;
    }
  dock_registry_endpoints_free (endpoints, n);
  return rc;
}

void
dock_pull_registry_opts (const dock_config *cfg, dock_registry_opts *out)
{
  memset (out, 0, sizeof *out);
  out->mirrors = (const char *const *) cfg->registry_mirrors;
  out->insecure = (const char *const *) cfg->insecure_registries;
  out->tls_verify = -1;
}
