#include "config.h"

#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

/* Kept as JSON text: it is the most readable form of a configuration, and
   parsing it goes through the same checks as any user's config.json. */
static const char default_config[] =
  "{"
  "\"ociVersion\": \"" OCI_RUNTIME_SPEC_VERSION "\","
  "\"process\": {"
  "  \"terminal\": true,"
  "  \"user\": {\"uid\": 0, \"gid\": 0},"
  "  \"args\": [\"sh\"],"
  "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\"],"
  "  \"cwd\": \"/\","
  "  \"capabilities\": {"
  "    \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
  "    \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
  "    \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]"
  "  },"
  "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
  "  \"noNewPrivileges\": true"
  "},"
  "\"root\": {\"path\": \"rootfs\", \"readonly\": true},"
  "\"hostname\": \"berth\","
  "\"mounts\": ["
  "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
  "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
  "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
  "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
  "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\"]},"
  "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
  "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
  "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
  "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}"
  "],"
  "\"linux\": {"
  "  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
  "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
  "                 {\"type\": \"uts\"}, {\"type\": \"mount\"}],"
  "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
  "                  \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
  "                  \"/proc/sched_debug\", \"/proc/scsi\", \"/sys/firmware\","
  "                  \"/sys/devices/virtual/powercap\"],"
  "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"]"
  "}"
  "}";

static oci_id_mapping *
identity_of (uint32_t host_id)
{
  oci_id_mapping *m = oci_id_mapping_new ();
  m->container_id = 0, m->container_id_present = true;
  m->host_id = host_id, m->host_id_present = true;
  m->size = 1, m->size_present = true;
  return m;
}

static void
drop_strv_matching (char **v, size_t *len, const char *prefix)
{
  size_t out = 0;
  for (size_t i = 0; i < *len; i++)
    if (str_has_prefix (v[i], prefix))
      free (v[i]);
    else
      v[out++] = v[i];
  *len = out;
  v[out] = NULL;
}

/* An unprivileged user owns one uid and gid: map them to root inside a new
   user namespace, use the host's network (it cannot configure a new one),
   bind /sys instead of mounting a sysfs it may not own, drop the fixed tty
   gid that does not exist in the namespace, and set no cgroup limits (it has
   no cgroup it may write to). */
static void
make_rootless (oci_spec *s)
{
  oci_linux *l = s->linux;
  size_t out = 0;
  for (size_t i = 0; i < l->namespaces_len; i++)
    if (strcmp (l->namespaces[i]->type, "network") == 0)
      oci_namespace_free (l->namespaces[i]);
    else
      l->namespaces[out++] = l->namespaces[i];
  l->namespaces_len = out;
  oci_namespace *user = oci_namespace_new ();
  user->type = xstrdup ("user");
  l->namespaces = xrealloc (l->namespaces, (out + 1) * sizeof *l->namespaces);
  l->namespaces[l->namespaces_len++] = user;

  l->uid_mappings = xcalloc (1, sizeof *l->uid_mappings);
  l->uid_mappings[0] = identity_of (geteuid ());
  l->uid_mappings_len = 1;
  l->gid_mappings = xcalloc (1, sizeof *l->gid_mappings);
  l->gid_mappings[0] = identity_of (getegid ());
  l->gid_mappings_len = 1;

  for (size_t i = 0; i < s->mounts_len; i++)
    {
      oci_mount *m = s->mounts[i];
      if (m->type && strcmp (m->type, "sysfs") == 0)
        {
          free (m->type);
          m->type = xstrdup ("none");
          free (m->source);
          m->source = xstrdup ("/sys");
          strv_free (m->options);
          m->options = NULL;
          m->options_len = 0;
          static const char *const bind_opts[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };
          for (size_t k = 0; k < ARRAY_SIZE (bind_opts); k++)
            oci_strv_append (&m->options, &m->options_len, bind_opts[k]);
        }
      else if (m->options)
        drop_strv_matching (m->options, &m->options_len, "gid=");
    }

  oci_resources_free (l->resources);
  l->resources = NULL;
}

oci_spec *
berth_spec_default (bool rootless, berth_error **err)
{
  char *perr = NULL;
  oci_spec *s = oci_spec_parse_data (default_config, sizeof default_config - 1, "default config", &perr);
  if (s == NULL)
    {
      berth_fail_take (err, 0, perr);
      return NULL;
    }
  /* As runc's spec: a cgroup namespace only where /sys/fs/cgroup is the
     unified hierarchy.  On a v1 or hybrid host the container's view of its
     v1 cgroups through one is not what runc users get, nor what their
     tools expect. */
  struct statfs sf;
  if (statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    {
      oci_linux *l = s->linux;
      oci_namespace *cg = oci_namespace_new ();
      cg->type = xstrdup ("cgroup");
      l->namespaces = xrealloc (l->namespaces, (l->namespaces_len + 1) * sizeof *l->namespaces);
      l->namespaces[l->namespaces_len++] = cg;
    }
  if (rootless)
    make_rootless (s);
  return s;
}

int
berth_spec_write (const char *bundle, bool rootless, berth_error **err)
{
  cleanup_close int dirfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return berth_fail_errno (err, "bundle `%s`", bundle);

  oci_spec *s = berth_spec_default (rootless, err);
  if (s == NULL)
    return -1;
  size_t len = 0;
  cleanup_free char *text = oci_spec_generate (s, OCI_JW_PRETTY, &len);
  oci_spec_free (s);
  if (text == NULL)
    return berth_fail (err, 0, "cannot generate the default config");

  /* O_EXCL: an existing config.json is the user's work; never overwrite it. */
  cleanup_close int fd = openat (dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno == EEXIST)
    return berth_fail (err, 0, "%s/config.json: file exists (remove it first)", bundle);
  if (fd < 0)
    return berth_fail_errno (err, "create %s/config.json", bundle);
  if (write_all (fd, text, len) < 0)
    {
      int e = errno;
      unlinkat (dirfd, "config.json", 0);
      return berth_fail (err, e, "write %s/config.json", bundle);
    }
  return 0;
}

int
berth_config_read_at (int dirfd, const char *name, char **text, size_t *len, berth_error **err)
{
  /* O_NONBLOCK: opening a fifo must not wait for a writer. */
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return berth_fail_errno (err, "open `%s`", name);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return berth_fail_errno (err, "stat `%s`", name);
  if (!S_ISREG (st.st_mode))
    return berth_fail (err, 0, "%s: not a regular file", name);
  if (st.st_size > OCI_MAX_FILE_SIZE)
    return berth_fail (err, 0, "%s: %lld bytes is larger than the " OCI_MAX_FILE_SIZE_TEXT " cap", name,
                       (long long) st.st_size);
  if (read_all_fd (fd, text, len, err) < 0)
    return berth_error_wrap (err, "%s", name);
  /* A file that grew after fstat is held to the cap as well. */
  if (*len > OCI_MAX_FILE_SIZE)
    {
      free (*text);
      *text = NULL;
      return berth_fail (err, 0, "%s: larger than the " OCI_MAX_FILE_SIZE_TEXT " cap", name);
    }
  return 0;
}
