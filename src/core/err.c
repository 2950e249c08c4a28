/* err.c - the error record. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int spy_err_set(spy_err *e, int code, int sys, const char *fmt, ...) {
    if (e != NULL) {
        va_list ap;
        e->code = code;
        e->sys = sys;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void spy_err_clear(spy_err *e) {
    if (e != NULL) {
        e->code = SPY_OK;
        e->sys = 0;
        e->msg[0] = '\0';
    }
}

const char *spy_strerror(int code) {
    switch (code) {
    case SPY_OK:
        return "success";
    case SPY_ENOENT:
        return "no such object";
    case SPY_EACCES:
        return "permission denied";
    case SPY_EEXIST:
        return "already exists";
    case SPY_EINVAL:
        return "invalid argument";
    case SPY_ERANGE:
        return "out of range";
    case SPY_EIO:
        return "I/O error";
    case SPY_ENOMEM:
        return "out of memory";
    case SPY_ENOTSUP:
        return "not supported";
    case SPY_EFAULT:
        return "memory access faulted";
    case SPY_ETYPE:
        return "not a shared memory object";
    case SPY_EROFS:
        return "read-only";
    default:
        return "unknown error";
    }
}
