/* Parallel blob downloads with retries and Range resume; see
   dock_registry_fetch_blobs in client.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "libberth/util.h"
#include "libdock/registry/client_internal.h"
#include "libdock/registry/errors.h"

/* A blob is tried this many times (docker's max-download-attempts is 5). */
#define FETCH_ATTEMPTS 5

typedef enum
{
  ITEM_PENDING,
  ITEM_RUNNING,
  ITEM_DONE,
} item_state;

typedef struct
{
  size_t index;
  item_state state;
  bool begun;
  int attempts;
  bool reauthed;
  int64_t have; /* bytes the destination holds */
  int64_t ready_at_ms;
  dock_http_req *req;
  struct fetch *f;
} item;

typedef struct fetch
{
  dock_registry *r;
  const char *repo;
  const dock_blob_ref *blobs;
  const dock_blob_sink *sink;
  void *data;
  item *items;
  size_t n;
} fetch;

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
event (fetch *f, item *it, dock_blob_event ev)
{
  if (f->sink->event)
    f->sink->event (f->data, it->index, ev, it->have, f->blobs[it->index].size);
}

/* Before the first body byte: a Range answer must start where we asked;
   a full answer to a Range request means starting over. */
static int
on_start (dock_http_req *req, void *data, berth_error **err)
{
  item *it = data;
  fetch *f = it->f;
  if (req->range_from <= 0)
    return 0;
  if (req->status == 206)
    {
      long long start = -1;
      if (req->content_range == NULL || sscanf (req->content_range, "bytes %lld-", &start) != 1
          || start != req->range_from)
        return berth_fail (err, 0, "blob %s: the registry answered the range request from byte %" PRId64
                                   " with Content-Range \"%s\"",
                           f->blobs[it->index].digest, req->range_from,
                           req->content_range ? req->content_range : "");
      return 0;
    }
  if (f->sink->restart (f->data, it->index, err) < 0)
    return -1;
  it->have = 0;
  return 0;
}

static int
on_body (const void *buf, size_t len, void *data, berth_error **err)
{
  item *it = data;
  fetch *f = it->f;
  int64_t size = f->blobs[it->index].size;
  if (size >= 0 && it->have + (int64_t) len > size)
    return berth_fail (err, 0, "blob %s: the registry sent more than its %" PRId64 " bytes",
                       f->blobs[it->index].digest, size);
  if (f->sink->write (f->data, it->index, buf, len, err) < 0)
    return -1;
  it->have += (int64_t) len;
  event (f, it, DOCK_BLOB_DOWNLOADING);
  return 0;
}

/* Verify and store a blob whose every byte has arrived. */
static int
commit_item (fetch *f, item *it, berth_error **err)
{
  event (f, it, DOCK_BLOB_VERIFYING);
  it->state = ITEM_DONE; /* the sink frees its writer, committed or not */
  if (f->sink->commit (f->data, it->index, err) < 0)
    return -1;
  event (f, it, DOCK_BLOB_COMPLETE);
  return 0;
}

/* Start the transfer; 1 when there is none to make: the destination
   already holds every byte (a dock killed between the last write and the
   commit), and a request for "bytes=<size>-" would get a 416. */
static int
start_item (fetch *f, item *it, berth_error **err)
{
  if (!it->begun)
    {
      if (f->sink->begin (f->data, it->index, &it->have, err) < 0)
        return -1;
      it->begun = true;
      int64_t size = f->blobs[it->index].size;
      if (size > 0 && it->have == size)
        return commit_item (f, it, err) < 0 ? -1 : 1;
    }
  cleanup_free char *url = registry_url (f->r, "/v2/%s/blobs/%s", f->repo, f->blobs[it->index].digest);
  if (it->req == NULL)
    it->req = dock_http_req_new ("GET", url);
  else
    dock_http_req_reset (it->req);
  dock_http_req *req = it->req;
  req->tls = &f->r->tls;
  req->follow = true;
  req->range_from = it->have;
  req->on_start = on_start;
  req->sink = on_body;
  req->data = it;
  cleanup_free char *scope = xasprintf ("repository:%s:pull", f->repo);
  const char *scopes[] = { scope };
  if (registry_authorize (f->r, req, scopes, 1, err) < 0)
    return -1;
  if (dock_http_start (dock_registry_http (f->r), req, err) < 0)
    return -1;
  it->state = ITEM_RUNNING;
  event (f, it, DOCK_BLOB_DOWNLOADING);
  return 0;
}

/* A finished transfer: complete, retry later, or fail the fetch. */
static int
finish_item (fetch *f, item *it, berth_error **err)
{
  dock_http_req *req = it->req;
  const char *digest = f->blobs[it->index].digest;
  if (req->sink_err)
    {
      /* Our own refusal (too many bytes, a bad range, a full disk). */
      berth_error *e = steal_pointer (&req->sink_err);
      *err = e;
      return -1;
    }
  if (!it->reauthed)
    {
      cleanup_free char *scope = xasprintf ("repository:%s:pull", f->repo);
      const char *scopes[] = { scope };
      if (registry_take_challenge (f->r, req, scopes, 1))
        {
          it->reauthed = true;
          it->state = ITEM_PENDING;
          it->ready_at_ms = 0;
          return 0;
        }
    }
  bool ok = req->curl_code == 0 && (req->status == 200 || req->status == 206);
  if (ok)
    {
      int64_t size = f->blobs[it->index].size;
      if (size >= 0 && it->have != size)
        ok = false; /* a short body the server called complete: resume */
      else
        return commit_item (f, it, err);
    }
  if (!ok && (registry_transient (req) || (req->curl_code == 0 && req->status / 100 == 2)))
    {
      if (++it->attempts < FETCH_ATTEMPTS)
        {
          it->state = ITEM_PENDING;
          it->ready_at_ms = now_ms () + registry_backoff_ms (req, it->attempts - 1);
          event (f, it, DOCK_BLOB_RETRYING);
          return 0;
        }
    }
  if (req->status == 0)
    return berth_fail (err, 0, "blob %s: Get \"%s\": %s", digest, req->url, dock_http_transport_error (req));
  cleanup_free char *text = dock_http_error_text (req);
  return berth_fail (err, 0, "blob %s: %s", digest, text);
}

int
dock_registry_fetch_blobs (dock_registry *r, const char *repo, const dock_blob_ref *blobs, size_t n,
                           const dock_blob_sink *sink, void *data, size_t parallel, berth_error **err)
{
  fetch f = { .r = r, .repo = repo, .blobs = blobs, .sink = sink, .data = data, .n = n };
  f.items = xcalloc (n ? n : 1, sizeof (item));
  for (size_t i = 0; i < n; i++)
    f.items[i] = (item) { .index = i, .f = &f };
  for (size_t i = 0; i < n; i++)
    event (&f, &f.items[i], DOCK_BLOB_WAITING);
  if (parallel == 0)
    parallel = 1;
  dock_http *h = dock_registry_http (r);
  int rc = 0;
  size_t done = 0;
  while (done < n)
    {
      /* Start what may start: in order, up to the parallel limit. */
      size_t running = 0;
      int64_t now = now_ms (), next_ready = INT64_MAX;
      for (size_t i = 0; i < n; i++)
        running += f.items[i].state == ITEM_RUNNING;
      for (size_t i = 0; i < n && running < parallel; i++)
        {
          item *it = &f.items[i];
          if (it->state != ITEM_PENDING)
            continue;
          if (it->ready_at_ms > now)
            {
              if (it->ready_at_ms < next_ready)
                next_ready = it->ready_at_ms;
              continue;
            }
          int started = start_item (&f, it, err);
          if (started < 0)
            {
              rc = -1;
              goto out;
            }
          if (started > 0)
            done++;
          else
            running++;
        }
      for (size_t i = 0; i < n; i++)
        if (f.items[i].state == ITEM_PENDING && f.items[i].ready_at_ms > now && f.items[i].ready_at_ms < next_ready)
          next_ready = f.items[i].ready_at_ms;
      int timeout = next_ready == INT64_MAX ? 200 : (int) (next_ready - now > 200 ? 200 : next_ready - now);
      if (running == 0)
        {
          /* Everything waits for a backoff to pass. */
          registry_sleep_ms (timeout > 0 ? timeout : 1);
        }
      else
        {
          dock_http_req *finished = NULL;
          if (dock_http_wait (h, timeout, &finished, err) < 0)
            {
              rc = -1;
              goto out;
            }
          if (finished)
            {
              item *it = finished->data;
              if (finish_item (&f, it, err) < 0)
                {
                  rc = -1;
                  goto out;
                }
              if (it->state == ITEM_DONE)
                done++;
            }
        }
      if (sink->idle && sink->idle (data, err) < 0)
        {
          rc = -1;
          goto out;
        }
    }
out:
  for (size_t i = 0; i < n; i++)
    {
      item *it = &f.items[i];
      if (it->req)
        {
          if (it->state == ITEM_RUNNING)
            dock_http_cancel (h, it->req);
          dock_http_req_free (it->req);
        }
      if (it->begun && it->state != ITEM_DONE)
        sink->abort (data, it->index);
    }
  free (f.items);
  return rc;
}
