#include "config.h"

#include "tarwriter.h"
#include "libberth/util.h"

#include <errno.h>
#include <string.h>

static void
octal (char *field, size_t width, uint64_t v)
{
  /* width-1 digits and a NUL; larger sizes use GNU's base-256. */
  if (v >> (3 * (width - 1)))
    {
      memset (field, 0, width);
      field[0] = (char) 0x80;
      for (size_t i = width - 1; i > 0; i--, v >>= 8)
        field[i] = (char) (v & 0xff);
      return;
    }
  snprintf (field, width, "%0*llo", (int) (width - 1), (unsigned long long) v);
}

static int
header (int fd, const char *name, char type, int mode, uint64_t size, berth_error **err)
{
  char h[512] = { 0 };
  size_t n = strlen (name);
  if (n > 100)
    return berth_fail (err, 0, "archive entry name too long: %s", name);
  memcpy (h, name, n);
  octal (h + 100, 8, (uint64_t) mode);
  octal (h + 108, 8, 0);
  octal (h + 116, 8, 0);
  octal (h + 124, 12, size);
  octal (h + 136, 12, 0);
  h[156] = type;
  memcpy (h + 257, "ustar", 6);
  memcpy (h + 263, "00", 2);
  memset (h + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < sizeof h; i++)
    sum += (unsigned char) h[i];
  snprintf (h + 148, 8, "%06o", sum);
  h[155] = ' ';
  if (write_all (fd, h, sizeof h) < 0)
    return berth_fail_errno (err, "write the archive");
  return 0;
}

static int
pad (int fd, uint64_t size, berth_error **err)
{
  static const char zeros[512];
  size_t rest = (size_t) ((512 - size % 512) % 512);
  if (rest && write_all (fd, zeros, rest) < 0)
    return berth_fail_errno (err, "write the archive");
  return 0;
}

int
tar_write_dir (int fd, const char *name, berth_error **err)
{
  return header (fd, name, '5', 0755, 0, err);
}

int
tar_write_buffer (int fd, const char *name, const void *buf, size_t len, berth_error **err)
{
  if (header (fd, name, '0', 0644, len, err) < 0)
    return -1;
  if (write_all (fd, buf, len) < 0)
    return berth_fail_errno (err, "write the archive");
  return pad (fd, len, err);
}

int
tar_write_fd (int fd, const char *name, int srcfd, int64_t size, berth_error **err)
{
  if (header (fd, name, '0', 0644, (uint64_t) size, err) < 0)
    return -1;
  char buf[1 << 16];
  int64_t left = size;
  while (left > 0)
    {
      ssize_t n = read (srcfd, buf, left < (int64_t) sizeof buf ? (size_t) left : sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return berth_fail (err, n < 0 ? errno : 0, "read %s for the archive%s", name, n == 0 ? ": file shrank" : "");
      if (write_all (fd, buf, (size_t) n) < 0)
        return berth_fail_errno (err, "write the archive");
      left -= n;
    }
  return pad (fd, (uint64_t) size, err);
}

int
tar_finish (int fd, berth_error **err)
{
  static const char zeros[1024];
  if (write_all (fd, zeros, sizeof zeros) < 0)
    return berth_fail_errno (err, "write the archive");
  return 0;
}
