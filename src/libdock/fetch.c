#include "config.h"

#include "fetch.h"
#include "libberth/util.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

typedef struct
{
  CURL *(*easy_init) (void);
  CURLcode (*easy_setopt) (CURL *, CURLoption, ...);
  CURLcode (*easy_perform) (CURL *);
  CURLcode (*easy_getinfo) (CURL *, CURLINFO, ...);
  void (*easy_cleanup) (CURL *);
  const char *(*easy_strerror) (CURLcode);
} curl_api;

static int
load_curl (curl_api *c, berth_error **err)
{
  void *h = dlopen ("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return berth_fail (err, 0, "load libcurl.so.4 (install libcurl4): %s", dlerror ());
  struct
  {
    void **slot;
    const char *name;
  } syms[] = {
    { (void **) &c->easy_init, "curl_easy_init" },         { (void **) &c->easy_setopt, "curl_easy_setopt" },
    { (void **) &c->easy_perform, "curl_easy_perform" },   { (void **) &c->easy_getinfo, "curl_easy_getinfo" },
    { (void **) &c->easy_cleanup, "curl_easy_cleanup" },   { (void **) &c->easy_strerror, "curl_easy_strerror" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (syms); i++)
    if ((*syms[i].slot = dlsym (h, syms[i].name)) == NULL)
      return berth_fail (err, 0, "libcurl.so.4: symbol %s missing", syms[i].name);
  return 0;
}

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

int
dock_fetch_url_to_tmpfile (const char *url, const char *root, berth_error **err)
{
  curl_api c;
  if (load_curl (&c, err) < 0)
    return -1;
  cleanup_free char *dir = xasprintf ("%s/tmp", root);
  cleanup_close int fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return berth_fail_errno (err, "create a temporary file in %s", dir);
  CURL *h = c.easy_init ();
  if (h == NULL)
    return berth_fail (err, ENOMEM, "%s", url);
  sink s = { fd, 0 };
  char errbuf[CURL_ERROR_SIZE] = "";
  c.easy_setopt (h, CURLOPT_URL, url);
  c.easy_setopt (h, CURLOPT_FOLLOWLOCATION, 1L);
  c.easy_setopt (h, CURLOPT_FAILONERROR, 1L);
  c.easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  c.easy_setopt (h, CURLOPT_WRITEFUNCTION, write_cb);
  c.easy_setopt (h, CURLOPT_WRITEDATA, &s);
  c.easy_setopt (h, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = c.easy_perform (h);
  long status = 0;
  c.easy_getinfo (h, CURLINFO_RESPONSE_CODE, &status);
  c.easy_cleanup (h);
  if (s.errnum)
    return berth_fail (err, s.errnum, "%s: write the download", url);
  if (rc != CURLE_OK)
    return berth_fail (err, 0, "%s: %s", url, *errbuf ? errbuf : c.easy_strerror (rc));
  if (lseek (fd, 0, SEEK_SET) < 0)
    return berth_fail_errno (err, "%s: seek", url);
  return steal_fd (&fd);
}
