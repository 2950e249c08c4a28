/* gen_recording_seeds.c - writes the seed corpus of fuzz_recording
 * (tests/fuzz/corpus/recording/): a small recording uncompressed and with
 * zstd (deltas, a NOTE event, a blame hit, a second keyframe and a third
 * referring to its piece), one cut
 * short as by a killed recorder (no index), and a snapshot. Not built by
 * CMake; run by hand after a format change:
 *   cc -std=c11 -Isrc tests/fuzz/gen_recording_seeds.c -o /tmp/gen \
 *     BUILD/libshmspy_ops.a BUILD/libshmspy_backends.a \
 *     BUILD/libshmspy_core.a -lzstd -lpthread
 *   /tmp/gen DIR
 * then each seed is the mode byte of fuzz_recording (0: checksums made
 * right, 1: as is) followed by one of these recordings:
 *   for f in plain zstd killed snapshot; do
 *     { printf '\x00'; cat DIR/$f; } > tests/fuzz/corpus/recording/$f.fixed
 *     { printf '\x01'; cat DIR/$f; } > tests/fuzz/corpus/recording/$f.raw
 *   done */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops/recording.h"
static void mk(const char *p, unsigned flags, int n, int cut) {
    spy_rec_writer *w;
    spy_rec_meta m;
    spy_err e;
    uint8_t img[300];
    int s, i;
    memset(&m, 0, sizeof m);
    strcpy(m.name, "/seed");
    m.size = 300;
    m.period_ns = 10000000;
    for (i = 0; i < 300; i++)
        img[i] = (uint8_t)(i / 7);
    remove(p);
    if (spy_rec_writer_open(p, &m, flags, &w, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    spy_rec_write_key(w, 0, 0, img, 300, &e);
    for (s = 1; s <= n; s++) {
        spy_rec_run r[2];
        uint8_t d[2][64];
        memset(d[0], s, 64);
        memset(d[1], 255 - s, 64);
        r[0].off = (uint64_t)(s * 64) % 192;
        r[0].len = 64;
        r[0].data = d[0];
        r[1].off = 236;
        r[1].len = 64;
        r[1].data = d[1];
        memcpy(img + r[0].off, d[0], 64);
        memcpy(img + 236, d[1], 64);
        if (s == 3) {
            spy_rec_event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = SPY_REC_EV_NOTE;
            strcpy(ev.text, "note");
            spy_rec_write_event(w, s * 10000000ull, s, &ev, &e);
        }
        spy_rec_write_delta(w, s * 10000000ull, s, 300, r, 2, &e);
        if (s == 4) {
            spy_rec_hit h;
            memset(&h, 0, sizeof h);
            h.pid = 1;
            h.len = 4;
            h.off = 8;
            strcpy(h.comm, "w");
            strcpy(h.where, "f a.c:1 (a)");
            spy_rec_write_hit(w, s * 10000000ull, s, &h, &e);
        }
        if (s == 5) {
            /* a keyframe, then one with no delta since: a reference */
            spy_rec_write_key(w, s * 10000000ull, s, img, 300, &e);
            spy_rec_write_key(w, s * 10000000ull, s, img, 300, &e);
        }
    }
    if (spy_rec_writer_close(w, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    if (cut) {
        FILE *f = fopen(p, "rb");
        uint8_t b[8192];
        size_t l = fread(b, 1, sizeof b, f);
        fclose(f);
        f = fopen(p, "wb");
        fwrite(b, 1, l - cut, f);
        fclose(f);
    }
}
int main(int argc, char **argv) {
    char p[512];
    (void)argc;
    snprintf(p, sizeof p, "%s/plain", argv[1]);
    mk(p, SPY_RECW_PLAIN, 7, 0);
    snprintf(p, sizeof p, "%s/zstd", argv[1]);
    mk(p, 0, 7, 0);
    snprintf(p, sizeof p, "%s/killed", argv[1]);
    mk(p, SPY_RECW_PLAIN, 7, 400);
    snprintf(p, sizeof p, "%s/snapshot", argv[1]);
    mk(p, SPY_RECW_PLAIN, 0, 0);
    return 0;
}
