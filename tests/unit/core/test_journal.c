/* test_journal.c - the inject journal: round trips for every fault, the
 * consistency rules, and a parser that survives hostile input (damaged,
 * truncated, oversized, mutated at random). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/journal.h"

static void base(spy_journal *j, spy_inject_kind k) {
    spy_journal_init(j);
    j->kind = k;
    snprintf(j->name, sizeof j->name, "/demo");
    j->dev = 64769;
    j->ino = 4711;
    j->size = 4096;
    j->mode = 0600;
}

/* Formats j, parses the text back into *out; returns the text. */
static char *round_trip(const spy_journal *j, spy_journal *out) {
    char *text;
    size_t len;
    spy_err e;
    ck_assert_msg(spy_journal_format(j, &text, &len, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_msg(spy_journal_parse(text, len, out, &e) == 0, "%s\n%s", e.msg,
                  text);
    return text;
}

START_TEST(test_flip_round_trip) {
    spy_journal j, r;
    uint8_t o = 0x41, n = 0x49;
    char *text;
    base(&j, SPY_INJ_FLIP);
    ck_assert_int_eq(spy_journal_add_patch(&j, 16, &o, &n, 1, NULL), 0);
    text = round_trip(&j, &r);
    ck_assert_ptr_ne(strstr(text, "\npatch 16 1 41 49\n"), NULL);
    ck_assert_int_eq(r.kind, SPY_INJ_FLIP);
    ck_assert_str_eq(r.name, "/demo");
    ck_assert_uint_eq(r.dev, 64769);
    ck_assert_uint_eq(r.ino, 4711);
    ck_assert_uint_eq(r.size, 4096);
    ck_assert_uint_eq(r.mode, 0600);
    ck_assert_uint_eq(r.n_patches, 1);
    ck_assert_uint_eq(r.patches[0].off, 16);
    ck_assert_uint_eq(r.bytes[r.patches[0].at], 0x41);
    ck_assert_uint_eq(r.bytes[r.patches[0].at + 1], 0x49);
    free(text);
    spy_journal_free(&j);
    spy_journal_free(&r);
}
END_TEST

START_TEST(test_every_kind_round_trips) {
    spy_journal j, r;
    uint8_t data[300], other[300];
    char *text;
    size_t i;
    for (i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 7);
        other[i] = (uint8_t)~data[i];
    }
    /* set */
    base(&j, SPY_INJ_SET);
    ck_assert_int_eq(spy_journal_add_patch(&j, 100, data, other, 300, NULL), 0);
    text = round_trip(&j, &r);
    ck_assert_int_eq(memcmp(r.bytes + r.patches[0].at, data, 300), 0);
    ck_assert_int_eq(memcmp(r.bytes + r.patches[0].at + 300, other, 300), 0);
    free(text);
    spy_journal_free(&j);
    spy_journal_free(&r);
    /* corrupt */
    base(&j, SPY_INJ_CORRUPT);
    j.has_seed = 1;
    j.seed = UINT64_MAX;
    for (i = 0; i < 20; i++)
        ck_assert_int_eq(
            spy_journal_add_patch(&j, i * 3, data + i, other + i, 1, NULL), 0);
    text = round_trip(&j, &r);
    ck_assert_uint_eq(r.n_patches, 20);
    ck_assert_uint_eq(r.seed, UINT64_MAX);
    free(text);
    spy_journal_free(&j);
    spy_journal_free(&r);
    /* truncate (shrinking: the tail is saved) */
    base(&j, SPY_INJ_TRUNCATE);
    j.size = 400;
    j.has_new_size = 1;
    j.new_size = 100;
    ck_assert_int_eq(spy_journal_set_data(&j, 100, data, 300, NULL), 0);
    text = round_trip(&j, &r);
    ck_assert_uint_eq(r.new_size, 100);
    ck_assert_uint_eq(r.data_len, 300);
    ck_assert_int_eq(memcmp(r.data, data, 300), 0);
    free(text);
    spy_journal_free(&j);
    spy_journal_free(&r);
    /* unlink of an empty object */
    base(&j, SPY_INJ_UNLINK);
    j.size = 0;
    ck_assert_int_eq(spy_journal_set_data(&j, 0, NULL, 0, NULL), 0);
    text = round_trip(&j, &r);
    ck_assert_ptr_ne(strstr(text, "\ndata 0 0 -\n"), NULL);
    free(text);
    spy_journal_free(&j);
    spy_journal_free(&r);
    /* chmod, and a name that needs escaping */
    base(&j, SPY_INJ_CHMOD);
    snprintf(j.name, sizeof j.name, "file:/tmp/a b%%\n\xff");
    j.has_new_mode = 1;
    j.new_mode = 04755;
    text = round_trip(&j, &r);
    ck_assert_ptr_ne(strstr(text, "\nname file:/tmp/a%20b%25%0A%FF\n"), NULL);
    ck_assert_str_eq(r.name, "file:/tmp/a b%\n\xff");
    ck_assert_uint_eq(r.new_mode, 04755);
    free(text);
    spy_journal_free(&j);
    spy_journal_free(&r);
}
END_TEST

START_TEST(test_inconsistent_journals_are_not_written) {
    spy_journal j;
    uint8_t a = 1, b = 7; /* two bits differ: not a flip */
    char *text = NULL;
    size_t len;
    spy_err e;
    base(&j, SPY_INJ_FLIP);
    ck_assert_int_eq(spy_journal_format(&j, &text, &len, &e), SPY_EINVAL);
    spy_journal_add_patch(&j, 0, &a, &b, 1, NULL);
    ck_assert_int_eq(spy_journal_format(&j, &text, &len, &e), SPY_EINVAL);
    ck_assert_ptr_ne(strstr(e.msg, "exactly one bit"), NULL);
    spy_journal_free(&j);
    base(&j, SPY_INJ_SET);
    spy_journal_add_patch(&j, 4096, &a, &b, 1, NULL); /* past the end */
    ck_assert_int_eq(spy_journal_format(&j, &text, &len, &e), SPY_EINVAL);
    spy_journal_free(&j);
    base(&j, SPY_INJ_TRUNCATE); /* shrinking without the tail saved */
    j.has_new_size = 1;
    j.new_size = 10;
    ck_assert_int_eq(spy_journal_format(&j, &text, &len, &e), SPY_EINVAL);
    spy_journal_free(&j);
    base(&j, SPY_INJ_UNLINK); /* content not saved */
    ck_assert_int_eq(spy_journal_format(&j, &text, &len, &e), SPY_EINVAL);
    spy_journal_free(&j);
    ck_assert_ptr_eq(text, NULL);
}
END_TEST

/* A valid journal text to damage. */
static char *valid_text(size_t *len) {
    spy_journal j;
    uint8_t o[3] = {1, 2, 3}, n[3] = {4, 5, 6};
    char *text;
    base(&j, SPY_INJ_SET);
    spy_journal_add_patch(&j, 8, o, n, 3, NULL);
    ck_assert_int_eq(spy_journal_format(&j, &text, len, NULL), 0);
    spy_journal_free(&j);
    return text;
}

/* Recomputes the end line so a hand-made body gets past the checksum and
 * reaches the line checks. */
static uint64_t fnv(const char *p, size_t n) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    while (n--) {
        h ^= (unsigned char)*p++;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static int parse_body(const char *body, spy_err *e) {
    char text[8192];
    spy_journal j;
    int n = snprintf(text, sizeof text, "shmspy-inject-journal 1\n%s", body);
    int rc;
    snprintf(text + n, sizeof text - (size_t)n, "end %016llx\n",
             (unsigned long long)fnv(text, (size_t)n));
    spy_journal_init(&j);
    rc = spy_journal_parse(text, strlen(text), &j, e);
    spy_journal_free(&j);
    return rc;
}

#define HEAD "fault set\nname /demo\ndev 1\nino 2\nsize 4096\nmode 0600\n"

START_TEST(test_hostile_lines) {
    static const struct {
        const char *body, *why;
    } cases[] = {
        {HEAD "patch 8 3 010203 040506\n", NULL}, /* the valid one */
        {HEAD "patch 8 3 0102 040506\n", "do not match the length"},
        {HEAD "patch 8 3 01020x 040506\n", "do not match the length"},
        {HEAD "patch 8 0 - -\n", "out of range"},
        {HEAD "patch 18446744073709551615 3 010203 040506\n", "out of range"},
        {HEAD "patch 4095 3 010203 040506\n", "outside the object"},
        {HEAD "patch 8 99999999999999999999 01 02\n", "expected 'patch"},
        {HEAD "patch 8 3 010203 040506 junk\n", "expected 'key value'"},
        {HEAD "patch  8 3 010203 040506\n", "expected 'key value'"},
        {HEAD "patch 8 3 010203 040506\nsize 5\n", "twice"},
        {HEAD "patch -8 3 010203 040506\n", "expected 'patch"},
        {HEAD "patch +8 3 010203 040506\n", "expected 'patch"},
        {HEAD "patch 8 3 010203 040506\nseed 4\n", "seed belongs"},
        {HEAD "patch 8 3 010203 040506\ndata 0 1 00\n", "needs none"},
        {HEAD "\n", "expected 'key value'"},
        {"fault set\nname /demo\ndev 1\nino 2\nsize 4096\nmode 10000\n",
         "octal mode"},
        {"fault set\nname /demo\ndev 1\nino 2\nsize 4096\nmode 0698\n",
         "octal mode"},
        {"fault set\nname /de%00mo\ndev 1\nino 2\nsize 1\nmode 0600\n",
         "malformed name"},
        {"fault set\nname /de%4\ndev 1\nino 2\nsize 1\nmode 0600\n",
         "malformed name"},
        {"fault set\nname /d\xc3\xa9mo\ndev 1\nino 2\nsize 1\nmode 0600\n",
         "malformed name"},
        {"fault explode\n", "unknown fault"},
        {"fault set\nname /demo\n", "missing"},
        {"fault truncate\nname /d\ndev 1\nino 2\nsize 10\nmode 0600\n",
         "new-size"},
        {"fault truncate\nname /d\ndev 1\nino 2\nsize 10\nmode 0600\n"
         "new-size 5\n",
         "cut off"},
        {"fault truncate\nname /d\ndev 1\nino 2\nsize 10\nmode 0600\n"
         "new-size 5\ndata 5 5 0102030405\n",
         NULL},
        {"fault truncate\nname /d\ndev 1\nino 2\nsize 10\nmode 0600\n"
         "new-size 5\ndata 4 5 0102030405\n",
         "cut off"},
        {"fault truncate\nname /d\ndev 1\nino 2\nsize 10\nmode 0600\n"
         "new-size 5\ndata 5 99999999 00\n",
         "out of range"},
        {"fault unlink\nname /d\ndev 1\nino 2\nsize 3\nmode 0600\n"
         "data 0 2 0102\n",
         "content"},
        {"fault chmod\nname /d\ndev 1\nino 2\nsize 3\nmode 0600\n"
         "new-mode 0644\nnew-mode 0600\n",
         "twice"},
        {"fault flip\nname /d\ndev 1\nino 2\nsize 3\nmode 0600\n"
         "patch 0 2 0000 0101\n",
         "single bytes"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spy_err e;
        int rc = parse_body(cases[i].body, &e);
        if (cases[i].why == NULL) {
            ck_assert_msg(rc == 0, "case %zu: %s", i, e.msg);
        } else {
            ck_assert_msg(rc != 0, "case %zu parsed", i);
            ck_assert_msg(strstr(e.msg, cases[i].why) != NULL,
                          "case %zu: '%s' lacks '%s'", i, e.msg, cases[i].why);
        }
    }
}
END_TEST

START_TEST(test_damage_is_detected) {
    size_t len, i;
    char *text = valid_text(&len), *copy = malloc(len + 16);
    spy_journal j;
    spy_err e;

    /* Every strict prefix is incomplete, never a shorter valid journal. */
    for (i = 0; i < len; i++) {
        ck_assert_msg(spy_journal_parse(text, i, &j, &e) != 0, "prefix %zu", i);
        ck_assert_uint_eq(j.n_patches, 0); /* left empty */
    }
    /* A changed byte anywhere is caught (by the checksum or the syntax). */
    for (i = 0; i < len; i++) {
        memcpy(copy, text, len);
        copy[i] ^= 0x01;
        ck_assert_msg(spy_journal_parse(copy, len, &j, &e) != 0, "byte %zu", i);
    }
    /* NUL bytes, trailing text, oversize. */
    memcpy(copy, text, len);
    copy[30] = '\0';
    ck_assert_int_ne(spy_journal_parse(copy, len, &j, &e), 0);
    memcpy(copy, text, len);
    memcpy(copy + len, "x\n", 2);
    ck_assert_int_ne(spy_journal_parse(copy, len + 2, &j, &e), 0);
    ck_assert_int_eq(spy_journal_parse(text, SPY_JOURNAL_FILE_MAX + 1, &j, &e),
                     SPY_ERANGE);
    ck_assert_int_ne(spy_journal_parse("", 0, &j, &e), 0);
    free(copy);
    free(text);
}
END_TEST

/* A small in-process fuzzer: random mutations of a valid journal (with
 * the checksum recomputed, so the line parser is reached) must parse or
 * fail cleanly; under ASan/UBSan any overflow fails the test. */
START_TEST(test_random_mutations) {
    size_t len, i, round;
    char *text = valid_text(&len);
    char buf[1024];
    uint64_t rng = 12345;
    for (round = 0; round < 20000; round++) {
        size_t n = len - 21; /* the body, without "end HEX16\n" */
        size_t muts = 1 + spy_rand_next(&rng) % 4;
        spy_journal j;
        spy_err e;
        memcpy(buf, text, n);
        for (i = 0; i < muts; i++) {
            uint64_t r = spy_rand_next(&rng);
            size_t at = (size_t)(r >> 8) % n;
            static const char alphabet[] = "0123456789abcdef -\n%xz";
            switch (r % 4) {
            case 0: /* replace with a plausible character */
                buf[at] = alphabet[(r >> 40) % (sizeof alphabet - 1)];
                break;
            case 1: /* replace with any byte */
                buf[at] = (char)(r >> 40);
                break;
            case 2: /* delete */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default: /* duplicate */
                if (n < sizeof buf - 64) {
                    memmove(buf + at + 1, buf + at, n - at);
                    n++;
                }
            }
        }
        n += (size_t)snprintf(buf + n, sizeof buf - n, "end %016llx\n",
                              (unsigned long long)fnv(buf, n));
        spy_journal_init(&j);
        if (spy_journal_parse(buf, n, &j, &e) == 0) {
            char *again;
            size_t alen;
            /* Whatever parses is consistent, so it formats again. */
            ck_assert_int_eq(spy_journal_format(&j, &again, &alen, &e), 0);
            free(again);
        } else {
            ck_assert(e.msg[0] != '\0');
        }
        spy_journal_free(&j);
    }
    free(text);
}
END_TEST

START_TEST(test_rand_is_reproducible) {
    uint64_t a = 42, b = 42;
    int i;
    for (i = 0; i < 100; i++)
        ck_assert_uint_eq(spy_rand_next(&a), spy_rand_next(&b));
    a = 0;
    /* splitmix64's first output for seed 0 (reference value). */
    ck_assert_uint_eq(spy_rand_next(&a), UINT64_C(0xe220a8397b1dcdaf));
    ck_assert_int_eq(spy_inject_kind_parse("truncate"), SPY_INJ_TRUNCATE);
    ck_assert_int_eq(spy_inject_kind_parse("undo"), SPY_INJ_NONE);
    ck_assert_str_eq(spy_inject_kind_name(SPY_INJ_CHMOD), "chmod");
}
END_TEST

int main(void) {
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_flip_round_trip);
    tcase_add_test(tc, test_every_kind_round_trips);
    tcase_add_test(tc, test_inconsistent_journals_are_not_written);
    tcase_add_test(tc, test_hostile_lines);
    tcase_add_test(tc, test_damage_is_detected);
    tcase_add_test(tc, test_random_mutations);
    tcase_add_test(tc, test_rand_is_reproducible);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
