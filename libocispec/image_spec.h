/* libocispec: the OCI image-spec 1.1 types (descriptor, manifest, index,
 * image config, image layout) and docker's schema2 twins.
 *
 * Docker's schema2 manifest and manifest list have the same JSON shape as
 * the OCI manifest and index; only the media types differ, so they decode
 * into the same structs and the media type tells them apart (see
 * oci_media_types below).  Docker's extra config members (container_config,
 * docker_version, Hostname, ...) are kept verbatim in _extra, so that a
 * config re-encodes with the members it came with.  Note that a registry
 * addresses a manifest by the digest of its bytes: code that must keep a
 * digest keeps the bytes, never a re-encoding.
 */
#ifndef OCI_IMAGE_SPEC_H
#define OCI_IMAGE_SPEC_H

#include "schema.h"

#define OCI_IMAGE_SPEC_VERSION "1.1.1"

/* ------------------------------------------------------------- descriptor */

#define OCI_FIELDS_oci_image_descriptor(X, T)                                                                         \
  X (T, STR, media_type, "mediaType", OCI_REQ, _)                                                                     \
  X (T, STR, digest, "digest", OCI_REQ, _)                                                                            \
  X (T, I64, size, "size", OCI_REQ, _)                                                                                \
  X (T, ASTR, urls, "urls", 0, _)                                                                                     \
  X (T, MSTR, annotations, "annotations", 0, _)                                                                       \
  X (T, STR, data, "data", 0, _)                                                                                      \
  X (T, STR, artifact_type, "artifactType", 0, _)                                                                     \
  X (T, OBJ, platform, "platform", 0, oci_image_platform)

#define OCI_FIELDS_oci_image_platform(X, T)                                                                           \
  X (T, STR, architecture, "architecture", OCI_REQ, _)                                                                \
  X (T, STR, os, "os", OCI_REQ, _)                                                                                    \
  X (T, STR, os_version, "os.version", 0, _)                                                                          \
  X (T, ASTR, os_features, "os.features", 0, _)                                                                       \
  X (T, STR, variant, "variant", 0, _)                                                                                \
  X (T, ASTR, features, "features", 0, _)

/* --------------------------------------------------- manifest and index */

/* application/vnd.oci.image.manifest.v1+json and
   application/vnd.docker.distribution.manifest.v2+json. */
#define OCI_FIELDS_oci_image_manifest(X, T)                                                                           \
  X (T, I32, schema_version, "schemaVersion", OCI_REQ, _)                                                             \
  X (T, STR, media_type, "mediaType", 0, _)                                                                           \
  X (T, STR, artifact_type, "artifactType", 0, _)                                                                     \
  X (T, OBJ, config, "config", OCI_REQ, oci_image_descriptor)                                                         \
  X (T, AOBJ, layers, "layers", OCI_REQ, oci_image_descriptor)                                                        \
  X (T, OBJ, subject, "subject", 0, oci_image_descriptor)                                                             \
  X (T, MSTR, annotations, "annotations", 0, _)

/* application/vnd.oci.image.index.v1+json and
   application/vnd.docker.distribution.manifest.list.v2+json. */
#define OCI_FIELDS_oci_image_index(X, T)                                                                              \
  X (T, I32, schema_version, "schemaVersion", OCI_REQ, _)                                                             \
  X (T, STR, media_type, "mediaType", 0, _)                                                                           \
  X (T, STR, artifact_type, "artifactType", 0, _)                                                                     \
  X (T, AOBJ, manifests, "manifests", OCI_REQ, oci_image_descriptor)                                                  \
  X (T, OBJ, subject, "subject", 0, oci_image_descriptor)                                                             \
  X (T, MSTR, annotations, "annotations", 0, _)

/* Just enough of a manifest to learn what it is before decoding it as
   one type or the other (the mediaType member is optional in OCI, so the
   presence of "manifests" or "config" decides then). */
#define OCI_FIELDS_oci_image_versioned(X, T)                                                                          \
  X (T, I32, schema_version, "schemaVersion", OCI_REQ, _)                                                             \
  X (T, STR, media_type, "mediaType", 0, _)

/* ---------------------------------------------------------- image config */

/* application/vnd.oci.image.config.v1+json and
   application/vnd.docker.container.image.v1+json. */
#define OCI_FIELDS_oci_image_config(X, T)                                                                             \
  X (T, STR, created, "created", 0, _)                                                                                \
  X (T, STR, author, "author", 0, _)                                                                                  \
  X (T, STR, architecture, "architecture", OCI_REQ, _)                                                                \
  X (T, STR, variant, "variant", 0, _)                                                                                \
  X (T, STR, os, "os", OCI_REQ, _)                                                                                    \
  X (T, STR, os_version, "os.version", 0, _)                                                                          \
  X (T, ASTR, os_features, "os.features", 0, _)                                                                       \
  X (T, OBJ, config, "config", 0, oci_image_exec_config)                                                              \
  X (T, OBJ, rootfs, "rootfs", OCI_REQ, oci_image_rootfs)                                                             \
  X (T, AOBJ, history, "history", 0, oci_image_history)

/* The image config's "config": the defaults of a container made from it.
   Healthcheck, OnBuild, Shell and StopTimeout are docker's (image-spec
   reserves them); the rest are image-spec's. */
#define OCI_FIELDS_oci_image_exec_config(X, T)                                                                        \
  X (T, STR, user, "User", 0, _)                                                                                      \
  X (T, MOBJ, exposed_ports, "ExposedPorts", 0, oci_image_empty)                                                      \
  X (T, ASTR, env, "Env", 0, _)                                                                                       \
  X (T, ASTR, entrypoint, "Entrypoint", 0, _)                                                                         \
  X (T, ASTR, cmd, "Cmd", 0, _)                                                                                       \
  X (T, MOBJ, volumes, "Volumes", 0, oci_image_empty)                                                                 \
  X (T, STR, working_dir, "WorkingDir", 0, _)                                                                         \
  X (T, MSTR, labels, "Labels", 0, _)                                                                                 \
  X (T, STR, stop_signal, "StopSignal", 0, _)                                                                         \
  X (T, BOOL, args_escaped, "ArgsEscaped", 0, _)                                                                      \
  X (T, OBJ, healthcheck, "Healthcheck", 0, oci_image_healthcheck)                                                    \
  X (T, ASTR, on_build, "OnBuild", 0, _)                                                                              \
  X (T, ASTR, shell, "Shell", 0, _)                                                                                   \
  X (T, I32, stop_timeout, "StopTimeout", 0, _)

/* Durations are Go's time.Duration: nanoseconds. */
#define OCI_FIELDS_oci_image_healthcheck(X, T)                                                                        \
  X (T, ASTR, test, "Test", 0, _)                                                                                     \
  X (T, I64, interval, "Interval", 0, _)                                                                              \
  X (T, I64, timeout, "Timeout", 0, _)                                                                                \
  X (T, I64, start_period, "StartPeriod", 0, _)                                                                       \
  X (T, I64, start_interval, "StartInterval", 0, _)                                                                   \
  X (T, I32, retries, "Retries", 0, _)

#define OCI_FIELDS_oci_image_rootfs(X, T)                                                                             \
  X (T, STR, type, "type", OCI_REQ, _)                                                                                \
  X (T, ASTR, diff_ids, "diff_ids", OCI_REQ, _)

#define OCI_FIELDS_oci_image_history(X, T)                                                                            \
  X (T, STR, created, "created", 0, _)                                                                                \
  X (T, STR, author, "author", 0, _)                                                                                  \
  X (T, STR, created_by, "created_by", 0, _)                                                                          \
  X (T, STR, comment, "comment", 0, _)                                                                                \
  X (T, BOOL, empty_layer, "empty_layer", 0, _)

/* The value of ExposedPorts and Volumes entries: {} in practice; anything
   else in it is kept in _extra. */
#define OCI_FIELDS_oci_image_empty(X, T)

/* ----------------------------------------------------------- image layout */

/* The oci-layout file of an image-layout directory. */
#define OCI_FIELDS_oci_image_layout(X, T) X (T, STR, image_layout_version, "imageLayoutVersion", OCI_REQ, _)

#define OCI_IMAGE_TYPES(M)                                                                                            \
  M (oci_image_descriptor)                                                                                            \
  M (oci_image_platform)                                                                                              \
  M (oci_image_manifest)                                                                                              \
  M (oci_image_index)                                                                                                 \
  M (oci_image_versioned)                                                                                             \
  M (oci_image_config)                                                                                                \
  M (oci_image_exec_config)                                                                                           \
  M (oci_image_healthcheck)                                                                                           \
  M (oci_image_rootfs)                                                                                                \
  M (oci_image_history)                                                                                               \
  M (oci_image_empty)                                                                                                 \
  M (oci_image_layout)

OCI_IMAGE_TYPES (OCI_DEFINE_STRUCT)
OCI_IMAGE_TYPES (OCI_DECLARE_TYPE)

/* ------------------------------------------------------------ media types */

#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_MT_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define OCI_MT_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MT_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define OCI_MT_EMPTY "application/vnd.oci.empty.v1+json"
#define DOCKER_MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MT_CONFIG "application/vnd.docker.container.image.v1+json"
#define DOCKER_MT_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define DOCKER_MT_LAYER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define DOCKER_MT_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define DOCKER_MT_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* What a media type is, for the code that must refuse what it cannot use. */
typedef enum
{
  OCI_MT_KIND_UNKNOWN,
  OCI_MT_KIND_MANIFEST,
  OCI_MT_KIND_INDEX,
  OCI_MT_KIND_CONFIG,
  OCI_MT_KIND_LAYER,
  OCI_MT_KIND_LEGACY, /* docker schema1: known, refused (docker removed it too) */
} oci_media_kind;

typedef enum
{
  OCI_COMPRESSION_NONE,
  OCI_COMPRESSION_GZIP,
  OCI_COMPRESSION_ZSTD,
} oci_compression;

typedef struct
{
  const char *media_type;
  oci_media_kind kind;
  oci_compression compression; /* layers only */
  bool docker;                 /* one of docker's schema2 types */
  bool nondistributable;       /* a layer a registry may not serve (foreign) */
} oci_media_type_info;

/* Every media type libocispec knows, one row each (image_spec.c). */
extern const oci_media_type_info oci_media_types[];
extern const size_t oci_media_types_len;
/* The row for mt, or NULL; parameters after ';' are ignored. */
const oci_media_type_info *oci_media_type_lookup (const char *mt);
/* The kind of mt (OCI_MT_KIND_UNKNOWN when unknown or NULL). */
oci_media_kind oci_media_type_kind (const char *mt);

#endif
