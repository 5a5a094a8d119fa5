/* Output as docker's CLI writes it: tables aligned like Go's tabwriter
   (minimum width 10, padding 3), `--format` templates ("table ...",
   "json", or a Go template), and docker's humanized sizes and times. */
#ifndef DOCK_FORMAT_H
#define DOCK_FORMAT_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "libberth/error.h"

typedef struct
{
  const char *field;  /* "Repository" */
  const char *header; /* "REPOSITORY" */
} format_header;

typedef struct dock_format dock_format;

/* user: the --format value (NULL or "" or "table": default_table, a
   "table ..." template).  headers: the column titles a table shows for
   each field, terminated by {NULL, NULL}. */
int format_begin (const char *user, const char *default_table, const format_header *headers, dock_format **out,
                  berth_error **err);
int format_row (dock_format *f, const oci_json *row, berth_error **err);
/* Print (tables are aligned only once every row is known) and free. */
int format_end (dock_format *f, FILE *out, berth_error **err);
void format_free (dock_format *f);

/* Go's tabwriter as docker configures it, for callers that build lines. */
typedef struct tab_writer tab_writer;
tab_writer *tab_new (void);
void tab_line (tab_writer *t, const char *line); /* cells separated by '\t' */
void tab_flush (tab_writer *t, FILE *out);

/* units.HumanSizeWithPrecision: "4.26MB" (decimal units). */
void human_size (char *buf, size_t size, double bytes, int precision);
/* units.HumanDuration + " ago": "2 minutes ago"; "N/A" for time 0. */
void human_since (char *buf, size_t size, int64_t then);
/* Go's time.Time.String() in local time: "2024-05-01 10:00:00 +0000 UTC". */
void go_time_string (char *buf, size_t size, int64_t t);

/* docker's formatter.Ellipsis: at most n characters, the last one "…" when
   cut; malloc'd. */
char *format_ellipsis (const char *s, size_t n);

/* A JSON object being built with string members (rows for --format). */
void row_set (oci_json *obj, const char *key, const char *value);

#endif

/* Go's json.MarshalIndent(v, "", "    ") as docker inspect prints. */
void json_indent (FILE *out, const oci_json *v, int depth);
