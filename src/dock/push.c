/* dock push: docker's lines ("The push refers to repository [...]",
   "<id>: Pushed", "latest: digest: sha256:... size: N"). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libberth/util.h"
#include "libdock/push.h"
#include "registry_cli.h"

typedef struct
{
  progress_view view;
  bool quiet;
} push_display;

static const char *const state_words[] = {
  [DOCK_PUSH_PREPARING] = "Preparing", [DOCK_PUSH_WAITING] = "Waiting",
  [DOCK_PUSH_PUSHING] = "Pushing",     [DOCK_PUSH_PUSHED] = "Pushed",
  [DOCK_PUSH_EXISTS] = "Layer already exists", [DOCK_PUSH_MOUNTED] = "Mounted from",
};

static void
on_layer (void *data, const char *id, dock_push_state st, int64_t current, int64_t total, const char *from)
{
  push_display *d = data;
  if (d->quiet)
    return;
  bool with_bar = st == DOCK_PUSH_PUSHING;
  cleanup_free char *text = st == DOCK_PUSH_MOUNTED ? xasprintf ("%s %s", state_words[st], from) : NULL;
  progress_line (&d->view, id, text ? text : state_words[st], with_bar ? current : -1, with_bar ? total : -1);
}

static void
on_done (void *data, const char *tag, const char *digest, size_t size)
{
  push_display *d = data;
  if (!d->quiet)
    progress_message (&d->view, "%s: digest: %s size: %zu", tag, digest, size);
}

static const dock_push_progress display = { .layer = on_layer, .done = on_done };

int
cmd_push (cli_ctx *ctx, berth_error **err)
{
  registry_cli_config_dir (ctx);
  cleanup_ref dock_ref *ref = NULL;
  if (dock_ref_parse (ctx->argv[0], &ref, err) < 0)
    return -1;
  push_display d = { .quiet = cli_flag (ctx, "quiet") };
  progress_init (&d.view, stdout);
  dock_push_opts o = { .all_tags = cli_flag (ctx, "all-tags"), .progress = &display, .data = &d };
  registry_cli_opts (ctx, &o.registry);
  const char *chunk = cli_value (ctx, "chunk-size");
  if (chunk)
    {
      unsigned long long v = 0;
      if (parse_uint64 (chunk, &v) < 0)
        return berth_fail (err, 0, "invalid argument \"%s\" for \"--chunk-size\" flag: not a byte count", chunk);
      o.chunk_size = v == 0 ? -1 : (int64_t) v;
    }
  cleanup_free char *repo = dock_ref_name (ref);
  if (!d.quiet)
    printf ("The push refers to repository [%s]\n", repo);
  int rc = dock_push (ctx->store, ref, &o, err);
  if (rc == 0 && d.quiet)
    {
      cleanup_ref dock_ref *shown = dock_ref_copy (ref);
      if (!o.all_tags)
        dock_ref_default_tag (shown);
      cleanup_free char *full = dock_ref_string (shown);
      printf ("%s\n", full);
    }
  progress_clear (&d.view);
  return rc;
}
