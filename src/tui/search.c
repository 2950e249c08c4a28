/* search.c - incremental pattern search through a reader (the hex view's:
 * guarded reads of the segment, or the frame of a recording). */
#include "search.h"

#include <stdlib.h>
#include <string.h>

/* Bytes read per slice; a match may straddle two slices, so each read
 * takes n - 1 more. */
#define CHUNK (64 * 1024)

int spy__search_begin(spy__search *s, const uint8_t *pat, size_t n,
                      uint64_t from) {
    spy__search_free(s);
    if (n == 0 || n > CHUNK)
        return SPY_EINVAL;
    s->pat = malloc(n);
    s->chunk = malloc(CHUNK + n);
    if (s->pat == NULL || s->chunk == NULL) {
        spy__search_free(s);
        return SPY_ENOMEM;
    }
    memcpy(s->pat, pat, n);
    s->n = n;
    s->from = from;
    s->pos = from;
    s->wrapped = 0;
    return 0;
}

void spy__search_free(spy__search *s) {
    free(s->pat);
    free(s->chunk);
    memset(s, 0, sizeof *s);
}

/* Offset of the first match starting in chunk[0..starts), or -1. */
static long find(const spy__search *s, size_t starts) {
    const uint8_t *p = s->chunk, *end = s->chunk + starts;

    while (p < end) {
        p = memchr(p, s->pat[0], (size_t)(end - p));
        if (p == NULL)
            return -1;
        if (memcmp(p, s->pat, s->n) == 0)
            return (long)(p - s->chunk);
        p++;
    }
    return -1;
}

int spy__search_step(spy__search *s, const spy__search_src *src,
                     uint64_t budget, uint64_t *at, int *wrapped,
                     spy_err *err) {
    uint64_t size = src->size;

    if (s->pat == NULL)
        return SPY__NOT_FOUND;
    for (;;) {
        /* Candidate starts of this pass: [pos, limit). */
        uint64_t limit = s->wrapped ? (s->from < size ? s->from : size) : size;
        uint64_t last = size >= s->n ? size - s->n + 1 : 0; /* past-last */
        uint64_t starts;
        size_t rd;
        long hit;
        int rc;

        if (limit > last)
            limit = last;
        if (s->pos >= limit) {
            if (s->wrapped || s->from == 0)
                return SPY__NOT_FOUND;
            s->wrapped = 1;
            s->pos = 0;
            continue;
        }
        if (budget == 0)
            return SPY__MORE;
        starts = limit - s->pos;
        if (starts > CHUNK)
            starts = CHUNK;
        rd = (size_t)starts + s->n - 1;
        rc = src->read(src->arg, s->pos, s->chunk, rd, err);
        if (rc != 0)
            return rc;
        hit = find(s, (size_t)starts);
        if (hit >= 0) {
            *at = s->pos + (uint64_t)hit;
            *wrapped = s->wrapped;
            return SPY__FOUND;
        }
        s->pos += starts;
        budget = budget > rd ? budget - rd : 0;
    }
}
