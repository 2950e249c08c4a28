/* fieldpane.c - the field pane of the hex view (see fieldpane.h): reading
 * the rows on screen, change highlights, torn values, drawing, keys, and
 * the prompt that loads a layout with the words of the command line.
 *
 * Per frame the pane reads only the bytes of its rows on screen (runs of
 * neighbouring rows merged into one read), twice back to back: a value
 * whose bytes differ between the two reads is torn and shown as such,
 * never as a clean value. A row's value text is compared with the one of
 * the same field in the last frame; a change lights the value, which fades
 * in steps on the hex view's clock (spy__hex_fade_clock), so bytes and
 * fields change level in the same frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldpane.h"
#include "hexview.h"

#include "../core/locks.h"
#include "../core/num.h"
#include "../ops/locks.h"
#include "../ops/typed.h"

/* Bytes of one row read at most: a longer char array or aggregate shows
 * a summary instead of its value. */
#define ROW_READ_MAX 4096
/* Bytes of a collapsed struct, union or array read for its summary. */
#define AGG_PEEK 8
/* Rows whose bytes are this close are read in one run. */
#define RUN_GAP 64
/* Columns of a table (an array of structs) at most. */
#define TABLE_COLS 16
#define LABEL_MAX 64
#define TYPE_MAX 96

static const char *const MODE_NAME[] = {"hex only", "hex and fields",
                                        "fields only"};

/* Rows of fields: the pane less its title, and less the line about the
 * lock under the cursor when there is one. */
static int body_rows(const spy__fpane *p) {
    int n = p->h - 1 - (p->lock_line[0] != '\0');
    return n > 0 ? n : 0;
}

/* ---- rows on screen ------------------------------------------------- */

/* What one row on screen needs besides its path: its label and type (as
 * C spells it), where its bytes are in the read buffers, its table. */
typedef struct spy__fprowinfo {
    char label[LABEL_MAX];
    char type[TYPE_MAX];
    size_t at;       /* its bytes start at a + at */
    size_t have;     /* bytes of it read (0: none) */
    uint64_t nchild; /* 0: a scalar */
    int open;
    int table;  /* 1: an element of an array of structs, drawn in columns */
    int header; /* 1: an expanded array of structs: its row names columns */
} rowinfo;

static uint64_t hash_bytes(const uint8_t *b, size_t n) {
    uint64_t x = 1469598103934665603ull;
    size_t k;

    for (k = 0; k < n; k++)
        x = (x ^ b[k]) * 1099511628211ull;
    return x;
}

static uint64_t hash_text(const char *s) {
    uint64_t x = 1469598103934665603ull;

    while (*s != '\0')
        x = (x ^ (unsigned char)*s++) * 1099511628211ull;
    return x;
}

static int ensure_rows(spy__fpane *p, int n) {
    if (n > p->cap) {
        spy__ftpath *rp = realloc(p->rowpath, (size_t)n * sizeof *rp);
        char(*tx)[SPY_LVALUE_MAX];
        spy__fprow *r, *pv;
        rowinfo *ri;
        if (rp == NULL)
            return -1;
        p->rowpath = rp;
        tx = realloc(p->text, (size_t)n * sizeof *tx);
        if (tx == NULL)
            return -1;
        p->text = tx;
        r = realloc(p->rows, (size_t)n * sizeof *r);
        if (r == NULL)
            return -1;
        p->rows = r;
        pv = realloc(p->prev, (size_t)n * sizeof *pv);
        if (pv == NULL)
            return -1;
        p->prev = pv;
        ri = realloc(p->info, (size_t)n * sizeof *ri);
        if (ri == NULL)
            return -1;
        p->info = ri;
        p->cap = n;
    }
    return 0;
}

void spy__fp_free(spy__fpane *p) {
    if (p->typed != NULL && p->owned) {
        spy_typed_free(p->typed);
        free(p->typed);
    }
    free(p->rowpath);
    free(p->text);
    free(p->rows);
    free(p->prev);
    free(p->info);
    free(p->a);
    free(p->b);
    free(p->cache);
    free(p->dkey);
    memset(p, 0, sizeof *p);
}

/* The type of f, through nothing: typedefs are copies (layout.h). */
static const spy_ltype *type_of(const spy__fpane *p, const spy_lfield *f) {
    return &p->typed->layout.types[f->type];
}

static int is_char_array(const spy__fpane *p, const spy_lfield *f) {
    const spy_layout *l = &p->typed->layout;
    const spy_ltype *t = type_of(p, f);

    return t->kind == SPY_L_ARRAY && t->elem < l->ntypes &&
           l->types[t->elem].kind == SPY_L_CHAR;
}

/* An array whose elements are structs: expanded, a table. */
static int is_struct_array(const spy__fpane *p, const spy_lfield *f) {
    const spy_layout *l = &p->typed->layout;
    const spy_ltype *t = type_of(p, f);

    return t->kind == SPY_L_ARRAY && t->elem < l->ntypes &&
           l->types[t->elem].kind == SPY_L_STRUCT;
}

/* A table column: a member of the element struct shown as one value. */
static int is_column(const spy__fpane *p, const spy_lfield *f) {
    spy_lkind k = type_of(p, f)->kind;

    return (k != SPY_L_STRUCT && k != SPY_L_UNION && k != SPY_L_ARRAY) ||
           is_char_array(p, f);
}

/* The bytes of f a row reads: its own, or a peek at an aggregate's. */
static uint64_t row_bytes(const spy__fpane *p, const spy_lfield *f, int table) {
    if (table || is_char_array(p, f) || type_of(p, f)->kind == SPY_L_UNION ||
        spy__ft_nchildren(&p->tree, f) == 0)
        return f->size;
    return f->size < AGG_PEEK ? f->size : AGG_PEEK;
}

/* Moves top so that the cursor is among the h rows from it. */
static void scroll_to_cursor(spy__fpane *p, int h) {
    spy__ftpath q;
    int i;

    spy__ft_fix(&p->tree, &p->cur);
    spy__ft_fix(&p->tree, &p->top);
    if (p->top.depth == 0 || spy__ft_cmp(&p->cur, &p->top) < 0) {
        p->top = p->cur;
        return;
    }
    q = p->top;
    for (i = 1; i < h; i++) {
        if (spy__ft_cmp(&q, &p->cur) == 0)
            return;
        if (!spy__ft_next(&p->tree, &q))
            break;
    }
    if (spy__ft_cmp(&q, &p->cur) == 0)
        return;
    /* Below the screen: the cursor becomes the last row. */
    p->top = p->cur;
    for (i = 1; i < h && spy__ft_prev(&p->tree, &p->top); i++)
        ;
}

/* Two places are the same node (compared field by field: padding is
 * never read). */
static int same_place(const spy__ftpath *a, const spy__ftpath *b) {
    int d;

    if (a->depth != b->depth)
        return 0;
    for (d = 0; d < a->depth; d++)
        if (a->node[d].index != b->node[d].index ||
            a->node[d].f.offset != b->node[d].f.offset ||
            a->node[d].f.type != b->node[d].f.type)
            return 0;
    return 1;
}

/* The rows on screen from top: their paths and what drawing them needs;
 * and where their bytes go in the read buffers. Returns the bytes to
 * read, or -1 on allocation failure. */
static long plan_rows(spy__fpane *p, int h) {
    spy__ftpath q = p->top;
    size_t need = 0;
    int i, known = p->nrows; /* rows whose label and type text hold */

    p->nrows = 0;
    if (h <= 0 || q.depth == 0 || ensure_rows(p, h) != 0)
        return h <= 0 || q.depth == 0 ? 0 : -1;
    for (i = 0; i < h; i++) {
        rowinfo *ri = &p->info[i];
        spy__ftnode *nd = &q.node[q.depth - 1];
        const spy_lfield *parent =
            q.depth == 1 ? &p->tree.root : &q.node[q.depth - 2].f;
        spy_lfield dummy;
        uint64_t nb;

        /* The same place as in the last frame: its texts are known. */
        if (i >= known || !same_place(&p->rowpath[i], &q)) {
            spy_layout_child(&p->typed->layout, parent, nd->index, &dummy,
                             ri->label, sizeof ri->label);
            spy_layout_type_text(&p->typed->layout, &nd->f, ri->type,
                                 sizeof ri->type);
        }
        p->rowpath[i] = q;
        ri->nchild = spy__ft_nchildren(&p->tree, &nd->f);
        ri->open = ri->nchild > 0 && spy__ft_is_open(&p->tree, &nd->f, q.depth);
        ri->table = !ri->open && is_struct_array(p, parent);
        ri->header = ri->open && is_struct_array(p, &nd->f);
        nb = row_bytes(p, &nd->f, ri->table);
        ri->at = need;
        ri->have = nb <= ROW_READ_MAX ? (size_t)nb : 0;
        need += ri->have;
        p->nrows++;
        if (!spy__ft_next(&p->tree, &q))
            break;
    }
    return (long)need;
}

/* Reads every row's bytes into buf: neighbouring rows in one read. Rows
 * past the end of the segment, or whose read failed, get have 0. */
static void read_rows(spy__hexview *h, uint8_t *buf, int keep) {
    spy__fpane *p = &h->fields;
    int i = 0;

    while (i < p->nrows) {
        uint64_t lo = p->rowpath[i].node[p->rowpath[i].depth - 1].f.offset;
        uint64_t hi = lo + p->info[i].have;
        int j = i + 1, k;
        uint8_t *run;
        spy_err e;

        if (p->info[i].have == 0) {
            i++;
            continue;
        }
        /* Rows whose bytes follow closely: one read. */
        while (j < p->nrows) {
            uint64_t o = p->rowpath[j].node[p->rowpath[j].depth - 1].f.offset;
            if (p->info[j].have != 0 && (o < lo || o > hi + RUN_GAP))
                break;
            if (p->info[j].have != 0 && o + p->info[j].have > hi)
                hi = o + p->info[j].have;
            j++;
        }
        if (hi - lo > (uint64_t)ROW_READ_MAX * (uint64_t)(j - i) ||
            hi - lo > p->bcap / 2) {
            j = i + 1; /* never more than the rows' own bytes */
            hi = lo + p->info[i].have;
        }
        if (hi > h->size)
            hi = h->size > lo ? h->size : lo;
        /* Each row copies from the run: a scratch area past need. */
        run = buf + p->bcap / 2;
        spy_err_clear(&e);
        if (hi > lo && hi - lo <= p->bcap / 2 &&
            spy__hex_read(h, lo, run, (size_t)(hi - lo), &e) == 0) {
            for (k = i; k < j; k++) {
                rowinfo *ri = &p->info[k];
                uint64_t o =
                    p->rowpath[k].node[p->rowpath[k].depth - 1].f.offset;
                size_t n = 0;
                if (ri->have == 0 || o < lo)
                    continue;
                if (o < hi)
                    n = (size_t)(hi - o < ri->have ? hi - o : ri->have);
                memcpy(buf + ri->at, run + (o - lo), n);
                if (!keep && n < ri->have)
                    ri->have = n; /* cut by the end of the segment */
            }
        } else if (!keep) {
            for (k = i; k < j; k++)
                p->info[k].have = 0;
        } else {
            /* The second read failed: the first stands (not torn). */
            for (k = i; k < j; k++)
                memcpy(buf + p->info[k].at, p->a + p->info[k].at,
                       p->info[k].have);
        }
        i = j;
    }
}

/* The text of row i's value: a table row's columns are drawn from the
 * bytes, so its text is its element's bytes in short hex (for change
 * detection only). */
static void row_text(spy__fpane *p, int i, const uint8_t *bytes) {
    rowinfo *ri = &p->info[i];
    const spy_lfield *f = &p->rowpath[i].node[p->rowpath[i].depth - 1].f;
    char *out = p->text[i];
    const spy_ltype *t = type_of(p, f);

    out[0] = '\0';
    /* A lock (by its type's name) is its state in one line. */
    if (!ri->table && !ri->open && ri->have >= f->size &&
        spy_lock_kind_of(&p->typed->layout, f->type) != SPY_LOCK_NONE) {
        spy_lock_state st;
        memset(&st, 0, sizeof st);
        if (spy_lock_decode(&p->typed->layout, f, bytes + ri->at, ri->have,
                            &st) != SPY_LOCK_NONE &&
            st.decoded) {
            spy_lock_text(&st, out, SPY_LVALUE_MAX);
            return;
        }
    }
    if (ri->nchild > 0 && !is_char_array(p, f) && !ri->table &&
        t->kind != SPY_L_UNION) {
        size_t k, n = ri->have < AGG_PEEK ? ri->have : AGG_PEEK, o = 0;
        if (ri->header) {
            snprintf(out, SPY_LVALUE_MAX, "%llu elements",
                     (unsigned long long)ri->nchild);
            return;
        }
        o += (size_t)snprintf(out + o, SPY_LVALUE_MAX - o, "%s",
                              t->kind == SPY_L_ARRAY ? "[" : "{");
        for (k = 0; k < n; k++)
            o += (size_t)snprintf(out + o, SPY_LVALUE_MAX - o, "%s%02x",
                                  k ? " " : "", bytes[ri->at + k]);
        snprintf(out + o, SPY_LVALUE_MAX - o, "%s%s", f->size > n ? " ..." : "",
                 t->kind == SPY_L_ARRAY ? "]" : "}");
        return;
    }
    if (ri->table) {
        /* Columns are drawn from the bytes; the text is their hash. */
        uint64_t x = 1469598103934665603ull;
        size_t k;
        for (k = 0; k < ri->have; k++)
            x = (x ^ bytes[ri->at + k]) * 1099511628211ull;
        snprintf(out, SPY_LVALUE_MAX, "%016llx", (unsigned long long)x);
        return;
    }
    if (ri->have == 0 && f->size > ROW_READ_MAX) {
        snprintf(out, SPY_LVALUE_MAX, "(%llu bytes)",
                 (unsigned long long)f->size);
        return;
    }
    spy_layout_value_text(&p->typed->layout, f, bytes + ri->at, ri->have, out,
                          SPY_LVALUE_MAX);
}

static int same_row(const spy__fprow *a, const spy__fprow *b) {
    return a->offset == b->offset && a->type == b->type && a->depth == b->depth;
}

/* Reads the rows on screen (twice), flags torn ones, notes changes. */
static void read_fields(spy__hexview *h, uint64_t now) {
    spy__fpane *p = &h->fields;
    long need;
    int i;

    scroll_to_cursor(p, body_rows(p));
    need = plan_rows(p, body_rows(p));
    if (need < 0)
        return;
    /* Two buffers: the rows, then room for the largest run. */
    if ((size_t)need * 2 + 2 * ROW_READ_MAX > p->bcap) {
        size_t cap = (size_t)need * 2 + 2 * ROW_READ_MAX;
        uint8_t *a = realloc(p->a, cap), *b;
        if (a == NULL)
            return;
        p->a = a;
        b = realloc(p->b, cap);
        if (b == NULL)
            return;
        p->b = b;
        p->bcap = cap;
    }
    read_rows(h, p->a, 0);
    read_rows(h, p->b, 1);
    for (i = 0; i < p->nrows; i++) {
        const spy__ftpath *q = &p->rowpath[i];
        spy__fprow *r = &p->rows[i];
        rowinfo *ri = &p->info[i];
        uint64_t hash;
        int j, k;

        r->offset = q->node[q->depth - 1].f.offset;
        r->type = q->node[q->depth - 1].f.type;
        r->depth = q->depth;
        r->torn = ri->have > 0 &&
                  spy_layout_torn(&q->node[q->depth - 1].f, r->offset,
                                  p->a + ri->at, p->b + ri->at, ri->have);
        hash = hash_bytes(p->b + ri->at, ri->have) ^ (uint64_t)r->torn;
        r->changed = 0;
        /* The same field in the last frame: likely the same row. */
        j = i < p->nprev && same_row(&p->prev[i], r) ? i : -1;
        for (k = 0; j < 0 && k < p->nprev; k++)
            if (same_row(&p->prev[k], r))
                j = k;
        /* Formatting (a double's shortest text above all) is most of a
         * frame's cost: only a row whose bytes changed, or that moved,
         * is formatted again. */
        if (j != i || !p->prev[i].has_text || p->prev[i].hash != hash)
            row_text(p, i, p->b);
        r->has_text = 1;
        r->torn_at = r->torn ? now : 0;
        if (j >= 0) {
            if (!r->torn)
                r->torn_at = p->prev[j].torn_at;
            r->changed = p->prev[j].changed;
            if (p->prev[j].hash != hash) {
                r->changed = now;
                p->changed = 1;
            }
            if (p->prev[j].torn != r->torn)
                p->changed = 1;
        }
        r->hash = hash;
        if (r->torn)
            p->torn_total++;
    }
    memcpy(p->prev, p->rows, (size_t)p->nrows * sizeof *p->rows);
    p->nprev = p->nrows;
    p->stale = 0;
}

/* How lit a value changed at `changed` is at fade clock now: 4 .. 1, 0. */
static int fade_level(uint64_t changed, uint64_t now) {
    uint64_t age, left;

    if (changed == 0)
        return 0;
    age = now > changed ? now - changed : 0;
    if (age >= SPY__HEX_FADE_MS)
        return 0;
    left = SPY__HEX_FADE_MS - age;
    return (int)(((uint64_t)SPY__FADE_LEVELS * left + SPY__HEX_FADE_MS - 1) /
                 SPY__HEX_FADE_MS);
}

/* A value torn in this frame, or in the last TORN_MS (on the fade clock):
 * a value torn now and then stays marked long enough to be seen. */
#define TORN_MS 1000
static int torn_shown(const spy__fprow *r, uint64_t fade_now) {
    return r->torn || (r->torn_at != 0 && fade_now < r->torn_at + TORN_MS);
}

/* The field under the cursor, or NULL. */
static const spy_lfield *cur_field(const spy__fpane *p) {
    return p->typed != NULL && p->cur.depth > 0
               ? &p->cur.node[p->cur.depth - 1].f
               : NULL;
}

/* The field cursor moved: the hex cursor follows to its first byte. */
static void sync_hex(spy__hexview *h) {
    const spy_lfield *f = cur_field(&h->fields);

    if (f == NULL)
        return;
    spy__hex_goto(h, f->offset, 0);
    h->fields.synced = h->cur;
    h->fields.stale = 1;
}

/* The lock under the cursor, with what only the OS knows (its owner's
 * process, the threads asleep on it: ops/locks.h), as one line under the
 * fields; looked for once a second (a scan of /proc), not every frame. */
static void lock_report(spy__hexview *h, uint64_t now, int *busy) {
    spy__fpane *p = &h->fields;
    const spy_lfield *f = cur_field(p);
    spy_lock_report r;
    char text[SPY_LVALUE_MAX];
    spy_err e;

    /* A lock's owner and waiters are the live kernel's: not in a
     * timeline (its fields still decode the lock's bytes). */
    if (f == NULL || h->tline != NULL ||
        spy_lock_kind_of(&p->typed->layout, f->type) == SPY_LOCK_NONE) {
        if (p->lock_line[0] != '\0') {
            p->lock_line[0] = '\0';
            p->stale = 1;
            *busy = 1;
        }
        return;
    }
    if (now < p->lock_next && p->lock_of == f->offset &&
        p->lock_line[0] != '\0')
        return;
    p->lock_next = now + SPY__HEX_SLOW_MS;
    p->lock_of = f->offset;
    spy_err_clear(&e);
    if (spy_lock_report_read(h->seg, &p->typed->layout, f, &r, &e) == 0)
        spy_lock_report_text(&r, text, sizeof text);
    else
        snprintf(text, sizeof text, "%s", e.msg);
    spy_lock_report_free(&r);
    if (strcmp(text, p->lock_line) != 0) {
        if (p->lock_line[0] == '\0')
            p->stale = 1; /* one row fewer for the fields */
        spy__safe(text, p->lock_line, sizeof p->lock_line);
        p->cache_w = 0;
        *busy = 1;
    }
}

uint64_t spy__fp_tick(spy__hexview *h, uint64_t now, int read, int *busy) {
    spy__fpane *p = &h->fields;
    uint64_t next = UINT64_MAX;
    int i, fading = 0;

    if (p->typed == NULL || p->mode == SPY__FP_OFF || p->h < 2)
        return next;
    p->tree.avail = h->size > p->base ? h->size - p->base : 0;
    /* The hex cursor moved (keys in the hex, a goto, a search): the
     * field that holds its byte. */
    if (h->cur != p->synced) {
        p->synced = h->cur;
        if (!p->focus ||
            !(cur_field(p) != NULL && h->cur >= cur_field(p)->offset &&
              h->cur - cur_field(p)->offset <
                  (cur_field(p)->size ? cur_field(p)->size : 1)))
            spy__ft_find(&p->tree, h->cur, &p->cur);
        p->stale = 1;
    }
    lock_report(h, now, busy);
    if (p->lock_line[0] != '\0' && p->lock_next < next)
        next = p->lock_next;
    p->changed = 0;
    if (read || p->stale) {
        if (p->stale)
            *busy = 1; /* moved, opened, resized: draw */
        read_fields(h, now);
        if (p->changed)
            *busy = 1;
    }
    for (i = 0; i < p->nrows; i++)
        if (fade_level(p->rows[i].changed, h->fade_drawn) > 0 ||
            (torn_shown(&p->rows[i], h->fade_drawn) && !p->rows[i].torn)) {
            fading = 1;
            break;
        }
    if (fading) {
        if (spy__hex_fade_clock(now) != h->fade_drawn)
            *busy = 1;
        next = spy__hex_fade_clock(now) + SPY__HEX_FADE_STEP_MS;
    }
    return next;
}

/* ---- drawing -------------------------------------------------------- */

#define LINE_MAX_W 1024

/* Puts text s into line[x..x+w) in attribute a; text cut to fit ends in
 * '>' so that a cut name or value never passes for a whole one. */
static int put_text(chtype *line, int x, int w, const char *s, chtype a) {
    int n = 0;

    while (n < w && s[n] != '\0') {
        unsigned char c = (unsigned char)s[n];
        line[x + n] = (chtype)(c >= 0x20 && c < 0x7f ? c : '?') | a;
        n++;
    }
    if (n == w && n > 0 && s[n] != '\0')
        line[x + n - 1] = (chtype)'>' | a;
    return n;
}

/* Columns a value of f's type usually needs. */
static int col_width(const spy__fpane *p, const spy_lfield *f) {
    const spy_ltype *t = type_of(p, f);

    if (f->bit_size != 0)
        return f->bit_size > 16 ? 10 : 5;
    switch (t->kind) {
    case SPY_L_INT:
    case SPY_L_UINT:
        return t->size <= 1 ? 4 : t->size == 2 ? 6 : t->size <= 4 ? 11 : 20;
    case SPY_L_CHAR:
        return 8;
    case SPY_L_BOOL:
        return 5;
    case SPY_L_FLOAT:
        return 12;
    case SPY_L_ENUM:
        return 12;
    case SPY_L_POINTER:
        return 18;
    case SPY_L_ARRAY:
        return t->nelem + 2 < 20 ? (int)t->nelem + 2 : 20;
    default:
        return 10;
    }
}

/* Columns of a table of element type f's struct: the members shown as
 * one value each, as many as fit in w columns from the start. */
static int table_cols(const spy__fpane *p, const spy_lfield *elem,
                      spy_lfield *col, char (*name)[LABEL_MAX], int *cw,
                      int w) {
    uint64_t n = spy__ft_nchildren(&p->tree, elem), i;
    int nc = 0, x = 0;

    for (i = 0; i < n && nc < TABLE_COLS; i++) {
        int want;
        if (spy_layout_child(&p->typed->layout, elem, i, &col[nc], name[nc],
                             LABEL_MAX) != 0 ||
            !is_column(p, &col[nc]))
            continue;
        want = col_width(p, &col[nc]);
        if (want < (int)strlen(name[nc]))
            want = (int)strlen(name[nc]);
        if (want > 20)
            want = 20;
        if (x + want > w)
            break;
        cw[nc] = want;
        x += want + 1;
        nc++;
    }
    return nc;
}

/* What row i's cells are drawn from, hashed: its place and shape, its
 * bytes, its highlight level, torn mark, cursor and focus, the width. */
static uint64_t row_key(const spy__hexview *h, int i, int w,
                        uint64_t fade_now) {
    const spy__fpane *p = &h->fields;
    const spy__fprow *r = &p->rows[i];
    const rowinfo *ri = &p->info[i];
    uint64_t v[12];
    const spy__ftpath *q = &p->rowpath[i];

    memset(v, 0, sizeof v);
    v[0] = r->offset;
    v[1] = r->type;
    v[2] = (uint64_t)r->depth;
    v[3] = r->hash;
    v[4] = (uint64_t)fade_level(r->changed, fade_now);
    v[5] = (uint64_t)torn_shown(r, fade_now);
    v[6] = (uint64_t)(spy__ft_cmp(q, &p->cur) == 0);
    v[7] = (uint64_t)p->focus;
    v[8] = (uint64_t)w;
    v[9] = (uint64_t)ri->open | (uint64_t)ri->table << 1 |
           (uint64_t)ri->header << 2;
    v[10] = ri->nchild;
    v[11] = hash_text(ri->label) ^ hash_text(ri->type);
    return hash_bytes((const uint8_t *)v, sizeof v) | 1;
}

/* Draws one row i of the pane into line (w cells). */
static void draw_row(spy__hexview *h, int i, chtype *line, int w,
                     uint64_t fade_now) {
    spy__fpane *p = &h->fields;
    const spy__ftpath *q = &p->rowpath[i];
    const spy_lfield *f = &q->node[q->depth - 1].f;
    rowinfo *ri = &p->info[i];
    int is_cur = spy__ft_cmp(q, &p->cur) == 0;
    chtype norm = spy__attr(is_cur && p->focus ? SPY__R_SELECT : SPY__R_NORMAL);
    chtype lab = is_cur && p->focus ? norm : spy__attr(SPY__R_LABEL);
    chtype val = norm;
    int nw = w * 3 / 10, tw = w >= 60 ? (w / 4 < 26 ? w / 4 : 26) : 0;
    int x, vx, level, indent = 2 * (q->depth - 1);
    char buf[LABEL_MAX + 8];

    if (nw < 12)
        nw = 12;
    if (nw > 36)
        nw = 36;
    if (nw > w)
        nw = w;
    if (indent > nw / 2)
        indent = nw / 2;
    for (x = 0; x < w; x++)
        line[x] = ' ' | norm;
    if (is_cur && !p->focus)
        for (x = 0; x < nw - 1; x++)
            line[x] |= A_UNDERLINE;
    snprintf(buf, sizeof buf, "%s %s",
             ri->nchild == 0 ? " "
             : ri->open      ? "-"
                             : "+",
             ri->label);
    put_text(line, indent, nw - 1 - indent, buf, norm);
    if (tw > 0 && !ri->table && !ri->header)
        put_text(line, nw, tw - 1, ri->type, lab);
    vx = nw + tw;
    level = fade_level(p->rows[i].changed, fade_now);
    if (level > 0 && !(is_cur && p->focus))
        val = spy__attr((spy__role)(SPY__R_CHANGE1 + level - 1));
    if (torn_shown(&p->rows[i], fade_now)) {
        put_text(line, vx, w - vx, "TORN (changed while read)",
                 spy__attr(SPY__R_ERROR));
        return;
    }
    if (ri->table || ri->header) {
        spy_lfield col[TABLE_COLS], elem;
        char name[TABLE_COLS][LABEL_MAX], text[SPY_LVALUE_MAX], lbl[8];
        int cw[TABLE_COLS], nc, c, cx = nw;
        const spy_lfield *ef = f;

        if (ri->header) {
            if (spy_layout_child(&p->typed->layout, f, 0, &elem, lbl,
                                 sizeof lbl) != 0)
                return;
            ef = &elem;
        }
        nc = table_cols(p, ef, col, name, cw, w - nw);
        for (c = 0; c < nc; c++, cx += cw[c - 1] + 1) {
            if (ri->header) {
                put_text(line, cx, cw[c], name[c], lab);
                continue;
            }
            if (col[c].offset + col[c].size > f->offset + ri->have) {
                snprintf(text, sizeof text, "?");
            } else {
                spy_layout_value_text(&p->typed->layout, &col[c],
                                      p->b + ri->at +
                                          (col[c].offset - f->offset),
                                      (size_t)col[c].size, text, sizeof text);
            }
            put_text(line, cx, cw[c], text, val);
        }
        return;
    }
    put_text(line, vx, w - vx, p->text[i], val);
}

void spy__fp_draw(spy__hexview *h, uint64_t fade_now, int erased) {
    spy__fpane *p = &h->fields;
    chtype line[LINE_MAX_W];
    int w = p->w < LINE_MAX_W ? p->w : LINE_MAX_W, r, cached;
    size_t need;

    if (p->typed == NULL || p->mode == SPY__FP_OFF || p->h < 1)
        return;
    if (erased || p->cache_w != w || p->cache_h != p->h) {
        char base[40];
        snprintf(base, sizeof base, " @0x%llx", (unsigned long long)p->base);
        spy__put(p->y, p->x, w, SPY__R_LABEL, 1, " fields: %s%s%s", p->title,
                 p->base ? base : "",
                 p->mode != SPY__FP_BOTH ? "  (t: hex too)"
                 : p->focus              ? "  (o: keys to the hex)"
                                         : "  (o: keys to the fields)");
    }
    need = (size_t)p->h * (size_t)w;
    cached =
        !erased && p->cache != NULL && p->cache_w == w && p->cache_h == p->h;
    if (!cached && need > p->cache_cap) {
        chtype *c = realloc(p->cache, need * sizeof *c);
        if (c != NULL) {
            p->cache = c;
            p->cache_cap = need;
        }
    }
    if (need > p->cache_cap) {
        p->cache_w = 0;
    } else {
        p->cache_w = w;
        p->cache_h = p->h;
    }
    if (p->cache_w == w && (size_t)p->h > p->dkey_cap) {
        uint64_t *k = realloc(p->dkey, (size_t)p->h * sizeof *k);
        if (k == NULL) {
            p->cache_w = 0;
        } else {
            p->dkey = k;
            p->dkey_cap = (size_t)p->h;
        }
    }
    for (r = 0; r < body_rows(p); r++) {
        int x;
        if (r < p->nrows) {
            uint64_t key = row_key(h, r, w, fade_now);
            /* Drawn from the same facts last time: the cells are as
             * cached, on screen, and need not be assembled again. */
            if (cached && p->cache_w == w && p->dkey[r] == key)
                continue;
            if (p->cache_w == w)
                p->dkey[r] = key;
            draw_row(h, r, line, w, fade_now);
        } else {
            if (p->cache_w == w)
                p->dkey[r] = 0;
            for (x = 0; x < w; x++)
                line[x] = ' ' | spy__attr(SPY__R_NORMAL);
            if (r == 0)
                put_text(line, 1, w - 1, "(no fields)",
                         spy__attr(SPY__R_LABEL));
        }
        if (p->cache_w == w) {
            chtype *row = p->cache + (size_t)r * (size_t)w;
            if (cached && memcmp(row, line, (size_t)w * sizeof *row) == 0)
                continue;
            memcpy(row, line, (size_t)w * sizeof *row);
        }
        mvaddchnstr(p->y + 1 + r, p->x, line, w);
    }
    if (p->lock_line[0] != '\0')
        spy__put(p->y + p->h - 1, p->x, w, SPY__R_LABEL, 1, " lock: %s",
                 p->lock_line);
}

void spy__fp_status(const spy__hexview *h, char *out, size_t cap) {
    const spy__fpane *p = &h->fields;

    out[0] = '\0';
    if (p->typed == NULL)
        return;
    snprintf(out, cap, "  %s  torn %llu", p->title,
             (unsigned long long)p->torn_total);
}

void spy__fp_selection(const spy__hexview *h, uint64_t *off, uint64_t *len) {
    const spy_lfield *f = cur_field(&h->fields);

    *off = 0;
    *len = 0;
    if (f == NULL || h->fields.mode == SPY__FP_OFF)
        return;
    *off = f->offset;
    *len = f->size;
}

/* ---- a layout ------------------------------------------------------- */

/* Expands every node on the way to field `path` and puts the cursor on
 * it: each prefix that ends before a '.' or '[' is a node to expand. */
static int goto_path(spy__hexview *h, const char *path, spy_err *err) {
    spy__fpane *p = &h->fields;
    const spy_layout *l = &p->typed->layout;
    char prefix[512];
    spy_lfield f;
    size_t i, n = strlen(path);
    int depth = 0;

    if (n >= sizeof prefix)
        return spy_err_set(err, SPY_EINVAL, 0, "--field: path too long");
    if (spy_layout_field(l, p->typed->root, p->base, p->tree.avail, path, &f,
                         err) != 0)
        return err->code;
    for (i = 1; i <= n; i++) {
        if (i < n && path[i] != '.' && path[i] != '[')
            continue;
        /* a[1][2]: a[1] is a node too, as is a.b before .c */
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        if (spy_layout_field(l, p->typed->root, p->base, p->tree.avail, prefix,
                             &f, NULL) != 0)
            break;
        depth++;
        if (i < n)
            spy__ft_set_open(&p->tree, &f, depth, 1);
    }
    /* The deepest row holding the field's first byte is the field (its
     * parents are open, it is not). */
    spy__ft_find(&p->tree, f.offset, &p->cur);
    p->synced = UINT64_MAX;
    sync_hex(h);
    return 0;
}

int spy__fp_adopt(spy__hexview *h, spy_typed *t, int owned, uint64_t base,
                  const char *field, spy_err *err) {
    spy__fpane *p = &h->fields;
    const spy_layout *l = &t->layout;
    char name[SPY_LAYOUT_MAX_NAME];
    int mode = p->mode;

    if (p->typed != NULL && p->owned) {
        spy_typed_free(p->typed);
        free(p->typed);
    }
    p->typed = t;
    p->owned = owned;
    p->base = base;
    p->nprev = p->nrows = 0;
    p->torn_total = 0;
    p->lock_line[0] = '\0';
    p->lock_next = 0;
    p->cache_w = 0;
    snprintf(name, sizeof name, "%s",
             t->root < l->ntypes && l->types[t->root].name != NULL
                 ? l->types[t->root].name
                 : "?");
    spy__safe(name, p->title, sizeof p->title);
    spy__ft_init(&p->tree, l, t->root, base,
                 h->size > base ? h->size - base : 0);
    spy__ft_first(&p->tree, &p->cur);
    p->top = p->cur;
    p->mode = mode == SPY__FP_OFF ? SPY__FP_BOTH : mode;
    p->focus = 1;
    p->stale = 1;
    p->synced = UINT64_MAX;
    spy__hex_layout(h);
    h->stale = 1;
    if (p->tree.root.size > p->tree.avail)
        spy__ui_msg(1,
                    "%s (%llu bytes) at 0x%llx does not fit in %s (%llu "
                    "bytes): fields past its end show ?",
                    p->title, (unsigned long long)p->tree.root.size,
                    (unsigned long long)base, h->disp,
                    (unsigned long long)h->size);
    if (field != NULL && field[0] != '\0')
        return goto_path(h, field, err);
    sync_hex(h);
    return 0;
}

/* ---- keys ----------------------------------------------------------- */

static int fields_have_keys(const spy__hexview *h) {
    return h->fields.typed != NULL && h->fields.mode != SPY__FP_OFF &&
           h->fields.focus;
}

int spy__fp_key_move(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__fpane *p = &h->fields;
    int back = k->which % 2 == 0, n, i;

    if (!fields_have_keys(h))
        return SPY__KEY_IGNORED;
    if (k->arg == SPY__STEP_ALL) {
        if (back)
            spy__ft_first(&p->tree, &p->cur);
        else
            spy__ft_last(&p->tree, &p->cur);
    } else {
        n = k->arg == SPY__STEP_PAGE ? (body_rows(p) > 2 ? body_rows(p) - 1 : 1)
                                     : 1;
        for (i = 0; i < n; i++)
            if (!(back ? spy__ft_prev(&p->tree, &p->cur)
                       : spy__ft_next(&p->tree, &p->cur)))
                break;
        if (k->arg == SPY__STEP_PAGE) /* the screen moves with it */
            for (i = 0; i < n; i++)
                if (!(back ? spy__ft_prev(&p->tree, &p->top)
                           : spy__ft_next(&p->tree, &p->top)))
                    break;
    }
    sync_hex(h);
    return SPY__KEY_DONE;
}

int spy__fp_key_expand(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__fpane *p = &h->fields;
    const spy_lfield *f;

    if (!fields_have_keys(h))
        return SPY__KEY_IGNORED;
    f = cur_field(p);
    if (f == NULL || spy__ft_nchildren(&p->tree, f) == 0) {
        spy__ui_msg(0, "a value: nothing to expand");
        return SPY__KEY_DONE;
    }
    if (p->cur.depth >= SPY__FT_DEPTH) {
        spy__ui_msg(1, "nested too deep to expand here (%d levels)",
                    SPY__FT_DEPTH);
        return SPY__KEY_DONE;
    }
    if (spy__ft_is_open(&p->tree, f, p->cur.depth))
        spy__ft_next(&p->tree, &p->cur); /* open: into its first child */
    else
        spy__ft_set_open(&p->tree, f, p->cur.depth, 1);
    sync_hex(h);
    return SPY__KEY_DONE;
}

int spy__fp_key_collapse(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__fpane *p = &h->fields;
    const spy_lfield *f;

    if (!fields_have_keys(h))
        return SPY__KEY_IGNORED;
    f = cur_field(p);
    if (f != NULL && spy__ft_is_open(&p->tree, f, p->cur.depth))
        spy__ft_set_open(&p->tree, f, p->cur.depth, 0);
    else if (p->cur.depth > 1)
        p->cur.depth--; /* to the parent */
    spy__ft_fix(&p->tree, &p->top);
    sync_hex(h);
    return SPY__KEY_DONE;
}

int spy__fp_key_mode(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__fpane *p = &h->fields;

    if (p->typed == NULL) {
        spy__ui_msg(1, "no layout: T loads one (--type T --header H, "
                       "--from PID, or --layout F)");
        return SPY__KEY_DONE;
    }
    p->mode = (p->mode + 1) % 3;
    p->focus = p->mode == SPY__FP_ONLY || (p->mode == SPY__FP_BOTH && p->focus);
    if (p->mode == SPY__FP_BOTH)
        p->focus = 1;
    p->stale = 1;
    p->cache_w = 0;
    spy__hex_layout(h);
    h->stale = 1;
    spy__ui_msg(0, "%s", MODE_NAME[p->mode]);
    return SPY__KEY_DONE;
}

int spy__fp_key_focus(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__fpane *p = &h->fields;

    if (p->typed == NULL || p->mode != SPY__FP_BOTH) {
        spy__ui_msg(1, "%s",
                    p->typed == NULL ? "no layout: T loads one"
                                     : "o switches between the hex and the "
                                       "fields when both are shown (t)");
        return SPY__KEY_DONE;
    }
    p->focus = !p->focus;
    p->stale = 1;
    p->cache_w = 0;
    return SPY__KEY_DONE;
}

/* The words of a prompt, as the command line takes them. */
#define LOAD_WORDS 32

static char g_last_load[256]; /* the last words loaded, offered again */

static void load_done(void *self, const char *text) {
    spy__hexview *h = self;
    char buf[512], *argv[LOAD_WORDS];
    const char *why = NULL, *field = NULL;
    spy_typed_req q;
    spy_typed *t;
    uint64_t base = 0;
    spy_err e;
    int n, i, usage = 0;

    if (text == NULL || text[0] == '\0')
        return;
    memset(&q, 0, sizeof q);
    n = spy__fp_split(text, buf, sizeof buf, argv, LOAD_WORDS, &why);
    if (n < 0) {
        spy__ui_msg(1, "layout: %s", why);
        return;
    }
    spy_err_clear(&e);
    for (i = 0; i < n; i++) {
        static const char *const names[] = {"--type",   "--header", "--cflags",
                                            "--from",   "--layout", "--field",
                                            "--offset", "-s"};
        const char *w = argv[i], *val = NULL;
        char safe[128];
        size_t j, len;

        if (strcmp(w, "--no-cache") == 0) {
            q.no_cache = 1;
            continue;
        }
        for (j = 0; j < sizeof names / sizeof names[0]; j++) {
            len = strlen(names[j]);
            if (strncmp(w, names[j], len) == 0 &&
                (w[len] == '\0' || w[len] == '='))
                break;
        }
        spy__safe(w, safe, sizeof safe);
        if (j == sizeof names / sizeof names[0]) {
            spy__ui_msg(1,
                        "layout: %s: not an option here (--type, --header, "
                        "--cflags, --from, --layout, --field, --offset, "
                        "--no-cache)",
                        safe);
            return;
        }
        len = strlen(names[j]);
        if (w[len] == '=')
            val = w + len + 1;
        else if (i + 1 < n)
            val = argv[++i];
        if (val == NULL) {
            spy__ui_msg(1, "layout: %s needs a value", safe);
            return;
        }
        switch (j) {
        case 0:
            q.type = val;
            break;
        case 1:
            q.header = val;
            break;
        case 2:
            q.cflags = val;
            break;
        case 3:
            q.from = val;
            break;
        case 4:
            q.layout_file = val;
            break;
        case 5:
            field = val;
            break;
        default:
            if (spy_parse_u64("--offset", val, &base, &e) != 0) {
                spy__safe(e.msg, safe, sizeof safe);
                spy__ui_msg(1, "layout: %s", safe);
                return;
            }
        }
    }
    snprintf(g_last_load, sizeof g_last_load, "%s", text);
    if ((t = malloc(sizeof *t)) == NULL) {
        spy__ui_msg(1, "out of memory");
        return;
    }
    if (spy_typed_load(&q, t, &usage, &e) != 0) {
        char m[SPY_ERR_MSG_MAX];
        free(t);
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "layout: %s", m);
        return;
    }
    if (spy__fp_adopt(h, t, 1, base, field, &e) != 0) {
        char m[SPY_ERR_MSG_MAX];
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "layout: %s", m);
        return;
    }
    spy__ui_msg(0, "layout %s loaded%s: t shows hex, fields or both",
                h->fields.title, t->origin.cached ? " (cached)" : "");
}

int spy__fp_key_load(const spy__keyhit *k) {
    spy__prompt_line("layout: ", g_last_load[0] ? g_last_load : NULL, load_done,
                     NULL, k->self);
    return SPY__KEY_DONE;
}

int spy__fp_key_probe(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__fpane *p = &h->fields;
    const spy_lfield *f = cur_field(p);
    uint8_t bytes[8];
    uint64_t addr = 0;
    char note[400];
    spy_err e;
    size_t i, n;

    if (f == NULL || p->mode == SPY__FP_OFF ||
        type_of(p, f)->kind != SPY_L_POINTER) {
        spy__ui_msg(1, "P probes the pointer field under the field cursor%s",
                    f == NULL || p->mode == SPY__FP_OFF ? " (no field pane)"
                                                        : ": not a pointer");
        return SPY__KEY_DONE;
    }
    n = f->size < sizeof bytes ? (size_t)f->size : sizeof bytes;
    spy_err_clear(&e);
    if (spy__hex_read(h, f->offset, bytes, n, &e) != 0) {
        spy__ui_msg(1, "probe: %s", e.msg);
        return SPY__KEY_DONE;
    }
    for (i = 0; i < n; i++)
        addr = addr << 8 | bytes[p->typed->layout.big_endian ? i : n - 1 - i];
    snprintf(note, sizeof note,
             "0x%llx was read from a pointer field of the segment: an "
             "address in the writer's process, not in shmspy's, so probed "
             "here it usually faults or shows unrelated memory.",
             (unsigned long long)addr);
    spy__probe_open(addr, note);
    return SPY__KEY_DONE;
}

/* ---- words ---------------------------------------------------------- */

int spy__fp_split(const char *s, char *buf, size_t cap, char **argv, int max,
                  const char **why) {
    size_t o = 0;
    int n = 0;

    for (;;) {
        int in_word = 0;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            return n;
        if (n == max) {
            *why = "too many words";
            return -1;
        }
        argv[n] = buf + o;
        while (*s != '\0' && *s != ' ' && *s != '\t') {
            char q = *s;
            in_word = 1;
            if (q == '\'' || q == '"') {
                s++;
                while (*s != '\0' && *s != q) {
                    if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
                        s++;
                    if (o + 1 >= cap)
                        goto long_;
                    buf[o++] = *s++;
                }
                if (*s != q) {
                    *why = "unclosed quote";
                    return -1;
                }
                s++;
                continue;
            }
            if (q == '\\' && s[1] != '\0')
                s++;
            if (o + 1 >= cap)
                goto long_;
            buf[o++] = *s++;
        }
        (void)in_word;
        buf[o++] = '\0';
        n++;
    }
long_:
    *why = "the words are too long";
    return -1;
}
