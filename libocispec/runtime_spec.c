/* libocispec: the field tables of the runtime-spec types, made from the
   X-macro lists in runtime_spec.h.  Nothing else lives here. */
#include "runtime_spec.h"

OCI_RUNTIME_TYPES (OCI_DEFINE_DESC)
