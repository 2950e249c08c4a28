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

/* ---- deltas ------------------------------------------------------------ */

/* Unsigned LEB128: 7 bits a byte, low first, at most 10 bytes. */
static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t put_varint(uint8_t *out, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Reads a varint at p[*at] (n bytes in all): 1 done, 0 cut short, -1 over
 * 64 bits. */
static int get_varint(const uint8_t *p, size_t n, size_t *at, uint64_t *v) {
    uint64_t r = 0;
    unsigned sh = 0;
    size_t i = *at;
    for (;;) {
        uint8_t c;
        if (i >= n)
            return 0;
        c = p[i++];
        if (sh == 63 && (c & 0x7e) != 0)
            return -1;
        r |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80))
            break;
        sh += 7;
        if (sh > 63)
            return -1;
    }
    *at = i;
    *v = r;
    return 1;
}

/* The unit of a delta's run table: the largest power of two (at most
 * 2^20) dividing every run's offset and length, but for a run ending at
 * the segment's end, whose length is rounded up (the reader cuts it at
 * the size). */
static unsigned delta_shift(uint64_t size, const spy_recfmt_run *runs,
                            size_t nruns) {
    uint64_t g = (uint64_t)1 << 20;
    unsigned s = 0;
    size_t i;
    for (i = 0; i < nruns; i++) {
        g |= runs[i].off;
        if (runs[i].off + runs[i].len != size)
            g |= runs[i].len;
    }
    while (!(g & 1)) {
        g >>= 1;
        s++;
    }
    return s;
}

size_t spy_recfmt_delta_len(uint64_t size, const spy_recfmt_run *runs,
                            size_t nruns) {
    unsigned s = delta_shift(size, runs, nruns);
    uint64_t end = 0, unit = (uint64_t)1 << s;
    size_t n = varint_len(size) + varint_len(nruns) + 1, i;
    for (i = 0; i < nruns; i++) {
        uint64_t lu = (runs[i].len + unit - 1) >> s;
        n += varint_len((runs[i].off - end) >> s << 1) +
             (lu != 1 ? varint_len(lu) : 0) + runs[i].len;
        end = runs[i].off + runs[i].len;
    }
    return n;
}

size_t spy_recfmt_delta_encode(uint64_t size, const spy_recfmt_run *runs,
                               size_t nruns, uint8_t *out) {
    unsigned s = delta_shift(size, runs, nruns);
    uint64_t end = 0, unit = (uint64_t)1 << s;
    size_t at = 0, i;
    at += put_varint(out + at, size);
    at += put_varint(out + at, nruns);
    out[at++] = (uint8_t)s;
    for (i = 0; i < nruns; i++) {
        uint64_t lu = (runs[i].len + unit - 1) >> s;
        at += put_varint(out + at, (runs[i].off - end) >> s << 1 | (lu != 1));
        if (lu != 1)
            at += put_varint(out + at, lu);
        end = runs[i].off + runs[i].len;
    }
    for (i = 0; i < nruns; i++) {
        memcpy(out + at, runs[i].data, runs[i].len);
        at += runs[i].len;
    }
    return at;
}

int spy_recfmt_delta_decode(const uint8_t *p, size_t n, uint64_t base,
                            uint64_t *size, size_t *nruns, spy_recfmt_run *runs,
                            size_t cap, spy_err *err) {
    size_t at = 0, i, cnt, cnt_at, data;
    uint64_t v, end = 0, unit, total = 0;
    unsigned s;
    int r;

    if ((r = get_varint(p, n, &at, size)) <= 0)
        return r == 0 ? truncated(err, base + n, "delta")
                      : damaged(err, base + at, "delta size over 64 bits");
    cnt_at = at;
    if ((r = get_varint(p, n, &at, &v)) <= 0)
        return r == 0 ? truncated(err, base + n, "delta")
                      : damaged(err, base + at, "delta run count over 64 bits");
    if (at >= n)
        return truncated(err, base + n, "delta");
    s = p[at];
    if (s > 32)
        return damaged(err, base + at, "delta unit past 2^32");
    at++;
    unit = (uint64_t)1 << s;
    /* (each run takes at least 1 byte of table and 1 of data) */
    if (v > (n - at) / 2)
        return damaged(err, base + cnt_at, "delta run count past its end");
    cnt = (size_t)v;
    /* The table: where each run's bytes are is known once it is read. */
    for (i = 0; i < cnt; i++) {
        uint64_t gap, lu, off, len;
        size_t run_at = at;
        lu = 1;
        if ((r = get_varint(p, n, &at, &gap)) > 0 && (gap & 1))
            r = get_varint(p, n, &at, &lu);
        if (r <= 0)
            return r == 0
                       ? truncated(err, base + n, "delta run table")
                       : damaged(err, base + run_at, "delta run over 64 bits");
        gap >>= 1;
        if (lu == 0)
            return damaged(err, base + run_at, "empty delta run");
        if (gap > (*size - end) >> s)
            return damaged(err, base + run_at,
                           "delta run past the segment's size");
        off = end + (gap << s);
        if (lu > (UINT64_MAX >> s) || lu > ((*size - off) >> s) + 1)
            return damaged(err, base + run_at,
                           "delta run past the segment's size");
        len = lu << s;
        if (len > *size - off) {
            /* (only a run ending at the size is cut there) */
            if (len - (*size - off) >= unit || off == *size)
                return damaged(err, base + run_at,
                               "delta run past the segment's size");
            len = *size - off;
        }
        if (len > UINT32_MAX)
            return damaged(err, base + run_at, "delta run longer than 4 GiB");
        if (runs != NULL && i < cap) {
            runs[i].off = off;
            runs[i].len = (uint32_t)len;
        }
        total += len;
        end = off + len;
    }
    data = at;
    if (total > n - data)
        return truncated(err, base + n, "delta run");
    if (total < n - data)
        return damaged(err, base + data + total,
                       "bytes after a delta's last run");
    if (runs != NULL)
        for (i = 0; i < cnt && i < cap; i++) {
            runs[i].data = p + at;
            at += runs[i].len;
        }
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
