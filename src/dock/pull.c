/* dock pull: parse the reference and the flags, call dock_pull, and draw
   docker's progress display. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "libberth/util.h"
#include "libdock/pull.h"
#include "registry_cli.h"

typedef struct
{
  progress_view view;
  bool quiet;
  bool any_updated;
} pull_display;

static const char *const state_words[] = {
  [DOCK_PULL_ALREADY_EXISTS] = "Already exists", [DOCK_PULL_FS_LAYER] = "Pulling fs layer",
  [DOCK_PULL_WAITING] = "Waiting",               [DOCK_PULL_DOWNLOADING] = "Downloading",
  [DOCK_PULL_RETRYING] = "Retrying",             [DOCK_PULL_VERIFYING] = "Verifying Checksum",
  [DOCK_PULL_DOWNLOADED] = "Download complete",  [DOCK_PULL_EXTRACTING] = "Extracting",
  [DOCK_PULL_COMPLETE] = "Pull complete",
};

static void
on_pulling (void *data, const char *tag_or_digest, const char *repository)
{
  pull_display *d = data;
  if (!d->quiet)
    progress_message (&d->view, "%s: Pulling from %s", tag_or_digest, repository);
}

static void
on_layer (void *data, const char *id, dock_pull_state st, int64_t current, int64_t total)
{
  pull_display *d = data;
  if (d->quiet)
    return;
  bool with_bar = st == DOCK_PULL_DOWNLOADING;
  progress_line (&d->view, id, state_words[st], with_bar ? current : -1, with_bar ? total : -1);
}

static void
on_done (void *data, const dock_ref *ref, const char *digest, bool updated)
{
  pull_display *d = data;
  d->any_updated |= updated;
  if (!d->quiet)
    progress_message (&d->view, "Digest: %s", digest);
}

static const dock_pull_progress display_progress = {
  .pulling = on_pulling,
  .layer = on_layer,
  .done = on_done,
};

/* Pull word (docker's reference), drawing progress on out; also what
   create/run use for an image not in the store (on stderr there). */
int
cli_pull_image (cli_ctx *ctx, const char *word, FILE *out, bool all, bool quiet, berth_error **err)
{
  registry_cli_config_dir (ctx);
  cleanup_ref dock_ref *ref = NULL;
  if (dock_ref_parse (word, &ref, err) < 0)
    return -1;
  pull_display d = { .quiet = quiet };
  progress_init (&d.view, out);
  dock_pull_opts o = { .platform = NULL, .all_tags = all, .progress = &display_progress, .data = &d };
  for (const cli_opt *opt = ctx->cmd->opts; opt->name; opt++)
    if (strcmp (opt->name, "platform") == 0)
      o.platform = cli_value (ctx, "platform");
  registry_cli_opts (ctx, &o.registry);
  if (!all && !ref->tag && !ref->digest && !d.quiet)
    fprintf (out, "Using default tag: latest\n");
  int rc = dock_pull (ctx->store, ref, &o, err);
  if (rc == 0)
    {
      cleanup_ref dock_ref *shown = dock_ref_copy (ref);
      if (!all)
        dock_ref_default_tag (shown);
      cleanup_free char *familiar = dock_ref_familiar_string (shown);
      cleanup_free char *full = dock_ref_string (shown);
      if (!d.quiet)
        fprintf (out, "Status: %s for %s\n", d.any_updated ? "Downloaded newer image" : "Image is up to date", familiar);
      fprintf (out, "%s\n", full);
    }
  progress_clear (&d.view);
  return rc;
}

int
cmd_pull (cli_ctx *ctx, berth_error **err)
{
  return cli_pull_image (ctx, ctx->argv[0], stdout, cli_flag (ctx, "all-tags"), cli_flag (ctx, "quiet"), err);
}
