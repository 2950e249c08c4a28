/* fuzz.h - shared by the libFuzzer targets: the input as a C string, and
 * the invariants every error must keep. */
#ifndef SPY_FUZZ_H
#define SPY_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (the CLI only ever sees C strings). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Every error carries one non-empty line with no control characters: it
 * is printed to a terminal as is. */
static inline void fuzz_check_err(int rc, const spy_err *e) {
    size_t i, n;
    if (rc == 0)
        return;
    if (rc != e->code)
        abort();
    n = strlen(e->msg);
    if (n == 0 || n >= sizeof e->msg)
        abort();
    for (i = 0; i < n; i++)
        if ((unsigned char)e->msg[i] < 0x20 || e->msg[i] == 0x7f)
            abort();
}

#endif
