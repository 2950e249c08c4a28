/* hexkeys.c - keys of the hex view: moving, goto, search, freeze, the
 * inspector, and writer mode edits (hex nibbles or text, in place), and
 * the view's key table (hex_keys, at the end): each key with its help
 * line and its handler, which the loop dispatches and the help shows. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hexbytes.h"
#include "../core/num.h"
#include "hexview.h"
#include "../backends/seg.h"

/* Bytes examined per loop turn by a search (the screen stays live). */
#define SEARCH_BUDGET (8u << 20)

/* The value of a hex digit (its row binds only SPY__KC_HEX keys). */
static int hex_digit(int ch) {
    static const char digits[] = "0123456789abcdef";

    return (int)(strchr(digits, tolower(ch)) - digits);
}

static void refuse_read_only(void) {
    spy__ui_msg(1, "read-only: edits are refused (w reopens the object "
                   "read-write)");
}

static void move_to(spy__hexview *h, uint64_t off) {
    spy__hex_goto(h, off, 0);
}

/* Moves by delta bytes, stopping at either end. */
static void move_by(spy__hexview *h, long long delta) {
    uint64_t d;

    if (delta < 0) {
        d = (uint64_t)(-(delta + 1)) + 1;
        move_to(h, h->cur > d ? h->cur - d : 0);
    } else {
        d = (uint64_t)delta;
        move_to(h, h->size - h->cur > d ? h->cur + d : h->size);
    }
}

/* Scrolls the screen by n rows (negative: up), the cursor with it. */
static void scroll_rows(spy__hexview *h, long n) {
    uint64_t bpr = (uint64_t)h->bpr, last_row, max_top, top = h->top, d;

    if (h->size == 0 || bpr == 0)
        return;
    last_row = (h->size - 1) / bpr * bpr;
    max_top = last_row > (uint64_t)(h->rows - 1) * bpr
                  ? last_row - (uint64_t)(h->rows - 1) * bpr
                  : 0;
    d = (uint64_t)(n < 0 ? -n : n) * bpr;
    if (n < 0)
        top = top > d ? top - d : 0;
    else
        top = max_top - top > d ? top + d : max_top;
    if (top > max_top)
        top = max_top;
    if (n < 0)
        h->cur = h->cur - (h->top - top);
    else
        h->cur = h->cur + (top - h->top);
    if (h->cur >= h->size)
        h->cur = h->size - 1;
    h->top = top;
    h->nibble = 0;
    spy__hex_layout(h);
    h->stale = 1;
}

/* Writes one byte at off; updates the window so the edit shows at once. */
static int put_byte(spy__hexview *h, uint64_t off, uint8_t b) {
    spy_err e;

    spy_err_clear(&e);
    if (spy_seg_write(h->seg, off, &b, 1, &e) != 0) {
        spy__ui_msg(1, "write failed: %s", e.msg);
        return -1;
    }
    if (off >= h->base && off - h->base < h->len)
        h->buf[off - h->base] = b;
    return 0;
}

static void edit_nibble(spy__hexview *h, int d) {
    uint8_t old;
    spy_err e;

    if (h->size == 0)
        return;
    spy_err_clear(&e);
    /* Read it fresh: another process may have changed the other nibble. */
    if (spy_seg_read(h->seg, h->cur, &old, 1, &e) != 0) {
        spy__ui_msg(1, "read failed: %s", e.msg);
        return;
    }
    if (!h->nibble) {
        if (put_byte(h, h->cur, (uint8_t)((old & 0x0f) | d << 4)) == 0)
            h->nibble = 1;
    } else if (put_byte(h, h->cur, (uint8_t)((old & 0xf0) | d)) == 0) {
        h->nibble = 0;
        if (h->cur + 1 < h->size)
            move_to(h, h->cur + 1);
    }
}

static void edit_char(spy__hexview *h, int ch) {
    if (h->size == 0)
        return;
    if (put_byte(h, h->cur, (uint8_t)ch) == 0 && h->cur + 1 < h->size)
        move_to(h, h->cur + 1);
}

static void goto_done(void *self, const char *text) {
    spy__hexview *h = self;
    uint64_t off;
    spy_err e;

    if (text == NULL || text[0] == '\0')
        return;
    spy_err_clear(&e);
    if (spy_parse_u64("offset", text, &off, &e) != 0) {
        spy__ui_msg(1, "%s", e.msg);
        return;
    }
    if (off >= h->size) {
        spy__ui_msg(1,
                    "offset 0x%llx is past the end (the object has %llu "
                    "bytes)",
                    (unsigned long long)off, (unsigned long long)h->size);
        return;
    }
    spy__hex_goto(h, off, 1);
}

static void start_search(spy__hexview *h, const uint8_t *pat, size_t n) {
    uint64_t from = h->cur + 1 < h->size ? h->cur + 1 : 0;

    if (spy__search_begin(&h->search, pat, n, from) != 0) {
        spy__ui_msg(1, "search: pattern too long or out of memory");
        return;
    }
    h->searching = 1;
    h->match_len = 0;
    spy__ui_msg(0, "searching... (Esc stops)");
}

/* Hex bytes if the text parses as hex ("de ad", "0xdead"), else text; a
 * leading double quote forces text (and a closing one is dropped). */
static void search_done(void *self, const char *text) {
    spy__hexview *h = self;
    uint8_t *bytes = NULL;
    size_t n = 0;

    if (text == NULL || text[0] == '\0')
        return;
    if (text[0] == '"') {
        n = strlen(text + 1);
        if (n > 0 && text[n] == '"')
            n--;
        if (n == 0)
            return;
        start_search(h, (const uint8_t *)text + 1, n);
        return;
    }
    if (spy_hexbytes_parse(text, &bytes, &n, NULL) == 0) {
        start_search(h, bytes, n);
        free(bytes);
        return;
    }
    start_search(h, (const uint8_t *)text, strlen(text));
}

static void search_next(spy__hexview *h) {
    uint8_t *pat;
    size_t n = h->search.n;

    if (h->search.pat == NULL) {
        spy__ui_msg(1, "no search yet: / starts one");
        return;
    }
    pat = malloc(n);
    if (pat == NULL)
        return;
    memcpy(pat, h->search.pat, n);
    start_search(h, pat, n);
    free(pat);
}

static void write_confirmed(void *self, const char *text) {
    spy__hexview *h = self;

    if (text == NULL) {
        spy__ui_msg(0, "still read-only");
        return;
    }
    if (spy__hex_reopen(h, 1) == 0 && spy_seg_writable(h->seg))
        spy__ui_msg(0, "read-write: hex digits overwrite the byte at the "
                       "cursor; Tab types text");
}

static void ask_write(spy__hexview *h) {
    char q[400];

    if (spy_seg_writable(h->seg)) {
        spy__ui_msg(0, "already read-write");
        return;
    }
    snprintf(q, sizeof q,
             "Reopen %s read-write? Other processes see every edit at once. "
             "[y/N] ",
             h->disp);
    spy__prompt_confirm(q, write_confirmed, h);
}

static void on_mouse(spy__hexview *h) {
    MEVENT me;

    if (getmouse(&me) != OK)
        return;
    if (SPY_WHEEL_UP != 0 && (me.bstate & SPY_WHEEL_UP)) {
        scroll_rows(h, -3);
    } else if (SPY_WHEEL_DOWN != 0 && (me.bstate & SPY_WHEEL_DOWN)) {
        scroll_rows(h, 3);
    } else if ((me.bstate & BUTTON1_PRESSED) && me.y >= h->hex_y &&
               me.y < h->hex_y + h->rows) {
        /* A click on a hex pair moves the cursor there. */
        uint64_t row = h->top + (uint64_t)(me.y - h->hex_y) * h->bpr;
        int i;
        for (i = 0; i < h->bpr; i++) {
            int x = h->ow + 2 + 3 * i + i / 8;
            if (me.x >= x && me.x <= x + 1 && row + (uint64_t)i < h->size) {
                move_to(h, row + (uint64_t)i);
                break;
            }
        }
    }
}

/* ---- the key table: every key of the view, its help and its handler -- */

/* which: Left, Right, Up, Down, as the row lists them. */
static int key_arrow(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    (void)ch;
    if (which == 0)
        move_by(h, -1);
    else if (which == 1)
        move_by(h, 1);
    else if (which == 2 && h->cur >= (uint64_t)h->bpr)
        move_by(h, -h->bpr);
    else if (which == 3 && h->size - h->cur > (uint64_t)h->bpr)
        move_by(h, h->bpr);
    return SPY__KEY_DONE;
}

/* which: PgUp, PgDn. */
static int key_page(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;
    long page = h->rows > 1 ? h->rows - 1 : 1;

    (void)ch;
    scroll_rows(h, which == 0 ? -page : page);
    return SPY__KEY_DONE;
}

static int key_mouse(spy__view *v, int ch, int which) {
    (void)ch, (void)which;
    on_mouse(v->self);
    return SPY__KEY_DONE;
}

/* which: Home, End. */
static int key_ends(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    (void)ch;
    move_to(h, which == 0 ? 0 : h->size);
    return SPY__KEY_DONE;
}

/* Tab toggles the ASCII column; while in it, every printable key types
 * itself (this row comes before every printable key's row). */
static int key_text(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    if (which == 1) { /* a printable key */
        if (!h->text_col)
            return SPY__KEY_IGNORED;
        if (!spy_seg_writable(h->seg)) {
            h->text_col = 0;
            refuse_read_only();
        } else {
            edit_char(h, ch);
        }
        return SPY__KEY_DONE;
    }
    if (!spy_seg_writable(h->seg)) {
        refuse_read_only();
    } else {
        h->text_col = !h->text_col;
        h->nibble = 0;
    }
    return SPY__KEY_DONE;
}

static int key_goto(spy__view *v, int ch, int which) {
    (void)ch, (void)which;
    spy__prompt_line("go to offset: ", NULL, goto_done, NULL, v->self);
    return SPY__KEY_DONE;
}

static int key_search(spy__view *v, int ch, int which) {
    (void)ch, (void)which;
    spy__prompt_line("search (hex like de ad, or text): ", NULL, search_done,
                     NULL, v->self);
    return SPY__KEY_DONE;
}

static int key_next(spy__view *v, int ch, int which) {
    (void)ch, (void)which;
    search_next(v->self);
    return SPY__KEY_DONE;
}

static int key_freeze(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    (void)ch, (void)which;
    h->frozen = !h->frozen;
    spy__ui_msg(0, "%s", h->frozen ? "frozen: Space resumes" : "live again");
    return SPY__KEY_DONE;
}

static int key_inspector(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    (void)ch, (void)which;
    h->inspector = !h->inspector;
    spy__hex_layout(h);
    h->stale = 1;
    return SPY__KEY_DONE;
}

static int key_write(spy__view *v, int ch, int which) {
    (void)ch, (void)which;
    ask_write(v->self);
    return SPY__KEY_DONE;
}

static int key_nibble(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    (void)which;
    if (!spy_seg_writable(h->seg))
        refuse_read_only();
    else
        edit_nibble(h, hex_digit(ch));
    return SPY__KEY_DONE;
}

/* Stops a search, or leaves the ASCII column; else the loop's Esc. */
static int key_escape(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    (void)ch, (void)which;
    if (h->searching) {
        h->searching = 0;
        spy__ui_msg(0, "search stopped");
        return SPY__KEY_DONE;
    }
    if (h->text_col) {
        h->text_col = 0;
        return SPY__KEY_DONE;
    }
    return SPY__KEY_IGNORED;
}

static int key_reopen(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;

    (void)ch, (void)which;
    spy__hex_reopen(h, spy_seg_writable(h->seg));
    return SPY__KEY_DONE;
}

static int key_probe(spy__view *v, int ch, int which) {
    (void)v, (void)ch, (void)which;
    spy__probe_ask();
    return SPY__KEY_DONE;
}

static int key_inject(spy__view *v, int ch, int which) {
    spy__hexview *h = v->self;
    char init[64];

    (void)ch, (void)which;
    snprintf(init, sizeof init, "flip 0x%llx 0", (unsigned long long)h->cur);
    spy__inject_ask(&h->name, h->disp, init);
    return SPY__KEY_DONE;
}

static const spy__key hex_keys[] = {
    {"arrows",
     "move the cursor",
     key_arrow,
     {KEY_LEFT, KEY_RIGHT, KEY_UP, KEY_DOWN}},
    {"PgUp PgDn", "a screen up / down", key_page, {KEY_PPAGE, KEY_NPAGE}},
    {"Home End", "first / last byte", key_ends, {KEY_HOME, KEY_END}},
    {"mouse",
     "the wheel scrolls 3 rows; a click on a byte moves there",
     key_mouse,
     {KEY_MOUSE}},
    {"Tab",
     "writer mode: type text in the ASCII column / back",
     key_text,
     {'\t', SPY__KC_PRINT}},
    {"g", "go to an offset (123, 0x7b, 4K)", key_goto, {'g'}},
    {"/",
     "search: hex bytes (de ad) or text (\"quoted\" or not hex)",
     key_search,
     {'/'}},
    {"n", "next match", key_next, {'n'}},
    {"Space", "freeze / resume the live refresh", key_freeze, {' '}},
    {"i",
     "data inspector: the bytes at the cursor as every type",
     key_inspector,
     {'i'}},
    {"w", "writer mode: reopen read-write (asks first)", key_write, {'w'}},
    {"0-9 a-f",
     "writer mode: overwrite the nibble at the cursor",
     key_nibble,
     {SPY__KC_HEX}},
    {"Esc", "stop a search; leave the ASCII column", key_escape, {27}},
    {"r",
     "reopen the name (after it was removed or recreated)",
     key_reopen,
     {'r'}},
    {"p",
     "probe an address of shmspy itself: what it is, why it faults",
     key_probe,
     {'p'}},
    {"I",
     "inject a fault (flip OFF [BIT] at the cursor, truncate SIZE, "
     "chmod MODE, unlink): asks y/N, journals first",
     key_inject,
     {'I'}},
};

const spy__keymap spy__hex_keys = SPY__KEYMAP(hex_keys);
