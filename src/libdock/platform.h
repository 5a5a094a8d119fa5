/* Platforms ("linux/amd64", "linux/arm64/v8") as docker names them: the
   host's, the --platform flag's, and the choice of one manifest of an
   index. */
#ifndef DOCK_PLATFORM_H
#define DOCK_PLATFORM_H

#include <stdbool.h>

#include "image_spec.h"
#include "libberth/error.h"

typedef struct
{
  char *os;
  char *architecture;
  char *variant; /* NULL when none */
} dock_platform;

/* The host's platform, normalised as the Go toolchain names it. */
void dock_platform_host (dock_platform *out);
/* "os/arch[/variant]" (or "arch" alone, on linux), normalised
   ("x86_64" -> amd64, "aarch64" -> arm64, arm64's variant "v8" implied). */
int dock_platform_parse (const char *s, dock_platform *out, berth_error **err);
void dock_platform_clear (dock_platform *p);
/* "linux/arm64/v8", malloc'd. */
char *dock_platform_string (const dock_platform *p);
/* Whether an index entry's platform is the one wanted. */
bool dock_platform_matches (const dock_platform *want, const oci_image_platform *have);
/* The index entry for want, or NULL (attestation entries, "unknown/unknown",
   never match).  An exact variant beats an entry without one. */
const oci_image_descriptor *dock_platform_select (const oci_image_index *ix, const dock_platform *want);

#endif
