/* Registry authentication: the WWW-Authenticate challenge a registry
 * answers /v2/ with, Basic credentials, and the token flow of a Bearer
 * realm (GET <realm>?service=...&scope=... with the user's Basic
 * credentials, or none for anonymous pulls; the answer's "token" is then
 * sent as "Authorization: Bearer ...").
 */
#ifndef DOCK_REGISTRY_AUTH_H
#define DOCK_REGISTRY_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "libberth/error.h"
#include "libdock/registry/http.h"

typedef enum
{
  DOCK_AUTH_NONE,
  DOCK_AUTH_BASIC,
  DOCK_AUTH_BEARER,
} dock_auth_scheme;

typedef struct
{
  dock_auth_scheme scheme;
  char *realm;
  char *service;
  char *scope; /* what a 401 for one request asked for */
  char *error; /* error="invalid_token" and the like */
} dock_challenge;

/* Parse a WWW-Authenticate value ("Bearer realm=\"...\",service=\"...\"").
   Unknown schemes parse as DOCK_AUTH_NONE; -1 only for a malformed value. */
int dock_challenge_parse (const char *header, dock_challenge *out, berth_error **err);
void dock_challenge_clear (dock_challenge *c);

typedef struct
{
  char *username;
  char *password;       /* or an identity token's secret */
} dock_credentials;

void dock_credentials_clear (dock_credentials *c);
bool dock_credentials_empty (const dock_credentials *c);

/* RFC 4648 base64 (with padding), malloc'd. */
char *dock_base64_encode (const void *buf, size_t len);
/* NULL when s is not base64; *len gets the decoded length (NUL added). */
char *dock_base64_decode (const char *s, size_t *len);

/* "Basic <base64(user:password)>" (the header's value), malloc'd. */
char *dock_basic_authorization (const dock_credentials *c);

/* Fetch a token from the challenge's realm for the given scopes (NULL
   entries ignored; none at all for `dock login`, which then asks for an
   offline token as docker does).  *token is malloc'd; *expires_in in
   seconds.  Errors are one line: "unauthorized: incorrect username or
   password" from the realm's answer, or the transport's failure. */
int dock_fetch_token (dock_http *h, const dock_tls *tls, const dock_challenge *c, const dock_credentials *cred,
                      const char *const *scopes, size_t n_scopes, bool for_login, char **token, long *expires_in,
                      berth_error **err);

#endif
