/* test_recfmt.c - the byte format of recordings (core/recfmt.h): every
 * encoding decodes to what was encoded; every truncation of a valid
 * encoding is refused, naming the byte offset where it was cut; hostile
 * lengths (counts past the end, overlapping runs, lengths over the limit)
 * are refused without reading past the buffer; CRC-32 is the standard
 * one. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/recfmt.h"

/* "damaged at byte N: ..." with N == want. */
static void ck_offset(const spy_err *e, unsigned long long want) {
    unsigned long long got = 0;
    ck_assert_msg(sscanf(e->msg, "damaged at byte %llu:", &got) == 1,
                  "no offset in: %s", e->msg);
    ck_assert_msg(got == want, "offset %llu, want %llu: %s", got, want, e->msg);
}

START_TEST(test_crc32) {
    /* The check value of CRC-32/ISO-HDLC. */
    ck_assert_uint_eq(spy_crc32(0, "123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(spy_crc32(0, "", 0), 0);
    /* Continuing equals doing it at once. */
    ck_assert_uint_eq(spy_crc32(spy_crc32(0, "1234", 4), "56789", 5),
                      0xCBF43926u);
}
END_TEST

START_TEST(test_header) {
    spy_recfmt_header h, g;
    uint8_t buf[SPY_RECFMT_HDR_MAX];
    size_t n, used, cut;
    spy_err e;

    memset(&h, 0, sizeof h);
    h.version = SPY_RECFMT_VERSION;
    h.flags = SPY_RECFMT_F_COMPRESSED | SPY_RECFMT_F_RING;
    h.block = 64;
    h.piece = 1u << 20;
    h.period_ns = 10000000;
    h.start_wall_ns = 1700000000123456789ull;
    h.size = 0x123456789ull;
    snprintf(h.name, sizeof h.name, "/seg");
    n = spy_recfmt_header_encode(&h, buf);
    ck_assert_uint_eq(n, SPY_RECFMT_HDR_FIXED + 4 + 4);
    ck_assert_int_eq(spy_recfmt_header_decode(buf, n, &g, &used, &e), 0);
    ck_assert_uint_eq(used, n);
    ck_assert_mem_eq(&h, &g, sizeof h);
    /* Longer input: only the header is used. */
    ck_assert_int_eq(spy_recfmt_header_decode(buf, sizeof buf, &g, &used, &e),
                     0);
    ck_assert_uint_eq(used, n);
    for (cut = 0; cut < n; cut++) {
        ck_assert_int_eq(spy_recfmt_header_decode(buf, cut, &g, &used, &e),
                         SPY_EINVAL);
        ck_offset(&e, cut);
    }
    /* Every flipped bit of the header is found. */
    for (cut = 0; cut < n * 8; cut++) {
        buf[cut / 8] ^= (uint8_t)(1u << (cut % 8));
        ck_assert_int_ne(spy_recfmt_header_decode(buf, n, &g, &used, &e), 0);
        buf[cut / 8] ^= (uint8_t)(1u << (cut % 8));
    }
    /* Not a recording. */
    ck_assert_int_eq(
        spy_recfmt_header_decode((const uint8_t *)"hello world, not", 16, &g,
                                 &used, &e),
        SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "not a shmspy recording"));
    /* Another version is not supported (and says which). */
    buf[8] = 2;
    ck_assert_int_eq(spy_recfmt_header_decode(buf, n, &g, &used, &e),
                     SPY_ENOTSUP);
    ck_assert_ptr_nonnull(strstr(e.msg, "version 2"));
    /* A long name is cut to 255 bytes. */
    memset(h.name, 'x', 255);
    h.name[255] = '\0';
    n = spy_recfmt_header_encode(&h, buf);
    ck_assert_uint_eq(n, SPY_RECFMT_HDR_MAX);
    ck_assert_int_eq(spy_recfmt_header_decode(buf, n, &g, &used, &e), 0);
    ck_assert_uint_eq(strlen(g.name), 255);
}
END_TEST

START_TEST(test_chunk) {
    spy_recfmt_chunk c, d;
    uint8_t buf[SPY_RECFMT_CHUNK], payload[5] = {1, 2, 3, 4, 5};
    size_t cut, bit;
    spy_err e;

    memset(&c, 0, sizeof c);
    c.type = SPY_RECFMT_DELTA;
    c.codec = SPY_RECFMT_ZSTD;
    c.t_ns = 123;
    c.seq = 4;
    c.size = 4096;
    c.lo = 64;
    c.hi = 128;
    c.raw_len = 100;
    c.stored_len = 5;
    c.crc = spy_crc32(0, payload, 5);
    spy_recfmt_chunk_encode(&c, buf);
    ck_assert_int_eq(spy_recfmt_chunk_decode(buf, sizeof buf, 1000, &d, &e), 0);
    ck_assert_mem_eq(&c, &d, sizeof c);
    ck_assert_int_eq(spy_recfmt_payload_check(&d, payload, 1064, &e), 0);
    payload[2] ^= 1;
    ck_assert_int_eq(spy_recfmt_payload_check(&d, payload, 1064, &e),
                     SPY_EINVAL);
    ck_offset(&e, 1064);
    for (cut = 0; cut < sizeof buf; cut++) {
        ck_assert_int_eq(spy_recfmt_chunk_decode(buf, cut, 1000, &d, &e),
                         SPY_EINVAL);
        ck_offset(&e, 1000 + cut);
    }
    for (bit = 0; bit < sizeof buf * 8; bit++) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ck_assert_int_eq(spy_recfmt_chunk_decode(buf, sizeof buf, 0, &d, &e),
                         SPY_EINVAL);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    /* Hostile fields with a valid checksum. */
    c.raw_len = SPY_RECFMT_MAX_PAYLOAD + 1;
    spy_recfmt_chunk_encode(&c, buf);
    ck_assert_int_eq(spy_recfmt_chunk_decode(buf, sizeof buf, 0, &d, &e),
                     SPY_EINVAL);
    ck_offset(&e, 48);
    c.raw_len = 100;
    c.codec = SPY_RECFMT_STORED; /* stored, yet lengths differ */
    spy_recfmt_chunk_encode(&c, buf);
    ck_assert_int_eq(spy_recfmt_chunk_decode(buf, sizeof buf, 0, &d, &e),
                     SPY_EINVAL);
    c.raw_len = c.stored_len = 5;
    c.lo = 200; /* lo > hi */
    spy_recfmt_chunk_encode(&c, buf);
    ck_assert_int_eq(spy_recfmt_chunk_decode(buf, sizeof buf, 0, &d, &e),
                     SPY_EINVAL);
    ck_offset(&e, 32);
    c.lo = 0;
    c.type = 99;
    spy_recfmt_chunk_encode(&c, buf);
    ck_assert_int_eq(spy_recfmt_chunk_decode(buf, sizeof buf, 0, &d, &e),
                     SPY_EINVAL);
    ck_offset(&e, 4);
}
END_TEST

START_TEST(test_key) {
    spy_recfmt_key k = {3u << 20, 3, 1u << 20}, g;
    uint8_t buf[SPY_RECFMT_KEY_LEN + 1];
    size_t cut;
    spy_err e;

    spy_recfmt_key_encode(&k, buf);
    ck_assert_int_eq(spy_recfmt_key_decode(buf, 16, 0, &g, &e), 0);
    ck_assert_uint_eq(g.size, k.size);
    ck_assert_uint_eq(g.npieces, 3);
    for (cut = 0; cut < 16; cut++) {
        ck_assert_int_eq(spy_recfmt_key_decode(buf, cut, 500, &g, &e),
                         SPY_EINVAL);
        ck_offset(&e, 500 + cut);
    }
    ck_assert_int_eq(spy_recfmt_key_decode(buf, 17, 0, &g, &e), SPY_EINVAL);
    k.npieces = 4; /* does not match the size */
    spy_recfmt_key_encode(&k, buf);
    ck_assert_int_eq(spy_recfmt_key_decode(buf, 16, 0, &g, &e), SPY_EINVAL);
    k.size = (3u << 20) + 1; /* now it does */
    spy_recfmt_key_encode(&k, buf);
    ck_assert_int_eq(spy_recfmt_key_decode(buf, 16, 0, &g, &e), 0);
    k.piece = 0;
    spy_recfmt_key_encode(&k, buf);
    ck_assert_int_eq(spy_recfmt_key_decode(buf, 16, 0, &g, &e), SPY_EINVAL);
}
END_TEST

START_TEST(test_delta) {
    uint8_t a[3] = {1, 2, 3}, b[64], c[64], buf[256];
    spy_recfmt_run runs[2] = {{10, 3, a}, {64, 64, b}}, got[3];
    spy_recfmt_run al[3] = {{64, 64, b}, {192, 64, c}, {960, 40, b}};
    uint64_t size;
    size_t n, cnt, cut;
    spy_err e;

    memset(b, 0xab, sizeof b);
    memset(c, 0xcd, sizeof c);
    n = spy_recfmt_delta_encode(1000, runs, 2, buf);
    ck_assert_uint_eq(n, spy_recfmt_delta_len(1000, runs, 2));
    /* size 2, count 1, unit 1, 2 x 2 of table, 67 bytes */
    ck_assert_uint_eq(n, 2 + 1 + 1 + 4 + 67);
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, NULL, 0, &e), 0);
    ck_assert_uint_eq(cnt, 2);
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, got, 2, &e), 0);
    ck_assert_uint_eq(size, 1000);
    ck_assert_uint_eq(got[0].off, 10);
    ck_assert_uint_eq(got[0].len, 3);
    ck_assert_mem_eq(got[0].data, a, 3);
    ck_assert_uint_eq(got[1].off, 64);
    ck_assert_uint_eq(got[1].len, 64);
    ck_assert_mem_eq(got[1].data, b, 64);
    /* Every truncation is refused (at the cut: the data was short). */
    for (cut = 0; cut < n; cut++) {
        int rc =
            spy_recfmt_delta_decode(buf, cut, 7000, &size, &cnt, NULL, 0, &e);
        ck_assert_int_eq(rc, SPY_EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "damaged at byte 7"));
    }
    /* The cut of a run's data names the end. */
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n - 1, 7000, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_offset(&e, 7000 + n - 1);
    /* Block-aligned runs: a unit of 64, one byte of table a run (a gap,
     * no length: one unit); the last run, ending at the size, rounded up
     * to a unit and cut. */
    n = spy_recfmt_delta_encode(1000, al, 3, buf);
    ck_assert_uint_eq(n, spy_recfmt_delta_len(1000, al, 3));
    ck_assert_uint_eq(n, 2 + 1 + 1 + 3 + 168);
    ck_assert_uint_eq(buf[3], 6);
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, got, 3, &e), 0);
    ck_assert_uint_eq(cnt, 3);
    ck_assert_uint_eq(got[1].off, 192);
    ck_assert_mem_eq(got[1].data, c, 64);
    ck_assert_uint_eq(got[2].off, 960);
    ck_assert_uint_eq(got[2].len, 40);
    ck_assert_mem_eq(got[2].data, b, 40);
    /* ... and the same table with a smaller size is past it. */
    buf[0] = 0xbf; /* 959 */
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "past the segment"));
    ck_offset(&e, 6);
    /* Zero runs. */
    n = spy_recfmt_delta_encode(5, runs, 0, buf);
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, NULL, 0, &e), 0);
    ck_assert_uint_eq(cnt, 0);
    /* Hostile: a count past the end, past the size, empty, a varint of
     * more than 64 bits, a unit past 2^32, a run of more than 4 GiB. */
    n = spy_recfmt_delta_encode(1000, runs, 2, buf);
    buf[2] = 0x7f;
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_offset(&e, 2);
    n = spy_recfmt_delta_encode(100, runs, 2, buf);
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "past the segment"));
    n = spy_recfmt_delta_encode(1000, runs, 2, buf);
    buf[5] = 0;
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "empty"));
    ck_offset(&e, 4);
    memset(buf, 0xff, 11);
    buf[11] = 0;
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, 12, 0, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "over 64 bits"));
    n = spy_recfmt_delta_encode(1000, runs, 2, buf);
    buf[3] = 33;
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n, 0, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_offset(&e, 3);
    {
        /* size 2^40, 1 run, unit 2^32, gap 0 long, 2 units */
        static const uint8_t big[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x20,
                                      1,    32,   1,    2,    0};
        ck_assert_int_eq(spy_recfmt_delta_decode(big, sizeof big, 0, &size,
                                                 &cnt, NULL, 0, &e),
                         SPY_EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "4 GiB"));
        ck_offset(&e, 8);
    }
    /* Trailing bytes. */
    n = spy_recfmt_delta_encode(1000, runs, 2, buf);
    ck_assert_int_eq(
        spy_recfmt_delta_decode(buf, n + 1, 0, &size, &cnt, NULL, 0, &e),
        SPY_EINVAL);
    ck_offset(&e, n);
}
END_TEST

START_TEST(test_event_hit) {
    spy_recfmt_event ev, eg;
    spy_recfmt_hit h, hg;
    uint8_t buf[512];
    size_t n, cut;
    spy_err e;

    memset(&ev, 0, sizeof ev);
    ev.kind = 5;
    ev.a = 16;
    ev.b = 4;
    snprintf(ev.text, sizeof ev.text, "u32@16 == 7");
    n = spy_recfmt_event_encode(&ev, buf);
    ck_assert_int_eq(spy_recfmt_event_decode(buf, n, 0, &eg, &e), 0);
    ck_assert_mem_eq(&ev, &eg, sizeof ev);
    for (cut = 0; cut < n; cut++) {
        ck_assert_int_eq(spy_recfmt_event_decode(buf, cut, 300, &eg, &e),
                         SPY_EINVAL);
        ck_offset(&e, 300 + cut);
    }
    buf[0] = 0; /* kind 0 */
    ck_assert_int_eq(spy_recfmt_event_decode(buf, n, 0, &eg, &e), SPY_EINVAL);
    ck_offset(&e, 0);
    n = spy_recfmt_event_encode(&ev, buf);
    buf[22] = 0; /* a NUL in the text */
    ck_assert_int_eq(spy_recfmt_event_decode(buf, n, 0, &eg, &e), SPY_EINVAL);
    n = spy_recfmt_event_encode(&ev, buf);
    spy_recfmt_put16(buf + 20, 300); /* too long for the text */
    ck_assert_int_eq(spy_recfmt_event_decode(buf, n, 0, &eg, &e), SPY_EINVAL);

    memset(&h, 0, sizeof h);
    h.pid = -1;
    h.tid = 77;
    h.off = 4096;
    h.len = 8;
    memcpy(h.value, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    h.ip = 0xdeadbeef;
    snprintf(h.comm, sizeof h.comm, "writer");
    snprintf(h.where, sizeof h.where, "store w.c:12 (w)");
    n = spy_recfmt_hit_encode(&h, buf);
    ck_assert_uint_le(n, SPY_RECFMT_HIT_MAX);
    ck_assert_int_eq(spy_recfmt_hit_decode(buf, n, 0, &hg, &e), 0);
    ck_assert_mem_eq(&h, &hg, sizeof h);
    for (cut = 0; cut < n; cut++) {
        ck_assert_int_eq(spy_recfmt_hit_decode(buf, cut, 40, &hg, &e),
                         SPY_EINVAL);
        ck_offset(&e, 40 + cut);
    }
    spy_recfmt_put32(buf + 16, 3);
    ck_assert_int_eq(spy_recfmt_hit_decode(buf, n, 0, &hg, &e), SPY_EINVAL);
    ck_offset(&e, 16);
}
END_TEST

START_TEST(test_index_trailer) {
    spy_recfmt_entry en, g;
    uint8_t buf[4 + 2 * SPY_RECFMT_IDX_ENTRY], tr[SPY_RECFMT_TRAILER];
    uint32_t count;
    uint64_t pos;
    size_t cut;
    spy_err e;

    memset(&en, 0, sizeof en);
    en.pos = 100;
    en.t_ns = 5;
    en.seq = 6;
    en.size = 7;
    en.lo = 1;
    en.hi = 2;
    en.raw_len = 9;
    en.stored_len = 8;
    en.type = SPY_RECFMT_DELTA;
    en.codec = SPY_RECFMT_ZSTD;
    spy_recfmt_put32(buf, 2);
    spy_recfmt_entry_encode(&en, buf + 4);
    spy_recfmt_entry_encode(&en, buf + 4 + SPY_RECFMT_IDX_ENTRY);
    ck_assert_int_eq(spy_recfmt_index_decode(buf, sizeof buf, 0, &count, &e),
                     0);
    ck_assert_uint_eq(count, 2);
    ck_assert_int_eq(spy_recfmt_entry_decode(buf, 1, 0, &g, &e), 0);
    ck_assert_mem_eq(&en, &g, sizeof en);
    for (cut = 0; cut < sizeof buf; cut++)
        ck_assert_int_eq(spy_recfmt_index_decode(buf, cut, 0, &count, &e),
                         SPY_EINVAL);
    spy_recfmt_put32(buf, 0x7fffffff);
    ck_assert_int_eq(spy_recfmt_index_decode(buf, sizeof buf, 0, &count, &e),
                     SPY_EINVAL);
    buf[4 + 56] = SPY_RECFMT_INDEX; /* the index does not list itself */
    ck_assert_int_eq(spy_recfmt_entry_decode(buf, 0, 0, &g, &e), SPY_EINVAL);
    ck_offset(&e, 4 + 56);

    spy_recfmt_trailer_encode(123456, tr);
    ck_assert_int_eq(spy_recfmt_trailer_decode(tr, 0, &pos, &e), 1);
    ck_assert_uint_eq(pos, 123456);
    tr[1] ^= 1;
    ck_assert_int_eq(spy_recfmt_trailer_decode(tr, 1000, &pos, &e), SPY_EINVAL);
    ck_offset(&e, 1008);
    tr[15] = 'x';
    ck_assert_int_eq(spy_recfmt_trailer_decode(tr, 0, &pos, &e), 0);
}
END_TEST

static Suite *recfmt_suite(void) {
    Suite *s = suite_create("recfmt");
    TCase *tc = tcase_create("recfmt");
    tcase_add_test(tc, test_crc32);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_chunk);
    tcase_add_test(tc, test_key);
    tcase_add_test(tc, test_delta);
    tcase_add_test(tc, test_event_hit);
    tcase_add_test(tc, test_index_trailer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(recfmt_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
