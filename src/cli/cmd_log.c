/* cmd_log.c - `shmspy log NAME [--hz N] [--for D] [--json] [--type ...
 * [--field F]]`: one line per change as it happens (tail -f for shared
 * memory): the sampler of ops/record.h finds what changed, the change log
 * of ops/diff.h prints it, as `replay --log` prints a recording. */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../core/duration.h"
#include "../ops/diff.h"
#include "../ops/record.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"

typedef struct log_req {
    const char *name_text, *for_text;
    uint64_t hz, off;
    int json;
    spy_typed_req typed;
    const char *field;
} log_req;

#define F(member) offsetof(log_req, member)

static const cli_option log_options[] = {
    CLI_OPT(0, "hz", CLI_NUM, F(hz), "N",
            "samples per second, 1..10000 (default 100): a change\n"
            "undone within one period is not seen",
            .min = 1, .max = 10000),
    CLI_OPT(0, "for", CLI_STR, F(for_text), "D",
            "stop after duration D (1.5s, 250ms, 2m; default: until\n"
            "interrupted)"),
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "one JSON object a line (t, off, len, old, new; field;\n"
            "event), flushed per line"),
    CLI_OPT('s', "offset", CLI_NUM, F(off), "BASE",
            "typed: where the struct starts (default 0)"),
    CLI_TYPED_OPTIONS(F),
    CLI_TYPED_FIELD_OPTION(F),
    {0}};

static const cli_pos log_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_log_spec = {
    "log",
    "log NAME [--hz N] [--for D] [--json]\n"
    "       shmspy log NAME --type T (--header H [--cflags WORDS] |\n"
    "                   --from PID|PATH | --layout FILE) [--no-cache]\n"
    "                   [-s BASE] [--field PATH] [--hz N] [--for D] [--json]",
    "Prints one line per change of NAME as it happens: the time since the\n"
    "start, the offset, the length, the old and the new bytes; with\n"
    "--type, the fields whose bytes changed, with their old and new\n"
    "values. Resizes, removal, re-creation and missed samples are lines\n"
    "too. Interrupt (Ctrl-C) to stop; exit status 0.\n",
    log_options,
    log_args,
    NULL,
    NULL,
    "Lines look like: 12.345s  0x40  4  29 00 00 00 -> 2a 00 00 00\n"
    "(an arrow when the locale is UTF-8).\n"};

static volatile sig_atomic_t log_stop;

static void on_signal(int sig) {
    (void)sig;
    log_stop = 1;
}

/* The sample's runs as records (new bytes only). */
static int to_runs(const spy_sample *s, spy_rec_run **buf, size_t *cap,
                   spy_err *e) {
    size_t i;
    if (s->nruns > *cap) {
        spy_rec_run *v = realloc(*buf, s->nruns * sizeof *v);
        if (v == NULL)
            return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
        *buf = v;
        *cap = s->nruns;
    }
    for (i = 0; i < s->nruns; i++) {
        (*buf)[i].off = s->runs[i].off;
        (*buf)[i].len = s->runs[i].len;
        (*buf)[i].data = s->runs[i].new_data;
    }
    return 0;
}

int cmd_log(int argc, char **argv) {
    log_req q;
    spy_name name;
    spy_typed t;
    int typed = 0, rc;
    uint64_t for_ns = 0;
    spy_changelog_opts o;
    spy_changelog *cl = NULL;
    spy_sampler *sp = NULL;
    spy_sample s;
    spy_rec_run *runs = NULL;
    size_t runs_cap = 0;
    spy_err e;
    void (*old_int)(int), (*old_term)(int);

    memset(&q, 0, sizeof q);
    q.hz = 100;
    if (!cli_parse(&cmd_log_spec, argc, argv, &q, &rc))
        return rc;
    if (cli_name("log", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (q.for_text != NULL &&
        spy_parse_duration("--for", q.for_text, &for_ns, &e) != 0)
        return cli_usage_error("log", "%s", e.msg);
    if (!spy_typed_wanted(&q.typed) && (q.field != NULL || q.off != 0))
        return cli_usage_error("log",
                               "%s needs a layout (--type with "
                               "--header, --from or --layout)",
                               q.field != NULL ? "--field" : "--offset");
    spy_err_clear(&e);
    if (spy_sampler_open(&name, 1000000000u / q.hz, &sp, &e) != 0)
        return cli_fail(&e);
    memset(&o, 0, sizeof o);
    o.out = stdout;
    o.json = q.json;
    o.utf8 = spy_diff_locale_utf8();
    if (spy_typed_wanted(&q.typed)) {
        spy_lfield f;
        uint64_t size;
        spy_sampler_image(sp, &size);
        if ((rc = cli_typed_load("log", &q.typed, &t)) != 0) {
            spy_sampler_close(sp);
            return rc;
        }
        typed = 1;
        /* A --field that names nothing is a usage error now, not later. */
        if (q.off > size ||
            spy_layout_field(&t.layout, t.root, q.off, size - q.off, q.field,
                             &f, &e) != 0) {
            rc = q.off > size ? cli_usage_error("log",
                                                "-s 0x%" PRIx64 ": past the "
                                                "end (%" PRIu64 " bytes)",
                                                q.off, size)
                              : cli_usage_error("log", "%s", e.msg);
            goto out;
        }
        o.layout = &t.layout;
        o.root = t.root;
        o.base = q.off;
        o.field = q.field;
    }
    if (spy_changelog_new(&o, &cl, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    spy_sampler_first(sp, &s);
    if (spy_changelog_key(cl, s.t_ns, s.img, s.size, &e) != 0) {
        rc = cli_fail(&e);
        goto out;
    }
    /* Said once the first sample is taken: a change made after this
     * line is a line of the log (scripts and tests wait for it). */
    fputs("shmspy: log ", stderr);
    cli_put_name(stderr, q.name_text);
    fprintf(stderr, ": %" PRIu64 " bytes, %" PRIu64 " samples a second%s\n",
            s.size, q.hz, for_ns != 0 ? "" : " (Ctrl-C stops)");
    log_stop = 0;
    old_int = signal(SIGINT, on_signal);
    old_term = signal(SIGTERM, on_signal);
    rc = SPY_EXIT_OK;
    while (!log_stop && !ferror(stdout)) {
        size_t i;
        int r = spy_sampler_step(sp, 1, &s, &e);
        if (log_stop)
            break;
        if (r != 0) {
            rc = cli_fail(&e);
            break;
        }
        if (for_ns != 0 && s.t_ns > for_ns)
            break;
        if (s.missed > 0) {
            spy_rec_event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = SPY_REC_EV_MISSED;
            ev.a = s.missed;
            spy_changelog_event(cl, s.t_ns, &ev, &e);
        }
        for (i = 0; i < s.nevents; i++)
            spy_changelog_event(cl, s.t_ns, &s.events[i], &e);
        if (s.key)
            r = spy_changelog_key(cl, s.t_ns, s.img, s.size, &e);
        else if ((r = to_runs(&s, &runs, &runs_cap, &e)) == 0)
            r = spy_changelog_delta(cl, s.t_ns, s.size, runs, s.nruns, &e);
        if (r != 0) {
            rc = cli_fail(&e);
            break;
        }
        if (for_ns != 0 && s.t_ns >= for_ns)
            break;
    }
    signal(SIGINT, old_int);
    signal(SIGTERM, old_term);
    {
        /* A reader that went away (log | head) is not a failure. */
        int frc = cli_finish_stdout();
        if (rc == SPY_EXIT_OK)
            rc = frc;
    }
out:
    free(runs);
    spy_changelog_free(cl);
    spy_sampler_close(sp);
    if (typed)
        spy_typed_free(&t);
    return rc;
}
