/* dock save / dock load. */
#include "config.h"

#include "cli.h"
#include "libberth/util.h"
#include "libdock/archive/archive.h"
#include "libdock/store/names.h"
#include "schema.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* "busybox" (no tag, no digest) means every tag of the repository. */
static bool
is_bare_repo (const char *word)
{
  const char *slash = strrchr (word, '/');
  return !strchr (word, '@') && !strchr (slash ? slash : word, ':');
}

static void
add_item (dock_save_item **items, size_t *n, const dock_image_info *img, const char *name)
{
  size_t i;
  for (i = 0; i < *n; i++)
    if (strcmp ((*items)[i].image->id, img->id) == 0)
      break;
  if (i == *n)
    {
      *items = xrealloc (*items, (*n + 1) * sizeof **items);
      (*items)[i].image = xcalloc (1, sizeof (dock_image_info));
      (*items)[i].image->id = xstrdup (img->id);
      (*items)[i].image->manifest_digest = xstrdup (img->manifest_digest);
      (*items)[i].names = xcalloc (1, sizeof (char *));
      (*n)++;
    }
  if (name)
    {
      size_t k = 0;
      while ((*items)[i].names[k])
        if (strcmp ((*items)[i].names[k++], name) == 0)
          return;
      oci_strv_append (&(*items)[i].names, &k, name);
    }
}

static int
collect (cli_ctx *ctx, dock_save_item **items, size_t *n, berth_error **err)
{
  for (int a = 0; a < ctx->argc; a++)
    {
      const char *word = ctx->argv[a];
      if (is_bare_repo (word))
        {
          cleanup_free char *q = NULL;
          if (dock_name_normalize (word, &q, err) < 0)
            return -1;
          const char *tag;
          cleanup_free char *repo = dock_name_split (q, &tag, NULL);
          dock_image_info *all = NULL;
          size_t nall = 0;
          if (dock_image_list (ctx->store, &all, &nall, err) < 0)
            return -1;
          bool found = false;
          for (size_t i = 0; i < nall; i++)
            for (size_t k = 0; all[i].names[k]; k++)
              {
                const char *t;
                cleanup_free char *r = dock_name_split (all[i].names[k], &t, NULL);
                if (strcmp (r, repo) == 0)
                  {
                    add_item (items, n, &all[i], all[i].names[k]);
                    found = true;
                  }
              }
          dock_image_list_free (all, nall);
          if (found)
            continue;
        }
      dock_image_info img = { 0 };
      if (dock_image_find (ctx->store, word, &img, err) < 0)
        return -1;
      cleanup_free char *q = NULL;
      bool by_name = dock_name_normalize (word, &q, NULL) == 0 && !strchr (q, '@');
      bool named = false;
      for (size_t k = 0; by_name && img.names[k]; k++)
        named = named || strcmp (img.names[k], q) == 0;
      add_item (items, n, &img, named ? q : NULL);
      dock_image_info_clear (&img);
    }
  return 0;
}

int
cmd_save (cli_ctx *ctx, berth_error **err)
{
  const char *fmt = cli_value (ctx, "format");
  dock_archive_format format = DOCK_ARCHIVE_DOCKER;
  if (fmt && strcmp (fmt, "oci-archive") == 0)
    format = DOCK_ARCHIVE_OCI;
  else if (fmt && strcmp (fmt, "docker-archive") != 0)
    return berth_fail (err, 0, "unknown archive format \"%s\" (docker-archive or oci-archive)", fmt);
  const char *output = cli_value (ctx, "output");
  if (output == NULL && isatty (1))
    return berth_fail (err, 0, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  dock_save_item *items = NULL;
  size_t n = 0;
  int r = -1;
  cleanup_free char *tmp = NULL;
  cleanup_close int fd = -1;
  if (collect (ctx, &items, &n, err) < 0)
    goto out;
  if (output)
    {
      /* A temporary file next to the output, renamed when complete. */
      cleanup_free char *copy = xstrdup (output);
      tmp = xasprintf ("%s/.dock-save-%d.tmp", dirname (copy), (int) getpid ());
      /* Its name is predictable: never through a link planted there.  A
         leftover of ours (a dock of the same pid, killed) is replaced. */
      fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 && errno == EEXIST && unlink (tmp) == 0)
        fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0)
        {
          berth_fail_errno (err, "open %s", tmp);
          free (tmp);
          tmp = NULL;
          goto out;
        }
    }
  if (dock_save (ctx->store, items, n, format, output ? fd : 1, err) < 0)
    goto out;
  if (output && (fsync (fd) < 0 || rename (tmp, output) < 0))
    {
      berth_fail_errno (err, "write %s", output);
      goto out;
    }
  if (output)
    {
      free (tmp);
      tmp = NULL;
    }
  r = 0;
out:
  if (tmp)
    unlink (tmp);
  for (size_t i = 0; i < n; i++)
    {
      dock_image_info_clear (items[i].image);
      free (items[i].image);
      strv_free (items[i].names);
    }
  free (items);
  return r;
}

static void
print_loaded (const char *name, const char *id, void *data)
{
  if (name)
    {
      cleanup_free char *fam = dock_name_familiar (name);
      printf ("Loaded image: %s\n", fam);
    }
  else
    printf ("Loaded image ID: %s\n", id);
}

int
cmd_load (cli_ctx *ctx, berth_error **err)
{
  const char *input = cli_value (ctx, "input");
  cleanup_close int fd = -1;
  if (input)
    {
      fd = open (input, O_RDONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0)
        return berth_fail_errno (err, "open %s", input);
    }
  else
    {
      struct stat st;
      if (isatty (0) || (fstat (0, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0))
        return berth_fail (err, 0, "requested load from stdin, but stdin is empty");
      fd = fcntl (0, F_DUPFD_CLOEXEC, 3);
      if (fd < 0)
        return berth_fail_errno (err, "stdin");
    }
  bool empty = false;
  int r = dock_load (ctx->store, fd, print_loaded, NULL, &empty, err);
  if (r < 0 && empty && input == NULL)
    {
      berth_error_free (*err);
      *err = NULL;
      return berth_fail (err, 0, "requested load from stdin, but stdin is empty");
    }
  return r;
}
