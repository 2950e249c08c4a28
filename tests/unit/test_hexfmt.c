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

#include "hexfmt.h"

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void buf_add(buf *b, const void *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        if (b->p == NULL) {
            ck_abort_msg("out of memory");
        }
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->p + b->n, s, n);
    }
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_free(buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* xorshift64*: reproducible; SPY_TEST_SEED overrides the seed. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static void rng_seed(uint64_t dflt) {
    const char *s = getenv("SPY_TEST_SEED");
    rng = s != NULL ? strtoull(s, NULL, 0) : dflt;
    if (rng == 0) {
        rng = 1;
    }
}

static uint64_t rnd(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1du;
}

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
                   size_t n, int split, buf *out) {
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
static void expect_same(const char *what, const buf *want, const buf *got) {
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
                         size_t nr, buf *outs) {
    buf cmd = {0}, all = {0};
    char piece[512], rd[65536];
    size_t i, got, pos, k;
    FILE *p;
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
    p = popen(cmd.p, "r");
    ck_assert_msg(p != NULL, "popen: %s", strerror(errno));
    while ((got = fread(rd, 1, sizeof rd, p)) > 0) {
        buf_add(&all, rd, got);
    }
    status = pclose(p);
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
static char tmp_path[4096];

static void tmp_setup(void) {
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(tmp_path, sizeof tmp_path, "%s/test_hexfmt.XXXXXX",
             dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    fd = mkstemp(tmp_path);
    if (fd < 0) {
        fprintf(stderr, "mkstemp %s: %s\n", tmp_path, strerror(errno));
        tmp_path[0] = '\0';
        return;
    }
    close(fd);
}

static void tmp_teardown(void) {
    if (tmp_path[0] != '\0') {
        unlink(tmp_path);
    }
}

static void tmp_create(void) {
    FILE *fp;
    ck_assert_msg(tmp_path[0] != '\0', "no temporary file");
    fp = fopen(tmp_path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fclose(fp), 0);
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
    buf *want = calloc(nr, sizeof *want);

    ck_assert_ptr_nonnull(want);
    for (s = 0; s < 2; s++) {
        tool_outputs(tmp_path, styles[s], r, nr, want);
        for (i = 0; i < nr; i++) {
            buf one = {0}, split = {0};
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
    buf want, got = {0}, fixed = {0};
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
        buf one = {0};
        format((spy_hexfmt_style)s, 7, data, sizeof data, 0, &one);
        for (k = 0; k < 12; k++) {
            buf split = {0};
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
    buf got = {0};
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

static Suite *hexfmt_suite(void) {
    Suite *s = suite_create("hexfmt");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_test(tc, test_small_lengths);
    tcase_add_test(tc, test_squeeze_ranges);
    tcase_add_test(tc, test_large_offsets);
    tcase_add_test(tc, test_huge_offset_column);
    tcase_add_test(tc, test_split_equivalence);
    tcase_add_test(tc, test_raw);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_bound);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(hexfmt_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
