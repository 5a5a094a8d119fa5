/* An instruction as JSON, for the unit tests and tests/unit/dockerfile-dump:
   one stable shape that a test can compare with what it expects. */
#include "dockerfile.h"

#include "json.h"
#include "libberth/util.h"

static void
strv (oci_jw *w, const char *key, char *const *v, size_t n)
{
  oci_jw_key (w, key);
  oci_jw_begin_array (w);
  for (size_t i = 0; i < n; i++)
    oci_jw_string (w, v[i]);
  oci_jw_end_array (w);
}

static void
encode (oci_jw *w, const dock_df_instr *in)
{
  oci_jw_begin_object (w);
  oci_jw_key (w, "cmd");
  oci_jw_string (w, in->def->name);
  oci_jw_key (w, "line");
  oci_jw_int (w, in->line);
  oci_jw_key (w, "end");
  oci_jw_int (w, in->end_line);
  oci_jw_key (w, "original");
  oci_jw_string (w, in->original);
  if (in->n_flags)
    {
      oci_jw_key (w, "flags");
      oci_jw_begin_array (w);
      for (size_t i = 0; i < in->n_flags; i++)
        {
          cleanup_free char *f = xasprintf ("--%s=%s", in->flags[i].name, in->flags[i].value);
          oci_jw_string (w, f);
        }
      oci_jw_end_array (w);
    }
  oci_jw_key (w, "json");
  oci_jw_bool (w, in->json);
  strv (w, "args", in->args, in->n_args);
  if (in->n_kvs)
    {
      oci_jw_key (w, "kvs");
      oci_jw_begin_array (w);
      for (size_t i = 0; i < in->n_kvs; i++)
        {
          oci_jw_begin_array (w);
          oci_jw_string (w, in->kvs[i].key);
          if (in->kvs[i].value)
            oci_jw_string (w, in->kvs[i].value);
          else
            oci_jw_null (w);
          oci_jw_end_array (w);
        }
      oci_jw_end_array (w);
    }
  if (in->n_heredocs)
    {
      oci_jw_key (w, "heredocs");
      oci_jw_begin_array (w);
      for (size_t i = 0; i < in->n_heredocs; i++)
        {
          const dock_df_heredoc *h = &in->heredocs[i];
          oci_jw_begin_object (w);
          oci_jw_key (w, "name");
          oci_jw_string (w, h->name);
          oci_jw_key (w, "content");
          oci_jw_string (w, h->content ? h->content : "");
          oci_jw_key (w, "expand");
          oci_jw_bool (w, h->expand);
          oci_jw_key (w, "chomp");
          oci_jw_bool (w, h->chomp);
          oci_jw_key (w, "fd");
          oci_jw_uint (w, h->fd);
          oci_jw_end_object (w);
        }
      oci_jw_end_array (w);
    }
  if (in->health)
    {
      const dock_df_health *h = in->health;
      oci_jw_key (w, "health");
      oci_jw_begin_object (w);
      strv (w, "test", h->test, h->n_test);
      const struct
      {
        const char *key;
        int64_t v;
      } nums[] = {
        { "interval", h->interval },       { "timeout", h->timeout }, { "start_period", h->start_period },
        { "start_interval", h->start_interval }, { "retries", h->retries },
      };
      for (size_t i = 0; i < ARRAY_SIZE (nums); i++)
        {
          oci_jw_key (w, nums[i].key);
          oci_jw_int (w, nums[i].v);
        }
      oci_jw_end_object (w);
    }
  if (in->stage_name)
    {
      oci_jw_key (w, "stage");
      oci_jw_string (w, in->stage_name);
    }
  if (in->sub)
    {
      oci_jw_key (w, "sub");
      encode (w, in->sub);
    }
  oci_jw_end_object (w);
}

char *
dock_df_instr_to_json (const dock_df_instr *in)
{
  oci_jw *w = oci_jw_new (0);
  encode (w, in);
  return oci_jw_finish (w, NULL);
}
