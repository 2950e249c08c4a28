/* posix/dirtypages.c - soft-dirty pages of another process
 * (backends/dirtypages.h): "4" written to /proc/PID/clear_refs, then bit
 * 55 of the 8-byte entries of /proc/PID/pagemap.
 *
 * A kernel built without CONFIG_MEM_SOFT_DIRTY accepts the "4" and keeps
 * bit 55 at 0 for ever, so both calls first ask whether this kernel keeps
 * the bits at all, once per run: a fresh anonymous mapping is soft-dirty
 * (the kernel marks every new mapping so), so bit 55 of our own page after
 * one write says yes; 0 says no, and every call then answers SPY_ENOTSUP
 * naming the kernel option. */
#include "../dirtypages.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SOFT_DIRTY_BIT 55
#define NO_SOFT_DIRTY                                                          \
    "this kernel keeps no soft-dirty bits (built without "                     \
    "CONFIG_MEM_SOFT_DIRTY), so blame --pages cannot work here"

/* 1: the kernel keeps soft-dirty bits; 0: it does not; -1: not asked
 * yet. Written once; a race writes the same answer twice. */
static int supported = -1;

static int probe_support(void) {
    long ps = sysconf(_SC_PAGESIZE);
    volatile unsigned char *p;
    uint64_t entry = 0;
    int fd, yes = 0;
    if (supported >= 0)
        return supported;
    if (ps <= 0)
        ps = 4096;
    p = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1; /* cannot tell: let the real calls speak */
    p[0] = 1;
    fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        off_t at = (off_t)((uintptr_t)p / (uintptr_t)ps * 8u);
        if (pread(fd, &entry, sizeof entry, at) == (ssize_t)sizeof entry)
            yes = (int)((entry >> SOFT_DIRTY_BIT) & 1u);
        else
            yes = 1; /* no pagemap to ask: let the real calls speak */
        close(fd);
    } else {
        yes = 1;
    }
    munmap((void *)p, (size_t)ps);
    supported = yes;
    return yes;
}

static int fail(spy_err *err, int e, int pid, const char *file) {
    switch (e) {
    case ENOENT:
    case ESRCH:
        return spy_err_set(err, SPY_ENOENT, e, "process %d: no such process",
                           pid);
    case EACCES:
    case EPERM:
        if (strcmp(file, "clear_refs") == 0)
            return spy_err_set(err, SPY_EACCES, e,
                               "process %d: /proc/%d/clear_refs: permission "
                               "denied (clearing soft-dirty bits needs write "
                               "access to it: the same user, or root)",
                               pid, pid);
        return spy_err_set(err, SPY_EACCES, e,
                           "process %d: /proc/%d/pagemap: permission denied "
                           "(reading it needs the same user or "
                           "CAP_SYS_PTRACE)",
                           pid, pid);
    default:
        return spy_err_set(err, SPY_EIO, e, "process %d: /proc/%d/%s: %s", pid,
                           pid, file, strerror(e));
    }
}

int spy_dirty_clear(int pid, spy_err *err) {
    char path[64];
    int fd;
    if (!probe_support())
        return spy_err_set(err, SPY_ENOTSUP, 0, "%s", NO_SOFT_DIRTY);
    snprintf(path, sizeof path, "/proc/%d/clear_refs", pid);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errno, pid, "clear_refs");
    if (write(fd, "4", 1) != 1) {
        int e = errno;
        close(fd);
        return fail(err, e, pid, "clear_refs");
    }
    close(fd);
    return 0;
}

int spy_dirty_read(int pid, uint64_t start, size_t npages, uint8_t *dirty,
                   spy_err *err) {
    char path[64];
    uint64_t buf[512];
    long psl = sysconf(_SC_PAGESIZE);
    uint64_t ps = psl > 0 ? (uint64_t)psl : 4096u;
    size_t done = 0;
    int fd;
    if (npages > 0)
        memset(dirty, 0, npages);
    if (!probe_support())
        return spy_err_set(err, SPY_ENOTSUP, 0, "%s", NO_SOFT_DIRTY);
    if (start % ps != 0)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "process %d: address 0x%" PRIx64
                           " is not page aligned",
                           pid, start);
    snprintf(path, sizeof path, "/proc/%d/pagemap", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errno, pid, "pagemap");
    while (done < npages) {
        size_t want = npages - done, i, got;
        ssize_t n;
        if (want > sizeof buf / sizeof buf[0])
            want = sizeof buf / sizeof buf[0];
        n = pread(fd, buf, want * sizeof buf[0],
                  (off_t)((start / ps + done) * sizeof buf[0]));
        if (n < 0) {
            int e = errno;
            close(fd);
            return fail(err, e, pid, "pagemap");
        }
        got = (size_t)n / sizeof buf[0];
        if (got == 0)
            break; /* past the end of the address space */
        for (i = 0; i < got; i++)
            dirty[done + i] = (uint8_t)((buf[i] >> SOFT_DIRTY_BIT) & 1u);
        done += got;
    }
    close(fd);
    return 0;
}
