/* typed_print.c - loading a typed layout for a command, and the pretty
 * print of typed values (see typed_print.h). */
#include "typed_print.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/lockinfo.h"
#include "../core/locks.h"
#include "../ops/locks.h"
#include "cli.h"

/* Array elements printed before "... N more": an array's first ones; a
 * flexible array (bounded only by the segment) shows fewer. */
#define TREE_MAX_ELEMS 64
#define TREE_MAX_FLEX 16
/* Bytes of a flexible array read past its struct for --json. */
#define TREE_JSON_FLEX_BYTES (1u << 20)
/* An array of scalars up to this many elements and this wide is printed
 * on one line. */
#define TREE_LINE_ELEMS 16
#define TREE_LINE_WIDTH 72
/* Elements written by --json per array (then {"truncated": N}). */
#define TREE_JSON_ELEMS 4096
#define TREE_PATH_MAX 512

int cli_typed_load(const char *cmd, const spy_typed_req *q, spy_typed *t) {
    int usage = 0;
    spy_err e;

    if (spy_typed_load(q, t, &usage, &e) == 0)
        return 0;
    if (usage && e.code == SPY_EINVAL)
        return cli_usage_error(cmd, "%s", e.msg);
    return cli_fail(&e);
}

int cli_typed_is_scalar(const spy_layout *l, const spy_lfield *f) {
    const spy_ltype *ty = &l->types[f->type];
    if (f->bit_size != 0)
        return 1;
    switch (ty->kind) {
    case SPY_L_STRUCT:
    case SPY_L_UNION:
        return 0;
    case SPY_L_ARRAY:
        return ty->elem != SPY_LAYOUT_NONE && ty->elem < l->ntypes &&
               l->types[ty->elem].kind == SPY_L_CHAR && ty->nelem > 0;
    default:
        return 1;
    }
}

/* What a walk over a value shares. */
typedef struct walk {
    FILE *out;   /* text output, or NULL (JSON: collect torn paths) */
    spy_json *j; /* torn paths go here when out is NULL */
    spy_seg *seg;
    const spy_layout *l;
    const uint8_t *snap; /* the value's bytes, read at snap_off */
    uint64_t snap_off, snap_len;
    int snap_torn;
    uint64_t seg_len;
    unsigned ntorn;
    spy_json *locks; /* a lock field's report goes here, or NULL */
    /* The segment's futex waiters, gathered once for all its locks. */
    int waiters_state; /* 0 not yet, 1 gathered, -1 could not be */
    spy_waiters waiters;
    char waiters_why[SPY_ERR_MSG_MAX];
} walk;

/* The lock field f's report (core decoding, the owner's process, the
 * threads asleep on it) from its bytes p. 0 when made. */
static int lock_report(walk *w, const spy_lfield *f, const uint8_t *p,
                       spy_lock_report *r) {
    if (w->waiters_state == 0) {
        spy_err e;
        spy_err_clear(&e);
        if (spy_futex_waiters(w->seg, &w->waiters, &e) == 0) {
            w->waiters_state = 1;
        } else {
            w->waiters_state = -1;
            snprintf(w->waiters_why, sizeof w->waiters_why, "%s", e.msg);
        }
    }
    return spy_lock_report_make(w->l, f, p, (size_t)f->size,
                                w->waiters_state == 1 ? &w->waiters : NULL,
                                w->waiters_why, r, NULL);
}

/* The bytes of leaf f: from the snapshot when it holds them cleanly,
 * else read on their own (torn-checked). *owned is set to a buffer to
 * free. NULL when it could not be read (the reason in *why). */
static const uint8_t *leaf_bytes(walk *w, const spy_lfield *f, int *torn,
                                 unsigned *attempts, uint8_t **owned, char *why,
                                 size_t whycap) {
    spy_typed_value v;
    spy_err e;

    *torn = 0;
    *owned = NULL;
    if (!w->snap_torn && f->offset >= w->snap_off &&
        f->offset - w->snap_off <= w->snap_len &&
        f->size <= w->snap_len - (f->offset - w->snap_off))
        return w->snap + (f->offset - w->snap_off);
    if (spy_typed_read_at(w->seg, f, &v, &e) != 0) {
        snprintf(why, whycap, "%s", e.msg);
        return NULL;
    }
    *torn = v.torn;
    *attempts = v.attempts;
    *owned = v.bytes;
    return v.bytes;
}

/* The path of a child: parent + ".name" or "[i]". */
static void child_path(char *out, size_t cap, const char *parent,
                       const char *label) {
    if (label[0] == '\0')
        snprintf(out, cap, "%s", parent);
    else if (label[0] == '[' || parent[0] == '\0')
        snprintf(out, cap, "%s%s", parent, label);
    else
        snprintf(out, cap, "%s.%s", parent, label);
}

static void put_line(walk *w, const spy_lfield *f, unsigned depth,
                     const char *label, const char *value) {
    char type[256], name[TREE_PATH_MAX];
    int pad;

    spy_layout_type_text(w->l, f, type, sizeof type);
    snprintf(name, sizeof name, "%*s%s", (int)(2 * depth), "",
             label[0] != '\0' ? label : "(anonymous)");
    fprintf(w->out, "0x%04" PRIx64 "  ", f->offset);
    cli_put_escaped(w->out, name);
    pad = 24 - (int)strlen(name);
    fprintf(w->out, "%*s  ", pad > 0 ? pad : 0, "");
    cli_put_escaped(w->out, type);
    if (value != NULL) {
        pad = 22 - (int)strlen(type);
        fprintf(w->out, "%*s = ", pad > 0 ? pad : 0, "");
        /* spy_layout_value_text escaped it already (no control bytes) */
        fputs(value, w->out);
    }
    fputc('\n', w->out);
}

/* Tries the one-line form of an array of scalars into out; 0 if it does
 * not fit (too many, too wide, an element torn or unreadable). */
static int array_line(walk *w, const spy_lfield *f, uint64_t n, char *out,
                      size_t cap) {
    size_t len = 0;
    uint64_t i;
    char label[64], text[SPY_LVALUE_MAX], why[8];

    if (n == 0 || n > TREE_LINE_ELEMS)
        return 0;
    len = (size_t)snprintf(out, cap, "{");
    for (i = 0; i < n; i++) {
        spy_lfield c;
        const uint8_t *p;
        uint8_t *owned;
        int torn;
        unsigned att;
        if (spy_layout_child(w->l, f, i, &c, label, sizeof label) != 0 ||
            !cli_typed_is_scalar(w->l, &c) ||
            w->l->types[c.type].kind == SPY_L_ARRAY)
            return 0;
        p = leaf_bytes(w, &c, &torn, &att, &owned, why, sizeof why);
        if (p == NULL || torn) {
            free(owned);
            return 0;
        }
        spy_layout_value_text(w->l, &c, p, (size_t)c.size, text, sizeof text);
        free(owned);
        len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%s%s",
                                i > 0 ? ", " : "", text);
        if (len >= TREE_LINE_WIDTH || len >= cap)
            return 0;
    }
    snprintf(out + len, cap - len, "}");
    return len + 1 < cap;
}

static void note_torn(walk *w, const char *path) {
    w->ntorn++;
    if (w->out == NULL && w->j != NULL)
        spy_json_str(w->j, path);
}

static void walk_field(walk *w, const spy_lfield *f, const char *label,
                       const char *path, unsigned depth) {
    const spy_ltype *ty = &w->l->types[f->type];
    char text[SPY_LVALUE_MAX + 64], why[SPY_ERR_MSG_MAX];
    spy_lock_kind lk = spy_lock_kind_of(w->l, f->type);

    /* A lock is one line, its state decoded (its glibc fields are not
     * what a reader asks about). */
    if (cli_typed_is_scalar(w->l, f) || lk != SPY_LOCK_NONE) {
        int torn;
        unsigned att = 0;
        uint8_t *owned;
        const uint8_t *p =
            leaf_bytes(w, f, &torn, &att, &owned, why, sizeof why);
        if (p == NULL) {
            snprintf(text, sizeof text, "? (%s)", why);
        } else if (torn) {
            snprintf(text, sizeof text, "? torn (changed while read %u times)",
                     att);
            note_torn(w, path);
        } else if (lk != SPY_LOCK_NONE) {
            spy_lock_report r;
            int made = lock_report(w, f, p, &r) == 0;
            if (made && r.st.decoded)
                spy_lock_report_text(&r, text, sizeof text);
            else
                snprintf(text, sizeof text,
                         "(a lock whose fields this "
                         "layout does not name)");
            if (made && w->locks != NULL) {
                spy_json_obj_begin(w->locks);
                spy_json_key(w->locks, "field");
                spy_json_str(w->locks, path);
                spy_json_key(w->locks, "state");
                spy_lock_report_json(&r, w->locks);
                spy_json_obj_end(w->locks);
            }
            spy_lock_report_free(&r);
        } else {
            spy_layout_value_text(w->l, f, p, (size_t)f->size, text,
                                  sizeof text);
        }
        free(owned);
        if (w->out != NULL)
            put_line(w, f, depth, label, text);
        return;
    }
    {
        uint64_t avail = f->offset < w->seg_len ? w->seg_len - f->offset : 0;
        uint64_t n = spy_layout_nchildren(w->l, f, avail), i, shown;
        int flexible = ty->kind == SPY_L_ARRAY && ty->nelem == 0;
        char clabel[SPY_LAYOUT_MAX_NAME + 32], cpath[TREE_PATH_MAX];

        if (w->out != NULL && ty->kind == SPY_L_ARRAY &&
            array_line(w, f, n, text, sizeof text)) {
            put_line(w, f, depth, label, text);
            return;
        }
        if (w->out != NULL)
            put_line(w, f, depth, label, NULL);
        shown = n;
        if (ty->kind == SPY_L_ARRAY) {
            uint64_t cap = flexible ? TREE_MAX_FLEX : TREE_MAX_ELEMS;
            if (shown > cap)
                shown = cap;
        }
        for (i = 0; i < shown; i++) {
            spy_lfield c;
            if (spy_layout_child(w->l, f, i, &c, clabel, sizeof clabel) != 0)
                break;
            if (c.offset > w->seg_len || c.size > w->seg_len - c.offset)
                break;
            child_path(cpath, sizeof cpath, path, clabel);
            walk_field(w, &c, clabel, cpath, depth + 1);
        }
        if (w->out != NULL && i < n)
            fprintf(w->out, "%*s... %" PRIu64 " more%s\n",
                    (int)(8 + 2 * (depth + 1)), "", n - i,
                    flexible ? " (flexible array: bounded by the segment)"
                             : "");
    }
}

static void walk_fini(walk *w) {
    if (w->waiters_state == 1)
        spy_waiters_free(&w->waiters);
    w->waiters_state = 0;
}

static void walk_init(walk *w, spy_seg *seg, const spy_typed *t,
                      const spy_typed_value *v) {
    memset(w, 0, sizeof *w);
    w->seg = seg;
    w->l = &t->layout;
    w->snap = v->bytes;
    w->snap_off = v->f.offset;
    w->snap_len = v->f.size;
    w->snap_torn = v->torn;
    w->seg_len = spy_seg_len(seg);
}

unsigned cli_typed_tree(FILE *out, spy_seg *seg, const spy_typed *t,
                        const spy_typed_value *v, const char *label) {
    walk w;
    walk_init(&w, seg, t, v);
    w.out = out;
    walk_field(&w, &v->f, label, label, 0);
    walk_fini(&w);
    return w.ntorn;
}

/* 1 when type ty is a flexible array or ends in one (its last member's
 * type, through nested structs). */
static int has_flexible(const spy_layout *l, uint32_t ty, int depth) {
    const spy_ltype *t;

    if (ty >= l->ntypes || depth > 32)
        return 0;
    t = &l->types[ty];
    if (t->kind == SPY_L_ARRAY)
        return t->nelem == 0;
    if (t->kind != SPY_L_STRUCT || t->count == 0)
        return 0;
    return has_flexible(l, l->members[t->first + t->count - 1].type, depth + 1);
}

unsigned cli_typed_json_members(spy_json *j, spy_seg *seg, const spy_typed *t,
                                const spy_typed_value *v, const char *prefix) {
    walk w;
    char type[256];
    int scalar = cli_typed_is_scalar(&t->layout, &v->f);

    spy_layout_type_text(&t->layout, &v->f, type, sizeof type);
    spy_json_key(j, "offset");
    spy_json_uint(j, v->f.offset);
    spy_json_key(j, "size");
    spy_json_uint(j, v->f.size);
    spy_json_key(j, "type");
    spy_json_str(j, type);
    spy_json_key(j, "value");
    if (scalar && v->torn) {
        spy_json_null(j); /* never a torn value as a clean one */
    } else {
        /* A flexible array (a struct ending in one, or the field itself)
         * goes on past f.size, up to the segment's end: its elements are
         * read too, at most TREE_JSON_FLEX_BYTES more. */
        uint64_t len = spy_seg_len(seg);
        uint64_t have = v->f.offset < len ? len - v->f.offset : 0;
        uint8_t *ext = NULL;
        if (have > v->f.size + TREE_JSON_FLEX_BYTES)
            have = v->f.size + TREE_JSON_FLEX_BYTES;
        if (have > v->f.size && has_flexible(&t->layout, v->f.type, 0) &&
            (ext = malloc((size_t)have)) != NULL &&
            spy_seg_read(seg, v->f.offset, ext, (size_t)have, NULL) == 0) {
            memcpy(ext, v->bytes, (size_t)v->f.size);
            spy_layout_value_json(&t->layout, &v->f, ext, (size_t)have,
                                  TREE_JSON_ELEMS, j);
        } else {
            spy_layout_value_json(&t->layout, &v->f, v->bytes,
                                  (size_t)v->f.size, TREE_JSON_ELEMS, j);
        }
        free(ext);
    }
    spy_json_key(j, "torn_fields");
    spy_json_arr_begin(j);
    walk_init(&w, seg, t, v);
    w.j = j;
    if (scalar && v->torn)
        note_torn(&w, prefix);
    else
        walk_field(&w, &v->f, prefix, prefix, 0);
    spy_json_arr_end(j);
    walk_fini(&w);
    spy_json_key(j, "torn");
    spy_json_bool(j, w.ntorn > 0);
    /* The locks inside, with what the bytes cannot say: the owner's
     * process, a dead owner, the threads asleep on them. */
    {
        walk lw;
        unsigned ntorn = w.ntorn;
        walk_init(&lw, seg, t, v);
        lw.locks = j;
        spy_json_key(j, "locks");
        spy_json_arr_begin(j);
        if (!(scalar && v->torn))
            walk_field(&lw, &v->f, prefix, prefix, 0);
        spy_json_arr_end(j);
        walk_fini(&lw);
        return ntorn;
    }
}
