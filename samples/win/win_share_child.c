/*
 * win_share_child - a parent and a child process sharing an UNNAMED
 * section, first by handle inheritance, then by DuplicateHandle.
 *
 *   win_share_child            run both ways and print what the child wrote
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
    if (GetModuleFileNameA(NULL, self, sizeof self) == 0)
        return 1;
    return parent(self, 1) | parent(self, 0);
}
