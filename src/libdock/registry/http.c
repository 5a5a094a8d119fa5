/* HTTP over libcurl's multi interface: see http.h. */
#include "config.h"
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/registry/http.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "libberth/util.h"
#include "libdock/registry/curl_api.h"

#define USER_AGENT "dock/" PACKAGE_VERSION
/* Fewer, larger write callbacks for blobs (curl's default is 16 KiB). */
#define RECEIVE_BUFFER (256 * 1024)

struct dock_http
{
  const dock_curl_api *curl;
  CURLM *multi;
  size_t running; /* started, not yet completed */
  dock_http_req *done_head, *done_tail;
};

int
dock_http_new (dock_http **out, berth_error **err)
{
  const dock_curl_api *curl = dock_curl (err);
  if (curl == NULL)
    return -1;
  dock_http *h = xcalloc (1, sizeof *h);
  h->curl = curl;
  h->multi = curl->multi_init ();
  if (h->multi == NULL)
    {
      free (h);
      return berth_fail (err, ENOMEM, "curl_multi_init");
    }
  /* Multiplex on HTTP/2 connections (curl's default since 7.62; said
     here because the parallel pull depends on it). */
  curl->multi_setopt (h->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX);
  *out = h;
  return 0;
}

void
dock_http_free (dock_http *h)
{
  if (h == NULL)
    return;
  h->curl->multi_cleanup (h->multi);
  free (h);
}

void
dock_http_freep (dock_http **h)
{
  dock_http_free (*h);
  *h = NULL;
}

dock_http_req *
dock_http_req_new (const char *method, const char *url)
{
  dock_http_req *r = xcalloc (1, sizeof *r);
  r->method = xstrdup (method);
  r->url = xstrdup (url);
  r->body_fd = -1;
  r->content_length = -1;
  r->capture_max = 64 * 1024;
  r->head = strcmp (method, "HEAD") == 0;
  /* No "Expect: 100-continue" round trip before large uploads. */
  if (!r->head && strcmp (method, "GET") != 0)
    dock_http_req_header (r, "Expect:");
  return r;
}

void
dock_http_req_header (dock_http_req *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *line = NULL;
  if (vasprintf (&line, fmt, ap) < 0)
    abort ();
  va_end (ap);
  /* A header set again replaces the earlier one (Authorization after a
     new token). */
  size_t name_len = strcspn (line, ":");
  for (size_t i = 0; i < r->n_headers; i++)
    if (strncasecmp (r->headers[i], line, name_len) == 0 && r->headers[i][name_len] == ':')
      {
        free (r->headers[i]);
        r->headers[i] = line;
        return;
      }
  r->headers = xrealloc (r->headers, (r->n_headers + 2) * sizeof (char *));
  r->headers[r->n_headers++] = line;
  r->headers[r->n_headers] = NULL;
}

static void
clear_response (dock_http_req *r)
{
  free (r->www_authenticate);
  free (r->location);
  free (r->content_type);
  free (r->docker_content_digest);
  free (r->content_range);
  free (r->retry_after);
  free (r->link);
  r->link = NULL;
  r->www_authenticate = r->location = r->content_type = r->docker_content_digest = r->content_range = NULL;
  r->retry_after = NULL;
  r->content_length = -1;
  r->status = 0;
}

void
dock_http_req_reset (dock_http_req *r)
{
  clear_response (r);
  free (r->body_buf);
  r->body_buf = NULL;
  r->body_buf_len = 0;
  r->body_too_large = false;
  r->received = 0;
  r->curl_code = 0;
  r->curl_error[0] = '\0';
  berth_error_free (r->sink_err);
  r->sink_err = NULL;
  if (r->http && r->started)
    dock_http_cancel (r->http, r);
  r->saw_body = r->done = r->claimed = false;
  r->started = false;
  if (r->easy)
    {
      dock_curl (NULL)->easy_cleanup (r->easy);
      r->easy = NULL;
    }
  if (r->slist)
    {
      dock_curl (NULL)->slist_free_all (r->slist);
      r->slist = NULL;
    }
}

void
dock_http_req_free (dock_http_req *r)
{
  if (r == NULL)
    return;
  dock_http_req_reset (r);
  strv_free (r->headers);
  free (r->method);
  free (r->url);
  free (r);
}

void
dock_http_req_freep (dock_http_req **r)
{
  dock_http_req_free (*r);
  *r = NULL;
}

/* ------------------------------------------------------------ callbacks */

static char *
header_value (const char *line, size_t len, const char *name)
{
  size_t n = strlen (name);
  if (len <= n || strncasecmp (line, name, n) != 0 || line[n] != ':')
    return NULL;
  const char *v = line + n + 1, *end = line + len;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
    end--;
  return xstrndup (v, (size_t) (end - v));
}

static const struct
{
  const char *name;
  size_t offset;
} captured_headers[] = {
  { "WWW-Authenticate", offsetof (dock_http_req, www_authenticate) },
  { "Location", offsetof (dock_http_req, location) },
  { "Content-Type", offsetof (dock_http_req, content_type) },
  { "Docker-Content-Digest", offsetof (dock_http_req, docker_content_digest) },
  { "Content-Range", offsetof (dock_http_req, content_range) },
  { "Retry-After", offsetof (dock_http_req, retry_after) },
  { "Link", offsetof (dock_http_req, link) },
};

static size_t
on_header (char *buf, size_t size, size_t n, void *data)
{
  dock_http_req *r = data;
  size_t len = size * n;
  if (len >= 5 && strncmp (buf, "HTTP/", 5) == 0)
    {
      /* A new answer (after a redirect or a 100 Continue): forget the
         previous one's headers. */
      clear_response (r);
      const char *sp = memchr (buf, ' ', len);
      if (sp)
        r->status = strtol (sp + 1, NULL, 10);
      return len;
    }
  for (size_t i = 0; i < ARRAY_SIZE (captured_headers); i++)
    {
      char *v = header_value (buf, len, captured_headers[i].name);
      if (v)
        {
          char **slot = (char **) ((char *) r + captured_headers[i].offset);
          /* Several WWW-Authenticate headers: the first is the one used. */
          if (*slot == NULL)
            *slot = v;
          else
            free (v);
          return len;
        }
    }
  char *cl = header_value (buf, len, "Content-Length");
  if (cl)
    {
      r->content_length = strtoll (cl, NULL, 10);
      free (cl);
    }
  return len;
}

static bool
success_status (long status)
{
  return status >= 200 && status < 300;
}

static size_t
on_body (char *buf, size_t size, size_t n, void *data)
{
  dock_http_req *r = data;
  size_t len = size * n;
  bool to_sink = r->sink && success_status (r->status);
  if (!r->saw_body)
    {
      r->saw_body = true;
      if (to_sink && r->on_start && r->on_start (r, r->data, &r->sink_err) < 0)
        return 0;
    }
  if (to_sink)
    {
      if (r->sink (buf, len, r->data, &r->sink_err) < 0)
        return 0;
      r->received += (int64_t) len;
      return len;
    }
  if (r->body_buf_len + len > r->capture_max)
    {
      r->body_too_large = true;
      return 0;
    }
  r->body_buf = xrealloc (r->body_buf, r->body_buf_len + len + 1);
  memcpy (r->body_buf + r->body_buf_len, buf, len);
  r->body_buf_len += len;
  r->body_buf[r->body_buf_len] = '\0';
  r->received += (int64_t) len;
  return len;
}

static size_t
on_read (char *buf, size_t size, size_t n, void *data)
{
  dock_http_req *r = data;
  size_t want = size * n;
  int64_t left = r->body_len - r->sent;
  if (left <= 0)
    return 0;
  if ((int64_t) want > left)
    want = (size_t) left;
  size_t got = want;
  if (r->body_fd >= 0)
    {
      ssize_t k;
      do
        k = pread (r->body_fd, buf, want, r->body_offset + r->sent);
      while (k < 0 && errno == EINTR);
      if (k <= 0)
        return CURL_READFUNC_ABORT;
      got = (size_t) k;
    }
  else
    memcpy (buf, (const char *) r->body + r->sent, want);
  r->sent += (int64_t) got;
  if (r->on_sent)
    r->on_sent (r->sent, r->data);
  return got;
}

/* curl rewinds an upload to resend it (a redirect, an auth retry). */
static int
on_seek (void *data, curl_off_t offset, int origin)
{
  dock_http_req *r = data;
  if (origin != SEEK_SET || offset < 0 || offset > r->body_len)
    return CURL_SEEKFUNC_CANTSEEK;
  r->sent = offset;
  return CURL_SEEKFUNC_OK;
}

/* ----------------------------------------------------------------- loop */

static int
setup_easy (dock_http *h, dock_http_req *r, berth_error **err)
{
  const dock_curl_api *c = h->curl;
  CURL *e = c->easy_init ();
  if (e == NULL)
    return berth_fail (err, ENOMEM, "curl_easy_init");
  r->easy = e;
  c->easy_setopt (e, CURLOPT_URL, r->url);
  c->easy_setopt (e, CURLOPT_PRIVATE, r);
  c->easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
  c->easy_setopt (e, CURLOPT_USERAGENT, USER_AGENT);
  c->easy_setopt (e, CURLOPT_ERRORBUFFER, r->curl_error);
  c->easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
  c->easy_setopt (e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  c->easy_setopt (e, CURLOPT_HEADERFUNCTION, on_header);
  c->easy_setopt (e, CURLOPT_HEADERDATA, r);
  c->easy_setopt (e, CURLOPT_WRITEFUNCTION, on_body);
  c->easy_setopt (e, CURLOPT_WRITEDATA, r);
  c->easy_setopt (e, CURLOPT_BUFFERSIZE, (long) RECEIVE_BUFFER);
  c->easy_setopt (e, CURLOPT_CONNECTTIMEOUT, 30L);
  /* A stalled transfer (no byte for a minute) fails and is retried,
     rather than hanging a pull forever. */
  c->easy_setopt (e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  c->easy_setopt (e, CURLOPT_LOW_SPEED_TIME, 60L);
  if (c->http2)
    {
      c->easy_setopt (e, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
      /* Wait for an existing HTTP/2 connection to multiplex on rather than
         opening one connection per parallel download. */
      c->easy_setopt (e, CURLOPT_PIPEWAIT, 1L);
    }
  if (r->follow)
    {
      /* curl drops our Authorization header when a redirect leaves the
         host (storage backends sign their own URLs). */
      c->easy_setopt (e, CURLOPT_FOLLOWLOCATION, 1L);
      c->easy_setopt (e, CURLOPT_MAXREDIRS, 10L);
    }
  if (r->head)
    c->easy_setopt (e, CURLOPT_NOBODY, 1L);
  else if (strcmp (r->method, "GET") != 0)
    {
      bool upload = strcmp (r->method, "DELETE") != 0;
      if (upload)
        {
          c->easy_setopt (e, CURLOPT_UPLOAD, 1L);
          c->easy_setopt (e, CURLOPT_READFUNCTION, on_read);
          c->easy_setopt (e, CURLOPT_READDATA, r);
          c->easy_setopt (e, CURLOPT_SEEKFUNCTION, on_seek);
          c->easy_setopt (e, CURLOPT_SEEKDATA, r);
          c->easy_setopt (e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) r->body_len);
        }
      c->easy_setopt (e, CURLOPT_CUSTOMREQUEST, r->method);
    }
  if (r->range_from > 0)
    {
      char range[32];
      snprintf (range, sizeof range, "%lld-", (long long) r->range_from);
      c->easy_setopt (e, CURLOPT_RANGE, range);
    }
  if (r->tls)
    {
      c->easy_setopt (e, CURLOPT_SSL_VERIFYPEER, r->tls->verify ? 1L : 0L);
      c->easy_setopt (e, CURLOPT_SSL_VERIFYHOST, r->tls->verify ? 2L : 0L);
      if (r->tls->ca_file)
        c->easy_setopt (e, CURLOPT_CAINFO, r->tls->ca_file);
      if (r->tls->cert_file && r->tls->key_file)
        {
          c->easy_setopt (e, CURLOPT_SSLCERT, r->tls->cert_file);
          c->easy_setopt (e, CURLOPT_SSLKEY, r->tls->key_file);
        }
    }
  for (size_t i = 0; i < r->n_headers; i++)
    {
      struct curl_slist *l = c->slist_append (r->slist, r->headers[i]);
      if (l == NULL)
        return berth_fail (err, ENOMEM, "curl_slist_append");
      r->slist = l;
    }
  if (r->slist)
    c->easy_setopt (e, CURLOPT_HTTPHEADER, (struct curl_slist *) r->slist);
  return 0;
}

int
dock_http_start (dock_http *h, dock_http_req *r, berth_error **err)
{
  if (r->started)
    dock_http_req_reset (r);
  r->http = h;
  r->sent = 0;
  if (setup_easy (h, r, err) < 0)
    return -1;
  CURLMcode mc = h->curl->multi_add_handle (h->multi, r->easy);
  if (mc != CURLM_OK)
    return berth_fail (err, 0, "curl: %s", h->curl->multi_strerror (mc));
  r->started = true;
  h->running++;
  return 0;
}

static void
mark_done (dock_http *h, dock_http_req *r, CURLcode code)
{
  r->curl_code = (int) code;
  long status = 0;
  h->curl->easy_getinfo (r->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status)
    r->status = status;
  if (code != CURLE_OK)
    {
      /* curl's phrase ("Couldn't connect to server") plus the system's
         reason, which says what happened ("connection refused"). */
      long os_errno = 0;
      h->curl->easy_getinfo (r->easy, CURLINFO_OS_ERRNO, &os_errno);
      if (r->curl_error[0] == '\0')
        snprintf (r->curl_error, sizeof r->curl_error, "%s", h->curl->easy_strerror (code));
      if (os_errno > 0)
        {
          size_t n = strlen (r->curl_error);
          snprintf (r->curl_error + n, sizeof r->curl_error - n, ": %s", strerror ((int) os_errno));
        }
    }
  h->curl->multi_remove_handle (h->multi, r->easy);
  r->done = true;
  r->next_done = NULL;
  if (h->done_tail)
    h->done_tail->next_done = r;
  else
    h->done_head = r;
  h->done_tail = r;
  h->running--;
}

/* One turn of the loop: move data, collect completions, and sleep in poll
   only when nothing completed. */
static int
step (dock_http *h, int poll_ms, berth_error **err)
{
  int still = 0;
  CURLMcode mc = h->curl->multi_perform (h->multi, &still);
  if (mc != CURLM_OK)
    return berth_fail (err, 0, "curl: %s", h->curl->multi_strerror (mc));
  bool any = false;
  CURLMsg *msg;
  int left;
  while ((msg = h->curl->multi_info_read (h->multi, &left)) != NULL)
    if (msg->msg == CURLMSG_DONE)
      {
        dock_http_req *r = NULL;
        h->curl->easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **) &r);
        mark_done (h, r, msg->data.result);
        any = true;
      }
  if (!any && h->running > 0)
    {
      mc = h->curl->multi_poll (h->multi, NULL, 0, poll_ms, NULL);
      if (mc != CURLM_OK)
        return berth_fail (err, 0, "curl: %s", h->curl->multi_strerror (mc));
    }
  return 0;
}

static void
unlink_done (dock_http *h, dock_http_req *r)
{
  dock_http_req **p = &h->done_head, *prev = NULL;
  while (*p && *p != r)
    {
      prev = *p;
      p = &(*p)->next_done;
    }
  if (*p == NULL)
    return;
  *p = r->next_done;
  if (h->done_tail == r)
    h->done_tail = prev;
  r->next_done = NULL;
  r->claimed = true;
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
dock_http_running (const dock_http *h)
{
  return h->running;
}

int
dock_http_wait (dock_http *h, int timeout_ms, dock_http_req **done, berth_error **err)
{
  *done = NULL;
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms () + timeout_ms;
  while (h->done_head == NULL)
    {
      if (h->running == 0 || now_ms () >= deadline)
        return 0;
      int64_t left = deadline - now_ms ();
      if (step (h, left < 1000 ? (int) (left > 0 ? left : 0) : 1000, err) < 0)
        return -1;
    }
  dock_http_req *r = h->done_head;
  unlink_done (h, r);
  *done = r;
  return 0;
}

int
dock_http_perform (dock_http *h, dock_http_req *r, berth_error **err)
{
  if (dock_http_start (h, r, err) < 0)
    return -1;
  while (!r->done)
    if (step (h, 1000, err) < 0)
      return -1;
  unlink_done (h, r);
  return 0;
}

void
dock_http_cancel (dock_http *h, dock_http_req *r)
{
  if (!r->started)
    return;
  if (r->done)
    {
      if (!r->claimed)
        unlink_done (h, r);
      return;
    }
  h->curl->multi_remove_handle (h->multi, r->easy);
  r->done = r->claimed = true;
  r->curl_code = CURLE_ABORTED_BY_CALLBACK;
  h->running--;
}

char *
dock_http_query_escape (const char *value)
{
  char *out = xmalloc (strlen (value) * 3 + 1), *o = out;
  for (const unsigned char *p = (const unsigned char *) value; *p; p++)
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr ("-._~", *p))
      *o++ = (char) *p;
    else
      o += sprintf (o, "%%%02X", *p);
  *o = '\0';
  return out;
}

const char *
dock_http_transport_error (const dock_http_req *r)
{
  if (r->curl_code == CURLE_OK)
    return NULL;
  if (r->curl_error[0])
    return r->curl_error;
  return dock_curl (NULL)->easy_strerror ((CURLcode) r->curl_code);
}

bool
dock_http_tls_failure (const dock_http_req *r)
{
  switch ((CURLcode) r->curl_code)
    {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return true;
    default:
      return false;
    }
}

bool
dock_http_transient_failure (const dock_http_req *r)
{
  switch ((CURLcode) r->curl_code)
    {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
    }
}
