#include "config.h"

#include "mempolicy.h"
#include "sched.h"
#include "../util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's values (uapi linux/mempolicy.h), spelled out: the installed
   header may predate MPOL_WEIGHTED_INTERLEAVE. */
enum
{
  MODE_DEFAULT = 0,
  MODE_PREFERRED = 1,
  MODE_BIND = 2,
  MODE_INTERLEAVE = 3,
  MODE_LOCAL = 4,
  MODE_PREFERRED_MANY = 5,
  MODE_WEIGHTED_INTERLEAVE = 6,
  FLAG_NUMA_BALANCING = 1 << 13,
  FLAG_RELATIVE_NODES = 1 << 14,
  FLAG_STATIC_NODES = 1 << 15,
};

const berth_mpol_name berth_mpol_modes[] = {
  { "MPOL_DEFAULT", MODE_DEFAULT },
  { "MPOL_BIND", MODE_BIND },
  { "MPOL_INTERLEAVE", MODE_INTERLEAVE },
  { "MPOL_WEIGHTED_INTERLEAVE", MODE_WEIGHTED_INTERLEAVE },
  { "MPOL_PREFERRED", MODE_PREFERRED },
  { "MPOL_PREFERRED_MANY", MODE_PREFERRED_MANY },
  { "MPOL_LOCAL", MODE_LOCAL },
};
const size_t berth_n_mpol_modes = ARRAY_SIZE (berth_mpol_modes);

const berth_mpol_name berth_mpol_flags[] = {
  { "MPOL_F_NUMA_BALANCING", FLAG_NUMA_BALANCING },
  { "MPOL_F_RELATIVE_NODES", FLAG_RELATIVE_NODES },
  { "MPOL_F_STATIC_NODES", FLAG_STATIC_NODES },
};
const size_t berth_n_mpol_flags = ARRAY_SIZE (berth_mpol_flags);

/* Node numbers up to the kernel's largest MAX_NUMNODES (NODES_SHIFT 10). */
#define MAX_NODES 1024
typedef struct
{
  unsigned long bits[MAX_NODES / (8 * sizeof (unsigned long))];
} node_mask;

static const berth_mpol_name *
find (const berth_mpol_name *t, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (t[i].name, name) == 0)
      return &t[i];
  return NULL;
}

static bool
mask_empty (const node_mask *m)
{
  for (size_t i = 0; i < ARRAY_SIZE (m->bits); i++)
    if (m->bits[i])
      return false;
  return true;
}

static bool
mask_has (const node_mask *m, size_t node)
{
  return (m->bits[node / (8 * sizeof (unsigned long))] >> (node % (8 * sizeof (unsigned long)))) & 1;
}

/* The mode, the flag bits and the nodes, or an error naming the field. */
static int
decode (const oci_memory_policy *mp, int *mode, int *flags, node_mask *nodes, berth_error **err)
{
  const berth_mpol_name *m = mp->mode ? find (berth_mpol_modes, berth_n_mpol_modes, mp->mode) : NULL;
  if (m == NULL)
    return berth_fail (err, 0, "linux.memoryPolicy.mode: unknown mode `%s`", mp->mode ? mp->mode : "");
  *mode = m->value;
  *flags = 0;
  for (size_t i = 0; i < mp->flags_len; i++)
    {
      const berth_mpol_name *f = find (berth_mpol_flags, berth_n_mpol_flags, mp->flags[i]);
      if (f == NULL)
        return berth_fail (err, 0, "linux.memoryPolicy.flags[%zu]: unknown flag `%s`", i, mp->flags[i]);
      *flags |= f->value;
    }
  memset (nodes, 0, sizeof *nodes);
  if (mp->nodes && *mp->nodes && !berth_parse_cpu_list (mp->nodes, nodes->bits, sizeof nodes->bits))
    return berth_fail (err, 0, "linux.memoryPolicy.nodes: `%s` is not a node list (like 0-3,7; nodes 0 to %d)",
                       mp->nodes, MAX_NODES - 1);
  return 0;
}

/* The host's memory nodes; a kernel without NUMA has node 0 alone. */
static void
online_nodes (node_mask *online)
{
  cleanup_free char *text = NULL;
  size_t len;
  cleanup_error berth_error *ignored = NULL;
  memset (online, 0, sizeof *online);
  if (read_file_at (AT_FDCWD, "/sys/devices/system/node/online", &text, &len, &ignored) == 0)
    {
      text[strcspn (text, "\n")] = '\0';
      if (berth_parse_cpu_list (text, online->bits, sizeof online->bits))
        return;
    }
  online->bits[0] = 1;
}

int
berth_mempolicy_check (const oci_memory_policy *mp, berth_error **err)
{
  if (mp == NULL)
    return 0;
  int mode, flags;
  node_mask nodes;
  if (decode (mp, &mode, &flags, &nodes, err) < 0)
    return -1;
  bool none = mask_empty (&nodes);
  const int placement = FLAG_STATIC_NODES | FLAG_RELATIVE_NODES;
  if ((mode == MODE_DEFAULT || mode == MODE_LOCAL) && !none)
    return berth_fail (err, 0, "linux.memoryPolicy.nodes: %s takes no nodes", mp->mode);
  if (mode == MODE_DEFAULT && flags)
    return berth_fail (err, 0, "linux.memoryPolicy.flags: MPOL_DEFAULT takes no flags");
  if ((mode == MODE_LOCAL || (mode == MODE_PREFERRED && none)) && (flags & placement))
    return berth_fail (err, 0, "linux.memoryPolicy.flags: %s without nodes takes neither MPOL_F_STATIC_NODES nor "
                       "MPOL_F_RELATIVE_NODES", mp->mode);
  if (none && mode != MODE_DEFAULT && mode != MODE_LOCAL && mode != MODE_PREFERRED)
    return berth_fail (err, 0, "linux.memoryPolicy.nodes: %s needs at least one node", mp->mode);
  if ((flags & placement) == placement)
    return berth_fail (err, 0, "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude "
                       "each other");
  if ((flags & FLAG_NUMA_BALANCING) && mode != MODE_BIND && mode != MODE_PREFERRED_MANY)
    return berth_fail (err, 0, "linux.memoryPolicy.flags: MPOL_F_NUMA_BALANCING needs MPOL_BIND or "
                       "MPOL_PREFERRED_MANY, not %s", mp->mode);
  /* Relative nodes are indexes into the allowed set, not node numbers. */
  if (!(flags & FLAG_RELATIVE_NODES))
    {
      node_mask online;
      online_nodes (&online);
      for (size_t n = 0; n < MAX_NODES; n++)
        if (mask_has (&nodes, n) && !mask_has (&online, n))
          return berth_fail (err, 0, "linux.memoryPolicy.nodes: node %zu is not online on this host", n);
    }
  return 0;
}

int
berth_apply_mempolicy (const oci_memory_policy *mp, berth_error **err)
{
  if (mp == NULL)
    return 0;
  int mode, flags;
  node_mask nodes;
  if (decode (mp, &mode, &flags, &nodes, err) < 0)
    return -1;
  bool none = mask_empty (&nodes);
  /* maxnode counts one more than the bits the kernel reads. */
  if (syscall (SYS_set_mempolicy, mode | flags, none ? NULL : nodes.bits, none ? 0UL : (unsigned long) MAX_NODES + 1)
      < 0)
    return berth_fail_errno (err, "linux.memoryPolicy: set %s%s%s", mp->mode, mp->nodes && *mp->nodes ? " on nodes " : "",
                             mp->nodes && *mp->nodes ? mp->nodes : "");
  return 0;
}
