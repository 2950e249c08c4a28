/* fieldtree.c - the tree of the field pane: expanded nodes and moving a
 * place one row at a time in preorder (see fieldpane.h). Every step asks
 * spy_layout_nchildren / spy_layout_child, both O(1), so no operation here
 * walks an array: a place in a 100,000-element array is found by its
 * index, and the rows of a screen are the rows after the first one. */
#include <string.h>

#include "fieldpane.h"

void spy__ft_init(spy__ftree *t, const spy_layout *l, uint32_t root,
                  uint64_t base, uint64_t avail) {
    memset(t, 0, sizeof *t);
    t->l = l;
    t->root.type = root;
    t->root.offset = base;
    t->root.size = root < l->ntypes ? l->types[root].size : 0;
    t->avail = avail;
}

uint64_t spy__ft_nchildren(const spy__ftree *t, const spy_lfield *f) {
    uint64_t off = f->offset - t->root.offset;

    /* A flexible array ends with the segment. */
    return spy_layout_nchildren(t->l, f, t->avail > off ? t->avail - off : 0);
}

static int find_open(const spy__ftree *t, const spy_lfield *f, int depth) {
    int i;

    for (i = 0; i < t->nopen; i++)
        if (t->open[i].offset == f->offset && t->open[i].type == f->type &&
            t->open[i].depth == depth)
            return i;
    return -1;
}

int spy__ft_is_open(const spy__ftree *t, const spy_lfield *f, int depth) {
    return find_open(t, f, depth) >= 0;
}

void spy__ft_set_open(spy__ftree *t, const spy_lfield *f, int depth, int open) {
    int i = find_open(t, f, depth), j;

    if (!open) {
        if (i >= 0)
            t->open[i] = t->open[--t->nopen];
        return;
    }
    if (i < 0) {
        if (t->nopen < SPY__FT_EXPANDED) {
            i = t->nopen++;
        } else { /* forget the node expanded longest ago */
            for (i = 0, j = 1; j < t->nopen; j++)
                if (t->open[j].used < t->open[i].used)
                    i = j;
        }
    }
    t->open[i].offset = f->offset;
    t->open[i].type = f->type;
    t->open[i].depth = depth;
    t->open[i].used = ++t->tick;
}

/* The i-th child of f, as a node of a path. */
static int child(const spy__ftree *t, const spy_lfield *f, uint64_t i,
                 uint64_t n, spy__ftnode *out) {
    char label[8];

    out->index = i;
    out->n = n;
    return spy_layout_child(t->l, f, i, &out->f, label, sizeof label);
}

/* The field whose children the node at depth d of p is among. */
static const spy_lfield *parent_of(const spy__ftree *t, const spy__ftpath *p,
                                   int d) {
    return d <= 1 ? &t->root : &p->node[d - 2].f;
}

/* Descends from the last node of p while it is expanded, to its last
 * child each time. */
static void descend_last(const spy__ftree *t, spy__ftpath *p) {
    while (p->depth > 0 && p->depth < SPY__FT_DEPTH) {
        const spy_lfield *f = &p->node[p->depth - 1].f;
        uint64_t n;
        if (!spy__ft_is_open(t, f, p->depth))
            return;
        n = spy__ft_nchildren(t, f);
        if (n == 0 || child(t, f, n - 1, n, &p->node[p->depth]) != 0)
            return;
        p->depth++;
    }
}

void spy__ft_first(const spy__ftree *t, spy__ftpath *p) {
    uint64_t n = spy__ft_nchildren(t, &t->root);

    p->depth = 0;
    if (n > 0 && child(t, &t->root, 0, n, &p->node[0]) == 0)
        p->depth = 1;
}

void spy__ft_last(const spy__ftree *t, spy__ftpath *p) {
    uint64_t n = spy__ft_nchildren(t, &t->root);

    p->depth = 0;
    if (n > 0 && child(t, &t->root, n - 1, n, &p->node[0]) == 0)
        p->depth = 1;
    descend_last(t, p);
}

int spy__ft_next(const spy__ftree *t, spy__ftpath *p) {
    int d = p->depth;

    if (d == 0)
        return 0;
    /* Into the first child of an expanded node. */
    if (d < SPY__FT_DEPTH) {
        const spy_lfield *f = &p->node[d - 1].f;
        uint64_t n;
        if (spy__ft_is_open(t, f, d) && (n = spy__ft_nchildren(t, f)) > 0 &&
            child(t, f, 0, n, &p->node[d]) == 0) {
            p->depth = d + 1;
            return 1;
        }
    }
    /* Else the next sibling of the node or of its nearest ancestor. */
    for (; d > 0; d--) {
        spy__ftnode *nd = &p->node[d - 1], nx;
        if (nd->index + 1 < nd->n &&
            child(t, parent_of(t, p, d), nd->index + 1, nd->n, &nx) == 0) {
            *nd = nx;
            p->depth = d;
            return 1;
        }
    }
    return 0;
}

int spy__ft_prev(const spy__ftree *t, spy__ftpath *p) {
    int d = p->depth;
    spy__ftnode *nd, pv;

    if (d == 0)
        return 0;
    nd = &p->node[d - 1];
    if (nd->index == 0) {
        if (d == 1)
            return 0;
        p->depth = d - 1; /* the parent */
        return 1;
    }
    if (child(t, parent_of(t, p, d), nd->index - 1, nd->n, &pv) != 0)
        return 0;
    *nd = pv;
    descend_last(t, p);
    return 1;
}

int spy__ft_cmp(const spy__ftpath *a, const spy__ftpath *b) {
    int d;

    for (d = 0; d < a->depth && d < b->depth; d++)
        if (a->node[d].index != b->node[d].index)
            return a->node[d].index < b->node[d].index ? -1 : 1;
    /* A parent comes before its children. */
    return a->depth < b->depth ? -1 : a->depth > b->depth;
}

void spy__ft_fix(const spy__ftree *t, spy__ftpath *p) {
    int d;

    for (d = 1; d < p->depth; d++)
        if (!spy__ft_is_open(t, &p->node[d - 1].f, d)) {
            p->depth = d;
            return;
        }
}

/* The child of f that holds segment offset off: an array's by division,
 * a struct's or union's by looking at its members (the first that holds
 * it: a union's first member, a struct's member rather than padding). */
static int child_at(const spy__ftree *t, const spy_lfield *f, uint64_t off,
                    spy__ftnode *out) {
    uint64_t n = spy__ft_nchildren(t, f), i;
    const spy_ltype *ty = &t->l->types[f->type];

    if (n == 0)
        return -1;
    if (ty->kind == SPY_L_ARRAY) {
        uint64_t es = ty->elem < t->l->ntypes ? t->l->types[ty->elem].size : 0;
        if (es == 0)
            return -1;
        i = (off - f->offset) / es;
        if (i >= n)
            return -1;
        return child(t, f, i, n, out);
    }
    for (i = 0; i < n; i++) {
        if (child(t, f, i, n, out) != 0)
            return -1;
        if (off >= out->f.offset &&
            (off - out->f.offset < out->f.size ||
             (out->f.size == 0 && off == out->f.offset)))
            return 0;
    }
    return -1;
}

int spy__ft_find(const spy__ftree *t, uint64_t off, spy__ftpath *p) {
    const spy_lfield *f = &t->root;

    p->depth = 0;
    if (off < t->root.offset || off - t->root.offset >= t->root.size) {
        spy__ft_first(t, p);
        return 0;
    }
    while (p->depth < SPY__FT_DEPTH) {
        if (p->depth > 0 && !spy__ft_is_open(t, f, p->depth))
            break;
        if (child_at(t, f, off, &p->node[p->depth]) != 0)
            break;
        f = &p->node[p->depth].f;
        p->depth++;
    }
    if (p->depth == 0) {
        spy__ft_first(t, p);
        return 0;
    }
    return 1;
}
