/* hexview.h - state of the live hex view, shared by its files:
 * hexview.c (opening, refreshing), hexkeys.c (edits, and the key table:
 * each key with its help line and handler), hexdraw.c (layout and
 * drawing). Internal to src/tui/. */
#ifndef SPY_TUI_HEXVIEW_H
#define SPY_TUI_HEXVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/seg.h"
#include "../core/changes.h"
#include "../ops/blame.h"
#include "fieldpane.h"
#include "search.h"
#include "ui.h"

/* Bytes read past the last visible one, so that the inspector can decode
 * up to 8-byte values and a short string at any visible cursor. */
#define SPY__HEX_LOOKAHEAD 64
/* Size and object identity checks (stat, re-open by name): once a second. */
#define SPY__HEX_SLOW_MS 1000
/* The status bar of a frame drawn over the last one is redrawn at most
 * this often (every erased frame redraws it). */
#define SPY__HEX_STATUS_MS 250

/* Lines of the writers pane (blamepane.c): its title, the column heads
 * and up to SPY__BP_LINES - 2 writers. A fixed height, so that hits never
 * change the layout. */
#define SPY__BP_LINES 8

/* The writers pane: a blame session (ops/blame.h) on the bytes under the
 * cursor or the field under the field cursor, polled by the view's tick
 * (blamepane.c). */
typedef struct spy__bpane {
    spy_blame_session *s; /* NULL: not armed (the pane is not shown) */
    spy_blame_opts o;     /* what is watched */
    char what[96];        /* "0x10, 4 bytes", as the title says it */
    uint64_t armed_ms;    /* spy_monotonic_ms when it was armed */
    uint64_t hits;        /* hits seen by the last tick */
    uint64_t drawn_hits;  /* ... and as of the last draw */
    int drawn_level;      /* the newest row's fade level as drawn */
    int y, x, w, h;       /* the pane on screen (h 0: not shown) */
} spy__bpane;

struct spy__tline; /* timeline.h */

/* Words of a layout key (spy__hex_layout_key). */
#define SPY__HEX_KEY_WORDS 8

typedef struct spy__hexview {
    spy__view view;
    spy_name name;
    char disp[256]; /* the name, safe to draw */
    spy_seg *seg;   /* the live segment (NULL in a replay) */
    /* Where the bytes shown come from: NULL, the live segment; else a
     * timeline at its current moment (the replay of a recording, or the
     * live view looking back into its history). Every reader of the view
     * goes through spy__hex_read, and edits are refused meanwhile. */
    struct spy__tline *tline;
    unsigned hz;
    char kind[16];         /* "posix", "sysv", ... */
    uint32_t mode;         /* permission bits from the last stat */
    uint64_t stat_size;    /* object size from the last stat */
    uint64_t status_next;  /* when the status bar is next redrawn */
    char size_text[32];    /* stat_size as the status bar shows it ... */
    uint64_t size_text_of; /* ... formatted from this size */
    uint64_t dev, ino;     /* identity of the object we have open */
    uint64_t size;         /* length of our mapping */
    uint64_t size_before;  /* size before the last shrink (banner) */

    /* Layout, computed by spy__hex_layout from the terminal size. */
    int ow;                             /* hex digits of an offset */
    int bpr;                            /* bytes per row */
    int rows;                           /* rows of bytes on screen */
    int hex_y;                          /* first screen line of bytes */
    int insp_y, insp_x, insp_w, insp_h; /* inspector pane, h 0 if none */

    /* Position and modes. */
    uint64_t top; /* offset of the first row on screen */
    uint64_t cur; /* cursor */
    int nibble;   /* 1 after the high nibble of cur was typed */
    int text_col; /* editing in the ASCII column */
    int frozen;
    int force;  /* watch --force: ops' write policy skips the mode check */
    int follow; /* watch --follow: write through a file: path's symlink */
    int inspector;

    /* The window: bytes read at base, len of them. */
    uint8_t *buf;
    size_t cap, len;
    uint64_t base;
    int stale;   /* the window moved: read before drawing */
    int changed; /* the last read saw bytes of the window change */
    spy_changes changes;
    uint64_t next_read, next_slow;
    /* The fade clock (spy__hex_fade_clock) of the frame last drawn. */
    uint64_t fade_drawn;
    /* What the rows on screen show, as drawn last (rows x cache_w
     * cells), and the layout they were drawn in: a frame over the same
     * layout puts only rows that differ (spy__hex_draw). */
    chtype *row_cache;
    size_t cache_cap;
    int cache_w, cache_rows;
    uint64_t drawn_key[SPY__HEX_KEY_WORDS];

    /* Banners (empty when not shown). */
    char shrunk[160];
    char gone[400];
    char fault[SPY_ERR_MSG_MAX];

    /* Search. */
    spy__search search;
    int searching;
    uint64_t match_off;
    size_t match_len; /* 0: no match highlighted */

    /* The field pane (a typed layout; fieldpane.h) and the field under
     * its cursor, underlined in the hex, as of the last draw. */
    spy__fpane fields;
    uint64_t sel_off, sel_len;

    /* The writers pane (blame). */
    spy__bpane blame;

    /* The live view's history (its scrub-back): a sampler of the whole
     * segment (ops/record.h) feeding the last SPY__HEX_HISTORY_S seconds
     * into memory, and the timeline over it that h->tline points at
     * while the view looks back. All NULL when off (hist_off says why). */
    struct spy_sampler *sampler;
    struct spy_history *hist;
    struct spy__tline *scrub;
    uint64_t hist_now;  /* the latest sample's time (the history's clock) */
    uint64_t hist_next; /* monotonic ms of the next sample */
    unsigned hist_ms;   /* the sampling period */
    char hist_off[SPY_ERR_MSG_MAX + 16]; /* why no history, or "" */
    char hist_label[32]; /* the status line's "history 60s", or the span
                            kept when the memory cap shortened it */
    void *hist_runs;     /* scratch: a sample's runs as the history takes
                            them (spy_rec_run) */
    size_t hist_cap;
    const char *cmd; /* "watch" or "replay", for the title */
} spy__hexview;

/* How much the live view keeps (seconds), and the largest segment whose
 * history it keeps: sampling reads the whole segment once a period. */
#define SPY__HEX_HISTORY_S 60
#define SPY__HEX_HISTORY_MAX (64ull << 20)
/* Bytes the history's sampler may read per second: a larger segment is
 * sampled less often than the view refreshes (at least once a second). */
#define SPY__HEX_HISTORY_RATE (64ull << 20)
/* The history's memory cap (spy_history_set_limit): 256 MiB, or 4 times
 * the segment's size when that is more (the base image is the size). */
#define SPY__HEX_HISTORY_MEM(size)                                             \
    (4 * (size) > (256ull << 20) ? 4 * (size) : (256ull << 20))

/* Highlights fade in steps on a shared clock: the time now, rounded down
 * to a step (a quarter of the fade). Every highlight on screen changes
 * level in the same frame, four times per fade, so a frame in between
 * redraws only what newly changed (measured: a third less CPU for a view
 * that changes in every frame) and a view where only fades go on is not
 * drawn at all between steps. */
#define SPY__HEX_FADE_MS 2000
#define SPY__HEX_FADE_STEP_MS (SPY__HEX_FADE_MS / SPY__FADE_LEVELS)
uint64_t spy__hex_fade_clock(uint64_t now);

/* Recomputes the layout for the current terminal size and moves top so
 * that the cursor is visible. Returns non-zero if the window (top, rows,
 * bytes per row) changed. */
int spy__hex_layout(spy__hexview *h);

/* The layout the next draw will use, as a key: when it equals the last
 * drawn one, the draw may paint over the last frame. */
void spy__hex_layout_key(const spy__hexview *h,
                         uint64_t key[SPY__HEX_KEY_WORDS]);

/* Draws the whole view (all but the bottom line); on a screen that was
 * not erased (v->erased 0) and in the same layout, only what changed. */
void spy__hex_draw(spy__view *v, uint64_t now);

/* The keys of the view: each key, its help line and its handler
 * (hexkeys.c). */
extern const spy__keymap spy__hex_keys;

/* Reads len bytes at off of what the view shows: the live segment
 * (spy_seg_read: guarded) or, with h->tline, the frame of the timeline at
 * its current moment. 0 or a negative SPY_E* code with err filled. */
int spy__hex_read(spy__hexview *h, uint64_t off, void *dst, size_t len,
                  spy_err *err);

/* The clock of highlights and fades: now (monotonic ms) for the live
 * segment, the moment shown (ms on the timeline) for a timeline. */
uint64_t spy__hex_clock(const spy__hexview *h, uint64_t now);

/* The hex view over a recording's timeline t (owned from now on; freed
 * with the view, also on failure): `shmspy replay` (replay.c). title is
 * what the title bar names, already made safe for the screen (spy__safe,
 * spy__safe_name: not escaped again). NULL with err set on failure. */
spy__view *spy__hexview_replay(struct spy__tline *t, const char *title,
                               const spy_tui_opts *o, spy_err *err);

/* The replay view of the recording at path (replay.c): the recording is
 * opened and checked first; NULL with err set when it cannot be. */
spy__view *spy__replay_new(const char *path, const spy_tui_opts *o,
                           spy_err *err);

/* 1 if the view shows a timeline (a replay, or the live view's history),
 * after saying on the message line that edits are refused there; else 0.
 * Every edit asks it first. */
int spy__hex_refuse_past(spy__hexview *h);

/* 1 if edits would go to a segment open for writing (not in a replay, nor
 * while looking into the history). */
int spy__hex_writable(const spy__hexview *h);

/* Re-opens the object by name (read-write if write), replacing the open
 * segment on success; on failure keeps the old one and shows why. Returns
 * 0 or the error code. */
int spy__hex_reopen(spy__hexview *h, int write);

/* Moves the cursor to off (clamped to the object) and scrolls so that it
 * is visible; center puts its row in the middle of the screen. */
void spy__hex_goto(spy__hexview *h, uint64_t off, int center);

/* Draws the data inspector for the bytes p[0..avail) found at offset off
 * into the pane (y, x, w, h). */
void spy__inspector_draw(int y, int x, int w, int h, uint64_t off,
                         const uint8_t *p, size_t avail);

/* ---- the writers pane (blamepane.c) ---- */

/* The key W (hex and field pane): arms blame on the bytes under the
 * cursor (the field under the field cursor when the fields have the
 * focus: its offset, and the longest length of 1, 2, 4 or 8 within the
 * field that its offset is aligned to), or disarms it. A refusal is one
 * line on the message line. */
int spy__bp_key(const spy__keyhit *k);
/* Esc: disarms when armed; else declines. */
int spy__bp_key_escape(const spy__keyhit *k);
/* Per tick: takes the hits there are (never waits) and says (*busy) when
 * the pane must be drawn; returns when it next wants a tick (UINT64_MAX:
 * not armed). */
uint64_t spy__bp_tick(spy__hexview *h, uint64_t now, int *busy);
/* Takes the pane's lines from the bottom of *avail_h (when armed). */
void spy__bp_layout(spy__hexview *h, int *avail_h);
/* Draws the pane (erased: the screen was erased; else only when its text
 * changed). */
void spy__bp_draw(spy__hexview *h, uint64_t fade_now, int erased);
/* Disarms and forgets the session (the view closes). */
void spy__bp_free(spy__hexview *h);

/* Lines the inspector wants (its full height). */
#define SPY__INSPECTOR_LINES 13

#endif
