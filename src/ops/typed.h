/* typed.h - typed access to a segment: the one implementation of
 * `--type T [--header H [--cflags C] | --from PID|PATH | --layout F]` and
 * `--field PATH` behind read, write, dump, watch and the TUI's field pane.
 *
 * Where the layout comes from is decided here once: --layout F reads a
 * layout file (any platform); --header and --from resolve through
 * backends/layoutsrc.h (DWARF, cached). --type picks the type (in a layout
 * file it may be omitted: the file's root). The struct starts at segment
 * offset `base` (default 0).
 *
 * Reads are checked for tearing: a field's bytes are read twice back to
 * back; if they differ the read is retried (up to SPY_TYPED_TRIES times)
 * and when no two consecutive reads agree the value is reported torn,
 * never shown as a clean value. Writes go through ops/write.c's policy
 * after spy_layout_value_encode has checked the value against the field's
 * type and range, so nothing is written for a bad value. */
#ifndef SPY_OPS_TYPED_H
#define SPY_OPS_TYPED_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/layoutsrc.h"
#include "../backends/seg.h"
#include "../core/err.h"
#include "../core/layout.h"

#define SPY_TYPED_TRIES 8

typedef struct spy_typed_req {
    const char *type;        /* --type, or NULL (layout file's root) */
    const char *header;      /* --header */
    const char *cflags;      /* --cflags */
    const char *from;        /* --from PID|PATH */
    const char *layout_file; /* --layout */
    int no_cache;            /* --no-cache */
} spy_typed_req;

typedef struct spy_typed {
    spy_layout layout;        /* owned */
    uint32_t root;            /* the type asked for */
    spy_layout_origin origin; /* how it was resolved */
} spy_typed;

/* 1 when the request asks for a typed layout at all (any of its fields
 * set). */
int spy_typed_wanted(const spy_typed_req *q);
/* Checks the request's combination (exactly one source: --header, --from
 * or --layout; --type required unless --layout; --cflags only with
 * --header) and resolves it into *out. Errors: SPY_EINVAL with the usage
 * sentence for a bad combination (front ends print it as a usage error
 * when the code is SPY_EINVAL and `*usage` is set), else the source's
 * errors (layoutsrc.h). */
int spy_typed_load(const spy_typed_req *q, spy_typed *out, int *usage,
                   spy_err *err);
void spy_typed_free(spy_typed *t);

/* A field read consistently (see above). bytes is malloc'd (caller frees
 * with free()), size f.size. */
typedef struct spy_typed_value {
    spy_lfield f;
    uint8_t *bytes;
    int torn;          /* no two consecutive reads agreed */
    unsigned attempts; /* reads made */
} spy_typed_value;

/* Reads field `path` ("" for the whole struct) of the struct at base.
 * Errors: the field lookup's; the segment read's (SPY_EFAULT when it
 * shrank); SPY_ERANGE when the struct does not fit in the segment
 * ("struct shared (136 bytes) at 0 does not fit in /x (64 bytes)"). */
int spy_typed_read(spy_seg *seg, const spy_typed *t, uint64_t base,
                   const char *path, spy_typed_value *out, spy_err *err);
/* Finds field `path` ("" or NULL: the whole struct) of the struct at
 * base in seg, without reading it: the struct must fit (SPY_ERANGE, as
 * spy_typed_read, *usage 0), the path must name a field (the lookup's
 * SPY_EINVAL / SPY_ERANGE with *usage set: a bad --field is a usage
 * error). *avail: the bytes from base to the end of the segment. */
int spy_typed_field(spy_seg *seg, const spy_typed *t, uint64_t base,
                    const char *path, spy_lfield *out, uint64_t *avail,
                    int *usage, spy_err *err);
/* The same torn-checked read of a field already found (f from
 * spy_layout_field or spy_layout_child, its offset in the segment): a
 * dump of a torn struct marks its torn leaves with it. */
int spy_typed_read_at(spy_seg *seg, const spy_lfield *f, spy_typed_value *out,
                      spy_err *err);
/* Writes text to field `path` (checked by spy_layout_value_encode, then
 * the write policy of ops/write.c; a bitfield read-modify-written).
 * Errors: the encode's (nothing written), the policy's. */
int spy_typed_write(spy_seg *seg, const spy_typed *t, uint64_t base,
                    const char *path, const char *text, int force,
                    spy_err *err);

#endif
