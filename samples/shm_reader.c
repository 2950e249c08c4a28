/*
 * shm_reader - open the object shm_writer made and print what is in it.
 *
 *   shm_reader [NAME]
 *
 * Reading is the mirror image of writing: shm_open an existing name
 * read-only, fstat to learn its size, mmap(PROT_READ), read. The layout is
 * in sample_layout.h, shared with shm_writer. Every step can fail for a
 * reason worth explaining, so each failure gets its own message.
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_layout.h"
#include "sample_util.h"

static const char *prog = "shm_reader";

int main(int argc, char **argv) {
    char name[SAMPLE_NAME_BUF];
    const unsigned char *mem;
    void *map;
    const unsigned char *nul;
    struct stat st;
    int32_t value;
    int fd;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: %s [NAME]   (default %s)\n", prog,
                SAMPLE_DEFAULT_NAME);
        return SAMPLE_EXIT_USAGE;
    }
    if (sample_shm_name(prog, argc == 2 ? argv[1] : SAMPLE_DEFAULT_NAME,
                        name) != 0)
        return SAMPLE_EXIT_USAGE;

    /* No O_CREAT: we only want an object that already exists. */
    fd = shm_open(name, O_RDONLY, 0);
    if (fd < 0) {
        if (errno == ENOENT)
            fprintf(stderr,
                    "%s: %s: no such shared memory object — start shm_writer "
                    "first (or it has already exited and removed it)\n",
                    prog, name);
        else if (errno == EACCES)
            fprintf(stderr,
                    "%s: %s: permission denied — its mode does not let you "
                    "read it (shm_writer creates it 0600: owner only)\n",
                    prog, name);
        else
            fprintf(stderr, "%s: %s: cannot open: %s\n", prog, name,
                    strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }

    /*
     * Touching a mapped page that lies beyond the end of the object raises
     * SIGBUS, so learn the size before trusting the layout. (If the object
     * shrank after this check we could still fault; shmspy itself guards
     * every read against that, a sample keeps it simple.)
     */
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: %s: fstat: %s\n", prog, name, strerror(errno));
        close(fd);
        return SAMPLE_EXIT_RUNTIME;
    }
    if (st.st_size == 0) {
        fprintf(stderr,
                "%s: %s: exists but is 0 bytes — it was created but never "
                "ftruncate'd (is the writer still starting?)\n",
                prog, name);
        close(fd);
        return SAMPLE_EXIT_RUNTIME;
    }
    if (st.st_size < SAMPLE_LAYOUT_SIZE) {
        fprintf(stderr,
                "%s: %s: only %lld bytes, the sample layout needs %d — not "
                "made by shm_writer, or truncated since\n",
                prog, name, (long long)st.st_size, SAMPLE_LAYOUT_SIZE);
        close(fd);
        return SAMPLE_EXIT_RUNTIME;
    }

    /* Map only the part we read; a mapping may be smaller than the object. */
    map = mmap(NULL, SAMPLE_LAYOUT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd); /* done with the fd either way; a mapping outlives it */
    if (map == MAP_FAILED) {
        fprintf(stderr, "%s: %s: cannot map: %s\n", prog, name,
                strerror(errno));
        return SAMPLE_EXIT_RUNTIME;
    }
    mem = map;

    /*
     * Same bytes as the writer, but at an address of OUR choosing (the
     * kernel's, really): compare with the writer's "mapped ... at" line.
     * That is why shared memory must hold offsets, never pointers.
     */
    printf("%s: opened %s (%lld bytes), pid %ld\n", prog, name,
           (long long)st.st_size, (long)getpid());
    printf("%s: mapped %d bytes at %p in this process\n", prog,
           SAMPLE_LAYOUT_SIZE, (const void *)mem);

    memcpy(&value, mem + SAMPLE_OFF_VALUE, sizeof value);
    printf("value (int32 at offset %d): %ld\n", SAMPLE_OFF_VALUE, (long)value);

    /*
     * Never strlen() memory another process controls: if it holds no NUL
     * we would run off the end. Look for the NUL inside the field only.
     */
    nul = memchr(mem + SAMPLE_OFF_TEXT, '\0', SAMPLE_TEXT_MAX);
    printf("text  (string at offset %d): ", SAMPLE_OFF_TEXT);
    sample_print_escaped(stdout, mem + SAMPLE_OFF_TEXT,
                         nul != NULL ? (size_t)(nul - (mem + SAMPLE_OFF_TEXT))
                                     : SAMPLE_TEXT_MAX);
    printf("%s\n", nul != NULL ? "" : "  (no NUL in the field: cut short)");

    munmap(map, SAMPLE_LAYOUT_SIZE);
    return SAMPLE_EXIT_OK;
}
