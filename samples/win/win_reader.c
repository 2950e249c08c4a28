/*
 * win_reader - open a named section by name and print the int and the
 * string of ../sample_layout.h.
 *
 *   win_reader [NAME]                    (default Local\shmspy-sample)
 *
 * OpenFileMapping fails with ERROR_FILE_NOT_FOUND when no process holds
 * the section: the reader started before the writer, or after it ended.
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../sample_layout.h"

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "Local\\shmspy-sample";
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    const char *p;
    int32_t v;

    if (h == NULL) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND)
            fprintf(stderr,
                    "win_reader: %s: no such section (start the writer "
                    "first; it must still be running)\n",
                    name);
        else
            fprintf(stderr, "win_reader: OpenFileMapping %s: error %lu\n", name,
                    (unsigned long)e);
        return 1;
    }
    p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, SAMPLE_LAYOUT_SIZE);
    if (p == NULL) {
        fprintf(stderr, "win_reader: MapViewOfFile: error %lu\n",
                (unsigned long)GetLastError());
        CloseHandle(h);
        return 1;
    }
    memcpy(&v, p + SAMPLE_OFF_VALUE, sizeof v);
    printf("value: %ld\n", (long)v);
    printf("text:  %.*s\n", SAMPLE_TEXT_MAX - 1, p + SAMPLE_OFF_TEXT);
    UnmapViewOfFile(p);
    CloseHandle(h);
    return 0;
}
