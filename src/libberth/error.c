#include "config.h"

#include "error.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
set_message (berth_error **err, int errnum, char *msg)
{
  if (err == NULL || *err != NULL)
    {
      free (msg);
      return -1;
    }
  *err = xcalloc (1, sizeof **err);
  (*err)->errnum = errnum;
  (*err)->msg = msg;
  return -1;
}

int
berth_fail (berth_error **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return set_message (err, errnum, msg);
}

/* The one place where a kind becomes words: runc's, which clients match
   (containerd's shim: "container not running" on kill means already gone,
   "does not exist" means no such container; podman: "does not exist"). */
static const char *const kind_phrases[] = {
  [BERTH_ERR_OTHER] = "",
  [BERTH_ERR_NOT_FOUND] = "container does not exist",
  [BERTH_ERR_EXISTS] = "container with given ID already exists",
  [BERTH_ERR_NOT_RUNNING] = "container not running",
  [BERTH_ERR_PAUSED] = "container paused",
  [BERTH_ERR_NOT_PAUSED] = "container not paused",
  [BERTH_ERR_STILL_RUNNING] = "container still running",
  [BERTH_ERR_INVALID_ID] = "invalid container ID format",
  [BERTH_ERR_INVALID_CONFIG] = "invalid configuration",
  [BERTH_ERR_PERMISSION] = "permission denied",
};

const char *
berth_error_kind_phrase (berth_error_kind kind)
{
  return (size_t) kind < sizeof kind_phrases / sizeof *kind_phrases ? kind_phrases[kind] : "";
}

int
berth_fail_kind (berth_error **err, berth_error_kind kind, int errnum, const char *fmt, ...)
{
  if (err == NULL || *err != NULL)
    return -1;
  va_list ap;
  char *what = NULL;
  va_start (ap, fmt);
  if (vasprintf (&what, fmt, ap) < 0)
    abort ();
  va_end (ap);
  const char *phrase = berth_error_kind_phrase (kind);
  char *msg = *what && *phrase ? xasprintf ("%s: %s", what, phrase) : xstrdup (*what ? what : phrase);
  free (what);
  set_message (err, errnum, msg);
  (*err)->kind = kind;
  return -1;
}

int
berth_error_tag (berth_error **err, berth_error_kind kind)
{
  if (err == NULL || *err == NULL || (*err)->kind != BERTH_ERR_OTHER)
    return -1;
  (*err)->kind = kind;
  const char *phrase = berth_error_kind_phrase (kind);
  if (*phrase && strstr ((*err)->msg, phrase) == NULL)
    {
      char *msg = xasprintf ("%s: %s", phrase, (*err)->msg);
      free ((*err)->msg);
      (*err)->msg = msg;
    }
  return -1;
}

berth_error_kind
berth_error_kind_of (const berth_error *err)
{
  if (err == NULL)
    return BERTH_ERR_OTHER;
  if (err->kind == BERTH_ERR_OTHER && (err->errnum == EPERM || err->errnum == EACCES))
    return BERTH_ERR_PERMISSION;
  return err->kind;
}

int
berth_fail_take (berth_error **err, int errnum, char *msg)
{
  return set_message (err, errnum, msg);
}

int
berth_error_wrap (berth_error **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  char *prefix = NULL;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    abort ();
  va_end (ap);
  char *msg = xasprintf ("%s: %s", prefix, (*err)->msg);
  free (prefix);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

char *
berth_error_text (const berth_error *err)
{
  if (err->errnum)
    return xasprintf ("%s: %s", err->msg, strerror (err->errnum));
  return xstrdup (err->msg);
}

void
berth_error_free (berth_error *err)
{
  if (err == NULL)
    return;
  free (err->msg);
  free (err);
}

void
berth_error_freep (berth_error **err)
{
  berth_error_free (*err);
  *err = NULL;
}
