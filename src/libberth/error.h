/* The one error type carried up the stack: an errno and a message that each
   layer may prefix with context.  Libraries set it and return -1; only the
   CLI prints it, once, as "berth: <what>: <why>". */
#ifndef BERTH_ERROR_H
#define BERTH_ERROR_H

#include <errno.h>

typedef struct berth_error
{
  int errnum; /* 0 when the message says it all */
  char *msg;
} berth_error;

/* Record an error unless one is already recorded (the first cause wins);
   always returns -1 so that callers can `return berth_fail (...)`. */
int berth_fail (berth_error **err, int errnum, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
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
