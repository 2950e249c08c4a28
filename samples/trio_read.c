/*
 * trio_read - step 3 of 3: print the string stored at an offset.
 *
 *   trio_read NAME OFFSET
 *
 * Opens the object read-only, checks OFFSET against its size, and prints
 * the NUL-terminated string found there, escaped (the bytes are whatever
 * another process left: they may not be text, or may have no NUL).
 * OFFSET accepts 0x hex and K/M/G suffixes.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_util.h"

static const char *prog = "trio_read";

int main(int argc, char **argv) {
    char name[SAMPLE_NAME_BUF];
    uint64_t offset, size, avail, len;
    const unsigned char *str, *nul;
    void *map;
    struct stat st;
    int fd;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME OFFSET   (e.g. %s /trio 16)\n", prog,
                prog);
        return SAMPLE_EXIT_USAGE;
    }
    if (sample_shm_name(prog, argv[1], name) != 0)
        return SAMPLE_EXIT_USAGE;
    if (sample_parse_u64(argv[2], &offset) != 0) {
        fprintf(stderr, "%s: OFFSET %s: not a number\n", prog, argv[2]);
        return SAMPLE_EXIT_USAGE;
    }

    fd = shm_open(name, O_RDONLY, 0);
    if (fd < 0) {
        if (errno == ENOENT)
            fprintf(stderr,
                    "%s: %s: no such shared memory object — run "
                    "trio_create %s SIZE first\n",
                    prog, name, name);
        else
            fprintf(stderr, "%s: %s: cannot open for reading: %s\n", prog, name,
                    strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: %s: fstat: %s\n", prog, name, strerror(errno));
        close(fd);
        return SAMPLE_EXIT_RUNTIME;
    }
    size = (uint64_t)st.st_size;
    if (size == 0) {
        fprintf(stderr,
                "%s: %s: is 0 bytes — it was created but never "
                "ftruncate'd\n",
                prog, name);
        close(fd);
        return SAMPLE_EXIT_RUNTIME;
    }
    if (!sample_size_fits(size) || offset >= size) {
        fprintf(stderr,
                "%s: %s: offset %llu is outside this %llu-byte "
                "object\n",
                prog, name, (unsigned long long)offset,
                (unsigned long long)size);
        close(fd);
        return SAMPLE_EXIT_RUNTIME;
    }

    map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        fprintf(stderr, "%s: %s: cannot map: %s\n", prog, name,
                strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }

    /* The string may run at most to the end of the object; no strlen(). */
    str = (const unsigned char *)map + offset;
    avail = size - offset;
    nul = memchr(str, '\0', (size_t)avail);
    len = nul != NULL ? (uint64_t)(nul - str) : avail;

    printf("offset %llu of %s (%llu bytes): ", (unsigned long long)offset, name,
           (unsigned long long)size);
    sample_print_escaped(stdout, str, (size_t)len);
    printf("%s\n", nul != NULL ? "" : "  (no NUL before the end)");

    munmap(map, (size_t)size);
    return SAMPLE_EXIT_OK;
}
