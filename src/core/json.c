/* json.c - the one JSON writer behind every --json output.
 *
 * Pure C11. Layout: compact is `{"a":1,"b":[1,2]}`; pretty puts every
 * member on its own line, indented two spaces per level, `"key": value`,
 * and empty containers as `{}` / `[]` (the layout of Python's
 * json.dumps(indent=2)). Top-level values written one after another are
 * separated by a newline, so a stream of documents is JSON Lines.
 *
 * count[0] describes the top level and count[d] the open container at
 * depth d, as flags rather than a tally: HAS (a value was written) and ARR
 * (it is an array, so spy_json_end knows which bracket closes it).
 * Containers deeper than SPY_JSON_DEPTH - 1 share the last slot: each
 * resets it when opened and sets HAS again when a child closes, which
 * keeps commas and indentation right at any depth; only spy_json_end's
 * choice of bracket is a guess that deep. */
#include "json.h"
#include "hexbytes.h"
#include "utf8.h"

#include <inttypes.h>
#include <locale.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HAS 1
#define ARR 2

static int *slot(spy_json *j) {
    int d = j->depth < SPY_JSON_DEPTH ? j->depth : SPY_JSON_DEPTH - 1;
    return &j->count[d];
}

static void newline_indent(spy_json *j) {
    int i;
    putc('\n', j->out);
    for (i = 0; i < j->depth; i++) {
        fputs("  ", j->out);
    }
}

/* Writes what must precede a value or key: nothing after a key, else a
 * comma if the container already has a member, then the line break. */
static void before_value(spy_json *j) {
    int *c;

    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    c = slot(j);
    if (j->depth == 0) {
        if (*c & HAS) {
            putc('\n', j->out);
        }
    } else {
        if (*c & HAS) {
            putc(',', j->out);
        }
        if (j->pretty) {
            newline_indent(j);
        }
    }
    *c |= HAS;
}

/* Writes s[0..n) as a quoted JSON string. Besides what RFC 8259 requires
 * (quote, backslash, U+0000..U+001F), DEL, the C1 controls and U+2028 /
 * U+2029 are escaped too: they are valid JSON but upset terminals and
 * JavaScript. Output goes through a small buffer, not putc per byte. */
static void put_string(spy_json *j, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    char buf[512];
    size_t o = 0, i = 0;

    buf[o++] = '"';
    while (i < n) {
        uint32_t cp = 0;
        size_t bad = 0, len = spy_utf8_decode(s + i, n - i, &cp, &bad);

        /* A step writes at most 6 bytes (\uXXXX); the closing quote 1. */
        if (o > sizeof buf - 16) {
            fwrite(buf, 1, o, j->out);
            o = 0;
        }
        if (len == 0) {
            memcpy(buf + o, "\\ufffd", 6);
            o += 6;
            i += bad;
        } else if (cp == '"' || cp == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)cp;
            i += 1;
        } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
                   cp == 0x2029) {
            memcpy(buf + o, "\\u", 2);
            buf[o + 2] = hex[(cp >> 12) & 0xf];
            buf[o + 3] = hex[(cp >> 8) & 0xf];
            buf[o + 4] = hex[(cp >> 4) & 0xf];
            buf[o + 5] = hex[cp & 0xf];
            o += 6;
            i += len;
        } else {
            memcpy(buf + o, s + i, len);
            o += len;
            i += len;
        }
    }
    buf[o++] = '"';
    fwrite(buf, 1, o, j->out);
}

/* The writer holds no resources: there is nothing to free. */
void spy_json_init(spy_json *j, FILE *out, int pretty) {
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty != 0;
}

static void open_container(spy_json *j, int ch) {
    before_value(j);
    putc(ch, j->out);
    j->depth++;
    *slot(j) = ch == '[' ? ARR : 0;
}

/* Closing more than was opened is ignored; a key left without a value
 * gets null, so the document stays valid. */
static void close_container(spy_json *j, int ch) {
    int had;

    if (j->depth == 0) {
        return;
    }
    if (j->after_key) {
        j->after_key = 0;
        fputs("null", j->out);
    }
    had = *slot(j) & HAS;
    j->depth--;
    if (j->pretty && had) {
        newline_indent(j);
    }
    putc(ch, j->out);
    /* The parent holds at least this container (see the file comment). */
    *slot(j) |= HAS;
}

/* Opens an object; close it with spy_json_obj_end. */
void spy_json_obj_begin(spy_json *j) {
    open_container(j, '{');
}

/* Closes the innermost container, which must be an object. */
void spy_json_obj_end(spy_json *j) {
    close_container(j, '}');
}

/* Opens an array; close it with spy_json_arr_end. */
void spy_json_arr_begin(spy_json *j) {
    open_container(j, '[');
}

/* Closes the innermost container, which must be an array. */
void spy_json_arr_end(spy_json *j) {
    close_container(j, ']');
}

/* A key without a value before it gets null, to keep the document valid. */
void spy_json_key(spy_json *j, const char *key) {
    if (j->after_key) {
        spy_json_null(j);
    }
    before_value(j);
    put_string(j, key != NULL ? key : "", key != NULL ? strlen(key) : 0);
    if (j->pretty) {
        fputs(": ", j->out);
    } else {
        putc(':', j->out);
    }
    j->after_key = 1;
}

/* Writes a NUL-terminated string; NULL writes null. */
void spy_json_str(spy_json *j, const char *s) {
    if (s == NULL) {
        spy_json_null(j);
        return;
    }
    spy_json_strn(j, s, strlen(s));
}

/* Writes n bytes of s as a string; NUL bytes become \u0000. */
void spy_json_strn(spy_json *j, const char *s, size_t n) {
    before_value(j);
    put_string(j, s, n);
}

/* 1 if s[0..n) is valid UTF-8 throughout. */
static int valid_utf8(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        len = spy_utf8_decode(s + i, n - i, &cp, NULL);
        if (len == 0)
            return 0;
        i += len;
    }
    return 1;
}

void spy_json_name(spy_json *j, const char *key, const char *name) {
    char hkey[64], buf[512];
    size_t n, done = 0;

    spy_json_key(j, key);
    spy_json_str(j, name);
    if (name == NULL || valid_utf8(name, n = strlen(name)))
        return;
    snprintf(hkey, sizeof hkey, "%s_hex", key != NULL ? key : "");
    spy_json_key(j, hkey);
    before_value(j);
    /* Hex digits need no escaping: written in pieces, quoted by hand. */
    putc('"', j->out);
    while (done < n) {
        size_t k = spy_hex_encode(name + done, n - done, buf, sizeof buf);
        fputs(buf, j->out);
        done += k;
    }
    putc('"', j->out);
}

/* Writes a signed integer, exactly. */
void spy_json_int(spy_json *j, int64_t v) {
    before_value(j);
    fprintf(j->out, "%" PRId64, v);
}

/* Writes an unsigned integer, exactly (beyond 2^53 some readers round). */
void spy_json_uint(spy_json *j, uint64_t v) {
    before_value(j);
    fprintf(j->out, "%" PRIu64, v);
}

/* The shortest "%.*g" that reads back as v. snprintf and strtod both
 * follow LC_NUMERIC, so the round trip holds in any locale; a decimal
 * comma (or longer separator) is then replaced by '.'. */
void spy_json_double(spy_json *j, double v) {
    char b[64];
    int prec;
    const char *dp;
    size_t dl;
    char *at;

    if (!isfinite(v)) {
        spy_json_null(j);
        return;
    }
    /* "-0" would read back as the integer 0 in many parsers. */
    if (v == 0 && signbit(v)) {
        before_value(j);
        fputs("-0.0", j->out);
        return;
    }
    /* Shortest round trip in at most three conversions: %.15g is the
     * shortest text of any value of up to 15 significant digits (%g drops
     * trailing zeros), else 16, else 17 always reads back. (blame --json
     * writes a time per hit, 100,000 a second.) */
    /* (a subnormal has fewer digits of precision: searched from 1) */
    for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec < 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v)
            break;
    }
    if (prec == 17)
        snprintf(b, sizeof b, "%.17g", v);
    dp = localeconv()->decimal_point;
    dl = dp != NULL ? strlen(dp) : 0;
    if (dl > 0 && strcmp(dp, ".") != 0 && (at = strstr(b, dp)) != NULL) {
        *at = '.';
        memmove(at + 1, at + dl, strlen(at + dl) + 1);
    }
    before_value(j);
    fputs(b, j->out);
}

/* Writes true for non-zero v, else false. */
void spy_json_bool(spy_json *j, int v) {
    before_value(j);
    fputs(v ? "true" : "false", j->out);
}

/* Writes null. */
void spy_json_null(spy_json *j) {
    before_value(j);
    fputs("null", j->out);
}

/* Closes whatever is still open (so an error path cannot leave a broken
 * document), writes the newline and makes the writer ready for the next
 * document. Does not flush or close the FILE. */
void spy_json_end(spy_json *j) {
    while (j->depth > 0) {
        close_container(j, (*slot(j) & ARR) ? ']' : '}');
    }
    j->after_key = 0;
    putc('\n', j->out);
    j->count[0] = 0;
}
