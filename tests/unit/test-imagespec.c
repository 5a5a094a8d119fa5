/* Unit tests for libocispec's image-spec and distribution-spec types
 * (image_spec.h, distribution_spec.h).
 *
 * a. Real documents (tests/unit/data/image: what buildah, skopeo and
 *    docker-registry wrote) decode, and re-encode to the same JSON: every
 *    member kept, docker's extra config members included.
 * b. What each decoded document says (platforms, layers, history).
 * c. Bad documents: missing required members, wrong types, with the path.
 * d. The media type table and registry error texts.
 * Speaks TAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "distribution_spec.h"
#include "image_spec.h"
#include "ocispec-helpers.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must be defined"
#endif

static char *
slurp (const char *name, size_t *len)
{
  char *path = oci_xasprintf ("%s/image/%s", TEST_DATA_DIR, name);
  FILE *f = fopen (path, "rb");
  free (path);
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0, r;
  char *buf = oci_xmalloc (cap);
  while ((r = fread (buf + n, 1, cap - n, f)) > 0)
    if ((n += r) == cap)
      buf = oci_xrealloc (buf, cap *= 2);
  fclose (f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Equal JSON where a null member and a missing one count as the same:
   null means "absent" to the decoder (as to Go's), so the encoder leaves
   it out; members kept verbatim in _extra keep theirs. */
static bool
equal_but_nulls (const oci_json *a, const oci_json *b)
{
  if (a->kind != OCI_JSON_OBJECT || b->kind != OCI_JSON_OBJECT)
    {
      if (a->kind != b->kind || a->len != b->len)
        return oci_json_equal (a, b);
      if (a->kind != OCI_JSON_ARRAY)
        return oci_json_equal (a, b);
      for (size_t i = 0; i < a->len; i++)
        if (!equal_but_nulls (a->items[i], b->items[i]))
          return false;
      return true;
    }
  for (int pass = 0; pass < 2; pass++)
    {
      const oci_json *x = pass ? b : a, *y = pass ? a : b;
      for (size_t i = 0; i < x->len; i++)
        {
          if (x->items[i]->kind == OCI_JSON_NULL)
            continue;
          const oci_json *other = oci_json_get (y, x->keys[i]);
          if (other == NULL || !equal_but_nulls (x->items[i], other))
            return false;
        }
    }
  return true;
}

/* Decode file as d, re-encode, and compare with the file's own tree.
   Returns the decoded object (the caller frees it) or NULL. */
static void *
round_trip (const oci_desc *d, const char *file)
{
  size_t len = 0;
  char *text = slurp (file, &len);
  if (text == NULL)
    {
      tap_ok (0, "%s: readable", file);
      return NULL;
    }
  void *obj = NULL;
  char *err = try_parse (d, file, text, len, &obj);
  tap_ok (err == NULL, "%s decodes as %s", file, d->name);
  if (err)
    {
      diag ("%s", err);
      free (err);
      free (text);
      return NULL;
    }
  oci_json *want = jv (text);
  oci_json *got = generated_tree (d, obj, 0);
  bool same = got && equal_but_nulls (want, got);
  tap_ok (same, "%s re-encodes to the same JSON", file);
  if (!same)
    {
      char *a = jtext (want), *b = got ? jtext (got) : oci_xstrdup ("(none)");
      diag ("want %s", a);
      diag ("got  %s", b);
      free (a);
      free (b);
    }
  /* Generating again from a re-decoded copy gives the same bytes. */
  void *copy = oci_clone (d, obj);
  char *g1 = oci_generate (d, obj, 0, NULL), *g2 = copy ? oci_generate (d, copy, 0, NULL) : NULL;
  tap_ok (g1 && g2 && strcmp (g1, g2) == 0, "%s: encoding is stable", file);
  free (g1);
  free (g2);
  oci_free (d, copy);
  oci_json_free (want);
  oci_json_free (got);
  free (text);
  return obj;
}

static void
test_manifests (void)
{
  oci_image_manifest *m = round_trip (&oci_image_manifest_desc, "buildah-docker-manifest.json");
  if (m)
    {
      tap_ok (m->schema_version == 2 && strcmp (m->media_type, DOCKER_MT_MANIFEST) == 0,
              "docker manifest: schemaVersion 2, schema2 media type");
      tap_ok (strcmp (m->config->media_type, DOCKER_MT_CONFIG) == 0 && m->config->size == 1309,
              "docker manifest: config descriptor with its size");
      tap_ok (m->layers_len == 1 && m->layers[0]->size == 1083676
                  && oci_media_type_lookup (m->layers[0]->media_type)->compression == OCI_COMPRESSION_GZIP,
              "docker manifest: one gzip layer of 1083676 bytes");
      oci_image_manifest_free (m);
    }
  m = round_trip (&oci_image_manifest_desc, "buildah-oci-manifest.json");
  if (m)
    {
      tap_ok (strcmp (oci_map_get (&m->annotations, "org.opencontainers.image.base.name"), "") == 0,
              "oci manifest: empty annotation value kept");
      tap_ok (oci_media_type_kind (m->media_type) == OCI_MT_KIND_MANIFEST, "oci manifest: media type is a manifest");
      oci_image_manifest_free (m);
    }
}

static void
test_indexes (void)
{
  oci_image_index *ix = round_trip (&oci_image_index_desc, "buildah-docker-list.json");
  if (ix)
    {
      tap_ok (ix->manifests_len == 2 && strcmp (ix->manifests[1]->platform->architecture, "arm64") == 0
                  && strcmp (ix->manifests[1]->platform->variant, "v8") == 0,
              "docker manifest list: second entry is linux/arm64/v8");
      tap_ok (oci_media_type_kind (ix->media_type) == OCI_MT_KIND_INDEX, "docker manifest list: an index kind");
      oci_image_index_free (ix);
    }
  ix = round_trip (&oci_image_index_desc, "buildah-oci-index.json");
  if (ix)
    {
      tap_ok (ix->manifests_len == 2 && strcmp (ix->manifests[0]->platform->os, "linux") == 0
                  && ix->manifests[0]->platform->variant == NULL,
              "oci index: linux/amd64 without a variant");
      oci_image_index_free (ix);
    }
  ix = round_trip (&oci_image_index_desc, "buildx-index-attestations.json");
  if (ix)
    {
      tap_ok (ix->manifests_len == 3
                  && strcmp (oci_map_get (&ix->manifests[2]->annotations, "vnd.docker.reference.type"),
                             "attestation-manifest")
                         == 0,
              "buildx index: attestation entry with its annotations");
      oci_image_index_free (ix);
    }
  ix = round_trip (&oci_image_index_desc, "skopeo-layout-index.json");
  if (ix)
    {
      tap_ok (ix->media_type == NULL && ix->manifests_len == 1, "image layout index.json: no mediaType, one entry");
      oci_image_index_free (ix);
    }
  oci_image_layout *l = round_trip (&oci_image_layout_desc, "skopeo-oci-layout.json");
  if (l)
    {
      tap_ok (strcmp (l->image_layout_version, "1.0.0") == 0, "oci-layout: version 1.0.0");
      oci_image_layout_free (l);
    }
}

static void
test_configs (void)
{
  oci_image_config *c = round_trip (&oci_image_config_desc, "buildah-docker-config.json");
  if (c)
    {
      oci_image_exec_config *x = c->config;
      tap_ok (x && x->exposed_ports.len == 1 && strcmp (x->exposed_ports.keys[0], "80/tcp") == 0
                  && x->volumes.len == 1 && strcmp (x->volumes.keys[0], "/data") == 0,
              "docker config: ExposedPorts and Volumes maps");
      tap_ok (x && x->healthcheck && x->healthcheck->interval == 30000000000LL && x->healthcheck->retries == 3
                  && x->healthcheck->test_len == 2,
              "docker config: Healthcheck with nanosecond durations");
      tap_ok (x && x->entrypoint == NULL && x->cmd_len == 1 && strcmp (x->cmd[0], "sh") == 0 && x->cmd[1] == NULL,
              "docker config: Entrypoint null is absent, Cmd NULL-terminated");
      tap_ok (c->_extra && oci_json_get (c->_extra, "container_config") && oci_json_get (c->_extra, "container"),
              "docker config: container_config kept as an extra member");
      tap_ok (strcmp (c->rootfs->type, "layers") == 0 && c->rootfs->diff_ids_len == 1, "docker config: rootfs");
      oci_image_config_free (c);
    }
  c = round_trip (&oci_image_config_desc, "buildah-oci-config.json");
  if (c)
    {
      tap_ok (strcmp (c->author, "tester") == 0 && c->history_len == 1 && !c->history[0]->empty_layer_present,
              "oci config: author, one history entry");
      oci_image_config_free (c);
    }
  c = round_trip (&oci_image_config_desc, "buildah-bud-config.json");
  if (c)
    {
      size_t empty = 0;
      for (size_t i = 0; i < c->history_len; i++)
        empty += c->history[i]->empty_layer_present && c->history[i]->empty_layer;
      tap_ok (c->history_len == 6 && empty == 5, "bud config: six history entries, five empty layers");
      tap_ok (c->config->cmd != NULL && c->config->cmd_len == 0, "bud config: Cmd [] stays present and empty");
      tap_ok (strcmp (c->config->user, "1000:1000") == 0 && strcmp (c->config->stop_signal, "SIGTERM") == 0,
              "bud config: User and StopSignal");
      oci_image_config_free (c);
    }
}

static void
test_distribution (void)
{
  oci_dist_catalog *cat = round_trip (&oci_dist_catalog_desc, "registry-catalog.json");
  if (cat)
    {
      tap_ok (cat->repositories_len == 2 && strcmp (cat->repositories[1], "bblist") == 0, "catalog: two repositories");
      oci_dist_catalog_free (cat);
    }
  oci_dist_tag_list *tl = round_trip (&oci_dist_tag_list_desc, "registry-tags.json");
  if (tl)
    {
      tap_ok (strcmp (tl->name, "bb") == 0 && tl->tags_len == 2, "tags/list: name and two tags");
      oci_dist_tag_list_free (tl);
    }
  static const struct
  {
    const char *file, *text;
  } errors[] = {
    { "registry-error-manifest-unknown.json", "manifest unknown: manifest unknown" },
    { "registry-error-blob-unknown.json", "blob unknown: blob unknown to registry" },
    { "registry-error-manifest-blob-unknown.json", "manifest blob unknown: blob unknown to registry" },
  };
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
    {
      oci_dist_errors *e = round_trip (&oci_dist_errors_desc, errors[i].file);
      if (e == NULL)
        continue;
      char *text = oci_dist_errors_text (e);
      tap_ok (strcmp (text, errors[i].text) == 0, "%s reads as \"%s\"", errors[i].file, errors[i].text);
      if (strcmp (text, errors[i].text))
        diag ("got \"%s\"", text);
      free (text);
      oci_dist_errors_free (e);
    }

  /* Several errors, an unknown code, a multi-line message: one line. */
  const char *multi = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"},"
                      "{\"code\":\"SOME_NEW_CODE\",\"message\":\"line one\\nline two\"},{\"code\":\"DENIED\"}]}";
  oci_dist_errors *e = NULL;
  char *err = try_parse (&oci_dist_errors_desc, NULL, multi, strlen (multi), (void **) &e);
  char *text = e ? oci_dist_errors_text (e) : NULL;
  tap_ok (text && strcmp (text, "unauthorized: authentication required; some new code: line one line two; denied") == 0,
          "several errors join on one line, unknown codes lower-cased");
  if (text && strcmp (text, "unauthorized: authentication required; some new code: line one line two; denied"))
    diag ("got \"%s\"", text);
  free (text);
  free (err);
  oci_dist_errors_free (e);

  /* An unknown code with control characters (found by fuzz-manifest): still one line. */
  const char *ctl = "{\"errors\":[{\"code\":\"BAD\\rCODE\\n\",\"message\":\"x\"}]}";
  e = NULL;
  err = try_parse (&oci_dist_errors_desc, NULL, ctl, strlen (ctl), (void **) &e);
  text = e ? oci_dist_errors_text (e) : NULL;
  tap_ok (text && strcmp (text, "bad code : x") == 0, "control characters in an unknown code become blanks");
  if (text && strcmp (text, "bad code : x"))
    diag ("got \"%s\"", text);
  free (text);
  free (err);
  oci_dist_errors_free (e);

  const char *tok = "{\"token\":\"abc\",\"expires_in\":300,\"issued_at\":\"2026-12-04T18:00:00Z\"}";
  oci_dist_token *t = NULL;
  err = try_parse (&oci_dist_token_desc, NULL, tok, strlen (tok), (void **) &t);
  tap_ok (t && strcmp (t->token, "abc") == 0 && t->expires_in == 300 && t->access_token == NULL,
          "token response: token and expires_in");
  free (err);
  oci_dist_token_free (t);

  /* The registry answers "tags": null once every tag is deleted. */
  const char *notags = "{\"name\":\"x\",\"tags\":null}";
  tl = NULL;
  err = try_parse (&oci_dist_tag_list_desc, NULL, notags, strlen (notags), (void **) &tl);
  tap_ok (tl && tl->tags == NULL && tl->tags_len == 0, "tags/list with tags null decodes as no tags");
  free (err);
  oci_dist_tag_list_free (tl);
}

static void
test_bad_documents (void)
{
  static const struct
  {
    const oci_desc *d;
    const char *text, *want;
  } cases[] = {
    { &oci_image_manifest_desc, "{\"schemaVersion\":2,\"layers\":[]}", "manifest: config: required field missing" },
    { &oci_image_manifest_desc,
      "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:00\",\"size\":\"12\"},\"layers\":[]}",
      "manifest: config.size: expected integer, got string" },
    { &oci_image_manifest_desc,
      "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"d\",\"size\":1},\"layers\":[{\"digest\":\"d\","
      "\"size\":1}]}",
      "manifest: layers[0].mediaType: required field missing" },
    { &oci_image_index_desc, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"d\",\"size\":1,"
                             "\"platform\":{\"os\":\"linux\"}}]}",
      "manifest: manifests[0].platform.architecture: required field missing" },
    { &oci_image_config_desc, "{\"architecture\":\"amd64\",\"os\":\"linux\"}", "manifest: rootfs: required field missing" },
    { &oci_image_config_desc,
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
      "\"config\":{\"ExposedPorts\":{\"80/tcp\":1}}}",
      "manifest: config.ExposedPorts.80/tcp: expected object, got number" },
    { &oci_image_manifest_desc, "[]", "manifest: expected object, got array" },
    { &oci_dist_errors_desc, "{\"errors\":[{\"message\":\"m\"}]}", "manifest: errors[0].code: required field missing" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char *err = try_parse (cases[i].d, "manifest", cases[i].text, strlen (cases[i].text), NULL);
      tap_ok (expect_error (err, cases[i].want), "refused with \"%s\"", cases[i].want);
      free (err);
    }

  /* The kind probe reads a manifest of either kind without the rest. */
  size_t len = 0;
  char *text = slurp ("buildah-docker-list.json", &len);
  oci_image_versioned *v = NULL;
  char *err = text ? try_parse (&oci_image_versioned_desc, NULL, text, len, (void **) &v) : oci_xstrdup ("no file");
  tap_ok (v && v->schema_version == 2 && strcmp (v->media_type, DOCKER_MT_LIST) == 0,
          "versioned probe reads schemaVersion and mediaType");
  free (err);
  free (text);
  oci_image_versioned_free (v);
}

static void
test_media_types (void)
{
  tap_ok (oci_media_type_kind (OCI_MT_INDEX) == OCI_MT_KIND_INDEX
              && oci_media_type_kind (DOCKER_MT_LIST) == OCI_MT_KIND_INDEX
              && oci_media_type_kind (DOCKER_MT_MANIFEST) == OCI_MT_KIND_MANIFEST
              && oci_media_type_kind (OCI_MT_CONFIG) == OCI_MT_KIND_CONFIG,
          "media types: index, list, manifest, config kinds");
  tap_ok (oci_media_type_lookup (OCI_MT_LAYER_ZSTD)->compression == OCI_COMPRESSION_ZSTD
              && oci_media_type_lookup (OCI_MT_LAYER_TAR)->compression == OCI_COMPRESSION_NONE,
          "media types: layer compression");
  tap_ok (oci_media_type_kind ("application/vnd.oci.image.manifest.v1+json; charset=utf-8") == OCI_MT_KIND_MANIFEST,
          "media types: parameters ignored");
  tap_ok (oci_media_type_kind ("application/vnd.oci.image.manifest.v1+jsonx") == OCI_MT_KIND_UNKNOWN
              && oci_media_type_kind ("text/html") == OCI_MT_KIND_UNKNOWN && oci_media_type_kind (NULL) == OCI_MT_KIND_UNKNOWN,
          "media types: a longer or foreign type is unknown");
  tap_ok (oci_media_type_kind (DOCKER_MT_SCHEMA1_SIGNED) == OCI_MT_KIND_LEGACY, "media types: schema1 is legacy");
  tap_ok (oci_media_type_lookup (DOCKER_MT_LAYER_FOREIGN)->nondistributable, "media types: foreign layers marked");
  tap_ok (oci_dist_error_code_lookup ("TOOMANYREQUESTS")->transient && !oci_dist_error_code_lookup ("DENIED")->transient,
          "error codes: TOOMANYREQUESTS transient, DENIED not");
}

int
main (void)
{
  test_manifests ();
  test_indexes ();
  test_configs ();
  test_distribution ();
  test_bad_documents ();
  test_media_types ();
  return tap_done ();
}
