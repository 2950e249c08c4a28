/* test_hexfmt.c - unit tests for src/hexfmt.c.
 *
 * The expected output is never written by hand where a tool can produce
 * it: the bytes go to a temporary file and the real `xxd -s OFF -l LEN`
 * and `hexdump -C -s OFF -n LEN` run on it (many ranges per shell, to keep
 * the test fast). The formatter is fed the same bytes in random chunk
 * splits, each into a buffer of exactly spy_hexfmt_bound() bytes so that
 * AddressSanitizer catches a bound that is too small. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hexfmt.h"
#include "../testutil.h"

static void rnd_fill(uint8_t *d, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        d[i] = (uint8_t)(rnd() >> 56);
    }
}

/* A chunk size for splitting a remainder of n bytes, biased to the sizes
 * around a line; 0 is allowed (an empty feed must be harmless). */
static size_t pick_chunk(size_t n) {
    static const size_t small[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33};
    size_t c;
    switch (rnd() % 4) {
    case 0:
        c = small[rnd() % (sizeof small / sizeof small[0])];
        break;
    case 1:
        c = (size_t)(rnd() % 64);
        break;
    case 2:
        c = (size_t)(rnd() % 1024);
        break;
    default:
        c = n;
        break;
    }
    return c < n ? c : n;
}

/* Formats d[0..n) displayed from start, appending to out. split: feed in
 * random chunks, else in one call. */
static void format(spy_hexfmt_style st, uint64_t start, const uint8_t *d,
                   size_t n, int split, tbuf *out) {
    spy_hexfmt f;
    size_t i = 0, bound, w;
    char *tmp;

    spy_hexfmt_init(&f, st, start);
    do {
        size_t c = split ? pick_chunk(n - i) : n - i;
        bound = spy_hexfmt_bound(c);
        tmp = malloc(bound > 0 ? bound : 1);
        ck_assert_ptr_nonnull(tmp);
        w = spy_hexfmt_feed(&f, d + i, c, tmp);
        ck_assert_msg(w <= bound, "feed of %zu wrote %zu > bound %zu", c, w,
                      bound);
        buf_add(out, tmp, w);
        free(tmp);
        i += c;
    } while (i < n);
    ck_assert_uint_eq(f.offset, start + n);
    bound = spy_hexfmt_bound(16);
    tmp = malloc(bound);
    ck_assert_ptr_nonnull(tmp);
    w = spy_hexfmt_finish(&f, tmp);
    ck_assert_uint_le(w, bound);
    buf_add(out, tmp, w);
    /* A second finish has nothing left to say. */
    ck_assert_uint_eq(spy_hexfmt_finish(&f, tmp), 0);
    free(tmp);
}

/* Fails with the first differing line of want (from the tool) and got. */
static void expect_same(const char *what, const tbuf *want, const tbuf *got) {
    size_t i = 0, line = 0, ls = 0;
    const char *we, *ge;

    if (want->n == got->n && memcmp(want->p, got->p, want->n) == 0) {
        return;
    }
    while (i < want->n && i < got->n && want->p[i] == got->p[i]) {
        if (want->p[i] == '\n') {
            line++;
            ls = i + 1;
        }
        i++;
    }
    we = memchr(want->p + ls, '\n', want->n - ls);
    ge = memchr(got->p + ls, '\n', got->n - ls);
    ck_abort_msg(
        "%s: output differs at byte %zu (line %zu; %zu vs %zu "
        "bytes)\n  tool: '%.*s'\n  ours: '%.*s'",
        what, i, line + 1, want->n, got->n,
        (int)(we ? (size_t)(we - want->p) - ls : want->n - ls), want->p + ls,
        (int)(ge ? (size_t)(ge - got->p) - ls : got->n - ls), got->p + ls);
}

typedef struct range {
    uint64_t off;
    size_t len;
} range;

#define MARK "@@@ next\n"

/* Runs the real tool for every range of the file at path in one shell;
 * outs[i] receives the output for r[i]. No line of either tool starts
 * with '@', so MARK at a line start separates the outputs. */
static void tool_outputs(const char *path, spy_hexfmt_style st, const range *r,
                         size_t nr, tbuf *outs) {
    tbuf cmd = {0}, all = {0};
    char piece[512];
    size_t i, pos, k;
    int status;

    buf_add(&cmd, "export LC_ALL=C; ", 17);
    for (i = 0; i < nr; i++) {
        int n = snprintf(piece, sizeof piece,
                         st == SPY_HEX_XXD
                             ? "printf '" MARK "'; xxd -s %" PRIu64
                               " -l %zu '%s' || exit 1; "
                             : "printf '" MARK "'; hexdump -C -s %" PRIu64
                               " -n %zu '%s' || exit 1; ",
                         r[i].off, r[i].len, path);
        ck_assert(n > 0 && (size_t)n < sizeof piece);
        buf_add(&cmd, piece, (size_t)n);
    }
    status = run_capture(cmd.p, &all);
    ck_assert_msg(status == 0, "%s failed (status %d)",
                  st == SPY_HEX_XXD ? "xxd" : "hexdump", status);

    /* Split on the marks. */
    pos = 0;
    for (k = 0; k < nr; k++) {
        size_t start, end;
        ck_assert_msg(all.n - pos >= sizeof MARK - 1 &&
                          memcmp(all.p + pos, MARK, sizeof MARK - 1) == 0,
                      "tool output %zu does not start with the mark", k);
        start = pos + sizeof MARK - 1;
        end = start;
        while (end < all.n &&
               !((end == start || all.p[end - 1] == '\n') &&
                 all.n - end >= sizeof MARK - 1 &&
                 memcmp(all.p + end, MARK, sizeof MARK - 1) == 0)) {
            end++;
        }
        memset(&outs[k], 0, sizeof outs[k]);
        buf_add(&outs[k], all.p + start, end - start);
        pos = end;
    }
    ck_assert_uint_eq(pos, all.n);
    buf_free(&cmd);
    buf_free(&all);
}

/* The temporary file the tools read. It is made and removed by an
 * unchecked fixture, which runs in the runner process: a test that fails
 * (Check ends its forked process with _exit) or crashes cannot leave it
 * behind. tmp_create empties it for the next test; tmp_write fills parts
 * of it, the rest stays sparse. */
static char tmp_path[TMP_PATH_MAX];

static void tmp_setup(void) {
    tmp_make(tmp_path, sizeof tmp_path, "test_hexfmt");
}

static void tmp_teardown(void) {
    tmp_remove(tmp_path);
}

static void tmp_create(void) {
    tmp_fill(tmp_path, "", 0);
}

static void tmp_write(uint64_t off, const uint8_t *d, size_t n) {
    FILE *fp = fopen(tmp_path, "r+b");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fseeko(fp, (off_t)off, SEEK_SET), 0);
    ck_assert_uint_eq(fwrite(d, 1, n, fp), n);
    ck_assert_int_eq(fclose(fp), 0);
}

/* Checks both tool layouts for ranges r of the file, whose bytes from file
 * offset base are data, with random splits and with a single feed. */
static void check_ranges(uint64_t base, const uint8_t *data, const range *r,
                         size_t nr) {
    static const spy_hexfmt_style styles[] = {SPY_HEX_XXD, SPY_HEX_CANONICAL};
    size_t s, i;
    tbuf *want = calloc(nr, sizeof *want);

    ck_assert_ptr_nonnull(want);
    for (s = 0; s < 2; s++) {
        tool_outputs(tmp_path, styles[s], r, nr, want);
        for (i = 0; i < nr; i++) {
            tbuf one = {0}, split = {0};
            char what[128];
            snprintf(what, sizeof what, "%s -s %#" PRIx64 " %s %zu",
                     styles[s] == SPY_HEX_XXD ? "xxd" : "hexdump -C", r[i].off,
                     styles[s] == SPY_HEX_XXD ? "-l" : "-n", r[i].len);
            ck_assert(r[i].off >= base);
            format(styles[s], r[i].off, data + (r[i].off - base), r[i].len, 0,
                   &one);
            expect_same(what, &want[i], &one);
            format(styles[s], r[i].off, data + (r[i].off - base), r[i].len, 1,
                   &split);
            expect_same(what, &want[i], &split);
            buf_free(&one);
            buf_free(&split);
            buf_free(&want[i]);
        }
    }
    free(want);
}

/* Every length 0..33 at offsets on and off a line boundary, and every
 * byte value in both ASCII columns. */
START_TEST(test_small_lengths) {
    static const uint64_t offs[] = {0, 1, 5, 15, 16, 17, 255};
    uint8_t data[600];
    range r[7 * 34 + 3];
    size_t i, len, nr = 0;

    rng_seed(1);
    rnd_fill(data, 300);
    /* Some printable text too, for the ASCII column. */
    memcpy(data + 20, "Hello, world! ~ {|} \\ \" '", 25);
    for (i = 0; i < 300; i++) {
        data[300 + i] = (uint8_t)i;
    }
    tmp_create();
    tmp_write(0, data, sizeof data);
    for (i = 0; i < 7; i++) {
        for (len = 0; len <= 33; len++) {
            r[nr].off = offs[i];
            r[nr].len = len;
            nr++;
        }
    }
    r[nr++] = (range){300, 256};
    r[nr++] = (range){301, 255};
    r[nr++] = (range){299, 301};
    check_ranges(0, data, r, nr);
}
END_TEST

/* Builds content where hexdump squeezes a lot: zeros, one line repeated,
 * a repeated run ending in a partial line, near-repeats, and period-32
 * patterns that must not squeeze. */
static size_t squeeze_data(uint8_t *d, size_t cap) {
    size_t n = 0, i;
    uint8_t line[16];

    rnd_fill(d, 1000); /* random */
    n += 1000;
    memset(d + n, 0, 4096); /* zeros, unaligned to the start */
    n += 4096;
    rnd_fill(line, 16);
    for (i = 0; i < 40; i++) { /* a line repeated, then a partial */
        memcpy(d + n, line, 16);
        n += 16;
    }
    memcpy(d + n, line, 7);
    n += 7;
    rnd_fill(d + n, 100);
    n += 100;
    for (i = 0; i < 30; i++) { /* repeats with a differing byte */
        memcpy(d + n, line, 16);
        if (i % 7 == 3) {
            d[n + rnd() % 16] ^= 0x20;
        }
        n += 16;
    }
    for (i = 0; i < 512; i++) { /* period 32: no two equal lines */
        d[n + i] = (uint8_t)(i % 32);
    }
    n += 512;
    memset(d + n, 0xff, 333); /* ends the file inside a run */
    n += 333;
    ck_assert_uint_le(n, cap);
    return n;
}

START_TEST(test_squeeze_ranges) {
    static uint8_t data[8192];
    range r[200];
    size_t n, nr = 0;

    rng_seed(2);
    n = squeeze_data(data, sizeof data);
    tmp_create();
    tmp_write(0, data, n);
    /* Whole file, the zero run exactly and unaligned, the repeated run
     * alone and with its partial tail, the file tail inside the 0xff run. */
    r[nr++] = (range){0, n};
    r[nr++] = (range){1000, 4096};
    r[nr++] = (range){1000, 4096 + 16};
    r[nr++] = (range){1003, 4090};
    r[nr++] = (range){5096, 640};
    r[nr++] = (range){5096, 647};
    r[nr++] = (range){5096, 648};
    r[nr++] = (range){5096 - 16, 647 + 16};
    r[nr++] = (range){n - 333, 333};
    r[nr++] = (range){n - 320, 320};
    r[nr++] = (range){1000, 32};
    r[nr++] = (range){1000, 33};
    while (nr < sizeof r / sizeof r[0]) {
        uint64_t off = rnd() % n;
        size_t len = (size_t)(rnd() % (n - off + 1));
        if (rnd() % 3 == 0) {
            len = (size_t)(rnd() % 80);
            if (len > n - off) {
                len = (size_t)(n - off);
            }
        }
        r[nr++] = (range){off, len};
    }
    check_ranges(0, data, r, nr);
}
END_TEST

/* Display offsets past 32 bits: the offset column grows and the rest of
 * the line shifts with it, including mid-dump at 0xffffffff -> 0x100000000.
 * The file is sparse, so only the ranges used are read. */
START_TEST(test_large_offsets) {
    static const uint64_t offs[] = {
        0xfffffff0u, 0xffffffe7u, 0x123456789u, 0x100000000u,
        0xfffffffff0u /* 10 -> 11 digits; 1 TiB, skipped if too big */
    };
    static uint8_t d[4096];
    size_t i, k, tested = 0;
    int big_ok;
    FILE *fp;

    rng_seed(3);
    tmp_create();
    fp = fopen(tmp_path, "r+b");
    ck_assert_ptr_nonnull(fp);
    big_ok = ftruncate(fileno(fp), (off_t)(0xfffffffff0u + sizeof d)) == 0;
    if (!big_ok) {
        fprintf(stderr,
                "test_large_offsets: no 1 TiB sparse file here (%s); "
                "testing offsets up to 0x123456789 only\n",
                strerror(errno));
        ck_assert_int_eq(
            ftruncate(fileno(fp), (off_t)(0x123456789u + sizeof d)), 0);
    }
    fclose(fp);
    for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        range r[10];
        if (offs[i] == 0xfffffffff0u && !big_ok) {
            continue;
        }
        rnd_fill(d, sizeof d);
        memset(d + 100, 0, 200); /* something to squeeze */
        tmp_write(offs[i], d, sizeof d);
        for (k = 0; k < 10; k++) {
            r[k].off = offs[i] + (k < 2 ? 0 : rnd() % 3000);
            r[k].len = k == 0 ? 64 : (size_t)(rnd() % 600);
        }
        check_ranges(offs[i], d, r, 10);
        tested++;
    }
    ck_assert_uint_ge(tested, 4);
}
END_TEST

/* Offsets no file can reach: the column takes up to 16 digits. The tool
 * cannot be run, so the lines are compared with its output at offset 0
 * with only the offset text replaced. */
START_TEST(test_huge_offset_column) {
    static const uint64_t start = 0xffffffffffffff00u;
    uint8_t d[200];
    range r = {0, sizeof d};
    tbuf want, got = {0}, fixed = {0};
    size_t s, i;
    static const spy_hexfmt_style styles[] = {SPY_HEX_XXD, SPY_HEX_CANONICAL};

    rng_seed(4);
    rnd_fill(d, sizeof d);
    tmp_create();
    tmp_write(0, d, sizeof d);
    for (s = 0; s < 2; s++) {
        tool_outputs(tmp_path, styles[s], &r, 1, &want);
        /* Every line starts with an 8-digit offset (or is "*"). */
        for (i = 0; i < want.n;) {
            char *nl = memchr(want.p + i, '\n', want.n - i);
            char hex[17];
            unsigned long long v;
            ck_assert_ptr_nonnull(nl);
            if (want.p[i] != '*') {
                memcpy(hex, want.p + i, 8);
                hex[8] = '\0';
                v = strtoull(hex, NULL, 16);
                snprintf(hex, sizeof hex, "%016llx",
                         (unsigned long long)(start + v));
                buf_add(&fixed, hex, 16);
                i += 8;
            }
            buf_add(&fixed, want.p + i, (size_t)(nl - want.p) + 1 - i);
            i = (size_t)(nl - want.p) + 1;
        }
        format(styles[s], start, d, sizeof d, 1, &got);
        expect_same("16-digit offsets", &fixed, &got);
        buf_free(&want);
        buf_free(&got);
        buf_free(&fixed);
    }
}
END_TEST

/* Random chunk splits give the single-feed output, for every style, on
 * a large mixed buffer (no tool needed: the tool comparison of the single
 * feed is done above). */
START_TEST(test_split_equivalence) {
    static uint8_t data[1 << 18];
    size_t n, s, k;

    rng_seed(5);
    n = squeeze_data(data, sizeof data);
    rnd_fill(data + n, sizeof data - n);
    for (k = 0; k < 64; k++) { /* scatter squeezable runs */
        size_t at = (size_t)(rnd() % (sizeof data - 600));
        memset(data + at, (int)(rnd() & 1 ? 0 : 0x41), 16 + rnd() % 500);
    }
    for (s = 0; s < 3; s++) {
        tbuf one = {0};
        format((spy_hexfmt_style)s, 7, data, sizeof data, 0, &one);
        for (k = 0; k < 12; k++) {
            tbuf split = {0};
            format((spy_hexfmt_style)s, 7, data, sizeof data, 1, &split);
            expect_same("split vs single feed", &one, &split);
            buf_free(&split);
        }
        buf_free(&one);
    }
}
END_TEST

START_TEST(test_raw) {
    uint8_t d[1000];
    tbuf got = {0};
    char out[4];
    spy_hexfmt f;

    rng_seed(6);
    rnd_fill(d, sizeof d);
    format(SPY_HEX_RAW, 12345, d, sizeof d, 1, &got);
    ck_assert_uint_eq(got.n, sizeof d);
    ck_assert_mem_eq(got.p, d, sizeof d);
    buf_free(&got);
    spy_hexfmt_init(&f, SPY_HEX_RAW, 0);
    ck_assert_uint_eq(spy_hexfmt_feed(&f, d, 3, out), 3);
    ck_assert_mem_eq(out, d, 3);
    ck_assert_uint_eq(spy_hexfmt_finish(&f, out), 0);
}
END_TEST

/* Nothing fed: no output at all (xxd -l 0 and hexdump -n 0 print
 * nothing, not even the end offset; the tools are compared in
 * test_small_lengths). */
START_TEST(test_empty) {
    static const uint64_t starts[] = {0, 5, 0x123456789u};
    char out[512];
    size_t s, i;
    spy_hexfmt f;

    for (s = 0; s < 3; s++) {
        for (i = 0; i < 3; i++) {
            spy_hexfmt_init(&f, (spy_hexfmt_style)s, starts[i]);
            ck_assert_uint_eq(spy_hexfmt_feed(&f, NULL, 0, out), 0);
            ck_assert_uint_eq(spy_hexfmt_finish(&f, out), 0);
        }
    }
}
END_TEST

/* The bound holds in the worst case: 16-digit offsets, 15 bytes pending,
 * no line squeezed, for every length; and it saturates instead of
 * wrapping. */
START_TEST(test_bound) {
    uint8_t d[600];
    size_t s, pend, len, w;
    char *out;

    rng_seed(7);
    rnd_fill(d, sizeof d);
    for (s = 0; s < 3; s++) {
        for (pend = 0; pend < 16; pend += 15) {
            for (len = 0; len <= 300; len++) {
                spy_hexfmt f;
                size_t b = spy_hexfmt_bound(len);
                char first[1024];
                spy_hexfmt_init(&f, (spy_hexfmt_style)s, 0xfffffffffffff000u);
                w = spy_hexfmt_feed(&f, d + 300, pend, first);
                ck_assert_uint_le(w, spy_hexfmt_bound(pend));
                out = malloc(b);
                ck_assert_ptr_nonnull(out);
                w = spy_hexfmt_feed(&f, d, len, out);
                ck_assert_uint_le(w, b);
                free(out);
                out = malloc(spy_hexfmt_bound(16));
                ck_assert_ptr_nonnull(out);
                w = spy_hexfmt_finish(&f, out);
                ck_assert_uint_le(w, spy_hexfmt_bound(16));
                free(out);
            }
        }
    }
    for (len = 1; len < 100000; len = len * 3 + 1) {
        ck_assert_uint_ge(spy_hexfmt_bound(len), spy_hexfmt_bound(len - 1));
        ck_assert_uint_ge(spy_hexfmt_bound(len), len);
    }
    ck_assert_uint_eq(spy_hexfmt_bound(SIZE_MAX), SIZE_MAX);
    ck_assert_uint_eq(spy_hexfmt_bound(SIZE_MAX / 2), SIZE_MAX);
}
END_TEST

/* Every implementation of full lines gives the scalar one's bytes, for
 * random lines, runs of equal lines (canonical squeezing) and offsets
 * around each 4 GiB boundary (where the offset grows a digit and the SIMD
 * kernels print the high digits themselves). Lines 70..100 repeat their
 * predecessor at gaps of 6 to 9 lines, so that a repeated line falls on
 * every position of the two- and four-line steps of the kernels; offsets
 * 0xfff..., 0x...e7 and 1 put the second-last offset digit at each value
 * at the start of a step. */
START_TEST(test_kernels_agree) {
    static const char *const impls[] = {"ssse3", "avx2", "avx512"};
    static const uint64_t starts[] = {
        0,           1,           0xfffff000u,  0xfffffff0u,
        0xffffffe7u, 0x1fffffe0u, 0xfffffffe0u, 0xfffffffff0u,
        0xc0,        0xd0,        0xe0,         0xfffffffd0u};
    static const size_t repeats[] = {70, 76, 83, 91, 100};
    static uint8_t d[16 * 112 + 9];
    const char *was = spy_hexfmt_impl();
    size_t i, k, s, st;

    rng_seed(11);
    rnd_fill(d, sizeof d);
    /* Lines 20..29 equal, 40..41 equal, 50..60 zero. */
    for (i = 21; i < 30; i++)
        memcpy(d + 16 * i, d + 16 * 20, 16);
    memcpy(d + 16 * 41, d + 16 * 40, 16);
    memset(d + 16 * 50, 0, 16 * 11);
    for (i = 0; i < sizeof repeats / sizeof repeats[0]; i++)
        memcpy(d + 16 * repeats[i], d + 16 * (repeats[i] - 1), 16);
    for (k = 0; k < sizeof impls / sizeof impls[0]; k++) {
        if (spy_hexfmt_select(impls[k]) != 0) {
            fprintf(stderr, "test_hexfmt: no %s on this CPU or build\n",
                    impls[k]);
            continue;
        }
        for (s = 0; s < 2; s++) {
            for (st = 0; st < sizeof starts / sizeof starts[0]; st++) {
                tbuf want = {0}, got = {0};
                ck_assert_int_eq(spy_hexfmt_select("scalar"), 0);
                format((spy_hexfmt_style)s, starts[st], d, sizeof d, 0, &want);
                ck_assert_int_eq(spy_hexfmt_select(impls[k]), 0);
                format((spy_hexfmt_style)s, starts[st], d, sizeof d, 1, &got);
                expect_same(impls[k], &want, &got);
                buf_free(&want);
                buf_free(&got);
            }
        }
    }
    ck_assert_int_eq(spy_hexfmt_select(was), 0);
}
END_TEST

/* spy_hexfmt_feed_zeros prints exactly what feeding that many real zero
 * bytes prints: after a partial line, after a zero or a non-zero line,
 * for short and long runs, with a small output buffer for xxd and raw. */
START_TEST(test_feed_zeros) {
    static const size_t pend[] = {0, 1, 7, 15};
    static const uint64_t ns[] = {0,  1,  15, 16,   17,       31,
                                  32, 33, 48, 1000, 65536 + 5};
    static uint8_t zero[65536 + 5], lead[16 + 15];
    size_t s, p, ni, before;
    char *tmp;
    size_t cap = spy_hexfmt_bound(4096);

    tmp = malloc(spy_hexfmt_bound(sizeof zero));
    ck_assert_ptr_nonnull(tmp);
    rng_seed(13);
    rnd_fill(lead, sizeof lead);
    for (s = 0; s < 3; s++) {
        for (before = 0; before < 3; before++) {
            for (p = 0; p < sizeof pend / sizeof pend[0]; p++) {
                for (ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
                    spy_hexfmt a, b;
                    tbuf want = {0}, got = {0};
                    uint64_t n = ns[ni], done = 0;
                    /* before: 0 nothing, 1 a random line, 2 a zero line. */
                    size_t lead_n = (before > 0 ? 16 : 0) + pend[p];
                    uint8_t ld[16 + 15];
                    size_t w;
                    memcpy(ld, lead, sizeof ld);
                    if (before == 2)
                        memset(ld, 0, 16);
                    spy_hexfmt_init(&a, (spy_hexfmt_style)s, 0x7ff0);
                    spy_hexfmt_init(&b, (spy_hexfmt_style)s, 0x7ff0);
                    w = spy_hexfmt_feed(&a, ld, lead_n, tmp);
                    buf_add(&want, tmp, w);
                    w = spy_hexfmt_feed(&a, zero, (size_t)n, tmp);
                    buf_add(&want, tmp, w);
                    w = spy_hexfmt_finish(&a, tmp);
                    buf_add(&want, tmp, w);
                    w = spy_hexfmt_feed(&b, ld, lead_n, tmp);
                    buf_add(&got, tmp, w);
                    while (done < n) {
                        uint64_t c =
                            spy_hexfmt_feed_zeros(&b, n - done, tmp, cap, &w);
                        ck_assert_uint_gt(c, 0);
                        ck_assert_uint_le(w, cap);
                        buf_add(&got, tmp, w);
                        done += c;
                    }
                    ck_assert_uint_eq(b.offset, a.offset);
                    w = spy_hexfmt_finish(&b, tmp);
                    buf_add(&got, tmp, w);
                    expect_same("feed_zeros", &want, &got);
                    buf_free(&want);
                    buf_free(&got);
                }
            }
        }
    }
    free(tmp);
}
END_TEST

/* Data for the resume test: lines drawn from a few patterns, so that
 * runs of equal lines (squeezed in canonical) start, go on and end
 * everywhere, across every split point. */
static void runs_fill(uint8_t *d, size_t n) {
    uint8_t pat[3][16];
    size_t i;
    rnd_fill(&pat[0][0], sizeof pat);
    memset(pat[2], 0, 16);
    for (i = 0; i < n; i += 16) {
        size_t k = n - i < 16 ? n - i : 16;
        unsigned r = (unsigned)(rnd() % 8);
        if (r < 5)
            memcpy(d + i, pat[r % 3], k);
        else
            rnd_fill(d + i, k);
    }
}

/* A stream cut at line boundaries, each part formatted by its own
 * formatter resumed from the bytes before it (0, 16 or 32 and more of
 * them), prints exactly what one formatter prints; and the state a part
 * ends in equals the state the next part was resumed in. */
START_TEST(test_resume) {
    static uint8_t d[4096 + 7];
    static const uint64_t starts[] = {0, 5, 0xfffffff0u};
    size_t s, st, trial;
    char *tmp = malloc(spy_hexfmt_bound(sizeof d));

    ck_assert_ptr_nonnull(tmp);
    rng_seed(29);
    for (trial = 0; trial < 40; trial++) {
        runs_fill(d, sizeof d);
        for (s = 0; s < 2; s++) {
            for (st = 0; st < sizeof starts / sizeof starts[0]; st++) {
                tbuf want = {0}, got = {0};
                spy_hexfmt one, part;
                size_t at = 0, w;
                spy_hexfmt_style style = (spy_hexfmt_style)s;
                format(style, starts[st], d, sizeof d, 0, &want);
                spy_hexfmt_init(&one, style, starts[st]);
                while (at < sizeof d) {
                    /* A cut at a line boundary, sometimes 1 or 2 lines
                     * after the last (0, 16 or 32 bytes before it). */
                    size_t len = 16 * (1 + (size_t)(rnd() % 20));
                    size_t nb = at < 32 ? at : 32 + (size_t)(rnd() % 3) * 16;
                    if (nb > at)
                        nb = at;
                    if (len > sizeof d - at)
                        len = sizeof d - at;
                    spy_hexfmt_resume(&part, style, starts[st] + at,
                                      d + at - nb, nb);
                    REQUIRE(spy_hexfmt_same_state(&part, &one));
                    w = spy_hexfmt_feed(&part, d + at, len, tmp);
                    buf_add(&got, tmp, w);
                    w = spy_hexfmt_feed(&one, d + at, len, tmp);
                    at += len;
                    if (at == sizeof d) {
                        w = spy_hexfmt_finish(&part, tmp);
                        buf_add(&got, tmp, w);
                    }
                }
                expect_same("resume", &want, &got);
                buf_free(&want);
                buf_free(&got);
            }
        }
    }
    free(tmp);
}
END_TEST

/* same_state tells states apart that would print differently. */
START_TEST(test_same_state) {
    uint8_t a[32], b[32];
    char out[256];
    spy_hexfmt x, y;
    memset(a, 'A', sizeof a);
    memcpy(b, a, sizeof b);
    b[20] = 'B';
    spy_hexfmt_resume(&x, SPY_HEX_CANONICAL, 64, a, 32);
    spy_hexfmt_resume(&y, SPY_HEX_CANONICAL, 64, a, 32);
    ck_assert(spy_hexfmt_same_state(&x, &y));
    ck_assert(x.squeezing); /* the last line repeats the one before */
    spy_hexfmt_resume(&y, SPY_HEX_CANONICAL, 64, b, 32); /* other reference */
    ck_assert(!spy_hexfmt_same_state(&x, &y));
    spy_hexfmt_resume(&y, SPY_HEX_CANONICAL, 64, a + 16, 16); /* no run */
    ck_assert(!spy_hexfmt_same_state(&x, &y));
    spy_hexfmt_resume(&y, SPY_HEX_CANONICAL, 80, a, 32); /* other offset */
    ck_assert(!spy_hexfmt_same_state(&x, &y));
    spy_hexfmt_resume(&y, SPY_HEX_XXD, 64, a, 32); /* other style */
    ck_assert(!spy_hexfmt_same_state(&x, &y));
    spy_hexfmt_init(&x, SPY_HEX_XXD, 64);
    ck_assert(spy_hexfmt_same_state(&x, &y)); /* xxd keeps no reference */
    ck_assert_uint_eq(spy_hexfmt_feed(&x, a, 3, out), 0);
    ck_assert(!spy_hexfmt_same_state(&x, &y)); /* a pending partial line */
}
END_TEST

/* Every test runs once per implementation of full lines, each compared
 * with the real xxd and hexdump: "scalar" always, "ssse3", "avx2" and
 * "avx512" when
 * the CPU has them (a missing one is reported, not failed). */
static void use_scalar(void) {
    ck_assert_int_eq(spy_hexfmt_select("scalar"), 0);
}
static void use_ssse3(void) {
    ck_assert_int_eq(spy_hexfmt_select("ssse3"), 0);
}
static void use_avx2(void) {
    ck_assert_int_eq(spy_hexfmt_select("avx2"), 0);
}
static void use_avx512(void) {
    ck_assert_int_eq(spy_hexfmt_select("avx512"), 0);
}

static Suite *hexfmt_suite(void) {
    static const struct {
        const char *name;
        void (*setup)(void);
    } impls[] = {{"scalar", use_scalar},
                 {"ssse3", use_ssse3},
                 {"avx2", use_avx2},
                 {"avx512", use_avx512}};
    Suite *s = suite_create("hexfmt");
    size_t i;

    for (i = 0; i < sizeof impls / sizeof impls[0]; i++) {
        TCase *tc;
        if (spy_hexfmt_select(impls[i].name) != 0) {
            fprintf(stderr, "test_hexfmt: %s not available here: skipped\n",
                    impls[i].name);
            continue;
        }
        tc = tcase_create(impls[i].name);
        tcase_set_timeout(tc, 60);
        tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
        tcase_add_checked_fixture(tc, impls[i].setup, NULL);
        tcase_add_test(tc, test_small_lengths);
        tcase_add_test(tc, test_squeeze_ranges);
        tcase_add_test(tc, test_large_offsets);
        tcase_add_test(tc, test_huge_offset_column);
        tcase_add_test(tc, test_split_equivalence);
        tcase_add_test(tc, test_raw);
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_bound);
        tcase_add_test(tc, test_feed_zeros);
        tcase_add_test(tc, test_resume);
        if (i == 0) {
            tcase_add_test(tc, test_same_state);
            tcase_add_test(tc, test_kernels_agree);
        }
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void) {
    return run_suite(hexfmt_suite());
}
