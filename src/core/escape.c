/* escape.c - making untrusted text safe for a terminal.
 *
 * Pure C11. The text is cut into units: one printable character (ASCII or
 * a whole valid UTF-8 sequence) kept as it is, or one byte written as an
 * escape. Besides C0 controls and DEL, these valid characters are escaped
 * byte by byte: the C1 controls U+0080..U+009F (a terminal may take U+009B
 * as CSI), U+2028 / U+2029, and the bidirectional formatting controls
 * (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), which make a
 * terminal show characters in another order than they are stored. */
#include "escape.h"
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Valid characters at or above U+0080 that are still escaped. */
static int unsafe_cp(uint32_t cp) {
    return cp <= 0x9f || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Longest unit: "\xNN" is 4 bytes, a kept character at most 4. */
#define UNIT_MAX 4

/* Writes the unit starting at s[0] (n > 0 bytes left) into u and its
 * length into *ul; returns the number of input bytes it covers. *escaped
 * says whether it differs from the input. */
static size_t unit_at(const unsigned char *s, size_t n, char *u, size_t *ul,
                      int *escaped) {
    static const char hex[] = "0123456789abcdef";
    unsigned char c = s[0];
    uint32_t cp;
    size_t len;

    *escaped = 1;
    *ul = 2;
    u[0] = '\\';
    switch (c) {
    case '\n':
        u[1] = 'n';
        return 1;
    case '\t':
        u[1] = 't';
        return 1;
    case '\r':
        u[1] = 'r';
        return 1;
    case '\\':
        u[1] = '\\';
        return 1;
    default:
        break;
    }
    if (c >= 0x20 && c < 0x7f) {
        *escaped = 0;
        *ul = 1;
        u[0] = (char)c;
        return 1;
    }
    if (c >= 0x80) {
        len = spy_utf8_decode(s, n, &cp, NULL);
        if (len > 0 && !unsafe_cp(cp)) {
            *escaped = 0;
            *ul = len;
            memcpy(u, s, len);
            return len;
        }
    }
    /* A control byte, or one byte of an invalid or unsafe sequence: the
     * bytes after it are looked at again as units of their own. */
    u[1] = 'x';
    u[2] = hex[c >> 4];
    u[3] = hex[c & 0xf];
    *ul = 4;
    return 1;
}

/* Truncation keeps whole units: out never ends in half an escape or half
 * a UTF-8 sequence. */
size_t spy_escape(const char *s, char *out, size_t cap) {
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    size_t n = strlen((const char *)p);
    size_t i = 0, o = 0, need = 0;
    int full = 0;

    while (i < n) {
        char u[UNIT_MAX];
        size_t ul;
        int escaped;

        i += unit_at(p + i, n - i, u, &ul, &escaped);
        if (!full && o + ul < cap) {
            memcpy(out + o, u, ul);
            o += ul;
        } else {
            full = 1;
        }
        need += ul;
    }
    if (cap > 0) {
        out[o] = '\0';
    }
    return need;
}

int spy_escape_is_clean(const char *s) {
    /* Every escape is longer than what it stands for, so a text is clean
     * exactly when escaping leaves its length as it is. */
    return spy_escape(s, NULL, 0) == strlen(s != NULL ? s : "");
}

void spy_excerpt(const char *s, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    size_t i;

    for (i = 0; i < n && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == SPY_EXCERPT_BYTES) {
            out[o++] = '.';
            out[o++] = '.';
            out[o++] = '.';
            break;
        }
        if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
        }
    }
    out[o] = '\0';
}
