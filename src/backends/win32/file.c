/* win32/file.c - file.h on Windows: the files of recordings (CreateFileW
 * with CREATE_NEW; --force writes beside the path and moves over it with
 * MoveFileExW). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file.h"
#include "internal.h"

#define WPATH 4096

struct spy_file {
    HANDLE h;
    int writing;
    uint64_t size;
    char *path;
    WCHAR *wpath;
    WCHAR *wtmp; /* create_replace: the temporary, else NULL */
};

static int to_wide(const char *path, WCHAR *w, spy_err *err) {
    if (spy__utf8_to_wide(path, w, WPATH) != 0)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: not a valid UTF-8 path",
                           path);
    return 0;
}

static int win_err(const char *path, DWORD e, int creating, spy_err *err) {
    if (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS)
        return spy_err_set(err, SPY_EEXIST, (int)e,
                           "%s: exists (use --force to replace it)", path);
    if (e == ERROR_ACCESS_DENIED)
        return spy_err_set(err, SPY_EACCES, (int)e,
                           "%s: permission denied (%s)", path,
                           creating ? "no write permission on its directory"
                                    : "no read permission");
    return spy__win_error(path, creating ? "create" : "open", e, err);
}

static int new_file(const char *path, HANDLE h, const WCHAR *w, int writing,
                    spy_file **out, spy_err *err) {
    spy_file *f = calloc(1, sizeof *f);
    size_t wl = wcslen(w) + 1;
    if (f == NULL || (f->path = malloc(strlen(path) + 1)) == NULL ||
        (f->wpath = malloc(wl * sizeof(WCHAR))) == NULL) {
        if (f != NULL)
            free(f->path);
        free(f);
        CloseHandle(h);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    }
    strcpy(f->path, path);
    memcpy(f->wpath, w, wl * sizeof(WCHAR));
    f->h = h;
    f->writing = writing;
    *out = f;
    return 0;
}

int spy_file_create(const char *path, spy_file **out, spy_err *err) {
    WCHAR w[WPATH];
    HANDLE h;
    int rc = to_wide(path, w, err);
    if (rc != 0)
        return rc;
    h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return win_err(path, GetLastError(), 1, err);
    return new_file(path, h, w, 1, out, err);
}

int spy_file_create_replace(const char *path, spy_file **out, spy_err *err) {
    WCHAR w[WPATH], t[WPATH];
    char tmp[WPATH];
    DWORD attr;
    HANDLE h = INVALID_HANDLE_VALUE;
    unsigned i;
    int rc = to_wide(path, w, err);
    if (rc != 0)
        return rc;
    attr = GetFileAttributesW(w);
    if (attr != INVALID_FILE_ATTRIBUTES &&
        (attr & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)))
        return spy_err_set(err, SPY_ETYPE, 0,
                           "%s: is a %s: --force replaces only a regular "
                           "file",
                           path,
                           (attr & FILE_ATTRIBUTE_DIRECTORY)
                               ? "directory"
                               : "symbolic link or reparse point");
    for (i = 0; i < 100 && h == INVALID_HANDLE_VALUE; i++) {
        snprintf(tmp, sizeof tmp, "%s.tmp%lu.%u", path,
                 (unsigned long)GetCurrentProcessId(), i);
        if ((rc = to_wide(tmp, t, err)) != 0)
            return rc;
        h = CreateFileW(t, GENERIC_WRITE, 0, NULL, CREATE_NEW,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE && GetLastError() != ERROR_FILE_EXISTS)
            return win_err(tmp, GetLastError(), 1, err);
    }
    if (h == INVALID_HANDLE_VALUE)
        return win_err(tmp, ERROR_FILE_EXISTS, 1, err);
    rc = new_file(path, h, w, 1, out, err);
    if (rc != 0) {
        DeleteFileW(t);
        return rc;
    }
    (*out)->wtmp = malloc((wcslen(t) + 1) * sizeof(WCHAR));
    if ((*out)->wtmp == NULL) {
        spy_file_discard(*out);
        DeleteFileW(t);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory", path);
    }
    memcpy((*out)->wtmp, t, (wcslen(t) + 1) * sizeof(WCHAR));
    return 0;
}

int spy_file_open_read(const char *path, spy_file **out, spy_err *err) {
    WCHAR w[WPATH];
    HANDLE h;
    LARGE_INTEGER sz;
    int rc = to_wide(path, w, err);
    DWORD attr;
    if (rc != 0)
        return rc;
    attr = GetFileAttributesW(w);
    if (attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY))
        return spy_err_set(err, SPY_ETYPE, 0,
                           "%s: is a directory, not a recording file", path);
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                    OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return win_err(path, GetLastError(), 0, err);
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileSizeEx(h, &sz)) {
        CloseHandle(h);
        return spy_err_set(err, SPY_ETYPE, 0,
                           "%s: is not a regular file, not a recording file",
                           path);
    }
    rc = new_file(path, h, w, 0, out, err);
    if (rc == 0)
        (*out)->size = (uint64_t)sz.QuadPart;
    return rc;
}

int spy_file_pread(spy_file *f, uint64_t off, void *buf, size_t len,
                   spy_err *err) {
    uint8_t *p = buf;
    while (len > 0) {
        OVERLAPPED ov;
        DWORD got = 0, want = len > 0x40000000u ? 0x40000000u : (DWORD)len;
        memset(&ov, 0, sizeof ov);
        ov.Offset = (DWORD)off;
        ov.OffsetHigh = (DWORD)(off >> 32);
        if (!ReadFile(f->h, p, want, &got, &ov)) {
            DWORD e = GetLastError();
            if (e != ERROR_HANDLE_EOF)
                return spy__win_error(f->path, "read", e, err);
            got = 0;
        }
        if (got == 0)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: damaged at byte %llu: cut short "
                               "(truncated)",
                               f->path, (unsigned long long)off);
        p += got;
        off += got;
        len -= got;
    }
    return 0;
}

int spy_file_append(spy_file *f, const void *buf, size_t len, spy_err *err) {
    const uint8_t *p = buf;
    while (len > 0) {
        DWORD put = 0, want = len > 0x40000000u ? 0x40000000u : (DWORD)len;
        if (!WriteFile(f->h, p, want, &put, NULL) || put == 0)
            return spy__win_error(f->path, "write", GetLastError(), err);
        p += put;
        f->size += put;
        len -= put;
    }
    return 0;
}

int spy_file_sync(spy_file *f, spy_err *err) {
    if (!FlushFileBuffers(f->h))
        return spy__win_error(f->path, "FlushFileBuffers", GetLastError(), err);
    return 0;
}

uint64_t spy_file_size(const spy_file *f) {
    return f->size;
}

const char *spy_file_path(const spy_file *f) {
    return f->path;
}

static void free_file(spy_file *f) {
    free(f->path);
    free(f->wpath);
    free(f->wtmp);
    free(f);
}

int spy_file_close(spy_file *f, spy_err *err) {
    int rc = 0;
    if (f == NULL)
        return 0;
    CloseHandle(f->h);
    if (f->wtmp != NULL) {
        if (!MoveFileExW(f->wtmp, f->wpath,
                         MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
            rc = spy__win_error(f->path, "replace", GetLastError(), err);
            DeleteFileW(f->wtmp);
        }
    }
    free_file(f);
    return rc;
}

int spy_file_close_at(spy_file *f, uint64_t size, spy_err *err) {
    LARGE_INTEGER at;
    at.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx(f->h, at, NULL, FILE_BEGIN) || !SetEndOfFile(f->h)) {
        int rc = spy__win_error(f->path, "truncate", GetLastError(), err);
        (void)spy_file_close(f, NULL);
        return rc;
    }
    f->size = size;
    (void)FlushFileBuffers(f->h); /* what is kept is on disk when it can be */
    return spy_file_close(f, err);
}

void spy_file_discard(spy_file *f) {
    if (f == NULL)
        return;
    CloseHandle(f->h);
    if (f->writing)
        DeleteFileW(f->wtmp != NULL ? f->wtmp : f->wpath);
    free_file(f);
}

int spy_file_unlink(const char *path, spy_err *err) {
    WCHAR w[WPATH];
    int rc = to_wide(path, w, err);
    if (rc != 0)
        return rc;
    if (!DeleteFileW(w))
        return win_err(path, GetLastError(), 1, err);
    return 0;
}
