/* value.c - typed values: parsing TYPE names, encoding text to bytes and
 * decoding bytes to text, in either byte order.
 *
 * Pure C11. Byte order is handled with shifts on uint64_t, never by looking
 * at the host's layout, so the bytes written are the same on any host; the
 * only host assumption is that float and double are IEEE 754 binary32 and
 * binary64 stored with the same byte order as integers of their size.
 * Floats go through strtod/strtof and printf, so the program must keep
 * LC_NUMERIC at "C" (the default) for '.' to be the decimal point. */
#include "value.h"
#include "escape.h"
#include "hexbytes.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

_Static_assert(sizeof(float) == 4, "float must be IEEE 754 binary32");
_Static_assert(sizeof(double) == 8, "double must be IEEE 754 binary64");

/* The largest N of hex:N. */
#define HEX_MAX ((uint64_t)1 << 20)

#define TYPE_LIST "i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:N"

/* Non-zero if t is a kind with a width this module knows. */
static int type_valid(const spy_type *t) {
    switch (t->kind) {
    case SPY_V_INT:
    case SPY_V_UINT:
        return t->width == 1 || t->width == 2 || t->width == 4 || t->width == 8;
    case SPY_V_FLOAT:
        return t->width == 4 || t->width == 8;
    case SPY_V_STR:
        return 1;
    case SPY_V_HEX:
        return t->width >= 1 && t->width <= HEX_MAX;
    }
    return 0;
}

/* Writes the TYPE text of a valid t ("u16", "hex:4") into buf (32 bytes)
 * and returns buf. */
static const char *type_name(const spy_type *t, char *buf) {
    const char *k = "?";

    switch (t->kind) {
    case SPY_V_INT:
        k = "i";
        break;
    case SPY_V_UINT:
        k = "u";
        break;
    case SPY_V_FLOAT:
        k = "f";
        break;
    case SPY_V_STR:
        snprintf(buf, 32, "str");
        return buf;
    case SPY_V_HEX:
        snprintf(buf, 32, "hex:%" PRIu64, (uint64_t)t->width);
        return buf;
    }
    snprintf(buf, 32, "%s%" PRIu64, k, (uint64_t)t->width * 8);
    return buf;
}

/* The TYPE names of fixed width (and str); hex:N is parsed apart. */
static const struct {
    const char *name;
    spy_vkind kind;
    size_t width;
} types[] = {
    {"i8", SPY_V_INT, 1},    {"i16", SPY_V_INT, 2},  {"i32", SPY_V_INT, 4},
    {"i64", SPY_V_INT, 8},   {"u8", SPY_V_UINT, 1},  {"u16", SPY_V_UINT, 2},
    {"u32", SPY_V_UINT, 4},  {"u64", SPY_V_UINT, 8}, {"f32", SPY_V_FLOAT, 4},
    {"f64", SPY_V_FLOAT, 8}, {"str", SPY_V_STR, 0},
};

const char *spy_type_name(size_t i) {
    if (i < sizeof types / sizeof types[0])
        return types[i].name;
    return i == sizeof types / sizeof types[0] ? "hex:" : NULL;
}

int spy_type_parse(const char *s, spy_type *out, spy_err *err) {
    char ex[SPY_EXCERPT_CAP];
    size_t i;

    if (s == NULL || s[0] == '\0')
        return spy_err_set(err, SPY_EINVAL, 0,
                           "TYPE: empty (use one of " TYPE_LIST ")");
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(s, types[i].name) == 0) {
            if (out != NULL) {
                out->kind = types[i].kind;
                out->width = types[i].width;
            }
            return 0;
        }
    }
    if (strncmp(s, "hex:", 4) == 0) {
        uint64_t n = 0;
        int rc = spy_parse_u64("hex:N", s + 4, &n, NULL);
        spy_excerpt(s, (size_t)-1, ex);
        if (rc == SPY_EINVAL)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: N must be a byte count from 1 to 1048576",
                               ex);
        if (rc != 0 || n == 0 || n > HEX_MAX)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: byte count out of range (1 to 1048576)",
                               ex);
        if (out != NULL) {
            out->kind = SPY_V_HEX;
            out->width = (size_t)n;
        }
        return 0;
    }
    spy_excerpt(s, (size_t)-1, ex);
    return spy_err_set(err, SPY_EINVAL, 0,
                       "%s: unknown type (use one of " TYPE_LIST ")", ex);
}

/* All-ones in the low `width` bytes. */
static uint64_t width_mask(size_t width) {
    return width >= 8 ? UINT64_MAX : ((uint64_t)1 << (width * 8)) - 1;
}

/* Parses text as an integer of type t into its two's-complement bit
 * pattern, masked to the width. */
static int parse_int(const spy_type *t, const char *text, uint64_t *bits,
                     spy_err *err) {
    char ex[SPY_EXCERPT_CAP], tn[32];
    const uint64_t umax = width_mask(t->width);
    const uint64_t smax = umax >> 1;
    const char *p = text;
    const char *digits;
    unsigned base = 10;
    uint64_t mag = 0;
    int neg = 0, big = 0;

    type_name(t, tn);
    if (*p == '\0')
        return spy_err_set(err, SPY_EINVAL, 0,
                           "empty value: not a valid %s (use decimal or 0x "
                           "hex)",
                           tn);
    spy_excerpt(text, (size_t)-1, ex);
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (digits = p; *p != '\0'; p++) {
        int d = spy_hex_digit(*p);
        if (d < 0 || (unsigned)d >= base)
            break;
        if (mag > (UINT64_MAX - (unsigned)d) / base)
            big = 1;
        else if (!big)
            mag = mag * base + (unsigned)d;
    }
    if (p == digits || *p != '\0')
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: not a valid %s (use decimal or 0x hex)", ex,
                           tn);
    if (neg && t->kind == SPY_V_UINT)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: %s cannot be negative (0..%" PRIu64 ")", ex, tn,
                           umax);
    if (neg && base == 16)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: a 0x value is a bit pattern and takes no "
                           "'-' (write the pattern, e.g. 0x%" PRIx64 " for -1)",
                           ex, umax);

    if (t->kind == SPY_V_UINT) {
        if (big || mag > umax)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: out of range for %s (0..%" PRIu64 ")", ex,
                               tn, umax);
        *bits = mag;
        return 0;
    }
    if (base == 16) {
        /* For a signed type, hex is the bit pattern: i8 0xff is -1. */
        if (big || mag > umax)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: out of range for %s (0x0..0x%" PRIx64
                               " as a bit pattern)",
                               ex, tn, umax);
        *bits = mag;
        return 0;
    }
    if (big || (neg ? mag > smax + 1 : mag > smax))
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: out of range for %s (-%" PRIu64 "..%" PRIu64
                           ")",
                           ex, tn, smax + 1, smax);
    /* Unsigned negation is the two's-complement pattern, without UB. */
    *bits = (neg ? 0 - mag : mag) & umax;
    return 0;
}

/* Non-zero if text, already known to be a complete strtod number, spells
 * an infinity ("inf", "-Infinity") rather than a finite value that
 * overflowed. */
static int is_inf_text(const char *text) {
    if (*text == '+' || *text == '-')
        text++;
    return *text == 'i' || *text == 'I';
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* Parses text as a float of type t into its IEEE bit pattern. */
static int parse_float(const spy_type *t, const char *text, uint64_t *bits,
                       spy_err *err) {
    char ex[SPY_EXCERPT_CAP], tn[32];
    char *end = NULL;
    int inf;

    type_name(t, tn);
    if (*text == '\0')
        return spy_err_set(err, SPY_EINVAL, 0,
                           "empty value: not a valid %s (use a decimal or "
                           "hex float, inf or nan)",
                           tn);
    spy_excerpt(text, (size_t)-1, ex);
    /* strtod skips leading white space; the contract allows none. */
    if (is_space(*text))
        goto malformed;
    if (t->width == 4) {
        /* strtof rounds once, straight from the decimal text; going
         * through double would round twice. */
        float f = strtof(text, &end);
        uint32_t u;
        if (end == text || *end != '\0')
            goto malformed;
        inf = isinf(f);
        memcpy(&u, &f, sizeof u);
        *bits = u;
    } else {
        double d = strtod(text, &end);
        if (end == text || *end != '\0')
            goto malformed;
        inf = isinf(d);
        memcpy(bits, &d, sizeof d);
    }
    /* Underflow to a subnormal or zero is accepted as the nearest value;
     * overflow to infinity is an error unless infinity was asked for. */
    if (inf && !is_inf_text(text))
        return spy_err_set(
            err, SPY_ERANGE, 0,
            "%s: out of range for %s (magnitude at most %s)", ex, tn,
            t->width == 4 ? "3.40282347e+38" : "1.7976931348623157e+308");
    return 0;

malformed:
    return spy_err_set(err, SPY_EINVAL, 0,
                       "%s: not a valid %s (use a decimal or hex float, inf "
                       "or nan)",
                       ex, tn);
}

int spy_value_encode(const spy_type *t, const char *text, int big_endian,
                     uint8_t *buf, size_t cap, size_t *len, spy_err *err) {
    char tn[32];
    uint64_t bits = 0;
    size_t i;
    int rc;

    if (len != NULL)
        *len = 0;
    if (t == NULL || !type_valid(t))
        return spy_err_set(err, SPY_EINVAL, 0,
                           "TYPE: not a valid type (use one of " TYPE_LIST ")");
    type_name(t, tn);
    if (t->kind == SPY_V_STR || t->kind == SPY_V_HEX)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: not encodable as a typed value (write it "
                           "with --str or --hex)",
                           tn);
    if (text == NULL)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: missing value", tn);
    if (buf == NULL || cap < t->width)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: buffer too small (need %" PRIu64 " bytes)", tn,
                           (uint64_t)t->width);

    if (t->kind == SPY_V_FLOAT)
        rc = parse_float(t, text, &bits, err);
    else
        rc = parse_int(t, text, &bits, err);
    if (rc != 0)
        return rc;

    for (i = 0; i < t->width; i++) {
        uint8_t b = (uint8_t)(bits >> (8 * i));
        buf[big_endian ? t->width - 1 - i : i] = b;
    }
    if (len != NULL)
        *len = t->width;
    return 0;
}

/* Output that truncates whole pieces: a piece that does not fit ends the
 * output, so a cut never leaves half an escape or half a number. */
typedef struct outbuf {
    char *buf;
    size_t cap;
    size_t pos; /* < cap whenever cap > 0; buf[pos] is the NUL */
    int full;
} outbuf;

static void out_init(outbuf *o, char *buf, size_t cap) {
    o->buf = buf;
    o->cap = buf != NULL ? cap : 0;
    o->pos = 0;
    o->full = o->cap == 0;
    if (o->cap > 0)
        buf[0] = '\0';
}

static void out_put(outbuf *o, const char *s, size_t n) {
    if (o->full)
        return;
    if (n >= o->cap - o->pos) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->pos, s, n);
    o->pos += n;
    o->buf[o->pos] = '\0';
}

static void out_str(outbuf *o, const char *s) {
    out_put(o, s, strlen(s));
}

static void format_float(double d, int prec, char *tmp, size_t cap) {
    /* printf spells NaN and infinity differently across C libraries. */
    if (isnan(d))
        snprintf(tmp, cap, "%s", signbit(d) ? "-nan" : "nan");
    else if (isinf(d))
        snprintf(tmp, cap, "%s", d < 0 ? "-inf" : "inf");
    else
        snprintf(tmp, cap, "%.*g", prec, d);
}

static void decode_str(const uint8_t *p, size_t n, outbuf *o) {
    static const char hex[] = "0123456789abcdef";
    size_t i;

    out_str(o, "\"");
    for (i = 0; i < n && !o->full; i++) {
        char tok[5];
        uint8_t c = p[i];
        switch (c) {
        case '\n':
            out_str(o, "\\n");
            break;
        case '\t':
            out_str(o, "\\t");
            break;
        case '\r':
            out_str(o, "\\r");
            break;
        case '\\':
            out_str(o, "\\\\");
            break;
        case '"':
            out_str(o, "\\\"");
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                tok[0] = (char)c;
                out_put(o, tok, 1);
            } else {
                tok[0] = '\\';
                tok[1] = 'x';
                tok[2] = hex[c >> 4];
                tok[3] = hex[c & 0xf];
                out_put(o, tok, 4);
            }
            break;
        }
    }
    out_str(o, "\"");
}

static void decode_hex(const uint8_t *p, size_t n, outbuf *o) {
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n && !o->full; i++) {
        char tok[3];
        size_t k = 0;
        if (i > 0)
            tok[k++] = ' ';
        tok[k++] = hex[p[i] >> 4];
        tok[k++] = hex[p[i] & 0xf];
        out_put(o, tok, k);
    }
}

size_t spy_value_decode(const spy_type *t, const uint8_t *p, size_t len,
                        int big_endian, char *out, size_t cap) {
    char tmp[64];
    outbuf o;
    uint64_t bits = 0;
    size_t i;

    out_init(&o, out, cap);
    if (p == NULL)
        len = 0;
    if (t == NULL || !type_valid(t)) {
        out_str(&o, "(invalid type)");
        return 0;
    }
    if (t->kind == SPY_V_STR) {
        const uint8_t *nul = p != NULL ? memchr(p, '\0', len) : NULL;
        size_t n = nul != NULL ? (size_t)(nul - p) : len;
        decode_str(p, n, &o);
        /* The terminating NUL belongs to the string when it is there. */
        return nul != NULL ? n + 1 : n;
    }
    if (len < t->width) {
        snprintf(tmp, sizeof tmp, "(need %" PRIu64 " bytes, have %" PRIu64 ")",
                 (uint64_t)t->width, (uint64_t)len);
        out_str(&o, tmp);
        return 0;
    }
    if (t->kind == SPY_V_HEX) {
        decode_hex(p, t->width, &o);
        return t->width;
    }

    /* Most significant byte first, whatever the host. */
    for (i = 0; i < t->width; i++)
        bits = bits << 8 | p[big_endian ? i : t->width - 1 - i];

    switch (t->kind) {
    case SPY_V_UINT:
        snprintf(tmp, sizeof tmp, "%" PRIu64, bits);
        break;
    case SPY_V_INT: {
        uint64_t mask = width_mask(t->width);
        int64_t v;
        if (bits & (mask ^ (mask >> 1)))
            bits |= ~mask; /* sign-extend to 64 bits */
        /* Convert the pattern to int64_t without implementation-defined
         * conversion: ~bits is then a non-negative value. */
        v = bits <= INT64_MAX ? (int64_t)bits : -(int64_t)~bits - 1;
        snprintf(tmp, sizeof tmp, "%" PRId64, v);
        break;
    }
    case SPY_V_FLOAT:
        if (t->width == 4) {
            uint32_t u = (uint32_t)bits;
            float f;
            memcpy(&f, &u, sizeof f);
            format_float(f, 9, tmp, sizeof tmp);
        } else {
            double d;
            memcpy(&d, &bits, sizeof d);
            format_float(d, 17, tmp, sizeof tmp);
        }
        break;
    default:
        tmp[0] = '\0';
        break;
    }
    out_str(&o, tmp);
    return t->width;
}
