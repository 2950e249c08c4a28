/* until.c - the --until condition (until.h). */
#include "until.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "num.h"

#define WHAT "--until"

static const char *const op_names[] = {"==", "!=", "<", ">", "changes"};

const char *spy_until_op_name(spy_until_op op) {
    return (unsigned)op < sizeof op_names / sizeof op_names[0] ? op_names[op]
                                                               : "?";
}

/* One line: "--until 'COND': WHY" or, with a word, "--until 'COND':
 * WHY 'WORD'AFTER" (the condition and the word escaped). */
static int fail3(int code, const spy_until *u, spy_err *err, const char *why,
                 const char *word, const char *after) {
    char c[SPY_EXCERPT_CAP], w[SPY_EXCERPT_CAP];
    spy_excerpt(u->text, (size_t)-1, c);
    if (word == NULL)
        return spy_err_set(err, code, 0, WHAT " '%s': %s", c, why);
    spy_excerpt(word, (size_t)-1, w);
    return spy_err_set(err, code, 0, WHAT " '%s': %s '%s'%s", c, why, w, after);
}

static int fail(int code, const spy_until *u, spy_err *err, const char *why,
                const char *word) {
    return fail3(code, u, err, why, word, "");
}

/* Splits the next word of *p (spaces and tabs separate) into w. Returns 0
 * at the end. */
static int next_word(const char **p, char *w, size_t cap) {
    const char *s = *p;
    size_t n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    while (*s != '\0' && *s != ' ' && *s != '\t') {
        if (n + 1 < cap)
            w[n++] = *s;
        s++;
    }
    w[n] = '\0';
    *p = s;
    return 1;
}

static int is_op(const char *w, spy_until_op *op) {
    for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
        if (strcmp(w, op_names[i]) == 0) {
            *op = (spy_until_op)i;
            return 1;
        }
    return 0;
}

/* Looks like an attempt at an operator (punctuation only). */
static int op_like(const char *w) {
    if (*w == '\0')
        return 0;
    for (; *w != '\0'; w++)
        if (strchr("=!<>~", *w) == NULL)
            return 0;
    return 1;
}

/* TYPE with an optional be/le suffix ("u32", "u32be"). 1 if w is one. */
static int parse_type(const char *w, spy_type *t, int *be) {
    char name[16];
    size_t n = strlen(w);
    spy_err e;
    *be = 0;
    if (n >= sizeof name || n == 0 || strncmp(w, "hex", 3) == 0 ||
        strcmp(w, "str") == 0)
        return 0;
    memcpy(name, w, n + 1);
    if (n > 2 &&
        (strcmp(name + n - 2, "be") == 0 || strcmp(name + n - 2, "le") == 0)) {
        *be = name[n - 2] == 'b';
        name[n - 2] = '\0';
    }
    return spy_type_parse(name, t, &e) == 0 &&
           (t->kind == SPY_V_INT || t->kind == SPY_V_UINT ||
            t->kind == SPY_V_FLOAT);
}

/* Encodes the value in the type, once both are known. */
static int encode(spy_until *u, spy_err *err) {
    size_t len = 0;
    spy_err e;
    int rc;
    if (u->op == SPY_UNTIL_CHANGES || !u->has_type)
        return 0;
    rc = spy_value_encode(&u->type, u->value, u->big_endian, u->raw,
                          sizeof u->raw, &len, &e);
    if (rc != 0) {
        char why[SPY_ERR_MSG_MAX + 32];
        snprintf(why, sizeof why, "bad value (%s)", e.msg);
        return fail(rc, u, err, why, NULL);
    }
    return 0;
}

int spy_until_parse(const char *s, spy_until *out, spy_err *err) {
    const char *p = s;
    char w[300];
    int have_op = 0;

    memset(out, 0, sizeof *out);
    if (s == NULL)
        s = p = "";
    snprintf(out->text, sizeof out->text, "%s", s);
    if (!next_word(&p, w, sizeof w))
        return fail(SPY_EINVAL, out, err,
                    "empty (e.g. 'off=0x40 u32 == 0', 'field=state changes')",
                    NULL);
    if (strncmp(w, "off=", 4) == 0) {
        spy_err e;
        if (spy_parse_u64("off", w + 4, &out->off, &e) != 0)
            return fail(SPY_EINVAL, out, err, "bad offset", w + 4);
        out->resolved = 1;
    } else if (strncmp(w, "field=", 6) == 0) {
        if (w[6] == '\0')
            return fail(SPY_EINVAL, out, err, "field= needs a field path",
                        NULL);
        if (strlen(w + 6) >= sizeof out->field)
            return fail(SPY_EINVAL, out, err, "field path too long", NULL);
        snprintf(out->field, sizeof out->field, "%s", w + 6);
    } else {
        return fail(SPY_EINVAL, out, err,
                    "begins with off=N or field=PATH, not", w);
    }
    while (next_word(&p, w, sizeof w)) {
        spy_type t;
        int be;
        if (strncmp(w, "len=", 4) == 0 && !out->has_type && out->len == 0) {
            spy_err e;
            if (spy_parse_u64("len", w + 4, &out->len, &e) != 0 ||
                out->len == 0 || out->len > (1u << 30))
                return fail(SPY_EINVAL, out, err, "bad length (1 to 1G bytes)",
                            w + 4);
            continue;
        }
        if (!out->has_type && parse_type(w, &t, &be)) {
            out->has_type = 1;
            out->type = t;
            out->big_endian = be;
            continue;
        }
        if (strcmp(w, "be") == 0 || strcmp(w, "le") == 0) {
            if (!out->has_type)
                return fail(SPY_EINVAL, out, err,
                            "byte order before a type:", w);
            out->big_endian = w[0] == 'b';
            continue;
        }
        if (is_op(w, &out->op)) {
            have_op = 1;
            break;
        }
        if (op_like(w))
            return fail3(SPY_EINVAL, out, err, "unknown operator", w,
                         " (use ==, !=, <, >, changes)");
        return fail(SPY_EINVAL, out, err,
                    "expected len=N, a type (u8..u64, i8..i64, f32, f64) "
                    "or an operator, not",
                    w);
    }
    if (!have_op)
        return fail(SPY_EINVAL, out, err,
                    "no operator (use ==, !=, <, >, changes)", NULL);
    if (out->op != SPY_UNTIL_CHANGES) {
        if (!next_word(&p, w, sizeof w))
            return fail(SPY_EINVAL, out, err, "a value must follow",
                        spy_until_op_name(out->op));
        if (strlen(w) >= sizeof out->value)
            return fail(SPY_EINVAL, out, err, "value too long", NULL);
        snprintf(out->value, sizeof out->value, "%s", w);
    }
    if (next_word(&p, w, sizeof w))
        return fail(SPY_EINVAL, out, err, "unexpected word at the end:", w);
    if (out->has_type) {
        if (out->len != 0 && out->len < out->type.width)
            return fail(SPY_EINVAL, out, err, "len= is shorter than the type",
                        NULL);
        if (out->len == 0)
            out->len = out->type.width;
    }
    if (out->field[0] == '\0') {
        if (out->op != SPY_UNTIL_CHANGES && !out->has_type)
            return fail(SPY_EINVAL, out, err,
                        "a comparison needs a type (e.g. 'off=0x40 u32 == 0')",
                        NULL);
        if (out->len == 0)
            return fail(SPY_EINVAL, out, err,
                        "changes needs a type or len=N (e.g. 'off=64 len=8 "
                        "changes')",
                        NULL);
        if (out->off > UINT64_MAX - out->len)
            return fail(SPY_ERANGE, out, err, "offset too large", NULL);
    }
    if (out->has_type) {
        /* the value is checked now even for a field (the type is given) */
        int rc = encode(out, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int spy_until_resolve(spy_until *u, uint64_t off, uint64_t len,
                      const spy_type *t, spy_err *err) {
    if (!u->has_type && t != NULL &&
        (t->kind == SPY_V_INT || t->kind == SPY_V_UINT ||
         t->kind == SPY_V_FLOAT) &&
        t->width <= 8) {
        u->has_type = 1;
        u->type = *t;
    }
    if (u->has_type && u->len == 0)
        u->len = u->type.width;
    if (u->len == 0 || u->len > len)
        u->len = len;
    if (u->len == 0)
        return fail(SPY_EINVAL, u, err, "the field has no bytes", NULL);
    if (u->has_type && u->len < u->type.width)
        return fail(SPY_EINVAL, u, err, "the type is wider than the field",
                    NULL);
    if (u->op != SPY_UNTIL_CHANGES && !u->has_type)
        return fail(SPY_EINVAL, u, err,
                    "the field is not a number: only 'changes' applies", NULL);
    if (off > UINT64_MAX - u->len)
        return fail(SPY_ERANGE, u, err, "offset too large", NULL);
    u->off = off;
    if (encode(u, err) != 0)
        return err != NULL ? err->code : SPY_EINVAL;
    u->resolved = 1;
    return 0;
}

/* Loads width bytes at p as an unsigned number in the given order. */
static uint64_t load(const uint8_t *p, size_t width, int be) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++)
        v |= (uint64_t)p[be ? width - 1 - i : i] << (8 * i);
    return v;
}

/* -1, 0, 1 comparing a with b in the type; 2 when unordered (NaN). */
static int compare(const spy_until *u, const uint8_t *a, const uint8_t *b) {
    size_t w = u->type.width;
    uint64_t x = load(a, w, u->big_endian), y = load(b, w, u->big_endian);
    if (u->type.kind == SPY_V_UINT)
        return x < y ? -1 : x > y;
    if (u->type.kind == SPY_V_INT) {
        unsigned sh = (unsigned)(64 - 8 * w);
        /* sign-extend through the unsigned type (no implementation-
         * defined shifts of negative numbers) */
        uint64_t sx = x << sh, sy = y << sh;
        /* the sign bit now at bit 63: flipped, unsigned order is the
         * signed order */
        sx ^= UINT64_C(1) << 63;
        sy ^= UINT64_C(1) << 63;
        return sx < sy ? -1 : sx > sy;
    }
    if (w == 4) {
        float f, g;
        uint32_t a32 = (uint32_t)x, b32 = (uint32_t)y;
        memcpy(&f, &a32, 4);
        memcpy(&g, &b32, 4);
        if (f != f || g != g)
            return 2;
        return f < g ? -1 : f > g;
    } else {
        double f, g;
        memcpy(&f, &x, 8);
        memcpy(&g, &y, 8);
        if (f != f || g != g)
            return 2;
        return f < g ? -1 : f > g;
    }
}

int spy_until_eval(const spy_until *u, const uint8_t *old, uint64_t old_size,
                   const uint8_t *now, uint64_t now_size) {
    int in_now, in_old, c;
    if (!u->resolved || u->len == 0)
        return 0;
    in_now = u->off <= now_size && u->len <= now_size - u->off;
    if (u->op == SPY_UNTIL_CHANGES) {
        if (old == NULL)
            return 0;
        in_old = u->off <= old_size && u->len <= old_size - u->off;
        if (in_now != in_old)
            return 1;
        return in_now && memcmp(old + u->off, now + u->off, u->len) != 0;
    }
    if (!in_now || !u->has_type)
        return 0;
    c = compare(u, now + u->off, u->raw);
    switch (u->op) {
    case SPY_UNTIL_EQ:
        return c == 0;
    case SPY_UNTIL_NE:
        return c != 0;
    case SPY_UNTIL_LT:
        return c == -1;
    case SPY_UNTIL_GT:
        return c == 1;
    default:
        return 0;
    }
}
