#include "config.h"

#include "fetch.h"
#include "libberth/util.h"
#include "libdock/registry/curl_api.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

typedef struct
{
  int fd;
  int errnum;
} sink;

static size_t
write_cb (char *ptr, size_t size, size_t nmemb, void *data)
{
  sink *s = data;
  if (write_all (s->fd, ptr, size * nmemb) < 0)
    {
      s->errnum = errno;
      return 0;
    }
  return size * nmemb;
}

/* One transfer through the multi interface (the table has no easy_perform). */
static CURLcode
perform (const dock_curl_api *c, CURL *h)
{
  CURLM *m = c->multi_init ();
  if (m == NULL)
    return CURLE_OUT_OF_MEMORY;
  CURLcode rc = CURLE_OK;
  c->multi_add_handle (m, h);
  int running = 1;
  while (running)
    {
      if (c->multi_perform (m, &running) != CURLM_OK
          || (running && c->multi_poll (m, NULL, 0, 1000, NULL) != CURLM_OK))
        {
          rc = CURLE_RECV_ERROR;
          break;
        }
    }
  int left;
  for (CURLMsg *msg; (msg = c->multi_info_read (m, &left));)
    if (msg->msg == CURLMSG_DONE)
      rc = msg->data.result;
  c->multi_remove_handle (m, h);
  c->multi_cleanup (m);
  return rc;
}

int
dock_fetch_url_to_tmpfile (const char *url, const char *root, berth_error **err)
{
  const dock_curl_api *c = dock_curl (err);
  if (c == NULL)
    return -1;
  cleanup_free char *dir = xasprintf ("%s/tmp", root);
  cleanup_close int fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return berth_fail_errno (err, "create a temporary file in %s", dir);
  CURL *h = c->easy_init ();
  if (h == NULL)
    return berth_fail (err, ENOMEM, "%s", url);
  sink s = { fd, 0 };
  char errbuf[CURL_ERROR_SIZE] = "";
  c->easy_setopt (h, CURLOPT_URL, url);
  /* http(s) only, redirects included: never file:// or anything else. */
  c->easy_setopt (h, CURLOPT_PROTOCOLS_STR, "http,https");
  c->easy_setopt (h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  c->easy_setopt (h, CURLOPT_FOLLOWLOCATION, 1L);
  c->easy_setopt (h, CURLOPT_FAILONERROR, 1L);
  c->easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  c->easy_setopt (h, CURLOPT_WRITEFUNCTION, write_cb);
  c->easy_setopt (h, CURLOPT_WRITEDATA, &s);
  c->easy_setopt (h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = perform (c, h);
  c->easy_cleanup (h);
  if (s.errnum)
    return berth_fail (err, s.errnum, "%s: write the download", url);
  if (rc != CURLE_OK)
    return berth_fail (err, 0, "%s: %s", url, *errbuf ? errbuf : c->easy_strerror (rc));
  if (lseek (fd, 0, SEEK_SET) < 0)
    return berth_fail_errno (err, "%s: seek", url);
  return steal_fd (&fd);
}
