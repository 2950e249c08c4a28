/*
 * win_share_child - a parent and a child process sharing an UNNAMED
 * section, first by handle inheritance, then by DuplicateHandle.
 *
 *   win_share_child            run both ways and print what the child wrote
 *   win_share_child --hold     share it by inheritance and keep it: the
 *                              child writes, both keep their handles, the
 *                              parent prints the pids and handles and
 *                              waits for a line (or end of file) on its
 *                              standard input; the child ends with it.
 *                              It also holds a file-backed unnamed section
 *                              of a temporary file, and that file's handle.
 *
 * --hold prints, one per line (handles in hex, as shmspy names them):
 *   parent PID handle 0xH          the pagefile-backed section
 *   child PID handle 0xH           the same section, inherited
 *   file-section PID handle 0xH    a section of the file below
 *   file PID handle 0xH PATH       the file itself (not a section)
 *   view PID 0xADDR                where the parent maps the first section
 *                                  (read-write)
 *   view-ro PID 0xADDR             a second, read-only view of it
 *   ready
 * and when it lets go:
 *   at-exit TEXT                   the string the section then holds
 *
 * Inheritance: the parent creates the section with an inheritable handle
 * (SECURITY_ATTRIBUTES.bInheritHandle), starts the child with
 * bInheritHandles = TRUE, and passes the handle's value on the command
 * line: in the child the same value names the same section.
 *
 * DuplicateHandle: the section's handle is not inheritable; the child
 * opens the parent process (PROCESS_DUP_HANDLE) and copies the parent's
 * handle into its own handle table.
 *
 * Either way the child maps the section and writes a string that the
 * parent then reads: no name, no file, one section.
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE 4096

static int child(HANDLE h, const char *how) {
    char *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, SIZE);
    if (p == NULL) {
        fprintf(stderr, "child: MapViewOfFile: error %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    snprintf(p, SIZE, "Hello from the child (%s), pid %lu", how,
             (unsigned long)GetCurrentProcessId());
    UnmapViewOfFile(p);
    CloseHandle(h);
    return 0;
}

static int run_child(const char *self, const char *args, int inherit) {
    char cmd[MAX_PATH + 128];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD code = 1;

    snprintf(cmd, sizeof cmd, "\"%s\" %s", self, args);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(self, cmd, NULL, NULL, inherit, 0, NULL, NULL, &si,
                        &pi)) {
        fprintf(stderr, "parent: CreateProcess: error %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}

static int parent(const char *self, int inherit) {
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, inherit};
    char args[96], *p;
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0,
                                  SIZE, NULL);
    int rc;

    if (h == NULL) {
        fprintf(stderr, "parent: CreateFileMapping: error %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    if (inherit)
        snprintf(args, sizeof args, "--child-inherit %llu",
                 (unsigned long long)(uintptr_t)h);
    else
        snprintf(args, sizeof args, "--child-dup %lu %llu",
                 (unsigned long)GetCurrentProcessId(),
                 (unsigned long long)(uintptr_t)h);
    rc = run_child(self, args, inherit);
    p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, SIZE);
    if (rc == 0 && p != NULL)
        printf("%s: %s\n", inherit ? "inherited handle" : "DuplicateHandle", p);
    if (p != NULL)
        UnmapViewOfFile(p);
    CloseHandle(h);
    return rc != 0 || p == NULL;
}

/* --child-hold: writes as the child does, then keeps the handle until the
 * parent ends. */
static int child_hold(HANDLE h, DWORD parent_pid) {
    HANDLE parent = OpenProcess(SYNCHRONIZE, FALSE, parent_pid);
    char *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, SIZE);
    if (p == NULL || parent == NULL) {
        fprintf(stderr, "child: MapViewOfFile/OpenProcess: error %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    snprintf(p, SIZE, "Hello from the child (inherited handle), pid %lu",
             (unsigned long)GetCurrentProcessId());
    UnmapViewOfFile(p);
    WaitForSingleObject(parent, INFINITE);
    CloseHandle(h);
    return 0;
}

static int hold(const char *self) {
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    char args[96], dir[MAX_PATH], path[MAX_PATH], line[16];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    HANDLE h, file, fsec;
    char *p, *ro, *fp;
    int i;

    h = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, SIZE,
                           NULL);
    if (h == NULL || GetTempPathA(sizeof dir, dir) == 0 ||
        GetTempFileNameA(dir, "spy", 0, path) == 0) {
        fprintf(stderr,
                "parent: CreateFileMapping/GetTempFileName: error "
                "%lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
    fsec = file == INVALID_HANDLE_VALUE
               ? NULL
               : CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, SIZE, NULL);
    fp = fsec == NULL ? NULL : MapViewOfFile(fsec, FILE_MAP_WRITE, 0, 0, SIZE);
    if (fp == NULL) {
        fprintf(stderr, "parent: %s: file section: error %lu\n", path,
                (unsigned long)GetLastError());
        return 1;
    }
    snprintf(fp, SIZE, "Hello from the file");
    snprintf(args, sizeof args, "--child-hold %llu %lu",
             (unsigned long long)(uintptr_t)h,
             (unsigned long)GetCurrentProcessId());
    {
        char cmd[MAX_PATH + 128];
        snprintf(cmd, sizeof cmd, "\"%s\" %s", self, args);
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        if (!CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si,
                            &pi)) {
            fprintf(stderr, "parent: CreateProcess: error %lu\n",
                    (unsigned long)GetLastError());
            return 1;
        }
    }
    /* The child's string, before saying we are ready (30 s at most). The
     * view is writable, so that shmspy can write through this process's
     * memory (pid:PID@ADDR); a second view is read-only, which such a
     * write must refuse. */
    p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, SIZE);
    ro = MapViewOfFile(h, FILE_MAP_READ, 0, 0, SIZE);
    for (i = 0; p != NULL && p[0] == '\0' && i < 3000; i++)
        Sleep(10);
    if (p == NULL || ro == NULL || p[0] == '\0') {
        fprintf(stderr, "parent: the child wrote nothing\n");
        TerminateProcess(pi.hProcess, 1);
        return 1;
    }
    printf("parent %lu handle 0x%llx\n", (unsigned long)GetCurrentProcessId(),
           (unsigned long long)(uintptr_t)h);
    printf("child %lu handle 0x%llx\n", (unsigned long)pi.dwProcessId,
           (unsigned long long)(uintptr_t)h);
    printf("file-section %lu handle 0x%llx\n",
           (unsigned long)GetCurrentProcessId(),
           (unsigned long long)(uintptr_t)fsec);
    printf("file %lu handle 0x%llx %s\n", (unsigned long)GetCurrentProcessId(),
           (unsigned long long)(uintptr_t)file, path);
    printf("view %lu 0x%llx\n", (unsigned long)GetCurrentProcessId(),
           (unsigned long long)(uintptr_t)p);
    printf("view-ro %lu 0x%llx\n", (unsigned long)GetCurrentProcessId(),
           (unsigned long long)(uintptr_t)ro);
    printf("ready\n");
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        /* end of file: let go too */
    }
    /* What the section holds now, as this process sees it: what others
     * wrote meanwhile (at most 64 bytes, one line). */
    printf("at-exit %.64s\n", p);
    fflush(stdout);
    UnmapViewOfFile(ro);
    UnmapViewOfFile(p);
    UnmapViewOfFile(fp);
    CloseHandle(fsec);
    CloseHandle(file);
    DeleteFileA(path);
    CloseHandle(h);
    /* The child ends with us: it waits for this process to exit. */
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return 0;
}

int main(int argc, char **argv) {
    char self[MAX_PATH];

    if (argc == 3 && strcmp(argv[1], "--child-inherit") == 0)
        return child((HANDLE)(uintptr_t)strtoull(argv[2], NULL, 10),
                     "inherited handle");
    if (argc == 4 && strcmp(argv[1], "--child-dup") == 0) {
        HANDLE from = OpenProcess(PROCESS_DUP_HANDLE, FALSE,
                                  (DWORD)strtoul(argv[2], NULL, 10));
        HANDLE mine = NULL;
        if (from == NULL ||
            !DuplicateHandle(
                from, (HANDLE)(uintptr_t)strtoull(argv[3], NULL, 10),
                GetCurrentProcess(), &mine, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
            fprintf(stderr, "child: DuplicateHandle: error %lu\n",
                    (unsigned long)GetLastError());
            return 1;
        }
        CloseHandle(from);
        return child(mine, "DuplicateHandle");
    }
    if (argc == 4 && strcmp(argv[1], "--child-hold") == 0)
        return child_hold((HANDLE)(uintptr_t)strtoull(argv[2], NULL, 10),
                          (DWORD)strtoul(argv[3], NULL, 10));
    if (GetModuleFileNameA(NULL, self, sizeof self) == 0)
        return 1;
    if (argc == 2 && strcmp(argv[1], "--hold") == 0)
        return hold(self);
    return parent(self, 1) | parent(self, 0);
}
