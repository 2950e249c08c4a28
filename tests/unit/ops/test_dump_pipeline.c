/* test_dump_pipeline.c - the parallel dump (src/ops/dump_pipeline.c) and
 * the thread boundary under it (backends/thread.h).
 *
 * The pipeline runs on a real POSIX object of a few chunks, with 0 to 3
 * worker threads, and its output must equal one formatter fed the same
 * bytes, wherever the stretch starts (mid-line, after a partial line).
 * With one thread the caller runs every chunk just before it is
 * written, which lets a test change the object between two chunks
 * deterministically: the chunk resumed from changed bytes is formatted
 * again, and a chunk past the end after a truncation stops the run with
 * what came before it kept. Objects are /spypipe-PID-WORD, removed by
 * each test and by the teardown.
 * ctest-labels: tsan */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/seg.h"
#include "backends/thread.h" /* spy_cpu_count */
#include "ops/dump_pipeline.h"
#include "core/hexfmt.h"
#include "core/name.h"
#include "../testutil.h"

#define CH DUMP_PIPE_CHUNK
#define OBJ_LEN (5 * (size_t)CH + 1234)

static int run_pid; /* the runner's pid, set once: forked tests share it */

static void remove_all(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -f /dev/shm/spypipe-%d-*", run_pid);
    if (system(cmd) != 0)
        fprintf(stderr, "test_dump_pipeline: cleanup failed\n");
}

static void setup(void) {
    run_pid = (int)getpid();
}

/* Lines from three patterns (one of them zeros) and random ones, so that
 * squeezed runs cross every chunk boundary sooner or later. */
static void fill(uint8_t *d, size_t n) {
    uint8_t pat[3][16];
    size_t i, j;
    for (i = 0; i < sizeof pat; i++)
        (&pat[0][0])[i] = (uint8_t)rnd();
    memset(pat[2], 0, 16);
    for (i = 0; i < n; i += 16) {
        unsigned r = (unsigned)(rnd() % 16);
        for (j = 0; j < 16 && i + j < n; j++)
            d[i + j] = r < 12 ? pat[r % 3][j] : (uint8_t)rnd();
    }
}

/* Creates /spypipe-PID-word holding d[0..n); returns it open for writing. */
static spy_seg *make(const char *word, const uint8_t *d, size_t n, char *path,
                     size_t cap) {
    char text[96];
    spy_name nm;
    spy_seg *s;
    spy_err e;
    snprintf(text, sizeof text, "/spypipe-%d-%s", run_pid, word);
    snprintf(path, cap, "/dev/shm%s", text);
    ck_assert_int_eq(spy_name_parse(text, &nm, &e), 0);
    ck_assert_int_eq(spy_seg_open(&nm, SPY_O_WRITE | SPY_O_CREATE | SPY_O_EXCL,
                                  n, 0600, &s, &e),
                     0);
    ck_assert_int_eq(spy_seg_write(s, 0, d, n, &e), 0);
    return s;
}

typedef struct sink {
    tbuf out;
    size_t calls;
    int stop_after; /* emit returns 1 on this call (1-based); 0: never */
    /* After emit call number poke (1-based; 0: never) write 16 bytes at
     * poke_at; after call number cut, truncate the object to cut_to. */
    spy_seg *seg;
    size_t poke, cut;
    uint64_t poke_at, cut_to;
    const char *path;
} sink;

static int collect(const char *out, size_t n, void *arg) {
    sink *k = arg;
    buf_add(&k->out, out, n);
    k->calls++;
    if (k->calls == k->poke) {
        static const uint8_t x[16] = "changed between";
        spy_err e;
        ck_assert_int_eq(spy_seg_write(k->seg, k->poke_at, x, 16, &e), 0);
    }
    if (k->calls == k->cut)
        ck_assert_int_eq(truncate(k->path, (off_t)k->cut_to), 0);
    return k->stop_after != 0 && (int)k->calls == k->stop_after;
}

/* One formatter fed d[pos..end) after lead bytes d[from..pos): the
 * reference output, without finish. */
static void serial(spy_hexfmt_style st, const uint8_t *d, uint64_t from,
                   uint64_t pos, uint64_t end, tbuf *out, spy_hexfmt *after) {
    char *tmp = malloc(spy_hexfmt_bound(OBJ_LEN));
    size_t w;
    ck_assert_ptr_nonnull(tmp);
    spy_hexfmt_init(after, st, from);
    w = spy_hexfmt_feed(after, d + from, (size_t)(pos - from), tmp);
    buf_add(out, tmp, w);
    w = spy_hexfmt_feed(after, d + pos, (size_t)(end - pos), tmp);
    buf_add(out, tmp, w);
    free(tmp);
}

/* The pipeline's output and end state equal one formatter's, for both
 * layouts, 0..3 workers, stretches starting on and off line boundaries
 * and after a partial line. */
START_TEST(test_same_as_serial) {
    static const uint64_t froms[] = {0, 0, 3, 16};
    static const uint64_t leads[] = {0, 5, 16, 29};
    static const uint64_t cuts[] = {0, 1, 777};
    uint8_t *d = malloc(OBJ_LEN);
    char path[128], *tmp = malloc(spy_hexfmt_bound(64));
    spy_seg *s;
    size_t st, w, f, c;

    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(tmp);
    rng_seed(41);
    fill(d, OBJ_LEN);
    s = make("same", d, OBJ_LEN, path, sizeof path);
    for (st = 0; st < 2; st++) {
        for (w = 0; w <= 3; w++) {
            for (f = 0; f < sizeof froms / sizeof froms[0]; f++) {
                for (c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
                    spy_hexfmt_style style = (spy_hexfmt_style)st;
                    uint64_t from = froms[f], pos = from + leads[f];
                    uint64_t end = OBJ_LEN - cuts[c];
                    tbuf want = {0};
                    sink k = {{0}, 0, 0, NULL, 0, 0, 0, 0, NULL};
                    spy_hexfmt a, b;
                    spy_err e;
                    serial(style, d, from, pos, end, &want, &a);
                    spy_hexfmt_init(&b, style, from);
                    buf_add(&k.out, tmp,
                            spy_hexfmt_feed(&b, d + from, (size_t)(pos - from),
                                            tmp));
                    ck_assert_int_eq(dump_pipeline_run(s, &b, pos, end,
                                                       (unsigned)w, collect, &k,
                                                       &e),
                                     0);
                    ck_assert(spy_hexfmt_same_state(&a, &b));
                    REQUIRE(k.out.n == want.n);
                    REQUIRE(memcmp(k.out.p, want.p, want.n) == 0);
                    buf_free(&want);
                    buf_free(&k.out);
                }
            }
        }
    }
    spy_seg_close(s);
    remove_all();
    free(d);
    free(tmp);
}
END_TEST

/* The last line of chunk 1 changes after chunk 1 was formatted and
 * before chunk 2 is read (one thread: the caller reads each chunk just
 * before writing it). Chunk 2 is resumed from the new line, which is not
 * what chunk 1 ended with, so it is formatted again from chunk 1's end:
 * the output is what one formatter fed the bytes each chunk read prints.
 * The lines around the boundary were zeros (a squeezed run): chunk 2 as
 * resumed would print its first zero line again; the one formatter
 * squeezes it. */
START_TEST(test_changed_between_chunks) {
    uint8_t *d = calloc(1, OBJ_LEN);
    char path[128];
    spy_seg *s;
    tbuf want = {0};
    sink k = {{0}, 0, 0, NULL, 2, 0, 0, 0, NULL};
    spy_hexfmt a, b;
    spy_err e;

    ck_assert_ptr_nonnull(d);
    rng_seed(43);
    fill(d, CH); /* chunk 0 varied, chunks 1.. zeros */
    s = make("changed", d, OBJ_LEN, path, sizeof path);
    k.seg = s;
    k.poke_at = 2 * (uint64_t)CH - 16;
    /* No chunk read the poked line as its own data: the output is that
     * of the bytes before the poke. */
    serial(SPY_HEX_CANONICAL, d, 0, 0, OBJ_LEN, &want, &a);
    spy_hexfmt_init(&b, SPY_HEX_CANONICAL, 0);
    ck_assert_int_eq(dump_pipeline_run(s, &b, 0, OBJ_LEN, 0, collect, &k, &e),
                     0);
    ck_assert(spy_hexfmt_same_state(&a, &b));
    REQUIRE(k.out.n == want.n);
    REQUIRE(memcmp(k.out.p, want.p, want.n) == 0);
    buf_free(&want);
    buf_free(&k.out);
    spy_seg_close(s);
    remove_all();
    free(d);
}
END_TEST

/* The object shrinks to 1.5 chunks after the first chunk is out: the run
 * stops with SPY_EFAULT and a sentence, the first chunk's output kept
 * and the formatter left just after it. */
START_TEST(test_shrank) {
    uint8_t *d = malloc(OBJ_LEN);
    char path[128];
    spy_seg *s;
    tbuf want = {0};
    sink k = {{0}, 0, 0, NULL, 0, 1, 0, 0, NULL}; /* cut after call 1 */
    spy_hexfmt a, b;
    spy_err e;

    ck_assert_ptr_nonnull(d);
    rng_seed(47);
    fill(d, OBJ_LEN);
    s = make("shrank", d, OBJ_LEN, path, sizeof path);
    k.cut_to = CH + CH / 2;
    k.path = path;
    serial(SPY_HEX_XXD, d, 0, 0, CH, &want, &a);
    spy_hexfmt_init(&b, SPY_HEX_XXD, 0);
    ck_assert_int_eq(dump_pipeline_run(s, &b, 0, OBJ_LEN, 0, collect, &k, &e),
                     SPY_EFAULT);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "shrank"));
    ck_assert(spy_hexfmt_same_state(&a, &b));
    REQUIRE(k.out.n == want.n);
    REQUIRE(memcmp(k.out.p, want.p, want.n) == 0);
    buf_free(&want);
    buf_free(&k.out);
    spy_seg_close(s);
    remove_all();
    free(d);
}
END_TEST

/* emit asking to stop (a failed write) ends the run at once with 1, with
 * workers running ahead. */
START_TEST(test_emit_stops) {
    uint8_t *d = malloc(OBJ_LEN);
    char path[128];
    spy_seg *s;
    sink k = {{0}, 0, 2, NULL, 0, 0, 0, 0, NULL};
    spy_hexfmt b;
    spy_err e;

    ck_assert_ptr_nonnull(d);
    rng_seed(53);
    fill(d, OBJ_LEN);
    s = make("stops", d, OBJ_LEN, path, sizeof path);
    spy_hexfmt_init(&b, SPY_HEX_XXD, 0);
    ck_assert_int_eq(dump_pipeline_run(s, &b, 0, OBJ_LEN, 2, collect, &k, &e),
                     1);
    ck_assert_uint_eq(k.calls, 2);
    ck_assert_uint_eq(b.offset, 2 * (uint64_t)CH);
    buf_free(&k.out);
    spy_seg_close(s);
    remove_all();
    free(d);
}
END_TEST

/* The worker count: none for short stretches or one processor
 * ($SPY_DUMP_THREADS=1), the override otherwise. */
START_TEST(test_workers) {
    uint8_t d[64] = {0};
    char path[128];
    spy_seg *s = make("workers", d, sizeof d, path, sizeof path);
    ck_assert_int_eq(setenv("SPY_DUMP_THREADS", "3", 1), 0);
    ck_assert_uint_eq(dump_pipeline_workers(s, 64), 0);
    ck_assert_uint_eq(dump_pipeline_workers(s, 64 * (uint64_t)CH), 3);
    ck_assert_int_eq(setenv("SPY_DUMP_THREADS", "1", 1), 0);
    ck_assert_uint_eq(dump_pipeline_workers(s, 64 * (uint64_t)CH), 0);
    ck_assert_int_eq(unsetenv("SPY_DUMP_THREADS"), 0);
    ck_assert_uint_eq(dump_pipeline_workers(s, 64 * (uint64_t)CH),
                      spy_cpu_count() > 1 ? spy_cpu_count() : 0);
    spy_seg_close(s);
    remove_all();
}
END_TEST

int main(void) {
    Suite *s = suite_create("dump_pipeline");
    TCase *tc = tcase_create("pipeline");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, setup, remove_all);
    tcase_add_test(tc, test_same_as_serial);
    tcase_add_test(tc, test_changed_between_chunks);
    tcase_add_test(tc, test_shrank);
    tcase_add_test(tc, test_emit_stops);
    tcase_add_test(tc, test_workers);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
