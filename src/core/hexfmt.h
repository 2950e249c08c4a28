/* hexfmt.h - the hex formatter: xxd and `hexdump -C` layouts, byte-exact.
 *
 * Streaming: feed any number of chunks of any size; the formatter keeps a
 * partial line (and, for canonical, the previous line for '*' squeezing)
 * between calls, so the output equals formatting all bytes at once. */
#ifndef SPY_HEXFMT_H
#define SPY_HEXFMT_H

#include <stddef.h>
#include <stdint.h>

typedef enum spy_hexfmt_style {
    SPY_HEX_XXD,       /* identical to `xxd -s OFF -l LEN FILE` */
    SPY_HEX_CANONICAL, /* identical to `hexdump -C -s OFF -n LEN FILE` */
    SPY_HEX_RAW        /* bytes unchanged */
} spy_hexfmt_style;

typedef struct spy_hexfmt {
    spy_hexfmt_style style;
    uint64_t offset;  /* display offset of the next byte fed */
    uint8_t line[16]; /* pending partial line */
    size_t line_len;  /* bytes in line[] */
    uint8_t prev[16]; /* canonical: last full line printed */
    int have_prev;    /* canonical: prev[] is valid */
    int squeezing;    /* canonical: a '*' has been printed for this run */
} spy_hexfmt;

/* Starts a formatter whose first byte is shown at display offset start. */
void spy_hexfmt_init(spy_hexfmt *f, spy_hexfmt_style style, uint64_t start);

/* Worst-case number of output bytes that spy_hexfmt_feed (or
 * spy_hexfmt_finish) can write for len input bytes. */
size_t spy_hexfmt_bound(size_t len);

/* Formats len bytes into out, which must hold spy_hexfmt_bound(len) bytes.
 * Returns the number of bytes written (not NUL-terminated). */
size_t spy_hexfmt_feed(spy_hexfmt *f, const uint8_t *data, size_t len,
                       char *out);

/* Flushes the pending partial line and, for canonical, the final offset
 * line. out must hold spy_hexfmt_bound(16). Returns bytes written. */
size_t spy_hexfmt_finish(spy_hexfmt *f, char *out);

/* Formats n zero bytes as if fed, without reading any memory: holes of a
 * sparse object. Canonical output squeezes them whatever n (the call
 * consumes all n and writes at most spy_hexfmt_bound(32) bytes, which cap
 * must allow); xxd and raw consume as many bytes as fit in cap. Returns
 * the bytes consumed and stores the bytes written in *written. */
uint64_t spy_hexfmt_feed_zeros(spy_hexfmt *f, uint64_t n, char *out, size_t cap,
                               size_t *written);

/* Starts a formatter at display offset start, a line boundary of the
 * stream, in the state that formatting the lines before it left: before
 * holds the nbefore bytes just before start (0: start is the first line
 * of the stream; 16: one line precedes it; more: the last 32 are used).
 * Whatever is fed from there is formatted exactly as one formatter fed
 * the whole stream would format it, so the parts of a dump can be
 * formatted apart (on several cores) and their outputs concatenated. */
void spy_hexfmt_resume(spy_hexfmt *f, spy_hexfmt_style style, uint64_t start,
                       const uint8_t *before, size_t nbefore);

/* 1 if a and b are in the same state (style, offset, pending bytes,
 * squeeze reference and run): fed the same bytes, they write the same. */
int spy_hexfmt_same_state(const spy_hexfmt *a, const spy_hexfmt *b);

/* Chooses the implementation of full lines for every formatter: "auto"
 * (or NULL or "": the fastest this CPU has), "scalar", "ssse3", "avx2",
 * "avx512" (AVX-512 BW and VBMI).
 * All give identical output. Returns 0, or -1 when this build or CPU has
 * no such implementation (the choice is then unchanged). Without a call,
 * the first formatter takes $SPY_HEXFMT_IMPL, else "auto". Not
 * thread-safe: choose before formatting. */
int spy_hexfmt_select(const char *name);

/* The name of the implementation in use (choosing it if none was). */
const char *spy_hexfmt_impl(void);

/* 1 when this build and this CPU have the implementation called name
 * ("scalar", "ssse3", "avx2", "avx512"), else 0. Chooses nothing: for
 * `shmspy --version`, which lists what spy_hexfmt_select could pick. */
int spy_hexfmt_has(const char *name);

#endif
