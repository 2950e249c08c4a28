/* typed.c - typed access to a segment (see typed.h): the layout source
 * chosen once, torn-checked reads, checked writes. */
#include "typed.h"

#include "../core/escape.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "write.h"

int spy_typed_wanted(const spy_typed_req *q) {
    return q != NULL &&
           (q->type != NULL || q->header != NULL || q->cflags != NULL ||
            q->from != NULL || q->layout_file != NULL || q->no_cache);
}

/* A usage error: SPY_EINVAL with *usage set. */
static int usage_error(int *usage, spy_err *err, const char *msg) {
    if (usage != NULL)
        *usage = 1;
    return spy_err_set(err, SPY_EINVAL, 0, "%s", msg);
}

/* The root of the layout file for --type T (or the file's own root). */
static int pick_root(const spy_typed_req *q, spy_typed *out, spy_err *err) {
    const spy_layout *l = &out->layout;
    if (q->type != NULL) {
        out->root = spy_layout_find(l, q->type);
        if (out->root == SPY_LAYOUT_NONE)
            return spy_err_set(err, SPY_EINVAL, 0, "%s: no type %s in it",
                               q->layout_file, q->type);
    } else {
        out->root = l->root;
        if (out->root == SPY_LAYOUT_NONE || out->root >= l->ntypes)
            return spy_err_set(err, SPY_EINVAL, 0,
                               "%s: names no root type; use --type T",
                               q->layout_file);
    }
    return 0;
}

int spy_typed_load(const spy_typed_req *q, spy_typed *out, int *usage,
                   spy_err *err) {
    int nsrc, rc;

    if (usage != NULL)
        *usage = 0;
    memset(out, 0, sizeof *out);
    spy_layout_init(&out->layout);
    out->root = SPY_LAYOUT_NONE;
    nsrc = (q->header != NULL) + (q->from != NULL) + (q->layout_file != NULL);
    if (nsrc > 1)
        return usage_error(usage, err,
                           "--header, --from and --layout exclude each other");
    if (nsrc == 0)
        return usage_error(usage, err,
                           q->type != NULL
                               ? "--type needs a layout: --header H, --from "
                                 "PID|PATH or --layout FILE"
                               : "typed options need --type T and a layout: "
                                 "--header H, --from PID|PATH or --layout "
                                 "FILE");
    if (q->cflags != NULL && q->header == NULL)
        return usage_error(usage, err, "--cflags applies to --header only");
    if (q->layout_file != NULL) {
        uint64_t t0 = spy_monotonic_ms();
        if (q->no_cache)
            return usage_error(usage, err,
                               "--no-cache applies to --header and --from "
                               "only");
        rc = spy_layout_load_file(q->layout_file, &out->layout, err);
        if (rc != 0)
            return rc;
        rc = pick_root(q, out, err);
        if (rc != 0) {
            spy_layout_free(&out->layout);
            return rc;
        }
        out->origin.resolve_ms = (double)(spy_monotonic_ms() - t0);
        snprintf(out->origin.where, sizeof out->origin.where, "%s",
                 q->layout_file);
        return 0;
    }
    if (q->type == NULL)
        return usage_error(usage, err,
                           q->header != NULL ? "--header needs --type T"
                                             : "--from needs --type T");
    {
        spy_layout_src src;
        memset(&src, 0, sizeof src);
        src.type = q->type;
        src.header = q->header;
        src.cflags = q->cflags;
        src.from = q->from;
        src.no_cache = q->no_cache;
        rc = spy_layout_resolve_src(&src, &out->layout, &out->origin, err);
        if (rc != 0)
            return rc;
    }
    out->root = out->layout.root;
    if (out->root == SPY_LAYOUT_NONE || out->root >= out->layout.ntypes) {
        spy_layout_free(&out->layout);
        return spy_err_set(err, SPY_EINVAL, 0, "%s: resolved without a root",
                           q->type);
    }
    return 0;
}

void spy_typed_free(spy_typed *t) {
    if (t == NULL)
        return;
    spy_layout_free(&t->layout);
    t->root = SPY_LAYOUT_NONE;
}

/* Checks that the root struct placed at base fits in the segment; sets
 * *avail to the bytes from base to the end. */
static int struct_fits(spy_seg *seg, const spy_typed *t, uint64_t base,
                       uint64_t *avail, spy_err *err) {
    uint64_t len = spy_seg_len(seg);
    uint64_t size = t->layout.types[t->root].size;
    if (base > len || size > len - base)
        return spy_err_set(err, SPY_ERANGE, 0,
                           "%s (%" PRIu64 " bytes) at %" PRIu64
                           " does not fit in %s (%" PRIu64 " bytes)",
                           t->layout.types[t->root].name, size, base,
                           spy_seg_name(seg), len);
    *avail = len - base;
    return 0;
}

int spy_typed_field(spy_seg *seg, const spy_typed *t, uint64_t base,
                    const char *path, spy_lfield *out, uint64_t *avail,
                    int *usage, spy_err *err) {
    uint64_t av;
    int rc;

    if (usage != NULL)
        *usage = 0;
    if ((rc = struct_fits(seg, t, base, &av, err)) != 0)
        return rc;
    if (avail != NULL)
        *avail = av;
    rc = spy_layout_field(&t->layout, t->root, base, av, path, out, err);
    if (rc != 0 && usage != NULL)
        *usage = 1;
    return rc;
}

int spy_typed_read_at(spy_seg *seg, const spy_lfield *f, spy_typed_value *out,
                      spy_err *err) {
    uint8_t *a, *b, *tmp;
    size_t n = (size_t)f->size;
    unsigned tries;
    int rc;

    memset(out, 0, sizeof *out);
    out->f = *f;
    if ((uint64_t)n != f->size)
        return spy_err_set(err, SPY_ENOMEM, 0,
                           "%s: field of %" PRIu64 " bytes is too large",
                           spy_seg_name(seg), f->size);
    a = malloc(n > 0 ? n : 1);
    b = malloc(n > 0 ? n : 1);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory",
                           spy_seg_name(seg));
    }
    rc = n > 0 ? spy_seg_read(seg, f->offset, a, n, err) : 0;
    out->attempts = 1;
    out->torn = 1;
    /* Two consecutive reads that agree make a clean value; the newest
     * read is kept either way. */
    for (tries = 1; rc == 0 && tries < SPY_TYPED_TRIES; tries++) {
        rc = n > 0 ? spy_seg_read(seg, f->offset, b, n, err) : 0;
        if (rc != 0)
            break;
        out->attempts++;
        tmp = a;
        a = b;
        b = tmp;
        if (!spy_layout_torn(f, f->offset, b, a, n)) {
            out->torn = 0;
            break;
        }
    }
    free(b);
    if (rc != 0) {
        free(a);
        out->torn = 0;
        return rc;
    }
    out->bytes = a;
    return 0;
}

int spy_typed_read(spy_seg *seg, const spy_typed *t, uint64_t base,
                   const char *path, spy_typed_value *out, spy_err *err) {
    uint64_t avail;
    spy_lfield f;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = struct_fits(seg, t, base, &avail, err)) != 0)
        return rc;
    rc = spy_layout_field(&t->layout, t->root, base, avail, path, &f, err);
    if (rc != 0)
        return rc;
    return spy_typed_read_at(seg, &f, out, err);
}

int spy_typed_write(spy_seg *seg, const spy_typed *t, uint64_t base,
                    const char *path, const char *text, int force,
                    spy_err *err) {
    uint64_t avail;
    spy_lfield f;
    spy_typed_value old;
    uint8_t *enc;
    int rc;

    if ((rc = struct_fits(seg, t, base, &avail, err)) != 0)
        return rc;
    rc = spy_layout_field(&t->layout, t->root, base, avail, path, &f, err);
    if (rc != 0)
        return rc;
    if ((rc = spy_write_permitted(seg, force, err)) != 0)
        return rc;
    /* The current bytes: a bitfield keeps its neighbours' bits. */
    if ((rc = spy_typed_read_at(seg, &f, &old, err)) != 0)
        return rc;
    enc = malloc(f.size > 0 ? (size_t)f.size : 1);
    if (enc == NULL) {
        free(old.bytes);
        return spy_err_set(err, SPY_ENOMEM, 0, "%s: out of memory",
                           spy_seg_name(seg));
    }
    rc = spy_layout_value_encode(&t->layout, &f, text, old.bytes, enc,
                                 (size_t)f.size, err);
    free(old.bytes);
    if (rc != 0 && err != NULL && path != NULL && path[0] != '\0') {
        /* name the field: "flags.level: 4096: out of range for ..." */
        char msg[SPY_ERR_MSG_MAX], esc[128];
        int k;
        spy_escape(path, esc, sizeof esc);
        k = snprintf(msg, sizeof msg, "%s: ", esc);
        if (k > 0 && (size_t)k < sizeof msg) {
            size_t room = sizeof msg - (size_t)k;
            memcpy(msg + k, err->msg, room - 1);
            msg[sizeof msg - 1] = '\0';
            memcpy(err->msg, msg, sizeof err->msg);
        }
    }
    if (rc == 0)
        rc = spy_write_bytes(seg, f.offset, enc, f.size, force, err);
    free(enc);
    return rc;
}
