/* The image store: metadata in SQLite (<root>/dock.db, WAL, one
   transaction per change, a busy timeout so that several dock processes can
   share it), blobs content-addressed in an OCI image-layout tree
   (<root>/blobs/sha256/<hex>), and layers unpacked once into directories
   that overlay can stack as lower dirs (<root>/layers/<diff-id hex>).

   Crash safety: a blob or a layer is written under <root>/tmp and renamed
   into place only when complete and verified; records point only at what
   is in place; a dock process that finds no other one running (an
   exclusive lock on <root>/lock) removes leftovers of killed ones.  So a
   SIGKILL at any instruction leaves the store consistent.

   Nothing here prints; long operations report through the callbacks given. */
#ifndef DOCK_STORE_H
#define DOCK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libberth/error.h"
#include "libdock/daemon_json.h"
#include "libdock/ref/digest.h"

typedef struct dock_store dock_store;

int dock_store_open (const dock_config *cfg, dock_store **out, berth_error **err);
void dock_store_close (dock_store *s);
void dock_store_closep (dock_store **s);
#define cleanup_store __attribute__ ((cleanup (dock_store_closep)))
const char *dock_store_root (const dock_store *s);

/* ------------------------------------------------------------------ blobs */
typedef struct dock_blob_writer dock_blob_writer;

/* Start writing a blob.  With expected_digest, the content must hash to it
   (commit fails otherwise) and an interrupted earlier write of the same
   digest is resumed: dock_blob_offset() says how many bytes are already
   there, so that the caller asks for the rest (HTTP Range) and writes only
   that.  expected_size (-1: unknown) caps what may be written. */
int dock_blob_begin (dock_store *s, const char *expected_digest, int64_t expected_size, dock_blob_writer **out,
                     berth_error **err);
int64_t dock_blob_offset (const dock_blob_writer *w);
/* Forget a resumed prefix (the server ignored the Range request). */
int dock_blob_restart (dock_blob_writer *w, berth_error **err);
int dock_blob_write (dock_blob_writer *w, const void *buf, size_t len, berth_error **err);
/* Verify digest and size, fsync, rename into blobs/sha256/<hex> (an
   existing blob is kept).  digest_out (may be NULL) gets the digest.
   Frees w whatever the outcome; on a mismatch nothing is kept. */
int dock_blob_commit (dock_blob_writer *w, char digest_out[DOCK_DIGEST_MAX], berth_error **err);
/* Give up: a write with an expected digest keeps its partial file for a
   later resume; any other is removed.  Frees w. */
void dock_blob_abort (dock_blob_writer *w);

bool dock_blob_exists (dock_store *s, const char *digest);
/* Open a blob read-only (O_CLOEXEC). */
int dock_blob_open (dock_store *s, const char *digest, int *fd, int64_t *size, berth_error **err);
/* Small blobs (manifests, configs): read whole, refusing more than max bytes. */
int dock_blob_read (dock_store *s, const char *digest, size_t max, char **buf, size_t *len, berth_error **err);
/* Store a buffer as a blob. */
int dock_blob_put (dock_store *s, const void *buf, size_t len, char digest_out[DOCK_DIGEST_MAX], berth_error **err);

/* Largest manifest, index or config accepted. */
#define DOCK_MANIFEST_MAX (4 << 20)
#define DOCK_CONFIG_MAX (8 << 20)

/* ----------------------------------------------------------------- layers */
/* Unpack a layer blob (tar, gzip or zstd: media_type may be NULL to sniff)
   into its directory unless done already; the uncompressed digest (diff
   ID) is recorded with it.  Safe to call from several processes for the
   same blob at once, and in any order of layers (a layer's directory holds
   only its own changes). */
int dock_layer_unpack_blob (dock_store *s, const char *blob_digest, const char *media_type, berth_error **err);
/* The diff ID and unpacked size of an unpacked blob; 0, or -1 when not unpacked. */
int dock_layer_lookup_blob (dock_store *s, const char *blob_digest, char diff_id[DOCK_DIGEST_MAX], int64_t *size);

/* ----------------------------------------------------------------- images */
/* The manifest (OCI or docker schema2), its config and every layer blob are
   in the blob store: unpack the layers not yet unpacked, verify their diff
   IDs against the config, and record the image, its layers (by chain ID),
   names (normalised references "docker.io/library/busybox:latest", moved
   from any image that had them) and repo digests
   ("docker.io/library/busybox@sha256:...") in one transaction.  names and
   repo_digests are NULL-terminated and may be NULL.  *image_id (may be NULL)
   gets the image ID (the config digest), malloc'd. */
int dock_image_register (dock_store *s, const char *manifest_digest, const char *const *names,
                         const char *const *repo_digests, char **image_id, berth_error **err);

typedef struct
{
  char *id;              /* "sha256:..." (config digest) */
  char *manifest_digest;
  char *created;         /* RFC 3339 from the config, "" when absent */
  int64_t created_unix;  /* the same in seconds, 0 when absent */
  int64_t size;          /* unpacked bytes of all its layers */
  char *parent;          /* "" when none */
  char **names;          /* normalised repo:tag, NULL-terminated, sorted */
  char **digests;        /* normalised repo@digest, NULL-terminated, sorted */
  size_t n_layers;
} dock_image_info;

void dock_image_info_clear (dock_image_info *img);
void dock_image_list_free (dock_image_info *imgs, size_t n);

/* Every image, newest first (docker's order). */
int dock_image_list (dock_store *s, dock_image_info **out, size_t *n, berth_error **err);
/* Find an image as docker resolves a user's word: a full or short
   (at least 1 hex digit, unique) image ID with or without "sha256:", a name
   ("busybox" = docker.io/library/busybox:latest), or name@digest.
   Returns 0 found, 1 not found (no error set), -1 on an error (a bad name:
   docker's "invalid reference format" message). */
int dock_image_lookup (dock_store *s, const char *word, dock_image_info *out, berth_error **err);
/* As lookup, but not found is an error: "No such image: <word>". */
int dock_image_find (dock_store *s, const char *word, dock_image_info *out, berth_error **err);

/* One layer of an image, bottom first. */
typedef struct
{
  char diff_id[DOCK_DIGEST_MAX];
  char chain_id[DOCK_DIGEST_MAX];
  char blob_digest[DOCK_DIGEST_MAX];
  char *media_type;
  int64_t blob_size;
  int64_t size; /* unpacked */
} dock_image_layer;

int dock_image_layers (dock_store *s, const char *image_id, dock_image_layer **out, size_t *n, berth_error **err);
void dock_image_layers_free (dock_image_layer *layers, size_t n);
/* The directory holding one unpacked layer (for overlay's lowerdir). */
char *dock_layer_dir (dock_store *s, const char *diff_id);

/* Point a normalised name (repo:tag) at an image, moving it from any other. */
int dock_image_tag (dock_store *s, const char *image_id, const char *name, berth_error **err);
/* Remove a name or a repo digest (repo@digest); 0 if removed, -1 with ENOENT if not there. */
int dock_image_untag (dock_store *s, const char *name, berth_error **err);

/* Delete an image record, its names and digests, in one transaction; layers
   and blobs no other image uses are removed after it.  Each removed layer's
   chain ID is reported (docker prints them as "Deleted: ..."). */
typedef void (*dock_deleted_fn) (const char *what, void *data);
int dock_image_delete (dock_store *s, const char *image_id, dock_deleted_fn deleted, void *data, int64_t *freed,
                       berth_error **err);

/* Sizes for `system df`: bytes of unpacked layers and of blobs. */
int dock_store_usage (dock_store *s, int64_t *layers_bytes, int64_t *blobs_bytes, berth_error **err);

/* Remove leftovers: temporary files of dead processes, unreferenced blobs,
   layers no image uses.  Needs no other dock process using the store; when
   one is, it returns 0 having done nothing (*done false). */
int dock_store_gc (dock_store *s, bool *done, int64_t *freed, berth_error **err);

/* For crash tests: if $DOCK_TEST_CRASH_AT names this point, SIGKILL self. */
void dock_test_crash_point (const char *point);

#endif
