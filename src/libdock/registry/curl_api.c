/* libcurl through dlopen: see curl_api.h for why. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/registry/curl_api.h"

#include <dlfcn.h>
#include <stdbool.h>

/* The soname of libcurl 7.16 and later, whatever TLS flavour Debian built
   (libcurl4 is OpenSSL, libcurl3-gnutls is GnuTLS and has another name). */
#define LIBCURL_SONAME "libcurl.so.4"

static dock_curl_api api;
static bool loaded;

const dock_curl_api *
dock_curl (berth_error **err)
{
  if (loaded)
    return &api;
  void *lib = dlopen (LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL)
    {
      berth_fail (err, 0, "cannot load %s (install libcurl4): %s", LIBCURL_SONAME, dlerror ());
      return NULL;
    }
#define DOCK_CURL_LOAD(member, fn)                                                                                    \
  if ((api.member = (__typeof__ (fn) *) dlsym (lib, #fn)) == NULL)                                                    \
    {                                                                                                                 \
      berth_fail (err, 0, "%s has no %s: libcurl too old (7.66 or later needed)", LIBCURL_SONAME, #fn);                \
      dlclose (lib);                                                                                                  \
      return NULL;                                                                                                    \
    }
  DOCK_CURL_FUNCTIONS (DOCK_CURL_LOAD)
#undef DOCK_CURL_LOAD
  CURLcode rc = api.global_init (CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    {
      berth_fail (err, 0, "libcurl initialisation failed: %s", api.easy_strerror (rc));
      dlclose (lib);
      return NULL;
    }
  const curl_version_info_data *v = api.version_info (CURLVERSION_NOW);
  api.http2 = v && (v->features & CURL_VERSION_HTTP2);
  /* The library stays loaded for the life of the process (curl keeps
     global state; unloading it under live handles would be fatal). */
  loaded = true;
  return &api;
}
