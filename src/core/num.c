/* num.c - numbers on the command line: sizes, offsets and modes.
 *
 * Pure C11. Parsing is done by hand rather than with strtoull: strtoull
 * accepts leading whitespace, a sign (and silently negates "-1" into
 * 18446744073709551615) and octal, none of which the command-line contract
 * allows. */
#include "num.h"
#include "escape.h"
#include "hexbytes.h"

#include <stddef.h>
#include <stdint.h>

static int is_dec(char c) {
    return c >= '0' && c <= '9';
}

/* The binary shift for a K/M/G suffix, or 0 if c is not one. */
static unsigned suffix_shift(char c) {
    switch (c) {
    case 'k':
    case 'K':
        return 10;
    case 'm':
    case 'M':
        return 20;
    case 'g':
    case 'G':
        return 30;
    default:
        return 0;
    }
}

int spy_parse_u64(const char *what, const char *s, uint64_t *out,
                  spy_err *err) {
    char ex[SPY_EXCERPT_CAP];
    const char *digits;
    const char *p;
    unsigned base = 10;
    unsigned shift = 0;
    uint64_t v = 0;

    if (what == NULL)
        what = "number";
    if (s == NULL || s[0] == '\0')
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: empty value (use decimal, 0x hex, optional "
                           "K/M/G)",
                           what);

    /* Check the whole syntax first, so that "99999999999999999999x" is
     * reported as malformed rather than as too large. */
    p = s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    digits = p;
    while (base == 16 ? spy_hex_digit(*p) >= 0 : is_dec(*p))
        p++;
    if (p == digits)
        goto malformed;
    if (*p != '\0') {
        shift = suffix_shift(*p);
        if (shift == 0 || p[1] != '\0')
            goto malformed;
    }

    for (; digits < p; digits++) {
        unsigned d = (unsigned)spy_hex_digit(*digits);
        if (v > (UINT64_MAX - d) / base)
            goto overflow;
        v = v * base + d;
    }
    if (shift != 0) {
        if (v > (UINT64_MAX >> shift))
            goto overflow;
        v <<= shift;
    }
    if (out != NULL)
        *out = v;
    return 0;

malformed:
    spy_excerpt(s, (size_t)-1, ex);
    return spy_err_set(err, SPY_EINVAL, 0,
                       "%s: '%s': not a number (use decimal, 0x hex, "
                       "optional K/M/G)",
                       what, ex);
overflow:
    spy_excerpt(s, (size_t)-1, ex);
    return spy_err_set(err, SPY_ERANGE, 0,
                       "%s: '%s': too large (at most 18446744073709551615)",
                       what, ex);
}

int spy_parse_mode(const char *what, const char *s, uint32_t *out,
                   spy_err *err) {
    char ex[SPY_EXCERPT_CAP];
    const char *p;
    uint32_t v = 0;
    int big = 0;

    if (what == NULL)
        what = "mode";
    if (s == NULL || s[0] == '\0')
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: empty value (use an octal mode such as 0600)",
                           what);
    for (p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '7') {
            spy_excerpt(s, (size_t)-1, ex);
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: '%s': not an octal mode (use digits 0-7, "
                               "e.g. 0600)",
                               what, ex);
        }
        /* Keep scanning after the value is too big, so that junk later in
         * the text is still reported as malformed. */
        if (!big) {
            v = v * 8 + (uint32_t)(*p - '0');
            if (v > 07777)
                big = 1;
        }
    }
    if (big) {
        spy_excerpt(s, (size_t)-1, ex);
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: '%s': out of range (at most 07777)", what, ex);
    }
    if (out != NULL)
        *out = v;
    return 0;
}
