/* Unit tests for the LSM label checks and mount data of
 * src/libberth/linux/lsm.c, and the fd helper of util.c: no LSM needed. */
#include "config.h"

#include "libberth/linux/lsm.h"
#include "libberth/util.h"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* s on one TAP line: control characters as '?'. */
static const char *
shown (const char *s)
{
  static char buf[256];
  size_t i = 0;
  for (; s[i] && i < sizeof buf - 1; i++)
    buf[i] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  buf[i] = '\0';
  return buf;
}

static void
context (const char *s, bool want)
{
  tap_ok (berth_selinux_context_valid (s) == want, "SELinux context `%s` is %s", shown (s),
          want ? "valid" : "refused");
}

static void
profile (const char *s, bool want)
{
  tap_ok (berth_apparmor_profile_valid (s) == want, "AppArmor profile `%s` is %s", shown (s),
          want ? "valid" : "refused");
}

static void
mount_data (const char *type, const char *data, const char *label, const char *want)
{
  char *got = berth_lsm_mount_data (type, data, label);
  bool same = (got == NULL && want == NULL) || (got && want && strcmp (got, want) == 0);
  tap_ok (same, "mount data of %s with `%s` and label `%s`", type, data ? data : "(none)", label ? label : "(none)");
  if (!same)
    diag ("got `%s`, want `%s`", got ? got : "(null)", want ? want : "(null)");
  free (got);
}

static void
test_close_fds_except (void)
{
  int fds[6];
  for (int i = 0; i < 6; i++)
    fds[i] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  int keep[] = { fds[4], -1, fds[1], fds[4], 2 };
  pid_t pid = fork ();
  if (pid == 0)
    {
      close_fds_except (keep, 5);
      int open_ok = 0, closed_ok = 0;
      for (int i = 0; i < 6; i++)
        {
          bool kept = i == 1 || i == 4;
          bool open_now = fcntl (fds[i], F_GETFD) >= 0;
          open_ok += kept && open_now;
          closed_ok += !kept && !open_now;
        }
      _exit (open_ok == 2 && closed_ok == 4 && fcntl (2, F_GETFD) >= 0 ? 0 : 1);
    }
  int status = -1;
  waitpid (pid, &status, 0);
  tap_ok (status == 0, "close_fds_except keeps exactly the fds listed (unsorted, repeated, negative)");
  for (int i = 0; i < 6; i++)
    close (fds[i]);
}

int
main (void)
{
  context ("system_u:system_r:container_t", true);
  context ("system_u:system_r:container_t:s0", true);
  context ("system_u:system_r:container_t:s0:c1,c2", true);
  context ("system_u:system_r:container_t:s0-s0:c0.c1023", true);
  context ("unconfined_u:unconfined_r:unconfined_t:SystemLow-SystemHigh", true);
  context ("container_t", false);
  context ("system_u:system_r", false);
  context ("system_u::container_t", false);
  context (":system_r:container_t", false);
  context ("system_u:system_r:container_t:", false);
  context ("system_u:system_r:container_t:s0 c1", false);
  context ("system_u:system_r:container_t\n", false);
  context ("system_u:system_r:contain/er_t", false);
  context ("", false);

  profile ("unconfined", true);
  profile ("docker-default", true);
  profile ("/usr/bin/foo", true);
  profile ("outer//hat", true);
  profile (":ns:profile", true);
  profile ("with inner space", true);
  profile ("", false);
  profile (" leading", false);
  profile ("trailing ", false);
  profile ("new\nline", false);
  profile ("del\x7f", false);

  const char *label = "system_u:object_r:container_file_t:s0:c1,c2";
  mount_data ("tmpfs", "size=1m", label, "size=1m,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
  mount_data ("devpts", NULL, label, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
  mount_data ("mqueue", "", label, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
  mount_data ("proc", NULL, label, NULL);
  mount_data ("sysfs", "ro", label, "ro");
  mount_data ("tmpfs", "size=1m", NULL, "size=1m");
  mount_data ("tmpfs", "size=1m", "", "size=1m");
  mount_data ("tmpfs", "rootcontext=system_u:object_r:x_t:s0,size=1m", label,
              "rootcontext=system_u:object_r:x_t:s0,size=1m");
  mount_data ("tmpfs", "context=\"a:b:c:s0:c1,c2\"", label, "context=\"a:b:c:s0:c1,c2\"");
  tap_ok (berth_lsm_mount_takes_label ("tmpfs", "mode=755", label), "a tmpfs takes the mount label");
  tap_ok (!berth_lsm_mount_takes_label ("tmpfs", "fscontext=a:b:c", label), "not when it has fscontext=");

  test_close_fds_except ();
  return tap_done ();
}
