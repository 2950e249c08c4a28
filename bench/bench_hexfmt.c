/* bench_hexfmt.c - in-process throughput of the hex formatter, for
 * scripts/bench: formats the same cache-resident random input again and
 * again, so it measures the line kernels alone (no reading of an object,
 * no write). Usage: bench_hexfmt [xxd|canonical] [RUNS] [CHUNK_KIB]. Prints one
 * line "kernel layout MB/s_median MB/s_best" per kernel this CPU has. Timing is
 * the benchmark's business: no test asserts on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hexfmt.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    static const char *const kernels[] = {"scalar", "ssse3", "avx2", "avx512"};
    spy_hexfmt_style style = SPY_HEX_CANONICAL;
    int runs = argc > 2 ? atoi(argv[2]) : 9;
    size_t kib = argc > 3 ? (size_t)atoi(argv[3]) : 64;
    size_t CHUNK = (kib > 0 && kib <= 65536 ? kib : 64) * 1024;
    size_t PASSES = (size_t)16 * 1024 * 1024 / CHUNK;
    uint8_t *in = malloc(CHUNK);
    char *out = malloc(spy_hexfmt_bound(CHUNK));
    double *t = malloc(sizeof *t * (size_t)(runs > 0 ? runs : 1));
    unsigned seed = 12345;
    size_t i, k;

    if (argc > 1 && strcmp(argv[1], "xxd") == 0)
        style = SPY_HEX_XXD;
    if (in == NULL || out == NULL || t == NULL || runs < 1)
        return 1;
    for (i = 0; i < CHUNK; i++) {
        seed = seed * 1103515245u + 12345u;
        in[i] = (uint8_t)(seed >> 16);
    }
    for (k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        int r;
        volatile size_t sink = 0;
        if (spy_hexfmt_select(kernels[k]) != 0)
            continue;
        for (r = 0; r < runs; r++) {
            spy_hexfmt f;
            size_t pass;
            double t0 = now_s();
            spy_hexfmt_init(&f, style, 0);
            for (pass = 0; pass < PASSES; pass++)
                sink += spy_hexfmt_feed(&f, in, CHUNK, out);
            t[r] = now_s() - t0;
        }
        qsort(t, (size_t)runs, sizeof t[0], by_double);
        printf("%s %s %.0f %.0f\n", kernels[k],
               style == SPY_HEX_XXD ? "xxd" : "canonical",
               (double)CHUNK * PASSES / t[runs / 2] / 1e6,
               (double)CHUNK * PASSES / t[0] / 1e6);
        (void)sink;
    }
    free(in);
    free(out);
    free(t);
    return 0;
}
