/* fuzz_num.c - numbers with suffixes and octal modes. */
#include "fuzz.h"
#include "core/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    uint64_t v = 0;
    uint32_t m = 0;
    spy_err e;
    int rc = spy_parse_u64("-s", s, &v, &e);
    fuzz_check_err(rc, &e);
    rc = spy_parse_mode("--mode", s, &m, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0 && m > 07777)
        abort();
    free(s);
    return 0;
}
