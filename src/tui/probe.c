/* probe.c - the probe view: reads 8 bytes at an address of shmspy's own
 * process under a fault guard and explains, as `shmspy probe ADDR` does
 * (src/cli/cmd_probe.c): where the address lies, what happened, why, and
 * the lesson, word-wrapped to the terminal. q or Esc closes it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/guard.h"
#include "../backends/demo.h"
#include "../backends/process.h"
#include "../core/explain.h"
#include "../core/hexfmt.h"
#include "../core/num.h"
#include "ui.h"

#define PROBE_LEN 8
#define MAX_PARAS 16
#define INDENT 9

/* One block of text: a label ("where") and its text (safe to draw), or a
 * preformatted line (label NULL, drawn as is, never wrapped). */
typedef struct para {
    const char *label;
    char *text;
} para;

typedef struct probe {
    spy__view view;
    uint64_t addr;
    para p[MAX_PARAS];
    size_t np;
    int top;   /* first line on screen */
    int lines; /* lines of the wrapped text, from the last draw */
} probe;

static void add(probe *pr, const char *label, const char *text) {
    char *s;
    size_t cap;

    if (pr->np == MAX_PARAS)
        return;
    cap = strlen(text) * 4 + 1; /* the worst case of escaping */
    if ((s = malloc(cap)) == NULL)
        return;
    spy__safe(text, s, cap);
    pr->p[pr->np].label = label;
    pr->p[pr->np].text = s;
    pr->np++;
}

static void on_para(const char *key, const char *text, void *arg) {
    probe *pr = arg;
    /* key is a string literal of explain.c: kept as the label. */
    add(pr, key, text);
}

/* Word-wraps the text at width w; when draw is set, draws its lines
 * top.. on screen rows y0..y1-1. Returns the number of lines it takes. */
static int layout(const probe *pr, int w, int draw, int y0, int y1) {
    int line = 0;
    size_t i;

    if (w < INDENT + 10)
        w = INDENT + 10;
    for (i = 0; i < pr->np; i++) {
        const para *p = &pr->p[i];
        const char *s = p->text;
        char buf[1024];
        size_t blen = 0;
        int col = INDENT, first = 1, y;

        if (p->label == NULL) { /* a preformatted line */
            y = y0 + line - pr->top;
            if (draw && y >= y0 && y < y1)
                spy__put(y, 0, w, SPY__R_NORMAL, 0, "%s", s);
            line++;
            continue;
        }
        line++; /* a blank line before each paragraph */
        buf[0] = '\0';
        for (;;) {
            size_t word;
            while (*s == ' ')
                s++;
            word = strcspn(s, " ");
            if (blen == 0 && word > sizeof buf - 2)
                word = sizeof buf - 2; /* a giant word: cut it */
            if (*s != '\0' && (blen == 0 || col + 1 + (int)word <= w) &&
                blen + word + 2 < sizeof buf) {
                if (blen > 0) {
                    buf[blen++] = ' ';
                    col++;
                }
                memcpy(buf + blen, s, word);
                blen += word;
                buf[blen] = '\0';
                col += (int)word;
                s += word;
                continue;
            }
            /* The line is full (or the text ended): draw it. */
            y = y0 + line - pr->top;
            if (draw && y >= y0 && y < y1) {
                if (first)
                    spy__put(y, 0, INDENT, SPY__R_LABEL, 0, "%s:", p->label);
                spy__put(y, INDENT, w - INDENT, SPY__R_NORMAL, 0, "%s", buf);
            }
            line++;
            first = 0;
            blen = 0;
            buf[0] = '\0';
            col = INDENT;
            if (*s == '\0')
                break;
        }
    }
    return line;
}

static uint64_t probe_tick(spy__view *v, uint64_t now) {
    (void)v;
    return now + 60000;
}

static void probe_draw(spy__view *v, uint64_t now) {
    probe *pr = v->self;
    int y0 = 1, y1 = LINES - 2, rows = y1 - y0;

    (void)now;
    pr->lines = layout(pr, COLS, 0, 0, 0);
    if (pr->top > pr->lines - rows)
        pr->top = pr->lines - rows;
    if (pr->top < 0)
        pr->top = 0;
    spy__put(0, 0, COLS, SPY__R_BAR, 1,
             " shmspy probe 0x%" PRIx64 "   (in shmspy's own address space)",
             pr->addr);
    layout(pr, COLS, 1, y0, y1);
    spy__put(LINES - 2, 0, COLS, SPY__R_BAR, 1,
             " q/Esc close   Up/Down scroll   ? help");
}

/* ---- the key table: every key of the view, its help and its handler -- */

/* Up Down, PgUp PgDn, Home End: scrolls, stopping at the top (the draw
 * stops it at the bottom). */
static int key_move(const spy__keyhit *k) {
    probe *pr = k->self;
    int page = LINES - 4 > 1 ? LINES - 4 : 1;

    if (k->arg == SPY__STEP_ALL)
        pr->top = k->which == 0 ? 0 : pr->lines;
    else
        pr->top += (k->arg == SPY__STEP_PAGE ? page : 1) * (k->which ? 1 : -1);
    if (pr->top < 0)
        pr->top = 0;
    return SPY__KEY_DONE;
}

static int key_close(const spy__keyhit *k) {
    (void)k;
    return SPY__KEY_BACK;
}

static const spy__key probe_keys[] = {
    {"Up Down", "scroll a line", key_move, SPY__STEP_ONE, {KEY_UP, KEY_DOWN}},
    {"PgUp PgDn",
     "scroll a screen",
     key_move,
     SPY__STEP_PAGE,
     {KEY_PPAGE, KEY_NPAGE}},
    {"Home End",
     "the top / the end",
     key_move,
     SPY__STEP_ALL,
     {KEY_HOME, KEY_END}},
    {"q Esc", "close the probe", key_close, 0, {'q', 27}},
};

static void probe_fini(spy__view *v) {
    probe *pr = v->self;
    size_t i;

    for (i = 0; i < pr->np; i++)
        free(pr->p[i].text);
    free(pr);
}

/* Probes addr and builds the view; NULL with err set. */
static spy__view *probe_new(uint64_t addr, spy_err *err) {
    probe *pr = calloc(1, sizeof *pr);
    spy_region r;
    spy_fault f;
    uint8_t bytes[PROBE_LEN];
    char line[512];
    int rc;

    if (pr == NULL) {
        spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
        return NULL;
    }
    pr->addr = addr;
    /* Where it lies is read before touching it (as the CLI does). */
    if (spy_addr_describe(addr, &r, err) != 0) {
        free(pr);
        return NULL;
    }
    memset(&f, 0, sizeof f);
    rc = spy_probe(addr, PROBE_LEN, 0, bytes, &f);
    snprintf(line, sizeof line,
             "probe:   read %d bytes at 0x%" PRIx64
             " in shmspy's own address space",
             PROBE_LEN, addr);
    add(pr, NULL, line);
    if (rc != 0) {
        snprintf(line, sizeof line,
                 "result:  %s (%s) at 0x%" PRIx64
                 ": the access faulted; shmspy caught the %s",
                 f.sig_name, f.code_name, f.addr,
                 spy_platform_get() == SPY_PLATFORM_WINDOWS ? "exception"
                                                            : "signal");
        add(pr, NULL, line);
    } else {
        spy_hexfmt fmt;
        char out[2048];
        size_t n;
        char *nl;
        add(pr, NULL, "result:  the read worked:");
        spy_hexfmt_init(&fmt, SPY_HEX_XXD, addr);
        n = spy_hexfmt_feed(&fmt, bytes, PROBE_LEN, out);
        n += spy_hexfmt_finish(&fmt, out + n);
        out[n] = '\0';
        if ((nl = strchr(out, '\n')) != NULL)
            *nl = '\0';
        add(pr, NULL, out);
    }
    spy_explain_probe(addr, PROBE_LEN, 0, &r, &f, spy_page_size(), on_para, pr);
    pr->view.self = pr;
    pr->view.keys = (spy__keymap)SPY__KEYMAP(probe_keys);
    pr->view.tick = probe_tick;
    pr->view.draw = probe_draw;
    pr->view.fini = probe_fini;
    return &pr->view;
}

static void addr_given(void *self, const char *text) {
    uint64_t addr;
    spy__view *v;
    spy_err e;

    (void)self;
    if (text == NULL)
        return;
    spy_err_clear(&e);
    if (spy_parse_u64("ADDR", text, &addr, &e) != 0) {
        char m[SPY_ERR_MSG_MAX];
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "probe: %s", m);
        return;
    }
    if (addr > UINT64_MAX - PROBE_LEN) {
        spy__ui_msg(1, "probe: ADDR + %d wraps around", PROBE_LEN);
        return;
    }
    v = probe_new(addr, &e);
    if (v == NULL) {
        spy__ui_msg(1, "probe: %s", e.msg);
        return;
    }
    spy__ui_push(v);
}

void spy__probe_open(uint64_t addr, const char *note) {
    spy__view *v;
    spy_err e;

    spy_err_clear(&e);
    if (addr > UINT64_MAX - PROBE_LEN) {
        spy__ui_msg(1, "probe: ADDR + %d wraps around", PROBE_LEN);
        return;
    }
    v = probe_new(addr, &e);
    if (v == NULL) {
        spy__ui_msg(1, "probe: %s", e.msg);
        return;
    }
    if (note != NULL)
        add(v->self, "note", note);
    spy__ui_push(v);
}

int spy__probe_ask(const spy__keyhit *k) {
    (void)k;
    spy__prompt_line("probe address (shmspy's own, e.g. 0xcc8e9ff8cc): ", NULL,
                     addr_given, NULL, NULL);
    return SPY__KEY_DONE;
}
