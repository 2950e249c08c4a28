/* fieldpane.h - the field pane of the hex view: a typed layout (ops/typed.h)
 * shown as a tree of fields with values decoded for their type, beside or
 * instead of the hex. Internal to src/tui/.
 *
 * fieldtree.c is the tree: which nodes are expanded, and moving a place
 * in it (the cursor, the first row on screen) one row forth or back in
 * preorder. A place is a path of child indexes from the root, each step
 * found with spy_layout_child (O(1)), so nothing is ever proportional to
 * the size of the layout or of an array: drawing a screen costs its rows
 * times their depth, and the expansion state is a small set of nodes.
 * fieldpane.c reads the bytes of the rows on screen (twice, to flag torn
 * values), notes which values changed (highlights that fade on the hex
 * view's clock), draws the pane, and handles its keys and the layout
 * prompt. */
#ifndef SPY_TUI_FIELDPANE_H
#define SPY_TUI_FIELDPANE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/layout.h"
#include "ui.h"

struct spy_typed;
struct spy__hexview;

/* Deepest place the tree goes (a layout nested deeper is shown to this
 * depth; its deeper nodes do not expand). */
#define SPY__FT_DEPTH 24
/* Nodes expanded at once; expanding one more forgets the oldest. */
#define SPY__FT_EXPANDED 64

/* One node of the tree: a field of the layout at its segment offset. */
typedef struct spy__ftnode {
    spy_lfield f;
    uint64_t index; /* its index among its parent's children */
    uint64_t n;     /* its parent's number of children */
} spy__ftnode;

/* A place in the tree: the nodes from the root's child (depth 1) down;
 * depth 0 is "nowhere" (the root has no children). */
typedef struct spy__ftpath {
    int depth;
    spy__ftnode node[SPY__FT_DEPTH];
} spy__ftpath;

/* The tree: a layout's root placed at a segment offset, and the expanded
 * nodes, each known by its offset, type and depth. */
typedef struct spy__ftree {
    const spy_layout *l;
    spy_lfield root;
    uint64_t avail; /* bytes from the root to the end of the segment */
    struct {
        uint64_t offset;
        uint32_t type;
        int depth;
        uint64_t used; /* when it was expanded (a counter), for eviction */
    } open[SPY__FT_EXPANDED];
    int nopen;
    uint64_t tick;
} spy__ftree;

/* Sets t up for layout l with its root type at segment offset base;
 * nothing expanded. avail: bytes from base to the end of the segment. */
void spy__ft_init(spy__ftree *t, const spy_layout *l, uint32_t root,
                  uint64_t base, uint64_t avail);
/* 1 if the node p (depth d of path p) is expanded. */
int spy__ft_is_open(const spy__ftree *t, const spy_lfield *f, int depth);
/* Children of field f (0 for a scalar). */
uint64_t spy__ft_nchildren(const spy__ftree *t, const spy_lfield *f);
/* Expands (open 1) or collapses the node f at depth. */
void spy__ft_set_open(spy__ftree *t, const spy_lfield *f, int depth, int open);
/* The first row of the tree (depth 0 when the root has no children). */
void spy__ft_first(const spy__ftree *t, spy__ftpath *p);
/* The last row (the last child, descended while expanded). */
void spy__ft_last(const spy__ftree *t, spy__ftpath *p);
/* Moves p one row forth / back in preorder; 0 if it was already the
 * last / first row (p unchanged). */
int spy__ft_next(const spy__ftree *t, spy__ftpath *p);
int spy__ft_prev(const spy__ftree *t, spy__ftpath *p);
/* Compares two places in preorder: <0, 0, >0. */
int spy__ft_cmp(const spy__ftpath *a, const spy__ftpath *b);
/* Cuts p at its first node whose parent is collapsed (after a collapse,
 * a place inside it becomes the collapsed node). */
void spy__ft_fix(const spy__ftree *t, spy__ftpath *p);
/* The place of the row that shows segment offset off: the deepest node
 * containing it reached through expanded nodes. 0 if no row does (p is
 * then the first row). Costs the depth times the members of each struct
 * crossed (arrays: O(1)). */
int spy__ft_find(const spy__ftree *t, uint64_t off, spy__ftpath *p);

/* ---- the pane ------------------------------------------------------- */

/* What the pane shows in the hex view: hex only, both, fields only. */
enum { SPY__FP_OFF = 0, SPY__FP_BOTH, SPY__FP_ONLY };

/* One row on screen as read and drawn last. */
typedef struct spy__fprow {
    uint64_t offset; /* the field's (identity with type and depth) */
    uint32_t type;
    int depth;
    uint64_t hash;    /* of its bytes (and torn): its text is a function
                         of them, so a row whose hash is as in the last
                         frame keeps its text unformatted */
    int has_text;     /* its text is in the pane's text[] at its index */
    uint64_t changed; /* when its value last changed, 0: never */
    int torn;         /* torn in the last read */
    uint64_t torn_at; /* when it was last torn, 0: never */
} spy__fprow;

typedef struct spy__fpane {
    struct spy_typed *typed; /* NULL: no layout loaded */
    int owned;               /* typed is freed with the pane */
    char title[160];         /* the root type, safe to draw */
    uint64_t base;           /* the struct's segment offset */
    spy__ftree tree;
    spy__ftpath cur, top;
    int mode;            /* SPY__FP_* */
    int focus;           /* 1: keys move in the fields */
    int y, x, w, h;      /* the pane on screen (h 0: not shown) */
    uint64_t synced;     /* the hex cursor the field cursor matches */
    int stale;           /* read before drawing */
    int changed;         /* the last read changed what is drawn */
    uint64_t torn_total; /* torn values seen since the layout loaded */
    /* The lock under the cursor as ops/locks.h tells it (owner process,
     * waiters), safe to draw, "" when the cursor is on no lock; looked at
     * again at lock_next. */
    char lock_line[SPY_LVALUE_MAX];
    uint64_t lock_next, lock_of;
    /* Rows on screen: their place, value text and state. */
    int nrows;
    spy__ftpath *rowpath; /* h of them */
    char (*text)[SPY_LVALUE_MAX];
    spy__fprow *rows, *prev;
    struct spy__fprowinfo *info; /* what drawing each row needs */
    int nprev, cap;
    /* Bytes read for the rows: two reads, for the torn check. */
    uint8_t *a, *b;
    size_t bcap;
    chtype *cache; /* the pane's rows as drawn last (h x w cells) */
    size_t cache_cap;
    uint64_t *dkey; /* per cached row: what it was drawn from (row_key) */
    size_t dkey_cap;
    int cache_w, cache_h;
} spy__fpane;

/* Frees the pane's buffers and layout. */
void spy__fp_free(spy__fpane *p);
/* Shows t as the pane's layout at segment offset base, replacing any
 * other (owned: the pane frees t with spy_typed_free and free when it is
 * replaced or the view closes; else t must outlive the view); field (may
 * be NULL) names the
 * field the cursor starts on (its parents expanded). The pane is shown
 * (both panes, the fields focused) unless it was already. Returns 0, or
 * an error with err set (a bad field path: t is kept, the cursor starts
 * on the first row). */
int spy__fp_adopt(struct spy__hexview *h, struct spy_typed *t, int owned,
                  uint64_t base, const char *field, spy_err *err);
/* Per tick: reads the rows on screen when due (read set, or stale) and
 * follows the hex cursor. Sets *busy when the pane must be drawn; returns
 * when its next fade step is due (UINT64_MAX: none). */
uint64_t spy__fp_tick(struct spy__hexview *h, uint64_t now, int read,
                      int *busy);
/* Draws the pane in its area; erased: the screen was erased. */
void spy__fp_draw(struct spy__hexview *h, uint64_t fade_now, int erased);
/* A line for the status bar ("struct x  torn 2"), or "" with no pane. */
void spy__fp_status(const struct spy__hexview *h, char *out, size_t cap);
/* The byte range of the field under the field cursor ([*off, *off+*len),
 * len 0: none), underlined in the hex. */
void spy__fp_selection(const struct spy__hexview *h, uint64_t *off,
                       uint64_t *len);

/* Key handlers of the pane (rows of the hex view's table, hexkeys.c);
 * the movement rows decline unless the fields have the focus. */
int spy__fp_key_move(const spy__keyhit *k);
int spy__fp_key_expand(const spy__keyhit *k);
int spy__fp_key_collapse(const spy__keyhit *k);
int spy__fp_key_mode(const spy__keyhit *k);
int spy__fp_key_focus(const spy__keyhit *k);
int spy__fp_key_load(const spy__keyhit *k);
int spy__fp_key_probe(const spy__keyhit *k);

/* Splits s into words as a shell would for simple words: blanks separate,
 * '...' keeps everything, "..." keeps everything but \" and \\, a
 * backslash outside quotes keeps the next character. Fills argv (at most
 * max words, pointing into buf, cap bytes); returns the count, or -1 with
 * why set for an unclosed quote or too many words. */
int spy__fp_split(const char *s, char *buf, size_t cap, char **argv, int max,
                  const char **why);

#endif
