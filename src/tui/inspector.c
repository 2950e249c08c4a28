/* inspector.c - the data inspector pane: the bytes at the cursor decoded
 * as every integer width (signed and unsigned), f32, f64, time_t and a C
 * string, in both byte orders side by side. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/value.h"
#include "hexview.h"

/* Longest string shown, in source bytes. */
#define STR_MAX 64
/* Widest value column: an f64 with 17 digits and an exponent fits. */
#define COL_MAX 26

static const struct {
    const char *label;
    spy_vkind kind;
    size_t width;
} rows[] = {
    {"i8", SPY_V_INT, 1},    {"u8", SPY_V_UINT, 1},  {"i16", SPY_V_INT, 2},
    {"u16", SPY_V_UINT, 2},  {"i32", SPY_V_INT, 4},  {"u32", SPY_V_UINT, 4},
    {"i64", SPY_V_INT, 8},   {"u64", SPY_V_UINT, 8}, {"f32", SPY_V_FLOAT, 4},
    {"f64", SPY_V_FLOAT, 8},
};

#define NROWS (sizeof rows / sizeof rows[0])

/* p[0..8) as a time_t in the given byte order, "YYYY-MM-DD HH:MM:SSZ". */
static void fmt_time(const uint8_t *p, int big_endian, char *out, size_t cap) {
    uint64_t bits = 0;
    int64_t v;
    time_t t;
    struct tm *tm;
    int i;

    for (i = 0; i < 8; i++)
        bits = bits << 8 | p[big_endian ? i : 7 - i];
    v = bits <= INT64_MAX ? (int64_t)bits : -(int64_t)~bits - 1;
    t = (time_t)v;
    /* Years past 9999 are not times anyone stored on purpose. */
    if ((int64_t)t != v || (tm = gmtime(&t)) == NULL || tm->tm_year < -1900 ||
        tm->tm_year > 9999 - 1900 ||
        strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", tm) == 0)
        snprintf(out, cap, "(out of range)");
}

void spy__inspector_draw(int y, int x, int w, int h, uint64_t off,
                         const uint8_t *p, size_t avail) {
    int lw = 7, cw = (w - lw - 2) / 2 < COL_MAX ? (w - lw - 2) / 2 : COL_MAX;
    int c1 = x + lw + 1, c2 = c1 + cw + 1;
    char le[96], be[96];
    size_t i;
    int r = 0;

    if (h <= 0 || w < 20)
        return;
    spy__put(y + r, x, w, SPY__R_LABEL, 1, " inspector @ 0x%llx",
             (unsigned long long)off);
    if (w >= 40) {
        spy__put(y + r, c1 + cw - 13, 13, SPY__R_LABEL, 0, "little-endian");
        spy__put(y + r, c2 + cw - 10, 10, SPY__R_LABEL, 0, "big-endian");
    }
    r++;
    if (p == NULL) {
        spy__put(y + r, x + 1, w - 1, SPY__R_NORMAL, 0, "(no data here)");
        return;
    }
    for (i = 0; i < NROWS && r < h; i++, r++) {
        spy_type t;
        t.kind = rows[i].kind;
        t.width = rows[i].width;
        if (avail < t.width) {
            snprintf(le, sizeof le, "-");
            snprintf(be, sizeof be, "-");
        } else {
            spy_value_decode(&t, p, avail, 0, le, sizeof le);
            spy_value_decode(&t, p, avail, 1, be, sizeof be);
        }
        spy__put(y + r, x + 1, lw, SPY__R_LABEL, 0, "%s", rows[i].label);
        spy__put(y + r, c1, cw, SPY__R_NORMAL, 0, "%*s", cw, le);
        spy__put(y + r, c2, cw, SPY__R_NORMAL, 0, "%*s", cw, be);
    }
    if (r < h) {
        if (avail < 8) {
            snprintf(le, sizeof le, "-");
            snprintf(be, sizeof be, "-");
        } else {
            fmt_time(p, 0, le, sizeof le);
            fmt_time(p, 1, be, sizeof be);
        }
        spy__put(y + r, x + 1, lw, SPY__R_LABEL, 0, "time_t");
        spy__put(y + r, c1, cw, SPY__R_NORMAL, 0, "%*s", cw, le);
        spy__put(y + r, c2, cw, SPY__R_NORMAL, 0, "%*s", cw, be);
        r++;
    }
    if (r < h) {
        spy_type t;
        char s[STR_MAX * 4 + 8];
        t.kind = SPY_V_STR;
        t.width = 0;
        spy_value_decode(&t, p, avail < STR_MAX ? avail : STR_MAX, 0, s,
                         sizeof s);
        spy__put(y + r, x + 1, lw, SPY__R_LABEL, 0, "str");
        spy__put(y + r, c1, x + w - c1, SPY__R_NORMAL, 0, "%s", s);
    }
}
