/* Credentials in docker's config.json and docker-credential-* helpers;
   see creds.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "libdock/registry/creds.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "json.h"
#include "libberth/util.h"

#define DOCKER_HUB_KEY "https://index.docker.io/v1/"
#define CONFIG_MAX (4 << 20)
#define HELPER_OUTPUT_MAX (1 << 20)

extern char **environ;

char *
dock_creds_server_key (const char *domain)
{
  if (strcmp (domain, "docker.io") == 0 || strcmp (domain, "index.docker.io") == 0
      || strcmp (domain, "registry-1.docker.io") == 0)
    return xstrdup (DOCKER_HUB_KEY);
  return xstrdup (domain);
}

static char *
config_dir (void)
{
  const char *dir = getenv ("DOCKER_CONFIG");
  if (dir && *dir)
    return xstrdup (dir);
  const char *home = getenv ("HOME");
  return xasprintf ("%s/.docker", home && *home ? home : "/root");
}

char *
dock_creds_config_path (void)
{
  cleanup_free char *dir = config_dir ();
  return xasprintf ("%s/config.json", dir);
}

/* The file's tree, or an empty object when there is no file. */
static int
load_config (oci_json **out, berth_error **err)
{
  *out = NULL;
  cleanup_free char *path = dock_creds_config_path ();
  cleanup_free char *buf = NULL;
  size_t len = 0;
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      if (errno != ENOENT)
        return berth_fail_errno (err, "open %s", path);
      *out = oci_json_new (OCI_JSON_OBJECT);
      return 0;
    }
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size > CONFIG_MAX)
    return berth_fail (err, 0, "%s: not a regular file of at most 4 MiB", path);
  if (read_all_fd (fd, &buf, &len, err) < 0)
    return berth_error_wrap (err, "%s", path);
  if (len == 0)
    {
      *out = oci_json_new (OCI_JSON_OBJECT);
      return 0;
    }
  char *perr = NULL;
  oci_json *tree = oci_json_parse (buf, len, &perr);
  if (tree == NULL)
    {
      berth_fail (err, 0, "%s: %s", path, perr);
      free (perr);
      return -1;
    }
  if (tree->kind != OCI_JSON_OBJECT)
    {
      oci_json_free (tree);
      return berth_fail (err, 0, "%s: not a JSON object", path);
    }
  *out = tree;
  return 0;
}

static int
save_config (const oci_json *tree, berth_error **err)
{
  cleanup_free char *dir = config_dir ();
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return berth_fail_errno (err, "mkdir %s", dir);
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return berth_fail_errno (err, "open %s", dir);
  oci_jw *w = oci_jw_new (OCI_JW_PRETTY);
  oci_jw_value (w, tree);
  size_t len = 0;
  cleanup_free char *text = oci_jw_finish (w, &len);
  if (text == NULL)
    return berth_fail (err, 0, "cannot encode %s/config.json", dir);
  mode_t old = umask (077);
  int rc = write_file_atomic_at (dfd, "config.json", text, len, 0600, err);
  umask (old);
  return rc < 0 ? berth_error_wrap (err, "%s", dir) : 0;
}

static oci_json *
member (const oci_json *obj, const char *key, oci_json_kind kind)
{
  oci_json *v = obj ? oci_json_get (obj, key) : NULL;
  return v && v->kind == kind ? v : NULL;
}

static oci_json *
json_string (const char *s)
{
  return oci_json_new_string (s, strlen (s));
}

/* "https://host:port/v1/" and "host:port" name the same registry. */
static char *
bare_host (const char *key)
{
  const char *p = key;
  if (strncmp (p, "https://", 8) == 0)
    p += 8;
  else if (strncmp (p, "http://", 7) == 0)
    p += 7;
  return xstrndup (p, strcspn (p, "/"));
}

/* The auths entry for key: an exact match first, then any entry naming
   the same host (docker does the same for hand-written files). */
static const char *
find_auth_key (const oci_json *auths, const char *key)
{
  if (auths == NULL)
    return NULL;
  if (member (auths, key, OCI_JSON_OBJECT))
    return key;
  cleanup_free char *want = bare_host (key);
  for (size_t i = 0; i < auths->len; i++)
    {
      if (auths->items[i] == NULL)
        continue;
      cleanup_free char *host = bare_host (auths->keys[i]);
      if (strcmp (host, want) == 0)
        return auths->keys[i];
    }
  return NULL;
}

/* The helper for a server key: credHelpers[host], else credsStore. */
static const char *
helper_for (const oci_json *cfg, const char *key)
{
  const oci_json *helpers = member (cfg, "credHelpers", OCI_JSON_OBJECT);
  if (helpers)
    {
      cleanup_free char *host = bare_host (key);
      const oci_json *h = member (helpers, key, OCI_JSON_STRING);
      if (h == NULL)
        h = member (helpers, host, OCI_JSON_STRING);
      if (h && *h->text)
        return h->text;
    }
  const oci_json *store = member (cfg, "credsStore", OCI_JSON_STRING);
  return store && *store->text ? store->text : NULL;
}

/* ------------------------------------------------------------- helpers */

/* Run docker-credential-<name> <verb> with input on stdin; *out gets its
   stdout, *status its exit status. */
static int
run_helper (const char *name, const char *verb, const char *input, char **out, int *status, berth_error **err)
{
  cleanup_free char *prog = xasprintf ("docker-credential-%s", name);
  int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
  if (pipe2 (in_pipe, O_CLOEXEC) < 0 || pipe2 (out_pipe, O_CLOEXEC) < 0)
    {
      int e = errno;
      if (in_pipe[0] >= 0)
        close (in_pipe[0]), close (in_pipe[1]);
      return berth_fail (err, e, "pipe");
    }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2 (&fa, out_pipe[1], 1);
  char *argv[] = { prog, (char *) verb, NULL };
  pid_t pid;
  int rc = posix_spawnp (&pid, prog, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (in_pipe[0]);
  close (out_pipe[1]);
  if (rc != 0)
    {
      close (in_pipe[1]);
      close (out_pipe[0]);
      return berth_fail (err, rc, "credential helper %s", prog);
    }
  /* The helper may exit without reading (an unknown verb): no SIGPIPE. */
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  sigaction (SIGPIPE, &ign, &old);
  write_all (in_pipe[1], input, strlen (input));
  sigaction (SIGPIPE, &old, NULL);
  close (in_pipe[1]);
  char *buf = NULL;
  size_t len = 0;
  int read_rc = read_all_fd (out_pipe[0], &buf, &len, err);
  close (out_pipe[0]);
  int wstatus = 0;
  while (waitpid (pid, &wstatus, 0) < 0 && errno == EINTR)
    ;
  if (read_rc < 0)
    return berth_error_wrap (err, "credential helper %s", prog);
  if (len > HELPER_OUTPUT_MAX)
    {
      free (buf);
      return berth_fail (err, 0, "credential helper %s: output too large", prog);
    }
  *status = WIFEXITED (wstatus) ? WEXITSTATUS (wstatus) : 128 + WTERMSIG (wstatus);
  /* One line for messages: strip the trailing newline. */
  while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = '\0';
  *out = buf ? buf : xstrdup ("");
  return 0;
}

/* A helper call whose failure may mean "nothing stored for this server"
   (docker's helpers say "credentials not found"): *missing then, not an
   error.  *text gets the helper's output. */
static int
run_helper_lookup (const char *name, const char *verb, const char *key, char **text, bool *missing,
                   berth_error **err)
{
  int status = 0;
  *missing = false;
  if (run_helper (name, verb, key, text, &status, err) < 0)
    return -1;
  if (status == 0)
    return 0;
  if (strstr (*text, "credentials not found"))
    {
      *missing = true;
      return 0;
    }
  return berth_fail (err, 0, "credential helper docker-credential-%s %s: %s", name, verb, *text);
}

static int
helper_get (const char *name, const char *key, dock_credentials *out, berth_error **err)
{
  cleanup_free char *text = NULL;
  bool missing = false;
  if (run_helper_lookup (name, "get", key, &text, &missing, err) < 0)
    return -1;
  if (missing)
    return 0;
  char *perr = NULL;
  oci_json *tree = oci_json_parse (text, strlen (text), &perr);
  if (tree == NULL)
    {
      berth_fail (err, 0, "credential helper docker-credential-%s get: %s", name, perr);
      free (perr);
      return -1;
    }
  const oci_json *user = member (tree, "Username", OCI_JSON_STRING);
  const oci_json *secret = member (tree, "Secret", OCI_JSON_STRING);
  if (user && secret)
    {
      out->username = xstrdup (user->text);
      out->password = xstrdup (secret->text);
    }
  oci_json_free (tree);
  return 0;
}

static int
helper_store (const char *name, const char *key, const dock_credentials *c, berth_error **err)
{
  oci_jw *w = oci_jw_new (0);
  oci_jw_begin_object (w);
  oci_jw_key (w, "ServerURL");
  oci_jw_string (w, key);
  oci_jw_key (w, "Username");
  oci_jw_string (w, c->username);
  oci_jw_key (w, "Secret");
  oci_jw_string (w, c->password ? c->password : "");
  oci_jw_end_object (w);
  cleanup_free char *input = oci_jw_finish (w, NULL);
  cleanup_free char *text = NULL;
  int status = 0;
  int rc = run_helper (name, "store", input, &text, &status, err);
  explicit_bzero (input, strlen (input));
  if (rc < 0)
    return -1;
  if (status != 0)
    return berth_fail (err, 0, "credential helper docker-credential-%s store: %s", name, text);
  return 0;
}

static int
helper_erase (const char *name, const char *key, bool *found, berth_error **err)
{
  cleanup_free char *text = NULL;
  bool missing = false;
  if (run_helper_lookup (name, "erase", key, &text, &missing, err) < 0)
    return -1;
  *found = !missing;
  return 0;
}

/* ----------------------------------------------------------------- API */

/* The config.json in use, the server's key in it, and the helper (if any)
   that keeps its secrets. */
typedef struct
{
  char *key;
  oci_json *cfg;
  const char *helper;
} creds_file;

static int
creds_file_open (const char *domain, creds_file *f, berth_error **err)
{
  f->key = dock_creds_server_key (domain);
  f->helper = NULL;
  if (load_config (&f->cfg, err) < 0)
    {
      free (f->key);
      return -1;
    }
  f->helper = helper_for (f->cfg, f->key);
  return 0;
}

static void
creds_file_close (creds_file *f)
{
  free (f->key);
  oci_json_free (f->cfg);
}


int
dock_creds_get (const char *domain, dock_credentials *out, berth_error **err)
{
  memset (out, 0, sizeof *out);
  creds_file f;
  if (creds_file_open (domain, &f, err) < 0)
    return -1;
  int rc = 0;
  if (f.helper)
    rc = helper_get (f.helper, f.key, out, err);
  else
    {
      const oci_json *auths = member (f.cfg, "auths", OCI_JSON_OBJECT);
      const char *found = find_auth_key (auths, f.key);
      const oci_json *entry = found ? member (auths, found, OCI_JSON_OBJECT) : NULL;
      const oci_json *auth = member (entry, "auth", OCI_JSON_STRING);
      if (auth && *auth->text)
        {
          size_t len = 0;
          char *pair = dock_base64_decode (auth->text, &len);
          char *colon = pair ? memchr (pair, ':', len) : NULL;
          if (colon == NULL)
            rc = berth_fail (err, 0, "%s: auths[\"%s\"].auth is not base64 of user:password", "config.json", found);
          else
            {
              *colon = '\0';
              out->username = xstrdup (pair);
              out->password = xstrdup (colon + 1);
            }
          if (pair)
            explicit_bzero (pair, len);
          free (pair);
        }
    }
  creds_file_close (&f);
  return rc;
}

int
dock_creds_store (const char *domain, const dock_credentials *c, berth_error **err)
{
  creds_file f;
  if (creds_file_open (domain, &f, err) < 0)
    return -1;
  int rc = 0;
  oci_json *auths = member (f.cfg, "auths", OCI_JSON_OBJECT);
  if (auths == NULL)
    {
      auths = oci_json_new (OCI_JSON_OBJECT);
      oci_json_set (f.cfg, "auths", auths);
    }
  oci_json *entry = oci_json_new (OCI_JSON_OBJECT);
  if (f.helper)
    /* The secret goes to the helper; the file only lists the server, as
       docker writes it. */
    rc = helper_store (f.helper, f.key, c, err);
  else
    {
      cleanup_free char *pair = xasprintf ("%s:%s", c->username, c->password ? c->password : "");
      cleanup_free char *b64 = dock_base64_encode (pair, strlen (pair));
      explicit_bzero (pair, strlen (pair));
      oci_json_set (entry, "auth", json_string (b64));
    }
  const char *old = find_auth_key (auths, f.key);
  if (old && strcmp (old, f.key) != 0)
    oci_json_remove (auths, old);
  oci_json_set (auths, f.key, entry);
  if (rc == 0)
    rc = save_config (f.cfg, err);
  creds_file_close (&f);
  return rc;
}

int
dock_creds_erase (const char *domain, bool *found, berth_error **err)
{
  *found = false;
  creds_file f;
  if (creds_file_open (domain, &f, err) < 0)
    return -1;
  int rc = 0;
  if (f.helper)
    rc = helper_erase (f.helper, f.key, found, err);
  oci_json *auths = member (f.cfg, "auths", OCI_JSON_OBJECT);
  const char *old = rc == 0 ? find_auth_key (auths, f.key) : NULL;
  if (old)
    {
      cleanup_free char *copy = xstrdup (old);
      oci_json_remove (auths, copy);
      *found = true;
      rc = save_config (f.cfg, err);
    }
  creds_file_close (&f);
  return rc;
}
