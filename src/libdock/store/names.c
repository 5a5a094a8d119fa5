/* The store's spelling of names, on ref/reference.h's grammar. */
#include "config.h"

#include "names.h"
#include "libberth/util.h"
#include "libdock/ref/reference.h"

#include <string.h>

int
dock_name_normalize (const char *word, char **out, berth_error **err)
{
  cleanup_ref dock_ref *r = NULL;
  if (dock_ref_parse (word, &r, err) < 0)
    return -1;
  /* name:tag@digest: the digest identifies the image; the store keys on it. */
  if (r->digest)
    {
      free (r->tag);
      r->tag = NULL;
    }
  else
    dock_ref_default_tag (r);
  *out = dock_ref_string (r);
  return 0;
}

char *
dock_name_familiar (const char *qualified)
{
  cleanup_ref dock_ref *r = NULL;
  if (dock_ref_parse (qualified, &r, NULL) < 0)
    return xstrdup (qualified);
  return dock_ref_familiar_string (r);
}

char *
dock_name_split (const char *q, const char **rest, char *sep)
{
  const char *at = strchr (q, '@');
  const char *lastslash = strrchr (q, '/');
  const char *colon = strrchr (lastslash ? lastslash : q, ':');
  const char *cut = at ? at : colon;
  if (cut == NULL)
    {
      *rest = q + strlen (q);
      if (sep)
        *sep = '\0';
      return xstrdup (q);
    }
  *rest = cut + 1;
  if (sep)
    *sep = *cut;
  return xstrndup (q, (size_t) (cut - q));
}
