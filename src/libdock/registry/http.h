/* HTTP for the registry client: libcurl's multi interface behind a small
 * request object and an event loop.  All transfers of one dock_http share
 * its connection cache, so requests to one registry reuse connections
 * (and multiplex on HTTP/2 when the server offers it over TLS); several
 * transfers run at once by starting them and waiting for completions.
 *
 * A request's response body goes to its sink (blobs, streamed and never
 * held in memory) or, when it has none, into a capped buffer (manifests,
 * JSON answers).  A non-2xx body always goes to the buffer, so that an
 * error document never reaches a blob writer.
 */
#ifndef DOCK_REGISTRY_HTTP_H
#define DOCK_REGISTRY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"

typedef struct dock_http dock_http;
typedef struct dock_http_req dock_http_req;

typedef struct
{
  bool verify;     /* verify the server's certificate and name */
  char *ca_file;   /* an extra CA (certs.d/<host>/ca.crt), or NULL */
  char *cert_file; /* client certificate and key (certs.d/<host>/client.*), or NULL */
  char *key_file;
} dock_tls;

/* Called once before the first byte of a 2xx body (after all headers),
   so that the owner can check Content-Range against what it asked for. */
typedef int (*dock_http_start_fn) (dock_http_req *r, void *data, berth_error **err);
/* Body bytes of a 2xx answer; -1 (with err) stops the transfer. */
typedef int (*dock_http_sink_fn) (const void *buf, size_t len, void *data, berth_error **err);
/* Upload bytes sent so far (for push progress). */
typedef void (*dock_http_sent_fn) (int64_t sent, void *data);

struct dock_http_req
{
  /* ---- request, set by the owner before dock_http_start */
  char *method;
  char *url;
  char **headers; /* "Name: value", NULL-terminated */
  size_t n_headers;
  bool head;     /* HEAD: no body expected */
  bool follow;   /* follow redirects (blob GETs: registries redirect to storage) */
  int64_t range_from;   /* > 0: ask for bytes range_from- */
  const void *body;     /* request body in memory (not owned), or */
  int body_fd;          /* a file's bytes [body_offset, body_offset + body_len) */
  int64_t body_offset;
  int64_t body_len;
  dock_http_start_fn on_start;
  dock_http_sink_fn sink;
  dock_http_sent_fn on_sent;
  void *data;
  size_t capture_max; /* body buffer cap when there is no sink (or for error bodies) */
  const dock_tls *tls;

  /* ---- response */
  long status;          /* 0: no HTTP answer (connection failed) */
  char *www_authenticate;
  char *location;
  char *content_type;
  char *docker_content_digest;
  char *content_range;
  char *retry_after;
  char *link;            /* pagination: <...>; rel="next" */
  int64_t content_length; /* -1 unknown */
  char *body_buf;         /* NUL-terminated */
  size_t body_buf_len;
  bool body_too_large;    /* more than capture_max arrived */
  int64_t received;       /* body bytes of the final answer */
  int curl_code;          /* CURLcode; 0 when the transfer completed */
  char curl_error[320];
  berth_error *sink_err;  /* the sink's or on_start's error, if it stopped the transfer */

  /* ---- private */
  void *easy;
  void *slist;
  dock_http *http;
  dock_http_req *next_done;
  int64_t sent;
  bool started, done, claimed, saw_body;
};

int dock_http_new (dock_http **out, berth_error **err);
void dock_http_free (dock_http *h);
void dock_http_freep (dock_http **h);
#define cleanup_http __attribute__ ((cleanup (dock_http_freep)))

dock_http_req *dock_http_req_new (const char *method, const char *url);
/* A request header, "Name: value"; replaces one of the same name. */
void dock_http_req_header (dock_http_req *r, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Forget the previous response (and the transfer) so that the request can
   be started again: retries and re-auth. */
void dock_http_req_reset (dock_http_req *r);
void dock_http_req_free (dock_http_req *r);
void dock_http_req_freep (dock_http_req **r);
#define cleanup_http_req __attribute__ ((cleanup (dock_http_req_freep)))

/* Start a transfer; it progresses whenever the loop runs. */
int dock_http_start (dock_http *h, dock_http_req *r, berth_error **err);
/* Run the loop until some started transfer completes and return it (in
   *done), or until timeout_ms pass (-1: no limit); *done is NULL then, or
   when nothing is running.  A completion is reported once. */
int dock_http_wait (dock_http *h, int timeout_ms, dock_http_req **done, berth_error **err);
/* Transfers started and not yet completed. */
size_t dock_http_running (const dock_http *h);
/* Start r and run the loop until it completes (other transfers progress
   meanwhile; their completions stay for dock_http_wait). */
int dock_http_perform (dock_http *h, dock_http_req *r, berth_error **err);
/* Stop a started transfer that has not completed. */
void dock_http_cancel (dock_http *h, dock_http_req *r);

/* A query value percent-encoded (RFC 3986 unreserved characters kept),
   malloc'd: "library/busybox" -> "library%2Fbusybox". */
char *dock_http_query_escape (const char *value);

/* The transport failure of a completed request, as one phrase
   ("Connection refused", "SSL certificate problem: ..."); NULL if it got
   an HTTP answer. */
const char *dock_http_transport_error (const dock_http_req *r);
/* A transport failure on the TLS handshake (an https URL to a plain-HTTP
   server answers with garbage): the insecure-registry fallback to http. */
bool dock_http_tls_failure (const dock_http_req *r);
/* A failure worth retrying: connection reset or dropped mid-body, timeout. */
bool dock_http_transient_failure (const dock_http_req *r);

#endif
