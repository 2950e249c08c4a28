/* inject.h - an object opened by descriptor, for fault injection and its
 * undo: bytes through pread/pwrite, size, mode, unlink by identity.
 * posix/inject.c; win32/inject.c says it is not supported. */
#ifndef SPY_INJECT_H
#define SPY_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/name.h"

/* ---- fault injection ------------------------------------------------------
 * `shmspy inject` works on a descriptor, not a mapping: bytes are read and
 * written with pread/pwrite, which every process mapping the object sees at
 * once and which cannot fault when the object shrinks. POSIX objects and
 * file: paths only (they have the device + inode identity the journal
 * records); other name forms are SPY_ENOTSUP. */

typedef struct spy_obj spy_obj; /* opaque: the descriptor and the name */

/* Identity and state of an open object, from fstat. */
typedef struct spy_obj_state {
    uint64_t dev, ino; /* identity */
    uint64_t size;     /* bytes */
    uint32_t mode;     /* permission bits, 07777 */
} spy_obj_state;

/* What spy_obj_open is asked for. */
enum {
    SPY_OBJ_WRITE = 1,  /* open read-write */
    SPY_OBJ_CHANGE = 2, /* the caller will change the object (bytes, size,
                           mode or name), even through a read-only open */
    SPY_OBJ_FOLLOW = 4  /* with CHANGE: follow a file: path's last symlink */
};

/* Opens the existing object n as flags (SPY_OBJ_*) ask, with the same
 * safety rules as spy_seg_open: no symlink followed inside /dev/shm, a
 * FIFO never blocks, anything but a regular file is SPY_ETYPE, and with
 * SPY_OBJ_CHANGE the link rule of a file: path that spy_seg_open applies
 * to writes (SPY_OBJ_FOLLOW as SPY_O_FOLLOW). *out owns the descriptor:
 * free with spy_obj_close. */
int spy_obj_open(const spy_name *n, int flags, spy_obj **out, spy_err *err);

/* Creates n exclusively (SPY_EEXIST if the name exists) with exactly
 * mode, whatever the umask, open read-write. */
int spy_obj_create(const spy_name *n, uint32_t mode, spy_obj **out,
                   spy_err *err);

/* Current identity, size and mode of o (fstat). */
int spy_obj_stat(spy_obj *o, spy_obj_state *st, spy_err *err);

/* Reads exactly len bytes at off; SPY_ERANGE if the object ends first. */
int spy_obj_read(spy_obj *o, uint64_t off, void *buf, size_t len, spy_err *err);

/* Writes exactly len bytes at off (o opened for writing). */
int spy_obj_write(spy_obj *o, uint64_t off, const void *buf, size_t len,
                  spy_err *err);

/* Sets the size (ftruncate) / the permission bits (fchmod) of o. */
int spy_obj_truncate(spy_obj *o, uint64_t size, spy_err *err);
int spy_obj_chmod(spy_obj *o, uint32_t mode, spy_err *err);

/* Removes o's name, but only while the name still refers to o (same
 * device and inode): SPY_ENOENT if the name is gone, SPY_EEXIST if it now
 * names another object. Processes mapping o keep their memory. */
int spy_obj_unlink(spy_obj *o, spy_err *err);

/* Canonical name o was opened with. */
const char *spy_obj_name(const spy_obj *o);

/* Closes o; o may be NULL. */
void spy_obj_close(spy_obj *o);

#endif
