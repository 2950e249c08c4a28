/* inject.c - faults from the TUI: flip a bit, truncate, chmod, unlink the
 * object under the cursor, each behind a y/N question and each journalled
 * exactly as `shmspy inject` does it (src/cli/cmd_inject.c): open the
 * object, read identity, size, mode and the original bytes, format the
 * journal (spy_journal_format), write and fsync it (spy_durable_create),
 * and only then change the object with the same spy_obj_* calls. `shmspy
 * inject undo JOURNAL` undoes any of them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../backends/inject.h"
#include "../core/journal.h"
#include "../core/num.h"
#include "ui.h"

/* The fault asked for, between the prompt and the y/N answer. Only one
 * prompt is active at a time, and it is dropped with its view, so one
 * pending request is enough. */
static struct {
    spy_name name;
    char disp[256];
    spy_inject_kind kind;
    uint64_t off, bit, new_size;
    uint32_t new_mode;
    unsigned serial; /* journals written by this process */
} Q;

/* Splits text at spaces into at most max words (in buf). */
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

static const char syntax[] =
    "flip OFF [BIT], truncate SIZE, chmod MODE or unlink";

/* Parses the fault into Q; 0, or -1 after showing why not. */
static int parse_fault(const char *text) {
    char buf[256], *w[3];
    int n = split(text, buf, sizeof buf, w, 3);
    spy_err e;

    spy_err_clear(&e);
    if (n <= 0) {
        spy__ui_msg(1, "inject: give %s", syntax);
        return -1;
    }
    Q.kind = spy_inject_kind_parse(w[0]);
    Q.bit = 0;
    switch (Q.kind) {
    case SPY_INJ_FLIP:
        if (n < 2) {
            spy__ui_msg(1, "flip: missing OFF");
            return -1;
        }
        if (spy_parse_u64("OFF", w[1], &Q.off, &e) != 0 ||
            (n == 3 && spy_parse_u64("BIT", w[2], &Q.bit, &e) != 0)) {
            spy__ui_msg(1, "flip: %s", e.msg);
            return -1;
        }
        if (Q.bit > 7) {
            spy__ui_msg(1, "flip: BIT %" PRIu64 " is not in 0..7", Q.bit);
            return -1;
        }
        return 0;
    case SPY_INJ_TRUNCATE:
        if (n != 2) {
            spy__ui_msg(1, "truncate: give one SIZE");
            return -1;
        }
        if (spy_parse_u64("SIZE", w[1], &Q.new_size, &e) != 0) {
            spy__ui_msg(1, "truncate: %s", e.msg);
            return -1;
        }
        return 0;
    case SPY_INJ_CHMOD:
        if (n != 2) {
            spy__ui_msg(1, "chmod: give one MODE");
            return -1;
        }
        if (spy_parse_mode("MODE", w[1], &Q.new_mode, &e) != 0) {
            spy__ui_msg(1, "chmod: %s", e.msg);
            return -1;
        }
        return 0;
    case SPY_INJ_UNLINK:
        if (n != 1) {
            spy__ui_msg(1, "unlink takes nothing more");
            return -1;
        }
        return 0;
    default:
        break;
    }
    {
        char safe[64];
        spy__safe(w[0], safe, sizeof safe);
        spy__ui_msg(1, "inject: unknown fault '%s': give %s", safe, syntax);
    }
    return -1;
}

/* The journal: the object's state and what the fault will change, read
 * from o before anything changes (as plan() in cmd_inject.c). */
static int plan(spy_obj *o, const spy_obj_state *st, spy_journal *j,
                spy_err *e) {
    const char *name = spy_obj_name(o);
    uint8_t b, nb, *buf;
    uint64_t n;
    int rc;

    j->kind = Q.kind;
    snprintf(j->name, sizeof j->name, "%s", name);
    j->dev = st->dev;
    j->ino = st->ino;
    j->size = st->size;
    j->mode = st->mode;
    switch (Q.kind) {
    case SPY_INJ_FLIP:
        if (Q.off >= st->size)
            return spy_err_set(e, SPY_ERANGE, 0,
                               "%s: 1 byte at offset %" PRIu64
                               " lies past its end (%" PRIu64 " bytes)",
                               name, Q.off, st->size);
        if ((rc = spy_obj_read(o, Q.off, &b, 1, e)) != 0)
            return rc;
        nb = (uint8_t)(b ^ (1u << Q.bit));
        return spy_journal_add_patch(j, Q.off, &b, &nb, 1, e);
    case SPY_INJ_TRUNCATE:
    case SPY_INJ_UNLINK:
        /* The bytes a truncate cuts off, or everything an unlink loses. */
        if (Q.kind == SPY_INJ_TRUNCATE) {
            j->has_new_size = 1;
            j->new_size = Q.new_size;
            if (Q.new_size >= st->size)
                return 0;
            n = st->size - Q.new_size;
        } else {
            n = st->size;
        }
        if (n > SPY_JOURNAL_DATA_MAX)
            return spy_err_set(e, SPY_ERANGE, 0,
                               "%s: would lose %" PRIu64 " bytes; a journal "
                               "keeps at most 16 MiB, so it could not be "
                               "undone",
                               name, n);
        if ((buf = malloc(n ? (size_t)n : 1)) == NULL)
            return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
        rc = spy_obj_read(o, st->size - n, buf, (size_t)n, e);
        if (rc == 0)
            rc = spy_journal_set_data(j, st->size - n, buf, (size_t)n, e);
        free(buf);
        return rc;
    case SPY_INJ_CHMOD:
        j->has_new_mode = 1;
        j->new_mode = Q.new_mode;
        return 0;
    default:
        return spy_err_set(e, SPY_EINVAL, 0, "no fault");
    }
}

static int apply(const spy_journal *j, spy_obj *o, spy_err *e) {
    const spy_jpatch *p = j->patches;

    switch (j->kind) {
    case SPY_INJ_FLIP:
        return spy_obj_write(o, p->off, j->bytes + p->at + p->len, p->len, e);
    case SPY_INJ_TRUNCATE:
        return spy_obj_truncate(o, j->new_size, e);
    case SPY_INJ_UNLINK:
        return spy_obj_unlink(o, e);
    case SPY_INJ_CHMOD:
        return spy_obj_chmod(o, j->new_mode, e);
    default:
        return spy_err_set(e, SPY_EINVAL, 0, "no fault");
    }
}

/* What changed, in the words of `shmspy inject`. */
static void describe(const spy_journal *j, char *out, size_t cap) {
    const spy_jpatch *p = j->patches;

    switch (j->kind) {
    case SPY_INJ_FLIP:
        snprintf(out, cap, "byte %" PRIu64 " was 0x%02x, now 0x%02x", p->off,
                 j->bytes[p->at], j->bytes[p->at + 1]);
        break;
    case SPY_INJ_TRUNCATE:
        snprintf(out, cap, "size %" PRIu64 " -> %" PRIu64 " bytes", j->size,
                 j->new_size);
        break;
    case SPY_INJ_CHMOD:
        snprintf(out, cap, "mode %04o -> %04o", (unsigned)j->mode,
                 (unsigned)j->new_mode);
        break;
    default:
        snprintf(out, cap, "name removed; mappers keep the memory");
        break;
    }
}

/* Writes the journal durably under a fresh name in the current directory
 * (shmspy-inject-PID-N.journal; an existing file is never replaced). */
static int write_journal(const char *text, size_t len, char *path, size_t cap,
                         spy_err *e) {
    int tries, rc = SPY_EEXIST;

    for (tries = 0; tries < 100 && rc == SPY_EEXIST; tries++) {
        snprintf(path, cap, "shmspy-inject-%ld-%u.journal", spy_self_pid(),
                 ++Q.serial);
        rc = spy_durable_create(path, text, len, e);
    }
    return rc;
}

static void run(void) {
    spy_obj *o = NULL;
    spy_obj_state st;
    spy_journal j;
    spy_err e;
    char path[512], *text = NULL, what[128], safe[600];
    size_t text_len;
    int write_access = Q.kind != SPY_INJ_UNLINK && Q.kind != SPY_INJ_CHMOD;
    int rc, journalled = 0;

    spy_err_clear(&e);
    spy_journal_init(&j);
    rc = spy_obj_open(&Q.name, write_access, &o, &e);
    if (rc == 0)
        rc = spy_obj_stat(o, &st, &e);
    if (rc == 0)
        rc = plan(o, &st, &j, &e);
    if (rc == 0)
        rc = spy_journal_format(&j, &text, &text_len, &e);
    /* The journal is on disk before the object changes. */
    if (rc == 0 &&
        (rc = write_journal(text, text_len, path, sizeof path, &e)) == 0)
        journalled = 1;
    if (rc == 0)
        rc = apply(&j, o, &e);
    if (journalled)
        spy__safe(path, safe, sizeof safe);
    if (rc == 0) {
        describe(&j, what, sizeof what);
        /* The journal's path once, in the undo command: it must fit. */
        spy__ui_msg(0, "%s %s: %s; undo: shmspy inject undo %s",
                    spy_inject_kind_name(j.kind), Q.disp, what, safe);
    } else {
        char m[SPY_ERR_MSG_MAX];
        spy__safe(e.msg, m, sizeof m);
        if (journalled)
            spy__ui_msg(1,
                        "%s failed: %s (journal kept; undo: shmspy "
                        "inject undo %s)",
                        spy_inject_kind_name(Q.kind), m, safe);
        else
            spy__ui_msg(1, "%s failed, nothing changed: %s",
                        spy_inject_kind_name(Q.kind), m);
    }
    free(text);
    spy_journal_free(&j);
    spy_obj_close(o);
}

static void confirmed(void *self, const char *text) {
    (void)self;
    if (text == NULL) {
        spy__ui_msg(0, "inject cancelled: nothing changed");
        return;
    }
    run();
}

static void fault_given(void *self, const char *text) {
    char q[128];

    (void)self;
    if (text == NULL)
        return;
    if (parse_fault(text) != 0)
        return;
    switch (Q.kind) {
    case SPY_INJ_FLIP:
        snprintf(q, sizeof q, "flip bit %" PRIu64 " of byte %" PRIu64, Q.bit,
                 Q.off);
        break;
    case SPY_INJ_TRUNCATE:
        snprintf(q, sizeof q, "truncate to %" PRIu64 " bytes", Q.new_size);
        break;
    case SPY_INJ_CHMOD:
        snprintf(q, sizeof q, "chmod %04o", (unsigned)Q.new_mode);
        break;
    default:
        snprintf(q, sizeof q, "unlink");
        break;
    }
    {
        char full[800];
        snprintf(full, sizeof full, "inject: %s of %s (journal first)? y/N ", q,
                 Q.disp);
        spy__prompt_confirm(full, confirmed, NULL);
    }
}

void spy__inject_ask(const spy_name *n, const char *disp, const char *init) {
    char label[640];

    Q.name = *n;
    snprintf(Q.disp, sizeof Q.disp, "%s", disp);
    snprintf(label, sizeof label, "inject into %s (%s): ", Q.disp, syntax);
    spy__prompt_line(label, init, fault_given, NULL, NULL);
}
