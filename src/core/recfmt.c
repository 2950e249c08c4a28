/* recfmt.c - the byte format of recordings (see recfmt.h). */
#include "recfmt.h"

#include <string.h>

#include "recfmt_crc.h"

uint32_t spy_crc32(uint32_t crc, const void *p, size_t len) {
    const uint8_t *b = p;
    crc = ~crc;
    /* Slicing by 8: eight bytes per step through eight tables. */
    while (len >= 8) {
        uint32_t one = ((uint32_t)b[0] | (uint32_t)b[1] << 8 |
                        (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24) ^
                       crc;
        uint32_t two = (uint32_t)b[4] | (uint32_t)b[5] << 8 |
                       (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        crc = crc_tab[7][one & 0xff] ^ crc_tab[6][(one >> 8) & 0xff] ^
              crc_tab[5][(one >> 16) & 0xff] ^ crc_tab[4][one >> 24] ^
              crc_tab[3][two & 0xff] ^ crc_tab[2][(two >> 8) & 0xff] ^
              crc_tab[1][(two >> 16) & 0xff] ^ crc_tab[0][two >> 24];
        b += 8;
        len -= 8;
    }
    while (len-- > 0)
        crc = crc_tab[0][(crc ^ *b++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

void spy_recfmt_put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
void spy_recfmt_put32(uint8_t *p, uint32_t v) {
    int i;
    for (i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
void spy_recfmt_put64(uint8_t *p, uint64_t v) {
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
uint16_t spy_recfmt_get16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}
uint32_t spy_recfmt_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
uint64_t spy_recfmt_get64(const uint8_t *p) {
    return (uint64_t)spy_recfmt_get32(p) | (uint64_t)spy_recfmt_get32(p + 4)
                                               << 32;
}

#define put16 spy_recfmt_put16
#define put32 spy_recfmt_put32
#define put64 spy_recfmt_put64
#define get16 spy_recfmt_get16
#define get32 spy_recfmt_get32
#define get64 spy_recfmt_get64

static int damaged(spy_err *err, uint64_t at, const char *why) {
    return spy_err_set(err, SPY_EINVAL, 0, "damaged at byte %llu: %s",
                       (unsigned long long)at, why);
}

static int truncated(spy_err *err, uint64_t at, const char *what) {
    return spy_err_set(err, SPY_EINVAL, 0,
                       "damaged at byte %llu: %s cut short (truncated)",
                       (unsigned long long)at, what);
}

/* ---- file header ----------------------------------------------------- */

size_t spy_recfmt_header_encode(const spy_recfmt_header *h, uint8_t *out) {
    size_t nl = strlen(h->name);
    if (nl > SPY_RECFMT_NAME_MAX)
        nl = SPY_RECFMT_NAME_MAX;
    memcpy(out, SPY_RECFMT_MAGIC, 8);
    put16(out + 8, h->version);
    put16(out + 10, h->flags);
    put32(out + 12, h->block);
    put32(out + 16, h->piece);
    put64(out + 20, h->period_ns);
    put64(out + 28, h->start_wall_ns);
    put64(out + 36, h->size);
    put16(out + 44, (uint16_t)nl);
    put16(out + 46, 0);
    memcpy(out + SPY_RECFMT_HDR_FIXED, h->name, nl);
    put32(out + SPY_RECFMT_HDR_FIXED + nl,
          spy_crc32(0, out, SPY_RECFMT_HDR_FIXED + nl));
    return SPY_RECFMT_HDR_FIXED + nl + 4;
}

int spy_recfmt_header_decode(const uint8_t *p, size_t n, spy_recfmt_header *h,
                             size_t *used, spy_err *err) {
    size_t nl;
    memset(h, 0, sizeof *h);
    if (n < 8 || memcmp(p, SPY_RECFMT_MAGIC, 8) != 0) {
        if (n < 8 && memcmp(p, SPY_RECFMT_MAGIC, n) == 0)
            return truncated(err, n, "file header");
        return damaged(err, 0, "not a shmspy recording (no SHMSPYRC marker)");
    }
    if (n < SPY_RECFMT_HDR_FIXED)
        return truncated(err, n, "file header");
    h->version = get16(p + 8);
    if (h->version != SPY_RECFMT_VERSION)
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "format version %u at byte 8 (this shmspy reads "
                           "version %d)",
                           (unsigned)h->version, SPY_RECFMT_VERSION);
    h->flags = get16(p + 10);
    h->block = get32(p + 12);
    h->piece = get32(p + 16);
    h->period_ns = get64(p + 20);
    h->start_wall_ns = get64(p + 28);
    h->size = get64(p + 36);
    nl = get16(p + 44);
    if (nl > SPY_RECFMT_NAME_MAX)
        return damaged(err, 44, "name length over 255");
    if (n < SPY_RECFMT_HDR_FIXED + nl + 4)
        return truncated(err, n, "file header");
    if (get32(p + SPY_RECFMT_HDR_FIXED + nl) !=
        spy_crc32(0, p, SPY_RECFMT_HDR_FIXED + nl))
        return damaged(err, SPY_RECFMT_HDR_FIXED + nl,
                       "file header checksum mismatch");
    if ((h->flags & ~(SPY_RECFMT_F_COMPRESSED | SPY_RECFMT_F_RING)) != 0)
        return damaged(err, 10, "unknown header flags");
    if (get16(p + 46) != 0)
        return damaged(err, 46, "reserved header field not 0");
    if (h->block == 0 || h->piece == 0 || h->piece > SPY_RECFMT_MAX_PAYLOAD)
        return damaged(err, 12, "bad block or piece size");
    if (memchr(p + SPY_RECFMT_HDR_FIXED, 0, nl) != NULL)
        return damaged(err, SPY_RECFMT_HDR_FIXED, "NUL byte in the name");
    memcpy(h->name, p + SPY_RECFMT_HDR_FIXED, nl);
    h->name[nl] = '\0';
    *used = SPY_RECFMT_HDR_FIXED + nl + 4;
    return 0;
}

/* ---- chunk header ---------------------------------------------------- */

void spy_recfmt_chunk_encode(const spy_recfmt_chunk *c, uint8_t *out) {
    memcpy(out, "RCHK", 4);
    out[4] = c->type;
    out[5] = c->codec;
    put16(out + 6, 0);
    put64(out + 8, c->t_ns);
    put64(out + 16, c->seq);
    put64(out + 24, c->size);
    put64(out + 32, c->lo);
    put64(out + 40, c->hi);
    put32(out + 48, c->raw_len);
    put32(out + 52, c->stored_len);
    put32(out + 56, c->crc);
    put32(out + 60, spy_crc32(0, out, 60));
}

static int type_ok(unsigned t) {
    return t >= SPY_RECFMT_KEY && t <= SPY_RECFMT_INDEX;
}

int spy_recfmt_chunk_decode(const uint8_t *p, size_t n, uint64_t base,
                            spy_recfmt_chunk *c, spy_err *err) {
    memset(c, 0, sizeof *c);
    if (n < SPY_RECFMT_CHUNK)
        return truncated(err, base + n, "chunk header");
    if (memcmp(p, "RCHK", 4) != 0)
        return damaged(err, base, "no chunk marker");
    if (get32(p + 60) != spy_crc32(0, p, 60))
        return damaged(err, base + 60, "chunk header checksum mismatch");
    c->type = p[4];
    c->codec = p[5];
    c->t_ns = get64(p + 8);
    c->seq = get64(p + 16);
    c->size = get64(p + 24);
    c->lo = get64(p + 32);
    c->hi = get64(p + 40);
    c->raw_len = get32(p + 48);
    c->stored_len = get32(p + 52);
    c->crc = get32(p + 56);
    if (!type_ok(c->type))
        return damaged(err, base + 4, "unknown chunk type");
    if (c->codec != SPY_RECFMT_STORED && c->codec != SPY_RECFMT_ZSTD)
        return damaged(err, base + 5, "unknown codec");
    if (get16(p + 6) != 0)
        return damaged(err, base + 6, "reserved chunk field not 0");
    if (c->lo > c->hi)
        return damaged(err, base + 32, "range ends before it starts");
    if (c->raw_len > SPY_RECFMT_MAX_PAYLOAD ||
        c->stored_len > SPY_RECFMT_MAX_PAYLOAD)
        return damaged(err, base + 48, "payload length over 64 MiB");
    if (c->codec == SPY_RECFMT_STORED && c->raw_len != c->stored_len)
        return damaged(err, base + 48, "stored payload lengths differ");
    return 0;
}

int spy_recfmt_payload_check(const spy_recfmt_chunk *c, const uint8_t *p,
                             uint64_t base, spy_err *err) {
    if (spy_crc32(0, p, c->stored_len) != c->crc)
        return damaged(err, base, "chunk checksum mismatch");
    return 0;
}

/* ---- payloads -------------------------------------------------------- */

void spy_recfmt_key_encode(const spy_recfmt_key *k, uint8_t *out) {
    put64(out, k->size);
    put32(out + 8, k->npieces);
    put32(out + 12, k->piece);
}

int spy_recfmt_key_decode(const uint8_t *p, size_t n, uint64_t base,
                          spy_recfmt_key *k, spy_err *err) {
    uint64_t want;
    if (n != SPY_RECFMT_KEY_LEN)
        return n < SPY_RECFMT_KEY_LEN
                   ? truncated(err, base + n, "keyframe")
                   : damaged(err, base + 16, "bytes after a keyframe");
    k->size = get64(p);
    k->npieces = get32(p + 8);
    k->piece = get32(p + 12);
    if (k->piece == 0 || k->piece > SPY_RECFMT_MAX_PAYLOAD)
        return damaged(err, base + 12, "bad keyframe piece size");
    want = k->size / k->piece + (k->size % k->piece != 0);
    if (want != k->npieces)
        return damaged(err, base + 8,
                       "keyframe piece count does not match "
                       "its size");
    return 0;
}

size_t spy_recfmt_delta_len(size_t nruns, uint64_t bytes) {
    return 12 + 12 * nruns + (size_t)bytes;
}

size_t spy_recfmt_delta_encode(uint64_t size, const spy_recfmt_run *runs,
                               size_t nruns, uint8_t *out) {
    size_t i, at = 12;
    put64(out, size);
    put32(out + 8, (uint32_t)nruns);
    for (i = 0; i < nruns; i++) {
        put64(out + at, runs[i].off);
        put32(out + at + 8, runs[i].len);
        memcpy(out + at + 12, runs[i].data, runs[i].len);
        at += 12 + runs[i].len;
    }
    return at;
}

int spy_recfmt_delta_decode(const uint8_t *p, size_t n, uint64_t base,
                            uint64_t *size, size_t *nruns, spy_recfmt_run *runs,
                            size_t cap, spy_err *err) {
    size_t at = 12, i, cnt;
    uint64_t end = 0;
    if (n < 12)
        return truncated(err, base + n, "delta");
    *size = get64(p);
    cnt = get32(p + 8);
    if (cnt > (n - 12) / 12)
        return damaged(err, base + 8, "delta run count past its end");
    for (i = 0; i < cnt; i++) {
        uint64_t off;
        uint32_t len;
        if (n - at < 12)
            return truncated(err, base + n, "delta run");
        off = get64(p + at);
        len = get32(p + at + 8);
        if (len == 0)
            return damaged(err, base + at + 8, "empty delta run");
        if (len > n - at - 12)
            return truncated(err, base + n, "delta run");
        if (i > 0 && off < end)
            return damaged(err, base + at, "delta runs overlap or unsorted");
        if (off > *size || len > *size - off)
            return damaged(err, base + at,
                           "delta run past the segment's "
                           "size");
        if (runs != NULL && i < cap) {
            runs[i].off = off;
            runs[i].len = len;
            runs[i].data = p + at + 12;
        }
        end = off + len;
        at += 12 + (size_t)len;
    }
    if (at != n)
        return damaged(err, base + at, "bytes after a delta's last run");
    *nruns = cnt;
    return 0;
}

/* Appends a u16-counted text. */
static size_t put_text(uint8_t *out, const char *s, size_t max) {
    size_t l = strlen(s);
    if (l > max)
        l = max;
    put16(out, (uint16_t)l);
    memcpy(out + 2, s, l);
    return 2 + l;
}

/* Reads a u16-counted text at p[*at] into dst (cap bytes with the NUL). */
static int get_text(const uint8_t *p, size_t n, size_t *at, uint64_t base,
                    char *dst, size_t cap, const char *what, spy_err *err) {
    size_t l;
    if (n - *at < 2)
        return truncated(err, base + n, what);
    l = get16(p + *at);
    if (l >= cap)
        return damaged(err, base + *at, "text too long");
    if (l > n - *at - 2)
        return truncated(err, base + n, what);
    if (memchr(p + *at + 2, 0, l) != NULL)
        return damaged(err, base + *at + 2, "NUL byte in a text");
    memcpy(dst, p + *at + 2, l);
    dst[l] = '\0';
    *at += 2 + l;
    return 0;
}

size_t spy_recfmt_event_encode(const spy_recfmt_event *e, uint8_t *out) {
    put32(out, e->kind);
    put64(out + 4, e->a);
    put64(out + 12, e->b);
    return 20 + put_text(out + 20, e->text, 255);
}

int spy_recfmt_event_decode(const uint8_t *p, size_t n, uint64_t base,
                            spy_recfmt_event *e, spy_err *err) {
    size_t at = 20;
    int rc;
    memset(e, 0, sizeof *e);
    if (n < 20)
        return truncated(err, base + n, "event");
    e->kind = get32(p);
    e->a = get64(p + 4);
    e->b = get64(p + 12);
    if (e->kind < 1 || e->kind > 7)
        return damaged(err, base, "unknown event kind");
    rc = get_text(p, n, &at, base, e->text, sizeof e->text, "event", err);
    if (rc != 0)
        return rc;
    if (at != n)
        return damaged(err, base + at, "bytes after an event");
    return 0;
}

size_t spy_recfmt_hit_encode(const spy_recfmt_hit *h, uint8_t *out) {
    size_t at;
    put32(out, (uint32_t)h->pid);
    put32(out + 4, (uint32_t)h->tid);
    put64(out + 8, h->off);
    put32(out + 16, h->len);
    memcpy(out + 20, h->value, 8);
    put64(out + 28, h->ip);
    put32(out + 36, 0);
    at = 40;
    at += put_text(out + at, h->comm, 63);
    at += put_text(out + at, h->where, 255);
    return at;
}

int spy_recfmt_hit_decode(const uint8_t *p, size_t n, uint64_t base,
                          spy_recfmt_hit *h, spy_err *err) {
    size_t at = 40;
    int rc;
    memset(h, 0, sizeof *h);
    if (n < 40)
        return truncated(err, base + n, "blame hit");
    h->pid = (int32_t)get32(p);
    h->tid = (int32_t)get32(p + 4);
    h->off = get64(p + 8);
    h->len = get32(p + 16);
    memcpy(h->value, p + 20, 8);
    h->ip = get64(p + 28);
    if (h->len != 1 && h->len != 2 && h->len != 4 && h->len != 8)
        return damaged(err, base + 16, "blame hit length not 1, 2, 4 or 8");
    if (h->off > UINT64_MAX - 8)
        return damaged(err, base + 8, "blame hit offset too large");
    if (get32(p + 36) != 0)
        return damaged(err, base + 36, "reserved hit field not 0");
    rc = get_text(p, n, &at, base, h->comm, sizeof h->comm, "blame hit", err);
    if (rc == 0)
        rc = get_text(p, n, &at, base, h->where, sizeof h->where, "blame hit",
                      err);
    if (rc != 0)
        return rc;
    if (at != n)
        return damaged(err, base + at, "bytes after a blame hit");
    return 0;
}

/* ---- index and trailer ---------------------------------------------- */

void spy_recfmt_entry_encode(const spy_recfmt_entry *e, uint8_t *out) {
    put64(out, e->pos);
    put64(out + 8, e->t_ns);
    put64(out + 16, e->seq);
    put64(out + 24, e->size);
    put64(out + 32, e->lo);
    put64(out + 40, e->hi);
    put32(out + 48, e->raw_len);
    put32(out + 52, e->stored_len);
    out[56] = e->type;
    out[57] = e->codec;
    memset(out + 58, 0, 6);
}

int spy_recfmt_index_decode(const uint8_t *p, size_t n, uint64_t base,
                            uint32_t *count, spy_err *err) {
    if (n < 4)
        return truncated(err, base + n, "index");
    *count = get32(p);
    if (*count > (n - 4) / SPY_RECFMT_IDX_ENTRY)
        return truncated(err, base + n, "index");
    if (n != 4 + (size_t)*count * SPY_RECFMT_IDX_ENTRY)
        return damaged(err, base + 4 + (uint64_t)*count * SPY_RECFMT_IDX_ENTRY,
                       "bytes after the index's last entry");
    return 0;
}

int spy_recfmt_entry_decode(const uint8_t *p, uint32_t i, uint64_t base,
                            spy_recfmt_entry *e, spy_err *err) {
    const uint8_t *q = p + 4 + (size_t)i * SPY_RECFMT_IDX_ENTRY;
    uint64_t at = base + 4 + (uint64_t)i * SPY_RECFMT_IDX_ENTRY;
    static const uint8_t zero[6];
    memset(e, 0, sizeof *e);
    e->pos = get64(q);
    e->t_ns = get64(q + 8);
    e->seq = get64(q + 16);
    e->size = get64(q + 24);
    e->lo = get64(q + 32);
    e->hi = get64(q + 40);
    e->raw_len = get32(q + 48);
    e->stored_len = get32(q + 52);
    e->type = q[56];
    e->codec = q[57];
    if (!type_ok(e->type) || e->type == SPY_RECFMT_INDEX)
        return damaged(err, at + 56, "bad chunk type in the index");
    if (e->codec > SPY_RECFMT_ZSTD)
        return damaged(err, at + 57, "bad codec in the index");
    if (memcmp(q + 58, zero, 6) != 0)
        return damaged(err, at + 58, "reserved index field not 0");
    if (e->lo > e->hi)
        return damaged(err, at + 32, "index range ends before it starts");
    if (e->raw_len > SPY_RECFMT_MAX_PAYLOAD ||
        e->stored_len > SPY_RECFMT_MAX_PAYLOAD)
        return damaged(err, at + 48, "index payload length over 64 MiB");
    return 0;
}

void spy_recfmt_trailer_encode(uint64_t index_pos, uint8_t *out) {
    put64(out, index_pos);
    put32(out + 8, spy_crc32(0, out, 8));
    memcpy(out + 12, "RTRL", 4);
}

int spy_recfmt_trailer_decode(const uint8_t *p, uint64_t base,
                              uint64_t *index_pos, spy_err *err) {
    if (memcmp(p + 12, "RTRL", 4) != 0)
        return 0;
    if (get32(p + 8) != spy_crc32(0, p, 8))
        return damaged(err, base + 8, "trailer checksum mismatch");
    *index_pos = get64(p);
    return 1;
}
