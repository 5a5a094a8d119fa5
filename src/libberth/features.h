#ifndef BERTH_FEATURES_H
#define BERTH_FEATURES_H

#include "runtime_spec.h"

/* The runtime-spec features document for this build on this host.  Every
   list is read from the table the runtime itself uses for that concern. */
oci_features *berth_features (void);

/* "+SECCOMP +CAP ..." for --version. */
const char *berth_build_features (void);

#endif
