/* utf8.c - strict UTF-8 decoding. */
#include "utf8.h"

size_t spy_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp,
                       size_t *bad) {
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t need, i;
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xc2 || c > 0xf4) {
        if (bad != NULL)
            *bad = 1;
        return 0;
    }
    if (c < 0xe0) {
        need = 1;
        v = c & 0x1fu;
    } else if (c < 0xf0) {
        need = 2;
        v = c & 0x0fu;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else {
        need = 3;
        v = c & 0x07u;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    }
    for (i = 1; i <= need; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            if (bad != NULL)
                *bad = i;
            return 0;
        }
        v = v << 6 | (s[i] & 0x3fu);
        lo = 0x80;
        hi = 0xbf;
    }
    *cp = v;
    return need + 1;
}
