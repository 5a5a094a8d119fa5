/* dock import file|URL|- [REPOSITORY[:TAG]] */
#include "config.h"

#include "cli.h"
#include "libberth/util.h"
#include "libdock/fetch.h"
#include "libdock/import.h"
#include "libdock/store/names.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int
cmd_import (cli_ctx *ctx, berth_error **err)
{
  const char *src = ctx->argv[0];
  cleanup_free char *name = NULL;
  if (ctx->argc > 1)
    {
      if (dock_name_normalize (ctx->argv[1], &name, err) < 0)
        return -1;
      if (strchr (name, '@'))
        return berth_fail (err, 0, "invalid reference format: a tag, not a digest, names an imported image");
    }
  size_t nchanges;
  char **changes = cli_values (ctx, "change", &nchanges);
  dock_import_opts o = {
    .source = src,
    .message = cli_value (ctx, "message"),
    .changes = changes,
    .platform = cli_value (ctx, "platform"),
    .name = name,
  };
  cleanup_close int fd = -1;
  if (strcmp (src, "-") == 0)
    {
      fd = fcntl (0, F_DUPFD_CLOEXEC, 3);
      if (fd < 0)
        return berth_fail_errno (err, "stdin");
    }
  else if (str_has_prefix (src, "http://") || str_has_prefix (src, "https://"))
    {
      /* docker fetches the URL in the daemon; here the download goes to an
         unlinked temporary file first (a pipe would need a thread). */
      fd = dock_fetch_url_to_tmpfile (src, dock_store_root (ctx->store), err);
      if (fd < 0)
        return -1;
    }
  else
    {
      /* docker's CLI sends a file as a stream: its history says "-". */
      o.source = "-";
      fd = open (src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0)
        return berth_fail_errno (err, "open %s", src);
    }
  if (fd < 0)
    return berth_fail_errno (err, "stdin");
  cleanup_free char *id = NULL;
  if (dock_import (ctx->store, fd, &o, &id, err) < 0)
    return -1;
  printf ("%s\n", id);
  return 0;
}
