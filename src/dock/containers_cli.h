/* What the container commands share (create.c, containers.c). */
#ifndef DOCK_CONTAINERS_CLI_H
#define DOCK_CONTAINERS_CLI_H

#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "libdock/runtime/flags.h"
#include "libdock/store/containers.h"

/* dock create's work after the flags: the new container's full ID in *id. */
int cli_container_create (cli_ctx *ctx, const dock_run_opts *o, char **id, berth_error **err);
/* pull.c: pull word, progress on out. */
int cli_pull_image (cli_ctx *ctx, const char *word, FILE *out, bool all, bool quiet, berth_error **err);
/* docker's container inspect object. */
oci_json *cli_container_json (dock_store *s, const dock_container *c, bool size);
/* containers.c: system df's Containers row figures. */
int cli_container_usage (dock_store *s, size_t *total, size_t *active, int64_t *size, int64_t *reclaimable,
                         berth_error **err);

struct tab_writer;
int cli_container_df_rows (dock_store *s, struct tab_writer *t, berth_error **err);
size_t cli_image_containers (dock_store *s, const char *image_id);

#endif
