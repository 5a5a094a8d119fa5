/* Digests: known vectors, streaming equals one-shot, syntax checks. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "libdock/ref/digest.h"
#include "libberth/util.h"
#include "tap.h"

int
main (void)
{
  cleanup_free char *empty = dock_digest_buf (DOCK_DIGEST_SHA256, "", 0);
  tap_ok (strcmp (empty, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
          "sha256 of nothing is the known vector");
  cleanup_free char *abc = dock_digest_buf (DOCK_DIGEST_SHA512, "abc", 3);
  tap_ok (str_has_prefix (abc, "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a") && strlen (abc) == 135,
          "sha512 of abc is the known vector");

  dock_hasher *h = dock_hasher_new (DOCK_DIGEST_SHA256);
  char part[DOCK_DIGEST_MAX], whole[DOCK_DIGEST_MAX];
  dock_hasher_update (h, "hello ", 6);
  dock_hasher_peek (h, part);
  dock_hasher_update (h, "world", 5);
  dock_hasher_peek (h, whole);
  dock_hasher_free (h);
  cleanup_free char *one = dock_digest_buf (DOCK_DIGEST_SHA256, "hello world", 11);
  cleanup_free char *prefix = dock_digest_buf (DOCK_DIGEST_SHA256, "hello ", 6);
  tap_ok (strcmp (whole, one) == 0, "streamed digest equals the one-shot digest");
  tap_ok (strcmp (part, prefix) == 0, "peek gives the digest so far and streaming goes on");

  char tmpl[] = "/tmp/dock-digest-XXXXXX";
  int fd = mkstemp (tmpl);
  unlink (tmpl);
  tap_ok (write (fd, "hello world", 11) == 11 && lseek (fd, 0, SEEK_SET) == 0, "test file written");
  char fromfd[DOCK_DIGEST_MAX];
  off_t size = 0;
  tap_ok (dock_digest_fd (fd, DOCK_DIGEST_SHA256, fromfd, &size, NULL) == 0 && strcmp (fromfd, one) == 0 && size == 11,
          "digest of an fd and its size");
  close (fd);

  tap_ok (dock_digest_valid (one), "a real digest is valid");
  const char *bad[] = { "sha256:abc", "sha256:" "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                        "md5:d41d8cd98f00b204e9800998ecf8427e", "e3b0c442", "" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      berth_error *err = NULL;
      tap_ok (dock_digest_parse (bad[i], NULL, NULL, &err) < 0 && err && strstr (err->msg, "invalid digest"),
              "\"%s\" is refused with a message", bad[i]);
      berth_error_free (err);
    }
  return tap_done ();
}
