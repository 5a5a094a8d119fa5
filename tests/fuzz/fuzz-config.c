/* libFuzzer target for libocispec's runtime-spec decoders (checks: roundtrip.h).
 *
 * The input is parsed as config.json.  Whenever it parses, the document is
 * generated (pretty and compact), both outputs must parse again, and a second
 * generation from them must be byte-identical to the first: whatever the
 * decoder accepts, the encoder must be able to write back, stably.  The same
 * input is also fed to the state and features decoders and to the bare JSON
 * parser (whose tree must survive a write/re-read unchanged).  Failed parses
 * must produce an error that starts with the document name.
 *
 * Build and run: make fuzz-run FUZZ_SECONDS=60
 */
#include "runtime_spec.h"
#include "roundtrip.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *buf = (const char *) data;
  fuzz_type (&oci_spec_desc, buf, size, "config.json");
  fuzz_type (&oci_state_desc, buf, size, "state.json");
  fuzz_type (&oci_features_desc, buf, size, "features.json");
  fuzz_json (buf, size);
  return 0;
}
