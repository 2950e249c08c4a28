/* cmd_dump.c - `shmspy dump NAME [-s OFF] [-n LEN] [--format F]`, and the
 * typed dump `shmspy dump NAME --type T ... [--count N] [--json]`. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hexfmt.h"
#include "../core/range.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"
#include "../ops/dump_pipeline.h"
#include "../backends/seg.h"

/* What the command line asks for. */
typedef struct dump_req {
    const char *name_text;
    uint64_t off, len, count;
    int have_len, style, have_count, json;
    spy_typed_req typed;
} dump_req;

#define F(member) offsetof(dump_req, member)

static const cli_choice dump_formats[] = {
    {"xxd", SPY_HEX_XXD, 0, 0},
    {"canonical", SPY_HEX_CANONICAL, 0, 0},
    {"C", SPY_HEX_CANONICAL, 1, 0}, /* as hexdump -C */
    {"raw", SPY_HEX_RAW, 0, 0},
    {NULL, 0, 0, 0}};

static const cli_option dump_options[] = {
    CLI_OPT('s', "offset", CLI_NUM, F(off), "OFF",
            "offset to start at (default 0)"),
    CLI_OPT('n', "length", CLI_NUM, F(len), "LEN",
            "bytes to dump (default: to the end)", .sets = F(have_len),
            .sets_to = 1),
    CLI_OPT('f', "format", CLI_ENUM, F(style), NULL,
            "xxd: the layout of 'xxd -s OFF -l LEN' (default)\n"
            "canonical: the layout of 'hexdump -C -s OFF -n LEN'\n"
            "raw: the bytes themselves",
            .choices = dump_formats),
    CLI_TYPED_OPTIONS(F),
    CLI_OPT(0, "count", CLI_NUM, F(count), "N",
            "typed: N structs in a row from BASE (default 1; 0: as\n"
            "many as fit)",
            .sets = F(have_count), .sets_to = 1),
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "typed: the structs as JSON, one member per field"),
    {0}};

static const char *const dump_exclusive[][CLI_EXCL_MAX] = {
    {"length", "type", NULL},  {"length", "header", NULL},
    {"length", "from", NULL},  {"length", "layout", NULL},
    {"format", "type", NULL},  {"format", "header", NULL},
    {"format", "from", NULL},  {"format", "layout", NULL},
    {"format", "json", NULL},  {"format", "count", NULL},
    {"length", "count", NULL}, {NULL}};

static const cli_pos dump_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_dump_spec = {
    "dump",
    "dump NAME [-s OFF] [-n LEN] [--format xxd|canonical|raw]\n"
    "       shmspy dump NAME [-s BASE] --type T (--header H [--cflags WORDS] "
    "|\n"
    "                   --from PID|PATH | --layout FILE) [--no-cache]\n"
    "                   [--count N] [--json]",
    "Dumps LEN bytes (default: to the end) from offset OFF (default 0).\n"
    "Only the asked range is read. Numbers take 0x and K/M/G.\n"
    "With --type, prints struct T placed at BASE as a tree of its fields\n"
    "(offset, name, type, value), or N of them in a row; fields that changed\n"
    "every time they were read are marked torn (exit status 4).\n",
    dump_options,
    dump_args,
    dump_exclusive,
    NULL,
    NULL};

/* `dump NAME --type T [--count N] [--json]`. */
static int dump_typed(const dump_req *q, const spy_name *name) {
    spy_typed t;
    spy_seg *seg;
    spy_err e;
    spy_json j;
    uint64_t size, len, count, i;
    unsigned ntorn = 0;
    int rc;
    const char *tname;

    /* The object first: its error is the one a missing NAME gives. */
    if (spy_seg_open(name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    if ((rc = cli_typed_load("dump", &q->typed, &t)) != 0) {
        spy_seg_close(seg);
        return rc;
    }
    cli_note_link(seg, name);
    tname = t.layout.types[t.root].name;
    size = t.layout.types[t.root].size;
    len = spy_seg_len(seg);
    count = q->have_count ? q->count : 1;
    if (count == 0) {
        count = size == 0 || q->off > len ? 1 : (len - q->off) / size;
        if (count == 0)
            count = 1; /* says why it does not fit */
    }
    if (q->json) {
        spy_json_init(&j, stdout, 1);
        spy_json_obj_begin(&j);
        spy_json_key(&j, "type");
        spy_json_str(&j, tname);
        spy_json_key(&j, "size");
        spy_json_uint(&j, size);
        spy_json_key(&j, "items");
        spy_json_arr_begin(&j);
    }
    rc = SPY_EXIT_OK;
    for (i = 0; i < count; i++) {
        spy_typed_value v;
        uint64_t base = q->off + i * size;
        char label[SPY_LAYOUT_MAX_NAME + 32];
        if (size != 0 && i > (UINT64_MAX - q->off) / size)
            break;
        if (spy_typed_read(seg, &t, base, "", &v, &e) != 0) {
            if (q->json) {
                spy_json_arr_end(&j);
                rc = cli_fail_in(&j, &e);
                spy_json_obj_end(&j);
                spy_json_end(&j);
            } else {
                fflush(stdout);
                rc = cli_fail(&e);
            }
            goto done;
        }
        if (q->json) {
            spy_json_obj_begin(&j);
            ntorn += cli_typed_json_members(&j, seg, &t, &v, "");
            spy_json_obj_end(&j);
        } else {
            if (count > 1)
                snprintf(label, sizeof label, "[%" PRIu64 "] %s", i, tname);
            else
                snprintf(label, sizeof label, "%s", tname);
            ntorn += cli_typed_tree(stdout, seg, &t, &v, label);
        }
        free(v.bytes);
    }
    if (q->json) {
        spy_json_arr_end(&j);
        spy_json_obj_end(&j);
        spy_json_end(&j);
    }
    if (ntorn > 0) {
        fputs("shmspy: ", stderr);
        cli_put_name(stderr, spy_seg_name(seg));
        fprintf(stderr, ": %u torn field%s (changed while read)\n", ntorn,
                ntorn == 1 ? "" : "s");
        rc = CLI_EXIT_TORN;
    }
    {
        int frc = cli_finish_stdout();
        if (frc != SPY_EXIT_OK)
            rc = frc;
    }
done:
    spy_seg_close(seg);
    spy_typed_free(&t);
    return rc;
}

/* Bytes read from the object per step: large enough to amortise the
 * read (pread, or the guarded copy of a System V segment) and the write,
 * small enough that the input and its output
 * (about 316 KiB in the canonical layout) stay in the core's L2 cache;
 * 256 KiB chunks measured about 15% slower. */
#define DUMP_CHUNK (64u * 1024u)

/* dump_emit_fn for stdout: 0, or non-zero when the write failed, its
 * errno then in *(int *)arg (the write may run on a worker thread, whose
 * errno cli_finish_stdout would not see). */
static int emit_stdout(const char *out, size_t n, void *arg) {
    if (fwrite(out, 1, n, stdout) == n)
        return 0;
    *(int *)arg = errno != 0 ? errno : EIO;
    return 1;
}

int cmd_dump(int argc, char **argv) {
    dump_req q;
    int have_len, rc = SPY_EXIT_OK;
    uint64_t off, len, size, pos, end;
    spy_hexfmt_style style;
    spy_hexfmt fmt;
    spy_name name;
    spy_seg *seg = NULL;
    uint8_t *in = NULL;
    char *out = NULL;
    size_t n, chunk = 0, out_cap;
    unsigned workers;
    int write_errno = 0;
    spy_err e;

    memset(&q, 0, sizeof q);
    q.style = SPY_HEX_XXD;
    if (!cli_parse(&cmd_dump_spec, argc, argv, &q, &rc))
        return rc;
    if (cli_name("dump", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (spy_typed_wanted(&q.typed))
        return dump_typed(&q, &name);
    if (q.have_count || q.json)
        return cli_usage_error("dump", "%s needs --type T and a layout",
                               q.have_count ? "--count" : "--json");
    off = q.off;
    len = q.len;
    have_len = q.have_len;
    style = (spy_hexfmt_style)q.style;

    if (spy_seg_open(&name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    cli_note_link(seg, &name);
    size = spy_seg_len(seg);
    if (spy_offset_check(spy_seg_name(seg), off, size, 1, &e) != 0 ||
        (have_len &&
         spy_range_check(spy_seg_name(seg), off, len, size, &e) != 0)) {
        spy_seg_close(seg);
        return cli_fail(&e);
    }
    if (!have_len)
        len = size - off;

    in = malloc(DUMP_CHUNK);
    out_cap = spy_hexfmt_bound(DUMP_CHUNK);
    out = malloc(out_cap);
    if (in == NULL || out == NULL) {
        spy_err_set(&e, SPY_ENOMEM, 0, "dump: out of memory");
        rc = cli_fail(&e);
        goto done;
    }
    /* Output leaves in one write(2) per chunk (about 316 KiB), not
     * through stdio's 4 KiB buffer. */
    setvbuf(stdout, NULL, _IONBF, 0);
    spy_hexfmt_init(&fmt, style, off);
    /* Holes of a sparse object are formatted as zeros without reading
     * them (canonical squeezes them in constant time); data is read in
     * chunks (spy_seg_read). */
    for (pos = off, end = off + len; pos < end;) {
        uint64_t data, hole;
        if (spy_seg_next_data(seg, pos, &data, &hole, &e) != 0)
            goto fail;
        if (data > end)
            data = end;
        if (hole > end || hole <= data)
            hole = end;
        while (pos < data) {
            pos += spy_hexfmt_feed_zeros(&fmt, data - pos, out, out_cap, &n);
            if (fwrite(out, 1, n, stdout) != n)
                goto out; /* cli_finish_stdout reports it */
        }
        workers =
            style == SPY_HEX_RAW ? 0 : dump_pipeline_workers(seg, hole - pos);
        if (workers > 0) {
            /* A long stretch of data: read and formatted on every core. */
            int prc = dump_pipeline_run(seg, &fmt, pos, hole, workers,
                                        emit_stdout, &write_errno, &e);
            if (prc < 0)
                goto fail;
            if (prc > 0)
                goto out;
            pos = hole;
        }
        for (; pos < hole; pos += chunk) {
            chunk = hole - pos < DUMP_CHUNK ? (size_t)(hole - pos) : DUMP_CHUNK;
            if (spy_seg_read(seg, pos, in, chunk, &e) != 0)
                goto fail;
            n = spy_hexfmt_feed(&fmt, in, chunk, out);
            if (fwrite(out, 1, n, stdout) != n)
                goto out;
        }
    }
out:
    n = spy_hexfmt_finish(&fmt, out);
    fwrite(out, 1, n, stdout);
    /* hexdump -C skipped to the very end of a non-empty input still
     * prints the offset it stopped at; with -n 0 it prints nothing. */
    if (style == SPY_HEX_CANONICAL && len == 0 && off > 0 && !have_len)
        printf("%08" PRIx64 "\n", off);
    if (write_errno != 0)
        errno = write_errno; /* what cli_finish_stdout reports */
    rc = cli_finish_stdout();
    goto done;
fail:
    /* Keep what was good: print it, then say why we stopped. */
    n = spy_hexfmt_finish(&fmt, out);
    fwrite(out, 1, n, stdout);
    fflush(stdout);
    rc = cli_fail(&e);
done:
    free(in);
    free(out);
    spy_seg_close(seg);
    return rc;
}
