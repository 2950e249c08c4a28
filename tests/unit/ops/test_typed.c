/* test_typed.c - ops/typed.c on real POSIX objects: the layout source
 * rules, a layout file written without libdw (built with the builder,
 * saved as a file, loaded with --layout), reads and writes by field, the
 * range check that writes nothing, and torn reads against a real writer
 * thread that rewrites a 64-byte string byte by byte (flagged), and a
 * quiet object (never flagged). */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../testutil.h"
#include "backends/layoutsrc.h"
#include "backends/seg.h"
#include "core/layout.h"
#include "core/name.h"
#include "ops/typed.h"

/* struct t as the hand-written layout says it is:
 *   0  uint32_t counter
 *   4  char msg[64]
 *  68  unsigned char small
 *  72  unsigned int mode:3, level:5 (bits 0..2, 3..7)
 *  76  size */
#define T_SIZE 76
#define OBJ_SIZE 4096

static int run_pid;
static char layout_path[256];

static uint32_t add(spy_layout *l, const char *name, spy_lkind kind,
                    uint64_t size, uint32_t elem, uint64_t nelem) {
    spy_ltype t;
    uint32_t idx;
    spy_err e;
    memset(&t, 0, sizeof t);
    t.name = (char *)name;
    t.kind = kind;
    t.size = size;
    t.elem = elem;
    t.nelem = nelem;
    ck_assert_msg(spy_layout_add_type(l, &t, &idx, &e) == 0, "%s", e.msg);
    return idx;
}

static void member(spy_layout *l, uint32_t owner, const char *name,
                   uint32_t type, uint64_t off, uint8_t bits, uint8_t bit) {
    spy_lmember m;
    spy_err e;
    memset(&m, 0, sizeof m);
    m.name = (char *)name;
    m.type = type;
    m.offset = off;
    m.bit_size = bits;
    m.bit_offset = bit;
    ck_assert_msg(spy_layout_add_member(l, owner, &m, &e) == 0, "%s", e.msg);
}

/* Writes the layout of struct t to layout_path, as `shmspy layout -o`
 * would: built, checked, formatted, saved. */
static void write_layout_file(void) {
    spy_layout l;
    uint32_t u32, ch, arr, u8, st;
    char *text;
    size_t len;
    spy_err e;

    spy_layout_init(&l);
    u32 = add(&l, "unsigned int", SPY_L_UINT, 4, SPY_LAYOUT_NONE, 0);
    ch = add(&l, "char", SPY_L_CHAR, 1, SPY_LAYOUT_NONE, 0);
    arr = add(&l, "char[64]", SPY_L_ARRAY, 64, ch, 64);
    u8 = add(&l, "unsigned char", SPY_L_UINT, 1, SPY_LAYOUT_NONE, 0);
    st = add(&l, "struct t", SPY_L_STRUCT, T_SIZE, SPY_LAYOUT_NONE, 0);
    member(&l, st, "counter", u32, 0, 0, 0);
    member(&l, st, "msg", arr, 4, 0, 0);
    member(&l, st, "small", u8, 68, 0, 0);
    member(&l, st, "mode", u32, 72, 3, 0);
    member(&l, st, "level", u32, 72, 5, 3);
    l.root = st;
    ck_assert_msg(spy_layout_check(&l, &e) == 0, "%s", e.msg);
    text = spy_layout_format(&l, &len);
    ck_assert_ptr_nonnull(text);
    unlink(layout_path);
    ck_assert_msg(spy_layout_save_file(layout_path, text, len, 0, &e) == 0,
                  "%s", e.msg);
    free(text);
    spy_layout_free(&l);
}

/* A fresh object /spytyped-PID-word of OBJ_SIZE bytes holding struct t
 * with counter 42, msg "hello", small 9, mode 5, level 17; mapped at
 * *map (the caller unmaps) and named *n. */
static void make_obj(const char *word, spy_name *n, uint8_t **map) {
    char text[128];
    int fd;
    uint8_t *p;
    uint32_t v;
    spy_err e;

    snprintf(text, sizeof text, "/spytyped-%d-%s", run_pid, word);
    shm_unlink(text);
    fd = shm_open(text, O_CREAT | O_EXCL | O_RDWR, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, OBJ_SIZE), 0);
    p = mmap(NULL, OBJ_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(p != MAP_FAILED);
    close(fd);
    v = 42;
    memcpy(p, &v, 4);
    memcpy(p + 4, "hello", 6);
    p[68] = 9;
    v = 5u | (17u << 3);
    memcpy(p + 72, &v, 4);
    *map = p;
    ck_assert_int_eq(spy_name_parse(text, n, &e), 0);
}

static void load(spy_typed *t, const char *type) {
    spy_typed_req q;
    int usage = -1;
    spy_err e;
    memset(&q, 0, sizeof q);
    q.layout_file = layout_path;
    q.type = type;
    ck_assert_msg(spy_typed_load(&q, t, &usage, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(usage, 0);
}

START_TEST(test_typed_wanted_and_rules) {
    spy_typed_req q;
    spy_typed t;
    spy_err e;
    int usage;

    write_layout_file();
    memset(&q, 0, sizeof q);
    ck_assert_int_eq(spy_typed_wanted(&q), 0);
    q.cflags = "-DX";
    ck_assert_int_eq(spy_typed_wanted(&q), 1);
    /* --cflags alone: no source. */
    ck_assert_int_eq(spy_typed_load(&q, &t, &usage, &e), SPY_EINVAL);
    ck_assert_int_eq(usage, 1);
    check_msg(&e);
    /* two sources */
    memset(&q, 0, sizeof q);
    q.type = "t";
    q.header = "x.h";
    q.layout_file = layout_path;
    ck_assert_int_eq(spy_typed_load(&q, &t, &usage, &e), SPY_EINVAL);
    ck_assert_int_eq(usage, 1);
    ck_assert_ptr_nonnull(strstr(e.msg, "exclude each other"));
    /* --cflags without --header */
    q.header = NULL;
    q.cflags = "-I.";
    ck_assert_int_eq(spy_typed_load(&q, &t, &usage, &e), SPY_EINVAL);
    ck_assert_int_eq(usage, 1);
    ck_assert_ptr_nonnull(strstr(e.msg, "--cflags"));
    /* --header without --type */
    memset(&q, 0, sizeof q);
    q.header = "x.h";
    ck_assert_int_eq(spy_typed_load(&q, &t, &usage, &e), SPY_EINVAL);
    ck_assert_int_eq(usage, 1);
    ck_assert_ptr_nonnull(strstr(e.msg, "--type"));
    /* --layout: the root without --type, the named type with it, an
     * unknown type as an error of the file (not of usage). */
    memset(&q, 0, sizeof q);
    q.layout_file = layout_path;
    ck_assert_msg(spy_typed_load(&q, &t, &usage, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(t.layout.types[t.root].name, "struct t");
    spy_typed_free(&t);
    q.type = "t";
    ck_assert_msg(spy_typed_load(&q, &t, &usage, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(t.layout.types[t.root].name, "struct t");
    spy_typed_free(&t);
    q.type = "nope";
    ck_assert_int_ne(spy_typed_load(&q, &t, &usage, &e), 0);
    ck_assert_int_eq(usage, 0);
    check_msg(&e);
    /* a missing layout file names it */
    q.type = NULL;
    q.layout_file = "/nonexistent/typed.layout";
    ck_assert_int_ne(spy_typed_load(&q, &t, &usage, &e), 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/typed.layout"));
}
END_TEST

START_TEST(test_typed_read_fields) {
    spy_name n;
    spy_seg *s = NULL;
    spy_typed t;
    spy_typed_value v;
    uint8_t *map;
    char text[SPY_LVALUE_MAX];
    spy_err e;

    write_layout_file();
    make_obj("read", &n, &map);
    load(&t, NULL);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);

    ck_assert_msg(spy_typed_read(s, &t, 0, "counter", &v, &e) == 0, "%s",
                  e.msg);
    ck_assert_int_eq(v.torn, 0);
    ck_assert_uint_eq(v.attempts, 2);
    ck_assert_uint_eq(v.f.offset, 0);
    spy_layout_value_text(&t.layout, &v.f, v.bytes, 4, text, sizeof text);
    ck_assert_str_eq(text, "42");
    free(v.bytes);

    ck_assert_int_eq(spy_typed_read(s, &t, 0, "level", &v, &e), 0);
    spy_layout_value_text(&t.layout, &v.f, v.bytes, (size_t)v.f.size, text,
                          sizeof text);
    ck_assert_str_eq(text, "17");
    free(v.bytes);

    ck_assert_int_eq(spy_typed_read(s, &t, 0, "msg", &v, &e), 0);
    ck_assert_uint_eq(v.f.size, 64);
    ck_assert_str_eq((const char *)v.bytes, "hello");
    free(v.bytes);

    /* the whole struct */
    ck_assert_int_eq(spy_typed_read(s, &t, 0, "", &v, &e), 0);
    ck_assert_uint_eq(v.f.size, T_SIZE);
    ck_assert_int_eq(memcmp(v.bytes, map, T_SIZE), 0);
    free(v.bytes);

    /* at a base: the struct moved */
    memcpy(map + 1000, map, T_SIZE);
    map[1000] = 7;
    ck_assert_int_eq(spy_typed_read(s, &t, 1000, "counter", &v, &e), 0);
    ck_assert_uint_eq(v.f.offset, 1000);
    ck_assert_uint_eq(v.bytes[0], 7);
    free(v.bytes);

    /* no such field; a struct that does not fit */
    ck_assert_int_eq(spy_typed_read(s, &t, 0, "nope", &v, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_ptr_null(v.bytes);
    ck_assert_int_eq(spy_typed_read(s, &t, OBJ_SIZE - 10, "counter", &v, &e),
                     SPY_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "does not fit"));
    check_msg(&e);

    spy_seg_close(s);
    spy_typed_free(&t);
    munmap(map, OBJ_SIZE);
}
END_TEST

START_TEST(test_typed_write_checked) {
    spy_name n;
    spy_seg *s = NULL;
    spy_typed t;
    uint8_t *map, before[T_SIZE];
    uint32_t w;
    spy_err e;

    write_layout_file();
    make_obj("write", &n, &map);
    load(&t, "struct t");
    ck_assert_int_eq(spy_seg_open(&n, SPY_O_WRITE, 0, 0, &s, &e), 0);

    /* out of range: nothing written */
    memcpy(before, map, T_SIZE);
    ck_assert_int_eq(spy_typed_write(s, &t, 0, "small", "300", 0, &e),
                     SPY_ERANGE);
    check_msg(&e);
    ck_assert_int_eq(memcmp(before, map, T_SIZE), 0);
    ck_assert_int_eq(spy_typed_write(s, &t, 0, "level", "32", 0, &e),
                     SPY_ERANGE);
    ck_assert_int_eq(memcmp(before, map, T_SIZE), 0);
    ck_assert_int_ne(spy_typed_write(s, &t, 0, "counter", "abc", 0, &e), 0);
    ck_assert_int_eq(memcmp(before, map, T_SIZE), 0);
    ck_assert_int_ne(spy_typed_write(s, &t, 0, "msg",
                                     "0123456789012345678901234567890123456789"
                                     "012345678901234567890123456789",
                                     0, &e),
                     0);
    ck_assert_int_eq(memcmp(before, map, T_SIZE), 0);

    /* in range */
    ck_assert_msg(spy_typed_write(s, &t, 0, "small", "255", 0, &e) == 0, "%s",
                  e.msg);
    ck_assert_uint_eq(map[68], 255);
    ck_assert_int_eq(spy_typed_write(s, &t, 0, "counter", "123456", 0, &e), 0);
    memcpy(&w, map, 4);
    ck_assert_uint_eq(w, 123456);
    /* a bitfield keeps its neighbour */
    ck_assert_int_eq(spy_typed_write(s, &t, 0, "level", "31", 0, &e), 0);
    memcpy(&w, map + 72, 4);
    ck_assert_uint_eq(w & 7u, 5);
    ck_assert_uint_eq((w >> 3) & 31u, 31);
    ck_assert_int_eq(spy_typed_write(s, &t, 0, "msg", "bye", 0, &e), 0);
    ck_assert_str_eq((const char *)map + 4, "bye");
    ck_assert_uint_eq(map[4 + 63], 0);
    spy_seg_close(s);

    /* opened read-only: the policy refuses, nothing written */
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    memcpy(before, map, T_SIZE);
    ck_assert_int_eq(spy_typed_write(s, &t, 0, "small", "1", 0, &e), SPY_EROFS);
    ck_assert_int_eq(memcmp(before, map, T_SIZE), 0);
    spy_seg_close(s);
    spy_typed_free(&t);
    munmap(map, OBJ_SIZE);
}
END_TEST

/* The tearing writer: msg rewritten byte by byte between two strings. */
static atomic_int tear_stop;

static void *tear(void *arg) {
    volatile char *msg = (volatile char *)arg + 4;
    static const char a[64] =
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static const char b[64] =
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    int flip = 0;
    while (!atomic_load_explicit(&tear_stop, memory_order_relaxed)) {
        const char *src = flip ? b : a;
        int i;
        for (i = 0; i < 64; i++)
            msg[i] = src[i];
        flip ^= 1;
    }
    return NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_typed_torn_flagged) {
    spy_name n;
    spy_seg *s = NULL;
    spy_typed t;
    spy_typed_value v;
    uint8_t *map;
    pthread_t tid;
    unsigned reads = 0, torn = 0, clean_counter_torn = 0;
    double t0;
    spy_err e;

    write_layout_file();
    make_obj("torn", &n, &map);
    load(&t, NULL);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    atomic_store(&tear_stop, 0);
    ck_assert_int_eq(pthread_create(&tid, NULL, tear, map), 0);
    /* Until a torn read is seen, or 10 s (two shared cores may leave the
     * writer unscheduled for a while). */
    t0 = now_s();
    while (torn == 0 && now_s() - t0 < 10.0) {
        ck_assert_int_eq(spy_typed_read(s, &t, 0, "msg", &v, &e), 0);
        reads++;
        if (v.torn) {
            torn++;
            ck_assert_uint_eq(v.attempts, SPY_TYPED_TRIES);
        } else {
            /* a clean value is one of the two whole strings or a mix
             * that two consecutive reads agreed on */
            ck_assert_uint_ge(v.attempts, 2);
        }
        free(v.bytes);
        /* a field the writer does not touch is never torn */
        ck_assert_int_eq(spy_typed_read(s, &t, 0, "counter", &v, &e), 0);
        clean_counter_torn += (unsigned)v.torn;
        free(v.bytes);
    }
    atomic_store(&tear_stop, 1);
    pthread_join(tid, NULL);
    ck_assert_msg(torn > 0,
                  "no torn read in %u reads of a field rewritten "
                  "byte by byte",
                  reads);
    ck_assert_uint_eq(clean_counter_torn, 0);
    spy_seg_close(s);
    spy_typed_free(&t);
    munmap(map, OBJ_SIZE);
}
END_TEST

START_TEST(test_typed_quiet_never_torn) {
    spy_name n;
    spy_seg *s = NULL;
    spy_typed t;
    spy_typed_value v;
    uint8_t *map;
    unsigned i;
    spy_err e;

    write_layout_file();
    make_obj("quiet", &n, &map);
    load(&t, NULL);
    ck_assert_int_eq(spy_seg_open(&n, 0, 0, 0, &s, &e), 0);
    for (i = 0; i < 20000; i++) {
        REQUIRE(spy_typed_read(s, &t, 0, i % 2 ? "msg" : "", &v, &e) == 0);
        REQUIRE(v.torn == 0);
        REQUIRE(v.attempts == 2);
        free(v.bytes);
    }
    spy_seg_close(s);
    spy_typed_free(&t);
    munmap(map, OBJ_SIZE);
}
END_TEST

int main(void) {
    Suite *s = suite_create("typed");
    TCase *tc = tcase_create("typed");
    SRunner *sr;
    int failed;
    char cmd[400];

    run_pid = (int)getpid();
    snprintf(layout_path, sizeof layout_path, "/tmp/spytyped-%d.layout",
             run_pid);
    tcase_add_test(tc, test_typed_wanted_and_rules);
    tcase_add_test(tc, test_typed_read_fields);
    tcase_add_test(tc, test_typed_write_checked);
    tcase_add_test(tc, test_typed_torn_flagged);
    tcase_add_test(tc, test_typed_quiet_never_torn);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    snprintf(cmd, sizeof cmd, "rm -f %s /dev/shm/spytyped-%d-*", layout_path,
             run_pid);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
