/* Platform names and matching; see platform.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/platform.h"

#include <string.h>
#include <sys/utsname.h>

#include "libberth/util.h"

/* Kernel and common spellings -> Go's GOARCH, with the variant they imply. */
static const struct
{
  const char *name;
  const char *arch;
  const char *variant;
} arch_names[] = {
  { "x86_64", "amd64", NULL },  { "x86-64", "amd64", NULL }, { "amd64", "amd64", NULL },
  { "aarch64", "arm64", NULL }, { "arm64", "arm64", NULL },  { "armhf", "arm", "v7" },
  { "armv7l", "arm", "v7" },    { "armv7", "arm", "v7" },    { "armel", "arm", "v6" },
  { "armv6l", "arm", "v6" },    { "armv5l", "arm", "v5" },   { "arm", "arm", NULL },
  { "i386", "386", NULL },      { "i686", "386", NULL },     { "386", "386", NULL },
  { "ppc64le", "ppc64le", NULL }, { "s390x", "s390x", NULL }, { "riscv64", "riscv64", NULL },
  { "mips64le", "mips64le", NULL }, { "loong64", "loong64", NULL },
};

static void
set_arch (dock_platform *p, const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (arch_names); i++)
    if (strcmp (arch_names[i].name, name) == 0)
      {
        p->architecture = xstrdup (arch_names[i].arch);
        if (arch_names[i].variant && p->variant == NULL)
          p->variant = xstrdup (arch_names[i].variant);
        return;
      }
  p->architecture = xstrdup (name);
}

void
dock_platform_host (dock_platform *out)
{
  memset (out, 0, sizeof *out);
  struct utsname u;
  out->os = xstrdup ("linux");
  set_arch (out, uname (&u) == 0 ? u.machine : "amd64");
}

void
dock_platform_clear (dock_platform *p)
{
  free (p->os);
  free (p->architecture);
  free (p->variant);
  memset (p, 0, sizeof *p);
}

int
dock_platform_parse (const char *s, dock_platform *out, berth_error **err)
{
  memset (out, 0, sizeof *out);
  cleanup_free char *lower = xstrdup (s);
  for (char *c = lower; *c; c++)
    *c = (char) (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
  char *parts[4] = { NULL };
  size_t n = 0;
  for (char *save = NULL, *tok = strtok_r (lower, "/", &save); tok; tok = strtok_r (NULL, "/", &save))
    {
      if (n == 3)
        return berth_fail (err, 0, "\"%s\": unknown operating system or architecture: invalid argument", s);
      parts[n++] = tok;
    }
  if (n == 0 || strchr (s, ' '))
    return berth_fail (err, 0, "\"%s\": unknown operating system or architecture: invalid argument", s);
  if (n == 1)
    {
      /* "amd64" alone: an architecture on the host's OS. */
      out->os = xstrdup ("linux");
      set_arch (out, parts[0]);
      return 0;
    }
  out->os = xstrdup (parts[0]);
  if (n == 3)
    out->variant = xstrdup (parts[2]);
  set_arch (out, parts[1]);
  return 0;
}

char *
dock_platform_string (const dock_platform *p)
{
  return xasprintf ("%s/%s%s%s", p->os, p->architecture, p->variant ? "/" : "", p->variant ? p->variant : "");
}

/* arm64 without a variant is arm64/v8. */
static const char *
effective_variant (const char *arch, const char *variant)
{
  if (variant && *variant)
    return variant;
  return strcmp (arch, "arm64") == 0 ? "v8" : NULL;
}

bool
dock_platform_matches (const dock_platform *want, const oci_image_platform *have)
{
  if (have == NULL || strcmp (want->os, have->os) != 0 || strcmp (want->architecture, have->architecture) != 0)
    return false;
  const char *wv = effective_variant (want->architecture, want->variant);
  const char *hv = effective_variant (have->architecture, have->variant);
  /* No variant wanted: any variant of the architecture will do. */
  return wv == NULL || (hv && strcmp (wv, hv) == 0) || (hv == NULL && want->variant == NULL);
}

const oci_image_descriptor *
dock_platform_select (const oci_image_index *ix, const dock_platform *want)
{
  const oci_image_descriptor *best = NULL;
  for (size_t i = 0; i < ix->manifests_len; i++)
    {
      const oci_image_descriptor *d = ix->manifests[i];
      if (oci_media_type_kind (d->media_type) != OCI_MT_KIND_MANIFEST || !dock_platform_matches (want, d->platform))
        continue;
      /* buildx's attestation manifests: never an image to run. */
      if (strcmp (d->platform->os, "unknown") == 0 && strcmp (d->platform->architecture, "unknown") == 0)
        continue;
      /* The exact variant first; otherwise the first that matches. */
      const char *dv = d->platform->variant;
      if (want->variant && dv && strcmp (want->variant, dv) == 0)
        return d;
      if (best == NULL)
        best = d;
    }
  return best;
}
