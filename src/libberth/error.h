/* The one error type carried up the stack: an errno, a kind and a message
   that each layer may prefix with context.  Libraries set it and return -1;
   only the CLI prints it, once, as "berth: <what>: <why>". */
#ifndef BERTH_ERROR_H
#define BERTH_ERROR_H

#include <errno.h>

#include "berth/berth.h"

/* The kinds (berth_error_kind) are public: include/berth/berth.h. */

typedef struct berth_error
{
  int errnum; /* 0 when the message says it all */
  berth_error_kind kind;
  char *msg;
} berth_error;

/* Record an error unless one is already recorded (the first cause wins);
   always returns -1 so that callers can `return berth_fail (...)`. */
int berth_fail (berth_error **err, int errnum, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* An error of a kind: the message is "<fmt>: <phrase of kind>" (just the
   phrase when fmt is empty), fmt naming what it is about ("`c1`"). */
int berth_fail_kind (berth_error **err, berth_error_kind kind, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Give an error made elsewhere a kind (if it has none yet): the message is
   prefixed with the phrase unless it already holds it.  Returns -1. */
int berth_error_tag (berth_error **err, berth_error_kind kind);
/* The kind (BERTH_ERR_PERMISSION for an untagged EPERM or EACCES). */
berth_error_kind berth_error_kind_of (const berth_error *err);
/* runc's words for a kind ("" for OTHER). */
const char *berth_error_kind_phrase (berth_error_kind kind);
/* As berth_fail with errno. */
#define berth_fail_errno(err, ...) berth_fail ((err), errno, __VA_ARGS__)
/* Prefix an existing error with context: "create: " + "config.json: ...". */
int berth_error_wrap (berth_error **err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Take ownership of a message made elsewhere (libocispec errors). */
int berth_fail_take (berth_error **err, int errnum, char *msg);
/* "msg" or "msg: strerror(errnum)", malloc'd. */
char *berth_error_text (const berth_error *err);
void berth_error_free (berth_error *err);
void berth_error_freep (berth_error **err);

#endif
