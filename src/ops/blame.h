/* blame.h - a blame session, once for the CLI (`shmspy blame`) and the
 * TUI's writers pane (issue 18): hardware watchpoints (backends/blame.h)
 * on a few offsets of an open segment, rescanned for new mappers and
 * threads every ~100 ms, each hit joined with the value now at the offset,
 * the command of the process and where in its code the access came from
 * (backends/codeloc.h), and a running summary per writer.
 *
 * Ownership: the session borrows the segment (the caller keeps it open
 * until spy_blame_session_stop) and owns everything else. An event and
 * the writer array are valid until the next call on the session.
 *
 * Usage:
 *
 *   spy_blame_opts o = {.off = {16}, .noff = 1, .len = 4};
 *   spy_blame_session *s;
 *   if (spy_blame_session_start(seg, &o, 1, &s, &e) != 0) ...fail(e)
 *   while (!stop) {
 *       rc = spy_blame_session_step(s, 100, on_event, arg, &e);
 *       if (rc < 0) ...fail(e); if (rc > 0) break; // on_event said stop
 *   }
 *   spy_blame_session_writers(s, &w, &nw); spy_blame_session_stats(s, &st);
 *   spy_blame_session_stop(s);
 */
#ifndef SPY_OPS_BLAME_H
#define SPY_OPS_BLAME_H

#include <stddef.h>
#include <stdint.h>

#include "../backends/blame.h"
#include "../backends/codeloc.h"
#include "../backends/seg.h"
#include "../core/err.h"
#include "typed.h"

/* How often step rescans for new mappers and threads. */
#define SPY_BLAME_RESCAN_MS 100

/* One hit, explained. */
typedef struct spy_blame_event {
    spy_blame_hit hit; /* the backend's hit (hit.comm is NULL here: use comm) */
    uint64_t rel_ns;   /* hit.time_ns minus the session's start */
    char comm[64];     /* the process's command ("" unknown) */
    uint8_t value[8];  /* the bytes now at hit.off (value_len of them) */
    unsigned value_len; /* the watch length; 0 when the read failed */
    uint64_t value_u;   /* those bytes as a little-endian unsigned */
    spy_codeloc loc;    /* where the access came from (ip - 1 on x86) */
    int loc_known;      /* 1: loc.module at least; 0: nothing known */
    char where[512];    /* loc as one line: "FUNCTION FILE:LINE (MODULE)"
                           or "MODULE+0xOFF", or "0xIP" (escaped: no
                           control characters) */
} spy_blame_event;

/* One distinct code location of a writer and how many hits came from it. */
typedef struct spy_blame_site {
    char where[512]; /* as spy_blame_event.where */
    spy_codeloc loc;
    uint64_t ip; /* the first ip seen there */
    uint64_t count;
} spy_blame_site;

/* What one process did, summed over the session. */
typedef struct spy_blame_writer {
    int pid;
    char comm[64];
    uint64_t count;
    uint64_t first_ns, last_ns; /* relative to the session's start */
    spy_blame_site *sites;      /* owned by the session; nsites of them,
                                   most hits first after
                                   spy_blame_session_writers */
    size_t nsites;
} spy_blame_writer;

typedef struct spy_blame_session spy_blame_session;

/* Called for each event; return non-zero to stop the step (its value is
 * what step returns). */
typedef int (*spy_blame_event_cb)(const spy_blame_event *ev, void *arg);

/* Fills o->off[0] and o->len from field `path` of typed layout t placed
 * at base in seg (--type T --field F): the field must be 1, 2, 4 or 8
 * bytes and aligned to its size (SPY_EINVAL naming the field's size and
 * offset; *usage set: a usage error). noff becomes 1. Errors of
 * spy_typed_field otherwise. */
int spy_blame_field(spy_seg *seg, const spy_typed *t, uint64_t base,
                    const char *path, spy_blame_opts *o, int *usage,
                    spy_err *err);

/* Arms the watchpoints (spy_blame_start; allow_none: start even when no
 * process maps seg yet) and opens the code-location cache, reading the
 * modules of every armed process now. Errors: spy_blame_start's, named
 * with the segment ("blame /x: ..."); SPY_ENOMEM. */
int spy_blame_session_start(spy_seg *seg, const spy_blame_opts *o,
                            int allow_none, spy_blame_session **out,
                            spy_err *err);

/* Waits up to timeout_ms (0: just drain what is there), rescanning every
 * SPY_BLAME_RESCAN_MS, and calls cb (may be NULL: only the summary is
 * kept) for every hit in arrival order. Returns 0, cb's first non-zero
 * value, or a negative SPY_E* (the backend's). */
int spy_blame_session_step(spy_blame_session *s, int timeout_ms,
                           spy_blame_event_cb cb, void *arg, spy_err *err);

/* The writers so far, most hits first (sites sorted the same way);
 * valid until the next call on s. */
void spy_blame_session_writers(spy_blame_session *s,
                               const spy_blame_writer **out, size_t *n);

/* The backend's counters (processes, threads, refused, hits, lost). */
void spy_blame_session_stats(const spy_blame_session *s, spy_blame_stats *out);

/* The options the session watches (offsets, length, access). */
const spy_blame_opts *spy_blame_session_opts(const spy_blame_session *s);

/* Disarms, frees the session (NULL is fine). The segment stays open. */
void spy_blame_session_stop(spy_blame_session *s);

/* loc (from pid's ip) as one line into buf: "FUNCTION+0xOFF FILE:LINE
 * (MODULE)", "FUNCTION+0xOFF (MODULE)", "MODULE+0xOFF" or "0xIP"; control
 * characters escaped. */
void spy_blame_where(const spy_codeloc *loc, int known, uint64_t ip, char *buf,
                     size_t cap);

#endif
