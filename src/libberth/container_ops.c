/* Commands on a live container's cgroup: pause, resume, ps, update, events. */
#include "config.h"

#include "container.h"
#include "cgroup/cgroup.h"
#include "util.h"
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

/* The state and cgroup of a container, with its directory locked. */
typedef struct
{
  int rootfd, dirfd;
  berth_state *st;
  berth_cgroup *cg;
  berth_status status;
} opened;

static void
opened_release (opened *o)
{
  if (o->dirfd >= 0)
    close (o->dirfd);
  if (o->rootfd >= 0)
    close (o->rootfd);
  berth_state_free (o->st);
  berth_cgroup_free (o->cg);
}

/* lock LOCK_SH: a reader (ps, events), which never waits long for the
   lock (berth_state_dir_open_reader). */
static int
open_container (const char *root, const char *id, int lock, opened *o, berth_error **err)
{
  *o = (opened){ .rootfd = -1, .dirfd = -1 };
  bool locked = false;
  if (berth_validate_id (id, err) < 0 || (o->rootfd = berth_root_open (root, false, err)) < 0)
    return -1;
  o->dirfd = lock == LOCK_SH ? berth_state_dir_open_reader (o->rootfd, id, BERTH_READER_WAIT_MS, &locked, err)
                             : berth_state_dir_open (o->rootfd, id, lock, err);
  if (o->dirfd < 0)
    return -1;
  struct stat sb;
  if (lock == LOCK_SH && !locked && fstatat (o->dirfd, "state.json", &sb, 0) < 0 && errno == ENOENT)
    return berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s` is being created", id);
  if ((o->st = berth_state_read (o->dirfd, id, err)) == NULL)
    return -1;
  o->status = berth_state_status (o->dirfd, o->st);
  o->cg = berth_state_cgroup (o->st);
  if (o->cg == NULL)
    return berth_fail (err, ENOTSUP, "container `%s` has no cgroup", id);
  return 0;
}

/* runc's answers: pause of what is not running is "not running", resume of
   what is not paused "not paused". */
static berth_error_kind
pause_refusal (berth_status status, bool pause)
{
  if (pause)
    return status == BERTH_STATUS_PAUSED ? BERTH_ERR_PAUSED : BERTH_ERR_NOT_RUNNING;
  return status == BERTH_STATUS_STOPPED ? BERTH_ERR_NOT_RUNNING : BERTH_ERR_NOT_PAUSED;
}

static int
pause_or_resume (const char *root, const char *id, bool pause, berth_error **err)
{
  opened o;
  int r = open_container (root, id, LOCK_EX, &o, err);
  berth_status want = pause ? BERTH_STATUS_RUNNING : BERTH_STATUS_PAUSED;
  if (r == 0 && o.status != want && !(pause && o.status == BERTH_STATUS_CREATED))
    r = berth_fail_kind (err, pause_refusal (o.status, pause), 0, "`%s` is %s", id, berth_status_name (o.status));
  if (r == 0)
    r = berth_cgroup_freeze (o.cg, pause, err);
  opened_release (&o);
  return r;
}

int
berth_container_pause (const char *root, const char *id, berth_error **err)
{
  return pause_or_resume (root, id, true, err);
}

int
berth_container_resume (const char *root, const char *id, berth_error **err)
{
  return pause_or_resume (root, id, false, err);
}

int
berth_container_pids (const char *root, const char *id, pid_t **pids, size_t *n, berth_error **err)
{
  *pids = NULL;
  *n = 0;
  opened o;
  int r = open_container (root, id, LOCK_SH, &o, err);
  if (r == 0 && o.status != BERTH_STATUS_STOPPED)
    r = berth_cgroup_pids (o.cg, pids, n, err);
  opened_release (&o);
  return r;
}

/* Lay src over dst: objects member by member, anything else replaced
   whole (an array of device rules is a new list, not an addition). */
static void
json_overlay (oci_json *dst, oci_json *src)
{
  for (size_t i = 0; i < src->len; i++)
    {
      oci_json *theirs = src->items[i];
      size_t j = 0;
      while (j < dst->len && strcmp (dst->keys[j], src->keys[i]) != 0)
        j++;
      if (j == dst->len)
        {
          oci_json_append (dst, src->keys[i], theirs);
          src->items[i] = NULL;
        }
      else if (dst->items[j]->kind == OCI_JSON_OBJECT && theirs->kind == OCI_JSON_OBJECT)
        json_overlay (dst->items[j], theirs);
      else
        {
          oci_json_free (dst->items[j]);
          dst->items[j] = theirs;
          src->items[i] = NULL;
        }
    }
}

/* Keep the stored configuration true to the cgroup: merge the new values
   into linux.resources of the container's config.json. */
static int
record_resources (int dirfd, const oci_resources *res, berth_error **err)
{
  cleanup_free char *text = NULL, *update = NULL, *out = NULL;
  size_t len = 0, ulen = 0, olen = 0;
  if (read_file_at (dirfd, "config.json", &text, &len, err) < 0)
    return -1;
  char *perr = NULL;
  oci_json *config = oci_json_parse (text, len, &perr);
  if (config == NULL || config->kind != OCI_JSON_OBJECT)
    {
      oci_json_free (config);
      return berth_fail_take (err, 0, perr ? perr : xstrdup ("config.json: not an object"));
    }
  update = oci_resources_generate (res, 0, &ulen);
  oci_json *fresh = update ? oci_json_parse (update, ulen, &perr) : NULL;
  if (fresh == NULL)
    {
      oci_json_free (config);
      return berth_fail_take (err, 0, perr ? perr : xstrdup ("cannot encode the resources"));
    }
  oci_json *linux = oci_json_get (config, "linux");
  if (linux == NULL)
    {
      oci_json_append (config, "linux", oci_json_new (OCI_JSON_OBJECT));
      linux = oci_json_get (config, "linux");
    }
  oci_json *wrap = oci_json_new (OCI_JSON_OBJECT);
  oci_json_append (wrap, "resources", fresh);
  json_overlay (linux, wrap);
  oci_json_free (wrap);
  oci_jw *w = oci_jw_new (0);
  oci_jw_value (w, config);
  oci_json_free (config);
  out = oci_jw_finish (w, &olen);
  if (out == NULL)
    return berth_fail (err, 0, "cannot encode config.json");
  return write_file_atomic_at (dirfd, "config.json", out, olen, 0600, err);
}

int
berth_container_update (const char *root, const char *id, const oci_resources *res, berth_error **err)
{
  opened o;
  int r = open_container (root, id, LOCK_EX, &o, err);
  if (r == 0 && o.status == BERTH_STATUS_STOPPED)
    r = berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", id);
  if (r == 0)
    r = berth_validate_resources (res, err) < 0 ? -1 : berth_cgroup_check (o.cg, res, err);
  if (r == 0)
    r = berth_cgroup_update (o.cg, res, err);
  if (r == 0)
    r = record_resources (o.dirfd, res, err);
  opened_release (&o);
  return r;
}

berth_cgroup *
berth_container_cgroup (const char *root, const char *id, berth_error **err)
{
  opened o;
  berth_cgroup *cg = NULL;
  int r = open_container (root, id, LOCK_SH, &o, err);
  if (r == 0 && o.status == BERTH_STATUS_STOPPED)
    r = berth_fail_kind (err, BERTH_ERR_NOT_RUNNING, 0, "`%s`", id);
  if (r == 0)
    cg = steal_pointer (&o.cg);
  opened_release (&o);
  return cg;
}

bool
berth_container_alive (const char *root, const char *id)
{
  opened o;
  cleanup_error berth_error *ignored = NULL;
  bool alive = open_container (root, id, LOCK_SH, &o, &ignored) == 0 && o.status != BERTH_STATUS_STOPPED;
  opened_release (&o);
  return alive;
}
