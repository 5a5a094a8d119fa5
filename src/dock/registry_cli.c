/* Shared by the registry commands; see registry_cli.h. */
#include "config.h"

#include "registry_cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libberth/util.h"
#include "schema.h"

void
registry_cli_config_dir (const cli_ctx *ctx)
{
  if (ctx->global && ctx->global->config_dir)
    setenv ("DOCKER_CONFIG", ctx->global->config_dir, 1);
}

void
registry_cli_opts (const cli_ctx *ctx, dock_registry_opts *o)
{
  memset (o, 0, sizeof *o);
  o->tls_verify = -1;
  if (ctx->config)
    {
      o->mirrors = (const char *const *) ctx->config->registry_mirrors;
      o->insecure = (const char *const *) ctx->config->insecure_registries;
    }
  for (const cli_opt *opt = ctx->cmd->opts; opt->name; opt++)
    if (strcmp (opt->name, "tls-verify") == 0)
      {
        const char *v = cli_value (ctx, "tls-verify");
        if (v)
          o->tls_verify = strcmp (v, "true") == 0;
      }
}

void
progress_init (progress_view *v, FILE *out)
{
  memset (v, 0, sizeof *v);
  v->out = out;
  v->tty = isatty (fileno (out));
  struct winsize ws;
  v->width = ioctl (fileno (out), TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 200;
}

void
progress_clear (progress_view *v)
{
  strv_free (v->ids);
  v->ids = NULL;
  v->n = 0;
}

/* "[=====>      ]  1.23MB/4.5MB", as docker's JSONProgress draws it. */
static void
bar (const progress_view *v, int64_t current, int64_t total, char *buf, size_t size)
{
  char cur[32], tot[32];
  human_size (cur, sizeof cur, (double) current, 3);
  if (total <= 0)
    {
      snprintf (buf, size, "%8s", cur);
      return;
    }
  human_size (tot, sizeof tot, (double) total, 3);
  int filled = (int) ((double) current / (double) total * 100) / 2;
  if (filled > 50)
    filled = 50;
  char box[64] = "";
  if (v->width > 110)
    {
      memset (box, '=', (size_t) filled);
      box[filled] = '>';
      memset (box + filled + 1, ' ', (size_t) (50 - filled));
      box[51] = '\0';
    }
  if (current > total)
    snprintf (buf, size, "%s%s%s%8s", *box ? "[" : "", box, *box ? "] " : "", cur);
  else
    snprintf (buf, size, "%s%s%s%8s/%s", *box ? "[" : "", box, *box ? "] " : "", cur, tot);
}

void
progress_line (progress_view *v, const char *id, const char *status, int64_t current, int64_t total)
{
  bool has_bar = current >= 0 && total >= 0;
  /* Off a terminal docker leaves progress bars out entirely. */
  if (!v->tty)
    {
      if (!has_bar)
        fprintf (v->out, "%s: %s\n", id, status);
      return;
    }
  size_t line;
  for (line = 0; line < v->n; line++)
    if (strcmp (v->ids[line], id) == 0)
      break;
  char text[256] = "";
  if (has_bar)
    bar (v, current, total, text, sizeof text);
  if (line == v->n)
    {
      oci_strv_append (&v->ids, &v->n, id);
      fprintf (v->out, "%s: %s%s%s\n", id, status, has_bar ? " " : "", text);
    }
  else
    {
      /* Up to the id's line, rewrite it, back down. */
      int up = (int) (v->n - line);
      fprintf (v->out, "\033[%dA\r\033[2K%s: %s%s%s\r\033[%dB", up, id, status, has_bar ? " " : "", text, up);
    }
  fflush (v->out);
}

void
progress_message (progress_view *v, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vfprintf (v->out, fmt, ap);
  va_end (ap);
  fputc ('\n', v->out);
  fflush (v->out);
  /* Lines above are no longer redrawn once a message follows them. */
  progress_clear (v);
}
