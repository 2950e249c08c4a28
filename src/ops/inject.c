/* inject.c - the inject transaction and its undo (inject.h), for the CLI
 * and the TUI alike. */
#include "inject.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/inject.h"
#include "../backends/process.h"
#include "../core/range.h"

void spy_inject_req_free(spy_inject_req *q) {
    free(q->payload);
    q->payload = NULL;
    q->payload_len = 0;
}

int spy_inject_check(const spy_inject_req *q, spy_err *err) {
    switch (q->kind) {
    case SPY_INJ_FLIP:
        if (q->bit > 7)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "bit %" PRIu64 " is not in 0..7", q->bit);
        return 0;
    case SPY_INJ_SET:
        if (q->payload_len == 0)
            return spy_err_set(err, SPY_EINVAL, 0, "set: no bytes to write");
        if (q->payload_len > SPY_JOURNAL_PATCH_BYTES_MAX)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "set: more than 1 MiB of bytes");
        return 0;
    case SPY_INJ_CORRUPT:
        if (q->k < 1 || q->k > SPY_INJECT_CORRUPT_MAX)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "corrupt: %" PRIu64 " bytes is not in 1..%d",
                               q->k, SPY_INJECT_CORRUPT_MAX);
        if (q->have_len && q->len == 0)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "corrupt: the length must be at least 1");
        return 0;
    case SPY_INJ_TRUNCATE:
    case SPY_INJ_UNLINK:
    case SPY_INJ_CHMOD:
        return 0;
    default:
        return spy_err_set(err, SPY_EINVAL, 0, "no fault");
    }
}

/* ---- planning: checks against the object, original bytes --------------- */

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

static int plan(spy_inject_req *q, spy_obj *o, const spy_obj_state *st,
                spy_journal *j, spy_err *e) {
    const char *name = spy_obj_name(o);
    uint8_t b, nb;
    int rc;

    switch (q->kind) {
    case SPY_INJ_FLIP:
        if ((rc = spy_range_check(name, q->off, 1, st->size, e)) != 0)
            return rc;
        if ((rc = spy_obj_read(o, q->off, &b, 1, e)) != 0)
            return rc;
        nb = (uint8_t)(b ^ (1u << q->bit));
        return spy_journal_add_patch(j, q->off, &b, &nb, 1, e);
    case SPY_INJ_SET: {
        uint8_t *old;
        if ((rc = spy_range_check(name, q->off, q->payload_len, st->size, e)) !=
            0)
            return rc;
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
        if ((rc = spy_offset_check(name, off, st->size, 1, e)) != 0)
            return rc;
        len = q->have_len ? q->len : st->size - off;
        if ((rc = spy_range_check(name, off, len ? len : 1, st->size, e)) != 0)
            return rc;
        if (q->k > len)
            return spy_err_set(e, SPY_ERANGE, 0,
                               "%s: cannot change %" PRIu64
                               " distinct bytes among %" PRIu64,
                               name, q->k, len);
        if (!q->have_seed) {
            q->seed = spy_entropy();
            q->have_seed = 1;
        }
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

/* What a fault would change, for spy_obj_can; SPY_OBJ_OP_BYTES for the
 * byte faults. */
static int can_apply(const spy_inject_req *q, spy_obj *o, spy_err *e) {
    switch (q->kind) {
    case SPY_INJ_TRUNCATE:
        return spy_obj_can(o, SPY_OBJ_OP_SIZE, q->new_size, e);
    case SPY_INJ_CHMOD:
        return spy_obj_can(o, SPY_OBJ_OP_MODE, q->new_mode, e);
    case SPY_INJ_UNLINK:
        return spy_obj_can(o, SPY_OBJ_OP_UNLINK, 0, e);
    default:
        return spy_obj_can(o, SPY_OBJ_OP_BYTES, 0, e);
    }
}

/* Counts the patches of j that o no longer holds the original bytes of:
 * how many the failed apply() wrote (a concurrent writer's change counts
 * too: this errs on keeping the journal). -1 when they cannot be read. */
static long patches_written(const spy_journal *j, spy_obj *o) {
    long written = 0;
    size_t i;
    for (i = 0; i < j->n_patches; i++) {
        const spy_jpatch *p = &j->patches[i];
        uint8_t *now = malloc(p->len);
        int same;
        if (now == NULL || spy_obj_read(o, p->off, now, p->len, NULL) != 0) {
            free(now);
            return -1;
        }
        same = memcmp(now, j->bytes + p->at, p->len) == 0;
        free(now);
        written += !same;
    }
    return written;
}

/* The change failed after its journal was written. Truncate, chmod and
 * unlink are one system call each: their failure changed nothing, and
 * the journal is removed. For byte faults the ranges are read back: none
 * written, the journal is removed too; else it is kept and the error
 * says how many of the changes were made. */
static void failed_after_journal(spy_inject_done *d, spy_obj *o, spy_err *e) {
    const spy_journal *j = &d->j;
    spy_err e2 = *e;
    long written = 0, total = (long)j->n_patches;
    int byte_fault = j->n_patches > 0;

    if (byte_fault)
        written = patches_written(j, o);
    if (written == 0 && remove(d->journal) == 0) {
        d->journalled = 0;
        spy_err_set(e, e2.code, e2.sys,
                    "%s (nothing was changed; the journal was removed)",
                    e2.msg);
    } else if (written == 0) {
        spy_err_set(e, e2.code, e2.sys,
                    "%s (nothing was changed; journal %s could not be "
                    "removed)",
                    e2.msg, d->journal);
    } else if (written < 0) {
        spy_err_set(e, e2.code, e2.sys,
                    "%s (some bytes may have been written; journal %s "
                    "kept: 'inject undo' restores them)",
                    e2.msg, d->journal);
    } else {
        spy_err_set(e, e2.code, e2.sys,
                    "%s (%ld of %ld change%s written before it failed; "
                    "journal %s kept: 'inject undo' restores them)",
                    e2.msg, written, total, total == 1 ? "" : "s", d->journal);
    }
}

/* Writes the journal text durably: at q->journal, or under a fresh
 * default name in the current directory (shmspy-inject-PID-N.journal, N
 * counting this process's journals; an existing file is never replaced). */
static int write_journal(const spy_inject_req *q, const char *text, size_t len,
                         char *path, size_t cap, spy_err *e) {
    static unsigned serial; /* journals named by this process */
    int tries, rc = SPY_EEXIST;

    if (q->journal != NULL) {
        snprintf(path, cap, "%s", q->journal);
        return spy_durable_create(path, text, len, e);
    }
    for (tries = 0; tries < 100 && rc == SPY_EEXIST; tries++) {
        snprintf(path, cap, "shmspy-inject-%ld-%u.journal", spy_self_pid(),
                 ++serial);
        rc = spy_durable_create(path, text, len, e);
    }
    return rc;
}

int spy_inject_run(spy_inject_req *q, spy_inject_done *d, spy_err *e) {
    spy_obj *o = NULL;
    spy_obj_state st;
    char *text = NULL;
    size_t text_len;
    int write_access = q->kind != SPY_INJ_UNLINK && q->kind != SPY_INJ_CHMOD;
    int rc;

    memset(d, 0, sizeof *d);
    spy_journal_init(&d->j);
    rc = spy_inject_check(q, e);
    if (rc == 0)
        rc = spy_obj_open(&q->name,
                          (write_access ? SPY_OBJ_WRITE : 0) | SPY_OBJ_CHANGE |
                              (q->follow ? SPY_OBJ_FOLLOW : 0),
                          &o, e);
    if (rc == 0)
        rc = spy_obj_stat(o, &st, e);
    if (rc == 0) {
        spy_journal *j = &d->j;
        j->kind = q->kind;
        /* The name the object is found by again: a System V segment's
         * key rather than its id, which a re-creation changes. */
        snprintf(j->name, sizeof j->name, "%s", spy_obj_lasting_name(o));
        j->dev = st.dev;
        j->ino = st.ino;
        j->size = st.size;
        j->mode = st.mode;
        /* What the object cannot take is refused before any journal. */
        rc = can_apply(q, o, e);
        if (rc == 0)
            rc = plan(q, o, &st, j, e);
    }
    if (rc == 0 && q->recheck != NULL)
        rc = q->recheck(&d->j, q->recheck_arg, e);
    if (rc == 0)
        rc = spy_journal_format(&d->j, &text, &text_len, e);
    /* The journal is on disk before the object changes. */
    if (rc == 0 && (rc = write_journal(q, text, text_len, d->journal,
                                       sizeof d->journal, e)) == 0)
        d->journalled = 1;
    if (rc == 0 && (rc = apply(&d->j, o, e)) != 0)
        failed_after_journal(d, o, e);
    free(text);
    spy_obj_close(o);
    return rc;
}

void spy_inject_done_free(spy_inject_done *d) {
    spy_journal_free(&d->j);
}

void spy_inject_describe(const spy_journal *j, char *out, size_t cap) {
    const spy_jpatch *p = j->n_patches ? &j->patches[0] : NULL;

    switch (j->kind) {
    case SPY_INJ_FLIP:
        snprintf(out, cap, "byte %" PRIu64 " was 0x%02x, now 0x%02x", p->off,
                 j->bytes[p->at], j->bytes[p->at + 1]);
        break;
    case SPY_INJ_SET:
        snprintf(out, cap, "%zu byte%s at offset %" PRIu64 " overwritten",
                 p->len, p->len == 1 ? "" : "s", p->off);
        break;
    case SPY_INJ_CORRUPT:
        snprintf(out, cap, "%zu bytes changed (seed %" PRIu64 ")", j->n_patches,
                 j->seed);
        break;
    case SPY_INJ_TRUNCATE:
        snprintf(out, cap, "size %" PRIu64 " -> %" PRIu64 " bytes", j->size,
                 j->new_size);
        break;
    case SPY_INJ_UNLINK: {
        spy_name n;
        if (spy_name_parse(j->name, &n, NULL) == 0 &&
            (n.form == SPY_NAME_SYSV_ID || n.form == SPY_NAME_SYSV_KEY))
            snprintf(out, cap,
                     "segment removed (IPC_RMID); processes attached to it "
                     "keep it until they detach");
        else
            snprintf(out, cap,
                     "name removed; processes that map it keep the memory");
        break;
    }
    case SPY_INJ_CHMOD:
        snprintf(out, cap, "mode %04o -> %04o", (unsigned)j->mode,
                 (unsigned)j->new_mode);
        break;
    default:
        snprintf(out, cap, "nothing");
    }
}

/* ---- undo -------------------------------------------------------------- */

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

int spy_inject_undo(const char *path, int follow, spy_undo_done *d,
                    spy_err *e) {
    spy_journal *j = &d->j;
    spy_obj *o = NULL;
    spy_obj_state st;
    spy_name n;
    char *text = NULL;
    size_t len;
    int rc;

    memset(d, 0, sizeof *d);
    spy_journal_init(j);
    rc = spy_file_slurp(path, SPY_JOURNAL_FILE_MAX, &text, &len, e);
    if (rc == 0 && (rc = spy_journal_parse(text, len, j, e)) != 0) {
        spy_err e2 = *e;
        spy_err_set(e, e2.code, 0, "%s: %s", path, e2.msg);
    }
    free(text);
    if (rc == 0 && spy_name_parse(j->name, &n, NULL) != 0)
        rc = spy_err_set(e, SPY_EINVAL, 0,
                         "%s: the journal names no valid object", path);
    if (rc != 0)
        return rc;
    if (j->kind == SPY_INJ_UNLINK) {
        rc = spy_obj_create(&n, j->mode, j->size, &o, e);
        if (rc == SPY_EEXIST) {
            spy_obj *other = NULL;
            if (spy_obj_open(&n, 0, &other, NULL) == 0 &&
                spy_obj_stat(other, &st, NULL) == 0 && st.dev == j->dev &&
                st.ino == j->ino)
                rc = spy_err_set(e, SPY_EEXIST, 0,
                                 "%s: exists and is the journalled object: "
                                 "the unlink was already undone or never "
                                 "happened",
                                 j->name);
            else
                rc = spy_err_set(e, SPY_EEXIST, 0,
                                 "%s: the name exists again (another "
                                 "object): refusing to replace it",
                                 j->name);
            spy_obj_close(other);
        }
        if (rc == 0)
            rc = spy_obj_write(o, 0, j->data, j->data_len, e);
        if (rc == 0 && (rc = spy_obj_stat(o, &st, e)) == 0) {
            d->new_ino = st.ino;
            snprintf(d->new_name, sizeof d->new_name, "%s",
                     spy_obj_lasting_name(o));
        }
        spy_obj_close(o);
        return rc;
    }
    rc = spy_obj_open(&n,
                      (j->kind != SPY_INJ_CHMOD ? SPY_OBJ_WRITE : 0) |
                          SPY_OBJ_CHANGE | (follow ? SPY_OBJ_FOLLOW : 0),
                      &o, e);
    if (rc == 0)
        rc = spy_obj_stat(o, &st, e);
    if (rc == 0 && (st.dev != j->dev || st.ino != j->ino))
        rc = identity_mismatch(e, j, &st);
    if (rc == 0) {
        switch (j->kind) {
        case SPY_INJ_TRUNCATE:
            rc = spy_obj_truncate(o, j->size, e);
            if (rc == 0 && j->has_data && j->data_len > 0)
                rc = spy_obj_write(o, j->data_off, j->data, j->data_len, e);
            break;
        case SPY_INJ_CHMOD:
            rc = spy_obj_chmod(o, j->mode, e);
            break;
        default:
            rc = undo_bytes(j, o, &st, &d->changed_since, &d->already, e);
            break;
        }
    }
    spy_obj_close(o);
    return rc;
}

void spy_undo_done_free(spy_undo_done *d) {
    spy_journal_free(&d->j);
}
