/* hexbytes.c - hex byte patterns typed by users ("de ad", "0xde:0xad").
 *
 * Pure C11. The text is scanned twice: once to validate it and count the
 * bytes, once to fill the buffer, so the allocation is exact and nothing is
 * allocated for a malformed pattern. */
#include "hexbytes.h"
#include "escape.h"

#include <inttypes.h>
#include <stdlib.h>

static int is_sep(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f' || c == ':' || c == '-';
}

int spy_hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t spy_hex_encode(const void *src, size_t n, char *buf, size_t cap) {
    static const char digits[] = "0123456789abcdef";
    const uint8_t *s = src;
    size_t i;

    if (buf == NULL || cap == 0)
        return 0;
    for (i = 0; i < n && 2 * i + 2 < cap; i++) {
        buf[2 * i] = digits[s[i] >> 4];
        buf[2 * i + 1] = digits[s[i] & 0xf];
    }
    buf[2 * i] = '\0';
    return i;
}

/* Walks the pattern. With dst NULL it validates and counts the bytes into
 * *count; with dst non-NULL (after a successful validation) it stores them.
 * Returns 0 or SPY_EINVAL with err filled. */
static int scan(const char *s, uint8_t *dst, size_t *count, spy_err *err) {
    char ex[SPY_EXCERPT_CAP], gx[SPY_EXCERPT_CAP];
    const char *p = s;
    size_t n = 0;

    for (;;) {
        const char *group, *digits;

        while (is_sep(*p))
            p++;
        if (*p == '\0')
            break;
        group = p;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        digits = p;
        while (spy_hex_digit(*p) >= 0)
            p++;
        if (*p != '\0' && !is_sep(*p)) {
            char cx[SPY_EXCERPT_CAP];
            spy_excerpt(s, (size_t)-1, ex);
            spy_excerpt(p, 1, cx);
            return spy_err_set(err, SPY_EINVAL, 0,
                               "hex pattern '%s': '%s' at position %" PRIu64
                               " is not a hex digit",
                               ex, cx, (uint64_t)(p - s) + 1);
        }
        if (p == digits || (p - digits) % 2 != 0) {
            spy_excerpt(s, (size_t)-1, ex);
            spy_excerpt(group, (size_t)(p - group), gx);
            return spy_err_set(err, SPY_EINVAL, 0,
                               p == digits
                                   ? "hex pattern '%s': no hex digits after "
                                     "'%s'"
                                   : "hex pattern '%s': odd number of hex "
                                     "digits in '%s'",
                               ex, gx);
        }
        for (; digits < p; digits += 2) {
            if (dst != NULL)
                dst[n] = (uint8_t)(spy_hex_digit(digits[0]) << 4 |
                                   spy_hex_digit(digits[1]));
            n++;
        }
    }
    if (n == 0) {
        spy_excerpt(s, (size_t)-1, ex);
        return spy_err_set(err, SPY_EINVAL, 0,
                           "hex pattern '%s': no bytes given (e.g. \"de ad "
                           "be ef\")",
                           ex);
    }
    *count = n;
    return 0;
}

int spy_hexbytes_parse(const char *s, uint8_t **out, size_t *len,
                       spy_err *err) {
    uint8_t *buf;
    size_t n = 0;
    int rc;

    if (out != NULL)
        *out = NULL;
    if (len != NULL)
        *len = 0;
    if (s == NULL)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "hex pattern: missing (e.g. \"de ad be ef\")");
    if (out == NULL || len == NULL)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "hex pattern: no place to store the bytes");
    rc = scan(s, NULL, &n, err);
    if (rc != 0)
        return rc;
    buf = malloc(n);
    if (buf == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0,
                           "hex pattern: out of memory for %" PRIu64 " bytes",
                           (uint64_t)n);
    scan(s, buf, &n, err);
    *out = buf;
    *len = n;
    return 0;
}
