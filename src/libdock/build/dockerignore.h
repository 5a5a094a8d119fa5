/* .dockerignore: docker's pattern rules (moby/patternmatcher).
 *
 * A line starting with # is a comment; lines are trimmed; blank lines are
 * skipped; "!" makes an exception; every pattern is cleaned like Go's
 * filepath.Clean and a leading "/" dropped.  Patterns are Go filepath.Match
 * syntax (* ? [a-z] [^a] \x) plus "**" for any number of directories.  A
 * path is excluded by the last pattern that matches it or one of its parent
 * directories (exceptions included: last match wins).
 */
#ifndef DOCK_BUILD_DOCKERIGNORE_H
#define DOCK_BUILD_DOCKERIGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "libberth/error.h"

typedef struct dock_ignore dock_ignore;

/* The patterns of a .dockerignore file's text (name for messages). */
int dock_ignore_parse (const char *buf, size_t len, const char *name, dock_ignore **out, berth_error **err);
/* From patterns already read (docker's PatternMatcher.New). */
int dock_ignore_new (char *const *patterns, size_t n, dock_ignore **out, berth_error **err);
void dock_ignore_free (dock_ignore *m);
static inline void dock_ignore_freep (dock_ignore **m) { dock_ignore_free (*m); }
#define cleanup_ignore __attribute__ ((cleanup (dock_ignore_freep)))

/* Is path (relative to the context, '/'-separated) excluded? */
bool dock_ignore_excluded (const dock_ignore *m, const char *path);
/* May an exception re-include something below the excluded directory dir?
   When false, the walker skips dir whole. */
bool dock_ignore_may_include_below (const dock_ignore *m, const char *dir);
/* The cleaned patterns, "!" kept ("NULL-terminated", owned by m). */
char *const *dock_ignore_patterns (const dock_ignore *m, size_t *n);
/* Go's filepath.Clean for '/'-separated paths (malloc'd). */
char *dock_clean_path (const char *p);

#endif
