/* hexfmt_simd.h - internal: the full-line kernels of the hex formatter.
 *
 * A kernel formats complete 16-byte lines and returns how far it got;
 * the caller handles squeezed canonical lines. Every kernel writes exactly the
 * bytes the scalar formatter writes, for any offset, and never writes past the
 * last line. */
#ifndef SPY_HEXFMT_SIMD_H
#define SPY_HEXFMT_SIMD_H

#include <stddef.h>
#include <stdint.h>

typedef char *(*spy__hexlines_fn)(char *p, uint64_t off, const uint8_t *b,
                                  size_t n);

/* Canonical lines stop where squeezing starts: formats line 0 and every
 * following line that differs from the line before it, stopping before
 * the first that equals its predecessor (or after n lines). Advances *p;
 * returns the number of lines formatted (1..n; n >= 1). */
typedef size_t (*spy__canonlines_fn)(char **p, uint64_t off, const uint8_t *b,
                                     size_t n);

typedef struct spy__hexfmt_kernels {
    const char *name;         /* "scalar", "ssse3", "avx2", "avx512" */
    spy__hexlines_fn xxd;     /* n lines of `xxd` */
    spy__canonlines_fn canon; /* a run of unsqueezed `hexdump -C` lines */
} spy__hexfmt_kernels;

/* The SIMD kernels called name ("ssse3", "avx2", "avx512"), or NULL when this
 * build or this CPU does not have them. The CPU is asked at run time
 * (__builtin_cpu_supports); no instruction beyond the baseline runs unless
 * it said yes. */
const spy__hexfmt_kernels *spy__hexfmt_simd(const char *name);

#endif
