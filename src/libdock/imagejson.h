/* The parts of image manifests and configs the store needs, decoded and
   checked by libocispec/image_spec.h (OCI image-spec 1.1 and docker's
   schema2 share these shapes); a config also keeps its JSON tree for
   inspect, history and --format. */
#ifndef DOCK_IMAGEJSON_H
#define DOCK_IMAGEJSON_H

#include <stddef.h>
#include <stdint.h>

#include "image_spec.h"
#include "json.h"
#include "libberth/error.h"


typedef struct
{
  char *media_type;
  char *digest;
  int64_t size;
} dock_descriptor;

typedef struct
{
  char *media_type;
  char *config_digest;
  char *config_media_type;
  int64_t config_size;
  dock_descriptor *layers;
  size_t n_layers;
} dock_image_manifest;

typedef struct
{
  oci_json *doc;       /* the whole config, for inspect and history */
  char *created;       /* NULL when absent */
  int64_t created_unix;
  char *parent;        /* docker's legacy "parent", NULL when absent */
  char *os, *architecture, *variant;
  char **diff_ids;     /* rootfs.diff_ids */
  size_t n_diff_ids;
} dock_image_config;

int dock_image_manifest_parse (const char *buf, size_t len, dock_image_manifest *out, berth_error **err);
void dock_image_manifest_clear (dock_image_manifest *m);
int dock_image_config_parse (const char *buf, size_t len, dock_image_config *out, berth_error **err);
void dock_image_config_clear (dock_image_config *c);

/* Write {"mediaType", "digest", "size"}. */
void dock_jw_descriptor (oci_jw *w, const char *media_type, const char *digest, int64_t size);

/* An OCI manifest: begin writes up to the opening of "layers" (the caller
   adds one dock_jw_descriptor per layer), end closes it. */
void dock_jw_manifest_begin (oci_jw *w, const char *config_digest, int64_t config_size);
void dock_jw_manifest_end (oci_jw *w);

/* RFC 3339 ("2024-05-01T10:00:00.5Z", "...+02:00") -> seconds; -1 if bad. */
int64_t dock_parse_rfc3339 (const char *s);
/* Convenience for the JSON tree: a string member or NULL. */
const char *dock_json_string (const oci_json *obj, const char *key);

#endif
