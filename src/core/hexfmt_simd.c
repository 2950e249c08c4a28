/* hexfmt_simd.c - SSSE3, AVX2 and AVX-512 (BW + VBMI) kernels for full hex
 * lines.
 *
 * The SSSE3 and AVX2 kernels store a line piecewise, each piece from one
 * source:
 *   - the 8 low hex digits of the offset: one 8-byte store, computed with
 *     scalar SWAR (the vector shuffle unit is the bottleneck; the scalar
 *     ALUs are idle);
 *   - the hex column: four overlapping 16-byte stores, each one byte
 *     shuffle (pshufb) of the hex digits of bytes 0..7 (H) or 8..15 (G),
 *     ORed with the spaces and separators around them;
 *   - the ASCII column: one plain 16-byte store; then the 1 or 2 bytes
 *     after it.
 * Stores land in order, so overlapping ones agree or the later one wins.
 * Nothing is written past the end of the line. Offsets of 4 GiB and more
 * print their high digits first, then the same 8-digit line. AVX2 formats
 * two lines per step, one per 128-bit lane. The AVX-512 kernels format four
 * lines per step with byte permutes across lanes instead of shuffles (their
 * own section below says how).
 *
 * Shuffle and permute masks are constant tables derived from the layout
 * formulas (the same layouts as the scalar code in hexfmt.c). The kernels are
 * compiled with per-function target attributes and only called after
 * __builtin_cpu_supports said yes, so the rest of the program stays
 * baseline x86-64 (and other compilers or CPUs get the scalar code). */
#include "hexfmt_simd.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SPY_HAVE_X86_SIMD 1
#include <immintrin.h>
#endif

#ifdef SPY_HAVE_X86_SIMD

#define Z 0x80 /* pshufb: a zero byte (filled by the constant) */

/* xxd, 68 bytes: offset(0..7) ": " then four groups "hhhh " of bytes 0..7
 * at 10 (H) and four of bytes 8..15 at 30 (G), ' ' at 50, ASCII at 51,
 * '\n' at 67. Group g starts at base + 5g; its char k (0..3) is digit
 * 4g + k of its half. */
#define XHALF(q, b) ((q) >= (b) && (q) < (b) + 20 && ((q) - (b)) % 5 != 4)
#define XIDX(q, b) (((q) - (b)) / 5 * 4 + ((q) - (b)) % 5)
#define XH(q) (XHALF(q, 10) ? XIDX(q, 10) : Z)
#define XG(q) (XHALF(q, 30) ? XIDX(q, 30) : Z)
#define XC(q) (XHALF(q, 10) || XHALF(q, 30) ? 0 : (q) == 8 ? ':' : ' ')
#define XLEN 68
#define XASCII 51

/* hexdump -C, 79 bytes: offset(0..7) "  " then "hh " for bytes 0..7 at
 * 10 (H), ' ' at 34, "hh " for bytes 8..15 at 35 (G), ' ' at 59, '|' at
 * 60, ASCII at 61, "|\n" at 77. */
#define CHALF(q, b) ((q) >= (b) && (q) < (b) + 24 && ((q) - (b)) % 3 != 2)
#define CIDX(q, b) (((q) - (b)) / 3 * 2 + ((q) - (b)) % 3)
#define CH(q) (CHALF(q, 10) ? CIDX(q, 10) : Z)
#define CG(q) (CHALF(q, 35) ? CIDX(q, 35) : Z)
#define CC(q) (CHALF(q, 10) || CHALF(q, 35) ? 0 : (q) == 60 ? '|' : ' ')
#define CLEN 79
#define CASCII 61

#define M4(F, q) F(q), F((q) + 1), F((q) + 2), F((q) + 3)
#define M16(F, q) M4(F, q), M4(F, (q) + 4), M4(F, (q) + 8), M4(F, (q) + 12)
/* Each row twice: one copy per 128-bit lane, so that AVX2 loads a mask
 * with a plain load (a broadcast would cost a shuffle-port uop). */
#define ROW(F, q)                                                              \
    { M16(F, q), M16(F, q) }

/* The four hex stores of a layout: where each starts and its mask and
 * constant. Stores 0 and 1 read H, 2 and 3 read G; no store mixes them. */
typedef struct layout {
    _Alignas(32) uint8_t mask[4][32];
    _Alignas(32) uint8_t cst[4][32];
} layout;

#define XAT0 8
#define XAT1 14
#define XAT2 30
#define XAT3 35
static const layout xxd_layout = {
    {ROW(XH, XAT0), ROW(XH, XAT1), ROW(XG, XAT2), ROW(XG, XAT3)},
    {ROW(XC, XAT0), ROW(XC, XAT1), ROW(XC, XAT2), ROW(XC, XAT3)}};

#define CAT0 8
#define CAT1 18
#define CAT2 34
#define CAT3 45
static const layout canon_layout = {
    {ROW(CH, CAT0), ROW(CH, CAT1), ROW(CG, CAT2), ROW(CG, CAT3)},
    {ROW(CC, CAT0), ROW(CC, CAT1), ROW(CC, CAT2), ROW(CC, CAT3)}};

static const char hexdigits[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                   '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

/* The 8 hex digits of v as 8 bytes in memory order (x86 is little-endian):
 * nibbles spread to bytes, then '0' + n, plus 39 for n >= 10. */
static inline uint64_t hex8(uint32_t v) {
    uint64_t x = v;
    x = (x | x << 16) & 0x0000ffff0000ffffu;
    x = (x | x << 8) & 0x00ff00ff00ff00ffu;
    x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fu;
    x = __builtin_bswap64(x);
    return x + 0x3030303030303030u +
           ((x + 0x0606060606060606u) >> 4 & 0x0101010101010101u) * 39;
}

static inline void put8(char *p, uint64_t w) {
    memcpy(p, &w, 8);
}

/* The offset text of consecutive lines: the first 6 digits change only
 * every 256 bytes (16 lines), so they are converted then and cached in
 * *c; the last two are table lookups. */
typedef struct offtext {
    uint32_t key;   /* off >> 8 of the cached digits */
    uint64_t high6; /* its first 6 digits, bytes 6 and 7 zero */
} offtext;

static inline void offtext_init(offtext *c, uint32_t off) {
    c->key = off >> 8;
    c->high6 = hex8(off & ~0xffu) & 0x0000ffffffffffffu;
}

static inline uint64_t offtext_get(offtext *c, uint32_t off) {
    if (off >> 8 != c->key)
        offtext_init(c, off);
    return c->high6 | (uint64_t)(uint8_t)hexdigits[off >> 4 & 15] << 48 |
           (uint64_t)(uint8_t)hexdigits[off & 15] << 56;
}

/* The hex digits of off >> 32 without leading zeros (nothing when zero):
 * they precede the 8 low digits. Returns the number written. */
static size_t high_digits(char *t, uint64_t hi) {
    size_t n = 0, i;
    char r[8];
    while (hi != 0) {
        r[n++] = hexdigits[hi & 15];
        hi >>= 4;
    }
    for (i = 0; i < n; i++)
        t[i] = r[n - 1 - i];
    return n;
}

/* ---- SSSE3: one line per step --------------------------------------------
 */

#define TS __attribute__((target("ssse3")))
#define ST(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define LD(m) _mm_load_si128((const __m128i *)(const void *)(m))

/* Hex digits of the 16 bytes: *h for bytes 0..7, *g for 8..15; and the
 * ASCII column. */
TS static inline void sources128(const uint8_t *b, __m128i *h, __m128i *g,
                                 __m128i *a) {
    const __m128i dig =
        _mm_loadu_si128((const __m128i *)(const void *)hexdigits);
    const __m128i m0f = _mm_set1_epi8(0x0f);
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)b);
    __m128i hi =
        _mm_shuffle_epi8(dig, _mm_and_si128(_mm_srli_epi16(x, 4), m0f));
    __m128i lo = _mm_shuffle_epi8(dig, _mm_and_si128(x, m0f));
    __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x1f)),
                               _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)));
    *h = _mm_unpacklo_epi8(hi, lo);
    *g = _mm_unpackhi_epi8(hi, lo);
    *a = _mm_or_si128(_mm_and_si128(ok, x),
                      _mm_andnot_si128(ok, _mm_set1_epi8('.')));
}

#define PIECE(L, k, src)                                                       \
    _mm_or_si128(_mm_shuffle_epi8(src, LD((L)->mask[k])), LD((L)->cst[k]))

TS static inline char *xxd_line128(char *p, uint32_t off, const uint8_t *b) {
    const layout *L = &xxd_layout;
    __m128i h, g, a;
    sources128(b, &h, &g, &a);
    ST(p + XAT0, PIECE(L, 0, h));
    ST(p + XAT1, PIECE(L, 1, h));
    ST(p + XAT2, PIECE(L, 2, g));
    ST(p + XAT3, PIECE(L, 3, g));
    ST(p + XASCII, a);
    p[XLEN - 1] = '\n';
    put8(p, hex8(off));
    return p + XLEN;
}

TS static inline char *canon_line128(char *p, uint32_t off, const uint8_t *b) {
    const layout *L = &canon_layout;
    __m128i h, g, a;
    sources128(b, &h, &g, &a);
    ST(p + CAT0, PIECE(L, 0, h));
    ST(p + CAT1, PIECE(L, 1, h));
    ST(p + CAT2, PIECE(L, 2, g));
    ST(p + CAT3, PIECE(L, 3, g));
    ST(p + CASCII, a);
    memcpy(p + CLEN - 2, "|\n", 2);
    put8(p, hex8(off));
    return p + CLEN;
}

TS static char *xxd_ssse3(char *p, uint64_t off, const uint8_t *b, size_t n) {
    for (; n > 0; n--, b += 16, off += 16) {
        p += high_digits(p, off >> 32);
        p = xxd_line128(p, (uint32_t)off, b);
    }
    return p;
}

/* 1 if the 16 bytes at a and b are equal. */
TS static inline int eq128(const uint8_t *a, const uint8_t *b) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)a);
    __m128i y = _mm_loadu_si128((const __m128i *)(const void *)b);
    return _mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) == 0xffff;
}

TS static size_t canon_ssse3(char **pp, uint64_t off, const uint8_t *b,
                             size_t n) {
    char *p = *pp;
    size_t k;
    for (k = 0; k < n; k++, b += 16, off += 16) {
        if (k > 0 && eq128(b, b - 16))
            break;
        p += high_digits(p, off >> 32);
        p = canon_line128(p, (uint32_t)off, b);
    }
    *pp = p;
    return k;
}

/* ---- AVX2: two lines per step, one per lane ------------------------------
 */

#define TA __attribute__((target("avx2")))
#define LD2(m) _mm256_load_si256((const __m256i *)(const void *)(m))

TA static inline void sources256(const uint8_t *b, __m256i *h, __m256i *g,
                                 __m256i *a) {
    const __m256i dig = _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)(const void *)hexdigits));
    const __m256i m0f = _mm256_set1_epi8(0x0f);
    __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i hi = _mm256_shuffle_epi8(
        dig, _mm256_and_si256(_mm256_srli_epi16(x, 4), m0f));
    __m256i lo = _mm256_shuffle_epi8(dig, _mm256_and_si256(x, m0f));
    /* 0x20 <= x <= 0x7e iff (int8)(x + 0x60) < -33: one add, one compare. */
    __m256i ok = _mm256_cmpgt_epi8(_mm256_set1_epi8(-33),
                                   _mm256_add_epi8(x, _mm256_set1_epi8(0x60)));
    *h = _mm256_unpacklo_epi8(hi, lo);
    *g = _mm256_unpackhi_epi8(hi, lo);
    *a = _mm256_blendv_epi8(_mm256_set1_epi8('.'), x, ok);
}

#define PIECE2(L, k, src)                                                      \
    _mm256_or_si256(_mm256_shuffle_epi8(src, LD2((L)->mask[k])),               \
                    LD2((L)->cst[k]))

/* Stores the low lane at p0 + at and the high lane at p1 + at. */
#define ST2(p0, p1, at, v)                                                     \
    do {                                                                       \
        __m256i v_ = (v);                                                      \
        ST((p0) + (at), _mm256_castsi256_si128(v_));                           \
        ST((p1) + (at), _mm256_extracti128_si256(v_, 1));                      \
    } while (0)

/* Two lines whose offsets share the same high digits (hl of them, in
 * hd): line 0 at p + hl, line 1 after it. */
TA static char *xxd_pair(char *p, uint64_t off, const uint8_t *b,
                         const char *hd, size_t hl, offtext *ot) {
    const layout *L = &xxd_layout;
    char *p0 = p + hl, *p1 = p0 + XLEN + hl;
    __m256i h, g, a;
    if (hl > 0) {
        memcpy(p, hd, hl);
        memcpy(p0 + XLEN, hd, hl);
    }
    sources256(b, &h, &g, &a);
    ST2(p0, p1, XAT0, PIECE2(L, 0, h));
    ST2(p0, p1, XAT1, PIECE2(L, 1, h));
    ST2(p0, p1, XAT2, PIECE2(L, 2, g));
    ST2(p0, p1, XAT3, PIECE2(L, 3, g));
    ST2(p0, p1, XASCII, a);
    p0[XLEN - 1] = '\n';
    p1[XLEN - 1] = '\n';
    put8(p0, offtext_get(ot, (uint32_t)off));
    put8(p1, offtext_get(ot, (uint32_t)off + 16));
    return p1 + XLEN;
}

TA static char *canon_pair(char *p, uint64_t off, const uint8_t *b,
                           const char *hd, size_t hl, offtext *ot) {
    const layout *L = &canon_layout;
    char *p0 = p + hl, *p1 = p0 + CLEN + hl;
    __m256i h, g, a;
    if (hl > 0) {
        memcpy(p, hd, hl);
        memcpy(p0 + CLEN, hd, hl);
    }
    sources256(b, &h, &g, &a);
    ST2(p0, p1, CAT0, PIECE2(L, 0, h));
    ST2(p0, p1, CAT1, PIECE2(L, 1, h));
    ST2(p0, p1, CAT2, PIECE2(L, 2, g));
    ST2(p0, p1, CAT3, PIECE2(L, 3, g));
    ST2(p0, p1, CASCII, a);
    memcpy(p0 + CLEN - 2, "|\n", 2);
    memcpy(p1 + CLEN - 2, "|\n", 2);
    put8(p0, offtext_get(ot, (uint32_t)off));
    put8(p1, offtext_get(ot, (uint32_t)off + 16));
    return p1 + CLEN;
}

/* Pairs while both offsets have the same high digits; a pair straddling a
 * 4 GiB boundary, and an odd last line, go one at a time. */
#define AVX2_KERNEL(name, pair, line128)                                       \
    TA static char *name(char *p, uint64_t off, const uint8_t *b, size_t n) {  \
        char hd[8];                                                            \
        uint64_t cur = 0;                                                      \
        size_t hl = 0;                                                         \
        offtext ot;                                                            \
        offtext_init(&ot, (uint32_t)off);                                      \
        while (n > 0) {                                                        \
            if ((off >> 32) != cur) {                                          \
                cur = off >> 32;                                               \
                hl = high_digits(hd, cur);                                     \
            }                                                                  \
            if (n >= 2 && ((off + 16) >> 32) == cur) {                         \
                p = pair(p, off, b, hd, hl, &ot);                              \
                n -= 2;                                                        \
                b += 32;                                                       \
                off += 32;                                                     \
            } else {                                                           \
                if (hl > 0)                                                    \
                    memcpy(p, hd, hl);                                         \
                p = line128(p + hl, (uint32_t)off, b);                         \
                n--;                                                           \
                b += 16;                                                       \
                off += 16;                                                     \
            }                                                                  \
        }                                                                      \
        return p;                                                              \
    }

AVX2_KERNEL(xxd_avx2, xxd_pair, xxd_line128)

/* As AVX2_KERNEL, and stops before a line equal to its predecessor: the
 * pair's 32 bytes are compared with the 32 bytes 16 before them (the
 * line before each), from line 1 on. */
TA static size_t canon_avx2(char **pp, uint64_t off, const uint8_t *b,
                            size_t n) {
    char hd[8], *p = *pp;
    uint64_t cur = off >> 32;
    size_t hl = high_digits(hd, cur), k = 1;
    offtext ot;

    offtext_init(&ot, (uint32_t)off);

    if (hl > 0)
        memcpy(p, hd, hl);
    p = canon_line128(p + hl, (uint32_t)off, b);
    while (k < n) {
        const uint8_t *x = b + 16 * k;
        uint64_t o = off + 16 * k;
        if ((o >> 32) != cur) {
            cur = o >> 32;
            hl = high_digits(hd, cur);
        }
        if (k + 2 <= n && ((o + 16) >> 32) == cur) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)x);
            __m256i u =
                _mm256_loadu_si256((const __m256i *)(const void *)(x - 16));
            unsigned eq =
                (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, u));
            if ((eq & 0xffffu) == 0xffffu)
                break;
            if ((eq >> 16) != 0xffffu) {
                p = canon_pair(p, o, x, hd, hl, &ot);
                k += 2;
                continue;
            }
            /* Line k + 1 repeats line k: print k, then squeezing starts. */
            if (hl > 0)
                memcpy(p, hd, hl);
            p = canon_line128(p + hl, (uint32_t)o, x);
            k++;
            break;
        }
        if (eq128(x, x - 16))
            break;
        if (hl > 0)
            memcpy(p, hd, hl);
        p = canon_line128(p + hl, (uint32_t)o, x);
        k++;
    }
    *pp = p;
    return k;
}

/* ---- AVX-512 (BW + VBMI): canonical, four lines per step -----------------
 *
 * One 64-byte load holds four lines, one per 128-bit lane. Each output
 * line is made by two byte permutes (vpermb / vpermt2b pick any of 64 or
 * 128 bytes, across lanes) and three stores:
 *   - the tail, bytes 47..78 (one 32-byte store, first): the ASCII column
 *     at 61 and "|\n" at 77, permuted from the ASCII of the four lines and
 *     merged with a constant; bytes 47..60 of it are overwritten next;
 *   - the body, bytes 8..60 (one masked 64-byte store): the hex digits,
 *     permuted from the high (table 1) and low (table 2) digits of the four
 *     lines; where the index row holds a character instead of an index
 *     (spaces, '|'), the permute keeps it (vpermt2b merging into the index);
 *   - the offset, bytes 0..7 (scalar, as in the other kernels).
 * xxd lines are made the same way (xxd_avx512, below). */

#define TZ __attribute__((target("avx2,avx512f,avx512bw,avx512vbmi")))

/* Body row of line i (0..3): the table index of each hex digit, the
 * character itself elsewhere. A digit of byte j (0..15) of line i is byte
 * 16 i + j of table 1 (high digit) or 2 (low digit, +64). */
#define CBYTE(q) (CHALF(q, 10) ? CIDX(q, 10) / 2 : CIDX(q, 35) / 2 + 8)
#define CLOW(q) ((CHALF(q, 10) ? CIDX(q, 10) : CIDX(q, 35)) & 1)
#define CISHEX(q) (CHALF(q, 10) || CHALF(q, 35))
#define ZB(q, i) (CISHEX(q) ? CBYTE(q) + 64 * CLOW(q) + 16 * (i) : CC(q))
#define ZB0(q) ZB(q, 0)
#define ZB1(q) ZB(q, 1)
#define ZB2(q) ZB(q, 2)
#define ZB3(q) ZB(q, 3)
#define ZHEX(q) (CISHEX(q) ? 1 : 0)
/* Tail row of line i: byte t is line byte 47 + t; ASCII 61..76 comes
 * from byte 16 i + (q - 61) of the ASCII vector, the rest from ztail_cst. */
#define ZT(t, i) ((t) >= 14 && (t) < 30 ? 16 * (i) + (t)-14 : 0)
#define ZT0(t) ZT(t, 0)
#define ZT1(t) ZT(t, 1)
#define ZT2(t) ZT(t, 2)
#define ZT3(t) ZT(t, 3)
#define ZTC(t) ((t) == 30 ? '|' : (t) == 31 ? '\n' : 0)
#define M64(F, q)                                                              \
    M16(F, q), M16(F, (q) + 16), M16(F, (q) + 32), M16(F, (q) + 48)

static const _Alignas(64) uint8_t zbody[4][64] = {
    {M64(ZB0, 0)}, {M64(ZB1, 0)}, {M64(ZB2, 0)}, {M64(ZB3, 0)}};
static const _Alignas(64) uint8_t zishex[64] = {M64(ZHEX, 0)};
static const _Alignas(64) uint8_t ztail[4][64] = {
    {M64(ZT0, 0)}, {M64(ZT1, 0)}, {M64(ZT2, 0)}, {M64(ZT3, 0)}};
static const _Alignas(64) uint8_t ztail_cst[64] = {M64(ZTC, 0)};

/* Bytes 8..60 of a line: what the body store writes. */
#define ZBODY_STORE 0x1fffffffffffff00ull
/* Bytes 14..29 of the tail row: the ASCII column. */
#define ZTAIL_ASCII 0x3fffc000ull

typedef struct zconst {
    __m512i body[4], tail[4], tail_cst, dig, m0f, c20, c5f, dot;
    __mmask64 hex;
} zconst;

/* The constants of one layout: its body and tail rows, the tail's
 * constant bytes and which body bytes are hex digits. */
TZ static inline void zconst_init(zconst *z, const uint8_t (*body)[64],
                                  const uint8_t (*tail)[64],
                                  const uint8_t *tail_cst,
                                  const uint8_t *ishex) {
    int i;
    __m512i ish = _mm512_load_si512((const void *)ishex);
    for (i = 0; i < 4; i++) {
        z->body[i] = _mm512_load_si512((const void *)body[i]);
        z->tail[i] = _mm512_load_si512((const void *)tail[i]);
    }
    z->tail_cst = _mm512_load_si512((const void *)tail_cst);
    z->dig = _mm512_broadcast_i32x4(
        _mm_loadu_si128((const __m128i *)(const void *)hexdigits));
    z->m0f = _mm512_set1_epi8(0x0f);
    z->c20 = _mm512_set1_epi8(0x20);
    z->c5f = _mm512_set1_epi8(0x5f);
    z->dot = _mm512_set1_epi8('.');
    z->hex = _mm512_test_epi8_mask(ish, ish);
}

/* Line i (0..3) of the four whose digits are hi/lo and ASCII a, at p0
 * (after any high offset digits): the tail (32 bytes at tail_at, the
 * ASCII where tail_ascii says), then the body (the bytes body_store
 * says), then the offset text. */
#define ZLINE_OF(z, p0, i, hi, lo, a, offtxt, tail_at, tail_ascii, body_store) \
    do {                                                                       \
        __m512i t_ = _mm512_mask_permutexvar_epi8(                             \
            (z)->tail_cst, (__mmask64)(tail_ascii), (z)->tail[i], (a));        \
        __m512i b_ = _mm512_mask2_permutex2var_epi8((hi), (z)->body[i],        \
                                                    (z)->hex, (lo));           \
        _mm256_storeu_si256((__m256i *)(void *)((p0) + (tail_at)),             \
                            _mm512_castsi512_si256(t_));                       \
        _mm512_mask_storeu_epi8((p0), (__mmask64)(body_store), b_);            \
        put8((p0), (offtxt));                                                  \
    } while (0)

#define ZLINE(z, p0, i, hi, lo, a, offtxt)                                     \
    ZLINE_OF(z, p0, i, hi, lo, a, offtxt, 47, ZTAIL_ASCII, ZBODY_STORE)

/* 1 for every 16-bit group of ne that is zero, in its top bit: line j of
 * the four equals the line before it (ne: bytes that differ). Exact for
 * the lowest such group, which is all the caller uses. */
static inline uint64_t zero_groups16(uint64_t ne) {
    return (ne - 0x0001000100010001ull) & ~ne & 0x8000800080008000ull;
}

/* The hex digits (hi, lo) and ASCII column (a) of the four lines at v. */
#define ZSOURCES(z, v, hi, lo, a)                                              \
    do {                                                                       \
        __mmask64 ok_ =                                                        \
            _mm512_cmplt_epu8_mask(_mm512_sub_epi8((v), (z)->c20), (z)->c5f);  \
        (hi) = _mm512_shuffle_epi8(                                            \
            (z)->dig, _mm512_and_si512(_mm512_srli_epi16((v), 4), (z)->m0f));  \
        (lo) = _mm512_shuffle_epi8((z)->dig, _mm512_and_si512((v), (z)->m0f)); \
        (a) = _mm512_mask_blend_epi8(ok_, (z)->dot, (v));                      \
    } while (0)

/* As canon_avx2, four lines per step: the four lines are compared with
 * the 64 bytes 16 before them. The usual step (all four differ from their
 * predecessors, offsets below 4 GiB, the four offsets differ only in their
 * second-last digit) is straight-line code; any other goes line by line. */
TZ static size_t canon_avx512(char **pp, uint64_t off, const uint8_t *b,
                              size_t n) {
    char hd[8], *p = *pp;
    uint64_t cur = off >> 32;
    size_t hl = high_digits(hd, cur), k = 1;
    offtext ot;
    zconst z;

    zconst_init(&z, zbody, ztail, ztail_cst, zishex);
    offtext_init(&ot, (uint32_t)off);
    if (hl > 0)
        memcpy(p, hd, hl);
    p = canon_line128(p + hl, (uint32_t)off, b);
    while (k < n) {
        const uint8_t *x = b + 16 * k;
        uint64_t o = off + 16 * k;
        if ((o >> 32) != cur) {
            cur = o >> 32;
            hl = high_digits(hd, cur);
        }
        if (k + 4 <= n && ((o + 48) >> 32) == cur) {
            __m512i v = _mm512_loadu_si512((const void *)x);
            __m512i u = _mm512_loadu_si512((const void *)(x - 16));
            uint64_t same =
                zero_groups16((uint64_t)_mm512_cmpneq_epi8_mask(v, u));
            uint32_t o32 = (uint32_t)o, d6 = o32 >> 4 & 15;
            __m512i hi, lo, a;
            size_t lines, j, step;
            ZSOURCES(&z, v, hi, lo, a);
            if (same == 0 && hl == 0 && d6 <= 12) {
                /* Digits 0..5 and 7 shared; digit 6 is d6 + line. */
                uint64_t t = offtext_get(&ot, o32) & ~(0xffull << 48);
                ZLINE(&z, p, 0, hi, lo, a,
                      t | (uint64_t)(uint8_t)hexdigits[d6] << 48);
                ZLINE(&z, p + CLEN, 1, hi, lo, a,
                      t | (uint64_t)(uint8_t)hexdigits[d6 + 1] << 48);
                ZLINE(&z, p + 2 * CLEN, 2, hi, lo, a,
                      t | (uint64_t)(uint8_t)hexdigits[d6 + 2] << 48);
                ZLINE(&z, p + 3 * CLEN, 3, hi, lo, a,
                      t | (uint64_t)(uint8_t)hexdigits[d6 + 3] << 48);
                p += 4 * CLEN;
                k += 4;
                continue;
            }
            /* The lines before the first repeated one (all four if none). */
            lines = same == 0 ? 4 : (size_t)__builtin_ctzll(same) / 16;
            step = CLEN + hl;
            for (j = 0; j < lines; j++) {
                char *q = p + j * step;
                if (hl > 0)
                    memcpy(q, hd, hl);
                q += hl;
                switch (j) {
                case 0:
                    ZLINE(&z, q, 0, hi, lo, a, offtext_get(&ot, o32));
                    break;
                case 1:
                    ZLINE(&z, q, 1, hi, lo, a, offtext_get(&ot, o32 + 16));
                    break;
                case 2:
                    ZLINE(&z, q, 2, hi, lo, a, offtext_get(&ot, o32 + 32));
                    break;
                default:
                    ZLINE(&z, q, 3, hi, lo, a, offtext_get(&ot, o32 + 48));
                    break;
                }
            }
            p += lines * step;
            k += lines;
            if (lines < 4)
                break;
            continue;
        }
        if (eq128(x, x - 16))
            break;
        if (hl > 0)
            memcpy(p, hd, hl);
        p = canon_line128(p + hl, (uint32_t)o, x);
        k++;
    }
    *pp = p;
    return k;
}

/* ---- AVX-512: xxd, four lines per step ----------------------------------
 *
 * As canonical: the tail is bytes 36..67 (the ASCII column at 51, '\n'
 * at 67), the body bytes 8..50 (": ", eight groups "hhhh ", ' '). */

#define XBYTE(q) (XHALF(q, 10) ? XIDX(q, 10) / 2 : XIDX(q, 30) / 2 + 8)
#define XLOW(q) ((XHALF(q, 10) ? XIDX(q, 10) : XIDX(q, 30)) & 1)
#define XISHEX(q) (XHALF(q, 10) || XHALF(q, 30))
#define ZXB(q, i) (XISHEX(q) ? XBYTE(q) + 64 * XLOW(q) + 16 * (i) : XC(q))
#define ZXB0(q) ZXB(q, 0)
#define ZXB1(q) ZXB(q, 1)
#define ZXB2(q) ZXB(q, 2)
#define ZXB3(q) ZXB(q, 3)
#define ZXHEX(q) (XISHEX(q) ? 1 : 0)
#define ZXT(t, i) ((t) >= 15 && (t) < 31 ? 16 * (i) + (t)-15 : 0)
#define ZXT0(t) ZXT(t, 0)
#define ZXT1(t) ZXT(t, 1)
#define ZXT2(t) ZXT(t, 2)
#define ZXT3(t) ZXT(t, 3)
#define ZXTC(t) ((t) == 31 ? '\n' : 0)

static const _Alignas(64) uint8_t zxbody[4][64] = {
    {M64(ZXB0, 0)}, {M64(ZXB1, 0)}, {M64(ZXB2, 0)}, {M64(ZXB3, 0)}};
static const _Alignas(64) uint8_t zxishex[64] = {M64(ZXHEX, 0)};
static const _Alignas(64) uint8_t zxtail[4][64] = {
    {M64(ZXT0, 0)}, {M64(ZXT1, 0)}, {M64(ZXT2, 0)}, {M64(ZXT3, 0)}};
static const _Alignas(64) uint8_t zxtail_cst[64] = {M64(ZXTC, 0)};

#define ZXTAIL_AT 36
/* Bytes 15..30 of the tail row: the ASCII column. */
#define ZXTAIL_ASCII 0x7fff8000ull
/* Bytes 8..50 of a line: what the body store writes. */
#define ZXBODY_STORE 0x0007ffffffffff00ull

#define ZXLINE(z, p0, i, hi, lo, a, offtxt)                                    \
    ZLINE_OF(z, p0, i, hi, lo, a, offtxt, ZXTAIL_AT, ZXTAIL_ASCII, ZXBODY_STORE)

/* Four lines per step while their offsets share the high digits; the
 * usual step (offsets below 4 GiB, the four differing only in their
 * second-last digit) takes its offset text from one lookup. */
TZ static char *xxd_avx512(char *p, uint64_t off, const uint8_t *b, size_t n) {
    char hd[8];
    uint64_t cur = off >> 32;
    size_t hl = high_digits(hd, cur);
    offtext ot;
    zconst z;

    zconst_init(&z, zxbody, zxtail, zxtail_cst, zxishex);
    offtext_init(&ot, (uint32_t)off);
    while (n > 0) {
        if ((off >> 32) != cur) {
            cur = off >> 32;
            hl = high_digits(hd, cur);
        }
        if (n >= 4 && ((off + 48) >> 32) == cur) {
            __m512i v = _mm512_loadu_si512((const void *)b);
            uint32_t o32 = (uint32_t)off, d6 = o32 >> 4 & 15;
            __m512i hi, lo, a;
            ZSOURCES(&z, v, hi, lo, a);
            if (hl == 0 && d6 <= 12) {
                uint64_t t = offtext_get(&ot, o32) & ~(0xffull << 48);
                ZXLINE(&z, p, 0, hi, lo, a,
                       t | (uint64_t)(uint8_t)hexdigits[d6] << 48);
                ZXLINE(&z, p + XLEN, 1, hi, lo, a,
                       t | (uint64_t)(uint8_t)hexdigits[d6 + 1] << 48);
                ZXLINE(&z, p + 2 * XLEN, 2, hi, lo, a,
                       t | (uint64_t)(uint8_t)hexdigits[d6 + 2] << 48);
                ZXLINE(&z, p + 3 * XLEN, 3, hi, lo, a,
                       t | (uint64_t)(uint8_t)hexdigits[d6 + 3] << 48);
                p += 4 * XLEN;
            } else {
                int j;
                for (j = 0; j < 4; j++) {
                    if (hl > 0)
                        memcpy(p, hd, hl);
                    p += hl;
                    ZXLINE(&z, p, j, hi, lo, a,
                           offtext_get(&ot, o32 + 16 * (uint32_t)j));
                    p += XLEN;
                }
            }
            n -= 4;
            b += 64;
            off += 64;
            continue;
        }
        if (hl > 0)
            memcpy(p, hd, hl);
        p = xxd_line128(p + hl, (uint32_t)off, b);
        n--;
        b += 16;
        off += 16;
    }
    return p;
}

static const spy__hexfmt_kernels k_avx512 = {"avx512", xxd_avx512,
                                             canon_avx512};
static const spy__hexfmt_kernels k_ssse3 = {"ssse3", xxd_ssse3, canon_ssse3};
static const spy__hexfmt_kernels k_avx2 = {"avx2", xxd_avx2, canon_avx2};

const spy__hexfmt_kernels *spy__hexfmt_simd(const char *name) {
    __builtin_cpu_init();
    if (strcmp(name, "avx512") == 0 && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vbmi"))
        return &k_avx512;
    if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2"))
        return &k_avx2;
    if (strcmp(name, "ssse3") == 0 && __builtin_cpu_supports("ssse3"))
        return &k_ssse3;
    return NULL;
}

#else /* no x86-64 SIMD in this build */

const spy__hexfmt_kernels *spy__hexfmt_simd(const char *name) {
    (void)name;
    return NULL;
}

#endif
