/* bench_record.c - writers for scripts/bench's record section.
 *
 *   bench_record changes NAME BYTES_PER_S SECONDS OUT
 *     Maps the existing POSIX object NAME and changes about BYTES_PER_S
 *     bytes a second in it, 100 times a second (each time BYTES_PER_S /
 *     100 bytes, as 64-byte blocks at random aligned offsets, holding a
 *     counter and a little text: data as a program writes it, somewhat
 *     compressible), for SECONDS seconds. Appends every block written to
 *     OUT: `zstd -1` of OUT is the compressed size of the changed bytes,
 *     against which a recording's size is compared.
 *
 *   bench_record speed NAME SECONDS
 *     Writes 8-byte words at random offsets of NAME in a tight loop for
 *     SECONDS seconds and prints "writes N per_s R": the writer's speed,
 *     measured with and without a recorder. */
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

static uint64_t xorshift(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static uint8_t *map_object(const char *name, size_t *len) {
    struct stat st;
    uint8_t *p;
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 4096) {
        perror(name);
        exit(1);
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    close(fd);
    *len = (size_t)st.st_size;
    return p;
}

static int changes(const char *name, double per_s, double secs,
                   const char *out) {
    size_t len, blocks, per_tick;
    uint8_t *p = map_object(name, &len);
    uint64_t x = 88172645463325252u, n = 0;
    FILE *f = fopen(out, "wb");
    struct timespec next;
    double t0 = now_s();

    if (f == NULL) {
        perror(out);
        return 1;
    }
    blocks = len / 64;
    per_tick = (size_t)(per_s / 100 / 64);
    if (per_tick == 0)
        per_tick = 1;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (now_s() - t0 < secs) {
        for (size_t i = 0; i < per_tick; i++) {
            uint8_t b[64];
            size_t at = (size_t)(xorshift(&x) % blocks) * 64;
            n++;
            memset(b, 0, sizeof b);
            memcpy(b, &n, sizeof n);
            snprintf((char *)b + 8, 56, "item %llu state=%s t=%.3f",
                     (unsigned long long)(n % 1000), (n & 1) ? "busy" : "idle",
                     now_s() - t0);
            memcpy(p + at, b, 64);
            fwrite(b, 1, 64, f);
        }
        next.tv_nsec += 10000000L;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    fclose(f);
    printf("blocks %llu bytes %llu\n", (unsigned long long)n,
           (unsigned long long)n * 64);
    return 0;
}

static int speed(const char *name, double secs) {
    size_t len;
    uint64_t *p = (uint64_t *)(void *)map_object(name, &len);
    uint64_t x = 88172645463325252u, words = len / 8, n = 0;
    double t0 = now_s(), t;

    do {
        for (int i = 0; i < 100000; i++) {
            uint64_t r = xorshift(&x);
            p[r % words] = r;
        }
        n += 100000;
        t = now_s() - t0;
    } while (t < secs);
    printf("writes %llu per_s %.0f\n", (unsigned long long)n, (double)n / t);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "changes") == 0)
        return changes(argv[2], atof(argv[3]), atof(argv[4]), argv[5]);
    if (argc == 4 && strcmp(argv[1], "speed") == 0)
        return speed(argv[2], atof(argv[3]));
    fprintf(stderr, "usage: bench_record changes NAME BYTES_PER_S SECONDS OUT\n"
                    "       bench_record speed NAME SECONDS\n");
    return 2;
}
