/*
 * sample_util.h - the few helpers every sample program needs: turning a
 * command-line argument into a POSIX shared memory name, parsing sizes and
 * offsets, and printing bytes that may not be text.
 *
 * The samples are standalone teaching programs: they deliberately do not
 * link the shmspy core, so these helpers are small header-only functions.
 * Exit codes used by all samples: 0 success, 1 runtime error, 2 usage error.
 */
#ifndef SAMPLE_UTIL_H
#define SAMPLE_UTIL_H

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define SAMPLE_EXIT_OK 0
#define SAMPLE_EXIT_RUNTIME 1
#define SAMPLE_EXIT_USAGE 2

/* Room for "/" + NAME_MAX characters + NUL. */
#define SAMPLE_NAME_BUF (NAME_MAX + 2)

/*
 * Turn ARG into a shm_open() name in OUT (SAMPLE_NAME_BUF bytes).
 * POSIX names look like "/name": one leading slash, no other slash. For
 * convenience "name" is accepted and the slash added. On Linux the object
 * then appears as /dev/shm/name. Returns 0, or prints why the name is
 * unusable (prefixed with PROG) and returns -1.
 */
static inline int sample_shm_name(const char *prog, const char *arg,
                                  char *out) {
    const char *bare = arg[0] == '/' ? arg + 1 : arg;
    size_t len = strlen(bare);

    if (len == 0 || strchr(bare, '/') != NULL || len > NAME_MAX) {
        fprintf(stderr,
                "%s: %s: not a valid shared memory name (want /name: one "
                "leading slash, 1 to %d more characters, no other slash)\n",
                prog, arg, NAME_MAX);
        return -1;
    }
    out[0] = '/';
    memcpy(out + 1, bare, len + 1);
    return 0;
}

/*
 * Parse a non-negative number: decimal or 0x hex, with an optional K, M or
 * G suffix (KiB, MiB, GiB). Rejects signs, spaces, trailing junk and
 * overflow (strtoull alone would quietly turn "-1" into 2^64-1). Returns 0
 * and sets *OUT, or returns -1.
 */
static inline int sample_parse_u64(const char *s, uint64_t *out) {
    char *end;
    unsigned long long v;
    unsigned shift = 0;
    int base = 10;

    /* Base 16 only after "0x": base 0 would read "010" as octal 8. */
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        base = 16;
    }
    if (!isxdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    v = strtoull(s, &end, base);
    if (errno != 0 || end == s)
        return -1;
    switch (*end) {
    case 'K':
        shift = 10;
        end++;
        break;
    case 'M':
        shift = 20;
        end++;
        break;
    case 'G':
        shift = 30;
        end++;
        break;
    default:
        break;
    }
    if (*end != '\0' || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/*
 * True if N bytes can be both an object size (off_t, for ftruncate) and a
 * mapping length (size_t, for mmap) on this platform. Matters on 32-bit
 * systems; on 64-bit Linux anything up to 2^63-1 passes.
 */
static inline int sample_size_fits(uint64_t n) {
    uint64_t off_max =
        sizeof(off_t) >= 8 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX;

    return n <= off_max && n <= (uint64_t)SIZE_MAX;
}

/*
 * Print N bytes at P to F as a double-quoted C-style string: printable
 * ASCII as is, \" \\ \n \r \t escaped, every other byte as \xHH. Bytes read
 * from shared memory are whatever another process left there, so they are
 * never sent to the terminal raw (an ESC byte could reprogram it).
 */
static inline void sample_print_escaped(FILE *f, const unsigned char *p,
                                        size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];

        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (c >= 0x20 && c < 0x7f)
                fputc(c, f);
            else
                fprintf(f, "\\x%02x", c);
        }
    }
    fputc('"', f);
}

#endif /* SAMPLE_UTIL_H */
