/* libFuzzer target for libocispec's image-spec and distribution-spec
 * decoders: the input is parsed as each document a registry hands dock
 * (manifest, index, image config, the kind probe, error body, token answer,
 * tag list, catalog), with roundtrip.h's checks for each; the error body's
 * one-line text must be one line; and the media type table must answer
 * for any string.
 *
 * Build and run: make fuzz-run FUZZ_SECONDS=60 (runs every target)
 */
#include "distribution_spec.h"
#include "image_spec.h"
#include "roundtrip.h"

static void
fuzz_errors_text (const char *buf, size_t len)
{
  oci_dist_errors *e = oci_parse (&oci_dist_errors_desc, buf, len, "errors", NULL);
  if (e == NULL)
    return;
  char *text = oci_dist_errors_text (e);
  CHECK (text != NULL && *text, "an error body has a text");
  for (const char *p = text; *p; p++)
    CHECK ((unsigned char) *p >= 0x20 && *p != 0x7f, "an error text is one line of printable bytes");
  free (text);
  oci_dist_errors_free (e);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *buf = (const char *) data;
  fuzz_type (&oci_image_manifest_desc, buf, size, "manifest");
  fuzz_type (&oci_image_index_desc, buf, size, "index");
  fuzz_type (&oci_image_config_desc, buf, size, "config");
  fuzz_type (&oci_image_versioned_desc, buf, size, "versioned");
  fuzz_type (&oci_dist_errors_desc, buf, size, "errors");
  fuzz_type (&oci_dist_token_desc, buf, size, "token");
  fuzz_type (&oci_dist_tag_list_desc, buf, size, "tags");
  fuzz_type (&oci_dist_catalog_desc, buf, size, "catalog");
  fuzz_errors_text (buf, size);
  /* The media type lookup reads a string of any content. */
  char *s = oci_xstrndup (buf, size);
  (void) oci_media_type_kind (s);
  free (s);
  fuzz_json (buf, size);
  return 0;
}
