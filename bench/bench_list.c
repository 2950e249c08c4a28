/* bench_list.c - in-process timings of the list backend, for scripts/bench.
 *
 *   bench_list [RUNS]
 *     Prints, as "name median_ms min_ms" lines, the median and minimum over
 *     RUNS passes of: the POSIX listing without mappers (readdir + fstatat
 *     + owner names), the same with the mapper counts, the mappers pass
 *     alone (one scan of /proc/[0-9]*\/maps, shared.h; PROCMAP_QUERY
 *     where the kernel has it), the same reading the maps text
 *     (mappers_pass_text), the descriptors pass alone (fds_pass), both
 *     passes (the pass of `list --kind all`), and the whole listing of
 *     every kind with counts.
 *   bench_list pairs
 *     Prints what that pass found, one use a line: "KIND DEV INO PID FD
 *     PATH" (DEV as MAJ:MIN, FD -1 for a mapping), for scripts/bench to
 *     compare with lsfd. KIND is spy_kind_name's.
 *
 * Timing is the benchmark's business: no test asserts on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "backends/seg.h"
#include "backends/posix/shared.h"

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

/* The uses of every shared object, one a line (see the top). */
static int print_pairs(void) {
    spy__shared_set set;
    spy_err e;
    size_t i, j;
    if (spy__shared_scan(SPY__SCAN_MAPS | SPY__SCAN_FDS, 0, &set, &e) != 0)
        return 1;
    for (i = 0; i < set.n; i++) {
        const spy__shared_obj *o = &set.v[i];
        for (j = 0; j < o->nuses; j++)
            printf("%s %u:%u %llu %d %d %s\n", spy_kind_name(o->kind),
                   major((dev_t)o->dev), minor((dev_t)o->dev),
                   (unsigned long long)o->ino, (int)o->uses[j].pid,
                   (int)o->uses[j].fd, o->path);
    }
    spy__shared_free(&set);
    return 0;
}

/* Times RUNS scans of what (SPY__SCAN_*). 0, or 1 when one failed. */
static int time_scan(const char *name, unsigned what, double *t, int runs) {
    int i;
    for (i = 0; i < runs; i++) {
        spy__shared_set set;
        spy_err e;
        double a = now_ms();
        int rc = spy__shared_scan(what, 0, &set, &e);
        t[i] = now_ms() - a;
        spy__shared_free(&set);
        if (rc != 0)
            return 1;
    }
    report(name, t, runs);
    return 0;
}

/* Times RUNS listings with flags. 0, or 1 when one failed. */
static int time_list(const char *name, unsigned flags, double *t, int runs) {
    int i;
    for (i = 0; i < runs; i++) {
        spy_err e;
        double a = now_ms();
        rows = mapped = 0;
        if (spy_backend_list(flags, count_row, NULL, &e) != 0)
            return 1;
        t[i] = now_ms() - a;
    }
    report(name, t, runs);
    return 0;
}

int main(int argc, char **argv) {
    int runs;
    double *t;

    if (argc > 1 && strcmp(argv[1], "pairs") == 0)
        return print_pairs();
    runs = argc > 1 ? atoi(argv[1]) : 15;
    if (runs < 1 || runs > 10000)
        runs = 15;
    t = calloc((size_t)runs, sizeof *t);
    if (t == NULL)
        return 1;
    if (time_list("list_posix", SPY_LIST_POSIX, t, runs) != 0 ||
        time_list("list_posix_mappers", SPY_LIST_POSIX | SPY_LIST_MAPPERS, t,
                  runs) != 0)
        return 1;
    printf("rows %zu mapped %zu\n", rows, mapped);
    if (time_scan("mappers_pass", SPY__SCAN_MAPS, t, runs) != 0 ||
        time_scan("mappers_pass_text", SPY__SCAN_MAPS | SPY__SCAN_MAPS_TEXT, t,
                  runs) != 0 ||
        time_scan("fds_pass", SPY__SCAN_FDS, t, runs) != 0 ||
        time_scan("shared_pass", SPY__SCAN_MAPS | SPY__SCAN_FDS, t, runs) !=
            0 ||
        time_list("list_all",
                  SPY_LIST_ALL | SPY_LIST_MAPPERS | SPY_LIST_HOLDERS, t,
                  runs) != 0)
        return 1;
    free(t);
    return 0;
}
