/* fuzz_name.c - NAME in every form (hex: included); the canonical text
 * parses back to the same name, and so does its hex: form. */
#include "fuzz.h"
#include "core/hexbytes.h"
#include "core/name.h"

static spy_name a, b;
static char canon[SPY_NAME_MAX + 64];
static char hex[2 * SPY_NAME_MAX + 64];

/* 1 if x and y are the same name. */
static int same(const spy_name *x, const spy_name *y) {
    return x->form == y->form && x->id == y->id && x->addr == y->addr &&
           strcmp(x->text, y->text) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    spy_err e;
    int rc = spy_name_parse(s, &a, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0) {
        spy_name_format(&a, canon, sizeof canon);
        if (spy_name_parse(canon, &b, &e) != 0 || !same(&a, &b))
            abort();
        memcpy(hex, "hex:", 4);
        spy_hex_encode(canon, strlen(canon), hex + 4, sizeof hex - 4);
        if (spy_name_parse(hex, &b, &e) != 0 || !same(&a, &b))
            abort();
    }
    free(s);
    return 0;
}
