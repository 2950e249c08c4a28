/* err.h - error codes and the error record every layer fills.
 *
 * Functions return 0 or a negative SPY_E* code and, when given a non-NULL
 * spy_err, fill it with the code, the OS error number (errno or
 * GetLastError, 0 when none) and one human sentence of the form
 * "<what>: <why>", e.g. "/foo: no such shared memory object". Callers print
 * it as "shmspy: <msg>". Translation from OS errors happens only inside
 * src/backends/. */
#ifndef SPY_ERR_H
#define SPY_ERR_H

#include <stddef.h>

enum spy_errcode {
    SPY_OK = 0,
    SPY_ENOENT = -1,  /* no such object */
    SPY_EACCES = -2,  /* permission denied */
    SPY_EEXIST = -3,  /* object already exists */
    SPY_EINVAL = -4,  /* malformed or invalid input */
    SPY_ERANGE = -5,  /* out of range: number overflow, offset past end */
    SPY_EIO = -6,     /* other OS or I/O failure */
    SPY_ENOMEM = -7,  /* out of memory */
    SPY_ENOTSUP = -8, /* not supported for this kind or platform */
    SPY_EFAULT = -9,  /* a memory access faulted (segment shrank, bad addr) */
    SPY_ETYPE = -10,  /* wrong type of object: symlink, FIFO, directory */
    SPY_EROFS = -11,  /* object is read-only (no write permission/mapping) */
};

#define SPY_ERR_MSG_MAX 512

/* The archetype of our printf-like functions' format attributes. MinGW's
 * GCC reads "printf" as msvcrt's printf (no %zu); its build defines this
 * to gnu_printf (CMakeLists.txt), matching mingw-w64's C99 printf. */
#ifndef SPY_PRINTF_FMT
#define SPY_PRINTF_FMT printf
#endif

typedef struct spy_err {
    int code;                  /* one of enum spy_errcode */
    int sys;                   /* errno / GetLastError, 0 if none */
    char msg[SPY_ERR_MSG_MAX]; /* "<what>: <why>", never empty on error */
} spy_err;

/* Fills *e (if non-NULL) with code, sys and a printf-formatted message and
 * returns code, so callers can write `return spy_err_set(...)`. */
int spy_err_set(spy_err *e, int code, int sys, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(SPY_PRINTF_FMT, 4, 5)))
#endif
    ;

/* Clears *e to SPY_OK with an empty message. */
void spy_err_clear(spy_err *e);

/* Short English text for a code ("no such object", ...); never NULL. */
const char *spy_strerror(int code);

#endif
