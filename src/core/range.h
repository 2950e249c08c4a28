/* range.h - the one range check of shmspy: does a span of bytes lie inside
 * an object, and the one message that says it does not. Every reader and
 * writer (CLI, TUI, ops, backends) asks here, so the rule and its words
 * are the same everywhere. Pure C11. */
#ifndef SPY_RANGE_H
#define SPY_RANGE_H

#include <stdint.h>

#include "err.h"

/* 0 when len bytes at off lie inside an object of size bytes (a span of 0
 * bytes at off == size is inside). Otherwise SPY_ERANGE with *err (may be
 * NULL) set to "NAME: offset OFF + LEN bytes is past the end (SIZE
 * bytes)". Overflow-safe for any off and len. */
int spy_range_check(const char *name, uint64_t off, uint64_t len, uint64_t size,
                    spy_err *err);

/* 0 when offset off lies inside an object of size bytes: off < size, or
 * off <= size when at_end_ok (where an empty remainder is fine: dump -s
 * SIZE prints the end offset). Otherwise SPY_ERANGE with *err set to
 * "NAME: offset OFF is past the end (SIZE bytes)". */
int spy_offset_check(const char *name, uint64_t off, uint64_t size,
                     int at_end_ok, spy_err *err);

#endif
