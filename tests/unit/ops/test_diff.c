/* test_diff.c - ops/diff.c: the changed ranges of random images checked
 * against a byte loop, windows appended in order equal one comparison,
 * changed fields of a hand-made layout, and the change log's lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/diff.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* i differs between a and b (past the end of either counts). */
static int differs(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb,
                   uint64_t i) {
    if (i >= na || i >= nb)
        return 1;
    return a[i] != b[i];
}

/* The rules of diff.h, checked byte by byte. */
static void check_ranges(const uint8_t *a, uint64_t na, const uint8_t *b,
                         uint64_t nb, const spy_diff_list *l) {
    uint64_t top = na > nb ? na : nb, i, covered = 0;
    size_t k = 0;
    for (k = 0; k < l->n; k++) {
        const spy_diff_range *r = &l->v[k];
        ck_assert_uint_gt(r->len, 0);
        ck_assert_uint_le(r->off + r->len, top);
        ck_assert(differs(a, na, b, nb, r->off));
        ck_assert(differs(a, na, b, nb, r->off + r->len - 1));
        if (k > 0) {
            const spy_diff_range *p = &l->v[k - 1];
            /* At least SPY_DIFF_GAP equal bytes between two ranges. */
            ck_assert_uint_ge(r->off, p->off + p->len + SPY_DIFF_GAP);
        }
    }
    /* Every differing byte lies in a range, and no byte between ranges
     * differs. */
    k = 0;
    for (i = 0; i < top; i++) {
        while (k < l->n && l->v[k].off + l->v[k].len <= i)
            k++;
        if (k < l->n && l->v[k].off <= i)
            covered++;
        else
            ck_assert_msg(!differs(a, na, b, nb, i),
                          "byte %llu differs outside every range",
                          (unsigned long long)i);
    }
    (void)covered;
}

START_TEST(test_random_ranges) {
    int round;
    for (round = 0; round < 400; round++) {
        uint64_t na = next_rand() % 3000, nb, i;
        uint8_t *a, *b;
        spy_diff_list l, w;
        spy_err e;
        unsigned changes, c;

        nb = (round % 4 == 0) ? next_rand() % 3000 : na;
        a = malloc(na + nb + 1);
        b = malloc(na + nb + 1);
        for (i = 0; i < na; i++)
            a[i] = (uint8_t)(next_rand() % 4 == 0 ? next_rand() : 0);
        for (i = 0; i < nb; i++)
            b[i] = i < na ? a[i] : (uint8_t)next_rand();
        /* A few clusters of changes, some dense, some sparse. */
        changes = (unsigned)(next_rand() % 12);
        for (c = 0; c < changes && nb > 0; c++) {
            uint64_t at = next_rand() % nb, n = 1 + next_rand() % 40, s;
            unsigned step = 1 + (unsigned)(next_rand() % 12);
            for (s = 0; s < n && at + s < nb; s += step)
                b[at + s] ^= (uint8_t)(1 + next_rand() % 255);
        }
        memset(&l, 0, sizeof l);
        ck_assert_int_eq(spy_diff_ranges(a, na, b, nb, 0, &l, &e), 0);
        check_ranges(a, na, b, nb, &l);

        /* The same comparison in windows appended in order. */
        memset(&w, 0, sizeof w);
        {
            uint64_t off = 0, top = na > nb ? na : nb;
            while (off < top) {
                uint64_t len = 1 + next_rand() % 300, wa, wb;
                if (len > top - off)
                    len = top - off;
                wa = off < na ? (na - off < len ? na - off : len) : 0;
                wb = off < nb ? (nb - off < len ? nb - off : len) : 0;
                if (wa == wb)
                    ck_assert_int_eq(
                        spy_diff_ranges(a + off, wa, b + off, wb, off, &w, &e),
                        0);
                else /* past the end of one image: the rest differs */
                    ck_assert_int_eq(
                        spy_diff_ranges(a + off, wa < wb ? wa : wb, b + off,
                                        wa < wb ? wa : wb, off, &w, &e) ||
                            spy_diff_list_add(&w, off + (wa < wb ? wa : wb),
                                              len - (wa < wb ? wa : wb), &e),
                        0);
                off += len;
            }
        }
        ck_assert_uint_eq(w.n, l.n);
        for (i = 0; i < l.n; i++) {
            ck_assert_uint_eq(w.v[i].off, l.v[i].off);
            ck_assert_uint_eq(w.v[i].len, l.v[i].len);
        }
        spy_diff_list_free(&l);
        spy_diff_list_free(&w);
        free(a);
        free(b);
    }
}
END_TEST

START_TEST(test_gap_rule) {
    uint8_t a[64], b[64];
    spy_diff_list l;
    spy_err e;
    memset(a, 0, sizeof a);
    memcpy(b, a, sizeof b);
    /* 7 equal bytes between two changes: one range. */
    b[10] = 1;
    b[18] = 1;
    /* 8 equal bytes: two ranges. */
    b[40] = 1;
    b[49] = 1;
    memset(&l, 0, sizeof l);
    ck_assert_int_eq(spy_diff_ranges(a, 64, b, 64, 0, &l, &e), 0);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_uint_eq(l.v[0].off, 10);
    ck_assert_uint_eq(l.v[0].len, 9);
    ck_assert_uint_eq(l.v[1].off, 40);
    ck_assert_uint_eq(l.v[1].len, 1);
    ck_assert_uint_eq(l.v[2].off, 49);
    spy_diff_list_free(&l);
    /* Equal images, and empty ones. */
    ck_assert_int_eq(spy_diff_ranges(a, 64, a, 64, 0, &l, &e), 0);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_int_eq(spy_diff_ranges(NULL, 0, NULL, 0, 0, &l, &e), 0);
    ck_assert_uint_eq(l.n, 0);
    /* A grown image: the new tail is one range. */
    ck_assert_int_eq(spy_diff_ranges(a, 32, a, 64, 0, &l, &e), 0);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_uint_eq(l.v[0].off, 32);
    ck_assert_uint_eq(l.v[0].len, 32);
    spy_diff_list_free(&l);
}
END_TEST

/* struct s { uint32_t seq; char name[8]; uint32_t ring[100]; }. */
static void make_layout(spy_layout *l, uint32_t *root) {
    spy_ltype t;
    spy_lmember m;
    uint32_t u32, ch, name, ring, st;
    spy_err e;

    spy_layout_init(l);
    memset(&t, 0, sizeof t);
    t.name = "uint32_t";
    t.kind = SPY_L_UINT;
    t.size = 4;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &u32, &e), 0);
    t.name = "char";
    t.kind = SPY_L_CHAR;
    t.size = 1;
    t.is_signed = 1;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &ch, &e), 0);
    memset(&t, 0, sizeof t);
    t.name = "char[8]";
    t.kind = SPY_L_ARRAY;
    t.size = 8;
    t.elem = ch;
    t.nelem = 8;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &name, &e), 0);
    t.name = "uint32_t[100]";
    t.size = 400;
    t.elem = u32;
    t.nelem = 100;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &ring, &e), 0);
    memset(&t, 0, sizeof t);
    t.name = "struct s";
    t.kind = SPY_L_STRUCT;
    t.size = 412;
    t.first = (uint32_t)l->nmembers;
    ck_assert_int_eq(spy_layout_add_type(l, &t, &st, &e), 0);
    memset(&m, 0, sizeof m);
    m.name = "seq";
    m.type = u32;
    m.offset = 0;
    ck_assert_int_eq(spy_layout_add_member(l, st, &m, &e), 0);
    m.name = "name";
    m.type = name;
    m.offset = 4;
    ck_assert_int_eq(spy_layout_add_member(l, st, &m, &e), 0);
    m.name = "ring";
    m.type = ring;
    m.offset = 12;
    ck_assert_int_eq(spy_layout_add_member(l, st, &m, &e), 0);
    l->root = st;
    ck_assert_int_eq(spy_layout_check(l, &e), 0);
    *root = st;
}

typedef struct seen {
    char paths[16][64];
    int n;
} seen;

static int collect(const spy_diff_field *df, void *arg) {
    seen *s = arg;
    ck_assert_int_lt(s->n, 16);
    snprintf(s->paths[s->n++], 64, "%s", df->path);
    return 0;
}

START_TEST(test_fields) {
    spy_layout l;
    uint32_t root;
    uint8_t a[512], b[512];
    spy_lfield top;
    spy_diff_list r;
    spy_err e;
    seen s;

    make_layout(&l, &root);
    memset(a, 0, sizeof a);
    memcpy(b, a, sizeof b);
    b[0] = 42;              /* seq */
    b[12 + 4 * 2 + 1] = 1;  /* ring[2] */
    b[12 + 4 * 3] = 7;      /* ring[3], merged into one range */
    b[12 + 4 * 99 + 3] = 9; /* ring[99] */
    b[450] = 5;             /* outside the struct */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(spy_diff_ranges(a, 512, b, 512, 0, &r, &e), 0);
    ck_assert_int_eq(spy_layout_field(&l, root, 0, 512, "", &top, &e), 0);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(
        spy_diff_fields(&l, &top, "", a, 512, b, 512, r.v, r.n, collect, &s),
        0);
    ck_assert_int_eq(s.n, 4);
    ck_assert_str_eq(s.paths[0], "seq");
    ck_assert_str_eq(s.paths[1], "ring[2]");
    ck_assert_str_eq(s.paths[2], "ring[3]");
    ck_assert_str_eq(s.paths[3], "ring[99]");

    /* A subtree only. */
    ck_assert_int_eq(spy_layout_field(&l, root, 0, 512, "ring", &top, &e), 0);
    memset(&s, 0, sizeof s);
    spy_diff_fields(&l, &top, "ring", a, 512, b, 512, r.v, r.n, collect, &s);
    ck_assert_int_eq(s.n, 3);
    ck_assert_str_eq(s.paths[0], "ring[2]");

    /* A string field. */
    memcpy(b + 4, "hi", 2);
    spy_diff_list_free(&r);
    ck_assert_int_eq(spy_diff_ranges(a, 512, b, 512, 0, &r, &e), 0);
    ck_assert_int_eq(spy_layout_field(&l, root, 0, 512, "", &top, &e), 0);
    memset(&s, 0, sizeof s);
    spy_diff_fields(&l, &top, "", a, 512, b, 512, r.v, r.n, collect, &s);
    ck_assert_int_eq(s.n, 5);
    ck_assert_str_eq(s.paths[1], "name");
    spy_diff_list_free(&r);
    spy_layout_free(&l);
}
END_TEST

/* struct f { uint32_t n; uint32_t items[]; }: a change far into the
 * flexible array is found (its size is the segment's, not 0). */
START_TEST(test_flexible) {
    spy_layout l;
    spy_ltype t;
    spy_lmember m;
    uint32_t u32, arr, st;
    uint8_t a[4096], b[4096];
    spy_lfield top;
    spy_diff_list r;
    spy_err e;
    seen s;

    spy_layout_init(&l);
    memset(&t, 0, sizeof t);
    t.name = "uint32_t";
    t.kind = SPY_L_UINT;
    t.size = 4;
    ck_assert_int_eq(spy_layout_add_type(&l, &t, &u32, &e), 0);
    t.name = "uint32_t[]";
    t.kind = SPY_L_ARRAY;
    t.size = 0;
    t.elem = u32;
    t.nelem = 0;
    ck_assert_int_eq(spy_layout_add_type(&l, &t, &arr, &e), 0);
    memset(&t, 0, sizeof t);
    t.name = "struct f";
    t.kind = SPY_L_STRUCT;
    t.size = 4;
    t.first = (uint32_t)l.nmembers;
    ck_assert_int_eq(spy_layout_add_type(&l, &t, &st, &e), 0);
    memset(&m, 0, sizeof m);
    m.name = "n";
    m.type = u32;
    ck_assert_int_eq(spy_layout_add_member(&l, st, &m, &e), 0);
    m.name = "items";
    m.type = arr;
    m.offset = 4;
    ck_assert_int_eq(spy_layout_add_member(&l, st, &m, &e), 0);
    l.root = st;
    ck_assert_int_eq(spy_layout_check(&l, &e), 0);

    memset(a, 0, sizeof a);
    memcpy(b, a, sizeof b);
    b[4 + 4 * 900 + 2] = 1; /* items[900] */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(spy_diff_ranges(a, sizeof a, b, sizeof b, 0, &r, &e), 0);
    ck_assert_int_eq(spy_layout_field(&l, st, 0, sizeof a, "", &top, &e), 0);
    memset(&s, 0, sizeof s);
    spy_diff_fields(&l, &top, "", a, sizeof a, b, sizeof b, r.v, r.n, collect,
                    &s);
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.paths[0], "items[900]");
    spy_diff_list_free(&r);
    spy_layout_free(&l);
}
END_TEST

/* Reads everything written to f. */
static char *slurp(FILE *f) {
    long n;
    char *s;
    fflush(f);
    n = ftell(f);
    s = calloc(1, (size_t)n + 1);
    rewind(f);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    return s;
}

START_TEST(test_changelog_text) {
    FILE *f = tmpfile();
    spy_changelog_opts o;
    spy_changelog *cl;
    uint8_t img[128], blk[64];
    spy_rec_run run;
    spy_rec_event ev;
    spy_err e;
    char *out;

    ck_assert_ptr_nonnull(f);
    memset(&o, 0, sizeof o);
    o.out = f;
    ck_assert_int_eq(spy_changelog_new(&o, &cl, &e), 0);
    memset(img, 0, sizeof img);
    img[0x40] = 0x29;
    ck_assert_int_eq(spy_changelog_key(cl, 0, img, sizeof img, &e), 0);
    /* A block run of which 1 byte differs. */
    memcpy(blk, img + 64, 64);
    blk[0] = 0x2a;
    run.off = 64;
    run.len = 64;
    run.data = blk;
    ck_assert_int_eq(spy_changelog_delta(cl, 12345000000ull, 128, &run, 1, &e),
                     0);
    /* A run with no change prints nothing. */
    ck_assert_int_eq(spy_changelog_delta(cl, 12400000000ull, 128, &run, 1, &e),
                     0);
    memset(&ev, 0, sizeof ev);
    ev.kind = SPY_REC_EV_RESIZE;
    ev.a = 128;
    ev.b = 64;
    ck_assert_int_eq(spy_changelog_event(cl, 13000000000ull, &ev, &e), 0);
    ck_assert_int_eq(spy_changelog_delta(cl, 13000000000ull, 64, NULL, 0, &e),
                     0);
    ck_assert_uint_eq(spy_changelog_lines(cl), 3);
    spy_changelog_free(cl);
    out = slurp(f);
    ck_assert_str_eq(out, "12.345s  0x40  1  29 -> 2a\n"
                          "13.000s  resized 128 -> 64 bytes\n"
                          "13.000s  0x40  64  2a 00 00 00 00 00 00 00 00 00 "
                          "00 00 00 00 00 00 ... -> -\n");
    free(out);
    fclose(f);
}
END_TEST

START_TEST(test_changelog_json) {
    FILE *f = tmpfile();
    spy_changelog_opts o;
    spy_changelog *cl;
    uint8_t img[16], nimg[16];
    spy_err e;
    char *out;

    memset(&o, 0, sizeof o);
    o.out = f;
    o.json = 1;
    ck_assert_int_eq(spy_changelog_new(&o, &cl, &e), 0);
    memset(img, 0, sizeof img);
    memcpy(nimg, img, sizeof nimg);
    nimg[3] = 0xff;
    ck_assert_int_eq(spy_changelog_key(cl, 0, img, 16, &e), 0);
    /* A later keyframe prints what differs from before. */
    ck_assert_int_eq(spy_changelog_key(cl, 1500000000ull, nimg, 16, &e), 0);
    spy_changelog_free(cl);
    out = slurp(f);
    ck_assert_str_eq(out,
                     "{\"t\":1.5,\"off\":3,\"len\":1,\"old\":\"00\",\"new\":"
                     "\"ff\"}\n");
    free(out);
    fclose(f);
}
END_TEST

START_TEST(test_changelog_hit) {
    FILE *f = tmpfile();
    spy_changelog_opts o;
    spy_changelog *cl;
    spy_rec_hit h;
    spy_err e;
    char *out;

    memset(&o, 0, sizeof o);
    o.out = f;
    ck_assert_int_eq(spy_changelog_new(&o, &cl, &e), 0);
    memset(&h, 0, sizeof h);
    h.pid = 12;
    h.tid = 13;
    h.off = 0x40;
    h.len = 4;
    h.value[0] = 0x2a;
    snprintf(h.comm, sizeof h.comm, "wr\x1bit"); /* a control byte */
    snprintf(h.where, sizeof h.where, "main w.c:7 (w)");
    ck_assert_int_eq(spy_changelog_hit(cl, 2000000000ull, &h, &e), 0);
    o.json = 1;
    spy_changelog_free(cl);
    ck_assert_int_eq(spy_changelog_new(&o, &cl, &e), 0);
    ck_assert_int_eq(spy_changelog_hit(cl, 2000000000ull, &h, &e), 0);
    spy_changelog_free(cl);
    out = slurp(f);
    ck_assert_str_eq(out, "2.000s  hit 0x40 4 = 2a 00 00 00 by pid 12 tid 13 "
                          "(wr\\x1bit) at main w.c:7 (w)\n"
                          "{\"t\":2,\"event\":\"hit\",\"pid\":12,\"tid\":13,"
                          "\"comm\":\"wr\\u001bit\",\"off\":64,\"len\":4,"
                          "\"value\":\"2a000000\",\"ip\":0,\"where\":\"main "
                          "w.c:7 (w)\"}\n");
    free(out);
    fclose(f);
}
END_TEST

int main(void) {
    Suite *s = suite_create("diff");
    TCase *tc = tcase_create("diff");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_random_ranges);
    tcase_add_test(tc, test_gap_rule);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_flexible);
    tcase_add_test(tc, test_changelog_text);
    tcase_add_test(tc, test_changelog_json);
    tcase_add_test(tc, test_changelog_hit);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
