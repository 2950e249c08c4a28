/* cmd_clean.c - `shmspy clean [PATTERN] [--older-than D] [--kind K]
 * [--yes] [--journal-dir DIR] [--json]`: shared memory nothing maps or
 * holds (ops/clean.h), listed, and removed with a journal when asked. */
#include <inttypes.h>
#include <string.h>

#include "../core/json.h"
#include "../ops/clean.h"
#include "cli.h"

/* What the command line asks for. */
typedef struct clean_req {
    const char *pattern;
    const char *older;
    const char *journal_dir;
    int kinds, yes, json, trust_namespace;
} clean_req;

static const cli_choice clean_kinds[] = {{"posix", SPY_CLEAN_POSIX, 0, 0},
                                         {"sysv", SPY_CLEAN_SYSV, 0, 0},
                                         {"all", SPY_CLEAN_ALL, 0, 0},
                                         {NULL, 0, 0, 0}};

static const cli_option clean_options[] = {
    CLI_OPT(0, "older-than", CLI_STR, offsetof(clean_req, older), "DURATION",
            "only objects unchanged for this long (90s, 30m, 1h, 2d)"),
    CLI_OPT('k', "kind", CLI_ENUM, offsetof(clean_req, kinds), NULL,
            "only objects of this kind (default all)", .choices = clean_kinds),
    CLI_OPT(0, "yes", CLI_FLAG, offsetof(clean_req, yes), NULL,
            "remove them (journalled); without it nothing is removed"),
    CLI_OPT(0, "journal-dir", CLI_STR, offsetof(clean_req, journal_dir), "DIR",
            "write the journals there (default: the current directory)",
            .value = CLI_V_FILE),
    CLI_OPT(0, "trust-namespace", CLI_FLAG,
            offsetof(clean_req, trust_namespace), NULL,
            "in a PID namespace of its own, count its processes only"),
    CLI_OPT(0, "json", CLI_FLAG, offsetof(clean_req, json), NULL,
            "one JSON document (fields in 'man shmspy')"),
    {0}};

static const cli_pos clean_args[] = {
    {"PATTERN", offsetof(clean_req, pattern), 0, NULL, CLI_V_NONE, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

static const char *const clean_needs[][2] = {{"journal-dir", "yes"},
                                             {NULL, NULL}};

const cli_command cmd_clean_spec = {
    "clean",
    "clean [PATTERN] [--older-than DURATION] [--kind posix|sysv|all] "
    "[--yes]\n"
    "             [--journal-dir DIR] [--trust-namespace] [--json]",
    "Lists POSIX objects, named semaphores and System V segments that no\n"
    "process maps or holds open, with kind, size and age (PATTERN: a shell\n"
    "glob on the name). Nothing is removed without --yes; with it, each\n"
    "object is re-checked (same inode or shmid, still unused), its name,\n"
    "bytes and mode journalled, then removed (System V: IPC_RMID, journalled\n"
    "under its key): 'shmspy inject undo JOURNAL' restores it (a System V\n"
    "segment under a new shmid; one with key IPC_PRIVATE as a new private\n"
    "segment). Objects whose users could not all be counted are never\n"
    "removed; in a PID namespace of its own (a container) that is every\n"
    "POSIX object, unless --trust-namespace says no process outside it\n"
    "uses them.\n"
    "Exit 0 when nothing was left to do or everything asked was removed;\n"
    "1 when --yes left some object in place (each says why).\n",
    clean_options,
    clean_args,
    NULL,
    clean_needs,
    NULL};

static void format_age(int64_t age, char *buf, size_t cap) {
    if (age < 0)
        snprintf(buf, cap, "-");
    else if (age < 120)
        snprintf(buf, cap, "%" PRId64 "s", age);
    else if (age < 2 * 3600)
        snprintf(buf, cap, "%" PRId64 "m", age / 60);
    else if (age < 2 * 86400)
        snprintf(buf, cap, "%" PRId64 "h", age / 3600);
    else
        snprintf(buf, cap, "%" PRId64 "d", age / 86400);
}

typedef struct clean_out {
    spy_json *json; /* NULL: text */
    int yes;
    int header;  /* text: the header line was printed */
    int started; /* JSON: the document was begun (at the first candidate
                    or at the end: a listing that fails before any
                    candidate prints the error document alone) */
} clean_out;

static void json_start(clean_out *o) {
    if (o->json == NULL || o->started)
        return;
    o->started = 1;
    spy_json_obj_begin(o->json);
    spy_json_key(o->json, "dry_run");
    spy_json_bool(o->json, !o->yes);
    spy_json_key(o->json, "candidates");
    spy_json_arr_begin(o->json);
}

static int show_item(const spy_clean_item *it, void *arg) {
    clean_out *o = arg;
    char age[32];

    if (o->json != NULL) {
        spy_json *j = o->json;
        json_start(o);
        spy_json_obj_begin(j);
        spy_json_name(j, "name", it->name);
        spy_json_key(j, "kind");
        spy_json_str(j, spy_kind_name(it->kind));
        spy_json_key(j, "size");
        spy_json_uint(j, it->size);
        spy_json_key(j, "age_seconds");
        if (it->age >= 0)
            spy_json_int(j, it->age);
        else
            spy_json_null(j);
        spy_json_key(j, "unused_exact");
        spy_json_bool(j, it->exact);
        spy_json_key(j, "removed");
        spy_json_bool(j, it->removed);
        if (it->journal[0] != '\0') {
            spy_json_name(j, "journal", it->journal);
        } else {
            spy_json_key(j, "journal");
            spy_json_null(j);
        }
        spy_json_key(j, "reason_not_removed");
        if (it->reason[0] != '\0')
            spy_json_str(j, it->reason);
        else
            spy_json_null(j);
        spy_json_obj_end(j);
        return 0;
    }
    format_age(it->age, age, sizeof age);
    if (!o->header) {
        printf("%-6s %12s %6s  %s\n", "KIND", "SIZE", "AGE", "NAME");
        o->header = 1;
    }
    printf("%-6s %12" PRIu64 " %6s  ", spy_kind_name(it->kind), it->size, age);
    cli_put_name(stdout, it->name);
    if (!it->exact) {
        fputs("  (none seen, but ", stdout);
        cli_put_escaped(stdout, it->unsure);
        fputc(')', stdout);
    }
    fputc('\n', stdout);
    if (it->removed) {
        fputs("    removed; undo: shmspy inject undo ", stdout);
        cli_put_escaped(stdout, it->journal);
        fputc('\n', stdout);
    } else if (it->reason[0] != '\0') {
        fputs("    ", stdout);
        cli_put_escaped(stdout, it->reason);
        fputc('\n', stdout);
    }
    return 0;
}

int cmd_clean(int argc, char **argv) {
    clean_req q = {NULL, NULL, NULL, SPY_CLEAN_ALL, 0, 0, 0};
    spy_clean_req r;
    spy_clean_done done;
    clean_out o = {NULL, 0, 0, 0};
    spy_json j;
    spy_err e;
    int rc;

    if (!cli_parse(&cmd_clean_spec, argc, argv, &q, &rc))
        return rc;
    memset(&r, 0, sizeof r);
    r.pattern = q.pattern;
    r.kinds = (unsigned)q.kinds;
    r.yes = q.yes;
    r.journal_dir = q.journal_dir;
    r.trust_namespace = q.trust_namespace;
    if (q.older != NULL) {
        if (spy_clean_parse_duration(q.older, &r.older_than, &e) != 0)
            return cli_usage_error("clean", "--older-than: %s", e.msg);
        r.have_older = 1;
    }
    o.yes = q.yes;
    if (q.json) {
        spy_json_init(&j, stdout, 1);
        o.json = &j;
    }
    spy_err_clear(&e);
    rc = spy_clean_run(&r, show_item, &o, &done, &e);
    if (rc != 0 && !o.started) {
        return cli_fail(&e);
    } else if (q.json) {
        json_start(&o);
        spy_json_arr_end(&j);
        spy_json_key(&j, "removed");
        spy_json_uint(&j, done.removed);
        spy_json_key(&j, "not_removed");
        spy_json_uint(&j, q.yes ? done.refused : done.candidates);
        if (rc != 0)
            cli_fail_in(&j, &e);
        spy_json_obj_end(&j);
        spy_json_end(&j);
    } else if (rc != 0) {
        cli_fail(&e);
    } else if (done.candidates == 0) {
        printf("nothing to clean: every object is mapped or held%s\n",
               q.pattern || q.older ? ", or filtered out" : "");
    } else if (!q.yes) {
        printf("%zu unused; nothing removed (--yes removes them, each "
               "journalled)\n",
               done.candidates);
    } else {
        printf("%zu removed, %zu left in place\n", done.removed, done.refused);
    }
    if (cli_finish_stdout() != SPY_EXIT_OK || rc != 0)
        return SPY_EXIT_RUNTIME;
    return q.yes && done.refused > 0 ? SPY_EXIT_RUNTIME : SPY_EXIT_OK;
}
