/*
 * win_str_pair - the classic two-process example of named shared memory
 * on Windows, as one program in two roles: a 1 KiB section holding a
 * string.
 *
 *   win_str_pair write [NAME]   create it, copy "Hello from Process 1"
 *                               into it, hold it until Enter
 *   win_str_pair read [NAME]    open it and print the string
 *
 * NAME defaults to Local\MyFileMappingObject.
 */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#define BUF_SIZE 1024

int main(int argc, char **argv) {
    const char *name = argc > 2 ? argv[2] : "Local\\MyFileMappingObject";
    int writer = argc > 1 && strcmp(argv[1], "write") == 0;
    HANDLE h;
    char *p, line[16];

    if (argc < 2 || (!writer && strcmp(argv[1], "read") != 0)) {
        fprintf(stderr, "usage: win_str_pair write|read [NAME]\n");
        return 2;
    }
    h = writer ? CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
                                    0, BUF_SIZE, name)
               : OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    if (h == NULL) {
        fprintf(stderr, "win_str_pair: %s %s: error %lu\n",
                writer ? "CreateFileMapping" : "OpenFileMapping", name,
                (unsigned long)GetLastError());
        return 1;
    }
    p = MapViewOfFile(h, writer ? FILE_MAP_ALL_ACCESS : FILE_MAP_READ, 0, 0,
                      BUF_SIZE);
    if (p == NULL) {
        fprintf(stderr, "win_str_pair: MapViewOfFile: error %lu\n",
                (unsigned long)GetLastError());
        CloseHandle(h);
        return 1;
    }
    if (writer) {
        strcpy(p, "Hello from Process 1");
        printf("win_str_pair: wrote to %s; press Enter to release\n", name);
        fflush(stdout);
        if (fgets(line, sizeof line, stdin) == NULL) {
            /* end of input: release as well */
        }
    } else {
        printf("%.*s\n", BUF_SIZE - 1, p);
    }
    UnmapViewOfFile(p);
    CloseHandle(h);
    return 0;
}
