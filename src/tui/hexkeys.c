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
#include "timeline.h"

#include "../ops/write.h"
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

/* Writes one byte at off through the one write policy (ops/write.h: a
 * read-only mode refuses unless --force); updates the window so the edit
 * shows at once. */
static int put_byte(spy__hexview *h, uint64_t off, uint8_t b) {
    spy_err e;
    char m[SPY_ERR_MSG_MAX];

    if (spy__hex_refuse_past(h))
        return -1;
    spy_err_clear(&e);
    if (spy_write_bytes(h->seg, off, &b, 1, h->force, &e) != 0) {
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "not written: %s", m);
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
    if (spy__hex_read(h, h->cur, &old, 1, &e) != 0) {
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

    if (spy__hex_refuse_past(h))
        return;
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

/* The mouse: the wheel scrolls 3 rows, a click on a hex pair moves the
 * cursor there. */
static int key_mouse(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    MEVENT me;

    if (getmouse(&me) != OK)
        return SPY__KEY_DONE;
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
    return SPY__KEY_DONE;
}

/* ---- the key table: every key of the view, its help and its handler -- */

/* arrows (Left Right Up Down), PgUp PgDn, Home End: moves the cursor; a
 * page scrolls the screen with it. */
static int key_move(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    long page = h->rows > 1 ? h->rows - 1 : 1;
    int back = k->which % 2 == 0;

    if (k->arg == SPY__STEP_ALL)
        move_to(h, back ? 0 : h->size);
    else if (k->arg == SPY__STEP_PAGE)
        scroll_rows(h, back ? -page : page);
    else if (k->which < 2)
        move_by(h, back ? -1 : 1);
    else if (back && h->cur >= (uint64_t)h->bpr)
        move_by(h, -h->bpr);
    else if (!back && h->size - h->cur > (uint64_t)h->bpr)
        move_by(h, h->bpr);
    return SPY__KEY_DONE;
}

/* Tab toggles the ASCII column; while in it, every printable key types
 * itself (this row comes before every printable key's row). */
static int key_text(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    if (k->which == 1) { /* a printable key */
        if (!h->text_col)
            return SPY__KEY_IGNORED;
        if (!spy__hex_writable(h)) {
            h->text_col = 0;
            refuse_read_only();
        } else {
            edit_char(h, k->ch);
        }
        return SPY__KEY_DONE;
    }
    if (spy__hex_refuse_past(h)) {
        h->text_col = 0;
    } else if (!spy_seg_writable(h->seg)) {
        refuse_read_only();
    } else {
        h->text_col = !h->text_col;
        h->nibble = 0;
    }
    return SPY__KEY_DONE;
}

static int key_goto(const spy__keyhit *k) {
    spy__prompt_line("go to offset: ", NULL, goto_done, NULL, k->self);
    return SPY__KEY_DONE;
}

static int key_search(const spy__keyhit *k) {
    spy__prompt_line("search (hex like de ad, or text): ", NULL, search_done,
                     NULL, k->self);
    return SPY__KEY_DONE;
}

static int key_next(const spy__keyhit *k) {
    search_next(k->self);
    return SPY__KEY_DONE;
}

static int key_freeze(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    h->frozen = !h->frozen;
    spy__ui_msg(0, "%s", h->frozen ? "frozen: Space resumes" : "live again");
    return SPY__KEY_DONE;
}

static int key_inspector(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    h->inspector = !h->inspector;
    spy__hex_layout(h);
    h->stale = 1;
    return SPY__KEY_DONE;
}

static int key_write(const spy__keyhit *k) {
    ask_write(k->self);
    return SPY__KEY_DONE;
}

static int key_nibble(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    if (spy__hex_refuse_past(h))
        return SPY__KEY_DONE;
    if (!spy_seg_writable(h->seg))
        refuse_read_only();
    else
        edit_nibble(h, hex_digit(k->ch));
    return SPY__KEY_DONE;
}

/* Stops a search, or leaves the ASCII column; else the loop's Esc. */
static int key_escape(const spy__keyhit *k) {
    spy__hexview *h = k->self;

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

/* In the history: back to the live view; else declines. */
static int key_live(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    if (h->tline == NULL)
        return SPY__KEY_IGNORED;
    spy__hex_history_leave(h);
    spy__ui_msg(0, "live again");
    return SPY__KEY_DONE;
}

static int key_reopen(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    spy__hex_reopen(h, spy_seg_writable(h->seg));
    return SPY__KEY_DONE;
}

static int key_inject(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    char init[64];

    snprintf(init, sizeof init, "flip 0x%llx 0", (unsigned long long)h->cur);
    spy__inject_ask(&h->name, h->disp, init);
    return SPY__KEY_DONE;
}

static const spy__key hex_keys[] = {
    /* Time (timeline.c): a replay's, and the live view's history. They
     * bind no key the hex's rows below use. */
    {"Space",
     "replay: play / pause",
     spy__time_key_play,
     0,
     {' ', SPY__KC_ONLY(SPY__KV_REPLAY)}},
    {"- +",
     "replay: slower / faster (x0.25 .. x64)",
     spy__time_key_speed,
     0,
     {'-', '+', '=', SPY__KC_ONLY(SPY__KV_REPLAY)}},
    {"{ }",
     "replay: the start / the end",
     spy__time_key_ends,
     0,
     {'{', '}', SPY__KC_ONLY(SPY__KV_REPLAY)}},
    {"< >",
     "the previous / next change anywhere (< looks back into the "
     "history)",
     spy__time_key_change,
     0,
     {'<', '>', SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"< >",
     "the previous / next change anywhere",
     spy__time_key_change,
     0,
     {'<', '>', SPY__KC_ONLY(SPY__KV_REPLAY)}},
    {"[ ]",
     "the previous / next change of the byte under the cursor (in the "
     "fields: of the field)",
     spy__time_key_here,
     0,
     {'[', ']'}},
    {", .",
     "a step back / forward in time (one sampling period)",
     spy__time_key_step,
     0,
     {',', '.'}},
    {"J",
     "look back in the history: 1.5s (that long ago), start, now",
     spy__time_key_jump,
     0,
     {'J', SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"J",
     "jump to a time: 1.5s from the start, -2s before the end, start, end",
     spy__time_key_jump,
     0,
     {'J', SPY__KC_ONLY(SPY__KV_REPLAY)}},
    /* The field pane's rows come first: with the fields focused they take
     * the movement keys; else they decline and the hex's rows below get
     * them. */
    {"Up Down",
     "fields: the previous / next field (the hex cursor follows)",
     spy__fp_key_move,
     SPY__STEP_ONE,
     {KEY_UP, KEY_DOWN}},
    {"PgUp PgDn",
     "fields: a screen up / down",
     spy__fp_key_move,
     SPY__STEP_PAGE,
     {KEY_PPAGE, KEY_NPAGE}},
    {"Home End",
     "fields: the first / last field",
     spy__fp_key_move,
     SPY__STEP_ALL,
     {KEY_HOME, KEY_END}},
    {"Enter Right",
     "fields: expand a struct, union or array (an array of structs is a "
     "table); again: into it",
     spy__fp_key_expand,
     0,
     {'\r', '\n', KEY_ENTER, KEY_RIGHT}},
    {"Left",
     "fields: collapse, or go to the parent",
     spy__fp_key_collapse,
     0,
     {KEY_LEFT}},
    {"arrows",
     "move the cursor",
     key_move,
     SPY__STEP_ONE,
     {KEY_LEFT, KEY_RIGHT, KEY_UP, KEY_DOWN}},
    {"PgUp PgDn",
     "a screen up / down",
     key_move,
     SPY__STEP_PAGE,
     {KEY_PPAGE, KEY_NPAGE}},
    {"Home End",
     "first / last byte",
     key_move,
     SPY__STEP_ALL,
     {KEY_HOME, KEY_END}},
    {"mouse",
     "the wheel scrolls 3 rows; a click on a byte moves there",
     key_mouse,
     0,
     {KEY_MOUSE}},
    {"Tab",
     "writer mode: type text in the ASCII column / back",
     key_text,
     0,
     {'\t', SPY__KC_PRINT, SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"g", "go to an offset (123, 0x7b, 4K)", key_goto, 0, {'g'}},
    {"/",
     "search: hex bytes (de ad) or text (\"quoted\" or not hex)",
     key_search,
     0,
     {'/'}},
    {"n", "next match", key_next, 0, {'n'}},
    {"Space",
     "freeze / resume the live refresh",
     key_freeze,
     0,
     {' ', SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"i",
     "data inspector: the bytes at the cursor as every type",
     key_inspector,
     0,
     {'i'}},
    {"w",
     "writer mode: reopen read-write (asks first)",
     key_write,
     0,
     {'w', SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"0-9 a-f",
     "writer mode: overwrite the nibble at the cursor",
     key_nibble,
     0,
     {SPY__KC_HEX, SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"Esc",
     "stop a search; leave the ASCII column",
     key_escape,
     0,
     {27, SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"Esc", "stop a search", key_escape, 0, {27, SPY__KC_ONLY(SPY__KV_REPLAY)}},
    {"Esc",
     "history: back to the live view",
     key_live,
     0,
     {27, SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"Esc",
     "disarm blame (the writers pane)",
     spy__bp_key_escape,
     0,
     {27, SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"W",
     "blame: who writes the byte under the cursor (in the fields: the "
     "field, 1/2/4/8 bytes) - a pane of writers, live; again: disarm",
     spy__bp_key,
     0,
     {'W', SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"r",
     "reopen the name (after it was removed or recreated)",
     key_reopen,
     0,
     {'r', SPY__KC_ONLY(SPY__KV_LIVE)}},
    {"p",
     "probe an address of shmspy itself: what it is, why it faults",
     spy__probe_ask,
     0,
     {'p'}},
    {"t",
     "typed layout: hex only / hex and fields / fields only",
     spy__fp_key_mode,
     0,
     {'t'}},
    {"o",
     "hex and fields: keys move in the other pane",
     spy__fp_key_focus,
     0,
     {'o'}},
    {"T",
     "load a layout: --type T --header H [--cflags C], --from PID, "
     "--layout F; --field PATH, --offset N",
     spy__fp_key_load,
     0,
     {'T'}},
    {"P",
     "probe the pointer field under the field cursor (an address in the "
     "writer's process)",
     spy__fp_key_probe,
     0,
     {'P'}},
    {"I",
     "inject a fault (every fault of shmspy inject; flip at the cursor "
     "suggested): asks y/N, journals first",
     key_inject,
     0,
     {'I', SPY__KC_ONLY(SPY__KV_LIVE)}},
};

const spy__keymap spy__hex_keys = SPY__KEYMAP(hex_keys);
