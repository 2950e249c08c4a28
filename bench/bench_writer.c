/* bench_writer.c - a writer for scripts/bench's watch measurement: maps an
 * existing POSIX object and keeps writing 8-byte words at random offsets.
 *
 *   bench_writer NAME WRITES_PER_MS all|view SECONDS
 *
 * Writes WRITES_PER_MS words at random offsets of the whole object (and,
 * with "view", one more in its first 4 KiB, which a watch view shows),
 * then sleeps for a millisecond, over and over, for SECONDS seconds. With
 * 1000: several hundred thousand writes a second (the sleeps run long),
 * so that most pages of a 1 GiB segment change every second (and with
 * "view" the view changes in every frame), at about a tenth of a core.
 * Prints how many words it wrote. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const struct timespec ms = {0, 1000000};
    uint64_t x = 88172645463325252u, words, writes = 0;
    double secs, t0;
    long per_ms;
    int view;
    struct stat st;
    uint64_t *p;
    int fd;

    if (argc != 5 ||
        (strcmp(argv[3], "all") != 0 && strcmp(argv[3], "view") != 0)) {
        fprintf(stderr,
                "usage: bench_writer NAME WRITES_PER_MS all|view SECONDS\n");
        return 2;
    }
    per_ms = atol(argv[2]);
    view = strcmp(argv[3], "view") == 0;
    secs = atof(argv[4]);
    fd = shm_open(argv[1], O_RDWR, 0);
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 8) {
        perror(argv[1]);
        return 1;
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    words = (uint64_t)st.st_size / 8;
    t0 = now_s();
    while (now_s() - t0 < secs) {
        long i;
        for (i = 0; i < per_ms; i++) {
            /* xorshift64: a random word index and value. */
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p[x % words] = x;
        }
        writes += (uint64_t)per_ms;
        if (view) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p[x % (words < 512 ? words : 512)] = x;
            writes++;
        }
        nanosleep(&ms, NULL);
    }
    printf("writes %llu in %.1f s\n", (unsigned long long)writes, now_s() - t0);
    return 0;
}
