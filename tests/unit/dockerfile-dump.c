/* dockerfile-dump: a debugging tool of the tests, not a dock command.
 *
 *   dockerfile-dump [--build-arg NAME[=VALUE]]... [--base-config FILE] DOCKERFILE
 *   dockerfile-dump --context DIR
 *
 * Parses DOCKERFILE, applies its metadata instructions stage by stage as
 * the builder will (FROM an earlier stage starts from that stage's config,
 * any other FROM from FILE: an image's "config" object, or empty) and prints
 * one JSON document: {"instructions": [...], "config": {...last stage...},
 * "warnings": [...], "unused_build_args": [...]}.  On a parse error prints
 * "dockerfile-dump: <error>" and exits 1.
 * tests/integration/test_dockerfile_parse.py compares "config" with what
 * buildah builds from the same file.
 *
 * With --context: walks DIR with its .dockerignore (if any) as the builder
 * will send it, and prints {"context": [{"path", "type", "implied",
 * "target"}...]}; the test compares it with what buildah's COPY . takes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "libberth/util.h"
#include "libdock/build/buildenv.h"
#include "libdock/build/context.h"
#include "libdock/build/dockerfile.h"
#include "libdock/build/metadata.h"

typedef struct
{
  char *name;
  oci_image_config *img;
} stage;

static int
fail (berth_error *err)
{
  fprintf (stderr, "dockerfile-dump: %s\n", err->msg);
  berth_error_free (err);
  return 1;
}

static oci_image_config *
new_img (const char *base_config)
{
  oci_image_config *img = oci_image_config_new ();
  if (base_config)
    {
      char *perr = NULL;
      img->config = oci_image_exec_config_parse_data (base_config, strlen (base_config), "base config", &perr);
      if (!img->config)
        {
          fprintf (stderr, "dockerfile-dump: %s\n", perr);
          exit (2);
        }
    }
  return img;
}

static int
list_entry (void *ctx, const dock_ctx_entry *e, berth_error **err)
{
  (void) err;
  oci_jw *w = ctx;
  oci_jw_begin_object (w);
  oci_jw_key (w, "path");
  oci_jw_string (w, e->path);
  oci_jw_key (w, "type");
  oci_jw_string (w, S_ISDIR (e->st.st_mode) ? "dir" : S_ISLNK (e->st.st_mode) ? "symlink" : S_ISREG (e->st.st_mode) ? "file" : "other");
  oci_jw_key (w, "implied");
  oci_jw_bool (w, e->implied);
  if (e->link_target)
    {
      oci_jw_key (w, "target");
      oci_jw_string (w, e->link_target);
    }
  oci_jw_end_object (w);
  return 0;
}

static int
dump_context (const char *dir)
{
  berth_error *err = NULL;
  cleanup_close int root = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    {
      fprintf (stderr, "dockerfile-dump: open %s: %m\n", dir);
      return 1;
    }
  cleanup_free char *text = NULL;
  size_t len = 0;
  cleanup_ignore dock_ignore *ign = NULL;
  if (read_file_at (root, ".dockerignore", &text, &len, &err) == 0)
    {
      if (dock_ignore_parse (text, len, ".dockerignore", &ign, &err) < 0)
        return fail (err);
    }
  else
    {
      berth_error_free (err);
      err = NULL;
    }
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  oci_jw_key (w, "context");
  oci_jw_begin_array (w);
  if (dock_context_walk (root, ign, list_entry, w, &err) < 0)
    {
      oci_jw_abort (w);
      return fail (err);
    }
  oci_jw_end_array (w);
  oci_jw_end_object (w);
  cleanup_free char *out = oci_jw_finish (w, NULL);
  if (!out)
    return 1;
  puts (out);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "--context") == 0)
    return dump_context (argv[2]);
  cleanup_build_env dock_build_env *e = NULL;
  cleanup_free char **build_args = xcalloc (argc + 1, sizeof (char *));
  size_t n_args = 0;
  cleanup_free char *base = NULL;
  const char *path = NULL;
  berth_error *err = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--build-arg") == 0 && i + 1 < argc)
        build_args[n_args++] = argv[++i];
      else if (strcmp (argv[i], "--base-config") == 0 && i + 1 < argc)
        {
          size_t len;
          if (read_file_at (AT_FDCWD, argv[++i], &base, &len, &err) < 0)
            return fail (err);
        }
      else if (!path && argv[i][0] != '-')
        path = argv[i];
      else
        {
          fprintf (stderr, "usage: dockerfile-dump [--build-arg A=B]... [--base-config FILE] DOCKERFILE\n");
          return 2;
        }
    }
  if (!path)
    {
      fprintf (stderr, "usage: dockerfile-dump [--build-arg A=B]... [--base-config FILE] DOCKERFILE\n");
      return 2;
    }
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (AT_FDCWD, path, &text, &len, &err) < 0)
    return fail (err);
  cleanup_dockerfile dock_dockerfile *df = NULL;
  const char *slash = strrchr (path, '/');
  if (dock_dockerfile_parse (text, len, slash ? slash + 1 : path, &df, NULL, &err) < 0)
    return fail (err);

  e = dock_build_env_new (df->escape);
  for (size_t i = 0; i < n_args; i++)
    dock_build_env_set_build_arg (e, build_args[i]);
  dock_build_env_set_platforms (e, "linux/amd64", "linux/amd64");

  stage *stages = xcalloc (df->n_instrs + 1, sizeof *stages);
  size_t n_stages = 0;
  dock_stage_state st = { 0 };
  int rc = 0;
  for (size_t i = 0; i < df->n_instrs && rc == 0; i++)
    {
      dock_df_instr *in = df->instrs[i];
      if (in->def->kind == DOCK_DF_FROM)
        {
          dock_expand_opts o = dock_build_env_opts (e, true);
          cleanup_free char *image = NULL;
          if (dock_expand_word (&o, in->args[0], &image, &err) < 0)
            {
              rc = fail (err);
              break;
            }
          oci_image_config *img = NULL;
          for (size_t k = 0; k < n_stages && !img; k++)
            if (stages[k].name && strcasecmp (stages[k].name, image) == 0)
              {
                /* Only the exec config: the whole image config needs the
                   members (rootfs, os) that a build adds later. */
                img = oci_image_config_new ();
                if (stages[k].img->config)
                  img->config = oci_clone (&oci_image_exec_config_desc, stages[k].img->config);
              }
          if (!img)
            img = new_img (base);
          stages[n_stages].name = in->stage_name ? xstrdup (in->stage_name) : NULL;
          stages[n_stages].img = img;
          n_stages++;
          st = (dock_stage_state) { 0 };
          dock_build_env_begin_stage (e, img->config ? img->config->env : NULL, img->config ? img->config->env_len : 0);
          continue;
        }
      if (in->def->kind == DOCK_DF_ARG && n_stages == 0)
        {
          if (dock_build_env_arg (e, in, &err) < 0)
            rc = fail (err);
          continue;
        }
      if (!dock_is_metadata_instr (in) || n_stages == 0)
        continue;
      if (dock_apply_metadata (e, &st, stages[n_stages - 1].img, in, &err) < 0)
        rc = fail (err);
    }

  if (rc == 0)
    {
      oci_jw *w = oci_jw_new (0);
      oci_jw_begin_object (w);
      oci_jw_key (w, "instructions");
      oci_jw_begin_array (w);
      for (size_t i = 0; i < df->n_instrs; i++)
        {
          cleanup_free char *j = dock_df_instr_to_json (df->instrs[i]);
          cleanup_free char *jerr = NULL;
          oci_json *t = oci_json_parse (j, strlen (j), &jerr);
          oci_jw_value (w, t);
          oci_json_free (t);
        }
      oci_jw_end_array (w);
      oci_jw_key (w, "config");
      oci_image_exec_config *cfg = n_stages ? stages[n_stages - 1].img->config : NULL;
      if (cfg)
        oci_encode (&oci_image_exec_config_desc, cfg, w);
      else
        oci_jw_null (w);
      oci_jw_key (w, "warnings");
      oci_jw_begin_array (w);
      for (size_t i = 0; i < df->n_warnings; i++)
        oci_jw_string (w, df->warnings[i]);
      oci_jw_end_array (w);
      oci_jw_key (w, "unused_build_args");
      oci_jw_begin_array (w);
      size_t nu;
      cleanup_strv char **unused = dock_build_env_unused (e, &nu);
      for (size_t i = 0; i < nu; i++)
        oci_jw_string (w, unused[i]);
      oci_jw_end_array (w);
      oci_jw_end_object (w);
      cleanup_free char *out = oci_jw_finish (w, NULL);
      if (!out)
        rc = 1;
      else
        puts (out);
    }
  for (size_t k = 0; k < n_stages; k++)
    free (stages[k].name), oci_image_config_free (stages[k].img);
  free (stages);
  return rc;
}
