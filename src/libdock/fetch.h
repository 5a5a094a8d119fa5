/* One HTTP(S) download for `dock import URL` (the plain GET docker's daemon
   does), through the registry client's libcurl table (curl_api.h). */
#ifndef DOCK_FETCH_H
#define DOCK_FETCH_H

#include "libberth/error.h"

/* Download url into an unlinked temporary file under root/tmp; returns its
   fd positioned at 0.  An HTTP error status is an error naming it. */
int dock_fetch_url_to_tmpfile (const char *url, const char *root, berth_error **err);

#endif
