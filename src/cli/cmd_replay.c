/* cmd_replay.c - `shmspy replay FILE`: the replay view (tui/, a terminal
 * only), or without one: --info (what the recording says of itself),
 * --log (every recorded change, event and hit as `shmspy log` prints
 * them, by the same code) and --dump (the frame at --at TIME in the xxd
 * layout: `replay F --at 1.5s --dump | xxd -r` gives the bytes). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/term.h"
#include "../core/duration.h"
#include "../core/hexfmt.h"
#include "../ops/diff.h"
#include "../ops/recording.h"
#include "../tui/tui.h"
#include "../core/escape.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"

typedef struct replay_req {
    const char *path, *at_text;
    int info, log, json, dump;
    uint64_t off;
    spy_typed_req typed;
    const char *field;
} replay_req;

#define F(member) offsetof(replay_req, member)

static const cli_option replay_options[] = {
    CLI_OPT(0, "info", CLI_FLAG, F(info), NULL,
            "print what the recording holds (name, start, duration,\n"
            "samples, keyframes, deltas, events, hits) and exit"),
    CLI_OPT(0, "log", CLI_FLAG, F(log), NULL,
            "print every recorded change, event and hit, one a line, as\n"
            "`shmspy log` prints them"),
    CLI_OPT(0, "dump", CLI_FLAG, F(dump), NULL,
            "print the segment as recorded at --at TIME (default: the\n"
            "end) in the xxd layout"),
    CLI_OPT(0, "at", CLI_STR, F(at_text), "TIME",
            "with --dump: start, end, or the time since the start\n"
            "(1.5s, 250ms)"),
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "with --info: one JSON document; with --log: one JSON object\n"
            "a line"),
    CLI_OPT('s', "offset", CLI_NUM, F(off), "BASE",
            "typed: where the struct starts (default 0)"),
    CLI_TYPED_OPTIONS(F),
    CLI_TYPED_FIELD_OPTION(F),
    {0}};

static const cli_pos replay_args[] = {
    {"FILE", F(path), CLI_REQUIRED, NULL, CLI_V_FILE, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

static const char *const replay_exclusive[][CLI_EXCL_MAX] = {
    {"info", "log", "dump", NULL}, {"json", "dump", NULL}, {NULL}};

static const char *const replay_needs[][2] = {{"at", "dump"}, {NULL, NULL}};

const cli_command cmd_replay_spec = {
    "replay",
    "replay FILE [--type T (--header H [--cflags WORDS] | --from PID|PATH |\n"
    "                   --layout FILE) [--no-cache] [-s BASE] [--field "
    "PATH]]\n"
    "       shmspy replay FILE --info [--json]\n"
    "       shmspy replay FILE --log [--json] [--type T ... [--field PATH]]\n"
    "       shmspy replay FILE --dump [--at TIME]",
    "Plays back a recording (`shmspy record`, `shmspy snapshot`) in the\n"
    "hex view, with the field pane given --type, on a timeline: play,\n"
    "pause, speed, step and jump to changes. --info, --log and --dump\n"
    "print instead, without a terminal.\n",
    replay_options,
    replay_args,
    replay_exclusive,
    replay_needs,
    "Press ? in the view for every key; q quits.\n"};

static int put_info(spy_timeline *tl, const char *path, int json) {
    const spy_rec_meta *m = spy_timeline_meta(tl);
    char tb[32], when[64];

    cli_format_time((int64_t)(m->start_wall_ns / 1000000000u), when,
                    sizeof when);
    if (json) {
        spy_json j;
        spy_json_init(&j, stdout, 1);
        spy_json_obj_begin(&j);
        spy_json_name(&j, "file", path);
        spy_json_name(&j, "name", m->name);
        spy_json_key(&j, "start");
        spy_json_double(&j, (double)(m->start_wall_ns / 1000) / 1e6);
        spy_json_key(&j, "duration");
        spy_json_double(&j, (double)(m->duration_ns / 1000) / 1e6);
        spy_json_key(&j, "size");
        spy_json_uint(&j, m->size);
        spy_json_key(&j, "period_ns");
        spy_json_uint(&j, m->period_ns);
        spy_json_key(&j, "samples");
        spy_json_uint(&j, m->samples);
        spy_json_key(&j, "keyframes");
        spy_json_uint(&j, m->keyframes);
        spy_json_key(&j, "deltas");
        spy_json_uint(&j, m->deltas);
        spy_json_key(&j, "events");
        spy_json_uint(&j, m->events);
        spy_json_key(&j, "hits");
        spy_json_uint(&j, m->hits);
        spy_json_key(&j, "file_bytes");
        spy_json_uint(&j, m->file_bytes);
        spy_json_key(&j, "compressed");
        spy_json_bool(&j, m->compressed);
        spy_json_key(&j, "ring");
        spy_json_bool(&j, m->ring);
        spy_json_key(&j, "complete");
        spy_json_bool(&j, m->complete);
        spy_json_obj_end(&j);
        spy_json_end(&j);
        return 0;
    }
    fputs("file        ", stdout);
    cli_put_escaped(stdout, path);
    fputs("\nname        ", stdout);
    cli_put_name(stdout, m->name);
    printf("\nstart       %s\n", when);
    printf("duration    %s\n",
           spy_format_seconds(m->duration_ns, tb, sizeof tb));
    printf("size        %" PRIu64 " bytes (at the start)\n", m->size);
    if (m->period_ns != 0)
        printf("period      %s (%.6g Hz)\n",
               spy_format_seconds(m->period_ns, tb, sizeof tb),
               1e9 / (double)m->period_ns);
    else
        printf("period      - (a snapshot)\n");
    printf("samples     %" PRIu64 "\n", m->samples);
    printf("keyframes   %" PRIu64 "\n", m->keyframes);
    printf("deltas      %" PRIu64 "\n", m->deltas);
    printf("events      %" PRIu64 "\n", m->events);
    printf("hits        %" PRIu64 "\n", m->hits);
    printf("file bytes  %" PRIu64 "\n", m->file_bytes);
    printf("compressed  %s\n", m->compressed ? "yes (zstd)" : "no");
    printf("ring        %s\n",
           m->ring ? "yes (a flight recorder's window)" : "no");
    printf("complete    %s\n",
           m->complete ? "yes"
                       : "no (not closed cleanly: its index was rebuilt)");
    return 0;
}

/* --dump: the frame at t_ns in the xxd layout, 64 KiB at a time. */
static int put_dump(spy_timeline *tl, uint64_t t_ns, spy_err *e) {
    enum { CHUNK = 1 << 16 };
    uint64_t size = spy_timeline_size_at(tl, t_ns), off;
    uint8_t *buf = malloc(CHUNK);
    char *out = malloc(spy_hexfmt_bound(CHUNK));
    spy_hexfmt f;
    size_t n;
    int rc = 0;

    if (buf == NULL || out == NULL) {
        free(buf);
        free(out);
        return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
    }
    spy_hexfmt_init(&f, SPY_HEX_XXD, 0);
    for (off = 0; off < size && !ferror(stdout); off += n) {
        n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        if ((rc = spy_timeline_frame(tl, t_ns, off, n, buf, NULL, e)) != 0)
            break;
        fwrite(out, 1, spy_hexfmt_feed(&f, buf, n, out), stdout);
    }
    if (rc == 0)
        fwrite(out, 1, spy_hexfmt_finish(&f, out), stdout);
    free(buf);
    free(out);
    return rc;
}

/* --log: the recording's records through the change log. */
typedef struct log_walk {
    spy_changelog *cl;
    spy_err *e;
    int rc;
} log_walk;

static int on_key(uint64_t t_ns, uint64_t seq, uint64_t size,
                  const uint8_t *img, void *arg) {
    log_walk *w = arg;
    (void)seq;
    w->rc = spy_changelog_key(w->cl, t_ns, img, size, w->e);
    return w->rc != 0 || ferror(stdout);
}

static int on_delta(uint64_t t_ns, uint64_t seq, uint64_t size,
                    const spy_rec_run *runs, size_t nruns, void *arg) {
    log_walk *w = arg;
    (void)seq;
    w->rc = spy_changelog_delta(w->cl, t_ns, size, runs, nruns, w->e);
    return w->rc != 0 || ferror(stdout);
}

static int on_event(uint64_t t_ns, uint64_t seq, const spy_rec_event *ev,
                    void *arg) {
    log_walk *w = arg;
    (void)seq;
    w->rc = spy_changelog_event(w->cl, t_ns, ev, w->e);
    return w->rc != 0 || ferror(stdout);
}

static int on_hit(uint64_t t_ns, uint64_t seq, const spy_rec_hit *hit,
                  void *arg) {
    log_walk *w = arg;
    (void)seq;
    w->rc = spy_changelog_hit(w->cl, t_ns, hit, w->e);
    return w->rc != 0 || ferror(stdout);
}

static int put_log(spy_timeline *tl, const spy_changelog_opts *o, spy_err *e) {
    const spy_rec_meta *m = spy_timeline_meta(tl);
    spy_timeline_visitor v;
    log_walk w;
    uint64_t size = spy_timeline_size_at(tl, 0);
    uint8_t *img = NULL;
    int rc;

    if ((rc = spy_changelog_new(o, &w.cl, e)) != 0)
        return rc;
    w.e = e;
    w.rc = 0;
    /* The first frame is where the log starts (printed as nothing). */
    if (size > 0 && (img = malloc((size_t)size)) == NULL) {
        spy_changelog_free(w.cl);
        return spy_err_set(e, SPY_ENOMEM, 0, "out of memory");
    }
    rc = spy_timeline_frame(tl, 0, 0, size, img, NULL, e);
    if (rc == 0)
        rc = spy_changelog_key(w.cl, 0, img, size, e);
    free(img);
    if (rc == 0) {
        memset(&v, 0, sizeof v);
        v.on_key = on_key;
        v.on_delta = on_delta;
        v.on_event = on_event;
        v.on_hit = on_hit;
        v.arg = &w;
        rc = spy_timeline_walk(tl, 0, m->duration_ns, &v, e);
        if (rc == 1)
            rc = w.rc;
    }
    spy_changelog_free(w.cl);
    return rc;
}

int cmd_replay(int argc, char **argv) {
    replay_req q;
    spy_timeline *tl = NULL;
    spy_typed t;
    int typed = 0, rc;
    spy_err e;

    memset(&q, 0, sizeof q);
    if (!cli_parse(&cmd_replay_spec, argc, argv, &q, &rc))
        return rc;
    if (q.json && !q.info && !q.log)
        return cli_usage_error("replay", "--json goes with --info or --log");
    if (!spy_typed_wanted(&q.typed) && (q.field != NULL || q.off != 0))
        return cli_usage_error("replay",
                               "%s needs a layout (--type with "
                               "--header, --from or --layout)",
                               q.field != NULL ? "--field" : "--offset");
    if (spy_typed_wanted(&q.typed) && (q.info || q.dump))
        return cli_usage_error("replay", "--type goes with --log or the view");
    spy_err_clear(&e);
    if (!q.info && !q.log && !q.dump) {
        /* The view: refused on a plain line when there is no terminal,
         * before anything is read. */
        spy_tui_opts o;
        if (!spy_term_isatty(1)) {
            spy_err_set(&e, SPY_EINVAL, 0,
                        "replay: the replay view needs a terminal: standard "
                        "output is not one (use --info, --log or --dump)");
            return cli_fail(&e);
        }
        memset(&o, 0, sizeof o);
        o.hz = 30;
        if (spy_typed_wanted(&q.typed)) {
            if ((rc = cli_typed_load("replay", &q.typed, &t)) != 0)
                return rc;
            typed = 1;
            o.typed = &t;
            o.typed_base = q.off;
            o.field = q.field;
        }
        rc = spy_tui_replay(q.path, &o, &e);
        if (rc != 0 && e.msg[0] != '\0')
            cli_fail(&e);
        if (typed)
            spy_typed_free(&t);
        return rc;
    }
    if (spy_timeline_open(q.path, &tl, &e) != 0)
        return cli_fail(&e);
    if (q.info) {
        put_info(tl, q.path, q.json);
        rc = 0;
    } else if (q.dump) {
        uint64_t t_ns = SPY_DIFF_END;
        const spy_rec_meta *m = spy_timeline_meta(tl);
        if (q.at_text != NULL &&
            spy_diff_parse_time(q.at_text, &t_ns, &e) != 0) {
            char xa[SPY_EXCERPT_CAP];
            spy_excerpt(q.at_text, (size_t)-1, xa);
            spy_timeline_close(tl);
            return cli_usage_error("replay",
                                   "--at: bad time '%s' (use start, "
                                   "end, or the time since the "
                                   "start: 1.5s, 250ms, 2m)",
                                   xa);
        }
        if (t_ns > m->duration_ns)
            t_ns = m->duration_ns;
        rc = put_dump(tl, t_ns, &e);
    } else {
        spy_changelog_opts o;
        memset(&o, 0, sizeof o);
        o.out = stdout;
        o.json = q.json;
        o.utf8 = spy_diff_locale_utf8();
        if (spy_typed_wanted(&q.typed)) {
            spy_lfield f;
            uint64_t size = spy_timeline_size_at(tl, 0);
            if ((rc = cli_typed_load("replay", &q.typed, &t)) != 0) {
                spy_timeline_close(tl);
                return rc;
            }
            typed = 1;
            if (q.off > size ||
                spy_layout_field(&t.layout, t.root, q.off, size - q.off,
                                 q.field, &f, &e) != 0) {
                rc = q.off > size
                         ? cli_usage_error("replay",
                                           "-s 0x%" PRIx64 ": past the end "
                                           "(%" PRIu64 " bytes)",
                                           q.off, size)
                         : cli_usage_error("replay", "%s", e.msg);
                spy_typed_free(&t);
                spy_timeline_close(tl);
                return rc;
            }
            o.layout = &t.layout;
            o.root = t.root;
            o.base = q.off;
            o.field = q.field;
        }
        rc = put_log(tl, &o, &e);
    }
    spy_timeline_close(tl);
    if (typed)
        spy_typed_free(&t);
    if (rc != 0)
        return cli_fail(&e);
    return cli_finish_stdout();
}
