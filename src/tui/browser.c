/* browser.c - the browser of every segment (`shmspy` without arguments):
 * a live list, sorted and filtered, with a details pane; Enter opens the
 * hex view of the selected object.
 *
 * The rows are shown in groups, the sections of `shmspy list` (POSIX,
 * System V, named sections, memfd, anonymous, files mapped shared) plus
 * the POSIX objects removed but still mapped or held; each group under a
 * heading line, sorted within by the chosen order. Headings are lines of
 * the screen, not rows: the selection moves over rows only.
 *
 * The list is re-read about once a second (more slowly if listing takes
 * long: counting mappers scans every process's mappings). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/seg.h"
#include "../backends/process.h"
#include "browser.h"

#define LIST_MS 1000
#define MAPS_MS 2000
#define MAPS_SETTLE_MS 150 /* wait for the selection to settle */

enum { SORT_NAME, SORT_SIZE, SORT_TIME, SORT_MAPPERS, SORT_COUNT };
static const char *const sort_names[] = {"name", "size", "time", "mappers"};

/* The groups, in the order shown (ops/list.h). */
enum { G_POSIX = SPY_GROUP_POSIX, G_COUNT = SPY_GROUP_COUNT };

/* A line of the list on screen: a row (vis position) or a group's
 * heading. */
#define LINE_HEADING ((size_t)-1)

typedef struct browser {
    spy__view view;
    spy_tui_opts opts;
    spy_list list; /* the rows, from ops (ops/list.h) */
    size_t *vis;   /* indices into rows: filtered and sorted (by group
                    * first) */
    size_t nvis;
    size_t sel;    /* position in vis */
    size_t top;    /* the first line shown: a position in the lines */
    size_t nlines; /* nvis plus a heading per group shown */
    /* Per group: how many rows are shown (in vis), how many listed, where
     * its rows start in vis, and the line of its heading. */
    size_t g_shown[G_COUNT], g_total[G_COUNT], g_first[G_COUNT];
    size_t g_line[G_COUNT];
    char *sel_name;    /* kept across refreshes */
    spy__brow sel_row; /* the selected row as last seen (its name is
                        * sel_name, its other texts ""): where it stood */
    int sort, reverse, details;
    char filter[256];
    char list_err[SPY_ERR_MSG_MAX];
    uint64_t next_list;
    int list_rows; /* rows of the list on screen, from the last draw */
    int list_y;
    spy__bmaps maps;
} browser;

/* ---- rows ------------------------------------------------------------- */

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* ---- groups, filter and sort ----------------------------------------- */

/* The group of a row. */
static int group_of(const spy__brow *r) {
    return (int)spy_list_row_group(r);
}

static const browser *sort_ctx; /* qsort has no context argument */

static const spy_list_order orders[SORT_COUNT] = {
    SPY_ORDER_NAME, SPY_ORDER_SIZE, SPY_ORDER_TIME, SPY_ORDER_MAPPERS};

/* <0, 0, >0 as row a comes before, with, after row b in the list's
 * order: by group, then by the sort (reversed or not) within it. */
static int row_cmp(const browser *b, const spy__brow *x, const spy__brow *y) {
    int gx = group_of(x), gy = group_of(y), c;

    if (gx != gy)
        return gx < gy ? -1 : 1;
    c = spy_list_row_cmp(x, y, orders[b->sort]);
    return b->reverse ? -c : c;
}

static int cmp_rows(const void *pa, const void *pb) {
    return row_cmp(sort_ctx, &sort_ctx->list.v[*(const size_t *)pa],
                   &sort_ctx->list.v[*(const size_t *)pb]);
}

/* Case-insensitive substring test. */
static int matches(const char *s, const char *pat) {
    size_t i, j;

    if (pat[0] == '\0')
        return 1;
    for (i = 0; s[i] != '\0'; i++) {
        for (j = 0; pat[j] != '\0' && s[i + j] != '\0'; j++)
            if (tolower((unsigned char)s[i + j]) !=
                tolower((unsigned char)pat[j]))
                break;
        if (pat[j] == '\0')
            return 1;
    }
    return 0;
}

static void remember_selection(browser *b) {
    free(b->sel_name);
    b->sel_name = NULL;
    if (b->sel < b->nvis) {
        b->sel_row = b->list.v[b->vis[b->sel]];
        b->sel_name = dup_str(b->sel_row.name);
        b->sel_row.name = b->sel_name;
        b->sel_row.problem = b->sel_row.owner = b->sel_row.group = "";
        b->sel_row.origin = "";
    }
}

/* The position in vis nearest to where the selected row stood, now that
 * it is not shown (filtered out, or gone from the list): the first row
 * after it in the list's order, else the last row (the one before it). */
static size_t nearest(const browser *b) {
    size_t lo = 0, hi = b->nvis;

    if (b->sel_name == NULL)
        return 0;
    while (lo < hi) { /* vis is sorted: the first row after sel_row */
        size_t mid = lo + (hi - lo) / 2;
        if (row_cmp(b, &b->list.v[b->vis[mid]], &b->sel_row) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->nvis ? lo : b->nvis - 1;
}

/* Counts the rows of each group in vis (sorted by group) and places the
 * headings: a group with no row shown has none. */
static void index_groups(browser *b) {
    size_t i, line = 0;
    int g;

    memset(b->g_shown, 0, sizeof b->g_shown);
    for (i = 0; i < b->nvis; i++) {
        g = group_of(&b->list.v[b->vis[i]]);
        if (b->g_shown[g]++ == 0)
            b->g_first[g] = i;
    }
    for (g = 0; g < G_COUNT; g++) {
        b->g_line[g] = line;
        if (b->g_shown[g] > 0)
            line += 1 + b->g_shown[g];
    }
    b->nlines = line;
}

/* The line of the row at vis position i. */
static size_t line_of(const browser *b, size_t i) {
    int g = group_of(&b->list.v[b->vis[i]]);
    return b->g_line[g] + 1 + (i - b->g_first[g]);
}

/* What line l shows: a vis position, or LINE_HEADING with *group set. */
static size_t line_row(const browser *b, size_t l, int *group) {
    int g;

    for (g = G_COUNT - 1; g >= 0; g--) {
        if (b->g_shown[g] == 0 || l < b->g_line[g])
            continue;
        *group = g;
        return l == b->g_line[g] ? LINE_HEADING
                                 : b->g_first[g] + (l - b->g_line[g] - 1);
    }
    *group = G_POSIX;
    return LINE_HEADING;
}

/* Rebuilds vis from rows, keeping the selected name selected, or else
 * selecting the nearest row shown (see nearest). */
static void rebuild(browser *b) {
    size_t i;
    size_t *vis =
        realloc(b->vis, (b->list.n > 0 ? b->list.n : 1) * sizeof *vis);

    if (vis == NULL)
        return;
    b->vis = vis;
    b->nvis = 0;
    memset(b->g_total, 0, sizeof b->g_total);
    for (i = 0; i < b->list.n; i++) {
        const spy__brow *r = &b->list.v[i];
        char disp[512];
        b->g_total[group_of(r)]++;
        spy__safe_name(r->name, disp, sizeof disp);
        if (!matches(disp, b->filter)) {
            /* What a row named through a process was or is called (a
             * memfd's name, a removed object's former name) finds it
             * too. */
            if (r->origin == NULL || r->origin[0] == '\0')
                continue;
            spy__safe(r->origin, disp, sizeof disp);
            if (!matches(disp, b->filter))
                continue;
        }
        b->vis[b->nvis++] = i;
    }
    sort_ctx = b;
    qsort(b->vis, b->nvis, sizeof *b->vis, cmp_rows);
    index_groups(b);
    if (b->sel_name != NULL) {
        for (i = 0; i < b->nvis; i++) {
            if (strcmp(b->list.v[b->vis[i]].name, b->sel_name) == 0) {
                b->sel = i;
                remember_selection(b); /* its size, time... as now */
                return;
            }
        }
    }
    if (b->nvis == 0) {
        b->sel = 0;
        return; /* keep sel_row: the row to come back to, or near */
    }
    b->sel = nearest(b);
    remember_selection(b);
}

static uint64_t refresh_list(browser *b) {
    uint64_t t0 = spy_monotonic_ms();
    spy_list fresh;
    spy_err e;
    int rc;

    spy_err_clear(&e);
    /* Holders are counted in the same pass over every process. */
    rc = spy_list_gather(SPY_LIST_ALL | SPY_LIST_MAPPERS | SPY_LIST_HOLDERS,
                         &fresh, &e);
    if (rc == SPY_ENOMEM) {
        spy_list_free(&fresh);
        snprintf(b->list_err, sizeof b->list_err, "out of memory");
    } else {
        /* A failing source still leaves the others' rows. */
        snprintf(b->list_err, sizeof b->list_err, "%s", rc != 0 ? e.msg : "");
        spy_list_free(&b->list);
        b->list = fresh;
        rebuild(b);
    }
    return spy_monotonic_ms() - t0;
}

static const spy__brow *selected(const browser *b) {
    return b->sel < b->nvis ? &b->list.v[b->vis[b->sel]] : NULL;
}

/* ---- the view --------------------------------------------------------- */

static uint64_t browser_tick(spy__view *v, uint64_t now) {
    browser *b = v->self;
    const spy__brow *r;
    uint64_t next;

    if (now >= b->next_list) {
        uint64_t took = refresh_list(b);
        /* Listing never takes more than a fifth of the time. */
        b->next_list = now + (took * 5 > LIST_MS ? took * 5 : LIST_MS);
    }
    next = b->next_list;
    r = selected(b);
    if (b->details && r != NULL) {
        int same =
            b->maps.for_name != NULL && strcmp(b->maps.for_name, r->name) == 0;
        if (!same && (b->maps.due == 0 || b->maps.due > now + MAPS_SETTLE_MS))
            b->maps.due = now + MAPS_SETTLE_MS;
        if (now >= b->maps.due) {
            uint64_t took = spy__details_scan(r, &b->maps);
            b->maps.due = now + (took * 5 > MAPS_MS ? took * 5 : MAPS_MS);
        }
        if (b->maps.due < next)
            next = b->maps.due;
    }
    return next;
}

static void draw_title(const browser *b) {
    char f[300];

    f[0] = '\0';
    if (b->filter[0] != '\0')
        snprintf(f, sizeof f, "   filter: %s", b->filter);
    spy__put(0, 0, COLS, SPY__R_BAR, 1,
             " shmspy   %llu of %llu objects   sort: %s%s%s",
             (unsigned long long)b->nvis, (unsigned long long)b->list.n,
             sort_names[b->sort], b->reverse ? " (reversed)" : "", f);
    if (COLS > 70)
        spy__put(0, COLS - 18, 18, SPY__R_BAR, 1, "  ? help  q quit");
}

/* Widths of the fixed columns; the name takes what is left. */
#define W_KIND 6
#define W_SIZE 10
#define W_MODE 4
#define W_OWNER 10
#define W_TIME 16
#define W_MAPS 7 /* "MAPPERS": processes mapping it */

static int name_width(int with_time) {
    int w = COLS - (W_KIND + W_SIZE + W_MODE + W_OWNER + W_MAPS + 6) -
            (with_time ? W_TIME + 1 : 0);
    return w > 8 ? w : 8;
}

static void draw_row(const browser *b, int y, const spy__brow *r, int sel,
                     int with_time) {
    char size[32], t[32], maps[16], owner[96], disp[512];
    int nw = name_width(with_time);

    spy__safe_name(r->name, disp, sizeof disp);
    spy__safe(r->owner, owner, sizeof owner);
    /* "N+" or "?" when processes could not be inspected: never a 0 that
     * is not known. */
    spy_nattch_text(r->nattch, r->nattch_min, maps, sizeof maps);
    if (r->mtime >= 0)
        spy__fmt_time(r->mtime, t, sizeof t);
    else
        snprintf(t, sizeof t, "-");
    t[W_TIME] = '\0'; /* drop the seconds */
    if (spy__brow_unusable(r))
        snprintf(size, sizeof size, "-");
    else
        spy__fmt_size(r->size, size, sizeof size);
    (void)b;
    if (with_time)
        spy__put(y, 0, COLS, sel ? SPY__R_SELECT : SPY__R_NORMAL, 1,
                 "%-*.*s %-*s %*s %04o %-*.*s %-*s %*s", nw, nw, disp, W_KIND,
                 spy_kind_name(r->kind), W_SIZE, size,
                 (unsigned)(r->mode & 07777), W_OWNER, W_OWNER, owner, W_TIME,
                 t, W_MAPS, maps);
    else
        spy__put(y, 0, COLS, sel ? SPY__R_SELECT : SPY__R_NORMAL, 1,
                 "%-*.*s %-*s %*s %04o %-*.*s %*s", nw, nw, disp, W_KIND,
                 spy_kind_name(r->kind), W_SIZE, size,
                 (unsigned)(r->mode & 07777), W_OWNER, W_OWNER, owner, W_MAPS,
                 maps);
}

/* A group's heading: its title and how many of its rows are shown. */
static void draw_heading(const browser *b, int y, int g) {
    if (b->g_shown[g] == b->g_total[g])
        spy__put(y, 0, COLS, SPY__R_LABEL, 1, "%s (%llu)",
                 spy_list_group_title((spy_list_group)g),
                 (unsigned long long)b->g_shown[g]);
    else
        spy__put(y, 0, COLS, SPY__R_LABEL, 1, "%s (%llu of %llu)",
                 spy_list_group_title((spy_list_group)g),
                 (unsigned long long)b->g_shown[g],
                 (unsigned long long)b->g_total[g]);
}

static void browser_draw(spy__view *v, uint64_t now) {
    browser *b = v->self;
    const spy__brow *r = selected(b);
    int with_time = COLS >= 80, nw = name_width(with_time), dh = 0, y;
    size_t i;

    (void)now;
    draw_title(b);
    if (with_time)
        spy__put(1, 0, COLS, SPY__R_LABEL, 1,
                 "%-*s %-*s %*s %-4s %-*s %-*s %*s", nw, "NAME", W_KIND, "KIND",
                 W_SIZE, "SIZE", "MODE", W_OWNER, "OWNER", W_TIME, "MODIFIED",
                 W_MAPS, "MAPPERS");
    else
        spy__put(1, 0, COLS, SPY__R_LABEL, 1, "%-*s %-*s %*s %-4s %-*s %*s", nw,
                 "NAME", W_KIND, "KIND", W_SIZE, "SIZE", "MODE", W_OWNER,
                 "OWNER", W_MAPS, "MAPPERS");
    if (b->details && LINES >= 14)
        dh = spy__details_height(r, &b->maps);
    b->list_y = 2;
    b->list_rows = LINES - 2 - b->list_y - dh;
    if (b->list_rows < 1)
        b->list_rows = 1;
    /* No empty lines at the bottom while lines are hidden above (after
     * the window grew back, say); then the selection in view, with its
     * group's heading when it is the group's first row. */
    if (b->top + (size_t)b->list_rows > b->nlines)
        b->top = b->nlines > (size_t)b->list_rows
                     ? b->nlines - (size_t)b->list_rows
                     : 0;
    if (b->nvis > 0) {
        size_t sl = line_of(b, b->sel);
        int g = group_of(&b->list.v[b->vis[b->sel]]);
        if (sl == b->g_line[g] + 1 && b->list_rows > 1)
            sl--; /* its heading, which stays in view with it */
        if (sl < b->top)
            b->top = sl;
        sl = line_of(b, b->sel);
        if (sl >= b->top + (size_t)b->list_rows)
            b->top = sl - (size_t)b->list_rows + 1;
    }
    if (b->nvis == 0)
        spy__put(b->list_y, 1, COLS - 1, SPY__R_LABEL, 0, "%s",
                 b->list.n == 0 ? "(no shared memory objects)"
                                : "(nothing matches the filter)");
    for (i = 0; i < (size_t)b->list_rows && b->top + i < b->nlines; i++) {
        int g;
        size_t vi = line_row(b, b->top + i, &g);
        if (vi == LINE_HEADING)
            draw_heading(b, b->list_y + (int)i, g);
        else
            draw_row(b, b->list_y + (int)i, &b->list.v[b->vis[vi]],
                     vi == b->sel, with_time);
    }
    if (dh > 0)
        spy__details_draw(LINES - 2 - dh, dh, r, &b->maps);
    y = LINES - 2;
    if (b->list_err[0] != '\0')
        spy__put(y, 0, COLS, SPY__R_ERROR, 1, " %s", b->list_err);
    else
        spy__put(y, 0, COLS, SPY__R_BAR, 1,
                 " Enter watch   / filter   s sort   d details   r refresh   "
                 "? help");
}

static void select_at(browser *b, size_t i) {
    if (b->nvis == 0)
        return;
    b->sel = i < b->nvis ? i : b->nvis - 1;
    remember_selection(b);
}

static void move_sel(browser *b, long d) {
    if (d < 0)
        select_at(b, b->sel > (size_t)-d ? b->sel - (size_t)-d : 0);
    else
        select_at(b, b->sel + (size_t)d);
}

static void filter_changed(void *self, const char *text) {
    browser *b = self;

    snprintf(b->filter, sizeof b->filter, "%s", text != NULL ? text : "");
    rebuild(b);
}

static void filter_done(void *self, const char *text) {
    filter_changed(self, text); /* NULL (Escape): no filter */
}

static void open_selected(browser *b) {
    const spy__brow *r = selected(b);
    spy__view *hv;
    spy_name n;
    spy_err e;

    if (r == NULL)
        return;
    if (spy__brow_unusable(r)) {
        char p[200], disp[512];
        spy__safe(r->problem, p, sizeof p);
        spy__safe_name(r->name, disp, sizeof disp);
        spy__ui_msg(1, "%s: %s", disp, p);
        return;
    }
    spy_err_clear(&e);
    if (spy_name_parse(r->name, &n, &e) != 0) {
        spy__ui_msg(1, "%s", e.msg);
        return;
    }
    hv = spy__hexview_new(&n, &b->opts, &e);
    if (hv == NULL) {
        spy__ui_msg(1, "cannot open: %s", e.msg);
        return;
    }
    spy__ui_push(hv);
}

static void inject_selected(browser *b) {
    const spy__brow *r = selected(b);
    char disp[512];
    spy_name n;
    spy_err e;

    if (r == NULL)
        return;
    spy_err_clear(&e);
    if (spy_name_parse(r->name, &n, &e) != 0) {
        spy__ui_msg(1, "%s", e.msg);
        return;
    }
    /* The list shows the change at its next refresh (a second). */
    spy__safe_name(r->name, disp, sizeof disp);
    spy__inject_ask(&n, disp, NULL);
}

/* The mouse: the wheel moves 3 rows, a click selects. */
static int key_mouse(const spy__keyhit *k) {
    browser *b = k->self;
    MEVENT me;

    if (getmouse(&me) != OK)
        return SPY__KEY_DONE;
    if (SPY_WHEEL_UP != 0 && (me.bstate & SPY_WHEEL_UP))
        move_sel(b, -3);
    else if (SPY_WHEEL_DOWN != 0 && (me.bstate & SPY_WHEEL_DOWN))
        move_sel(b, 3);
    else if ((me.bstate & BUTTON1_PRESSED) && me.y >= b->list_y &&
             me.y < b->list_y + b->list_rows &&
             b->top + (size_t)(me.y - b->list_y) < b->nlines) {
        int g;
        size_t vi = line_row(b, b->top + (size_t)(me.y - b->list_y), &g);
        /* A heading selects its group's first row. */
        select_at(b, vi == LINE_HEADING ? b->g_first[g] : vi);
    }
    return SPY__KEY_DONE;
}

/* ---- the key table: every key of the view, its help and its handler -- */

/* Up Down, PgUp PgDn, Home End: moves the selection. */
static int key_move(const spy__keyhit *k) {
    browser *b = k->self;
    long n = k->arg == SPY__STEP_ONE ? 1
             : b->list_rows > 1      ? b->list_rows - 1
                                     : 1;

    if (k->arg == SPY__STEP_ALL)
        select_at(b, k->which == 0 ? 0 : b->nvis);
    else
        move_sel(b, k->which == 0 ? -n : n);
    return SPY__KEY_DONE;
}

static int key_open(const spy__keyhit *k) {
    open_selected(k->self);
    return SPY__KEY_DONE;
}

static int key_filter(const spy__keyhit *k) {
    browser *b = k->self;

    spy__prompt_line("filter: ", b->filter, filter_done, filter_changed, b);
    return SPY__KEY_DONE;
}

static int key_sort(const spy__keyhit *k) {
    browser *b = k->self;

    b->sort = (b->sort + 1) % SORT_COUNT;
    rebuild(b);
    spy__ui_msg(0, "sorted by %s", sort_names[b->sort]);
    return SPY__KEY_DONE;
}

static int key_reverse(const spy__keyhit *k) {
    browser *b = k->self;

    b->reverse = !b->reverse;
    rebuild(b);
    return SPY__KEY_DONE;
}

static int key_details(const spy__keyhit *k) {
    browser *b = k->self;

    b->details = !b->details;
    return SPY__KEY_DONE;
}

static int key_refresh(const spy__keyhit *k) {
    browser *b = k->self;

    b->next_list = 0;
    b->maps.due = 0;
    return SPY__KEY_DONE;
}

static int key_inject(const spy__keyhit *k) {
    inject_selected(k->self);
    return SPY__KEY_DONE;
}

/* Clears the filter; with none, the loop's Esc. */
static int key_escape(const spy__keyhit *k) {
    browser *b = k->self;

    if (b->filter[0] == '\0')
        return SPY__KEY_IGNORED;
    filter_changed(b, "");
    return SPY__KEY_DONE;
}

static const spy__key browser_keys[] = {
    {"Up Down", "select", key_move, SPY__STEP_ONE, {KEY_UP, KEY_DOWN}},
    {"PgUp PgDn",
     "a screen up / down",
     key_move,
     SPY__STEP_PAGE,
     {KEY_PPAGE, KEY_NPAGE}},
    {"Home End",
     "first / last object",
     key_move,
     SPY__STEP_ALL,
     {KEY_HOME, KEY_END}},
    {"mouse",
     "the wheel moves 3 rows; a click selects",
     key_mouse,
     0,
     {KEY_MOUSE}},
    {"Enter",
     "watch the selected object (live hex view)",
     key_open,
     0,
     {'\r', '\n', KEY_ENTER}},
    {"/",
     "filter by name (or a memfd's or removed object's name) as you "
     "type (Enter keeps, Esc clears)",
     key_filter,
     0,
     {'/'}},
    {"s", "sort by name, size, time, mappers (cycles)", key_sort, 0, {'s'}},
    {"S", "reverse the order", key_reverse, 0, {'S'}},
    {"d",
     "details pane: stat and the processes mapping it",
     key_details,
     0,
     {'d'}},
    {"r F5", "refresh the list now", key_refresh, 0, {'r', KEY_F(5)}},
    {"p",
     "probe an address of shmspy itself: what it is, why it faults",
     spy__probe_ask,
     0,
     {'p'}},
    {"I",
     "inject a fault into the selected object (every fault of shmspy "
     "inject): asks y/N, journals first",
     key_inject,
     0,
     {'I'}},
    {"Esc", "clear the filter", key_escape, 0, {27}},
};

static void browser_fini(spy__view *v) {
    browser *b = v->self;

    spy_list_free(&b->list);
    free(b->vis);
    free(b->sel_name);
    spy__details_free(&b->maps);
    free(b);
}

spy__view *spy__browser_new(const spy_tui_opts *o, spy_err *err) {
    browser *b = calloc(1, sizeof *b);

    if (b == NULL) {
        spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
        return NULL;
    }
    b->opts = *o;
    b->details = 1;
    b->view.self = b;
    b->view.keys = (spy__keymap)SPY__KEYMAP(browser_keys);
    b->view.tick = browser_tick;
    b->view.draw = browser_draw;
    b->view.fini = browser_fini;
    return &b->view;
}
