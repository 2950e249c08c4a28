/* dump_pipeline.c - see dump_pipeline.h.
 *
 * Chunk k covers the object from line0 + k * CHUNK (line0: where the line
 * being assembled at pos starts), so every chunk after the first starts
 * on a line boundary, and its formatter is resumed from the 32 bytes
 * before it, read together with the chunk. Every thread (the caller and
 * the workers it starts) claims the next chunk, reads and formats it into
 * its own buffers, waits for the chunk's turn and writes it itself: no
 * thread only passes data on, and a thread wakes only to take its turn.
 * The turn's holder owns the formatter state after the last chunk
 * written (state), and checks the chunk's resumed state against it. */
#include "dump_pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "../backends/thread.h"
#include "../backends/seg.h"

#define BEFORE 32u /* bytes read before a chunk: its squeeze context */
#define MAX_WORKERS 8u

/* One thread's chunk in hand. */
typedef struct job {
    uint8_t *buf;     /* BEFORE bytes of context, then the chunk */
    char *out;        /* its output: spy_hexfmt_bound(CHUNK) bytes */
    size_t out_len;   /* bytes in out */
    size_t len;       /* bytes of the chunk, at buf + BEFORE */
    spy_hexfmt start; /* the formatter as the chunk started */
    spy_hexfmt end;   /* ... and after the chunk */
    int rc;           /* 0, or the read's SPY_E* code (then err) */
    spy_err err;
} job;

typedef struct pipeline {
    spy_seg *seg;
    spy_monitor *mon;
    uint64_t pos, end, line0;
    size_t njobs; /* chunks in all */
    /* Under the monitor: */
    size_t next;      /* the next chunk to claim */
    size_t turn;      /* the chunk whose output goes next */
    int stop;         /* no more claims or writes: a read failed, or emit */
    int rc;           /* 0, 1 (emit stopped) or the failed read's code */
    spy_err err;      /* ... and its sentence */
    spy_hexfmt first; /* the caller's formatter, where chunk 0 starts */
    spy_hexfmt state; /* the formatter after the last chunk written */
    dump_emit_fn emit;
    void *arg;
} pipeline;

typedef struct worker_arg {
    pipeline *p;
    job *j;
} worker_arg;

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

/* Reads and formats chunk k into j (no lock held). */
static void run_chunk(pipeline *p, size_t k, job *j) {
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
    j->len = (size_t)(to - from);
    j->out_len = 0;
    j->rc = spy_seg_read(p->seg, from - before, j->buf + BEFORE - before,
                         j->len + before, &j->err);
    if (j->rc != 0)
        return;
    if (k > 0)
        spy_hexfmt_resume(&f, p->first.style, from, j->buf, BEFORE);
    j->start = f;
    j->out_len = spy_hexfmt_feed(&f, j->buf + BEFORE, j->len, j->out);
    j->end = f;
}

/* Claims, formats and writes chunks until none is left or the run stops. */
static void run_thread(pipeline *p, job *j) {
    spy_monitor_lock(p->mon);
    while (!p->stop && p->next < p->njobs) {
        size_t k = p->next++;
        int stopped;
        spy_monitor_unlock(p->mon);
        run_chunk(p, k, j);
        spy_monitor_lock(p->mon);
        while (p->turn != k && !p->stop)
            spy_monitor_wait(p->mon);
        if (p->stop)
            break; /* an earlier chunk failed: this one is not wanted */
        if (j->rc != 0) {
            p->rc = j->rc;
            p->err = j->err;
            p->stop = 1;
            spy_monitor_broadcast(p->mon);
            break;
        }
        if (!spy_hexfmt_same_state(&j->start, &p->state)) {
            /* The bytes before the chunk changed between the two reads:
             * format it again, from the state the output is really in. */
            spy_hexfmt f = p->state;
            j->out_len = spy_hexfmt_feed(&f, j->buf + BEFORE, j->len, j->out);
            j->end = f;
        }
        p->state = j->end;
        /* The turn is ours: write without holding the lock. */
        spy_monitor_unlock(p->mon);
        stopped = j->out_len > 0 && p->emit(j->out, j->out_len, p->arg) != 0;
        spy_monitor_lock(p->mon);
        if (stopped) {
            p->rc = 1;
            p->stop = 1;
        }
        p->turn++;
        spy_monitor_broadcast(p->mon);
    }
    spy_monitor_unlock(p->mon);
}

static void worker(void *arg) {
    worker_arg *w = arg;
    run_thread(w->p, w->j);
}

int dump_pipeline_run(spy_seg *seg, spy_hexfmt *fmt, uint64_t pos, uint64_t end,
                      unsigned nthreads, dump_emit_fn emit, void *arg,
                      spy_err *err) {
    pipeline p;
    spy_thread *th[MAX_WORKERS];
    worker_arg wa[MAX_WORKERS];
    job jobs[MAX_WORKERS];
    unsigned started = 0, threads, i;
    size_t out_cap = spy_hexfmt_bound(DUMP_PIPE_CHUNK);
    int rc = 0;

    if (pos >= end)
        return 0;
    /* The caller is one of the threads. */
    threads = nthreads < 1             ? 1
              : nthreads > MAX_WORKERS ? MAX_WORKERS
                                       : nthreads;
    memset(&p, 0, sizeof p);
    memset(jobs, 0, sizeof jobs);
    p.seg = seg;
    p.pos = pos;
    p.end = end;
    p.line0 = pos - fmt->line_len;
    p.njobs = (size_t)((end - p.line0 + DUMP_PIPE_CHUNK - 1) / DUMP_PIPE_CHUNK);
    p.first = *fmt;
    p.state = *fmt;
    p.emit = emit;
    p.arg = arg;
    for (i = 0; i < threads; i++) {
        jobs[i].buf = malloc(BEFORE + DUMP_PIPE_CHUNK);
        jobs[i].out = malloc(out_cap);
        if (jobs[i].buf == NULL || jobs[i].out == NULL) {
            rc = spy_err_set(err, SPY_ENOMEM, 0, "dump: out of memory");
            goto done;
        }
    }
    rc = spy_monitor_new(&p.mon, err);
    if (rc != 0)
        goto done;
    /* A thread that cannot start is not needed: the others take its
     * chunks. */
    for (i = 1; i < threads; i++) {
        wa[started].p = &p;
        wa[started].j = &jobs[i];
        if (spy_thread_start(worker, &wa[started], &th[started], NULL) == 0)
            started++;
    }
    run_thread(&p, &jobs[0]);
    for (i = 0; i < started; i++)
        spy_thread_join(th[i]);
    *fmt = p.state;
    rc = p.rc;
    if (rc < 0 && err != NULL)
        *err = p.err;
done:
    spy_monitor_free(p.mon);
    for (i = 0; i < threads; i++) {
        free(jobs[i].buf);
        free(jobs[i].out);
    }
    return rc;
}
