/* layout_value.c - a field's bytes as text and JSON, text encoded into a
 * field's bytes (range-checked, bitfields merged), and the torn check. */
#include "layout.h"
#include "locks.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "layout_int.h"

#define JSON_MAX_DEPTH 100 /* deeper aggregates are written as null */

static uint64_t load(const uint8_t *p, size_t n, int be) {
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < n && i < 8; i++) {
        if (be)
            v = (v << 8) | p[i];
        else
            v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void store(uint8_t *p, size_t n, uint64_t v, int be) {
    size_t i;

    for (i = 0; i < n && i < 8; i++) {
        if (be)
            p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
        else
            p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t mask_of(unsigned bits) {
    return bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
}

/* The shift of a bitfield's bits in the load of its nb bytes. */
static unsigned bit_shift(const spy_layout *l, const spy_lfield *f, size_t nb) {
    if (l->big_endian)
        return (unsigned)(nb * 8 - f->bit_offset - f->bit_size);
    return f->bit_offset;
}

/* Whether the integer-like kind k of type t is signed. */
static int kind_signed(const spy_ltype *t) {
    if (t->kind == SPY_L_INT)
        return 1;
    if (t->kind == SPY_L_CHAR || t->kind == SPY_L_ENUM)
        return t->is_signed != 0;
    return 0;
}

/* The width in bits of field f's integer value. */
static unsigned int_width(const spy_layout *l, const spy_lfield *f) {
    if (f->bit_size != 0)
        return f->bit_size;
    return (unsigned)(l->types[f->type].size * 8);
}

/* The raw bits of an integer-like field (bitfield extracted), and the
 * value sign-extended when signed. */
static uint64_t int_raw(const spy_layout *l, const spy_lfield *f,
                        const uint8_t *p) {
    if (f->bit_size != 0) {
        size_t nb = (size_t)spy__layout_bit_bytes(f->bit_size, f->bit_offset);
        return (load(p, nb, l->big_endian) >> bit_shift(l, f, nb)) &
               mask_of(f->bit_size);
    }
    return load(p, (size_t)l->types[f->type].size, l->big_endian);
}

static int64_t sign_extend(uint64_t v, unsigned w) {
    if (w < 64 && w > 0 && (v >> (w - 1)) & 1)
        v |= ~mask_of(w);
    return (int64_t)v;
}

/* The enumerator of enum type t with value v, or NULL. */
static const char *enum_name(const spy_layout *l, const spy_ltype *t,
                             int64_t v) {
    uint32_t k;

    for (k = 0; k < t->count; k++)
        if (l->enums[t->first + k].value == v)
            return l->enums[t->first + k].name;
    return NULL;
}

/* An array of plain `char` is text; one of uint8_t, int8_t, unsigned or
 * signed char (also SPY_L_CHAR in DWARF) is bytes, as C programs use them. */
static int is_char_array(const spy_layout *l, const spy_ltype *t) {
    const spy_ltype *e;

    if (t->kind != SPY_L_ARRAY || t->elem >= l->ntypes)
        return 0;
    e = &l->types[t->elem];
    return e->kind == SPY_L_CHAR && e->size == 1 && e->name != NULL &&
           strcmp(e->name, "char") == 0;
}

/* %.15g (%.6g for a float) when that reads back as v, else %.17g (%.9g),
 * which always does: 0.1 rather than 0.10000000000000001, in at most two
 * conversions, as a live view formats the values on screen every frame. */
static void shortest_text(double v, int is_float, char *out, size_t cap) {
    char b[64];
    double r;

    snprintf(b, sizeof b, "%.*g", is_float ? 6 : 15, v);
    r = strtod(b, NULL);
    if (is_float ? (float)r == (float)v : r == v)
        snprintf(out, cap, "%s", b);
    else
        snprintf(out, cap, "%.*g", is_float ? 9 : 17, v);
}

/* Hex of at most 16 bytes, "..." after when there are more. */
static void hex_text(const uint8_t *p, uint64_t size, char *out, size_t cap) {
    size_t i, n = size > 16 ? 16 : (size_t)size, o = 0;

    out[0] = '\0';
    for (i = 0; i < n && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? " %02x" : "%02x", p[i]);
    if (size > 16 && o + 5 < cap)
        snprintf(out + o, cap - o, " ...");
    if (size == 0)
        snprintf(out, cap, "(empty)");
}

static double float_of(const spy_layout *l, const uint8_t *p, size_t size) {
    uint64_t v = load(p, size, l->big_endian);

    if (size == 4) {
        uint32_t u = (uint32_t)v;
        float fl;
        memcpy(&fl, &u, 4);
        return fl;
    } else {
        double d;
        memcpy(&d, &v, 8);
        return d;
    }
}

/* The string of a char array: bytes up to the first NUL, escaped, quoted.
 * The escape helpers take C strings, so a copy is made of at most the
 * bytes that can show. */
static void string_text(const uint8_t *p, uint64_t size, char *out,
                        size_t cap) {
    char tmp[SPY_LVALUE_MAX];
    char esc[SPY_LVALUE_MAX];
    size_t n = 0, lim = size < sizeof tmp - 1 ? (size_t)size : sizeof tmp - 1;
    size_t need;

    while (n < lim && p[n] != 0)
        n++;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    need = spy_escape(tmp, esc, sizeof esc);
    if (need >= sizeof esc || need + 2 >= cap ||
        (n == lim && n < size && p[n] != 0))
        snprintf(out, cap, "\"%.*s\"...", (int)(cap > 8 ? cap - 8 : 0), esc);
    else
        snprintf(out, cap, "\"%s\"", esc);
}

void spy_layout_value_text(const spy_layout *l, const spy_lfield *f,
                           const uint8_t *p, size_t n, char *out, size_t cap) {
    const spy_ltype *t;

    if (cap == 0)
        return;
    if (f->type >= l->ntypes || n < f->size || p == NULL) {
        snprintf(out, cap, "?");
        return;
    }
    t = &l->types[f->type];
    switch (t->kind) {
    case SPY_L_INT:
    case SPY_L_UINT:
    case SPY_L_CHAR:
    case SPY_L_BOOL:
    case SPY_L_ENUM: {
        uint64_t raw = int_raw(l, f, p);
        unsigned w = int_width(l, f);
        int64_t sv = sign_extend(raw, w);
        if (t->kind == SPY_L_BOOL) {
            snprintf(out, cap, "%s", raw ? "true" : "false");
        } else if (t->kind == SPY_L_ENUM) {
            const char *nm =
                enum_name(l, t, kind_signed(t) ? sv : (int64_t)raw);
            if (nm != NULL)
                spy_escape(nm, out, cap);
            else if (kind_signed(t))
                snprintf(out, cap, "%lld (no name)", (long long)sv);
            else
                snprintf(out, cap, "%llu (no name)", (unsigned long long)raw);
        } else if (t->kind == SPY_L_CHAR && w == 8) {
            char c[2] = {(char)raw, 0}, e[8];
            long long num = kind_signed(t) ? (long long)sv : (long long)raw;
            if (raw == 0)
                snprintf(out, cap, "%lld '\\0'", num);
            else if (raw < 0x80) {
                spy_escape(c, e, sizeof e);
                snprintf(out, cap, "%lld '%s'", num, e);
            } else
                snprintf(out, cap, "%lld", num);
        } else if (kind_signed(t)) {
            snprintf(out, cap, "%lld", (long long)sv);
        } else {
            snprintf(out, cap, "%llu", (unsigned long long)raw);
        }
        return;
    }
    case SPY_L_FLOAT:
        if (t->size == 4 || t->size == 8)
            shortest_text(float_of(l, p, (size_t)t->size), t->size == 4, out,
                          cap);
        else
            hex_text(p, t->size, out, cap);
        return;
    case SPY_L_POINTER: {
        uint64_t v = load(p, (size_t)t->size, l->big_endian);
        if (v == 0)
            snprintf(out, cap, "NULL");
        else
            snprintf(out, cap, "0x%llx (address in the writer)",
                     (unsigned long long)v);
        return;
    }
    case SPY_L_ARRAY:
        if (is_char_array(l, t)) {
            string_text(p, f->size, out, cap);
            return;
        }
        hex_text(p, f->size, out, cap);
        return;
    case SPY_L_STRUCT:
    case SPY_L_UNION:
    case SPY_L_OPAQUE:
        hex_text(p, f->size, out, cap);
        return;
    }
    snprintf(out, cap, "?");
}

/* --- JSON --------------------------------------------------------------- */

static void hex_json(const uint8_t *p, uint64_t size, spy_json *j) {
    char buf[2 * 64 + 1];
    size_t i, n = size > 64 ? 64 : (size_t)size;

    for (i = 0; i < n; i++)
        snprintf(buf + 2 * i, 3, "%02x", p[i]);
    buf[2 * n] = '\0';
    spy_json_str(j, buf);
}

static void json_rec(const spy_layout *l, const spy_lfield *f,
                     uint64_t base_off, const uint8_t *p, size_t n,
                     size_t max_elems, spy_json *j, unsigned depth);

/* A lock's state from its bytes alone (ops/locks.h adds the owner's
 * process and the waiters). */
static void lock_json(const spy_lock_state *s, spy_json *j) {
    static const char *const kind[] = {"none", "semaphore", "mutex", "rwlock",
                                       "cond"};
    spy_json_obj_begin(j);
    spy_json_key(j, "lock");
    spy_json_str(j, kind[s->kind <= SPY_LOCK_COND ? s->kind : 0]);
    switch (s->kind) {
    case SPY_LOCK_SEM:
        spy_json_key(j, "value");
        spy_json_uint(j, s->sem_value);
        spy_json_key(j, "waiters");
        spy_json_uint(j, s->sem_waiters);
        break;
    case SPY_LOCK_MUTEX:
        spy_json_key(j, "locked");
        spy_json_bool(j, s->locked);
        spy_json_key(j, "owner_tid");
        spy_json_int(j, s->owner_tid);
        spy_json_key(j, "waiters_flag");
        spy_json_bool(j, s->waiters_flag);
        spy_json_key(j, "owner_died");
        spy_json_bool(j, s->owner_died);
        spy_json_key(j, "inconsistent");
        spy_json_bool(j, s->inconsistent);
        spy_json_key(j, "count");
        spy_json_uint(j, s->count);
        spy_json_key(j, "robust");
        spy_json_bool(j, s->robust);
        spy_json_key(j, "pshared");
        spy_json_bool(j, s->pshared);
        break;
    case SPY_LOCK_RWLOCK:
        spy_json_key(j, "locked");
        spy_json_bool(j, s->locked);
        spy_json_key(j, "readers");
        spy_json_uint(j, s->readers);
        spy_json_key(j, "writer_tid");
        spy_json_int(j, s->owner_tid);
        break;
    case SPY_LOCK_COND:
        spy_json_key(j, "waiters");
        spy_json_uint(j, s->cond_waiters);
        break;
    default:
        break;
    }
    spy_json_obj_end(j);
}

/* Writes the members of struct/union field f as keys of the open object;
 * anonymous struct/union members' members are written in place, as C
 * names them. */
static void json_members(const spy_layout *l, const spy_lfield *f,
                         uint64_t base_off, const uint8_t *p, size_t n,
                         size_t max_elems, spy_json *j, unsigned depth) {
    uint64_t i, nc = spy_layout_nchildren(l, f, 0);

    for (i = 0; i < nc; i++) {
        spy_lfield c;
        const spy_lmember *m = &l->members[l->types[f->type].first + i];
        if (spy_layout_child(l, f, i, &c, NULL, 0) != 0)
            continue;
        if (m->name[0] == '\0' &&
            (l->types[c.type].kind == SPY_L_STRUCT ||
             l->types[c.type].kind == SPY_L_UNION) &&
            depth < JSON_MAX_DEPTH) {
            json_members(l, &c, base_off, p, n, max_elems, j, depth + 1);
            continue;
        }
        spy_json_key(j, m->name);
        json_rec(l, &c, base_off, p, n, max_elems, j, depth + 1);
    }
}

static void json_rec(const spy_layout *l, const spy_lfield *f,
                     uint64_t base_off, const uint8_t *p, size_t n,
                     size_t max_elems, spy_json *j, unsigned depth) {
    const spy_ltype *t;
    const uint8_t *q;
    uint64_t rel;

    if (f->type >= l->ntypes || f->offset < base_off ||
        depth > JSON_MAX_DEPTH) {
        spy_json_null(j);
        return;
    }
    rel = f->offset - base_off;
    t = &l->types[f->type];
    /* A scalar must be all there; an aggregate shows what is. */
    if (rel > n || (f->size > n - rel && t->kind != SPY_L_STRUCT &&
                    t->kind != SPY_L_UNION &&
                    (t->kind != SPY_L_ARRAY || is_char_array(l, t)))) {
        spy_json_null(j);
        return;
    }
    q = p + rel;
    /* A lock is its decoded state, not glibc's internal fields. */
    if (spy_lock_kind_of(l, f->type) != SPY_LOCK_NONE && f->size <= n - rel) {
        spy_lock_state st;
        memset(&st, 0, sizeof st);
        if (spy_lock_decode(l, f, q, (size_t)f->size, &st) != SPY_LOCK_NONE &&
            st.decoded) {
            lock_json(&st, j);
            return;
        }
    }
    switch (t->kind) {
    case SPY_L_INT:
    case SPY_L_UINT:
    case SPY_L_CHAR:
    case SPY_L_BOOL:
    case SPY_L_ENUM: {
        uint64_t raw = int_raw(l, f, q);
        int64_t sv = sign_extend(raw, int_width(l, f));
        if (t->kind == SPY_L_BOOL) {
            spy_json_bool(j, raw != 0);
        } else if (t->kind == SPY_L_ENUM) {
            const char *nm =
                enum_name(l, t, kind_signed(t) ? sv : (int64_t)raw);
            if (nm != NULL)
                spy_json_str(j, nm);
            else if (kind_signed(t))
                spy_json_int(j, sv);
            else
                spy_json_uint(j, raw);
        } else if (kind_signed(t)) {
            spy_json_int(j, sv);
        } else {
            spy_json_uint(j, raw);
        }
        return;
    }
    case SPY_L_FLOAT:
        if (t->size == 4 || t->size == 8)
            spy_json_double(j, float_of(l, q, (size_t)t->size));
        else
            hex_json(q, t->size, j);
        return;
    case SPY_L_POINTER:
        spy_json_uint(j, load(q, (size_t)t->size, l->big_endian));
        return;
    case SPY_L_OPAQUE:
        hex_json(q, f->size, j);
        return;
    case SPY_L_STRUCT:
    case SPY_L_UNION:
        spy_json_obj_begin(j);
        json_members(l, f, base_off, p, n, max_elems, j, depth);
        spy_json_obj_end(j);
        return;
    case SPY_L_ARRAY: {
        uint64_t i, nc = spy_layout_nchildren(l, f, n - rel);
        if (is_char_array(l, t)) {
            size_t len = 0, lim = (size_t)(t->nelem ? f->size : nc);
            while (len < lim && q[len] != 0)
                len++;
            spy_json_strn(j, (const char *)q, len);
            return;
        }
        spy_json_arr_begin(j);
        for (i = 0; i < nc; i++) {
            spy_lfield c;
            if (max_elems != 0 && i >= max_elems) {
                spy_json_obj_begin(j);
                spy_json_key(j, "truncated");
                spy_json_uint(j, nc - i);
                spy_json_obj_end(j);
                break;
            }
            if (spy_layout_child(l, f, i, &c, NULL, 0) != 0)
                break;
            json_rec(l, &c, base_off, p, n, max_elems, j, depth + 1);
        }
        spy_json_arr_end(j);
        return;
    }
    }
    spy_json_null(j);
}

void spy_layout_value_json(const spy_layout *l, const spy_lfield *f,
                           const uint8_t *p, size_t n, size_t max_elems,
                           spy_json *j) {
    json_rec(l, f, f->offset, p, n, max_elems, j, 0);
}

/* --- encoding ----------------------------------------------------------- */

/* Parses an integer: optional sign, decimal or 0x hex, nothing else.
 * *neg and the magnitude *mag. -1 malformed, -2 overflow. */
static int parse_int(const char *s, int *neg, uint64_t *mag) {
    uint64_t v = 0;
    int base = 10, digits = 0;

    *neg = 0;
    if (*s == '-' || *s == '+') {
        *neg = *s == '-';
        s++;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            return -2;
        v = v * (uint64_t)base + d;
        digits++;
    }
    if (digits == 0)
        return -1;
    *mag = v;
    return 0;
}

/* Checks the integer text against a width of w bits, signed or not, and
 * gives its w-bit pattern in *bits. */
static int int_in_range(const char *text, const char *te, const char *what,
                        unsigned w, int is_signed, uint64_t *bits,
                        spy_err *err) {
    int neg, rc = parse_int(text, &neg, bits);
    uint64_t umax = mask_of(w);
    uint64_t smax = umax >> 1; /* magnitude of the largest positive */

    if (rc == -1)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: not a number for %s", te,
                           what);
    if (rc == 0 && neg && *bits == 0)
        neg = 0;
    if (rc == -2 || (is_signed && !neg && *bits > smax) ||
        (is_signed && neg && *bits > smax + 1) || (!is_signed && neg) ||
        (!is_signed && *bits > umax)) {
        if (is_signed)
            return spy_err_set(err, SPY_ERANGE, 0,
                               "%s: out of range for %s (%lld..%llu)", te, what,
                               -(long long)(smax)-1, (unsigned long long)smax);
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s: out of range for %s (0..%llu)", te, what,
                           (unsigned long long)umax);
    }
    if (neg)
        *bits = (~*bits + 1) & umax;
    return 0;
}

/* Writes the w-bit pattern v into the field: whole bytes, or merged into
 * old's bytes around a bitfield. */
static void put_int(const spy_layout *l, const spy_lfield *f, uint64_t v,
                    const uint8_t *old, uint8_t *out) {
    if (f->bit_size != 0) {
        size_t nb = (size_t)spy__layout_bit_bytes(f->bit_size, f->bit_offset);
        unsigned sh = bit_shift(l, f, nb);
        uint64_t m = mask_of(f->bit_size) << sh;
        uint64_t w = old != NULL ? load(old, nb, l->big_endian) : 0;
        w = (w & ~m) | ((v << sh) & m);
        store(out, nb, w, l->big_endian);
        return;
    }
    store(out, (size_t)l->types[f->type].size, v, l->big_endian);
}

int spy_layout_value_encode(const spy_layout *l, const spy_lfield *f,
                            const char *text, const uint8_t *old, uint8_t *out,
                            size_t cap, spy_err *err) {
    const spy_ltype *t;
    char te[SPY_EXCERPT_CAP], what[SPY_LVALUE_MAX];
    uint64_t v;
    int rc;

    if (text == NULL)
        text = "";
    spy_excerpt(text, (size_t)-1, te);
    if (f->type >= l->ntypes)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: no type", te);
    t = &l->types[f->type];
    if (cap < f->size)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: %llu bytes do not fit the buffer", te,
                           (unsigned long long)f->size);
    if (f->bit_size != 0)
        snprintf(what, sizeof what, "%u-bit field", f->bit_size);
    else
        spy_layout_type_text(l, f, what, sizeof what);
    switch (t->kind) {
    case SPY_L_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            v = 1;
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            v = 0;
        else
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: not a bool (true, false, 1, 0)", te);
        put_int(l, f, v, old, out);
        return 0;
    case SPY_L_ENUM: {
        uint32_t k;
        for (k = 0; k < t->count; k++) {
            const spy_lenum *e = &l->enums[t->first + k];
            if (strcmp(e->name, text) == 0) {
                v = (uint64_t)e->value & mask_of(int_width(l, f));
                put_int(l, f, v, old, out);
                return 0;
            }
        }
        rc = int_in_range(text, te, what, int_width(l, f), kind_signed(t), &v,
                          err);
        if (rc == SPY_EINVAL) {
            char names[200];
            size_t o = 0;
            names[0] = '\0';
            for (k = 0; k < t->count && o + 40 < sizeof names; k++) {
                char e[SPY_EXCERPT_CAP];
                spy_excerpt(l->enums[t->first + k].name, 32, e);
                o += (size_t)snprintf(names + o, sizeof names - o, "%s%s",
                                      k ? ", " : "", e);
            }
            if (k < t->count)
                snprintf(names + o, sizeof names - o, ", ...");
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: not a name or number of %s (%s)", te, what,
                               names);
        }
        if (rc != 0)
            return rc;
        put_int(l, f, v, old, out);
        return 0;
    }
    case SPY_L_CHAR:
        if (text[0] == '\'' && text[1] != '\0' && text[2] == '\'' &&
            text[3] == '\0') {
            v = (unsigned char)text[1];
            if (int_width(l, f) < 8 && v > mask_of(int_width(l, f)))
                return spy_err_set(err, SPY_ERANGE, 0,
                                   "%s: out of range for %s", te, what);
            put_int(l, f, v & mask_of(int_width(l, f)), old, out);
            return 0;
        }
        /* a number: fall through */
        /* fall through */
    case SPY_L_INT:
    case SPY_L_UINT:
        rc = int_in_range(text, te, what, int_width(l, f), kind_signed(t), &v,
                          err);
        if (rc != 0)
            return rc;
        put_int(l, f, v, old, out);
        return 0;
    case SPY_L_POINTER:
        if (strcmp(text, "NULL") == 0) {
            v = 0;
        } else {
            rc = int_in_range(text, te, what, (unsigned)(t->size * 8), 0, &v,
                              err);
            if (rc != 0)
                return rc;
        }
        store(out, (size_t)t->size, v, l->big_endian);
        return 0;
    case SPY_L_FLOAT: {
        char *end = NULL;
        double d;
        if (t->size != 4 && t->size != 8)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: a %llu-byte float cannot be written", te,
                               (unsigned long long)t->size);
        if (text[0] == '\0' || isspace((unsigned char)text[0]))
            return spy_err_set(err, SPY_EINVAL, 0, "%s: not a number", te);
        d = strtod(text, &end);
        if (end == NULL || *end != '\0')
            return spy_err_set(err, SPY_EINVAL, 0, "%s: not a number", te);
        if (t->size == 4) {
            float fl;
            uint32_t u;
            if (!isnan(d) && !isinf(d) && fabs(d) > FLT_MAX)
                return spy_err_set(err, SPY_ERANGE, 0,
                                   "%s: out of range for %s", te, what);
            fl = (float)d;
            memcpy(&u, &fl, 4);
            store(out, 4, u, l->big_endian);
        } else {
            uint64_t u;
            memcpy(&u, &d, 8);
            store(out, 8, u, l->big_endian);
        }
        return 0;
    }
    case SPY_L_ARRAY:
        if (is_char_array(l, t) && t->nelem > 0) {
            size_t len = strlen(text);
            if (len >= f->size)
                return spy_err_set(err, SPY_ERANGE, 0,
                                   "%s: %zu bytes do not fit %s (%llu at "
                                   "most, with the NUL)",
                                   te, len, what,
                                   (unsigned long long)(f->size - 1));
            memcpy(out, text, len);
            memset(out + len, 0, (size_t)f->size - len);
            return 0;
        }
        break;
    case SPY_L_STRUCT:
    case SPY_L_UNION:
    case SPY_L_OPAQUE:
        break;
    }
    return spy_err_set(err, SPY_EINVAL, 0,
                       "%s: a %s cannot be written as one value", te, what);
}

int spy_layout_torn(const spy_lfield *f, uint64_t a_off, const uint8_t *a,
                    const uint8_t *b, size_t n) {
    uint64_t s, e;

    if (f->offset + f->size <= a_off || f->offset >= a_off + n)
        return 0;
    s = f->offset > a_off ? f->offset - a_off : 0;
    e = f->offset + f->size - a_off;
    if (e > n)
        e = n;
    return e > s && memcmp(a + s, b + s, (size_t)(e - s)) != 0;
}
