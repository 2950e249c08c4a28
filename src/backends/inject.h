/* inject.h - an object opened for fault injection and its undo: bytes,
 * size, mode, unlink by identity. posix/inject.c; win32/inject.c says it
 * is not supported. */
#ifndef SPY_INJECT_H
#define SPY_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/name.h"

/* ---- fault injection ------------------------------------------------------
 * `shmspy inject` works on a descriptor where there is one, not on a
 * mapping: bytes are read and written with pread/pwrite, which every
 * process mapping the object sees at once and which cannot fault when the
 * object shrinks. What each name form reaches:
 * - POSIX objects and file: paths: a descriptor; identity device + inode.
 * - memfd:, pid:, fd: (viaproc.h): a holder's descriptor, else only the
 *   process's memory (bytes can change; size and mode cannot; these have
 *   no name to unlink). A pid: name inside a System V mapping is that
 *   segment, as below.
 * - sysv:ID and key:0xKEY: the segment, read through a process that maps
 *   it or attached for one read, written by a short attach; identity
 *   device 0 + inode = shmid (as /proc/PID/maps shows it); its size is
 *   fixed; the mode is its 9 permission bits (IPC_SET); unlink is
 *   IPC_RMID, and the segment is recreated by key (a new shmid), or, key
 *   IPC_PRIVATE, as a new private segment.
 * Windows: every call is SPY_ENOTSUP. */

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
 * mode, whatever the umask, size bytes long (zeros), open read-write.
 * key:0xKEY creates a segment with that key (IPC_CREAT|IPC_EXCL);
 * sysv:ID creates a new IPC_PRIVATE segment (another id: see
 * spy_obj_lasting_name), SPY_EEXIST while segment ID itself still exists
 * and is not marked for removal. Names through a process: SPY_ENOTSUP. */
int spy_obj_create(const spy_name *n, uint32_t mode, uint64_t size,
                   spy_obj **out, spy_err *err);

/* What a change would touch, for spy_obj_can. */
typedef enum spy_obj_op {
    SPY_OBJ_OP_BYTES, /* spy_obj_write */
    SPY_OBJ_OP_SIZE,  /* spy_obj_truncate to value */
    SPY_OBJ_OP_MODE,  /* spy_obj_chmod to value */
    SPY_OBJ_OP_UNLINK /* spy_obj_unlink */
} spy_obj_op;

/* 0 if op (value: the new size or mode) is one o can take, as far as can
 * be told without making it; else the refusal the call itself would
 * give: a System V segment's size, memory reached only through a
 * process's memory (size, mode), a name through a process (unlink), a
 * memfd's seals (size), bits a System V mode cannot hold. A 0 does not
 * promise success (permissions are the kernel's to check). */
int spy_obj_can(spy_obj *o, spy_obj_op op, uint64_t value, spy_err *err);

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
 * names another object. Processes mapping o keep their memory. A System
 * V segment is marked for removal (IPC_RMID; SPY_ENOENT if it already
 * is): it goes when its last process detaches. */
int spy_obj_unlink(spy_obj *o, spy_err *err);

/* Canonical name o was opened with. */
const char *spy_obj_name(const spy_obj *o);

/* The name o can be found by again, for a journal: o's canonical name,
 * except for a System V segment: "key:0xKEY" when it has a key (its
 * shmid changes when it is recreated), else "sysv:ID" (IPC_PRIVATE: the
 * id is all there is). Valid while o is open. */
const char *spy_obj_lasting_name(const spy_obj *o);

/* Closes o; o may be NULL. */
void spy_obj_close(spy_obj *o);

#endif
