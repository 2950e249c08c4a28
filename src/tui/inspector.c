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

/* The title line: the offset, whole, and the byte orders right-aligned
 * over their columns (which end before x1 and x2). A long offset keeps
 * every digit: the orders are then abbreviated (little, big; LE, BE),
 * and if even those would touch it the title drops "inspector". */
static void draw_title(int y, int x, int w, int x1, int x2, uint64_t off) {
    static const struct {
        int word; /* "inspector" in the title */
        const char *le, *be;
    } forms[] = {
        {1, "little-endian", "big-endian"},
        {1, "little", "big"},
        {1, "LE", "BE"},
        {0, "LE", "BE"},
    };
    const size_t nforms = sizeof forms / sizeof forms[0];
    char t[48];
    size_t i;
    int le;

    for (i = 0; w >= 40 && i < nforms; i++) {
        int n = snprintf(t, sizeof t, " %s@ 0x%llx",
                         forms[i].word ? "inspector " : "",
                         (unsigned long long)off);
        /* One blank column between the title and the first order. */
        if (x + n < x1 - (int)strlen(forms[i].le))
            break;
    }
    if (w < 40 || i == nforms) { /* no room for the orders: the offset */
        spy__put(y, x, w, SPY__R_LABEL, 1, " inspector @ 0x%llx",
                 (unsigned long long)off);
        return;
    }
    spy__put(y, x, w, SPY__R_LABEL, 1, "%s", t);
    le = (int)strlen(forms[i].le);
    spy__put(y, x1 - le, le, SPY__R_LABEL, 0, "%s", forms[i].le);
    spy__put(y, x2 - (int)strlen(forms[i].be), (int)strlen(forms[i].be),
             SPY__R_LABEL, 0, "%s", forms[i].be);
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
    draw_title(y + r, x, w, c1 + cw, c2 + cw, off);
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
