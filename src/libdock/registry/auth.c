/* Registry authentication: challenges, Basic credentials, Bearer tokens.
   See auth.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/registry/auth.h"

#include <string.h>
#include <strings.h>

#include "distribution_spec.h"
#include "libberth/util.h"
#include "libdock/registry/errors.h"

/* Token answers are small; a realm that sends more is not one. */
#define TOKEN_BODY_MAX (1 << 20)

void
dock_challenge_clear (dock_challenge *c)
{
  free (c->realm);
  free (c->service);
  free (c->scope);
  free (c->error);
  memset (c, 0, sizeof *c);
}

static const struct
{
  const char *name;
  dock_auth_scheme scheme;
} schemes[] = {
  { "Basic", DOCK_AUTH_BASIC },
  { "Bearer", DOCK_AUTH_BEARER },
};

static const struct
{
  const char *name;
  size_t offset;
} challenge_params[] = {
  { "realm", offsetof (dock_challenge, realm) },
  { "service", offsetof (dock_challenge, service) },
  { "scope", offsetof (dock_challenge, scope) },
  { "error", offsetof (dock_challenge, error) },
};

int
dock_challenge_parse (const char *header, dock_challenge *out, berth_error **err)
{
  memset (out, 0, sizeof *out);
  const char *p = header;
  while (*p == ' ')
    p++;
  size_t n = strcspn (p, " ");
  for (size_t i = 0; i < ARRAY_SIZE (schemes); i++)
    if (strlen (schemes[i].name) == n && strncasecmp (p, schemes[i].name, n) == 0)
      out->scheme = schemes[i].scheme;
  if (out->scheme == DOCK_AUTH_NONE)
    return 0;
  p += n;
  /* auth-param *( "," auth-param ), auth-param = token "=" ( token / quoted-string ) */
  for (;;)
    {
      while (*p == ' ' || *p == ',')
        p++;
      if (*p == '\0')
        return 0;
      const char *key = p;
      while (*p && *p != '=' && *p != ' ' && *p != ',')
        p++;
      size_t key_len = (size_t) (p - key);
      if (*p != '=')
        {
          /* "Basic realm=x, Bearer ...": a second challenge; the first wins. */
          return 0;
        }
      p++;
      char *value;
      if (*p == '"')
        {
          p++;
          char *buf = xmalloc (strlen (p) + 1);
          size_t k = 0;
          while (*p && *p != '"')
            {
              if (*p == '\\' && p[1])
                p++;
              buf[k++] = *p++;
            }
          if (*p != '"')
            {
              free (buf);
              dock_challenge_clear (out);
              return berth_fail (err, 0, "malformed WWW-Authenticate header: unterminated quoted string");
            }
          p++;
          buf[k] = '\0';
          value = buf;
        }
      else
        {
          const char *v = p;
          while (*p && *p != ',' && *p != ' ')
            p++;
          value = xstrndup (v, (size_t) (p - v));
        }
      bool kept = false;
      for (size_t i = 0; i < ARRAY_SIZE (challenge_params); i++)
        if (strlen (challenge_params[i].name) == key_len && strncasecmp (key, challenge_params[i].name, key_len) == 0)
          {
            char **slot = (char **) ((char *) out + challenge_params[i].offset);
            free (*slot);
            *slot = value;
            kept = true;
          }
      if (!kept)
        free (value);
    }
}

void
dock_credentials_clear (dock_credentials *c)
{
  free (c->username);
  if (c->password)
    explicit_bzero (c->password, strlen (c->password));
  free (c->password);
  c->username = c->password = NULL;
}

bool
dock_credentials_empty (const dock_credentials *c)
{
  return c == NULL || c->username == NULL || *c->username == '\0';
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
dock_base64_encode (const void *buf, size_t len)
{
  const unsigned char *in = buf;
  char *out = xmalloc ((len + 2) / 3 * 4 + 1), *o = out;
  size_t i = 0;
  for (; i + 2 < len; i += 3)
    {
      unsigned v = (unsigned) in[i] << 16 | (unsigned) in[i + 1] << 8 | in[i + 2];
      *o++ = b64_alphabet[v >> 18 & 63];
      *o++ = b64_alphabet[v >> 12 & 63];
      *o++ = b64_alphabet[v >> 6 & 63];
      *o++ = b64_alphabet[v & 63];
    }
  if (i < len)
    {
      unsigned v = (unsigned) in[i] << 16 | (i + 1 < len ? (unsigned) in[i + 1] << 8 : 0);
      *o++ = b64_alphabet[v >> 18 & 63];
      *o++ = b64_alphabet[v >> 12 & 63];
      *o++ = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
      *o++ = '=';
    }
  *o = '\0';
  return out;
}

char *
dock_base64_decode (const char *s, size_t *len)
{
  size_t n = strlen (s);
  if (n % 4 != 0)
    return NULL;
  char *out = xmalloc (n / 4 * 3 + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i += 4)
    {
      unsigned v = 0;
      int pad = 0;
      for (int j = 0; j < 4; j++)
        {
          char c = s[i + j];
          const char *at = c ? strchr (b64_alphabet, c) : NULL;
          if (c == '=' && i + 4 == n && j >= 2)
            {
              pad++;
              v <<= 6;
              continue;
            }
          if (at == NULL || pad)
            {
              free (out);
              return NULL;
            }
          v = v << 6 | (unsigned) (at - b64_alphabet);
        }
      out[k++] = (char) (v >> 16);
      if (pad < 2)
        out[k++] = (char) (v >> 8);
      if (pad < 1)
        out[k++] = (char) v;
    }
  out[k] = '\0';
  if (len)
    *len = k;
  return out;
}

char *
dock_basic_authorization (const dock_credentials *c)
{
  cleanup_free char *pair = xasprintf ("%s:%s", c->username ? c->username : "", c->password ? c->password : "");
  cleanup_free char *b64 = dock_base64_encode (pair, strlen (pair));
  explicit_bzero (pair, strlen (pair));
  return xasprintf ("Basic %s", b64);
}

static void
append_query (char **url, const char *key, const char *value)
{
  char *enc = dock_http_query_escape (value);
  char *joined = xasprintf ("%s%s%s=%s", *url, strchr (*url, '?') ? "&" : "?", key, enc);
  free (enc);
  free (*url);
  *url = joined;
}

/* Token servers answer failures in several shapes: distribution's error
   document, {"details": "..."} (Docker Hub), or nothing. */
static char *
token_error_text (const dock_http_req *r)
{
  if (r->status == 0)
    return dock_http_error_text (r);
  char *code = dock_http_error_code (r);
  if (code)
    {
      free (code);
      return dock_http_error_text (r);
    }
  if (r->body_buf)
    {
      char *perr = NULL;
      oci_json *tree = oci_json_parse (r->body_buf, r->body_buf_len, &perr);
      free (perr);
      const oci_json *details = tree ? oci_json_get (tree, "details") : NULL;
      if (details && details->kind == OCI_JSON_STRING)
        {
          char *text = xasprintf ("%s: %s", r->status == 401 ? "unauthorized" : "error", details->text);
          oci_json_free (tree);
          return text;
        }
      oci_json_free (tree);
    }
  if (r->status == 401)
    return xstrdup ("unauthorized: authentication required");
  if (r->status == 403)
    return xstrdup ("denied: requested access to the resource is denied");
  return dock_http_error_text (r);
}

int
dock_fetch_token (dock_http *h, const dock_tls *tls, const dock_challenge *c, const dock_credentials *cred,
                  const char *const *scopes, size_t n_scopes, bool for_login, char **token, long *expires_in,
                  berth_error **err)
{
  *token = NULL;
  if (c->realm == NULL || *c->realm == '\0')
    return berth_fail (err, 0, "the registry's Bearer challenge has no realm");
  if (strncmp (c->realm, "https://", 8) != 0 && strncmp (c->realm, "http://", 7) != 0)
    return berth_fail (err, 0, "token realm %s is not an http(s) URL", c->realm);
  cleanup_free char *url = xstrdup (c->realm);
  if (c->service)
    append_query (&url, "service", c->service);
  for (size_t i = 0; i < n_scopes; i++)
    if (scopes[i])
      append_query (&url, "scope", scopes[i]);
  bool have_cred = !dock_credentials_empty (cred);
  if (for_login && have_cred)
    {
      append_query (&url, "account", cred->username);
      append_query (&url, "client_id", "dock");
      append_query (&url, "offline_token", "true");
    }
  cleanup_http_req dock_http_req *r = dock_http_req_new ("GET", url);
  r->tls = tls;
  r->capture_max = TOKEN_BODY_MAX;
  if (have_cred)
    {
      cleanup_free char *basic = dock_basic_authorization (cred);
      dock_http_req_header (r, "Authorization: %s", basic);
    }
  if (dock_http_perform (h, r, err) < 0)
    return -1;
  if (r->status != 200)
    {
      cleanup_free char *text = token_error_text (r);
      return berth_fail (err, 0, "%s", text);
    }
  char *perr = NULL;
  oci_dist_token *t = oci_dist_token_parse_data (r->body_buf ? r->body_buf : "", r->body_buf_len, "token", &perr);
  if (t == NULL)
    return berth_fail_take (err, 0, perr);
  const char *value = t->token && *t->token ? t->token : t->access_token;
  if (value == NULL || *value == '\0')
    {
      oci_dist_token_free (t);
      return berth_fail (err, 0, "the token server's answer has no token");
    }
  *token = xstrdup (value);
  /* The token spec's default lifetime is 60 s. */
  *expires_in = t->expires_in_present && t->expires_in > 0 ? (long) t->expires_in : 60;
  oci_dist_token_free (t);
  return 0;
}
