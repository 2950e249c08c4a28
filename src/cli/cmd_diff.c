/* cmd_diff.c - `shmspy diff A B [--json] [--context N] [--type ...]`: the
 * bytes (or, with a layout, the fields) that differ between two moments of
 * a segment, each a live NAME, a recording at a time (FILE@1.5s,
 * FILE@start, FILE@end) or a snapshot FILE (ops/diff.h decides which). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/escape.h"
#include "../core/hexfmt.h"
#include "../ops/diff.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"

/* Exit status when A and B differ (0: equal; 1 and 2 are shmspy's runtime
 * and usage errors, so diff(1)'s 1 cannot be used): the man page, EXIT
 * STATUS. */
#define CLI_EXIT_DIFFERENT 6

typedef struct diff_req {
    const char *a_text, *b_text;
    int json;
    uint64_t context, off;
    spy_typed_req typed;
    const char *field;
} diff_req;

#define F(member) offsetof(diff_req, member)

static const cli_option diff_options[] = {
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "one JSON object a line per changed range (off, len, old,\n"
            "new: hex) or, with --type, per field (field, off, len, old,\n"
            "new: values)"),
    CLI_OPT('C', "context", CLI_NUM, F(context), "N",
            "rows of unchanged bytes shown around each change (default "
            "0)",
            .max = 1024),
    CLI_OPT('s', "offset", CLI_NUM, F(off), "BASE",
            "typed: where the struct starts (default 0)"),
    CLI_TYPED_OPTIONS(F),
    CLI_TYPED_FIELD_OPTION(F),
    {0}};

static const cli_pos diff_args[] = {
    {"A", F(a_text), CLI_REQUIRED, "A (NAME, FILE or FILE@TIME)", CLI_V_FILE,
     NULL},
    {"B", F(b_text), CLI_REQUIRED, "B (NAME, FILE or FILE@TIME)", CLI_V_FILE,
     NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

static const char *const diff_exclusive[][CLI_EXCL_MAX] = {
    {"context", "json", NULL}, {NULL}};

const cli_command cmd_diff_spec = {
    "diff",
    "diff A B [--json | --context N]\n"
    "       shmspy diff A B --type T (--header H [--cflags WORDS] |\n"
    "                   --from PID|PATH | --layout FILE) [--no-cache]\n"
    "                   [-s BASE] [--field PATH] [--json]",
    "Compares two moments of a segment. A and B are each a live NAME, a\n"
    "recording or snapshot FILE (its end), or FILE@TIME (FILE@1.5s,\n"
    "FILE@start, FILE@end). Prints each changed range in the xxd layout,\n"
    "old rows with '-' and new rows with '+', after a '@@ 0x40..0x44 (4\n"
    "bytes) @@' line; with --type, one line per field whose bytes differ\n"
    "(bytes outside the struct still as ranges). Exit status: 0 equal,\n"
    "6 different.\n",
    diff_options,
    diff_args,
    diff_exclusive,
    NULL,
    "A FILE is an existing file that is a recording, or whose name holds\n"
    "a '.' or a '/' after its first character; anything else is a NAME.\n"
    "Ranges closer than 8 equal bytes are shown as one.\n"};

/* Prints the xxd row at offset ro of image p (n bytes), prefixed. */
static void put_row(char prefix, const uint8_t *p, uint64_t n, uint64_t ro) {
    char buf[256];
    spy_hexfmt f;
    size_t len;
    uint64_t k = n > ro ? n - ro : 0;
    if (k > 16)
        k = 16;
    if (k == 0)
        return;
    spy_hexfmt_init(&f, SPY_HEX_XXD, ro);
    len = spy_hexfmt_feed(&f, p + ro, (size_t)k, buf);
    len += spy_hexfmt_finish(&f, buf + len);
    putchar(prefix);
    fwrite(buf, 1, len, stdout);
}

/* Whether row ro is the same in both images. */
static int row_same(const spy_diff_image *a, const spy_diff_image *b,
                    uint64_t ro) {
    uint64_t ka = a->size > ro ? a->size - ro : 0;
    uint64_t kb = b->size > ro ? b->size - ro : 0;
    if (ka > 16)
        ka = 16;
    if (kb > 16)
        kb = 16;
    return ka == kb &&
           (ka == 0 || memcmp(a->bytes + ro, b->bytes + ro, (size_t)ka) == 0);
}

/* Rows [r0, r1) as diff -u does lines: unchanged rows with ' ', each run
 * of changed rows as its old rows ('-') then its new rows ('+'). */
static void put_rows(const spy_diff_image *a, const spy_diff_image *b,
                     uint64_t r0, uint64_t r1) {
    uint64_t ro = r0;
    while (ro < r1) {
        uint64_t end, x;
        if (row_same(a, b, ro)) {
            put_row(' ', a->bytes, a->size, ro);
            ro += 16;
            continue;
        }
        for (end = ro; end < r1 && !row_same(a, b, end); end += 16)
            ;
        for (x = ro; x < end; x += 16)
            put_row('-', a->bytes, a->size, x);
        for (x = ro; x < end; x += 16)
            put_row('+', b->bytes, b->size, x);
        ro = end;
    }
}

/* The hunks of ranges r[0..nr) in the xxd layout: ranges whose rows (with
 * context) touch share a hunk and its header. */
static void put_hunks(const spy_diff_image *a, const spy_diff_image *b,
                      const spy_diff_range *r, size_t nr, uint64_t context) {
    uint64_t top = a->size > b->size ? a->size : b->size;
    size_t i = 0;
    while (i < nr) {
        size_t j = i, k;
        uint64_t r0, r1, bytes = 0;
        uint64_t ctx = context * 16;
        r0 = r[i].off & ~(uint64_t)15;
        r0 = r0 > ctx ? r0 - ctx : 0;
        r1 = ((r[i].off + r[i].len + 15) & ~(uint64_t)15) + ctx;
        while (j + 1 < nr && (r[j + 1].off & ~(uint64_t)15) <= r1 + ctx) {
            j++;
            r1 = ((r[j].off + r[j].len + 15) & ~(uint64_t)15) + ctx;
        }
        if (r1 > ((top + 15) & ~(uint64_t)15))
            r1 = (top + 15) & ~(uint64_t)15;
        for (k = i; k <= j; k++)
            bytes += r[k].len;
        if (j == i)
            printf("@@ 0x%" PRIx64 "..0x%" PRIx64 " (%" PRIu64 " byte%s) @@\n",
                   r[i].off, r[i].off + r[i].len, bytes, bytes == 1 ? "" : "s");
        else
            printf("@@ 0x%" PRIx64 "..0x%" PRIx64 " (%" PRIu64
                   " bytes in %zu ranges) @@\n",
                   r[i].off, r[j].off + r[j].len, bytes, j - i + 1);
        put_rows(a, b, r0, r1);
        i = j + 1;
    }
}

static void put_label(char sign, const spy_diff_image *im) {
    printf("%c%c%c ", sign, sign, sign);
    if (im->is_file)
        cli_put_escaped(stdout, im->label);
    else /* a NAME: its Local\ or Global\ keeps its one backslash */
        cli_put_name(stdout, im->label);
    putchar('\n');
}

int cmd_diff(int argc, char **argv) {
    diff_req q;
    spy_diff_image a, b;
    spy_diff_list all, outside;
    spy_typed t;
    int typed = 0, rc, usage;
    uint64_t lo = 0, hi = 0;
    spy_err e;
    size_t i;
    spy_changelog_opts o;

    memset(&q, 0, sizeof q);
    memset(&all, 0, sizeof all);
    memset(&outside, 0, sizeof outside);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (!cli_parse(&cmd_diff_spec, argc, argv, &q, &rc))
        return rc;
    if (!spy_typed_wanted(&q.typed) && (q.field != NULL || q.off != 0))
        return cli_usage_error("diff",
                               "%s needs a layout (--type with "
                               "--header, --from or --layout)",
                               q.field != NULL ? "--field" : "--offset");
    spy_err_clear(&e);
    if (spy_diff_image_load(q.a_text, &a, &usage, &e) != 0)
        return usage ? cli_usage_error("diff", "%s", e.msg) : cli_fail(&e);
    if (spy_diff_image_load(q.b_text, &b, &usage, &e) != 0) {
        spy_diff_image_free(&a);
        return usage ? cli_usage_error("diff", "%s", e.msg) : cli_fail(&e);
    }
    if (spy_typed_wanted(&q.typed)) {
        if ((rc = cli_typed_load("diff", &q.typed, &t)) != 0)
            goto out_images;
        typed = 1;
    }
    if (spy_diff_ranges(a.bytes, a.size, b.bytes, b.size, 0, &all, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    memset(&o, 0, sizeof o);
    o.out = stdout;
    o.json = q.json;
    o.utf8 = spy_diff_locale_utf8();
    if (typed) {
        /* Check the field (and that the struct fits) before printing. */
        spy_lfield top;
        uint64_t size = a.size > b.size ? a.size : b.size;
        if (q.off > size ||
            spy_layout_field(&t.layout, t.root, q.off, size - q.off, q.field,
                             &top, &e) != 0) {
            if (q.off > size)
                rc = cli_usage_error("diff",
                                     "-s 0x%" PRIx64 ": past the end of both "
                                     "(%" PRIu64 " bytes)",
                                     q.off, size);
            else
                rc = cli_usage_error("diff", "%s", e.msg);
            goto out;
        }
        lo = top.offset;
        hi = top.offset + top.size;
        o.layout = &t.layout;
        o.root = t.root;
        o.base = q.off;
        o.field = q.field;
        /* Ranges outside the struct (or field) stay ranges. */
        for (i = 0; i < all.n; i++)
            if (all.v[i].off + all.v[i].len <= lo || all.v[i].off >= hi)
                if (spy_diff_list_add(&outside, all.v[i].off, all.v[i].len,
                                      &e) != 0) {
                    rc = cli_fail(&e);
                    goto out;
                }
    }
    rc = all.n == 0 ? SPY_EXIT_OK : CLI_EXIT_DIFFERENT;
    if (q.json) {
        if (a.size != b.size)
            printf("{\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64 "}\n",
                   a.size, b.size);
        if (spy_changelog_print(&o, SPY_CHANGELOG_NO_TIME, a.bytes, a.size,
                                b.bytes, b.size, all.v, all.n, NULL, &e) != 0) {
            rc = cli_fail(&e);
            goto out;
        }
        if (typed) {
            o.layout = NULL;
            spy_changelog_print(&o, SPY_CHANGELOG_NO_TIME, a.bytes, a.size,
                                b.bytes, b.size, outside.v, outside.n, NULL,
                                &e);
        }
    } else if (all.n > 0) {
        put_label('-', &a);
        put_label('+', &b);
        if (a.size != b.size)
            printf("size %" PRIu64 " %s %" PRIu64 " bytes\n", a.size,
                   spy_diff_arrow(o.utf8), b.size);
        if (typed) {
            if (spy_changelog_print(&o, SPY_CHANGELOG_NO_TIME, a.bytes, a.size,
                                    b.bytes, b.size, all.v, all.n, NULL,
                                    &e) != 0) {
                rc = cli_fail(&e);
                goto out;
            }
            put_hunks(&a, &b, outside.v, outside.n, q.context);
        } else {
            put_hunks(&a, &b, all.v, all.n, q.context);
        }
    }
    {
        int frc = cli_finish_stdout();
        if (frc != SPY_EXIT_OK)
            rc = frc;
    }
out:
    if (typed)
        spy_typed_free(&t);
out_images:
    spy_diff_list_free(&all);
    spy_diff_list_free(&outside);
    spy_diff_image_free(&a);
    spy_diff_image_free(&b);
    return rc;
}
