/* fuzz_name.c - NAME in every form; the canonical text parses back to the
 * same name. */
#include "fuzz.h"
#include "core/name.h"

static spy_name a, b;
static char canon[SPY_NAME_MAX + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    spy_err e;
    int rc = spy_name_parse(s, &a, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        spy_name_format(&a, canon, sizeof canon);
        if (spy_name_parse(canon, &b, &e) != 0 || a.form != b.form ||
            a.id != b.id || strcmp(a.text, b.text) != 0)
            abort();
    }
    free(s);
    return 0;
}
