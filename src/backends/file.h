/* file.h - the files of recordings (issue 19): created exclusively with
 * mode 0600 and never through a symlink, or written beside their path and
 * renamed over it (--force); opened read-only only when they are regular
 * files. posix/file.c and win32/file.c.
 *
 * Errors: 0 or a negative SPY_E* code with err filled with one line
 * naming the path and the reason ("rec.shmspy: permission denied (no
 * write permission on the directory)", "rec: is a directory, not a
 * recording file"). */
#ifndef SPY_BACKENDS_FILE_H
#define SPY_BACKENDS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

typedef struct spy_file spy_file;

/* Creates path for writing: exclusive (SPY_EEXIST "PATH: exists (use
 * --force to replace it)" when it exists, whatever it is), mode 0600,
 * close-on-exec, refusing a symlink. */
int spy_file_create(const char *path, spy_file **out, spy_err *err);

/* For --force: creates a new temporary file beside path (same directory,
 * mode 0600) that spy_file_close renames over path. Refuses when path
 * exists and is not a regular file (a symlink, a directory, a FIFO):
 * SPY_ETYPE. A path that does not exist is fine. */
int spy_file_create_replace(const char *path, spy_file **out, spy_err *err);

/* Opens path read-only. Refuses a non-regular file (SPY_ETYPE, "PATH: is
 * a directory, not a recording file"). */
int spy_file_open_read(const char *path, spy_file **out, spy_err *err);

/* Reads exactly len bytes at off (retrying short reads and EINTR). Past
 * the end: SPY_EINVAL "PATH: damaged at byte N: cut short (truncated)". */
int spy_file_pread(spy_file *f, uint64_t off, void *buf, size_t len,
                   spy_err *err);

/* Appends all of len bytes (files made by create only). */
int spy_file_append(spy_file *f, const void *buf, size_t len, spy_err *err);

/* Flushes to the disk (fsync / FlushFileBuffers). */
int spy_file_sync(spy_file *f, spy_err *err);

/* The file's size in bytes (as of open for reading; as written for
 * writing). */
uint64_t spy_file_size(const spy_file *f);

/* The path given at creation or open. */
const char *spy_file_path(const spy_file *f);

/* Closes f and frees it. A file made by spy_file_create_replace is
 * renamed over its path (then the directory is synced); an error leaves
 * the old file as it was and removes the new one. f may be NULL. */
int spy_file_close(spy_file *f, spy_err *err);

/* For a write that failed half way (a full disk, a file size limit):
 * cuts f back to its first `size` bytes (what is known whole), then
 * closes it as spy_file_close does (a file of create_replace is renamed
 * over its path: what was recorded replaces the old file, as asked). On
 * an error the file is closed and left as it is. f may not be NULL. */
int spy_file_close_at(spy_file *f, uint64_t size, spy_err *err);

/* Closes f and removes what it created (the temporary of
 * create_replace, or the file of create). f may be NULL. */
void spy_file_discard(spy_file *f);

/* Removes path. */
int spy_file_unlink(const char *path, spy_err *err);

#endif
