/* Unit tests for src/libdock/build/expand.c and buildenv.c: docker's shell
 * lexer (ProcessWord / ProcessWords) and the ARG/ENV scoping rules, with
 * the examples of the Dockerfile reference ("Environment replacement",
 * "ARG", "ENV").  Speaks TAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "libberth/util.h"
#include "libdock/build/buildenv.h"
#include "libdock/build/dockerfile.h"
#include "libdock/build/expand.h"
#include "tap.h"

/* The variables the word tests see. */
static const char *const vars[][2] = {
  { "FOO", "/bar" },  { "foo", "hello" },       { "EMPTY", "" },   { "SPACED", "a b  c" },
  { "path", "/usr/local/bin/app.tar.gz" }, { "X1", "one" },  { "_u", "under" },
};

static const char *
lookup (void *ctx, const char *name, size_t len)
{
  (void) ctx;
  for (size_t i = 0; i < ARRAY_SIZE (vars); i++)
    if (strlen (vars[i][0]) == len && memcmp (vars[i][0], name, len) == 0)
      return vars[i][1];
  return NULL;
}

static void
word_esc (char esc, const char *in, const char *want)
{
  dock_expand_opts o = { .escape = esc, .lookup = lookup };
  char *out = NULL;
  berth_error *err = NULL;
  int rc = dock_expand_word (&o, in, &out, &err);
  bool ok = rc == 0 && strcmp (out, want) == 0;
  tap_ok (ok, "ProcessWord [%s] -> [%s]", in, want);
  if (!ok)
    diag ("got %s", rc == 0 ? out : err->msg);
  free (out);
  berth_error_free (err);
}

static void word (const char *in, const char *want) { word_esc ('\\', in, want); }

static void
word_error (const char *in, const char *want)
{
  dock_expand_opts o = { .escape = '\\', .lookup = lookup };
  char *out = NULL;
  berth_error *err = NULL;
  int rc = dock_expand_word (&o, in, &out, &err);
  bool ok = rc < 0 && strcmp (err->msg, want) == 0;
  tap_ok (ok, "ProcessWord [%s] fails: %s", in, want);
  if (!ok)
    diag ("got %s", rc == 0 ? out : err->msg);
  free (out);
  berth_error_free (err);
}

/* want: the words joined with '|'. */
static void
words (const char *in, const char *want)
{
  dock_expand_opts o = { .escape = '\\', .lookup = lookup };
  char **out = NULL;
  size_t n = 0;
  berth_error *err = NULL;
  int rc = dock_expand_words (&o, in, &out, &n, &err);
  char joined[512] = "";
  for (size_t i = 0; rc == 0 && i < n; i++)
    {
      if (i)
        strcat (joined, "|");
      strncat (joined, out[i], sizeof joined - strlen (joined) - 2);
    }
  bool ok = rc == 0 && strcmp (joined, want) == 0;
  tap_ok (ok, "ProcessWords [%s] -> %s", in, want);
  if (!ok)
    diag ("got %s", rc == 0 ? joined : err->msg);
  strv_free (out);
  berth_error_free (err);
}

static void
test_reference_examples (void)
{
  /* "Environment replacement": ENV FOO=/bar; WORKDIR ${FOO}; ADD . $FOO;
     COPY \$FOO /quux. */
  word ("${FOO}", "/bar");
  word ("$FOO", "/bar");
  word ("\\$FOO", "$FOO");
  word ("${foo}_bar", "hello_bar");
  word ("$foo_bar", "");
  word ("${unset:-word}", "word");
  word ("${foo:-word}", "hello");
  word ("${foo:+word}", "word");
  word ("${unset:+word}", "");
  /* The escape character is what # escape= says. */
  word_esc ('`', "`$FOO", "$FOO");
  word_esc ('`', "c:\\dir", "c:\\dir");
}

static void
test_modifiers (void)
{
  /* With and without the colon: empty counts as unset only with it. */
  word ("${EMPTY:-d}", "d");
  word ("${EMPTY-d}", "");
  word ("${unset-d}", "d");
  word ("${EMPTY:+x}", "");
  word ("${EMPTY+x}", "x");
  word ("${foo?}", "hello");
  word_error ("${unset?}", "unset: is not allowed to be unset");
  word_error ("${unset?must be set}", "unset: must be set");
  word_error ("${EMPTY:?}", "EMPTY: is not allowed to be empty");
  word ("${EMPTY?}", "");
  /* Prefix and suffix removal, shortest and longest (newer buildkit). */
  word ("${path#*/}", "usr/local/bin/app.tar.gz");
  word ("${path##*/}", "app.tar.gz");
  word ("${path%.*}", "/usr/local/bin/app.tar");
  word ("${path%%.*}", "/usr/local/bin/app");
  word ("${path#nomatch}", "/usr/local/bin/app.tar.gz");
  word_error ("${path:#x}", "unsupported modifier (:#) in substitution");
  /* Pattern replacement. */
  word ("${path/local/opt}", "/usr/opt/bin/app.tar.gz");
  word ("${foo//l/L}", "heLLo");
  word ("${foo/l/L}", "heLlo");
  /* A default is itself expanded and may hold quotes. */
  word ("${unset:-$foo}", "hello");
  word ("${unset:-\"a b\"}", "a b");
  word ("${unset:-${alsounset:-deep}}", "deep");
  word_error ("${foo", "syntax error: missing '}'");
  word_error ("${foo:-x", "syntax error: missing '}'");
  word_error ("${}", "syntax error: bad substitution");
  word_error ("${:x}", "syntax error: bad substitution");
  word_error ("${foo!}", "unsupported modifier (!) in substitution");
}

static void
test_names_and_quotes (void)
{
  word ("$X1$_u", "oneunder");
  word ("$1", "");     /* positional: never set */
  word ("$", "$");     /* nothing to expand */
  word ("a$", "a$");
  word ("$.x", "$.x");
  word ("$$", "");     /* a special parameter, never set */
  word ("'$FOO'", "$FOO");
  word ("\"$FOO\"", "/bar");
  word ("\"a\\\"b\"", "a\"b");
  word ("\"a\\$b\"", "a$b");
  word ("\"a\\\\b\"", "a\\b");
  word ("\"a\\nb\"", "a\\nb"); /* other escapes stay inside double quotes */
  word ("a\\ b", "a b");
  word ("'a\\'", "a\\"); /* no escape in single quotes */
  word ("abc\\", "abc"); /* an escape at the very end is dropped */
  word ("Rex\\ The\\ Dog", "Rex The Dog");
  word ("\"John Doe\"", "John Doe");
  word_error ("'open", "unexpected end of statement while looking for matching single-quote");
  word_error ("\"open", "unexpected end of statement while looking for matching double-quote");
}

static void
test_words (void)
{
  words ("80 443", "80|443");
  words ("$SPACED", "a|b|c");        /* an unquoted expansion splits */
  words ("\"$SPACED\"", "a b  c");   /* a quoted one does not */
  words ("x${SPACED}y", "xa|b|cy");
  words ("'a b' c", "a b|c");
  words ("a\\ b c", "a b|c");
  words ("''", "");
  words ("  lead   trail  ", "lead|trail");
  words ("$unset", "");
}

static void
test_raw_modes (void)
{
  /* The parser's heredoc detection keeps quotes and leaves unset vars. */
  dock_expand_opts o = { .escape = '\\', .raw_quotes = true, .raw_escapes = true, .skip_unset = true };
  char *out = NULL;
  berth_error *err = NULL;
  int rc = dock_expand_word (&o, "\"EOF\" $X ${Y:-z} \\a", &out, &err);
  tap_ok (rc == 0 && strcmp (out, "\"EOF\" $X ${Y:-z} \\a") == 0, "raw mode keeps quotes, escapes and unset names");
  free (out);
  berth_error_free (err);
}

/* ----------------------------------------------------------- build env */

static dock_df_instr *
instr (dock_dockerfile **keep, const char *src)
{
  berth_error *err = NULL;
  if (dock_dockerfile_parse (src, strlen (src), "Dockerfile", keep, NULL, &err) < 0)
    {
      diag ("parse: %s", err->msg);
      berth_error_free (err);
      return NULL;
    }
  return (*keep)->instrs[0];
}

static void
apply (dock_build_env *e, const char *src)
{
  dock_dockerfile *df = NULL;
  dock_df_instr *in = instr (&df, src);
  berth_error *err = NULL;
  int rc = -1;
  if (in && in->def->kind == DOCK_DF_ARG)
    rc = dock_build_env_arg (e, in, &err);
  else if (in && in->def->kind == DOCK_DF_ENV)
    rc = dock_build_env_env (e, in, &err);
  if (rc < 0)
    diag ("apply %s: %s", src, err ? err->msg : "?");
  berth_error_free (err);
  dock_dockerfile_free (df);
}

static void
expect_value (dock_build_env *e, bool in_from, const char *text, const char *want, const char *what)
{
  dock_expand_opts o = dock_build_env_opts (e, in_from);
  char *out = NULL;
  berth_error *err = NULL;
  int rc = dock_expand_word (&o, text, &out, &err);
  bool ok = rc == 0 && strcmp (out, want) == 0;
  tap_ok (ok, "%s: %s -> [%s]", what, text, want);
  if (!ok)
    diag ("got %s", rc == 0 ? out : err->msg);
  free (out);
  berth_error_free (err);
}

static bool
strv_has (char **v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

static void
test_scoping (void)
{
  /* ARG VERSION=latest / FROM busybox:$VERSION / ARG VERSION */
  {
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    apply (e, "ARG VERSION=latest");
    expect_value (e, true, "busybox:$VERSION", "busybox:latest", "a global ARG is seen by FROM");
    dock_build_env_begin_stage (e, NULL, 0);
    expect_value (e, false, "[$VERSION]", "[]", "a global ARG is not seen inside a stage");
    expect_value (e, true, "busybox:$VERSION", "busybox:latest", "...but still by the next FROM");
    apply (e, "ARG VERSION");
    expect_value (e, false, "$VERSION", "latest", "ARG NAME in a stage takes the global value");
  }
  /* USER ${username:-some_user} / ARG username / USER $username */
  {
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    dock_build_env_set_build_arg (e, "username=what_user");
    dock_build_env_begin_stage (e, NULL, 0);
    expect_value (e, false, "${username:-some_user}", "some_user", "an ARG is not set before its declaration");
    apply (e, "ARG username");
    expect_value (e, false, "$username", "what_user", "--build-arg gives the declared ARG its value");
    size_t n;
    cleanup_strv char **unused = dock_build_env_unused (e, &n);
    tap_ok (n == 0, "a declared build-arg is consumed");
  }
  /* ARG CONT_IMG_VER / ENV CONT_IMG_VER=v1.0.0: ENV wins. */
  {
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    dock_build_env_set_build_arg (e, "CONT_IMG_VER=v2.0.1");
    dock_build_env_begin_stage (e, NULL, 0);
    apply (e, "ARG CONT_IMG_VER");
    apply (e, "ENV CONT_IMG_VER=v1.0.0");
    expect_value (e, false, "$CONT_IMG_VER", "v1.0.0", "ENV overrides an ARG of the same name");
    cleanup_strv char **run = dock_build_env_run_env (e, NULL);
    tap_ok (strv_has (run, "CONT_IMG_VER=v1.0.0") && !strv_has (run, "CONT_IMG_VER=v2.0.1"),
            "RUN sees the ENV value, not the build-arg");
  }
  /* ENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0} */
  {
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    dock_build_env_begin_stage (e, NULL, 0);
    apply (e, "ARG CONT_IMG_VER");
    apply (e, "ENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}");
    expect_value (e, false, "$CONT_IMG_VER", "v1.0.0", "ENV default from an unset ARG");
  }
  /* ENV abc=hello / ENV abc=bye def=$abc / ENV ghi=$abc */
  {
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    dock_build_env_begin_stage (e, NULL, 0);
    apply (e, "ENV abc=hello");
    apply (e, "ENV abc=bye def=$abc");
    apply (e, "ENV ghi=$abc");
    apply (e, "ENV def=hello");
    expect_value (e, false, "$def", "hello", "one ENV line sees the values from before it");
    expect_value (e, false, "$ghi", "bye", "the next ENV line sees the new value");
    size_t n;
    cleanup_strv char **env = dock_build_env_image_env (e, &n);
    tap_ok (n == 3 && strcmp (env[0], "abc=bye") == 0 && strcmp (env[1], "ghi=bye") == 0
                && strcmp (env[2], "def=hello") == 0,
            "Env: a name set again moves to the end");
  }
  /* Base image Env, proxies, history, unused args. */
  {
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    dock_build_env_set_build_arg (e, "HTTP_PROXY=http://proxy:3128");
    dock_build_env_set_build_arg (e, "A=1");
    dock_build_env_set_build_arg (e, "NOTDECLARED=x");
    char *base[] = { "PATH=/usr/bin:/bin", NULL };
    dock_build_env_begin_stage (e, base, 1);
    expect_value (e, false, "$PATH", "/usr/bin:/bin", "the base image's Env is visible");
    expect_value (e, false, "[$HTTP_PROXY]", "[]", "an undeclared proxy arg is not expanded");
    apply (e, "ARG Z=last A B=2 SHADOWED=arg");
    apply (e, "ENV SHADOWED=env");
    cleanup_strv char **run = dock_build_env_run_env (e, NULL);
    tap_ok (strv_has (run, "HTTP_PROXY=http://proxy:3128") && strv_has (run, "A=1") && strv_has (run, "B=2")
                && strv_has (run, "PATH=/usr/bin:/bin"),
            "RUN gets Env, declared ARGs and the proxy build-arg");
    cleanup_free char *hist = dock_build_env_history_prefix (e);
    tap_ok (strcmp (hist, "|3 A=1 B=2 Z=last ") == 0,
            "history prefix: declared args not shadowed by ENV, sorted: [%s]", hist);
    size_t n;
    cleanup_strv char **unused = dock_build_env_unused (e, &n);
    tap_ok (n == 1 && strcmp (unused[0], "NOTDECLARED") == 0, "an undeclared build-arg is reported unused");
  }
  /* Automatic platform args: global scope, and in a stage once declared. */
  {
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    dock_build_env_set_platforms (e, "linux/amd64", "linux/arm64/v8");
    expect_value (e, true, "$TARGETPLATFORM $TARGETARCH $TARGETVARIANT $BUILDOS", "linux/arm64/v8 arm64 v8 linux",
                  "automatic platform args in the global scope");
    dock_build_env_begin_stage (e, NULL, 0);
    expect_value (e, false, "[$TARGETARCH]", "[]", "not in a stage undeclared");
    apply (e, "ARG TARGETARCH");
    expect_value (e, false, "$TARGETARCH", "arm64", "declared in the stage");
  }
  /* --build-arg NAME takes the value from the environment. */
  {
    setenv ("DOCK_TEST_FROM_ENV", "fromenv", 1);
    cleanup_build_env dock_build_env *e = dock_build_env_new ('\\');
    dock_build_env_set_build_arg (e, "DOCK_TEST_FROM_ENV");
    dock_build_env_set_build_arg (e, "DOCK_TEST_NOT_IN_ENV_AT_ALL");
    dock_build_env_begin_stage (e, NULL, 0);
    apply (e, "ARG DOCK_TEST_FROM_ENV DOCK_TEST_NOT_IN_ENV_AT_ALL=dflt");
    expect_value (e, false, "$DOCK_TEST_FROM_ENV/$DOCK_TEST_NOT_IN_ENV_AT_ALL", "fromenv/dflt",
                  "--build-arg NAME reads the environment; unset there, the default stays");
  }
}

int
main (void)
{
  test_reference_examples ();
  test_modifiers ();
  test_names_and_quotes ();
  test_words ();
  test_raw_modes ();
  test_scoping ();
  return tap_done ();
}
