/* blame_pages.h - page-level attribution, once for the CLI (`shmspy blame
 * NAME --pages`) and the TUI (issue 18): per interval, which process
 * dirtied which pages of a segment, from the kernel's soft-dirty bits
 * (backends/dirtypages.h).
 *
 * An interval runs from one call to the next: each call reads, for every
 * mapping armed by the call before, the soft-dirty bits of that process's
 * pages of the segment, then lists the mappers again (a process that
 * started mapping the segment is picked up here, one that exited is let
 * go) and clears every mapper's bits, which starts the next interval. The
 * caller sleeps between calls (the CLI) or calls from its tick (the TUI).
 * Clearing is process-wide and visible to other users of the bits (CRIU's
 * incremental dumps); a write in the microseconds between a process's
 * read and its clear is not seen.
 *
 * Ownership: the session borrows the segment (keep it open until
 * spy_pages_stop) and owns the rest; an interval's arrays are valid until
 * the next call on the session.
 *
 *   spy_pages_session *s;
 *   spy_pages_interval iv;
 *   if (spy_pages_start(seg, &s, &e) != 0) ...fail(e)
 *   for (;;) { sleep(interval); if (spy_pages_tick(s, &iv, &e)) ...;
 *              show(iv.writers, iv.nwriters); }
 *   spy_pages_stop(s); */
#ifndef SPY_OPS_BLAME_PAGES_H
#define SPY_OPS_BLAME_PAGES_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/seg.h"
#include "../core/err.h"

/* One process's dirtied pages of the segment in one interval. */
typedef struct spy_pages_writer {
    int pid;
    char comm[64];   /* command name, raw (escape before showing) */
    uint64_t *pages; /* segment page numbers (offset / page size),
                        ascending and distinct */
    size_t npages;
} spy_pages_writer;

/* What one call to spy_pages_tick found. */
typedef struct spy_pages_interval {
    uint64_t index;                  /* 1, 2, ... */
    uint64_t start_ms, end_ms;       /* since spy_pages_start (monotonic) */
    const spy_pages_writer *writers; /* by pid, those that dirtied at
                                        least one page */
    size_t nwriters;
    unsigned watched; /* processes whose bits were read this interval */
    unsigned refused; /* mappers whose bits we may not clear or read */
    int hidden;       /* processes whose mappings could not be listed */
    char refusal[SPY_ERR_MSG_MAX]; /* the first refusal's sentence, or "" */
} spy_pages_interval;

typedef struct spy_pages_session spy_pages_session;

/* Lists seg's mappers and clears their soft-dirty bits: the first interval
 * starts. No mapper yet is fine (they are picked up later). Errors:
 * SPY_ENOTSUP (this kernel keeps no soft-dirty bits, or this platform:
 * the backend's sentence); SPY_EACCES when there are mappers and every
 * one of them is refused (the first refusal's sentence); spy_seg_stat's
 * and spy_mappers' errors; SPY_ENOMEM. */
int spy_pages_start(spy_seg *seg, spy_pages_session **out, spy_err *err);

/* Ends the interval begun by the previous call (or spy_pages_start) and
 * begins the next, filling *out (see the top). A mapper that exited or
 * unmapped meanwhile is dropped quietly; a refusal is counted in *out.
 * Errors: SPY_ENOTSUP, SPY_ENOMEM, spy_mappers' errors. */
int spy_pages_tick(spy_pages_session *s, spy_pages_interval *out, spy_err *err);

/* The page size the page numbers count in. */
uint64_t spy_pages_page_size(const spy_pages_session *s);

/* Frees the session (NULL is fine); the segment stays open. Bits already
 * cleared stay cleared. */
void spy_pages_stop(spy_pages_session *s);

/* Writes pages (ascending) as runs, "1-3, 7", into buf (cap bytes), and
 * the same runs as byte offsets into offs (ocap bytes; may be NULL),
 * "0x1000-0x3fff, 0x7000-0x7fff". Text that does not fit ends in
 * ", ... (N more)". */
void spy_pages_runs_text(const uint64_t *pages, size_t n, uint64_t page_size,
                         char *buf, size_t cap, char *offs, size_t ocap);

#endif
