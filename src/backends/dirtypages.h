/* dirtypages.h - which pages of a segment each mapper dirtied in an
 * interval: the kernel's soft-dirty bits (issue 18, blame --pages).
 *
 * posix/dirtypages.c: writing "4" to /proc/PID/clear_refs clears a
 * process's soft-dirty bits (this is visible to other users of the bits,
 * such as CRIU's incremental dumps: the man page says so); bit 55 of each
 * 8-byte entry of /proc/PID/pagemap is then set for a page the process
 * wrote since. Needs the same access as ptrace read (own processes, or
 * CAP_SYS_PTRACE); clear_refs needs write access to the process's proc
 * files (same user, or root). win32/dirtypages.c: SPY_ENOTSUP (Windows
 * has no per-process dirty bit a tool may read for another process:
 * GetWriteWatch works only on the caller's own MEM_WRITE_WATCH regions). */
#ifndef SPY_DIRTYPAGES_H
#define SPY_DIRTYPAGES_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

/* 0 when this system keeps soft-dirty bits; SPY_ENOTSUP with the reason
 * when not (a kernel without CONFIG_MEM_SOFT_DIRTY, found by looking at a
 * fresh page of our own; Windows). Asks the kernel once per run. */
int spy_dirty_supported(spy_err *err);

/* Clears process pid's soft-dirty bits. Errors: SPY_EACCES naming the
 * rule; SPY_ENOENT when the process is gone; SPY_ENOTSUP. */
int spy_dirty_clear(int pid, spy_err *err);
/* For the npages pages of process pid starting at address start (page
 * aligned), sets dirty[i] to 1 when page i was written since the last
 * clear, else 0. Errors as above. */
int spy_dirty_read(int pid, uint64_t start, size_t npages, uint8_t *dirty,
                   spy_err *err);

#endif
