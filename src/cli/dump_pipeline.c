/* dump_pipeline.c - see dump_pipeline.h.
 *
 * Chunk k covers the object from line0 + k * CHUNK (line0: where the line
 * being assembled at pos starts), so every chunk after the first starts
 * on a line boundary, and its formatter is resumed from the 32 bytes
 * before it, read together with the chunk. Slots hold chunks in flight:
 * a worker claims the next chunk once its slot is free, reads and
 * formats it, and marks it ready; the emitting thread takes chunks in
 * order, and while the next one is not even claimed it runs it itself. */
#include "dump_pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "../backends/thread.h"

#define BEFORE 32u /* bytes read before a chunk: its squeeze context */
#define MAX_WORKERS 8u

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY };

typedef struct slot {
    uint8_t *buf;     /* BEFORE bytes of context, then the chunk */
    char *out;        /* its output: spy_hexfmt_bound(CHUNK) bytes */
    size_t out_len;   /* bytes in out */
    size_t len;       /* bytes of the chunk, at buf + BEFORE */
    spy_hexfmt start; /* the formatter as the chunk started */
    spy_hexfmt end;   /* ... and after the chunk */
    int state;        /* SLOT_*, under the monitor */
    int rc;           /* 0, or the read's SPY_E* code (then err) */
    spy_err err;
} slot;

typedef struct pipeline {
    spy_seg *seg;
    spy_monitor *mon;
    slot *slots;
    size_t nslots;
    uint64_t pos, end, line0;
    size_t njobs, next; /* chunks in all; the next one to claim */
    int stop;           /* the emitter is done: workers leave */
    spy_hexfmt first;   /* the caller's formatter, where chunk 0 starts */
} pipeline;

unsigned dump_pipeline_workers(spy_seg *seg, uint64_t len) {
    const char *env = getenv("SPY_DUMP_THREADS");
    unsigned long n = spy_cpu_count();
    if (!spy_seg_parallel_reads(seg) || len < 4 * (uint64_t)DUMP_PIPE_CHUNK)
        return 0;
    if (env != NULL && *env != '\0') {
        char *endp;
        unsigned long v = strtoul(env, &endp, 10);
        if (*endp == '\0')
            n = v;
    }
    if (n <= 1)
        return 0;
    return n < MAX_WORKERS ? (unsigned)n : MAX_WORKERS;
}

/* Reads and formats chunk k into s (no lock held). */
static void run_chunk(pipeline *p, size_t k, slot *s) {
    uint64_t from = p->line0 + (uint64_t)k * DUMP_PIPE_CHUNK, to;
    size_t before = 0;
    spy_hexfmt f;

    to = from + DUMP_PIPE_CHUNK < p->end ? from + DUMP_PIPE_CHUNK : p->end;
    if (k == 0) {
        from = p->pos;
        f = p->first;
    } else {
        before = BEFORE; /* from - BEFORE >= pos: CHUNK >= BEFORE + 16 */
    }
    s->len = (size_t)(to - from);
    s->out_len = 0;
    s->rc = spy_seg_read(p->seg, from - before, s->buf + BEFORE - before,
                         s->len + before, &s->err);
    if (s->rc != 0)
        return;
    if (k > 0)
        spy_hexfmt_resume(&f, p->first.style, from, s->buf, BEFORE);
    s->start = f;
    s->out_len = spy_hexfmt_feed(&f, s->buf + BEFORE, s->len, s->out);
    s->end = f;
}

/* Claims the next chunk for the caller, who holds the lock: its number,
 * or njobs when there is none to claim (or its slot is still in use). */
static size_t claim(pipeline *p) {
    slot *s;
    if (p->stop || p->next >= p->njobs)
        return p->njobs;
    s = &p->slots[p->next % p->nslots];
    if (s->state != SLOT_FREE)
        return p->njobs;
    s->state = SLOT_BUSY;
    return p->next++;
}

static void worker(void *arg) {
    pipeline *p = arg;
    spy_monitor_lock(p->mon);
    for (;;) {
        size_t k = claim(p);
        slot *s;
        if (k == p->njobs) {
            if (p->stop || p->next >= p->njobs)
                break;
            spy_monitor_wait(p->mon);
            continue;
        }
        s = &p->slots[k % p->nslots];
        spy_monitor_unlock(p->mon);
        run_chunk(p, k, s);
        spy_monitor_lock(p->mon);
        s->state = SLOT_READY;
        spy_monitor_broadcast(p->mon);
    }
    spy_monitor_unlock(p->mon);
}

/* Emits chunks in order until all are out, emit stops, or one failed. */
static int emit_all(pipeline *p, spy_hexfmt *fmt, dump_emit_fn emit, void *arg,
                    spy_err *err) {
    size_t k;
    for (k = 0; k < p->njobs; k++) {
        slot *s = &p->slots[k % p->nslots];
        spy_monitor_lock(p->mon);
        while (s->state != SLOT_READY) {
            if (p->next == k && s->state == SLOT_FREE) {
                /* Nobody has started it: do it here rather than wait. */
                claim(p);
                spy_monitor_unlock(p->mon);
                run_chunk(p, k, s);
                spy_monitor_lock(p->mon);
                s->state = SLOT_READY;
                break;
            }
            spy_monitor_wait(p->mon);
        }
        spy_monitor_unlock(p->mon);
        if (s->rc != 0) {
            if (err != NULL)
                *err = s->err;
            return s->rc;
        }
        if (!spy_hexfmt_same_state(&s->start, fmt)) {
            /* The bytes before the chunk changed between the two reads:
             * format it again, from the state the output is really in. */
            spy_hexfmt f = *fmt;
            s->out_len = spy_hexfmt_feed(&f, s->buf + BEFORE, s->len, s->out);
            s->end = f;
        }
        *fmt = s->end;
        if (s->out_len > 0 && emit(s->out, s->out_len, arg) != 0)
            return 1;
        spy_monitor_lock(p->mon);
        s->state = SLOT_FREE;
        spy_monitor_broadcast(p->mon);
        spy_monitor_unlock(p->mon);
    }
    return 0;
}

int dump_pipeline_run(spy_seg *seg, spy_hexfmt *fmt, uint64_t pos, uint64_t end,
                      unsigned workers, dump_emit_fn emit, void *arg,
                      spy_err *err) {
    pipeline p;
    spy_thread *th[MAX_WORKERS];
    unsigned started = 0, i;
    size_t out_cap = spy_hexfmt_bound(DUMP_PIPE_CHUNK);
    int rc = 0;

    if (pos >= end)
        return 0;
    if (workers > MAX_WORKERS)
        workers = MAX_WORKERS;
    memset(&p, 0, sizeof p);
    p.seg = seg;
    p.pos = pos;
    p.end = end;
    p.line0 = pos - fmt->line_len;
    p.njobs = (size_t)((end - p.line0 + DUMP_PIPE_CHUNK - 1) / DUMP_PIPE_CHUNK);
    p.first = *fmt;
    /* A chunk per worker, and one more: a worker can format the next
     * chunk while the emitter writes one (more slots measured no faster,
     * and each costs 2.7 MiB). */
    p.nslots = (size_t)workers + 1;
    p.slots = calloc(p.nslots, sizeof *p.slots);
    if (p.slots == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "dump: out of memory");
    for (i = 0; i < p.nslots; i++) {
        p.slots[i].buf = malloc(BEFORE + DUMP_PIPE_CHUNK);
        p.slots[i].out = malloc(out_cap);
        if (p.slots[i].buf == NULL || p.slots[i].out == NULL) {
            rc = spy_err_set(err, SPY_ENOMEM, 0, "dump: out of memory");
            goto done;
        }
    }
    rc = spy_monitor_new(&p.mon, err);
    if (rc != 0)
        goto done;
    /* A worker that cannot start is not needed: the emitter runs every
     * chunk nobody claimed. */
    for (i = 0; i < workers; i++)
        if (spy_thread_start(worker, &p, &th[started], NULL) == 0)
            started++;
    rc = emit_all(&p, fmt, emit, arg, err);
    spy_monitor_lock(p.mon);
    p.stop = 1;
    spy_monitor_broadcast(p.mon);
    spy_monitor_unlock(p.mon);
    for (i = 0; i < started; i++)
        spy_thread_join(th[i]);
done:
    spy_monitor_free(p.mon);
    for (i = 0; i < p.nslots; i++) {
        free(p.slots[i].buf);
        free(p.slots[i].out);
    }
    free(p.slots);
    return rc;
}
