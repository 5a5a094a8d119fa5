/* Capability names.  One table, read by the config checker, `features`,
   and the code that applies process.capabilities. */
#ifndef BERTH_CAPS_H
#define BERTH_CAPS_H

#include <stddef.h>

typedef struct
{
  const char *name; /* "CAP_CHOWN" */
  int value;
} berth_cap;

extern const berth_cap berth_caps[];
extern const size_t berth_ncaps;
/* The value of a "CAP_..." name, or -1. */
int berth_cap_from_name (const char *name);
/* The name of a capability value, for messages. */
const char *berth_cap_name (int value);

#endif
