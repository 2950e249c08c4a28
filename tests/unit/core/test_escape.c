/* test_escape.c - unit tests for src/escape.c (terminal-safe text).
 *
 * The exact escapes are the module's own contract, so each class is pinned
 * with literal cases. Which bytes form valid UTF-8 is checked against an
 * independent decoder: Python's strict UTF-8 codec (surrogateescape marks
 * every byte it rejects), on random byte strings. Truncation is checked as
 * a property: a NUL-terminated prefix of whole units, as long as fits. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/escape.h"
#include "../testutil.h"

/* The full escaping of s, malloc'd; checks the returned length. */
static char *escape_all(const char *s) {
    size_t need = spy_escape(s, NULL, 0);
    char *out = malloc(need + 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(spy_escape(s, out, need + 1), need);
    ck_assert_uint_eq(strlen(out), need);
    return out;
}

/* Length of the unit at the start of e (escaped text), 0 if e starts with
 * a cut-off unit. Independent of escape.c: reads the output format. */
static size_t unit_len(const char *e) {
    unsigned char c = (unsigned char)e[0];
    size_t k, len;

    if (c == '\\') {
        if (e[1] == 'x') {
            return e[2] != '\0' && e[3] != '\0' ? 4 : 0;
        }
        return e[1] != '\0' ? 2 : 0;
    }
    len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    for (k = 1; k < len; k++) {
        if (e[k] == '\0') {
            return 0;
        }
    }
    return len;
}

/* For every cap: out is NUL-terminated, a prefix of the full text made of
 * whole units, and the next unit would not have fit. */
static void check_truncation(const char *s) {
    char *full = escape_all(s);
    size_t need = strlen(full), cap;

    for (cap = 0; cap <= need + 2; cap++) {
        char *out = malloc(cap > 0 ? cap : 1);
        size_t got, pos = 0, u;
        ck_assert_ptr_nonnull(out);
        memset(out, 'Z', cap > 0 ? cap : 1);
        ck_assert_uint_eq(spy_escape(s, cap > 0 ? out : NULL, cap), need);
        if (cap == 0) {
            ck_assert_int_eq(out[0], 'Z'); /* nothing written */
            free(out);
            continue;
        }
        got = strnlen(out, cap);
        ck_assert_msg(got < cap, "cap %zu: not terminated", cap);
        ck_assert_msg(memcmp(out, full, got) == 0, "cap %zu: not a prefix",
                      cap);
        while (pos < got) {
            u = unit_len(out + pos);
            ck_assert_msg(u > 0 && pos + u <= got,
                          "cap %zu: cut unit at %zu in '%s'", cap, pos, out);
            pos += u;
        }
        if (got < need) {
            u = unit_len(full + got);
            ck_assert_msg(got + u > cap - 1,
                          "cap %zu: stopped at %zu though a %zu-byte unit "
                          "fits",
                          cap, got, u);
        }
        free(out);
    }
    free(full);
}

static void expect(const char *in, const char *want) {
    char *got = escape_all(in);
    ck_assert_msg(strcmp(got, want) == 0, "escape: got '%s', want '%s'", got,
                  want);
    ck_assert_int_eq(spy_escape_is_clean(in), strcmp(in, want) == 0);
    free(got);
    check_truncation(in);
}

START_TEST(test_printable_kept) {
    expect("", "");
    expect("plain-name_1.0", "plain-name_1.0");
    expect(" !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~",
           " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~");
    /* Valid printable UTF-8: NBSP (first after C1), Latin, CJK, emoji,
     * U+FFFD, the last code point. */
    expect("\xc2\xa0\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xef\xbf\xbd"
           "\xf4\x8f\xbf\xbf",
           "\xc2\xa0\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xef\xbf\xbd"
           "\xf4\x8f\xbf\xbf");
    ck_assert_int_eq(spy_escape_is_clean(NULL), 1);
}
END_TEST

START_TEST(test_controls) {
    expect("a\nb", "a\\nb");
    expect("\t\r\n", "\\t\\r\\n");
    expect("back\\slash", "back\\\\slash");
    expect("\\x41", "\\\\x41"); /* looks like an escape: must not pass */
    expect("\x01\x02\x1f", "\\x01\\x02\\x1f");
    expect("\x07\x08\x0b\x0c", "\\x07\\x08\\x0b\\x0c");
    expect("\x7f", "\\x7f");
    expect("del\x7f", "del\\x7f");
}
END_TEST

/* Escape sequences an attacker would put in a name. */
START_TEST(test_ansi_sequences) {
    expect("\x1b[2J\x1b[31mred\x1b[0m", "\\x1b[2J\\x1b[31mred\\x1b[0m");
    expect("\x1b]0;title\x07", "\\x1b]0;title\\x07");           /* OSC title */
    expect("\x1b]52;c;AAAA\x1b\\", "\\x1b]52;c;AAAA\\x1b\\\\"); /* OSC 52 */
    expect("\x1bP+q\x1b\\", "\\x1bP+q\\x1b\\\\");               /* DCS */
    /* 8-bit CSI: raw (invalid UTF-8) and as the C1 character U+009B. */
    expect("\x9b"
           "31m",
           "\\x9b31m");
    expect("\xc2\x9b"
           "31m",
           "\\xc2\\x9b31m");
    expect("\xc2\x80\xc2\x85\xc2\x9f", "\\xc2\\x80\\xc2\\x85\\xc2\\x9f");
}
END_TEST

/* Characters that reorder or break what the terminal shows. */
START_TEST(test_bidi_and_separators) {
    expect("abc\xe2\x80\xae"
           "fed",
           "abc\\xe2\\x80\\xaefed"); /* U+202E RLO */
    expect("\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");
    expect("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c",
           "\\xe2\\x80\\x8e\\xe2\\x80\\x8f\\xd8\\x9c");
    expect("\xe2\x80\xa8\xe2\x80\xa9", "\\xe2\\x80\\xa8\\xe2\\x80\\xa9");
    /* Neighbours that are ordinary. */
    expect("\xe2\x80\x94\xe2\x80\xaf\xe2\x81\xaa", "\xe2\x80\x94\xe2\x80\xaf"
                                                   "\xe2\x81\xaa");
}
END_TEST

START_TEST(test_invalid_utf8) {
    expect("\x80", "\\x80");
    expect("\xbf\xff\xfe", "\\xbf\\xff\\xfe");
    expect("\xc0\xaf", "\\xc0\\xaf");                   /* overlong '/' */
    expect("\xc1\xbf", "\\xc1\\xbf");                   /* overlong */
    expect("\xe0\x80\xaf", "\\xe0\\x80\\xaf");          /* overlong */
    expect("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");          /* overlong */
    expect("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"); /* overlong */
    expect("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf"); /* overlong */
    expect("\xed\xa0\x80", "\\xed\\xa0\\x80");          /* surrogate */
    expect("\xed\xbf\xbf", "\\xed\\xbf\\xbf");          /* surrogate */
    expect("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
    expect("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
    expect("\xe2\x82", "\\xe2\\x82"); /* truncated at the end */
    expect("\xe2\x82"
           "A",
           "\\xe2\\x82A");
    expect("\xf0\x9f\x98\xc3\xa9", "\\xf0\\x9f\\x98\xc3\xa9");
    expect("\xc3\xc3\xa9", "\\xc3\xc3\xa9");
    expect("ok\xffok", "ok\\xffok");
}
END_TEST

/* Small caps, by hand, on top of the property checks in expect(). */
START_TEST(test_small_cap) {
    char out[8];

    ck_assert_uint_eq(spy_escape("abc", NULL, 0), 3);
    ck_assert_uint_eq(spy_escape("\x1b", out, 1), 4);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(spy_escape("\x1b", out, 4), 4);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(spy_escape("\x1b", out, 5), 4);
    ck_assert_str_eq(out, "\\x1b");
    ck_assert_uint_eq(spy_escape("ab\x1b", out, 5), 6);
    ck_assert_str_eq(out, "ab");
    ck_assert_uint_eq(spy_escape("\xe2\x82\xac", out, 3), 3);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(spy_escape("a\xe2\x82\xac", out, 4), 4);
    ck_assert_str_eq(out, "a");
    ck_assert_uint_eq(spy_escape("a\\", out, 2), 3);
    ck_assert_str_eq(out, "a");
    /* Later units that would fit are not written after a cut. */
    ck_assert_uint_eq(spy_escape("\x1b"
                                 "a",
                                 out, 3),
                      5);
    ck_assert_str_eq(out, "");
}
END_TEST

/* Temporary files for Python, made and removed by an unchecked fixture
 * (see tmp_pool_make). */
static void tmp_setup(void) {
    tmp_pool_make("test_escape");
}

/* A random NUL-free string mixing ASCII, controls, valid and broken UTF-8
 * and the escaped Unicode characters. */
static void random_string(tbuf *b) {
    static const char *const specials[] = {"\xc2\x9b",     "\xc2\xa0",
                                           "\xe2\x80\xae", "\xe2\x80\xa8",
                                           "\xd8\x9c",     "\xe2\x81\xa6",
                                           "\xe2\x80\x8e", "\xef\xbb\xbf",
                                           "\x1b[0m",      "\\"};
    size_t parts = (size_t)(rnd() % 10), i, k;

    for (i = 0; i < parts; i++) {
        unsigned char t[4];
        size_t n = 1 + (size_t)(rnd() % 4);
        switch (rnd() % 6) {
        case 0:
            t[0] = (unsigned char)(0x20 + rnd() % 0x5f);
            buf_add(b, t, 1);
            break;
        case 1:
            t[0] = (unsigned char)(1 + rnd() % 0x7f);
            buf_add(b, t, 1);
            break;
        case 2: /* a lead byte and random continuation-ish bytes */
            t[0] = (unsigned char)(0xc0 + rnd() % 0x40);
            for (k = 1; k < n; k++) {
                t[k] = (unsigned char)(0x80 + rnd() % 0x40);
            }
            buf_add(b, t, n);
            break;
        case 3:
            t[0] = (unsigned char)(0x80 + rnd() % 0x80);
            buf_add(b, t, 1);
            break;
        case 4: {
            const char *sp = specials[rnd() % 10];
            buf_add(b, sp, strlen(sp));
            break;
        }
        default: { /* a valid code point, sometimes cut short */
            uint32_t cp = (uint32_t)(0x80 + rnd() % (0x110000 - 0x80));
            size_t len;
            if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0x9b;
            }
            if (cp < 0x800) {
                t[0] = (unsigned char)(0xc0 | cp >> 6);
                t[1] = (unsigned char)(0x80 | (cp & 0x3f));
                len = 2;
            } else if (cp < 0x10000) {
                t[0] = (unsigned char)(0xe0 | cp >> 12);
                t[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                t[2] = (unsigned char)(0x80 | (cp & 0x3f));
                len = 3;
            } else {
                t[0] = (unsigned char)(0xf0 | cp >> 18);
                t[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
                t[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                t[3] = (unsigned char)(0x80 | (cp & 0x3f));
                len = 4;
            }
            buf_add(b, t, rnd() % 4 == 0 ? 1 + rnd() % len : len);
            break;
        }
        }
    }
}

/* Decodes escaped text back to bytes; fails on anything but the escapes
 * the module writes. */
static void unescape(const char *e, tbuf *out) {
    while (*e != '\0') {
        if (*e == '\\') {
            char c;
            switch (e[1]) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case '\\':
                c = '\\';
                break;
            case 'x': {
                char h[3] = {e[2], e[3], '\0'};
                char *end;
                c = (char)strtoul(h, &end, 16);
                ck_assert_msg(*end == '\0' && h[1] != '\0', "bad \\x in %s", e);
                buf_add(out, &c, 1);
                e += 4;
                continue;
            }
            default:
                ck_abort_msg("unknown escape in '%s'", e);
            }
            buf_add(out, &c, 1);
            e += 2;
        } else {
            buf_add(out, e, 1);
            e++;
        }
    }
}

/* Random strings: the output is lossless (unescapes to the input), holds
 * no control byte, and keeps exactly the characters Python's strict UTF-8
 * decoder accepts, minus the unsafe ones. */
START_TEST(test_random_vs_python) {
    static const char script[] =
        "import sys\n"
        "UNSAFE = set(range(0x80, 0xa0)) | {0x61c, 0x200e, 0x200f, 0x2066,\n"
        "    0x2067, 0x2068, 0x2069} | set(range(0x2028, 0x202f))\n"
        "ins = open(sys.argv[1]).read().split(\"\\n\")[:-1]\n"
        "outs = open(sys.argv[2], \"rb\").read().split(b\"\\n\")[:-1]\n"
        "assert len(ins) == len(outs)\n"
        "def esc(s):\n"
        "    r = []\n"
        "    for ch in s.decode(\"utf-8\", \"surrogateescape\"):\n"
        "        o = ord(ch)\n"
        "        if 0xdc80 <= o <= 0xdcff:\n"
        "            r.append(\"\\\\x%02x\" % (o - 0xdc00))\n"
        "        elif ch in \"\\n\\t\\r\\\\\":\n"
        "            r.append({\"\\n\": \"\\\\n\", \"\\t\": \"\\\\t\",\n"
        "                      \"\\r\": \"\\\\r\", \"\\\\\": "
        "\"\\\\\\\\\"}[ch])\n"
        "        elif o < 0x20 or o == 0x7f or o in UNSAFE:\n"
        "            r.extend(\"\\\\x%02x\" % b for b in ch.encode())\n"
        "        else:\n"
        "            r.append(ch)\n"
        "    return \"\".join(r).encode()\n"
        "for i, (h, o) in enumerate(zip(ins, outs)):\n"
        "    w = esc(bytes.fromhex(h))\n"
        "    if w != o:\n"
        "        sys.exit(\"%d: input %s: ours %r, want %r\" % (i, h, o, w))\n";
    tbuf hexes = {0}, outs = {0}, cmd = {0}, res = {0};
    size_t k, i;
    int status;

    rng_seed(21);
    for (k = 0; k < 3000; k++) {
        tbuf s = {0}, back = {0};
        char *e;
        char h[3];

        random_string(&s);
        buf_add(&s, "", 0);
        e = escape_all(s.p);
        for (i = 0; e[i] != '\0'; i++) {
            unsigned char c = (unsigned char)e[i];
            if (c < 0x20 || c == 0x7f) {
                ck_abort_msg("raw byte 0x%02x in output %zu", c, k);
            }
        }
        unescape(e, &back);
        buf_add(&back, "", 0);
        if (back.n != s.n || memcmp(back.p, s.p, s.n) != 0) {
            ck_abort_msg("string %zu does not unescape to its input", k);
        }
        if (k % 10 == 0) {
            check_truncation(s.p);
        }
        for (i = 0; i < s.n; i++) {
            snprintf(h, sizeof h, "%02x", (unsigned char)s.p[i]);
            buf_add(&hexes, h, 2);
        }
        buf_add(&hexes, "\n", 1);
        buf_add(&outs, e, strlen(e));
        buf_add(&outs, "\n", 1);
        free(e);
        buf_free(&s);
        buf_free(&back);
    }

    ck_assert_ptr_null(strchr(script, '\''));
    buf_add(&cmd, "python3 -c '", 12);
    buf_add(&cmd, script, strlen(script));
    buf_add(&cmd, "' ", 2);
    {
        const char *a = tmp_file(0, hexes.p, hexes.n);
        const char *b = tmp_file(1, outs.p, outs.n);
        buf_add(&cmd, a, strlen(a));
        buf_add(&cmd, " ", 1);
        buf_add(&cmd, b, strlen(b));
    }
    buf_add(&cmd, " 2>&1", 5);
    status = run_capture(cmd.p, &res);
    ck_assert_msg(status == 0, "python3 disagrees (status %d):\n%.3000s",
                  status, res.p != NULL ? res.p : "");
    buf_free(&hexes);
    buf_free(&outs);
    buf_free(&cmd);
    buf_free(&res);
}
END_TEST

static Suite *escape_suite(void) {
    Suite *s = suite_create("escape");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tmp_setup, tmp_pool_remove);
    tcase_add_test(tc, test_printable_kept);
    tcase_add_test(tc, test_controls);
    tcase_add_test(tc, test_ansi_sequences);
    tcase_add_test(tc, test_bidi_and_separators);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_small_cap);
    tcase_add_test(tc, test_random_vs_python);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(escape_suite());
}
