/* search.h - finding a byte pattern in a segment a slice at a time, so
 * that the screen stays live while a large object is searched. Internal to
 * src/tui/ (no curses here). */
#ifndef SPY_TUI_SEARCH_H
#define SPY_TUI_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

typedef struct spy__search {
    uint8_t *pat; /* the pattern, n bytes (owned) */
    size_t n;
    uint64_t from;  /* where the search started */
    uint64_t pos;   /* next candidate offset */
    int wrapped;    /* past the end, now searching [0, from) */
    uint8_t *chunk; /* read buffer (owned) */
} spy__search;

/* Outcomes of spy__search_step. */
enum { SPY__FOUND = 1, SPY__NOT_FOUND = 0, SPY__MORE = 2 };

/* Starts a search for pat (n > 0 bytes, copied) at offset from, wrapping
 * around the end back to from. Returns 0 or SPY_ENOMEM. */
int spy__search_begin(spy__search *s, const uint8_t *pat, size_t n,
                      uint64_t from);

/* Where a search reads: len bytes at off of an object of `size` bytes
 * into dst, through read (0 or a negative SPY_E* code with err filled);
 * arg is read's. The hex view reads the live segment or the moment of a
 * recording it shows (spy__hex_read). */
typedef struct spy__search_src {
    int (*read)(void *arg, uint64_t off, void *dst, size_t len, spy_err *err);
    void *arg;
    uint64_t size;
} spy__search_src;

/* Examines about `budget` bytes of src. Returns SPY__FOUND with the
 * offset in *at (and *wrapped non-zero if the search went past the end),
 * SPY__NOT_FOUND when the whole object was searched, SPY__MORE when the
 * budget ran out first, or a negative SPY_E* code if a read failed (the
 * object shrank) with err filled. */
int spy__search_step(spy__search *s, const spy__search_src *src,
                     uint64_t budget, uint64_t *at, int *wrapped, spy_err *err);

/* Frees the pattern and the buffer; s may be begun again. */
void spy__search_free(spy__search *s);

#endif
