/* libocispec: the field tables of the image-spec types (image_spec.h) and
   the one table of media types every consumer consults. */
#include "image_spec.h"

#include <string.h>

OCI_IMAGE_TYPES (OCI_DEFINE_DESC)

const oci_media_type_info oci_media_types[] = {
  { OCI_MT_MANIFEST, OCI_MT_KIND_MANIFEST, OCI_COMPRESSION_NONE, false, false },
  { OCI_MT_INDEX, OCI_MT_KIND_INDEX, OCI_COMPRESSION_NONE, false, false },
  { OCI_MT_CONFIG, OCI_MT_KIND_CONFIG, OCI_COMPRESSION_NONE, false, false },
  { OCI_MT_LAYER_TAR, OCI_MT_KIND_LAYER, OCI_COMPRESSION_NONE, false, false },
  { OCI_MT_LAYER_GZIP, OCI_MT_KIND_LAYER, OCI_COMPRESSION_GZIP, false, false },
  { OCI_MT_LAYER_ZSTD, OCI_MT_KIND_LAYER, OCI_COMPRESSION_ZSTD, false, false },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar", OCI_MT_KIND_LAYER, OCI_COMPRESSION_NONE, false, true },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", OCI_MT_KIND_LAYER, OCI_COMPRESSION_GZIP, false,
    true },
  { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", OCI_MT_KIND_LAYER, OCI_COMPRESSION_ZSTD, false,
    true },
  { DOCKER_MT_MANIFEST, OCI_MT_KIND_MANIFEST, OCI_COMPRESSION_NONE, true, false },
  { DOCKER_MT_LIST, OCI_MT_KIND_INDEX, OCI_COMPRESSION_NONE, true, false },
  { DOCKER_MT_CONFIG, OCI_MT_KIND_CONFIG, OCI_COMPRESSION_NONE, true, false },
  { DOCKER_MT_LAYER_GZIP, OCI_MT_KIND_LAYER, OCI_COMPRESSION_GZIP, true, false },
  /* Docker's own uncompressed layer type, as written by `docker save` era tools. */
  { "application/vnd.docker.image.rootfs.diff.tar", OCI_MT_KIND_LAYER, OCI_COMPRESSION_NONE, true, false },
  { DOCKER_MT_LAYER_FOREIGN, OCI_MT_KIND_LAYER, OCI_COMPRESSION_GZIP, true, true },
  { DOCKER_MT_SCHEMA1, OCI_MT_KIND_LEGACY, OCI_COMPRESSION_NONE, true, false },
  { DOCKER_MT_SCHEMA1_SIGNED, OCI_MT_KIND_LEGACY, OCI_COMPRESSION_NONE, true, false },
};
const size_t oci_media_types_len = sizeof oci_media_types / sizeof oci_media_types[0];

const oci_media_type_info *
oci_media_type_lookup (const char *mt)
{
  if (mt == NULL)
    return NULL;
  /* "type/subtype; charset=utf-8": the parameters do not change the type. */
  size_t n = strcspn (mt, "; \t");
  for (size_t i = 0; i < oci_media_types_len; i++)
    if (strlen (oci_media_types[i].media_type) == n && strncmp (oci_media_types[i].media_type, mt, n) == 0)
      return &oci_media_types[i];
  return NULL;
}

oci_media_kind
oci_media_type_kind (const char *mt)
{
  const oci_media_type_info *info = oci_media_type_lookup (mt);
  return info ? info->kind : OCI_MT_KIND_UNKNOWN;
}
