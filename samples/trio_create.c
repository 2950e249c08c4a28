/*
 * trio_create - step 1 of 3: create a shared memory object and leave it.
 *
 *   trio_create NAME SIZE
 *
 * The trio (trio_create, trio_write, trio_read) splits the life of a
 * shared memory object over three short-lived programs, to show that the
 * object belongs to no process: it lives in the kernel (on Linux, as a file
 * in /dev/shm) until someone removes it, whoever created it and whether or
 * not anyone has it open. SIZE accepts 0x hex and K/M/G suffixes.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_util.h"

static const char *prog = "trio_create";

int main(int argc, char **argv) {
    char name[SAMPLE_NAME_BUF];
    uint64_t size;
    int fd;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME SIZE   (e.g. %s /trio 4096)\n", prog,
                prog);
        return SAMPLE_EXIT_USAGE;
    }
    if (sample_shm_name(prog, argv[1], name) != 0)
        return SAMPLE_EXIT_USAGE;
    if (sample_parse_u64(argv[2], &size) != 0 || size == 0 ||
        !sample_size_fits(size)) {
        fprintf(stderr,
                "%s: SIZE %s: want a byte count of at least 1 "
                "(decimal, 0x hex, K/M/G suffix)\n",
                prog, argv[2]);
        return SAMPLE_EXIT_USAGE;
    }

    /* O_EXCL: fail rather than silently reuse an existing object. */
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            fprintf(stderr,
                    "%s: %s: already exists — remove it first with "
                    "`shmspy rm %s` (or rm /dev/shm%s)\n",
                    prog, name, name, name);
        else
            fprintf(stderr, "%s: %s: cannot create: %s\n", prog, name,
                    strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    /* The mode passed to shm_open is filtered by the umask; fix it. */
    if (fchmod(fd, 0600) != 0)
        fprintf(stderr, "%s: %s: warning: fchmod 0600: %s\n", prog, name,
                strerror(errno));

    /* A new object has 0 bytes; ftruncate gives it SIZE zero bytes. */
    if (ftruncate(fd, (off_t)size) != 0) {
        fprintf(stderr, "%s: %s: cannot set size to %llu bytes: %s\n", prog,
                name, (unsigned long long)size, strerror(errno));
        close(fd);
        shm_unlink(name); /* do not leave a 0-byte object behind */
        return SAMPLE_EXIT_RUNTIME;
    }

    /* Closing the last fd does NOT remove the object: only shm_unlink does. */
    close(fd);
    printf("created %s: %llu bytes, mode 0600, all zero\n", name,
           (unsigned long long)size);
    printf("next: trio_write %s OFFSET TEXT; trio_read %s OFFSET; "
           "remove with `shmspy rm %s`\n",
           name, name, name);
    return SAMPLE_EXIT_OK;
}
