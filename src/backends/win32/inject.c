/* win32/inject.c - inject.h on Windows: fault injection is not ported;
 * every call answers SPY_ENOTSUP with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- fault injection: not on Windows -------------------------------------
 * `inject` identifies an object by device and inode and edits it through a
 * descriptor; a section has neither a stable identity to journal nor a
 * descriptor API (and cannot be recreated by name once gone). */

static int no_inject(const char *name, spy_err *err) {
    return spy_err_set(err, SPY_ENOTSUP, 0,
                       "%s: inject works on POSIX objects and files of Linux "
                       "only; it is not available on Windows",
                       name);
}

/* Always SPY_ENOTSUP on Windows. */
int spy_obj_open(const spy_name *n, int write, spy_obj **out, spy_err *err) {
    char canon[SPY_NAME_MAX];
    (void)write;
    *out = NULL;
    spy_name_format(n, canon, sizeof canon);
    return no_inject(canon, err);
}

/* Always SPY_ENOTSUP on Windows. */
int spy_obj_create(const spy_name *n, uint32_t mode, uint64_t size,
                   spy_obj **out, spy_err *err) {
    (void)mode, (void)size;
    return spy_obj_open(n, 1, out, err);
}

/* No spy_obj can exist on Windows: the functions taking one are never
 * reached, and say so if they are. */
int spy_obj_stat(spy_obj *o, spy_obj_state *st, spy_err *err) {
    (void)o;
    memset(st, 0, sizeof *st);
    return no_inject("inject", err);
}

int spy_obj_read(spy_obj *o, uint64_t off, void *buf, size_t len,
                 spy_err *err) {
    (void)o, (void)off, (void)buf, (void)len;
    return no_inject("inject", err);
}

int spy_obj_write(spy_obj *o, uint64_t off, const void *buf, size_t len,
                  spy_err *err) {
    (void)o, (void)off, (void)buf, (void)len;
    return no_inject("inject", err);
}

int spy_obj_truncate(spy_obj *o, uint64_t size, spy_err *err) {
    (void)o, (void)size;
    return no_inject("inject", err);
}

int spy_obj_chmod(spy_obj *o, uint32_t mode, spy_err *err) {
    (void)o, (void)mode;
    return no_inject("inject", err);
}

int spy_obj_unlink(spy_obj *o, spy_err *err) {
    (void)o;
    return no_inject("inject", err);
}

int spy_obj_can(spy_obj *o, spy_obj_op op, uint64_t value, spy_err *err) {
    (void)o, (void)op, (void)value;
    return no_inject("inject", err);
}

const char *spy_obj_name(const spy_obj *o) {
    (void)o;
    return "";
}

const char *spy_obj_lasting_name(const spy_obj *o) {
    (void)o;
    return "";
}

void spy_obj_close(spy_obj *o) {
    (void)o;
}
