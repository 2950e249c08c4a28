/* bench_list.c - in-process timings of the list backend, for scripts/bench.
 *
 * Prints, as "name median_ms min_ms" lines, the median and minimum over
 * RUNS passes of: the POSIX listing without mappers (readdir + fstatat +
 * owner names), the same with the mapper counts, and the mappers pass
 * alone (one scan of /proc/[0-9]*\/maps counting who maps each /dev/shm
 * inode). Timing is the benchmark's business: no test asserts on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backends/seg.h"
#include "backends/posix/internal.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t rows, mapped;

static int count_row(const spy_seg_info *info, void *arg) {
    (void)arg;
    rows++;
    if (info->nattch > 0)
        mapped++;
    return 0;
}

static void report(const char *name, double *t, int runs) {
    qsort(t, (size_t)runs, sizeof t[0], by_double);
    printf("%s %.3f %.3f\n", name, t[runs / 2], t[0]);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 15, i;
    double *t;
    struct stat st;
    spy_err e;

    if (runs < 1 || runs > 10000)
        runs = 15;
    t = calloc((size_t)runs, sizeof *t);
    if (t == NULL || stat("/dev/shm", &st) != 0)
        return 1;
    for (i = 0; i < runs; i++) {
        double a = now_ms();
        rows = mapped = 0;
        if (spy_backend_list(SPY_LIST_POSIX, count_row, NULL, &e) != 0)
            return 1;
        t[i] = now_ms() - a;
    }
    report("list_posix", t, runs);
    for (i = 0; i < runs; i++) {
        double a = now_ms();
        rows = mapped = 0;
        if (spy_backend_list(SPY_LIST_POSIX | SPY_LIST_MAPPERS, count_row, NULL,
                             &e) != 0)
            return 1;
        t[i] = now_ms() - a;
    }
    report("list_posix_mappers", t, runs);
    for (i = 0; i < runs; i++) {
        size_t n;
        int ok, hidden;
        double a = now_ms();
        spy__ino_count *c =
            spy__maps_count((uint64_t)st.st_dev, &n, &ok, &hidden);
        t[i] = now_ms() - a;
        free(c);
        if (!ok)
            return 1;
    }
    report("mappers_pass", t, runs);
    printf("rows %zu mapped %zu\n", rows, mapped);
    free(t);
    return 0;
}
