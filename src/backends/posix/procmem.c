/* posix/procmem.c - procmem.h on Linux: process_vm_readv, which copies
 * straight from the other process's pages in one system call, and where
 * that call is missing or filtered (ENOSYS, or EPERM from a seccomp
 * filter) a pread of /proc/PID/mem at the same address. Both need the
 * same ptrace read access, and neither maps, attaches or touches the
 * other process's state: its mappings, the segment's attach count and
 * times stay as they were. */
#include "../procmem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* The sentence for errno e while reading (or writing) at addr in pid. */
static int io_error(int32_t pid, uint64_t addr, int e, int writing,
                    spy_err *err) {
    switch (e) {
    case ESRCH:
    case ENOENT:
        return spy_err_set(err, SPY_ENOENT, e, "process %d: has exited",
                           (int)pid);
    case EPERM:
    case EACCES:
        return spy_err_set(err, SPY_EACCES, e,
                           "process %d: %s its memory was refused (it "
                           "needs ptrace access: the same user where "
                           "kernel.yama.ptrace_scope allows it, or "
                           "CAP_SYS_PTRACE)",
                           (int)pid, writing ? "writing" : "reading");
    case EFAULT:
    case EIO:
        return spy_err_set(err, SPY_EFAULT, e,
                           "process %d: address 0x%" PRIx64
                           " is no longer mapped",
                           (int)pid, addr);
    case ENOSYS:
        return spy_err_set(err, SPY_ENOTSUP, e,
                           "process %d: %s another process's memory is "
                           "not supported here",
                           (int)pid, writing ? "writing" : "reading");
    default:
        return spy_err_set(err, SPY_EIO, e,
                           "process %d: %s at 0x%" PRIx64 ": %s", (int)pid,
                           writing ? "write" : "read", addr, strerror(e));
    }
}

/* The fallback: /proc/PID/mem, read (pread) or written (pwrite). Its
 * descriptor holds the process's address space, not its pid, so a pid
 * reused meanwhile cannot be reached by mistake; a transfer of 0 bytes
 * means the address space is gone. */
static int transfer_mem(int32_t pid, uint64_t addr, uint8_t *buf, size_t len,
                        int writing, spy_err *err) {
    char path[64];
    int fd, e;

    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    fd = open(path, (writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return io_error(pid, addr, errno, writing, err);
    while (len > 0) {
        ssize_t n = writing ? pwrite(fd, buf, len, (off_t)addr)
                            : pread(fd, buf, len, (off_t)addr);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e = n == 0 ? ESRCH : errno;
            close(fd);
            return io_error(pid, addr, e, writing, err);
        }
        addr += (uint64_t)n;
        buf += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

/* Both directions: the range rule, then process_vm_readv/writev (one
 * system call from or into the other process's pages), and /proc/PID/mem
 * where those are missing or filtered (ENOSYS, or EPERM from seccomp). */
static int transfer(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                    uint8_t *buf, size_t len, int writing, spy_err *err) {
    if (pid <= 0 || addr < start || addr > end || len > end - addr)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "process %d: %zu bytes at 0x%" PRIx64
                           " are outside its mapping 0x%" PRIx64 "-0x%" PRIx64,
                           (int)pid, len, addr, start, end);
    while (len > 0) {
        struct iovec local, remote;
        ssize_t n;
        local.iov_base = buf;
        local.iov_len = len;
        remote.iov_base = (void *)(uintptr_t)addr;
        remote.iov_len = len;
        n = writing ? process_vm_writev((pid_t)pid, &local, 1, &remote, 1, 0)
                    : process_vm_readv((pid_t)pid, &local, 1, &remote, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == ENOSYS || errno == EPERM))
            return transfer_mem(pid, addr, buf, len, writing, err);
        if (n <= 0) /* a partial transfer stops where the range faults */
            return io_error(pid, addr, n == 0 ? EFAULT : errno, writing, err);
        addr += (uint64_t)n;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int spy_procmem_read(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                     void *dst, size_t len, spy_err *err) {
    return transfer(pid, start, end, addr, dst, len, 0, err);
}

int spy_procmem_write(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                      const void *src, size_t len, spy_err *err) {
    /* Only read from when writing: the cast serves the one transfer. */
    return transfer(pid, start, end, addr, (uint8_t *)(uintptr_t)src, len, 1,
                    err);
}
