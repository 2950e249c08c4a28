/* cmd_record.c - `shmspy record NAME -o FILE [--hz N] [--for D]
 * [--until COND] [--max-size SIZE] [--ring D] [--force] [--no-compress]
 * [--blame OFF[,OFF...]] [--blame-len N]` (issue 19): the recorder of
 * ops/record.h behind a command line. One start line and one summary
 * line on stderr; SIGINT and SIGTERM end with a finished file, SIGUSR1
 * or Enter on the terminal saves a ring. Exit status with --until: 0 when it
 * triggered, 5 when the recording ended without it. */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/file.h"
#include "../backends/process.h"
#include "../backends/term.h"
#include "../core/duration.h"
#include "../core/num.h"
#include "../core/until.h"
#include "../ops/record.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"

/* record --until ended without the condition holding (the man page, EXIT
 * STATUS). */
#define CLI_EXIT_NOT_TRIGGERED 5

typedef struct record_req {
    const char *name_text, *out, *for_text, *until_text, *ring_text;
    const char *blame_text;
    uint64_t hz, max_size, blame_len, base;
    int force, no_compress;
    spy_typed_req typed;
} record_req;

#define F(member) offsetof(record_req, member)

static const cli_option record_options[] = {
    CLI_OPT('o', "output", CLI_STR, F(out), "FILE",
            "the recording to write (created, mode 0600; suffix\n"
            ".shmspy-rec suggested)",
            .flags = CLI_REQUIRED, .value = CLI_V_FILE),
    CLI_OPT(0, "hz", CLI_NUM, F(hz), "N",
            "samples per second (default 100; 1 to 100000)", .min = 1,
            .max = 100000),
    CLI_OPT(0, "for", CLI_STR, F(for_text), "DURATION",
            "stop after DURATION (1.5s, 250ms, 2m; no unit: seconds)"),
    CLI_OPT(0, "until", CLI_STR, F(until_text), "COND",
            "stop when COND holds: 'off=0x40 u32 == 0',\n"
            "'off=64 len=8 changes', 'field=a.b < 3' (with --type)"),
    CLI_OPT(0, "max-size", CLI_NUM, F(max_size), "SIZE",
            "stop before the file would grow past SIZE bytes (K/M/G);\n"
            "with --ring, the ring's memory cap",
            .min = 1, .max = UINT64_MAX),
    CLI_OPT(0, "ring", CLI_STR, F(ring_text), "DURATION",
            "flight recorder: keep only the last DURATION in memory\n"
            "(at most --max-size bytes of it, default 256M + 4 times\n"
            "the segment's size); write FILE on Enter, SIGUSR1,\n"
            "--until and at the end"),
    CLI_OPT(0, "force", CLI_FLAG, F(force), NULL,
            "replace an existing FILE (a new file renamed over it)"),
    CLI_OPT(0, "no-compress", CLI_FLAG, F(no_compress), NULL,
            "store the changes uncompressed"),
    CLI_OPT(0, "blame", CLI_STR, F(blame_text), "OFF[,OFF...]",
            "also record who writes at these offsets (up to 4;\n"
            "hardware watchpoints, Linux: see blame)"),
    CLI_OPT(0, "blame-len", CLI_NUM, F(blame_len), "N",
            "bytes watched at each --blame offset: 1, 2, 4 or 8\n"
            "(default 4)",
            .min = 1, .max = 8),
    CLI_OPT('s', "offset", CLI_NUM, F(base), "BASE",
            "typed: where --type's struct starts (default 0)"),
    CLI_TYPED_OPTIONS(F),
    {0}};

static const cli_pos record_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

static const char *const record_needs[][2] = {{"blame-len", "blame"},
                                              {NULL, NULL}};

const cli_command cmd_record_spec = {
    "record",
    "record NAME -o FILE [--hz N] [--for DURATION] [--until COND]\n"
    "                     [--max-size SIZE] [--ring DURATION] [--force]\n"
    "                     [--no-compress] [--blame OFF[,OFF...]] "
    "[--blame-len N]\n"
    "                     [-s BASE --type T (--header H | --from PID|PATH |\n"
    "                      --layout FILE)]",
    "Samples NAME N times a second (default 100) and records what changed\n"
    "since the previous sample (in 64-byte blocks) with its time, plus\n"
    "keyframes for seeking, in FILE (zstd-compressed when built with it).\n"
    "A segment that is resized, removed or recreated while recorded is an\n"
    "event in the recording, and recording goes on. Ends at --for, at\n"
    "--until, before --max-size, or on Ctrl-C / SIGTERM, always with a\n"
    "complete file. Read it with `shmspy replay FILE`.\n",
    record_options,
    record_args,
    NULL,
    record_needs,
    "COND: off=N or field=PATH, then optionally len=N and a TYPE (u8..u64,\n"
    "i8..i64, f32, f64, with be for big-endian), then ==, !=, <, > and a\n"
    "value, or `changes`. It is checked on every sample, the first one\n"
    "included. Exit status with --until: 0 when it held, 5 when the\n"
    "recording ended without it.\n"};

static volatile sig_atomic_t rec_signal, rec_save;
static spy_recorder *volatile rec_live;

static void on_stop(int sig) {
    rec_signal = sig;
    if (rec_live != NULL)
        spy_record_stop(rec_live);
}

static void on_save(int sig) {
    (void)sig;
    rec_save = 1;
}

/* --blame OFF[,OFF...] into o. */
static int parse_blame(const char *text, spy_record_opts *o) {
    char buf[256];
    char *p, *comma;

    if (strlen(text) >= sizeof buf)
        return cli_usage_error("record", "--blame: too long");
    strcpy(buf, text);
    for (p = buf;; p = comma + 1) {
        uint64_t off;
        comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        if (o->nblame == 4)
            return cli_usage_error("record", "--blame: at most 4 offsets");
        if (cli_number("record", "--blame", p, &off) != 0)
            return SPY_EXIT_USAGE;
        if (off % o->blame_len != 0)
            return cli_usage_error("record",
                                   "--blame 0x%" PRIx64
                                   ": not a multiple of --blame-len %u",
                                   off, o->blame_len);
        o->blame_off[o->nblame++] = off;
        if (comma == NULL)
            return 0;
    }
}

/* --until field=PATH: resolved in --type's layout. */
static int resolve_field(const record_req *q, const spy_name *name,
                         spy_until *u) {
    spy_typed t;
    spy_seg *seg;
    spy_err e;
    int rc, usage = 0;

    if (q->typed.type == NULL && q->typed.layout_file == NULL)
        return cli_usage_error("record",
                               "--until field=%s needs a layout (--type T "
                               "with --header, --from or --layout)",
                               u->field);
    if (spy_seg_open(name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    if ((rc = cli_typed_load("record", &q->typed, &t)) != 0) {
        spy_seg_close(seg);
        return rc;
    }
    rc = spy_record_until_field(u, seg, &t, q->base, &usage, &e);
    spy_typed_free(&t);
    spy_seg_close(seg);
    if (rc != 0)
        return usage ? cli_usage_error("record", "%s", e.msg) : cli_fail(&e);
    return 0;
}

/* A ring writes FILE only when it saves: refuse at the start what it
 * could never write, by creating and removing the file (with --force, the
 * temporary beside it that a save renames over it): "FILE: exists (use
 * --force to replace it)", "FILE: no such file or directory", "FILE:
 * permission denied (...)". */
static int ring_output_check(const char *path, int force) {
    spy_file *f;
    spy_err e;
    int rc = force ? spy_file_create_replace(path, &f, &e)
                   : spy_file_create(path, &f, &e);
    if (rc == 0) {
        spy_file_discard(f);
        return 0;
    }
    if (force) {
        /* (named after FILE, not after its temporary) */
        size_t n = strlen(path);
        const char *why = strstr(e.msg + (strlen(e.msg) > n ? n : 0), ": ");
        if (strncmp(e.msg, path, n) == 0 && why != NULL) {
            spy_err e2;
            spy_err_set(&e2, e.code, e.sys, "%s%s", path, why);
            e = e2;
        }
    }
    return cli_fail(&e);
}

static void put_bytes(FILE *f, uint64_t n) {
    if (n >= 10u << 20)
        fprintf(f, "%.1f MiB", (double)n / (1 << 20));
    else if (n >= 10u << 10)
        fprintf(f, "%.1f KiB", (double)n / (1 << 10));
    else
        fprintf(f, "%" PRIu64 " bytes", n);
}

static void start_line(const record_req *q, const spy_record_opts *o,
                       spy_recorder *r, int can_save) {
    spy_record_stats st;
    char d[32];

    spy_record_stats_get(r, &st);
    fputs("shmspy: recording ", stderr);
    cli_put_name(stderr, q->name_text);
    fprintf(stderr, " (%" PRIu64 " bytes) at %" PRIu64 " Hz", st.size, q->hz);
    if (o->ring_ns != 0) {
        fprintf(stderr, ", keeping the last %s in memory (at most ",
                spy_format_seconds(o->ring_ns, d, sizeof d));
        put_bytes(stderr, st.ring_limit);
        fputs(") for ", stderr);
        cli_put_escaped(stderr, q->out);
        if (can_save && spy_term_stdin_foreground())
            fprintf(stderr, " (Enter or kill -USR1 %ld saves it)",
                    spy_self_pid());
        else if (can_save)
            fprintf(stderr, " (kill -USR1 %ld saves it)", spy_self_pid());
        else if (spy_term_stdin_foreground())
            fputs(" (a key saves it)", stderr);
        fputs("; Ctrl-C stops and saves\n", stderr);
    } else {
        fputs(" to ", stderr);
        cli_put_escaped(stderr, q->out);
        fputs("; Ctrl-C stops\n", stderr);
    }
}

static void summary_line(const record_req *q, const spy_record_stats *st,
                         const spy_until *u) {
    char d[32];

    fputs("shmspy: recorded ", stderr);
    cli_put_name(stderr, q->name_text);
    fprintf(stderr, ": %" PRIu64 " samples (%" PRIu64 " with changes, ",
            st->s.samples, st->s.deltas);
    put_bytes(stderr, st->s.changed_bytes);
    fprintf(stderr, " changed), %" PRIu64 " missed, %" PRIu64 " events",
            st->s.missed, st->events);
    if (st->hits > 0)
        fprintf(stderr, ", %" PRIu64 " blame hits", st->hits);
    fputs(", ", stderr);
    put_bytes(stderr, st->file_bytes);
    fprintf(stderr, " in ");
    cli_put_escaped(stderr, q->out);
    fprintf(stderr, ", %s", spy_format_seconds(st->last_ns, d, sizeof d));
    if (st->ring_limited) {
        fprintf(stderr, " (the last %s kept: ",
                spy_format_seconds(st->ring_kept_ns, d, sizeof d));
        put_bytes(stderr, st->ring_limit);
        fputs(" of memory shortened --ring)", stderr);
    }
    switch (st->end) {
    case SPY_RECORD_TRIGGERED:
        fprintf(stderr, "; triggered at %s: ",
                spy_format_seconds(st->trigger_ns, d, sizeof d));
        cli_put_escaped(stderr, u->text);
        break;
    case SPY_RECORD_DURATION:
        fputs("; --for elapsed", stderr);
        break;
    case SPY_RECORD_MAXSIZE:
        fputs("; stopped before --max-size", stderr);
        break;
    case SPY_RECORD_STOPPED:
        fprintf(stderr, "; stopped by %s",
                rec_signal == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    default:
        break;
    }
    if (u != NULL && st->end != SPY_RECORD_TRIGGERED)
        fputs(" (--until did not hold)", stderr);
    fputc('\n', stderr);
}

/* A condition on bytes past the segment's end can hold only if it grows:
 * said once at the start, as a data breakpoint that cannot fire would
 * otherwise look like one that did not. */
static void until_reach_warning(const spy_until *u, spy_recorder *r) {
    spy_record_stats st;

    if (u == NULL || !u->resolved)
        return;
    spy_record_stats_get(r, &st);
    if (u->off + u->len <= st.size)
        return;
    fputs("shmspy: record: note: --until '", stderr);
    cli_put_escaped(stderr, u->text);
    fprintf(stderr,
            "' looks past the segment's end (%" PRIu64
            " bytes): it can hold only if the segment grows\n",
            st.size);
}

/* Once the sampler has had a second: when it misses most periods, says
 * once what rate it really keeps (a sample reads the whole segment).
 * Returns 1 once said or once there is no need (then never again). */
static int rate_warning(spy_recorder *r, uint64_t hz) {
    spy_record_stats st;
    uint64_t per_ns;

    spy_record_stats_get(r, &st);
    if (st.last_ns < 1000000000ull)
        return 0;
    if (st.s.missed <= st.s.samples || st.s.samples == 0)
        return 1;
    per_ns = st.s.busy_ns / st.s.samples;
    fprintf(stderr,
            "shmspy: record: note: a sample of %" PRIu64
            " bytes takes about %" PRIu64 " ms, so about %" PRIu64
            " of the %" PRIu64
            " samples a second are taken (each reads the whole segment; "
            "missed ones are counted)\n",
            st.size, per_ns / 1000000,
            per_ns > 0 ? (uint64_t)1000000000 / per_ns : hz, hz);
    return 1;
}

int cmd_record(int argc, char **argv) {
    record_req q;
    spy_record_opts o;
    spy_recorder *r = NULL;
    spy_record_stats st;
    spy_until until;
    spy_name name;
    spy_err e;
    void (*old_int)(int), (*old_term)(int);
    int rc, code, can_save = 0, step_failed = 0;

    memset(&q, 0, sizeof q);
    q.hz = 100;
    if (!cli_parse(&cmd_record_spec, argc, argv, &q, &code))
        return code;
    if (cli_name("record", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    memset(&o, 0, sizeof o);
    o.name = &name;
    o.out = q.out;
    o.period_ns = 1000000000u / q.hz;
    o.flags =
        (q.force ? SPY_RECW_FORCE : 0) | (q.no_compress ? SPY_RECW_PLAIN : 0);
    o.max_size = q.max_size;
    o.blame_len = q.blame_len ? (unsigned)q.blame_len : 4;
    if (o.blame_len != 1 && o.blame_len != 2 && o.blame_len != 4 &&
        o.blame_len != 8)
        return cli_usage_error("record", "--blame-len %u: 1, 2, 4 or 8",
                               o.blame_len);
    if (q.for_text != NULL) {
        if (spy_parse_duration("--for", q.for_text, &o.for_ns, &e) != 0)
            return cli_usage_error("record", "%s", e.msg);
        if (o.for_ns == 0)
            return cli_usage_error("record", "--for: must be more than 0");
    }
    if (q.ring_text != NULL) {
        if (spy_parse_duration("--ring", q.ring_text, &o.ring_ns, &e) != 0)
            return cli_usage_error("record", "%s", e.msg);
        if (o.ring_ns == 0)
            return cli_usage_error("record", "--ring: must be more than 0");
    }
    if (q.blame_text != NULL && (rc = parse_blame(q.blame_text, &o)) != 0)
        return rc;
    if (q.until_text != NULL) {
        if (spy_until_parse(q.until_text, &until, &e) != 0)
            return cli_usage_error("record", "%s", e.msg);
        if (until.field[0] != '\0' &&
            (rc = resolve_field(&q, &name, &until)) != 0)
            return rc;
        o.until = &until;
    }

    if (o.ring_ns != 0 && (rc = ring_output_check(q.out, q.force)) != 0)
        return rc;

    rec_signal = 0;
    rec_save = 0;
    old_int = signal(SIGINT, on_stop);
    old_term = signal(SIGTERM, on_stop);
    if (spy_record_start(&o, &r, &e) != 0) {
        signal(SIGINT, old_int);
        signal(SIGTERM, old_term);
        return cli_fail(&e);
    }
    rec_live = r;
    if (rec_signal)
        spy_record_stop(r);
    if (o.ring_ns != 0)
        can_save = spy_save_signal_catch(on_save, NULL) == 0;
    start_line(&q, &o, r, can_save);
    until_reach_warning(q.until_text != NULL ? &until : NULL, r);
    rc = SPY_EXIT_OK;
    for (int warned = 0;;) {
        int s = spy_record_step(r, &e);
        if (s < 0) {
            /* said after finishing: a failed write is said by finish,
             * with what was kept */
            step_failed = 1;
            rc = SPY_EXIT_RUNTIME;
            break;
        }
        if (!warned)
            warned = rate_warning(r, q.hz);
        /* The key that saves a ring: Enter (backends/term.h). */
        if (o.ring_ns != 0 && spy_term_enter_pressed())
            rec_save = 1;
        if (rec_save) {
            rec_save = 0;
            if (spy_record_save(r, &e) != 0)
                cli_fail(&e); /* said; the ring keeps going */
            else {
                fputs("shmspy: record: saved the ring to ", stderr);
                cli_put_escaped(stderr, q.out);
                fputc('\n', stderr);
            }
        }
        if (s > 0)
            break;
    }
    if (can_save)
        spy_save_signal_restore();
    spy_record_stats_get(r, &st);
    if (st.end == SPY_RECORD_STOPPED)
        (void)spy_record_note(r,
                              rec_signal == SIGTERM ? "stopped by SIGTERM"
                                                    : "stopped by SIGINT",
                              NULL);
    rec_live = NULL;
    signal(SIGINT, old_int);
    signal(SIGTERM, old_term);
    {
        spy_err fe;
        int frc = spy_record_finish_stats(r, &st, &fe);
        if (step_failed && (frc == 0 || strstr(fe.msg, e.msg) == NULL))
            rc = cli_fail(&e);
        if (frc != 0) {
            cli_fail(&fe);
            return SPY_EXIT_RUNTIME;
        }
        summary_line(&q, &st, q.until_text != NULL ? &until : NULL);
    }
    if (rc != SPY_EXIT_OK)
        return rc;
    if (q.until_text != NULL && st.end != SPY_RECORD_TRIGGERED)
        return CLI_EXIT_NOT_TRIGGERED;
    return SPY_EXIT_OK;
}
