/* common.c - the part of seg.h that is the same on every system: the range
 * check, guarded copies through the mapped window, writing, and the
 * accessors of an open segment (see common.h); and reading a layout file
 * (layoutsrc.h), whose OS part is spy_file_slurp. */
#include "common.h"

#include "../core/escape.h"
#include "../core/range.h"

#include <inttypes.h>
#include <stdlib.h>

#include "guard.h"
#include "layoutsrc.h"
#include "process.h"

/* The shared part of s (its first member, see common.h). */
static spy__seg_common *base_of(spy_seg *s) {
    return (spy__seg_common *)(void *)s;
}

static const spy__seg_common *cbase_of(const spy_seg *s) {
    return (const spy__seg_common *)(const void *)s;
}

int spy__seg_check_range(const spy__seg_common *c, uint64_t off, size_t len,
                         spy_err *err) {
    return spy_range_check(c->name, off, len, c->len, err);
}

/* The sentence for a fault f during a copy through c's window. */
static int fault_error(const spy__seg_common *c, const spy_fault *f,
                       spy_err *err) {
    uint64_t base = (uint64_t)(uintptr_t)c->addr;
    if (f->addr >= base && f->addr < base + c->win_len)
        return spy_err_set(
            err, SPY_EFAULT, 0, "%s: %s (%s at offset %" PRIu64 ")", c->name,
            spy__seg_fault_words, f->sig_name, c->win_off + (f->addr - base));
    return spy_err_set(err, SPY_EFAULT, 0, "%s: memory access faulted (%s)",
                       c->name, f->sig_name);
}

int spy__seg_copy(spy_seg *s, uint64_t off, uint8_t *buf, size_t len,
                  int to_seg, spy_err *err) {
    spy__seg_common *c = base_of(s);
    while (len > 0) {
        spy_fault f;
        uint64_t in_win;
        size_t n;
        int rc = spy__seg_map_window(s, off, err);
        if (rc != 0)
            return rc;
        in_win = c->win_off + c->win_len - off;
        n = len < in_win ? len : (size_t)in_win;
        rc = to_seg
                 ? spy_copy_guarded(c->addr + (off - c->win_off), buf, n, &f)
                 : spy_copy_guarded(buf, c->addr + (off - c->win_off), n, &f);
        if (rc != 0)
            return fault_error(c, &f, err);
        off += n;
        buf += n;
        len -= n;
    }
    return 0;
}

int spy_seg_write(spy_seg *s, uint64_t off, const void *src, size_t len,
                  spy_err *err) {
    const spy__seg_common *c = base_of(s);
    int rc;
    if (!c->writable)
        return spy_err_set(err, SPY_EROFS, 0, "%s: opened read-only", c->name);
    rc = spy__seg_check_range(c, off, len, err);
    if (rc != 0 || len == 0)
        return rc;
    if (c->write_direct != NULL)
        return c->write_direct(s, off, src, len, err);
    /* The source is only read; the cast serves the one copy routine. */
    return spy__seg_copy(s, off, (uint8_t *)(uintptr_t)src, len, 1, err);
}

uint64_t spy_seg_len(const spy_seg *s) {
    return cbase_of(s)->len;
}

int spy_seg_created(const spy_seg *s) {
    return cbase_of(s)->created;
}

int spy_seg_writable(const spy_seg *s) {
    return cbase_of(s)->writable;
}

const char *spy_seg_name(const spy_seg *s) {
    return cbase_of(s)->name;
}

/* ---- layout files (backends/layoutsrc.h): the same on every system ---- */

int spy_layout_load_file(const char *path, spy_layout *out, spy_err *err) {
    char *text = NULL, esc[1024];
    size_t len = 0;
    spy_err e;
    int rc;

    spy_layout_init(out);
    spy_escape(path, esc, sizeof esc);
    rc = spy_file_slurp(path, SPY_LAYOUT_MAX_FILE, &text, &len, &e);
    if (rc == SPY_ERANGE)
        return spy_err_set(err, rc, 0,
                           "%s: larger than a layout file may be (%u MiB)", esc,
                           SPY_LAYOUT_MAX_FILE >> 20);
    if (rc != 0) {
        if (err != NULL)
            *err = e;
        return rc;
    }
    rc = spy_layout_parse(text, len, out, &e);
    free(text);
    if (rc != 0)
        return spy_err_set(err, rc, e.sys, "%s: %s", esc, e.msg);
    return 0;
}
