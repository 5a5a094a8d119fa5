/* Container state under --root: one directory per container holding
 *   state.json  what we must remember (pid and its start time, bundle, ...)
 *   config.json the configuration exactly as read at create time
 *   exec.fifo   present between create and start; the init blocks on it
 *   summary.json what state, start and delete need of the configuration
 *               (annotations, poststart and poststop hooks), so that they
 *               never decode config.json, which may be large; state.json
 *               says configSummary: true when it is there.  Apart from
 *               state.json, so that list and kill read only a small file.
 * Every command that changes a container holds an flock on its directory. */
#ifndef BERTH_STATE_H
#define BERTH_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "error.h"
#include "runtime_spec.h"

#define OCI_FIELDS_berth_state(X, T)                                                                                  \
  X (T, STR, id, "id", OCI_REQ, _)                                                                                    \
  X (T, I64, pid, "pid", 0, _)                                                                                        \
  X (T, U64, pid_start, "pidStartTime", 0, _)                                                                         \
  X (T, STR, bundle, "bundle", OCI_REQ, _)                                                                            \
  X (T, STR, rootfs, "rootfs", 0, _)                                                                                  \
  X (T, STR, created, "created", 0, _)                                                                                \
  X (T, STR, owner, "owner", 0, _)                                                                                    \
  X (T, BOOL, systemd_cgroup, "systemdCgroup", 0, _)                                                                  \
  X (T, MSTR, cgroup_paths, "cgroupPaths", 0, _)                                                                      \
  X (T, STR, systemd_unit, "systemdUnit", 0, _)                                                                       \
  X (T, STR, cgroup_driver, "cgroupDriver", 0, _)                                                                     \
  X (T, MSTR, annotations, "annotations", 0, _)                                                                      \
  X (T, BOOL, has_config_summary, "configSummary", 0, _)                                                              \
  X (T, BOOL, has_poststart, "poststartHooks", 0, _)                                                                  \
  X (T, BOOL, has_poststop, "poststopHooks", 0, _)

OCI_DEFINE_STRUCT (berth_state)
OCI_DECLARE_TYPE (berth_state)

#define BERTH_SUMMARY_FILE "summary.json"
/* The annotations as a raw JSON object: decoded as a tree, which is linear
   however many there are (the keys are unique: they come from a decoded
   configuration). */
#define OCI_FIELDS_berth_config_summary(X, T)                                                                         \
  X (T, RAW, annotations, "annotations", 0, _)                                                                       \
  X (T, OBJ, hooks, "hooks", 0, oci_hooks)

OCI_DEFINE_STRUCT (berth_config_summary)
OCI_DECLARE_TYPE (berth_config_summary)

/* berth_status is public (include/berth/berth.h). */

const char *berth_status_name (berth_status s);

/* Container ids: what runc accepts, so that a path can never be built from one. */
int berth_validate_id (const char *id, berth_error **err);

/* Open <root> (creating it 0700) and return its fd. */
int berth_root_open (const char *root, bool create, berth_error **err);
/* Create <root>/<id> exclusively; the fd is returned locked. */
int berth_state_dir_create (int rootfd, const char *id, berth_error **err);
/* Open <root>/<id> and lock it (LOCK_EX or LOCK_SH). */
int berth_state_dir_open (int rootfd, const char *id, int lock, berth_error **err);
int berth_state_write (int dirfd, const berth_state *st, berth_error **err);
/* For commands that only read (state, ps, events): open <root>/<id> and
   take a shared lock, waiting for another holder at most timeout_ms, and not
   at all for a create in progress (no state.json yet).  *locked says whether
   the lock was taken; without it the state is read as it is (state.json is
   replaced by rename, so it is whole whenever it exists). */
#define BERTH_READER_WAIT_MS 1000
int berth_state_dir_open_reader (int rootfd, const char *id, int timeout_ms, bool *locked, berth_error **err);
/* Take lock on an open state directory without waiting: 1 taken, 0 held by
   another (exclusively, for LOCK_SH), -1 with errno otherwise. */
int berth_state_dir_trylock (int dirfd, int lock);
/* What a create in progress has made so far (init pid, cgroup), kept in
   BERTH_CREATING_FILE until state.json exists: a `delete` after berth was
   killed half-way reads it to undo everything. */
#define BERTH_CREATING_FILE "creating.json"
int berth_state_write_as (int dirfd, const char *name, const berth_state *st, berth_error **err);
berth_state *berth_state_read_as (int dirfd, const char *name, const char *id, berth_error **err);
berth_state *berth_state_read (int dirfd, const char *id, berth_error **err);
/* Remove the directory and everything in it. */
int berth_state_dir_remove (int rootfd, const char *id, berth_error **err);

/* The start time of pid in clock ticks since boot (field 22 of
   /proc/PID/stat), 0 if the process does not exist. */
uint64_t berth_pid_start_time (pid_t pid);
/* The live status, derived from the process and the exec fifo. */
berth_status berth_state_status (int dirfd, const berth_state *st);
/* The container's cgroup as recorded at create (NULL if none). */
berth_cgroup *berth_state_cgroup (const berth_state *st);
/* True if the recorded init is still the same process. */
bool berth_state_init_alive (const berth_state *st);

#endif
