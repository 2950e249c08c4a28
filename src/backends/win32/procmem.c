/* win32/procmem.c - procmem.h on Windows: ReadProcessMemory and
 * WriteProcessMemory, how pid:PID@ADDR reads (and, opened for writing,
 * writes) a view of a section in another process (win32/seg.c). Both need a
 * handle to the process with PROCESS_VM_READ (and PROCESS_VM_WRITE |
 * PROCESS_VM_OPERATION to write): granted to the same user, or with
 * SeDebugPrivilege. Nothing is mapped in this process, and the other process
 * sees no change but the bytes written. */
#include "../procmem.h"

#include <inttypes.h>
#include <windows.h>

/* SPY_ERANGE unless [addr, addr + len) lies in [start, end). */
static int in_range(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                    size_t len, spy_err *err) {
    if (addr < start || addr > end || len > end - addr)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "process %d: 0x%" PRIx64 " + %zu bytes is outside "
                           "the mapping 0x%" PRIx64 "-0x%" PRIx64,
                           (int)pid, addr, len, start, end);
    return 0;
}

/* The process with `access` in *p: 0, or the one-line error. */
static int open_process(int32_t pid, DWORD access, const char *right, HANDLE *p,
                        spy_err *err) {
    DWORD e;
    *p = OpenProcess(access, FALSE, (DWORD)pid);
    if (*p != NULL)
        return 0;
    e = GetLastError();
    if (e == ERROR_INVALID_PARAMETER)
        return spy_err_set(err, SPY_ENOENT, (int)e, "process %d: has exited",
                           (int)pid);
    if (e == ERROR_ACCESS_DENIED)
        return spy_err_set(err, SPY_EACCES, (int)e,
                           "process %d: %s was refused (it needs the same "
                           "user, or SeDebugPrivilege)",
                           (int)pid, right);
    return spy_err_set(err, SPY_EIO, (int)e,
                       "process %d: OpenProcess failed (error %lu)", (int)pid,
                       (unsigned long)e);
}

/* The error of a failed ReadProcessMemory / WriteProcessMemory. */
static int copy_error(int32_t pid, uint64_t addr, DWORD e, const char *what,
                      spy_err *err) {
    if (e == ERROR_PARTIAL_COPY || e == ERROR_NOACCESS ||
        e == ERROR_INVALID_ADDRESS)
        return spy_err_set(
            err, SPY_EFAULT, (int)e,
            "process %d: address 0x%" PRIx64 " is no longer mapped%s", (int)pid,
            addr, what[0] == 'W' ? " or not writable there" : "");
    /* The process itself was opened with the rights asked for: a refusal
     * now is the pages' protection (a view mapped read-only there). */
    if (e == ERROR_ACCESS_DENIED && what[0] == 'W')
        return spy_err_set(err, SPY_EACCES, (int)e,
                           "process %d: 0x%" PRIx64 " is not writable there "
                           "(a read-only view; WriteProcessMemory was "
                           "refused)",
                           (int)pid, addr);
    if (e == ERROR_ACCESS_DENIED)
        return spy_err_set(err, SPY_EACCES, (int)e,
                           "process %d: %s was refused", (int)pid, what);
    return spy_err_set(err, SPY_EIO, (int)e,
                       "process %d: %s at 0x%" PRIx64 " failed (error %lu)",
                       (int)pid, what, addr, (unsigned long)e);
}

int spy_procmem_read(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                     void *dst, size_t len, spy_err *err) {
    SIZE_T got = 0;
    HANDLE p;
    int rc;

    if ((rc = in_range(pid, start, end, addr, len, err)) != 0 || len == 0)
        return rc;
    if ((rc = open_process(pid, PROCESS_VM_READ,
                           "reading its memory (PROCESS_VM_READ)", &p, err)) !=
        0)
        return rc;
    if (!ReadProcessMemory(p, (LPCVOID)(uintptr_t)addr, dst, len, &got) ||
        got != len) {
        DWORD e = GetLastError();
        CloseHandle(p);
        return copy_error(pid, addr, e == 0 ? ERROR_PARTIAL_COPY : e,
                          "ReadProcessMemory", err);
    }
    CloseHandle(p);
    return 0;
}

int spy_procmem_write(int32_t pid, uint64_t start, uint64_t end, uint64_t addr,
                      const void *src, size_t len, spy_err *err) {
    SIZE_T put = 0;
    HANDLE p;
    int rc;

    if ((rc = in_range(pid, start, end, addr, len, err)) != 0 || len == 0)
        return rc;
    if ((rc = open_process(pid, PROCESS_VM_WRITE | PROCESS_VM_OPERATION,
                           "writing its memory (PROCESS_VM_WRITE)", &p, err)) !=
        0)
        return rc;
    if (!WriteProcessMemory(p, (LPVOID)(uintptr_t)addr, src, len, &put) ||
        put != len) {
        DWORD e = GetLastError();
        CloseHandle(p);
        return copy_error(pid, addr, e == 0 ? ERROR_PARTIAL_COPY : e,
                          "WriteProcessMemory", err);
    }
    CloseHandle(p);
    return 0;
}
