/* Variable expansion in Dockerfile instructions, as docker's shell lexer
   (buildkit frontend/dockerfile/shell) does it: $A ${A} ${A:-w} ${A-w}
   ${A:+w} ${A+w} ${A:?w} ${A?w} ${A#p} ${A##p} ${A%p} ${A%%p} ${A/p/r}
   ${A//p/r}; quotes removed ('...' literal, "..." expanding), the escape
   character escaping the next character.  Undefined variables expand to
   nothing.  Not a shell: no command substitution, no arithmetic. */
#ifndef DOCK_BUILD_EXPAND_H
#define DOCK_BUILD_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include "libberth/error.h"

/* The value of a variable, or NULL when it is not set.  name is not
   NUL-terminated: len bytes. */
typedef const char *(*dock_expand_lookup) (void *ctx, const char *name, size_t len);

typedef struct
{
  char escape;               /* '\\' or '`' (the Dockerfile's escape directive) */
  dock_expand_lookup lookup; /* NULL: nothing is set */
  void *ctx;
  /* The parser's own uses (heredoc words): keep quotes or escape chars in
     the result, and leave $UNSET as written instead of expanding it. */
  bool raw_quotes, raw_escapes, skip_unset;
} dock_expand_opts;

/* ProcessWord: the whole input as one word (ENV/LABEL values, WORKDIR,
   USER, COPY sources ...). */
int dock_expand_word (const dock_expand_opts *o, const char *in, char **out, berth_error **err);
/* ProcessWords: the input split into words on unquoted white space,
   including white space that an unquoted expansion produced (EXPOSE).
   *out is a NULL-terminated vector; *n its length (may be NULL). */
int dock_expand_words (const dock_expand_opts *o, const char *in, char ***out, size_t *n, berth_error **err);

#endif
