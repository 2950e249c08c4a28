/* help.c - the `?` screen: every key of the current view. */
#include <string.h>

#include "ui.h"

/* Global keys, shown after the view's own. */
static const spy__help common[] = {
    {"?  F1", "this help (any key closes it)"},
    {"Ctrl-L", "redraw the screen"},
    {"q", "back to the list / quit"},
    {"Esc", "back to the list (never quits)"},
    {"Q", "quit shmspy"},
};

#define NCOMMON (sizeof common / sizeof common[0])

static const spy__help *item(const spy__view *v, size_t i) {
    return i < v->nhelp ? &v->help[i] : &common[i - v->nhelp];
}

void spy__help_draw(const spy__view *v) {
    size_t n = v->nhelp + NCOMMON, i;
    int cols = 1, per_col, colw, w, h, y0, x0, c, r;

    /* One column if it fits, else two side by side. */
    per_col = (int)n;
    if (per_col + 4 > LINES && COLS >= 100) {
        cols = 2;
        per_col = (int)(n + 1) / 2;
    }
    /* As wide as the longest line, if the screen allows. */
    colw = 0;
    for (i = 0; i < n; i++) {
        int len = (int)strlen(item(v, i)->what) + 16;
        if (len > colw)
            colw = len;
    }
    w = colw * cols + 4;
    if (w > COLS)
        w = COLS;
    h = per_col + 4;
    if (h > LINES)
        h = LINES;
    y0 = (LINES - h) / 2;
    x0 = (COLS - w) / 2;
    for (r = 0; r < h; r++)
        spy__put(y0 + r, x0, w, SPY__R_BAR, 1, " ");
    spy__put(y0, x0 + 2, w - 4, SPY__R_BAR_HI, 0,
             "shmspy keys (any key closes this)");
    for (i = 0; i < n; i++) {
        const spy__help *it = item(v, i);
        c = (int)i / per_col;
        r = (int)i % per_col;
        if (r + 2 >= h - 1)
            continue; /* no room left: the screen is tiny */
        spy__put(y0 + 2 + r, x0 + 2 + c * colw, 12, SPY__R_BAR_HI, 0, "%s",
                 it->key);
        spy__put(y0 + 2 + r, x0 + 14 + c * colw, colw - 14, SPY__R_BAR, 0, "%s",
                 it->what);
    }
}
