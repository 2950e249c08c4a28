/* help.c - the `?` screen: every row of the current view's key table, then
 * the loop's, drawn from the tables the keys are dispatched through.
 *
 * A row shows its keys as the table names them and its help wrapped to
 * the width; rows are never split between the two columns a wide but
 * short terminal gets. */
#include <string.h>

#include "ui.h"

/* Columns of a row: its keys, then its help. */
#define KEY_W 12
#define GAP 2 /* the box's margin, left and right */

/* Rows shown at most (the view's and the loop's). */
#define ROWS_MAX 96

/* The rows shown, in order: the view's rows for its kind, then the
 * loop's for its kind. Returns their number. */
static size_t rows_shown(spy__keymap view, int kind, spy__keymap loop,
                         const spy__key **out) {
    size_t i, n = 0;

    for (i = 0; i < view.n && n < ROWS_MAX; i++)
        if (spy__keys_for(&view.row[i], kind))
            out[n++] = &view.row[i];
    for (i = 0; i < loop.n && n < ROWS_MAX; i++)
        if (spy__keys_for(&loop.row[i], kind))
            out[n++] = &loop.row[i];
    return n;
}

/* Word-wraps s at width w; when draw is set, draws its lines from screen
 * row y at column x, none at or below ymax. Returns the lines it takes. */
static int wrap(const char *s, int w, int draw, int y, int x, int ymax) {
    int lines = 0;

    if (w < 1)
        w = 1;
    do {
        int n = (int)strlen(s), cut = n;
        if (n > w) {
            /* The last space that leaves the line within w, if any. */
            for (cut = w; cut > 0 && s[cut] != ' '; cut--)
                ;
            if (cut == 0)
                cut = w;
        }
        if (draw && y + lines < ymax)
            spy__put(y + lines, x, w, SPY__R_BAR, 0, "%.*s", cut, s);
        lines++;
        s += cut;
        while (*s == ' ')
            s++;
    } while (*s != '\0');
    return lines;
}

void spy__help_draw(spy__keymap view, int kind, spy__keymap loop) {
    const spy__key *row[ROWS_MAX];
    size_t n = rows_shown(view, kind, loop, row), i, split;
    int cols = 1, colw, textw, longest = 0, total, h, w, y0, x0, top, r;
    int height[2] = {0, 0};

    for (i = 0; i < n; i++) {
        int len = (int)strlen(row[i]->help);
        if (len > longest)
            longest = len;
    }
    /* One column as wide as the longest help, if the screen allows; two
     * side by side when one is too tall and the screen is wide. */
    colw = KEY_W + longest + GAP;
    if (colw > COLS - 2 * GAP)
        colw = COLS - 2 * GAP;
    total = 0;
    for (i = 0; i < n; i++)
        total += wrap(row[i]->help, colw - KEY_W - GAP, 0, 0, 0, 0);
    if (total + 3 > LINES && COLS >= 100) {
        cols = 2;
        if (colw > (COLS - 2 * GAP) / 2)
            colw = (COLS - 2 * GAP) / 2;
    }
    textw = colw - KEY_W - GAP;
    /* Rows go to the first column until it holds half the lines. */
    total = 0;
    for (i = 0; i < n; i++)
        total += wrap(row[i]->help, textw, 0, 0, 0, 0);
    split = n;
    for (i = 0; i < n; i++) {
        int l = wrap(row[i]->help, textw, 0, 0, 0, 0);
        if (cols == 2 && i > 0 && height[0] + l > (total + 1) / 2 && split == n)
            split = i;
        height[i < split ? 0 : 1] += l;
    }
    r = height[0] > height[1] ? height[0] : height[1];
    /* Title, a blank line, the rows and a blank line; on a short screen
     * the first blank line goes, then what does not fit. */
    top = r + 3 <= LINES ? 2 : 1;
    h = r + top + 1;
    if (h > LINES)
        h = LINES;
    w = colw * cols + 2 * GAP;
    if (w > COLS)
        w = COLS;
    y0 = (LINES - h) / 2;
    x0 = (COLS - w) / 2;
    for (r = 0; r < h; r++)
        spy__put(y0 + r, x0, w, SPY__R_BAR, 1, " ");
    spy__put(y0, x0 + GAP, w - 2 * GAP, SPY__R_BAR_HI, 0,
             "shmspy keys (any key closes this)");
    height[0] = height[1] = 0;
    for (i = 0; i < n; i++) {
        const spy__key *k = row[i];
        int c = i < split ? 0 : 1, y = y0 + top + height[c];
        int x = x0 + GAP + c * colw, ymax = y0 + h - 1;
        if (y < ymax)
            spy__put(y, x, KEY_W, SPY__R_BAR_HI, 0, "%s", k->keys);
        height[c] += wrap(k->help, textw, 1, y, x + KEY_W, ymax);
    }
    if (height[0] + top + 1 > h || height[1] + top + 1 > h)
        spy__put(y0 + h - 1, x0 + GAP, w - 2 * GAP, SPY__R_BAR_HI, 0,
                 "(more: a taller terminal shows every key)");
}
