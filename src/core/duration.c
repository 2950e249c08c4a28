/* duration.c - durations on the command line (duration.h). */
#include "duration.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

/* The argument as it may be printed (no control characters, cut). */
static const char *shown(const char *s, char *buf) {
    spy_excerpt(s, 40, buf);
    return buf;
}

static int bad(const char *what, const char *s, spy_err *err) {
    char b[SPY_EXCERPT_CAP];
    return spy_err_set(err, SPY_EINVAL, 0,
                       "%s: bad duration '%s' (use e.g. 1.5s, 250ms, 2m)", what,
                       shown(s, b));
}

static int too_long(const char *what, const char *s, spy_err *err) {
    char b[SPY_EXCERPT_CAP];
    return spy_err_set(err, SPY_ERANGE, 0, "%s: '%s' is too long", what,
                       shown(s, b));
}

int spy_parse_duration(const char *what, const char *s, uint64_t *ns,
                       spy_err *err) {
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = {{"ns", 1},
                 {"us", 1000},
                 {"ms", 1000000},
                 {"s", 1000000000},
                 {"m", 60ull * 1000000000},
                 {"h", 3600ull * 1000000000},
                 {"", 1000000000}};
    const char *p = s;
    uint64_t whole = 0, frac = 0, frac_scale = 1;
    int digits = 0, fdigits = 0;

    if (s == NULL)
        return bad(what, "", err);
    while (*p >= '0' && *p <= '9') {
        if (whole > (UINT64_MAX - 9) / 10)
            return too_long(what, s, err);
        whole = whole * 10 + (uint64_t)(*p++ - '0');
        digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (fdigits == 9)
                return bad(what, s, err);
            frac = frac * 10 + (uint64_t)(*p++ - '0');
            frac_scale *= 10;
            fdigits++;
        }
        if (fdigits == 0)
            return bad(what, s, err);
    }
    if (digits == 0 && fdigits == 0)
        return bad(what, s, err);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].unit) != 0)
            continue;
        uint64_t u = units[i].ns;
        if (whole > (UINT64_MAX / 2) / u)
            return too_long(what, s, err);
        /* frac < frac_scale <= 1e9: when the unit is a multiple of the
         * scale (s, m, h) divide first, else frac * u < 1e9 * 1e6. */
        uint64_t f = u % frac_scale == 0 ? frac * (u / frac_scale)
                                         : (frac * u) / frac_scale;
        *ns = whole * u + f;
        if (*ns > UINT64_MAX / 2)
            return too_long(what, s, err);
        return 0;
    }
    return bad(what, s, err);
}

char *spy_format_seconds(uint64_t ns, char *buf, unsigned cap) {
    uint64_t ms = ns / 1000000;
    snprintf(buf, cap, "%llu.%03llus", (unsigned long long)(ms / 1000),
             (unsigned long long)(ms % 1000));
    return buf;
}
