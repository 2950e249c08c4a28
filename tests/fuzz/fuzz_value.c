/* fuzz_value.c - TYPE names and typed values: the first line of the input
 * is the type, the rest the value. What encodes, decodes to a value that
 * encodes to the same bytes. Any bytes decode without overrunning. */
#include "fuzz.h"
#include "core/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    char *nl = strchr(s, '\n');
    const char *text = nl != NULL ? nl + 1 : "";
    spy_type t;
    spy_err e;
    uint8_t buf[8], buf2[8];
    char out[256];
    size_t len = 0, len2 = 0;
    int be = size > 0 && (data[0] & 1);
    int rc;

    if (nl != NULL)
        *nl = '\0';
    rc = spy_type_parse(s, &t, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        /* Decoding arbitrary bytes of exactly the needed size. */
        size_t need = t.width == 0 ? size : t.width;
        if (need <= size)
            spy_value_decode(&t, data, need, be, out, sizeof out);
        rc = spy_value_encode(&t, text, be, buf, sizeof buf, &len, &e);
        fuzz_check_err(rc, &e);
        if (rc == 0 && t.kind != SPY_V_FLOAT) {
            spy_value_decode(&t, buf, len, be, out, sizeof out);
            if (spy_value_encode(&t, out, be, buf2, sizeof buf2, &len2, &e) !=
                    0 ||
                len2 != len || memcmp(buf, buf2, len) != 0)
                abort();
        }
    }
    free(s);
    return 0;
}
