/* Unit tests for src/libdock/build/dockerfile.c: the Dockerfile parser,
 * with the examples of docker's Dockerfile reference (every instruction,
 * parser directives, continuations, heredocs) and docker's messages for bad
 * input.  Expected instructions are written as JSON with ' for " and only
 * the members a case is about.  Speaks TAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "libberth/util.h"
#include "libdock/build/buildenv.h"
#include "libdock/build/dockerfile.h"
#include "libdock/build/metadata.h"
#include "tap.h"

static char *
squote (const char *s)
{
  char *r = xstrdup (s);
  for (char *p = r; *p; p++)
    if (*p == '\'')
      *p = '"';
  return r;
}

static dock_dockerfile *
parse (const char *src, const char *what)
{
  dock_dockerfile *df = NULL;
  berth_error *err = NULL;
  if (dock_dockerfile_parse (src, strlen (src), "Dockerfile", &df, NULL, &err) < 0)
    {
      tap_ok (0, "%s: parses", what);
      diag ("error: %s", err->msg);
      berth_error_free (err);
      return NULL;
    }
  return df;
}

/* want is contained in got: objects member by member (got may have more),
   arrays element by element, anything else equal. */
static bool
contained (const oci_json *want, const oci_json *got)
{
  if (want->kind == OCI_JSON_OBJECT && got->kind == OCI_JSON_OBJECT)
    {
      for (size_t i = 0; i < want->len; i++)
        {
          const oci_json *g = oci_json_get (got, want->keys[i]);
          if (!g || !contained (want->items[i], g))
            return false;
        }
      return true;
    }
  if (want->kind == OCI_JSON_ARRAY && got->kind == OCI_JSON_ARRAY)
    {
      if (want->len != got->len)
        return false;
      for (size_t i = 0; i < want->len; i++)
        if (!contained (want->items[i], got->items[i]))
          return false;
      return true;
    }
  return oci_json_equal (want, got);
}

static bool
subset (const oci_json *want, const oci_json *got, char **why)
{
  for (size_t i = 0; i < want->len; i++)
    {
      const oci_json *g = oci_json_get (got, want->keys[i]);
      if (!g || !contained (want->items[i], g))
        {
          *why = xasprintf ("member %s differs", want->keys[i]);
          return false;
        }
    }
  return true;
}

static void
expect_in (const dock_dockerfile *df, size_t idx, const char *want_sq, const char *what)
{
  if (!df)
    return;
  if (idx >= df->n_instrs)
    {
      tap_ok (0, "%s: instruction %zu exists (%zu parsed)", what, idx, df->n_instrs);
      return;
    }
  cleanup_free char *got_text = dock_df_instr_to_json (df->instrs[idx]);
  cleanup_free char *want_text = squote (want_sq);
  cleanup_free char *jerr = NULL;
  oci_json *want = oci_json_parse (want_text, strlen (want_text), &jerr);
  oci_json *got = oci_json_parse (got_text, strlen (got_text), &jerr);
  cleanup_free char *why = NULL;
  bool ok = want && got && subset (want, got, &why);
  tap_ok (ok, "%s", what);
  if (!ok)
    diag ("want %s\n# got  %s\n# %s", want_text, got_text, why ? why : jerr ? jerr : "");
  oci_json_free (want);
  oci_json_free (got);
}

/* One instruction file: parse src, check instruction idx. */
static void
expect1 (const char *src, size_t idx, const char *want_sq, const char *what)
{
  dock_dockerfile *df = parse (src, what);
  expect_in (df, idx, want_sq, what);
  dock_dockerfile_free (df);
}

static void
expect_count (const char *src, size_t n, const char *what)
{
  dock_dockerfile *df = parse (src, what);
  if (df)
    {
      tap_ok (df->n_instrs == n, "%s (%zu instructions)", what, n);
      if (df->n_instrs != n)
        diag ("got %zu", df->n_instrs);
    }
  dock_dockerfile_free (df);
}

static void
expect_error (const char *src, const char *want, int want_line)
{
  dock_dockerfile *df = NULL;
  berth_error *err = NULL;
  int line = -1;
  int rc = dock_dockerfile_parse (src, strlen (src), "Dockerfile", &df, &line, &err);
  bool ok = rc < 0 && df == NULL && strcmp (err->msg, want) == 0 && line == want_line;
  tap_ok (ok, "refused: %s", want);
  if (!ok)
    diag ("got rc=%d line=%d %s", rc, line, rc < 0 ? err->msg : "(parsed)");
  berth_error_free (err);
  dock_dockerfile_free (df);
}

/* -------------------------------------------------------------- directives */

static void
test_directives (void)
{
  const char *win = "# escape=`\n\nFROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt c:\\\nRUN dir c:\\\n";
  dock_dockerfile *df = parse (win, "escape=`");
  if (df)
    {
      tap_ok (df->escape == '`' && df->n_instrs == 3, "# escape=` sets the escape character");
      expect_in (df, 1, "{'cmd':'COPY','args':['testfile.txt','c:\\\\']}", "with escape=` a trailing \\ is data");
      expect_in (df, 2, "{'cmd':'RUN','args':['dir c:\\\\'],'json':false}", "RUN dir c:\\ stays one line");
    }
  dock_dockerfile_free (df);
  /* The same file without the directive: the \ joins the lines. */
  expect1 ("FROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt c:\\\nRUN dir c:\n", 1,
           "{'cmd':'COPY','args':['testfile.txt','c:RUN','dir','c:'],'line':2,'end':3}",
           "without escape=` the trailing \\ continues COPY onto RUN");
  expect1 ("# escape=`\nRUN a `\n  b\n", 0, "{'args':['a   b']}", "the backtick continues a line");

  /* Whitespace is allowed anywhere in a directive; the name is case-insensitive. */
  const char *forms[] = { "#escape=`", "# escape =`", "#\tescape= `", " # escape = ` ", "#\t  eScApE=`" };
  for (size_t i = 0; i < ARRAY_SIZE (forms); i++)
    {
      cleanup_free char *src = xasprintf ("%s\nFROM x\n", forms[i]);
      df = parse (src, forms[i]);
      if (df)
        tap_ok (df->escape == '`', "directive written [%s] is read", forms[i]);
      dock_dockerfile_free (df);
    }
  /* Not directives: after a comment, after an instruction, after an unknown
     directive, after a blank line. */
  const char *not_directives[] = {
    "# About my dockerfile\n# escape=`\nFROM x\n",
    "FROM x\n# escape=`\n",
    "# unknowndirective=value\n# escape=`\nFROM x\n",
    "\n# escape=`\nFROM x\n",
  };
  for (size_t i = 0; i < ARRAY_SIZE (not_directives); i++)
    {
      df = parse (not_directives[i], "not a directive");
      if (df)
        tap_ok (df->escape == '\\', "a directive not at the top is a comment (case %zu)", i);
      dock_dockerfile_free (df);
    }
  /* No continuation in a directive: the second line is an instruction. */
  expect_error ("# direc \\\ntive=value\nFROM x\n", "Dockerfile:2: unknown instruction: TIVE=VALUE", 2);
  expect_error ("# escape=\\\n# escape=`\nFROM x\n", "Dockerfile:2: only one escape parser directive can be used", 2);
  expect_error ("# escape=x\nFROM x\n", "Dockerfile:1: invalid escape token 'x' does not match ` or \\", 1);
  df = parse ("# syntax=docker/dockerfile:1\n# check=skip=all\nFROM x\n", "syntax");
  if (df)
    tap_ok (df->syntax && strcmp (df->syntax, "docker/dockerfile:1") == 0 && df->check
                && strcmp (df->check, "skip=all") == 0,
            "# syntax= and # check= are kept");
  dock_dockerfile_free (df);
  df = parse ("\xef\xbb\xbf# escape=`\nFROM x\n", "bom");
  if (df)
    tap_ok (df->escape == '`', "a UTF-8 byte order mark before the directives is skipped");
  dock_dockerfile_free (df);
}

/* ------------------------------------------------------- lines and comments */

static void
test_lines (void)
{
  expect_count ("# comment\n\n   # indented comment\nFROM x\n\n\nRUN a # not a comment\n", 2,
                "comments and blank lines are skipped");
  expect1 ("FROM x\nRUN echo hi # trailing\n", 1, "{'args':['echo hi # trailing']}",
           "a # after an instruction is part of its arguments");
  /* The reference's RUN example: the continuation joins the two lines. */
  expect1 ("RUN /bin/bash -c 'source $HOME/.bashrc && \\\necho $HOME'\n", 0,
           "{'args':['/bin/bash -c \\u0027source $HOME/.bashrc && echo $HOME\\u0027'],'line':1,'end':2}",
           "RUN continued with \\ is one command");
  /* Comment lines and empty lines inside a continuation are dropped. */
  dock_dockerfile *df = parse ("RUN apt-get update \\\n# a comment\n\n    && apt-get install -y vim\n", "cont");
  expect_in (df, 0, "{'args':['apt-get update     && apt-get install -y vim'],'end':4}",
             "comment and empty lines inside a continuation are skipped");
  if (df)
    tap_ok (df->n_warnings == 1 && strstr (df->warnings[0], "Empty continuation line"),
            "an empty continuation line is warned about, as buildkit does");
  dock_dockerfile_free (df);
  expect1 ("RUN a \\  \t\n b\n", 0, "{'args':['a  b']}", "spaces after the escape still continue the line");
  expect1 ("FROM x\r\nRUN a \\\r\n b\r\n", 1, "{'args':['a  b'],'line':2}", "CRLF line ends");
  expect1 ("RUN a \\", 0, "{'args':['a']}", "a continuation at the end of the file ends the instruction");
  expect1 ("  from   alpine  ", 0, "{'cmd':'FROM','args':['alpine'],'original':'from   alpine'}",
           "instructions are case-insensitive; white space around is trimmed");
  expect_count ("", 0, "an empty file has no instructions");
  expect_count ("\\\n\\\n", 0, "a file of continuations alone has no instructions");
}

/* -------------------------------------------------------------------- FROM */

static void
test_from (void)
{
  expect1 ("FROM busybox\n", 0, "{'cmd':'FROM','args':['busybox']}", "FROM image");
  expect1 ("FROM --platform=linux/arm64 golang:1.21 AS Build\n", 0,
           "{'flags':['--platform=linux/arm64'],'args':['golang:1.21','AS','Build'],'stage':'build'}",
           "FROM --platform image AS name (name lower-cased)");
  expect1 ("FROM busybox:${VERSION} as base\n", 0, "{'args':['busybox:${VERSION}','as','base'],'stage':'base'}",
           "FROM keeps ${VERSION} for the builder to expand with the global ARGs");
  expect1 ("FROM scratch\n", 0, "{'args':['scratch']}", "FROM scratch");
  expect1 ("FROM --platform=$BUILDPLATFORM golang AS build\n", 0,
           "{'flags':['--platform=$BUILDPLATFORM'],'stage':'build'}", "FROM --platform=$BUILDPLATFORM");
  expect_error ("FROM\n", "Dockerfile:1: FROM requires either one or three arguments", 1);
  expect_error ("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments", 1);
  expect_error ("FROM a IS b\n", "Dockerfile:1: FROM requires either one or three arguments", 1);
  expect_error ("FROM a AS b c\n", "Dockerfile:1: FROM requires either one or three arguments", 1);
  expect_error ("FROM a AS 1St\n",
                "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols",
                1);
  expect_error ("FROM a AS Build\nRUN x\nFROM b AS build\n",
                "Dockerfile:3: duplicate stage name \"build\" (first on line 1)", 3);
  expect1 ("FROM a AS one\nFROM one AS two.x_y-z\n", 1, "{'stage':'two.x_y-z'}", "stage names with . _ -");
  expect_error ("FROM --plattform=x a\n", "Dockerfile:1: unknown flag: --plattform", 1);
  expect_error ("FROM --platform a\n", "Dockerfile:1: missing a value on flag: --platform", 1);
  expect_error ("FROM --platform=a --platform=b a\n", "Dockerfile:1: duplicate flag specified: --platform", 1);
}

/* ----------------------------------------------------- RUN CMD ENTRYPOINT */

static void
test_exec_forms (void)
{
  expect1 ("RUN [\"/bin/bash\", \"-c\", \"echo hello\"]\n", 0,
           "{'json':true,'args':['/bin/bash','-c','echo hello']}", "RUN exec form");
  expect1 ("RUN [ \"echo\", \"$HOME\" ]\n", 0, "{'json':true,'args':['echo','$HOME']}",
           "exec form is not expanded by the parser");
  expect1 ("RUN [\"c:\\\\windows\\\\system32\\\\tasklist.exe\"]\n", 0,
           "{'json':true,'args':['c:\\\\windows\\\\system32\\\\tasklist.exe']}", "JSON escapes are decoded");
  /* Not valid JSON (\w): docker runs it in a shell. */
  expect1 ("RUN [\"c:\\windows\\system32\\tasklist.exe\"]\n", 0,
           "{'json':false,'args':['[\\'c:\\\\windows\\\\system32\\\\tasklist.exe\\']']}",
           "invalid JSON falls back to the shell form");
  expect1 ("CMD [\"a\", 'b']\n", 0, "{'json':false,'args':['[\\'a\\', \\u0027b\\u0027]']}",
           "single quotes are not JSON: shell form");
  expect1 ("CMD [unterminated\n", 0, "{'json':false,'args':['[unterminated']}", "a broken array is a shell command");
  expect_error ("CMD [\"a\", 1]\n",
                "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only", 1);
  expect1 ("CMD []\n", 0, "{'json':true,'args':[]}", "CMD [] is an empty exec form");
  expect1 ("CMD echo \"This is a test.\" | wc -\n", 0, "{'json':false,'args':['echo \\'This is a test.\\' | wc -']}",
           "CMD shell form is kept as written");
  expect1 ("CMD [\"/usr/bin/wc\",\"--help\"]\n", 0, "{'json':true,'args':['/usr/bin/wc','--help']}", "CMD exec form");
  expect1 ("ENTRYPOINT [\"top\", \"-b\"]\n", 0, "{'cmd':'ENTRYPOINT','json':true,'args':['top','-b']}",
           "ENTRYPOINT exec form");
  expect1 ("ENTRYPOINT exec top -b\n", 0, "{'json':false,'args':['exec top -b']}", "ENTRYPOINT shell form");
  expect1 ("RUN --network=none wget x\n", 0, "{'flags':['--network=none'],'args':['wget x']}", "RUN --network");
  expect1 ("RUN --network=host -- --not-a-flag\n", 0, "{'flags':['--network=host'],'args':['--not-a-flag']}",
           "-- ends the flags");
  expect_error ("RUN --network=bridge true\n", "Dockerfile:1: unsupported network mode \"bridge\"", 1);
  expect_error ("RUN --mount=type=cache,target=/root/.cache true\n",
                "Dockerfile:1: RUN --mount is not supported by dock yet", 1);
  expect1 ("RUN --security=sandbox true\n", 0, "{'flags':['--security=sandbox']}", "RUN --security=sandbox is the default");
  expect_error ("RUN\n", "Dockerfile:1: RUN requires at least one argument", 1);
  expect1 ("SHELL [\"powershell\", \"-command\"]\n", 0, "{'json':true,'args':['powershell','-command']}", "SHELL");
  expect_error ("SHELL /bin/bash -c\n", "Dockerfile:1: SHELL requires the arguments to be in JSON form", 1);
}

/* ------------------------------------------------------- ENV LABEL ARG */

static void
test_key_values (void)
{
  expect1 ("ENV MY_NAME=\"John Doe\"\n", 0, "{'kvs':[['MY_NAME','\\'John Doe\\'']]}",
           "ENV k=\"v\" keeps the quotes for the expander");
  expect1 ("ENV MY_DOG=Rex\\ The\\ Dog\n", 0, "{'kvs':[['MY_DOG','Rex\\\\ The\\\\ Dog']]}", "ENV with escaped spaces");
  expect1 ("ENV MY_NAME=\"John Doe\" MY_DOG=Rex\\ The\\ Dog \\\n    MY_CAT=fluffy\n", 0,
           "{'kvs':[['MY_NAME','\\'John Doe\\''],['MY_DOG','Rex\\\\ The\\\\ Dog'],['MY_CAT','fluffy']]}",
           "several ENV pairs over a continuation");
  expect1 ("ENV MY_VAR my-value\n", 0, "{'kvs':[['MY_VAR','my-value']]}", "legacy ENV k v");
  expect1 ("ENV A b c  d\n", 0, "{'kvs':[['A','b c  d']]}", "legacy ENV: the value is the rest of the line");
  expect_error ("ENV A\n", "Dockerfile:1: ENV must have two arguments", 1);
  expect_error ("ENV\n", "Dockerfile:1: ENV requires at least one argument", 1);
  expect_error ("ENV A=1 B\n", "Dockerfile:1: Syntax error - can't find = in \"B\". Must be of the form: name=value", 1);
  expect_error ("ENV =x\n", "Dockerfile:1: ENV names can not be blank", 1);
  expect1 ("LABEL \"com.example.vendor\"=\"ACME Incorporated\"\n", 0,
           "{'kvs':[['\\'com.example.vendor\\'','\\'ACME Incorporated\\'']]}", "LABEL with a quoted key");
  expect1 ("LABEL description=\"This text illustrates \\\nthat label-values can span multiple lines.\"\n", 0,
           "{'kvs':[['description','\\'This text illustrates that label-values can span multiple lines.\\'']]}",
           "a LABEL value over two lines");
  expect1 ("LABEL multi.label1=\"value1\" \\\n      multi.label2=\"value2\" \\\n      other=\"value3\"\n", 0,
           "{'kvs':[['multi.label1','\\'value1\\''],['multi.label2','\\'value2\\''],['other','\\'value3\\'']],'end':3}",
           "LABEL pairs over continuations");
  expect1 ("LABEL version 1.0\n", 0, "{'kvs':[['version','1.0']]}", "legacy LABEL k v");
  expect1 ("LABEL a='x y'=z\n", 0, "{'kvs':[['a','\\u0027x y\\u0027=z']]}", "only the first = separates");
  expect1 ("ARG user1\n", 0, "{'kvs':[['user1',null]]}", "ARG without a default");
  expect1 ("ARG buildno=1\n", 0, "{'kvs':[['buildno','1']]}", "ARG with a default");
  expect1 ("ARG A B=2 C=\"x y\"\n", 0, "{'kvs':[['A',null],['B','2'],['C','\\'x y\\'']]}", "several ARGs on one line");
  expect_error ("ARG\n", "Dockerfile:1: ARG requires at least one argument", 1);
  expect1 ("MAINTAINER SvenDowideit <sven@example.com>\n", 0, "{'args':['SvenDowideit <sven@example.com>']}",
           "MAINTAINER keeps the whole line");
}

/* ------------------------------------------------ EXPOSE VOLUME USER ... */

static void
test_simple (void)
{
  expect1 ("EXPOSE 80/udp\n", 0, "{'args':['80/udp']}", "EXPOSE port/proto");
  expect1 ("EXPOSE 80 443/tcp 8000-8010\n", 0, "{'args':['80','443/tcp','8000-8010']}", "EXPOSE several");
  expect_error ("EXPOSE\n", "Dockerfile:1: EXPOSE requires at least one argument", 1);
  expect1 ("VOLUME [\"/data\"]\n", 0, "{'json':true,'args':['/data']}", "VOLUME JSON form");
  expect1 ("VOLUME /var/log /var/db\n", 0, "{'json':false,'args':['/var/log','/var/db']}", "VOLUME plain form");
  expect1 ("VOLUME [\"/my dir\"]\n", 0, "{'args':['/my dir']}", "VOLUME JSON path with a space");
  expect_error ("VOLUME [\"\"]\n", "Dockerfile:1: VOLUME specified can not be an empty string", 1);
  expect1 ("USER patrick\n", 0, "{'args':['patrick']}", "USER name");
  expect1 ("USER 1000:1000\n", 0, "{'args':['1000:1000']}", "USER uid:gid");
  expect_error ("USER\n", "Dockerfile:1: USER requires exactly one argument", 1);
  expect1 ("WORKDIR /path/to/workdir\n", 0, "{'args':['/path/to/workdir']}", "WORKDIR");
  expect1 ("WORKDIR $DIRPATH/$DIRNAME\n", 0, "{'args':['$DIRPATH/$DIRNAME']}", "WORKDIR with variables");
  expect1 ("STOPSIGNAL SIGKILL\n", 0, "{'args':['SIGKILL']}", "STOPSIGNAL name");
  expect_error ("STOPSIGNAL\n", "Dockerfile:1: STOPSIGNAL requires exactly one argument", 1);
}

/* ------------------------------------------------------------- COPY ADD */

static void
test_copy_add (void)
{
  expect1 ("COPY hom* /mydir/\n", 0, "{'cmd':'COPY','args':['hom*','/mydir/']}", "COPY wildcard");
  expect1 ("COPY arr[[]0].txt /mydir/\n", 0, "{'args':['arr[[]0].txt','/mydir/']}", "COPY with a [ escape");
  expect1 ("COPY --chown=55:mygroup files* /somedir/\n", 0, "{'flags':['--chown=55:mygroup'],'args':['files*','/somedir/']}",
           "COPY --chown");
  expect1 ("COPY --chown=myuser:mygroup --chmod=644 files* /somedir/\n", 0,
           "{'flags':['--chown=myuser:mygroup','--chmod=644']}", "COPY --chown --chmod");
  expect1 ("COPY --from=build /myapp /usr/bin/\n", 0, "{'flags':['--from=build'],'args':['/myapp','/usr/bin/']}",
           "COPY --from");
  expect1 ("COPY --link /foo /bar\n", 0, "{'flags':['--link=true']}", "COPY --link");
  expect1 ("COPY --link=false /foo /bar\n", 0, "{'flags':['--link=false']}", "COPY --link=false");
  expect1 ("COPY --chown=\"a b\" x y\n", 0, "{'flags':['--chown=a b']}", "quotes are removed from flag values");
  expect_error ("COPY --link=maybe a b\n", "Dockerfile:1: expecting boolean value for flag --link, not: maybe", 1);
  expect_error ("COPY --parents a b\n", "Dockerfile:1: COPY --parents is not supported by dock yet", 1);
  expect1 ("COPY [\"a file\", \"/my dir/\"]\n", 0, "{'json':true,'args':['a file','/my dir/']}",
           "COPY JSON form for paths with spaces");
  expect_error ("COPY onlyone\n",
                "Dockerfile:1: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                1);
  expect1 ("ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d "
           "https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /\n",
           0, "{'cmd':'ADD','flags':['--checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d']}",
           "ADD --checksum URL");
  expect1 ("ADD --chown=1 --chmod=0755 files* /somedir/\n", 0, "{'flags':['--chown=1','--chmod=0755']}", "ADD --chown --chmod");
  expect_error ("ADD --from=x a b\n", "Dockerfile:1: unknown flag: --from", 1);
  expect1 ("COPY --from=nginx:latest /etc/nginx/nginx.conf /nginx.conf\n", 0,
           "{'flags':['--from=nginx:latest'],'args':['/etc/nginx/nginx.conf','/nginx.conf']}", "COPY --from=image");
  expect1 ("ADD https://example.com/foo.html /thing.html\n", 0,
           "{'args':['https://example.com/foo.html','/thing.html']}", "ADD URL");
  expect1 ("ADD git@github.com:user/repo.git /usr/src/things/\n", 0,
           "{'args':['git@github.com:user/repo.git','/usr/src/things/']}", "ADD git URL");
  expect1 ("COPY <<EOF greeting.txt\nhello world\nEOF\n", 0,
           "{'args':['<<EOF','greeting.txt'],'heredocs':[{'name':'EOF','content':'hello world\\n'}]}",
           "COPY a heredoc into a file");
}

/* ---------------------------------------------------------------- heredocs */

static void
test_heredocs (void)
{
  expect1 ("RUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n", 0,
           "{'args':['<<EOF'],'line':1,'end':4,'heredocs':[{'name':'EOF','content':'apt-get update\\napt-get install -y curl\\n','expand':true,'chomp':false,'fd':0}]}",
           "RUN <<EOF");
  expect1 ("RUN <<EOT bash\n  set -ex\n  apt-get update\nEOT\n", 0,
           "{'args':['<<EOT bash'],'heredocs':[{'name':'EOT','content':'  set -ex\\n  apt-get update\\n'}]}",
           "RUN <<EOT bash keeps indentation");
  expect1 ("RUN <<EOT\n#!/usr/bin/env python\nprint(\"hello world\")\nEOT\n", 0,
           "{'heredocs':[{'name':'EOT','content':'#!/usr/bin/env python\\nprint(\\'hello world\\')\\n'}]}",
           "a # line inside a heredoc is content, not a comment");
  expect1 ("COPY <<-EOT /script.sh\n\techo \"hello ${FOO}\"\n\tEOT\n", 0,
           "{'cmd':'COPY','args':['<<-EOT','/script.sh'],'heredocs':[{'name':'EOT','content':'echo \\'hello ${FOO}\\'\\n','chomp':true,'expand':true}]}",
           "COPY <<-EOT strips leading tabs and finds an indented terminator");
  expect1 ("COPY <<-\"EOT\" /script.sh\n  echo \"hello ${FOO}\"\nEOT\n", 0,
           "{'heredocs':[{'name':'EOT','expand':false}]}", "a quoted delimiter turns expansion off");
  expect1 ("COPY <<'EOF' /x\n$A\nEOF\n", 0, "{'heredocs':[{'name':'EOF','expand':false,'content':'$A\\n'}]}",
           "a single-quoted delimiter");
  expect1 ("COPY <<E\"O\"F /x\nx\nEOF\n", 0, "{'heredocs':[{'name':'EOF','expand':false}]}",
           "a partly quoted delimiter");
  expect1 ("RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\n", 0,
           "{'end':7,'heredocs':[{'name':'FILE1','content':'I am\\nfirst\\n'},{'name':'FILE2','content':'I am\\nsecond\\n'}]}",
           "two heredocs on one line, read in order");
  expect1 ("COPY <<EOF1 <<EOF2 /dest/\nfile1\nEOF1\nfile2\nEOF2\n", 0,
           "{'args':['<<EOF1','<<EOF2','/dest/'],'heredocs':[{'name':'EOF1'},{'name':'EOF2'}]}", "COPY two heredocs");
  expect1 ("RUN 3<<EOF cat /proc/self/fd/3\nx\nEOF\n", 0, "{'heredocs':[{'name':'EOF','fd':3}]}", "a heredoc on fd 3");
  expect1 ("RUN echo '<<EOF'\n", 0, "{'args':['echo \\u0027<<EOF\\u0027']}", "a quoted << is not a heredoc");
  expect1 ("RUN cat <<EOF\nEOF\nRUN true\n", 1, "{'args':['true'],'line':3}", "an empty heredoc; parsing goes on");
  expect1 ("RUN python3 <<EOF \\\n  && true\nprint(1)\nEOF\n", 0,
           "{'args':['python3 <<EOF   && true'],'heredocs':[{'content':'print(1)\\n'}]}",
           "the heredoc starts after the continued line");
  expect1 ("CMD <<EOF\n", 0, "{'args':['<<EOF']}", "CMD has no heredocs");
  expect_error ("FROM x\nRUN <<EOF\nnever ends\n", "Dockerfile:2: unterminated heredoc", 2);
  expect_error ("COPY <<EOF\nx\nEOF\n",
                "Dockerfile:1: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                1);
}

/* ------------------------------------------------- ONBUILD HEALTHCHECK */

static void
test_onbuild_health (void)
{
  expect1 ("ONBUILD ADD . /app/src\n", 0, "{'args':['ADD . /app/src'],'sub':{'cmd':'ADD','args':['.','/app/src']}}",
           "ONBUILD ADD: the trigger parsed");
  expect1 ("ONBUILD RUN /usr/local/bin/python-build --dir /app/src\n", 0,
           "{'sub':{'cmd':'RUN','args':['/usr/local/bin/python-build --dir /app/src']}}", "ONBUILD RUN");
  expect1 ("onbuild copy --from=x a b\n", 0, "{'args':['copy --from=x a b'],'sub':{'flags':['--from=x']}}",
           "ONBUILD trigger flags are checked");
  expect_error ("ONBUILD ONBUILD RUN x\n", "Dockerfile:1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", 1);
  expect_error ("ONBUILD FROM x\n", "Dockerfile:1: FROM isn't allowed as an ONBUILD trigger", 1);
  expect_error ("ONBUILD MAINTAINER me\n", "Dockerfile:1: MAINTAINER isn't allowed as an ONBUILD trigger", 1);
  expect_error ("ONBUILD FOO x\n", "Dockerfile:1: unknown instruction: FOO", 1);
  expect_error ("ONBUILD\n", "Dockerfile:1: ONBUILD requires at least one argument", 1);
  expect_error ("ONBUILD COPY onlyone\n",
                "Dockerfile:1: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                1);
  /* A trigger has no heredocs: the lines after it are instructions. */
  expect_error ("ONBUILD RUN <<EOF\nRUN inside\nEOF\n", "Dockerfile:3: unknown instruction: EOF", 3);

  expect1 ("HEALTHCHECK --interval=5m --timeout=3s \\\n  CMD curl -f http://localhost/ || exit 1\n", 0,
           "{'health':{'test':['CMD-SHELL','curl -f http://localhost/ || exit 1'],'interval':300000000000,'timeout':3000000000,'start_period':0,'retries':0}}",
           "HEALTHCHECK shell form with --interval --timeout");
  expect1 ("HEALTHCHECK --start-period=1m30s --start-interval=5s --retries=3 CMD [\"/bin/check\", \"-q\"]\n", 0,
           "{'health':{'test':['CMD','/bin/check','-q'],'start_period':90000000000,'start_interval':5000000000,'retries':3}}",
           "HEALTHCHECK exec form with every option");
  expect1 ("HEALTHCHECK NONE\n", 0, "{'health':{'test':['NONE']}}", "HEALTHCHECK NONE");
  expect1 ("HEALTHCHECK --interval=0s CMD true\n", 0, "{'health':{'interval':0}}", "a zero duration means inherit");
  expect_error ("HEALTHCHECK NONE extra\n", "Dockerfile:1: HEALTHCHECK NONE takes no arguments", 1);
  expect_error ("HEALTHCHECK CURL x\n", "Dockerfile:1: Unknown type \"CURL\" in HEALTHCHECK (try CMD)", 1);
  expect_error ("HEALTHCHECK CMD\n", "Dockerfile:1: Missing command after HEALTHCHECK CMD", 1);
  expect_error ("HEALTHCHECK --interval=10 CMD x\n", "Dockerfile:1: time: missing unit in duration \"10\"", 1);
  expect_error ("HEALTHCHECK --interval=1q CMD x\n", "Dockerfile:1: time: unknown unit \"q\" in duration \"1q\"", 1);
  expect_error ("HEALTHCHECK --timeout=500us CMD x\n", "Dockerfile:1: Interval \"timeout\" cannot be less than 1ms", 1);
  expect_error ("HEALTHCHECK --retries=-1 CMD x\n", "Dockerfile:1: --retries cannot be negative (-1)", 1);
  expect_error ("HEALTHCHECK --retry=1 CMD x\n", "Dockerfile:1: unknown flag: --retry", 1);

  static const struct
  {
    const char *in;
    int64_t ns;
  } durations[] = {
    { "0", 0 },        { "1ns", 1 },        { "1.5h", 5400000000000LL }, { "2h45m", 9900000000000LL },
    { "300ms", 300000000 }, { "-1.5s", -1500000000 }, { "1us", 1000 }, { "1\xc2\xb5s", 1000 }, { ".5s", 500000000 },
  };
  for (size_t i = 0; i < ARRAY_SIZE (durations); i++)
    {
      int64_t ns = -42;
      berth_error *err = NULL;
      int rc = dock_parse_go_duration (durations[i].in, &ns, &err);
      tap_ok (rc == 0 && ns == durations[i].ns, "ParseDuration(%s) = %lld", durations[i].in, (long long) durations[i].ns);
      berth_error_free (err);
    }
  const char *bad[] = { "", "s", "1", "1.s.", "--1s", "1e3s" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      int64_t ns;
      berth_error *err = NULL;
      tap_ok (dock_parse_go_duration (bad[i], &ns, &err) < 0, "ParseDuration(%s) fails", bad[i]);
      berth_error_free (err);
    }
}

/* ------------------------------------------------------------- bad input */

static void
test_errors (void)
{
  expect_error ("FROM busybox\nRUN true\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO", 3);
  /* An instruction starts on the line of its first piece, even a lone \\. */
  expect_error ("FROM x\nrun true\n  \\\nfoo \\\n bar\n", "Dockerfile:3: unknown instruction: FOO", 3);
  dock_dockerfile *df = NULL;
  berth_error *err = NULL;
  static const char nul[] = "FROM x\0y\n";
  int rc = dock_dockerfile_parse (nul, sizeof nul - 1, "Dockerfile", &df, NULL, &err);
  tap_ok (rc < 0 && strcmp (err->msg, "Dockerfile: the file holds a NUL byte: not a Dockerfile") == 0,
          "a file with a NUL byte is refused");
  berth_error_free (err);
}

/* ------------------------------------------------ metadata: image config */

/* Apply every metadata instruction of src to a fresh config (FROM begins
   the stage) and return the exec config as JSON. */
static char *
config_of (const char *src, const char *const *build_args)
{
  dock_dockerfile *df = NULL;
  berth_error *err = NULL;
  if (dock_dockerfile_parse (src, strlen (src), "Dockerfile", &df, NULL, &err) < 0)
    {
      char *m = xasprintf ("parse: %s", err->msg);
      berth_error_free (err);
      return m;
    }
  cleanup_build_env dock_build_env *e = dock_build_env_new (df->escape);
  for (size_t i = 0; build_args && build_args[i]; i++)
    dock_build_env_set_build_arg (e, build_args[i]);
  oci_image_config *img = oci_image_config_new ();
  dock_stage_state st = { 0 };
  char *res = NULL;
  for (size_t i = 0; i < df->n_instrs && !res; i++)
    {
      dock_df_instr *in = df->instrs[i];
      if (in->def->kind == DOCK_DF_FROM)
        dock_build_env_begin_stage (e, NULL, 0);
      else if (dock_is_metadata_instr (in) && dock_apply_metadata (e, &st, img, in, &err) < 0)
        {
          res = xasprintf ("error: %s", err->msg);
          berth_error_free (err);
        }
    }
  if (!res)
    res = img->config ? oci_image_exec_config_generate (img->config, 0, NULL) : xstrdup ("{}");
  oci_image_config_free (img);
  dock_dockerfile_free (df);
  return res;
}

static void
expect_config (const char *src, const char *const *build_args, const char *want_sq, const char *what)
{
  cleanup_free char *got = config_of (src, build_args);
  cleanup_free char *want_text = squote (want_sq);
  cleanup_free char *jerr = NULL;
  oci_json *want = oci_json_parse (want_text, strlen (want_text), &jerr);
  oci_json *g = oci_json_parse (got, strlen (got), &jerr);
  cleanup_free char *why = NULL;
  bool ok = want && g && subset (want, g, &why);
  tap_ok (ok, "%s", what);
  if (!ok)
    diag ("want %s\n# got  %s", want_text, got);
  oci_json_free (want);
  oci_json_free (g);
}

static void
test_metadata (void)
{
  expect_config ("FROM x\nENV FOO=/bar\nWORKDIR ${FOO}\n", NULL, "{'WorkingDir':'/bar','Env':['FOO=/bar']}",
                 "WORKDIR ${FOO} from ENV");
  expect_config ("FROM x\nWORKDIR /a\nWORKDIR b\nWORKDIR c\n", NULL, "{'WorkingDir':'/a/b/c'}",
                 "relative WORKDIRs join the previous one");
  expect_config ("FROM x\nENV DIRPATH=/path\nWORKDIR $DIRPATH/$DIRNAME\n", NULL, "{'WorkingDir':'/path/'}",
                 "WORKDIR with an unset variable; an absolute path is kept as written");
  expect_config ("FROM x\nWORKDIR /a\nWORKDIR b/../c/./d/\n", NULL, "{'WorkingDir':'/a/c/d'}",
                 "a relative WORKDIR is joined and cleaned");
  expect_config ("FROM x\nENV MY_NAME=\"John Doe\" MY_DOG=Rex\\ The\\ Dog \\\n    MY_CAT=fluffy\nENV MY_VAR my-value\n",
                 NULL, "{'Env':['MY_NAME=John Doe','MY_DOG=Rex The Dog','MY_CAT=fluffy','MY_VAR=my-value']}",
                 "ENV values with quotes and escapes removed");
  expect_config ("FROM x\nLABEL \"com.example.vendor\"=\"ACME Incorporated\"\nLABEL com.example.label-with-value=\"foo\"\n"
                 "LABEL version=\"1.0\"\nLABEL description=\"This text illustrates \\\nthat label-values can span multiple lines.\"\n",
                 NULL,
                 "{'Labels':{'com.example.vendor':'ACME Incorporated','com.example.label-with-value':'foo','version':'1.0',"
                 "'description':'This text illustrates that label-values can span multiple lines.'}}",
                 "the reference's LABEL examples");
  expect_config ("FROM x\nEXPOSE 80/udp 443 8000-8002/TCP\n", NULL,
                 "{'ExposedPorts':{'80/udp':{},'443/tcp':{},'8000/tcp':{},'8001/tcp':{},'8002/tcp':{}}}",
                 "EXPOSE: default tcp, ranges, proto lower-cased");
  expect_config ("FROM x\nEXPOSE 80/tcp\nEXPOSE 80/udp\n", NULL, "{'ExposedPorts':{'80/tcp':{},'80/udp':{}}}",
                 "EXPOSE the same port for tcp and udp (the reference's example)");
  static const char *const ports_arg[] = { "PORTS=1 2", NULL };
  expect_config ("FROM x\nARG PORTS\nEXPOSE $PORTS\n", ports_arg, "{'ExposedPorts':{'1/tcp':{},'2/tcp':{}}}",
                 "EXPOSE splits an expanded variable into ports");
  cleanup_free char *bad_port = config_of ("FROM x\nEXPOSE 80/foo\n", NULL);
  tap_ok (strcmp (bad_port, "error: invalid proto: foo") == 0, "EXPOSE with a bad protocol is refused");
  expect_config ("FROM x\nCMD echo \"This is a test.\" | wc -\n", NULL,
                 "{'Cmd':['/bin/sh','-c','echo \\'This is a test.\\' | wc -']}", "CMD shell form runs /bin/sh -c");
  expect_config ("FROM x\nSHELL [\"/bin/bash\", \"-eu\", \"-c\"]\nCMD echo hi\n", NULL,
                 "{'Cmd':['/bin/bash','-eu','-c','echo hi'],'Shell':['/bin/bash','-eu','-c']}", "CMD uses SHELL");
  expect_config ("FROM x\nCMD [\"-c\"]\nENTRYPOINT [\"top\", \"-b\"]\n", NULL, "{'Entrypoint':['top','-b'],'Cmd':['-c']}",
                 "ENTRYPOINT keeps a CMD set in the same stage");
  expect_config ("FROM x\nENTRYPOINT exec top -b\n", NULL, "{'Entrypoint':['/bin/sh','-c','exec top -b']}",
                 "ENTRYPOINT shell form");
  expect_config ("FROM x\nVOLUME [\"/data\"]\nVOLUME /var/log /var/db\n", NULL,
                 "{'Volumes':{'/data':{},'/var/log':{},'/var/db':{}}}", "VOLUME both forms");
  static const char *const user_arg[] = { "username=what_user", NULL };
  expect_config ("FROM busybox\nUSER ${username:-some_user}\n", user_arg, "{'User':'some_user'}",
                 "USER before ARG: the default");
  expect_config ("FROM busybox\nUSER ${username:-some_user}\nARG username\nUSER $username\n", user_arg,
                 "{'User':'what_user'}", "USER after ARG: the build-arg");
  expect_config ("FROM x\nSTOPSIGNAL SIGKILL\n", NULL, "{'StopSignal':'SIGKILL'}", "STOPSIGNAL");
  expect_config ("FROM x\nSTOPSIGNAL 9\n", NULL, "{'StopSignal':'9'}", "STOPSIGNAL by number");
  expect_config ("FROM x\nARG SIG=SIGRTMIN+3\nSTOPSIGNAL $SIG\n", NULL, "{'StopSignal':'SIGRTMIN+3'}",
                 "STOPSIGNAL expanded, a real-time signal");
  cleanup_free char *bad_sig = config_of ("FROM x\nSTOPSIGNAL SIGNOPE\n", NULL);
  tap_ok (strcmp (bad_sig, "error: Invalid signal: SIGNOPE") == 0, "a bad STOPSIGNAL is refused");
  expect_config ("FROM x\nONBUILD ADD . /app/src\nONBUILD RUN /usr/local/bin/python-build --dir /app/src\n", NULL,
                 "{'OnBuild':['ADD . /app/src','RUN /usr/local/bin/python-build --dir /app/src']}", "ONBUILD triggers");
  expect_config ("FROM x\nHEALTHCHECK --interval=5m --timeout=3s CMD curl -f http://localhost/ || exit 1\n", NULL,
                 "{'Healthcheck':{'Test':['CMD-SHELL','curl -f http://localhost/ || exit 1'],'Interval':300000000000,'Timeout':3000000000}}",
                 "HEALTHCHECK in the config");
  expect_config ("FROM x\nHEALTHCHECK NONE\n", NULL, "{'Healthcheck':{'Test':['NONE']}}", "HEALTHCHECK NONE in the config");
}

int
main (void)
{
  test_directives ();
  test_lines ();
  test_from ();
  test_exec_forms ();
  test_key_values ();
  test_simple ();
  test_copy_add ();
  test_heredocs ();
  test_onbuild_health ();
  test_errors ();
  test_metadata ();
  return tap_done ();
}
