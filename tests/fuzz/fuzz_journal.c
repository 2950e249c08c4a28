/* fuzz_journal.c - the inject journal parser (`shmspy inject undo F` reads
 * a file anyone may have edited). The first input byte picks the mode:
 * odd, the input is the whole file; even, the rest is the body of a
 * journal that gets the right header and a correct "end" checksum line, so
 * the fuzzer explores every key and the consistency checks instead of
 * stopping at the checksum. A journal that parses is consistent, formats,
 * and formats to the same bytes after a second parse. */
#include "fuzz.h"
#include "core/journal.h"

#include <stdio.h>

static const char header[] = "shmspy-inject-journal 1\n";

static uint64_t fnv1a(const char *p, size_t len) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static void roundtrip(const spy_journal *j) {
    spy_journal k;
    spy_err e;
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;

    if (spy_journal_check(j, &e) != 0)
        abort();
    if (spy_journal_format(j, &a, &alen, &e) != 0)
        abort();
    spy_journal_init(&k);
    if (spy_journal_parse(a, alen, &k, &e) != 0)
        abort();
    if (spy_journal_format(&k, &b, &blen, &e) != 0)
        abort();
    if (alen != blen || memcmp(a, b, alen) != 0)
        abort();
    spy_journal_free(&k);
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    spy_journal j;
    spy_err e;
    char *text;
    size_t len;
    int rc;

    if (size == 0)
        return 0;
    if (data[0] & 1) {
        text = malloc(size);
        if (text == NULL)
            abort();
        memcpy(text, data + 1, size - 1);
        len = size - 1;
    } else {
        size_t hl = sizeof header - 1;
        text = malloc(hl + size + 32);
        if (text == NULL)
            abort();
        memcpy(text, header, hl);
        memcpy(text + hl, data + 1, size - 1);
        len = hl + size - 1;
        len += (size_t)snprintf(text + len, 32, "end %016llx\n",
                                (unsigned long long)fnv1a(text, len));
    }
    spy_journal_init(&j);
    rc = spy_journal_parse(text, len, &j, &e);
    fuzz_check_err(rc, &e);
    if (rc == 0)
        roundtrip(&j);
    else if (j.n_patches != 0 || j.patches != NULL || j.data != NULL)
        abort(); /* on error the journal is left empty */
    spy_journal_free(&j);
    free(text);
    return 0;
}
