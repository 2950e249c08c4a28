/* procmem.h - reading another process's memory at that process's own
 * address, without mapping or attaching anything: how a System V segment
 * is read while some process maps it (posix/seg.c), and the access path
 * for memory that has no name at all. posix/procmem.c
 * (process_vm_readv, else /proc/PID/mem); win32/procmem.c
 * (ReadProcessMemory, WriteProcessMemory: pid:PID@ADDR on Windows). */
#ifndef SPY_PROCMEM_H
#define SPY_PROCMEM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

/* Copies len bytes at addr in process pid into dst. The caller says which
 * mapping of that process it means, [start, end): a request outside it is
 * refused with SPY_ERANGE before anything is read, so a stale or wrong
 * address never reaches beyond the mapping the caller found. dst belongs
 * to the caller; nothing is kept between calls. Reading changes nothing
 * another program can observe (no attach count, no access time).
 *
 * Errors: SPY_ENOENT the process has exited; SPY_EACCES reading its memory
 * is refused (it needs ptrace read access: the same user where
 * kernel.yama.ptrace_scope allows it, or CAP_SYS_PTRACE); SPY_EFAULT the
 * range is no longer mapped in that process (it unmapped it meanwhile;
 * dst may then hold part of the bytes); SPY_ENOTSUP the system has no way
 * to do it; SPY_EIO anything else. *err, when non-NULL, holds one
 * sentence starting "process PID: ". Thread-safe. */
int spy_procmem_read(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                     void *dst, size_t len, spy_err *err);

/* Writes len bytes from src at addr in process pid, with the same range
 * rule: outside [start, end) is SPY_ERANGE before anything is written.
 * process_vm_writev, else (missing or filtered) a pwrite of /proc/PID/mem.
 * Every process mapping that memory sees the bytes at once. Errors as
 * spy_procmem_read (SPY_EACCES needs ptrace attach access; SPY_EFAULT the
 * range is no longer mapped or not writable there: part of the bytes may
 * have been written). */
int spy_procmem_write(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                      const void *src, size_t len, spy_err *err);

#endif
