/* test_json.c - unit tests for src/json.c.
 *
 * Python is the oracle: every document is read back with a strict UTF-8
 * decode and json.loads (NaN/Infinity rejected), strings are compared with
 * Python's own decoding of the raw bytes (errors="replace" follows the same
 * maximal-subpart rule for U+FFFD), and layouts with json.dumps(indent=2)
 * and the compact separators. Exact bytes are hard-coded only for what the
 * writer defines itself: which characters are escaped and how. */
#include <check.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "../testutil.h"

static void buf_str(tbuf *b, const char *s) {
    buf_add(b, s, strlen(s));
}

/* The writer's output: a tmpfile() read back into memory. */
typedef struct doc {
    FILE *fp;
    spy_json j;
} doc;

static void doc_open(doc *d, int pretty) {
    d->fp = tmpfile();
    ck_assert_ptr_nonnull(d->fp);
    spy_json_init(&d->j, d->fp, pretty);
}

static void doc_close(doc *d, tbuf *out) {
    char rd[4096];
    size_t n;

    ck_assert_int_eq(fflush(d->fp), 0);
    rewind(d->fp);
    while ((n = fread(rd, 1, sizeof rd, d->fp)) > 0) {
        buf_add(out, rd, n);
    }
    ck_assert_int_eq(ferror(d->fp), 0);
    fclose(d->fp);
}

/* Temporary files for Python, made and removed by an unchecked fixture
 * (see tmp_pool_make). */
static void tmp_setup(void) {
    tmp_pool_make("test_json");
}

/* Shared Python prologue: load(path) reads one strict-UTF-8 document
 * (the text must end with exactly one newline) and rejects NaN/Infinity.
 * No single quotes: the script travels inside '...' on a shell line. */
#define PY_LOAD                                                                \
    "import json, sys, math\n"                                                 \
    "def bad(x): raise ValueError(\"constant \" + x)\n"                        \
    "def load(p):\n"                                                           \
    "    t = open(p, \"rb\").read().decode(\"utf-8\")\n"                       \
    "    assert t.endswith(\"\\n\") and not t.endswith(\"\\n\\n\"), \"end\"\n" \
    "    return t, json.loads(t, parse_constant=bad)\n"

/* Runs python3 -c script with the arguments; fails with its output unless
 * it exits 0. */
static void run_py(const char *what, const char *script, const char *a1,
                   const char *a2) {
    tbuf cmd = {0}, out = {0};
    int status;

    ck_assert_ptr_null(strchr(script, '\''));
    buf_str(&cmd, "python3 -c '");
    buf_str(&cmd, script);
    buf_str(&cmd, "' '");
    buf_str(&cmd, a1);
    buf_str(&cmd, "' '");
    buf_str(&cmd, a2 != NULL ? a2 : "");
    buf_str(&cmd, "' 2>&1");
    status = run_capture(cmd.p, &out);
    /* Check cannot carry a huge message: keep the end, where the
     * traceback or the reason is. */
    ck_assert_msg(status == 0, "%s: python3 says (status %d):\n%s", what,
                  status,
                  out.p == NULL  ? ""
                  : out.n > 3000 ? out.p + out.n - 3000
                                 : out.p);
    buf_free(&cmd);
    buf_free(&out);
}

/* Layout checks are batched, one python3 per test: each document is
 * stored as its mode ('1' pretty, '0' compact), its text and a 0x1e byte,
 * which the writer never emits raw. */
static void layout_add(tbuf *batch, const tbuf *text, int pretty) {
    buf_add(batch, pretty ? "1" : "0", 1);
    buf_add(batch, text->p, text->n);
    buf_add(batch, "\x1e", 1);
}

/* Every document in the batch must be valid and laid out exactly as
 * json.dumps lays out the parsed value (indent=2 when pretty, else the
 * compact separators). */
static void expect_layouts(const char *what, const tbuf *batch) {
    static const char script[] =
        PY_LOAD "docs = open(sys.argv[1], \"rb\").read().split(b\"\\x1e\")\n"
                "assert docs[-1] == b\"\"\n"
                "for i, d in enumerate(docs[:-1]):\n"
                "    open(sys.argv[1], \"wb\").write(d[1:])\n"
                "    t, v = load(sys.argv[1])\n"
                "    if d[:1] == b\"1\":\n"
                "        w = json.dumps(v, indent=2, ensure_ascii=False)\n"
                "    else:\n"
                "        w = json.dumps(v, separators=(\",\", \":\"), "
                "ensure_ascii=False)\n"
                "    if t != w + \"\\n\":\n"
                "        sys.exit(\"document %d: layout differs; python:\\n\" "
                "% i + w + \"\\nours:\\n\" + t)\n";
    run_py(what, script, tmp_file(0, batch->p, batch->n), NULL);
}

/* s[0..n) for a failure message: printable ASCII kept, the rest \xNN. */
static void visible(tbuf *b, const char *s, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char x[8];
        if (c >= 0x20 && c < 0x7f) {
            buf_add(b, &s[i], 1);
        } else {
            snprintf(x, sizeof x, "\\x%02x", c);
            buf_add(b, x, 4);
        }
    }
    buf_add(b, "", 0);
}

/* Exact bytes of one string value written with spy_json_strn. */
static void expect_escape(const char *in, size_t n, const char *want) {
    doc d;
    tbuf out = {0};

    doc_open(&d, 0);
    spy_json_strn(&d.j, in, n);
    spy_json_end(&d.j);
    doc_close(&d, &out);
    if (!(out.n == strlen(want) + 1 && memcmp(out.p, want, strlen(want)) == 0 &&
          out.p[out.n - 1] == '\n')) {
        tbuf g = {0}, w = {0};
        visible(&g, out.p, out.n);
        visible(&w, want, strlen(want));
        ck_abort_msg("escaping: got %s, want %s", g.p, w.p);
    }
    buf_free(&out);
}

#define ESC(lit, want) expect_escape(lit, sizeof lit - 1, want)

START_TEST(test_escape_exact) {
    ESC("plain text", "\"plain text\"");
    ESC("", "\"\"");
    ESC("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
    /* Every control character as \u00XX, ESC included. */
    ESC("\x01\x1f\n\t\r\b\f", "\"\\u0001\\u001f\\u000a\\u0009\\u000d\\u0008"
                              "\\u000c\"");
    ESC("\x1b[31mred\x1b[0m", "\"\\u001b[31mred\\u001b[0m\"");
    ESC("a\0b", "\"a\\u0000b\"");
    /* DEL, C1 controls (CSI as U+009B), line/paragraph separators. */
    ESC("\x7f", "\"\\u007f\"");
    ESC("\xc2\x80\xc2\x9b\xc2\x9f", "\"\\u0080\\u009b\\u009f\"");
    ESC("\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"");
    /* Valid multibyte text is kept as it is. */
    ESC("\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf"
        "\xf4\x8f\xbf\xbf",
        "\"\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf"
        "\xf4\x8f\xbf\xbf\"");
    /* Invalid UTF-8: one U+FFFD per maximal subpart. */
    ESC("\xff", "\"\\ufffd\"");
    ESC("\x80", "\"\\ufffd\"");
    ESC("\xc0\xaf", "\"\\ufffd\\ufffd\"");            /* overlong '/' */
    ESC("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""); /* overlong */
    ESC("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    ESC("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");            /* surrogate */
    ESC("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* >10FFFF */
    ESC("\xe2\x82", "\"\\ufffd\""); /* truncated at end */
    ESC("\xe2\x82"
        "A",
        "\"\\ufffdA\"");
    ESC("\xf0\x9f\x98", "\"\\ufffd\"");
    ESC("\xf0\x9f\x98\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
    ESC("x\xfe\xffy", "\"x\\ufffd\\ufffdy\"");
}
END_TEST

/* A NULL string is null; keys are escaped like strings. */
START_TEST(test_null_and_keys) {
    doc d;
    tbuf out = {0};

    doc_open(&d, 0);
    spy_json_obj_begin(&d.j);
    spy_json_key(&d.j, "k\"\n\xff");
    spy_json_str(&d.j, NULL);
    spy_json_key(&d.j, "s");
    spy_json_str(&d.j, "v");
    spy_json_obj_end(&d.j);
    spy_json_end(&d.j);
    doc_close(&d, &out);
    ck_assert_str_eq(out.p, "{\"k\\\"\\u000a\\ufffd\":null,\"s\":\"v\"}\n");
    buf_free(&out);
}
END_TEST

/* Appends one random test string: a mix of ASCII, controls, valid
 * sequences of random code points, and every kind of broken sequence. */
static void random_string(tbuf *b) {
    size_t parts = (size_t)(rnd() % 12), i;
    for (i = 0; i < parts; i++) {
        unsigned char t[4];
        uint32_t cp;
        switch (rnd() % 10) {
        case 0:
        case 1:
            t[0] = (unsigned char)(0x20 + rnd() % 0x5f);
            buf_add(b, t, 1);
            break;
        case 2:
            t[0] = (unsigned char)(rnd() % 0x20);
            if (rnd() % 4 == 0) {
                t[0] = 0x7f;
            }
            buf_add(b, t, 1);
            break;
        case 3: /* two-byte, including C1 and overlong C0/C1 leads */
            t[0] = (unsigned char)(0xc0 + rnd() % 0x20);
            t[1] = (unsigned char)(0x80 + rnd() % 0x40);
            buf_add(b, t, 2);
            break;
        case 4: /* three-byte, including surrogates and overlongs */
            t[0] = (unsigned char)(0xe0 + rnd() % 0x10);
            t[1] = (unsigned char)(0x80 + rnd() % 0x40);
            t[2] = (unsigned char)(0x80 + rnd() % 0x40);
            buf_add(b, t, 3);
            break;
        case 5: /* four-byte, leads F0..F7 */
            t[0] = (unsigned char)(0xf0 + rnd() % 8);
            t[1] = (unsigned char)(0x80 + rnd() % 0x40);
            t[2] = (unsigned char)(0x80 + rnd() % 0x40);
            t[3] = (unsigned char)(0x80 + rnd() % 0x40);
            buf_add(b, t, 4);
            break;
        case 6: /* a valid code point, cut short half of the time */
            cp = (uint32_t)(rnd() % 0x110000);
            if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0x2028 + (cp & 1);
            }
            if (cp < 0x80) {
                t[0] = (unsigned char)cp;
                buf_add(b, t, 1);
                break;
            } else if (cp < 0x800) {
                t[0] = (unsigned char)(0xc0 | cp >> 6);
                t[1] = (unsigned char)(0x80 | (cp & 0x3f));
                buf_add(b, t, 1 + (rnd() % 2));
            } else if (cp < 0x10000) {
                t[0] = (unsigned char)(0xe0 | cp >> 12);
                t[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                t[2] = (unsigned char)(0x80 | (cp & 0x3f));
                buf_add(b, t, 1 + (rnd() % 3));
            } else {
                t[0] = (unsigned char)(0xf0 | cp >> 18);
                t[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
                t[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                t[3] = (unsigned char)(0x80 | (cp & 0x3f));
                buf_add(b, t, 1 + (rnd() % 4));
            }
            break;
        case 7:
            t[0] = (unsigned char)(0x80 + rnd() % 0x80);
            buf_add(b, t, 1);
            break;
        case 8:
            buf_add(b, "\"\\", 1 + rnd() % 2);
            break;
        default: /* long runs, past the writer's internal buffer */
            if (rnd() % 8 == 0) {
                size_t k, n = 300 + (size_t)(rnd() % 600);
                for (k = 0; k < n; k++) {
                    buf_add(b, k % 3 ? "\xe2\x82\xac" : "\x01", k % 3 ? 3 : 1);
                }
            }
            break;
        }
    }
}

/* Random byte strings: each must read back as Python's own decoding of
 * the bytes, and no raw control character may reach the output. */
START_TEST(test_random_strings) {
    static const char script[] =
        PY_LOAD "t, v = load(sys.argv[1])\n"
                "raws = open(sys.argv[2]).read().split(\"\\n\")[:-1]\n"
                "assert len(v) == len(raws), (len(v), len(raws))\n"
                "for i, (s, h) in enumerate(zip(v, raws)):\n"
                "    w = bytes.fromhex(h).decode(\"utf-8\", \"replace\")\n"
                "    if s != w:\n"
                "        sys.exit(\"string %d: %r != %r\" % (i, s, w))\n";
    int pretty;

    rng_seed(11);
    for (pretty = 0; pretty < 2; pretty++) {
        doc d;
        tbuf out = {0}, hex = {0};
        size_t k, i;

        doc_open(&d, pretty);
        spy_json_arr_begin(&d.j);
        for (k = 0; k < 1500; k++) {
            tbuf s = {0};
            char h[3];
            random_string(&s);
            spy_json_strn(&d.j, s.p != NULL ? s.p : "", s.n);
            for (i = 0; i < s.n; i++) {
                snprintf(h, sizeof h, "%02x", (unsigned char)s.p[i]);
                buf_add(&hex, h, 2);
            }
            buf_add(&hex, "\n", 1);
            buf_free(&s);
        }
        spy_json_arr_end(&d.j);
        spy_json_end(&d.j);
        doc_close(&d, &out);
        /* (Plain ifs: a Check assertion per byte is slow.) */
        for (i = 0; i < out.n; i++) {
            unsigned char c = (unsigned char)out.p[i];
            if ((c < 0x20 && c != '\n') || c == 0x7f) {
                ck_abort_msg("raw byte 0x%02x at %zu", c, i);
            }
            if (c == 0xc2 && i + 1 < out.n &&
                (unsigned char)out.p[i + 1] >= 0x80 &&
                (unsigned char)out.p[i + 1] <= 0x9f) {
                ck_abort_msg("raw C1 control at %zu", i);
            }
        }
        run_py("random strings", script, tmp_file(0, out.p, out.n),
               tmp_file(1, hex.p, hex.n));
        buf_free(&out);
        buf_free(&hex);
    }
}
END_TEST

static void build_nested(spy_json *j) {
    spy_json_obj_begin(j);
    spy_json_key(j, "name");
    spy_json_str(j, "caf\xc3\xa9 \xe2\x82\xac");
    spy_json_key(j, "empty_obj");
    spy_json_obj_begin(j);
    spy_json_obj_end(j);
    spy_json_key(j, "empty_arr");
    spy_json_arr_begin(j);
    spy_json_arr_end(j);
    spy_json_key(j, "arr");
    spy_json_arr_begin(j);
    spy_json_int(j, 1);
    spy_json_int(j, -2);
    spy_json_obj_begin(j);
    spy_json_key(j, "a");
    spy_json_arr_begin(j);
    spy_json_bool(j, 1);
    spy_json_bool(j, 0);
    spy_json_null(j);
    spy_json_arr_end(j);
    spy_json_obj_end(j);
    spy_json_arr_begin(j);
    spy_json_arr_end(j);
    spy_json_arr_begin(j);
    spy_json_arr_begin(j);
    spy_json_arr_end(j);
    spy_json_arr_end(j);
    spy_json_str(j, "s");
    spy_json_arr_end(j);
    spy_json_key(j, "nested");
    spy_json_obj_begin(j);
    spy_json_key(j, "deeper");
    spy_json_obj_begin(j);
    spy_json_key(j, "deepest");
    spy_json_arr_begin(j);
    spy_json_uint(j, UINT64_MAX);
    spy_json_int(j, INT64_MIN);
    spy_json_int(j, INT64_MAX);
    spy_json_arr_end(j);
    spy_json_obj_end(j);
    spy_json_obj_end(j);
    spy_json_key(j, "");
    spy_json_int(j, 0);
    spy_json_obj_end(j);
    spy_json_end(j);
}

/* Nesting, empty containers and commas, in both layouts. */
START_TEST(test_nesting_layout) {
    tbuf batch = {0};
    int pretty;

    for (pretty = 0; pretty < 2; pretty++) {
        doc d;
        tbuf out = {0};
        doc_open(&d, pretty);
        build_nested(&d.j);
        doc_close(&d, &out);
        layout_add(&batch, &out, pretty);
        buf_free(&out);
    }
    expect_layouts("nesting", &batch);
    buf_free(&batch);
    /* One exact compact document, independent of Python. */
    {
        doc d;
        tbuf out = {0};
        doc_open(&d, 0);
        spy_json_obj_begin(&d.j);
        spy_json_key(&d.j, "a");
        spy_json_arr_begin(&d.j);
        spy_json_int(&d.j, 1);
        spy_json_obj_begin(&d.j);
        spy_json_obj_end(&d.j);
        spy_json_arr_end(&d.j);
        spy_json_key(&d.j, "b");
        spy_json_null(&d.j);
        spy_json_obj_end(&d.j);
        spy_json_end(&d.j);
        doc_close(&d, &out);
        ck_assert_str_eq(out.p, "{\"a\":[1,{}],\"b\":null}\n");
        buf_free(&out);
    }
}
END_TEST

/* Far past SPY_JSON_DEPTH: each level holds a value, a child and a value
 * after the child, alternating arrays and objects. */
static void build_deep(spy_json *j, int level, int max) {
    int obj = level % 2;
    if (obj) {
        spy_json_obj_begin(j);
        spy_json_key(j, "before");
        spy_json_int(j, level);
        if (level < max) {
            spy_json_key(j, "child");
            build_deep(j, level + 1, max);
        }
        spy_json_key(j, "after");
        spy_json_bool(j, 1);
        spy_json_key(j, "empty");
        spy_json_arr_begin(j);
        spy_json_arr_end(j);
        spy_json_obj_end(j);
    } else {
        spy_json_arr_begin(j);
        spy_json_int(j, level);
        if (level < max) {
            build_deep(j, level + 1, max);
        }
        spy_json_obj_begin(j);
        spy_json_obj_end(j);
        spy_json_str(j, "after");
        spy_json_arr_end(j);
    }
}

START_TEST(test_deep_nesting) {
    static const int depths[] = {SPY_JSON_DEPTH - 1, SPY_JSON_DEPTH,
                                 SPY_JSON_DEPTH + 1, 100};
    tbuf batch = {0};
    size_t i;
    int pretty;

    for (i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        for (pretty = 0; pretty < 2; pretty++) {
            doc d;
            tbuf out = {0};
            doc_open(&d, pretty);
            build_deep(&d.j, 0, depths[i] - 1);
            ck_assert_int_eq(d.j.depth, 0);
            spy_json_end(&d.j);
            doc_close(&d, &out);
            layout_add(&batch, &out, pretty);
            buf_free(&out);
        }
    }
    expect_layouts("deep nesting", &batch);
    buf_free(&batch);
}
END_TEST

/* Doubles read back bit-exactly, in the fewest digits (those of Python's
 * repr, which is the shortest round trip); NaN and infinities are null. */
START_TEST(test_doubles) {
    static const char script[] =
        PY_LOAD "t, v = load(sys.argv[1])\n"
                "hx = open(sys.argv[2]).read().split()\n"
                "assert len(v) == len(hx)\n"
                "texts = json.loads(t, parse_float=str, parse_int=str)\n"
                "def digits(s):\n"
                "    m = s.lower().lstrip(\"-\").split(\"e\")[0]\n"
                "    return m.replace(\".\", \"\").strip(\"0\")\n"
                "for i, (x, h) in enumerate(zip(v, hx)):\n"
                "    if h == \"null\":\n"
                "        assert x is None, (i, x)\n"
                "        continue\n"
                "    w = float.fromhex(h)\n"
                "    assert float(x).hex() == w.hex(), (i, x, h)\n"
                "    if digits(texts[i]) != digits(repr(w)):\n"
                "        sys.exit(\"%d: %s not shortest (%r)\" % (i, "
                "texts[i], w))\n";
    double vals[600];
    size_t n = 0, i;
    doc d;
    tbuf out = {0}, hex = {0};
    char h[64];

    vals[n++] = 0.1;
    vals[n++] = 0.5;
    vals[n++] = 1.0 / 3;
    vals[n++] = 2.0 / 3;
    vals[n++] = 1e300;
    vals[n++] = -1e-300;
    vals[n++] = 5e-324;
    vals[n++] = DBL_MAX;
    vals[n++] = -DBL_MAX;
    vals[n++] = DBL_MIN;
    vals[n++] = 0.0;
    vals[n++] = -0.0;
    vals[n++] = 1e21;
    vals[n++] = 1e22;
    vals[n++] = 1e15;
    vals[n++] = 1e16;
    vals[n++] = 123456.789;
    vals[n++] = 9007199254740993.0;
    vals[n++] = 100.0;
    vals[n++] = 3.14159;
    vals[n++] = 1e-7;
    vals[n++] = NAN;
    vals[n++] = INFINITY;
    vals[n++] = -INFINITY;
    rng_seed(12);
    while (n < sizeof vals / sizeof vals[0]) {
        uint64_t bits = rnd();
        double x;
        memcpy(&x, &bits, sizeof x);
        if (n % 3 == 0) {
            x = (double)(rnd() % 100000) / 1000.0; /* short decimals */
        }
        vals[n++] = x; /* NaN and infinities included by chance */
    }
    doc_open(&d, 0);
    spy_json_arr_begin(&d.j);
    for (i = 0; i < n; i++) {
        spy_json_double(&d.j, vals[i]);
        if (isfinite(vals[i])) {
            snprintf(h, sizeof h, "%a\n", vals[i]);
        } else {
            snprintf(h, sizeof h, "null\n");
        }
        buf_str(&hex, h);
    }
    spy_json_arr_end(&d.j);
    spy_json_end(&d.j);
    doc_close(&d, &out);
    ck_assert_ptr_nonnull(strstr(out.p, "[0.1,0.5,"));
    ck_assert_ptr_nonnull(strstr(out.p, ",null,null,null,"));
    run_py("doubles", script, tmp_file(0, out.p, out.n),
           tmp_file(1, hex.p, hex.n));
    buf_free(&out);
    buf_free(&hex);
}
END_TEST

/* In a locale with a decimal comma the output still uses '.'. Skipped,
 * with a note, when no such locale is installed. */
START_TEST(test_double_locale) {
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR",
                                        "de_DE", "ru_RU.UTF-8"};
    size_t i;
    const char *got = NULL;
    doc d;
    tbuf out = {0};

    for (i = 0; i < sizeof names / sizeof names[0] && got == NULL; i++) {
        got = setlocale(LC_NUMERIC, names[i]);
    }
    if (got == NULL || strcmp(localeconv()->decimal_point, ".") == 0) {
        fprintf(stderr, "test_double_locale: no decimal-comma locale "
                        "installed; skipped\n");
        return;
    }
    doc_open(&d, 0);
    spy_json_double(&d.j, 1.5);
    spy_json_end(&d.j);
    doc_close(&d, &out);
    ck_assert_str_eq(out.p, "1.5\n");
    buf_free(&out);
    setlocale(LC_NUMERIC, "C");
}
END_TEST

/* Documents in a row are one per line; end closes what is left open; a
 * key without a value gets null; a stray close is ignored. */
START_TEST(test_documents_and_repair) {
    doc d;
    tbuf out = {0}, batch = {0};

    doc_open(&d, 0);
    spy_json_int(&d.j, 1);
    spy_json_end(&d.j);
    spy_json_obj_begin(&d.j);
    spy_json_key(&d.j, "a");
    spy_json_int(&d.j, 1);
    spy_json_obj_end(&d.j);
    spy_json_end(&d.j);
    spy_json_int(&d.j, 2);
    spy_json_int(&d.j, 3);
    spy_json_end(&d.j);
    spy_json_obj_end(&d.j); /* stray */
    spy_json_obj_begin(&d.j);
    spy_json_key(&d.j, "a");
    spy_json_key(&d.j, "b");
    spy_json_arr_begin(&d.j);
    spy_json_obj_begin(&d.j);
    spy_json_key(&d.j, "c");
    spy_json_end(&d.j);
    doc_close(&d, &out);
    ck_assert_str_eq(out.p, "1\n{\"a\":1}\n2\n3\n"
                            "{\"a\":null,\"b\":[{\"c\":null}]}\n");
    buf_free(&out);

    /* The repaired document in pretty form is still valid. */
    doc_open(&d, 1);
    spy_json_obj_begin(&d.j);
    spy_json_key(&d.j, "x");
    spy_json_arr_begin(&d.j);
    spy_json_int(&d.j, 1);
    spy_json_arr_begin(&d.j);
    spy_json_end(&d.j);
    doc_close(&d, &out);
    layout_add(&batch, &out, 1);
    expect_layouts("repaired, pretty", &batch);
    buf_free(&out);
    buf_free(&batch);
}
END_TEST

/* spy_json_name: a name that is not UTF-8 gets its bytes in hex beside
 * it (key_hex); a valid one does not. Long names cross the writer's
 * buffer. */
static void expect_name(const char *name, const char *want) {
    doc d;
    tbuf out = {0};

    doc_open(&d, 0);
    spy_json_obj_begin(&d.j);
    spy_json_name(&d.j, "name", name);
    spy_json_key(&d.j, "n");
    spy_json_int(&d.j, 1);
    spy_json_obj_end(&d.j);
    spy_json_end(&d.j);
    doc_close(&d, &out);
    ck_assert_uint_eq(out.n, strlen(want) + 1);
    ck_assert_mem_eq(out.p, want, strlen(want));
    buf_free(&out);
}

START_TEST(test_name_hex) {
    tbuf name = {0}, want = {0};
    int i;

    expect_name("/caf\xc3\xa9", "{\"name\":\"/caf\xc3\xa9\",\"n\":1}");
    expect_name("/a\nb", "{\"name\":\"/a\\u000ab\",\"n\":1}");
    expect_name("/x\xff\xfe", "{\"name\":\"/x\\ufffd\\ufffd\",\"name_hex\":"
                              "\"2f78fffe\",\"n\":1}");
    /* A lone continuation byte, and a surrogate's encoding. */
    expect_name("\x80", "{\"name\":\"\\ufffd\",\"name_hex\":\"80\",\"n\":1}");
    expect_name("/\xed\xa0\x80",
                "{\"name\":\"/\\ufffd\\ufffd\\ufffd\",\"name_hex\":"
                "\"2feda080\",\"n\":1}");
    /* 3000 bytes: hex longer than the encoding buffer. */
    buf_str(&want, "{\"name\":\"");
    for (i = 0; i < 3000; i++) {
        buf_add(&name, "\xff", 1);
        buf_str(&want, "\\ufffd");
    }
    buf_str(&want, "\",\"name_hex\":\"");
    for (i = 0; i < 3000; i++)
        buf_str(&want, "ff");
    buf_str(&want, "\",\"n\":1}");
    expect_name(name.p, want.p);
    buf_free(&name);
    buf_free(&want);
}
END_TEST

static Suite *json_suite(void) {
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tmp_setup, tmp_pool_remove);
    tcase_add_test(tc, test_escape_exact);
    tcase_add_test(tc, test_null_and_keys);
    tcase_add_test(tc, test_random_strings);
    tcase_add_test(tc, test_nesting_layout);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_doubles);
    tcase_add_test(tc, test_double_locale);
    tcase_add_test(tc, test_documents_and_repair);
    tcase_add_test(tc, test_name_hex);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(json_suite());
}
