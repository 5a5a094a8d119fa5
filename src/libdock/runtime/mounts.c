/* The mounts and devices a user asks for: -v, --mount, --tmpfs and
   --device, with docker's syntax and messages (docker's cli/opts and the
   daemon's volume parser for Linux). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "spec.h"
#include "libberth/util.h"

static const char *const propagations[] = { "shared", "rshared", "slave", "rslave", "private", "rprivate", NULL };

static bool
in_list (const char *const *l, const char *s)
{
  for (; *l; l++)
    if (strcmp (*l, s) == 0)
      return true;
  return false;
}

static oci_mount *
add_mount (oci_spec *spec, const char *dest, const char *type, const char *source)
{
  /* A user mount replaces a default one at the same place (docker drops
     its defaults under user mounts, e.g. -v x:/dev/shm). */
  for (size_t i = 0; i < spec->mounts_len; i++)
    if (strcmp (spec->mounts[i]->destination, dest) == 0)
      {
        oci_mount_free (spec->mounts[i]);
        memmove (&spec->mounts[i], &spec->mounts[i + 1], (spec->mounts_len - i - 1) * sizeof *spec->mounts);
        spec->mounts_len--;
        break;
      }
  oci_mount *m = oci_mount_new ();
  m->destination = xstrdup (dest);
  m->type = xstrdup (type);
  m->source = xstrdup (source);
  spec->mounts = xrealloc (spec->mounts, (spec->mounts_len + 1) * sizeof *spec->mounts);
  spec->mounts[spec->mounts_len++] = m;
  return m;
}

static void
opt (oci_mount *m, const char *o)
{
  oci_strv_append (&m->options, &m->options_len, o);
}

/* ------------------------------------------------------------------- -v */

typedef struct
{
  char *source; /* host path, volume name, or NULL (anonymous) */
  char *dest;
  bool ro;
  char *propagation;
  bool bind;
} volume_spec;

static void
volume_spec_clear (volume_spec *v)
{
  free (v->source);
  free (v->dest);
  free (v->propagation);
}

/* [SOURCE:]DEST[:OPTIONS]; OPTIONS: ro rw z Z nocopy and a propagation. */
static int
parse_volume (const char *text, volume_spec *out, berth_error **err)
{
  *out = (volume_spec){ 0 };
  cleanup_strv char **parts = NULL;
  size_t n = 0;
  cleanup_free char *copy = xstrdup (text);
  for (char *save = NULL, *p = strtok_r (copy, ":", &save); p; p = strtok_r (NULL, ":", &save))
    oci_strv_append (&parts, &n, p);
  if (n == 0 || n > 3 || strchr (text, ':') == text)
    return berth_fail (err, 0, "invalid spec: %s: %s", text, n > 3 ? "too many colons" : "empty section between colons");
  const char *options = NULL;
  if (n == 1)
    out->dest = xstrdup (parts[0]);
  else if (n == 2 && parts[1][0] == '/')
    {
      out->source = xstrdup (parts[0]);
      out->dest = xstrdup (parts[1]);
    }
  else if (n == 2)
    {
      out->dest = xstrdup (parts[0]);
      options = parts[1];
    }
  else
    {
      out->source = xstrdup (parts[0]);
      out->dest = xstrdup (parts[1]);
      options = parts[2];
    }
  if (out->dest[0] != '/')
    {
      int r = berth_fail (err, 0, "invalid mount config for type \"%s\": invalid mount path: '%s' mount path must be "
                                  "absolute",
                          out->source && out->source[0] == '/' ? "bind" : "volume", out->dest);
      volume_spec_clear (out);
      return r;
    }
  if (strcmp (out->dest, "/") == 0)
    {
      volume_spec_clear (out);
      return berth_fail (err, 0, "invalid specification: destination can't be '/' in '%s'", text);
    }
  out->bind = out->source && out->source[0] == '/';
  if (options)
    {
      cleanup_free char *ocopy = xstrdup (options);
      for (char *save = NULL, *o = strtok_r (ocopy, ",", &save); o; o = strtok_r (NULL, ",", &save))
        {
          if (strcmp (o, "ro") == 0)
            out->ro = true;
          else if (strcmp (o, "rw") == 0 || strcmp (o, "z") == 0 || strcmp (o, "Z") == 0
                   || (strcmp (o, "nocopy") == 0 && !out->bind))
            ; /* z/Z relabel for SELinux: dock runs without it (docs/dock-vs-docker.md) */
          else if (in_list (propagations, o) && out->bind)
            {
              free (out->propagation);
              out->propagation = xstrdup (o);
            }
          else
            {
              volume_spec_clear (out);
              return berth_fail (err, 0, "invalid mode: %s", o);
            }
        }
    }
  return 0;
}

int
dock_check_volume (const char *spec, berth_error **err)
{
  volume_spec v;
  if (parse_volume (spec, &v, err) < 0)
    return -1;
  volume_spec_clear (&v);
  return 0;
}

/* ---------------------------------------------------------------- --mount */

typedef struct
{
  char *type, *source, *target, *propagation, *tmpfs_size, *tmpfs_mode;
  bool ro, nonrecursive;
} mount_spec;

static void
mount_spec_clear (mount_spec *m)
{
  free (m->type);
  free (m->source);
  free (m->target);
  free (m->propagation);
  free (m->tmpfs_size);
  free (m->tmpfs_mode);
}

static bool
truth (const char *v, bool *out)
{
  if (v == NULL || strcmp (v, "true") == 0 || strcmp (v, "1") == 0)
    *out = true;
  else if (strcmp (v, "false") == 0 || strcmp (v, "0") == 0)
    *out = false;
  else
    return false;
  return true;
}

/* docker's csv of key=value: type, source|src, target|destination|dst,
   readonly|ro, bind-propagation, bind-recursive, tmpfs-size, tmpfs-mode,
   volume-nocopy, consistency.  Errors are pflag's for the --mount flag. */
static int
parse_mount (const char *text, mount_spec *out, berth_error **err)
{
  *out = (mount_spec){ 0 };
  cleanup_free char *copy = xstrdup (text);
  cleanup_free char *why = NULL;
  for (char *save = NULL, *kv = strtok_r (copy, ",", &save); kv && why == NULL; kv = strtok_r (NULL, ",", &save))
    {
      char *val = strchr (kv, '=');
      if (val)
        *val++ = '\0';
      char **slot = NULL;
      if (strcmp (kv, "type") == 0)
        slot = &out->type;
      else if (strcmp (kv, "source") == 0 || strcmp (kv, "src") == 0)
        slot = &out->source;
      else if (strcmp (kv, "target") == 0 || strcmp (kv, "destination") == 0 || strcmp (kv, "dst") == 0)
        slot = &out->target;
      else if (strcmp (kv, "bind-propagation") == 0)
        slot = &out->propagation;
      else if (strcmp (kv, "tmpfs-size") == 0)
        slot = &out->tmpfs_size;
      else if (strcmp (kv, "tmpfs-mode") == 0)
        slot = &out->tmpfs_mode;
      else if (strcmp (kv, "readonly") == 0 || strcmp (kv, "ro") == 0)
        {
          if (!truth (val, &out->ro))
            why = xasprintf ("invalid value for %s: %s", kv, val);
          continue;
        }
      else if (strcmp (kv, "bind-recursive") == 0)
        {
          out->nonrecursive = val && strcmp (val, "disabled") == 0;
          continue;
        }
      else if (strcmp (kv, "volume-nocopy") == 0 || strcmp (kv, "consistency") == 0)
        continue;
      else
        {
          why = xasprintf ("unexpected key '%s' in '%s%s%s'", kv, kv, val ? "=" : "", val ? val : "");
          continue;
        }
      if (val == NULL)
        why = xasprintf ("invalid field '%s' must be a key=value pair", kv);
      else
        {
          free (*slot);
          *slot = xstrdup (val);
        }
    }
  if (why == NULL && out->type == NULL)
    why = xstrdup ("type is required");
  if (why == NULL && strcmp (out->type, "bind") != 0 && strcmp (out->type, "volume") != 0
      && strcmp (out->type, "tmpfs") != 0)
    why = xasprintf ("invalid mount type: %s", out->type); /* npipe, cluster, image: not on dock */
  if (why == NULL && out->target == NULL)
    why = xstrdup ("target is required");
  if (why == NULL && out->propagation && !in_list (propagations, out->propagation))
    why = xasprintf ("invalid propagation mode: %s", out->propagation);
  if (why == NULL && strcmp (out->type, "bind") == 0 && out->source == NULL)
    why = xstrdup ("source is required when specifying bind mount");
  if (why == NULL && out->tmpfs_size)
    {
      int64_t b;
      if (dock_parse_bytes (out->tmpfs_size, &b) < 0)
        why = xasprintf ("invalid value for tmpfs-size: %s", out->tmpfs_size);
    }
  if (why)
    {
      mount_spec_clear (out);
      return berth_fail (err, 0, "invalid argument \"%s\" for \"--mount\" flag: %s", text, why);
    }
  return 0;
}

int
dock_check_mount (const char *spec, berth_error **err)
{
  mount_spec m;
  if (parse_mount (spec, &m, err) < 0)
    return -1;
  mount_spec_clear (&m);
  return 0;
}

/* --------------------------------------------------------------- applying */

static int
add_bind (oci_spec *spec, const char *source, const char *dest, bool ro, const char *propagation, bool recursive)
{
  oci_mount *m = add_mount (spec, dest, "bind", source);
  opt (m, recursive ? "rbind" : "bind");
  opt (m, propagation ? propagation : "rprivate");
  if (ro)
    opt (m, "ro");
  return 0;
}

static int
add_volume (oci_spec *spec, const dock_spec_ctx *ctx, const char *name, const char *dest, bool ro, berth_error **err)
{
  if (ctx->volume == NULL)
    return berth_fail (err, 0, "%s volumes are not supported yet (%s)", name ? "named" : "anonymous", dest);
  cleanup_free char *dir = ctx->volume (ctx->volume_data, name, dest, err);
  if (dir == NULL)
    return -1;
  return add_bind (spec, dir, dest, ro, NULL, true);
}

static void
add_tmpfs (oci_spec *spec, const char *dest, const char *options)
{
  oci_mount *m = add_mount (spec, dest, "tmpfs", "tmpfs");
  /* docker's defaults for --tmpfs; the user's options come after and win. */
  opt (m, "noexec");
  opt (m, "nosuid");
  opt (m, "nodev");
  if (options)
    {
      cleanup_free char *copy = xstrdup (options);
      for (char *save = NULL, *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
        opt (m, o);
    }
}

int
dock_spec_add_user_mounts (oci_spec *spec, const dock_run_opts *o, const dock_spec_ctx *ctx, berth_error **err)
{
  if (o->volumes_from.n)
    return berth_fail (err, 0, "--volumes-from %s: not supported yet (needs containers in the store)",
                       o->volumes_from.v[0]);
  for (size_t i = 0; i < o->tmpfs.n; i++)
    {
      cleanup_free char *dest = xstrdup (o->tmpfs.v[i]);
      char *options = strchr (dest, ':');
      if (options)
        *options++ = '\0';
      if (dest[0] != '/')
        return berth_fail (err, 0, "invalid mount config for type \"tmpfs\": invalid mount path: '%s' mount path "
                                   "must be absolute",
                           dest);
      add_tmpfs (spec, dest, options);
    }
  for (size_t i = 0; i < o->volume.n; i++)
    {
      volume_spec v;
      if (parse_volume (o->volume.v[i], &v, err) < 0)
        return -1;
      int r = 0;
      if (v.bind)
        {
          /* docker creates a missing host directory of -v (not of --mount). */
          struct stat st;
          if (stat (v.source, &st) < 0 && mkdir (v.source, 0755) < 0 && errno != EEXIST)
            r = berth_fail_errno (err, "create mountpoint for %s mount: mkdir %s", v.dest, v.source);
          else
            r = add_bind (spec, v.source, v.dest, v.ro, v.propagation, true);
        }
      else
        r = add_volume (spec, ctx, v.source, v.dest, v.ro, err);
      volume_spec_clear (&v);
      if (r < 0)
        return -1;
    }
  for (size_t i = 0; i < o->mount.n; i++)
    {
      mount_spec m;
      if (parse_mount (o->mount.v[i], &m, err) < 0)
        return -1;
      int r = 0;
      struct stat st;
      if (strcmp (m.type, "bind") == 0 && stat (m.source, &st) < 0)
        r = berth_fail (err, 0, "invalid mount config for type \"bind\": bind source path does not exist: %s",
                        m.source);
      else if (strcmp (m.type, "bind") == 0)
        r = add_bind (spec, m.source, m.target, m.ro, m.propagation, !m.nonrecursive);
      else if (strcmp (m.type, "volume") == 0)
        r = add_volume (spec, ctx, m.source, m.target, m.ro, err);
      else
        {
          cleanup_free char *options = NULL;
          int64_t size = 0;
          if (m.tmpfs_size && dock_parse_bytes (m.tmpfs_size, &size) == 0)
            options = xasprintf ("size=%lld%s%s", (long long) size, m.tmpfs_mode ? ",mode=" : "",
                                 m.tmpfs_mode ? m.tmpfs_mode : "");
          else if (m.tmpfs_mode)
            options = xasprintf ("mode=%s", m.tmpfs_mode);
          add_tmpfs (spec, m.target, options);
          if (m.ro)
            opt (spec->mounts[spec->mounts_len - 1], "ro");
        }
      mount_spec_clear (&m);
      if (r < 0)
        return -1;
    }
  return 0;
}

/* --------------------------------------------------------------- --device */

/* HOST[:CONTAINER][:PERMS], PERMS a non-empty subset of "rwm". */
static int
split_device (const char *text, char **host, char **ctr, char **perms, berth_error **err)
{
  cleanup_strv char **parts = NULL;
  size_t n = 0;
  cleanup_free char *copy = xstrdup (text);
  for (char *save = NULL, *p = strtok_r (copy, ":", &save); p; p = strtok_r (NULL, ":", &save))
    oci_strv_append (&parts, &n, p);
  if (n == 0 || n > 3)
    return berth_fail (err, 0, "invalid argument \"%s\" for \"--device\" flag: bad format for path: %s", text, text);
  const char *p = n == 3 ? parts[2] : n == 2 && parts[1][0] != '/' ? parts[1] : "rwm";
  const char *c = n >= 2 && parts[1][0] == '/' ? parts[1] : parts[0];
  if (*p == '\0' || strspn (p, "rwm") != strlen (p))
    return berth_fail (err, 0, "invalid argument \"%s\" for \"--device\" flag: bad mode specified: %s", text, p);
  if (parts[0][0] != '/' || c[0] != '/')
    return berth_fail (err, 0, "invalid argument \"%s\" for \"--device\" flag: bad format for path: %s", text,
                       parts[0][0] != '/' ? parts[0] : c);
  *host = xstrdup (parts[0]);
  *ctr = xstrdup (c);
  *perms = xstrdup (p);
  return 0;
}

int
dock_check_device (const char *spec, berth_error **err)
{
  cleanup_free char *h = NULL, *c = NULL, *p = NULL;
  return split_device (spec, &h, &c, &p, err);
}

static void
add_device_node (oci_spec *spec, const char *ctr_path, const struct stat *st, const char *perms)
{
  oci_linux *lx = spec->linux;
  oci_device *d = oci_device_new ();
  d->type = xstrdup (S_ISBLK (st->st_mode) ? "b" : "c");
  d->path = xstrdup (ctr_path);
  d->major = major (st->st_rdev);
  d->minor = minor (st->st_rdev);
  d->major_present = d->minor_present = true;
  d->file_mode = st->st_mode & 07777;
  d->file_mode_present = true;
  d->uid = st->st_uid;
  d->gid = st->st_gid;
  d->uid_present = d->gid_present = true;
  lx->devices = xrealloc (lx->devices, (lx->devices_len + 1) * sizeof *lx->devices);
  lx->devices[lx->devices_len++] = d;
  if (lx->resources)
    {
      oci_device_cgroup *r = oci_device_cgroup_new ();
      r->allow = r->allow_present = true;
      r->type = xstrdup (d->type);
      r->major = d->major;
      r->minor = d->minor;
      r->major_present = r->minor_present = true;
      r->access = xstrdup (perms);
      oci_resources *res = lx->resources;
      res->devices = xrealloc (res->devices, (res->devices_len + 1) * sizeof *res->devices);
      res->devices[res->devices_len++] = r;
    }
}

/* A directory: every device node under it (docker's --device /dev/snd). */
static int
add_device_tree (oci_spec *spec, const char *host, const char *ctr, const char *perms, int depth, berth_error **err)
{
  struct stat st;
  if (stat (host, &st) < 0)
    return berth_fail (err, 0, "error gathering device information while adding custom device \"%s\": %s", host,
                       strerror (errno));
  if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
    {
      add_device_node (spec, ctr, &st, perms);
      return 0;
    }
  if (!S_ISDIR (st.st_mode) || depth > 8)
    return depth ? 0 : berth_fail (err, 0, "error gathering device information while adding custom device \"%s\": "
                                           "not a device node", host);
  cleanup_closedir DIR *dir = opendir (host);
  if (dir == NULL)
    return berth_fail_errno (err, "open %s", host);
  for (struct dirent *e; (e = readdir (dir));)
    {
      if (e->d_name[0] == '.')
        continue;
      cleanup_free char *h = xasprintf ("%s/%s", host, e->d_name), *c = xasprintf ("%s/%s", ctr, e->d_name);
      if (add_device_tree (spec, h, c, perms, depth + 1, err) < 0)
        return -1;
    }
  return 0;
}

int
dock_spec_add_devices (oci_spec *spec, const dock_run_opts *o, berth_error **err)
{
  if (o->privileged)
    {
      /* docker's privileged: every host device (not the per-mount
         instances pts, shm, mqueue). */
      static const char *const top[] = { "/dev", NULL };
      cleanup_closedir DIR *dir = opendir (top[0]);
      for (struct dirent *e; dir && (e = readdir (dir));)
        {
          if (e->d_name[0] == '.' || strcmp (e->d_name, "pts") == 0 || strcmp (e->d_name, "shm") == 0
              || strcmp (e->d_name, "mqueue") == 0 || strcmp (e->d_name, "console") == 0
              || strcmp (e->d_name, "ptmx") == 0 || strcmp (e->d_name, "fd") == 0)
            continue;
          cleanup_free char *p = xasprintf ("/dev/%s", e->d_name);
          struct stat st;
          if (lstat (p, &st) == 0 && (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
            add_device_node (spec, p, &st, "rwm");
        }
    }
  for (size_t i = 0; i < o->device.n; i++)
    {
      cleanup_free char *host = NULL, *ctr = NULL, *perms = NULL;
      if (split_device (o->device.v[i], &host, &ctr, &perms, err) < 0
          || add_device_tree (spec, host, ctr, perms, 0, err) < 0)
        return -1;
    }
  return 0;
}
