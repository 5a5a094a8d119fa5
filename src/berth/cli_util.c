/* The few generic helpers the CLI needs of its own. */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

int
cli_parse_count (const char *s, unsigned long long *out)
{
  if (*s < '0' || *s > '9')
    return -1;
  char *end;
  errno = 0;
  *out = strtoull (s, &end, 10);
  return errno || *end ? -1 : 0;
}

int
cli_read_fd (int fd, char **out, size_t *len, berth_error **err)
{
  size_t cap = 4096, n = 0;
  char *buf = oci_xmalloc (cap);
  for (;;)
    {
      if (n + 1 >= cap)
        buf = oci_xrealloc (buf, cap *= 2);
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          free (buf);
          return berth_fail (err, errno, "read");
        }
      if (r == 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

int
cli_read_path (const char *path, char **out, size_t *len, berth_error **err)
{
  if (strcmp (path, "-") == 0)
    return cli_read_fd (0, out, len, err);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return berth_fail (err, errno, "open %s", path);
  if (cli_read_fd (fd, out, len, err) < 0)
    return berth_error_wrap (err, "%s", path);
  return 0;
}
