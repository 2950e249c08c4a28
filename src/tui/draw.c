/* draw.c - colours and attributes per role, safe text, number formats. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/escape.h"
#include "ui.h"

static chtype role_attr[SPY__R_COUNT];

/* Colour pairs; pair numbers are the role numbers. */
static void pair(spy__role r, short fg, short bg, chtype extra,
                 int default_bg) {
    if (bg < 0 && !default_bg)
        bg = COLOR_BLACK;
    if (fg < 0 && !default_bg)
        fg = COLOR_WHITE;
    init_pair((short)r, fg, bg);
    role_attr[r] = COLOR_PAIR(r) | extra;
}

void spy__attr_init(int color) {
    int def = 0;

    memset(role_attr, 0, sizeof role_attr);
    if (!color || COLOR_PAIRS < SPY__R_COUNT) {
        /* Monochrome: NO_COLOR, or a terminal without colours. Changes
         * are reverse video while fresh, then bold. */
        role_attr[SPY__R_BAR] = A_REVERSE;
        role_attr[SPY__R_BAR_HI] = A_REVERSE | A_BOLD;
        role_attr[SPY__R_BANNER] = A_BOLD | A_UNDERLINE;
        role_attr[SPY__R_ERROR] = A_BOLD;
        role_attr[SPY__R_LABEL] = A_NORMAL;
        role_attr[SPY__R_SELECT] = A_REVERSE;
        role_attr[SPY__R_CURSOR] = A_UNDERLINE;
        role_attr[SPY__R_MATCH] = A_UNDERLINE | A_BOLD;
        role_attr[SPY__R_CHANGE1] = A_BOLD;
        role_attr[SPY__R_CHANGE2] = A_BOLD;
        role_attr[SPY__R_CHANGE3] = A_REVERSE;
        role_attr[SPY__R_CHANGE4] = A_REVERSE | A_BOLD;
        return;
    }
    def = use_default_colors() == OK;
    pair(SPY__R_BAR, COLOR_WHITE, COLOR_BLUE, 0, def);
    pair(SPY__R_BAR_HI, COLOR_YELLOW, COLOR_BLUE, A_BOLD, def);
    pair(SPY__R_BANNER, COLOR_WHITE, COLOR_RED, A_BOLD, def);
    pair(SPY__R_ERROR, COLOR_RED, -1, A_BOLD, def);
    pair(SPY__R_LABEL, COLOR_CYAN, -1, 0, def);
    pair(SPY__R_SELECT, COLOR_BLACK, COLOR_CYAN, 0, def);
    pair(SPY__R_CURSOR, COLOR_BLACK, COLOR_WHITE, 0, def);
    pair(SPY__R_MATCH, COLOR_BLACK, COLOR_GREEN, 0, def);
    pair(SPY__R_CHANGE1, COLOR_YELLOW, -1, 0, def);
    pair(SPY__R_CHANGE2, COLOR_YELLOW, -1, A_BOLD, def);
    pair(SPY__R_CHANGE3, COLOR_BLACK, COLOR_YELLOW, 0, def);
    pair(SPY__R_CHANGE4, COLOR_BLACK, COLOR_YELLOW, A_BOLD, def);
}

chtype spy__attr(spy__role r) {
    return (unsigned)r < SPY__R_COUNT ? role_attr[r] : A_NORMAL;
}

void spy__safe(const char *s, char *out, size_t cap) {
    static const char hex[] = "0123456789abcdef";
    char tmp[1024];
    size_t i, o = 0;

    if (cap == 0)
        return;
    spy_escape(s != NULL ? s : "", tmp, sizeof tmp);
    for (i = 0; tmp[i] != '\0'; i++) {
        unsigned char c = (unsigned char)tmp[i];
        if (c >= 0x20 && c < 0x7f) {
            if (o + 1 >= cap)
                break;
            out[o++] = (char)c;
        } else {
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
        }
    }
    out[o] = '\0';
}

void spy__safe_name(const char *name, char *out, size_t cap) {
    static const char *const ns[] = {"Local\\", "Global\\"};
    size_t i, n;

    if (name == NULL || cap == 0) {
        spy__safe(name, out, cap);
        return;
    }
    for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        n = strlen(ns[i]);
        if (strncmp(name, ns[i], n) == 0 && n < cap) {
            memcpy(out, ns[i], n);
            spy__safe(name + n, out + n, cap - n);
            return;
        }
    }
    spy__safe(name, out, cap);
}

int spy__put(int y, int x, int w, spy__role r, int fill, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    int n, i;

    if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
        return 0;
    if (w > COLS - x)
        w = COLS - x;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    if (n > w)
        n = w;
    /* Control characters would move the cursor: never draw them. */
    for (i = 0; i < n; i++)
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
            buf[i] = '?';
    attrset(spy__attr(r));
    if (fill && w <= (int)sizeof buf - 1) {
        /* Padded in the buffer: one call puts the whole field. */
        memset(buf + n, ' ', (size_t)(w - n));
        mvaddnstr(y, x, buf, w);
    } else {
        mvaddnstr(y, x, buf, n);
        if (fill)
            for (i = n; i < w; i++)
                addch(' ');
    }
    attrset(A_NORMAL);
    return fill ? w : n;
}

const char *spy__fmt_size(uint64_t n, char *buf, size_t cap) {
    static const char *const units[] = {"KiB", "MiB", "GiB",
                                        "TiB", "PiB", "EiB"};
    double v = (double)n;
    int u = -1;

    if (n < 1000000000u) {
        snprintf(buf, cap, "%llu", (unsigned long long)n);
        return buf;
    }
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
    return buf;
}

const char *spy__fmt_time(int64_t t, char *buf, size_t cap) {
    time_t tt = (time_t)t;
    struct tm *tm;

    if (t < 0 || (int64_t)tt != t || (tm = localtime(&tt)) == NULL ||
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S", tm) == 0)
        snprintf(buf, cap, "-");
    return buf;
}

const char *spy__fmt_mode(uint32_t mode, char *buf, size_t cap) {
    static const char rwx[] = "rwxrwxrwx";
    char tmp[10];
    int i;

    for (i = 0; i < 9; i++)
        tmp[i] = (mode & (0400u >> i)) ? rwx[i] : '-';
    tmp[9] = '\0';
    snprintf(buf, cap, "%s", tmp);
    return buf;
}
