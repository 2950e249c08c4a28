/* fuzz_text.c - untrusted text on its way to a terminal or JSON: the
 * escaper never emits a control byte and always terminates; the JSON
 * writer never emits invalid UTF-8 or a raw control character. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "core/escape.h"
#include "fuzz.h"
#include "core/json.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    char small[16], ex[SPY_EXCERPT_CAP];
    size_t need = spy_escape(s, small, sizeof small), i, n;
    char *big = malloc(need + 1);
    char *json = NULL;
    size_t json_len = 0;
    FILE *f;
    spy_json j;

    if (big == NULL || strlen(small) >= sizeof small)
        abort();
    spy_escape(s, big, need + 1);
    if (strlen(big) != need)
        abort();
    for (i = 0; i < need; i++)
        if ((unsigned char)big[i] < 0x20 || big[i] == 0x7f)
            abort();
    spy_excerpt(s, size, ex);

    f = open_memstream(&json, &json_len);
    if (f == NULL)
        abort();
    spy_json_init(&j, f, (int)(size & 1));
    spy_json_obj_begin(&j);
    spy_json_key(&j, s);
    spy_json_strn(&j, (const char *)data, size);
    spy_json_end(&j);
    fclose(f);
    for (i = 0; i < json_len; i += n) {
        uint32_t cp;
        n = spy_utf8_decode((const unsigned char *)json + i, json_len - i, &cp,
                            NULL);
        if (n == 0 || (cp < 0x20 && cp != '\n'))
            abort();
    }
    free(json);
    free(big);
    free(s);
    return 0;
}
