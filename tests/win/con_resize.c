/* con_resize.c - resize the console of a running Windows program, for the
 * TUI tests under Wine (tests/win/test_tui.sh).
 *
 *   con_resize IMAGE COLS ROWS
 *
 * Wine's console on a Unix terminal takes the terminal's size once, when it
 * starts: resizing the tmux pane later is never seen by the program. So the
 * test resizes the console itself, as a user dragging a console window
 * would: attach to the console of the one running process named IMAGE and
 * change the size of its active screen buffer and window. The console then
 * queues a WINDOW_BUFFER_SIZE_EVENT, which PDCurses reports as KEY_RESIZE.
 * Exit status 0 when the console has the new size, 1 otherwise (with a
 * sentence on stderr). */
#include <windows.h>

#include <tlhelp32.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The process id of the one process whose image is IMAGE, or 0 (with a
 * message) when there is none or more than one. */
static DWORD find_process(const char *image) {
    PROCESSENTRY32 pe;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    DWORD pid = 0;
    int n = 0;

    if (snap == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "con_resize: CreateToolhelp32Snapshot: error %lu\n",
                (unsigned long)GetLastError());
        return 0;
    }
    pe.dwSize = sizeof pe;
    if (Process32First(snap, &pe)) {
        do {
            if (_stricmp(pe.szExeFile, image) == 0) {
                pid = pe.th32ProcessID;
                n++;
            }
        } while (Process32Next(snap, &pe));
    }
    CloseHandle(snap);
    if (n != 1) {
        fprintf(stderr, "con_resize: %d processes named %s, want one\n", n,
                image);
        return 0;
    }
    return pid;
}

int main(int argc, char **argv) {
    CONSOLE_SCREEN_BUFFER_INFO info;
    SMALL_RECT win;
    COORD size;
    HANDLE out;
    DWORD pid;
    int cols, rows;

    if (argc != 4) {
        fprintf(stderr, "usage: con_resize IMAGE COLS ROWS\n");
        return 2;
    }
    cols = atoi(argv[2]);
    rows = atoi(argv[3]);
    pid = find_process(argv[1]);
    if (pid == 0)
        return 1;
    FreeConsole();
    if (!AttachConsole(pid)) {
        fprintf(stderr, "con_resize: AttachConsole %lu: error %lu\n",
                (unsigned long)pid, (unsigned long)GetLastError());
        return 1;
    }
    /* CONOUT$ is the console's active screen buffer (PDCurses' own). */
    out = CreateFileA("CONOUT$", GENERIC_READ | GENERIC_WRITE,
                      FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                      0, NULL);
    if (out == INVALID_HANDLE_VALUE ||
        !GetConsoleScreenBufferInfo(out, &info)) {
        fprintf(stderr, "con_resize: CONOUT$: error %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    /* The window must always fit in the buffer: shrink the window before
     * the buffer, grow the buffer before the window. A second round covers
     * a shrink in one dimension and a growth in the other; it is skipped
     * when the first did it all, since every change queues one more
     * resize event. */
    size.X = (SHORT)cols;
    size.Y = (SHORT)rows;
    win.Left = win.Top = 0;
    win.Right = (SHORT)(cols - 1);
    win.Bottom = (SHORT)(rows - 1);
    for (int i = 0; i < 2; i++) {
        SMALL_RECT small = win;
        if (small.Right > info.dwSize.X - 1)
            small.Right = (SHORT)(info.dwSize.X - 1);
        if (small.Bottom > info.dwSize.Y - 1)
            small.Bottom = (SHORT)(info.dwSize.Y - 1);
        SetConsoleWindowInfo(out, TRUE, &small);
        SetConsoleScreenBufferSize(out, size);
        SetConsoleWindowInfo(out, TRUE, &win);
        GetConsoleScreenBufferInfo(out, &info);
        if (info.dwSize.X == cols && info.dwSize.Y == rows)
            break;
    }
    if (info.dwSize.X != cols || info.dwSize.Y != rows ||
        info.srWindow.Right - info.srWindow.Left + 1 != cols ||
        info.srWindow.Bottom - info.srWindow.Top + 1 != rows) {
        fprintf(stderr,
                "con_resize: the console is %dx%d (window %dx%d), not %dx%d\n",
                info.dwSize.X, info.dwSize.Y,
                info.srWindow.Right - info.srWindow.Left + 1,
                info.srWindow.Bottom - info.srWindow.Top + 1, cols, rows);
        return 1;
    }
    return 0;
}
