/* Capabilities as docker computes them (moby's oci/caps): the default set,
   or all (those of dock's bounding set) with --privileged; --cap-add ALL starts from all, --cap-drop ALL
   from none; names in any case, with or without "CAP_". */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "spec.h"
#include "libberth/linux/caps.h"
#include "libberth/util.h"
#include "schema.h"

const char *const dock_default_caps[] = {
  "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",          "CAP_FOWNER",     "CAP_MKNOD",
  "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",          "CAP_SETFCAP",    "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",    "CAP_AUDIT_WRITE", NULL,
};

/* "sys_admin" -> "CAP_SYS_ADMIN"; "all" -> "ALL"; unknown: NULL. */
static char *
normalize (const char *name, berth_error **err)
{
  cleanup_free char *up = xstrdup (name);
  for (char *p = up; *p; p++)
    *p = (char) toupper ((unsigned char) *p);
  if (strcmp (up, "ALL") == 0)
    return xstrdup ("ALL");
  char *full = str_has_prefix (up, "CAP_") ? xstrdup (up) : xasprintf ("CAP_%s", up);
  if (berth_cap_from_name (full) < 0)
    {
      berth_fail (err, 0, "unknown capability: \"%s\"", full);
      free (full);
      return NULL;
    }
  return full;
}

static bool
has (char **v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

static int
normalize_all (const dock_strv *in, char ***out, size_t *n, berth_error **err)
{
  for (size_t i = 0; i < in->n; i++)
    {
      char *c = normalize (in->v[i], err);
      if (c == NULL)
        return -1;
      if (!has (*out, *n, c))
        oci_strv_append (out, n, c);
      free (c);
    }
  return 0;
}

int
dock_caps_resolve (const dock_run_opts *o, char ***caps, size_t *n, berth_error **err)
{
  cleanup_strv char **adds = NULL, **drops = NULL;
  size_t nadds = 0, ndrops = 0;
  *caps = NULL;
  *n = 0;
  if (normalize_all (&o->cap_add, &adds, &nadds, err) < 0 || normalize_all (&o->cap_drop, &drops, &ndrops, err) < 0)
    return -1;
  char **out = NULL;
  size_t nout = 0;
  bool all = o->privileged || has (adds, nadds, "ALL");
  if (all)
    {
      /* "All" is what dock itself may hand on: the capabilities of its own
         bounding set (docker takes every capability the kernel knows, which
         fails to start where the daemon lacks one). */
      for (size_t i = 0; i < berth_ncaps; i++)
        if (prctl (PR_CAPBSET_READ, (unsigned long) berth_caps[i].value, 0, 0, 0) == 1)
          oci_strv_append (&out, &nout, berth_caps[i].name);
    }
  else if (!has (drops, ndrops, "ALL"))
    for (size_t j = 0; dock_default_caps[j]; j++)
      oci_strv_append (&out, &nout, dock_default_caps[j]);
  if (!o->privileged)
    {
      /* Drops first, then adds: --cap-drop ALL --cap-add X gives X. */
      for (size_t i = 0; i < ndrops; i++)
        for (size_t j = 0; j < nout; j++)
          if (strcmp (out[j], drops[i]) == 0)
            {
              free (out[j]);
              memmove (&out[j], &out[j + 1], (nout - j) * sizeof *out);
              nout--;
              break;
            }
      for (size_t i = 0; i < nadds; i++)
        if (strcmp (adds[i], "ALL") != 0 && !has (out, nout, adds[i]))
          oci_strv_append (&out, &nout, adds[i]);
    }
  if (out == NULL)
    out = xcalloc (1, sizeof *out);
  *caps = out;
  *n = nout;
  return 0;
}
