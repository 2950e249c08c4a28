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

#endif
