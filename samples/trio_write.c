/*
 * trio_write - step 2 of 3: write a string into an existing object.
 *
 *   trio_write NAME OFFSET TEXT
 *
 * Opens the object trio_create made, checks that TEXT and its NUL fit
 * between OFFSET and the end of the object, writes them and exits. The
 * bytes stay in the object after we exit: trio_read will find them.
 * OFFSET accepts 0x hex and K/M/G suffixes.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_util.h"

static const char *prog = "trio_write";

int main(int argc, char **argv) {
    char name[SAMPLE_NAME_BUF];
    uint64_t offset, size, need;
    unsigned char *mem;
    struct stat st;
    const char *text;
    int fd;

    if (argc != 4) {
        fprintf(stderr, "usage: %s NAME OFFSET TEXT   (e.g. %s /trio 16 hi)\n",
                prog, prog);
        return SAMPLE_EXIT_USAGE;
    }
    if (sample_shm_name(prog, argv[1], name) != 0)
        return SAMPLE_EXIT_USAGE;
    if (sample_parse_u64(argv[2], &offset) != 0) {
        fprintf(stderr, "%s: OFFSET %s: not a number\n", prog, argv[2]);
        return SAMPLE_EXIT_USAGE;
    }
    text = argv[3];
    need = (uint64_t)strlen(text) + 1; /* the NUL is written too */

    fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) {
        if (errno == ENOENT)
            fprintf(stderr,
                    "%s: %s: no such shared memory object — run "
                    "trio_create %s SIZE first\n",
                    prog, name, name);
        else
            fprintf(stderr, "%s: %s: cannot open for writing: %s\n", prog, name,
                    strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }

    /*
     * Bounds check against the real size, before mapping. Writing past the
     * end of the object through a mapping raises SIGBUS. The test is
     * written as `need > size - offset` so that it cannot overflow.
     */
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
    if (!sample_size_fits(size) || offset >= size || need > size - offset) {
        fprintf(stderr,
                "%s: %s: %llu bytes (text + NUL) at offset %llu do not fit "
                "in this %llu-byte object",
                prog, name, (unsigned long long)need,
                (unsigned long long)offset, (unsigned long long)size);
        if (offset < size)
            fprintf(stderr, " (%llu characters + NUL fit there)",
                    (unsigned long long)(size - offset - 1));
        fputc('\n', stderr);
        close(fd);
        return SAMPLE_EXIT_RUNTIME;
    }

    /* mmap offsets must be page-aligned, so map from 0 and index into it. */
    mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mem == MAP_FAILED) {
        fprintf(stderr, "%s: %s: cannot map: %s\n", prog, name,
                strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }

    /*
     * A plain memory copy is the whole "write". No write() or msync()
     * needed: the mapping IS the object's memory, already visible to all.
     */
    memcpy(mem + offset, text, (size_t)need);
    munmap(mem, (size_t)size);

    printf("wrote %llu bytes (text + NUL) at offset %llu of %s (%llu bytes): ",
           (unsigned long long)need, (unsigned long long)offset, name,
           (unsigned long long)size);
    sample_print_escaped(stdout, (const unsigned char *)text, need - 1);
    putchar('\n');
    return SAMPLE_EXIT_OK;
}
