/* The --format engine: fields, functions, pipelines, conditionals, range,
   trimming, Go's value printing and json escaping, errors. */
#include "config.h"

#include <string.h>

#include "libdock/template/template.h"
#include "libberth/util.h"
#include "tap.h"

static const char doc[] = "{\"Repository\":\"busybox\",\"Tag\":\"latest\",\"Size\":42,\"Empty\":\"\","
                          "\"Tags\":[\"a\",\"b\",\"c\"],\"Labels\":{\"z\":\"1\",\"a\":\"2\"},"
                          "\"Cfg\":{\"Cmd\":[\"sh\",\"-c\"],\"Env\":null},\"Html\":\"<none>&\",\"On\":true}";

static void
check (const oci_json *data, const char *tmpl, const char *want)
{
  dock_template *t = NULL;
  berth_error *err = NULL;
  char *out = NULL;
  int r = dock_template_parse (tmpl, &t, &err);
  if (r == 0)
    r = dock_template_exec (t, data, &out, &err);
  /* TAP descriptions are one line: show newlines as "\\n". */
  cleanup_free char *shown = xmalloc (2 * strlen (want) + 1);
  size_t k = 0;
  for (const char *c = want; *c; c++)
    k += (size_t) sprintf (shown + k, *c == '\n' ? "\\n" : "%c", *c);
  tap_ok (r == 0 && strcmp (out, want) == 0, "%s -> %s", tmpl, shown);
  if (r != 0 || strcmp (out, want) != 0)
    diag ("got: %s (%s)", out ? out : "(none)", err ? err->msg : "no error");
  free (out);
  berth_error_free (err);
  dock_template_free (t);
}

/* shown: the test's description, for a template too long to show itself
   (NULL: the template). */
static void
check_error_shown (const oci_json *data, const char *tmpl, const char *want, const char *shown)
{
  dock_template *t = NULL;
  berth_error *err = NULL;
  char *out = NULL;
  int r = dock_template_parse (tmpl, &t, &err);
  if (r == 0)
    r = dock_template_exec (t, data, &out, &err);
  tap_ok (r < 0 && err && strstr (err->msg, want), "%s fails with \"%s\"", shown ? shown : tmpl, want);
  if (err)
    diag ("error: %s", err->msg);
  free (out);
  berth_error_free (err);
  dock_template_free (t);
}

static void
check_error (const oci_json *data, const char *tmpl, const char *want)
{
  check_error_shown (data, tmpl, want, NULL);
}

int
main (void)
{
  char *perr = NULL;
  oci_json *d = oci_json_parse (doc, strlen (doc), &perr);
  tap_ok (d != NULL, "test document parses");
  check (d, "{{.Repository}}:{{.Tag}}", "busybox:latest");
  check (d, "plain text", "plain text");
  check (d, "{{.Size}} {{.On}} {{.Missing}}", "42 true <no value>");
  check (d, "{{.Tags}} {{.Cfg.Cmd}} {{.Labels}}", "[a b c] [sh -c] map[a:2 z:1]");
  check (d, "{{.Cfg.Env}}", "[]");
  check (d, "{{json .Tags}} {{json .Html}}", "[\"a\",\"b\",\"c\"] \"\\u003cnone\\u003e\\u0026\"");
  check (d, "{{index .Labels \"z\"}}{{index .Tags 1}}", "1b");
  check (d, "{{join .Tags \",\"}}", "a,b,c");
  check (d, "{{upper .Repository}} {{lower \"ABC\"}} {{title \"hello world\"}}", "BUSYBOX abc Hello World");
  check (d, "{{.Repository | upper}}", "BUSYBOX");
  check (d, "{{len .Tags}} {{len .Repository}}", "3 7");
  check (d, "{{join (split \"x-y-z\" \"-\") \"+\"}}", "x+y+z");
  check (d, "{{if .On}}yes{{else}}no{{end}} {{if .Empty}}yes{{else}}no{{end}}", "yes no");
  check (d, "{{if eq .Tag \"latest\" \"x\"}}L{{end}}{{if ne .Tag \"latest\"}}N{{end}}", "L");
  check (d, "{{if and .On (not .Empty)}}ok{{end}}", "ok");
  check (d, "{{range .Tags}}<{{.}}>{{end}}", "<a><b><c>");
  check (d, "{{range .Missing}}x{{else}}none{{end}}", "none");
  check (d, "{{with .Cfg}}{{.Cmd}}{{end}}", "[sh -c]");
  check (d, "a  {{- .Tag -}}  b", "alatestb");
  check (d, "{{printf \"%s=%v\" .Repository .Size}} {{print \"a\" \"b\"}} {{println 1 2}}", "busybox=42 ab 1 2\n");
  check (d, "{{truncate .Repository 3}}", "bus");
  check_error (d, "{{.Repository", "unclosed action");
  check_error (d, "{{if .On}}x", "unexpected EOF");
  check_error (d, "{{nosuch .Tag}}", "function \"nosuch\" not defined");
  check_error (d, "{{end}}", "unexpected {{end}}");
  check_error (d, "{{index .Tags 9}}", "index out of range");

  /* Nesting is bounded while parsing: a deep --format is an error, not a
     stack overflow.  100 levels still work. */
  enum { DEEP = 100000 };
  cleanup_free char *parens = xmalloc (2 * DEEP + 16);
  size_t k = (size_t) sprintf (parens, "{{");
  for (int i = 0; i < DEEP; i++)
    parens[k++] = '(';
  k += (size_t) sprintf (parens + k, ".Tag");
  for (int i = 0; i < DEEP; i++)
    parens[k++] = ')';
  strcpy (parens + k, "}}");
  check_error_shown (d, parens, "nesting too deep", "100000 nested parentheses");
  cleanup_free char *ifs = xmalloc (DEEP * 17 + 1);
  k = 0;
  for (int i = 0; i < DEEP; i++)
    k += (size_t) sprintf (ifs + k, "{{if .On}}");
  for (int i = 0; i < DEEP; i++)
    k += (size_t) sprintf (ifs + k, "{{end}}");
  check_error_shown (d, ifs, "nesting too deep", "100000 nested {{if}}s");
  char hundred[256];
  k = (size_t) sprintf (hundred, "{{");
  for (int i = 0; i < 100; i++)
    hundred[k++] = '(';
  k += (size_t) sprintf (hundred + k, ".Tag");
  for (int i = 0; i < 100; i++)
    hundred[k++] = ')';
  strcpy (hundred + k, "}}");
  check (d, hundred, "latest");
  oci_json_free (d);
  return tap_done ();
}
