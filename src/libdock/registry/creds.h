/* Registry credentials where docker keeps them: $DOCKER_CONFIG/config.json
 * (default ~/.docker/config.json), "auths" entries with a base64
 * "user:password" in "auth", written 0600 with every other member of the
 * file kept; or, when the file names one, a credential helper
 * (`credHelpers` per registry, else `credsStore`): the program
 * docker-credential-<name> speaking docker's get/store/erase protocol on
 * its stdin and stdout.
 */
#ifndef DOCK_REGISTRY_CREDS_H
#define DOCK_REGISTRY_CREDS_H

#include <stdbool.h>

#include "libberth/error.h"
#include "libdock/registry/auth.h"

/* docker's server key: "https://index.docker.io/v1/" for Docker Hub, the
   registry's host[:port] otherwise.  malloc'd. */
char *dock_creds_server_key (const char *domain);
/* The config.json path in use.  malloc'd. */
char *dock_creds_config_path (void);

/* The credentials for a registry (domain as in a reference: "docker.io",
   "127.0.0.1:5000"); none is not an error (out stays empty). */
int dock_creds_get (const char *domain, dock_credentials *out, berth_error **err);
/* Save them (helper or file), as `docker login` does. */
int dock_creds_store (const char *domain, const dock_credentials *c, berth_error **err);
/* Remove them; *found says whether there were any. */
int dock_creds_erase (const char *domain, bool *found, berth_error **err);

#endif
