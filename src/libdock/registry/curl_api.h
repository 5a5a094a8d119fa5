/* libcurl, loaded on first use.  Only the commands that talk to a registry
   pay for it (and for the TLS library it pulls in): dock links no curl, it
   dlopen()s libcurl.so.4 and calls through this table.  One row per curl
   function dock uses; the prototypes come from curl.h, so a mismatch is a
   compile error, not a crash. */
#ifndef DOCK_REGISTRY_CURL_API_H
#define DOCK_REGISTRY_CURL_API_H

/* curl.h's type-checking macros would rewrite calls through the table. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdbool.h>

#include "libberth/error.h"

#define DOCK_CURL_FUNCTIONS(X)                                                                                        \
  X (global_init, curl_global_init)                                                                                   \
  X (version_info, curl_version_info)                                                                                 \
  X (easy_init, curl_easy_init)                                                                                       \
  X (easy_cleanup, curl_easy_cleanup)                                                                                 \
  X (easy_setopt, curl_easy_setopt)                                                                                   \
  X (easy_getinfo, curl_easy_getinfo)                                                                                 \
  X (easy_strerror, curl_easy_strerror)                                                                               \
  X (easy_escape, curl_easy_escape)                                                                                   \
  X (free, curl_free)                                                                                                 \
  X (multi_init, curl_multi_init)                                                                                     \
  X (multi_cleanup, curl_multi_cleanup)                                                                               \
  X (multi_setopt, curl_multi_setopt)                                                                                 \
  X (multi_add_handle, curl_multi_add_handle)                                                                         \
  X (multi_remove_handle, curl_multi_remove_handle)                                                                   \
  X (multi_perform, curl_multi_perform)                                                                               \
  X (multi_poll, curl_multi_poll)                                                                                     \
  X (multi_info_read, curl_multi_info_read)                                                                           \
  X (multi_strerror, curl_multi_strerror)                                                                             \
  X (share_init, curl_share_init)                                                                                     \
  X (share_setopt, curl_share_setopt)                                                                                 \
  X (share_cleanup, curl_share_cleanup)                                                                               \
  X (slist_append, curl_slist_append)                                                                                 \
  X (slist_free_all, curl_slist_free_all)

typedef struct
{
#define DOCK_CURL_MEMBER(member, fn) __typeof__ (fn) *member;
  DOCK_CURL_FUNCTIONS (DOCK_CURL_MEMBER)
#undef DOCK_CURL_MEMBER
  /* From curl_version_info: what this libcurl can do. */
  bool http2;
} dock_curl_api;

/* The table, loading libcurl (and running curl_global_init) the first
   time.  Not thread-safe on that first call: call it from the main thread
   before starting any. */
const dock_curl_api *dock_curl (berth_error **err);

#endif
