/* Unit tests for src/libdock/build/dockerignore.c and context.c: docker's
 * .dockerignore rules (the examples of the reference's ".dockerignore file"
 * section and moby/patternmatcher's behaviour), and the context walker on a
 * real directory tree with symlinks pointing out of it.  Speaks TAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libberth/util.h"
#include "libdock/build/context.h"
#include "libdock/build/dockerignore.h"
#include "tap.h"

static dock_ignore *
load (const char *text)
{
  dock_ignore *m = NULL;
  berth_error *err = NULL;
  if (dock_ignore_parse (text, strlen (text), ".dockerignore", &m, &err) < 0)
    {
      diag ("parse: %s", err->msg);
      berth_error_free (err);
      return NULL;
    }
  return m;
}

static void
expect (const char *text, const char *path, bool excluded)
{
  cleanup_ignore dock_ignore *m = load (text);
  bool got = m && dock_ignore_excluded (m, path);
  char shown[256];
  size_t k = 0;
  for (const char *p = text; *p && k + 3 < sizeof shown; p++)
    if (*p == '\n')
      shown[k++] = '|';
    else if (*p != '\r')
      shown[k++] = *p;
  shown[k] = '\0';
  tap_ok (m && got == excluded, "%s %s by [%s]", path, excluded ? "excluded" : "kept", shown);
}

static void
test_reference_examples (void)
{
  const char *doc = "# comment\n*/temp*\n*/*/temp*\ntemp?\n";
  expect (doc, "somedir/temporary.txt", true);
  expect (doc, "somedir/temp", true);
  expect (doc, "somedir/subdir/temporary.txt", true);
  expect (doc, "tempa", true);
  expect (doc, "tempb", true);
  expect (doc, "temporary.txt", false); /* temp? is exactly one more char */
  expect (doc, "a/b/c/temp", false);   /* the second pattern is two levels exactly */
  expect (doc, "# comment", false);
  expect ("**/*.go\n", "main.go", true);
  expect ("**/*.go\n", "a/b/c/main.go", true);
  expect ("**/*.go\n", "main.gox", false);
  /* Exceptions: the last match wins. */
  expect ("*.md\n!README.md\n", "README.md", false);
  expect ("*.md\n!README.md\n", "CHANGES.md", true);
  expect ("*.md\n!README*.md\nREADME-secret.md\n", "README-secret.md", true);
  expect ("*.md\n!README*.md\nREADME-secret.md\n", "README-public.md", false);
  expect ("*.md\nREADME-secret.md\n!README*.md\n", "README-secret.md", false);
  /* The Dockerfile and .dockerignore may be excluded like any file. */
  expect ("Dockerfile\n.dockerignore\n", "Dockerfile", true);
  expect ("Dockerfile\n.dockerignore\n", ".dockerignore", true);
}

static void
test_rules (void)
{
  /* /foo/bar and foo/bar mean the same: the root is the context. */
  expect ("/foo/bar\n", "foo/bar", true);
  expect ("./foo/bar\n", "foo/bar", true);
  expect ("foo/../bar\n", "bar", true);
  expect ("foo/\n", "foo", true);
  /* A directory excluded excludes what is below it. */
  expect ("foo\n", "foo/bar/baz", true);
  expect ("foo\n", "foobar", false);
  expect ("*\n", "a/b", true);
  expect ("a/*\n", "a/b/c", true);
  expect ("a/*\n", "a", false);
  /* ** matches any number of directories, zero included. */
  expect ("a/**/b\n", "a/b", true);
  expect ("a/**/b\n", "a/x/y/b", true);
  expect ("a/**/b\n", "a/xb", false);
  expect ("a/**\n", "a/x/y", true);
  expect ("**\n", "anything/at/all", true);
  expect ("**/\n", "x", true);
  /* ? and [] match one character but never /. */
  expect ("a?c\n", "abc", true);
  expect ("a?c\n", "a/c", false);
  expect ("[a-c]x\n", "bx", true);
  expect ("[a-c]x\n", "dx", false);
  expect ("[^a-c]x\n", "dx", true);
  expect ("\\*x\n", "*x", true);
  expect ("\\*x\n", "ax", false);
  expect ("a.b\n", "axb", false); /* . is literal, not a regexp dot */
  expect ("a+b\n", "a+b", true);
  /* Comments only in the first column; lines and ! are trimmed. */
  expect (" # not a comment\n", "# not a comment", true);
  expect ("foo   \n", "foo", true);
  expect ("  foo\n", "foo", true);
  expect ("foo\n  !  foo\n", "foo", false);
  expect ("\n\n", "foo", false);
  expect ("", "foo", false);
  expect ("\xef\xbb\xbf" "foo\n", "foo", true);
  expect ("foo\r\n", "foo", true);
  /* An exception re-includes a file below an excluded directory. */
  expect ("dir\n!dir/keep\n", "dir/keep", false);
  expect ("dir\n!dir/keep\n", "dir/other", true);
  expect ("dir\n!dir/keep\n", "dir/keep/inside", false);

  cleanup_ignore dock_ignore *m = load ("/a/b\n!/c\n./d\n");
  size_t n = 0;
  char *const *p = m ? dock_ignore_patterns (m, &n) : NULL;
  tap_ok (n == 3 && strcmp (p[0], "a/b") == 0 && strcmp (p[1], "!c") == 0 && strcmp (p[2], "d") == 0,
          "patterns are cleaned, leading / dropped, ! kept");

  const char *bad[][2] = {
    { "!\n", ".dockerignore: illegal exclusion pattern: \"!\"" },
    { "[a\n", ".dockerignore: syntax error in pattern: [a" },
    { "a\\\n", ".dockerignore: syntax error in pattern: a\\" },
    { "[z-a]\n", ".dockerignore: syntax error in pattern: [z-a]" },
    { "[]a]\n", ".dockerignore: syntax error in pattern: []a]" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      dock_ignore *x = NULL;
      berth_error *err = NULL;
      int rc = dock_ignore_parse (bad[i][0], strlen (bad[i][0]), ".dockerignore", &x, &err);
      tap_ok (rc < 0 && x == NULL && strcmp (err->msg, bad[i][1]) == 0, "refused: %s", bad[i][1]);
      if (rc == 0 || strcmp (err->msg, bad[i][1]) != 0)
        diag ("got %s", rc < 0 ? err->msg : "(parsed)");
      berth_error_free (err);
      dock_ignore_free (x);
    }

  /* A hostile pattern stays linear enough (the memo): this returns. */
  cleanup_ignore dock_ignore *h = load ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n");
  char path[200];
  memset (path, 'a', sizeof path - 1);
  path[sizeof path - 1] = '\0';
  tap_ok (h && !dock_ignore_excluded (h, path), "a backtracking-heavy pattern is matched in bounded time");
}

static void
test_may_include_below (void)
{
  cleanup_ignore dock_ignore *m = load ("dir\nother\n!dir/keep\n!*/x/deep\n");
  tap_ok (m && dock_ignore_may_include_below (m, "dir"), "an exception below dir: walk into it");
  tap_ok (m && dock_ignore_may_include_below (m, "other/x"), "a wildcard exception may match below other/x");
  tap_ok (m && !dock_ignore_may_include_below (m, "dir/sub"), "no exception below dir/sub");
  cleanup_ignore dock_ignore *n = load ("dir\n");
  tap_ok (n && !dock_ignore_may_include_below (n, "dir"), "no exceptions at all: skip the directory");
  cleanup_ignore dock_ignore *s = load ("dir\n!**/keep\n");
  tap_ok (s && dock_ignore_may_include_below (s, "dir"), "a ** exception may match anywhere");
}

/* ----------------------------------------------------------- the walker */

typedef struct
{
  char out[4096];
} seen;

static int
record (void *ctx, const dock_ctx_entry *e, berth_error **err)
{
  (void) err;
  seen *s = ctx;
  char line[512];
  const char *kind = S_ISDIR (e->st.st_mode) ? "d" : S_ISLNK (e->st.st_mode) ? "l" : "f";
  snprintf (line, sizeof line, "%s%s %s%s%s;", kind, e->implied ? "*" : "", e->path, e->link_target ? "->" : "",
            e->link_target ? e->link_target : "");
  strncat (s->out, line, sizeof s->out - strlen (s->out) - 1);
  if (S_ISREG (e->st.st_mode))
    {
      berth_error *oerr = NULL;
      int fd = dock_context_open_entry (e, &oerr);
      if (fd < 0)
        {
          strncat (s->out, "(open failed)", sizeof s->out - strlen (s->out) - 1);
          berth_error_free (oerr);
        }
      else
        close (fd);
    }
  return 0;
}

static void
mk (int root, const char *path, const char *kind, const char *target)
{
  int rc = 0;
  if (*kind == 'd')
    rc = mkdirat (root, path, 0755);
  else if (*kind == 'l')
    rc = symlinkat (target, root, path);
  else
    {
      int fd = openat (root, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      rc = fd < 0 ? -1 : close (fd);
    }
  if (rc < 0)
    diag ("could not make %s", path);
}

static int
stop_at_second (void *ctx, const dock_ctx_entry *e, berth_error **err)
{
  (void) e;
  int *calls = ctx;
  return ++*calls == 2 ? berth_fail (err, 0, "stop") : 0;
}

/* Walk root with the .dockerignore text ignore (NULL: none) and compare
   what the walk reported with want. */
static void
walk_expect (int root, const char *ignore, const char *want, const char *what)
{
  seen s = { "" };
  berth_error *err = NULL;
  cleanup_ignore dock_ignore *m = ignore ? load (ignore) : NULL;
  int rc = dock_context_walk (root, m, record, &s, &err);
  tap_ok (rc == 0 && strcmp (s.out, want) == 0, "walk: %s", what);
  if (rc < 0 || strcmp (s.out, want) != 0)
    diag ("got %s", rc == 0 ? s.out : err->msg);
  berth_error_free (err);
}

static void
test_walker (void)
{
  char tmpl[] = "/tmp/dock-ctx-XXXXXX";
  if (!mkdtemp (tmpl))
    {
      tap_ok (0, "mkdtemp");
      return;
    }
  cleanup_free char *ctxdir = xasprintf ("%s/ctx", tmpl);
  mkdir (ctxdir, 0755);
  int root = open (ctxdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  /* A secret outside the context, and links that try to reach it. */
  cleanup_free char *secret = xasprintf ("%s/secret", tmpl);
  int sfd = open (secret, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (sfd >= 0)
    close (sfd);
  mk (root, "b", "f", NULL);
  mk (root, "a", "d", NULL);
  mk (root, "a/keep", "f", NULL);
  mk (root, "a/drop", "f", NULL);
  mk (root, "a/sub", "d", NULL);
  mk (root, "a/sub/x", "f", NULL);
  mk (root, "out", "l", "../secret");
  mk (root, "abs", "l", secret);
  mk (root, "dirlink", "l", "..");
  mk (root, "c.md", "f", NULL);

  cleanup_free char *all = xasprintf ("d a;f a/drop;f a/keep;d a/sub;f a/sub/x;l abs->%s;f b;f c.md;l dirlink->..;"
                                      "l out->../secret;",
                                      secret);
  walk_expect (root, NULL, all, "every entry in name order, parents first; symlinks reported, not followed");
  walk_expect (root, "a\n*.md\nabs\n", "f b;l dirlink->..;l out->../secret;",
               "an excluded directory without exceptions is skipped whole");
  walk_expect (root, "*\n!a/sub/x\n!b\n", "d* a;d* a/sub;f a/sub/x;f b;",
               "an exception re-includes a file; its excluded parents come first, marked implied");
  /* A visitor error stops the walk and comes back. */
  {
    berth_error *err = NULL;
    int calls = 0;
    int rc = dock_context_walk (root, NULL, stop_at_second, &calls, &err);
    tap_ok (rc < 0 && calls == 2 && err && strcmp (err->msg, "stop") == 0, "a visitor error stops the walk");
    berth_error_free (err);
  }
  static const char *const rel[][2] = {
    { "a/b", "a/b" }, { "/a/../b", "b" }, { "./a", "a" }, { ".", "." }, { "/", "." }, { "a/", "a" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (rel); i++)
    {
      char *out = NULL;
      berth_error *err = NULL;
      int rc = dock_context_rel_path (rel[i][0], &out, &err);
      tap_ok (rc == 0 && strcmp (out, rel[i][1]) == 0, "context path %s -> %s", rel[i][0], rel[i][1]);
      free (out);
      berth_error_free (err);
    }
  const char *escapes[] = { "..", "../x", "a/../../x" };
  for (size_t i = 0; i < ARRAY_SIZE (escapes); i++)
    {
      char *out = NULL;
      berth_error *err = NULL;
      int rc = dock_context_rel_path (escapes[i], &out, &err);
      cleanup_free char *want = xasprintf ("forbidden path outside the build context: %s", escapes[i]);
      tap_ok (rc < 0 && strcmp (err->msg, want) == 0, "context path %s refused", escapes[i]);
      free (out);
      berth_error_free (err);
    }
  /* COPY sources resolve inside the context: "abs" points at the secret
     outside, by absolute path; in the context it names ctx/<secret path>,
     which does not exist. */
  {
    berth_error *err = NULL;
    int fd = dock_context_open_source (root, "abs", O_RDONLY, &err);
    tap_ok (fd < 0 && err && err->errnum == ENOENT, "a symlink to an absolute path outside resolves inside the context");
    if (fd >= 0)
      close (fd);
    berth_error_free (err);
    err = NULL;
    fd = dock_context_open_source (root, "out", O_RDONLY, &err);
    tap_ok (fd < 0 && err && err->errnum == ENOENT, "a symlink climbing out with ../ stays inside the context");
    if (fd >= 0)
      close (fd);
    berth_error_free (err);
    err = NULL;
    fd = dock_context_open_source (root, "/a/keep", O_RDONLY, &err);
    tap_ok (fd >= 0, "an absolute source is taken relative to the context");
    if (fd >= 0)
      close (fd);
    berth_error_free (err);
    err = NULL;
    fd = dock_context_open_source (root, "../secret", O_RDONLY, &err);
    tap_ok (fd < 0 && err && strcmp (err->msg, "forbidden path outside the build context: ../secret") == 0,
            "a source above the context is refused");
    berth_error_free (err);
  }
  close (root);
  cleanup_free char *cmd = xasprintf ("rm -rf '%s'", tmpl);
  if (system (cmd) != 0)
    diag ("could not remove %s", tmpl);
}

int
main (void)
{
  test_reference_examples ();
  test_rules ();
  test_may_include_below ();
  test_walker ();
  return tap_done ();
}
