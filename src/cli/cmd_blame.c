/* cmd_blame.c - `shmspy blame NAME OFFSET... [--len N] [--access w|rw]
 * [--for DURATION] [--count N] [--json]`, or `--type T ... --field F`
 * instead of the OFFSETs: who writes (or reads) these bytes, from where
 * in its code (ops/blame.h). `--pages` hands over to blame_pages.c.
 *
 * Each hit is printed as it arrives; the summary per writer is printed
 * when blame ends: --for elapsed, --count hits seen, or SIGINT/SIGTERM
 * (caught, so Ctrl-C still prints the summary). */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../ops/blame.h"
#include "../ops/clean.h"
#include "blame_pages.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"

#define F(member) offsetof(cli_blame_req, member)

static const cli_choice blame_access[] = {
    {"w", 0, 0, 0}, {"rw", 1, 0, 0}, {NULL, 0, 0, 0}};

static const cli_option blame_options[] = {
    CLI_OPT(0, "len", CLI_NUM, F(len), "N",
            "bytes watched at each OFFSET: 1, 2, 4 or 8 (default 4;\n"
            "each OFFSET a multiple of it)",
            .min = 1, .max = 8),
    CLI_OPT(0, "access", CLI_ENUM, F(access), NULL,
            "w: writes (default); rw: reads and writes",
            .choices = blame_access),
    CLI_OPT(0, "for", CLI_STR, F(for_text), "DURATION",
            "stop after DURATION (90s, 5m, 1h; no unit: seconds)"),
    CLI_OPT(0, "count", CLI_NUM, F(count), "N", "stop after N hits", .min = 1,
            .max = UINT64_MAX),
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "one JSON object per hit, one line each, then a summary\n"
            "object"),
    /* page-level attribution: blame_pages.c (cli_blame_pages) */
    CLI_OPT(0, "pages", CLI_FLAG, F(pages), NULL,
            "which processes dirtied which pages, once a second\n"
            "(soft-dirty bits, cleared each second: visible to CRIU;\n"
            "--count counts those lines), instead of watchpoints"),
    CLI_OPT('s', "offset", CLI_NUM, F(base), "BASE",
            "typed: where --type's struct starts (default 0)"),
    CLI_TYPED_OPTIONS(F),
    CLI_TYPED_FIELD_OPTION(F),
    {0}};

static const cli_pos blame_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {"OFFSET", F(offsets), CLI_MANY, NULL, CLI_V_NONE, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

/* --field and -s need a layout (--type, or --layout alone: its root);
 * blame_offsets says so, as one table row cannot. */
static const char *const blame_needs[][2] = {{NULL, NULL}};

const cli_command cmd_blame_spec = {
    "blame",
    "blame NAME OFFSET... [--len 1|2|4|8] [--access w|rw]\n"
    "                    [--for DURATION] [--count N] [--json]\n"
    "       shmspy blame NAME [-s BASE] --type T (--header H [--cflags "
    "WORDS] |\n"
    "                    --from PID|PATH | --layout FILE) [--no-cache]\n"
    "                    --field PATH [--access w|rw] [--for DURATION]\n"
    "                    [--count N] [--json]\n"
    "       shmspy blame NAME --pages [--for DURATION] [--count N] [--json]",
    "Arms a hardware watchpoint on each OFFSET (up to 4) in every thread\n"
    "of every process that maps NAME, each at its own address, and prints\n"
    "every write (with --access rw, every read too) as it happens: time\n"
    "since blame started, pid, tid, command, the value now at the offset,\n"
    "and where in the code it came from (function, source file and line\n"
    "from the debug information; module+offset without it). Processes\n"
    "and threads that start mapping NAME while blame runs are armed too\n"
    "(threads within 0.1 s, processes within 0.5 s). On exit (--for,\n"
    "--count, Ctrl-C or SIGTERM) a summary per writer: hits, first and\n"
    "last time, code locations.\n"
    "Linux only (perf_event_open): a refusal names why in one line.\n",
    blame_options,
    blame_args,
    NULL,
    blame_needs,
    "Watched processes are never stopped: the only cost is the trap on a\n"
    "hit. Samples the kernel drops when blame falls behind are counted as\n"
    "lost in the summary. Accesses made by the kernel (read(2) into the\n"
    "segment) are not seen.\n"};

static volatile sig_atomic_t blame_signal;

static void on_signal(int sig) {
    blame_signal = sig;
}

typedef struct blame_out {
    const cli_blame_req *q;
    spy_json j;
    uint64_t shown, limit;
} blame_out;

static void put_time(FILE *f, uint64_t ns) {
    fprintf(f, "+%" PRIu64 ".%06" PRIu64, ns / 1000000000u,
            ns % 1000000000u / 1000u);
}

static int on_event(const spy_blame_event *ev, void *arg) {
    blame_out *o = arg;
    if (o->q->json) {
        spy_json *j = &o->j;
        spy_json_init(j, stdout, 0);
        spy_json_obj_begin(j);
        spy_json_key(j, "time");
        spy_json_double(j, (double)ev->rel_ns / 1e9);
        spy_json_key(j, "time_ns");
        spy_json_uint(j, ev->hit.time_ns);
        spy_json_key(j, "pid");
        spy_json_int(j, ev->hit.pid);
        spy_json_key(j, "tid");
        spy_json_int(j, ev->hit.tid);
        spy_json_key(j, "command");
        spy_json_str(j, ev->comm);
        spy_json_key(j, "offset");
        spy_json_uint(j, ev->hit.off);
        spy_json_key(j, "addr");
        spy_json_uint(j, ev->hit.addr);
        spy_json_key(j, "ip");
        spy_json_uint(j, ev->hit.ip);
        spy_json_key(j, "value");
        if (ev->value_len > 0)
            spy_json_uint(j, ev->value_u);
        else
            spy_json_null(j);
        spy_json_key(j, "module");
        spy_json_str(j, ev->loc.module);
        spy_json_key(j, "module_offset");
        spy_json_uint(j, ev->loc.module_off);
        spy_json_key(j, "function");
        spy_json_str(j, ev->loc.function);
        spy_json_key(j, "file");
        spy_json_str(j, ev->loc.file);
        spy_json_key(j, "line");
        spy_json_int(j, ev->loc.line);
        spy_json_key(j, "where");
        spy_json_str(j, ev->where);
        spy_json_obj_end(j);
        spy_json_end(j);
    } else {
        put_time(stdout, ev->rel_ns);
        /* comm and where are escaped by ops/blame.c */
        printf(" pid %d tid %d %s off 0x%" PRIx64, ev->hit.pid, ev->hit.tid,
               ev->comm[0] != '\0' ? ev->comm : "?", ev->hit.off);
        if (ev->value_len > 0)
            printf(" value %" PRIu64 " (0x%0*" PRIx64 ")", ev->value_u,
                   (int)ev->value_len * 2, ev->value_u);
        else
            fputs(" value ?", stdout);
        printf(" at %s\n", ev->where);
    }
    o->shown++;
    return o->limit != 0 && o->shown >= o->limit ? 1 : 0;
}

static void summary_text(spy_blame_session *s, const char *segname) {
    const spy_blame_writer *w;
    spy_blame_stats st;
    size_t n, i, k;
    uint64_t hits = 0;
    spy_blame_session_writers(s, &w, &n);
    spy_blame_session_stats(s, &st);
    for (i = 0; i < n; i++)
        hits += w[i].count;
    fputs("summary: ", stdout);
    cli_put_name(stdout, segname);
    printf(": %" PRIu64 " hit%s from %zu process%s", hits, hits == 1 ? "" : "s",
           n, n == 1 ? "" : "es");
    printf(", %" PRIu64 " lost", st.lost);
    if (st.throttled > 0)
        printf(", throttled %" PRIu64 "x", st.throttled);
    printf(", %u refused\n", st.refused);
    if (st.lost > 0)
        printf("  %" PRIu64 " samples lost (ring buffer overrun): the counts "
               "below miss them\n",
               st.lost);
    if (st.throttled > 0)
        printf("  throttled %" PRIu64 " time%s by the kernel, %.1f ms in all "
               "(kernel.perf_event_max_sample_rate): hits in those stretches "
               "were not sampled, the counts below miss them\n",
               st.throttled, st.throttled == 1 ? "" : "s",
               (double)st.throttled_ns / 1e6);
    if (st.refused > 0) {
        fputs("  not armed: ", stdout);
        cli_put_escaped(stdout, st.refused_why);
        fputc('\n', stdout);
    }
    for (i = 0; i < n; i++) {
        printf("  pid %d %s: %" PRIu64 " hit%s, first ", w[i].pid,
               w[i].comm[0] != '\0' ? w[i].comm : "?", w[i].count,
               w[i].count == 1 ? "" : "s");
        put_time(stdout, w[i].first_ns);
        fputs(", last ", stdout);
        put_time(stdout, w[i].last_ns);
        fputc('\n', stdout);
        for (k = 0; k < w[i].nsites; k++)
            printf("    %8" PRIu64 "  %s\n", w[i].sites[k].count,
                   w[i].sites[k].where);
    }
}

static void summary_json(spy_blame_session *s, const char *segname) {
    const spy_blame_writer *w;
    spy_blame_stats st;
    size_t n, i, k;
    spy_json j;
    uint64_t hits = 0;
    spy_blame_session_writers(s, &w, &n);
    spy_blame_session_stats(s, &st);
    for (i = 0; i < n; i++)
        hits += w[i].count;
    spy_json_init(&j, stdout, 0);
    spy_json_obj_begin(&j);
    spy_json_key(&j, "summary");
    spy_json_obj_begin(&j);
    spy_json_name(&j, "name", segname);
    spy_json_key(&j, "hits");
    spy_json_uint(&j, hits);
    spy_json_key(&j, "lost");
    spy_json_uint(&j, st.lost);
    spy_json_key(&j, "throttled");
    spy_json_uint(&j, st.throttled);
    spy_json_key(&j, "throttled_ms");
    spy_json_double(&j, (double)st.throttled_ns / 1e6);
    spy_json_key(&j, "refused");
    spy_json_uint(&j, st.refused);
    spy_json_key(&j, "refused_why");
    spy_json_str(&j, st.refused_why);
    spy_json_key(&j, "writers");
    spy_json_arr_begin(&j);
    for (i = 0; i < n; i++) {
        spy_json_obj_begin(&j);
        spy_json_key(&j, "pid");
        spy_json_int(&j, w[i].pid);
        spy_json_key(&j, "command");
        spy_json_str(&j, w[i].comm);
        spy_json_key(&j, "count");
        spy_json_uint(&j, w[i].count);
        spy_json_key(&j, "first");
        spy_json_double(&j, (double)w[i].first_ns / 1e9);
        spy_json_key(&j, "last");
        spy_json_double(&j, (double)w[i].last_ns / 1e9);
        spy_json_key(&j, "sites");
        spy_json_arr_begin(&j);
        for (k = 0; k < w[i].nsites; k++) {
            const spy_blame_site *t = &w[i].sites[k];
            spy_json_obj_begin(&j);
            spy_json_key(&j, "count");
            spy_json_uint(&j, t->count);
            spy_json_key(&j, "ip");
            spy_json_uint(&j, t->ip);
            spy_json_key(&j, "module");
            spy_json_str(&j, t->loc.module);
            spy_json_key(&j, "function");
            spy_json_str(&j, t->loc.function);
            spy_json_key(&j, "file");
            spy_json_str(&j, t->loc.file);
            spy_json_key(&j, "line");
            spy_json_int(&j, t->loc.line);
            spy_json_key(&j, "where");
            spy_json_str(&j, t->where);
            spy_json_obj_end(&j);
        }
        spy_json_arr_end(&j);
        spy_json_obj_end(&j);
    }
    spy_json_arr_end(&j);
    spy_json_obj_end(&j);
    spy_json_obj_end(&j);
    spy_json_end(&j);
}

/* The offsets of the command line (or of --field) into *o. Returns 0, or
 * the exit code after printing the error. */
static int blame_offsets(const cli_blame_req *q, spy_seg *seg,
                         spy_blame_opts *o) {
    size_t n = 0;
    if (!spy_typed_wanted(&q->typed) && (q->field != NULL || q->base != 0))
        return cli_usage_error("blame", "--field and -s/--offset apply with a "
                                        "layout (--type T ... or --layout F)");
    if (spy_typed_wanted(&q->typed)) {
        spy_typed t;
        spy_err e;
        int rc, usage;
        if (q->offsets != NULL && q->offsets[0] != NULL)
            return cli_usage_error("blame", "an OFFSET and --type: give the "
                                            "field with --field PATH");
        if (q->field == NULL)
            return cli_usage_error("blame", "a layout needs --field PATH (a "
                                            "field of 1, 2, 4 or 8 bytes)");
        if (q->len != 0)
            return cli_usage_error("blame",
                                   "--len and --field: the field's size is "
                                   "the length");
        if ((rc = cli_typed_load("blame", &q->typed, &t)) != 0)
            return rc;
        rc = spy_blame_field(seg, &t, q->base, q->field, o, &usage, &e);
        spy_typed_free(&t);
        if (rc != 0)
            return usage ? cli_usage_error("blame", "%s",
                                           strncmp(e.msg, "blame: ", 7) == 0
                                               ? e.msg + 7
                                               : e.msg)
                         : cli_fail(&e);
        return 0;
    }
    if (q->field != NULL)
        return cli_usage_error("blame", "--field needs --type T");
    if (q->offsets == NULL || q->offsets[0] == NULL)
        return cli_usage_error("blame", "missing OFFSET (or --type T "
                                        "--field F)");
    for (n = 0; q->offsets[n] != NULL; n++) {
        if (n == SPY_BLAME_MAX_WATCH)
            return cli_usage_error("blame",
                                   "at most %d offsets (the CPU's debug "
                                   "registers)",
                                   SPY_BLAME_MAX_WATCH);
        if (cli_number("blame", "OFFSET", q->offsets[n], &o->off[n]) != 0)
            return SPY_EXIT_USAGE;
    }
    o->noff = (unsigned)n;
    o->len = q->len != 0 ? (unsigned)q->len : 4;
    for (n = 0; n < o->noff; n++) {
        size_t k;
        if (o->off[n] % o->len != 0)
            return cli_usage_error("blame",
                                   "OFFSET 0x%" PRIx64 " is not a multiple "
                                   "of --len %u (the CPU watches aligned "
                                   "ranges only)",
                                   o->off[n], o->len);
        for (k = 0; k < n; k++)
            if (o->off[k] == o->off[n])
                return cli_usage_error(
                    "blame", "OFFSET 0x%" PRIx64 " given twice", o->off[n]);
    }
    return 0;
}

int cmd_blame(int argc, char **argv) {
    cli_blame_req q;
    spy_blame_opts o;
    spy_blame_session *s = NULL;
    spy_blame_stats st;
    spy_name name;
    spy_seg *seg;
    spy_err e;
    blame_out out;
    int64_t for_s = 0;
    uint64_t t_end = 0;
    int rc, frc;
    void (*old_int)(int), (*old_term)(int);

    memset(&q, 0, sizeof q);
    if (!cli_parse(&cmd_blame_spec, argc, argv, &q, &rc))
        return rc;
    if (cli_name("blame", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (q.pages)
        return cli_blame_pages(&q, &name);
    if (q.len != 0 && q.len != 1 && q.len != 2 && q.len != 4 && q.len != 8)
        return cli_usage_error("blame",
                               "--len %" PRIu64 ": a watch is 1, 2, 4 or 8 "
                               "bytes (larger ranges: --pages)",
                               q.len);
    if (q.for_text != NULL) {
        if (spy_clean_parse_duration(q.for_text, &for_s, &e) != 0)
            return cli_usage_error("blame", "--for: %s", e.msg);
        if (for_s <= 0)
            return cli_usage_error("blame", "--for: at least 1 second");
    }
    memset(&o, 0, sizeof o);
    o.rw = q.access;
    if (spy_seg_open(&name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    if ((rc = blame_offsets(&q, seg, &o)) != 0) {
        spy_seg_close(seg);
        return rc;
    }

    blame_signal = 0;
    old_int = signal(SIGINT, on_signal);
    old_term = signal(SIGTERM, on_signal);
    if (spy_blame_session_start(seg, &o, 1, &s, &e) != 0) {
        signal(SIGINT, old_int);
        signal(SIGTERM, old_term);
        spy_seg_close(seg);
        return cli_fail(&e);
    }
    spy_blame_session_stats(s, &st);
    {
        unsigned i;
        fputs("shmspy: blame ", stderr);
        cli_put_name(stderr, spy_seg_name(seg));
        fputs(": watching", stderr);
        for (i = 0; i < o.noff; i++)
            fprintf(stderr, "%s0x%" PRIx64, i ? ", " : " ", o.off[i]);
        fprintf(stderr, " (%u byte%s, %s) in %u process%s, %u thread%s%s\n",
                o.len, o.len == 1 ? "" : "s",
                o.rw ? "reads and writes" : "writes", st.processes,
                st.processes == 1 ? "" : "es", st.threads,
                st.threads == 1 ? "" : "s",
                st.processes == 0 ? "; waiting for a process to map it" : "");
        /* Whatever is not watched is said now, not only at the end. */
        if (st.hidden > 0)
            fprintf(stderr,
                    "shmspy: blame: note: %u process%s could not be inspected "
                    "(/proc/PID/maps not readable to us; another user's "
                    "needs ptrace read access: CAP_SYS_PTRACE or root): a "
                    "mapping there is not watched\n",
                    st.hidden, st.hidden == 1 ? "" : "es");
        if (st.refused > 0) {
            fprintf(stderr, "shmspy: blame: note: %u not armed: ", st.refused);
            cli_put_escaped(stderr, st.refused_why);
            fputc('\n', stderr);
        }
    }
    memset(&out, 0, sizeof out);
    out.q = &q;
    out.limit = q.count;
    if (for_s > 0)
        t_end = spy_monotonic_ms() + (uint64_t)for_s * 1000u;
    rc = SPY_EXIT_OK;
    while (!blame_signal) {
        int step_ms = SPY_BLAME_RESCAN_MS, r;
        if (t_end != 0) {
            uint64_t now = spy_monotonic_ms();
            if (now >= t_end)
                break;
            if (t_end - now < (uint64_t)step_ms)
                step_ms = (int)(t_end - now);
        }
        r = spy_blame_session_step(s, step_ms, on_event, &out, &e);
        fflush(stdout); /* once per batch: a write(2) per hit would cap
                           the rate blame keeps up with */
        if (r > 0)
            break; /* --count reached */
        if (r < 0) {
            rc = cli_fail(&e);
            break;
        }
    }
    signal(SIGINT, old_int);
    signal(SIGTERM, old_term);
    if (q.json)
        summary_json(s, spy_seg_name(seg));
    else
        summary_text(s, spy_seg_name(seg));
    spy_blame_session_stop(s);
    spy_seg_close(seg);
    frc = cli_finish_stdout();
    return rc != SPY_EXIT_OK ? rc : frc;
}
