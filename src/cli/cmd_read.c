/* cmd_read.c - `shmspy read NAME [-s OFF] --as TYPE [--be] [-n MAX]`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/value.h"
#include "../core/range.h"
#include "cli.h"
#include "../backends/seg.h"

/* What the command line asks for. */
typedef struct read_req {
    const char *name_text, *type_text;
    uint64_t off, max;
    int be;
} read_req;

#define F(member) offsetof(read_req, member)

static const cli_option read_options[] = {
    CLI_OPT('s', "offset", CLI_NUM, F(off), "OFF",
            "offset to read at (default 0)"),
    CLI_OPT('t', "as", CLI_STR, F(type_text), "TYPE",
            "i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:N",
            .flags = CLI_REQUIRED, .value = CLI_V_TYPE),
    CLI_OPT(0, "be", CLI_FLAG, F(be), NULL,
            "big-endian (default little-endian)"),
    CLI_OPT('n', "length", CLI_NUM, F(max), "MAX",
            "str: read at most MAX bytes (default: to the end)"),
    {0}};

static const cli_pos read_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_read_spec = {
    "read",
    "read NAME [-s OFF] --as TYPE [--be] [-n MAX]",
    "Reads one value at offset OFF (default 0) and prints it.\n",
    read_options,
    read_args,
    NULL,
    NULL,
    "Strings are printed up to their NUL, with control characters escaped.\n"};

int cmd_read(int argc, char **argv) {
    read_req q = {NULL, NULL, 0, UINT64_MAX, 0};
    const char *type_text;
    int be, rc;
    uint64_t off, max, size, want;
    spy_type type;
    spy_name name;
    spy_seg *seg;
    uint8_t *buf;
    spy_err e;

    if (!cli_parse(&cmd_read_spec, argc, argv, &q, &rc))
        return rc;
    if (cli_name("read", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
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
