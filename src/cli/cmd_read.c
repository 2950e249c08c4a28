/* cmd_read.c - `shmspy read NAME [-s OFF] --as TYPE [--be] [-n MAX]`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/value.h"
#include "../core/range.h"
#include "cli.h"
#include "../backends/seg.h"

static const char read_usage[] =
    "usage: shmspy read NAME [-s OFF] --as TYPE [--be] [-n MAX]\n"
    "\n"
    "Reads one value at offset OFF (default 0) and prints it.\n"
    "  --as TYPE  i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 str hex:N\n"
    "  --be       big-endian (default little-endian)\n"
    "  -n MAX     str: read at most MAX bytes (default: to the end)\n"
    "Strings are printed up to their NUL, with control characters escaped.\n";

int cmd_read(int argc, char **argv) {
    static const cli_opt opts[] = {{"offset", 's', 1, 1}, {"as", 't', 1, 2},
                                   {"be", 0, 0, 3},       {"length", 'n', 1, 4},
                                   {"help", 'h', 0, 5},   {NULL, 0, 0, 0}};
    cli_args a;
    const char *val, *name_text = NULL, *type_text = NULL;
    int id, be = 0, rc;
    uint64_t off = 0, max = UINT64_MAX, size, want;
    spy_type type;
    spy_name name;
    spy_seg *seg;
    uint8_t *buf;
    spy_err e;

    cli_args_init(&a, "read", argc, argv);
    while ((id = cli_args_next(&a, opts, &val)) != CLI_END) {
        switch (id) {
        case CLI_BAD:
            return SPY_EXIT_USAGE;
        case CLI_POS:
            if (cli_one_name("read", &name_text, val) != 0)
                return SPY_EXIT_USAGE;
            break;
        case 1:
            if (cli_number("read", "-s", val, &off) != 0)
                return SPY_EXIT_USAGE;
            break;
        case 2:
            type_text = val;
            break;
        case 3:
            be = 1;
            break;
        case 4:
            if (cli_number("read", "-n", val, &max) != 0)
                return SPY_EXIT_USAGE;
            break;
        case 5:
            fputs(read_usage, stdout);
            return cli_finish_stdout();
        }
    }
    if (cli_name("read", name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (type_text == NULL)
        return cli_usage_error("read", "missing --as TYPE");
    if (spy_type_parse(type_text, &type, &e) != 0)
        return cli_usage_error("read", "%s", e.msg);
    if (max != UINT64_MAX && type.kind != SPY_V_STR)
        return cli_usage_error("read",
                               "-n applies to --as str only (--as %s has a "
                               "fixed size; hex:N reads N bytes)",
                               type_text);

    if (spy_seg_open(&name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
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
