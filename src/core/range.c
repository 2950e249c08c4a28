/* range.c - the one range check and its message (range.h). */
#include "range.h"

#include <inttypes.h>

int spy_range_check(const char *name, uint64_t off, uint64_t len, uint64_t size,
                    spy_err *err) {
    if (off <= size && len <= size - off)
        return 0;
    return spy_err_set(err, SPY_ERANGE, 0,
                       "%s: offset %" PRIu64 " + %" PRIu64
                       " byte%s is past the end (%" PRIu64 " bytes)",
                       name, off, len, len == 1 ? "" : "s", size);
}

int spy_offset_check(const char *name, uint64_t off, uint64_t size,
                     int at_end_ok, spy_err *err) {
    if (off < size || (at_end_ok && off == size))
        return 0;
    return spy_err_set(err, SPY_ERANGE, 0,
                       "%s: offset %" PRIu64 " is past the end (%" PRIu64
                       " bytes)",
                       name, off, size);
}
