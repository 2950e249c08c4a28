/* cmd_read.c - `shmspy read NAME [-s OFF] --as TYPE [--be] [-n MAX]`, and
 * the typed read `shmspy read NAME --type T ... [--field PATH] [--json]`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/value.h"
#include "../core/range.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"
#include "../backends/seg.h"

/* What the command line asks for. */
typedef struct read_req {
    const char *name_text, *type_text;
    uint64_t off, max;
    int be, json;
    spy_typed_req typed;
    const char *field;
} read_req;

#define F(member) offsetof(read_req, member)

static const cli_option read_options[] = {
    CLI_OPT('s', "offset", CLI_NUM, F(off), "OFF",
            "offset to read at (default 0); with --type: where the\n"
            "struct starts"),
    CLI_OPT('t', "as", CLI_STR, F(type_text), "TYPE",
            "i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:N\n"
            "(required unless --type)",
            .value = CLI_V_TYPE),
    CLI_OPT(0, "be", CLI_FLAG, F(be), NULL,
            "big-endian (default little-endian)"),
    CLI_OPT('n', "length", CLI_NUM, F(max), "MAX",
            "str: read at most MAX bytes (default: to the end)"),
    CLI_TYPED_OPTIONS(F),
    CLI_TYPED_FIELD_OPTION(F),
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "typed: the field as JSON (field, offset, size, type,\n"
            "value, torn)"),
    {0}};

static const cli_pos read_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

static const char *const read_exclusive[][CLI_EXCL_MAX] = {
    {"as", "type", NULL},
    {"as", "header", NULL},
    {"as", "from", NULL},
    {"as", "layout", NULL},
    {"as", "field", NULL},
    {"as", "json", NULL},
    {NULL}};

static const char *const read_needs[][2] = {
    {"be", "as"}, {"length", "as"}, {NULL, NULL}};

const cli_command cmd_read_spec = {
    "read",
    "read NAME [-s OFF] --as TYPE [--be] [-n MAX]\n"
    "       shmspy read NAME [-s BASE] --type T (--header H [--cflags WORDS] "
    "|\n"
    "                   --from PID|PATH | --layout FILE) [--no-cache]\n"
    "                   [--field PATH] [--json]",
    "Reads one value at offset OFF (default 0) and prints it.\n"
    "With --type, reads field PATH (default: the whole struct) of struct T\n"
    "placed at BASE: a scalar as one line, a struct or array as the tree\n"
    "dump --type prints. A value that changed every time it was read is\n"
    "torn: said on stderr, exit status 4.\n",
    read_options,
    read_args,
    read_exclusive,
    read_needs,
    "Strings are printed up to their NUL, with control characters escaped.\n"};

/* `read NAME --type T [--field PATH] [--json]`. */
static int read_typed(const read_req *q, const spy_name *name) {
    spy_typed t;
    spy_typed_value v;
    spy_lfield f;
    spy_seg *seg;
    spy_err e;
    int rc, usage;
    const char *path = q->field != NULL ? q->field : "";

    /* The object first: its error is the one a missing NAME gives. */
    if (spy_seg_open(name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    if ((rc = cli_typed_load("read", &q->typed, &t)) != 0) {
        spy_seg_close(seg);
        return rc;
    }
    cli_note_link(seg, name);
    if (spy_typed_field(seg, &t, q->off, path, &f, NULL, &usage, &e) != 0 ||
        spy_typed_read_at(seg, &f, &v, &e) != 0) {
        rc = usage ? cli_usage_error("read", "%s", e.msg) : cli_fail(&e);
        spy_seg_close(seg);
        spy_typed_free(&t);
        return rc;
    }
    if (q->json) {
        spy_json j;
        unsigned ntorn;
        spy_json_init(&j, stdout, 1);
        spy_json_obj_begin(&j);
        spy_json_key(&j, "field");
        spy_json_str(&j, path);
        ntorn = cli_typed_json_members(&j, seg, &t, &v, path);
        spy_json_obj_end(&j);
        spy_json_end(&j);
        rc = ntorn > 0 ? CLI_EXIT_TORN : SPY_EXIT_OK;
    } else if (cli_typed_is_scalar(&t.layout, &f)) {
        if (v.torn) {
            fputs("shmspy: ", stderr);
            cli_put_name(stderr, spy_seg_name(seg));
            fputs(": ", stderr);
            cli_put_escaped(stderr, path[0] != '\0' ? path : "(struct)");
            fprintf(stderr, ": torn (changed while read %u times)\n",
                    v.attempts);
            rc = CLI_EXIT_TORN;
        } else {
            char text[SPY_LVALUE_MAX];
            spy_layout_value_text(&t.layout, &f, v.bytes, (size_t)f.size, text,
                                  sizeof text);
            /* escaped by spy_layout_value_text: no control bytes */
            puts(text);
            rc = SPY_EXIT_OK;
        }
    } else {
        unsigned ntorn = cli_typed_tree(
            stdout, seg, &t, &v,
            path[0] != '\0' ? path : t.layout.types[t.root].name);
        rc = SPY_EXIT_OK;
        if (ntorn > 0) {
            fputs("shmspy: ", stderr);
            cli_put_name(stderr, spy_seg_name(seg));
            fprintf(stderr, ": %u torn field%s (changed while read)\n", ntorn,
                    ntorn == 1 ? "" : "s");
            rc = CLI_EXIT_TORN;
        }
    }
    free(v.bytes);
    spy_seg_close(seg);
    spy_typed_free(&t);
    {
        int frc = cli_finish_stdout();
        return frc != SPY_EXIT_OK ? frc : rc;
    }
}

int cmd_read(int argc, char **argv) {
    read_req q;
    const char *type_text;
    int be, rc;
    uint64_t off, max, size, want;
    spy_type type;
    spy_name name;
    spy_seg *seg;
    uint8_t *buf;
    spy_err e;

    memset(&q, 0, sizeof q);
    q.max = UINT64_MAX;
    if (!cli_parse(&cmd_read_spec, argc, argv, &q, &rc))
        return rc;
    if (cli_name("read", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (spy_typed_wanted(&q.typed))
        return read_typed(&q, &name);
    if (q.field != NULL || q.json)
        return cli_usage_error("read", "%s needs --type T and a layout",
                               q.field != NULL ? "--field" : "--json");
    if (q.type_text == NULL)
        return cli_usage_error("read", "missing --as TYPE (or --type T)");
    type_text = q.type_text;
    off = q.off;
    max = q.max;
    be = q.be;
    if (spy_type_parse(type_text, &type, &e) != 0)
        return cli_usage_error("read", "%s", e.msg);
    if (max != UINT64_MAX && type.kind != SPY_V_STR)
        return cli_usage_error("read",
                               "-n applies to --as str only (--as %s has a "
                               "fixed size; hex:N reads N bytes)",
                               type_text);

    if (spy_seg_open(&name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    cli_note_link(seg, &name);
    size = spy_seg_len(seg);
    if (type.kind == SPY_V_STR) {
        want = off <= size ? size - off : 0;
        if (want > max)
            want = max;
        if (spy_offset_check(spy_seg_name(seg), off, size, 0, &e) != 0) {
            spy_seg_close(seg);
            return cli_fail(&e);
        }
    } else {
        want = type.width;
        if (spy_range_check(spy_seg_name(seg), off, want, size, &e) != 0) {
            spy_seg_close(seg);
            return cli_fail(&e);
        }
    }
    if (want > SIZE_MAX - 1 || (buf = malloc((size_t)want + 1)) == NULL) {
        spy_err_set(&e, SPY_ENOMEM, 0, "%s: cannot read %" PRIu64 " bytes",
                    spy_seg_name(seg), want);
        spy_seg_close(seg);
        return cli_fail(&e);
    }
    if (spy_seg_read(seg, off, buf, (size_t)want, &e) != 0) {
        free(buf);
        spy_seg_close(seg);
        return cli_fail(&e);
    }
    if (type.kind == SPY_V_STR) {
        buf[want] = '\0';
        cli_put_escaped(stdout, (const char *)buf);
        fputc('\n', stdout);
        if (memchr(buf, '\0', (size_t)want) == NULL) {
            fputs("shmspy: ", stderr);
            cli_put_name(stderr, spy_seg_name(seg));
            fprintf(stderr,
                    ": warning: no NUL terminator in the %" PRIu64
                    " bytes read\n",
                    want);
        }
    } else {
        /* hex:N needs 3 characters a byte; numbers fit in 64. */
        size_t cap = (size_t)want * 3 + 64;
        char *text = malloc(cap);
        if (text == NULL) {
            spy_err_set(&e, SPY_ENOMEM, 0, "read: out of memory");
            free(buf);
            spy_seg_close(seg);
            return cli_fail(&e);
        }
        spy_value_decode(&type, buf, (size_t)want, be, text, cap);
        puts(text);
        free(text);
    }
    free(buf);
    spy_seg_close(seg);
    rc = cli_finish_stdout();
    return rc;
}
