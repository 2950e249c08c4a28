/* timeline.h - the hex view over a history: the moment of a timeline
 * (ops/recording.h) the view shows, moving through it (the keys replay
 * and the live view's scrub-back share), playing, feeding the change
 * tracker on the timeline's own clock, and the timeline bar.
 *
 * One implementation for both: `shmspy replay FILE` shows a recording
 * (replay.c opens it), and the live view (`shmspy watch`) keeps its last
 * minute in an in-memory history (hexview.c) and, when a key asks, shows
 * a moment of it the same way. Per frame only the window on screen is
 * read, through spy_timeline_frame. Internal to src/tui/. */
#ifndef SPY_TUI_TIMELINE_H
#define SPY_TUI_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "../ops/recording.h"
#include "hexview.h"

/* Speeds of play, in quarters: x0.25 .. x64. */
#define SPY__TIME_SPEEDS 9
/* The speed a replay starts at (x1). */
#define SPY__TIME_SPEED_1 2

typedef struct spy__tline {
    spy_timeline *tl;  /* what is read (owned: spy__time_free closes it) */
    int replay;        /* 1: a recording; 0: the live view's history */
    uint64_t t;        /* the moment shown (ns on the timeline's clock) */
    uint64_t from, to; /* the span held (to: the present of a history) */
    uint64_t step;     /* what , and . move: the sampling period (ns) */
    int playing;
    int speed;          /* index of the speeds, 0 .. SPY__TIME_SPEEDS - 1 */
    uint64_t played_ms; /* monotonic ms up to which play moved t */
    /* What the change tracker was fed last: the moment and the window. */
    int fed;
    uint64_t fed_t, fed_base;
    size_t fed_len;
    char what[300]; /* the bar's name: "rec.shmspy (/name)", safe */
    /* The events that say what became of the segment (removed,
     * recreated, resized), collected from the timeline as it grows: the
     * last SPY__TIME_EVENTS of them, oldest first. */
    struct spy__tevent *ev;
    size_t nev;
    uint64_t ev_upto; /* walked up to here (0: not yet) */
    int ev_walked;
    size_t ev_said; /* 1 + the index of the event said last (0: none) */
    uint64_t ev_said_t;
} spy__tline;

/* An event of the timeline the view tells (spy__tline.ev). */
typedef struct spy__tevent {
    uint64_t t_ns;
    spy_rec_event_kind kind;
    uint64_t a, b;
} spy__tevent;

/* Events kept at most (the oldest go first). */
#define SPY__TIME_EVENTS 1024

/* What became of the segment at the moment shown, into out ("" when
 * nothing to tell): "removed at 1.520s" while it is gone (until
 * recreated), "recreated at 2.020s (4096 bytes)" or "resized 256 -> 512
 * bytes at 1.500s" for a fade period after. In a history the times are
 * before the present ("removed at -3.100s"). */
void spy__time_event_text(const spy__tline *t, char *out, size_t cap);

/* A timeline over tl (owned from now on) spanning [from, to], stepping by
 * step ns, at the moment `at`; NULL when out of memory (tl is then
 * closed). */
spy__tline *spy__time_new(spy_timeline *tl, int replay, uint64_t from,
                          uint64_t to, uint64_t step, uint64_t at,
                          const char *what);

/* Closes the timeline and frees t (NULL: nothing). */
void spy__time_free(spy__tline *t);

/* len bytes at off as of the moment shown, into dst (bytes past the size
 * then read 0). 0 or a negative SPY_E* code (damage, naming the offset). */
int spy__time_read(spy__tline *t, uint64_t off, void *dst, size_t len,
                   spy_err *err);

/* The segment's size at the moment shown. */
uint64_t spy__time_size(spy__tline *t);

/* The clock the change tracker and the fades run on in a timeline: the
 * moment shown, in milliseconds (so changes light up and fade in the
 * timeline's time: paused, they stay as they were). */
uint64_t spy__time_clock(const spy__tline *t);

/* Shows the moment `at` (clamped to the span): the view's size, cursor
 * and window follow. */
void spy__time_seek(spy__hexview *h, uint64_t at);

/* Reads the window on screen at the moment shown into h->buf and feeds
 * the change tracker: a small step forward is one frame (what changed
 * lights up); any other move rebuilds the fades from the frames of the
 * last fade period, so a jump shows what changed just before the moment
 * as the live view would have. */
void spy__time_window(spy__hexview *h);

/* Per tick: moves t on while playing (stopping at the end). Returns when
 * it next wants a tick (UINT64_MAX: paused). */
uint64_t spy__time_tick(spy__hexview *h, uint64_t now);

/* Draws the timeline bar on line y: the moment and the span, a progress
 * bar, playing or paused and the speed (replay), or how far back the
 * view looks (history). */
void spy__time_draw_bar(const spy__hexview *h, int y);

/* "HISTORY -3.200s" or "REPLAY 1.500s" for the status line, into out;
 * the bar shows the same text (both are drawn in the same frame). */
void spy__time_status(const spy__hexview *h, char *out, size_t cap);

/* ---- keys (rows of the hex view's table, hexkeys.c) ---- */

/* < > : the previous / next change anywhere. In the live view, < (and ,
 * [ J) look back into the history, entering it. */
int spy__time_key_change(const spy__keyhit *k);
/* [ ] : the previous / next change of the byte under the cursor (of the
 * field under the field cursor when the fields have the keys). */
int spy__time_key_here(const spy__keyhit *k);
/* , . : a step (one sampling period) back / forward. */
int spy__time_key_step(const spy__keyhit *k);
/* J : jump to a time (prompt). */
int spy__time_key_jump(const spy__keyhit *k);
/* Space (replay): play / pause. */
int spy__time_key_play(const spy__keyhit *k);
/* - + (replay): slower / faster. */
int spy__time_key_speed(const spy__keyhit *k);
/* { } (replay): the start / the end. */
int spy__time_key_ends(const spy__keyhit *k);

/* ---- the live view's history (hexview.c) ---- */

/* Enters the history of the live view at the moment `at` (its present
 * when at is UINT64_MAX): the view then shows that moment until
 * spy__hex_history_leave. Returns 0, or -1 (said on the message line)
 * when the view keeps no history. */
int spy__hex_history_enter(spy__hexview *h, uint64_t at);

/* Back to the live segment. */
void spy__hex_history_leave(spy__hexview *h);

#endif
