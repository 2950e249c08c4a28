/* cmd_inject.c - `shmspy inject FAULT NAME ... [--journal F]` and
 * `shmspy inject undo F`: faults against a live segment that other
 * processes are using, each one journalled (and the journal fsync'ed)
 * before anything changes, each one undoable exactly.
 *
 * Order of work, for every fault: parse and check the whole command line;
 * open the object and read its identity, size and mode; check offsets and
 * sizes against it; read the original bytes; write the journal durably;
 * only then change the object. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hexbytes.h"
#include "../core/journal.h"
#include "../core/num.h"
#include "../core/value.h"
#include "cli.h"
#include "../backends/process.h"
#include "../backends/inject.h"

#define CORRUPT_MAX 4096 /* bytes one `inject corrupt` may change */

typedef struct inject_req {
    spy_inject_kind kind;
    const char *name_text, *arg_text, *journal;
    const char *hex, *str, *as_type, *as_value;
    int be, have_off, have_len, have_k, have_bit, have_seed;
    uint64_t off, len, k, bit, seed, new_size;
    uint32_t new_mode;
    spy_name name;
    uint8_t *payload; /* set: the bytes to write (malloc'd) */
    size_t payload_len;
} inject_req;

/* Prints "shmspy: inject: <what>" for a runtime problem; exit 1. */
static int inject_fail(spy_err *e) {
    return cli_fail(e);
}

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
    if (k == SPY_INJ_FLIP && q->bit > 7)
        return cli_usage_error("inject", "--bit: %" PRIu64 " is not in 0..7",
                               q->bit);
    if (k == SPY_INJ_CORRUPT) {
        if (!q->have_k)
            return cli_usage_error("inject", "corrupt: missing -k K");
        if (q->k < 1 || q->k > CORRUPT_MAX)
            return cli_usage_error("inject",
                                   "-k: %" PRIu64 " is not in 1..4096", q->k);
        if (q->have_len && q->len == 0)
            return cli_usage_error("inject", "-n: must be at least 1");
    }
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
        if (q->payload_len > SPY_JOURNAL_PATCH_BYTES_MAX)
            return cli_usage_error("inject", "set: more than 1 MiB of bytes");
    } else if (q->as_value != NULL) {
        return cli_usage_error("inject", "unexpected argument '%s'",
                               q->as_value);
    }
    return 0;
}

/* ---- planning: checks against the object, original bytes ------------------
 */

static int past_end(spy_err *e, const char *name, uint64_t off, uint64_t len,
                    uint64_t size) {
    return spy_err_set(e, SPY_ERANGE, 0,
                       "%s: %" PRIu64 " byte%s at offset %" PRIu64
                       " %s past its end (%" PRIu64 " bytes)",
                       name, len, len == 1 ? "" : "s", off,
                       len == 1 ? "lies" : "lie", size);
}

/* Chooses k distinct offsets in [0, n) (Floyd's algorithm: exactly k draws),
 * sorted ascending into out. */
static void pick_offsets(uint64_t *rng, uint64_t n, size_t k, uint64_t *out) {
    size_t have = 0, i;
    uint64_t j;
    for (j = n - k; j < n; j++) {
        uint64_t t = spy_rand_next(rng) % (j + 1), cand = t;
        size_t lo = 0, hi = have;
        while (lo < hi) { /* binary search for t */
            size_t mid = lo + (hi - lo) / 2;
            if (out[mid] < t)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < have && out[lo] == t) { /* taken: j is certainly free */
            cand = j;
            lo = have; /* j is larger than everything chosen so far */
        }
        for (i = have; i > lo; i--)
            out[i] = out[i - 1];
        out[lo] = cand;
        have++;
    }
}

static int plan(inject_req *q, spy_obj *o, const spy_obj_state *st,
                spy_journal *j, spy_err *e) {
    const char *name = spy_obj_name(o);
    uint8_t b, nb;
    int rc;

    switch (q->kind) {
    case SPY_INJ_FLIP:
        if (q->off >= st->size)
            return past_end(e, name, q->off, 1, st->size);
        if ((rc = spy_obj_read(o, q->off, &b, 1, e)) != 0)
            return rc;
        nb = (uint8_t)(b ^ (1u << q->bit));
        return spy_journal_add_patch(j, q->off, &b, &nb, 1, e);
    case SPY_INJ_SET: {
        uint8_t *old;
        if (q->off > st->size || q->payload_len > st->size - q->off)
            return past_end(e, name, q->off, q->payload_len, st->size);
        if ((old = malloc(q->payload_len)) == NULL)
            return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
        rc = spy_obj_read(o, q->off, old, q->payload_len, e);
        if (rc == 0)
            rc = spy_journal_add_patch(j, q->off, old, q->payload,
                                       q->payload_len, e);
        free(old);
        return rc;
    }
    case SPY_INJ_CORRUPT: {
        uint64_t off = q->have_off ? q->off : 0, len, rng, *offs;
        size_t i;
        if (off > st->size)
            return past_end(e, name, off, 1, st->size);
        len = q->have_len ? q->len : st->size - off;
        if (len > st->size - off || len == 0)
            return past_end(e, name, off, len ? len : 1, st->size);
        if (q->k > len)
            return spy_err_set(e, SPY_ERANGE, 0,
                               "%s: cannot change %" PRIu64
                               " distinct bytes among %" PRIu64,
                               name, q->k, len);
        if (!q->have_seed)
            q->seed = spy_entropy();
        j->has_seed = 1;
        j->seed = q->seed;
        rng = q->seed;
        if ((offs = malloc((size_t)q->k * sizeof *offs)) == NULL)
            return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
        pick_offsets(&rng, len, (size_t)q->k, offs);
        for (i = 0, rc = 0; rc == 0 && i < (size_t)q->k; i++) {
            uint8_t mask = (uint8_t)(1 + spy_rand_next(&rng) % 255);
            rc = spy_obj_read(o, off + offs[i], &b, 1, e);
            nb = (uint8_t)(b ^ mask);
            if (rc == 0)
                rc = spy_journal_add_patch(j, off + offs[i], &b, &nb, 1, e);
        }
        free(offs);
        return rc;
    }
    case SPY_INJ_TRUNCATE:
        j->has_new_size = 1;
        j->new_size = q->new_size;
        if (q->new_size < st->size) {
            uint64_t cut = st->size - q->new_size;
            uint8_t *tail;
            if (cut > SPY_JOURNAL_DATA_MAX)
                return spy_err_set(e, SPY_ERANGE, 0,
                                   "%s: truncating would cut off %" PRIu64
                                   " bytes; a journal keeps at most 16 MiB",
                                   name, cut);
            if ((tail = malloc((size_t)cut)) == NULL)
                return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
            rc = spy_obj_read(o, q->new_size, tail, (size_t)cut, e);
            if (rc == 0)
                rc = spy_journal_set_data(j, q->new_size, tail, (size_t)cut, e);
            free(tail);
            return rc;
        }
        return 0;
    case SPY_INJ_UNLINK: {
        uint8_t *all;
        if (st->size > SPY_JOURNAL_DATA_MAX)
            return spy_err_set(e, SPY_ERANGE, 0,
                               "%s: %" PRIu64 " bytes; a journal keeps at most "
                               "16 MiB, so the unlink could not be undone",
                               name, st->size);
        if ((all = malloc(st->size ? (size_t)st->size : 1)) == NULL)
            return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
        rc = spy_obj_read(o, 0, all, (size_t)st->size, e);
        if (rc == 0)
            rc = spy_journal_set_data(j, 0, all, (size_t)st->size, e);
        free(all);
        return rc;
    }
    case SPY_INJ_CHMOD:
        j->has_new_mode = 1;
        j->new_mode = q->new_mode;
        return 0;
    default:
        return spy_err_set(e, SPY_EINVAL, 0, "no fault");
    }
}

/* Applies the journalled change. */
static int apply(const spy_journal *j, spy_obj *o, spy_err *e) {
    size_t i;
    int rc = 0;
    switch (j->kind) {
    case SPY_INJ_FLIP:
    case SPY_INJ_SET:
    case SPY_INJ_CORRUPT:
        for (i = 0; rc == 0 && i < j->n_patches; i++) {
            const spy_jpatch *p = &j->patches[i];
            rc = spy_obj_write(o, p->off, j->bytes + p->at + p->len, p->len, e);
        }
        return rc;
    case SPY_INJ_TRUNCATE:
        return spy_obj_truncate(o, j->new_size, e);
    case SPY_INJ_UNLINK:
        return spy_obj_unlink(o, e);
    case SPY_INJ_CHMOD:
        return spy_obj_chmod(o, j->new_mode, e);
    default:
        return spy_err_set(e, SPY_EINVAL, 0, "no fault");
    }
}

static void print_done(const spy_journal *j) {
    const spy_jpatch *p = j->n_patches ? &j->patches[0] : NULL;
    size_t i;
    printf("%s ", spy_inject_kind_name(j->kind));
    cli_put_escaped(stdout, j->name);
    switch (j->kind) {
    case SPY_INJ_FLIP:
        printf(": byte %" PRIu64 " was 0x%02x, now 0x%02x\n", p->off,
               j->bytes[p->at], j->bytes[p->at + 1]);
        break;
    case SPY_INJ_SET:
        printf(": %zu byte%s at offset %" PRIu64 " overwritten\n", p->len,
               p->len == 1 ? "" : "s", p->off);
        break;
    case SPY_INJ_CORRUPT:
        printf(": %zu bytes changed (seed %" PRIu64 ")\n", j->n_patches,
               j->seed);
        for (i = 0; i < j->n_patches && i < 16; i++) {
            p = &j->patches[i];
            printf("  offset %" PRIu64 ": 0x%02x -> 0x%02x\n", p->off,
                   j->bytes[p->at], j->bytes[p->at + 1]);
        }
        if (j->n_patches > 16)
            printf("  ... %zu more in the journal\n", j->n_patches - 16);
        break;
    case SPY_INJ_TRUNCATE:
        printf(": size %" PRIu64 " -> %" PRIu64 " bytes\n", j->size,
               j->new_size);
        break;
    case SPY_INJ_UNLINK:
        printf(": name removed; processes that map it keep the memory\n");
        break;
    case SPY_INJ_CHMOD:
        printf(": mode %04o -> %04o\n", (unsigned)j->mode,
               (unsigned)j->new_mode);
        break;
    default:
        putchar('\n');
    }
}

static int run_fault(inject_req *q) {
    spy_obj *o = NULL;
    spy_obj_state st;
    spy_journal j;
    spy_err e;
    char path[4096], *text = NULL;
    size_t text_len;
    int write_access = q->kind != SPY_INJ_UNLINK && q->kind != SPY_INJ_CHMOD;
    int rc;

    spy_journal_init(&j);
    if (q->journal != NULL)
        snprintf(path, sizeof path, "%s", q->journal);
    else
        snprintf(path, sizeof path, "shmspy-inject-%ld.journal",
                 spy_self_pid());
    rc = spy_obj_open(&q->name, write_access, &o, &e);
    if (rc == 0)
        rc = spy_obj_stat(o, &st, &e);
    if (rc == 0) {
        j.kind = q->kind;
        snprintf(j.name, sizeof j.name, "%s", spy_obj_name(o));
        j.dev = st.dev;
        j.ino = st.ino;
        j.size = st.size;
        j.mode = st.mode;
        rc = plan(q, o, &st, &j, &e);
    }
    if (rc == 0)
        rc = spy_journal_format(&j, &text, &text_len, &e);
    /* The journal is on disk before the object changes. */
    if (rc == 0)
        rc = spy_durable_create(path, text, text_len, &e);
    if (rc == 0 && (rc = apply(&j, o, &e)) != 0) {
        spy_err e2 = e;
        spy_err_set(&e, e2.code, e2.sys,
                    "%s (journal %s kept; 'inject undo' restores what "
                    "changed)",
                    e2.msg, path);
    }
    if (rc == 0) {
        print_done(&j);
        printf("journal: ");
        cli_put_escaped(stdout, path);
        printf("  (undo: shmspy inject undo ");
        cli_put_escaped(stdout, path);
        printf(")\n");
    }
    free(text);
    spy_journal_free(&j);
    spy_obj_close(o);
    if (rc != 0)
        return inject_fail(&e);
    return cli_finish_stdout();
}

/* ---- undo ------------------------------------------------------------------
 */

static int identity_mismatch(spy_err *e, const spy_journal *j,
                             const spy_obj_state *st) {
    return spy_err_set(e, SPY_EEXIST, 0,
                       "%s: not the object this journal was written for "
                       "(journal: device %" PRIu64 " inode %" PRIu64
                       "; now: device %" PRIu64 " inode %" PRIu64
                       "): refusing to undo",
                       j->name, j->dev, j->ino, st->dev, st->ino);
}

/* Restores the journalled bytes of j in o. Before writing anything it
 * reads what the ranges hold now: *changed_since counts the bytes the
 * inject changed that hold neither the injected nor the original value
 * (written over since), and *already is 1 when every byte the inject
 * changed holds its original value again (undone before): nothing is
 * then written. */
static int undo_bytes(const spy_journal *j, spy_obj *o, const spy_obj_state *st,
                      size_t *changed_since, int *already, spy_err *e) {
    size_t i, k, differs = 0, back = 0;
    int rc = 0;
    /* Everything is checked before the first byte is written. */
    for (i = 0; i < j->n_patches; i++) {
        const spy_jpatch *p = &j->patches[i];
        if (p->off > st->size || p->len > st->size - p->off)
            return spy_err_set(e, SPY_ERANGE, 0,
                               "%s: is %" PRIu64 " bytes now, too short to "
                               "restore offset %" PRIu64
                               ": refusing to undo (restore its size first)",
                               j->name, st->size, p->off);
    }
    *changed_since = 0;
    *already = 0;
    for (i = 0; rc == 0 && i < j->n_patches; i++) {
        const spy_jpatch *p = &j->patches[i];
        const uint8_t *orig = j->bytes + p->at, *inj = orig + p->len;
        uint8_t *now = malloc(p->len ? p->len : 1);
        if (now == NULL)
            return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
        rc = spy_obj_read(o, p->off, now, p->len, e);
        for (k = 0; rc == 0 && k < p->len; k++) {
            if (inj[k] == orig[k])
                continue; /* the inject left this byte as it was */
            differs++;
            if (now[k] == orig[k])
                back++;
            else if (now[k] != inj[k])
                (*changed_since)++;
        }
        free(now);
    }
    if (rc != 0)
        return rc;
    if (differs > 0 && back == differs) {
        *already = 1;
        return 0;
    }
    /* Latest range first: overlapping ranges end as before the first. */
    for (i = j->n_patches; rc == 0 && i > 0; i--) {
        const spy_jpatch *p = &j->patches[i - 1];
        rc = spy_obj_write(o, p->off, j->bytes + p->at, p->len, e);
    }
    return rc;
}

static int run_undo(const char *path) {
    spy_journal j;
    spy_obj *o = NULL;
    spy_obj_state st;
    spy_name n;
    spy_err e;
    char *text = NULL;
    size_t len, changed = 0;
    int rc, already = 0;

    spy_journal_init(&j);
    rc = spy_file_slurp(path, SPY_JOURNAL_FILE_MAX, &text, &len, &e);
    if (rc == 0 && (rc = spy_journal_parse(text, len, &j, &e)) != 0) {
        spy_err e2 = e;
        spy_err_set(&e, e2.code, 0, "%s: %s", path, e2.msg);
    }
    free(text);
    if (rc == 0 && spy_name_parse(j.name, &n, NULL) != 0)
        rc = spy_err_set(&e, SPY_EINVAL, 0,
                         "%s: the journal names no valid object", path);
    if (rc == 0 && j.kind == SPY_INJ_UNLINK) {
        rc = spy_obj_create(&n, j.mode, &o, &e);
        if (rc == SPY_EEXIST) {
            spy_obj *other = NULL;
            if (spy_obj_open(&n, 0, &other, NULL) == 0 &&
                spy_obj_stat(other, &st, NULL) == 0 && st.dev == j.dev &&
                st.ino == j.ino)
                rc = spy_err_set(&e, SPY_EEXIST, 0,
                                 "%s: exists and is the journalled object: "
                                 "the unlink was already undone or never "
                                 "happened",
                                 j.name);
            else
                rc = spy_err_set(&e, SPY_EEXIST, 0,
                                 "%s: the name exists again (another "
                                 "object): refusing to replace it",
                                 j.name);
            spy_obj_close(other);
        }
        if (rc == 0)
            rc = spy_obj_write(o, 0, j.data, j.data_len, &e);
        if (rc == 0)
            rc = spy_obj_truncate(o, j.size, &e);
        if (rc == 0)
            rc = spy_obj_stat(o, &st, &e);
        if (rc == 0) {
            printf("undo unlink: recreated ");
            cli_put_escaped(stdout, j.name);
            printf(" (%" PRIu64 " bytes, mode %04o) as a new object (inode "
                   "%" PRIu64 "); processes that still map the old one keep "
                   "the old one\n",
                   j.size, (unsigned)j.mode, st.ino);
            printf("note: journals of injects made before the unlink name "
                   "the old object (inode %" PRIu64 ") and refuse the new "
                   "one\n",
                   j.ino);
        }
    } else if (rc == 0) {
        int write_access = j.kind != SPY_INJ_CHMOD;
        rc = spy_obj_open(&n, write_access, &o, &e);
        if (rc == 0)
            rc = spy_obj_stat(o, &st, &e);
        if (rc == 0 && (st.dev != j.dev || st.ino != j.ino))
            rc = identity_mismatch(&e, &j, &st);
        if (rc == 0) {
            switch (j.kind) {
            case SPY_INJ_TRUNCATE:
                rc = spy_obj_truncate(o, j.size, &e);
                if (rc == 0 && j.has_data && j.data_len > 0)
                    rc = spy_obj_write(o, j.data_off, j.data, j.data_len, &e);
                break;
            case SPY_INJ_CHMOD:
                rc = spy_obj_chmod(o, j.mode, &e);
                break;
            default:
                rc = undo_bytes(&j, o, &st, &changed, &already, &e);
                break;
            }
        }
        if (rc == 0 && already) {
            printf("undo %s: ", spy_inject_kind_name(j.kind));
            cli_put_escaped(stdout, j.name);
            printf(" already holds the original bytes (undone before?): "
                   "nothing written\n");
        } else if (rc == 0) {
            printf("undo %s: ", spy_inject_kind_name(j.kind));
            cli_put_escaped(stdout, j.name);
            if (j.kind == SPY_INJ_TRUNCATE)
                printf(" is %" PRIu64 " bytes again, %zu bytes restored\n",
                       j.size, j.data_len);
            else if (j.kind == SPY_INJ_CHMOD)
                printf(" has mode %04o again\n", (unsigned)j.mode);
            else
                printf(": %zu range%s restored\n", j.n_patches,
                       j.n_patches == 1 ? "" : "s");
            if (changed > 0)
                printf("note: %zu of those bytes had been changed again since "
                       "the inject; they hold the original values now\n",
                       changed);
        }
    }
    spy_obj_close(o);
    spy_journal_free(&j);
    if (rc != 0)
        return inject_fail(&e);
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
            "set: the typed VALUE (i8..u64, f32, f64)"),
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
            "where to journal (default ./shmspy-inject-PID.journal)"),
    {0}};

static const cli_pos inject_positionals[] = {
    {"FAULT", F(fault), CLI_REQUIRED,
     "FAULT (flip, set, corrupt, truncate, unlink, chmod or undo)"},
    {"NAME", F(q.name_text), 0, NULL},
    {"SIZE|MODE|VALUE", F(q.arg_text), 0, NULL},
    {NULL, 0, 0, NULL}};

static const char *const inject_exclusive[][CLI_EXCL_MAX] = {
    {"hex", "str", "as", NULL}, {NULL}};

const cli_command cmd_inject_spec = {
    "inject",
    "inject FAULT NAME [ARGS] [--journal F]\n"
    "       shmspy inject undo F",
    "Faults against a live segment (a POSIX object or file:PATH):\n"
    "  flip NAME -s OFF [--bit B]   invert bit B (0-7, default 0) of byte OFF\n"
    "  set NAME -s OFF --hex \"de ad\" | --str S | --as TYPE VALUE [--be]\n"
    "                               overwrite bytes at OFF (--str: no NUL)\n"
    "  corrupt NAME -k K [--seed S] [-s OFF] [-n LEN]\n"
    "                               XOR K distinct random bytes of OFF..+LEN\n"
    "                               (default the whole object; K <= 4096)\n"
    "                               with random non-zero masks; the same\n"
    "                               seed gives the same faults\n"
    "  truncate NAME SIZE           set the size; mappers of cut-off pages\n"
    "                               get SIGBUS\n"
    "  unlink NAME                  remove the name; mappers keep the memory\n"
    "  chmod NAME MODE              change the permission bits\n",
    inject_options,
    inject_positionals,
    inject_exclusive,
    NULL,
    "Before changing anything, the object's identity (device, inode), size,\n"
    "mode and the original bytes are written to the journal F (default\n"
    "./shmspy-inject-PID.journal, never overwritten) and fsync'ed; at most\n"
    "16 MiB of bytes are journalled. 'inject undo F' restores size, bytes\n"
    "and mode exactly (an unlinked object is recreated with its contents)\n"
    "and refuses when NAME is no longer the object the journal was written\n"
    "for. The journal is kept.\n"};

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
                                             "file");
        return run_undo(q->name_text);
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
