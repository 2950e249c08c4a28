/* win32/process.c - process.h on Windows: process-wide setup, the page
 * size, clocks, the hold (waiting for Enter, end of input or a console
 * control event: write --hold), files written durably (the inject
 * journal) or read whole, and entropy. */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* ---- process helpers ----------------------------------------------------
 */

void spy_process_init(void) {
    /* Binary standard streams: `dump --format raw` writes bytes unchanged
     * and text output is byte-identical to the POSIX build (LF, no CR). */
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    /* A crash ends the process with its exception code instead of waiting
     * for someone to close an error dialog. */
    SetErrorMode(GetErrorMode() | SEM_FAILCRITICALERRORS |
                 SEM_NOGPFAULTERRORBOX);
}

uint64_t spy_page_size(void) {
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwPageSize > 0 ? (uint64_t)si.dwPageSize : 4096;
}

int64_t spy_now(void) {
    return (int64_t)time(NULL);
}

uint64_t spy_monotonic_ms(void) {
    return (uint64_t)GetTickCount64();
}

void spy_sleep_ms(unsigned ms) {
    Sleep(ms);
}

uint64_t spy_monotonic_ns(void) {
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (uint64_t)(c.QuadPart / f.QuadPart) * 1000000000u +
           (uint64_t)(c.QuadPart % f.QuadPart) * 1000000000u /
               (uint64_t)f.QuadPart;
}

uint64_t spy_wall_ns(void) {
    FILETIME ft;
    uint64_t t;
    GetSystemTimeAsFileTime(&ft);
    t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    /* 100 ns units since 1601 */
    return (t - UINT64_C(116444736000000000)) * 100u;
}

int spy_save_signal_catch(void (*fn)(int), spy_err *err) {
    (void)fn;
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "Windows has no SIGUSR1: a ring is saved at the end");
}

void spy_save_signal_restore(void) {
}

/* Sleep's granularity is the timer tick (1 to 15.6 ms): the last
 * millisecond is waited out by yielding. */
void spy_sleep_until_ns(uint64_t deadline_ns) {
    for (;;) {
        uint64_t now = spy_monotonic_ns();
        if (now >= deadline_ns)
            return;
        if (deadline_ns - now > 2000000u)
            Sleep((DWORD)((deadline_ns - now) / 1000000u - 1));
        else
            Sleep(0);
    }
}

/* ---- holding ------------------------------------------------------------
 * Two waitable events: one set by the console control handler (Ctrl-C,
 * Ctrl-Break, console closed; Windows runs the handler on a thread of its
 * own), one by a thread that reads standard input until a newline or its
 * end. spy_hold_wait waits for either. */

static HANDLE hold_ctrl_event, hold_input_event;
static volatile LONG hold_ctrl_type = -1;
static const char *volatile hold_input_why;
static int hold_armed;

static BOOL WINAPI hold_ctrl_handler(DWORD type) {
    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        InterlockedCompareExchange(&hold_ctrl_type, (LONG)type, -1);
        SetEvent(hold_ctrl_event);
        if (type == CTRL_CLOSE_EVENT) {
            /* The process ends when this handler returns: give the main
             * thread time to release what it holds. */
            Sleep(2000);
        }
        return TRUE;
    default:
        return FALSE;
    }
}

static DWORD WINAPI hold_input_thread(LPVOID arg) {
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    char buf[256];
    DWORD got;

    (void)arg;
    for (;;) {
        if (!ReadFile(in, buf, sizeof buf, &got, NULL) || got == 0) {
            hold_input_why = "end of input";
            break;
        }
        if (memchr(buf, '\n', got) != NULL || memchr(buf, '\r', got) != NULL) {
            hold_input_why = "Enter";
            break;
        }
    }
    SetEvent(hold_input_event);
    return 0;
}

int spy_hold_arm(spy_err *err) {
    if (hold_armed)
        return 0;
    hold_ctrl_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    hold_input_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (hold_ctrl_event == NULL || hold_input_event == NULL)
        return spy__win_error("hold", "CreateEvent", GetLastError(), err);
    hold_ctrl_type = -1;
    if (!SetConsoleCtrlHandler(hold_ctrl_handler, TRUE))
        return spy__win_error("hold", "SetConsoleCtrlHandler", GetLastError(),
                              err);
    hold_armed = 1;
    return 0;
}

int spy_hold_wait(const char **why, spy_err *err) {
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE), waits[2], thread;
    DWORD n = 1, r;
    int rc;

    *why = "?";
    if ((rc = spy_hold_arm(err)) != 0)
        return rc;
    waits[0] = hold_ctrl_event;
    /* Without standard input there is nothing to read: wait for a control
     * event alone. The reader thread may stay blocked in ReadFile after
     * a control event; the process is about to end then. */
    if (in != NULL && in != INVALID_HANDLE_VALUE) {
        thread = CreateThread(NULL, 0, hold_input_thread, NULL, 0, NULL);
        if (thread != NULL) {
            CloseHandle(thread);
            waits[n++] = hold_input_event;
        }
    }
    r = WaitForMultipleObjects(n, waits, FALSE, INFINITE);
    if (r == WAIT_OBJECT_0) {
        switch (hold_ctrl_type) {
        case CTRL_C_EVENT:
            *why = "Ctrl-C";
            break;
        case CTRL_BREAK_EVENT:
            *why = "Ctrl-Break";
            break;
        case CTRL_CLOSE_EVENT:
            *why = "console closed";
            break;
        default:
            *why = "logoff or shutdown";
            break;
        }
    } else if (r == WAIT_OBJECT_0 + 1) {
        *why = hold_input_why != NULL ? hold_input_why : "end of input";
    } else {
        rc = spy__win_error("hold", "WaitForMultipleObjects", GetLastError(),
                            err);
    }
    SetConsoleCtrlHandler(hold_ctrl_handler, FALSE);
    hold_armed = 0;
    return rc;
}

/* ---- files ---------------------------------------------------------------
 */

int spy_durable_create(const char *path, const void *data, size_t len,
                       spy_err *err) {
    WCHAR wide[4096];
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
    WCHAR wide[4096];
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

int spy_sees_all_processes(char *why, size_t cap) {
    (void)why;
    (void)cap;
    return 1; /* no PID namespaces */
}

void spy_platform_facts_get(spy_platform_facts *out) {
    out->platform = "windows";
    out->backend = "win32";
    out->kinds = "named sections, files";
}

int spy_stdout_reader_gone(int errnum) {
    HANDLE h = GetStdHandle(STD_OUTPUT_HANDLE);

    if (errnum == EPIPE)
        return 1;
    /* The C runtime maps ERROR_NO_DATA ("the pipe is being closed") to
     * EINVAL; a pipe is the only place that comes from on a write. */
    return errnum == EINVAL && h != INVALID_HANDLE_VALUE && h != NULL &&
           GetFileType(h) == FILE_TYPE_PIPE;
}
