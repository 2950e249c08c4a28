/* journal.c - the inject journal: format and a parser for hostile input.
 * The format is described in journal.h. */
#include "journal.h"

#include "hexbytes.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char header[] = "shmspy-inject-journal 1\n";

static const char *const kind_names[] = {
    "?", "flip", "set", "corrupt", "truncate", "unlink", "chmod"};

const char *spy_inject_kind_name(spy_inject_kind k) {
    if ((int)k < 0 || (size_t)k >= sizeof kind_names / sizeof kind_names[0])
        return "?";
    return kind_names[k];
}

spy_inject_kind spy_inject_kind_parse(const char *s) {
    size_t i;
    for (i = 1; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strcmp(s, kind_names[i]) == 0)
            return (spy_inject_kind)i;
    return SPY_INJ_NONE;
}

uint64_t spy_rand_next(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void spy_journal_init(spy_journal *j) {
    memset(j, 0, sizeof *j);
}

void spy_journal_free(spy_journal *j) {
    free(j->patches);
    free(j->bytes);
    free(j->data);
    spy_journal_init(j);
}

int spy_journal_add_patch(spy_journal *j, uint64_t off,
                          const uint8_t *old_bytes, const uint8_t *new_bytes,
                          size_t len, spy_err *err) {
    if (len == 0 || len > SPY_JOURNAL_PATCH_BYTES_MAX - j->n_bytes / 2 ||
        j->n_patches >= SPY_JOURNAL_PATCHES_MAX)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "journal: more than %zu changed bytes or %zu "
                           "changes",
                           SPY_JOURNAL_PATCH_BYTES_MAX,
                           SPY_JOURNAL_PATCHES_MAX);
    if (j->n_patches == j->cap_patches) {
        size_t cap = j->cap_patches ? j->cap_patches * 2 : 8;
        spy_jpatch *p = realloc(j->patches, cap * sizeof *p);
        if (p == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "journal: out of memory");
        j->patches = p;
        j->cap_patches = cap;
    }
    if (j->cap_bytes - j->n_bytes < 2 * len) {
        size_t cap = j->cap_bytes ? j->cap_bytes : 64;
        uint8_t *b;
        while (cap - j->n_bytes < 2 * len)
            cap *= 2;
        if ((b = realloc(j->bytes, cap)) == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "journal: out of memory");
        j->bytes = b;
        j->cap_bytes = cap;
    }
    memcpy(j->bytes + j->n_bytes, old_bytes, len);
    memcpy(j->bytes + j->n_bytes + len, new_bytes, len);
    j->patches[j->n_patches].off = off;
    j->patches[j->n_patches].len = len;
    j->patches[j->n_patches].at = j->n_bytes;
    j->n_patches++;
    j->n_bytes += 2 * len;
    return 0;
}

int spy_journal_set_data(spy_journal *j, uint64_t off, const uint8_t *data,
                         size_t len, spy_err *err) {
    uint8_t *copy;
    if (len > SPY_JOURNAL_DATA_MAX)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "journal: more than %zu saved bytes",
                           SPY_JOURNAL_DATA_MAX);
    if ((copy = malloc(len ? len : 1)) == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "journal: out of memory");
    if (len > 0)
        memcpy(copy, data, len);
    free(j->data);
    j->data = copy;
    j->data_len = len;
    j->data_off = off;
    j->has_data = 1;
    return 0;
}

static int inconsistent(spy_err *err, const char *why) {
    return spy_err_set(err, SPY_EINVAL, 0, "journal: %s", why);
}

/* 1 if exactly one bit differs between a and b. */
static int one_bit(uint8_t a, uint8_t b) {
    uint8_t x = (uint8_t)(a ^ b);
    return x != 0 && (x & (x - 1)) == 0;
}

int spy_journal_check(const spy_journal *j, spy_err *err) {
    size_t i;
    int byte_fault = j->kind == SPY_INJ_FLIP || j->kind == SPY_INJ_SET ||
                     j->kind == SPY_INJ_CORRUPT;

    if (j->kind == SPY_INJ_NONE ||
        (size_t)j->kind >= sizeof kind_names / sizeof kind_names[0])
        return inconsistent(err, "no fault");
    if (memchr(j->name, '\0', sizeof j->name) == NULL || j->name[0] == '\0')
        return inconsistent(err, "no name");
    if (j->mode > 07777)
        return inconsistent(err, "mode out of range");
    if (j->has_seed && j->kind != SPY_INJ_CORRUPT)
        return inconsistent(err, "a seed belongs to corrupt only");
    if (j->has_new_size != (j->kind == SPY_INJ_TRUNCATE))
        return inconsistent(err, "new-size belongs to truncate (and only)");
    if (j->has_new_mode != (j->kind == SPY_INJ_CHMOD))
        return inconsistent(err, "new-mode belongs to chmod (and only)");
    if (j->has_new_mode && j->new_mode > 07777)
        return inconsistent(err, "new-mode out of range");
    if (byte_fault != (j->n_patches > 0))
        return inconsistent(err, byte_fault ? "no changed bytes"
                                            : "changed bytes for a fault "
                                              "that changes none");
    for (i = 0; i < j->n_patches; i++) {
        const spy_jpatch *p = &j->patches[i];
        if (p->len == 0 || p->at > j->n_bytes || 2 * p->len > j->n_bytes ||
            p->at > j->n_bytes - 2 * p->len)
            return inconsistent(err, "damaged change record");
        if (p->off > j->size || p->len > j->size - p->off)
            return inconsistent(err, "a change lies outside the object");
        if (j->kind != SPY_INJ_SET && p->len != 1)
            return inconsistent(err, "flip and corrupt change single bytes");
        if (j->kind == SPY_INJ_FLIP &&
            !one_bit(j->bytes[p->at], j->bytes[p->at + 1]))
            return inconsistent(err, "a flip must change exactly one bit");
    }
    if ((j->kind == SPY_INJ_FLIP || j->kind == SPY_INJ_SET) &&
        j->n_patches != 1)
        return inconsistent(err, "flip and set change one range");
    if (j->kind == SPY_INJ_TRUNCATE && j->new_size < j->size) {
        if (!j->has_data || j->data_off != j->new_size ||
            j->data_len != j->size - j->new_size)
            return inconsistent(err, "the bytes cut off are not all saved");
    } else if (j->kind == SPY_INJ_UNLINK) {
        if (!j->has_data || j->data_off != 0 || j->data_len != j->size)
            return inconsistent(err, "the content is not all saved");
    } else if (j->has_data) {
        return inconsistent(err, "saved bytes for a fault that needs none");
    }
    if (j->has_data && j->data_len > 0 && j->data == NULL)
        return inconsistent(err, "damaged saved bytes");
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t len) {
    if (b->oom)
        return;
    if (b->cap - b->n < len + 1) {
        size_t cap = b->cap ? b->cap : 1024;
        char *np;
        while (cap - b->n < len + 1)
            cap *= 2;
        if ((np = realloc(b->p, cap)) == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s) {
    put(b, s, strlen(s));
}

static void putf(buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(SPY_PRINTF_FMT, 2, 3)))
#endif
    ;

static void putf(buf *b, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_hex(buf *b, const uint8_t *p, size_t len) {
    static const char digits[] = "0123456789abcdef";
    char chunk[512];
    size_t i, k = 0;
    if (len == 0) {
        puts_(b, "-");
        return;
    }
    for (i = 0; i < len; i++) {
        chunk[k++] = digits[p[i] >> 4];
        chunk[k++] = digits[p[i] & 15];
        if (k == sizeof chunk) {
            put(b, chunk, k);
            k = 0;
        }
    }
    put(b, chunk, k);
}

static uint64_t fnv1a(const char *p, size_t len) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

int spy_journal_format(const spy_journal *j, char **out, size_t *len,
                       spy_err *err) {
    buf b = {NULL, 0, 0, 0};
    const unsigned char *s;
    size_t i;
    int rc = spy_journal_check(j, err);

    if (rc != 0)
        return rc;
    puts_(&b, header);
    putf(&b, "fault %s\nname ", spy_inject_kind_name(j->kind));
    for (s = (const unsigned char *)j->name; *s != '\0'; s++) {
        if (*s > ' ' && *s <= '~' && *s != '%')
            put(&b, (const char *)s, 1);
        else
            putf(&b, "%%%02X", (unsigned)*s);
    }
    putf(&b,
         "\ndev %" PRIu64 "\nino %" PRIu64 "\nsize %" PRIu64 "\nmode %04o\n",
         j->dev, j->ino, j->size, (unsigned)j->mode);
    if (j->has_new_size)
        putf(&b, "new-size %" PRIu64 "\n", j->new_size);
    if (j->has_new_mode)
        putf(&b, "new-mode %04o\n", (unsigned)j->new_mode);
    if (j->has_seed)
        putf(&b, "seed %" PRIu64 "\n", j->seed);
    for (i = 0; i < j->n_patches; i++) {
        const spy_jpatch *p = &j->patches[i];
        putf(&b, "patch %" PRIu64 " %zu ", p->off, p->len);
        put_hex(&b, j->bytes + p->at, p->len);
        puts_(&b, " ");
        put_hex(&b, j->bytes + p->at + p->len, p->len);
        puts_(&b, "\n");
    }
    if (j->has_data) {
        putf(&b, "data %" PRIu64 " %zu ", j->data_off, j->data_len);
        put_hex(&b, j->data, j->data_len);
        puts_(&b, "\n");
    }
    if (!b.oom)
        putf(&b, "end %016" PRIx64 "\n", fnv1a(b.p, b.n));
    if (b.oom) {
        free(b.p);
        return spy_err_set(err, SPY_ENOMEM, 0, "journal: out of memory");
    }
    *out = b.p;
    *len = b.n;
    return 0;
}

/* ---- reading -------------------------------------------------------------
 * Every token is a (pointer, length) slice of the input; nothing is
 * NUL-terminated and nothing is trusted. */

typedef struct tok {
    const char *p;
    size_t n;
} tok;

enum {
    SEEN_FAULT = 1 << 0,
    SEEN_NAME = 1 << 1,
    SEEN_DEV = 1 << 2,
    SEEN_INO = 1 << 3,
    SEEN_SIZE = 1 << 4,
    SEEN_MODE = 1 << 5,
    SEEN_NEW_SIZE = 1 << 6,
    SEEN_NEW_MODE = 1 << 7,
    SEEN_SEED = 1 << 8,
    SEEN_DATA = 1 << 9,
    SEEN_REQUIRED =
        SEEN_FAULT | SEEN_NAME | SEEN_DEV | SEEN_INO | SEEN_SIZE | SEEN_MODE,
};

static int bad(spy_err *err, size_t line, const char *why) {
    return spy_err_set(err, SPY_EINVAL, 0, "journal line %zu: %s", line, why);
}

static int tok_is(tok t, const char *s) {
    return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0;
}

/* Digits of t in base (10 or 8), at most maxlen of them, as a number no
 * larger than max. */
static int parse_digits(tok t, unsigned base, size_t maxlen, uint64_t max,
                        uint64_t *v) {
    uint64_t x = 0;
    size_t i;
    if (t.n == 0 || t.n > maxlen)
        return -1;
    for (i = 0; i < t.n; i++) {
        unsigned d = (unsigned)(unsigned char)t.p[i] - '0';
        if (d >= base || x > (max - d) / base)
            return -1;
        x = x * base + d;
    }
    *v = x;
    return 0;
}

static int parse_dec(tok t, uint64_t *v) {
    return parse_digits(t, 10, 20, UINT64_MAX, v);
}

/* Permission bits in octal, 0 to 07777. */
static int parse_mode(tok t, uint32_t *v) {
    uint64_t x;
    if (parse_digits(t, 8, 5, 07777, &x) != 0)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

/* Decodes exactly len bytes of hex from t into out. */
static int parse_hex(tok t, size_t len, uint8_t *out) {
    size_t i;
    if (t.n / 2 != len || t.n % 2 != 0)
        return -1;
    for (i = 0; i < len; i++) {
        int hi = spy_hex_digit(t.p[2 * i]), lo = spy_hex_digit(t.p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int parse_name(tok t, char *out, size_t cap) {
    size_t i, n = 0;
    for (i = 0; i < t.n; i++) {
        unsigned char c = (unsigned char)t.p[i];
        if (c == '%') {
            int hi, lo;
            if (t.n - i < 3)
                return -1;
            hi = spy_hex_digit(t.p[i + 1]);
            lo = spy_hex_digit(t.p[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c <= ' ' || c > '~') {
            return -1;
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = (char)c;
    }
    if (n == 0)
        return -1;
    out[n] = '\0';
    return 0;
}

/* Splits a line into at most max tokens separated by single spaces. */
static size_t split(const char *p, size_t n, tok *t, size_t max) {
    size_t count = 0, start = 0, i;
    for (i = 0; i <= n; i++) {
        if (i == n || p[i] == ' ') {
            if (count == max)
                return max + 1;
            t[count].p = p + start;
            t[count].n = i - start;
            if (t[count].n == 0)
                return max + 1; /* empty token: doubled or edge space */
            count++;
            start = i + 1;
        }
    }
    return count;
}

static int once(unsigned *seen, unsigned bit) {
    if (*seen & bit)
        return -1;
    *seen |= bit;
    return 0;
}

static int parse_line(spy_journal *j, const char *p, size_t n, size_t no,
                      unsigned *seen, spy_err *err) {
    tok t[5];
    size_t nt = split(p, n, t, 5);
    uint64_t v, len;

    if (nt == 0 || nt > 5)
        return bad(err, no, "expected 'key value'");
    if (tok_is(t[0], "fault") && nt == 2) {
        char k[16];
        if (once(seen, SEEN_FAULT) != 0)
            return bad(err, no, "fault given twice");
        if (t[1].n >= sizeof k)
            return bad(err, no, "unknown fault");
        memcpy(k, t[1].p, t[1].n);
        k[t[1].n] = '\0';
        if ((j->kind = spy_inject_kind_parse(k)) == SPY_INJ_NONE)
            return bad(err, no, "unknown fault");
    } else if (tok_is(t[0], "name") && nt == 2) {
        if (once(seen, SEEN_NAME) != 0)
            return bad(err, no, "name given twice");
        if (parse_name(t[1], j->name, sizeof j->name) != 0)
            return bad(err, no, "malformed name");
    } else if ((tok_is(t[0], "dev") || tok_is(t[0], "ino") ||
                tok_is(t[0], "size") || tok_is(t[0], "new-size") ||
                tok_is(t[0], "seed")) &&
               nt == 2) {
        unsigned bit = t[0].p[0] == 'd'                  ? SEEN_DEV
                       : t[0].p[0] == 'i'                ? SEEN_INO
                       : t[0].p[0] == 'n'                ? SEEN_NEW_SIZE
                       : t[0].n == 4 && t[0].p[1] == 'i' ? SEEN_SIZE
                                                         : SEEN_SEED;
        if (once(seen, bit) != 0)
            return bad(err, no, "key given twice");
        if (parse_dec(t[1], &v) != 0)
            return bad(err, no, "not a decimal number");
        if (bit == SEEN_DEV)
            j->dev = v;
        else if (bit == SEEN_INO)
            j->ino = v;
        else if (bit == SEEN_SIZE)
            j->size = v;
        else if (bit == SEEN_NEW_SIZE)
            j->new_size = v, j->has_new_size = 1;
        else
            j->seed = v, j->has_seed = 1;
    } else if ((tok_is(t[0], "mode") || tok_is(t[0], "new-mode")) && nt == 2) {
        uint32_t m;
        int is_new = t[0].p[0] == 'n';
        if (once(seen, is_new ? SEEN_NEW_MODE : SEEN_MODE) != 0)
            return bad(err, no, "key given twice");
        if (parse_mode(t[1], &m) != 0)
            return bad(err, no, "not an octal mode up to 07777");
        if (is_new)
            j->new_mode = m, j->has_new_mode = 1;
        else
            j->mode = m;
    } else if (tok_is(t[0], "patch") && nt == 5) {
        uint8_t *tmp;
        int rc;
        if (parse_dec(t[1], &v) != 0 || parse_dec(t[2], &len) != 0)
            return bad(err, no, "expected 'patch OFFSET LENGTH OLD NEW'");
        if (len == 0 || len > SPY_JOURNAL_PATCH_BYTES_MAX ||
            v > UINT64_MAX - len)
            return bad(err, no, "patch length out of range");
        if ((tmp = malloc(2 * (size_t)len)) == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "journal: out of memory");
        if (parse_hex(t[3], (size_t)len, tmp) != 0 ||
            parse_hex(t[4], (size_t)len, tmp + len) != 0) {
            free(tmp);
            return bad(err, no, "hex bytes do not match the length");
        }
        rc = spy_journal_add_patch(j, v, tmp, tmp + len, (size_t)len, err);
        free(tmp);
        if (rc != 0)
            return bad(err, no, "too many changed bytes");
    } else if (tok_is(t[0], "data") && nt == 4) {
        uint8_t *tmp;
        int rc;
        if (once(seen, SEEN_DATA) != 0)
            return bad(err, no, "data given twice");
        if (parse_dec(t[1], &v) != 0 || parse_dec(t[2], &len) != 0)
            return bad(err, no, "expected 'data OFFSET LENGTH HEX'");
        if (len > SPY_JOURNAL_DATA_MAX || v > UINT64_MAX - len)
            return bad(err, no, "data length out of range");
        if (len == 0) {
            if (!tok_is(t[3], "-"))
                return bad(err, no, "empty data must be written '-'");
            return spy_journal_set_data(j, v, NULL, 0, err);
        }
        if ((tmp = malloc((size_t)len)) == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "journal: out of memory");
        if (parse_hex(t[3], (size_t)len, tmp) != 0) {
            free(tmp);
            return bad(err, no, "hex bytes do not match the length");
        }
        rc = spy_journal_set_data(j, v, tmp, (size_t)len, err);
        free(tmp);
        return rc;
    } else {
        return bad(err, no, "unknown key or wrong number of values");
    }
    return 0;
}

int spy_journal_parse(const char *text, size_t len, spy_journal *j,
                      spy_err *err) {
    size_t pos, no = 1, hl = sizeof header - 1;
    unsigned seen = 0;
    int rc = 0;

    spy_journal_init(j);
    if (len > SPY_JOURNAL_FILE_MAX)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "journal: larger than any journal shmspy writes");
    if (len < hl || memcmp(text, header, hl) != 0)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "not a shmspy inject journal (version 1)");
    if (memchr(text, '\0', len) != NULL)
        return spy_err_set(err, SPY_EINVAL, 0, "journal: contains a NUL byte");
    for (pos = hl; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n;
        no++;
        if (nl == NULL) {
            rc = spy_err_set(err, SPY_EINVAL, 0,
                             "journal: incomplete (line %zu is cut short): it "
                             "was not fully written",
                             no);
            break;
        }
        n = (size_t)(nl - line);
        if (n >= 4 && memcmp(line, "end ", 4) == 0) {
            uint64_t want = fnv1a(text, pos), got = 0;
            size_t i;
            if (n != 4 + 16) {
                rc = bad(err, no, "malformed end line");
                break;
            }
            for (i = 0; i < 16; i++) {
                int d = spy_hex_digit(line[4 + i]);
                if (d < 0) {
                    rc = bad(err, no, "malformed end line");
                    break;
                }
                got = got << 4 | (uint64_t)d;
            }
            if (rc != 0)
                break;
            if (got != want) {
                rc = spy_err_set(err, SPY_EINVAL, 0,
                                 "journal: checksum mismatch: the file was "
                                 "changed or damaged after shmspy wrote it");
                break;
            }
            if (pos + n + 1 != len) {
                rc = bad(err, no + 1, "text after the end line");
                break;
            }
            if ((seen & SEEN_REQUIRED) != SEEN_REQUIRED) {
                rc = spy_err_set(err, SPY_EINVAL, 0,
                                 "journal: fault, name, dev, ino, size or "
                                 "mode missing");
                break;
            }
            rc = spy_journal_check(j, err);
            if (rc == 0)
                return 0;
            break;
        }
        rc = parse_line(j, line, n, no, &seen, err);
        if (rc != 0)
            break;
        pos += n + 1;
    }
    if (rc == 0)
        rc = spy_err_set(err, SPY_EINVAL, 0,
                         "journal: incomplete (no end line): it was not "
                         "fully written");
    spy_journal_free(j);
    return rc;
}
