/* blame_pages.c - `shmspy blame NAME --pages [--for DURATION] [--count N]
 * [--json]` (blame_pages.h): which process dirtied which pages of the
 * segment, per one-second interval, from the kernel's soft-dirty bits
 * (ops/blame_pages.h). One line per process and interval,
 *
 *   +2.001  pid 4242 (writer)  pages 1, 3-4 (offsets 0x1000-0x1fff,
 *   0x3000-0x4fff)
 *
 * (on one line), or one JSON object each with --json; on exit a summary
 * per process (intervals, distinct pages). Ends at --for, after --count
 * lines, or on Ctrl-C / SIGTERM. */
#include "blame_pages.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../core/escape.h"
#include "../ops/blame_pages.h"
#include "../ops/clean.h"
#include "cli.h"

#define INTERVAL_MS 1000u /* one interval */
#define SLICE_MS 100u     /* a signal is seen within this */

static volatile sig_atomic_t pages_signal;

static void on_signal(int sig) {
    pages_signal = sig;
}

/* What one process did over the whole run. */
typedef struct total {
    int pid;
    char comm[64];
    uint64_t intervals;
    uint64_t *pages; /* distinct, ascending */
    size_t npages;
} total;

typedef struct run {
    const cli_blame_req *q;
    uint64_t ps;
    uint64_t lines, intervals;
    unsigned refused_said;
    total *totals;
    size_t ntotals;
    int nomem;
} run;

/* Adds w's pages to its process's total. */
static void add_total(run *r, const spy_pages_writer *w) {
    total *t = NULL;
    uint64_t *m;
    size_t i, j, k;
    for (i = 0; i < r->ntotals; i++)
        if (r->totals[i].pid == w->pid)
            t = &r->totals[i];
    if (t == NULL) {
        total *nt = realloc(r->totals, (r->ntotals + 1) * sizeof *nt);
        if (nt == NULL) {
            r->nomem = 1;
            return;
        }
        r->totals = nt;
        t = &r->totals[r->ntotals++];
        memset(t, 0, sizeof *t);
        t->pid = w->pid;
    }
    snprintf(t->comm, sizeof t->comm, "%s", w->comm);
    t->intervals++;
    m = malloc((t->npages + w->npages) * sizeof *m + 1);
    if (m == NULL) {
        r->nomem = 1;
        return;
    }
    for (i = j = k = 0; i < t->npages || j < w->npages;) { /* merge */
        uint64_t v;
        if (j >= w->npages || (i < t->npages && t->pages[i] <= w->pages[j]))
            v = t->pages[i++];
        else
            v = w->pages[j++];
        if (k == 0 || m[k - 1] != v)
            m[k++] = v;
    }
    free(t->pages);
    t->pages = m;
    t->npages = k;
}

static void put_time(uint64_t ms) {
    printf("+%" PRIu64 ".%03" PRIu64, ms / 1000u, ms % 1000u);
}

/* One process's pages: text line or JSON object. */
static void show(run *r, const spy_pages_interval *iv,
                 const spy_pages_writer *w) {
    char comm[256], pages[1024], offs[1400];
    spy_pages_runs_text(w->pages, w->npages, r->ps, pages, sizeof pages, offs,
                        sizeof offs);
    if (r->q->json) {
        spy_json j;
        size_t i;
        spy_json_init(&j, stdout, 0);
        spy_json_obj_begin(&j);
        spy_json_key(&j, "interval");
        spy_json_uint(&j, iv->index);
        spy_json_key(&j, "time");
        spy_json_double(&j, (double)iv->end_ms / 1e3);
        spy_json_key(&j, "start");
        spy_json_double(&j, (double)iv->start_ms / 1e3);
        spy_json_key(&j, "pid");
        spy_json_int(&j, w->pid);
        spy_json_key(&j, "command");
        spy_json_str(&j, w->comm);
        spy_json_key(&j, "page_size");
        spy_json_uint(&j, r->ps);
        spy_json_key(&j, "pages");
        spy_json_arr_begin(&j);
        for (i = 0; i < w->npages; i++)
            spy_json_uint(&j, w->pages[i]);
        spy_json_arr_end(&j);
        spy_json_obj_end(&j);
        spy_json_end(&j);
    } else {
        spy_escape(w->comm, comm, sizeof comm);
        put_time(iv->end_ms);
        printf("  pid %d (%s)  pages %s (offsets %s)\n", w->pid,
               comm[0] != '\0' ? comm : "?", pages, offs);
    }
    fflush(stdout);
}

static void summary(run *r, const char *segname) {
    size_t i, k;
    if (r->q->json) {
        spy_json j;
        spy_json_init(&j, stdout, 0);
        spy_json_obj_begin(&j);
        spy_json_key(&j, "summary");
        spy_json_obj_begin(&j);
        spy_json_name(&j, "name", segname);
        spy_json_key(&j, "intervals");
        spy_json_uint(&j, r->intervals);
        spy_json_key(&j, "page_size");
        spy_json_uint(&j, r->ps);
        spy_json_key(&j, "writers");
        spy_json_arr_begin(&j);
        for (i = 0; i < r->ntotals; i++) {
            const total *t = &r->totals[i];
            spy_json_obj_begin(&j);
            spy_json_key(&j, "pid");
            spy_json_int(&j, t->pid);
            spy_json_key(&j, "command");
            spy_json_str(&j, t->comm);
            spy_json_key(&j, "intervals");
            spy_json_uint(&j, t->intervals);
            spy_json_key(&j, "pages");
            spy_json_arr_begin(&j);
            for (k = 0; k < t->npages; k++)
                spy_json_uint(&j, t->pages[k]);
            spy_json_arr_end(&j);
            spy_json_obj_end(&j);
        }
        spy_json_arr_end(&j);
        spy_json_obj_end(&j);
        spy_json_obj_end(&j);
        spy_json_end(&j);
        return;
    }
    printf("summary of ");
    cli_put_name(stdout, segname);
    printf(": %" PRIu64 " interval%s of %u ms, %zu process%s dirtied pages\n",
           r->intervals, r->intervals == 1 ? "" : "s", INTERVAL_MS, r->ntotals,
           r->ntotals == 1 ? "" : "es");
    for (i = 0; i < r->ntotals; i++) {
        const total *t = &r->totals[i];
        char comm[256], pages[1024];
        spy_escape(t->comm, comm, sizeof comm);
        spy_pages_runs_text(t->pages, t->npages, r->ps, pages, sizeof pages,
                            NULL, 0);
        printf("  pid %d (%s): %" PRIu64 " interval%s, pages %s\n", t->pid,
               comm[0] != '\0' ? comm : "?", t->intervals,
               t->intervals == 1 ? "" : "s", pages);
    }
}

/* Options of blame that have no meaning for whole pages. */
static int check_request(const cli_blame_req *q) {
    const char *bad = NULL;
    if (q->offsets != NULL && q->offsets[0] != NULL)
        bad = "OFFSET";
    else if (q->len != 0)
        bad = "--len";
    else if (q->access != 0)
        bad = "--access";
    else if (q->typed.type != NULL || q->typed.layout_file != NULL ||
             q->typed.header != NULL || q->typed.from != NULL)
        bad = "--type";
    else if (q->field != NULL)
        bad = "--field";
    else if (q->base != 0)
        bad = "--offset";
    if (bad != NULL)
        return cli_usage_error("blame",
                               "--pages watches every page of the segment: "
                               "%s does not apply",
                               bad);
    return 0;
}

int cli_blame_pages(const cli_blame_req *q, const spy_name *name) {
    spy_pages_session *s;
    spy_pages_interval iv;
    spy_seg *seg;
    spy_err e;
    run r;
    int64_t for_s = 0;
    uint64_t t_end = 0;
    int rc, frc;
    size_t i;
    void (*old_int)(int), (*old_term)(int);

    if ((rc = check_request(q)) != 0)
        return rc;
    if (q->for_text != NULL) {
        if (spy_clean_parse_duration(q->for_text, &for_s, &e) != 0)
            return cli_usage_error("blame", "--for: %s", e.msg);
        if (for_s <= 0)
            return cli_usage_error("blame", "--for: at least 1 second");
    }
    if (spy_seg_open(name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    pages_signal = 0;
    old_int = signal(SIGINT, on_signal);
    old_term = signal(SIGTERM, on_signal);
    if (spy_pages_start(seg, &s, &e) != 0) {
        signal(SIGINT, old_int);
        signal(SIGTERM, old_term);
        spy_seg_close(seg);
        return cli_fail(&e);
    }
    memset(&r, 0, sizeof r);
    r.q = q;
    r.ps = spy_pages_page_size(s);
    fputs("shmspy: blame ", stderr);
    cli_put_name(stderr, spy_seg_name(seg));
    fprintf(stderr,
            " --pages: clearing the soft-dirty bits of its mappers every "
            "%u ms (pages of %" PRIu64 " bytes)\n",
            INTERVAL_MS, r.ps);
    if (for_s > 0)
        t_end = spy_monotonic_ms() + (uint64_t)for_s * 1000u;
    rc = SPY_EXIT_OK;
    while (!pages_signal) {
        uint64_t now = spy_monotonic_ms(), wake = now + INTERVAL_MS;
        int last = 0, counted = 0;
        if (t_end != 0 && wake >= t_end) {
            wake = t_end;
            last = 1;
        }
        while (!pages_signal && (now = spy_monotonic_ms()) < wake)
            spy_sleep_ms(wake - now < SLICE_MS ? (unsigned)(wake - now)
                                               : SLICE_MS);
        if (spy_pages_tick(s, &iv, &e) != 0) {
            rc = cli_fail(&e);
            break;
        }
        r.intervals++;
        if (iv.refused > r.refused_said) {
            fprintf(stderr, "shmspy: blame --pages: %u process%s refused: %s\n",
                    iv.refused, iv.refused == 1 ? "" : "es", iv.refusal);
            r.refused_said = iv.refused;
        }
        for (i = 0; i < iv.nwriters && !counted; i++) {
            show(&r, &iv, &iv.writers[i]);
            add_total(&r, &iv.writers[i]);
            if (q->count != 0 && ++r.lines >= q->count)
                counted = 1; /* --count lines shown */
        }
        if (r.nomem) {
            spy_err_set(&e, SPY_ENOMEM, 0, "blame --pages: out of memory");
            rc = cli_fail(&e);
            break;
        }
        if (last || counted)
            break;
    }
    signal(SIGINT, old_int);
    signal(SIGTERM, old_term);
    summary(&r, spy_seg_name(seg));
    for (i = 0; i < r.ntotals; i++)
        free(r.totals[i].pages);
    free(r.totals);
    spy_pages_stop(s);
    spy_seg_close(seg);
    frc = cli_finish_stdout();
    return rc != SPY_EXIT_OK ? rc : frc;
}
