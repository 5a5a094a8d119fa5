/* String and object maps of libocispec (annotations, sysctl, ...): order
 * kept, the last of repeated keys wins, and a large map decodes whole.
 * (Decoding was quadratic in the number of keys; the time is measured in
 * tests/bench, not asserted here.) */
#include "config.h"

#include "runtime_spec.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static oci_spec *
parse (const char *json, size_t len)
{
  char *perr = NULL;
  oci_spec *s = oci_spec_parse_data (json, len, "config.json", &perr);
  if (s == NULL)
    {
      diag ("parse: %s", perr);
      free (perr);
    }
  return s;
}

static void
test_repeated_keys (void)
{
  const char *json = "{\"ociVersion\": \"1.3.0\", \"annotations\": {\"b\": \"1\", \"a\": \"2\", \"b\": \"3\", "
                     "\"c\": \"4\", \"a\": \"5\"}}";
  oci_spec *s = parse (json, strlen (json));
  const __typeof__ (s->annotations) *m = s ? &s->annotations : NULL;
  bool ok = m && m->len == 3 && strcmp (m->keys[0], "b") == 0 && strcmp (m->values[0], "3") == 0
            && strcmp (m->keys[1], "a") == 0 && strcmp (m->values[1], "5") == 0 && strcmp (m->keys[2], "c") == 0
            && strcmp (m->values[2], "4") == 0;
  tap_ok (ok, "repeated keys: first position kept, last value wins");
  oci_spec_free (s);
}

static void
test_many_keys (void)
{
  enum { N = 100000 };
  size_t cap = (size_t) N * 48 + 256, len = 0;
  char *json = malloc (cap);
  len += (size_t) snprintf (json + len, cap - len, "{\"ociVersion\": \"1.3.0\", \"annotations\": {");
  for (int i = 0; i < N; i++)
    len += (size_t) snprintf (json + len, cap - len, "%s\"org.example.key%d\": \"value%d\"", i ? ", " : "", i, i);
  /* and one repeat at the end, which must replace the first value */
  len += (size_t) snprintf (json + len, cap - len, ", \"org.example.key0\": \"again\"}}");
  oci_spec *s = parse (json, len);
  bool ok = s && s->annotations.len == N;
  for (int i = 0; ok && i < N; i++)
    {
      char k[32], v[32];
      snprintf (k, sizeof k, "org.example.key%d", i);
      snprintf (v, sizeof v, "value%d", i);
      ok = strcmp (s->annotations.keys[i], k) == 0 && strcmp (s->annotations.values[i], i ? v : "again") == 0;
    }
  tap_ok (ok, "100000 annotation keys decode in order, each with its value");
  oci_spec_free (s);
  free (json);
}

static void
test_object_map (void)
{
  const char *json = "{\"ociVersion\": \"1.3.0\", \"linux\": {\"timeOffsets\": {\"monotonic\": {\"secs\": 1}, "
                     "\"boottime\": {\"secs\": 2}, \"monotonic\": {\"secs\": 3}}}}";
  oci_spec *s = parse (json, strlen (json));
  const __typeof__ (s->linux->time_offsets) *m = s && s->linux ? &s->linux->time_offsets : NULL;
  bool ok = m && m->len == 2 && strcmp (m->keys[0], "monotonic") == 0
            && ((oci_time_offset *) m->values[0])->secs == 3 && ((oci_time_offset *) m->values[1])->secs == 2;
  tap_ok (ok, "object maps: repeated key replaces the object");
  oci_spec_free (s);
}

int
main (void)
{
  test_repeated_keys ();
  test_many_keys ();
  test_object_map ();
  return tap_done ();
}
