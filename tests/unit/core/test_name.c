/* test_name.c - unit tests for src/name.c (the NAME argument). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hexbytes.h"
#include "core/name.h"
#include "../testutil.h"

/* Parses s, which must succeed, into *n. */
static void parse_ok(const char *s, spy_name *n) {
    spy_err e;
    int rc;

    spy_err_clear(&e);
    rc = spy_name_parse(s, n, &e);
    ck_assert_msg(rc == 0, "'%s': rc %d (%s)", s, rc, e.msg);
}

static void expect_text(const char *s, spy_name_form form, const char *text) {
    spy_name *n = malloc(sizeof *n);

    ck_assert_ptr_nonnull(n);
    parse_ok(s, n);
    ck_assert_int_eq(n->form, form);
    ck_assert_str_eq(n->text, text);
    free(n);
}

static void expect_id(const char *s, spy_name_form form, int64_t id) {
    spy_name *n = malloc(sizeof *n);

    ck_assert_ptr_nonnull(n);
    parse_ok(s, n);
    ck_assert_int_eq(n->form, form);
    ck_assert_msg(n->id == id, "'%s': id %lld want %lld", s, (long long)n->id,
                  (long long)id);
    free(n);
}

/* s must fail with SPY_EINVAL, leave *out untouched and, when want is not
 * NULL, have exactly that message. */
static void expect_err(const char *s, const char *want) {
    spy_name *n = malloc(sizeof *n);
    spy_name *copy = malloc(sizeof *copy);
    spy_err e;
    int rc;

    ck_assert_ptr_nonnull(n);
    ck_assert_ptr_nonnull(copy);
    memset(n, 0x5a, sizeof *n);
    memcpy(copy, n, sizeof *n);
    spy_err_clear(&e);
    rc = spy_name_parse(s, n, &e);
    ck_assert_msg(rc == SPY_EINVAL, "'%s': rc %d", s, rc);
    ck_assert_int_eq(e.code, SPY_EINVAL);
    check_msg(&e);
    ck_assert_msg(memcmp(n, copy, sizeof *n) == 0, "'%s': out modified", s);
    if (want != NULL)
        ck_assert_str_eq(e.msg, want);
    free(n);
    free(copy);
}

/* Parses s, formats it and checks the canonical text, then parses the
 * canonical text again and checks it is the same name. */
static void expect_canon(const char *s, const char *canon) {
    spy_name *a = malloc(sizeof *a);
    spy_name *b = malloc(sizeof *b);
    char buf[SPY_NAME_MAX + 16];

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    parse_ok(s, a);
    spy_name_format(a, buf, sizeof buf);
    ck_assert_str_eq(buf, canon);
    parse_ok(buf, b);
    ck_assert_int_eq(a->form, b->form);
    ck_assert_str_eq(a->text, b->text);
    ck_assert(a->id == b->id);
    free(a);
    free(b);
}

START_TEST(test_plain) {
    expect_text("/foo", SPY_NAME_PLAIN, "/foo");
    expect_text("foo", SPY_NAME_PLAIN, "/foo");
    expect_text("/a", SPY_NAME_PLAIN, "/a");
    expect_text(".foo", SPY_NAME_PLAIN, "/.foo");
    expect_text("...", SPY_NAME_PLAIN, "/...");
    expect_text("/..x", SPY_NAME_PLAIN, "/..x");
    expect_text("a b", SPY_NAME_PLAIN, "/a b");
    expect_text("Local", SPY_NAME_PLAIN, "/Local");
    expect_text("foo\\bar", SPY_NAME_PLAIN, "/foo\\bar");
    /* Prefixes are case-sensitive except the Windows ones. */
    expect_text("SYSV:5", SPY_NAME_PLAIN, "/SYSV:5");
    expect_text("File:x", SPY_NAME_PLAIN, "/File:x");
    expect_text("/sysv:5", SPY_NAME_PLAIN, "/sysv:5");
    /* Any byte other than '/' and NUL is allowed. */
    expect_text("a\x01\n\x7f\x80\xff", SPY_NAME_PLAIN, "/a\x01\n\x7f\x80\xff");
    expect_text("caf\xc3\xa9", SPY_NAME_PLAIN, "/caf\xc3\xa9");
}
END_TEST

START_TEST(test_plain_errors) {
    expect_err("", NULL);
    expect_err("/", NULL);
    expect_err(".", NULL);
    expect_err("..", NULL);
    expect_err("/.", NULL);
    expect_err("/..", NULL);
    expect_err("foo/bar", "foo/bar: a shared memory name may not contain '/' "
                          "after the leading one");
    expect_err("/foo/bar", NULL);
    expect_err("//foo", NULL);
    expect_err("foo/", NULL);
    expect_err("/foo/", NULL);
    expect_err("//", NULL);
    expect_err("/../x", NULL);
    expect_err(NULL, NULL);
}
END_TEST

START_TEST(test_plain_length) {
    char s[300], want[300];

    /* 255 bytes after the slash is the limit (NAME_MAX), with or without
     * the slash typed. */
    memset(s, 'a', 255);
    s[255] = '\0';
    want[0] = '/';
    memcpy(want + 1, s, 256);
    expect_text(s, SPY_NAME_PLAIN, want);
    s[0] = '/';
    memset(s + 1, 'a', 255);
    s[256] = '\0';
    expect_text(s, SPY_NAME_PLAIN, want);
    /* 256 is too long. */
    s[256] = 'a';
    s[257] = '\0';
    expect_err(s, NULL);
    expect_err(s + 1, NULL);
}
END_TEST

START_TEST(test_sysv) {
    expect_id("sysv:0", SPY_NAME_SYSV_ID, 0);
    expect_id("sysv:5", SPY_NAME_SYSV_ID, 5);
    expect_id("sysv:2147483647", SPY_NAME_SYSV_ID, INT32_MAX);
    expect_id("sysv:00000000000000000000000000012", SPY_NAME_SYSV_ID, 12);
    expect_err("sysv:2147483648", NULL);
    expect_err("sysv:4294967295", NULL);
    expect_err("sysv:99999999999999999999999999", NULL);
    expect_err("sysv:", NULL);
    expect_err("sysv:-1", NULL);
    expect_err("sysv:+1", NULL);
    expect_err("sysv:0x10", NULL);
    expect_err("sysv:12a", NULL);
    expect_err("sysv: 1", NULL);
    expect_err("sysv:1 ", NULL);
    expect_err("sysv:99999999999999999999999x", NULL);
}
END_TEST

START_TEST(test_key) {
    expect_id("key:0x1234", SPY_NAME_SYSV_KEY, 0x1234);
    expect_id("key:0X1234", SPY_NAME_SYSV_KEY, 0x1234);
    expect_id("key:4660", SPY_NAME_SYSV_KEY, 0x1234);
    expect_id("key:1", SPY_NAME_SYSV_KEY, 1);
    expect_id("key:0xdeadBEEF", SPY_NAME_SYSV_KEY,
              (int64_t)0xdeadbeef - 0x100000000LL);
    expect_id("key:0x7fffffff", SPY_NAME_SYSV_KEY, INT32_MAX);
    expect_id("key:0x80000000", SPY_NAME_SYSV_KEY, INT32_MIN);
    expect_id("key:0xffffffff", SPY_NAME_SYSV_KEY, -1);
    expect_id("key:4294967295", SPY_NAME_SYSV_KEY, -1);
    expect_id("key:0x00000000000000000000ff", SPY_NAME_SYSV_KEY, 255);
    expect_err("key:0x100000000", NULL);
    expect_err("key:4294967296", NULL);
    expect_err("key:0xffffffffffffffffffffffff", NULL);
    expect_err("key:", NULL);
    expect_err("key:0x", NULL);
    expect_err("key:-1", NULL);
    expect_err("key:0xg", NULL);
    expect_err("key:12ab", NULL); /* hex digits need the 0x */
    expect_err("key:0x12 ", NULL);
    expect_err("key:0x0x1", NULL);
}
END_TEST

START_TEST(test_key_private) {
    spy_name *n = malloc(sizeof *n);
    spy_err e;

    ck_assert_ptr_nonnull(n);
    expect_err("key:0", NULL);
    expect_err("key:0x0", NULL);
    expect_err("key:0x00000000", NULL);
    ck_assert_int_eq(spy_name_parse("key:0", n, &e), SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "key:0: "));
    ck_assert_ptr_nonnull(strstr(e.msg, "IPC_PRIVATE"));
    free(n);
}
END_TEST

START_TEST(test_file) {
    expect_text("file:/tmp/x", SPY_NAME_FILE, "/tmp/x");
    expect_text("file:rel/path", SPY_NAME_FILE, "rel/path");
    expect_text("file:a:b", SPY_NAME_FILE, "a:b");
    expect_text("file:file:x", SPY_NAME_FILE, "file:x");
    expect_text("file: ", SPY_NAME_FILE, " ");
    expect_err("file:", NULL);
}
END_TEST

START_TEST(test_file_length) {
    char *s = malloc(SPY_NAME_MAX + 16);
    spy_name *n = malloc(sizeof *n);
    spy_err e;

    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(n);
    memcpy(s, "file:", 5);
    /* A path of SPY_NAME_MAX - 1 bytes fits with its NUL. */
    memset(s + 5, 'p', SPY_NAME_MAX - 1);
    s[5 + SPY_NAME_MAX - 1] = '\0';
    ck_assert_int_eq(spy_name_parse(s, n, &e), 0);
    ck_assert_uint_eq(strlen(n->text), SPY_NAME_MAX - 1);
    /* One more byte does not. */
    s[5 + SPY_NAME_MAX - 1] = 'p';
    s[5 + SPY_NAME_MAX] = '\0';
    expect_err(s, NULL);
    free(s);
    free(n);
}
END_TEST

START_TEST(test_windows) {
    expect_text("Local\\foo", SPY_NAME_WIN_LOCAL, "foo");
    expect_text("local\\foo", SPY_NAME_WIN_LOCAL, "foo");
    expect_text("LOCAL\\Foo", SPY_NAME_WIN_LOCAL, "Foo");
    expect_text("Global\\bar", SPY_NAME_WIN_GLOBAL, "bar");
    expect_text("gLoBaL\\x", SPY_NAME_WIN_GLOBAL, "x");
    expect_text("Local\\a/b", SPY_NAME_WIN_LOCAL, "a/b");
}
END_TEST

START_TEST(test_windows_errors) {
    expect_err("Local\\", NULL);
    expect_err("Global\\", NULL);
    expect_err("Local\\a\\b", NULL);
    expect_err("global\\\\", NULL);
    expect_err("Local\\Global\\x", NULL);
}
END_TEST

START_TEST(test_format) {
    expect_canon("/foo", "/foo");
    expect_canon("foo", "/foo");
    expect_canon("sysv:0", "sysv:0");
    expect_canon("sysv:007", "sysv:7");
    expect_canon("sysv:2147483647", "sysv:2147483647");
    expect_canon("key:0x1234", "key:0x00001234");
    expect_canon("key:4660", "key:0x00001234");
    expect_canon("key:0XDEADBEEF", "key:0xdeadbeef");
    expect_canon("key:0xffffffff", "key:0xffffffff");
    expect_canon("key:0x80000000", "key:0x80000000");
    expect_canon("file:/tmp/x", "file:/tmp/x");
    expect_canon("local\\foo", "Local\\foo");
    expect_canon("GLOBAL\\Foo", "Global\\Foo");
}
END_TEST

START_TEST(test_format_truncation) {
    spy_name *n = malloc(sizeof *n);
    char buf[16];

    ck_assert_ptr_nonnull(n);
    parse_ok("/foobar", n);
    memset(buf, 'X', sizeof buf);
    spy_name_format(n, buf, 5);
    ck_assert_str_eq(buf, "/foo");
    ck_assert_int_eq(buf[5], 'X');
    spy_name_format(n, buf, 1);
    ck_assert_str_eq(buf, "");
    memset(buf, 'X', sizeof buf);
    spy_name_format(n, buf, 0); /* writes nothing */
    ck_assert_int_eq(buf[0], 'X');
    spy_name_format(NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
    spy_name_format(n, NULL, 10);

    parse_ok("key:0x1234", n);
    spy_name_format(n, buf, 8);
    ck_assert_str_eq(buf, "key:0x0");

    /* A text without NUL must not be read past its end. */
    memset(n->text, 'a', sizeof n->text);
    n->form = SPY_NAME_FILE;
    {
        char *big = malloc(SPY_NAME_MAX + 16);
        ck_assert_ptr_nonnull(big);
        spy_name_format(n, big, SPY_NAME_MAX + 16);
        ck_assert_uint_eq(strlen(big), 5 + SPY_NAME_MAX);
        free(big);
    }
    free(n);
}
END_TEST

START_TEST(test_long_garbage) {
    enum { N = 100000 };
    char *s = malloc(N + 1);
    spy_name *n = malloc(sizeof *n);
    spy_err e;
    size_t i;

    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(n);
    for (i = 0; i < N; i++)
        s[i] = (char)(i % 255 + 1);
    s[N] = '\0';
    ck_assert_int_eq(spy_name_parse(s, n, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "..."));
    /* A long name with no slash fails on length, saying so. */
    memset(s, 'z', N);
    ck_assert_int_eq(spy_name_parse(s, n, &e), SPY_EINVAL);
    check_msg(&e);
    ck_assert_ptr_nonnull(strstr(e.msg, "255"));
    free(s);
    free(n);
}
END_TEST

/* hex:DIGITS spells any other NAME by its bytes: the lossless form of a
 * name that is not UTF-8 (name_hex in --json). */
START_TEST(test_hex) {
    expect_text("hex:2f78fffe", SPY_NAME_PLAIN, "/x\xff\xfe");
    expect_text("hex:2F78FFFE", SPY_NAME_PLAIN, "/x\xff\xfe");
    expect_text("hex:78", SPY_NAME_PLAIN, "/x");
    expect_text("hex:66696c653a2f746d702fff", SPY_NAME_FILE, "/tmp/\xff");
    expect_id("hex:737973763a35", SPY_NAME_SYSV_ID, 5);
    expect_text("hex:4c6f63616c5cff", SPY_NAME_WIN_LOCAL, "\xff");
    /* The canonical text is the decoded name, not the hex form. */
    expect_canon("hex:2f78fffe", "/x\xff\xfe");
    /* A plain name that starts with "hex:" is still reached with '/'. */
    expect_text("/hex:2f", SPY_NAME_PLAIN, "/hex:2f");
    expect_text("HEX:2f", SPY_NAME_PLAIN, "/HEX:2f");

    expect_err("hex:", NULL);
    expect_err("hex:2", "hex:2: hex: needs an even number of hex digits");
    expect_err("hex:2g", NULL);
    expect_err("hex:2f 78", NULL);
    expect_err("hex:0x2f", NULL);
    expect_err("hex:2f00", "hex:2f00: a name may not contain the byte 00");
    expect_err("hex:6865783a3266", NULL); /* hex:2f inside */
    /* What the decoded name fails with: '/' alone. */
    expect_err("hex:2f", NULL);
}
END_TEST

/* Every NAME's bytes in hex, behind "hex:", parse to the same name, up to
 * the longest file: path. */
START_TEST(test_hex_round_trip) {
    static const char *names[] = {"/x\xff\xfe",      "/a\n\x1b[2J",
                                  "sysv:7",          "key:0xffffffff",
                                  "file:/tmp/\x80x", "Global\\\xc3"};
    size_t big = 2 * SPY_NAME_MAX + 16, i;
    char *hex = malloc(big), *path = malloc(SPY_NAME_MAX);
    spy_name *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    spy_err e;

    REQUIRE(hex != NULL && path != NULL && a != NULL && b != NULL);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        memcpy(hex, "hex:", 4);
        spy_hex_encode(names[i], strlen(names[i]), hex + 4, big - 4);
        parse_ok(names[i], a);
        parse_ok(hex, b);
        ck_assert_int_eq(a->form, b->form);
        ck_assert_str_eq(a->text, b->text);
        ck_assert(a->id == b->id);
    }
    /* file: and 4090 bytes: 4095 in all, the most a name holds. */
    memcpy(path, "file:", 5);
    memset(path + 5, '\xee', SPY_NAME_MAX - 6);
    path[SPY_NAME_MAX - 1] = '\0';
    memcpy(hex, "hex:", 4);
    spy_hex_encode(path, strlen(path), hex + 4, big - 4);
    parse_ok(hex, b);
    ck_assert_int_eq(b->form, SPY_NAME_FILE);
    ck_assert_uint_eq(strlen(b->text), SPY_NAME_MAX - 6);
    /* One byte more is refused. */
    strcpy(hex + strlen(hex), "ee");
    ck_assert_int_eq(spy_name_parse(hex, b, &e), SPY_EINVAL);
    check_msg(&e);
    free(hex);
    free(path);
    free(a);
    free(b);
}
END_TEST

/* Random byte strings: no crash, sane messages, and every accepted name
 * formats to a canonical text that parses back to the same name. */
START_TEST(test_fuzz) {
    static const char *prefixes[] = {
        "",      "/",    "sysv:",  "key:",    "key:0x",
        "file:", "hex:", "hex:2f", "Local\\", "global\\"};
    static const char alphabet[] = "0123456789abcdefx/\\.:-\x01\xff";
    spy_name *a = malloc(sizeof *a);
    spy_name *b = malloc(sizeof *b);
    char *buf = malloc(SPY_NAME_MAX + 16);
    uint32_t seed = 424242;
    int iter;

    REQUIRE(a != NULL);
    REQUIRE(b != NULL);
    REQUIRE(buf != NULL);
    for (iter = 0; iter < 20000; iter++) {
        char s[40];
        const char *pre;
        size_t k;
        spy_err e;

        pre = prefixes[lcg_next(&seed) % (sizeof prefixes / sizeof *prefixes)];
        k = strlen(pre);
        memcpy(s, pre, k);
        lcg_string(&seed, s + k, sizeof s - k, alphabet, sizeof alphabet - 1,
                   iter % 2 != 0);
        if (spy_name_parse(s, a, &e) != 0) {
            check_msg(&e);
            continue;
        }
        spy_name_format(a, buf, SPY_NAME_MAX + 16);
        if (spy_name_parse(buf, b, &e) != 0)
            ck_abort_msg("'%s'", buf);
        REQUIRE(a->form == b->form);
        REQUIRE(strcmp(a->text, b->text) == 0);
        REQUIRE(a->id == b->id);
    }
    free(a);
    free(b);
    free(buf);
}
END_TEST

/* s parses to form with pid and addr, and formats as canon, which parses
 * back to the same name. */
static void expect_via(const char *s, spy_name_form form, int64_t pid,
                       uint64_t addr, const char *canon) {
    spy_name *n = malloc(sizeof *n);
    spy_name *b = malloc(sizeof *b);
    char buf[SPY_NAME_MAX + 16];

    ck_assert_ptr_nonnull(n);
    ck_assert_ptr_nonnull(b);
    parse_ok(s, n);
    ck_assert_int_eq(n->form, form);
    ck_assert_msg(n->id == pid, "'%s': pid %lld", s, (long long)n->id);
    ck_assert_msg(n->addr == addr, "'%s': addr %llx", s,
                  (unsigned long long)n->addr);
    ck_assert(spy_name_via_process(n));
    spy_name_format(n, buf, sizeof buf);
    ck_assert_str_eq(buf, canon);
    parse_ok(buf, b);
    ck_assert_int_eq(b->form, n->form);
    ck_assert(b->id == n->id && b->addr == n->addr);
    free(n);
    free(b);
}

START_TEST(test_via_process) {
    spy_name *n = malloc(sizeof *n);
    char buf[SPY_NAME_MAX + 16];

    ck_assert_ptr_nonnull(n);
    expect_via("pid:42@0x7f0000001000", SPY_NAME_PID_ADDR, 42, 0x7f0000001000u,
               "pid:42@0x7f0000001000");
    /* Decimal addresses are kept as numbers and formatted in hex. */
    expect_via("pid:42@4096", SPY_NAME_PID_ADDR, 42, 4096, "pid:42@0x1000");
    expect_via("pid:2147483647@0xffffffffffffffff", SPY_NAME_PID_ADDR,
               2147483647, UINT64_MAX, "pid:2147483647@0xffffffffffffffff");
    expect_via("fd:42:5", SPY_NAME_PID_FD, 42, 5, "fd:42:5");
    expect_via("fd:1:0", SPY_NAME_PID_FD, 1, 0, "fd:1:0");
    expect_via("handle:42:0x1c4", SPY_NAME_WIN_HANDLE, 42, 0x1c4,
               "handle:42:0x1c4");

    expect_text("memfd:buf", SPY_NAME_MEMFD, "buf");
    expect_text("memfd:", SPY_NAME_MEMFD, ""); /* memfd_create allows "" */
    expect_text("memfd:a b:c", SPY_NAME_MEMFD, "a b:c");
    parse_ok("memfd:buf", n);
    ck_assert(spy_name_via_process(n));
    spy_name_format(n, buf, sizeof buf);
    ck_assert_str_eq(buf, "memfd:buf");
    parse_ok("/foo", n);
    ck_assert(!spy_name_via_process(n));
    parse_ok("sysv:5", n);
    ck_assert(!spy_name_via_process(n));
    free(n);
}
END_TEST

START_TEST(test_via_process_errors) {
    expect_err("memfd:a/b", "memfd:a/b: a memfd name may not contain '/'");
    expect_err("pid:0@0x1000", "pid:0@0x1000: process id 0 names no process");
    expect_err("fd:0:3", "fd:0:3: process id 0 names no process");
    expect_err("pid:42", "pid:42: needs '@' after the process id");
    expect_err("pid:@0x10", "pid:@0x10: needs a process id (decimal digits)");
    expect_err("pid:x1@0x10",
               "pid:x1@0x10: a process id must be decimal digits");
    expect_err("pid:2147483648@0x10",
               "pid:2147483648@0x10: a process id is at most 2147483647");
    expect_err("pid:99999999999999999999@0x10",
               "pid:99999999999999999999@0x10: a process id is at most "
               "2147483647");
    /* Hex digits as maps prints them, without 0x: the hint says how. */
    expect_err("pid:42@7f0000001000",
               "pid:42@7f0000001000: an address is 0x hex or decimal digits "
               "(write 0x7f0000001000 for hex)");
    expect_err("pid:42@0x10000000000000000",
               "pid:42@0x10000000000000000: an address is larger than 64 "
               "bits");
    expect_err("pid:42@", NULL);
    expect_err("pid:42@zz",
               "pid:42@zz: an address is 0x hex or decimal digits");
    expect_err("fd:42:x",
               "fd:42:x: a descriptor number must be decimal digits");
    expect_err("fd:42:2147483648",
               "fd:42:2147483648: a descriptor number is at most 2147483647");
    expect_err("fd:42", "fd:42: needs ':' after the process id");
    expect_err("handle:42:0", "handle:42:0: handle 0 is never a valid handle");
    expect_err("handle:42:1c4",
               "handle:42:1c4: a handle is 0x hex or decimal digits (write "
               "0x1c4 for hex)");
}
END_TEST

static Suite *name_suite(void) {
    Suite *s = suite_create("name");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_plain_errors);
    tcase_add_test(tc, test_plain_length);
    tcase_add_test(tc, test_sysv);
    tcase_add_test(tc, test_key);
    tcase_add_test(tc, test_key_private);
    tcase_add_test(tc, test_file);
    tcase_add_test(tc, test_file_length);
    tcase_add_test(tc, test_windows);
    tcase_add_test(tc, test_windows_errors);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_format_truncation);
    tcase_add_test(tc, test_long_garbage);
    tcase_add_test(tc, test_hex);
    tcase_add_test(tc, test_hex_round_trip);
    tcase_add_test(tc, test_fuzz);
    tcase_add_test(tc, test_via_process);
    tcase_add_test(tc, test_via_process_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(name_suite());
}
