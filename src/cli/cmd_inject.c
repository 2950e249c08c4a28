/* cmd_inject.c - `shmspy inject FAULT NAME ... [--journal F]` and
 * `shmspy inject undo F`: faults against a live segment that other
 * processes are using, each one journalled (and the journal fsync'ed)
 * before anything changes, each one undoable exactly.
 *
 * This file parses the command line and prints; the transaction itself
 * (check, journal first, then change; and the undo) is ops/inject.c, which
 * the TUI's inject prompt runs too. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hexbytes.h"
#include "../core/journal.h"
#include "../core/num.h"
#include "../core/value.h"
#include "../ops/inject.h"
#include "cli.h"
#include "../backends/process.h"
#include "../backends/inject.h"

typedef struct inject_req {
    spy_inject_kind kind;
    const char *name_text, *arg_text, *journal;
    const char *hex, *str, *as_type, *as_value;
    int be, have_off, have_len, have_k, have_bit, have_seed, follow;
    uint64_t off, len, k, bit, seed, new_size;
    uint32_t new_mode;
    spy_name name;
    uint8_t *payload; /* set: the bytes to write (malloc'd) */
    size_t payload_len;
} inject_req;

/* ---- the command line --------------------------------------------------- */

static int option_applies(const inject_req *q, const char *opt, int given,
                          int ok) {
    if (given && !ok)
        return cli_usage_error("inject", "%s does not apply to %s", opt,
                               spy_inject_kind_name(q->kind));
    return 0;
}

static int check_request(inject_req *q) {
    spy_inject_kind k = q->kind;
    spy_err e;
    int is_set = k == SPY_INJ_SET, need_arg;

    if (option_applies(q, "-s", q->have_off,
                       k == SPY_INJ_FLIP || is_set || k == SPY_INJ_CORRUPT) ||
        option_applies(q, "-n", q->have_len, k == SPY_INJ_CORRUPT) ||
        option_applies(q, "-k", q->have_k, k == SPY_INJ_CORRUPT) ||
        option_applies(q, "--seed", q->have_seed, k == SPY_INJ_CORRUPT) ||
        option_applies(q, "--bit", q->have_bit, k == SPY_INJ_FLIP) ||
        option_applies(q, "--hex", q->hex != NULL, is_set) ||
        option_applies(q, "--str", q->str != NULL, is_set) ||
        option_applies(q, "--as", q->as_type != NULL, is_set) ||
        option_applies(q, "--be", q->be, is_set))
        return SPY_EXIT_USAGE;
    if (cli_name("inject", q->name_text, &q->name) != 0)
        return SPY_EXIT_USAGE;
    need_arg = k == SPY_INJ_TRUNCATE || k == SPY_INJ_CHMOD;
    if (need_arg && q->arg_text == NULL)
        return cli_usage_error("inject", "%s: missing %s",
                               spy_inject_kind_name(k),
                               k == SPY_INJ_CHMOD ? "MODE" : "SIZE");
    if (!need_arg && q->arg_text != NULL)
        return cli_usage_error("inject", "unexpected argument '%s'",
                               q->arg_text);
    if (k == SPY_INJ_TRUNCATE &&
        cli_number("inject", "SIZE", q->arg_text, &q->new_size) != 0)
        return SPY_EXIT_USAGE;
    if (k == SPY_INJ_CHMOD &&
        spy_parse_mode("MODE", q->arg_text, &q->new_mode, &e) != 0)
        return cli_usage_error("inject", "%s", e.msg);
    if ((k == SPY_INJ_FLIP || is_set) && !q->have_off)
        return cli_usage_error("inject", "%s: missing -s OFF",
                               spy_inject_kind_name(k));
    if (k == SPY_INJ_CORRUPT && !q->have_k)
        return cli_usage_error("inject", "corrupt: missing -k K");
    if (is_set) {
        int sources =
            (q->hex != NULL) + (q->str != NULL) + (q->as_type != NULL);
        if (sources != 1)
            return cli_usage_error("inject", "set: give exactly one of --hex, "
                                             "--str and --as TYPE VALUE");
        if (q->hex != NULL) {
            if (spy_hexbytes_parse(q->hex, &q->payload, &q->payload_len, &e) !=
                0)
                return cli_usage_error("inject", "--hex: %s", e.msg);
        } else if (q->str != NULL) {
            q->payload_len = strlen(q->str);
            if (q->payload_len == 0)
                return cli_usage_error("inject", "--str: empty string");
            if ((q->payload = malloc(q->payload_len)) == NULL)
                return cli_usage_error("inject", "out of memory");
            memcpy(q->payload, q->str, q->payload_len);
        } else {
            spy_type t;
            if (q->as_value == NULL)
                return cli_usage_error("inject", "--as %s: missing VALUE",
                                       q->as_type);
            if (spy_type_parse(q->as_type, &t, &e) != 0)
                return cli_usage_error("inject", "%s", e.msg);
            if (t.kind == SPY_V_STR || t.kind == SPY_V_HEX)
                return cli_usage_error("inject", "--as %s: use --str or --hex",
                                       q->as_type);
            if ((q->payload = malloc(8)) == NULL)
                return cli_usage_error("inject", "out of memory");
            if (spy_value_encode(&t, q->as_value, q->be, q->payload, 8,
                                 &q->payload_len, &e) != 0)
                return cli_usage_error("inject", "%s", e.msg);
        }
    } else if (q->as_value != NULL) {
        return cli_usage_error("inject", "unexpected argument '%s'",
                               q->as_value);
    }
    return 0;
}

/* The request as ops takes it (ops/inject.h). The payload moves there. */
static void to_ops(inject_req *q, spy_inject_req *r) {
    memset(r, 0, sizeof *r);
    r->kind = q->kind;
    r->name = q->name;
    r->off = q->off;
    r->have_off = q->have_off;
    r->len = q->len;
    r->have_len = q->have_len;
    r->k = q->k;
    r->bit = q->bit;
    r->seed = q->seed;
    r->have_seed = q->have_seed;
    r->follow = q->follow;
    r->new_size = q->new_size;
    r->new_mode = q->new_mode;
    r->payload = q->payload;
    r->payload_len = q->payload_len;
    r->journal = q->journal;
    q->payload = NULL;
    q->payload_len = 0;
}

/* What was done, as `shmspy inject` prints it: the ops summary, a corrupt's
 * first changes, and the journal with its undo command. */
static void print_done(const spy_inject_done *d) {
    const spy_journal *j = &d->j;
    char what[256];
    size_t i;

    spy_inject_describe(j, what, sizeof what);
    printf("%s ", spy_inject_kind_name(j->kind));
    cli_put_escaped(stdout, j->name);
    printf(": %s\n", what);
    for (i = 0; j->kind == SPY_INJ_CORRUPT && i < j->n_patches && i < 16; i++) {
        const spy_jpatch *p = &j->patches[i];
        printf("  offset %" PRIu64 ": 0x%02x -> 0x%02x\n", p->off,
               j->bytes[p->at], j->bytes[p->at + 1]);
    }
    if (j->kind == SPY_INJ_CORRUPT && j->n_patches > 16)
        printf("  ... %zu more in the journal\n", j->n_patches - 16);
    printf("journal: ");
    cli_put_escaped(stdout, d->journal);
    printf("  (undo: shmspy inject undo ");
    cli_put_escaped(stdout, d->journal);
    printf(")\n");
}

static int run_fault(inject_req *q) {
    spy_inject_req r;
    spy_inject_done d;
    spy_err e;
    int rc;

    to_ops(q, &r);
    spy_err_clear(&e);
    if (spy_inject_check(&r, &e) != 0) {
        spy_inject_req_free(&r);
        return cli_usage_error("inject", "%s", e.msg);
    }
    rc = spy_inject_run(&r, &d, &e);
    if (rc == 0)
        print_done(&d);
    spy_inject_done_free(&d);
    spy_inject_req_free(&r);
    if (rc != 0)
        return cli_fail(&e);
    return cli_finish_stdout();
}

static int run_undo(const char *path, int follow) {
    spy_undo_done d;
    const spy_journal *j = &d.j;
    spy_err e;
    spy_name n;
    int rc = spy_inject_undo(path, follow, &d, &e);
    int sysv = rc == 0 && spy_name_parse(j->name, &n, NULL) == 0 &&
               (n.form == SPY_NAME_SYSV_ID || n.form == SPY_NAME_SYSV_KEY);

    if (rc == 0 && j->kind == SPY_INJ_UNLINK && sysv) {
        printf("undo unlink: recreated ");
        cli_put_escaped(stdout, j->name);
        printf(" (%" PRIu64 " bytes, mode %04o) as a new ", j->size,
               (unsigned)j->mode);
        if (n.form == SPY_NAME_SYSV_ID) {
            printf("private segment, ");
            cli_put_escaped(stdout, d.new_name);
            printf(" (key IPC_PRIVATE: only its new id finds it)");
        } else {
            printf("segment, shmid %" PRIu64, d.new_ino);
        }
        printf("; processes still attached to the old one (shmid %" PRIu64
               ") keep the old one\n",
               j->ino);
        printf("note: journals of injects made before the unlink name "
               "the old segment (shmid %" PRIu64 ") and refuse the new "
               "one\n",
               j->ino);
    } else if (rc == 0 && j->kind == SPY_INJ_UNLINK) {
        printf("undo unlink: recreated ");
        cli_put_escaped(stdout, j->name);
        printf(" (%" PRIu64 " bytes, mode %04o) as a new object (inode "
               "%" PRIu64 "); processes that still map the old one keep "
               "the old one\n",
               j->size, (unsigned)j->mode, d.new_ino);
        printf("note: journals of injects made before the unlink name "
               "the old object (inode %" PRIu64 ") and refuse the new "
               "one\n",
               j->ino);
    } else if (rc == 0 && d.already) {
        printf("undo %s: ", spy_inject_kind_name(j->kind));
        cli_put_escaped(stdout, j->name);
        printf(" already holds the original bytes (undone before?): "
               "nothing written\n");
    } else if (rc == 0) {
        printf("undo %s: ", spy_inject_kind_name(j->kind));
        cli_put_escaped(stdout, j->name);
        if (j->kind == SPY_INJ_TRUNCATE)
            printf(" is %" PRIu64 " bytes again, %zu bytes restored\n", j->size,
                   j->data_len);
        else if (j->kind == SPY_INJ_CHMOD)
            printf(" has mode %04o again\n", (unsigned)j->mode);
        else
            printf(": %zu range%s restored\n", j->n_patches,
                   j->n_patches == 1 ? "" : "s");
        if (d.changed_since > 0)
            printf("note: %zu of those bytes had been changed again since "
                   "the inject; they hold the original values now\n",
                   d.changed_since);
    }
    spy_undo_done_free(&d);
    if (rc != 0)
        return cli_fail(&e);
    return cli_finish_stdout();
}

/* What the command line fills: the request and the fault's name. */
typedef struct inject_args {
    inject_req q;
    const char *fault;
} inject_args;

#define F(member) offsetof(inject_args, member)

static const cli_option inject_options[] = {
    CLI_OPT('s', "offset", CLI_NUM, F(q.off), "OFF",
            "flip, set, corrupt: offset of the bytes", .sets = F(q.have_off),
            .sets_to = 1),
    CLI_OPT(0, "bit", CLI_NUM, F(q.bit), "B", "flip: the bit, 0-7 (default 0)",
            .sets = F(q.have_bit), .sets_to = 1),
    CLI_OPT(0, "hex", CLI_STR, F(q.hex), "HEX",
            "set: these bytes, as \"de ad\""),
    CLI_OPT(0, "str", CLI_STR, F(q.str), "S",
            "set: the bytes of S (without a NUL)"),
    CLI_OPT('t', "as", CLI_STR, F(q.as_type), "TYPE",
            "set: the typed VALUE (i8..u64, f32, f64)", .value = CLI_V_TYPE),
    CLI_OPT(0, "be", CLI_FLAG, F(q.be), NULL, "set --as: big-endian"),
    CLI_OPT('k', "count", CLI_NUM, F(q.k), "K",
            "corrupt: how many bytes to change, 1..4096", .sets = F(q.have_k),
            .sets_to = 1),
    CLI_OPT(0, "seed", CLI_NUM, F(q.seed), "S",
            "corrupt: the random seed (default: a fresh one)",
            .sets = F(q.have_seed), .sets_to = 1),
    CLI_OPT('n', "length", CLI_NUM, F(q.len), "LEN",
            "corrupt: bytes of the range (default: to the end)",
            .sets = F(q.have_len), .sets_to = 1),
    CLI_OPT(0, "journal", CLI_STR, F(q.journal), "F",
            "where to journal (default ./shmspy-inject-PID-N.journal)",
            .value = CLI_V_FILE),
    CLI_OPT(0, "follow", CLI_FLAG, F(q.follow), NULL,
            "a file:PATH that is a symbolic link: change what it points to\n"
            "(also for undo; never a link fs.protected_symlinks forbids)"),
    {0}};

/* The FAULT words, for completion; "undo" is followed by a journal. */
static const cli_choice inject_faults[] = {
    {"flip", 0, 0, 0},          {"set", 0, 0, 0},    {"corrupt", 0, 0, 0},
    {"truncate", 0, 0, 0},      {"unlink", 0, 0, 0}, {"chmod", 0, 0, 0},
    {"undo", 0, 0, CLI_V_FILE}, {NULL, 0, 0, 0}};

static const cli_pos inject_positionals[] = {
    {"FAULT", F(fault), CLI_REQUIRED,
     "FAULT (flip, set, corrupt, truncate, unlink, chmod or undo)", CLI_V_WORDS,
     inject_faults},
    {"NAME", F(q.name_text), 0, NULL, CLI_V_NAME, NULL},
    {"SIZE|MODE|VALUE", F(q.arg_text), 0, NULL, 0, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

static const char *const inject_exclusive[][CLI_EXCL_MAX] = {
    {"hex", "str", "as", NULL}, {NULL}};

const cli_command cmd_inject_spec = {
    "inject",
    "inject FAULT NAME [ARGS] [--journal F] [--follow]\n"
    "       shmspy inject undo F [--follow]",
    "Faults against a live segment (a POSIX object, file:PATH, a System V\n"
    "segment, memfd:, pid:PID@ADDR or fd:PID:N):\n"
    "  flip NAME -s OFF [--bit B]   invert bit B (0-7, default 0) of byte OFF\n"
    "  set NAME -s OFF --hex \"de ad\" | --str S | --as TYPE VALUE [--be]\n"
    "                               overwrite bytes at OFF (--str: no NUL)\n"
    "  corrupt NAME -k K [--seed S] [-s OFF] [-n LEN]\n"
    "                               XOR K distinct random bytes of OFF..+LEN\n"
    "                               (default the whole object; K <= 4096)\n"
    "                               with random non-zero masks; the same\n"
    "                               seed gives the same faults\n"
    "  truncate NAME SIZE           set the size; mappers of cut-off pages\n"
    "                               get SIGBUS (not System V: size fixed)\n"
    "  unlink NAME                  remove the name; mappers keep the memory\n"
    "                               (System V: IPC_RMID)\n"
    "  chmod NAME MODE              change the permission bits\n",
    inject_options,
    inject_positionals,
    inject_exclusive,
    NULL,
    "Before changing anything, the object's identity (device, inode; System\n"
    "V: its shmid), size, mode and the original bytes are written to the\n"
    "journal F (default ./shmspy-inject-PID-N.journal, never overwritten)\n"
    "and fsync'ed; at most 16 MiB of bytes are journalled. A fault the\n"
    "object cannot take is refused before that; one that fails having\n"
    "changed nothing removes its journal. 'inject undo F' restores size,\n"
    "bytes and mode exactly (an unlinked object is recreated with its\n"
    "contents; a System V segment by its key, with a new shmid, or if its\n"
    "key was IPC_PRIVATE as a new private segment) and refuses when NAME is\n"
    "no longer the object the journal was written for. The journal is kept.\n"};

int cmd_inject(int argc, char **argv) {
    inject_args a;
    inject_req *q = &a.q;
    int rc;

    memset(&a, 0, sizeof a);
    if (!cli_parse(&cmd_inject_spec, argc, argv, &a, &rc))
        return rc;
    if (strcmp(a.fault, "undo") == 0) {
        if (q->name_text == NULL)
            return cli_usage_error("inject", "undo: missing the journal file");
        if (q->arg_text || q->have_off || q->have_len || q->have_k ||
            q->have_bit || q->have_seed || q->hex || q->str || q->as_type ||
            q->be || q->journal)
            return cli_usage_error("inject", "undo takes only the journal "
                                             "file (and --follow)");
        return run_undo(q->name_text, q->follow);
    }
    q->kind = spy_inject_kind_parse(a.fault);
    if (q->kind == SPY_INJ_NONE)
        return cli_usage_error("inject",
                               "unknown fault '%s' (flip, set, corrupt, "
                               "truncate, unlink, chmod or undo)",
                               a.fault);
    /* set --as TYPE VALUE: VALUE is the third positional argument, as in
     * write, so options may come in any order around it. */
    if (q->kind == SPY_INJ_SET && q->as_type != NULL) {
        q->as_value = q->arg_text;
        q->arg_text = NULL;
    }
    rc = check_request(q);
    if (rc == 0)
        rc = run_fault(q);
    free(q->payload);
    return rc;
}
