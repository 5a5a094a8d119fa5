/* docker's log drivers as dock-shim writes them, and `dock logs` reads them.

   json-file: one JSON object per line,
     {"log":"hello\n","stream":"stdout","attrs":{...},"time":"2026-12-04T19:00:00.123456789Z"}
   with docker's own escaping (its jsonlog writer, not encoding/json: only
   \" \\ \n \r get short escapes, every other byte below 0x20 is \u00XX, so a
   tab is \u0009; < > & are \u003c \u003e \u0026; invalid UTF-8 is \ufffd;
   U+2028/U+2029 are escaped), "attrs" only when --log-opt labels/env gave
   some, and the time in UTC as Go's RFC3339Nano (trailing zeros of the
   fraction dropped).  Lines longer than 16 KiB are cut as docker's copier
   cuts them: each 16 KiB piece is written without "\n" and with the time of
   the first piece; the piece that ends the line carries the "\n".  Output
   that ends without a newline (EOF) is still written with "\n" appended, as
   docker does.

   Rotation (--log-opt max-size=10m,max-file=3,compress=true): before a
   write, when the file has reached max-size, file.log.(N-1) is dropped,
   file.log.i becomes file.log.(i+1), file.log becomes file.log.1 (gzipped to
   file.log.1.gz when compress=true) and a new file.log is started.  With
   max-file=1 the file is truncated instead. */
#ifndef DOCK_MONITOR_JSONLOG_H
#define DOCK_MONITOR_JSONLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libberth/error.h"

/* docker's copier buffer: longer lines are cut into partial messages. */
#define DOCK_LOG_PARTIAL_SIZE (16 * 1024)

typedef enum { DOCK_STREAM_STDOUT = 1, DOCK_STREAM_STDERR = 2 } dock_log_stream;

typedef struct dock_log_attr
{
  char *key, *value;
} dock_log_attr;

/* --log-driver names and what they can do. */
typedef struct dock_log_driver
{
  const char *name;
  bool writes; /* a file is kept */
  bool reads;  /* `dock logs` works */
} dock_log_driver;

/* NULL with err = docker's "logger: no log driver named 'x' is registered". */
const dock_log_driver *dock_log_driver_lookup (const char *name, berth_error **err);
/* docker's message for `logs` on a driver that does not read. */
#define DOCK_LOG_NO_READ_MSG "configured logging driver does not support reading"

typedef struct dock_log_opts
{
  int64_t max_size;     /* bytes; -1: never rotate */
  int max_file;         /* files kept, the current one included (>= 1) */
  bool compress;
  dock_log_attr *attrs; /* sorted by key, as Go's map marshalling orders them */
  size_t n_attrs;
} dock_log_opts;

/* --log-opt key=value pairs for json-file (max-size, max-file, compress;
   labels, env, tag and the *-regex ones are accepted and left to the
   caller, which resolves them into attrs with dock_log_opts_add_attr).
   Errors are docker's: "unknown log opt 'x' for json-file log driver",
   "max-file cannot be less than 1", "max-size must be a positive number",
   "compress cannot be true when max-file is less than 2 or max-size is not set". */
int dock_log_opts_parse (const char *const *kv, size_t n, dock_log_opts *out, berth_error **err);
void dock_log_opts_add_attr (dock_log_opts *o, const char *key, const char *value);
void dock_log_opts_clear (dock_log_opts *o);

/* docker's units.RAMInBytes: "10m", "1.5g", "512k", "100" (binary multiples). */
int dock_parse_ram_bytes (const char *s, int64_t *out);

typedef struct dock_jsonlog dock_jsonlog;

/* Opens (appends to) path; opts is copied. */
int dock_jsonlog_open (const char *path, const dock_log_opts *opts, dock_jsonlog **out, berth_error **err);
void dock_jsonlog_close (dock_jsonlog *w);
/* One message: line without its "\n"; newline says whether to append one
   (false for a partial piece).  time_ns: CLOCK_REALTIME nanoseconds. */
int dock_jsonlog_write (dock_jsonlog *w, dock_log_stream stream, const char *line, size_t len, bool newline,
                        int64_t time_ns, berth_error **err);
/* Rotate now (also what a write does when the file is full). */
int dock_jsonlog_rotate (dock_jsonlog *w, berth_error **err);

/* Appends the JSON string for s[0..len) (quotes included) with docker's
   escaping to *buf (realloc'd; *used and *cap track it). */
void dock_json_escape_append (char **buf, size_t *used, size_t *cap, const char *s, size_t len);
/* Go's encoding/json string, as inspect's JSON has it: the same but for
   \b \f \t, which get short escapes there (Go 1.22 and later). */
void dock_go_json_string_append (char **buf, size_t *used, size_t *cap, const char *s, size_t len);
/* The whole line (with its final "\n") docker would write; malloc'd. */
char *dock_jsonlog_format (dock_log_stream stream, const char *line, size_t len, bool newline,
                           const dock_log_attr *attrs, size_t n_attrs, int64_t time_ns, size_t *out_len);

/* The copier: cuts one stream's bytes into messages as docker's copier
   does and hands them to a writer (or, w == NULL, only counts them). */
typedef struct dock_log_copier
{
  dock_jsonlog *w;
  dock_log_stream stream;
  size_t used;
  bool in_partial;      /* pieces of a long line were written */
  int64_t partial_time; /* the time of its first piece */
  char buf[DOCK_LOG_PARTIAL_SIZE];
} dock_log_copier;

void dock_log_copier_init (dock_log_copier *c, dock_jsonlog *w, dock_log_stream stream);
int dock_log_copier_feed (dock_log_copier *c, const char *data, size_t len, int64_t now_ns, berth_error **err);
/* EOF: what is left is written with a "\n" appended. */
int dock_log_copier_flush (dock_log_copier *c, int64_t now_ns, berth_error **err);

/* ---- time formats ---- */
/* Go's RFC3339Nano in UTC: "2026-12-04T19:00:00.1234Z" (zeros trimmed). */
void dock_time_rfc3339nano (int64_t ns, char *buf, size_t size);
/* docker's RFC3339NanoFixed for `logs -t`: always 9 digits. */
void dock_time_rfc3339fixed (int64_t ns, char *buf, size_t size);
/* Parses an RFC 3339 time with an optional fraction (as written in logs). */
int dock_time_parse_rfc3339 (const char *s, size_t len, int64_t *ns);
/* `--since`/`--until` as docker reads them (timetypes.GetTimestamp then
   ParseTimestamps): durations ("10m", "1h30m", "1.5s") back from now_ns
   (whole seconds, as docker), RFC 3339 dates and times with or without zone
   (local: the zone of now), Unix timestamps with a fraction ("1700000000.5"). */
int dock_parse_log_time (const char *value, int64_t now_ns, int64_t *out_ns, berth_error **err);

/* ---- the reader (dock logs) ---- */
typedef struct dock_logs_opts
{
  int64_t tail;        /* last N messages; -1: all */
  bool has_since, has_until;
  int64_t since_ns, until_ns;
  bool timestamps, details, follow;
  /* follow ends when this fd is readable (the container's exit: a pidfd, an
     eventfd, a pipe's read end) and what was written up to then is out;
     -1: follow until the until time or forever. */
  int exited_fd;
  int out_fd, err_fd;  /* stdout messages to out_fd, stderr ones to err_fd */
  int max_file;        /* how many rotated files to look for (>= 1) */
} dock_logs_opts;

void dock_logs_opts_init (dock_logs_opts *o);
int dock_jsonlog_read (const char *path, const dock_logs_opts *o, berth_error **err);

#endif
