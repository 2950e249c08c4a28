/* guard.h - memory access that never crashes: the guarded copy every
 * read of live shared memory goes through, the probe of an arbitrary
 * address, and where an address lies in this process. posix/guard.c and
 * posix/probe.c (SIGSEGV/SIGBUS handlers), win32/guard.c and
 * win32/probe.c (a vectored exception handler, VirtualQuery). */
#ifndef SPY_GUARD_H
#define SPY_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/fault.h"

/* Copies len bytes from src to dst; if reading src (or writing dst)
 * faults, stops and returns SPY_EFAULT with *out describing the fault
 * (out may be NULL). Never crashes the process for a fault inside the
 * copied ranges. Thread-safe per thread. */
int spy_copy_guarded(void *dst, const volatile void *src, size_t len,
                     spy_fault *out);

/* Describes addr from this process's own memory map. Errors: SPY_EIO when
 * the map cannot be read. */
int spy_addr_describe(uint64_t addr, spy_region *out, spy_err *err);

/* Accesses len bytes (1..4096) at addr in this process under a fault
 * guard installed for this call only: SIGSEGV and SIGBUS handlers (with
 * an alternate stack) replace the previous ones, and the previous handlers
 * and the signal mask are restored before returning. Reading copies the
 * bytes to out (len bytes). With write set, each byte is read and written
 * back unchanged, which tests write access without changing memory.
 * Returns 0 when the access worked, SPY_EFAULT with *fault filled when it
 * faulted at fault->addr. Not thread-safe on POSIX (the handlers are
 * process-wide): one probe at a time. */
int spy_probe(uint64_t addr, size_t len, int write, uint8_t *out,
              spy_fault *fault);

#endif
