/* libFuzzer target for dock build's text inputs: the Dockerfile parser,
 * variable expansion with the build-arg scoping, the metadata instructions,
 * and .dockerignore patterns.
 *
 * The input is parsed as a Dockerfile.  A failure must carry a message that
 * starts with the file name and a line number within the file.  On success
 * every instruction must encode as JSON that parses again, and every
 * instruction is applied as the builder will (ARG/ENV scoping, expansion,
 * metadata), whose errors are fine but must not crash or leak.  The same
 * input is read as a .dockerignore, and each of its lines is matched as a
 * path.
 *
 * Build and run: make fuzz-run-dockerfile FUZZ_SECONDS=60
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "libberth/util.h"
#include "libdock/build/buildenv.h"
#include "libdock/build/dockerfile.h"
#include "libdock/build/dockerignore.h"
#include "libdock/build/metadata.h"

#define CHECK(cond, what)                                                                                             \
  do                                                                                                                  \
    {                                                                                                                 \
      if (!(cond))                                                                                                    \
        {                                                                                                             \
          fprintf (stderr, "fuzz-dockerfile: invariant violated: %s (%s:%d)\n", what, __FILE__, __LINE__);         \
          abort ();                                                                                                   \
        }                                                                                                             \
    }                                                                                                                 \
  while (0)

/* JSON carries text: the round trip is checked for valid UTF-8 input only
   (the parser itself takes any bytes, as docker's does). */
static bool
valid_utf8 (const unsigned char *s, size_t n)
{
  for (size_t i = 0; i < n;)
    {
      unsigned char c = s[i];
      size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (!len || i + len > n || (len == 2 && c < 0xc2))
        return false;
      for (size_t k = 1; k < len; k++)
        if ((s[i + k] & 0xc0) != 0x80)
          return false;
      if ((len == 3 && c == 0xe0 && s[i + 1] < 0xa0) || (len == 3 && c == 0xed && s[i + 1] >= 0xa0)
          || (len == 4 && c == 0xf0 && s[i + 1] < 0x90) || (len == 4 && (c > 0xf4 || (c == 0xf4 && s[i + 1] >= 0x90))))
        return false;
      i += len;
    }
  return true;
}

static void
apply_all (const dock_dockerfile *df, bool utf8)
{
  cleanup_build_env dock_build_env *e = dock_build_env_new (df->escape);
  dock_build_env_set_build_arg (e, "A=1 2");
  dock_build_env_set_build_arg (e, "HTTP_PROXY=x");
  oci_image_config *img = oci_image_config_new ();
  dock_stage_state st = { 0 };
  bool in_stage = false;
  for (size_t i = 0; i < df->n_instrs; i++)
    {
      const dock_df_instr *in = df->instrs[i];
      berth_error *err = NULL;
      cleanup_free char *json = dock_df_instr_to_json (in);
      CHECK (json != NULL || !utf8, "an instruction encodes as JSON");
      if (json && utf8)
        {
          cleanup_free char *jerr = NULL;
          oci_json *t = oci_json_parse (json, strlen (json), &jerr);
          CHECK (t != NULL, "the instruction's JSON parses again");
          oci_json_free (t);
        }
      if (in->def->kind == DOCK_DF_FROM)
        {
          dock_expand_opts o = dock_build_env_opts (e, true);
          cleanup_free char *image = NULL;
          if (dock_expand_word (&o, in->args[0], &image, &err) == 0)
            CHECK (image != NULL, "an expansion gives a string");
          dock_build_env_begin_stage (e, img->config ? img->config->env : NULL, img->config ? img->config->env_len : 0);
          in_stage = true;
        }
      else if (in->def->kind == DOCK_DF_ARG && !in_stage)
        (void) dock_build_env_arg (e, in, &err);
      else if (dock_is_metadata_instr (in))
        (void) dock_apply_metadata (e, &st, img, in, &err);
      else if (in->def->expand)
        for (size_t k = 0; k < in->n_args; k++)
          {
            dock_expand_opts o = dock_build_env_opts (e, false);
            cleanup_strv char **words = NULL;
            berth_error *werr = NULL;
            (void) dock_expand_words (&o, in->args[k], &words, NULL, &werr);
            berth_error_free (werr);
          }
      if (err)
        CHECK (err->msg && *err->msg, "an error has a message");
      berth_error_free (err);
    }
  cleanup_free char *hist = dock_build_env_history_prefix (e);
  cleanup_strv char **run = dock_build_env_run_env (e, NULL);
  cleanup_strv char **unused = dock_build_env_unused (e, NULL);
  if (img->config)
    {
      cleanup_free char *out = oci_image_exec_config_generate (img->config, 0, NULL);
      CHECK (out != NULL || !utf8, "the resulting config encodes");
    }
  oci_image_config_free (img);
}

static void
ignore_patterns (const char *buf, size_t len)
{
  dock_ignore *m = NULL;
  berth_error *err = NULL;
  if (dock_ignore_parse (buf, len, ".dockerignore", &m, &err) < 0)
    {
      CHECK (strncmp (err->msg, ".dockerignore", 13) == 0, "a pattern error names the file");
      berth_error_free (err);
      return;
    }
  /* Match each line of the input, cleaned, as a path. */
  size_t pos = 0;
  for (int n = 0; pos < len && n < 16; n++)
    {
      const char *nl = memchr (buf + pos, '\n', len - pos);
      size_t l = nl ? (size_t) (nl - (buf + pos)) : len - pos;
      cleanup_free char *line = xstrndup (buf + pos, l);
      cleanup_free char *path = dock_clean_path (line[0] ? line : ".");
      (void) dock_ignore_excluded (m, path);
      (void) dock_ignore_may_include_below (m, path);
      pos += l + 1;
    }
  dock_ignore_free (m);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *buf = (const char *) data;
  size_t lines = 1;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  dock_dockerfile *df = NULL;
  berth_error *err = NULL;
  int line = -1;
  if (dock_dockerfile_parse (buf, size, "Dockerfile", &df, &line, &err) < 0)
    {
      CHECK (df == NULL, "no result on failure");
      CHECK (err && strncmp (err->msg, "Dockerfile", 10) == 0, "a parse error names the file");
      CHECK (line >= 0 && (size_t) line <= lines, "the error's line is in the file");
      berth_error_free (err);
    }
  else
    {
      CHECK (err == NULL, "no error on success");
      apply_all (df, valid_utf8 (data, size));
      dock_dockerfile_free (df);
    }
  if (!memchr (buf, '\0', size))
    ignore_patterns (buf, size);
  return 0;
}
