/* diff.c - ranges and fields that differ between two images, diff
 * operands, and the change log's lines (see diff.h). */
#include "diff.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/seg.h"
#include "../core/duration.h"
#include "../core/escape.h"
#include "../core/json.h"
#include "../core/name.h"
#include "recording.h"

/* ---- ranges ----------------------------------------------------------- */

int spy_diff_list_add(spy_diff_list *l, uint64_t off, uint64_t len,
                      spy_err *err) {
    if (len == 0)
        return 0;
    if (l->n > 0) {
        spy_diff_range *last = &l->v[l->n - 1];
        uint64_t end = last->off + last->len;
        if (off < end + SPY_DIFF_GAP) {
            if (off + len > end)
                last->len = off + len - last->off;
            return 0;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 16;
        spy_diff_range *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0,
                               "out of memory for %zu changed ranges", cap);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].off = off;
    l->v[l->n].len = len;
    l->n++;
    return 0;
}

void spy_diff_list_free(spy_diff_list *l) {
    free(l->v);
    memset(l, 0, sizeof *l);
}

int spy_diff_ranges(const uint8_t *a, uint64_t na, const uint8_t *b,
                    uint64_t nb, uint64_t base, spy_diff_list *out,
                    spy_err *err) {
    uint64_t common = na < nb ? na : nb, i = 0;
    int rc;

    while (i < common) {
        uint64_t start;
        /* Equal stretches are skipped 64 bytes at a time. */
        while (i + 64 <= common && memcmp(a + i, b + i, 64) == 0)
            i += 64;
        while (i < common && a[i] == b[i])
            i++;
        if (i == common)
            break;
        start = i;
        while (i < common && a[i] != b[i])
            i++;
        if ((rc = spy_diff_list_add(out, base + start, i - start, err)) != 0)
            return rc;
    }
    if (na != nb)
        return spy_diff_list_add(out, base + common,
                                 (na > nb ? na : nb) - common, err);
    return 0;
}

/* ---- fields ----------------------------------------------------------- */

#define PATH_MAX_BYTES 512

typedef struct fwalk {
    const spy_layout *l;
    const uint8_t *a, *b;
    uint64_t na, nb;
    const spy_diff_range *r;
    size_t nr;
    spy_diff_field_cb cb;
    void *arg;
} fwalk;

/* Index of the first range that ends after off (nr when none). */
static size_t first_range_after(const fwalk *w, uint64_t off) {
    size_t lo = 0, hi = w->nr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->r[mid].off + w->r[mid].len <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Whether [off, off + size) meets a range; size 0 (a flexible array,
 * bounded only by the segment) reaches to the end. */
static int overlaps(const fwalk *w, uint64_t off, uint64_t size) {
    size_t i = first_range_after(w, off);
    if (size == 0)
        size = UINT64_MAX - off;
    return i < w->nr && (w->r[i].off <= off || w->r[i].off - off < size);
}

static int is_leaf(const spy_layout *l, const spy_lfield *f) {
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

/* parent + ".label" or "[i]" into out; 0 when it did not fit. */
static int child_path(char *out, size_t cap, const char *parent,
                      const char *label) {
    int n;
    if (label[0] == '\0' || label[0] == '(')
        n = snprintf(out, cap, "%s", parent); /* anonymous member */
    else if (label[0] == '[' || parent[0] == '\0')
        n = snprintf(out, cap, "%s%s", parent, label);
    else
        n = snprintf(out, cap, "%s.%s", parent, label);
    return n >= 0 && (size_t)n < cap;
}

static int walk(fwalk *w, const spy_lfield *f, const char *path,
                unsigned depth);

static int visit_child(fwalk *w, const spy_lfield *f, uint64_t i,
                       const char *path, unsigned depth) {
    spy_lfield c;
    char label[PATH_MAX_BYTES], cpath[PATH_MAX_BYTES];
    if (spy_layout_child(w->l, f, i, &c, label, sizeof label) != 0)
        return 0;
    if (!overlaps(w, c.offset, c.size))
        return 0;
    if (!child_path(cpath, sizeof cpath, path, label))
        return 0; /* deeper than any path we print */
    return walk(w, &c, cpath, depth + 1);
}

static int walk(fwalk *w, const spy_lfield *f, const char *path,
                unsigned depth) {
    const spy_ltype *ty = &w->l->types[f->type];
    uint64_t avail, n, i;

    /* An aggregate is not pruned by its own size: a struct's size leaves
     * out its flexible array (its children are checked one by one). */
    if (depth > SPY_LAYOUT_MAX_CHAIN * 4)
        return 0;
    if (is_leaf(w->l, f)) {
        spy_diff_field df;
        uint64_t end = f->offset + f->size;
        if (!overlaps(w, f->offset, f->size))
            return 0;
        df.path = path;
        df.f = *f;
        df.old = end <= w->na ? w->a + f->offset : NULL;
        df.new_ = end <= w->nb ? w->b + f->offset : NULL;
        if (df.old != NULL && df.new_ != NULL &&
            memcmp(df.old, df.new_, (size_t)f->size) == 0)
            return 0;
        if (df.old == NULL && df.new_ == NULL)
            return 0;
        return w->cb(&df, w->arg) != 0;
    }
    avail = w->na > w->nb ? w->na : w->nb;
    avail = avail > f->offset ? avail - f->offset : 0;
    n = spy_layout_nchildren(w->l, f, avail);
    if (ty->kind == SPY_L_ARRAY && n > 0) {
        /* Only the elements under a range: O(changes), not O(elements). */
        spy_lfield c0;
        uint64_t esize, next = 0;
        size_t k;
        if (spy_layout_child(w->l, f, 0, &c0, NULL, 0) != 0)
            return 0;
        esize = c0.size;
        if (esize == 0)
            return 0;
        for (k = first_range_after(w, f->offset);
             k < w->nr && w->r[k].off < f->offset + esize * n; k++) {
            uint64_t rend = w->r[k].off + w->r[k].len; /* > f->offset */
            uint64_t lo =
                w->r[k].off > f->offset ? (w->r[k].off - f->offset) / esize : 0;
            uint64_t hi = (rend - 1 - f->offset) / esize;
            if (hi >= n)
                hi = n - 1;
            if (lo < next)
                lo = next;
            for (i = lo; i <= hi; i++)
                if (visit_child(w, f, i, path, depth))
                    return 1;
            if (hi + 1 > next)
                next = hi + 1;
        }
        return 0;
    }
    for (i = 0; i < n; i++)
        if (visit_child(w, f, i, path, depth))
            return 1;
    return 0;
}

int spy_diff_fields(const spy_layout *l, const spy_lfield *top,
                    const char *top_path, const uint8_t *a, uint64_t na,
                    const uint8_t *b, uint64_t nb, const spy_diff_range *r,
                    size_t nr, spy_diff_field_cb cb, void *arg) {
    fwalk w;
    w.l = l;
    w.a = a;
    w.b = b;
    w.na = na;
    w.nb = nb;
    w.r = r;
    w.nr = nr;
    w.cb = cb;
    w.arg = arg;
    return walk(&w, top, top_path != NULL ? top_path : "", 0);
}

/* ---- operands ---------------------------------------------------------- */

int spy_diff_read_segment(struct spy_seg *seg, uint8_t **out, uint64_t *size,
                          spy_err *err) {
    int tries, rc = 0;

    *out = NULL;
    *size = 0;
    for (tries = 0; tries < 4; tries++) {
        uint64_t len;
        uint8_t *buf;
        if (tries > 0 && (rc = spy_seg_refresh(seg, NULL, err)) != 0)
            return rc;
        len = spy_seg_len(seg);
        if ((uint64_t)(size_t)len != len)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: %" PRIu64 " bytes do not fit in memory",
                               spy_seg_name(seg), len);
        if (len == 0)
            return 0;
        if ((buf = malloc((size_t)len)) == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0,
                               "%s: out of memory for %" PRIu64 " bytes",
                               spy_seg_name(seg), len);
        rc = spy_seg_read(seg, 0, buf, (size_t)len, err);
        if (rc == 0) {
            *out = buf;
            *size = len;
            return 0;
        }
        free(buf);
        if (rc != SPY_EFAULT)
            return rc;
    }
    return rc;
}

static int load_segment(const char *text, spy_diff_image *out, int *usage,
                        spy_err *err) {
    spy_name n;
    spy_seg *seg;
    int rc;

    if ((rc = spy_name_parse(text, &n, err)) != 0) {
        *usage = 1;
        return rc;
    }
    if ((rc = spy_seg_open(&n, 0, 0, 0, &seg, err)) != 0)
        return rc;
    snprintf(out->label, sizeof out->label, "%s", spy_seg_name(seg));
    rc = spy_diff_read_segment(seg, &out->bytes, &out->size, err);
    spy_seg_close(seg);
    return rc;
}

int spy_diff_parse_time(const char *text, uint64_t *ns, spy_err *err) {
    if (strcmp(text, "start") == 0) {
        *ns = 0;
        return 0;
    }
    if (strcmp(text, "end") == 0) {
        *ns = SPY_DIFF_END;
        return 0;
    }
    return spy_parse_duration("TIME", text, ns, err);
}

/* The frame at t_ns (SPY_DIFF_END: the end) of the open recording. */
static int load_frame(spy_timeline *tl, const char *path, uint64_t t_ns,
                      spy_diff_image *out, spy_err *err) {
    const spy_rec_meta *m = spy_timeline_meta(tl);
    char tb[32];
    int rc;

    if (t_ns > m->duration_ns)
        t_ns = m->duration_ns;
    out->is_file = 1;
    out->t_ns = t_ns;
    out->size = spy_timeline_size_at(tl, t_ns);
    snprintf(out->label, sizeof out->label, "%s@%s", path,
             spy_format_seconds(t_ns, tb, sizeof tb));
    if ((uint64_t)(size_t)out->size != out->size)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: %" PRIu64 " bytes do not fit in memory", path,
                           out->size);
    if (out->size == 0)
        return 0;
    if ((out->bytes = malloc((size_t)out->size)) == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0,
                           "%s: out of memory for %" PRIu64 " bytes", path,
                           out->size);
    rc = spy_timeline_frame(tl, t_ns, 0, out->size, out->bytes, NULL, err);
    if (rc != 0) {
        free(out->bytes);
        out->bytes = NULL;
        out->size = 0;
    }
    return rc;
}

/* text spells a path rather than a NAME: a '.', or a '/' after its first
 * character. */
static int looks_like_path(const char *text) {
    return strchr(text, '.') != NULL ||
           (text[0] != '\0' && strchr(text + 1, '/') != NULL);
}

int spy_diff_image_load(const char *text, spy_diff_image *out, int *usage,
                        spy_err *err) {
    spy_timeline *tl = NULL;
    const char *at = strrchr(text, '@');
    int rc;

    memset(out, 0, sizeof *out);
    *usage = 0;
    if (at != NULL && at != text) {
        /* FILE@TIME, when a file is at FILE. */
        size_t plen = (size_t)(at - text);
        char *path = malloc(plen + 1);
        if (path == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
        memcpy(path, text, plen);
        path[plen] = '\0';
        rc = spy_timeline_open(path, &tl, err);
        if (rc == 0) {
            uint64_t t_ns;
            if ((rc = spy_diff_parse_time(at + 1, &t_ns, err)) != 0) {
                char xt[SPY_EXCERPT_CAP], xa[SPY_EXCERPT_CAP];
                *usage = 1;
                spy_excerpt(text, (size_t)-1, xt);
                spy_excerpt(at + 1, (size_t)-1, xa);
                spy_err_set(err, rc, 0,
                            "%s: bad time '%s' (use start, end, or the time "
                            "since the start: 1.5s, 250ms, 2m)",
                            xt, xa);
            } else {
                rc = load_frame(tl, path, t_ns, out, err);
            }
            spy_timeline_close(tl);
            free(path);
            return rc;
        }
        free(path);
        if (rc != SPY_ENOENT && rc != SPY_ETYPE)
            return rc; /* a file is there: its damage is the error */
    }
    rc = spy_timeline_open(text, &tl, err);
    if (rc == 0) {
        rc = load_frame(tl, text, SPY_DIFF_END, out, err);
        spy_timeline_close(tl);
        return rc;
    }
    if (rc != SPY_ENOENT && rc != SPY_ETYPE && looks_like_path(text))
        return rc;
    if (rc == SPY_ENOENT && looks_like_path(text)) {
        /* No such file: a segment, else the file's error. */
        spy_err ferr = *err;
        spy_err_clear(err);
        if ((rc = load_segment(text, out, usage, err)) != 0) {
            spy_diff_image_free(out);
            *usage = 0;
            *err = ferr;
            return ferr.code;
        }
        return 0;
    }
    spy_err_clear(err);
    return load_segment(text, out, usage, err);
}

void spy_diff_image_free(spy_diff_image *im) {
    if (im == NULL)
        return;
    free(im->bytes);
    im->bytes = NULL;
    im->size = 0;
}

/* ---- text -------------------------------------------------------------- */

static int names_utf8(const char *v) {
    const char *p;
    for (p = v; *p != '\0'; p++) {
        char c0 = p[0], c1 = p[1], c2 = p[2];
        if ((c0 == 'u' || c0 == 'U') && (c1 == 't' || c1 == 'T') &&
            (c2 == 'f' || c2 == 'F')) {
            const char *q = p + 3;
            if (*q == '-')
                q++;
            if (q[0] == '8')
                return 1;
        }
    }
    return 0;
}

int spy_diff_locale_utf8(void) {
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    size_t i;
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return names_utf8(v);
    }
    return 0;
}

const char *spy_diff_arrow(int utf8) {
    return utf8 ? "\xe2\x86\x92" : "->";
}

void spy_diff_hex_text(const uint8_t *p, uint64_t n, unsigned max, int utf8,
                       char *out, size_t cap) {
    static const char digits[] = "0123456789abcdef";
    size_t len = 0;
    uint64_t i, show = n < max ? n : max;

    if (cap == 0)
        return;
    if (p == NULL) {
        snprintf(out, cap, "-");
        return;
    }
    for (i = 0; i < show && len + 4 < cap; i++) {
        if (i > 0)
            out[len++] = ' ';
        out[len++] = digits[p[i] >> 4];
        out[len++] = digits[p[i] & 15];
    }
    out[len] = '\0';
    if (n > show)
        snprintf(out + len, cap - len, "%s", utf8 ? " \xe2\x80\xa6" : " ...");
}

/* ---- the change log ---------------------------------------------------- */

struct spy_changelog {
    spy_changelog_opts o;
    uint8_t *prev, *cur; /* before and after the record being printed */
    uint64_t prev_size, cur_size, cap;
    int have_key;
    uint64_t lines;
    spy_diff_list ranges;
};

int spy_changelog_new(const spy_changelog_opts *o, spy_changelog **out,
                      spy_err *err) {
    spy_changelog *cl = calloc(1, sizeof *cl);
    if (cl == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    cl->o = *o;
    *out = cl;
    return 0;
}

void spy_changelog_free(spy_changelog *cl) {
    if (cl == NULL)
        return;
    free(cl->prev);
    free(cl->cur);
    spy_diff_list_free(&cl->ranges);
    free(cl);
}

uint64_t spy_changelog_lines(const spy_changelog *cl) {
    return cl->lines;
}

/* Both images hold at least size bytes (grown with zeros). */
static int reserve(spy_changelog *cl, uint64_t size, spy_err *err) {
    uint8_t *p, *c;
    uint64_t cap;
    if (size <= cl->cap)
        return 0;
    if ((uint64_t)(size_t)size != size)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%" PRIu64 " bytes do not fit in memory", size);
    cap = size;
    p = realloc(cl->prev, (size_t)cap);
    if (p == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0,
                           "out of memory for %" PRIu64 " bytes", cap);
    cl->prev = p;
    c = realloc(cl->cur, (size_t)cap);
    if (c == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0,
                           "out of memory for %" PRIu64 " bytes", cap);
    cl->cur = c;
    memset(cl->prev + cl->cap, 0, (size_t)(cap - cl->cap));
    memset(cl->cur + cl->cap, 0, (size_t)(cap - cl->cap));
    cl->cap = cap;
    return 0;
}

/* What printing one record's changes needs: the options, the time, the
 * two images. */
typedef struct printer {
    const spy_changelog_opts *o;
    uint64_t t_ns;
    const uint8_t *a, *b;
    uint64_t na, nb;
    uint64_t lines;
    char *hexbuf; /* JSON hex of one run, allocated on first use */
} printer;

static void put_time_text(printer *p) {
    char tb[32];
    if (p->t_ns != SPY_CHANGELOG_NO_TIME)
        fprintf(p->o->out, "%s  ", spy_format_seconds(p->t_ns, tb, sizeof tb));
}

static void json_begin(printer *p, spy_json *j) {
    spy_json_init(j, p->o->out, 0);
    spy_json_obj_begin(j);
    if (p->t_ns != SPY_CHANGELOG_NO_TIME) {
        spy_json_key(j, "t");
        /* microseconds: the sampler's clock is no finer in practice */
        spy_json_double(j, (double)(p->t_ns / 1000) / 1e6);
    }
}

static void json_finish(printer *p, spy_json *j) {
    spy_json_obj_end(j);
    spy_json_end(j);
    fflush(p->o->out);
    p->lines++;
}

static void text_finish(printer *p) {
    fputc('\n', p->o->out);
    fflush(p->o->out);
    p->lines++;
}

/* JSON hex of d[0..n) (at most SPY_CHANGELOG_JSON_MAX bytes), or null. */
static void json_hex(printer *p, spy_json *j, const uint8_t *d, uint64_t n) {
    static const char digits[] = "0123456789abcdef";
    uint64_t i;
    if (d == NULL) {
        spy_json_null(j);
        return;
    }
    if (n > SPY_CHANGELOG_JSON_MAX)
        n = SPY_CHANGELOG_JSON_MAX;
    if (p->hexbuf == NULL &&
        (p->hexbuf = malloc(2 * (size_t)SPY_CHANGELOG_JSON_MAX + 1)) == NULL) {
        spy_json_null(j);
        return;
    }
    for (i = 0; i < n; i++) {
        p->hexbuf[2 * i] = digits[d[i] >> 4];
        p->hexbuf[2 * i + 1] = digits[d[i] & 15];
    }
    spy_json_strn(j, p->hexbuf, (size_t)(2 * n));
}

/* One byte range (a -> b). */
static void print_range(printer *p, const spy_diff_range *r) {
    const uint8_t *o = NULL, *n = NULL;
    uint64_t olen = 0, nlen = 0;

    if (r->off < p->na) {
        o = p->a + r->off;
        olen = p->na - r->off < r->len ? p->na - r->off : r->len;
    }
    if (r->off < p->nb) {
        n = p->b + r->off;
        nlen = p->nb - r->off < r->len ? p->nb - r->off : r->len;
    }
    if (p->o->json) {
        spy_json j;
        json_begin(p, &j);
        spy_json_key(&j, "off");
        spy_json_uint(&j, r->off);
        spy_json_key(&j, "len");
        spy_json_uint(&j, r->len);
        spy_json_key(&j, "old");
        json_hex(p, &j, o, olen);
        spy_json_key(&j, "new");
        json_hex(p, &j, n, nlen);
        if (r->len > SPY_CHANGELOG_JSON_MAX) {
            spy_json_key(&j, "truncated");
            spy_json_bool(&j, 1);
        }
        json_finish(p, &j);
    } else {
        char ot[SPY_CHANGELOG_TEXT_BYTES * 3 + 8];
        char nt[SPY_CHANGELOG_TEXT_BYTES * 3 + 8];
        spy_diff_hex_text(o, olen, SPY_CHANGELOG_TEXT_BYTES, p->o->utf8, ot,
                          sizeof ot);
        spy_diff_hex_text(n, nlen, SPY_CHANGELOG_TEXT_BYTES, p->o->utf8, nt,
                          sizeof nt);
        put_time_text(p);
        fprintf(p->o->out, "0x%" PRIx64 "  %" PRIu64 "  %s %s %s", r->off,
                r->len, ot, spy_diff_arrow(p->o->utf8), nt);
        text_finish(p);
    }
}

static void field_json_value(const spy_layout *l, const spy_lfield *f,
                             const uint8_t *d, spy_json *j) {
    if (d == NULL)
        spy_json_null(j);
    else
        spy_layout_value_json(l, f, d, (size_t)f->size, 64, j);
}

static int print_field(const spy_diff_field *df, void *arg) {
    printer *p = arg;
    const spy_layout *l = p->o->layout;

    if (p->o->json) {
        spy_json j;
        json_begin(p, &j);
        spy_json_key(&j, "field");
        spy_json_str(&j, df->path);
        spy_json_key(&j, "off");
        spy_json_uint(&j, df->f.offset);
        spy_json_key(&j, "len");
        spy_json_uint(&j, df->f.size);
        spy_json_key(&j, "old");
        field_json_value(l, &df->f, df->old, &j);
        spy_json_key(&j, "new");
        field_json_value(l, &df->f, df->new_, &j);
        json_finish(p, &j);
    } else {
        char ot[SPY_LVALUE_MAX], nt[SPY_LVALUE_MAX], pe[PATH_MAX_BYTES * 4];
        if (df->old != NULL)
            spy_layout_value_text(l, &df->f, df->old, (size_t)df->f.size, ot,
                                  sizeof ot);
        else
            snprintf(ot, sizeof ot, "-");
        if (df->new_ != NULL)
            spy_layout_value_text(l, &df->f, df->new_, (size_t)df->f.size, nt,
                                  sizeof nt);
        else
            snprintf(nt, sizeof nt, "-");
        spy_escape(df->path, pe, sizeof pe);
        put_time_text(p);
        fprintf(p->o->out, "%s  %s %s %s", pe, ot, spy_diff_arrow(p->o->utf8),
                nt);
        text_finish(p);
    }
    return ferror(p->o->out) ? 1 : 0;
}

int spy_changelog_print(const spy_changelog_opts *o, uint64_t t_ns,
                        const uint8_t *a, uint64_t na, const uint8_t *b,
                        uint64_t nb, const spy_diff_range *r, size_t nr,
                        uint64_t *lines, spy_err *err) {
    printer p;
    size_t i;
    int rc = 0;

    if (nr == 0)
        return 0;
    memset(&p, 0, sizeof p);
    p.o = o;
    p.t_ns = t_ns;
    p.a = a;
    p.na = na;
    p.b = b;
    p.nb = nb;
    if (o->layout != NULL) {
        spy_lfield top;
        uint64_t size = na > nb ? na : nb;
        uint64_t avail = size > o->base ? size - o->base : 0;
        rc = spy_layout_field(o->layout, o->root, o->base, avail, o->field,
                              &top, err);
        if (rc == 0)
            spy_diff_fields(o->layout, &top, o->field != NULL ? o->field : "",
                            a, na, b, nb, r, nr, print_field, &p);
    } else {
        for (i = 0; i < nr && !ferror(o->out); i++)
            print_range(&p, &r[i]);
    }
    free(p.hexbuf);
    if (lines != NULL)
        *lines += p.lines;
    return rc;
}

/* Prints cl->ranges (prev -> cur). */
static int print_ranges(spy_changelog *cl, uint64_t t_ns, spy_err *err) {
    return spy_changelog_print(&cl->o, t_ns, cl->prev, cl->prev_size, cl->cur,
                               cl->cur_size, cl->ranges.v, cl->ranges.n,
                               &cl->lines, err);
}

int spy_changelog_key(spy_changelog *cl, uint64_t t_ns, const uint8_t *img,
                      uint64_t size, spy_err *err) {
    int rc;
    uint64_t old = cl->cur_size;

    if ((rc = reserve(cl, size, err)) != 0)
        return rc;
    if (size > 0)
        memcpy(cl->cur, img, (size_t)size);
    if (old > size) /* what lay past the new end reads as zero later */
        memset(cl->cur + size, 0, (size_t)(old - size));
    cl->cur_size = size;
    if (cl->have_key) {
        cl->ranges.n = 0;
        if ((rc = spy_diff_ranges(cl->prev, cl->prev_size, cl->cur, size, 0,
                                  &cl->ranges, err)) != 0)
            return rc;
        if ((rc = print_ranges(cl, t_ns, err)) != 0)
            return rc;
    }
    cl->have_key = 1;
    if (cl->cap > 0)
        memcpy(cl->prev, cl->cur, (size_t)(old > size ? old : size));
    cl->prev_size = size;
    return 0;
}

int spy_changelog_delta(spy_changelog *cl, uint64_t t_ns, uint64_t size,
                        const spy_rec_run *runs, size_t nruns, spy_err *err) {
    int rc;
    size_t i;
    uint64_t old = cl->prev_size;

    if ((rc = reserve(cl, size, err)) != 0)
        return rc;
    /* prev == cur here: make cur the new image, touching only what
     * changed (and the stretch between the two sizes). */
    if (size < old)
        memset(cl->cur + size, 0, (size_t)(old - size));
    cl->cur_size = size;
    cl->ranges.n = 0;
    for (i = 0; i < nruns; i++) {
        uint64_t off = runs[i].off, len = runs[i].len;
        if (off >= size)
            continue;
        if (len > size - off)
            len = size - off;
        memcpy(cl->cur + off, runs[i].data, (size_t)len);
        if (off < old) {
            uint64_t olen = old - off < len ? old - off : len;
            if ((rc = spy_diff_ranges(cl->prev + off, olen, cl->cur + off, olen,
                                      off, &cl->ranges, err)) != 0)
                return rc;
        }
    }
    if (size != old) {
        /* The stretch between the sizes differs by definition: cut off, or
         * new (bytes no run covered read as zero). Every range so far ends
         * at or before it. */
        uint64_t lo = size < old ? size : old, hi = size < old ? old : size;
        if ((rc = spy_diff_list_add(&cl->ranges, lo, hi - lo, err)) != 0)
            return rc;
    }
    rc = print_ranges(cl, t_ns, err);
    /* Back to prev == cur, copying only what changed. */
    for (i = 0; i < cl->ranges.n; i++) {
        const spy_diff_range *r = &cl->ranges.v[i];
        uint64_t end = r->off + r->len;
        uint64_t top = size > old ? size : old;
        if (end > top)
            end = top;
        if (r->off < end)
            memcpy(cl->prev + r->off, cl->cur + r->off, (size_t)(end - r->off));
    }
    /* Runs may hold bytes equal to before: those need no copy. */
    cl->prev_size = size;
    return rc;
}

static const char *event_word(spy_rec_event_kind k) {
    switch (k) {
    case SPY_REC_EV_RESIZE:
        return "resized";
    case SPY_REC_EV_REMOVED:
        return "removed";
    case SPY_REC_EV_RECREATED:
        return "recreated";
    case SPY_REC_EV_MISSED:
        return "missed";
    case SPY_REC_EV_TRIGGER:
        return "triggered";
    case SPY_REC_EV_CUT:
        return "cut";
    case SPY_REC_EV_NOTE:
        return "note";
    }
    return "event";
}

int spy_changelog_event(spy_changelog *cl, uint64_t t_ns,
                        const spy_rec_event *ev, spy_err *err) {
    char text[sizeof ev->text * 4], tb[32];
    printer p;
    (void)err;
    memset(&p, 0, sizeof p);
    p.o = &cl->o;
    p.t_ns = t_ns;
    spy_escape(ev->text, text, sizeof text);
    if (p.o->json) {
        spy_json j;
        json_begin(&p, &j);
        spy_json_key(&j, "event");
        spy_json_str(&j, event_word(ev->kind));
        switch (ev->kind) {
        case SPY_REC_EV_RESIZE:
            spy_json_key(&j, "old_size");
            spy_json_uint(&j, ev->a);
            spy_json_key(&j, "new_size");
            spy_json_uint(&j, ev->b);
            break;
        case SPY_REC_EV_RECREATED:
            spy_json_key(&j, "size");
            spy_json_uint(&j, ev->b);
            break;
        case SPY_REC_EV_MISSED:
            spy_json_key(&j, "samples");
            spy_json_uint(&j, ev->a);
            break;
        case SPY_REC_EV_TRIGGER:
            spy_json_key(&j, "condition");
            spy_json_str(&j, ev->text);
            spy_json_key(&j, "off");
            spy_json_uint(&j, ev->a);
            spy_json_key(&j, "len");
            spy_json_uint(&j, ev->b);
            break;
        case SPY_REC_EV_CUT:
            spy_json_key(&j, "dropped");
            spy_json_double(&j, (double)ev->a / 1e9);
            break;
        default:
            if (ev->text[0] != '\0') {
                spy_json_key(&j, "text");
                spy_json_str(&j, ev->text);
            }
            break;
        }
        json_finish(&p, &j);
        cl->lines += p.lines;
        return 0;
    }
    put_time_text(&p);
    switch (ev->kind) {
    case SPY_REC_EV_RESIZE:
        fprintf(p.o->out, "resized %" PRIu64 " %s %" PRIu64 " bytes", ev->a,
                spy_diff_arrow(p.o->utf8), ev->b);
        break;
    case SPY_REC_EV_REMOVED:
        fputs("removed", p.o->out);
        break;
    case SPY_REC_EV_RECREATED:
        fprintf(p.o->out, "recreated (%" PRIu64 " bytes)", ev->b);
        break;
    case SPY_REC_EV_MISSED:
        fprintf(p.o->out, "missed %" PRIu64 " sample%s", ev->a,
                ev->a == 1 ? "" : "s");
        break;
    case SPY_REC_EV_TRIGGER:
        fprintf(p.o->out, "triggered: %s at 0x%" PRIx64 " (%" PRIu64 " bytes)",
                text, ev->a, ev->b);
        break;
    case SPY_REC_EV_CUT:
        fprintf(p.o->out, "cut: %s dropped",
                spy_format_seconds(ev->a, tb, sizeof tb));
        break;
    default:
        fprintf(p.o->out, "%s%s%s", event_word(ev->kind),
                text[0] != '\0' ? ": " : "", text);
        break;
    }
    text_finish(&p);
    cl->lines += p.lines;
    return 0;
}

int spy_changelog_hit(spy_changelog *cl, uint64_t t_ns, const spy_rec_hit *hit,
                      spy_err *err) {
    char val[64], comm[sizeof hit->comm * 4], where[sizeof hit->where * 4];
    unsigned len = hit->len <= 8 ? hit->len : 8;
    printer p;
    (void)err;
    memset(&p, 0, sizeof p);
    p.o = &cl->o;
    p.t_ns = t_ns;
    if (p.o->json) {
        spy_json j;
        char hex[17];
        unsigned i;
        for (i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", hit->value[i]);
        hex[2 * len] = '\0';
        json_begin(&p, &j);
        spy_json_key(&j, "event");
        spy_json_str(&j, "hit");
        spy_json_key(&j, "pid");
        spy_json_int(&j, hit->pid);
        spy_json_key(&j, "tid");
        spy_json_int(&j, hit->tid);
        spy_json_key(&j, "comm");
        spy_json_str(&j, hit->comm);
        spy_json_key(&j, "off");
        spy_json_uint(&j, hit->off);
        spy_json_key(&j, "len");
        spy_json_uint(&j, hit->len);
        spy_json_key(&j, "value");
        spy_json_str(&j, hex);
        spy_json_key(&j, "ip");
        spy_json_uint(&j, hit->ip);
        spy_json_key(&j, "where");
        spy_json_str(&j, hit->where);
        json_finish(&p, &j);
        cl->lines += p.lines;
        return 0;
    }
    spy_diff_hex_text(hit->value, len, 8, p.o->utf8, val, sizeof val);
    spy_escape(hit->comm, comm, sizeof comm);
    spy_escape(hit->where, where, sizeof where);
    put_time_text(&p);
    fprintf(p.o->out,
            "hit 0x%" PRIx64 " %u = %s by pid %" PRId32 " tid %" PRId32
            " (%s)%s%s",
            hit->off, hit->len, val, hit->pid, hit->tid, comm,
            where[0] != '\0' ? " at " : "", where);
    text_finish(&p);
    cl->lines += p.lines;
    return 0;
}
