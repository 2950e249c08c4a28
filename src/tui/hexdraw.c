/* hexdraw.c - layout and drawing of the hex view: title, banners,
 * offset | hex | ASCII rows with fading change highlights, the inspector
 * pane and the status bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hexview.h"
#include "timeline.h"
#include "../backends/seg.h"

#define INSP_RIGHT_MIN_COLS 137   /* wide enough for the pane on the right */
#define FIELDS_RIGHT_MIN_COLS 120 /* the field pane beside the hex */
#define FIELDS_MIN_W 48
#define INSP_RIGHT_W 58
#define MAX_BPR 128

/* Columns of one row: offset, 2 spaces, "xx " per byte with an extra space
 * every 8 bytes, a space, |ASCII|. */
static int row_width(int ow, int bpr) {
    return ow + 5 + 4 * bpr + (bpr - 1) / 8;
}

static int hex_x(const spy__hexview *h, int i) {
    return h->ow + 2 + 3 * i + i / 8;
}

static int ascii_x(const spy__hexview *h, int i) {
    return h->ow + 4 + 3 * h->bpr + (h->bpr - 1) / 8 + i;
}

/* Where the field pane goes: beside the hex on a wide terminal, below it
 * on a narrow one, or everywhere (fields only); takes its room from
 * *avail_w / *avail_h. */
static void fields_layout(spy__hexview *h, int *avail_w, int *avail_h) {
    spy__fpane *p = &h->fields;

    p->h = 0;
    if (p->typed == NULL || p->mode == SPY__FP_OFF || *avail_h <= 0)
        return;
    p->y = h->hex_y;
    if (p->mode == SPY__FP_ONLY) {
        p->x = 0;
        p->w = COLS;
        p->h = *avail_h;
        *avail_h = 0;
    } else if (COLS >= FIELDS_RIGHT_MIN_COLS) {
        /* The hex keeps 16 bytes a row if the pane still gets its
         * minimum, else 8. */
        p->w = COLS - row_width(h->ow, 16) - 1;
        if (p->w < FIELDS_MIN_W)
            p->w = COLS - row_width(h->ow, 8) - 1;
        p->x = COLS - p->w;
        p->h = *avail_h;
        *avail_w = COLS - p->w - 1;
    } else {
        p->x = 0;
        p->w = COLS;
        p->h = *avail_h / 2;
        if (p->h < 3)
            p->h = *avail_h;
        *avail_h -= p->h;
        p->y = h->hex_y + *avail_h;
    }
}

int spy__hex_layout(spy__hexview *h) {
    int old_bpr = h->bpr, old_rows = h->rows, avail_w = COLS, avail_h, b;
    uint64_t old_top = h->top, maxoff = h->size > 0 ? h->size - 1 : 0;
    uint64_t bpr;

    h->ow = 8;
    while (h->ow < 16 && (maxoff >> (4 * h->ow)) != 0)
        h->ow++;
    h->hex_y = 1 + (h->shrunk[0] != '\0') + (h->gone[0] != '\0') +
               (h->fault[0] != '\0');
    /* A timeline's bar takes the line above the status bar. */
    avail_h = LINES - 2 - h->hex_y - (h->tline != NULL);
    h->insp_h = 0;
    spy__bp_layout(h, &avail_h);
    fields_layout(h, &avail_w, &avail_h);
    if (h->inspector && avail_h > 0 && h->fields.mode != SPY__FP_ONLY) {
        if (avail_w >= INSP_RIGHT_MIN_COLS) {
            h->insp_w = INSP_RIGHT_W;
            h->insp_x = avail_w - INSP_RIGHT_W;
            h->insp_y = h->hex_y;
            h->insp_h =
                avail_h < SPY__INSPECTOR_LINES ? avail_h : SPY__INSPECTOR_LINES;
            avail_w -= INSP_RIGHT_W + 1;
        } else {
            h->insp_h = avail_h - 2 < SPY__INSPECTOR_LINES
                            ? avail_h - 2
                            : SPY__INSPECTOR_LINES;
            if (h->insp_h < 3)
                h->insp_h = 0;
            h->insp_w = avail_w;
            h->insp_x = 0;
            h->insp_y = h->hex_y + avail_h - h->insp_h;
            avail_h -= h->insp_h;
        }
    }
    for (b = MAX_BPR; b > 8 && row_width(h->ow, b) > avail_w; b -= 8)
        ;
    while (b > 1 && row_width(h->ow, b) > avail_w)
        b /= 2;
    h->bpr = b;
    h->rows = avail_h > 0 ? avail_h : 0;
    bpr = (uint64_t)h->bpr;
    h->top -= h->top % bpr;
    /* Never leave empty rows at the bottom when there is more above. */
    if (h->size > 0 && h->rows > 0) {
        uint64_t last_row = (h->size - 1) / bpr * bpr;
        uint64_t span = (uint64_t)(h->rows - 1) * bpr;
        uint64_t max_top = last_row > span ? last_row - span : 0;
        if (h->top > max_top)
            h->top = max_top;
    }
    if (h->cur < h->top)
        h->top = h->cur - h->cur % bpr;
    if (h->rows > 0 && h->cur >= h->top + (uint64_t)h->rows * bpr)
        h->top = (h->cur / bpr - (uint64_t)h->rows + 1) * bpr;
    return h->bpr != old_bpr || h->rows != old_rows || h->top != old_top;
}

static void draw_title(const spy__hexview *h) {
    char flags[96];
    int x;

    snprintf(flags, sizeof flags, "%s%s%s%s",
             h->frozen && h->tline == NULL ? " [FROZEN]" : "",
             spy__hex_writable(h) ? " [WRITER]" : "",
             h->text_col ? " [TEXT]" : "",
             h->tline == NULL                 ? ""
             : h->view.kind == SPY__KV_REPLAY ? " [REPLAY]"
                                              : " [HISTORY]");
    spy__put(0, 0, COLS, SPY__R_BAR, 1, " shmspy %s %s", h->cmd, h->disp);
    x = (int)strlen(h->disp) + (int)strlen(h->cmd) + 9;
    if (x < COLS)
        spy__put(0, x, COLS - x, SPY__R_BAR_HI, 0, "%s", flags);
    if (COLS > 60)
        spy__put(0, COLS - 18, 18, SPY__R_BAR, 1, "  ? help  q quit");
}

static void draw_banners(const spy__hexview *h) {
    int y = 1;

    if (h->shrunk[0] != '\0')
        spy__put(y++, 0, COLS, SPY__R_BANNER, 1, " ! %s", h->shrunk);
    if (h->gone[0] != '\0')
        spy__put(y++, 0, COLS, SPY__R_BANNER, 1, " ! %s", h->gone);
    if (h->fault[0] != '\0')
        spy__put(y++, 0, COLS, SPY__R_BANNER, 1, " ! %s", h->fault);
}

/* The attributes of the byte at off: the cursor (underlined in the
 * column not being edited), then a search match, then its fade. */
static chtype byte_attr(const spy__hexview *h, uint64_t off, uint64_t now,
                        int active_col) {
    int level;

    if (off == h->cur)
        return active_col ? spy__attr(SPY__R_CURSOR) : A_UNDERLINE | A_BOLD;
    if (h->match_len > 0 && off >= h->match_off &&
        off - h->match_off < h->match_len)
        return spy__attr(SPY__R_MATCH);
    level = spy_changes_level(&h->changes, off, now, SPY__FADE_LEVELS);
    return spy__attr(level > 0 ? (spy__role)(SPY__R_CHANGE1 + level - 1)
                               : SPY__R_NORMAL) |
           (off - h->sel_off < h->sel_len ? A_UNDERLINE : 0);
}

/* Widest row: 16 offset digits, 128 bytes per row. */
#define ROW_MAX (16 + 5 + 4 * MAX_BPR + (MAX_BPR - 1) / 8)

/* Each row is assembled as one array of characters with their attributes
 * and put on the screen in one call (cell-by-cell calls were most of a
 * frame's cost). Over an unerased screen in the same layout, a row equal
 * to the one drawn last is not put at all: curses then has nothing to
 * compare or send for it. */
static void draw_rows(spy__hexview *h, uint64_t now, int erased) {
    static const char hex[] = "0123456789abcdef";
    chtype line[ROW_MAX + 1];
    chtype label = spy__attr(SPY__R_LABEL), plain = spy__attr(SPY__R_NORMAL);
    int r, i, w = row_width(h->ow, h->bpr), cached;
    size_t need;

    if (h->size == 0) {
        spy__put(h->hex_y, 0, COLS, SPY__R_LABEL, 0,
                 "(the object is empty: 0 bytes)");
        return;
    }
    if (w > ROW_MAX)
        w = ROW_MAX;
    need = (size_t)(h->rows > 0 ? h->rows : 0) * (size_t)w;
    cached = !erased && h->row_cache != NULL && h->cache_w == w &&
             h->cache_rows == h->rows;
    if (!cached && need > h->cache_cap) {
        chtype *p = realloc(h->row_cache, need * sizeof *p);
        if (p != NULL) {
            h->row_cache = p;
            h->cache_cap = need;
        }
    }
    if (need > h->cache_cap) {
        h->cache_w = 0; /* no cache: every row is put */
    } else {
        h->cache_w = w;
        h->cache_rows = h->rows;
    }
    for (r = 0; r < h->rows; r++) {
        uint64_t off = h->top + (uint64_t)r * (uint64_t)h->bpr;
        int y = h->hex_y + r, d;
        chtype prev = plain;

        if (off >= h->size)
            break;
        for (i = 0; i < w; i++)
            line[i] = ' ';
        for (d = 0; d < h->ow; d++)
            line[d] = (chtype)hex[off >> (4 * (h->ow - 1 - d)) & 15] | label;
        line[ascii_x(h, 0) - 1] = '|';
        line[w - 1] = '|';
        for (i = 0; i < h->bpr; i++) {
            uint64_t o = off + (uint64_t)i;
            int known = o >= h->base && o - h->base < h->len;
            unsigned c = known ? h->buf[o - h->base] : 0;
            chtype ah, aa;

            if (o >= h->size) {
                line[w - 1] = ' ';
                line[ascii_x(h, i)] = '|';
                break;
            }
            ah = byte_attr(h, o, now, !h->text_col);
            aa = byte_attr(h, o, now, h->text_col);
            /* Neighbours lit alike share the gap between them: one
             * highlighted run, and one attribute change on the wire
             * instead of two per byte. */
            if (i > 0 && ah == prev && ah != plain) {
                line[hex_x(h, i) - 1] = ' ' | ah;
                if (i % 8 == 0)
                    line[hex_x(h, i) - 2] = ' ' | ah;
            }
            prev = ah;
            line[hex_x(h, i)] = (chtype)(known ? hex[c >> 4] : '?') | ah;
            line[hex_x(h, i) + 1] = (chtype)(known ? hex[c & 15] : '?') | ah;
            line[ascii_x(h, i)] =
                (chtype)(known ? (c >= 0x20 && c < 0x7f ? c : '.') : '?') | aa;
        }
        if (h->cache_w == w) {
            chtype *row = h->row_cache + (size_t)r * (size_t)w;
            if (cached && memcmp(row, line, (size_t)w * sizeof *row) == 0)
                continue;
            memcpy(row, line, (size_t)w * sizeof *row);
        }
        mvaddchnstr(y, 0, line, w < COLS ? w : COLS);
    }
}

static void draw_status(spy__hexview *h, uint64_t now) {
    char last[40], line[2048], fields[200], past[SPY_ERR_MSG_MAX + 32];
    char *size = h->size_text;

    if (h->changes.have_last)
        snprintf(last, sizeof last, "0x%llx",
                 (unsigned long long)h->changes.last_off);
    else
        snprintf(last, sizeof last, "-");
    spy__fp_status(h, fields, sizeof fields);
    spy__time_status(h, past, sizeof past);
    if (h->seg == NULL) {
        /* A replay: the recording's moment, no live object. */
        /* The file and the name are in the title and the bar. */
        snprintf(line, sizeof line,
                 " %s  %llu B  %llu B/s  last change %s  @0x%llx%s", past,
                 (unsigned long long)h->size,
                 (unsigned long long)spy_changes_rate(&h->changes,
                                                      spy__hex_clock(h, now)),
                 last, (unsigned long long)h->cur, fields);
        spy__put(LINES - 2, 0, COLS, SPY__R_BAR, 1, "%s", line);
        return;
    }
    /* The history's state, short: the whole reason is on the message
     * line when a key asks for the history. */
    if (past[0] == '\0')
        snprintf(past, sizeof past, "%s",
                 h->scrub != NULL                 ? h->hist_label
                 : h->size > SPY__HEX_HISTORY_MAX ? "no history: over 64 MiB"
                                                  : "no history (< says why)");
    if (h->size_text_of != h->stat_size || size[0] == '\0') {
        /* Formatted when the size changes, not in every frame. */
        h->size_text_of = h->stat_size;
        spy__fmt_size(h->stat_size, size, sizeof h->size_text - 3);
        /* A plain byte count gets its unit; "7.5 EiB" has one. */
        if (size[0] != '\0' && size[strlen(size) - 1] >= '0' &&
            size[strlen(size) - 1] <= '9')
            strcat(size, " B");
    }
    snprintf(line, sizeof line,
             " %s%s%s  %s  %s  %04o  %s  %u Hz%s  %s%s%llu B/s  last change %s"
             "  @0x%llx%s",
             h->tline != NULL ? past : "", h->tline != NULL ? "  " : "",
             h->disp, h->kind, size, (unsigned)(h->mode & 07777),
             spy_seg_writable(h->seg) ? "rw" : "ro", h->hz,
             h->frozen ? " (frozen)" : "", h->tline != NULL ? "" : past,
             h->tline != NULL ? "" : "  ",
             (unsigned long long)spy_changes_rate(&h->changes,
                                                  spy__hex_clock(h, now)),
             last, (unsigned long long)h->cur, fields);
    spy__put(LINES - 2, 0, COLS, SPY__R_BAR, 1, "%s", line);
}

void spy__hex_layout_key(const spy__hexview *h,
                         uint64_t key[SPY__HEX_KEY_WORDS]) {
    const spy__fpane *p = &h->fields;

    uint64_t mlen = h->match_len < 0xffffffu ? h->match_len : 0xffffffu;
    key[0] = h->top;
    key[1] = h->cur;
    key[2] = h->size;
    key[3] = h->match_off;
    key[4] = (uint64_t)(unsigned)LINES << 48 | (uint64_t)(unsigned)COLS << 32 |
             (uint64_t)(unsigned)h->rows << 16 | (uint64_t)(unsigned)h->bpr;
    key[5] = (uint64_t)(unsigned)h->ow | (uint64_t)(unsigned)h->hex_y << 5 |
             (uint64_t)(h->inspector != 0) << 21 |
             (uint64_t)(h->text_col != 0) << 22 |
             (uint64_t)(h->frozen != 0) << 23 |
             (uint64_t)(h->nibble != 0) << 24 | mlen << 25 |
             (uint64_t)(h->insp_h & 0xff) << 49;
    key[6] = (uint64_t)(p->y & 0xffff) << 48 | (uint64_t)(p->x & 0xffff) << 32 |
             (uint64_t)(p->w & 0xffff) << 16 | (uint64_t)(p->h & 0xffff);
    key[7] = (uint64_t)p->mode | (uint64_t)(p->focus != 0) << 2 |
             (uint64_t)(p->typed != NULL) << 3 |
             (uint64_t)(h->blame.h & 0xff) << 4 |
             (uint64_t)(h->blame.y & 0xffff) << 12 |
             (uint64_t)(h->tline != NULL) << 28;
}

uint64_t spy__hex_fade_clock(uint64_t now) {
    return now - now % SPY__HEX_FADE_STEP_MS;
}

void spy__hex_draw(spy__view *v, uint64_t now) {
    spy__hexview *h = v->self;

    /* Highlights are drawn as of the fade clock (see hexview.h), on the
     * timeline's clock when the view shows a timeline. */
    h->fade_drawn = spy__hex_fade_clock(spy__hex_clock(h, now));
    spy__hex_layout_key(h, h->drawn_key);
    spy__fp_selection(h, &h->sel_off, &h->sel_len);

    /* The title shows only what the layout key holds (and the name). */
    if (v->erased)
        draw_title(h);
    draw_banners(h);
    if (h->rows > 0)
        draw_rows(h, h->fade_drawn, v->erased);
    spy__fp_draw(h, h->fade_drawn, v->erased);
    spy__bp_draw(h, h->fade_drawn, v->erased);
    if (h->insp_h > 0) {
        const uint8_t *p = NULL;
        size_t avail = 0;
        if (h->cur >= h->base && h->cur - h->base < h->len) {
            p = h->buf + (h->cur - h->base);
            avail = (size_t)(h->len - (h->cur - h->base));
        }
        int r;
        /* Over the last frame, the pane's old text goes first. */
        for (r = 0; !v->erased && r < h->insp_h; r++)
            spy__put(h->insp_y + r, h->insp_x, h->insp_w, SPY__R_NORMAL, 1,
                     "%s", "");
        spy__inspector_draw(h->insp_y, h->insp_x, h->insp_w, h->insp_h, h->cur,
                            p, avail);
    }
    /* The status bar's rate and last change move in every frame of a
     * busy view: shown four times a second, one run less per frame to
     * send. */
    /* A timeline's moment is in the bar and the status line: both are
     * drawn in every frame, from the same value. */
    if (v->erased || now >= h->status_next || h->tline != NULL) {
        h->status_next = now + SPY__HEX_STATUS_MS;
        draw_status(h, now);
    }
    if (h->tline != NULL)
        spy__time_draw_bar(h, LINES - 3);
}
