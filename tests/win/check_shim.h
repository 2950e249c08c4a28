/* check_shim.h - the subset of Check's API that the core unit tests use,
 * for the Windows build (Check is not packaged for MinGW).
 *
 * tests/win/include/check.h includes this file, so the SAME
 * tests/unit/LAYER/test_*.c sources compile against it with `#include
 * <check.h>`. Differences from Check: tests run in the runner's process, one
 * after the other (no fork); a failed assertion ends its test with
 * __builtin_longjmp back to the runner (no unwinding: C frames only); timeouts
 * are ignored. A test that runs a POSIX tool through popen (xxd, hexdump,
 * python3 reference checks) is reported as skipped, not failed: those tools do
 * not exist under Windows. The runner prints "NAME: N passed, N failed, N
 * skipped". */
#ifndef SPY_CHECK_SHIM_H
#define SPY_CHECK_SHIM_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_SILENT 0
#define CK_MINIMAL 1
#define CK_NORMAL 2
#define CK_VERBOSE 3
#define CK_FORK 1
#define CK_NOFORK 0

typedef void (*spy_ck_fn)(int);
typedef void (*SFun)(void);

#define SPY_CK_MAX_TESTS 512
#define SPY_CK_MAX_TCASES 64

typedef struct TCase {
    const char *name;
    struct {
        spy_ck_fn f;
        const char *name;
        int lo, hi;
    } t[SPY_CK_MAX_TESTS];
    int n;
    SFun setup, teardown;   /* checked: around each test */
    SFun usetup, uteardown; /* unchecked: around the tcase */
} TCase;

typedef struct Suite {
    const char *name;
    TCase *tc[SPY_CK_MAX_TCASES];
    int n;
} Suite;

typedef struct SRunner {
    Suite *s;
    int passed, failed, skipped;
} SRunner;

/* The runner's state (one per test program). */
typedef struct spy_ck_state {
    void *jmp[5];
    int outcome; /* 1 failed, 2 skipped */
    const char *test;
} spy_ck_state;

static inline spy_ck_state *spy_ck(void) {
    static spy_ck_state st;
    return &st;
}

#define START_TEST(name)                                                       \
    static void name(int _i) {                                                 \
        (void)_i;
#define END_TEST }

static inline Suite *suite_create(const char *name) {
    Suite *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->name = name;
    return s;
}

static inline TCase *tcase_create(const char *name) {
    TCase *t = calloc(1, sizeof *t);
    if (t == NULL)
        abort();
    t->name = name;
    return t;
}

static inline void suite_add_tcase(Suite *s, TCase *t) {
    if (s->n < SPY_CK_MAX_TCASES)
        s->tc[s->n++] = t;
}

static inline void spy_ck_add(TCase *tc, spy_ck_fn f, const char *name, int lo,
                              int hi) {
    if (tc->n < SPY_CK_MAX_TESTS) {
        tc->t[tc->n].f = f;
        tc->t[tc->n].name = name;
        tc->t[tc->n].lo = lo;
        tc->t[tc->n].hi = hi;
        tc->n++;
    }
}

#define tcase_add_test(tc, f) spy_ck_add((tc), (f), #f, 0, 1)
#define tcase_add_loop_test(tc, f, lo, hi) spy_ck_add((tc), (f), #f, (lo), (hi))

static inline void tcase_add_checked_fixture(TCase *tc, SFun setup,
                                             SFun teardown) {
    tc->setup = setup;
    tc->teardown = teardown;
}

static inline void tcase_add_unchecked_fixture(TCase *tc, SFun setup,
                                               SFun teardown) {
    tc->usetup = setup;
    tc->uteardown = teardown;
}

static inline void tcase_set_timeout(TCase *tc, double seconds) {
    (void)tc;
    (void)seconds;
}

static inline SRunner *srunner_create(Suite *s) {
    SRunner *r = calloc(1, sizeof *r);
    if (r == NULL)
        abort();
    r->s = s;
    return r;
}

static inline void srunner_set_fork_status(SRunner *r, int status) {
    (void)r;
    (void)status;
}

/* Ends the running test: outcome 1 failed, 2 skipped. */
static inline void spy_ck_end(int outcome) {
    spy_ck()->outcome = outcome;
    __builtin_longjmp(spy_ck()->jmp, 1);
}

__attribute__((format(gnu_printf, 4, 5))) static inline void
spy_ck_fail(const char *file, int line, const char *expr, const char *fmt,
            ...) {
    va_list ap;
    fprintf(stderr, "%s:%d: %s: %s", file, line, spy_ck()->test, expr);
    if (fmt[0] != '\0') {
        fputs(": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    spy_ck_end(1);
}

/* popen of a POSIX reference tool: skip the test. */
static inline FILE *spy_ck_popen(const char *cmd, const char *mode) {
    (void)mode;
    fprintf(stderr, "%s: skipped on Windows: runs a POSIX tool (%.40s...)\n",
            spy_ck()->test, cmd);
    spy_ck_end(2);
    return NULL;
}

static inline int spy_ck_pclose(FILE *f) {
    (void)f;
    return -1;
}

#undef popen /* mingw's stdio.h maps them to _popen, _pclose */
#undef pclose
#define popen spy_ck_popen
#define pclose spy_ck_pclose

/* Runs one test function; returns its outcome (0 passed). */
static inline int spy_ck_run1(TCase *tc, int k, int i) {
    spy_ck_state *st = spy_ck();
    st->outcome = 0;
    st->test = tc->t[k].name;
    if (__builtin_setjmp(st->jmp) == 0) {
        if (tc->setup != NULL)
            tc->setup();
        tc->t[k].f(i);
    }
    if (tc->teardown != NULL)
        tc->teardown();
    return st->outcome;
}

static inline void srunner_run_all(SRunner *r, int mode) {
    int c, k, i;
    (void)mode;
    for (c = 0; c < r->s->n; c++) {
        TCase *tc = r->s->tc[c];
        if (tc->usetup != NULL)
            tc->usetup();
        for (k = 0; k < tc->n; k++) {
            for (i = tc->t[k].lo; i < tc->t[k].hi; i++) {
                int o = spy_ck_run1(tc, k, i);
                if (o == 0)
                    r->passed++;
                else if (o == 1)
                    r->failed++;
                else
                    r->skipped++;
            }
        }
        if (tc->uteardown != NULL)
            tc->uteardown();
    }
    printf("%s: %d passed, %d failed, %d skipped\n", r->s->name, r->passed,
           r->failed, r->skipped);
    fflush(stdout);
}

static inline int srunner_ntests_failed(SRunner *r) {
    return r->failed;
}

static inline void srunner_free(SRunner *r) {
    int c;
    for (c = 0; c < r->s->n; c++)
        free(r->s->tc[c]);
    free(r->s);
    free(r);
}

/* ---- assertions ---------------------------------------------------------
 */

#define ck_assert_msg(expr, ...)                                               \
    do {                                                                       \
        if (!(expr))                                                           \
            spy_ck_fail(__FILE__, __LINE__, "Assertion '" #expr "' failed",    \
                        __VA_ARGS__);                                          \
    } while (0)
#define ck_assert(expr) ck_assert_msg(expr, "%s", "")
#define ck_abort_msg(...) spy_ck_fail(__FILE__, __LINE__, "Failed", __VA_ARGS__)
#define ck_abort() ck_abort_msg("%s", "")

#define SPY_CK_CMP(T, F, X, OP, Y)                                             \
    do {                                                                       \
        T spy_ck_x = (T)(X), spy_ck_y = (T)(Y);                                \
        if (!(spy_ck_x OP spy_ck_y))                                           \
            spy_ck_fail(__FILE__, __LINE__,                                    \
                        "Assertion '" #X " " #OP " " #Y "' failed",            \
                        "%s == %" F ", %s == %" F, #X, spy_ck_x, #Y,           \
                        spy_ck_y);                                             \
    } while (0)

#define ck_assert_int_eq(X, Y) SPY_CK_CMP(intmax_t, PRIdMAX, X, ==, Y)
#define ck_assert_int_ne(X, Y) SPY_CK_CMP(intmax_t, PRIdMAX, X, !=, Y)
#define ck_assert_int_lt(X, Y) SPY_CK_CMP(intmax_t, PRIdMAX, X, <, Y)
#define ck_assert_int_le(X, Y) SPY_CK_CMP(intmax_t, PRIdMAX, X, <=, Y)
#define ck_assert_int_gt(X, Y) SPY_CK_CMP(intmax_t, PRIdMAX, X, >, Y)
#define ck_assert_int_ge(X, Y) SPY_CK_CMP(intmax_t, PRIdMAX, X, >=, Y)
#define ck_assert_uint_eq(X, Y) SPY_CK_CMP(uintmax_t, PRIuMAX, X, ==, Y)
#define ck_assert_uint_ne(X, Y) SPY_CK_CMP(uintmax_t, PRIuMAX, X, !=, Y)
#define ck_assert_uint_lt(X, Y) SPY_CK_CMP(uintmax_t, PRIuMAX, X, <, Y)
#define ck_assert_uint_le(X, Y) SPY_CK_CMP(uintmax_t, PRIuMAX, X, <=, Y)
#define ck_assert_uint_gt(X, Y) SPY_CK_CMP(uintmax_t, PRIuMAX, X, >, Y)
#define ck_assert_uint_ge(X, Y) SPY_CK_CMP(uintmax_t, PRIuMAX, X, >=, Y)

#define ck_assert_ptr_eq(X, Y)                                                 \
    ck_assert_msg((const void *)(X) == (const void *)(Y), "%s", "pointers")
#define ck_assert_ptr_ne(X, Y)                                                 \
    ck_assert_msg((const void *)(X) != (const void *)(Y), "%s", "pointers")
#define ck_assert_ptr_null(X) ck_assert_msg((X) == NULL, "%s", #X " is set")
#define ck_assert_ptr_nonnull(X) ck_assert_msg((X) != NULL, "%s", #X " is NULL")

#define SPY_CK_STR(X, OP, Y)                                                   \
    do {                                                                       \
        const char *spy_ck_s = (X), *spy_ck_t = (Y);                           \
        if (spy_ck_s == NULL || spy_ck_t == NULL ||                            \
            !(strcmp(spy_ck_s, spy_ck_t) OP 0))                                \
            spy_ck_fail(__FILE__, __LINE__,                                    \
                        "Assertion '" #X " " #OP " " #Y "' failed",            \
                        "%s == \"%s\", %s == \"%s\"", #X,                      \
                        spy_ck_s ? spy_ck_s : "(null)", #Y,                    \
                        spy_ck_t ? spy_ck_t : "(null)");                       \
    } while (0)
#define ck_assert_str_eq(X, Y) SPY_CK_STR(X, ==, Y)
#define ck_assert_str_ne(X, Y) SPY_CK_STR(X, !=, Y)

#define ck_assert_mem_eq(X, Y, L)                                              \
    ck_assert_msg(memcmp((X), (Y), (L)) == 0, "%s", "memory differs")
#define ck_assert_mem_ne(X, Y, L)                                              \
    ck_assert_msg(memcmp((X), (Y), (L)) != 0, "%s", "memory is equal")

#endif
