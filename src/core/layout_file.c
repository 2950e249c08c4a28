/* layout_file.c - the "shmspy-layout 1" file: spy_layout_format writes a
 * layout, spy_layout_parse reads one back (the grammar is in the man
 * page, LAYOUT FILES).
 *
 * Pointer and array types are not declared in the file: they are spelled
 * where they are used, as a base type followed by `*` and `[N]` groups
 * (`"struct item"[100]`, `char*[4]`, `int[4]*`). A pointer or array type
 * whose name is that spelling (ignoring spaces) is written so; one with a
 * name of its own (a typedef of an array or pointer) is declared with
 * `typedef` or `pointer`. The parser names the types it makes for a
 * spelling by that spelling, so a file read and written again is the
 * same text. */
#include "layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "layout_int.h"

/* Bytes of a source line: escaped, it still fits SPY_LAYOUT_MAX_LINE. */
#define SOURCE_MAX 1000

/* --- a growable string ---------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        char *np;
        while (cap < b->n + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (np == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) {
    sb_add(b, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(SPY_PRINTF_FMT, 2, 3)))
#endif
static void
sb_fmt(sbuf *b, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* --- a name -> type index map (open addressing) ----------------------------
 */

typedef struct nmap {
    uint32_t *slot; /* type index + 1; 0 empty */
    size_t cap, n;
    const char *(*name_of)(const void *ctx, uint32_t idx);
    const void *ctx;
} nmap;

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    while (*s != '\0')
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* The index whose name (m->name_of) is s, or NONE. */
static uint32_t nmap_get(const nmap *m, const char *s) {
    size_t i;

    if (m->cap == 0)
        return SPY_LAYOUT_NONE;
    for (i = (size_t)hash(s) & (m->cap - 1); m->slot[i] != 0;
         i = (i + 1) & (m->cap - 1))
        if (strcmp(m->name_of(m->ctx, m->slot[i] - 1), s) == 0)
            return m->slot[i] - 1;
    return SPY_LAYOUT_NONE;
}

/* Inserts idx under its name (which must not be present). -1 ENOMEM. */
static int nmap_put(nmap *m, uint32_t idx) {
    size_t i;

    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64, k;
        uint32_t *ns = calloc(ncap, sizeof *ns);
        if (ns == NULL)
            return -1;
        for (k = 0; k < m->cap; k++) {
            if (m->slot[k] == 0)
                continue;
            for (i = (size_t)hash(m->name_of(m->ctx, m->slot[k] - 1)) &
                     (ncap - 1);
                 ns[i] != 0; i = (i + 1) & (ncap - 1))
                ;
            ns[i] = m->slot[k];
        }
        free(m->slot);
        m->slot = ns;
        m->cap = ncap;
    }
    for (i = (size_t)hash(m->name_of(m->ctx, idx)) & (m->cap - 1);
         m->slot[i] != 0; i = (i + 1) & (m->cap - 1))
        ;
    m->slot[i] = idx + 1;
    m->n++;
    return 0;
}

/* --- writing ------------------------------------------------------------- */

static int bare_ok(const char *s) {
    const char *c;

    if (*s == '\0' || strcmp(s, "void") == 0)
        return 0;
    for (c = s; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == ':' ||
              *c == '$' || *c == '-'))
            return 0;
    return 1;
}

/* A name as a token: bare when it can be, else quoted with \" \\ \xNN. */
static void put_name(sbuf *b, const char *s) {
    const unsigned char *c;

    if (bare_ok(s)) {
        sb_str(b, s);
        return;
    }
    sb_add(b, "\"", 1);
    for (c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            char e[2] = {'\\', (char)*c};
            sb_add(b, e, 2);
        } else if (*c < 0x20 || *c >= 0x7f) {
            sb_fmt(b, "\\x%02x", *c);
        } else {
            sb_add(b, (const char *)c, 1);
        }
    }
    sb_add(b, "\"", 1);
}

/* Compares two names ignoring spaces. */
static int eq_nospace(const char *a, const char *b) {
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (*a != *b)
            return 0;
        if (*a == '\0')
            return 1;
        a++;
        b++;
    }
}

typedef struct wstate {
    const spy_layout *l;
    uint8_t *reach; /* written (reachable from root) */
    uint8_t *inl;   /* spelled where used, not declared */
    char **wname;   /* declared types: the unique name written */
    char **spell;   /* pointer/array types: spelling with model names */
} wstate;

/* The spelling of type t from model names: its own name unless it is an
 * inline pointer or array. */
static void spell_ref(wstate *w, uint32_t t, sbuf *b) {
    if (t == SPY_LAYOUT_NONE)
        sb_str(b, "void");
    else if (w->inl[t] && w->spell[t] != NULL)
        sb_str(b, w->spell[t]);
    else
        sb_str(b, w->l->types[t].name);
}

/* Computes w->spell[t] and w->inl[t] for a pointer or array type t whose
 * element chain was already done (called in chain order). */
static int spell_one(wstate *w, uint32_t t) {
    const spy_layout *l = w->l;
    const spy_ltype *ty = &l->types[t];
    sbuf b = {0};

    if (ty->kind == SPY_L_POINTER) {
        spell_ref(w, ty->elem, &b);
        sb_str(&b, "*");
    } else {
        /* base, then this dimension, then the inline element's ones. */
        uint32_t e = ty->elem;
        const char *edims = "";
        if (l->types[e].kind == SPY_L_ARRAY && w->inl[e] &&
            w->spell[e] != NULL) {
            /* the element's spelling is BASE[..]: split at its dims */
            const char *es = w->spell[e];
            size_t k = strlen(es);
            unsigned nd = 0;
            uint32_t x = e;
            while (l->types[x].kind == SPY_L_ARRAY && w->inl[x]) {
                nd++;
                x = l->types[x].elem;
            }
            /* walk back nd bracket groups from the end */
            while (nd > 0 && k > 0) {
                k--;
                if (es[k] == '[')
                    nd--;
            }
            sb_add(&b, es, k);
            edims = es + k;
        } else {
            spell_ref(w, e, &b);
        }
        if (ty->nelem != 0)
            sb_fmt(&b, "[%llu]", (unsigned long long)ty->nelem);
        else
            sb_str(&b, "[]");
        sb_str(&b, edims);
    }
    if (b.oom) {
        free(b.p);
        return -1;
    }
    w->spell[t] = b.p;
    w->inl[t] = eq_nospace(b.p, ty->name) &&
                (ty->kind != SPY_L_POINTER || ty->size == l->pointer_size);
    return 0;
}

static int spell_all(wstate *w) {
    const spy_layout *l = w->l;
    uint32_t *chain = malloc(sizeof *chain * (SPY_LAYOUT_MAX_CHAIN + 1));
    uint8_t *done = calloc(l->ntypes ? l->ntypes : 1, 1);
    size_t i;
    int rc = 0;

    if (chain == NULL || done == NULL)
        rc = -1;
    for (i = 0; i < l->ntypes && rc == 0; i++) {
        size_t n = 0;
        uint32_t t = (uint32_t)i;
        /* Collect the not-yet-spelled chain t, elem, elem... then spell
         * from the innermost out. */
        while (t != SPY_LAYOUT_NONE && !done[t] &&
               (l->types[t].kind == SPY_L_POINTER ||
                l->types[t].kind == SPY_L_ARRAY) &&
               n <= SPY_LAYOUT_MAX_CHAIN) {
            chain[n++] = t;
            done[t] = 1;
            t = l->types[t].elem;
        }
        while (n > 0 && rc == 0)
            rc = spell_one(w, chain[--n]);
    }
    free(chain);
    free(done);
    return rc;
}

/* A type reference as written: the declared name, or for an inline type
 * the spelling with written names. force: spell t even if declared (for
 * its own typedef / pointer line). */
static void put_ref(wstate *w, uint32_t t, int force, sbuf *b, unsigned depth) {
    const spy_layout *l = w->l;
    const spy_ltype *ty;

    if (t == SPY_LAYOUT_NONE) {
        sb_str(b, "void");
        return;
    }
    ty = &l->types[t];
    if ((!force && !w->inl[t]) || depth > SPY_LAYOUT_MAX_CHAIN ||
        (ty->kind != SPY_L_POINTER && ty->kind != SPY_L_ARRAY)) {
        put_name(b, w->wname[t] != NULL ? w->wname[t] : ty->name);
        return;
    }
    if (ty->kind == SPY_L_POINTER) {
        put_ref(w, ty->elem, 0, b, depth + 1);
        sb_str(b, "*");
        return;
    }
    {
        sbuf dims = {0};
        uint32_t e = t;
        unsigned d = 0;
        do {
            if (l->types[e].nelem != 0)
                sb_fmt(&dims, "[%llu]", (unsigned long long)l->types[e].nelem);
            else
                sb_str(&dims, "[]");
            e = l->types[e].elem;
        } while (l->types[e].kind == SPY_L_ARRAY && w->inl[e] &&
                 ++d < SPY_LAYOUT_MAX_CHAIN);
        put_ref(w, e, 0, b, depth + d + 1);
        if (dims.oom)
            b->oom = 1;
        else if (dims.p != NULL)
            sb_str(b, dims.p);
        free(dims.p);
    }
}

/* Marks what root reaches (everything without a root). */
static int mark_reach(wstate *w) {
    const spy_layout *l = w->l;
    uint32_t *stk;
    size_t sp = 0, i;

    if (l->root == SPY_LAYOUT_NONE || l->root >= l->ntypes) {
        memset(w->reach, 1, l->ntypes);
        return 0;
    }
    stk = malloc(sizeof *stk * (l->ntypes ? l->ntypes : 1));
    if (stk == NULL)
        return -1;
    stk[sp++] = l->root;
    w->reach[l->root] = 1;
    while (sp > 0) {
        const spy_ltype *t = &l->types[stk[--sp]];
        uint32_t k, n = 0, c;
        if (t->kind == SPY_L_STRUCT || t->kind == SPY_L_UNION)
            n = t->count;
        else if (t->kind == SPY_L_ARRAY || t->kind == SPY_L_POINTER)
            n = 1;
        for (k = 0; k < n; k++) {
            c = n == 1 && (t->kind == SPY_L_ARRAY || t->kind == SPY_L_POINTER)
                    ? t->elem
                    : l->members[t->first + k].type;
            if (c != SPY_LAYOUT_NONE && c < l->ntypes && !w->reach[c]) {
                w->reach[c] = 1;
                stk[sp++] = c;
            }
        }
    }
    free(stk);
    (void)i;
    return 0;
}

static const char *wname_of(const void *ctx, uint32_t idx) {
    return ((const wstate *)ctx)->wname[idx];
}

/* Unique written names for the declared types, in index order. */
static int name_all(wstate *w) {
    const spy_layout *l = w->l;
    nmap m = {0};
    size_t i;
    int rc = 0;

    m.name_of = wname_of;
    m.ctx = w;
    for (i = 0; i < l->ntypes && rc == 0; i++) {
        const char *base;
        char *nm;
        unsigned k = 2;
        if (!w->reach[i] || w->inl[i])
            continue;
        base = l->types[i].name[0] != '\0' ? l->types[i].name : "(anonymous)";
        nm = spy__layout_strdup(base);
        while (nm != NULL && nmap_get(&m, nm) != SPY_LAYOUT_NONE) {
            size_t n = strlen(base) + 16;
            free(nm);
            nm = malloc(n);
            if (nm != NULL)
                snprintf(nm, n, "%s #%u", base, k++);
        }
        if (nm == NULL) {
            rc = -1;
            break;
        }
        w->wname[i] = nm;
        if (nmap_put(&m, (uint32_t)i) != 0)
            rc = -1;
    }
    free(m.slot);
    return rc;
}

static void put_decl(wstate *w, uint32_t i, sbuf *b) {
    const spy_layout *l = w->l;
    const spy_ltype *t = &l->types[i];
    static const char *const kw[] = {"int",   "uint",    "char",    "bool",
                                     "float", "enum",    "pointer", "struct",
                                     "union", "typedef", "opaque"};
    uint32_t k;

    if (t->kind == SPY_L_ARRAY) {
        sb_str(b, "typedef ");
        put_name(b, w->wname[i]);
        sb_str(b, " ");
        put_ref(w, i, 1, b, 0);
        sb_str(b, "\n");
        return;
    }
    sb_str(b, kw[t->kind]);
    sb_str(b, " ");
    put_name(b, w->wname[i]);
    sb_fmt(b, " %llu", (unsigned long long)t->size);
    if (t->kind == SPY_L_POINTER) {
        sb_str(b, " ");
        put_ref(w, t->elem, 0, b, 0);
    }
    if (t->kind == SPY_L_CHAR || t->kind == SPY_L_ENUM)
        sb_str(b, t->is_signed ? " signed" : " unsigned");
    sb_str(b, "\n");
    if (t->kind == SPY_L_ENUM) {
        for (k = 0; k < t->count; k++) {
            const spy_lenum *e = &l->enums[t->first + k];
            sb_str(b, "  value ");
            put_name(b, e->name);
            if (t->is_signed)
                sb_fmt(b, " %lld\n", (long long)e->value);
            else
                sb_fmt(b, " %llu\n", (unsigned long long)(uint64_t)e->value);
        }
        sb_str(b, "end\n");
    } else if (t->kind == SPY_L_STRUCT || t->kind == SPY_L_UNION) {
        for (k = 0; k < t->count; k++) {
            const spy_lmember *m = &l->members[t->first + k];
            sb_str(b, "  field ");
            if (m->name[0] == '\0')
                sb_str(b, "\"\"");
            else
                put_name(b, m->name);
            sb_str(b, " ");
            put_ref(w, m->type, 0, b, 0);
            sb_fmt(b, " %llu", (unsigned long long)m->offset);
            if (m->bit_size != 0)
                sb_fmt(b, " bits=%u@%u", m->bit_size, m->bit_offset);
            sb_str(b, "\n");
        }
        sb_str(b, "end\n");
    }
}

char *spy_layout_format(const spy_layout *l, size_t *len) {
    wstate w;
    sbuf b = {0};
    size_t i, nt = l->ntypes ? l->ntypes : 1;

    memset(&w, 0, sizeof w);
    w.l = l;
    w.reach = calloc(nt, 1);
    w.inl = calloc(nt, 1);
    w.wname = calloc(nt, sizeof *w.wname);
    w.spell = calloc(nt, sizeof *w.spell);
    if (w.reach == NULL || w.inl == NULL || w.wname == NULL ||
        w.spell == NULL || mark_reach(&w) != 0 || spell_all(&w) != 0 ||
        name_all(&w) != 0) {
        b.oom = 1;
        goto out;
    }
    sb_str(&b, "shmspy-layout 1\n");
    if (l->source != NULL) {
        /* Always quoted (a source is free text), cut to what a reader
         * takes. */
        char *src = spy__layout_strdup(l->source);
        if (src == NULL) {
            b.oom = 1;
            goto out;
        }
        if (strlen(src) > SOURCE_MAX)
            src[SOURCE_MAX] = '\0';
        sb_str(&b, "source ");
        if (bare_ok(src)) {
            sb_str(&b, "\"");
            sb_str(&b, src);
            sb_str(&b, "\"");
        } else {
            put_name(&b, src);
        }
        sb_str(&b, "\n");
        free(src);
    }
    sb_str(&b, l->big_endian ? "endian big\n" : "endian little\n");
    sb_fmt(&b, "pointer-size %u\n", l->pointer_size);
    if (l->root != SPY_LAYOUT_NONE && l->root < l->ntypes) {
        sb_str(&b, "root ");
        put_ref(&w, l->root, 0, &b, 0);
        sb_str(&b, "\n");
    }
    for (i = 0; i < l->ntypes; i++) {
        if (!w.reach[i] || w.inl[i])
            continue;
        if (l->types[i].kind == SPY_L_STRUCT ||
            l->types[i].kind == SPY_L_UNION || l->types[i].kind == SPY_L_ENUM)
            sb_str(&b, "\n");
        put_decl(&w, (uint32_t)i, &b);
    }
out:
    if (w.wname != NULL)
        for (i = 0; i < l->ntypes; i++)
            free(w.wname[i]);
    if (w.spell != NULL)
        for (i = 0; i < l->ntypes; i++)
            free(w.spell[i]);
    free(w.reach);
    free(w.inl);
    free(w.wname);
    free(w.spell);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    if (len != NULL)
        *len = b.n;
    return b.p;
}

/* --- reading ------------------------------------------------------------- */

enum { FX_MEMBER, FX_TYPEDEF, FX_POINTER, FX_ROOT };

typedef struct fixup {
    int kind;
    uint32_t target; /* member index (FX_MEMBER) or type index */
    char *ref;       /* the TYPEREF token as written */
    size_t line;
} fixup;

typedef struct pstate {
    spy_layout *l;
    nmap names;
    fixup *fx;
    size_t nfx, fxcap;
    uint32_t *tdfix;  /* per type: typedef fixup index + 1, or 0 */
    uint8_t *tdstate; /* per type: 0 none/done, 1 pending, 2 resolving */
    size_t tdcap;
} pstate;

#define MAX_TOKENS 8

typedef struct tok {
    char *s;
    size_t n;
} tok;

/* "line N: " and fmt with its one %s replaced by a, excerpted (a file's
 * text is hostile: no control character reaches the message). */
static int perr(spy_err *err, int code, size_t line, const char *fmt,
                const char *a) {
    char ex[SPY_EXCERPT_CAP];
    const char *pc = strstr(fmt, "%s");
    int pre = pc != NULL ? (int)(pc - fmt) : (int)strlen(fmt);

    spy_excerpt(a != NULL ? a : "", (size_t)-1, ex);
    return spy_err_set(err, code, 0, "line %zu: %.*s%s%s", line, pre, fmt,
                       pc != NULL ? ex : "", pc != NULL ? pc + 2 : "");
}

/* Splits the line into tokens: runs of non-blanks, where a "..." part may
 * hold blanks. Each token is NUL-terminated in place. */
static int tokenize(char *s, tok *t, size_t *nt, size_t line, spy_err *err) {
    *nt = 0;
    for (;;) {
        char *st;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            return 0;
        if (*nt == MAX_TOKENS)
            return perr(err, SPY_EINVAL, line, "too many words%s", "");
        st = s;
        while (*s != '\0' && *s != ' ' && *s != '\t') {
            if (*s == '"') {
                s++;
                while (*s != '\0' && *s != '"') {
                    if (*s == '\\' && s[1] != '\0')
                        s++;
                    s++;
                }
                if (*s != '"')
                    return perr(err, SPY_EINVAL, line,
                                "unterminated quoted name%s", "");
            }
            s++;
        }
        t[*nt].s = st;
        t[*nt].n = (size_t)(s - st);
        (*nt)++;
        if (*s != '\0')
            *s++ = '\0';
    }
}

/* Decodes a quoted name starting at s (at the '"') into out (cap
 * SPY_LAYOUT_MAX_NAME + 1); *end after the closing quote. */
static int unquote(const char *s, char *out, const char **end, size_t line,
                   spy_err *err) {
    size_t n = 0;

    s++;
    while (*s != '"') {
        int c;
        if (*s == '\0')
            return perr(err, SPY_EINVAL, line, "unterminated quoted name%s",
                        "");
        if (*s == '\\') {
            s++;
            if (*s == '"' || *s == '\\') {
                c = *s++;
            } else if (*s == 'x') {
                int k, v = 0;
                for (k = 1; k <= 2; k++) {
                    char h = s[k];
                    if (h >= '0' && h <= '9')
                        v = v * 16 + (h - '0');
                    else if (h >= 'a' && h <= 'f')
                        v = v * 16 + (h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F')
                        v = v * 16 + (h - 'A' + 10);
                    else
                        return perr(err, SPY_EINVAL, line,
                                    "\\x needs two hex digits%s", "");
                }
                if (v == 0)
                    return perr(err, SPY_EINVAL, line, "\\x00 in a name%s", "");
                c = v;
                s += 3;
            } else {
                return perr(err, SPY_EINVAL, line,
                            "unknown escape in a name (\\\" \\\\ \\xNN)%s", "");
            }
        } else {
            c = (unsigned char)*s++;
        }
        if (n >= SPY_LAYOUT_MAX_NAME)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "line %zu: name longer than %d bytes", line,
                               SPY_LAYOUT_MAX_NAME);
        out[n++] = (char)c;
    }
    out[n] = '\0';
    *end = s + 1;
    return 0;
}

static int is_bare(char c) {
    return c != '\0' && c != '"' && c != '*' && c != '[' && c != ']';
}

/* A whole token as a name (quoted, or bare without " * [ ]). */
static int name_tok(const tok *t, char *out, int allow_empty, size_t line,
                    spy_err *err) {
    size_t i;

    if (t->s[0] == '"') {
        const char *end;
        int rc = unquote(t->s, out, &end, line, err);
        if (rc != 0)
            return rc;
        if (*end != '\0')
            return perr(err, SPY_EINVAL, line, "text after a quoted name: %s",
                        end);
        if (out[0] == '\0' && !allow_empty)
            return perr(err, SPY_EINVAL, line, "empty name%s", "");
        return 0;
    }
    for (i = 0; i < t->n; i++)
        if (!is_bare(t->s[i]))
            return perr(err, SPY_EINVAL, line,
                        "%s: quote a name holding \" * [ or ]", t->s);
    if (t->n > SPY_LAYOUT_MAX_NAME)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "line %zu: name longer than %d bytes", line,
                           SPY_LAYOUT_MAX_NAME);
    memcpy(out, t->s, t->n + 1);
    return 0;
}

/* Decimal or 0x hex, no sign. */
static int num_tok(const char *s, uint64_t *v, size_t line, spy_err *err) {
    uint64_t r = 0;
    int base = 10, nd = 0;
    const char *p = s;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (; *p != '\0'; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            return perr(err, SPY_EINVAL, line, "%s: not a number", s);
        if (r > (UINT64_MAX - d) / (uint64_t)base)
            return perr(err, SPY_ERANGE, line, "%s: number too large", s);
        r = r * (uint64_t)base + d;
        nd++;
    }
    if (nd == 0)
        return perr(err, SPY_EINVAL, line, "%s: not a number", s);
    *v = r;
    return 0;
}

static int new_type(pstate *P, const char *name, spy_lkind k, uint64_t size,
                    int sgn, uint32_t *idx, spy_err *err) {
    spy_ltype t;
    int rc;

    memset(&t, 0, sizeof t);
    t.name = (char *)name;
    t.kind = k;
    t.size = size;
    t.is_signed = sgn;
    t.elem = SPY_LAYOUT_NONE;
    rc = spy_layout_add_type(P->l, &t, idx, err);
    if (rc != 0)
        return rc;
    if (P->l->ntypes > P->tdcap) {
        size_t ncap = P->tdcap ? P->tdcap * 2 : 64;
        uint32_t *a = realloc(P->tdfix, ncap * sizeof *a);
        uint8_t *b;
        if (a == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
        P->tdfix = a;
        b = realloc(P->tdstate, ncap);
        if (b == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
        P->tdstate = b;
        P->tdcap = ncap;
    }
    P->tdfix[*idx] = 0;
    P->tdstate[*idx] = 0;
    return 0;
}

static const char *tname_of(const void *ctx, uint32_t idx) {
    return ((const spy_layout *)ctx)->types[idx].name;
}

/* A declared type: its name must be new. */
static int declare(pstate *P, const char *name, spy_lkind k, uint64_t size,
                   int sgn, uint32_t *idx, size_t line, spy_err *err) {
    int rc;

    if (nmap_get(&P->names, name) != SPY_LAYOUT_NONE)
        return perr(err, SPY_EINVAL, line, "type %s declared twice", name);
    rc = new_type(P, name, k, size, sgn, idx, err);
    if (rc != 0)
        return rc;
    if (nmap_put(&P->names, *idx) != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    return 0;
}

static int add_fixup(pstate *P, int kind, uint32_t target, const char *ref,
                     size_t line, spy_err *err) {
    fixup *f;

    if (P->nfx == P->fxcap) {
        size_t ncap = P->fxcap ? P->fxcap * 2 : 64;
        fixup *nf = realloc(P->fx, ncap * sizeof *nf);
        if (nf == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
        P->fx = nf;
        P->fxcap = ncap;
    }
    f = &P->fx[P->nfx];
    f->ref = spy__layout_strdup(ref);
    if (f->ref == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    f->kind = kind;
    f->target = target;
    f->line = line;
    P->nfx++;
    return 0;
}

/* The built-in names a file may use without declaring them. */
static const struct builtin {
    const char *name;
    spy_lkind kind;
    unsigned size;
    int sgn;
} builtins[] = {
    {"i8", SPY_L_INT, 1, 1},    {"i16", SPY_L_INT, 2, 1},
    {"i32", SPY_L_INT, 4, 1},   {"i64", SPY_L_INT, 8, 1},
    {"u8", SPY_L_UINT, 1, 0},   {"u16", SPY_L_UINT, 2, 0},
    {"u32", SPY_L_UINT, 4, 0},  {"u64", SPY_L_UINT, 8, 0},
    {"f32", SPY_L_FLOAT, 4, 0}, {"f64", SPY_L_FLOAT, 8, 0},
    {"bool", SPY_L_BOOL, 1, 0}, {"char", SPY_L_CHAR, 1, 1},
};

static int resolve_typedef(pstate *P, uint32_t t, unsigned depth, spy_err *err);

/* The type named name: declared, or a built-in made on first use. */
static int lookup(pstate *P, const char *name, uint32_t *out, size_t line,
                  unsigned depth, spy_err *err) {
    uint32_t t = nmap_get(&P->names, name);
    size_t i;

    if (t != SPY_LAYOUT_NONE) {
        *out = t;
        if (P->tdstate[t] != 0)
            return resolve_typedef(P, t, depth + 1, err);
        return 0;
    }
    for (i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return declare(P, name, builtins[i].kind, builtins[i].size,
                           builtins[i].sgn, out, line, err);
    return perr(err, SPY_EINVAL, line, "no type named %s", name);
}

/* The pointer to t (NONE: void), named "<t>*", made once. */
static int mk_ptr(pstate *P, uint32_t t, uint32_t *out, spy_err *err) {
    spy_layout *l = P->l;
    const char *tn = t == SPY_LAYOUT_NONE ? "void" : l->types[t].name;
    size_t n = strlen(tn);
    char *nm = malloc(n + 2);
    uint32_t e;
    int rc;

    if (nm == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    memcpy(nm, tn, n);
    memcpy(nm + n, "*", 2);
    e = nmap_get(&P->names, nm);
    if (e != SPY_LAYOUT_NONE && l->types[e].kind == SPY_L_POINTER &&
        l->types[e].elem == t && l->types[e].size == l->pointer_size) {
        free(nm);
        *out = e;
        return 0;
    }
    rc = new_type(P, nm, SPY_L_POINTER, l->pointer_size, 0, out, err);
    if (rc == 0) {
        l->types[*out].elem = t;
        if (e == SPY_LAYOUT_NONE && nmap_put(&P->names, *out) != 0)
            rc = spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    }
    free(nm);
    return rc;
}

/* The array of n (0: flexible) t, named name, made once. */
static int mk_arr(pstate *P, uint32_t t, uint64_t n, const char *name,
                  uint32_t *out, size_t line, spy_err *err) {
    spy_layout *l = P->l;
    uint64_t es = l->types[t].size;
    uint32_t e = nmap_get(&P->names, name);
    int rc;

    if (n != 0 && es != 0 && es > UINT64_MAX / n)
        return perr(err, SPY_ERANGE, line, "%s: size overflows", name);
    if (e != SPY_LAYOUT_NONE && l->types[e].kind == SPY_L_ARRAY &&
        l->types[e].elem == t && l->types[e].nelem == n) {
        *out = e;
        return 0;
    }
    rc = new_type(P, name, SPY_L_ARRAY, es * n, 0, out, err);
    if (rc != 0)
        return rc;
    l->types[*out].elem = t;
    l->types[*out].nelem = n;
    if (e == SPY_LAYOUT_NONE && nmap_put(&P->names, *out) != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    return 0;
}

/* Resolves a TYPEREF: a name, then groups of `*` and runs of `[N]`/`[]`
 * (a run [a][b] is C's T[a][b]: a arrays of b). */
static int resolve_ref(pstate *P, const char *ref, uint32_t *out, size_t line,
                       unsigned depth, spy_err *err) {
    char name[SPY_LAYOUT_MAX_NAME + 1];
    const char *p = ref;
    uint32_t cur;
    unsigned chain = 0;
    int rc, is_void = 0;

    if (depth > SPY_LAYOUT_MAX_CHAIN)
        return perr(err, SPY_EINVAL, line, "typedefs nested too deep at %s",
                    ref);
    if (*p == '"') {
        rc = unquote(p, name, &p, line, err);
        if (rc != 0)
            return rc;
        if (name[0] == '\0')
            return perr(err, SPY_EINVAL, line, "empty type name%s", "");
    } else {
        size_t n = 0;
        while (is_bare(p[n]))
            n++;
        if (n == 0)
            return perr(err, SPY_EINVAL, line, "%s: expected a type name", ref);
        if (n > SPY_LAYOUT_MAX_NAME)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "line %zu: name longer than %d bytes", line,
                               SPY_LAYOUT_MAX_NAME);
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        is_void = strcmp(name, "void") == 0;
    }
    if (is_void) {
        if (*p != '*')
            return perr(err, SPY_EINVAL, line,
                        "%s: void is only a pointer target", ref);
        cur = SPY_LAYOUT_NONE;
    } else {
        rc = lookup(P, name, &cur, line, depth, err);
        if (rc != 0)
            return rc;
    }
    while (*p != '\0') {
        if (++chain > SPY_LAYOUT_MAX_CHAIN)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "line %zu: pointers and arrays nested more "
                               "than %d deep",
                               line, SPY_LAYOUT_MAX_CHAIN);
        if (*p == '*') {
            rc = mk_ptr(P, cur, &cur, err);
            if (rc != 0)
                return rc;
            p++;
        } else if (*p == '[') {
            uint64_t dims[SPY_LAYOUT_MAX_CHAIN];
            size_t nd = 0, k, bl;
            char *nm;
            const char *run = p, *bn;
            while (*p == '[') {
                char num[32];
                size_t m = 0;
                p++;
                while (*p != ']' && *p != '\0' && m < sizeof num - 1)
                    num[m++] = *p++;
                num[m] = '\0';
                if (*p != ']')
                    return perr(err, SPY_EINVAL, line, "%s: expected ] in type",
                                ref);
                p++;
                if (nd >= SPY_LAYOUT_MAX_CHAIN)
                    return spy_err_set(err, SPY_EINVAL, 0,
                                       "line %zu: arrays nested more than "
                                       "%d deep",
                                       line, SPY_LAYOUT_MAX_CHAIN);
                if (m == 0) {
                    dims[nd] = 0;
                } else {
                    rc = num_tok(num, &dims[nd], line, err);
                    if (rc != 0)
                        return rc;
                    if (dims[nd] == 0)
                        return perr(err, SPY_EINVAL, line,
                                    "%s: [0]: write [] for a flexible "
                                    "array",
                                    ref);
                }
                nd++;
            }
            chain += (unsigned)nd - 1;
            if (chain > SPY_LAYOUT_MAX_CHAIN)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "line %zu: pointers and arrays nested "
                                   "more than %d deep",
                                   line, SPY_LAYOUT_MAX_CHAIN);
            /* Innermost first: BASE[dk], then BASE[dk-1][dk], ... The
             * names are the base's name and the dims as written. */
            bn = cur == SPY_LAYOUT_NONE ? "void" : P->l->types[cur].name;
            bl = strlen(bn);
            for (k = nd; k-- > 0;) {
                size_t dl = 0, j;
                char *q;
                for (j = k; j < nd; j++)
                    dl += 24;
                nm = malloc(bl + dl + 1);
                if (nm == NULL)
                    return spy_err_set(err, SPY_ENOMEM, 0,
                                       "layout: out of memory");
                memcpy(nm, bn, bl);
                q = nm + bl;
                for (j = k; j < nd; j++) {
                    if (dims[j] == 0)
                        q += sprintf(q, "[]");
                    else
                        q += sprintf(q, "[%llu]", (unsigned long long)dims[j]);
                }
                if (k + 1 < nd && P->l->types[cur].size == 0 &&
                    dims[k + 1] == 0) {
                    free(nm);
                    return perr(err, SPY_EINVAL, line,
                                "%s: only the first [] may be empty", ref);
                }
                rc = mk_arr(P, cur, dims[k], nm, &cur, line, err);
                free(nm);
                if (rc != 0)
                    return rc;
            }
            (void)run;
        } else {
            return perr(err, SPY_EINVAL, line,
                        "%s: expected * or [ after the type name", ref);
        }
    }
    if (cur == SPY_LAYOUT_NONE)
        return perr(err, SPY_EINVAL, line, "%s: void has no layout", ref);
    *out = cur;
    return 0;
}

/* A typedef: a copy of its target under its own name (resolving the
 * target first when it is a typedef too). */
static int resolve_typedef(pstate *P, uint32_t t, unsigned depth,
                           spy_err *err) {
    fixup *f;
    uint32_t target;
    spy_ltype *d;
    const spy_ltype *s;
    int rc;

    if (P->tdstate[t] == 0)
        return 0;
    f = &P->fx[P->tdfix[t] - 1];
    if (P->tdstate[t] == 2)
        return perr(err, SPY_EINVAL, f->line, "typedef cycle through %s",
                    P->l->types[t].name);
    if (depth > SPY_LAYOUT_MAX_CHAIN)
        return perr(err, SPY_EINVAL, f->line, "typedefs nested too deep at %s",
                    P->l->types[t].name);
    P->tdstate[t] = 2;
    rc = resolve_ref(P, f->ref, &target, f->line, depth, err);
    if (rc != 0)
        return rc;
    d = &P->l->types[t];
    s = &P->l->types[target];
    d->kind = s->kind;
    d->is_signed = s->is_signed;
    d->size = s->size;
    d->first = s->first;
    d->count = s->count;
    d->elem = s->elem;
    d->nelem = s->nelem;
    P->tdstate[t] = 0;
    return 0;
}

/* --- lines ------------------------------------------------------------------
 */

typedef struct block {
    uint32_t type; /* the open struct/union/enum, or NONE */
    size_t line;   /* where it opened */
} block;

static int kind_of_kw(const char *s, spy_lkind *k) {
    static const struct {
        const char *kw;
        spy_lkind kind;
    } kws[] = {{"int", SPY_L_INT},       {"uint", SPY_L_UINT},
               {"char", SPY_L_CHAR},     {"bool", SPY_L_BOOL},
               {"float", SPY_L_FLOAT},   {"opaque", SPY_L_OPAQUE},
               {"struct", SPY_L_STRUCT}, {"union", SPY_L_UNION},
               {"enum", SPY_L_ENUM}};
    size_t i;

    for (i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (strcmp(kws[i].kw, s) == 0) {
            *k = kws[i].kind;
            return 1;
        }
    return 0;
}

static int want(size_t nt, size_t lo, size_t hi, const char *kw, size_t line,
                spy_err *err) {
    if (nt < lo || nt > hi)
        return perr(err, SPY_EINVAL, line, "%s: wrong number of words", kw);
    return 0;
}

static int parse_line(pstate *P, char *s, size_t line, block *b, int *have_root,
                      spy_err *err) {
    spy_layout *l = P->l;
    char name[SPY_LAYOUT_MAX_NAME + 1];
    tok t[MAX_TOKENS];
    size_t nt;
    spy_lkind k;
    uint64_t v;
    int rc;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0' || *s == '#')
        return 0;
    if (strncmp(s, "source", 6) == 0 && (s[6] == ' ' || s[6] == '\t')) {
        char *r = s + 7;
        char *src;
        while (*r == ' ' || *r == '\t')
            r++;
        if (*r == '"') {
            /* quoted: decoded (any length up to the line's) */
            size_t n = 0;
            const char *q = r + 1;
            src = malloc(strlen(r) + 1);
            if (src == NULL)
                return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
            while (*q != '"' && *q != '\0') {
                if (*q == '\\' && (q[1] == '"' || q[1] == '\\')) {
                    src[n++] = q[1];
                    q += 2;
                } else if (*q == '\\' && q[1] == 'x') {
                    tok one;
                    char tmp[8], dec[SPY_LAYOUT_MAX_NAME + 1];
                    const char *end;
                    snprintf(tmp, sizeof tmp, "\"%.4s\"", q);
                    one.s = tmp;
                    one.n = strlen(tmp);
                    if (unquote(tmp, dec, &end, line, err) != 0) {
                        free(src);
                        return err != NULL ? err->code : SPY_EINVAL;
                    }
                    src[n++] = dec[0];
                    q += 4;
                    (void)one;
                } else if (*q == '\\') {
                    free(src);
                    return perr(err, SPY_EINVAL, line,
                                "unknown escape in source%s", "");
                } else {
                    src[n++] = *q++;
                }
            }
            if (*q != '"' || q[1] != '\0') {
                free(src);
                return perr(err, SPY_EINVAL, line,
                            "source: expected one quoted text%s", "");
            }
            src[n] = '\0';
        } else {
            src = spy__layout_strdup(r);
            if (src == NULL)
                return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
        }
        if (strlen(src) > SOURCE_MAX) {
            free(src);
            return spy_err_set(err, SPY_ERANGE, 0,
                               "line %zu: source longer than %d bytes", line,
                               SOURCE_MAX);
        }
        free(l->source);
        l->source = src;
        return 0;
    }
    rc = tokenize(s, t, &nt, line, err);
    if (rc != 0)
        return rc;
    if (b->type != SPY_LAYOUT_NONE) {
        spy_ltype *bt = &l->types[b->type];
        if (strcmp(t[0].s, "end") == 0) {
            if ((rc = want(nt, 1, 1, "end", line, err)) != 0)
                return rc;
            b->type = SPY_LAYOUT_NONE;
            return 0;
        }
        if (bt->kind == SPY_L_ENUM && strcmp(t[0].s, "value") == 0) {
            int64_t ev;
            const char *num = t[2].s;
            int neg = 0;
            if ((rc = want(nt, 3, 3, "value", line, err)) != 0)
                return rc;
            if ((rc = name_tok(&t[1], name, 0, line, err)) != 0)
                return rc;
            num = t[2].s;
            if (*num == '-') {
                neg = 1;
                num++;
            }
            if ((rc = num_tok(num, &v, line, err)) != 0)
                return rc;
            if (neg && v > (uint64_t)INT64_MAX + 1)
                return perr(err, SPY_ERANGE, line, "%s: number too large",
                            t[2].s);
            if (!neg && bt->is_signed && v > (uint64_t)INT64_MAX)
                return perr(err, SPY_ERANGE, line, "%s: number too large",
                            t[2].s);
            ev = neg ? (int64_t)(0 - v) : (int64_t)v;
            return spy_layout_add_enum(l, b->type, name, ev, err);
        }
        if (bt->kind != SPY_L_ENUM && strcmp(t[0].s, "field") == 0) {
            spy_lmember m;
            if ((rc = want(nt, 4, 5, "field", line, err)) != 0)
                return rc;
            if ((rc = name_tok(&t[1], name, 1, line, err)) != 0)
                return rc;
            memset(&m, 0, sizeof m);
            m.name = name;
            m.type = SPY_LAYOUT_NONE;
            if ((rc = num_tok(t[3].s, &m.offset, line, err)) != 0)
                return rc;
            if (nt == 5) {
                uint64_t w, bit;
                char *at = strchr(t[4].s, '@');
                if (strncmp(t[4].s, "bits=", 5) != 0 || at == NULL)
                    return perr(err, SPY_EINVAL, line,
                                "%s: expected bits=WIDTH@BIT", t[4].s);
                *at = '\0';
                if ((rc = num_tok(t[4].s + 5, &w, line, err)) != 0 ||
                    (rc = num_tok(at + 1, &bit, line, err)) != 0)
                    return rc;
                if (w < 1 || w > 64 || bit > 63 || w + bit > 64)
                    return perr(err, SPY_ERANGE, line,
                                "bits=%s: a bitfield is 1..64 bits within "
                                "64",
                                t[4].s + 5);
                m.bit_size = (uint8_t)w;
                m.bit_offset = (uint8_t)bit;
            }
            rc = spy_layout_add_member(l, b->type, &m, err);
            if (rc != 0)
                return rc;
            return add_fixup(P, FX_MEMBER, (uint32_t)(l->nmembers - 1), t[2].s,
                             line, err);
        }
        return perr(err, SPY_EINVAL, line,
                    "%s: not allowed inside a block (missing end?)", t[0].s);
    }
    if (strcmp(t[0].s, "endian") == 0) {
        if ((rc = want(nt, 2, 2, "endian", line, err)) != 0)
            return rc;
        if (strcmp(t[1].s, "little") == 0)
            l->big_endian = 0;
        else if (strcmp(t[1].s, "big") == 0)
            l->big_endian = 1;
        else
            return perr(err, SPY_EINVAL, line,
                        "endian %s: expected little or big", t[1].s);
        return 0;
    }
    if (strcmp(t[0].s, "pointer-size") == 0) {
        if ((rc = want(nt, 2, 2, "pointer-size", line, err)) != 0)
            return rc;
        if (strcmp(t[1].s, "4") == 0)
            l->pointer_size = 4;
        else if (strcmp(t[1].s, "8") == 0)
            l->pointer_size = 8;
        else
            return perr(err, SPY_EINVAL, line,
                        "pointer-size %s: expected 4 or 8", t[1].s);
        return 0;
    }
    if (strcmp(t[0].s, "root") == 0) {
        if ((rc = want(nt, 2, 2, "root", line, err)) != 0)
            return rc;
        if (*have_root)
            return perr(err, SPY_EINVAL, line, "root given twice%s", "");
        *have_root = 1;
        return add_fixup(P, FX_ROOT, 0, t[1].s, line, err);
    }
    if (strcmp(t[0].s, "typedef") == 0) {
        uint32_t idx;
        if ((rc = want(nt, 3, 3, "typedef", line, err)) != 0)
            return rc;
        if ((rc = name_tok(&t[1], name, 0, line, err)) != 0)
            return rc;
        if ((rc = declare(P, name, SPY_L_OPAQUE, 0, 0, &idx, line, err)) != 0)
            return rc;
        rc = add_fixup(P, FX_TYPEDEF, idx, t[2].s, line, err);
        if (rc == 0) {
            P->tdfix[idx] = (uint32_t)P->nfx;
            P->tdstate[idx] = 1;
        }
        return rc;
    }
    if (strcmp(t[0].s, "pointer") == 0) {
        uint32_t idx;
        if ((rc = want(nt, 4, 4, "pointer", line, err)) != 0)
            return rc;
        if ((rc = name_tok(&t[1], name, 0, line, err)) != 0)
            return rc;
        if ((rc = num_tok(t[2].s, &v, line, err)) != 0)
            return rc;
        if (v != 4 && v != 8)
            return perr(err, SPY_EINVAL, line,
                        "pointer of size %s: expected 4 or 8", t[2].s);
        if ((rc = declare(P, name, SPY_L_POINTER, v, 0, &idx, line, err)) != 0)
            return rc;
        return add_fixup(P, FX_POINTER, idx, t[3].s, line, err);
    }
    if (kind_of_kw(t[0].s, &k)) {
        int sgn = k == SPY_L_INT || k == SPY_L_CHAR;
        uint32_t idx;
        int has_sign = k == SPY_L_CHAR || k == SPY_L_ENUM;
        if ((rc = want(nt, 3, has_sign ? 4 : 3, t[0].s, line, err)) != 0)
            return rc;
        if ((rc = name_tok(&t[1], name, 0, line, err)) != 0)
            return rc;
        if ((rc = num_tok(t[2].s, &v, line, err)) != 0)
            return rc;
        if (nt == 4) {
            if (strcmp(t[3].s, "signed") == 0)
                sgn = 1;
            else if (strcmp(t[3].s, "unsigned") == 0)
                sgn = 0;
            else
                return perr(err, SPY_EINVAL, line,
                            "%s: expected signed or unsigned", t[3].s);
        }
        if ((k == SPY_L_INT || k == SPY_L_UINT || k == SPY_L_CHAR ||
             k == SPY_L_ENUM) &&
            v != 1 && v != 2 && v != 4 && v != 8)
            return perr(err, SPY_EINVAL, line,
                        "size %s: an integer is 1, 2, 4 or 8 bytes", t[2].s);
        if (k == SPY_L_BOOL && (v < 1 || v > 8))
            return perr(err, SPY_EINVAL, line,
                        "size %s: a bool is 1 to 8 bytes", t[2].s);
        if (k == SPY_L_FLOAT && v == 0)
            return perr(err, SPY_EINVAL, line, "size %s: a float is not empty",
                        t[2].s);
        if ((rc = declare(P, name, k, v, sgn, &idx, line, err)) != 0)
            return rc;
        if (k == SPY_L_STRUCT || k == SPY_L_UNION || k == SPY_L_ENUM) {
            l->types[idx].first =
                (uint32_t)(k == SPY_L_ENUM ? l->nenums : l->nmembers);
            b->type = idx;
            b->line = line;
        }
        return 0;
    }
    if (strcmp(t[0].s, "end") == 0 || strcmp(t[0].s, "field") == 0 ||
        strcmp(t[0].s, "value") == 0)
        return perr(err, SPY_EINVAL, line, "%s outside a block", t[0].s);
    return perr(err, SPY_EINVAL, line, "unknown keyword %s", t[0].s);
}

static int resolve_all(pstate *P, spy_err *err) {
    size_t i;
    int rc;

    for (i = 0; i < P->nfx; i++) {
        fixup *f = &P->fx[i];
        if (f->kind == FX_TYPEDEF) {
            rc = resolve_typedef(P, f->target, 0, err);
            if (rc != 0)
                return rc;
        }
    }
    for (i = 0; i < P->nfx; i++) {
        /* P->fx does not move here: fixups are only added in pass 1 */
        fixup *f = &P->fx[i];
        uint32_t t;
        if (f->kind == FX_TYPEDEF)
            continue;
        if (f->kind == FX_POINTER && strncmp(f->ref, "void", 4) == 0 &&
            f->ref[4] == '\0') {
            P->l->types[f->target].elem = SPY_LAYOUT_NONE;
            continue;
        }
        rc = resolve_ref(P, f->ref, &t, f->line, 0, err);
        if (rc != 0)
            return rc;
        if (f->kind == FX_MEMBER)
            P->l->members[f->target].type = t;
        else if (f->kind == FX_POINTER)
            P->l->types[f->target].elem = t;
        else
            P->l->root = t;
    }
    return 0;
}

int spy_layout_parse(const char *text, size_t len, spy_layout *out,
                     spy_err *err) {
    pstate P;
    block b = {SPY_LAYOUT_NONE, 0};
    char *line = NULL;
    size_t pos = 0, lineno = 0, i;
    int rc = 0, have_root = 0;

    spy_layout_init(out);
    memset(&P, 0, sizeof P);
    P.l = out;
    P.names.name_of = tname_of;
    P.names.ctx = out;
    if (len > SPY_LAYOUT_MAX_FILE)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "layout file: more than %u bytes",
                           SPY_LAYOUT_MAX_FILE);
    line = malloc(SPY_LAYOUT_MAX_LINE + 1);
    if (line == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    while (pos < len || lineno == 0) {
        size_t n = 0;
        lineno++;
        while (pos < len && text[pos] != '\n') {
            if (text[pos] == '\0') {
                rc = spy_err_set(err, SPY_EINVAL, 0, "line %zu: NUL byte",
                                 lineno);
                goto out;
            }
            if (n >= SPY_LAYOUT_MAX_LINE) {
                rc = spy_err_set(err, SPY_ERANGE, 0,
                                 "line %zu: longer than %d bytes", lineno,
                                 SPY_LAYOUT_MAX_LINE);
                goto out;
            }
            line[n++] = text[pos++];
        }
        if (pos < len)
            pos++; /* the newline */
        if (n > 0 && line[n - 1] == '\r')
            n--;
        line[n] = '\0';
        if (lineno == 1) {
            while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
                line[--n] = '\0';
            if (strncmp(line, "shmspy-layout ", 14) != 0) {
                rc = spy_err_set(err, SPY_EINVAL, 0,
                                 "line 1: not a layout file (expected "
                                 "\"shmspy-layout 1\")");
                goto out;
            }
            if (strcmp(line + 14, "1") != 0) {
                rc = perr(err, SPY_EINVAL, 1,
                          "version %s not supported (this shmspy reads 1)",
                          line + 14);
                goto out;
            }
            continue;
        }
        for (i = 0; i < n; i++)
            if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
                rc = spy_err_set(err, SPY_EINVAL, 0,
                                 "line %zu: control character 0x%02x", lineno,
                                 (unsigned char)line[i]);
                goto out;
            }
        rc = parse_line(&P, line, lineno, &b, &have_root, err);
        if (rc != 0)
            goto out;
    }
    if (b.type != SPY_LAYOUT_NONE) {
        rc = perr(err, SPY_EINVAL, b.line, "%s has no end",
                  out->types[b.type].name);
        goto out;
    }
    rc = resolve_all(&P, err);
    if (rc == 0)
        rc = spy_layout_check(out, err);
out:
    for (i = 0; i < P.nfx; i++)
        free(P.fx[i].ref);
    free(P.fx);
    free(P.tdfix);
    free(P.tdstate);
    free(P.names.slot);
    free(line);
    if (rc != 0)
        spy_layout_free(out);
    return rc;
}
