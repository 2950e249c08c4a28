/* write.h - the write policy: the one place that decides whether shmspy
 * may change bytes of a segment, used by `shmspy write` and by the TUI's
 * writer mode alike.
 *
 * The rules: a segment is changed only when it was opened for writing
 * (SPY_O_WRITE); an existing object whose mode has no write bit is refused
 * even for root, whom the kernel would let write (the mode is its owner's
 * statement), unless the caller passes force (`--force`); every span is
 * range-checked with the one message of core/range.h; written bytes are
 * flushed (msync / FlushViewOfFile) before success is reported. */
#ifndef SPY_OPS_WRITE_H
#define SPY_OPS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/seg.h"
#include "../core/err.h"

/* 0 if s may be written under the policy, else SPY_EROFS with *err set:
 * "NAME: is read-only (mode 0444); use --force to write anyway" (a
 * segment opened read-only says so instead). An object this process
 * created is always writable; force skips the mode check. The mode is read
 * now (spy_seg_stat), so a chmod since opening counts. */
int spy_write_permitted(spy_seg *s, int force, spy_err *err);

/* What opening s for writing changes that other programs can see, as a
 * sentence in buf (cap bytes) to show at once (stderr, the TUI's message
 * line); NULL when nothing. A System V segment has no descriptor to write
 * through: opened for writing it is attached for as long as it is open
 * ("attached sysv:ID for writing: shm_nattch and shm_lpid change while
 * attached"), where every read-only access leaves it unattached. The
 * sentence may hold any byte of a name: escape it to print it. */
const char *spy_write_notice(spy_seg *s, char *buf, size_t cap);

/* Writes len bytes of src at off into s under the policy (permission,
 * then range), then flushes. Nothing is written when a check fails. */
int spy_write_bytes(spy_seg *s, uint64_t off, const void *src, uint64_t len,
                    int force, spy_err *err);

/* Writes the byte b len times from off under the same policy, in blocks
 * (len may be the whole of a large object), then flushes. */
int spy_write_fill(spy_seg *s, uint64_t off, uint8_t b, uint64_t len, int force,
                   spy_err *err);

#endif
