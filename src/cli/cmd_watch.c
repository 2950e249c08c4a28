/* cmd_watch.c - `shmspy watch NAME [--hz N] [--write]`: the live hex view. */
#include "../tui/tui.h"
#include "cli.h"

/* What the command line asks for. */
typedef struct watch_req {
    const char *name_text;
    uint64_t hz;
    int write, force, follow;
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
    {0}};

static const char *const watch_needs[][2] = {
    {"force", "write"}, {"follow", "write"}, {NULL, NULL}};

static const cli_pos watch_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_watch_spec = {
    "watch",
    "watch NAME [--hz N] [--write [--force] [--follow]]",
    "Live hex view of NAME: bytes that change are highlighted and fade.\n",
    watch_options,
    watch_args,
    NULL,
    watch_needs,
    "Press ? in the view for every key; q quits.\n"};

int cmd_watch(int argc, char **argv) {
    watch_req q = {NULL, 10, 0, 0, 0};
    int rc;
    spy_tui_opts o = {10, 0, 0, 0};
    spy_name name;
    spy_err e;

    if (!cli_parse(&cmd_watch_spec, argc, argv, &q, &rc))
        return rc;
    o.hz = (unsigned)q.hz;
    o.write = q.write;
    o.force = q.force;
    o.follow = q.follow;
    if (cli_name("watch", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    spy_err_clear(&e);
    rc = spy_tui_watch(&name, &o, &e);
    if (rc != 0 && e.msg[0] != '\0')
        cli_fail(&e);
    return rc;
}
