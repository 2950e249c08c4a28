/* layout.c - the layout model: building, finding, checking, field paths
 * and children. Values are in layout_value.c, the file in layout_file.c. */
#include "layout.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "layout_int.h"

void spy_layout_init(spy_layout *l) {
    memset(l, 0, sizeof *l);
    l->root = SPY_LAYOUT_NONE;
    l->pointer_size = 8;
}

void spy_layout_free(spy_layout *l) {
    size_t i;

    for (i = 0; i < l->ntypes; i++)
        free(l->types[i].name);
    for (i = 0; i < l->nmembers; i++)
        free(l->members[i].name);
    for (i = 0; i < l->nenums; i++)
        free(l->enums[i].name);
    free(l->types);
    free(l->members);
    free(l->enums);
    free(l->source);
    spy_layout_init(l);
}

char *spy__layout_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* Makes room for one more element of size `sz` in *arr (count n, capacity
 * *cap). 0 or -1 on ENOMEM. */
static int grow(void **arr, size_t n, size_t *cap, size_t sz) {
    size_t ncap;
    void *p;

    if (n < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 16;
    p = realloc(*arr, ncap * sz);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

int spy_layout_add_type(spy_layout *l, const spy_ltype *t, uint32_t *idx,
                        spy_err *err) {
    spy_ltype *nt;

    if (l->ntypes >= SPY_LAYOUT_MAX_TYPES)
        return spy_err_set(err, SPY_ERANGE, 0, "layout: more than %u types",
                           SPY_LAYOUT_MAX_TYPES);
    if (grow((void **)&l->types, l->ntypes, &l->types_cap, sizeof *t) != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    nt = &l->types[l->ntypes];
    *nt = *t;
    nt->name = spy__layout_strdup(t->name != NULL ? t->name : "");
    if (nt->name == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    if (idx != NULL)
        *idx = (uint32_t)l->ntypes;
    l->ntypes++;
    return 0;
}

int spy_layout_add_member(spy_layout *l, uint32_t owner, const spy_lmember *m,
                          spy_err *err) {
    spy_ltype *o;
    spy_lmember *nm;

    if (owner >= l->ntypes || (l->types[owner].kind != SPY_L_STRUCT &&
                               l->types[owner].kind != SPY_L_UNION))
        return spy_err_set(err, SPY_EINVAL, 0,
                           "layout: member added to a type that is not a "
                           "struct or union");
    o = &l->types[owner];
    if (o->count == 0)
        o->first = (uint32_t)l->nmembers;
    if ((size_t)o->first + o->count != l->nmembers)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "layout: member of %s added after another type's",
                           o->name);
    if (l->nmembers >= SPY_LAYOUT_MAX_MEMBERS)
        return spy_err_set(err, SPY_ERANGE, 0, "layout: more than %u members",
                           SPY_LAYOUT_MAX_MEMBERS);
    if (grow((void **)&l->members, l->nmembers, &l->members_cap, sizeof *m) !=
        0)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    nm = &l->members[l->nmembers];
    *nm = *m;
    nm->name = spy__layout_strdup(m->name != NULL ? m->name : "");
    if (nm->name == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    l->nmembers++;
    o->count++;
    return 0;
}

int spy_layout_add_enum(spy_layout *l, uint32_t owner, const char *name,
                        int64_t value, spy_err *err) {
    spy_ltype *o;
    spy_lenum *ne;

    if (owner >= l->ntypes || l->types[owner].kind != SPY_L_ENUM)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "layout: enumerator added to a type that is not "
                           "an enum");
    o = &l->types[owner];
    if (o->count == 0)
        o->first = (uint32_t)l->nenums;
    if ((size_t)o->first + o->count != l->nenums)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "layout: enumerator of %s added after another "
                           "type's",
                           o->name);
    if (l->nenums >= SPY_LAYOUT_MAX_MEMBERS)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "layout: more than %u enumerators",
                           SPY_LAYOUT_MAX_MEMBERS);
    if (grow((void **)&l->enums, l->nenums, &l->enums_cap, sizeof *ne) != 0)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    ne = &l->enums[l->nenums];
    ne->name = spy__layout_strdup(name != NULL ? name : "");
    if (ne->name == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    ne->value = value;
    l->nenums++;
    o->count++;
    return 0;
}

int spy_layout_set_source(spy_layout *l, const char *source, spy_err *err) {
    char *s = NULL;

    if (source != NULL) {
        s = spy__layout_strdup(source);
        if (s == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
    }
    free(l->source);
    l->source = s;
    return 0;
}

uint32_t spy_layout_find(const spy_layout *l, const char *name) {
    static const char *const prefix[] = {"struct ", "union ", "enum "};
    size_t i, p, n;

    if (name == NULL)
        return SPY_LAYOUT_NONE;
    for (i = 0; i < l->ntypes; i++)
        if (strcmp(l->types[i].name, name) == 0)
            return (uint32_t)i;
    n = strlen(name);
    for (p = 0; p < sizeof prefix / sizeof prefix[0]; p++) {
        size_t pl = strlen(prefix[p]);
        for (i = 0; i < l->ntypes; i++) {
            const char *tn = l->types[i].name;
            if (strncmp(tn, prefix[p], pl) == 0 && strlen(tn) == pl + n &&
                memcmp(tn + pl, name, n) == 0)
                return (uint32_t)i;
        }
    }
    return SPY_LAYOUT_NONE;
}

/* --- checking ----------------------------------------------------------- */

static int int_size_ok(uint64_t s) {
    return s == 1 || s == 2 || s == 4 || s == 8;
}

/* The bytes a bitfield at bit_offset of bit_size spans. */
uint64_t spy__layout_bit_bytes(uint8_t bit_size, uint8_t bit_offset) {
    return ((uint64_t)bit_offset + bit_size + 7) / 8;
}

static int check_type(const spy_layout *l, size_t i, spy_err *err) {
    const spy_ltype *t = &l->types[i];
    char nm[SPY_EXCERPT_CAP];
    uint32_t k;

    spy_excerpt(t->name, (size_t)-1, nm);
    switch (t->kind) {
    case SPY_L_INT:
    case SPY_L_UINT:
    case SPY_L_CHAR:
    case SPY_L_ENUM:
        if (!int_size_ok(t->size))
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: type %s: size %llu is not 1, 2, 4 "
                               "or 8",
                               nm, (unsigned long long)t->size);
        if (t->kind == SPY_L_ENUM && ((size_t)t->first + t->count > l->nenums))
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: enum %s: enumerators past the table",
                               nm);
        return 0;
    case SPY_L_BOOL:
        if (t->size < 1 || t->size > 8)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: type %s: bool of size %llu", nm,
                               (unsigned long long)t->size);
        return 0;
    case SPY_L_FLOAT:
        if (t->size == 0)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: type %s: float of size 0", nm);
        return 0;
    case SPY_L_OPAQUE:
        return 0;
    case SPY_L_POINTER:
        if (t->size != 4 && t->size != 8)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: pointer %s: size %llu is not 4 or 8",
                               nm, (unsigned long long)t->size);
        if (t->elem != SPY_LAYOUT_NONE && t->elem >= l->ntypes)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: pointer %s: target past the table", nm);
        return 0;
    case SPY_L_ARRAY: {
        uint64_t es;
        if (t->elem >= l->ntypes)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: array %s: element type past the "
                               "table",
                               nm);
        es = l->types[t->elem].size;
        if (t->nelem != 0 && es != 0 && es > UINT64_MAX / t->nelem)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: array %s: size overflows", nm);
        if (t->size != es * t->nelem)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: array %s: size %llu is not %llu "
                               "elements of %llu bytes",
                               nm, (unsigned long long)t->size,
                               (unsigned long long)t->nelem,
                               (unsigned long long)es);
        return 0;
    }
    case SPY_L_STRUCT:
    case SPY_L_UNION:
        if ((size_t)t->first + t->count > l->nmembers)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: %s: members past the table", nm);
        for (k = 0; k < t->count; k++) {
            const spy_lmember *m = &l->members[t->first + k];
            uint64_t ms;
            char mn[SPY_EXCERPT_CAP];

            spy_excerpt(m->name, (size_t)-1, mn);
            if (m->type >= l->ntypes)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "layout: %s.%s: type past the table", nm,
                                   mn);
            if (m->bit_size != 0) {
                spy_lkind mk = l->types[m->type].kind;
                if (m->bit_size > 64 || m->bit_offset > 63 ||
                    m->bit_offset + m->bit_size > 64)
                    return spy_err_set(err, SPY_EINVAL, 0,
                                       "layout: %s.%s: bitfield of %u bits "
                                       "at bit %u does not fit 64 bits",
                                       nm, mn, m->bit_size, m->bit_offset);
                if (mk != SPY_L_INT && mk != SPY_L_UINT && mk != SPY_L_CHAR &&
                    mk != SPY_L_BOOL && mk != SPY_L_ENUM)
                    return spy_err_set(err, SPY_EINVAL, 0,
                                       "layout: %s.%s: a bitfield must be "
                                       "an integer",
                                       nm, mn);
                if (m->bit_size > l->types[m->type].size * 8)
                    return spy_err_set(err, SPY_EINVAL, 0,
                                       "layout: %s.%s: bitfield of %u bits "
                                       "wider than its type",
                                       nm, mn, m->bit_size);
                ms = spy__layout_bit_bytes(m->bit_size, m->bit_offset);
            } else {
                ms = l->types[m->type].size;
            }
            if (m->offset > t->size || ms > t->size - m->offset)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "layout: %s.%s: %llu bytes at offset %llu "
                                   "past the end (size %llu)",
                                   nm, mn, (unsigned long long)ms,
                                   (unsigned long long)m->offset,
                                   (unsigned long long)t->size);
        }
        return 0;
    }
    return spy_err_set(err, SPY_EINVAL, 0, "layout: type %s: unknown kind %d",
                       nm, (int)t->kind);
}

/* The by-value children of type t (struct/union members' types, an
 * array's element): edges of the containment graph, which must be
 * acyclic. Pointer targets are not edges. */
static size_t nedges(const spy_layout *l, uint32_t t) {
    const spy_ltype *ty = &l->types[t];
    if (ty->kind == SPY_L_STRUCT || ty->kind == SPY_L_UNION)
        return ty->count;
    return ty->kind == SPY_L_ARRAY ? 1 : 0;
}

static uint32_t edge(const spy_layout *l, uint32_t t, size_t k) {
    const spy_ltype *ty = &l->types[t];
    if (ty->kind == SPY_L_ARRAY)
        return ty->elem;
    return l->members[ty->first + k].type;
}

/* Depth-first search without recursion: colour 1 on the stack, 2 done. */
static int check_cycles(const spy_layout *l, spy_err *err) {
    uint8_t *colour = calloc(l->ntypes ? l->ntypes : 1, 1);
    uint32_t *stk = malloc((l->ntypes ? l->ntypes : 1) * sizeof *stk);
    size_t *pos = malloc((l->ntypes ? l->ntypes : 1) * sizeof *pos);
    size_t i, sp;
    int rc = 0;

    if (colour == NULL || stk == NULL || pos == NULL) {
        rc = spy_err_set(err, SPY_ENOMEM, 0, "layout: out of memory");
        goto out;
    }
    for (i = 0; i < l->ntypes && rc == 0; i++) {
        if (colour[i] != 0)
            continue;
        sp = 0;
        stk[sp] = (uint32_t)i;
        pos[sp++] = 0;
        colour[i] = 1;
        while (sp > 0) {
            uint32_t t = stk[sp - 1];
            if (pos[sp - 1] < nedges(l, t)) {
                uint32_t c = edge(l, t, pos[sp - 1]++);
                if (colour[c] == 1) {
                    char nm[SPY_EXCERPT_CAP];
                    spy_excerpt(l->types[c].name, (size_t)-1, nm);
                    rc = spy_err_set(err, SPY_EINVAL, 0,
                                     "layout: type %s contains itself", nm);
                    break;
                }
                if (colour[c] == 0) {
                    colour[c] = 1;
                    stk[sp] = c;
                    pos[sp++] = 0;
                }
            } else {
                colour[t] = 2;
                sp--;
            }
        }
    }
out:
    free(colour);
    free(stk);
    free(pos);
    return rc;
}

/* Pointer and array element chains (T*[3]*...) are at most
 * SPY_LAYOUT_MAX_CHAIN long and never loop, so a type's spelling is
 * finite. */
static int check_chains(const spy_layout *l, spy_err *err) {
    size_t i;

    for (i = 0; i < l->ntypes; i++) {
        uint32_t t = (uint32_t)i;
        unsigned d = 0;
        while (t != SPY_LAYOUT_NONE && (l->types[t].kind == SPY_L_POINTER ||
                                        l->types[t].kind == SPY_L_ARRAY)) {
            if (++d > SPY_LAYOUT_MAX_CHAIN) {
                char nm[SPY_EXCERPT_CAP];
                spy_excerpt(l->types[i].name, (size_t)-1, nm);
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "layout: type %s: pointers and arrays "
                                   "nested more than %u deep (or a loop)",
                                   nm, SPY_LAYOUT_MAX_CHAIN);
            }
            t = l->types[t].elem;
        }
    }
    return 0;
}

int spy_layout_check(const spy_layout *l, spy_err *err) {
    size_t i;
    int rc;

    if (l->pointer_size != 4 && l->pointer_size != 8)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "layout: pointer size %u is not 4 or 8",
                           l->pointer_size);
    if (l->root != SPY_LAYOUT_NONE && l->root >= l->ntypes)
        return spy_err_set(err, SPY_EINVAL, 0, "layout: root past the table");
    for (i = 0; i < l->ntypes; i++) {
        if (l->types[i].name == NULL)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "layout: type %zu has no name", i);
        rc = check_type(l, i, err);
        if (rc != 0)
            return rc;
    }
    rc = check_chains(l, err);
    if (rc != 0)
        return rc;
    return check_cycles(l, err);
}

/* --- fields ------------------------------------------------------------- */

/* The member named name among t's members, looking through anonymous
 * struct/union members as C does; adds their offsets into *off. */
static const spy_lmember *find_member(const spy_layout *l, uint32_t t,
                                      const char *name, size_t nlen,
                                      uint64_t *off, unsigned depth) {
    const spy_ltype *ty = &l->types[t];
    uint32_t k;

    if (depth > SPY_LAYOUT_MAX_CHAIN)
        return NULL;
    for (k = 0; k < ty->count; k++) {
        const spy_lmember *m = &l->members[ty->first + k];
        if (m->name[0] != '\0' && strlen(m->name) == nlen &&
            memcmp(m->name, name, nlen) == 0) {
            *off += m->offset;
            return m;
        }
    }
    for (k = 0; k < ty->count; k++) {
        const spy_lmember *m = &l->members[ty->first + k];
        spy_lkind mk = l->types[m->type].kind;
        if (m->name[0] == '\0' && (mk == SPY_L_STRUCT || mk == SPY_L_UNION)) {
            uint64_t o = *off + m->offset;
            const spy_lmember *r =
                find_member(l, m->type, name, nlen, &o, depth + 1);
            if (r != NULL) {
                *off = o;
                return r;
            }
        }
    }
    return NULL;
}

/* "a, b, c" of t's member names (anonymous members' members inlined),
 * cut with "..." to fit cap. */
static void list_members(const spy_layout *l, uint32_t t, char *out, size_t cap,
                         size_t *used, unsigned depth) {
    const spy_ltype *ty = &l->types[t];
    uint32_t k;

    for (k = 0; k < ty->count && depth <= SPY_LAYOUT_MAX_CHAIN; k++) {
        const spy_lmember *m = &l->members[ty->first + k];
        if (m->name[0] == '\0') {
            spy_lkind mk = l->types[m->type].kind;
            if (mk == SPY_L_STRUCT || mk == SPY_L_UNION)
                list_members(l, m->type, out, cap, used, depth + 1);
            continue;
        }
        {
            char e[SPY_EXCERPT_CAP];
            size_t n;
            spy_excerpt(m->name, (size_t)-1, e);
            n = strlen(e);
            if (*used >= cap - 6)
                return; /* already cut */
            if (*used + n + 7 >= cap) {
                memcpy(out + *used, ", ...", 6);
                *used = cap - 1; /* nothing more fits */
                return;
            }
            if (*used > 0) {
                memcpy(out + *used, ", ", 2);
                *used += 2;
            }
            memcpy(out + *used, e, n + 1);
            *used += n;
        }
    }
}

/* The bytes a field occupies. */
static uint64_t member_size(const spy_layout *l, const spy_lmember *m) {
    if (m->bit_size != 0)
        return spy__layout_bit_bytes(m->bit_size, m->bit_offset);
    return l->types[m->type].size;
}

/* Elements of array type t placed at `off`, for a flexible array the ones
 * that fit in the bytes from off to base + avail. */
static uint64_t array_count(const spy_layout *l, uint32_t t, uint64_t base,
                            uint64_t avail, uint64_t off) {
    const spy_ltype *ty = &l->types[t];
    uint64_t es = l->types[ty->elem].size, rel = off - base;

    if (ty->nelem != 0)
        return ty->nelem;
    if (es == 0 || off < base || rel >= avail)
        return 0;
    return (avail - rel) / es;
}

int spy_layout_field(const spy_layout *l, uint32_t root, uint64_t base,
                     uint64_t avail, const char *path, spy_lfield *out,
                     spy_err *err) {
    const char *p = path != NULL ? path : "";
    char pe[SPY_EXCERPT_CAP];
    uint32_t t = root;
    uint64_t off = base;

    spy_excerpt(p, (size_t)-1, pe);
    if (root >= l->ntypes)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: no such type", pe);
    memset(out, 0, sizeof *out);
    out->type = t;
    out->offset = off;
    out->size = l->types[t].size;
    while (*p != '\0') {
        const spy_ltype *ty = &l->types[t];
        char tn[SPY_EXCERPT_CAP];

        spy_excerpt(ty->name, (size_t)-1, tn);
        if (out->bit_size != 0)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: a bitfield has no fields", pe);
        if (*p == '[') {
            uint64_t idx = 0, n;
            const char *q = p + 1;
            int digits = 0;
            if (ty->kind != SPY_L_ARRAY)
                return spy_err_set(err, SPY_EINVAL, 0, "%s: %s is not an array",
                                   pe, tn);
            while (*q >= '0' && *q <= '9') {
                if (idx > (UINT64_MAX - 9) / 10)
                    return spy_err_set(err, SPY_ERANGE, 0,
                                       "%s: index too large", pe);
                idx = idx * 10 + (uint64_t)(*q - '0');
                q++;
                digits++;
            }
            if (digits == 0 || *q != ']')
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: expected [NUMBER] after %s", pe, tn);
            n = array_count(l, t, base, avail, off);
            if (idx >= n) {
                /* Named by the path so far: "items[8]", "the root[8]". */
                char so_far[SPY_EXCERPT_CAP];
                spy_excerpt(path != NULL ? path : "",
                            (size_t)(p - (path != NULL ? path : "")), so_far);
                if (ty->nelem == 0)
                    return spy_err_set(
                        err, SPY_ERANGE, 0,
                        "%s: index %llu past the end of %s[] (flexible: "
                        "%llu fit in the segment)",
                        pe, (unsigned long long)idx, so_far[0] ? so_far : tn,
                        (unsigned long long)n);
                return spy_err_set(err, SPY_ERANGE, 0,
                                   "%s: index %llu past the end of %s[%llu]",
                                   pe, (unsigned long long)idx,
                                   so_far[0] ? so_far : tn,
                                   (unsigned long long)n);
            }
            t = ty->elem;
            off += idx * l->types[t].size;
            out->type = t;
            out->offset = off;
            out->size = l->types[t].size;
            p = q + 1;
            continue;
        }
        if (*p == '.') {
            if (p == path || p[1] == '\0' || p[1] == '.' || p[1] == '[')
                return spy_err_set(err, SPY_EINVAL, 0, "%s: empty field name",
                                   pe);
            p++;
        }
        {
            size_t nlen = strcspn(p, ".[");
            const spy_lmember *m;
            uint64_t moff = off;
            char ne[SPY_EXCERPT_CAP];

            if (nlen == 0)
                return spy_err_set(err, SPY_EINVAL, 0, "%s: empty field name",
                                   pe);
            spy_excerpt(p, nlen, ne);
            if (ty->kind == SPY_L_POINTER)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: %s is a pointer (an address in the "
                                   "writer), not followed",
                                   pe, tn);
            if (ty->kind != SPY_L_STRUCT && ty->kind != SPY_L_UNION)
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: no field %s: %s has no fields", pe, ne,
                                   tn);
            m = find_member(l, t, p, nlen, &moff, 0);
            if (m == NULL) {
                char list[200];
                size_t used = 0;
                list[0] = '\0';
                list_members(l, t, list, sizeof list, &used, 0);
                return spy_err_set(err, SPY_EINVAL, 0,
                                   "%s: no field %s in %s (fields: %s)", pe, ne,
                                   tn, used ? list : "none");
            }
            t = m->type;
            off = moff;
            out->type = t;
            out->offset = off;
            out->size = member_size(l, m);
            out->bit_size = m->bit_size;
            out->bit_offset = m->bit_offset;
            p += nlen;
        }
    }
    return 0;
}

/* --- walking ------------------------------------------------------------ */

uint64_t spy_layout_nchildren(const spy_layout *l, const spy_lfield *f,
                              uint64_t avail) {
    const spy_ltype *t;

    if (f->type >= l->ntypes || f->bit_size != 0)
        return 0;
    t = &l->types[f->type];
    if (t->kind == SPY_L_STRUCT || t->kind == SPY_L_UNION)
        return t->count;
    if (t->kind == SPY_L_ARRAY)
        return array_count(l, f->type, f->offset, avail, f->offset);
    return 0;
}

int spy_layout_child(const spy_layout *l, const spy_lfield *f, uint64_t i,
                     spy_lfield *out, char *label, size_t cap) {
    const spy_ltype *t;

    if (f->type >= l->ntypes || f->bit_size != 0)
        return SPY_EINVAL;
    t = &l->types[f->type];
    memset(out, 0, sizeof *out);
    if (t->kind == SPY_L_STRUCT || t->kind == SPY_L_UNION) {
        const spy_lmember *m;
        if (i >= t->count)
            return SPY_ERANGE;
        m = &l->members[t->first + i];
        out->type = m->type;
        out->offset = f->offset + m->offset;
        out->size = member_size(l, m);
        out->bit_size = m->bit_size;
        out->bit_offset = m->bit_offset;
        if (label != NULL && cap > 0) {
            if (m->name[0] != '\0')
                spy_escape(m->name, label, cap);
            else
                snprintf(label, cap, "(anonymous %s)",
                         l->types[m->type].kind == SPY_L_UNION ? "union"
                                                               : "struct");
        }
        return 0;
    }
    if (t->kind == SPY_L_ARRAY) {
        uint64_t es = l->types[t->elem].size;
        if (t->nelem != 0 && i >= t->nelem)
            return SPY_ERANGE;
        if (es != 0 && i > (UINT64_MAX - f->offset) / es)
            return SPY_ERANGE;
        out->type = t->elem;
        out->offset = f->offset + i * es;
        out->size = es;
        if (label != NULL && cap > 0)
            snprintf(label, cap, "[%llu]", (unsigned long long)i);
        return 0;
    }
    return SPY_EINVAL;
}

void spy_layout_type_text(const spy_layout *l, const spy_lfield *f, char *out,
                          size_t cap) {
    char e[SPY_LVALUE_MAX];

    if (cap == 0)
        return;
    if (f->type >= l->ntypes) {
        snprintf(out, cap, "?");
        return;
    }
    spy_escape(l->types[f->type].name, e, sizeof e);
    if (f->bit_size != 0)
        snprintf(out, cap, "%s:%u", e, f->bit_size);
    else
        snprintf(out, cap, "%s", e);
}
