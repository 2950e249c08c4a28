/* cmd_watch.c - `shmspy watch NAME [--hz N] [--write]`: the live hex view;
 * with --type ..., the field pane of that struct beside it. */
#include <string.h>

#include "../tui/tui.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"

/* What the command line asks for. */
typedef struct watch_req {
    const char *name_text;
    uint64_t hz, off;
    int write, force, follow;
    spy_typed_req typed;
    const char *field;
} watch_req;

#define F(member) offsetof(watch_req, member)

static const cli_option watch_options[] = {
    CLI_OPT(0, "hz", CLI_NUM, F(hz), "N", "refresh rate, 1..60 (default 10)",
            .min = 1, .max = 60),
    CLI_OPT('w', "write", CLI_FLAG, F(write), NULL,
            "open read-write: type hex digits or text to edit in place"),
    CLI_OPT(0, "force", CLI_FLAG, F(force), NULL,
            "with --write: edit even an object whose mode is read-only\n"
            "(the write policy of `shmspy write --force`)"),
    CLI_OPT(0, "follow", CLI_FLAG, F(follow), NULL,
            "with --write: NAME is a file:PATH that is a symbolic link:\n"
            "edit where it points (as `shmspy write --follow`)"),
    CLI_OPT('s', "offset", CLI_NUM, F(off), "BASE",
            "typed: where the struct starts (default 0)"),
    CLI_TYPED_OPTIONS(F),
    CLI_TYPED_FIELD_OPTION(F),
    {0}};

static const char *const watch_needs[][2] = {
    {"force", "write"}, {"follow", "write"}, {NULL, NULL}};

static const cli_pos watch_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_watch_spec = {
    "watch",
    "watch NAME [--hz N] [--write [--force] [--follow]]\n"
    "       shmspy watch NAME --type T (--header H [--cflags WORDS] |\n"
    "                   --from PID|PATH | --layout FILE) [--no-cache]\n"
    "                   [-s BASE] [--field PATH]",
    "Live hex view of NAME: bytes that change are highlighted and fade.\n"
    "With --type, the fields of struct T (at BASE) in a pane beside the\n"
    "hex: values decoded for their type, changes highlighted, torn values\n"
    "marked; t shows hex, fields or both, T loads another layout.\n",
    watch_options,
    watch_args,
    NULL,
    watch_needs,
    "Press ? in the view for every key; q quits.\n"};

int cmd_watch(int argc, char **argv) {
    watch_req q;
    int rc;
    spy_tui_opts o;
    spy_typed t;
    int typed = 0;
    spy_name name;
    spy_err e;

    memset(&q, 0, sizeof q);
    memset(&o, 0, sizeof o);
    q.hz = 10;

    if (!cli_parse(&cmd_watch_spec, argc, argv, &q, &rc))
        return rc;
    o.hz = (unsigned)q.hz;
    o.write = q.write;
    o.force = q.force;
    o.follow = q.follow;
    if (cli_name("watch", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    if (!spy_typed_wanted(&q.typed) && (q.field != NULL || q.off != 0))
        return cli_usage_error("watch",
                               "%s needs a layout (--type with "
                               "--header, --from or --layout)",
                               q.field != NULL ? "--field" : "--offset");
    if (spy_typed_wanted(&q.typed)) {
        /* Resolved before the screen starts: errors on a plain line. */
        if ((rc = cli_typed_load("watch", &q.typed, &t)) != 0)
            return rc;
        typed = 1;
        o.typed = &t;
        o.typed_base = q.off;
        o.field = q.field;
    }
    spy_err_clear(&e);
    rc = spy_tui_watch(&name, &o, &e);
    if (rc != 0 && e.msg[0] != '\0')
        cli_fail(&e);
    if (typed)
        spy_typed_free(&t);
    return rc;
}
