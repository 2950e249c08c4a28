/* cmd_write.c - `shmspy write NAME [-s OFF] SOURCE [--create SIZE] ...`.
 *
 * The whole command is validated (value parsed, file read) before the
 * object is touched, and the write goes through the one write policy
 * (ops/write.h: read-only refusal, range), so a rejected write changes
 * nothing. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hexbytes.h"
#include "../core/num.h"
#include "../core/value.h"
#include "../ops/write.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"
#include "../backends/seg.h"
#include "../backends/process.h"

/* The largest --file read into memory: 1 GiB. */
#define SPY_WRITE_FILE_MAX ((uint64_t)1 << 30)

enum source { SRC_NONE, SRC_VALUE, SRC_STR, SRC_HEX, SRC_FILE, SRC_FILL };

typedef struct write_req {
    enum source src;
    const char *src_text; /* value, string, hex, path, or fill byte */
    const char *type_text;
    int be, force, hold, keep, have_len, create, follow;
    uint64_t off, len, create_size;
    uint32_t mode;
    uint8_t *payload; /* malloc'd bytes to write (not for fill) */
    size_t payload_len;
    uint8_t fill;
} write_req;

/* Turns the source option into payload bytes; usage errors return 2. */
static int build_payload(write_req *r) {
    spy_err e;
    switch (r->src) {
    case SRC_NONE:
        return cli_usage_error("write", "missing what to write (--as TYPE "
                                        "VALUE, --str, --hex, --file or "
                                        "--fill)");
    case SRC_VALUE: {
        spy_type t;
        if (spy_type_parse(r->type_text, &t, &e) != 0)
            return cli_usage_error("write", "%s", e.msg);
        if (t.kind == SPY_V_STR || t.kind == SPY_V_HEX)
            return cli_usage_error("write",
                                   "--as %s: use --str or --hex to write "
                                   "strings and bytes",
                                   r->type_text);
        if ((r->payload = malloc(8)) == NULL)
            return cli_usage_error("write", "out of memory");
        if (spy_value_encode(&t, r->src_text, r->be, r->payload, 8,
                             &r->payload_len, &e) != 0)
            return cli_usage_error("write", "%s", e.msg);
        return 0;
    }
    case SRC_STR:
        r->payload_len = strlen(r->src_text) + 1;
        if ((r->payload = malloc(r->payload_len)) == NULL)
            return cli_usage_error("write", "out of memory");
        memcpy(r->payload, r->src_text, r->payload_len);
        return 0;
    case SRC_HEX:
        if (spy_hexbytes_parse(r->src_text, &r->payload, &r->payload_len, &e) !=
            0)
            return cli_usage_error("write", "%s", e.msg);
        return 0;
    case SRC_FILE: {
        /* What fits after the offset of the object being created, or
         * SPY_WRITE_FILE_MAX: more can never be written in one go, and an
         * endless source (/dev/zero) must stop somewhere. */
        uint64_t max = SPY_WRITE_FILE_MAX;
        if (r->create && r->off <= r->create_size &&
            r->create_size - r->off < max)
            max = r->create_size - r->off;
        if (r->create && r->off > r->create_size)
            max = 0;
        if (cli_read_file(r->src_text, (size_t)max, &r->payload,
                          &r->payload_len, &e) != 0)
            return cli_fail(&e);
        return 0;
    }
    case SRC_FILL: {
        uint64_t b;
        if (cli_number("write", "--fill", r->src_text, &b) != 0)
            return SPY_EXIT_USAGE;
        if (b > 255)
            return cli_usage_error("write", "--fill: %s is not a byte (0..255)",
                                   r->src_text);
        r->fill = (uint8_t)b;
        return 0;
    }
    }
    return SPY_EXIT_USAGE;
}

/* Writes the payload (or the fill) at r->off, len bytes in all, under
 * the one write policy (ops/write.h): read-only refusal, range, flush. */
static int do_write(spy_seg *seg, const write_req *r, uint64_t len,
                    spy_err *e) {
    if (r->src == SRC_FILL)
        return spy_write_fill(seg, r->off, r->fill, len, r->force, e);
    return spy_write_bytes(seg, r->off, r->payload, r->payload_len, r->force,
                           e);
}

/* What the command line fills: the request and the words around it. */
typedef struct write_args {
    write_req r;
    const char *name_text, *value_text;
    spy_typed_req typed;
    const char *field;
} write_args;

#define F(member) offsetof(write_args, member)

static const cli_option write_options[] = {
    CLI_HEADING("SOURCE is one of:"),
    CLI_OPT('t', "as", CLI_STR, F(r.type_text), "TYPE",
            "the typed VALUE (i8..u64, f32, f64; --be: big-endian)",
            .sets = F(r.src), .sets_to = SRC_VALUE, .value = CLI_V_TYPE),
    CLI_OPT(0, "str", CLI_STR, F(r.src_text), "S",
            "the bytes of S and a terminating NUL", .sets = F(r.src),
            .sets_to = SRC_STR),
    CLI_OPT(0, "hex", CLI_STR, F(r.src_text), "HEX",
            "hex bytes, as \"de ad be ef\"", .sets = F(r.src),
            .sets_to = SRC_HEX),
    CLI_OPT(0, "file", CLI_STR, F(r.src_text), "F", "the contents of file F",
            .value = CLI_V_FILE, .sets = F(r.src), .sets_to = SRC_FILE),
    CLI_OPT(0, "fill", CLI_STR, F(r.src_text), "BYTE",
            "BYTE repeated to the end (or -n LEN bytes)", .sets = F(r.src),
            .sets_to = SRC_FILL),
    CLI_HEADING("options:"),
    CLI_OPT('s', "offset", CLI_NUM, F(r.off), "OFF",
            "offset to write at (default 0)"),
    CLI_OPT('n', "length", CLI_NUM, F(r.len), "LEN",
            "--fill: bytes to fill (default: to the end)",
            .sets = F(r.have_len), .sets_to = 1),
    CLI_OPT(0, "be", CLI_FLAG, F(r.be), NULL, "--as: big-endian"),
    CLI_OPT(0, "create", CLI_NUM, F(r.create_size), "SIZE",
            "create NAME first (fails if it exists unless --force)",
            .sets = F(r.create), .sets_to = 1),
    CLI_OPT(0, "mode", CLI_MODE, F(r.mode), "MODE",
            "mode of a created object (default 0600)"),
    CLI_OPT(0, "force", CLI_FLAG, F(r.force), NULL,
            "reuse an existing object; write a read-only one"),
    CLI_OPT(0, "follow", CLI_FLAG, F(r.follow), NULL,
            "NAME is a file:PATH that is a symbolic link: write\n"
            "where it points (never a link fs.protected_symlinks\n"
            "forbids)"),
    CLI_OPT(0, "hold", CLI_FLAG, F(r.hold), NULL,
            "keep the object mapped until Enter, end of input,\n"
            "SIGINT or SIGTERM; then remove it if this command\n"
            "created it (unless --keep)"),
    CLI_OPT(0, "keep", CLI_FLAG, F(r.keep), NULL,
            "--hold: keep an object this command created"),
    CLI_HEADING("typed (write NAME --type T ... --field PATH VALUE):"),
    CLI_TYPED_OPTIONS(F),
    CLI_TYPED_FIELD_OPTION(F),
    {0}};

static const cli_pos write_positionals[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {"VALUE", F(value_text), 0, NULL, 0, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

static const char *const write_exclusive[][CLI_EXCL_MAX] = {
    {"as", "str", "hex", "file", "fill", "type", NULL},
    {"as", "str", "hex", "file", "fill", "header", NULL},
    {"as", "str", "hex", "file", "fill", "from", NULL},
    {"as", "str", "hex", "file", "fill", "layout", NULL},
    {"create", "type", NULL},
    {"create", "header", NULL},
    {"create", "from", NULL},
    {"create", "layout", NULL},
    {"hold", "type", NULL},
    {"hold", "header", NULL},
    {"hold", "from", NULL},
    {"hold", "layout", NULL},
    {NULL}};

static const char *const write_needs[][2] = {{"length", "fill"},
                                             {"be", "as"},
                                             {"mode", "create"},
                                             {"keep", "hold"},
                                             {NULL, NULL}};

const cli_command cmd_write_spec = {
    "write",
    "write NAME [-s OFF] SOURCE [--create SIZE] [--mode MODE]\n"
    "                   [--force] [--follow] [--hold [--keep]]\n"
    "       shmspy write NAME [-s BASE] --type T (--header H [--cflags WORDS] "
    "|\n"
    "                   --from PID|PATH | --layout FILE) [--no-cache]\n"
    "                   --field PATH VALUE [--force] [--follow]",
    "With --type, VALUE is checked against field PATH of struct T placed\n"
    "at BASE (its type and range; enums by name) before anything is\n"
    "written; a bitfield's neighbouring bits are kept.\n",
    write_options,
    write_positionals,
    write_exclusive,
    write_needs,
    NULL};

/* `write NAME --type T ... --field PATH VALUE`: the layout loaded, the
 * field found and the value encoded before a byte is written. */
static int write_typed(const write_args *a) {
    spy_typed t;
    spy_name name;
    spy_seg *seg;
    spy_lfield f;
    spy_err e;
    int rc, usage;
    unsigned flags = SPY_O_WRITE;

    if (a->field == NULL)
        return cli_usage_error("write", "--type needs --field PATH");
    if (a->value_text == NULL)
        return cli_usage_error("write", "--field %s needs a VALUE", a->field);
    if (a->r.have_len || a->r.be || a->r.keep || a->r.mode != 0600)
        return cli_usage_error("write", "%s does not apply to --type",
                               a->r.have_len ? "--length"
                               : a->r.be     ? "--be"
                               : a->r.keep   ? "--keep"
                                             : "--mode");
    if (cli_name("write", a->name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if ((rc = cli_typed_load("write", &a->typed, &t)) != 0)
        return rc;
    if (a->r.follow)
        flags |= SPY_O_FOLLOW;
    if (spy_seg_open(&name, flags, 0, 0, &seg, &e) != 0) {
        spy_typed_free(&t);
        return cli_fail(&e);
    }
    {
        char notice[SPY_ERR_MSG_MAX];
        if (spy_write_notice(seg, notice, sizeof notice) != NULL) {
            fputs("shmspy: ", stderr);
            cli_put_escaped(stderr, notice);
            fputc('\n', stderr);
        }
    }
    if (spy_typed_field(seg, &t, a->r.off, a->field, &f, NULL, &usage, &e) !=
        0) {
        rc = usage ? cli_usage_error("write", "%s", e.msg) : cli_fail(&e);
    } else if (spy_typed_write(seg, &t, a->r.off, a->field, a->value_text,
                               a->r.force, &e) != 0) {
        /* The field exists: EINVAL / ERANGE now are the VALUE's. */
        rc = e.code == SPY_EINVAL || e.code == SPY_ERANGE
                 ? cli_usage_error("write", "%s", e.msg)
                 : cli_fail(&e);
    } else {
        rc = SPY_EXIT_OK;
    }
    spy_seg_close(seg);
    spy_typed_free(&t);
    return rc;
}

/* Fills r and *name_text from the command line: 0, -1 after --help, or
 * the exit code of a usage error (printed). A typed write is done here
 * (its exit code returned, -1 for success). */
static int parse_args(write_req *r, int argc, char **argv,
                      const char **name_text) {
    write_args a;
    int rc;

    memset(&a, 0, sizeof a);
    a.r = *r;
    if (!cli_parse(&cmd_write_spec, argc, argv, &a, &rc))
        return rc == SPY_EXIT_OK ? -1 : rc;
    if (spy_typed_wanted(&a.typed)) {
        rc = write_typed(&a);
        return rc == SPY_EXIT_OK ? -1 : rc;
    }
    if (a.field != NULL)
        return cli_usage_error("write", "--field needs --type T and a layout");
    *r = a.r;
    *name_text = a.name_text;
    if (a.value_text != NULL && r->src != SRC_VALUE)
        return cli_usage_error("write", "unexpected argument '%s'",
                               a.value_text);
    if (r->src == SRC_VALUE && a.value_text == NULL)
        return cli_usage_error("write", "--as %s needs a VALUE", r->type_text);
    if (r->src == SRC_VALUE)
        r->src_text = a.value_text;
    return 0;
}

int cmd_write(int argc, char **argv) {
    write_req r;
    const char *name_text = NULL;
    spy_name name;
    spy_seg *seg = NULL;
    unsigned flags = SPY_O_WRITE;
    uint64_t size, len;
    int rc, held = 0;
    spy_err e;

    memset(&r, 0, sizeof r);
    r.mode = 0600;
    rc = parse_args(&r, argc, argv, &name_text);
    if (rc != 0)
        return rc < 0 ? SPY_EXIT_OK : rc;
    if ((rc = build_payload(&r)) != 0)
        goto out;
    if (cli_name("write", name_text, &name) != 0) {
        rc = SPY_EXIT_USAGE;
        goto out;
    }
    /* With --create the size is known: reject a write past its end before
     * anything is created. */
    if (r.create) {
        len = r.src == SRC_FILL
                  ? (r.have_len
                         ? r.len
                         : (r.off <= r.create_size ? r.create_size - r.off : 0))
                  : r.payload_len;
        if (r.off > r.create_size || len > r.create_size - r.off) {
            rc = cli_usage_error("write",
                                 "offset %" PRIu64 " + %" PRIu64
                                 " bytes does not fit in --create %" PRIu64,
                                 r.off, len, r.create_size);
            goto out;
        }
        flags |= SPY_O_CREATE | (r.force ? 0 : SPY_O_EXCL);
    }

    /* A holder catches SIGINT/SIGTERM/SIGHUP before it creates anything:
     * a signal from now on releases the hold (and removes what it
     * created) instead of killing us with the object left behind. */
    if (r.follow)
        flags |= SPY_O_FOLLOW;
    if (r.hold && spy_hold_arm(&e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    if (spy_seg_open(&name, flags, r.create_size, r.mode, &seg, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    {
        char notice[SPY_ERR_MSG_MAX];
        if (spy_write_notice(seg, notice, sizeof notice) != NULL) {
            fputs("shmspy: ", stderr);
            cli_put_escaped(stderr, notice);
            fputc('\n', stderr);
        }
    }
    size = spy_seg_len(seg);
    if (r.src == SRC_FILL)
        len = r.have_len ? r.len : (r.off <= size ? size - r.off : 0);
    else
        len = r.payload_len;
    if (do_write(seg, &r, len, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    rc = SPY_EXIT_OK;

    if (r.hold) {
        const char *why = "?";
        held = 1;
        fputs("shmspy: holding ", stderr);
        cli_put_name(stderr, spy_seg_name(seg));
        fprintf(stderr,
                " (%" PRIu64 " bytes); press Enter or Ctrl-C to release\n",
                size);
        if (spy_hold_wait(&why, &e) != 0) {
            rc = cli_fail(&e);
        }
        fprintf(stderr, "shmspy: released (%s)", why);
        if (spy_seg_created(seg) && !r.keep) {
            if (spy_seg_unlink(&name, &e) == 0) {
                fputs("; removed ", stderr);
                cli_put_name(stderr, spy_seg_name(seg));
                fputc('\n', stderr);
            } else {
                fputc('\n', stderr);
                rc = cli_fail(&e);
            }
        } else {
            fputc('\n', stderr);
        }
    }
out:
    /* A command that failed after creating the object removes it again:
     * a rejected command leaves nothing behind. */
    if (rc != SPY_EXIT_OK && seg != NULL && spy_seg_created(seg) && !held)
        spy_seg_unlink(&name, NULL);
    spy_seg_close(seg);
    free(r.payload);
    return rc;
}
