/* dock login / dock logout: docker's flags, prompts, warnings and lines;
   the credential check is the registry client's, the storage creds.c's. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "libberth/util.h"
#include "libdock/ref/reference.h"
#include "libdock/registry/client.h"
#include "libdock/registry/creds.h"
#include "registry_cli.h"

#define PASSWORD_MAX (64 * 1024)

/* "https://127.0.0.1:5000/v2/" -> "127.0.0.1:5000"; no server: Docker Hub. */
static int
server_domain (const char *arg, char **out, berth_error **err)
{
  if (arg == NULL || *arg == '\0')
    {
      *out = xstrdup ("docker.io");
      return 0;
    }
  const char *p = arg;
  if (strncmp (p, "https://", 8) == 0)
    p += 8;
  else if (strncmp (p, "http://", 7) == 0)
    p += 7;
  cleanup_free char *host = xstrndup (p, strcspn (p, "/"));
  if (!dock_ref_valid_domain (host))
    return berth_fail (err, 0, "invalid registry address \"%s\"", arg);
  if (strcmp (host, "index.docker.io") == 0 || strcmp (host, "registry-1.docker.io") == 0)
    *out = xstrdup ("docker.io");
  else
    *out = steal_pointer (&host);
  return 0;
}

/* Prompt on stderr and read a line; without echo for a password (echo is
   off before the prompt shows, so that nothing typed after it is seen). */
static char *
read_line (FILE *in, const char *prompt, bool echo)
{
  struct termios old, quiet;
  bool tty = isatty (fileno (in)) && !echo && tcgetattr (fileno (in), &old) == 0;
  if (tty)
    {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (fileno (in), TCSANOW, &quiet);
    }
  fputs (prompt, stderr);
  fflush (stderr);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline (&line, &cap, in);
  if (tty)
    {
      tcsetattr (fileno (in), TCSANOW, &old);
      fputc ('\n', stderr);
    }
  if (n < 0)
    {
      free (line);
      return NULL;
    }
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  return line;
}

/* --password-stdin: everything on stdin, without the trailing newline. */
static int
password_from_stdin (char **out, berth_error **err)
{
  char *buf = NULL;
  size_t len = 0;
  if (read_all_fd (STDIN_FILENO, &buf, &len, err) < 0)
    return berth_error_wrap (err, "read the password from stdin");
  if (len > PASSWORD_MAX)
    {
      free (buf);
      return berth_fail (err, 0, "the password on stdin is longer than %d bytes", PASSWORD_MAX);
    }
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = '\0';
  *out = buf ? buf : xstrdup ("");
  return 0;
}

static int
check_login (cli_ctx *ctx, const char *domain, const dock_credentials *cred, berth_error **err)
{
  dock_registry_opts o;
  registry_cli_opts (ctx, &o);
  cleanup_http dock_http *http = NULL;
  cleanup_registry dock_registry *reg = NULL;
  if (dock_http_new (&http, err) < 0)
    return -1;
  if (dock_registry_open (http, &o, domain, NULL, cred, &reg, err) < 0 || dock_registry_login (reg, err) < 0)
    return berth_error_wrap (err, "login to %s", domain);
  return 0;
}

int
cmd_login (cli_ctx *ctx, berth_error **err)
{
  registry_cli_config_dir (ctx);
  cleanup_free char *domain = NULL;
  if (server_domain (ctx->argc ? ctx->argv[0] : NULL, &domain, err) < 0)
    return -1;
  const char *user = cli_value (ctx, "username");
  const char *password = cli_value (ctx, "password");
  bool from_stdin = cli_flag (ctx, "password-stdin");
  if (password && from_stdin)
    return berth_fail (err, 0, "--password and --password-stdin are mutually exclusive");
  if (from_stdin && (user == NULL || *user == '\0'))
    return berth_fail (err, 0, "Must provide --username with --password-stdin");
  if (password)
    fprintf (stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");

  dock_credentials cred = { 0 };
  int rc = -1;
  if (user == NULL && password == NULL && !from_stdin)
    {
      /* docker first tries what it has stored. */
      if (dock_creds_get (domain, &cred, err) < 0)
        goto out;
      if (!dock_credentials_empty (&cred))
        {
          berth_error *e = NULL;
          printf ("Authenticating with existing credentials...\n");
          if (check_login (ctx, domain, &cred, &e) == 0)
            {
              printf ("Login Succeeded\n");
              rc = 0;
              goto out;
            }
          berth_error_free (e);
          dock_credentials_clear (&cred);
        }
      if (!isatty (STDIN_FILENO))
        {
          berth_fail (err, 0, "Cannot perform an interactive login from a non TTY device");
          goto out;
        }
      cred.username = read_line (stdin, "Username: ", true);
    }
  else
    cred.username = user ? xstrdup (user) : NULL;
  if (dock_credentials_empty (&cred))
    {
      berth_fail (err, 0, "Username is required");
      goto out;
    }
  if (from_stdin)
    {
      if (password_from_stdin (&cred.password, err) < 0)
        goto out;
    }
  else if (password)
    cred.password = xstrdup (password);
  else
    {
      if (!isatty (STDIN_FILENO))
        {
          berth_fail (err, 0, "Cannot perform an interactive login from a non TTY device");
          goto out;
        }
      cred.password = read_line (stdin, "Password: ", false);
    }
  if (cred.password == NULL || *cred.password == '\0')
    {
      berth_fail (err, 0, "Password is required");
      goto out;
    }
  if (check_login (ctx, domain, &cred, err) < 0 || dock_creds_store (domain, &cred, err) < 0)
    goto out;
  printf ("Login Succeeded\n");
  rc = 0;
out:
  dock_credentials_clear (&cred);
  return rc;
}

int
cmd_logout (cli_ctx *ctx, berth_error **err)
{
  registry_cli_config_dir (ctx);
  cleanup_free char *domain = NULL;
  if (server_domain (ctx->argc ? ctx->argv[0] : NULL, &domain, err) < 0)
    return -1;
  cleanup_free char *key = dock_creds_server_key (domain);
  bool found = false;
  if (dock_creds_erase (domain, &found, err) < 0)
    return -1;
  if (!found)
    printf ("Not logged in to %s\n", key);
  else
    printf ("Removing login credentials for %s\n", key);
  return 0;
}
