/* timeline.c - the hex view over a history (timeline.h): seeking, the
 * window of a moment with its change highlights, playing, the keys that
 * move through time and the timeline bar. The replay of a recording and
 * the live view's scrub-back both run on this file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../core/duration.h"
#include "timeline.h"

#define NS_PER_MS 1000000ull

/* Play speeds in quarters: x0.25, x0.5, x1, x2 ... x64. */
static const unsigned quarters[SPY__TIME_SPEEDS] = {1,  2,  4,   8,  16,
                                                    32, 64, 128, 256};

spy__tline *spy__time_new(spy_timeline *tl, int replay, uint64_t from,
                          uint64_t to, uint64_t step, uint64_t at,
                          const char *what) {
    spy__tline *t = calloc(1, sizeof *t);

    if (t == NULL) {
        spy_timeline_close(tl);
        return NULL;
    }
    t->tl = tl;
    t->replay = replay;
    t->from = from;
    t->to = to > from ? to : from;
    t->step = step > 0 ? step : 100 * NS_PER_MS;
    t->t = at < t->from ? t->from : at > t->to ? t->to : at;
    t->speed = SPY__TIME_SPEED_1;
    snprintf(t->what, sizeof t->what, "%s", what != NULL ? what : "");
    return t;
}

void spy__time_free(spy__tline *t) {
    if (t == NULL)
        return;
    spy_timeline_close(t->tl);
    free(t);
}

int spy__time_read(spy__tline *t, uint64_t off, void *dst, size_t len,
                   spy_err *err) {
    return spy_timeline_frame(t->tl, t->t, off, len, dst, NULL, err);
}

uint64_t spy__time_size(spy__tline *t) {
    return spy_timeline_size_at(t->tl, t->t);
}

static uint64_t clock_of(uint64_t t_ns) {
    return t_ns / NS_PER_MS;
}

uint64_t spy__time_clock(const spy__tline *t) {
    return clock_of(t->t);
}

/* The view follows a new moment: its size, cursor and window. */
static void moved(spy__hexview *h) {
    uint64_t size = spy__time_size(h->tline);

    if (size != h->size) {
        h->size = size;
        if (h->cur >= size)
            h->cur = size > 0 ? size - 1 : 0;
        h->nibble = 0;
    }
    spy__hex_layout(h);
    h->stale = 1;
}

void spy__time_seek(spy__hexview *h, uint64_t at) {
    spy__tline *t = h->tline;

    t->t = at < t->from ? t->from : at > t->to ? t->to : at;
    moved(h);
}

/* Reads n bytes of the window at moment ts into h->buf; a failure shows
 * in the view's fault banner. 0 or -1. */
static int frame_at(spy__hexview *h, uint64_t ts, size_t n) {
    spy__tline *t = h->tline;
    spy_err e;

    if (n == 0)
        return 0;
    spy_err_clear(&e);
    if (spy_timeline_frame(t->tl, ts, h->top, n, h->buf, NULL, &e) != 0) {
        snprintf(h->fault, sizeof h->fault, "%s", e.msg);
        return -1;
    }
    return 0;
}

void spy__time_window(spy__hexview *h) {
    spy__tline *t = h->tline;
    size_t visible = (size_t)h->rows * (size_t)h->bpr, want, n;
    uint64_t step = (uint64_t)SPY__HEX_FADE_STEP_MS * NS_PER_MS;
    int rebuild, k;
    long changed;

    want = visible + SPY__HEX_LOOKAHEAD;
    if (want > h->cap) {
        uint8_t *p = realloc(h->buf, want);
        if (p == NULL) {
            spy__ui_msg(1, "out of memory");
            return;
        }
        h->buf = p;
        h->cap = want;
    }
    n = h->top < h->size
            ? (size_t)(h->size - h->top < want ? h->size - h->top : want)
            : 0;
    h->fault[0] = '\0';
    /* A small step forward over the same window: one frame, and what
     * changed lights up. Anything else (a jump, back, another window):
     * the frames of the last fade period, oldest first, so that the
     * highlights are those a live view would show at this moment. */
    rebuild = !t->fed || t->fed_base != h->top || t->fed_len != n ||
              t->t < t->fed_t || t->t - t->fed_t > step;
    if (rebuild) {
        uint64_t last = 0;
        spy_err e;
        int recent;

        spy_changes_reset(&h->changes);
        /* Nothing on screen changed within a fade before the moment (the
         * index says so without reading a byte): one frame is enough. */
        spy_err_clear(&e);
        recent = n > 0 && spy_timeline_prev_change(t->tl, t->t + 1, h->top, n,
                                                   &last, &e) == 1;
        recent = recent && t->t - last < (uint64_t)SPY__FADE_LEVELS * step;
        for (k = recent ? SPY__FADE_LEVELS : 0; k >= 1; k--) {
            uint64_t back = (uint64_t)k * step;
            if (t->t < t->from + back)
                continue;
            if (frame_at(h, t->t - back, n) == 0)
                spy_changes_update(&h->changes, h->top, h->buf,
                                   n < visible ? n : visible,
                                   clock_of(t->t - back));
        }
    }
    if (frame_at(h, t->t, n) != 0)
        n = 0;
    h->base = h->top;
    h->len = n;
    h->stale = 0;
    changed = spy_changes_update(&h->changes, h->top, h->buf,
                                 n < visible ? n : visible, clock_of(t->t));
    if (changed < 0)
        spy__ui_msg(1, "out of memory");
    if (changed != 0 || rebuild)
        h->changed = 1;
    t->fed = 1;
    t->fed_t = t->t;
    t->fed_base = h->top;
    t->fed_len = n;
}

uint64_t spy__time_tick(spy__hexview *h, uint64_t now) {
    spy__tline *t = h->tline;
    uint64_t d, at;

    if (!t->playing)
        return UINT64_MAX;
    if (now > t->played_ms) {
        d = (now - t->played_ms) * NS_PER_MS * quarters[t->speed] / 4;
        t->played_ms = now;
        at = t->to - t->t > d ? t->t + d : t->to;
        if (at == t->to) {
            t->playing = 0;
            spy__ui_msg(0, "the end of the recording: Space plays it again "
                           "from the start");
        }
        if (at != t->t) {
            t->t = at;
            moved(h);
        }
    }
    return now + 1000 / (h->hz > 0 ? h->hz : 10);
}

/* "x0.25", "x2" */
static const char *speed_text(int speed, char *buf, size_t cap) {
    unsigned q = quarters[speed];

    if (q % 4 == 0)
        snprintf(buf, cap, "x%u", q / 4);
    else
        snprintf(buf, cap, "x%s", q == 1 ? "0.25" : "0.5");
    return buf;
}

void spy__time_status(const spy__hexview *h, char *out, size_t cap) {
    const spy__tline *t = h->tline;
    char s[40];

    if (t == NULL) {
        out[0] = '\0';
    } else if (t->replay) {
        snprintf(out, cap, "REPLAY %s", spy_format_seconds(t->t, s, sizeof s));
    } else {
        /* Tenths: the status bar is redrawn four times a second. */
        uint64_t back = (t->to - t->t) / 100000000ull;
        snprintf(out, cap, "HISTORY -%llu.%llus",
                 (unsigned long long)(back / 10),
                 (unsigned long long)(back % 10));
    }
}

void spy__time_draw_bar(const spy__hexview *h, int y) {
    const spy__tline *t = h->tline;
    char left[200], right[340], a[40], b[40], sp[16];
    int x, w, fill, i, barw;
    uint64_t span;

    if (t == NULL || y < 0)
        return;
    if (t->replay)
        snprintf(left, sizeof left, " REPLAY  %s %s  %s / %s ",
                 t->playing ? "> playing" : "|| paused",
                 speed_text(t->speed, sp, sizeof sp),
                 spy_format_seconds(t->t - t->from, a, sizeof a),
                 spy_format_seconds(t->to - t->from, b, sizeof b));
    else
        snprintf(left, sizeof left, " HISTORY -%s  (%s kept) ",
                 spy_format_seconds(t->to - t->t, a, sizeof a),
                 spy_format_seconds(t->to - t->from, b, sizeof b));
    snprintf(right, sizeof right, "  %s ",
             t->replay ? t->what : "Esc: back to live");
    spy__put(y, 0, COLS, SPY__R_BAR, 1, "%s", "");
    x = spy__put(y, 0, COLS, SPY__R_BAR_HI, 0, "%s", left);
    w = COLS - x - (int)strlen(right);
    if (w < 12) {
        /* Narrow: no progress bar, the name as far as it fits. */
        spy__put(y, x, COLS - x, SPY__R_BAR, 0, "%s", right);
        return;
    }
    barw = w - 2;
    span = t->to - t->from;
    fill =
        span > 0 ? (int)((double)(t->t - t->from) / (double)span * barw) : barw;
    if (fill > barw)
        fill = barw;
    {
        char bar[1024];
        if (barw > (int)sizeof bar - 3)
            barw = (int)sizeof bar - 3;
        bar[0] = '[';
        for (i = 0; i < barw; i++)
            bar[1 + i] = i < fill ? '#' : i == fill ? '|' : '-';
        bar[1 + barw] = ']';
        bar[2 + barw] = '\0';
        x += spy__put(y, x, COLS - x, SPY__R_BAR, 0, "%s", bar);
    }
    spy__put(y, x, COLS - x, SPY__R_BAR, 0, "%s", right);
}

/* ---- keys ------------------------------------------------------------ */

/* The timeline a key moves: the view's, or in the live view (back 1),
 * its history entered at the present. NULL when there is none (said). */
static spy__tline *timeline_of(spy__hexview *h, int back) {
    if (h->tline != NULL)
        return h->tline;
    if (h->view.kind != SPY__KV_LIVE)
        return NULL;
    if (!back) {
        spy__ui_msg(0, "live: nothing later (< , [ J look back into the "
                       "history)");
        return NULL;
    }
    if (spy__hex_history_enter(h, UINT64_MAX) != 0)
        return NULL;
    return h->tline;
}

/* Moves to the previous (back) or next change of [off, off+len) (len 0:
 * anywhere); none: to the start or the end, said so. */
static void to_change(spy__hexview *h, int back, uint64_t off, uint64_t len,
                      const char *what) {
    spy__tline *t = timeline_of(h, back);
    uint64_t at = 0;
    spy_err e;
    int rc;

    if (t == NULL)
        return;
    t->playing = 0;
    spy_err_clear(&e);
    rc = back ? spy_timeline_prev_change(t->tl, t->t, off, len, &at, &e)
              : spy_timeline_next_change(t->tl, t->t, off, len, &at, &e);
    if (rc < 0) {
        char m[SPY_ERR_MSG_MAX];
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "%s", m);
        return;
    }
    if (rc == 0 || (back ? at < t->from : at > t->to)) {
        spy__time_seek(h, back ? t->from : t->to);
        spy__ui_msg(0, "no %s change of %s: %s", back ? "earlier" : "later",
                    what,
                    back        ? "the start"
                    : t->replay ? "the end"
                                : "the present (Esc: back to live)");
        return;
    }
    spy__time_seek(h, at);
}

int spy__time_key_change(const spy__keyhit *k) {
    to_change(k->self, k->which == 0, 0, 0, "anything");
    return SPY__KEY_DONE;
}

int spy__time_key_here(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    uint64_t off = h->cur, len = 1;
    char what[64];

    /* The field under the field cursor when the fields have the keys. */
    if (h->fields.typed != NULL && h->fields.mode != SPY__FP_OFF &&
        h->fields.focus) {
        spy__fp_selection(h, &off, &len);
        if (len == 0) {
            off = h->cur;
            len = 1;
        }
    }
    if (len == 1)
        snprintf(what, sizeof what, "the byte at 0x%llx",
                 (unsigned long long)off);
    else
        snprintf(what, sizeof what, "0x%llx, %llu bytes",
                 (unsigned long long)off, (unsigned long long)len);
    to_change(h, k->which == 0, off, len, what);
    return SPY__KEY_DONE;
}

int spy__time_key_step(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    int back = k->which == 0;
    spy__tline *t = timeline_of(h, back);

    if (t == NULL)
        return SPY__KEY_DONE;
    t->playing = 0;
    if (back)
        spy__time_seek(h, t->t - t->from > t->step ? t->t - t->step : t->from);
    else
        spy__time_seek(h, t->to - t->t > t->step ? t->t + t->step : t->to);
    return SPY__KEY_DONE;
}

/* "1.5s" (from the start; in a history: that long ago), "-2s" (before
 * the end), "start", "end". */
static void jump_done(void *self, const char *text) {
    spy__hexview *h = self;
    spy__tline *t;
    uint64_t d = 0, at;
    spy_err e;
    int minus;

    if (text == NULL || text[0] == '\0')
        return;
    t = timeline_of(h, 1);
    if (t == NULL)
        return;
    t->playing = 0;
    if (strcmp(text, "start") == 0) {
        spy__time_seek(h, t->from);
        return;
    }
    if (strcmp(text, "end") == 0 || strcmp(text, "now") == 0) {
        spy__time_seek(h, t->to);
        return;
    }
    minus = text[0] == '-';
    spy_err_clear(&e);
    if (spy_parse_duration("time", text + minus, &d, &e) != 0) {
        char m[SPY_ERR_MSG_MAX];
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "%s", m);
        return;
    }
    if (minus || !t->replay)
        at = t->to - t->from > d ? t->to - d : t->from;
    else
        at = t->to - t->from > d ? t->from + d : t->to;
    spy__time_seek(h, at);
}

int spy__time_key_jump(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    if (h->view.kind == SPY__KV_REPLAY)
        spy__prompt_line("jump to (1.5s from the start, -2s before the end, "
                         "start, end): ",
                         NULL, jump_done, NULL, h);
    else
        spy__prompt_line("look back (2.5s ago: 2.5s; start, now): ", NULL,
                         jump_done, NULL, h);
    return SPY__KEY_DONE;
}

int spy__time_key_play(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__tline *t = h->tline;

    if (t == NULL)
        return SPY__KEY_IGNORED;
    if (!t->playing && t->t >= t->to)
        spy__time_seek(h, t->from);
    t->playing = !t->playing;
    t->played_ms = spy_monotonic_ms();
    return SPY__KEY_DONE;
}

int spy__time_key_speed(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__tline *t = h->tline;
    char sp[16];

    if (t == NULL)
        return SPY__KEY_IGNORED;
    if (k->which == 0 && t->speed > 0)
        t->speed--;
    else if (k->which != 0 && t->speed < SPY__TIME_SPEEDS - 1)
        t->speed++;
    spy__ui_msg(0, "speed %s", speed_text(t->speed, sp, sizeof sp));
    return SPY__KEY_DONE;
}

int spy__time_key_ends(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__tline *t = h->tline;

    if (t == NULL)
        return SPY__KEY_IGNORED;
    t->playing = 0;
    spy__time_seek(h, k->which == 0 ? t->from : t->to);
    return SPY__KEY_DONE;
}
