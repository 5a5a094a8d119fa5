/* SHA-256 against the FIPS 180-4 examples, fed whole and in odd pieces
   (the block buffering is where a hand-written hash goes wrong). */
#include "config.h"

#include "../../src/libberth/sha256.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void
hash_in_pieces (const char *data, size_t len, size_t piece, char hex[65])
{
  berth_sha256 c;
  uint8_t d[BERTH_SHA256_LEN];
  berth_sha256_init (&c);
  for (size_t off = 0; off < len; off += piece)
    berth_sha256_update (&c, data + off, len - off < piece ? len - off : piece);
  berth_sha256_final (&c, d);
  berth_sha256_hex (d, hex);
}

int
main (void)
{
  static const struct
  {
    const char *text;
    const char *digest;
  } cases[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
  };
  static const size_t pieces[] = { 1, 3, 63, 64, 65, 1000 };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++)
      {
        char hex[65];
        hash_in_pieces (cases[i].text, strlen (cases[i].text), pieces[p], hex);
        tap_ok (strcmp (hex, cases[i].digest) == 0, "sha256 of example %zu in pieces of %zu", i, pieces[p]);
        if (strcmp (hex, cases[i].digest) != 0)
          diag ("got %s", hex);
      }
  /* A million 'a's: many blocks, and a length past 2^23 bits. */
  size_t n = 1000000;
  char *a = malloc (n);
  memset (a, 'a', n);
  char hex[65];
  hash_in_pieces (a, n, 4099, hex);
  tap_ok (strcmp (hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
          "sha256 of a million a's");
  /* 55, 56 and 64 bytes: the padding needs one block or two. */
  static const struct
  {
    size_t len;
    const char *digest;
  } edges[] = {
    { 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
    { 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
    { 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
  };
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
    {
      hash_in_pieces (a, edges[i].len, 7, hex);
      tap_ok (strcmp (hex, edges[i].digest) == 0, "sha256 of %zu a's", edges[i].len);
    }
  free (a);
  return tap_done ();
}
