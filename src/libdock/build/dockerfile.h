/* The Dockerfile parser: text -> a typed list of instructions.
 *
 * What docker's parser does, in its order: parser directives at the top
 * (escape, syntax, check), comments, line continuations with the escape
 * character (comment and empty lines inside a continuation skipped),
 * heredocs after RUN/COPY/ADD, then each instruction's arguments in its
 * form (exec/JSON or shell, key=value pairs, words) and its --flags checked
 * against the instruction table.  Nothing is expanded here: the builder
 * expands the instructions that dock_df_def.expand says expand, with
 * expand.h, when it reaches them (ARG and ENV values depend on the order).
 */
#ifndef DOCK_BUILD_DOCKERFILE_H
#define DOCK_BUILD_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"

#define DOCK_DF_INSTRUCTIONS(X)                                                                                       \
  X (ADD) X (ARG) X (CMD) X (COPY) X (ENTRYPOINT) X (ENV) X (EXPOSE) X (FROM) X (HEALTHCHECK) X (LABEL)              \
  X (MAINTAINER) X (ONBUILD) X (RUN) X (SHELL) X (STOPSIGNAL) X (USER) X (VOLUME) X (WORKDIR)

typedef enum
{
#define DOCK_DF_ENUM(n) DOCK_DF_##n,
  DOCK_DF_INSTRUCTIONS (DOCK_DF_ENUM)
#undef DOCK_DF_ENUM
  DOCK_DF_N_KINDS
} dock_df_kind;

/* How the arguments after the flags are read (buildkit's parse functions). */
typedef enum
{
  DOCK_DF_FORM_WORDS,      /* split on white space, nothing else (FROM, EXPOSE) */
  DOCK_DF_FORM_STRING,     /* the rest as one string (USER, WORKDIR, ...) */
  DOCK_DF_FORM_EXEC_SHELL, /* a JSON string array, else the rest as a shell command */
  DOCK_DF_FORM_EXEC_WORDS, /* a JSON string array, else white-space separated words */
  DOCK_DF_FORM_KEY_VALUE,  /* k=v pairs with quotes, or the legacy "k v" (ENV, LABEL) */
  DOCK_DF_FORM_NAMES,      /* name or name=value words (ARG) */
  DOCK_DF_FORM_SUB,        /* another instruction (ONBUILD) */
  DOCK_DF_FORM_HEALTH,     /* NONE, or CMD and a command (HEALTHCHECK) */
} dock_df_form;

typedef enum
{
  DOCK_DF_FLAG_BOOL,    /* --link, --link=true|false */
  DOCK_DF_FLAG_STRING,  /* --from=x, at most once */
  DOCK_DF_FLAG_STRINGS, /* --exclude=x, repeatable */
} dock_df_flag_type;

typedef struct
{
  const char *name; /* without the dashes */
  dock_df_flag_type type;
  /* NULL: supported.  Else why dock refuses it ("is not supported yet"). */
  const char *unsupported;
} dock_df_flag_def;

typedef struct
{
  const char *name; /* "COPY" */
  dock_df_kind kind;
  dock_df_form form;
  /* The builder expands variables in the arguments and flags (docker's
     list: ADD ARG COPY ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR, and
     FROM with the global ARGs only). */
  bool expand;
  bool heredocs; /* <<EOF may follow (RUN COPY ADD) */
  const dock_df_flag_def *flags;
  const char *summary; /* one line, for docs and errors */
} dock_df_def;

/* The table, in alphabetical order; lookup is case-insensitive. */
extern const dock_df_def dock_df_defs[DOCK_DF_N_KINDS];
const dock_df_def *dock_df_lookup (const char *name, size_t len);

typedef struct
{
  char *name;
  char *value; /* "true"/"false" for booleans as written or implied */
} dock_df_flag;

typedef struct
{
  char *key;
  char *value; /* NULL: ARG without a default */
} dock_df_kv;

typedef struct
{
  char *name;    /* the delimiter, quotes removed */
  char *content; /* every line with its newline; <<- lines without leading tabs */
  bool expand;   /* false when any part of the delimiter was quoted */
  bool chomp;    /* <<- */
  unsigned fd;   /* 3<<EOF: 3; 0 when none was written */
} dock_df_heredoc;

typedef struct
{
  bool none; /* HEALTHCHECK NONE */
  /* "CMD-SHELL", command (shell form) or "CMD", args... (exec form), as
     the image config's Healthcheck.Test. */
  char **test;
  size_t n_test;
  int64_t interval, timeout, start_period, start_interval; /* ns; 0 = inherit */
  int32_t retries;                                         /* 0 = inherit */
} dock_df_health;

typedef struct dock_df_instr dock_df_instr;
struct dock_df_instr
{
  const dock_df_def *def;
  int line, end_line; /* 1-based, first and last line of the instruction (heredocs included) */
  char *original;     /* the logical line as written, continuations joined, comments dropped */
  dock_df_flag *flags;
  size_t n_flags;
  /* FORM_EXEC_*: json tells which form was used.  Shell form of EXEC_SHELL:
     args[0] is the command text.  WORDS/EXEC_WORDS/STRING: the words. */
  bool json;
  char **args; /* NULL-terminated */
  size_t n_args;
  dock_df_kv *kvs; /* KEY_VALUE and NAMES */
  size_t n_kvs;
  dock_df_heredoc *heredocs;
  size_t n_heredocs;
  dock_df_instr *sub;     /* ONBUILD's trigger, parsed (its text is args[0]) */
  dock_df_health *health; /* HEALTHCHECK */
  /* FROM image [AS name]: args[0] is the image; stage_name lower-cased. */
  char *stage_name;
};

typedef struct
{
  char escape;  /* '\\' or '`' */
  char *syntax; /* # syntax= value or NULL (kept; dock has one frontend) */
  char *check;  /* # check= value or NULL */
  dock_df_instr **instrs;
  size_t n_instrs;
  /* Non-fatal findings, as buildkit's warnings ("Empty continuation line ...",
     "Dockerfile:4: ..."): the caller may print them. */
  char **warnings;
  size_t n_warnings;
} dock_dockerfile;

/* Parse a whole Dockerfile.  name is what errors call the file
   ("Dockerfile:3: unknown instruction: FOO").  *err_line, when not NULL, is
   set to the line an error is about (0: none). */
int dock_dockerfile_parse (const char *buf, size_t len, const char *name, dock_dockerfile **out, int *err_line,
                           berth_error **err);
void dock_dockerfile_free (dock_dockerfile *df);
static inline void dock_dockerfile_freep (dock_dockerfile **df) { dock_dockerfile_free (*df); }
#define cleanup_dockerfile __attribute__ ((cleanup (dock_dockerfile_freep)))

/* A flag's value as written (booleans: "true"/"false"), or NULL; for
   repeatable flags the first, and dock_df_flag_values for all. */
const char *dock_df_flag_get (const dock_df_instr *in, const char *name);
/* Go's time.ParseDuration ("1m30s", "1.5h", "300ms", "-1s"); nanoseconds. */
int dock_parse_go_duration (const char *s, int64_t *ns, berth_error **err);
/* The instruction as JSON (for tests and debugging): kind, line, flags,
   json, args, kvs, heredocs, health, stage, sub. malloc'd. */
char *dock_df_instr_to_json (const dock_df_instr *in);

#endif
