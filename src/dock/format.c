#include "config.h"

#include "format.h"
#include "libberth/util.h"
#include "libdock/template/template.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tab_writer
{
  char **lines;
  size_t n;
};

tab_writer *
tab_new (void)
{
  return xcalloc (1, sizeof (tab_writer));
}

void
tab_line (tab_writer *t, const char *line)
{
  t->lines = xrealloc (t->lines, (t->n + 1) * sizeof *t->lines);
  t->lines[t->n++] = xstrdup (line);
}

static void
tab_free (tab_writer *t)
{
  for (size_t i = 0; i < t->n; i++)
    free (t->lines[i]);
  free (t->lines);
  free (t);
}

/* Go's tabwriter.NewWriter(out, 10, 1, 3, ' ', 0): a cell ended by a tab
   is padded to the widest cell of its column plus 3, at least 10; the text
   after the last tab of a line is not part of a column. */
void
tab_flush (tab_writer *t, FILE *out)
{
  size_t ncols = 0;
  size_t *width = NULL;
  for (size_t i = 0; i < t->n; i++)
    {
      size_t col = 0;
      for (const char *p = t->lines[i]; (p = strchr (p, '\t')); p++, col++)
        ;
      if (col > ncols)
        {
          width = xrealloc (width, col * sizeof *width);
          memset (width + ncols, 0, (col - ncols) * sizeof *width);
          ncols = col;
        }
      col = 0;
      const char *s = t->lines[i];
      for (const char *p; (p = strchr (s, '\t')); s = p + 1, col++)
        {
          size_t w = (size_t) (p - s) + 3;
          if (w < 10)
            w = 10;
          if (w > width[col])
            width[col] = w;
        }
    }
  for (size_t i = 0; i < t->n; i++)
    {
      size_t col = 0;
      const char *s = t->lines[i];
      for (const char *p; (p = strchr (s, '\t')); s = p + 1, col++)
        fprintf (out, "%-*.*s", (int) width[col], (int) (p - s), s);
      /* Trailing blanks of the last cell stay, as tabwriter keeps them. */
      fprintf (out, "%s\n", s);
    }
  free (width);
  tab_free (t);
}

struct dock_format
{
  dock_template *tmpl;
  bool table;
  const format_header *headers;
  tab_writer *tab;
  char *text; /* rows of a non-table format */
  size_t len;
  FILE *buf;
};

/* docker's \t and \n in a --format string are the characters. */
static char *
unescape (const char *s)
{
  char *out = xmalloc (strlen (s) + 1);
  size_t n = 0;
  for (; *s; s++)
    {
      if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n'))
        {
          out[n++] = s[1] == 't' ? '\t' : '\n';
          s++;
        }
      else
        out[n++] = *s;
    }
  out[n] = '\0';
  return out;
}

static char *
trim (const char *s)
{
  while (*s == ' ')
    s++;
  size_t n = strlen (s);
  while (n && s[n - 1] == ' ')
    n--;
  return xstrndup (s, n);
}

int
format_begin (const char *user, const char *default_table, const format_header *headers, dock_format **out,
              berth_error **err)
{
  dock_format *f = xcalloc (1, sizeof *f);
  f->headers = headers;
  cleanup_free char *body = NULL;
  if (user == NULL || *user == '\0' || strcmp (user, "table") == 0)
    user = default_table;
  if (strcmp (user, "json") == 0)
    body = xstrdup ("{{json .}}");
  else if (str_has_prefix (user, "table"))
    {
      f->table = true;
      body = trim (user + strlen ("table"));
    }
  else
    body = trim (user);
  cleanup_free char *text = unescape (body);
  if (dock_template_parse (text, &f->tmpl, err) < 0)
    {
      format_free (f);
      return berth_error_wrap (err, "template parsing error");
    }
  if (f->table)
    {
      f->tab = tab_new ();
      /* The header: the template run on an object of column titles. */
      oci_json *h = oci_json_new (OCI_JSON_OBJECT);
      for (const format_header *c = headers; c && c->field; c++)
        row_set (h, c->field, c->header);
      int r = format_row (f, h, err);
      oci_json_free (h);
      if (r < 0)
        {
          format_free (f);
          return -1;
        }
    }
  else
    f->buf = open_memstream (&f->text, &f->len);
  *out = f;
  return 0;
}

int
format_row (dock_format *f, const oci_json *row, berth_error **err)
{
  cleanup_free char *line = NULL;
  if (dock_template_exec (f->tmpl, row, &line, err) < 0)
    return -1;
  if (f->table)
    {
      /* A row may hold several lines; each is a line of the table. */
      char *save = NULL;
      for (char *l = strtok_r (line, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
        tab_line (f->tab, l);
      if (*line == '\0')
        tab_line (f->tab, "");
    }
  else
    fprintf (f->buf, "%s\n", line);
  return 0;
}

int
format_end (dock_format *f, FILE *out, berth_error **err)
{
  if (f->table)
    {
      tab_flush (f->tab, out);
      f->tab = NULL;
    }
  else
    {
      fclose (f->buf);
      f->buf = NULL;
      fwrite (f->text, 1, f->len, out);
    }
  format_free (f);
  return 0;
}

void
format_free (dock_format *f)
{
  if (f == NULL)
    return;
  dock_template_free (f->tmpl);
  if (f->tab)
    tab_free (f->tab);
  if (f->buf)
    fclose (f->buf);
  free (f->text);
  free (f);
}

void
human_size (char *buf, size_t size, double bytes, int precision)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
  size_t i = 0;
  while (bytes >= 1000.0 && i + 1 < ARRAY_SIZE (units))
    {
      bytes /= 1000.0;
      i++;
    }
  /* Go's %.*g: like C's, but an exponent has at least two digits either way. */
  snprintf (buf, size, "%.*g%s", precision, bytes, units[i]);
}

void
human_since (char *buf, size_t size, int64_t then)
{
  if (then <= 0)
    {
      snprintf (buf, size, "N/A");
      return;
    }
  double d = difftime (time (NULL), (time_t) then);
  long seconds = (long) d;
  long minutes = seconds / 60;
  long hours = (long) (d / 3600.0 + 0.5);
  if (seconds < 1)
    snprintf (buf, size, "Less than a second ago");
  else if (seconds == 1)
    snprintf (buf, size, "1 second ago");
  else if (seconds < 60)
    snprintf (buf, size, "%ld seconds ago", seconds);
  else if (minutes == 1)
    snprintf (buf, size, "About a minute ago");
  else if (minutes < 60)
    snprintf (buf, size, "%ld minutes ago", minutes);
  else if (hours == 1)
    snprintf (buf, size, "About an hour ago");
  else if (hours < 48)
    snprintf (buf, size, "%ld hours ago", hours);
  else if (hours < 24 * 7 * 2)
    snprintf (buf, size, "%ld days ago", hours / 24);
  else if (hours < 24 * 30 * 2)
    snprintf (buf, size, "%ld weeks ago", hours / 24 / 7);
  else if (hours < 24 * 365 * 2)
    snprintf (buf, size, "%ld months ago", hours / 24 / 30);
  else
    snprintf (buf, size, "%ld years ago", (long) (d / 3600.0) / 24 / 365);
}

void
go_time_string (char *buf, size_t size, int64_t t)
{
  time_t tt = (time_t) t;
  struct tm tm;
  localtime_r (&tt, &tm);
  strftime (buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

void
row_set (oci_json *obj, const char *key, const char *value)
{
  oci_json *v = oci_json_new (OCI_JSON_STRING);
  v->text = xstrdup (value);
  v->text_len = strlen (value);
  oci_json_append (obj, key, v);
}

static void
json_go_string (FILE *out, const char *s, size_t n)
{
  fputc ('"', out);
  for (size_t i = 0; i < n; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (c == '"' || c == '\\')
        fprintf (out, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", out);
      else if (c == '\t')
        fputs ("\\t", out);
      else if (c == '\r')
        fputs ("\\r", out);
      else if (c < 0x20 || c == '<' || c == '>' || c == '&')
        fprintf (out, "\\u%04x", c);
      else
        fputc (c, out);
    }
  fputc ('"', out);
}

void
json_indent (FILE *out, const oci_json *v, int depth)
{
  switch (v->kind)
    {
    case OCI_JSON_NULL:
      fputs ("null", out);
      return;
    case OCI_JSON_TRUE:
      fputs ("true", out);
      return;
    case OCI_JSON_FALSE:
      fputs ("false", out);
      return;
    case OCI_JSON_NUMBER:
      fputs (v->text, out);
      return;
    case OCI_JSON_STRING:
      json_go_string (out, v->text, v->text_len);
      return;
    case OCI_JSON_ARRAY:
    case OCI_JSON_OBJECT:
      break;
    }
  bool obj = v->kind == OCI_JSON_OBJECT;
  size_t live = 0;
  for (size_t i = 0; i < v->len; i++)
    live += v->items[i] != NULL;
  if (live == 0)
    {
      fputs (obj ? "{}" : "[]", out);
      return;
    }
  fputc (obj ? '{' : '[', out);
  bool first = true;
  for (size_t i = 0; i < v->len; i++)
    {
      if (v->items[i] == NULL)
        continue;
      fprintf (out, "%s\n%*s", first ? "" : ",", 4 * (depth + 1), "");
      first = false;
      if (obj)
        {
          json_go_string (out, v->keys[i], strlen (v->keys[i]));
          fputs (": ", out);
        }
      json_indent (out, v->items[i], depth + 1);
    }
  fprintf (out, "\n%*s%c", 4 * depth, "", obj ? '}' : ']');
}

/* docker's Ellipsis: at most n characters, the last one "…" when cut. */
char *
format_ellipsis (const char *s, size_t n)
{
  size_t chars = 0, i = 0;
  for (; s[i]; i++)
    if (((unsigned char) s[i] & 0xc0) != 0x80 && ++chars > n - 1)
      {
        size_t rest = 0;
        for (size_t j = i; s[j]; j++)
          rest += ((unsigned char) s[j] & 0xc0) != 0x80;
        if (rest <= 1)
          return xstrdup (s);
        return xasprintf ("%.*s…", (int) i, s);
      }
  return xstrdup (s);
}
