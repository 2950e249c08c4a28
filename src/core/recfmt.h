/* recfmt.h - the byte format of recordings (issue 19), encoding and
 * decoding only: pure C11, no I/O, no compression (ops/recording.c does
 * those). Every integer is little-endian. The layout, told in full in the
 * man page (FILES OF RECORDINGS):
 *
 *   file header   "SHMSPYRC" u16 version(1) u16 flags u32 block u32 piece
 *                 u64 period_ns u64 start_wall_ns u64 size u16 name_len
 *                 u16 0, name bytes, u32 CRC32 of all of the above
 *   chunks        a 64-byte chunk header, then stored_len payload bytes
 *   (index chunk) the last chunk of a cleanly closed file
 *   trailer       u64 index chunk offset, u32 CRC32 of those 8 bytes,
 *                 "RTRL"
 *
 * Chunk header: "RCHK" u8 type u8 codec u16 0 u64 t_ns u64 seq u64 size
 * u64 lo u64 hi u32 raw_len u32 stored_len u32 payload_crc u32 header_crc
 * (CRC32 of the header's first 60 bytes). [lo, hi) is what the chunk
 * touches (a reader skips a chunk outside its range); size is the
 * segment's size after the record.
 *
 * Every decoder is bounded: it checks each length against the bytes that
 * remain and fails with SPY_EINVAL and the message "damaged at byte N:
 * why", N being `base` (the file offset of the first byte given) plus the
 * offset of the fault. Callers prefix the file name. */
#ifndef SPY_CORE_RECFMT_H
#define SPY_CORE_RECFMT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SPY_RECFMT_MAGIC "SHMSPYRC"
#define SPY_RECFMT_VERSION 1
#define SPY_RECFMT_HDR_FIXED 48 /* file header before the name */
#define SPY_RECFMT_NAME_MAX 255
#define SPY_RECFMT_HDR_MAX (SPY_RECFMT_HDR_FIXED + SPY_RECFMT_NAME_MAX + 4)
#define SPY_RECFMT_CHUNK 64   /* chunk header */
#define SPY_RECFMT_TRAILER 16 /* trailer */
#define SPY_RECFMT_KEY_LEN 16 /* keyframe payload */
#define SPY_RECFMT_IDX_ENTRY 64
/* Largest payload (raw or stored) a reader accepts, and so the largest a
 * writer writes (it splits bigger deltas). */
#define SPY_RECFMT_MAX_PAYLOAD ((uint32_t)64 * 1024 * 1024)

/* File header flags. */
enum { SPY_RECFMT_F_COMPRESSED = 1, SPY_RECFMT_F_RING = 2 };

/* Chunk types. A keyframe is a KEY chunk followed by its pieces in order,
 * each a PIECE (the bytes) or a PREF (the file offset of an earlier PIECE
 * chunk holding the same bytes). */
enum {
    SPY_RECFMT_KEY = 1,   /* u64 size, u32 npieces, u32 piece size */
    SPY_RECFMT_PIECE = 2, /* the bytes [lo, hi) of the keyframe */
    SPY_RECFMT_PREF = 3,  /* u64 offset of the PIECE chunk to use */
    SPY_RECFMT_DELTA = 4, /* varint size, varint nruns, u8 unit shift,
                             nruns x (varint gap, [varint len]) in units,
                             then the runs' bytes (see below) */
    SPY_RECFMT_EVENT = 5, /* u32 kind, u64 a, u64 b, u16 n, text */
    SPY_RECFMT_HIT = 6,   /* i32 pid, i32 tid, u64 off, u32 len, u8[8]
                             value, u64 ip, u16 n, comm, u16 n, where */
    SPY_RECFMT_INDEX = 7  /* u32 count, count 64-byte entries */
};

/* Payload codecs. */
enum { SPY_RECFMT_STORED = 0, SPY_RECFMT_ZSTD = 1 };

/* CRC-32 (IEEE 802.3, reflected, the zlib one) of len bytes, continuing
 * from crc (0 to start). */
uint32_t spy_crc32(uint32_t crc, const void *p, size_t len);

/* Little-endian stores and loads. */
void spy_recfmt_put16(uint8_t *p, uint16_t v);
void spy_recfmt_put32(uint8_t *p, uint32_t v);
void spy_recfmt_put64(uint8_t *p, uint64_t v);
uint16_t spy_recfmt_get16(const uint8_t *p);
uint32_t spy_recfmt_get32(const uint8_t *p);
uint64_t spy_recfmt_get64(const uint8_t *p);

/* ---- file header ----------------------------------------------------- */

typedef struct spy_recfmt_header {
    uint16_t version, flags;
    uint32_t block, piece;
    uint64_t period_ns, start_wall_ns, size;
    char name[SPY_RECFMT_NAME_MAX + 1]; /* NUL-terminated, raw */
} spy_recfmt_header;

/* Encodes h into out (SPY_RECFMT_HDR_MAX bytes) and returns the length.
 * A name longer than SPY_RECFMT_NAME_MAX is cut. */
size_t spy_recfmt_header_encode(const spy_recfmt_header *h, uint8_t *out);

/* Decodes a file header from the n bytes at p (the file's start) into *h
 * and its length into *used. Refuses a wrong magic ("not a shmspy
 * recording"), another version, a zero block or piece size, a NUL in the
 * name, a bad checksum. */
int spy_recfmt_header_decode(const uint8_t *p, size_t n, spy_recfmt_header *h,
                             size_t *used, spy_err *err);

/* ---- chunk header ---------------------------------------------------- */

typedef struct spy_recfmt_chunk {
    uint8_t type, codec;
    uint64_t t_ns, seq, size, lo, hi;
    uint32_t raw_len, stored_len, crc; /* crc: of the stored payload */
} spy_recfmt_chunk;

/* Encodes c into out (SPY_RECFMT_CHUNK bytes) with its header checksum. */
void spy_recfmt_chunk_encode(const spy_recfmt_chunk *c, uint8_t *out);

/* Decodes the chunk header at p (n bytes available; base its file
 * offset). Checks the marker, the header checksum, the type, the codec,
 * lo <= hi, the lengths (<= SPY_RECFMT_MAX_PAYLOAD; stored == raw when
 * stored uncompressed). Does not look at the payload. */
int spy_recfmt_chunk_decode(const uint8_t *p, size_t n, uint64_t base,
                            spy_recfmt_chunk *c, spy_err *err);

/* 0 if the payload's CRC is c->crc, else SPY_EINVAL naming base (the
 * payload's file offset). */
int spy_recfmt_payload_check(const spy_recfmt_chunk *c, const uint8_t *p,
                             uint64_t base, spy_err *err);

/* ---- payloads (raw, i.e. after decompression) ------------------------ */

typedef struct spy_recfmt_key {
    uint64_t size;
    uint32_t npieces, piece;
} spy_recfmt_key;

void spy_recfmt_key_encode(const spy_recfmt_key *k, uint8_t *out);
/* Checks npieces == ceil(size / piece) (0 for size 0). */
int spy_recfmt_key_decode(const uint8_t *p, size_t n, uint64_t base,
                          spy_recfmt_key *k, spy_err *err);

/* A run of a delta; data points into the payload decoded. */
typedef struct spy_recfmt_run {
    uint64_t off;
    uint32_t len;
    const uint8_t *data;
} spy_recfmt_run;

/* A delta payload: varint size (the segment's size after it), varint
 * nruns, u8 shift (the unit is 2^shift bytes, at most 2^32), then per run
 * varint (gap << 1 | long), gap being in units from the end of the
 * previous run (or from 0), then when long is 1 varint length in units
 * (a run without it is one unit long); then every run's bytes, in order.
 * A run ending at the size is rounded up to a unit and the reader cuts
 * it at the size. Varints are unsigned LEB128 (7 bits a byte, low
 * first). The writer picks the largest unit up to 2^20 that divides
 * every offset and length: 64 (a block) for a sampler's runs, so a
 * one-block run 2 MiB after the previous costs 3 bytes of table. */

/* Bytes of the delta payload of these runs. */
size_t spy_recfmt_delta_len(uint64_t size, const spy_recfmt_run *runs,
                            size_t nruns);
/* Encodes a delta into out (spy_recfmt_delta_len bytes); returns it.
 * Runs are non-empty, sorted, non-overlapping, within size. */
size_t spy_recfmt_delta_encode(uint64_t size, const spy_recfmt_run *runs,
                               size_t nruns, uint8_t *out);
/* Decodes a delta: *size, *nruns and, when runs is not NULL, up to cap
 * runs (call with NULL first to learn the count; the count is at most
 * n / 2). Checks each varint, that runs are non-empty and lie within
 * size (sorted and apart by construction), no longer than 4 GiB, and
 * that their bytes fill the rest exactly. */
int spy_recfmt_delta_decode(const uint8_t *p, size_t n, uint64_t base,
                            uint64_t *size, size_t *nruns, spy_recfmt_run *runs,
                            size_t cap, spy_err *err);

typedef struct spy_recfmt_event {
    uint32_t kind;
    uint64_t a, b;
    char text[256];
} spy_recfmt_event;

/* Into out (at least 24 + 255 bytes); returns the length. */
size_t spy_recfmt_event_encode(const spy_recfmt_event *e, uint8_t *out);
/* Refuses an unknown kind (accepts 1..7), a text of 256 bytes or more
 * or holding a NUL, trailing bytes. */
int spy_recfmt_event_decode(const uint8_t *p, size_t n, uint64_t base,
                            spy_recfmt_event *e, spy_err *err);

typedef struct spy_recfmt_hit {
    int32_t pid, tid;
    uint64_t off;
    uint32_t len;
    uint8_t value[8];
    uint64_t ip;
    char comm[64];
    char where[256];
} spy_recfmt_hit;

#define SPY_RECFMT_HIT_MAX (40 + 2 + 63 + 2 + 255)
size_t spy_recfmt_hit_encode(const spy_recfmt_hit *h, uint8_t *out);
/* Refuses len not 1, 2, 4 or 8, overlong or NUL-holding texts. */
int spy_recfmt_hit_decode(const uint8_t *p, size_t n, uint64_t base,
                          spy_recfmt_hit *h, spy_err *err);

/* ---- index and trailer ---------------------------------------------- */

/* One chunk as the index lists it (every chunk but the index itself). */
typedef struct spy_recfmt_entry {
    uint64_t pos; /* file offset of the chunk header */
    uint64_t t_ns, seq, size, lo, hi;
    uint32_t raw_len, stored_len;
    uint8_t type, codec;
} spy_recfmt_entry;

void spy_recfmt_entry_encode(const spy_recfmt_entry *e, uint8_t *out);
/* Decodes the count of an index payload; checks n == 4 + 64 * count. */
int spy_recfmt_index_decode(const uint8_t *p, size_t n, uint64_t base,
                            uint32_t *count, spy_err *err);
/* Decodes entry i of an index payload already checked by
 * spy_recfmt_index_decode. Checks the type, codec and lo <= hi. */
int spy_recfmt_entry_decode(const uint8_t *p, uint32_t i, uint64_t base,
                            spy_recfmt_entry *e, spy_err *err);

void spy_recfmt_trailer_encode(uint64_t index_pos, uint8_t *out);
/* 1 when the 16 bytes at p end with the trailer marker (then *index_pos
 * is set or, on a bad checksum, SPY_EINVAL), 0 when they do not. */
int spy_recfmt_trailer_decode(const uint8_t *p, uint64_t base,
                              uint64_t *index_pos, spy_err *err);

#endif
