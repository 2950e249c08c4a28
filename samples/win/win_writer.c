/*
 * win_writer - create a pagefile-backed named section, put the int 100 and
 * a string in it (the layout of ../sample_layout.h), and hold it until
 * Enter or end of input.
 *
 *   win_writer [NAME] [--value N]        (default Local\shmspy-sample)
 *
 * On Windows a section has no name to unlink: it lives while any process
 * holds a handle or a view of it. So the writer must stay alive for a
 * reader (or `shmspy read`) to find it: that is what the wait is for.
 *   1. CreateFileMapping(INVALID_HANDLE_VALUE, ..., PAGE_READWRITE, size)
 *      creates the section backed by the page file (no file of ours);
 *      GetLastError() == ERROR_ALREADY_EXISTS says it existed already
 *   2. MapViewOfFile(FILE_MAP_ALL_ACCESS) makes its bytes visible here
 *   3. write through the pointer; other processes see the same bytes
 *   4. UnmapViewOfFile + CloseHandle; the section goes with the last handle
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sample_layout.h"

int main(int argc, char **argv) {
    const char *name = "Local\\shmspy-sample";
    long value = SAMPLE_DEFAULT_VALUE;
    HANDLE h;
    char *p, line[64];
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--value") == 0 && i + 1 < argc)
            value = strtol(argv[++i], NULL, 0);
        else if (argv[i][0] != '-')
            name = argv[i];
        else {
            fprintf(stderr, "usage: win_writer [NAME] [--value N]\n");
            return 2;
        }
    }
    h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                           SAMPLE_DEFAULT_SIZE, name);
    if (h == NULL) {
        fprintf(stderr, "win_writer: CreateFileMapping %s: error %lu\n", name,
                (unsigned long)GetLastError());
        return 1;
    }
    if (GetLastError() == ERROR_ALREADY_EXISTS) {
        fprintf(stderr, "win_writer: %s already exists\n", name);
        CloseHandle(h);
        return 1;
    }
    p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, SAMPLE_DEFAULT_SIZE);
    if (p == NULL) {
        fprintf(stderr, "win_writer: MapViewOfFile: error %lu\n",
                (unsigned long)GetLastError());
        CloseHandle(h);
        return 1;
    }
    {
        int32_t v = (int32_t)value;
        memcpy(p + SAMPLE_OFF_VALUE, &v, sizeof v);
    }
    strcpy(p + SAMPLE_OFF_TEXT, SAMPLE_DEFAULT_TEXT);
    printf("win_writer: %s holds %ld and \"%s\"; press Enter to release\n",
           name, value, SAMPLE_DEFAULT_TEXT);
    /* The classic bug: this address means nothing in another process. */
    printf("win_writer: the view is at 0x%llx in this process\n",
           (unsigned long long)(uintptr_t)p);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        /* end of input: release as well */
    }
    UnmapViewOfFile(p);
    CloseHandle(h);
    printf("win_writer: released %s\n", name);
    return 0;
}
