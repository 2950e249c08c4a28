/* inject.c - faults from the TUI: every fault `shmspy inject` has (flip,
 * set, corrupt, truncate, chmod, unlink) on the object under the cursor,
 * each behind a y/N question. This file only parses the prompt and shows
 * the outcome: the transaction (checks, journal first, then the change)
 * is ops/inject.c, the same code `shmspy inject` runs, and `shmspy inject
 * undo JOURNAL` undoes any of them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hexbytes.h"
#include "../core/num.h"
#include "../ops/inject.h"
#include "ui.h"

/* The fault asked for, between the prompt and the y/N answer. Only one
 * prompt is active at a time, and it is dropped with its view, so one
 * pending request is enough. */
static struct {
    spy_inject_req req;
    char disp[256];
} Q;

static const char syntax[] = "flip OFF [BIT], set OFF HEX.., corrupt K "
                             "[SEED], truncate SIZE, chmod MODE or unlink";

/* Splits text at spaces into at most max words (in buf); -1 if more. */
static int split(const char *text, char *buf, size_t cap, char **w, int max) {
    int n = 0;
    char *p;

    snprintf(buf, cap, "%s", text);
    for (p = strtok(buf, " \t"); p != NULL; p = strtok(NULL, " \t")) {
        if (n == max)
            return -1;
        w[n++] = p;
    }
    return n;
}

/* Parses one number word into *out; says why not. */
static int number(const char *what, const char *word, uint64_t *out,
                  const char *fault) {
    spy_err e;
    spy_err_clear(&e);
    if (spy_parse_u64(what, word, out, &e) == 0)
        return 0;
    spy__ui_msg(1, "%s: %s", fault, e.msg);
    return -1;
}

/* How many words each fault takes after its name: at least, at most. */
static int arity(spy_inject_kind kind, int *lo, int *hi) {
    switch (kind) {
    case SPY_INJ_FLIP:
        return *lo = 1, *hi = 2, 0;
    case SPY_INJ_SET:
        return *lo = 2, *hi = 64, 0;
    case SPY_INJ_CORRUPT:
        return *lo = 1, *hi = 2, 0;
    case SPY_INJ_TRUNCATE:
    case SPY_INJ_CHMOD:
        return *lo = 1, *hi = 1, 0;
    case SPY_INJ_UNLINK:
        return *lo = 0, *hi = 0, 0;
    default:
        return -1;
    }
}

/* Parses the words of the prompt into Q.req (the name is already there);
 * 0, or -1 after showing why not. The request is then checked by ops. */
static int parse_fault(const char *text) {
    char buf[1024], *w[66];
    int n = split(text, buf, sizeof buf, w, 66), lo, hi;
    spy_inject_req *q = &Q.req;
    const char *f;
    spy_err e;

    spy_err_clear(&e);
    spy_inject_req_free(q);
    {
        spy_name keep = q->name;
        memset(q, 0, sizeof *q);
        q->name = keep;
    }
    if (n == 0) {
        spy__ui_msg(1, "inject: give %s", syntax);
        return -1;
    }
    q->kind = n > 0 ? spy_inject_kind_parse(w[0]) : SPY_INJ_NONE;
    if (n < 0 || arity(q->kind, &lo, &hi) != 0) {
        char safe[64];
        spy__safe(n > 0 ? w[0] : "?", safe, sizeof safe);
        spy__ui_msg(1, "inject: unknown fault '%s': give %s", safe, syntax);
        return -1;
    }
    f = spy_inject_kind_name(q->kind);
    if (n - 1 < lo || n - 1 > hi) {
        spy__ui_msg(1, "%s: give %s", f, syntax);
        return -1;
    }
    switch (q->kind) {
    case SPY_INJ_FLIP:
        q->have_off = 1;
        if (number("OFF", w[1], &q->off, f) != 0 ||
            (n == 3 && number("BIT", w[2], &q->bit, f) != 0))
            return -1;
        break;
    case SPY_INJ_SET: {
        /* The hex bytes are the rest of the line, as `--hex` takes them. */
        char hex[1024] = "";
        int i;
        q->have_off = 1;
        if (number("OFF", w[1], &q->off, f) != 0)
            return -1;
        for (i = 2; i < n; i++) {
            strncat(hex, w[i], sizeof hex - strlen(hex) - 2);
            strcat(hex, " ");
        }
        if (spy_hexbytes_parse(hex, &q->payload, &q->payload_len, &e) != 0) {
            spy__ui_msg(1, "set: %s", e.msg);
            return -1;
        }
        break;
    }
    case SPY_INJ_CORRUPT:
        if (number("K", w[1], &q->k, f) != 0 ||
            (n == 3 && number("SEED", w[2], &q->seed, f) != 0))
            return -1;
        q->have_seed = n == 3;
        break;
    case SPY_INJ_TRUNCATE:
        if (number("SIZE", w[1], &q->new_size, f) != 0)
            return -1;
        break;
    case SPY_INJ_CHMOD:
        if (spy_parse_mode("MODE", w[1], &q->new_mode, &e) != 0) {
            spy__ui_msg(1, "chmod: %s", e.msg);
            return -1;
        }
        break;
    default:
        break;
    }
    if (spy_inject_check(q, &e) != 0) {
        spy__ui_msg(1, "%s", e.msg);
        return -1;
    }
    return 0;
}

static void run(void) {
    spy_inject_done d;
    spy_err e;
    char what[256], safe[600], m[SPY_ERR_MSG_MAX];
    int rc;

    spy_err_clear(&e);
    rc = spy_inject_run(&Q.req, &d, &e);
    if (d.journalled)
        spy__safe(d.journal, safe, sizeof safe);
    if (rc == 0) {
        spy_inject_describe(&d.j, what, sizeof what);
        /* The journal's path once, in the undo command: it must fit. */
        spy__ui_msg(0, "%s %s: %s; undo: shmspy inject undo %s",
                    spy_inject_kind_name(d.j.kind), Q.disp, what, safe);
    } else {
        spy__safe(e.msg, m, sizeof m);
        if (d.journalled)
            spy__ui_msg(1, "%s failed: %s", spy_inject_kind_name(Q.req.kind),
                        m);
        else
            spy__ui_msg(1, "%s failed, nothing changed: %s",
                        spy_inject_kind_name(Q.req.kind), m);
    }
    spy_inject_done_free(&d);
    spy_inject_req_free(&Q.req);
}

static void confirmed(void *self, const char *text) {
    (void)self;
    if (text == NULL) {
        spy_inject_req_free(&Q.req);
        spy__ui_msg(0, "inject cancelled: nothing changed");
        return;
    }
    run();
}

static void fault_given(void *self, const char *text) {
    const spy_inject_req *q = &Q.req;
    char what[128], full[800];

    (void)self;
    if (text == NULL || parse_fault(text) != 0)
        return;
    switch (q->kind) {
    case SPY_INJ_FLIP:
        snprintf(what, sizeof what, "flip bit %" PRIu64 " of byte %" PRIu64,
                 q->bit, q->off);
        break;
    case SPY_INJ_SET:
        snprintf(what, sizeof what, "set %zu byte%s at offset %" PRIu64,
                 q->payload_len, q->payload_len == 1 ? "" : "s", q->off);
        break;
    case SPY_INJ_CORRUPT:
        if (q->have_seed)
            snprintf(what, sizeof what,
                     "corrupt %" PRIu64 " random bytes (seed %" PRIu64 ")",
                     q->k, q->seed);
        else
            snprintf(what, sizeof what, "corrupt %" PRIu64 " random bytes",
                     q->k);
        break;
    case SPY_INJ_TRUNCATE:
        snprintf(what, sizeof what, "truncate to %" PRIu64 " bytes",
                 q->new_size);
        break;
    case SPY_INJ_CHMOD:
        snprintf(what, sizeof what, "chmod %04o", (unsigned)q->new_mode);
        break;
    default:
        snprintf(what, sizeof what, "unlink");
        break;
    }
    snprintf(full, sizeof full, "inject: %s of %s (journal first)? y/N ", what,
             Q.disp);
    spy__prompt_confirm(full, confirmed, NULL);
}

void spy__inject_ask(const spy_name *n, const char *disp, const char *init) {
    char label[640];

    spy_inject_req_free(&Q.req);
    memset(&Q.req, 0, sizeof Q.req);
    Q.req.name = *n;
    snprintf(Q.disp, sizeof Q.disp, "%s", disp);
    /* The faults' names only: the prompt line must leave room to type. A
     * fault given wrong is answered with the whole syntax. */
    snprintf(label, sizeof label,
             "inject into %s (flip, set, corrupt, truncate, chmod, unlink): ",
             Q.disp);
    spy__prompt_line(label, init, fault_given, NULL, NULL);
}
