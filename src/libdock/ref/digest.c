#include "config.h"

#include "digest.h"
#include "libberth/util.h"

#include <errno.h>
#include <string.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <openssl/evp.h>

/* libcrypto is opened on the first digest, not at start-up: loading it
   costs ~0.7 ms of CPU that `dock images`, `tag` or `inspect` never need.
   The prototypes come from evp.h, so a mismatch is a compile error. */
#define DOCK_EVP_FUNCTIONS(X)                                                                                        \
  X (EVP_MD_CTX_new) X (EVP_MD_CTX_free) X (EVP_MD_CTX_copy_ex) X (EVP_DigestInit_ex) X (EVP_DigestUpdate)          \
  X (EVP_DigestFinal_ex) X (EVP_sha256) X (EVP_sha512)

static struct
{
#define DOCK_EVP_MEMBER(fn) __typeof__ (fn) *fn;
  DOCK_EVP_FUNCTIONS (DOCK_EVP_MEMBER)
#undef DOCK_EVP_MEMBER
} evp;
static char *load_error;
static pthread_once_t evp_once = PTHREAD_ONCE_INIT;

static void
load_evp (void)
{
  void *h = dlopen (DOCK_LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    {
      load_error = xasprintf ("load %s (install libssl3): %s", DOCK_LIBCRYPTO_SONAME, dlerror ());
      return;
    }
#define DOCK_EVP_LOAD(fn)                                                                                           \
  if (load_error == NULL && (evp.fn = (__typeof__ (fn) *) dlsym (h, #fn)) == NULL)                                   \
    load_error = xasprintf ("%s: symbol %s missing", DOCK_LIBCRYPTO_SONAME, #fn);
  DOCK_EVP_FUNCTIONS (DOCK_EVP_LOAD)
#undef DOCK_EVP_LOAD
}

int
dock_digest_load (berth_error **err)
{
  pthread_once (&evp_once, load_evp);
  if (load_error)
    return berth_fail (err, 0, "%s", load_error);
  return 0;
}

/* For the hashing calls that cannot fail: a missing libcrypto is a broken
   installation, as a missing linked library would be (the loader would not
   even start dock).  Callers that can report it call dock_digest_load first. */
static void
need_evp (void)
{
  if (dock_digest_load (NULL) < 0)
    {
      fprintf (stderr, "dock: %s\n", load_error);
      abort ();
    }
}

struct dock_hasher
{
  dock_digest_alg alg;
  EVP_MD_CTX *ctx;
};

static const struct
{
  const char *name; /* as written before the colon */
  size_t hex_len;
} algs[] = {
  [DOCK_DIGEST_SHA256] = { "sha256", 64 },
  [DOCK_DIGEST_SHA512] = { "sha512", 128 },
};

static const EVP_MD *
evp_of (dock_digest_alg alg)
{
  return alg == DOCK_DIGEST_SHA512 ? evp.EVP_sha512 () : evp.EVP_sha256 ();
}

dock_hasher *
dock_hasher_new (dock_digest_alg alg)
{
  need_evp ();
  dock_hasher *h = xcalloc (1, sizeof *h);
  h->alg = alg;
  h->ctx = evp.EVP_MD_CTX_new ();
  if (h->ctx == NULL || evp.EVP_DigestInit_ex (h->ctx, evp_of (alg), NULL) != 1)
    abort (); /* only allocation can fail here */
  return h;
}

void
dock_hasher_update (dock_hasher *h, const void *buf, size_t len)
{
  if (len && evp.EVP_DigestUpdate (h->ctx, buf, len) != 1)
    abort ();
}

void
dock_hasher_peek (dock_hasher *h, char out[DOCK_DIGEST_MAX])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX *copy = evp.EVP_MD_CTX_new ();
  if (copy == NULL || evp.EVP_MD_CTX_copy_ex (copy, h->ctx) != 1 || evp.EVP_DigestFinal_ex (copy, md, &n) != 1)
    abort ();
  evp.EVP_MD_CTX_free (copy);
  static const char hexdig[] = "0123456789abcdef";
  size_t p = (size_t) sprintf (out, "%s:", algs[h->alg].name);
  for (unsigned int i = 0; i < n; i++)
    {
      out[p++] = hexdig[md[i] >> 4];
      out[p++] = hexdig[md[i] & 15];
    }
  out[p] = '\0';
}

void
dock_hasher_free (dock_hasher *h)
{
  if (h == NULL)
    return;
  evp.EVP_MD_CTX_free (h->ctx);
  free (h);
}

void
dock_hasher_freep (dock_hasher **h)
{
  dock_hasher_free (*h);
  *h = NULL;
}

int
dock_digest_parse (const char *s, dock_digest_alg *alg, const char **hex, berth_error **err)
{
  const char *colon = strchr (s, ':');
  if (colon == NULL)
    return berth_fail (err, 0, "invalid digest \"%s\": no algorithm", s);
  for (size_t a = 0; a < ARRAY_SIZE (algs); a++)
    {
      if ((size_t) (colon - s) != strlen (algs[a].name) || strncmp (s, algs[a].name, (size_t) (colon - s)) != 0)
        continue;
      const char *h = colon + 1;
      size_t n = strspn (h, "0123456789abcdef");
      if (n != algs[a].hex_len || h[n] != '\0')
        return berth_fail (err, 0, "invalid digest \"%s\": expected %zu lowercase hex digits", s, algs[a].hex_len);
      if (alg)
        *alg = (dock_digest_alg) a;
      if (hex)
        *hex = h;
      return 0;
    }
  return berth_fail (err, 0, "invalid digest \"%s\": unsupported algorithm", s);
}

bool
dock_digest_valid (const char *s)
{
  return dock_digest_parse (s, NULL, NULL, NULL) == 0;
}

char *
dock_digest_buf (dock_digest_alg alg, const void *buf, size_t len)
{
  cleanup_hasher dock_hasher *h = dock_hasher_new (alg);
  dock_hasher_update (h, buf, len);
  char out[DOCK_DIGEST_MAX];
  dock_hasher_peek (h, out);
  return xstrdup (out);
}

int
dock_digest_fd (int fd, dock_digest_alg alg, char out[DOCK_DIGEST_MAX], off_t *size, berth_error **err)
{
  if (dock_digest_load (err) < 0)
    return -1;
  cleanup_hasher dock_hasher *h = dock_hasher_new (alg);
  char buf[1 << 16];
  off_t total = 0;
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return berth_fail_errno (err, "read");
      if (n == 0)
        break;
      dock_hasher_update (h, buf, (size_t) n);
      total += n;
    }
  dock_hasher_peek (h, out);
  if (size)
    *size = total;
  return 0;
}
