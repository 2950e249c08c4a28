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
    free(t->ev);
    free(t);
}

/* ---- events ---------------------------------------------------------- */

static int on_event(uint64_t t_ns, uint64_t seq, const spy_rec_event *ev,
                    void *arg) {
    spy__tline *t = arg;
    spy__tevent *e;

    (void)seq;
    if (ev->kind != SPY_REC_EV_REMOVED && ev->kind != SPY_REC_EV_RECREATED &&
        ev->kind != SPY_REC_EV_RESIZE)
        return 0;
    if (t->ev == NULL) {
        t->ev = malloc(SPY__TIME_EVENTS * sizeof *t->ev);
        if (t->ev == NULL)
            return 1; /* out of memory: no events told */
    }
    if (t->nev == SPY__TIME_EVENTS) {
        memmove(t->ev, t->ev + 1, (SPY__TIME_EVENTS - 1) * sizeof *t->ev);
        t->nev--;
        t->ev_said = 0;
    }
    e = &t->ev[t->nev++];
    e->t_ns = t_ns;
    e->kind = ev->kind;
    e->a = ev->a;
    e->b = ev->b;
    return 0;
}

/* Collects the events up to the end of the span (only their records are
 * read: the index says which). A damaged record stops it, unsaid: the
 * frames say so. */
static void events_sync(spy__tline *t) {
    spy_timeline_visitor v = {NULL, NULL, on_event, NULL, t};
    spy_err e;

    if (t->ev_walked && t->to <= t->ev_upto)
        return;
    spy_err_clear(&e);
    (void)spy_timeline_walk(t->tl, t->ev_walked ? t->ev_upto : 0, t->to, &v,
                            &e);
    t->ev_walked = 1;
    t->ev_upto = t->to;
}

/* The event to tell at the moment shown: 1 + its index, 0 for none. */
static size_t event_now(const spy__tline *t) {
    uint64_t fade = (uint64_t)SPY__HEX_FADE_MS * NS_PER_MS;
    size_t i = t->nev;

    while (i > 0 && t->ev[i - 1].t_ns > t->t)
        i--;
    if (i == 0)
        return 0;
    if (t->ev[i - 1].kind == SPY_REC_EV_REMOVED ||
        t->t - t->ev[i - 1].t_ns < fade)
        return i;
    return 0;
}

/* "1.520s" from the start (replay), "-3.100s" before the present. */
static const char *event_time(const spy__tline *t, uint64_t ts, char *buf,
                              size_t cap) {
    char s[40];

    if (t->replay)
        return spy_format_seconds(ts - t->from, buf, cap);
    snprintf(buf, cap, "-%s", spy_format_seconds(t->to - ts, s, sizeof s));
    return buf;
}

void spy__time_event_text(const spy__tline *t, char *out, size_t cap) {
    size_t i = event_now(t);
    const spy__tevent *e;
    char at[48];

    out[0] = '\0';
    if (i == 0)
        return;
    e = &t->ev[i - 1];
    event_time(t, e->t_ns, at, sizeof at);
    if (e->kind == SPY_REC_EV_REMOVED)
        snprintf(out, cap, "removed at %s", at);
    else if (e->kind == SPY_REC_EV_RECREATED)
        snprintf(out, cap, "recreated at %s (%llu bytes)", at,
                 (unsigned long long)e->b);
    else
        snprintf(out, cap, "resized %llu -> %llu bytes at %s",
                 (unsigned long long)e->a, (unsigned long long)e->b, at);
}

/* Says on the message line what became of the segment when the moment
 * shown comes to another event (not again for the same one). */
static void events_tell(spy__tline *t) {
    size_t i;
    char m[160];

    events_sync(t);
    i = event_now(t);
    if (i == 0 || (i == t->ev_said && t->ev[i - 1].t_ns == t->ev_said_t)) {
        if (i == 0)
            t->ev_said = 0;
        return;
    }
    t->ev_said = i;
    t->ev_said_t = t->ev[i - 1].t_ns;
    spy__time_event_text(t, m, sizeof m);
    spy__ui_msg(0, "%s", m);
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
        int recent, fed_from = 0;

        spy_changes_reset(&h->changes);
        /* Nothing on screen changed within a fade before the moment (the
         * index says so without reading a byte): one frame is enough. */
        spy_err_clear(&e);
        recent = n > 0 && spy_timeline_prev_change(t->tl, t->t + 1, h->top, n,
                                                   &last, &e) == 1;
        recent = recent && t->t - last < (uint64_t)SPY__FADE_LEVELS * step;
        /* Near the start the fade steps before it are the start itself
         * (fed once): what changed since the start still lights up. */
        for (k = recent ? SPY__FADE_LEVELS : 0; k >= 1; k--) {
            uint64_t back = (uint64_t)k * step;
            uint64_t ts = t->t - t->from > back ? t->t - back : t->from;
            if (ts == t->t || (ts == t->from && fed_from))
                continue;
            fed_from = ts == t->from;
            if (frame_at(h, ts, n) == 0)
                spy_changes_update(&h->changes, h->top, h->buf,
                                   n < visible ? n : visible, clock_of(ts));
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
    events_tell(t);
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
        /* The bar says the same (it is drawn with the status line). */
        snprintf(out, cap, "HISTORY -%s",
                 spy_format_seconds(t->to - t->t, s, sizeof s));
    }
}

void spy__time_draw_bar(const spy__hexview *h, int y) {
    const spy__tline *t = h->tline;
    char left[400], right[340], a[40], b[40], sp[16], ev[160], hist[64];
    int x, w, fill, i, barw;
    uint64_t span;

    if (t == NULL || y < 0)
        return;
    spy__time_event_text(t, ev, sizeof ev);
    spy__time_status(h, hist, sizeof hist);
    if (t->replay)
        snprintf(left, sizeof left, " REPLAY  %s %s  %s / %s %s%s%s",
                 t->playing ? "> playing" : "|| paused",
                 speed_text(t->speed, sp, sizeof sp),
                 spy_format_seconds(t->t - t->from, a, sizeof a),
                 spy_format_seconds(t->to - t->from, b, sizeof b),
                 ev[0] != '\0' ? " ! " : "", ev, ev[0] != '\0' ? "  " : "");
    else
        snprintf(left, sizeof left, " %s  (%s kept) %s%s%s", hist,
                 spy_format_seconds(t->to - t->from, b, sizeof b),
                 ev[0] != '\0' ? " ! " : "", ev, ev[0] != '\0' ? "  " : "");
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

/* Bytes of a range compared per candidate (a field longer than this is
 * compared on its first bytes). */
#define CMP_MAX 4096
/* A search for a change of a range stops after this long (ms) at the last
 * record it looked at, and says so: another press goes on from there. */
#define SEARCH_MS 200

/* Reads [off, off+len) at ts into buf (len <= CMP_MAX); 0 or -1. */
static int range_at(spy__tline *t, uint64_t ts, uint64_t off, uint64_t len,
                    uint8_t *buf, spy_err *e) {
    uint64_t valid = 0;

    if (spy_timeline_frame(t->tl, ts, off, len, buf, &valid, e) != 0)
        return -1;
    /* Bytes past the size read 0; a range that leaves the object (or
     * comes back) changes even if they were 0. */
    memcpy(buf + len, &valid, sizeof valid);
    return 0;
}

/* The index names the records that touch a range (a record holds whole
 * blocks: SPY_REC_BLOCK bytes, so a neighbour's change touches the range
 * too); this keeps only those that change its bytes, comparing the range
 * before and after each candidate. Returns 1 with *at, 0 when there is
 * none, -1 on error (said), 2 when the time budget ran out (*at: where
 * the search stopped). */
static int range_change(spy__tline *t, int back, uint64_t off, uint64_t len,
                        uint64_t *at, spy_err *e) {
    static uint8_t a[CMP_MAX + 8], b[CMP_MAX + 8];
    uint64_t x = t->t, c = 0, deadline = spy_monotonic_ms() + SEARCH_MS;
    uint8_t *known = a, *other = b, *tmp;
    int rc, have = 0;

    if (len > CMP_MAX)
        len = CMP_MAX;
    /* known: the range as of x (forward), or as of the candidate c, just
     * after it (backward). */
    if (!back && range_at(t, x, off, len, known, e) != 0)
        return -1;
    for (;;) {
        rc = back ? spy_timeline_prev_change(t->tl, x, off, len, &c, e)
                  : spy_timeline_next_change(t->tl, x, off, len, &c, e);
        if (rc <= 0)
            return rc < 0 ? -1 : 0;
        if (back && !have) {
            if (range_at(t, c, off, len, known, e) != 0)
                return -1;
            have = 1;
        }
        /* other: after c (forward), or just before c (backward). */
        if (range_at(t, back ? (c > 0 ? c - 1 : 0) : c, off, len, other, e) !=
            0)
            return -1;
        if (memcmp(known, other, (size_t)len + 8) != 0 || (back && c == 0)) {
            *at = c;
            return 1;
        }
        tmp = known;
        known = other;
        other = tmp;
        x = c;
        if (spy_monotonic_ms() >= deadline) {
            *at = c;
            return 2;
        }
    }
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
    if (len > 0)
        rc = range_change(t, back, off, len, &at, &e);
    else
        rc = back ? spy_timeline_prev_change(t->tl, t->t, off, len, &at, &e)
                  : spy_timeline_next_change(t->tl, t->t, off, len, &at, &e);
    if (rc < 0) {
        char m[SPY_ERR_MSG_MAX];
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "%s", m);
        return;
    }
    spy__ui_msg_clear();
    if (rc == 2) {
        char s[40];
        spy__time_seek(h, at);
        spy__ui_msg(0, "no change of %s up to %s yet: %s again looks on", what,
                    spy_format_seconds(at - t->from, s, sizeof s),
                    back ? "[" : "]");
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
    spy__ui_msg_clear();
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
    uint64_t d = 0, at, span;
    spy_err e;
    int minus;

    if (text == NULL || text[0] == '\0')
        return;
    t = timeline_of(h, 1);
    if (t == NULL)
        return;
    t->playing = 0;
    if (strcmp(text, "start") == 0) {
        spy__ui_msg_clear();
        spy__time_seek(h, t->from);
        return;
    }
    if (strcmp(text, "end") == 0 || strcmp(text, "now") == 0) {
        spy__ui_msg_clear();
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
    spy__ui_msg_clear();
    span = t->to - t->from;
    if (minus || !t->replay)
        at = span > d ? t->to - d : t->from;
    else
        at = span > d ? t->from + d : t->to;
    spy__time_seek(h, at);
    /* Past an end: where the view went, and why (said after what became
     * of the segment there, so that it stays on the message line). */
    if (d > span) {
        char s[40];
        events_tell(t);
        spy_format_seconds(span, s, sizeof s);
        if (!t->replay)
            spy__ui_msg(0, "only %s kept: at the start", s);
        else if (minus)
            spy__ui_msg(0, "only %s recorded: at the start", s);
        else
            spy__ui_msg(0, "only %s recorded: at the end", s);
    }
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
    spy__ui_msg_clear();
    spy__time_seek(h, k->which == 0 ? t->from : t->to);
    return SPY__KEY_DONE;
}
