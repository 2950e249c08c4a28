/* win32_misc.c - the rest of backend.h on Windows: fault injection, which
 * is not ported (it answers SPY_ENOTSUP with the reason), and the small
 * file and process helpers. The classroom experiments are in
 * demo_win32.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- fault injection: not on Windows -------------------------------------
 * `inject` identifies an object by device and inode and edits it through a
 * descriptor; a section has neither a stable identity to journal nor a
 * descriptor API (and cannot be recreated by name once gone). */

static int no_inject(const char *name, spy_err *err) {
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: inject works on POSIX objects and files of Linux "
                       "only; it is not available on Windows",
                       name);
}

/* Always SPY_ENOTSUP on Windows. */
int spy_obj_open(const spy_name *n, int write, spy_obj **out, spy_err *err) {
    char canon[SPY_NAME_MAX];
    (void)write;
    *out = NULL;
    spy_name_format(n, canon, sizeof canon);
    return no_inject(canon, err);
}

/* Always SPY_ENOTSUP on Windows. */
int spy_obj_create(const spy_name *n, uint32_t mode, spy_obj **out,
                   spy_err *err) {
    (void)mode;
    return spy_obj_open(n, 1, out, err);
}

/* No spy_obj can exist on Windows: the functions taking one are never
 * reached, and say so if they are. */
int spy_obj_stat(spy_obj *o, spy_obj_state *st, spy_err *err) {
    (void)o;
    memset(st, 0, sizeof *st);
    return no_inject("inject", err);
}

int spy_obj_read(spy_obj *o, uint64_t off, void *buf, size_t len,
                 spy_err *err) {
    (void)o, (void)off, (void)buf, (void)len;
    return no_inject("inject", err);
}

int spy_obj_write(spy_obj *o, uint64_t off, const void *buf, size_t len,
                  spy_err *err) {
    (void)o, (void)off, (void)buf, (void)len;
    return no_inject("inject", err);
}

int spy_obj_truncate(spy_obj *o, uint64_t size, spy_err *err) {
    (void)o, (void)size;
    return no_inject("inject", err);
}

int spy_obj_chmod(spy_obj *o, uint32_t mode, spy_err *err) {
    (void)o, (void)mode;
    return no_inject("inject", err);
}

int spy_obj_unlink(spy_obj *o, spy_err *err) {
    (void)o;
    return no_inject("inject", err);
}

const char *spy_obj_name(const spy_obj *o) {
    (void)o;
    return "";
}

void spy_obj_close(spy_obj *o) {
    (void)o;
}

/* ---- files ---------------------------------------------------------------
 */

int spy_durable_create(const char *path, const void *data, size_t len,
                       spy_err *err) {
    static WCHAR wide[4096];
    HANDLE h;
    DWORD put;
    const char *p = data;

    if (spy__utf8_to_wide(path, wide, sizeof wide / sizeof wide[0]) != 0)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: not a valid UTF-8 path",
                           path);
    h = CreateFileW(wide, GENERIC_WRITE, 0, NULL, CREATE_NEW,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return spy__win_error(path, "create", GetLastError(), err);
    while (len > 0) {
        DWORD chunk = len > 0x40000000u ? 0x40000000u : (DWORD)len;
        if (!WriteFile(h, p, chunk, &put, NULL) || put == 0) {
            DWORD e = GetLastError();
            CloseHandle(h);
            DeleteFileW(wide);
            return spy__win_error(path, "write", e, err);
        }
        p += put;
        len -= put;
    }
    /* FlushFileBuffers is fsync; NTFS makes the new directory entry
     * durable with its own journal. */
    if (!FlushFileBuffers(h)) {
        DWORD e = GetLastError();
        CloseHandle(h);
        DeleteFileW(wide);
        return spy__win_error(path, "FlushFileBuffers", e, err);
    }
    CloseHandle(h);
    return 0;
}

int spy_file_slurp(const char *path, size_t max, char **out, size_t *len,
                   spy_err *err) {
    static WCHAR wide[4096];
    HANDLE h;
    LARGE_INTEGER sz;
    char *buf;
    size_t n = 0;
    DWORD got;

    *out = NULL;
    *len = 0;
    if (spy__utf8_to_wide(path, wide, sizeof wide / sizeof wide[0]) != 0)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: not a valid UTF-8 path",
                           path);
    h = CreateFileW(wide, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                    NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return spy__win_error(path, "open", GetLastError(), err);
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileSizeEx(h, &sz)) {
        CloseHandle(h);
        return spy_err_set(err, SPY_ETYPE, 0, "%s: not a regular file", path);
    }
    if ((uint64_t)sz.QuadPart > max) {
        CloseHandle(h);
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: too large (%lld bytes) to be a journal", path,
                           (long long)sz.QuadPart);
    }
    if ((buf = malloc((size_t)sz.QuadPart + 1)) == NULL) {
        CloseHandle(h);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    }
    /* Read one byte more than the size said, to notice a growing file. */
    while (n <= (size_t)sz.QuadPart) {
        if (!ReadFile(h, buf + n, (DWORD)((size_t)sz.QuadPart + 1 - n), &got,
                      NULL)) {
            DWORD e = GetLastError();
            free(buf);
            CloseHandle(h);
            return spy__win_error(path, "read", e, err);
        }
        if (got == 0)
            break;
        n += got;
    }
    CloseHandle(h);
    if (n > (size_t)sz.QuadPart) {
        free(buf);
        return spy_err_set(err, SPY_EIO, 0, "%s: changed while being read",
                           path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ---- process ------------------------------------------------------------
 */

uint64_t spy_entropy(void) {
    LARGE_INTEGER c;
    FILETIME ft;
    uint64_t x;
    QueryPerformanceCounter(&c);
    GetSystemTimeAsFileTime(&ft);
    x = ((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime) *
        UINT64_C(1000000007);
    x ^= (uint64_t)c.QuadPart;
    x ^= (uint64_t)GetCurrentProcessId() << 32;
    return x;
}

long spy_self_pid(void) {
    return (long)GetCurrentProcessId();
}
