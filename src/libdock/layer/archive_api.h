/* libarchive, opened with dlopen on first use: dock is compiled against its
   headers but does not link it, so that commands that never read a tar
   (`dock images`, `dock tag` ...) do not load it and its compressors. */
#ifndef DOCK_ARCHIVE_API_H
#define DOCK_ARCHIVE_API_H

#include <archive.h>
#include <archive_entry.h>

#include "libberth/error.h"

#define DOCK_ARCHIVE_FUNCS(X)                                                                                        \
  X (struct archive *, archive_read_new, (void))                                                                     \
  X (int, archive_read_support_filter_all, (struct archive *))                                                      \
  X (int, archive_read_support_format_raw, (struct archive *))                                                      \
  X (int, archive_read_support_format_tar, (struct archive *))                                                      \
  X (int, archive_read_support_format_empty, (struct archive *))                                                    \
  X (int, archive_read_open, (struct archive *, void *, archive_open_callback *, archive_read_callback *,            \
                              archive_close_callback *))                                                             \
  X (int, archive_read_open_fd, (struct archive *, int, size_t))                                                    \
  X (int, archive_read_next_header, (struct archive *, struct archive_entry **))                                    \
  X (la_ssize_t, archive_read_data, (struct archive *, void *, size_t))                                             \
  X (int, archive_read_data_block, (struct archive *, const void **, size_t *, la_int64_t *))                       \
  X (int, archive_read_free, (struct archive *))                                                                    \
  X (int, archive_filter_code, (struct archive *, int))                                                             \
  X (const char *, archive_error_string, (struct archive *))                                                        \
  X (const char *, archive_entry_pathname, (struct archive_entry *))                                                \
  X (const char *, archive_entry_hardlink, (struct archive_entry *))                                                \
  X (const char *, archive_entry_symlink, (struct archive_entry *))                                                 \
  X (__LA_MODE_T, archive_entry_filetype, (struct archive_entry *))                                                 \
  X (__LA_MODE_T, archive_entry_perm, (struct archive_entry *))                                                     \
  X (la_int64_t, archive_entry_uid, (struct archive_entry *))                                                       \
  X (la_int64_t, archive_entry_gid, (struct archive_entry *))                                                       \
  X (la_int64_t, archive_entry_size, (struct archive_entry *))                                                      \
  X (dev_t, archive_entry_rdevmajor, (struct archive_entry *))                                                      \
  X (dev_t, archive_entry_rdevminor, (struct archive_entry *))                                                      \
  X (time_t, archive_entry_mtime, (struct archive_entry *))                                                         \
  X (long, archive_entry_mtime_nsec, (struct archive_entry *))                                                      \
  X (int, archive_entry_atime_is_set, (struct archive_entry *))                                                     \
  X (time_t, archive_entry_atime, (struct archive_entry *))                                                         \
  X (long, archive_entry_atime_nsec, (struct archive_entry *))                                                      \
  X (int, archive_entry_xattr_reset, (struct archive_entry *))                                                      \
  X (int, archive_entry_xattr_next, (struct archive_entry *, const char **, const void **, size_t *))

typedef struct
{
#define DOCK_ARCHIVE_FIELD(ret, name, args) ret (*name) args;
  DOCK_ARCHIVE_FUNCS (DOCK_ARCHIVE_FIELD)
#undef DOCK_ARCHIVE_FIELD
} dock_archive_api;

/* The table, loaded on the first call (thread-safe); NULL with an error
   naming the package when libarchive cannot be loaded. */
const dock_archive_api *dock_archive_api_get (berth_error **err);

#endif
