/* hexview.c - the live hex view: opening the object, and the timers that
 * read the visible bytes, notice size changes and a removed name.
 *
 * Per frame only the window on screen (plus a few bytes of lookahead for
 * the inspector) is read, through the guarded spy_seg_read, and compared;
 * nothing is proportional to the size of the object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexview.h"
#include "timeline.h"

#include "../backends/process.h"
#include "../backends/seg.h"
#include "../ops/record.h"
#include "../ops/recording.h"
#include "../ops/write.h"

static uint64_t hex_tick(spy__view *v, uint64_t now);
static void hex_fini(spy__view *v);

/* Notes the identity and metadata of the open object. */
static void take_stat(spy__hexview *h, int identity) {
    spy_seg_info *info = malloc(sizeof *info);

    if (info == NULL)
        return;
    spy_seg_info_init(info);
    if (spy_seg_stat(h->seg, info, NULL) == 0) {
        snprintf(h->kind, sizeof h->kind, "%s", spy_kind_name(info->kind));
        h->mode = info->mode;
        h->stat_size = info->size;
        if (identity) {
            h->dev = info->dev;
            h->ino = info->ino;
        }
    }
    free(info);
}

/* Opens n read-write if write, else read-only (follow: SPY_O_FOLLOW).
 * With write, a refusal falls back to read-only; *fell_back then holds the
 * reason. */
static int open_seg(const spy_name *n, int write, int follow, spy_seg **out,
                    char *fell_back, size_t cap, spy_err *err) {
    int rc;

    fell_back[0] = '\0';
    rc = spy_seg_open(n, write ? SPY_O_WRITE | (follow ? SPY_O_FOLLOW : 0) : 0,
                      0, 0, out, err);
    if (rc == 0 || !write || (rc != SPY_EACCES && rc != SPY_EROFS))
        return rc;
    snprintf(fell_back, cap, "%s", err->msg);
    return spy_seg_open(n, 0, 0, 0, out, err);
}

/* Starts over on a freshly opened segment. */
static void adopt(spy__hexview *h, spy_seg *s) {
    if (h->tline != NULL)
        spy__hex_history_leave(h);
    spy_seg_close(h->seg);
    h->seg = s;
    h->size = spy_seg_len(s);
    h->size_before = h->size;
    take_stat(h, 1);
    spy_changes_reset(&h->changes);
    h->shrunk[0] = h->gone[0] = h->fault[0] = '\0';
    h->len = 0;
    h->stale = 1;
    h->nibble = 0;
    if (!spy__hex_writable(h))
        h->text_col = 0;
    if (h->cur >= h->size)
        h->cur = h->size > 0 ? h->size - 1 : 0;
}

/* Says at once, when the segment is open for writing but the write policy
 * (ops/write.h) will refuse edits, why; returns 1 if it said so. */
static int warn_policy(spy__hexview *h) {
    spy_err e;
    char m[SPY_ERR_MSG_MAX];

    spy_err_clear(&e);
    if (!spy_seg_writable(h->seg) ||
        spy_write_permitted(h->seg, h->force, &e) == 0)
        return 0;
    spy__safe(e.msg, m, sizeof m);
    spy__ui_msg(1, "edits will be refused: %s", m);
    return 1;
}

/* ---- what the view shows: the segment or a timeline ------------------ */

int spy__hex_read(spy__hexview *h, uint64_t off, void *dst, size_t len,
                  spy_err *err) {
    if (h->tline != NULL)
        return spy__time_read(h->tline, off, dst, len, err);
    return spy_seg_read(h->seg, off, dst, len, err);
}

int spy__hex_refuse_past(spy__hexview *h) {
    if (h->tline == NULL)
        return 0;
    if (h->tline->replay)
        spy__ui_msg(1, "replay is read-only");
    else
        spy__ui_msg(1, "the history is read-only: Esc goes back to the live "
                       "view");
    return 1;
}

int spy__hex_writable(const spy__hexview *h) {
    return h->seg != NULL && h->tline == NULL && spy_seg_writable(h->seg);
}

uint64_t spy__hex_clock(const spy__hexview *h, uint64_t now) {
    return h->tline != NULL ? spy__time_clock(h->tline) : now;
}

/* ---- the history (scrub-back) ---------------------------------------- */

/* Stops keeping the history (why: the status line says it). */
static void history_stop(spy__hexview *h, const char *why) {
    char m[SPY_ERR_MSG_MAX];

    if (h->tline != NULL && h->tline == h->scrub)
        spy__hex_history_leave(h);
    spy__time_free(h->scrub);
    h->scrub = NULL;
    spy_history_free(h->hist);
    h->hist = NULL;
    spy_sampler_close(h->sampler);
    h->sampler = NULL;
    free(h->hist_runs);
    h->hist_runs = NULL;
    h->hist_cap = 0;
    spy__safe(why, m, sizeof m);
    snprintf(h->hist_off, sizeof h->hist_off, "no history: %s", m);
}

/* Starts the history: a sampler over the whole segment (its own mapping,
 * by name), sampling at the view's rate, slower for a large segment so
 * that it reads at most SPY__HEX_HISTORY_RATE bytes a second; none for a
 * segment over SPY__HEX_HISTORY_MAX (said in the status line). */
static void history_start(spy__hexview *h) {
    uint64_t size = h->size, ms = 1000 / h->hz, img_size = 0;
    const uint8_t *img;
    spy_timeline *tl = NULL;
    char canon[SPY_NAME_MAX], a[32];
    spy_err e;

    if (size > SPY__HEX_HISTORY_MAX) {
        snprintf(h->hist_off, sizeof h->hist_off,
                 "no history: %s bytes, over its %llu MiB limit",
                 spy__fmt_size(size, a, sizeof a),
                 (unsigned long long)(SPY__HEX_HISTORY_MAX >> 20));
        return;
    }
    if (size * 1000 / SPY__HEX_HISTORY_RATE > ms)
        ms = size * 1000 / SPY__HEX_HISTORY_RATE;
    if (ms > 1000)
        ms = 1000;
    if (ms == 0)
        ms = 1;
    h->hist_ms = (unsigned)ms;
    spy_err_clear(&e);
    spy_name_format(&h->name, canon, sizeof canon);
    if (spy_sampler_open(&h->name, ms * 1000000ull, &h->sampler, &e) != 0) {
        h->sampler = NULL;
        history_stop(h, e.msg);
        return;
    }
    img = spy_sampler_image(h->sampler, &img_size);
    if (spy_history_new(canon, ms * 1000000ull,
                        (uint64_t)SPY__HEX_HISTORY_S * 1000000000ull, 0, img,
                        img_size, &h->hist, &e) != 0) {
        h->hist = NULL;
        history_stop(h, e.msg);
        return;
    }
    spy_history_set_limit(h->hist, SPY__HEX_HISTORY_MEM(img_size));
    snprintf(h->hist_label, sizeof h->hist_label, "history %ds",
             SPY__HEX_HISTORY_S);
    if (spy_history_timeline(h->hist, &tl, &e) != 0) {
        history_stop(h, e.msg);
        return;
    }
    h->scrub = spy__time_new(tl, 0, 0, 0, ms * 1000000ull, 0, h->disp);
    if (h->scrub == NULL) {
        history_stop(h, "out of memory");
        return;
    }
    h->hist_now = 0;
    h->hist_next = spy_monotonic_ms() + ms;
}

/* One sample into the history, when due. */
static void history_sample(spy__hexview *h, uint64_t now) {
    spy_rec_run *runs;
    spy_sample s;
    uint64_t from = 0, to = 0;
    spy_err e;
    size_t i, n;

    if (h->sampler == NULL || now < h->hist_next)
        return;
    h->hist_next = h->hist_next + h->hist_ms > now ? h->hist_next + h->hist_ms
                                                   : now + h->hist_ms;
    spy_err_clear(&e);
    if (spy_sampler_step(h->sampler, 0, &s, &e) != 0) {
        history_stop(h, e.msg);
        return;
    }
    if (s.size > SPY__HEX_HISTORY_MAX) {
        history_stop(h, "the segment grew past the history's limit");
        return;
    }
    for (i = 0; i < s.nevents; i++)
        if (spy_history_add_event(h->hist, s.t_ns, s.seq, &s.events[i], &e) !=
            0) {
            history_stop(h, e.msg);
            return;
        }
    /* A recreated object comes as a keyframe: all of its bytes. */
    n = s.key ? (s.size > 0) : s.nruns;
    if (n > h->hist_cap) {
        void *p = realloc(h->hist_runs, n * sizeof *runs);
        if (p == NULL) {
            history_stop(h, "out of memory");
            return;
        }
        h->hist_runs = p;
        h->hist_cap = n;
    }
    runs = h->hist_runs;
    if (s.key && n > 0) {
        runs[0].off = 0;
        runs[0].len = (uint32_t)s.size;
        runs[0].data = s.img;
    }
    for (i = 0; !s.key && i < n; i++) {
        runs[i].off = s.runs[i].off;
        runs[i].len = s.runs[i].len;
        runs[i].data = s.runs[i].new_data;
    }
    if (n > 0 && spy_history_add_delta(h->hist, s.t_ns, s.seq, s.size, runs, n,
                                       &e) != 0) {
        history_stop(h, e.msg);
        return;
    }
    h->hist_now = s.t_ns;
    spy_history_span(h->hist, &from, &to);
    {
        /* The memory cap shortened the window: the status line says
         * what is kept ("history 12s"), else what is kept at most. */
        const uint64_t win = (uint64_t)SPY__HEX_HISTORY_S * 1000000000ull;
        uint64_t kept = to - from;
        if (from > (to > win ? to - win : 0))
            snprintf(h->hist_label, sizeof h->hist_label, "history %llu.%llus",
                     (unsigned long long)(kept / 1000000000ull),
                     (unsigned long long)(kept / 100000000ull % 10));
        else
            snprintf(h->hist_label, sizeof h->hist_label, "history %ds",
                     SPY__HEX_HISTORY_S);
    }
    h->scrub->from = from;
    h->scrub->to = s.t_ns > to ? s.t_ns : to;
    /* Looking back at a moment that just left the window: its start. */
    if (h->tline == h->scrub && h->scrub->t < from)
        spy__time_seek(h, from);
}

int spy__hex_history_enter(spy__hexview *h, uint64_t at) {
    if (h->scrub == NULL) {
        spy__ui_msg(1, "%s",
                    h->hist_off[0] != '\0' ? h->hist_off
                                           : "no history in this view");
        return -1;
    }
    h->tline = h->scrub;
    h->tline->fed = 0;
    h->tline->playing = 0;
    h->text_col = 0;
    h->nibble = 0;
    spy__time_seek(h, at == UINT64_MAX ? h->scrub->to : at);
    return 0;
}

void spy__hex_history_leave(spy__hexview *h) {
    h->tline = NULL;
    /* The tracker ran on the history's clock: start again on the live
     * one. */
    spy_changes_reset(&h->changes);
    h->size = spy_seg_len(h->seg);
    if (h->cur >= h->size)
        h->cur = h->size > 0 ? h->size - 1 : 0;
    h->next_read = 0;
    h->stale = 1;
    spy__hex_layout(h);
}

spy__view *spy__hexview_new(const spy_name *n, const spy_tui_opts *o,
                            spy_err *err) {
    spy__hexview *h = calloc(1, sizeof *h);
    char why[SPY_ERR_MSG_MAX];
    spy_seg *s = NULL;

    if (h == NULL) {
        spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
        return NULL;
    }
    if (open_seg(n, o->write, o->follow, &s, why, sizeof why, err) != 0) {
        free(h);
        return NULL;
    }
    h->name = *n;
    {
        char canon[SPY_NAME_MAX];
        spy_name_format(n, canon, sizeof canon);
        spy__safe_name(canon, h->disp, sizeof h->disp);
    }
    h->hz = o->hz >= 1 && o->hz <= 60 ? o->hz : 10;
    h->force = o->force;
    h->follow = o->follow;
    spy_changes_init(&h->changes, SPY__HEX_FADE_MS);
    adopt(h, s);
    if (why[0] != '\0') {
        spy__ui_msg(1, "read-only: %s", why);
    } else if (!warn_policy(h)) {
        char notice[SPY_ERR_MSG_MAX], m[SPY_ERR_MSG_MAX];
        if (spy_write_notice(h->seg, notice, sizeof notice) != NULL) {
            spy__safe(notice, m, sizeof m);
            spy__ui_msg(0, "%s", m);
        }
    }
    h->view.self = h;
    h->view.keys = spy__hex_keys;
    h->view.kind = SPY__KV_LIVE;
    h->view.tick = hex_tick;
    h->view.draw = spy__hex_draw;
    h->view.fini = hex_fini;
    h->cmd = "watch";
    history_start(h);
    if (o->typed != NULL &&
        spy__fp_adopt(h, o->typed, 0, o->typed_base, o->field, err) != 0) {
        hex_fini(&h->view);
        return NULL;
    }
    return &h->view;
}

static void hex_fini(spy__view *v) {
    spy__hexview *h = v->self;

    if (h->tline != NULL && h->tline != h->scrub)
        spy__time_free(h->tline); /* a replay's */
    h->tline = NULL;
    spy__time_free(h->scrub);
    spy_history_free(h->hist);
    spy_sampler_close(h->sampler);
    free(h->hist_runs);
    spy_seg_close(h->seg);
    spy_changes_free(&h->changes);
    spy__search_free(&h->search);
    spy__fp_free(&h->fields);
    spy__bp_free(h);
    free(h->buf);
    free(h->row_cache);
    free(h);
}

int spy__hex_reopen(spy__hexview *h, int write) {
    char why[SPY_ERR_MSG_MAX];
    spy_seg *s = NULL;
    spy_err e;
    int rc;

    spy_err_clear(&e);
    rc = open_seg(&h->name, write, h->follow, &s, why, sizeof why, &e);
    if (rc != 0) {
        spy__ui_msg(1, "cannot reopen: %s", e.msg);
        return rc;
    }
    adopt(h, s);
    if (why[0] != '\0')
        spy__ui_msg(1, "reopened read-only: %s", why);
    else if (!warn_policy(h))
        spy__ui_msg(0, "reopened %s: %llu bytes, %s", h->disp,
                    (unsigned long long)h->size,
                    spy_seg_writable(s) ? "read-write" : "read-only");
    return 0;
}

void spy__hex_goto(spy__hexview *h, uint64_t off, int center) {
    uint64_t row;

    if (h->size == 0)
        off = 0;
    else if (off >= h->size)
        off = h->size - 1;
    h->cur = off;
    h->nibble = 0;
    if (center && h->bpr > 0 && h->rows > 0) {
        row = off / (uint64_t)h->bpr;
        row = row > (uint64_t)h->rows / 2 ? row - (uint64_t)h->rows / 2 : 0;
        h->top = row * (uint64_t)h->bpr;
    }
    spy__hex_layout(h);
    h->stale = 1;
}

/* The mapping's length may have changed: follow it, and say so. */
static void check_size(spy__hexview *h) {
    char a[32], b[32];
    uint64_t len;
    spy_err e;
    int changed = 0;

    spy_err_clear(&e);
    if (spy_seg_refresh(h->seg, &changed, &e) != 0) {
        snprintf(h->fault, sizeof h->fault, "%s", e.msg);
        return;
    }
    len = spy_seg_len(h->seg);
    if (len == h->size)
        return;
    if (len < h->size) {
        if (h->shrunk[0] == '\0')
            h->size_before = h->size;
        snprintf(h->shrunk, sizeof h->shrunk,
                 "shrank from %s to %s bytes: the view is clamped",
                 spy__fmt_size(h->size_before, a, sizeof a),
                 spy__fmt_size(len, b, sizeof b));
    } else {
        if (h->shrunk[0] != '\0' && len >= h->size_before)
            h->shrunk[0] = '\0';
        spy__ui_msg(0, "the object grew from %s to %s bytes",
                    spy__fmt_size(h->size, a, sizeof a),
                    spy__fmt_size(len, b, sizeof b));
    }
    h->size = len;
    h->fault[0] = '\0';
    if (h->cur >= len)
        h->cur = len > 0 ? len - 1 : 0;
    h->stale = 1;
    spy__hex_layout(h);
}

/* Reads the window on screen and feeds the change tracker. */
static void read_window(spy__hexview *h, uint64_t now) {
    size_t visible = (size_t)h->rows * (size_t)h->bpr, want, n = 0;
    spy_err e;
    int rc, tries;
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
    for (tries = 0; tries < 2; tries++) {
        n = h->top < h->size
                ? (size_t)(h->size - h->top < want ? h->size - h->top : want)
                : 0;
        spy_err_clear(&e);
        rc = n > 0 ? spy__hex_read(h, h->top, h->buf, n, &e) : 0;
        if (rc == 0)
            break;
        /* It shrank between the size check and the read: look again. */
        check_size(h);
        n = 0;
        if (tries == 1)
            snprintf(h->fault, sizeof h->fault, "%s", e.msg);
    }
    h->base = h->top;
    h->len = n;
    h->stale = 0;
    if (n > 0 || h->size == 0)
        h->fault[0] = '\0';
    changed = spy_changes_update(&h->changes, h->top, h->buf,
                                 n < visible ? n : visible, now);
    if (changed < 0)
        spy__ui_msg(1, "out of memory");
    if (changed != 0)
        h->changed = 1;
}

/* Has the name been removed, or does it now name another object? */
static void check_name(spy__hexview *h) {
    spy_seg_info *info;
    spy_seg *probe = NULL;
    spy_err e;
    int rc;

    spy_err_clear(&e);
    rc = spy_seg_open(&h->name, SPY_O_NOMAP, 0, 0, &probe, &e);
    if (rc == SPY_ENOENT) {
        snprintf(h->gone, sizeof h->gone,
                 "%s was removed (unlinked): the mapping lives on; r "
                 "reopens once the name is back",
                 h->disp);
        return;
    }
    if (rc != 0)
        return; /* cannot tell (permission...): say nothing */
    info = malloc(sizeof *info);
    if (info != NULL) {
        spy_seg_info_init(info);
        if (spy_seg_stat(probe, info, NULL) == 0) {
            if (info->dev != h->dev || info->ino != h->ino)
                snprintf(h->gone, sizeof h->gone,
                         "%s now names a new object (recreated): r reopens "
                         "it",
                         h->disp);
            else
                h->gone[0] = '\0';
        }
        free(info);
    }
    spy_seg_close(probe);
}

/* The search's reader: what the view shows. */
static int search_read(void *arg, uint64_t off, void *dst, size_t len,
                       spy_err *err) {
    return spy__hex_read(arg, off, dst, len, err);
}

static uint64_t hex_tick(spy__view *v, uint64_t now) {
    spy__hexview *h = v->self;
    uint64_t period = 1000 / h->hz, next, key[SPY__HEX_KEY_WORDS], fnext, bnext;
    uint64_t clk, tnext = UINT64_MAX;
    int fading, did_read = 0, busy = 0;

    /* Calm unless something below may change what is drawn. */
    v->calm = 1;
    h->changed = 0;
    /* The history keeps going while the view looks back into it. */
    history_sample(h, now);
    if (spy__hex_layout(h))
        h->stale = 1;
    if (h->stale || h->searching)
        v->calm = 0;
    if (h->seg != NULL && now >= h->next_slow) {
        v->calm = 0; /* stat, size and name checks: about once a second */
        h->next_slow = now + SPY__HEX_SLOW_MS;
        if (h->frozen && h->tline == NULL)
            check_size(h);
        take_stat(h, 0);
        check_name(h);
    }
    if (h->tline != NULL) {
        /* A moment of a timeline: read when it (or the window) moved. */
        uint64_t at = h->tline->t;
        tnext = spy__time_tick(h, now);
        if (h->tline->t != at)
            v->calm = 0;
        if (h->tline == h->scrub)
            v->calm = 0; /* "HISTORY -3.2s" grows with the present */
        if (h->stale) {
            spy__time_window(h);
            did_read = 1;
            v->calm = 0;
        }
    } else if (!h->frozen && now >= h->next_read) {
        uint64_t size = h->size;
        /* Keep the cadence; after a stall, start again from now. */
        h->next_read =
            h->next_read + period > now ? h->next_read + period : now + period;
        check_size(h);
        read_window(h, now);
        did_read = 1;
        if (h->changed || h->size != size || h->fault[0] != '\0')
            v->calm = 0;
    } else if (h->stale) {
        read_window(h, now);
        did_read = 1;
        v->calm = 0;
    }
    clk = spy__hex_clock(h, now);
    if (h->searching) {
        spy__search_src src = {search_read, h, h->size};
        uint64_t at = 0;
        int wrapped = 0, rc;
        spy_err e;

        spy_err_clear(&e);
        rc = spy__search_step(&h->search, &src, 8u << 20, &at, &wrapped, &e);
        if (rc != SPY__MORE) {
            h->searching = 0;
            if (rc == SPY__FOUND) {
                h->match_off = at;
                h->match_len = h->search.n;
                spy__hex_goto(h, at, 1);
                if (h->tline != NULL)
                    spy__time_window(h);
                else
                    read_window(h, now);
                spy__ui_msg(0, "found at 0x%llx%s", (unsigned long long)at,
                            wrapped ? " (search wrapped around the end)" : "");
            } else if (rc == SPY__NOT_FOUND) {
                h->match_len = 0;
                spy__ui_msg(1, "not found");
            } else {
                spy__ui_msg(1, "search stopped: %s", e.msg);
            }
        }
    }
    /* The field pane reads its rows with the window, and follows the
     * cursor. */
    fnext = spy__fp_tick(h, clk, did_read, &busy);
    if (h->tline != NULL)
        fnext = UINT64_MAX; /* its fades run on the timeline's clock */
    /* The writers pane takes the hits there are (never waits). */
    bnext = spy__bp_tick(h, now, &busy);
    if (bnext < fnext)
        fnext = bnext;
    if (busy)
        v->calm = 0;
    /* What was highlighted in the last frame moves a fade step on. */
    fading = spy_changes_active(&h->changes, h->fade_drawn);
    if (fading && spy__hex_fade_clock(clk) != h->fade_drawn)
        v->calm = 0;
    if (h->tline != NULL)
        fading = 0; /* a timeline's fades move only with its moment */
    next = h->frozen || h->tline != NULL
               ? h->next_slow
               : (h->next_read < h->next_slow ? h->next_read : h->next_slow);
    if (h->seg == NULL)
        next = UINT64_MAX;
    if (h->sampler != NULL && h->hist_next < next)
        next = h->hist_next;
    if (tnext < next)
        next = tnext;
    if (h->searching || h->stale)
        next = now;
    else if (fading && next > spy__hex_fade_clock(now) + SPY__HEX_FADE_STEP_MS)
        next = spy__hex_fade_clock(now) + SPY__HEX_FADE_STEP_MS;
    if (fnext < next)
        next = fnext;
    /* The same layout as drawn last: the draw may paint over it. */
    spy__hex_layout_key(h, key);
    v->partial = memcmp(key, h->drawn_key, sizeof key) == 0;
    return next;
}

spy__view *spy__hexview_replay(struct spy__tline *t, const char *title,
                               const spy_tui_opts *o, spy_err *err) {
    spy__hexview *h = calloc(1, sizeof *h);

    if (h == NULL) {
        spy__time_free(t);
        spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
        return NULL;
    }
    snprintf(h->disp, sizeof h->disp, "%s", title); /* already safe */
    h->hz = o->hz >= 1 && o->hz <= 60 ? o->hz : 20;
    h->cmd = "replay";
    snprintf(h->kind, sizeof h->kind, "replay");
    spy_changes_init(&h->changes, SPY__HEX_FADE_MS);
    h->tline = t;
    h->size = spy__time_size(t);
    h->stat_size = h->size;
    h->stale = 1;
    h->next_slow = UINT64_MAX;
    h->view.self = h;
    h->view.keys = spy__hex_keys;
    h->view.kind = SPY__KV_REPLAY;
    h->view.tick = hex_tick;
    h->view.draw = spy__hex_draw;
    h->view.fini = hex_fini;
    if (o->typed != NULL &&
        spy__fp_adopt(h, o->typed, 0, o->typed_base, o->field, err) != 0) {
        hex_fini(&h->view);
        return NULL;
    }
    return &h->view;
}
