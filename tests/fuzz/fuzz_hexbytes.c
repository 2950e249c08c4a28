/* fuzz_hexbytes.c - hex byte patterns; what parses re-parses identically
 * from its own hex. */
#include <stdio.h>

#include "fuzz.h"
#include "core/hexbytes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    uint8_t *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0, i;
    spy_err e;
    int rc = spy_hexbytes_parse(s, &out, &len, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        char *hex = malloc(len * 3 + 1);
        if (hex == NULL)
            abort();
        for (i = 0; i < len; i++)
            snprintf(hex + i * 3, 4, "%02x ", out[i]);
        if (spy_hexbytes_parse(hex, &again, &len2, &e) != 0 || len2 != len ||
            memcmp(out, again, len) != 0)
            abort();
        free(hex);
        free(again);
        free(out);
    }
    free(s);
    return 0;
}
