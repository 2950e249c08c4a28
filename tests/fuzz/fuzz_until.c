/* fuzz_until.c - the --until condition: the first line of the input is
 * the condition, the rest two samples (split in half). What parses has a
 * one-line error-free shape; evaluation never reads outside the samples,
 * also after resolving a field at an offset taken from the input. */
#include "fuzz.h"
#include "core/until.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    char *nl = strchr(s, '\n');
    size_t rest = nl != NULL ? size - (size_t)(nl + 1 - s) : 0;
    const uint8_t *bytes = nl != NULL ? data + (nl + 1 - s) : data;
    spy_until u;
    spy_err e;
    int rc;

    if (nl != NULL)
        *nl = '\0';
    rc = spy_until_parse(s, &u, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        size_t half = rest / 2;
        uint8_t *a = malloc(half + 1), *b = malloc(rest - half + 1);
        if (a == NULL || b == NULL)
            abort();
        memcpy(a, bytes, half);
        memcpy(b, bytes + half, rest - half);
        if (u.field[0] != '\0') {
            spy_type t = {SPY_V_UINT, 4};
            uint64_t off = rest > 0 ? bytes[0] : 0;
            rc = spy_until_resolve(&u, off, 1 + (rest > 1 ? bytes[1] % 9 : 4),
                                   rest > 2 && (bytes[2] & 1) ? NULL : &t, &e);
            fuzz_check_err(rc, &e);
        }
        (void)spy_until_eval(&u, a, half, b, rest - half);
        (void)spy_until_eval(&u, NULL, 0, b, rest - half);
        free(a);
        free(b);
    }
    free(s);
    return 0;
}
