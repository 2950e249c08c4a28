/* testutil.h - helpers shared by the unit tests in tests/unit.
 *
 * Everything is a macro or a static inline function, so a test that uses
 * only some of them compiles warning-free. */
#ifndef SPY_TESTUTIL_H
#define SPY_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"

/* ck_assert records a checkpoint on every call, which is slow under ASan in
 * loops of many thousands; REQUIRE calls into Check only on failure. */
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg("Assertion '%s' failed", #cond);                      \
    } while (0)

/* Every error must carry one printable line that fits the record. */
static inline void check_msg(const spy_err *e) {
    size_t i, n = strlen(e->msg);

    REQUIRE(n > 0);
    REQUIRE(n < SPY_ERR_MSG_MAX);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)e->msg[i];
        if (c < 0x20 || c >= 0x7f)
            ck_abort_msg("byte 0x%02x at %zu in '%s'", c, i, e->msg);
    }
}

/* A growable byte buffer, NUL-terminated once anything was added; {0} is
 * empty. (Named tbuf: tests use buf for their own locals.) */
typedef struct tbuf {
    char *p;
    size_t n, cap;
} tbuf;

/* Appends s[0..n) to b, keeping a NUL after the content. */
static inline void buf_add(tbuf *b, const void *s, size_t n) {
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

/* Frees b's memory and makes it empty again. */
static inline void buf_free(tbuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* xorshift64* state of rng_seed and rnd (one per test program). */
static inline uint64_t *rnd_state(void) {
    static uint64_t state = 1;
    return &state;
}

/* Seeds rnd: SPY_TEST_SEED overrides dflt, so a run is reproducible. */
static inline void rng_seed(uint64_t dflt) {
    const char *s = getenv("SPY_TEST_SEED");
    uint64_t *st = rnd_state();
    *st = s != NULL ? strtoull(s, NULL, 0) : dflt;
    if (*st == 0) {
        *st = 1;
    }
}

/* The next xorshift64* pseudo-random number. */
static inline uint64_t rnd(void) {
    uint64_t *st = rnd_state();
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545f4914f6cdd1du;
}

/* Steps the fuzz tests' LCG *seed; returns its high 16 bits. */
static inline uint32_t lcg_next(uint32_t *seed) {
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

/* Writes a random string of fewer than cap - 1 bytes and its NUL to s,
 * drawn with lcg_next: chars of alphabet[0..alen) if from_alphabet, else
 * any nonzero byte. Returns its length. */
static inline size_t lcg_string(uint32_t *seed, char *s, size_t cap,
                                const char *alphabet, size_t alen,
                                int from_alphabet) {
    size_t n = lcg_next(seed) % (cap - 1), i;

    for (i = 0; i < n; i++) {
        uint32_t r = lcg_next(seed);
        s[i] = from_alphabet ? alphabet[r % alen] : (char)(r % 255 + 1);
    }
    s[n] = '\0';
    return n;
}

/* Size of a temporary file's path buffer. */
#define TMP_PATH_MAX 4096

/* Makes an empty file $TMPDIR/PREFIX.XXXXXX (default /tmp) and stores its
 * path in path[size]; on failure says why on stderr and leaves path "". */
static inline void tmp_make(char *path, size_t size, const char *prefix) {
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(path, size, "%s/%s.XXXXXX",
             dir != NULL && dir[0] != '\0' ? dir : "/tmp", prefix);
    fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "mkstemp %s: %s\n", path, strerror(errno));
        path[0] = '\0';
        return;
    }
    close(fd);
}

/* Removes the temporary file at path, unless tmp_make failed to make it. */
static inline void tmp_remove(const char *path) {
    if (path[0] != '\0') {
        unlink(path);
    }
}

/* Replaces the content of the temporary file at path with data[0..n);
 * returns path. */
static inline const char *tmp_fill(const char *path, const void *data,
                                   size_t n) {
    FILE *fp;

    ck_assert_msg(path[0] != '\0', "no temporary file");
    fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, n, fp), n);
    ck_assert_int_eq(fclose(fp), 0);
    return path;
}

/* Number of files in the pool of tmp_pool_make and tmp_file. */
#define TMP_POOL 2

/* The pool's paths; "" where a file was not made. */
static inline char (*tmp_pool(void))[TMP_PATH_MAX] {
    static char paths[TMP_POOL][TMP_PATH_MAX];
    return paths;
}

/* Makes the pool's files, named after prefix. Call it from an unchecked
 * fixture, which runs in the runner process: a test that fails (Check
 * ends its forked process with _exit) or crashes cannot leave them
 * behind. */
static inline void tmp_pool_make(const char *prefix) {
    int i;
    for (i = 0; i < TMP_POOL; i++) {
        tmp_make(tmp_pool()[i], TMP_PATH_MAX, prefix);
    }
}

/* Removes the pool's files (the unchecked fixture's teardown). */
static inline void tmp_pool_remove(void) {
    int i;
    for (i = 0; i < TMP_POOL; i++) {
        tmp_remove(tmp_pool()[i]);
    }
}

/* Replaces the content of pool file i with data[0..n); returns its path. */
static inline const char *tmp_file(int i, const void *data, size_t n) {
    return tmp_fill(tmp_pool()[i], data, n);
}

/* Runs the shell command cmd (a reference tool), appending its standard
 * output to out; fails if it cannot start, else returns pclose's status. */
static inline int run_capture(const char *cmd, tbuf *out) {
    char rd[65536];
    size_t n;
    FILE *p;

    p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "popen: %s", strerror(errno));
    while ((n = fread(rd, 1, sizeof rd, p)) > 0) {
        buf_add(out, rd, n);
    }
    return pclose(p);
}

/* Runs suite s (forking, CK_NORMAL output) and frees it; returns main's
 * exit status: EXIT_SUCCESS when no test failed. */
static inline int run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
