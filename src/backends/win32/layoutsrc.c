/* win32/layoutsrc.c - typed layouts on Windows (backends/layoutsrc.h):
 * this build reads no DWARF, so resolving a type from a header, binary or
 * process is refused with the one sentence that points to --layout FILE;
 * layout files load and save (CreateFileW, FlushFileBuffers, MoveFileExW)
 * so a layout written elsewhere is the way in. */
#include "../layoutsrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "../../core/escape.h"
#include "../process.h"
#include "internal.h"

#define NO_LIBDW                                                               \
    "this build reads no debug information (libdw): use --layout FILE"

int spy_layout_dwarf_available(void) {
    return 0;
}

int spy_layout_resolve_src(const spy_layout_src *src, spy_layout *out,
                           spy_layout_origin *origin, spy_err *err) {
    (void)src;
    spy_layout_init(out);
    if (origin != NULL)
        memset(origin, 0, sizeof *origin);
    return spy_err_set(err, SPY_ENOTSUP, 0, "%s", NO_LIBDW);
}

int spy_layout_pid_has_debug(int pid, spy_err *err) {
    (void)pid;
    return spy_err_set(err, SPY_ENOTSUP, 0, "%s", NO_LIBDW);
}

int spy_layout_save_file(const char *path, const char *text, size_t len,
                         int replace, spy_err *err) {
    WCHAR wide[4096], wtmp[4096 + 32];
    char esc[1024];
    HANDLE h;
    DWORD put, e, flags;
    unsigned n;

    spy_escape(path, esc, sizeof esc);
    if (spy__utf8_to_wide(path, wide, sizeof wide / sizeof wide[0]) != 0)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: not a valid UTF-8 path",
                           esc);
    /* A new temporary beside it (CREATE_NEW: never someone else's). */
    for (n = 0;; n++) {
        _snwprintf(wtmp, sizeof wtmp / sizeof wtmp[0], L"%ls.tmp%lu.%u", wide,
                   (unsigned long)GetCurrentProcessId(), n);
        wtmp[sizeof wtmp / sizeof wtmp[0] - 1] = L'\0';
        h = CreateFileW(wtmp, GENERIC_WRITE, 0, NULL, CREATE_NEW,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        if (h != INVALID_HANDLE_VALUE)
            break;
        e = GetLastError();
        if ((e != ERROR_FILE_EXISTS && e != ERROR_ALREADY_EXISTS) || n > 100)
            return spy__win_error(esc, "create", e, err);
    }
    while (len > 0) {
        DWORD chunk = len > 0x40000000u ? 0x40000000u : (DWORD)len;
        if (!WriteFile(h, text, chunk, &put, NULL) || put == 0) {
            e = GetLastError();
            CloseHandle(h);
            DeleteFileW(wtmp);
            return spy__win_error(esc, "write", e, err);
        }
        text += put;
        len -= put;
    }
    if (!FlushFileBuffers(h)) {
        e = GetLastError();
        CloseHandle(h);
        DeleteFileW(wtmp);
        return spy__win_error(esc, "FlushFileBuffers", e, err);
    }
    CloseHandle(h);
    /* Without MOVEFILE_REPLACE_EXISTING an existing file is an error
     * (ERROR_ALREADY_EXISTS), atomically. */
    flags = MOVEFILE_WRITE_THROUGH | (replace ? MOVEFILE_REPLACE_EXISTING : 0);
    if (!MoveFileExW(wtmp, wide, flags)) {
        e = GetLastError();
        DeleteFileW(wtmp);
        if (e == ERROR_ALREADY_EXISTS || e == ERROR_FILE_EXISTS)
            return spy_err_set(err, SPY_EEXIST, (int)e, "%s: %s", esc,
                               "file exists");
        return spy__win_error(esc, "rename", e, err);
    }
    return 0;
}
