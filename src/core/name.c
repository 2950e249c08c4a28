/* name.c - parsing and formatting the NAME argument.
 *
 * Pure C11: the parser only classifies text. Whether a plain name is a POSIX
 * object or a Windows Local section is the backend's business. */
#include "name.h"
#include "escape.h"
#include "hexbytes.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The longest POSIX object name after the leading slash (NAME_MAX on Linux,
 * where the object is a file in /dev/shm). */
#define PLAIN_NAME_MAX 255

/* Fills err with SPY_EINVAL and "<s>: <why>". */
static int name_error(spy_err *err, const char *s, const char *why) {
    char ex[SPY_EXCERPT_CAP];

    spy_excerpt(s, (size_t)-1, ex);
    return spy_err_set(err, SPY_EINVAL, 0, "%s: %s", ex, why);
}

/* Non-zero if s starts with prefix, ignoring ASCII case. */
static int has_prefix_nocase(const char *s, const char *prefix) {
    for (; *prefix != '\0'; s++, prefix++) {
        char a = *s, b = *prefix;
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return 1;
}

/* Parses all of s as an unsigned number no larger than max: decimal, or hex
 * after 0x/0X when allow_hex. Returns 0, or -1 if malformed, -2 if too
 * large. Digits are scanned to the end in both cases, so junk after a huge
 * number still counts as malformed. */
static int parse_id(const char *s, int allow_hex, uint64_t max, uint64_t *out) {
    unsigned base = 10;
    const char *p = s;
    const char *digits;
    uint64_t v = 0;
    int big = 0;

    if (allow_hex && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (digits = p; *p != '\0'; p++) {
        int d = spy_hex_digit(*p);
        if (d < 0 || (unsigned)d >= base)
            return -1;
        if (!big) {
            if (v > (max - (unsigned)d) / base)
                big = 1;
            else
                v = v * base + (unsigned)d;
        }
    }
    if (p == digits)
        return -1;
    if (big)
        return -2;
    *out = v;
    return 0;
}

/* Copies the text after a prefix into out->text, checking it fits. */
static int set_text(spy_name *out, const char *s, const char *rest,
                    spy_err *err) {
    size_t n = strlen(rest);

    if (n >= sizeof out->text) {
        char ex[SPY_EXCERPT_CAP];
        spy_excerpt(s, (size_t)-1, ex);
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: name too long (at most %d bytes after the "
                           "prefix)",
                           ex, SPY_NAME_MAX - 1);
    }
    memcpy(out->text, rest, n + 1);
    return 0;
}

static int parse_win(const char *s, const char *rest, spy_name_form form,
                     spy_name *out, spy_err *err) {
    if (*rest == '\0')
        return name_error(err, s, "a section name needs a name after the '\\'");
    if (strchr(rest, '\\') != NULL)
        return name_error(err, s,
                          "a section name may not contain '\\' "
                          "after its Local\\ or Global\\ prefix");
    out->form = form;
    return set_text(out, s, rest, err);
}

static int parse_plain(const char *s, spy_name *out, spy_err *err) {
    const char *rest = s[0] == '/' ? s + 1 : s;
    size_t n = strlen(rest);

    if (s[0] == '\0')
        return spy_err_set(err, SPY_EINVAL, 0,
                           "'': a shared memory name may not be empty");
    if (n == 0)
        return name_error(err, s,
                          "a shared memory name needs a name after the '/'");
    if (strcmp(rest, ".") == 0 || strcmp(rest, "..") == 0)
        return name_error(err, s, "'.' and '..' are not shared memory names");
    if (memchr(rest, '/', n) != NULL)
        return name_error(err, s,
                          "a shared memory name may not contain '/' "
                          "after the leading one");
    if (n > PLAIN_NAME_MAX)
        return name_error(err, s,
                          "a shared memory name may be at most 255 "
                          "bytes long after the '/'");
    out->form = SPY_NAME_PLAIN;
    out->text[0] = '/';
    memcpy(out->text + 1, rest, n + 1);
    return 0;
}

/* Decodes the digits after "hex:" into buf (cap bytes, NUL-terminated):
 * the bytes of another NAME. Returns 0 or SPY_EINVAL naming s. */
static int decode_hex(const char *s, const char *digits, char *buf, size_t cap,
                      spy_err *err) {
    size_t n = 0;
    const char *p;

    if (*digits == '\0')
        return name_error(err, s,
                          "hex: needs the bytes of a name as hex digits "
                          "(as name_hex in --json output)");
    for (p = digits; p[0] != '\0'; p += 2) {
        int hi = spy_hex_digit(p[0]);
        int lo = p[1] != '\0' ? spy_hex_digit(p[1]) : -1;
        if (hi < 0 || (p[1] != '\0' && lo < 0))
            return name_error(err, s,
                              "hex: takes hex digits only (0-9, a-f), two "
                              "per byte");
        if (p[1] == '\0')
            return name_error(err, s,
                              "hex: needs an even number of hex digits");
        if (hi == 0 && lo == 0)
            return name_error(err, s, "a name may not contain the byte 00");
        if (n + 1 >= cap)
            return name_error(err, s,
                              "hex: name too long (at most 4095 bytes)");
        buf[n++] = (char)(hi << 4 | lo);
    }
    buf[n] = '\0';
    if (strncmp(buf, "hex:", 4) == 0)
        return name_error(err, s, "hex: may not hold another hex: name");
    return 0;
}

/* Parses "PID" (up to sep, or the end when sep is '\0') for the forms
 * that name memory through a process. Sets *rest past the separator. */
static int parse_pid(const char *s, const char *p, char sep, int64_t *pid,
                     const char **rest, spy_err *err) {
    char digits[16];
    const char *end = sep != '\0' ? strchr(p, sep) : p + strlen(p);
    size_t n;
    uint64_t v;
    int rc;

    if (end == NULL) {
        char why[64];
        snprintf(why, sizeof why, "needs '%c' after the process id", sep);
        return name_error(err, s, why);
    }
    n = (size_t)(end - p);
    if (n == 0 || n >= sizeof digits)
        return name_error(err, s,
                          n == 0 ? "needs a process id (decimal digits)"
                                 : "a process id is at most 2147483647");
    memcpy(digits, p, n);
    digits[n] = '\0';
    rc = parse_id(digits, 0, INT32_MAX, &v);
    if (rc == -1)
        return name_error(err, s, "a process id must be decimal digits");
    if (rc != 0)
        return name_error(err, s, "a process id is at most 2147483647");
    if (v == 0)
        return name_error(err, s, "process id 0 names no process");
    *pid = (int64_t)v;
    *rest = sep != '\0' ? end + 1 : end;
    return 0;
}

/* Parses an address or handle value: 0x hex or decimal. */
static int parse_addr(const char *s, const char *p, const char *what,
                      uint64_t *out, spy_err *err) {
    char why[160];
    int rc = parse_id(p, 1, UINT64_MAX, out);
    const char *q;

    if (rc == 0)
        return 0;
    if (rc == -2) {
        snprintf(why, sizeof why, "%s is larger than 64 bits", what);
        return name_error(err, s, why);
    }
    /* Hex digits without 0x, as /proc/PID/maps prints them: say how. */
    for (q = p; *q != '\0' && spy_hex_digit(*q) >= 0; q++)
        ;
    if (*p != '\0' && *q == '\0')
        snprintf(why, sizeof why,
                 "%s is 0x hex or decimal digits (write 0x%s for hex)", what,
                 strlen(p) <= 16 ? p : "...");
    else
        snprintf(why, sizeof why, "%s is 0x hex or decimal digits", what);
    return name_error(err, s, why);
}

int spy_name_parse(const char *s, spy_name *out, spy_err *err) {
    spy_name tmp;
    uint64_t v;
    int rc;

    /* Build the result in tmp so that *out is untouched on error. */
    memset(&tmp, 0, sizeof tmp);
    if (s == NULL)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "NAME: missing shared memory name");

    if (strncmp(s, "hex:", 4) == 0) {
        /* The lossless form of any NAME, for names that are not UTF-8
         * (JSON can only show them with U+FFFD): decode, then parse the
         * bytes as the NAME they are. */
        char raw[SPY_NAME_MAX];
        rc = decode_hex(s, s + 4, raw, sizeof raw, err);
        if (rc != 0)
            return rc;
        return spy_name_parse(raw, out, err);
    } else if (strncmp(s, "sysv:", 5) == 0) {
        rc = parse_id(s + 5, 0, INT32_MAX, &v);
        if (rc == -1)
            return name_error(err, s, "a System V id must be decimal digits");
        if (rc != 0)
            return name_error(err, s, "a System V id is at most 2147483647");
        tmp.form = SPY_NAME_SYSV_ID;
        tmp.id = (int64_t)v;
    } else if (strncmp(s, "key:", 4) == 0) {
        rc = parse_id(s + 4, 1, UINT32_MAX, &v);
        if (rc == -1)
            return name_error(err, s,
                              "a System V key must be 0x hex or "
                              "decimal digits");
        if (rc != 0)
            return name_error(err, s,
                              "a System V key is 32 bits (at most 0xffffffff)");
        if (v == 0)
            return name_error(err, s,
                              "key 0 is IPC_PRIVATE, which never "
                              "names a segment (use sysv:ID)");
        tmp.form = SPY_NAME_SYSV_KEY;
        /* key_t is a 32-bit int: keep the bit pattern, so 0xffffffff is
         * stored as -1 exactly as the kernel reports it. */
        tmp.id = v > INT32_MAX ? (int64_t)v - ((int64_t)1 << 32) : (int64_t)v;
    } else if (strncmp(s, "memfd:", 6) == 0) {
        /* memfd_create takes any name up to 249 bytes, "" included. */
        if (strchr(s + 6, '/') != NULL)
            return name_error(err, s, "a memfd name may not contain '/'");
        tmp.form = SPY_NAME_MEMFD;
        rc = set_text(&tmp, s, s + 6, err);
        if (rc != 0)
            return rc;
    } else if (strncmp(s, "pid:", 4) == 0) {
        const char *rest;
        rc = parse_pid(s, s + 4, '@', &tmp.id, &rest, err);
        if (rc == 0)
            rc = parse_addr(s, rest, "an address", &tmp.addr, err);
        if (rc != 0)
            return rc;
        tmp.form = SPY_NAME_PID_ADDR;
    } else if (strncmp(s, "fd:", 3) == 0) {
        const char *rest;
        rc = parse_pid(s, s + 3, ':', &tmp.id, &rest, err);
        if (rc != 0)
            return rc;
        rc = parse_id(rest, 0, INT32_MAX, &v);
        if (rc == -1)
            return name_error(err, s,
                              "a descriptor number must be decimal digits");
        if (rc != 0)
            return name_error(err, s,
                              "a descriptor number is at most 2147483647");
        tmp.form = SPY_NAME_PID_FD;
        tmp.addr = v;
    } else if (strncmp(s, "handle:", 7) == 0) {
        const char *rest;
        rc = parse_pid(s, s + 7, ':', &tmp.id, &rest, err);
        if (rc == 0)
            rc = parse_addr(s, rest, "a handle", &tmp.addr, err);
        if (rc != 0)
            return rc;
        if (tmp.addr == 0)
            return name_error(err, s, "handle 0 is never a valid handle");
        tmp.form = SPY_NAME_WIN_HANDLE;
    } else if (strncmp(s, "file:", 5) == 0) {
        if (s[5] == '\0')
            return name_error(err, s, "file: needs a path after the ':'");
        tmp.form = SPY_NAME_FILE;
        rc = set_text(&tmp, s, s + 5, err);
        if (rc != 0)
            return rc;
    } else if (has_prefix_nocase(s, "Local\\")) {
        rc = parse_win(s, s + 6, SPY_NAME_WIN_LOCAL, &tmp, err);
        if (rc != 0)
            return rc;
    } else if (has_prefix_nocase(s, "Global\\")) {
        rc = parse_win(s, s + 7, SPY_NAME_WIN_GLOBAL, &tmp, err);
        if (rc != 0)
            return rc;
    } else {
        rc = parse_plain(s, &tmp, err);
        if (rc != 0)
            return rc;
    }
    if (out != NULL)
        *out = tmp;
    return 0;
}

int spy_name_via_process(const spy_name *n) {
    return n->form == SPY_NAME_MEMFD || n->form == SPY_NAME_PID_ADDR ||
           n->form == SPY_NAME_PID_FD || n->form == SPY_NAME_WIN_HANDLE;
}

void spy_name_format(const spy_name *n, char *buf, size_t cap) {
    const char *end;
    int len;

    if (buf == NULL || cap == 0)
        return;
    if (n == NULL) {
        buf[0] = '\0';
        return;
    }
    /* Never read past the text buffer, even if it lacks a NUL. */
    end = memchr(n->text, '\0', sizeof n->text);
    len = end != NULL ? (int)(end - n->text) : (int)sizeof n->text;

    switch (n->form) {
    case SPY_NAME_PLAIN:
        snprintf(buf, cap, "%.*s", len, n->text);
        break;
    case SPY_NAME_SYSV_ID:
        snprintf(buf, cap, "sysv:%" PRId64, n->id);
        break;
    case SPY_NAME_SYSV_KEY:
        snprintf(buf, cap, "key:0x%08" PRIx32, (uint32_t)n->id);
        break;
    case SPY_NAME_FILE:
        snprintf(buf, cap, "file:%.*s", len, n->text);
        break;
    case SPY_NAME_WIN_LOCAL:
        snprintf(buf, cap, "Local\\%.*s", len, n->text);
        break;
    case SPY_NAME_WIN_GLOBAL:
        snprintf(buf, cap, "Global\\%.*s", len, n->text);
        break;
    case SPY_NAME_MEMFD:
        snprintf(buf, cap, "memfd:%.*s", len, n->text);
        break;
    case SPY_NAME_PID_ADDR:
        snprintf(buf, cap, "pid:%" PRId64 "@0x%" PRIx64, n->id, n->addr);
        break;
    case SPY_NAME_PID_FD:
        snprintf(buf, cap, "fd:%" PRId64 ":%" PRIu64, n->id, n->addr);
        break;
    case SPY_NAME_WIN_HANDLE:
        snprintf(buf, cap, "handle:%" PRId64 ":0x%" PRIx64, n->id, n->addr);
        break;
    default:
        snprintf(buf, cap, "?");
        break;
    }
}
