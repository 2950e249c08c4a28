/* bench_seek.c - the cost of a seek in a large recording, for
 * scripts/bench: writes a recording of about TOTAL_MIB (default 1024) of a
 * 64 MiB segment where 1 MiB changes per sample (16 runs of 64 KiB at
 * random block-aligned offsets, random bytes: incompressible), keyframes
 * as the writer's policy asks (spy_rec_writer_want_key), then opens it
 * and shows a 4 KiB frame at 200 random times and offsets.
 * Usage: bench_seek [DIR] [TOTAL_MIB] [plain|zstd]. Prints the file's
 * size, samples and keyframes, the write rate, the time to open, and the
 * median and max ms of a 4 KiB frame; the file is removed at the end.
 * The page cache is warm (the file was just written). Timing is the
 * benchmark's business: no test asserts on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ops/recording.h"

#define SEG ((uint64_t)64 << 20)
#define RUN (64u << 10)
#define RUNS 16
#define PERIOD 10000000ull

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x1234567;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill(uint8_t *p, size_t n) {
    size_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        uint64_t v = next();
        memcpy(p + i, &v, 8);
    }
}

static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int by_off(const void *a, const void *b) {
    const spy_rec_run *x = a, *y = b;
    return (x->off > y->off) - (x->off < y->off);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    uint64_t total = (argc > 2 ? strtoull(argv[2], NULL, 10) : 1024) << 20;
    unsigned flags =
        argc > 3 && strcmp(argv[3], "zstd") == 0 ? 0 : SPY_RECW_PLAIN;
    char path[4096];
    uint8_t *img = malloc(SEG), *data = malloc((size_t)RUN * RUNS);
    uint8_t frame[4096];
    spy_rec_writer *w;
    spy_rec_meta m;
    spy_timeline *tl;
    spy_err e;
    uint64_t seq = 0, keys = 1, bytes;
    double t0, t_write, t_open, ms[200];
    int i;

    if (img == NULL || data == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/bench_seek-%ld.shmspy-rec", dir,
             (long)getpid());
    fill(img, SEG);
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "/bench");
    m.period_ns = PERIOD;
    m.size = SEG;
    t0 = now_s();
    if (spy_rec_writer_open(path, &m, flags, &w, &e) != 0 ||
        spy_rec_write_key(w, 0, 0, img, SEG, &e) != 0) {
        fprintf(stderr, "bench_seek: %s\n", e.msg);
        return 1;
    }
    while (spy_rec_writer_bytes(w) < total) {
        spy_rec_run runs[RUNS];
        int k, n = 0;
        seq++;
        fill(data, (size_t)RUN * RUNS);
        for (k = 0; k < RUNS; k++) {
            uint64_t off = next() % (SEG - RUN) / 64 * 64;
            int j, clash = 0;
            for (j = 0; j < n; j++)
                if (off < runs[j].off + RUN && runs[j].off < off + RUN)
                    clash = 1;
            if (clash)
                continue;
            runs[n].off = off;
            runs[n].len = RUN;
            runs[n].data = data + (size_t)n * RUN;
            n++;
        }
        qsort(runs, (size_t)n, sizeof runs[0], by_off);
        for (k = 0; k < n; k++)
            memcpy(img + runs[k].off, runs[k].data, RUN);
        if (spy_rec_write_delta(w, seq * PERIOD, seq, SEG, runs, (size_t)n,
                                &e) != 0) {
            fprintf(stderr, "bench_seek: %s\n", e.msg);
            spy_rec_writer_abort(w);
            return 1;
        }
        if (spy_rec_writer_want_key(w)) {
            if (spy_rec_write_key(w, seq * PERIOD, seq, img, SEG, &e) != 0) {
                fprintf(stderr, "bench_seek: %s\n", e.msg);
                spy_rec_writer_abort(w);
                return 1;
            }
            keys++;
        }
    }
    bytes = spy_rec_writer_bytes(w);
    if (spy_rec_writer_close(w, &e) != 0) {
        fprintf(stderr, "bench_seek: %s\n", e.msg);
        return 1;
    }
    t_write = now_s() - t0;

    t0 = now_s();
    if (spy_timeline_open(path, &tl, &e) != 0) {
        fprintf(stderr, "bench_seek: %s\n", e.msg);
        unlink(path);
        return 1;
    }
    t_open = now_s() - t0;
    for (i = 0; i < 200; i++) {
        uint64_t t = next() % (seq * PERIOD + 1);
        uint64_t off = next() % (SEG - sizeof frame);
        t0 = now_s();
        if (spy_timeline_frame(tl, t, off, sizeof frame, frame, NULL, &e) !=
            0) {
            fprintf(stderr, "bench_seek: %s\n", e.msg);
            spy_timeline_close(tl);
            unlink(path);
            return 1;
        }
        ms[i] = (now_s() - t0) * 1000;
    }
    spy_timeline_close(tl);
    unlink(path);
    qsort(ms, 200, sizeof ms[0], by_double);
    printf("bench_seek: %s, %.0f MiB, %llu samples of 1 MiB changes in a "
           "64 MiB segment, %llu keyframes\n",
           flags ? "plain" : "zstd", (double)bytes / 1048576,
           (unsigned long long)seq, (unsigned long long)keys);
    printf("write %.0f MiB/s (%.1f s), open %.1f ms, 4 KiB frame at 200 "
           "random times: median %.2f ms, max %.2f ms\n",
           (double)bytes / 1048576 / t_write, t_write, t_open * 1000,
           (ms[99] + ms[100]) / 2, ms[199]);
    free(img);
    free(data);
    return 0;
}
