/* fuzz_layout.c - layout files: whatever parses formats to a text that
 * parses again and formats the same (a fixed point after one round); any
 * field path on it either resolves inside the root or fails with one
 * line; every error is one printable line. */
#include "fuzz.h"
#include "core/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    spy_layout l, l2;
    spy_err e;
    char *a, *b;
    size_t na, nb;
    int rc;

    rc = spy_layout_parse((const char *)data, size, &l, &e);
    fuzz_check_err(rc, &e);
    if (rc != 0) {
        if (l.ntypes != 0 || l.nmembers != 0)
            abort(); /* freed on error */
        return 0;
    }
    a = spy_layout_format(&l, &na);
    if (a == NULL)
        abort();
    rc = spy_layout_parse(a, na, &l2, &e);
    if (rc != 0)
        abort(); /* what we write, we read */
    b = spy_layout_format(&l2, &nb);
    if (b == NULL || na != nb || memcmp(a, b, na) != 0)
        abort();
    if (l.root != SPY_LAYOUT_NONE) {
        /* Walk the root's first children and their values. */
        spy_lfield f, c;
        uint8_t bytes[256];
        char label[64], text[SPY_LVALUE_MAX];
        uint64_t i, n;
        memset(bytes, 0xa5, sizeof bytes);
        rc = spy_layout_field(&l, l.root, 0, sizeof bytes, "", &f, &e);
        fuzz_check_err(rc, &e);
        n = spy_layout_nchildren(&l, &f, sizeof bytes);
        for (i = 0; i < n && i < 16; i++) {
            if (spy_layout_child(&l, &f, i, &c, label, sizeof label) != 0)
                abort();
            if (c.offset + c.size <= sizeof bytes)
                spy_layout_value_text(&l, &c, bytes + c.offset,
                                      sizeof bytes - (size_t)c.offset, text,
                                      sizeof text);
        }
    }
    free(a);
    free(b);
    spy_layout_free(&l);
    spy_layout_free(&l2);
    return 0;
}
