/* hexfmt.c - the hex formatter: xxd and `hexdump -C` layouts, byte-exact.
 *
 * Pure C11, written for speed: hex digits come from a 256-entry table of
 * pairs, the ASCII column of a full line is computed 8 bytes at a time,
 * and everything goes straight into the caller's buffer (no printf, no
 * per-byte branches on full lines). A line is only formatted once it is
 * complete (or at finish), so chunk boundaries never show in the output.
 * Runs of full lines go to a line kernel: the scalar one here, or an SSSE3,
 * AVX2 or AVX-512 one from hexfmt_simd.c when the CPU has it (same bytes; see
 * spy_hexfmt_select). Squeezed canonical runs are skipped unformatted.
 *
 * The layouts, as produced by xxd 2022-01-14 and util-linux hexdump -C:
 *
 *   xxd:   "%08llx: " 8 groups of 2 bytes "hhhh " then " " then the ASCII
 *          of the bytes present and "\n". A short last line is padded with
 *          spaces so that its ASCII column lines up.
 *   -C:    "%08llx  " 16 times "hh " with one extra " " after the 8th, then
 *          " |" ASCII "|\n". A short last line pads the hex columns only.
 *          A full line equal to the previous full line prints "*\n" once
 *          per run; the short last line is never squeezed. After the data
 *          comes a line with the end offset, unless no byte was formatted.
 *
 * Offsets take at least 8 hex digits and as many more as they need. ASCII
 * columns show 0x20..0x7e as themselves and any other byte as '.'. */
#include "hexfmt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hexfmt_simd.h"

/* Longest offset text: 16 hex digits. */
#define OFF_MAX 16
/* Longest line of either layout: a 16-digit offset, "  ", 16 * "hh ",
 * " ", " |", 16 ASCII, "|\n" (canonical; xxd is shorter). */
#define LINE_MAX (OFF_MAX + 2 + 48 + 1 + 2 + 16 + 2)

/* Hex pairs and the ASCII column, as constant tables so that there is no
 * initialisation to race on. */
#define HX(n) (char)((n) < 10 ? '0' + (n) : 'a' - 10 + (n))
#define P1(b)                                                                  \
    { HX((b) >> 4), HX((b)&15) }
#define P4(b) P1(b), P1((b) + 1), P1((b) + 2), P1((b) + 3)
#define P16(b) P4(b), P4((b) + 4), P4((b) + 8), P4((b) + 12)
#define P64(b) P16(b), P16((b) + 16), P16((b) + 32), P16((b) + 48)
static const char hex2[256][2] = {P64(0), P64(64), P64(128), P64(192)};

#define A1(c) (char)((c) >= 0x20 && (c) < 0x7f ? (c) : '.')
#define A4(c) A1(c), A1((c) + 1), A1((c) + 2), A1((c) + 3)
#define A16(c) A4(c), A4((c) + 4), A4((c) + 8), A4((c) + 12)
#define A64(c) A16(c), A16((c) + 16), A16((c) + 32), A16((c) + 48)
static const char ascii[256] = {A64(0), A64(64), A64(128), A64(192)};

/* Writes off as at least 8 lowercase hex digits; returns the end. */
static char *put_off(char *p, uint64_t off) {
    if (off <= 0xffffffffu) {
        memcpy(p, hex2[(off >> 24) & 0xff], 2);
        memcpy(p + 2, hex2[(off >> 16) & 0xff], 2);
        memcpy(p + 4, hex2[(off >> 8) & 0xff], 2);
        memcpy(p + 6, hex2[off & 0xff], 2);
        return p + 8;
    }
    {
        int digits = 8;
        int i;
        while (digits < OFF_MAX && (off >> (4 * digits)) != 0) {
            digits++;
        }
        for (i = digits - 1; i >= 0; i--) {
            p[i] = hex2[off & 0xf][1];
            off >>= 4;
        }
        return p + digits;
    }
}

/* Little-endian loads and stores spelled out byte by byte: compilers turn
 * them into single moves (plus a byte swap on big-endian machines). */
static uint64_t load64(const uint8_t *b) {
    return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
           (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 |
           (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
}

static void store64(char *p, uint64_t w) {
    p[0] = (char)(w & 0xff);
    p[1] = (char)(w >> 8 & 0xff);
    p[2] = (char)(w >> 16 & 0xff);
    p[3] = (char)(w >> 24 & 0xff);
    p[4] = (char)(w >> 32 & 0xff);
    p[5] = (char)(w >> 40 & 0xff);
    p[6] = (char)(w >> 48 & 0xff);
    p[7] = (char)(w >> 56 & 0xff);
}

#define ONES 0x0101010101010101u

/* The ASCII column of 8 bytes at once (SWAR; faster than the table on
 * full lines): a byte is kept when 0x20 <= b <= 0x7e, else '.'. With
 * y = b & 0x7f, y + 0x60 has bit 7 set iff y >= 0x20 and y + 1 iff
 * y >= 0x7f; neither sum carries into the next byte. */
static uint64_t ascii8(uint64_t x) {
    uint64_t y = x & 0x7f * ONES;
    uint64_t ok = (y + 0x60 * ONES) & ~(y + ONES) & ~x & 0x80 * ONES;
    uint64_t m = (ok >> 7) * 0xff;
    return (x & m) | ('.' * ONES & ~m);
}

static char *put_ascii16(char *p, const uint8_t *b) {
    store64(p, ascii8(load64(b)));
    store64(p + 8, ascii8(load64(b + 8)));
    return p + 16;
}

/* One full xxd line of the 16 bytes at b. */
static char *xxd_full(char *p, uint64_t off, const uint8_t *b) {
    p = put_off(p, off);
    p[0] = ':';
    p[1] = ' ';
    p += 2;
#define XG(i)                                                                  \
    memcpy(p + (i) / 2 * 5, hex2[b[i]], 2);                                    \
    memcpy(p + (i) / 2 * 5 + 2, hex2[b[(i) + 1]], 2);                          \
    p[(i) / 2 * 5 + 4] = ' '
    XG(0);
    XG(2);
    XG(4);
    XG(6);
    XG(8);
    XG(10);
    XG(12);
    XG(14);
#undef XG
    p[40] = ' ';
    p = put_ascii16(p + 41, b);
    *p++ = '\n';
    return p;
}

/* A short line of n (1..15) bytes, padded as xxd or `hexdump -C`
 * (canonical) pads it: xxd puts a space after every second byte and ends
 * with the ASCII column; hexdump -C puts one after every byte and one more
 * after the eighth, and frames the ASCII column in bars. */
static char *short_line(char *p, uint64_t off, const uint8_t *b, size_t n,
                        int canonical) {
    size_t i;

    p = put_off(p, off);
    *p++ = canonical ? ' ' : ':';
    *p++ = ' ';
    for (i = 0; i < 16; i++) {
        if (i < n) {
            memcpy(p, hex2[b[i]], 2);
        } else {
            p[0] = ' ';
            p[1] = ' ';
        }
        p += 2;
        if (canonical || (i & 1))
            *p++ = ' ';
        if (canonical && i == 7)
            *p++ = ' ';
    }
    *p++ = ' ';
    if (canonical)
        *p++ = '|';
    for (i = 0; i < n; i++)
        *p++ = ascii[b[i]];
    if (canonical)
        *p++ = '|';
    *p++ = '\n';
    return p;
}

/* One full `hexdump -C` line of the 16 bytes at b. */
static char *canon_full(char *p, uint64_t off, const uint8_t *b) {
    p = put_off(p, off);
    p[0] = ' ';
    p[1] = ' ';
    p += 2;
#define CG(i)                                                                  \
    memcpy(p + (i)*3 + ((i) >= 8), hex2[b[i]], 2);                             \
    p[(i)*3 + ((i) >= 8) + 2] = ' '
    CG(0);
    CG(1);
    CG(2);
    CG(3);
    CG(4);
    CG(5);
    CG(6);
    CG(7);
    p[24] = ' ';
    CG(8);
    CG(9);
    CG(10);
    CG(11);
    CG(12);
    CG(13);
    CG(14);
    CG(15);
#undef CG
    p[49] = ' ';
    p[50] = '|';
    p = put_ascii16(p + 51, b);
    p[0] = '|';
    p[1] = '\n';
    return p + 2;
}

/* A full canonical line at b: printed, or squeezed into the run of lines
 * equal to the last one printed. f->prev is not updated here; the caller
 * tracks the last printed line by pointer and copies it once per feed. */
static char *canon_line(spy_hexfmt *f, char *p, uint64_t off, const uint8_t *b,
                        const uint8_t **last) {
    if (f->have_prev && memcmp(b, *last, 16) == 0) {
        if (!f->squeezing) {
            p[0] = '*';
            p[1] = '\n';
            p += 2;
            f->squeezing = 1;
        }
        return p;
    }
    f->have_prev = 1;
    f->squeezing = 0;
    *last = b;
    return canon_full(p, off, b);
}

/* ---- full-line kernels: scalar here, SIMD in hexfmt_simd.c -------------- */

static char *xxd_scalar(char *p, uint64_t off, const uint8_t *b, size_t n) {
    for (; n > 0; n--, b += 16, off += 16)
        p = xxd_full(p, off, b);
    return p;
}

/* Compilers expand a 16-byte memcmp tested for equality inline. */
static inline int same16(const uint8_t *a, const uint8_t *b) {
    return memcmp(a, b, 16) == 0;
}

static size_t canon_scalar(char **pp, uint64_t off, const uint8_t *b,
                           size_t n) {
    char *p = canon_full(*pp, off, b);
    size_t k;
    for (k = 1; k < n && !same16(b + 16 * k, b + 16 * (k - 1)); k++)
        p = canon_full(p, off + 16 * k, b + 16 * k);
    *pp = p;
    return k;
}

static const spy__hexfmt_kernels k_scalar = {"scalar", xxd_scalar,
                                             canon_scalar};

/* Chosen once, before the first line is formatted (see spy_hexfmt_select). */
static const spy__hexfmt_kernels *kern;

int spy_hexfmt_select(const char *name) {
    const spy__hexfmt_kernels *k = NULL;
    if (name == NULL || *name == '\0' || strcmp(name, "auto") == 0) {
        k = spy__hexfmt_simd("avx512");
        if (k == NULL)
            k = spy__hexfmt_simd("avx2");
        if (k == NULL)
            k = spy__hexfmt_simd("ssse3");
        if (k == NULL)
            k = &k_scalar;
    } else if (strcmp(name, "scalar") == 0) {
        k = &k_scalar;
    } else {
        k = spy__hexfmt_simd(name);
    }
    if (k == NULL)
        return -1;
    kern = k;
    return 0;
}

const char *spy_hexfmt_impl(void) {
    if (kern == NULL && spy_hexfmt_select(getenv("SPY_HEXFMT_IMPL")) != 0)
        spy_hexfmt_select("auto");
    return kern->name;
}

int spy_hexfmt_has(const char *name) {
    return strcmp(name, "scalar") == 0 || spy__hexfmt_simd(name) != NULL;
}

/* The full canonical lines at data: squeezed runs are skipped without
 * formatting (a run of equal lines costs one 16-byte compare per line),
 * every other run of lines goes to the kernel at once. */
static char *canon_lines(spy_hexfmt *f, char *p, uint64_t off,
                         const uint8_t *data, size_t n, const uint8_t **last) {
    while (n > 0) {
        size_t k;
        if (f->have_prev && same16(data, *last)) {
            if (!f->squeezing) {
                p[0] = '*';
                p[1] = '\n';
                p += 2;
                f->squeezing = 1;
            }
            do {
                data += 16;
                off += 16;
                n--;
            } while (n > 0 && same16(data, *last));
            continue;
        }
        /* data differs from the last printed line; the kernel goes on
         * while each line differs from the one before it. */
        k = kern->canon(&p, off, data, n);
        f->have_prev = 1;
        f->squeezing = 0;
        *last = data + 16 * (k - 1);
        data += 16 * k;
        off += 16 * k;
        n -= k;
    }
    return p;
}

void spy_hexfmt_init(spy_hexfmt *f, spy_hexfmt_style style, uint64_t start) {
    if (kern == NULL)
        spy_hexfmt_impl();
    memset(f, 0, sizeof *f);
    f->style = style;
    f->offset = start;
}

void spy_hexfmt_resume(spy_hexfmt *f, spy_hexfmt_style style, uint64_t start,
                       const uint8_t *before, size_t nbefore) {
    spy_hexfmt_init(f, style, start);
    if (style != SPY_HEX_CANONICAL || nbefore < 16)
        return;
    /* The last line is the squeeze reference (it was printed, or it
     * equals the one printed); a run is on when it repeats the line
     * before it. */
    memcpy(f->prev, before + nbefore - 16, 16);
    f->have_prev = 1;
    f->squeezing = nbefore >= 32 && same16(f->prev, before + nbefore - 32);
}

int spy_hexfmt_same_state(const spy_hexfmt *a, const spy_hexfmt *b) {
    return a->style == b->style && a->offset == b->offset &&
           a->line_len == b->line_len &&
           memcmp(a->line, b->line, a->line_len) == 0 &&
           a->have_prev == b->have_prev && a->squeezing == b->squeezing &&
           (!a->have_prev || memcmp(a->prev, b->prev, 16) == 0);
}

size_t spy_hexfmt_bound(size_t len) {
    /* With up to 15 bytes pending, len bytes complete at most len/16 + 1
     * lines, and a squeezed line ("*\n") is shorter than a printed one.
     * The extra line and offset cover finish, which writes one short line
     * and the end offset line: bound(16) is enough for it. */
    if (len > (SIZE_MAX - 4 * LINE_MAX) / LINE_MAX * 16) {
        return SIZE_MAX;
    }
    return (len / 16 + 2) * LINE_MAX + OFF_MAX + 1;
}

size_t spy_hexfmt_feed(spy_hexfmt *f, const uint8_t *data, size_t len,
                       char *out) {
    char *p = out;
    uint64_t off;
    const uint8_t *last = f->prev;
    int canon = f->style == SPY_HEX_CANONICAL;

    if (len == 0) {
        return 0;
    }
    if (f->style == SPY_HEX_RAW) {
        memcpy(out, data, len);
        f->offset += len;
        return len;
    }
    /* off is the display offset of the line being assembled. */
    off = f->offset - f->line_len;
    f->offset += len;

    if (f->line_len > 0) {
        size_t take = 16 - f->line_len;
        if (take > len) {
            take = len;
        }
        memcpy(f->line + f->line_len, data, take);
        f->line_len += take;
        data += take;
        len -= take;
        if (f->line_len < 16) {
            return 0;
        }
        f->line_len = 0;
        if (canon) {
            /* The line may become the squeeze reference, and f->line is
             * about to be reused, so keep it in f->prev right away. */
            const uint8_t *b = f->line;
            p = canon_line(f, p, off, b, &last);
            if (last == f->line) {
                memcpy(f->prev, f->line, 16);
                last = f->prev;
            }
        } else {
            p = xxd_full(p, off, f->line);
        }
        off += 16;
    }

    if (canon) {
        p = canon_lines(f, p, off, data, len / 16, &last);
        if (last != f->prev) {
            memcpy(f->prev, last, 16);
        }
    } else {
        p = kern->xxd(p, off, data, len / 16);
    }
    data += len / 16 * 16;
    len %= 16;

    if (len > 0) {
        memcpy(f->line, data, len);
        f->line_len = len;
    }
    return (size_t)(p - out);
}

/* Zero bytes to feed from: holes are formatted from here, never read. */
static const uint8_t zeros[4096];

uint64_t spy_hexfmt_feed_zeros(spy_hexfmt *f, uint64_t n, char *out, size_t cap,
                               size_t *written) {
    uint64_t done = 0;
    size_t w = 0;

    if (f->style == SPY_HEX_CANONICAL) {
        /* Complete the pending line, then print one zero line (or squeeze
         * it); every later full line equals it and is squeezed in O(1). */
        uint64_t head = f->line_len > 0 ? 16 - f->line_len : 0, lines;
        if (head > n)
            head = n;
        if (cap < spy_hexfmt_bound(32)) {
            *written = 0;
            return 0;
        }
        w += spy_hexfmt_feed(f, zeros, (size_t)head, out);
        done = head;
        if (n - done >= 16) {
            w += spy_hexfmt_feed(f, zeros, 16, out + w);
            done += 16;
        }
        lines = (n - done) / 16;
        if (lines > 0) {
            /* f->prev is the zero line just fed (or an earlier one). */
            if (!f->squeezing) {
                out[w++] = '*';
                out[w++] = '\n';
                f->squeezing = 1;
            }
            f->offset += lines * 16;
            done += lines * 16;
        }
        w += spy_hexfmt_feed(f, zeros, (size_t)(n - done), out + w);
        *written = w;
        return n;
    }
    /* xxd and raw print every byte: feed as much as fits in cap. */
    while (done < n) {
        size_t k = n - done < sizeof zeros ? (size_t)(n - done) : sizeof zeros;
        if (spy_hexfmt_bound(k) > cap - w)
            break;
        w += spy_hexfmt_feed(f, zeros, k, out + w);
        done += k;
    }
    *written = w;
    return done;
}

/* After finish the formatter is as freshly initialised at its current
 * offset, so a second finish writes nothing. */
size_t spy_hexfmt_finish(spy_hexfmt *f, char *out) {
    char *p = out;
    uint64_t off = f->offset - f->line_len;

    if (f->style == SPY_HEX_XXD && f->line_len > 0) {
        p = short_line(p, off, f->line, f->line_len, 0);
    } else if (f->style == SPY_HEX_CANONICAL &&
               (f->have_prev || f->line_len > 0)) {
        /* hexdump never squeezes the short last line. */
        if (f->line_len > 0) {
            p = short_line(p, off, f->line, f->line_len, 1);
        }
        p = put_off(p, f->offset);
        *p++ = '\n';
    }
    f->line_len = 0;
    f->have_prev = 0;
    f->squeezing = 0;
    return (size_t)(p - out);
}
